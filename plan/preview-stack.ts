/**
 * The throwaway stack a pull request's `pulumi preview` runs against, so that no production
 * credential is ever in a job that runs a pull request's code (issue 12, requirement 4; security
 * review s14 H1). A Pulumi token that previews a production stack can decrypt and export its whole
 * state (Pulumi Cloud's `Stack Read` includes `stack:decrypt` and `stack:export`:
 * pulumi.com/docs/administration/access-identity/rbac/permission-sets, read 2026-11-28).
 *
 * `npm run preview-stack -- --stack <name> --project-dir DIR --backend-dir DIR`
 *
 * Run by CI from the base branch's checkout, before any of the pull request's code:
 * - replaces DIR's `Pulumi.<stack>.yaml` with the same config, where every encrypted value is a
 *   visible placeholder of the offline plan's (`placeholderFor`), set again encrypted;
 * - removes the deployer's cloud identity from it (`groundwork:oci.auth`, the aws: and oci:
 *   providers' credential keys), so the providers use the read-only identity CI's environment
 *   holds;
 * - creates the stack in a file backend at `--backend-dir`, under the passphrase secrets provider,
 *   with the passphrase CI makes for the run (`PULUMI_CONFIG_PASSPHRASE`).
 *
 * The stack has no state, so the preview shows every resource as a create: the real providers
 * check every input and read the clouds (read-only), and the five packs judge every resource. What
 * a change does to the production stacks is previewed from the protected branch, after review.
 *
 * CLI calls, as pulumi/pulumi@v3.248.0 defines them:
 * - `pulumi login file://<dir>`: the DIY backend on a local folder;
 * - `pulumi stack init <name> --secrets-provider passphrase` (`pkg/cmd/pulumi/stack/stack_new.go`,
 *   alias `init`);
 * - `pulumi config set --stack <name> --path --secret --raw <key>` with the value on stdin
 *   (`pkg/cmd/pulumi/config/config.go` `configSetCmd.Run`: a value not on the command line is read
 *   from stdin when it is not a terminal; `--raw` keeps its trailing newline). Values never go
 *   into argv, where `ps` would show them.
 * Exit 0 on success, 2 on a bad stack file or arguments, 1 when the CLI fails.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as YAML from "yaml";
import { isSecureValue } from "../stacks/config/encrypted-values";
import { CliOutput, reportCliError, UsageError } from "./cli-errors";
import { placeholderFor, readStackFile, StackFileError } from "./stack-file";

/**
 * Provider config keys that name the deployer's identity (the keys of @pulumi/aws 7.48.0 and
 * @pulumi/oci 4.20.0 `config/vars.d.ts`). They are removed, so each provider takes the read-only
 * identity from CI's environment: AWS from the role assumed by OIDC, OCI from `TF_VAR_*`.
 */
export const DEPLOYER_IDENTITY_KEYS = [
    "aws:accessKey", "aws:secretKey", "aws:token", "aws:profile", "aws:sharedConfigFiles", "aws:sharedCredentialsFiles", "aws:assumeRoles", "aws:assumeRoleWithWebIdentity",
    "oci:auth", "oci:configFileProfile", "oci:userOcid", "oci:fingerprint", "oci:privateKey", "oci:privateKeyPassword", "oci:privateKeyPath",
    "oci:tokenExchangeClientId", "oci:tokenExchangeClientSecret", "oci:tokenExchangePublicKey", "oci:workloadIdentityTokenPath",
];

/** One encrypted value of the preview stack. */
export interface PreviewSecret {
    /** The key in the CLI's `--path` syntax: `groundwork:edge.machines[0].privateKey`. */
    key: string;
    /** The placeholder set in place of the pull request's ciphertext. */
    value: string;
}

export interface PreviewStackFile {
    /** The stack file to write in place of the pull request's: its config, encrypted values emptied. */
    text: string;
    /** Each value to set again encrypted, in the stack file's order. */
    secrets: PreviewSecret[];
    /** What was taken out, as config keys (never values), for the job's log. */
    removed: string[];
}

/** A path part as the CLI's property paths read it: `.name`, `[0]`, or `["any text"]` (pkg: `resource.ParsePropertyPath`). */
function pathPart(part: string | number): string {
    if (typeof part === "number") return `[${part}]`;
    if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) return `.${part}`;
    // The CLI reads a quoted key byte for byte and un-escapes `\"` alone
    // (pulumi/pulumi@v3.248.0 sdk/go/common/resource/properties_path.go parsePropertyPath): a
    // backslash before a quote is written `\\"`, but one at the end would escape the closing quote.
    if (part.endsWith("\\")) {
        throw new StackFileError(`the key ${JSON.stringify(part)} ends in a backslash, which pulumi config set --path cannot address; rename the key`);
    }
    return `["${part.replace(/"/g, '\\"')}"]`;
}

/**
 * The preview stack's file and encrypted values, from the pull request's stack file. Throws
 * StackFileError for a stack file the CLI would not read.
 */
