import { strict as assert } from "assert";
import { Outcome } from "../../policies/security/admission-policies";
import { registeringNodes } from "../../stacks/cluster-nodes";
import { admissionVerdicts, parse, stackValues } from "../helpers";

/**
 * The kubelets' registration policy, as the dev and cloud plans render it, judged by evaluating its
 * CEL on the Node writes a kubelet makes (threat model, agent token).
 */
describe("the node registration admission policy", () => {
    const node = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } }, spec: {} });
    const request = (name: string, labels: Record<string, string>, old?: Record<string, string>) => ({
        name, username: `system:node:${name}`, operation: (old ? "UPDATE" : "CREATE") as "CREATE" | "UPDATE",
        object: node(name, labels), ...(old ? { oldObject: node(name, old) } : {}),
    });
    const defaults = { group: "", version: "v1", resource: "nodes", namespace: "" };
    const refused = (o: Outcome) => o.denied && o.by === "groundwork-node-registration";
    const dev = admissionVerdicts("dev", defaults);
    const cloud = admissionVerdicts("cloud", defaults);
    const arm = { "groundwork.dev/site": "oci", "groundwork.dev/placement": "arm" };

    it("lets the stack's own nodes register and update, and refuses a machine under any other name", () => {
        assert.deepEqual(dev(request("agent-1", { ...arm, "groundwork.dev/pool": "workloads" })), { denied: false });
        assert.deepEqual(dev(request("server-1", { ...arm, "groundwork.dev/pool": "system" })), { denied: false });
        assert.deepEqual(dev(request("agent-2", { ...arm, "groundwork.dev/pool": "workloads" })), {
            denied: true, by: "groundwork-node-registration",
            message: "a node may join only under a name the stack gives one (its config's nodes): another is a machine that holds the agent token without being one of the stack's; add it to the stack's config",
        });
        // No group is autoscaled in dev: an instance id is no name of its.
        assert.ok(refused(dev(request("i-0123456789abcdef0", { "groundwork.dev/placement": "gpu" }))));
        // A node already there keeps updating, whatever its name (k3s waits at start until its labels are set).
        assert.deepEqual(dev(request("agent-9", { ...arm, "groundwork.dev/pool": "system" }, arm)), { denied: false });
        // Only kubelets are judged: the upgrade controller's relabelling is its own fence's business.
        assert.deepEqual(dev({ ...request("agent-2", arm), username: "system:serviceaccount:kube-system:node-controller" }), { denied: false });
    });

    it("lets a kubelet keep the labels its user data gave it after the stack's config changes them (read-through s28 R2)", () => {
        // agent-1's pool changed in config: the running agent restarts with the old value, which must still register.
        assert.deepEqual(dev(request("agent-1", { ...arm, "groundwork.dev/pool": "system" })), { denied: false });
        assert.deepEqual(dev(request("agent-1", { ...arm, "groundwork.dev/pool": "system" }, { ...arm, "groundwork.dev/pool": "workloads" })), { denied: false });
    });

    it("lets k3s's controller identity, which any agent-token holder can get, change only what flannel writes (security review s28 N1, read-through s28 R4)", () => {
        const workloads = { ...arm, "groundwork.dev/pool": "workloads" };
        const ready = { type: "Ready", status: "True", reason: "KubeletReady" };
        const status = { addresses: [{ type: "InternalIP", address: "10.0.1.20" }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }, capacity: { cpu: "4", memory: "24Gi" }, allocatable: { cpu: "4", memory: "23Gi" }, nodeInfo: { kubeletVersion: "v1.34.9+k3s1" }, conditions: [ready] };
        const before = { ...node("agent-1", workloads), status };
        const controller = (object: any) => ({ ...request("agent-1", workloads, workloads), username: "system:k3s-controller", subResource: "status", object, oldObject: before });
        const message = "system:k3s-controller, whose certificate any agent-token holder can get, may change only a Node's annotations and its NetworkUnavailable condition, which flannel writes with it: not its labels, owner references, finalizers, taints, other conditions or any other status field";
        // flannel's own writes: its annotations, and the NetworkUnavailable condition.
        const flannel = { ...before, metadata: { ...before.metadata, annotations: { "flannel.alpha.coreos.com/public-ip": "10.0.1.20" } }, status: { ...status, conditions: [ready, { type: "NetworkUnavailable", status: "False", reason: "FlannelIsUp" }] } };
        assert.deepEqual(dev(controller(flannel)), { denied: false });
        for (const stack of [dev, cloud]) {
            assert.deepEqual(stack(controller({ ...before, metadata: { ...before.metadata, labels: { ...workloads, "groundwork.dev/pool": "system" } } })), { denied: true, by: "groundwork-node-registration", message });
            assert.ok(refused(stack(controller({ ...before, metadata: { ...before.metadata, labels: { ...workloads, "team": "research" } } }))), "any label, not only the stack's");
            assert.ok(refused(stack(controller({ ...before, spec: { taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }] } }))));
        }
        for (const [field, value] of [
            ["conditions", [{ ...ready, status: "False" }]],
            ["addresses", [{ type: "InternalIP", address: "198.51.100.7" }]],
            ["daemonEndpoints", { kubeletEndpoint: { Port: 10251 } }],
            ["capacity", { cpu: "64", memory: "24Gi" }],
            ["allocatable", { cpu: "64", memory: "23Gi" }],
            ["nodeInfo", { kubeletVersion: "v1.99.0" }],
            ["images", [{ names: ["registry.example/evil:1"], sizeBytes: 1 }]],
            ["volumesAttached", [{ name: "kubernetes.io/csi/x", devicePath: "/dev/x" }]],
            ["phase", "Terminated"],
        ] as const) {
            assert.ok(refused(dev(controller({ ...before, status: { ...status, [field]: value } }))), `status.${field}`);
        }
        // An owner that does not exist would have the garbage collector delete the Node (final check s28 D1).
        assert.ok(refused(dev(controller({ ...before, metadata: { ...before.metadata, ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "gone", uid: "00000000-0000-0000-0000-000000000000" }] } }))));
        assert.ok(refused(dev(controller({ ...before, metadata: { ...before.metadata, finalizers: ["example.com/hold"] } }))));
        // Kubelets are judged by the other rules, not this one.
        assert.deepEqual(dev({ ...request("agent-1", workloads, workloads), subResource: "status", object: { ...before, status: { ...status, conditions: [{ ...ready, status: "False" }] } }, oldObject: before }), { denied: false });
    });

    it("lets a node of an autoscaled group register under its instance id with its group's labels and taints, and no others", () => {
        const { autoscaled } = registeringNodes(parse(stackValues("cloud")));
        assert.equal(autoscaled.length, 1, "cloud autoscales one GPU group");
        const [{ labels: group }] = autoscaled;
        assert.equal(group["groundwork.dev/placement"], "gpu");
        const gpuTaint = [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }];
        const id = "i-0a1b2c3d4e5f60718";
        const registering = (name: string, labels: Record<string, string>, taints = gpuTaint) => ({ ...request(name, labels), object: { ...node(name, labels), spec: { taints } } });
        assert.deepEqual(cloud(registering(id, group)), { denied: false });
        assert.deepEqual(cloud(registering("i-0a1b2c3d", group)), { denied: false }, "the older, 8-digit ids too");
        assert.deepEqual(cloud(registering(id, { ...group, "groundwork.dev/placement": undefined } as any)), { denied: false }, "a key it lacks: an older node, from before the group gained it");
        // Not the servers' placement, nor the OCI nodes' pool.
        const message = "a node named after its EC2 instance carries only the labels the autoscaled GPU groups' launch templates set, and registers with every taint of one of them";
        assert.deepEqual(cloud(registering(id, { ...group, "groundwork.dev/placement": "x86" })), { denied: true, by: "groundwork-node-registration", message });
        assert.ok(refused(cloud(registering(id, { ...group, "groundwork.dev/site": "oci" }))));
        // Without the GPU taint it would attract the pods that tolerate none (review s27 D2).
        assert.ok(refused(cloud(registering(id, group, []))));
        assert.deepEqual(cloud(registering(id, group, [...gpuTaint, { key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" }])), { denied: false }, "other taints beside it");
        // Later: the labels it has may stay, and may not change, on the Node or its status (review s27 D1).
        assert.deepEqual(cloud(request(id, { ...group, "team": "research" }, group)), { denied: false }, "a key no node of the stack has is not the policy's");
        assert.ok(refused(cloud(request(id, { ...group, "groundwork.dev/placement": "x86" }, group))));
        assert.ok(refused(cloud({ ...request(id, { ...group, "groundwork.dev/placement": "x86" }, group), subResource: "status" })));
        assert.deepEqual(cloud({ ...request(id, group, group), subResource: "status" }), { denied: false });
        // A name that is neither the stack's nor an instance id, as before.
        assert.ok(refused(cloud(registering("gpu-l4-spot-0", group))));
        assert.ok(refused(cloud(registering("i-0A1B2C3D4E5F60718", group))), "ids are lower-case");
        assert.deepEqual(cloud(request("aws-server-0", { "groundwork.dev/site": "aws", "groundwork.dev/placement": "x86" })), { denied: false });
    });
});
