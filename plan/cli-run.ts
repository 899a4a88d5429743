/**
 * The plan command, as a function: `runPlanCli(argv, io)` is what `npm run plan` runs (plan/cli.ts),
 * and what the tests call in the same process.
 *
 * `npm run plan -- --stack <name> [--secret KEY=VALUE ...] [--out DIR]`
 *
 * Runs the stack's program offline and writes out/<stack>/: resources.json, manifests.yaml, the
 * policy packs' verdict (policy-report.md/.json) and the monthly price (cost.md/.json); prints a
 * summary. Exit 0 when clean, 3 when any policy reports a mandatory violation (after every file is
 * written, so the reviewer can read why), 2 on bad configuration or arguments, 1 on any other failure.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { POLICY_PACKS } from "../policies/packs";
import { costReport, costSummaryLine, renderCostFiles } from "./cost-report";
import { packConfigFor, monthlyBudgetOf, readStackConfig, workflowsDirOf } from "./policy-config";
import { policyExitCode, policySummaryLine, renderPolicyReportFiles } from "./policy-report";
import { planPolicyReport } from "./rendered-workloads";
import { leakedSecrets, renderPlanFiles, renderSummary } from "./report";
import { fileAboveOutDir, probeOutDir, removePlanFiles, writePlanFiles } from "./out-dir";
import { planStack } from "./run";
import { shownConfigPath } from "./stack-file";
import { CliOutput, reportCliError, UsageError } from "./cli-errors";
import { ConfigError } from "../stacks/config/errors";

const USAGE = "usage: npm run plan -- --stack <name> [--secret KEY=VALUE ...] [--out DIR] [--stack-file FILE]";


/** A stack config key as Pulumi writes it, `namespace:path` (`groundwork:inference.hosted[0].apiKey`): no URL (`https://`), no whitespace. */
const CONFIG_KEY = /^[A-Za-z][\w.-]*:[A-Za-z_][^\s=:]*$/;
const SECRET_USAGE = "expected KEY=VALUE, where KEY is a secure key of the stack file, e.g. --secret groundwork:oci.auth.privateKey=...";

/**
 * `--secret KEY=VALUE` pairs. An argument is never printed unless the text before its first `=` is
 * a config key: a value given without its key, or one whose own `=` comes first (a webhook URL's
 * `?token=`), would otherwise be echoed (sweep s20-29, s20-30).
 */
function parseSecrets(pairs: string[]): Record<string, string> {
    const secrets: Record<string, string> = {};
    const firstAt: Record<string, number> = {};
    pairs.forEach((pair, i) => {
        const eq = pair.indexOf("=");
        const key = eq > 0 ? pair.slice(0, eq) : "";
        if (!CONFIG_KEY.test(key)) {
            const what = eq > 0 ? `its text before the first "=" is not a config key (namespace:path)` : `it has no "=" after a key`;
            throw new UsageError(`--secret argument ${i + 1} (${pair.length} characters, not shown): ${what}; ${SECRET_USAGE}`);
        }
        const value = pair.slice(eq + 1);
        // Two values for one key: one of them is not what was meant, and neither may be shown to tell
        // which (sweep s24 M4); named by position, as the key may not be one of the file's (review s24b F3).
        if (key in secrets && secrets[key] !== value) {
            throw new UsageError(`--secret arguments ${firstAt[key] + 1} and ${i + 1} give one key twice, with different values (neither shown); give it once`);
        }
        firstAt[key] ??= i;
        secrets[key] = value;
    });
    return secrets;
}

/** Options that take one value: given twice, the last would win without a word (sweep s25 M6). */
const SINGLE_OPTIONS = ["stack", "out", "stack-file", "program"];

