import type { StackValidationPolicy } from "@pulumi/policy";
import { admissionOutcome } from "./admission-policies";

/** A node name no stack gives a node: the probe a stranger's machine registers under. */
const PROBE_NODE = "groundwork-probe-stranger";

/**
 * The agent token lets any machine that holds it join, under a name of its own choosing (k3s's node
 * password binds only a name already taken: docs.k3s.io/architecture, "How Agent Node Registration
 * Works"), and NodeRestriction lets its kubelet label that Node with the stack's placement labels:
 * it would attract the pods that select them. The same token gets a client certificate for k3s's
 * controller identity, `system:k3s-controller`, which may patch every Node's status, labels
 * included (k3s-io/k3s@v1.34.9+k3s1 (5f72184f) pkg/server/handlers/router.go L40, handlers.go
 * L117-125, manifests/rolebindings.yaml L15-35; security review s28 N1). This rule asks for the
 * admission policy that refuses both, by evaluating the plan's ValidatingAdmissionPolicies on a
 * probe of each.
 */
export const nodeRegistrationFenced: StackValidationPolicy = {
    name: "node-registration-fenced",
    description: "A stack with a cluster holds a ValidatingAdmissionPolicy, with a Deny binding, that refuses a kubelet's new Node under a name the stack does not give a node, and k3s's controller identity a change to a Node's labels.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = args.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        if (namespaces.length === 0) return;
        const node = (labels: Record<string, string>) => ({ apiVersion: "v1", kind: "Node", metadata: { name: PROBE_NODE, labels: { "kubernetes.io/hostname": PROBE_NODE, ...labels } }, spec: {} });
        const outcome = admissionOutcome(args.resources, {
            group: "", version: "v1", resource: "nodes", operation: "CREATE", namespace: "", name: PROBE_NODE, username: `system:node:${PROBE_NODE}`, object: node({}),
        });
        if (!outcome.denied) {
            report(`nothing refuses a kubelet's Node under a name the stack gives no node (${PROBE_NODE}): any machine that holds the agent token joins, labels itself with the stack's placement labels and attracts the pods that select them; add a ValidatingAdmissionPolicy with a Deny binding that admits the stack's node names only (components/k3s/node-registration-admission.ts)`, namespaces[0].urn);
        }
        const relabelled = admissionOutcome(args.resources, {
            group: "", version: "v1", resource: "nodes", subResource: "status", operation: "UPDATE", namespace: "", name: PROBE_NODE, username: "system:k3s-controller",
            oldObject: node({}), object: node({ "groundwork.dev/placement": "probe" }),
        });
        if (!relabelled.denied) {
            report("nothing refuses system:k3s-controller a change to a Node's labels: k3s signs that identity's certificate for any agent-token holder, and its role patches every Node's status, where labels change too, so the holder can move the stack's placement labels; refuse it any label or taint change (components/k3s/node-registration-admission.ts)", namespaces[0].urn);
        }
    },
};
