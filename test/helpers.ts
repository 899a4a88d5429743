import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { SERVER_CA_CERT_PATH } from "../components/k3s/server-ca";
import { serverInstallName } from "../components/k3s/server-install";
import { handedHostKey, hostKeyHandoverName } from "../components/k3s/host-key-handover";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import { offlineResource } from "../plan/offline-data";
import { RecordedResource } from "../plan/monitor";
import { planStack, PlanResult } from "../plan/run";
import { readStackFile } from "../plan/stack-file";
import { configKey, ConfigError } from "../stacks/config/errors";
import { mustBeEncrypted, parseStackConfig, StackConfig } from "../stacks/config";
import { runPlanCli } from "../plan/cli-run";
import { kubernetesDocuments } from "../plan/report";
import { AdmissionRequest, admissionOutcome, Outcome } from "../policies/security/admission-policies";
import { pathMatchLength } from "../policies/security/mesh-admission";

export const PROJECT_DIR = path.resolve(__dirname, "..");

/**
 * The Python the tests run scripts and stand-ins with: Debian's, for which .ci/run installs
 * python3-yaml, rather than whatever `python3` a version manager puts first on PATH (pyenv's shim
 * costs 0.4 s a start, the interpreter itself 0.04 s); `python3` where there is no Debian one.
 */
export const PYTHON = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

/** Each committed stack file's config as read once per test process: tests edit copies, never the files. */
const committedStackConfigs = new Map<string, Record<string, string>>();

/** The raw `groundwork:*` values of a committed stack file, as new plain objects to edit in a test. */
export function stackValues(stack: string): Record<string, any> {
    let config = committedStackConfigs.get(stack);
    if (!config) committedStackConfigs.set(stack, (config = readStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "groundwork").config));
    return Object.fromEntries(
        Object.entries(config)
            .filter(([k]) => k.startsWith("groundwork:"))
            .map(([k, v]) => [k.slice("groundwork:".length), JSON.parse(v)]),
    );
}

/** Parses edited values the way the Pulumi CLI hands them to the program. */
export function parse(values: Record<string, unknown>): StackConfig {
    return parseStackConfig(Object.fromEntries(Object.entries(values).map(([k, v]) => [`groundwork:${k}`, JSON.stringify(v)])));
}

/** The problems a config has; fails the test if it has none. */
export function problems(values: Record<string, unknown>): string[] {
    try {
        parse(values);
    } catch (err) {
        if (err instanceof ConfigError) {
            return err.problems;
        }
        throw err;
    }
    throw new Error("expected the configuration to be rejected, but it parsed");
}

/**
 * A stack file of edited values, each credential written encrypted as `pulumi config set --secret`
 * stores it (a credential in plain text is refused: mustBeEncrypted), with the values to hand the
 * plan as --secret.
 */
export function stackFileFor(values: Record<string, unknown>): { text: string; secrets: Record<string, string> } {
    const secrets: Record<string, string> = {};
    const encrypt = (value: unknown, at: PropertyKey[]): unknown => {
        if (typeof value === "string" && value.length > 0 && mustBeEncrypted(at)) {
            secrets[configKey(at)] = value;
            return { secure: "v1:test" };
        }
        if (value === null || typeof value !== "object") return value;
        return Array.isArray(value) ? value.map((v, i) => encrypt(v, [...at, i])) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encrypt(v, [...at, k])]));
    };
    const text = YAML.stringify({ config: Object.fromEntries(Object.entries(values).map(([k, v]) => [`groundwork:${k}`, encrypt(v, [k])])) });
    return { text, secrets };
}

/** Plans a stack from edited config values, written to a temporary stack file. */
export async function planValues(stack: string, values: Record<string, unknown>): Promise<PlanResult> {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-stack-")), `Pulumi.${stack}.yaml`);
    const { text, secrets } = stackFileFor(values);
    fs.writeFileSync(file, text);
    return planStack({ projectDir: PROJECT_DIR, stack, stackFile: file, secrets });
}

const committedPlans = new Map<string, Promise<PlanResult>>();

/** Everything a plan of a committed stack depends on: the program, its config, its dependencies. */
const PLAN_INPUTS = ["stacks", "components", "plan", "policies", "prompts", "package-lock.json", "tsconfig.json", "Pulumi.yaml"];

/** A digest of the plan's inputs, read once per process: the name of the plans' shared directory. */
function planInputsDigest(): string {
    const hash = createHash("sha256");
    const visit = (rel: string): void => {
        const full = path.join(PROJECT_DIR, rel);
        if (fs.statSync(full).isDirectory()) {
            for (const entry of fs.readdirSync(full).sort()) visit(path.join(rel, entry));
        } else {
            hash.update(rel).update("\0").update(fs.readFileSync(full)).update("\0");
        }
    };
    [...PLAN_INPUTS, ...fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).sort()].forEach(visit);
    return hash.digest("hex").slice(0, 16);
}

let sharedDir: string | undefined;

