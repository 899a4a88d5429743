import * as fs from "fs";
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

/**
 * What a directory holds besides a plan's files: a directory given as `--out` must hold nothing
 * else, so that replacing or removing a plan never removes a file of the user's (sweep s22b C1:
 * `--out ..` emptied the parent). Hidden entries (Finder's `.DS_Store`, an editor's `.cost.md.swp`)
 * are no plan file's name and are never removed, so they do not count (review s22c F5).
 */
export function entriesBesidePlanFiles(outDir: string): string[] {
    if (!fs.existsSync(outDir)) return [];
    if (!fs.statSync(outDir).isDirectory()) return [path.basename(outDir)];
    return fs.readdirSync(outDir).filter((entry) => !entry.startsWith(".") && !(PLAN_FILE_NAMES as readonly string[]).includes(entry)).sort();
}

/**
 * The path at or above `outDir`, as written, that keeps a plan from being written under it: a file,
 * a link to nothing or in a loop, or a directory it may not read. Walked as the system will walk it, without folding `..` first (`<file>/../x` goes
 * through the file; review s24b F4); finding out only once the whole plan has run would end in a
 * stack trace (sweep s24 M1).
 */
export function fileAboveOutDir(outDir: string): string | undefined {
    // Itself a link to nothing: mkdir would not follow it (sweep s25 M3); with or without a final '/' (review s24d F1).
    if (isLink(outDir) && !fs.existsSync(outDir)) return withoutFinalSlash(outDir);
    for (let dir = path.dirname(outDir); ; dir = path.dirname(dir)) {
        try {
            if (!fs.statSync(dir).isDirectory()) return dir;
            return undefined;
        } catch (err) {
            // A missing part is made by mkdir, and ENOTDIR means the file is higher up; a link to
            // nothing, a link loop or a part it may not read blocks it here (review s24c F9).
            const code = (err as NodeJS.ErrnoException).code;
            if (code === "ENOENT" ? isLink(dir) : code !== "ENOTDIR") return dir;
        }
        if (path.dirname(dir) === dir) return undefined;
    }
}

/** A path without its final separators: `link/` names what the link points to, `link` the link itself. */
const withoutFinalSlash = (p: string): string => p.replace(/(?<=.)[\\/]+$/, "");

const isLink = (p: string): boolean => {
    try {
        return fs.lstatSync(withoutFinalSlash(p)).isSymbolicLink();
    } catch {
        return false;
    }
};

/** Removes a plan's files from its directory, and the directory once nothing else is in it. */
export function removePlanFiles(outDir: string): void {
    if (!fs.existsSync(outDir) || !fs.statSync(outDir).isDirectory()) return;
    const real = fs.realpathSync.native(outDir);
    for (const file of PLAN_FILE_NAMES) fs.rmSync(path.join(real, file), { force: true });
    // A link the user gave as --out stays, and so does what it points to (sweep s25 F2); `dir/.` is
    // removed as `dir` (rmdir refuses a path ending in '.': sweep s26 F1), `..` never.
    // Only trailing `/.` parts are taken off: folding `..` in the text would name another directory
    // than the one a link leads to (review s24e 5).
    const named = withoutFinalSlash(outDir).replace(/(?:[\\/]+\.)+$/, "") || ".";
    if (fs.readdirSync(real).length === 0 && !isLink(named) && ![".", ".."].includes(path.basename(named))) fs.rmdirSync(real);
}

/**
 * Makes `outDir` one part at a time, as written, and returns the parts it made (added to `made` as
 * they are, which the caller keeps if a later part fails). Not
 * `mkdirSync(..., { recursive: true })`: where the system answers ENOENT for a folder whose parent
 * exists (`/proc/x`), Node 20's recursive mkdir retries for ever (sweep s26 M11).
 */
export function makeOutDir(outDir: string, made: string[] = []): string[] {
    const whole = withoutFinalSlash(outDir);
    // Split where the system splits, at '/' (a '\\' is part of a name on Linux: review s25 N4).
    const parts = [...whole.matchAll(/(?<=.)\/+/g)].map((m) => whole.slice(0, m.index)).concat(whole);
    for (const part of parts) {
        try {
            fs.mkdirSync(part);
            made.push(part);
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
    }
    return made;
}

/**
 * Why `outDir` cannot be made, found before the plan runs by making it and removing what was made;
 * undefined when it can.
 */
export function outDirCannotBeMade(outDir: string): string | undefined {
    // Filled as each part is made, so that a later part's failure still removes the earlier ones (review s25 D2).
    const made: string[] = [];
    try {
        makeOutDir(outDir, made);
        return undefined;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code ?? String(err);
    } finally {
        for (const part of made.reverse()) fs.rmdirSync(part);
    }
}

export function writePlanFiles(outDir: string, files: PlanFiles): void {
    removePlanFiles(outDir);
    makeOutDir(outDir);
    // Where the system put it: path.join folds `a/link/../x` into `a/x`, another directory (review s24f 7);
    // the native realpath, as Node's own folds `..` before it follows the link.
    const real = fs.realpathSync.native(outDir);
    for (const [file, content] of Object.entries(files)) {
        fs.writeFileSync(path.join(real, file), content);
    }
}
