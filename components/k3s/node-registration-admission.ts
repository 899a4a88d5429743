import * as pulumi from "@pulumi/pulumi";
import { celStrings, denyingAdmissionPolicy } from "../admission-policy";

/**
 * An EC2 instance id, the name a member of an autoscaled group gives itself at boot (bootstrap.ts
 * `awsInstanceIdentity`): `i-` and 8 or 17 lower-case hex digits (docs.aws.amazon.com, "Resource
 * IDs", read 2026-11-30).
 */
export const EC2_INSTANCE_ID = "^i-[0-9a-f]{8}([0-9a-f]{9})?$";

export interface NodeRegistrationAdmissionArgs {
    /** Every node the stack makes with a name of its own (OCI nodes, AWS servers and fixed GPU nodes, edge machines). */
    nodeNames: string[];
    /**
     * The labels each autoscaled GPU group's nodes register with (its k3s `node-label`s), one map
     * per group; empty when no group is autoscaled. Those nodes are named after their instance.
     */
    autoscaledLabels: Record<string, string>[];
}

const celString = (value: string) => `'${value.replace(/[\\']/g, "\\$&")}'`;
const celMap = (map: Record<string, string>) => `{${Object.entries(map).map(([k, v]) => `${celString(k)}: ${celString(v)}`).join(", ")}}`;

/**
 * CEL, for a kubelet's request on its own Node (`system:node:<name>`, the only user NodeRestriction
 * lets write it): a new Node takes a name the stack makes, or an instance id where a GPU group is
 * autoscaled. An agent-token holder's machine joins under a name of its own choosing (k3s's node
 * password only binds a name already taken: docs.k3s.io/architecture, "How Agent Node Registration
 * Works"), and labels itself as it likes (NodeRestriction refuses only `kubernetes.io` and
 * `k8s.io` labels outside its list): it could then attract the pods that select the stack's
 * placement labels, and read the Secrets they mount (threat model, agent token). Updates of a Node
 * that already exists pass: k3s patches its labels at every start and waits until that succeeds
 * (k3s-io/k3s@v1.34.9+k3s1 (5f72184f) pkg/agent/run.go L196-201, L365-400).
 */
export function registersUnderKnownName(args: NodeRegistrationAdmissionArgs): string {
    const known = `object.metadata.name in ${celStrings(args.nodeNames)}`;
    const autoscaled = args.autoscaledLabels.length > 0 ? ` || object.metadata.name.matches('${EC2_INSTANCE_ID}')` : "";
    return `request.operation != 'CREATE' || ${known}${autoscaled}`;
}

/**
 * CEL: a node named after its instance carries, under every key an autoscaled group sets, exactly
 * one group's labels, on its registration and after (an update may keep a value it had): such a
 * node can pass for a GPU node of the stack, but for no other.
 */
export function autoscaledNodeLabelsHeld(args: NodeRegistrationAdmissionArgs): string {
    const keys = [...new Set(args.autoscaledLabels.flatMap((labels) => Object.keys(labels)))].sort();
    const labels = "(has(object.metadata.labels) ? object.metadata.labels : {})";
    const old = "(oldObject != null && has(oldObject.metadata.labels) ? oldObject.metadata.labels : {})";
    const kept = `(request.operation == 'UPDATE' && (k in ${old}) == (k in ${labels}) && (!(k in ${labels}) || ${old}[k] == ${labels}[k]))`;
    const holds = `${celStrings(keys)}.all(k, (k in e ? (k in ${labels} && ${labels}[k] == e[k]) : !(k in ${labels})) || ${kept})`;
    return `object.metadata.name in ${celStrings(args.nodeNames)} || !object.metadata.name.matches('${EC2_INSTANCE_ID}') || [${args.autoscaledLabels.map(celMap).join(", ")}].exists(e, ${holds})`;
}

/**
 * A ValidatingAdmissionPolicy and its Deny binding on the kubelets' own Node writes: nodes join
 * under the names the stack makes, and nodes of autoscaled groups carry their group's labels.
 */
export class NodeRegistrationAdmission extends pulumi.ComponentResource {
    constructor(name: string, args: NodeRegistrationAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:NodeRegistrationAdmission", name, {}, opts);
        const autoscaled = args.autoscaledLabels.length > 0;
        denyingAdmissionPolicy(name, "groundwork-node-registration", {
            failurePolicy: "Fail",
            matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["nodes"] }] },
            matchConditions: [{ name: "a-kubelet", expression: "request.userInfo.username.startsWith('system:node:')" }],
            validations: [
                {
                    expression: registersUnderKnownName(args),
                    message: `a node may join only under a name the stack gives one (its config's nodes${autoscaled ? ", and EC2 instance ids for the autoscaled GPU groups" : ""}): another is a machine that holds the agent token without being one of the stack's; add it to the stack's config`,
                    reason: "Forbidden",
                },
                ...(autoscaled ? [{
                    expression: autoscaledNodeLabelsHeld(args),
                    message: "a node named after its EC2 instance carries one autoscaled GPU group's labels, as that group's launch template sets them, and no others of theirs",
                    reason: "Forbidden",
                }] : []),
            ],
        }, { parent: this });
        this.registerOutputs({});
    }
}
