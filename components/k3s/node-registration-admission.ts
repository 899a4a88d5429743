import * as pulumi from "@pulumi/pulumi";
import { celString, celStrings, denyingAdmissionPolicy } from "../admission-policy";
import { parseTaint } from "../placement";

/**
 * An EC2 instance id, the name a member of an autoscaled group gives itself at boot (bootstrap.ts
 * `awsInstanceIdentity`): `i-` and 8 or 17 lower-case hex digits (docs.aws.amazon.com, "Resource
 * IDs", read 2026-11-30).
 */
export const EC2_INSTANCE_ID = "^i-[0-9a-f]{8}([0-9a-f]{9})?$";

export interface NodeRegistrationAdmissionArgs {
    /**
     * Every node the stack makes with a name of its own (OCI nodes, AWS servers and fixed GPU nodes,
     * edge machines), with the labels it registers with (its k3s `node-label`s).
     */
    nodes: Record<string, Record<string, string>>;
    /**
     * Each autoscaled GPU group's nodes, named after their instance: the labels and taints
     * (`key=value:Effect`) they register with. Empty when no group is autoscaled.
     */
    autoscaled: { labels: Record<string, string>; taints: string[] }[];
}

/** CEL: the Node's name is one the stack gives a node. */
const namedByTheStack = (args: NodeRegistrationAdmissionArgs) => `object.metadata.name in ${celStrings(Object.keys(args.nodes))}`;

/**
 * CEL, for a kubelet's request on its own Node (`system:node:<name>`, the only user NodeRestriction
 * lets write it): a new Node takes a name the stack makes, or an instance id where a GPU group is
 * autoscaled. An agent-token holder's machine joins under a name of its own choosing (k3s's node
 * password only binds a name already taken: docs.k3s.io/architecture, "How Agent Node Registration
 * Works"), and labels itself as it likes (NodeRestriction refuses only `kubernetes.io` and
 * `k8s.io` labels outside its list): it could then attract the pods that select the stack's
 * placement labels, and read the Secrets they mount (threat model, agent token). Updates of a Node
 * that already exists pass: k3s patches its labels at every start and waits until that succeeds
 * (k3s-io/k3s@v1.34.9+k3s1 (5f72184f) pkg/agent/run.go L196-201, L365-400). A kubelet also sends a
 * CREATE at every start, and takes only "already exists" for an answer (review s27 D3): a node
 * whose name the stack no longer makes stays out after its next restart.
 */
export function registersUnderKnownName(args: NodeRegistrationAdmissionArgs): string {
    const autoscaled = args.autoscaled.length > 0 ? ` || object.metadata.name.matches('${EC2_INSTANCE_ID}')` : "";
    return `request.operation != 'CREATE' || ${namedByTheStack(args)}${autoscaled}`;
}

/**
 * CEL: a node named after its instance carries, under any key a node of the stack is labelled with,
 * only a value an autoscaled group gives that key (on its status too, where a kubelet can relabel
 * its Node: review s27 D1), or the value it had; and it registers with every taint of one group
 * (review s27 D2: without the GPU taint it would attract the pods that tolerate none). Such a node
 * can pass for a GPU node of the stack, but for no other. Keys are checked one by one, so a label a
 * group gains later does not shut out its older nodes; a value a group changes does, at their next
 * restart: replace the group's instances then (README).
 */
export function autoscaledNodeHeld(args: NodeRegistrationAdmissionArgs): string {
    const keys = [...new Set([...Object.values(args.nodes), ...args.autoscaled.map((a) => a.labels)].flatMap((labels) => Object.keys(labels)))].sort();
    const allowed = `{${keys.map((k) => `${celString(k)}: ${celStrings([...new Set(args.autoscaled.flatMap((a) => (k in a.labels ? [a.labels[k]] : [])))])}`).join(", ")}}`;
    const labels = "(has(object.metadata.labels) ? object.metadata.labels : {})";
    const old = "(oldObject != null && has(oldObject.metadata.labels) ? oldObject.metadata.labels : {})";
    const kept = `(request.operation == 'UPDATE' && k in ${old} && ${old}[k] == ${labels}[k])`;
    const labelsHeld = `${allowed}.all(k, !(k in ${labels}) || ${labels}[k] in ${allowed}[k] || ${kept})`;
    const taints = "(has(object.spec.taints) ? object.spec.taints : [])";
    const taintHeld = (taint: string) => {
        const { key, value, effect } = parseTaint(taint);
        return `${taints}.exists(t, t.key == ${celString(key)} && (has(t.value) ? t.value : '') == ${celString(value)} && t.effect == ${celString(effect)})`;
    };
    const groupTaints = args.autoscaled.map((a) => (a.taints.length > 0 ? `(${a.taints.map(taintHeld).join(" && ")})` : "true"));
    const tainted = `(request.operation != 'CREATE' || ${groupTaints.join(" || ")})`;
    return `${namedByTheStack(args)} || !object.metadata.name.matches('${EC2_INSTANCE_ID}') || (${labelsHeld} && ${tainted})`;
}

/**
 * A ValidatingAdmissionPolicy and its Deny binding on the kubelets' own Node writes: nodes join
 * under the names the stack makes, and nodes of autoscaled groups carry their group's labels.
 */
export class NodeRegistrationAdmission extends pulumi.ComponentResource {
    constructor(name: string, args: NodeRegistrationAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:NodeRegistrationAdmission", name, {}, opts);
        const autoscaled = args.autoscaled.length > 0;
        denyingAdmissionPolicy(name, "groundwork-node-registration", {
            failurePolicy: "Fail",
            // Its status too: a kubelet may change its Node's labels there (review s27 D1).
            matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["nodes", "nodes/status"] }] },
            matchConditions: [{ name: "a-kubelet", expression: "request.userInfo.username.startsWith('system:node:')" }],
            validations: [
                {
                    expression: registersUnderKnownName(args),
                    message: `a node may join only under a name the stack gives one (its config's nodes${autoscaled ? ", and EC2 instance ids for the autoscaled GPU groups" : ""}): another is a machine that holds the agent token without being one of the stack's; add it to the stack's config`,
                    reason: "Forbidden",
                },
                ...(autoscaled ? [{
                    expression: autoscaledNodeHeld(args),
                    message: "a node named after its EC2 instance carries only the labels the autoscaled GPU groups' launch templates set, and registers with every taint of one of them",
                    reason: "Forbidden",
                }] : []),
            ],
        }, { parent: this });
        this.registerOutputs({});
    }
}
