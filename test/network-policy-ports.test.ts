import { strict as assert } from "assert";
import { networkPolicyPort } from "../components/platform/network-isolation";
import { readStackConfig } from "../plan/policy-config";
import { policyInput } from "../plan/rendered-workloads";
import { podWorkload, PodWorkload } from "../policies/kubernetes-pods";
import { committedPlan, PROJECT_DIR } from "./helpers";

/** Whether a matchLabels-only selector selects a pod's labels (`{}` selects every pod). */
const selects = (selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined, labels: Record<string, string>) =>
    (selector?.matchExpressions ?? []).length === 0 && Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/**
 * Every named port in a stack's NetworkPolicies, with the pods it selects that do not name it in a
 * regular container: k3s's kube-router resolves a named port from `containers` only
 * (cloudnativelabs/kube-router@v2.6.3-k3s1 pkg/controllers/netpol/policy.go L879-894), so a name only an
 * init container (Linkerd's native-sidecar proxy) carries matches nothing (callers review s26 L1).
 */
async function unresolvedNamedPorts(stack: string): Promise<string[]> {
    const { records } = policyInput((await committedPlan(stack)).resources, readStackConfig({ projectDir: PROJECT_DIR, stack }));
    const pods = records.map((r) => podWorkload(r.type, r.props)).filter((p): p is PodWorkload => !!p);
    const unresolved: string[] = [];
    for (const policy of records.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
        const namespace = policy.props.metadata?.namespace;
        const selected = pods.filter((p) => p.namespace === namespace && selects(policy.props.spec?.podSelector, p.labels));
        for (const rule of policy.props.spec?.ingress ?? []) {
            for (const { port } of rule.ports ?? []) {
                if (typeof port !== "string") continue;
                const listening = selected.filter((p) => p.containers.some((c) => !c.init && (c.container.ports ?? []).some((cp: { name?: string }) => cp.name === port)));
                if (listening.length === 0) unresolved.push(`${namespace}/${policy.props.metadata?.name}: port "${port}" is named by no regular container of the ${selected.length} pods it selects`);
            }
        }
    }
    return unresolved;
}

describe("NetworkPolicy ports as k3s resolves them", () => {
    it("writes the Linkerd proxy's ports by number, which a NetworkPolicy cannot match by name; others as given", () => {
        assert.deepEqual(["linkerd-admin", "linkerd-proxy", "http", 8080].map(networkPolicyPort), [4191, 4143, "http", 8080]);
    });

    for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
        it(`names, in the ${stack} stack's ingress rules, only ports a regular container of a selected pod declares`, async () => {
            assert.deepEqual(await unresolvedNamedPorts(stack), []);
        });
    }
});
