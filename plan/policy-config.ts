/**
 * Each policy pack's configuration, derived from the stack's own config, so that the offline plan
 * and CI's `pulumi preview --policy-pack-config` apply the same thresholds: the cost pack's
 * budget from `groundwork:cost.monthlyBudgetUsd`, the reliability pack's nodes (labels and
 * taints) for pod placement, and the security pack's workflows folder (`.github/workflows` beside
 * the stack file, as an absolute path).
 *
 * `npm run policy-config -- --stack <name> [--stack-file FILE] [--pack NAME ...] [--out FILE | --out-dir DIR]`
 *
 * Writes the JSON file `--policy-pack-config` takes: policy name → config object (optionally an
 * `all` entry for the enforcement level of every policy). Format: pulumi.com "Configuring policy
 * packs" (docs/iac/packages-and-automation/crossguard/configuration, seen 2026-05). `--pack`
 * (repeatable, default `cost`) names the packs; `--out` writes one pack's file, `--out-dir` writes
 * `<pack>.json` per pack (the CLI needs one config per `--policy-pack` once any is given:
 * pulumi/pulumi `validatePolicyPackConfig`), and without either the one pack's JSON goes to stdout.
 * Exit 0 on success, 2 on bad configuration or arguments.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as YAML from "yaml";
import { PolicyPackConfig } from "@pulumi/policy";
import { edgeInstallName } from "../components/edge/edge-machines";
import { serverInstallName } from "../components/k3s/server-install";
import { CONTROL_PLANE_LABEL } from "../components/placement";
import { VAULT_NAMESPACE } from "../components/platform/vault";
import { clusterNodes } from "../stacks/cluster-nodes";
import { EDGE_COMPONENT } from "../stacks/edge-site";
import { parseStackConfig, StackConfig, vaultSealKind } from "../stacks/config";
import { awsServerName } from "../stacks/config/aws";
import { CliOutput, reportCliError, UsageError } from "./cli-errors";
import { readStackFile } from "./stack-file";

/** The reliability pack's policy that places every pod on the stack's nodes. */
export const PLACEMENT_POLICY = "pod-placement-schedulable";
/** The cost pack's policy that compares the stack's monthly price with its budget. */
export const MONTHLY_BUDGET_POLICY = "monthly-budget";
/** The cost pack's policy that holds a stack to OCI Always Free. */
export const ALWAYS_FREE_POLICY = "always-free-within-limits";

/** The security pack's policy that keeps the k3s server token on servers. */
export const SERVER_TOKEN_POLICY = "k3s-server-token-only-on-servers";
/** The security pack's policy that keeps pods off the instance metadata service. */
export const METADATA_EGRESS_POLICY = "metadata-egress-blocked";

/** The security pack's policy that keeps notebooks from admitting any account on the internet. */
export const NOTEBOOK_SSO_POLICY = "notebooks-admit-named-people";

/** The security pack's policy that reads the repository's GitHub workflows. */
export const WORKFLOWS_POLICY = "pull-request-jobs-without-secrets";

/** Where the stack's repository is, for the rules that read its files rather than resources. */
export interface RepositoryFiles {
    /** The GitHub workflows folder, absolute: the CLI runs each pack in the pack's own folder. */
    workflowsDir?: string;
}

/**
 * The workflows folder of the repository holding a stack file: `.github/workflows` beside it (in
 * CI, the pull request's checkout), else the project's; undefined where neither has one.
 */
export function workflowsDirOf(stackFile: string, projectDir = "."): string | undefined {
    return [path.dirname(path.resolve(stackFile)), path.resolve(projectDir)]
        .map((dir) => path.join(dir, ".github", "workflows"))
        .find((dir) => fs.existsSync(dir));
}

/** The config of one pack for this stack; `{}` when the stack configures nothing for it. */
export function packConfigFor(config: StackConfig, pack: string, repository: RepositoryFiles = {}): PolicyPackConfig {
    if (pack === "security") {
        // Install Commands carry no role tag: the servers' are named here, cloud and edge.
        const serverNodes = [
            ...(config.oci?.nodes ?? []).filter((n) => n.role === "server").map((n) => serverInstallName(n.name)),
            ...Array.from({ length: config.aws?.servers?.count ?? 0 }, (_, i) => serverInstallName(awsServerName(i))),
            ...(config.edge?.machines ?? []).filter((m) => m.role === "server").map((m) => edgeInstallName(EDGE_COMPONENT, m.name)),
        ];
        return {
            ...(repository.workflowsDir !== undefined && { [WORKFLOWS_POLICY]: { workflowsDir: repository.workflowsDir } }),
            ...(serverNodes.length > 0 && { [SERVER_TOKEN_POLICY]: { serverNodes } }),
            ...(config.access?.sso?.restrictedClient === true && { [NOTEBOOK_SSO_POLICY]: { restrictedClient: true } }),
            // Only Vault's OCI KMS seal needs the metadata service (instance principals): its
            // namespace is allowed it, kept off the servers named here. The rule's default allows none.
            ...(vaultSealKind(config) === "ocikms" && {
                [METADATA_EGRESS_POLICY]: {
                    metadataAllowedNamespaces: [VAULT_NAMESPACE],
                    metadataServerNodes: clusterNodes(config).filter((n) => n.labels[CONTROL_PLANE_LABEL] === "true").map((n) => n.name),
                },
            }),
        };
    }
    if (pack === "reliability") {
        return { [PLACEMENT_POLICY]: { nodes: clusterNodes(config) } };
    }
    if (pack === "cost" && config.cost !== undefined) {
        return {
            [MONTHLY_BUDGET_POLICY]: { monthlyBudgetUsd: config.cost.monthlyBudgetUsd },
            ...(config.cost.alwaysFreeOnly && { [ALWAYS_FREE_POLICY]: { alwaysFreeOnly: true } }),
        };
    }
    return {};
}