async function main(argv: string[], io: CliOutput): Promise<number> {
    for (const option of SINGLE_OPTIONS) {
        if (argv.filter((a) => a === `--${option}` || a.startsWith(`--${option}=`)).length > 1) {
            throw new UsageError(`--${option} is given more than once; give it once`);
        }
    }
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string", default: "dev" },
            secret: { type: "string", multiple: true, default: [] },
            out: { type: "string" },
            "stack-file": { type: "string" },
            program: { type: "string" }, // the benchmark's floor program
            help: { type: "boolean", default: false },
        },
        strict: true,
    });
    if (values.help) {
        io.out(`${USAGE}\n`);
        return 0;
    }
    const stack = values.stack!;
    // Not `.` or `..`, which name directories, not stacks (sweep s22b C2).
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || /^\.+$/.test(stack)) {
        throw new UsageError(`--stack ${JSON.stringify(stack)}: a stack name is letters, digits, '-', '_' and '.'`);
    }
    if (values.out !== undefined && values.out.trim() === "") {
        throw new UsageError(`--out is empty; give a directory, such as out/${stack} (the default)`);
    }
    // The benchmark's floor program: a module that is not there would end in the loader's stack trace (sweep s27 C3).
    if (values.program !== undefined && !fs.existsSync(path.resolve(values.program)) && !fs.existsSync(`${path.resolve(values.program)}.ts`)) {
        throw new UsageError(`--program ${JSON.stringify(values.program)}: no such program file; it is the benchmark's, and plans leave it out`);
    }
    const outDir = values.out ?? path.join("out", stack);
    const file = fileAboveOutDir(outDir);
    if (file !== undefined) {
        throw new UsageError(`--out ${JSON.stringify(outDir)}: ${JSON.stringify(file)} is not a directory the plan can be written under (a file, a link to nothing or in a loop, or no permission); give a new or empty directory`);
    }
    const probe = probeOutDir(outDir);
    if (probe.cannotBeMade !== undefined) {
        // Too long as a whole (PATH_MAX, 4,096 bytes) or in one name (NAME_MAX, 255): sweep s28 W2.
        const longName = outDir.split("/").some((part) => Buffer.byteLength(part) > 255);
        const why: Record<string, string> = {
            ENAMETOOLONG: longName ? "a name in it is longer than the file system takes, 255 bytes" : "the path is longer than the system takes, 4,096 bytes",
            EROFS: "a read-only file system",
            EACCES: "no permission",
            EPERM: "no permission",
        };
        throw new UsageError(`--out ${JSON.stringify(outDir)} cannot be made here (the system answers ${probe.cannotBeMade}: ${why[probe.cannotBeMade] ?? "a special file system such as /proc"}); give a directory you can write`);
    }
    const besides = probe.besides;
    if (besides.length > 0) {
        throw new UsageError(`--out ${JSON.stringify(outDir)} holds ${besides.length} file(s) or folder(s) a plan does not write (${besides.slice(0, 3).map((e) => JSON.stringify(e)).join(", ")}${besides.length > 3 ? ", ..." : ""}), which replacing the plan could remove; give a new or empty directory, or one an earlier plan wrote`);
    }
    try {
        const secrets = parseSecrets(values.secret!);
        const plan = await planStack({ stack, stackFile: values["stack-file"], secrets, program: values.program });
        // The packs' config comes from the stack's config, as `npm run policy-config` gives it to CI.
        const stackConfig = readStackConfig({ stack, stackFile: values["stack-file"], secrets });
        const stackFile = values["stack-file"] ?? `Pulumi.${stack}.yaml`;
        const policies = await planPolicyReport(stack, plan.resources, stackConfig, POLICY_PACKS, { workflowsDir: workflowsDirOf(stackFile) });
        const cost = costReport(stack, plan.resources, monthlyBudgetOf(packConfigFor(stackConfig, "cost")));
        const files = renderPlanFiles(plan, { ...renderPolicyReportFiles(policies), ...renderCostFiles(cost) });
        const summary = renderSummary(plan, outDir, Object.keys(files), [policySummaryLine(policies), costSummaryLine(cost)]);
        const leaks = leakedSecrets([...Object.values(files), summary], plan.secretValues);
        // A secret given on the command line that the plan also holds in plain text is bad input,
        // not a fault: the same text is a name the stack gives something, or another setting's
        // value, most often because two settings were swapped (sweep s21-05). Named by key, never shown.
        const given = Object.entries(secrets).filter(([, value]) => leaks.includes(value)).map(([key]) => key);
        if (leaks.length > 0 && given.length === new Set(leaks).size) {
            throw new ConfigError(given.map((key) => `${shownConfigPath(key)} = [secret]: is also in the plan in plain text (a name the stack gives a resource, or another setting's value), so it cannot be kept secret; give the real secret here, and check whether two settings were swapped (an SSO client id given as its secret, a user name as a password)`));
        }
        if (leaks.length > 0) {
            // Never expected: a secret reached a plain input. Refuse rather than write it.
            throw new Error(`refusing to write the plan: ${leaks.length} secret value(s) would appear in plain text; check which inputs lost pulumi.secret`);
        }
        writePlanFiles(outDir, files);
        io.out(summary);
        return policyExitCode(policies);
    } catch (err) {
        // Leave nothing behind that could be mistaken for this configuration's plan: its files only.
        removePlanFiles(outDir, probe.existed);
        throw err;
    }
}

/** Runs the plan command; returns its exit code (0 clean, 3 mandatory violations, 2 bad input, 1 other failures). */
export async function runPlanCli(argv: string[], io: CliOutput): Promise<number> {
    try {
        return await main(argv, io);
    } catch (err) {
        return reportCliError(err, USAGE, io);
    }
}
