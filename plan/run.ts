import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { setMocks } from "@pulumi/pulumi/runtime/mocks";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { offlineInvoke, offlineResource } from "./offline-data";
import { decodeWire, PlanMonitor, RecordedResource } from "./monitor";
import { PLAN_SECURE_PATHS_KEY } from "../stacks/config/encrypted-values";
import { placeholderFor, readStackFile, shownConfigPath } from "./stack-file";
import { ConfigError } from "../stacks/config/errors";

// Not in the SDK's type declarations, but stable across the 3.x line we pin.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export interface PlanOptions {
    /** Folder holding Pulumi.yaml. Default: the current directory. */
    projectDir?: string;
    stack: string;
    /** Stack file; default `Pulumi.<stack>.yaml` in the project folder. */
    stackFile?: string;
    /** Values for `secure:` config, by path (`groundwork:oci.auth.privateKey`). */
    secrets?: Record<string, string>;
    /** Run this module instead of the project's `main` (the benchmark's floor program). */
    program?: string;
}

export interface PlanResult {
    project: string;
    stack: string;
    resources: RecordedResource[];
    /** Stack outputs, secrets masked. */
    outputs: Record<string, unknown>;
    /** Config paths that got an offline placeholder. */
    placeholders: string[];
    /** Every secret value the plan saw in the clear; nothing it writes may contain one. */
    secretValues: string[];
    /**
     * Config paths given with `--secret` whose value is also plain text of the stack file (a short
     * password that is a word of an address): nothing can tell a leak of it from that text, so it is
     * not checked, and the summary says so.
     */
    uncheckedSecrets: string[];
}

/**
 * The `--secret` entries whose value is also plain text of the stack file (read without them, so
 * encrypted values are placeholders): a leak of such a value cannot be told from that text.
 */
export function secretsInPlainText(plainConfig: Record<string, string>, secrets: Record<string, string>): [string, string][] {
    const plainText = Object.values(plainConfig).join("\n");
    return Object.entries(secrets).filter(([, value]) => plainText.includes(value));
}

/**
 * The `--secret` entries whose value is the whole value of a plain setting of the stack file, with
 * that setting's path: two settings swapped (an SSO client secret given the operators' group), never
 * a secret (sweep s24 M2). A secret that is only part of the file's text is not one of these, nor is
 * an encrypted value's stand-in (`standIns`), which is no text the user wrote.
 */
