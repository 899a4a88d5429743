import * as pulumi from "@pulumi/pulumi";
import { celOr, celSame, celString, celStrings, celUnchanged, denyingAdmissionPolicy } from "../admission-policy";
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

/** CEL: the request is a kubelet's (`system:node:<name>`). */
const KUBELET = "request.userInfo.username.startsWith('system:node:')";

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

/** The labels on a request's Node, and on the Node it replaces (none on a CREATE). */
const LABELS = celOr("object", "metadata.labels", "{}");
const OLD_LABELS = celOr("oldObject", "metadata.labels", "{}");
/** CEL, for a label key `k`: the label is on the Node as it was (an UPDATE that leaves it be). */
const KEPT = `(request.operation == 'UPDATE' && k in ${OLD_LABELS} && ${OLD_LABELS}[k] == ${LABELS}[k])`;

/** Every key the stack labels a node with, named or autoscaled: the keys these checks hold. */
const stackLabelKeys = (args: NodeRegistrationAdmissionArgs) =>
    [...new Set([...Object.values(args.nodes), ...args.autoscaled.map((a) => a.labels)].flatMap((labels) => Object.keys(labels)))].sort();

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
    const keys = stackLabelKeys(args);
    // Only the keys some group gives a value; the others pass only as they were.
    const given = keys.map((k) => [k, [...new Set(args.autoscaled.flatMap((a) => (k in a.labels ? [a.labels[k]] : [])))]] as const).filter(([, values]) => values.length > 0);
    const allowed = `{${given.map(([k, values]) => `${celString(k)}: ${celStrings(values)}`).join(", ")}}`;
    const labelsHeld = `${celStrings(keys)}.all(k, !(k in ${LABELS}) || (k in ${allowed} && ${LABELS}[k] in ${allowed}[k]) || ${KEPT})`;
    const taints = celOr("object", "spec.taints", "[]");
    const taintHeld = (taint: string) => {
        const { key, value, effect } = parseTaint(taint);
        return `${taints}.exists(t, t.key == ${celString(key)} && (has(t.value) ? t.value : '') == ${celString(value)} && t.effect == ${celString(effect)})`;
    };
    const groupTaints = args.autoscaled.map((a) => (a.taints.length > 0 ? `(${a.taints.map(taintHeld).join(" && ")})` : "true"));
    const tainted = `(request.operation != 'CREATE' || ${groupTaints.join(" || ")})`;
    return `${namedByTheStack(args)} || !object.metadata.name.matches('${EC2_INSTANCE_ID}') || (${labelsHeld} && ${tainted})`;
}

/**
 * The identity k3s's agents run flannel and the network policy controller as. The supervisor signs
 * its client certificate for whoever holds the agent token, with no node password
 * (k3s-io/k3s@v1.34.9+k3s1 (5f72184f) pkg/server/handlers/router.go L36, L40, handlers.go
 * L117-125), and its ClusterRole patches every Node's status (manifests/rolebindings.yaml L15-35),
 * where labels and the whole status change too. flannel writes its annotations there, and the
 * NetworkUnavailable condition (flannel-io/flannel@v0.28.4, k3s's go.mod L93:
 * pkg/subnet/kube/kube.go L420-482, L649-667); k3s sets labels with the kubelet's own credentials
 * (pkg/agent/run.go L196-201).
 */
export const K3S_CONTROLLER = "system:k3s-controller";

/**
 * Every field of a Node's status but its conditions (core/v1 NodeStatus, as kubernetes-models 4.5.1
 * has it): where and what the node is, which the API server, the scheduler and the node lifecycle
 * controller act on (the kubelet's port among them). flannel writes none of them.
 */
const NODE_STATUS_FIELDS = ["addresses", "allocatable", "capacity", "config", "daemonEndpoints", "features", "images", "nodeInfo", "phase", "runtimeHandlers", "volumesAttached", "volumesInUse"].map((f) => `status.${f}`);

/**
 * CEL: an update changes only what flannel writes: annotations, and the NetworkUnavailable
 * condition. Labels, owner references, finalizers, taints, the status fields above and every other
 * condition stay (security review s28 N1; read-through s28 R4: a false Ready condition, address or
 * kubelet port; final check s28 D1: an owner that deletes the Node).
 */
export const changesOnlyFlannelsFields = `request.operation != 'UPDATE' || (${[
    celUnchanged("metadata.labels", "{}"),
    // An ownerReference to an owner that does not exist has the garbage collector delete the Node;
    // a status write changes metadata but the spec (final check s28 D1).
    celUnchanged("metadata.ownerReferences", "[]"),
    celUnchanged("metadata.finalizers", "[]"),
    celUnchanged("spec.taints", "[]"),
    // Fields of several types (lists, objects): each compared as present or not, then as a whole.
    `(has(object.status) == has(oldObject.status) && (!has(object.status) || (${[
        ...NODE_STATUS_FIELDS.map((field) => celSame("object", "oldObject", field)),
        `${celOr("object", "status.conditions", "[]")}.filter(c, c.type != 'NetworkUnavailable') == ${celOr("oldObject", "status.conditions", "[]")}.filter(c, c.type != 'NetworkUnavailable')`,
    ].join(" && ")})))`,
].join(" && ")})`;

/**
 * A ValidatingAdmissionPolicy and its Deny binding on the Node writes an agent-token holder can
 * make: kubelets join under the names the stack makes (nodes named after their instance, with an
 * autoscaled group's labels and taints), and k3s's controller identity changes only what flannel
 * writes.
 */
export class NodeRegistrationAdmission extends pulumi.ComponentResource {
    constructor(name: string, args: NodeRegistrationAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:NodeRegistrationAdmission", name, {}, opts);
        const autoscaled = args.autoscaled.length > 0;
        denyingAdmissionPolicy(name, "groundwork-node-registration", {
            failurePolicy: "Fail",
            // Its status too: a kubelet may change its Node's labels there (review s27 D1).
            matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["nodes", "nodes/status"] }] },
            matchConditions: [{ name: "a-kubelet-or-k3s-controller", expression: `${KUBELET} || request.userInfo.username == '${K3S_CONTROLLER}'` }],
            validations: [
                {
                    expression: `!${KUBELET} || (${registersUnderKnownName(args)})`,
                    message: `a node may join only under a name the stack gives one (its config's nodes${autoscaled ? ", and EC2 instance ids for the autoscaled GPU groups" : ""}): another is a machine that holds the agent token without being one of the stack's; add it to the stack's config`,
                    reason: "Forbidden",
                },
                ...(autoscaled ? [{
                    expression: `!${KUBELET} || (${autoscaledNodeHeld(args)})`,
                    message: "a node named after its EC2 instance carries only the labels the autoscaled GPU groups' launch templates set, and registers with every taint of one of them",
                    reason: "Forbidden",
                }] : []),
                {
                    expression: `${KUBELET} || (${changesOnlyFlannelsFields})`,
                    message: `${K3S_CONTROLLER}, whose certificate any agent-token holder can get, may change only a Node's annotations and its NetworkUnavailable condition, which flannel writes with it: not its labels, owner references, finalizers, taints, other conditions or any other status field`,
                    reason: "Forbidden",
                },
            ],
        }, { parent: this });
        this.registerOutputs({});
    }
}
