/**
 * Runs every registered policy pack over the plan's resources, as `pulumi preview --policy-pack`
 * would, and renders the reviewer's report: policy-report.json (stable, sorted) and
 * policy-report.md (a table, mandatory violations first).
 */
import { EnforcementLevel, Policy, PolicyPackConfig } from "@pulumi/policy";
import { RegisteredPack } from "../policies/packs";
import { ResourceRecord, runPolicy } from "../policies/policy-run";
import { RecordedResource } from "./monitor";
import { redactPrefixedCredentials } from "../stacks/config/errors";

/** The plan's exit code when any mandatory violation exists (after the files are written). */
export const MANDATORY_VIOLATION_EXIT = 3;

export type ReportedLevel = "mandatory" | "advisory";

export interface ReportedViolation {
    pack: string;
    policy: string;
    level: ReportedLevel;
    /** The resource the violation names; null for a stack policy that named none. */
    resource: { urn: string; name: string; type: string } | null;
    message: string;
}

export interface PackSummary {
    pack: string;
    /** Every policy of the pack with the level it ran at; `disabled` ones did not run. */
    policies: { name: string; level: EnforcementLevel }[];
    mandatory: number;
    advisory: number;
}

export interface PolicyReport {
    stack: string;
    summary: { mandatory: number; advisory: number };
    packs: PackSummary[];
    violations: ReportedViolation[];
    /** The workloads evaluated from models: per chart release, operator and k3s (plan/rendered-workloads.ts). */
    rendered?: { source: string; from: string; namespace: string; workloads: string[] | null }[];
}

/** A recorded resource as the engine hands it to a policy: masked inputs (never plain ones). */
export function toPolicyRecord(r: RecordedResource): ResourceRecord {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.inputs as Record<string, unknown>,
        parent: r.parent,
        dependencies: r.dependencies,
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        additionalSecretOutputs: r.additionalSecretOutputs,
    };
}

const levelOf = (entry: PolicyPackConfig[string] | undefined): EnforcementLevel | undefined =>
    typeof entry === "string" ? entry : entry?.enforcementLevel;

/**
 * The level a policy runs at: its own config entry, else the pack config's `all`, else the policy's
 * level, else advisory (the PolicyPack default). Order as in pulumi.com "Configuring policy packs";
 * `remediate` reports as mandatory when the policy only validates (@pulumi/policy server.js).
 */
export function effectiveLevel(policy: Policy, config: PolicyPackConfig = {}): EnforcementLevel {
    const level = levelOf(config[policy.name]) ?? levelOf(config.all) ?? policy.enforcementLevel ?? "advisory";
    return level === "remediate" ? "mandatory" : level;
}

/** The policy's own config values, without the enforcement level. */
function policyConfig(policy: Policy, config: PolicyPackConfig = {}): Record<string, unknown> {
    const entry = config[policy.name];
    return typeof entry === "object" ? entry : {};
}

const LEVEL_ORDER: Record<ReportedLevel, number> = { mandatory: 0, advisory: 1 };

function compareViolations(a: ReportedViolation, b: ReportedViolation): number {
    return LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]
        || a.pack.localeCompare(b.pack)
        || a.policy.localeCompare(b.policy)
        || (a.resource?.urn ?? "").localeCompare(b.resource?.urn ?? "")
        || a.message.localeCompare(b.message);
}

