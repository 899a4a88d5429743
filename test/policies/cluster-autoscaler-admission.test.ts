import { strict as assert } from "assert";
import { admissionOutcome } from "../../policies/security/admission-policies";
import { planAdmissionPolicies } from "../helpers";

/**
 * The cluster autoscaler's admission policy, as the cloud plan renders it: its own two taints and a
 * cordon are admitted; a node's labels, annotations or other taints, which its chart's rights would
 * also let a thief of its token change, are denied (controller RBAC review s23 F8).
 */
const AUTOSCALER = "system:serviceaccount:cluster-autoscaler:cluster-autoscaler-aws-cluster-autoscaler";
const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };

describe("the cluster autoscaler's admission policy", () => {
    let resources: { type: string; props: any }[];
    before(async () => {
        resources = await planAdmissionPolicies("cloud");
    });
    const node = (change: { taints?: object[]; labels?: Record<string, string>; unschedulable?: boolean } = {}) => ({
        metadata: { name: "gpu-1", labels: { "groundwork.dev/pool": "gpu", ...change.labels }, annotations: { "k3s.io/node-args": "[]" } },
        spec: { providerID: "aws:///eu-west-1a/i-0abc", podCIDR: "10.42.3.0/24", podCIDRs: ["10.42.3.0/24"], taints: change.taints ?? [GPU_TAINT], ...(change.unschedulable ? { unschedulable: true } : {}) },
    });
    const update = (after: object, before: object = node()) => admissionOutcome(resources, { group: "", version: "v1", resource: "nodes", operation: "UPDATE", namespace: "", name: "gpu-1", username: AUTOSCALER, oldObject: before as Record<string, unknown>, object: after as Record<string, unknown> });

    it("admits its own taints, set and cleared, and a cordon", () => {
        const marked = node({ taints: [GPU_TAINT, { key: "DeletionCandidateOfClusterAutoscaler", value: "1764400000", effect: "PreferNoSchedule" }] });
        assert.equal(update(marked).denied, false);
        assert.equal(update(node(), marked).denied, false);
        assert.equal(update(node({ taints: [GPU_TAINT, { key: "ToBeDeletedByClusterAutoscaler", value: "1764400000", effect: "NoSchedule" }], unschedulable: true })).denied, false);
    });

    it("denies a changed label, a removed GPU taint, or another taint added", () => {
        const relabelled = update(node({ labels: { "groundwork.dev/pool": "platform" } }));
        assert.deepEqual(relabelled, { denied: true, by: "groundwork-cluster-autoscaler", message: "the cluster autoscaler may only add and remove its own taints (ToBeDeletedByClusterAutoscaler, DeletionCandidateOfClusterAutoscaler) and cordon a node, never change its labels, annotations or other taints, nor a pod's status" });
        assert.equal(update(node({ taints: [] })).denied, true, "the GPU taint removed");
        const held = node() as { metadata: Record<string, unknown> };
        assert.equal(update({ ...held, metadata: { ...held.metadata, finalizers: ["thief.invalid/hold"] } }).denied, true, "a finalizer (controller RBAC review s25 F5)");
        assert.equal(update(node({ taints: [GPU_TAINT, { key: "x", effect: "NoExecute" }] })).denied, true, "a taint of another's");
        // Its own key with an effect it never sets evicts every pod (review s23b F3), and a pod's status is not its to write.
        assert.equal(update(node({ taints: [GPU_TAINT, { key: "ToBeDeletedByClusterAutoscaler", value: "1", effect: "NoExecute" }] })).denied, true, "NoExecute");
        assert.equal(admissionOutcome(resources, { group: "", version: "v1", resource: "pods", subResource: "status", operation: "UPDATE", namespace: "vault", name: "vault-0", username: AUTOSCALER, oldObject: {}, object: { status: { podIP: "203.0.113.9" } } }).denied, true, "a pod's address");
    });
});
