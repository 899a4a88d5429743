import { strict as assert } from "assert";
import { chartModel } from "../components/rendered/charts";
import { valuePathsRead } from "../components/rendered/workload";
import { kubernetesDocuments } from "../plan/report";
import { committedPlan } from "./helpers";

/** Every leaf path of a values object: `a.b.c` (lists end a path). */
function leafPaths(value: unknown, path = ""): string[] {
    if (value === null || typeof value !== "object" || Array.isArray(value) || Object.keys(value).length === 0) return path ? [path] : [];
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, path ? `${path}.${k}` : k));
}

/** Whether `path` is covered by a read path taken whole (none of its children read) or a declared one. */
function covered(path: string, read: Set<string>, declared: string[]): boolean {
    const prefixes = path.split(".").map((_, i, parts) => parts.slice(0, i + 1).join("."));
    return prefixes.some((p) => declared.includes(p))
        || prefixes.some((p) => read.has(p) && ![...read].some((r) => r.startsWith(`${p}.`)))
        || read.has(path);
}

/**
 * The values we pass each chart are values its templates read at the pinned tag: either the model
 * of the chart reads them (it follows the templates), or the model lists them as read by templates
 * it does not model. A misspelt or retired key fails here; Helm would silently ignore it.
 */
describe("chart values we pass", () => {
    it("are caught when misspelt (the check can fail)", () => {
        const model = chartModel("vault-secrets-operator", "1.4.1")!;
        const values = { controller: { podSecurityContex: { runAsNonRoot: true } } };
        const read = valuePathsRead(model, { name: "vault-secrets-operator", namespace: "vso", values });
        assert.equal(covered("controller.podSecurityContex.runAsNonRoot", read, model.otherValues ?? []), false);
        assert.equal(covered("controller.podSecurityContext.runAsNonRoot", valuePathsRead(model, { name: "v", namespace: "vso", values: { controller: { podSecurityContext: { runAsNonRoot: true } } } }), []), true);
    });

    for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
        it(`are all read by their charts' templates in the ${stack} stack`, async () => {
            const releases = kubernetesDocuments((await committedPlan(stack)).resources).filter((d) => d.kind === "HelmRelease") as any[];
            const unread: string[] = [];
            for (const r of releases) {
                const model = chartModel(r.spec.chart, r.spec.version);
                assert.ok(model, `${r.spec.chart}@${r.spec.version} has no model`);
                const read = valuePathsRead(model, { name: r.metadata.name, namespace: r.metadata.namespace, values: r.spec.values ?? {} });
                unread.push(...leafPaths(r.spec.values ?? {}).filter((p) => !covered(p, read, model.otherValues ?? [])).map((p) => `${r.spec.chart}: ${p}`));
            }
            assert.deepEqual(unread, []);
        });
    }
});
