import type { StackValidationPolicy } from "@pulumi/policy";
import { admissionOutcome } from "./admission-policies";

/** A node name no stack gives a node: the probe a stranger's machine registers under. */
const PROBE_NODE = "groundwork-probe-stranger";

/**
 * The agent token lets any machine that holds it join, under a name of its own choosing (k3s's node
 * password binds only a name already taken: docs.k3s.io/architecture, "How Agent Node Registration
 * Works"), and NodeRestriction lets its kubelet label that Node with the stack's placement labels:
 * it would attract the pods that select them. This rule asks for the admission policy that refuses
 * a kubelet's Node under a name the stack does not make, by evaluating the plan's
 * ValidatingAdmissionPolicies for one.
 */
export const nodeRegistrationFenced: StackValidationPolicy = {
    name: "node-registration-fenced",
    description: "A stack with a cluster holds a ValidatingAdmissionPolicy, with a Deny binding, that refuses a kubelet's new Node under a name the stack does not give a node.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = args.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        if (namespaces.length === 0) return;
        const outcome = admissionOutcome(args.resources, {
            group: "", version: "v1", resource: "nodes", operation: "CREATE", namespace: "", name: PROBE_NODE, username: `system:node:${PROBE_NODE}`,
            object: { apiVersion: "v1", kind: "Node", metadata: { name: PROBE_NODE, labels: { "kubernetes.io/hostname": PROBE_NODE } }, spec: {} },
        });
        if (!outcome.denied) {
            report(`nothing refuses a kubelet's Node under a name the stack gives no node (${PROBE_NODE}): any machine that holds the agent token joins, labels itself with the stack's placement labels and attracts the pods that select them; add a ValidatingAdmissionPolicy with a Deny binding that admits the stack's node names only (components/k3s/node-registration-admission.ts)`, namespaces[0].urn);
        }
    },
};