/**
 * A committed stack's plan, shared by mocha's workers (`.mocharc.json` parallel): the first to
 * need it plans it under a lock file and writes it as JSON to a directory named by the digest of
 * the plan's inputs; the others wait and read it. Every caller gets the JSON form, so a test sees
 * the same object whichever worker planned. A lock older than two minutes is a crashed worker's.
 */
async function sharedPlan(stack: string): Promise<PlanResult> {
    if (sharedDir === undefined) {
        sharedDir = path.join(os.tmpdir(), `groundwork-committed-plans-${planInputsDigest()}`);
        // Plans of earlier inputs (about 12 MB a set): gone after a day.
        for (const old of fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("groundwork-committed-plans-"))) {
            const dir = path.join(os.tmpdir(), old);
            if (dir !== sharedDir && Date.now() - fs.statSync(dir).mtimeMs > 86_400_000) fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    fs.mkdirSync(sharedDir, { recursive: true });
    const file = path.join(sharedDir, `${stack}.json`);
    const lock = `${file}.lock`;
    for (;;) {
        if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as PlanResult;
        try {
            fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
        } catch {
            const held = fs.statSync(lock, { throwIfNoEntry: false });
            if (held && Date.now() - held.mtimeMs > 120_000) fs.rmSync(lock, { force: true });
            await new Promise((resolve) => setTimeout(resolve, 200));
            continue;
        }
        try {
            const text = JSON.stringify(await planStack({ projectDir: PROJECT_DIR, stack }));
            fs.writeFileSync(`${file}.${process.pid}`, text);
            fs.renameSync(`${file}.${process.pid}`, file);
            return JSON.parse(text) as PlanResult;
        } finally {
            fs.rmSync(lock, { force: true });
        }
    }
}

/**
 * The plan of a committed stack file, planned once per test run and shared between files and
 * workers: a plan is read, never changed, by the tests (treat it as frozen). Planning the four
 * stacks once instead of in every file is most of what keeps `npm test` short.
 */
export function committedPlan(stack: string): Promise<PlanResult> {
    if (!committedPlans.has(stack)) committedPlans.set(stack, sharedPlan(stack));
    return committedPlans.get(stack)!;
}

/**
 * A plan's ValidatingAdmissionPolicies and bindings, as the security pack's CEL evaluator
 * (policies/security/admission-policies.ts admissionOutcome) takes them.
 */
export async function planAdmissionPolicies(stack: string): Promise<{ type: string; props: any }[]> {
    return kubernetesDocuments((await committedPlan(stack)).resources).filter((d: any) => d.kind?.startsWith("ValidatingAdmissionPolicy"))
        .map((d: any) => ({ type: `kubernetes:admissionregistration.k8s.io/v1:${d.kind}`, props: d }));
}

/**
 * A suite's verdicts on requests by `stack`'s admission policies, which load in the suite's `before`
 * hook: each request is `defaults` with the test's own fields over them.
 */
export function admissionVerdicts(stack: string, defaults: Partial<AdmissionRequest>): (request: Partial<AdmissionRequest>) => Outcome {
    let resources: { type: string; props: any }[] = [];
    before(async () => {
        resources = await planAdmissionPolicies(stack);
    });
    return (request) => admissionOutcome(resources, { ...defaults, ...request } as AdmissionRequest);
}

export const ofType = (plan: PlanResult, type: string): RecordedResource[] => plan.resources.filter((r) => r.type === type);

/** The one resource of a type and name; fails the test if there is not exactly one. */
export function named(plan: PlanResult, type: string, name: string): RecordedResource {
    const found = ofType(plan, type).filter((r) => r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}`);
    return found[0];
}

/**
 * Runs `npm run plan -- <args>` in this process (plan/cli-run.ts, what plan/cli.ts runs), with its
 * exit code and what it printed: the command without a new Node and TypeScript start per call.
 */
export async function planCli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const status = await runPlanCli(args, { out: (t) => { stdout += t; }, err: (t) => { stderr += t; } });
    return { status, stdout, stderr };
}

/** The script Pulumi installs k3s with over SSH on a cloud server (its install Command's stdin). */
export const serverInstallScriptOf = (plan: PlanResult, node: string): string =>
    String(named(plan, "command:remote:Command", serverInstallName(node)).plainInputs.stdin);

/**
 * The host key a cloud node's handover printed in the offline plan (the stand-in's answer), which
 * every connection after it must verify.
 */
export const handedHostKeyOf = (node: string): string =>
    handedHostKey(node, String(offlineResource({ type: "command:remote:Command", name: hostKeyHandoverName(node), inputs: {}, custom: true } as MockResourceArgs).state.stdout));

/** The k3s config file an install script writes (cloud servers' and edge machines'). */
export function k3sConfigInScript(script: string): Record<string, any> {
    const body = /<<'GROUNDWORK_K3S_CONFIG'\n([\s\S]*?)\nGROUNDWORK_K3S_CONFIG/.exec(script);
    assert.ok(body, "the script writes no k3s config");
    return YAML.parse(body[1]);
}

/** The server CA certificate an initial server's install script places, if it places one. */
export function serverCaCertInScript(script: string): string | undefined {
    const placed = new RegExp(`printf '%s' '([A-Za-z0-9+/=]+)' \\| base64 -d > ${SERVER_CA_CERT_PATH}\n`).exec(script);
    return placed ? Buffer.from(placed[1], "base64").toString("utf8") : undefined;
}

/** The cloud-init user data an OCI instance boots with. */
export const ociUserDataOf = (r: RecordedResource): string =>
    Buffer.from((r.plainInputs.metadata as Record<string, string>).user_data, "base64").toString("utf8");

/** The JSON Vault's configure script writes at a path (the heredoc just before `vault kv put … <path>`). */
export function vaultSecretIn(script: string, path: string): Record<string, string> {
    const before = script.split(`vault kv put -mount=groundwork ${path} `);
    assert.equal(before.length, 2, `the configure script writes ${path} once`);
    return JSON.parse(before[0].split("<<'GROUNDWORK_SECRET'\n").pop()!.split("\n")[0]);
}

/** The JSON Vault's configure script writes at a path, in a plan. */
export const vaultSecretAt = (plan: PlanResult, secretPath: string): Record<string, string> =>
    vaultSecretIn(String(named(plan, "command:remote:Command", "vault-configure").plainInputs.stdin), secretPath);

/**
 * Plans a one-component program from test/fixtures/<fixture>/index.ts, which reads its input as
 * JSON from GROUNDWORK_TEST_INPUT: a fraction of a stack plan's time, for tests of one component.
 */
export async function planFixture(fixture: string, input: unknown): Promise<PlanResult> {
    process.env.GROUNDWORK_TEST_INPUT = JSON.stringify(input);
    try {
        return await planStack({ projectDir: PROJECT_DIR, stack: "dev", program: path.join(PROJECT_DIR, "test", "fixtures", fixture, "index.ts") });
    } finally {
        delete process.env.GROUNDWORK_TEST_INPUT;
    }
}

/**
 * Starts one of the loopback stand-ins of an upstream API (test/fixtures/<fixture>, Python) with
 * its arguments, and resolves once it has printed its port.
 */
export async function startStandIn(fixture: string, ...args: string[]): Promise<{ process: ChildProcess; url: string }> {
    const child = spawn(PYTHON, [path.join(PROJECT_DIR, "test/fixtures", fixture), ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const port = await new Promise<string>((resolve, reject) => {
        child.stdout!.once("data", (d) => resolve(String(d).trim()));
        child.once("exit", (code) => reject(new Error(`the stand-in API ${fixture} exited ${code}`)));
    });
    return { process: child, url: `http://127.0.0.1:${port}` };
}

/** A key as `ssh-keygen` writes it: the real tool, in each format it offers. */
export function keygen(type: "ed25519" | "rsa" | "ecdsa", format: "RFC4716" | "PEM" | "PKCS8" = "RFC4716", passphrase = ""): { privateKey: string; publicKey: string } {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-ssh-")), "key");
    execFileSync("ssh-keygen", ["-q", "-t", type, ...(type === "rsa" ? ["-b", "2048"] : []), "-m", format, "-N", passphrase, "-C", "", "-f", file]);
    return { privateKey: fs.readFileSync(file, "utf8"), publicKey: fs.readFileSync(`${file}.pub`, "utf8") };
}

/** The problem line a ConfigError gives for one key (`groundwork:<key> ...`), or a failed assertion listing them all. */
export function lineFor(lines: string[], key: string): string {
    return lines.find((l) => l.startsWith(`groundwork:${key} `)) ?? assert.fail(`no line for ${key}:\n${lines.join("\n")}`);
}

/**
 * The HTTPRoute Linkerd's proxy picks for a raw request path among `routes` (name → matches), as
 * linkerd2-proxy release/v2.366.0 `linkerd/http/route/src/http/match/path.rs` scores them: the
 * longest match wins; an Exact path and a prefix count their own length, a regex must match the
 * whole path and counts all of it (the security pack's pathMatchLength, which mesh-admits-outside-callers
 * ranks probes with). Methods are left out: callers check them on the route.
 */
export function meshRouteFor(routes: Record<string, any[]>, path: string): string {
    return Object.entries(routes).map(([name, matches]) => [name, Math.max(...matches.map((m) => pathMatchLength(m.path, path)))] as const).sort((a, b) => b[1] - a[1])[0][0];
}

/** The problems config validation reports for a committed stack's values after one edit. */
export function problemsAfter(stack: string, edit: (v: Record<string, any>) => void): string[] {
    const values = stackValues(stack);
    edit(values);
    return problems(values);
}

/** A committed stack's config after one edit, parsed (throws if it is refused). */
export function parsedAfter(stack: string, edit: (v: Record<string, any>) => void): StackConfig {
    const values = stackValues(stack);
    edit(values);
    return parse(values);
}