export function secretsEqualToSettings(plainConfig: Record<string, string>, secrets: Record<string, string>, standIns: string[] = []): [string, string][] {
    const leaves: [string, string][] = [];
    const walk = (value: unknown, at: string): void => {
        if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`));
        else if (value !== null && typeof value === "object") Object.entries(value).forEach(([k, v]) => walk(v, `${at}.${k}`));
        else if (value !== null && value !== undefined) leaves.push([at, String(value)]);
    };
    for (const [key, text] of Object.entries(plainConfig)) {
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* a plain string */ }
        walk(typeof parsed === "object" ? parsed : text, key);
    }
    return Object.entries(secrets).flatMap(([key, value]) => {
        const setting = leaves.find(([at, leaf]) => at !== key && leaf === value && !standIns.includes(leaf));
        return setting ? [[key, setting[0]] as [string, string]] : [];
    });
}

/**
 * The values the written plan must not contain: the supplied secrets, each secret input or output
 * string, and the key-like tokens inside them. A token that is also plain text of the stack file
 * is not one (an OIDC client id travels beside its secret, and an Entra id is a GUID of 36
 * key-like characters): the user wrote it in the open, so nothing leaks when the plan shows it.
 */
function collectSecrets(resources: RecordedResource[], outputs: unknown[], supplied: string[], plainText: string): string[] {
    const values = new Set(supplied);
    const at = (root: unknown, p: string): unknown =>
        p.split(/\.|\[|\]\.?/).filter(Boolean).reduce<any>((node, part) => node?.[part], root);
    // A secret string counts whole; inside it, and inside secret objects (an SDK may mark a whole
    // `connection` secret), each long key-like token (base64 or hex, letters and digits) counts, so that a key embedded
    // in a larger document (a kubeconfig) is caught while a host name beside it is not.
    // A name the program makes from the stack file's words, which secret documents hold beside their
    // keys: a key alias `<team>-<key>` (data-science-2024-default), an environment variable
    // `LANGFUSE_SECRET_KEY_TEAM_DATA_SCIENCE_2024`. None of its parts, split at '-' and '_', is a run
    // of 8 or more letters and digits the file does not hold as a word; a generated key's is (sweep s22 F1).
    const words = new Set(plainText.toLowerCase().split(/[^a-z0-9]+/));
    const derivedName = (token: string): boolean =>
        /^[A-Za-z0-9_-]+$/.test(token) && token.split(/[-_]/).every((part) => part.length < 8 || !(/\d/.test(part) && /[A-Za-z]/.test(part)) || words.has(part.toLowerCase()));
    const addStrings = (v: unknown, whole = true): void => {
        if (typeof v === "string") {
            if (whole && v.trim().length >= 8) values.add(v.trim());
            // A certificate is public, though it travels in a Secret beside its key (a CA's tls.crt
            // is also in the trust bundle): its text is no secret token.
            v.replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, "")
                .split(/[\s,;:"'`]+/)
                .flatMap((t) => [t, ...t.split(/=(?!=*$)/)]) // `joinKey=<key>` yields the key too
                .filter((t) => /^[A-Za-z0-9+/=_-]{16,}$/.test(t) && /\d/.test(t) && /[A-Za-z]/.test(t) && !derivedName(t))
                .forEach((t) => values.add(t));
        } else if (v && typeof v === "object") {
            Object.values(v).forEach((x) => addStrings(x, false));
        }
    };
    for (const r of resources) {
        r.secretPaths.forEach((p) => addStrings(p === "" ? r.plainInputs : at(r.plainInputs, p)));
    }
    outputs.forEach((v) => addStrings(v));
    return [...values].filter((v) => supplied.includes(v) || !writtenWhole(plainText, v));
}

/**
 * Characters a key-like token is made of: a value inside a longer run of them is part of another
 * token. `=` ends one (base64 padding) but may start none: `joinKey=<key>` writes the key whole.
 */
const TOKEN_CHARACTER = /[A-Za-z0-9+/=_-]/;
const TOKEN_START = /[A-Za-z0-9+/_-]/;

/**
 * Whether the text holds the value as a whole, not as part of a longer token: a secret token that
 * merely occurs inside a plain one (a run of a public key's base64) is still a secret (review s14b R2).
 */
export function writtenWhole(text: string, value: string): boolean {
    for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
        const before = text[at - 1];
        const after = text[at + value.length];
        if ((before === undefined || !TOKEN_START.test(before) || !TOKEN_CHARACTER.test(value[0])) &&
            (after === undefined || !TOKEN_CHARACTER.test(after) || !TOKEN_CHARACTER.test(value[value.length - 1]))) return true;
    }
    return false;
}

/**
 * The stack frames an error records while the program runs: none, unless
 * `GROUNDWORK_PLAN_STACK_TRACES=1` (then as many as outside it). The Pulumi SDK records a stack trace
 * for every promise it makes and formats it at once, for its leak report
 * (@pulumi/pulumi@3.248.0 runtime/debuggable.js L80-85). Under tsx's source maps that formatting
 * was most of a plan: 2.4 s of a warm plan of dev, against 0.6 s without (measured 2026-11-28).
 * Nothing the plan writes depends on them.
 */
export function programStackFrames(): number {
    return process.env.GROUNDWORK_PLAN_STACK_TRACES === "1" ? Error.stackTraceLimit : 0;
}

