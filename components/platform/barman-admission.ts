import * as pulumi from "@pulumi/pulumi";
import { controllerFence } from "../admission-policy";

/**
 * The Role and RoleBinding the barman-cloud plugin keeps for a Cluster: `<cluster>-barman-cloud` in
 * the Cluster's namespace (cloudnative-pg/plugin-barman-cloud@v0.13.0 internal/cnpgi/operator/specs/role.go
 * L41-42, L131-132, L153-155).
 */
export const barmanRbacName = (clusterName: string) => `${clusterName}-barman-cloud`;

/**
 * What the barman-cloud plugin is let write, at v0.13.0. Its chart gives it `create` and `get` on
 * Secrets, and `create`/`patch` on Roles and RoleBindings, in every namespace
 * (cloudnative-pg/charts@plugin-barman-cloud-v0.7.0 templates/rbac.yaml L40-49, L90-116): a thief of its
 * token could create a `kubernetes.io/service-account-token` Secret for any ServiceAccount and read
 * the token back (controller RBAC review s23 F5). Its code writes no Secret; its only writes of those
 * kinds are each Cluster's Role and RoleBinding (internal/cnpgi/operator/rbac/ensure.go L149, L223,
 * L255, L295).
 */
export function barmanRule(clusters: { namespace: string; name: string }[]): string {
    const allowed = clusters.map((c) => `(request.namespace == '${c.namespace}' && request.name == '${barmanRbacName(c.name)}')`);
    return `request.resource.resource != 'secrets' && (${allowed.length > 0 ? allowed.join(" || ") : "false"})`;
}

export interface BarmanAdmissionArgs {
    /** The plugin's namespace. */
    namespace: string;
    /** Its ServiceAccount, in `namespace`. */
    serviceAccount: string;
    /** The Clusters whose backups it runs, each by namespace and name. */
    clusters: { namespace: string; name: string }[];
}

/** The plugin's own writes held to barmanRule. */
export class BarmanAdmission extends pulumi.ComponentResource {
    constructor(name: string, args: BarmanAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:BarmanAdmission", name, {}, opts);
        controllerFence(name, "groundwork-barman-cloud", {
            account: { namespace: args.namespace, name: args.serviceAccount },
            resourceRules: [
                { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["secrets"] },
                { apiGroups: ["rbac.authorization.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["roles", "rolebindings"] },
            ],
            validations: [{
                expression: barmanRule(args.clusters),
                message: `the barman-cloud plugin writes no Secret, and only the Role and RoleBinding ${args.clusters.map((c) => `${c.namespace}/${barmanRbacName(c.name)}`).join(", ")}`,
            }],
        }, { parent: this });
        this.registerOutputs({});
    }
}