/** Evaluates every pack over the records; `configs` maps a pack name to its `--policy-pack-config`. */
export async function evaluatePolicies(
    stack: string,
    records: ResourceRecord[],
    packs: RegisteredPack[],
    configs: Record<string, PolicyPackConfig> = {},
): Promise<PolicyReport> {
    const byUrn = new Map(records.map((r) => [r.urn, r]));
    const violations: ReportedViolation[] = [];
    const summaries: PackSummary[] = [];
    for (const pack of [...packs].sort((a, b) => a.name.localeCompare(b.name))) {
        const summary: PackSummary = { pack: pack.name, policies: [], mandatory: 0, advisory: 0 };
        for (const policy of [...pack.policies].sort((a, b) => a.name.localeCompare(b.name))) {
            const level = effectiveLevel(policy, configs[pack.name]);
            summary.policies.push({ name: policy.name, level });
            if (level !== "mandatory" && level !== "advisory") {
                continue;
            }
            for (const v of await runPolicy(policy, records, policyConfig(policy, configs[pack.name]))) {
                const r = v.urn !== undefined ? byUrn.get(v.urn) : undefined;
                const resource = v.urn === undefined ? null : { urn: v.urn, name: r?.name ?? v.urn.split("::").pop()!, type: r?.type ?? v.urn.split("::")[2]?.split("$").pop() ?? "" };
                // A message quotes what it judges (a model id, an image): a key pasted there is not repeated (sweep s22 L1).
                violations.push({ pack: pack.name, policy: policy.name, level, resource, message: redactPrefixedCredentials(v.message) });
                summary[level]++;
            }
        }
        summaries.push(summary);
    }
    violations.sort(compareViolations);
    const count = (level: ReportedLevel) => violations.filter((v) => v.level === level).length;
    return { stack, summary: { mandatory: count("mandatory"), advisory: count("advisory") }, packs: summaries, violations };
}

/** 0 when the plan may pass, MANDATORY_VIOLATION_EXIT when any mandatory violation exists. */
export function policyExitCode(report: PolicyReport): number {
    return report.summary.mandatory > 0 ? MANDATORY_VIOLATION_EXIT : 0;
}

/** The one line the plan's summary prints. */
export function policySummaryLine(report: PolicyReport): string {
    return `policies: ${report.summary.mandatory} mandatory, ${report.summary.advisory} advisory violations`;
}

/** A table cell: one line, pipes escaped. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");

export function renderPolicyReportMarkdown(report: PolicyReport): string {
    const policies = report.packs.reduce((n, p) => n + p.policies.filter((x) => x.level !== "disabled").length, 0);
    const lines = [
        `# Policy report: stack \`${report.stack}\``,
        "",
        `${report.summary.mandatory} mandatory, ${report.summary.advisory} advisory violations; ` +
            `${policies} policies evaluated in ${report.packs.length} packs (${report.packs.map((p) => p.pack).join(", ") || "none"}).`,
        "",
    ];
    if (report.violations.length === 0) {
        lines.push("No violations.");
    } else {
        lines.push("| pack | policy | level | resource | message |", "| --- | --- | --- | --- | --- |");
        for (const v of report.violations) {
            const resource = v.resource ? `\`${v.resource.type}\` ${v.resource.name}` : "(stack)";
            lines.push(`| ${v.pack} | ${v.policy} | ${v.level} | ${cell(resource)} | ${cell(v.message)} |`);
        }
    }
    if (report.rendered?.length) {
        lines.push("", "## Workloads evaluated from models", "",
            "Charts, operators and k3s render these; the plan evaluates them from typed models of the pinned versions.", "",
            "| source | release | namespace | workloads |", "| --- | --- | --- | --- |");
        for (const r of report.rendered) {
            lines.push(`| ${cell(r.source)} | ${cell(r.from)} | ${r.namespace} | ${r.workloads === null ? "**not modelled**" : cell(r.workloads.join(", ") || "none")} |`);
        }
    }
    const disabled = report.packs.flatMap((p) => p.policies.filter((x) => x.level === "disabled").map((x) => `${p.pack}/${x.name}`));
    if (disabled.length > 0) {
        lines.push("", `Disabled by configuration: ${disabled.join(", ")}.`);
    }
    return lines.join("\n") + "\n";
}

/** The two report files, ready for renderPlanFiles. */
export function renderPolicyReportFiles(report: PolicyReport): Record<string, string> {
    return {
        "policy-report.json": JSON.stringify(report, null, 2) + "\n",
        "policy-report.md": renderPolicyReportMarkdown(report),
    };
}