/** The budget a cost pack config carries, if any. */
export function monthlyBudgetOf(costConfig: PolicyPackConfig | undefined): number | undefined {
    const entry = costConfig?.[MONTHLY_BUDGET_POLICY];
    return typeof entry === "object" && typeof entry.monthlyBudgetUsd === "number" ? entry.monthlyBudgetUsd : undefined;
}

export interface StackLocation {
    /** Folder holding Pulumi.yaml. Default: the current directory. */
    projectDir?: string;
    stack: string;
    /** Default `Pulumi.<stack>.yaml` in the project folder. */
    stackFile?: string;
    /** Values for `secure:` config (only needed to satisfy the schema; no pack config is secret). */
    secrets?: Record<string, string>;
}

/** Reads and parses a stack's config the way the program does (ConfigError on a bad one). */
export function readStackConfig(where: StackLocation): StackConfig {
    const projectDir = path.resolve(where.projectDir ?? ".");
    const project: string = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")).name;
    const file = where.stackFile ?? path.join(projectDir, `Pulumi.${where.stack}.yaml`);
    const stackFile = readStackFile(file, project, where.secrets);
    return parseStackConfig(stackFile.config, stackFile.secretKeys);
}

/** Every named pack's config for the stack. */
export function packConfigs(config: StackConfig, packs: string[], repository: RepositoryFiles = {}): Record<string, PolicyPackConfig> {
    return Object.fromEntries(packs.map((p) => [p, packConfigFor(config, p, repository)]));
}

const USAGE = "usage: npm run policy-config -- --stack <name> [--stack-file FILE] [--pack NAME ...] [--out FILE | --out-dir DIR]";


function main(argv: string[], out: (text: string) => void): number {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            "stack-file": { type: "string" },
            pack: { type: "string", multiple: true },
            out: { type: "string" },
            "out-dir": { type: "string" },
            help: { type: "boolean", default: false },
        },
        strict: true,
    });
    if (values.help) {
        out(`${USAGE}\n`);
        return 0;
    }
    if (!values.stack || !/^[A-Za-z0-9_.-]+$/.test(values.stack)) {
        throw new UsageError("--stack: required, letters, digits, '-', '_' and '.'");
    }
    const packs = values.pack?.length ? values.pack : ["cost"];
    const badPack = packs.find((p) => !/^[a-z][a-z0-9-]*$/.test(p));
    if (badPack !== undefined) {
        throw new UsageError(`--pack ${JSON.stringify(badPack)}: a pack is a directory name under policies/, e.g. cost`);
    }
    if (values.out !== undefined && values["out-dir"] !== undefined) {
        throw new UsageError("--out and --out-dir: give one");
    }
    if (values["out-dir"] === undefined && packs.length > 1) {
        throw new UsageError(`--pack given ${packs.length} times: several packs need --out-dir`);
    }
    const stackFile = values["stack-file"] ?? `Pulumi.${values.stack}.yaml`;
    // The workflows the security pack reads: the repository's that holds the stack file (in CI, the pull request's).
    const configs = packConfigs(readStackConfig({ stack: values.stack, stackFile }), packs, { workflowsDir: workflowsDirOf(stackFile) });
    const text = (pack: string) => JSON.stringify(configs[pack], null, 2) + "\n";
    if (values["out-dir"] !== undefined) {
        fs.mkdirSync(values["out-dir"], { recursive: true });
        for (const pack of packs) {
            fs.writeFileSync(path.join(values["out-dir"], `${pack}.json`), text(pack));
        }
    } else if (values.out !== undefined) {
        fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
        fs.writeFileSync(values.out, text(packs[0]));
    } else {
        out(text(packs[0]));
    }
    return 0;
}

/** Runs `npm run policy-config`; returns its exit code (2 on bad input). The tests call it in-process. */
export function runPolicyConfigCli(argv: string[], io: CliOutput): number {
    try {
        return main(argv, io.out);
    } catch (err) {
        return reportCliError(err, USAGE, io);
    }
}

if (require.main === module) {
    process.exit(runPolicyConfigCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }));
}
