import * as path from "path";
import * as YAML from "yaml";
import { RecordedResource } from "./monitor";
import { PlanResult } from "./run";

/** Helm releases are not rendered offline; they appear in manifests.yaml as this kind. */
export const HELM_RELEASE_KIND = { apiVersion: "plan.groundwork.dev/v1", kind: "HelmRelease" } as const;

const HELM_TYPES = new Set(["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"]);

/** The Kubernetes objects the stack creates itself, and its chart releases, in registration order. */
export function kubernetesDocuments(resources: RecordedResource[]): Record<string, unknown>[] {
    const docs: Record<string, unknown>[] = [];
    for (const r of resources) {
        if (!r.type.startsWith("kubernetes:") || r.type.startsWith("pulumi:providers:")) {
            continue;
        }
        if (HELM_TYPES.has(r.type)) {
            const i = r.inputs as Record<string, any>;
            docs.push({
                ...HELM_RELEASE_KIND,
                metadata: { name: i.name ?? r.name, namespace: i.namespace },
                spec: {
                    chart: i.chart,
                    repo: i.repositoryOpts?.repo ?? i.repositoryOpts?.repository,
                    version: i.version,
                    values: i.values ?? {},
                },
            });
        } else if (r.custom && r.inputs.kind) {
            docs.push(r.inputs);
        }
    }
    return docs;
}

/** The resources.json form: what a reviewer needs, secrets masked, nothing in the clear. */
function resourceRecords(resources: RecordedResource[]): object[] {
    return resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        parent: r.parent,
        provider: r.provider,
        custom: r.custom,
        protect: r.protect || undefined,
        retainOnDelete: r.retainOnDelete || undefined,
        ignoreChanges: r.ignoreChanges.length ? r.ignoreChanges : undefined,
        secretInputs: r.secretPaths.length ? r.secretPaths : undefined,
        inputs: r.inputs,
    }));
}

export interface PlanFiles {
    /** File name → content. */
    [file: string]: string;
}

/**
 * Renders the plan's files in memory, so they can be checked for leaks before any is written;
 * `reports` (the policy report, the price) are written beside them under the same check.
 */
export function renderPlanFiles(plan: PlanResult, reports: PlanFiles = {}): PlanFiles {
    const docs = kubernetesDocuments(plan.resources);
    return {
        "resources.json": JSON.stringify(resourceRecords(plan.resources), null, 2) + "\n",
        "manifests.yaml": docs.length
            ? docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join("---\n")
            : "# This stack creates no Kubernetes objects of its own.\n",
        ...reports,
    };
}

/**
 * The readable summary printed on stdout; `files` are the names written to `outDir`, `verdicts`
 * one-line results (policy violations, monthly price) printed before them.
 */
export function renderSummary(plan: PlanResult, outDir: string, files: string[], verdicts: string[] = []): string {
    const byType = new Map<string, number>();
    for (const r of plan.resources) {
        byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    }
    const lines = [
        `Offline plan of stack "${plan.stack}" (project ${plan.project}): ${plan.resources.length} resources`,
        ...[...byType].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `  ${String(n).padStart(3)}  ${t}`),
        "Outputs:",
        ...YAML.stringify(plan.outputs, { lineWidth: 0 }).trimEnd().split("\n").map((l) => `  ${l}`),
    ];
    if (plan.placeholders.length > 0) {
        lines.push(
            "Encrypted config stood in for offline (pass --secret KEY=VALUE to supply one):",
            ...plan.placeholders.map((p) => `  ${p}`),
        );
    }
    if (plan.uncheckedSecrets.length > 0) {
        lines.push(
            "Secrets not checked for leaks, their value being also plain text of the stack file (choose a value that is not):",
            ...plan.uncheckedSecrets.map((p) => `  ${p}`),
        );
    }
    lines.push(...verdicts, `Wrote ${files.map((f) => path.join(outDir, f)).join(", ")}`);
    return lines.join("\n") + "\n";
}

/** Any secret value that appears in the given texts; the plan refuses to write if there is one. */
export function leakedSecrets(texts: string[], secretValues: string[]): string[] {
    return secretValues.filter((s) => texts.some((t) => t.includes(s)));
}

/** Every file a plan writes in its directory; nothing else there is the plan's to touch. */
export const PLAN_FILE_NAMES = ["resources.json", "manifests.yaml", "policy-report.json", "policy-report.md", "cost.json", "cost.md"] as const;

