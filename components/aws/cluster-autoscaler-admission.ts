import { celOr, celStrings, celUnchanged as same, ControllerFence } from "../admission-policy";

/** The taints the autoscaler sets and clears (kubernetes/autoscaler@cluster-autoscaler-1.34.2 cluster-autoscaler/utils/taints/taints.go L39-42). */
export const AUTOSCALER_TAINT_KEYS = ["ToBeDeletedByClusterAutoscaler", "DeletionCandidateOfClusterAutoscaler"] as const;


/**
 * What the cluster autoscaler is let change on a Node, at 1.34.2. Its chart lets it update every
 * Node (cluster-autoscaler-chart-9.53.0 templates/clusterrole.yaml L28-39): a thief of its token could
 * relabel or untaint any node and steer Vault's or Postgres's pods to one it holds (controller RBAC
 * review s23 F8). It only adds and removes its own two taints, and cordons with
 * `--cordon-node-before-terminating` (taints.go L188-215 AddTaints, L300-350 CleanTaints, both a full
 * Update of the fresh node). Labels, annotations, pod ranges, the provider id and every other taint stay.
 */
export function autoscalerNodeRule(): string {
    const keys = celStrings(AUTOSCALER_TAINT_KEYS);
    const taints = (o: string) => celOr(o, "spec.taints", "[]");
    return `request.resource.resource == 'nodes' && ${same("metadata.labels", "{}")} && ${same("metadata.annotations", "{}")} && ${same("metadata.ownerReferences", "[]")} && ${same("metadata.finalizers", "[]")} && ${same("spec.podCIDR", "''")} && ${same("spec.podCIDRs", "[]")} && ${same("spec.providerID", "''")}`
        // Each with its own effect (taints.go L163-178): NoExecute would evict every pod, budgets aside (review s23b F3).
        + ` && ${taints("object")}.all(t, (t.key == 'ToBeDeletedByClusterAutoscaler' && t.effect == 'NoSchedule') || (t.key == 'DeletionCandidateOfClusterAutoscaler' && t.effect == 'PreferNoSchedule') || ${taints("oldObject")}.exists(o, o == t))`
        + ` && ${taints("oldObject")}.all(o, o.key in ${keys} || ${taints("object")}.exists(t, t == o))`;
}

export interface ClusterAutoscalerAdmissionArgs {
    /** The autoscaler's namespace. */
    namespace: string;
    /** Its ServiceAccount, in `namespace`. */
    serviceAccount: string;
}

/** The fence holding the autoscaler's Node updates to autoscalerNodeRule. */
export function clusterAutoscalerFence(args: ClusterAutoscalerAdmissionArgs): ControllerFence {
    return {
        policyName: "groundwork-cluster-autoscaler",
        account: { namespace: args.namespace, name: args.serviceAccount },
        // pods/status too, which its chart grants (clusterrole.yaml L34-39) and 1.34.2 never writes: a
        // pod's status carries the address its Services send to (review s23b F3).
        resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["nodes", "pods/status"] }],
        validations: [{
            expression: autoscalerNodeRule(),
            message: `the cluster autoscaler may only add and remove its own taints (${AUTOSCALER_TAINT_KEYS.join(", ")}) and cordon a node, never change its labels, annotations or other taints, nor a pod's status`,
        }],
    };
}
