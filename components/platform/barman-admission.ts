import { celStrings, ControllerFence } from "../admission-policy";

/**
 * The Role and RoleBinding the barman-cloud plugin keeps for a Cluster: `<cluster>-barman-cloud` in
 * the Cluster's namespace (cloudnative-pg/plugin-barman-cloud@v0.13.0 internal/cnpgi/operator/specs/role.go
 * L41-42, L131-132, L153-155).
 */
export const barmanRbacName = (clusterName: string) => `${clusterName}-barman-cloud`;

/** A Cluster whose backups the plugin runs: where, and what its Role may name. */
export interface BarmanCluster {
    namespace: string;
    /** The Cluster's name, also its instances' ServiceAccount. */
    name: string;
    /** The ObjectStores it backs up to. */
    objectStores: string[];
    /** The Secrets those ObjectStores' credentials are in. */
    secrets: string[];
}

/**
 * The Role as BuildRoleRules writes it (specs/role.go L49-101): read the Cluster's ObjectStores and
 * update their status, read their credentials' Secrets, each by name; nothing else.
 */
function roleAsBuilt(c: BarmanCluster): string {
    const named = (names: string[]) => `has(r.resourceNames) && size(r.resourceNames) > 0 && r.resourceNames.all(n, n in ${celStrings(names)})`;
    const reads = "r.verbs.all(v, v in ['get', 'watch', 'list'])";
    return `object.rules.all(r, ${named([...c.objectStores, ...c.secrets])} && (`
        + `(r.apiGroups == ['barmancloud.cnpg.io'] && r.resources == ['objectstores'] && ${reads})`
        + ` || (r.apiGroups == ['barmancloud.cnpg.io'] && r.resources == ['objectstores/status'] && r.verbs == ['update'])`
        + ` || (r.apiGroups == [''] && r.resources == ['secrets'] && ${reads} && r.resourceNames.all(n, n in ${celStrings(c.secrets)}))))`;
}

/** The RoleBinding as BuildRoleBinding writes it (role.go L120-150): the Role, to the Cluster's own account. */
function bindingAsBuilt(c: BarmanCluster): string {
    return `object.roleRef.kind == 'Role' && object.roleRef.name == '${barmanRbacName(c.name)}' && size(object.subjects) == 1`
        + ` && object.subjects[0].kind == 'ServiceAccount' && object.subjects[0].name == '${c.name}' && object.subjects[0].namespace == '${c.namespace}'`;
}

/**
 * What the barman-cloud plugin is let write, at v0.13.0. Its chart gives it `create` and `get` on
 * Secrets, and `create`/`patch` on Roles and RoleBindings, in every namespace
 * (cloudnative-pg/charts@plugin-barman-cloud-v0.7.0 templates/rbac.yaml L40-49, L90-116): a thief of its
 * token could create a `kubernetes.io/service-account-token` Secret for any ServiceAccount and read
 * the token back (controller RBAC review s23 F5), or, through its own Role, grant its Secret rights
 * to another identity (review s23 F2). Its code writes no Secret; its only writes of those kinds are
 * each Cluster's Role and RoleBinding, as built (internal/cnpgi/operator/rbac/ensure.go L149, L223,
 * L255, L295), which are held here to what they hold.
 */
export function barmanRule(clusters: BarmanCluster[]): string {
    const asBuilt = clusters.map((c) => `(request.namespace == '${c.namespace}' && request.name == '${barmanRbacName(c.name)}'`
        + ` && (request.operation == 'DELETE' || (request.resource.resource == 'roles' ? ${roleAsBuilt(c)} : ${bindingAsBuilt(c)})))`);
    return `request.resource.resource != 'secrets' && (${asBuilt.length > 0 ? asBuilt.join(" || ") : "false"})`;
}

export interface BarmanAdmissionArgs {
    /** The plugin's namespace. */
    namespace: string;
    /** Its ServiceAccount, in `namespace`. */
    serviceAccount: string;
    /** The Clusters whose backups it runs. */
    clusters: BarmanCluster[];
}

/** The fence holding the plugin's own writes to barmanRule. */
export function barmanFence(args: BarmanAdmissionArgs): ControllerFence {
    return {
        policyName: "groundwork-barman-cloud",
        account: { namespace: args.namespace, name: args.serviceAccount },
        resourceRules: [
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["secrets"] },
            { apiGroups: ["rbac.authorization.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["roles", "rolebindings"] },
        ],
        validations: [{
            expression: barmanRule(args.clusters),
            message: `the barman-cloud plugin writes no Secret, and only the Role and RoleBinding ${args.clusters.map((c) => `${c.namespace}/${barmanRbacName(c.name)}`).join(", ")}, as it builds them: its Cluster's ObjectStores and their Secrets, read, for the Cluster's own account`,
        }],
    };
}
