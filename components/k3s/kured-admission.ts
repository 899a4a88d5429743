import { celMapChangesOnly, celUnchanged as same, ControllerFence } from "../admission-policy";

/** The node annotations kured writes with `annotateNodes` (kubereboot/kured@1.23.0 cmd/kured/main.go L100-105, L493-535). */
export const KURED_ANNOTATION_PREFIX = "weave.works/kured-";

/**
 * What kured is let change, at 1.23.0. Its chart gives it `update` on its own DaemonSet (charts@kured-6.1.0
 * templates/role.yaml L15-18) and `patch` on every Node (clusterrole.yaml L15-29), and its token is on
 * every node (it tolerates every taint). A thief of that token on any one node could rewrite the
 * DaemonSet, in a namespace whose Pod Security is `privileged`, to run a privileged pod with the host's
 * `/` on every server (controller RBAC review s23 F1). What kured does with those rights:
 * - the lock: one annotation on the DaemonSet, never its spec (pkg/daemonsetlock/daemonsetlock.go L146-175, L224-240);
 * - nodes: cordon and uncordon (`spec.unschedulable`, the drain helper) and, with `annotateNodes`, its
 *   own `weave.works/kured-*` annotations (cmd/kured/main.go L493-535). Labels only with
 *   `--pre/post-reboot-node-labels` and a taint only with `--prefer-no-schedule-taint`, neither set here.
 */
export const KURED_RULES = {
    /** The DaemonSet: its spec and labels as they were. */
    daemonSet: `request.resource.resource != 'daemonsets' || (object.spec == oldObject.spec && ${same("metadata.labels", "{}")} && ${same("metadata.ownerReferences", "[]")})`,
    /**
     * A node: labels, taints, pod ranges and provider id as they were, and no annotation but kured's
     * own changed (flannel reads its peers' addresses from node annotations).
     */
    node: `request.resource.resource != 'nodes' || (${same("metadata.labels", "{}")} && ${same("metadata.ownerReferences", "[]")} && ${same("metadata.finalizers", "[]")} && ${same("spec.taints", "[]")}`
        + ` && ${same("spec.podCIDR", "''")} && ${same("spec.podCIDRs", "[]")} && ${same("spec.providerID", "''")}`
        + ` && ${celMapChangesOnly("metadata.annotations", `k.startsWith('${KURED_ANNOTATION_PREFIX}')`)})`,
} as const;

export interface KuredAdmissionArgs {
    /** kured's namespace. */
    namespace: string;
    /** Its ServiceAccount, in `namespace`. */
    serviceAccount: string;
}

/** The fence holding kured's own updates to KURED_RULES. */
export function kuredFence(args: KuredAdmissionArgs): ControllerFence {
    return {
        policyName: "groundwork-kured",
        account: { namespace: args.namespace, name: args.serviceAccount },
        resourceRules: [
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["daemonsets"] },
            { apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["nodes"] },
        ],
        validations: [
            { expression: KURED_RULES.daemonSet, message: "kured may change only its DaemonSet's annotations (its reboot lock), never its spec or labels" },
            { expression: KURED_RULES.node, message: `kured may only cordon and uncordon a node and write its own ${KURED_ANNOTATION_PREFIX}* annotations, never a node's labels, taints or other annotations` },
        ],
    };
}
