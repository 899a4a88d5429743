import { strict as assert } from "assert";
import { packConfigFor, readStackConfig } from "../plan/policy-config";
import { policyInput } from "../plan/rendered-workloads";
import { runPolicy } from "../policies/policy-run";
import { podPlacementSchedulable } from "../policies/reliability/placement";
import { meshAdmitsOutsideCallers } from "../policies/security/mesh-admission";
import { podSecurityAdmission } from "../policies/security/pod-security-admission";
import { committedPlan, PROJECT_DIR } from "./helpers";

/**
 * Every stack as it would come up: each pod that our objects, the charts, CloudNativePG and k3s
 * create is admitted by its namespace, has a node, and is reachable by the kubelet and the
 * controllers that call it through the mesh. Before these rules existed every stack failed at
 * least one (Qdrant's root init container, VSO's contexts, CNPG's status port, k3s's DNS on edge).
 */
describe("every stack's workloads, rendered ones included", () => {
    for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
        it(`admits, places and reaches every pod of the ${stack} stack`, async () => {
            const config = readStackConfig({ projectDir: PROJECT_DIR, stack });
            const { records, sources } = policyInput((await committedPlan(stack)).resources, config);
            assert.ok(sources.some((s) => s.source.startsWith("k3s ")) && sources.length >= 10, JSON.stringify(sources.map((s) => s.source)));
            const placement = (packConfigFor(config, "reliability") as Record<string, Record<string, unknown>>)["pod-placement-schedulable"];
            assert.ok((placement.nodes as unknown[]).length > 0);
            const found = [
                ...await runPolicy(podSecurityAdmission, records),
                ...await runPolicy(meshAdmitsOutsideCallers, records),
                ...await runPolicy(podPlacementSchedulable, records, placement),
            ].map((v) => v.message);
            assert.deepEqual(found, []);
        });
    }
});