/** Plans running in this process, and the limit to put back when the last one ends (plans may overlap). */
let runningPlans = 0;
let stackFramesOutside = Error.stackTraceLimit;

/**
 * Runs a stack's program under Pulumi's mock runtime (no CLI, no credentials, no network) and
 * returns everything it registered. The same program `pulumi preview`/`up` run.
 */
export async function planStack(options: PlanOptions): Promise<PlanResult> {
    const projectDir = path.resolve(options.projectDir ?? ".");
    const projectFile = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    const project: string = projectFile.name;
    const stackFile = options.stackFile ?? path.join(projectDir, `Pulumi.${options.stack}.yaml`);
    const stackConfig = readStackFile(stackFile, project, options.secrets);
    const plainConfig = readStackFile(stackFile, project);
    const swapped = secretsEqualToSettings(plainConfig.config, options.secrets ?? {}, plainConfig.placeholders.map(placeholderFor));
    if (swapped.length > 0) {
        throw new ConfigError(swapped.map(([key, setting]) => `${shownConfigPath(key)} = [secret]: is also the plain-text value of ${shownConfigPath(setting)} in the stack file, so it is not a secret and cannot be kept one; give the real secret, and check whether two settings were swapped`));
    }
    const unchecked = secretsInPlainText(plainConfig.config, options.secrets ?? {});
    // The stack file's own plain text, without the stand-ins for its encrypted values.
    // (Nested values are JSON text, so each stand-in is taken out as written there too.)
    const plainText = plainConfig.placeholders.map(placeholderFor).flatMap((stand) => [stand, JSON.stringify(stand).slice(1, -1)])
        .reduce((text, stand) => text.split(stand).join(""), Object.values(plainConfig.config).join("\n"));

    const monitor = new PlanMonitor({ call: offlineInvoke, newResource: offlineResource }, project, options.stack);
    await setMocks(monitor.mocks, project, options.stack, false);
    setMockOptions(monitor, project, options.stack, false);
    // The leaves this stack file encrypts, which the program checks (it would read Pulumi.<stack>.yaml).
    pulumi.runtime.setAllConfig({ ...stackConfig.config, [PLAN_SECURE_PATHS_KEY]: JSON.stringify(stackConfig.securePaths) }, stackConfig.secretKeys);

    const program = path.resolve(projectDir, options.program ?? projectFile.main ?? ".");
    if (runningPlans++ === 0) stackFramesOutside = Error.stackTraceLimit;
    Error.stackTraceLimit = programStackFrames();
    try {
        await runInPulumiStack(async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const exported = require(program);
            const main = exported?.default ?? exported;
            return typeof main === "function" ? await main() : main;
        });
        await waitForRPCs();
    } finally {
        if (--runningPlans === 0) Error.stackTraceLimit = stackFramesOutside;
    }

    const stackResource = monitor.recorded.find((r) => r.type === "pulumi:pulumi:Stack");
    const stackState = stackResource ? monitor.resources.get(stackResource.urn)?.state : undefined;
    const outputs = stackState?.toJavaScript ? decodeWire(stackState.toJavaScript()).masked : {};
    return {
        project,
        stack: options.stack,
        resources: monitor.recorded,
        outputs,
        placeholders: stackConfig.placeholders,
        // Stand-ins for encrypted config are secrets too: they must not leak any more than the real values.
        // The stack's and project's names are words the program names things with too (the OCI bucket
        // backups-<stack>), though no stack file holds them (sweep s25 F1).
        secretValues: collectSecrets(monitor.recorded, monitor.secretOutputValues, [...stackConfig.suppliedSecrets.filter((v) => !unchecked.some(([, u]) => u === v)), ...stackConfig.placeholders.map(placeholderFor)], [plainText, options.stack, project].join("\n"))
            .filter((v) => !unchecked.some(([, u]) => u === v)),
        uncheckedSecrets: unchecked.map(([key]) => key),
    };
}