export function previewStackFile(file: string, project: string): PreviewStackFile {
    // The same checks the offline plan makes (YAML the CLI reads differently, duplicate keys).
    readStackFile(file, project);
    const doc = YAML.parse(fs.readFileSync(file, "utf8"), { merge: true }) ?? {};
    const config: Record<string, unknown> = doc.config ?? {};
    const secrets: PreviewSecret[] = [];
    // Everything but config goes: the secrets provider's settings, and ESC environments, which only
    // the production token could open (their values would be missing, and the preview says which).
    const removed: string[] = Object.keys(doc).filter((k) => k !== "config").sort().map((k) => `${k}:`);

    const replace = (value: unknown, key: string, parts: (string | number)[]): unknown => {
        if (isSecureValue(value)) {
            const cliKey = key + parts.map(pathPart).join("");
            // The offline plan's placeholders pass the config's shape checks; its path syntax names them.
            secrets.push({ key: cliKey, value: placeholderFor(key + parts.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")) });
            return "";
        }
        if (Array.isArray(value)) return value.map((v, i) => replace(v, key, [...parts, i]));
        if (value !== null && typeof value === "object") {
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, key, [...parts, k])]));
        }
        return value;
    };

    const out: Record<string, unknown> = {};
    for (const [rawKey, value] of Object.entries(config)) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        if (/[.[]/.test(key.slice(key.indexOf(":") + 1))) {
            throw new StackFileError(`${file}: config key ${rawKey} holds '.' or '[', which the CLI's --path reads as a path; rename it`);
        }
        if (DEPLOYER_IDENTITY_KEYS.includes(key)) {
            removed.push(key);
            continue;
        }
        if (!key.startsWith(`${project}:`) && isSecureValue(value)) {
            // A provider's encrypted setting: a placeholder would replace the environment's credential.
            removed.push(key);
            continue;
        }
        let kept = value;
        if (key === `${project}:oci` && kept !== null && typeof kept === "object" && "auth" in kept) {
            // The deployer's API key; its tenancy stays, as the program's default tenancy.
            const { auth, ...rest } = kept as { auth?: { tenancyOcid?: unknown } } & Record<string, unknown>;
            kept = { ...rest, ...(rest.tenancyOcid === undefined && auth?.tenancyOcid !== undefined && { tenancyOcid: auth.tenancyOcid }) };
            removed.push(`${key}.auth`);
        }
        out[key] = replace(kept, key, []);
    }
    // Strings double-quoted: what the CLI's YAML reads back is exactly the text written.
    const header = "# Written by `npm run preview-stack` for a pull request's preview: encrypted values are placeholders.\n";
    return { text: header + YAML.stringify({ config: out }, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN", lineWidth: 0 }), secrets, removed };
}

/** Runs the Pulumi CLI; `input` goes to its stdin. Throws when it exits non-zero. */
export type PulumiRunner = (args: string[], input?: string) => void;

const runPulumi: PulumiRunner = (args, input) => {
    execFileSync("pulumi", ["--non-interactive", ...args], { input: input ?? "", stdio: ["pipe", "inherit", "inherit"] });
};

export interface PreviewStackOptions {
    stack: string;
    /** The pull request's checkout, holding Pulumi.yaml and Pulumi.<stack>.yaml. */
    projectDir: string;
    /** An empty folder for the file backend. */
    backendDir: string;
}

/** Writes the preview stack's file and creates the stack; returns the lines for the job's log. */
export function createPreviewStack(options: PreviewStackOptions, pulumi: PulumiRunner = runPulumi): string[] {
    const projectDir = path.resolve(options.projectDir);
    const project: string = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")).name;
    const file = path.join(projectDir, `Pulumi.${options.stack}.yaml`);
    const preview = previewStackFile(file, project);
    const backendDir = path.resolve(options.backendDir);
    if (fs.existsSync(backendDir) && fs.readdirSync(backendDir).length > 0) {
        throw new UsageError(`--backend-dir ${backendDir}: not empty; the preview stack starts with no state`);
    }
    fs.mkdirSync(backendDir, { recursive: true });
    fs.writeFileSync(file, preview.text);
    const cwd = ["--cwd", projectDir];
    pulumi([...cwd, "login", `file://${backendDir}`]);
    pulumi([...cwd, "stack", "init", options.stack, "--secrets-provider", "passphrase"]);
    for (const secret of preview.secrets) {
        pulumi([...cwd, "config", "set", "--stack", options.stack, "--path", "--secret", "--raw", secret.key], secret.value);
    }
    return [
        `preview stack ${options.stack} in file://${backendDir}, no state`,
        ...preview.secrets.map((s) => `placeholder: ${s.key}`),
        ...preview.removed.map((k) => `removed: ${k}`),
    ];
}

const USAGE = "usage: npm run preview-stack -- --stack <name> --project-dir DIR --backend-dir DIR";

/** Runs `npm run preview-stack`; returns its exit code. The tests call it in-process. */
export function runPreviewStackCli(argv: string[], io: CliOutput, pulumi?: PulumiRunner): number {
    try {
        const { values } = parseArgs({
            args: argv,
            options: { stack: { type: "string" }, "project-dir": { type: "string" }, "backend-dir": { type: "string" } },
            strict: true,
        });
        if (!values.stack || !/^[A-Za-z0-9_.-]+$/.test(values.stack)) throw new UsageError("--stack: required, letters, digits, '-', '_' and '.'");
        if (!values["project-dir"]) throw new UsageError("--project-dir: required, the pull request's checkout");
        if (!values["backend-dir"]) throw new UsageError("--backend-dir: required, an empty folder for the stack's state");
        if (pulumi === undefined && !process.env.PULUMI_CONFIG_PASSPHRASE) {
            throw new UsageError("PULUMI_CONFIG_PASSPHRASE: not set; CI makes one per run for the preview stack's secrets provider");
        }
        const lines = createPreviewStack({ stack: values.stack, projectDir: values["project-dir"], backendDir: values["backend-dir"] }, pulumi ?? runPulumi);
        io.out(lines.join("\n") + "\n");
        return 0;
    } catch (err) {
        return reportCliError(err, USAGE, io);
    }
}

if (require.main === module) {
    process.exit(runPreviewStackCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }));
}
