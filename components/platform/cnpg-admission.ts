import * as k8s from "@pulumi/kubernetes";
import { celStrings, ControllerFence, onlyCaBundleChanged } from "../admission-policy";

/** The webhook configurations the operator keeps its CA in (cloudnative-pg/cloudnative-pg@v1.30.0 internal/configuration/configuration.go L51-55). */
export const CNPG_WEBHOOK_CONFIGURATIONS = ["cnpg-mutating-webhook-configuration", "cnpg-validating-webhook-configuration"] as const;

/** What the operator writes, each kind in the namespaces where it keeps Clusters and in its own. */
const NAMESPACED_WRITES: k8s.types.input.admissionregistration.v1.NamedRuleWithOperations[] = [
    { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["pods", "persistentvolumeclaims", "services", "secrets", "configmaps", "serviceaccounts"] },
    { apiGroups: [""], apiVersions: ["v1"], operations: ["CONNECT"], resources: ["pods/exec"] },
    { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["deployments"] },
    { apiGroups: ["batch"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["jobs"] },
    { apiGroups: ["policy"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["poddisruptionbudgets"] },
    { apiGroups: ["rbac.authorization.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["roles", "rolebindings"] },
    // Also granted everywhere (charts _helpers.tpl L162-168 leases; podmonitors, volumesnapshots): held to
    // the same namespaces (review s23b F2).
    { apiGroups: ["coordination.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["leases"] },
    { apiGroups: ["monitoring.coreos.com"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["podmonitors"] },
    { apiGroups: ["snapshot.storage.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["volumesnapshots"] },
];

/**
 * What the CloudNativePG operator is let do, at v1.30.0. Its chart binds it cluster-wide to create
 * pods and Jobs, exec into any pod, and write Secrets, ServiceAccounts, Roles and RoleBindings in
 * every namespace, and to patch every webhook configuration (cloudnative-pg/charts@cloudnative-pg-v0.29.0
 * charts/cloudnative-pg/templates/_helpers.tpl L80-151, L273-316, bound by rbac.yaml L34-73): a thief
 * of its token could exec into any pod, or run one in kube-system (controller RBAC review s23 F4).
 * The chart's `config.clusterWide: false` does not help: the operator then watches only its own
 * release namespace (templates/deployment.yaml L92-95), where no Cluster lives. What it does: every
 * object of a Cluster in the Cluster's namespace, exec into its instances for backups
 * (internal/controller/backup_controller.go), its own certificate in its namespace, and the CA bundle of
 * its two webhook configurations (pkg/certs/k8s.go L419-470, a merge patch of `caBundle` alone).
 */
export function cnpgRules(namespaces: string[], clusters: string[]) {
    const instance = `^(${clusters.join("|")})-[0-9]+$`;
    return {
        // Exec only into a Cluster's instances, `<cluster>-<n>` (pkg/specs/pods.go; review s23b F4).
        exec: `request.subResource != 'exec' || request.name.matches('${instance}')`,
        // A RoleBinding as pkg/specs/rolebinding.go L29-55 builds it: the Role of its own name, to the
        // account of that name, so no Role reaches another identity (review s23b F1).
        bindings: "request.resource.resource != 'rolebindings' || request.operation == 'DELETE' || (object.roleRef.kind == 'Role' && object.roleRef.name == request.name"
            + " && size(object.subjects) == 1 && object.subjects[0].kind == 'ServiceAccount' && object.subjects[0].name == request.name && object.subjects[0].namespace == request.namespace)",
        where: `request.resource.group == 'admissionregistration.k8s.io' || request.namespace in ${celStrings(namespaces)}`,
        secrets: "request.resource.resource != 'secrets' || request.operation == 'DELETE' || !(has(object.type) && object.type in ['kubernetes.io/service-account-token', 'bootstrap.kubernetes.io/token'])",
        webhooks: `request.resource.group != 'admissionregistration.k8s.io' || (request.name in ${celStrings(CNPG_WEBHOOK_CONFIGURATIONS)} && ${onlyCaBundleChanged()})`,
    };
}

export interface CnpgAdmissionArgs {
    /** The operator's namespace. */
    namespace: string;
    /** Its ServiceAccount, in `namespace`. */
    serviceAccount: string;
    /** The namespaces of the Clusters it runs. */
    clusterNamespaces: string[];
    /** The Clusters' names, whose instances `<name>-<n>` it may exec into. */
    clusterNames: string[];
}

/** The fence holding the operator's own writes to cnpgRules: its Clusters' namespaces and its own, and its webhooks' CA bundle. */
export function cnpgFence(args: CnpgAdmissionArgs): ControllerFence {
    const namespaces = [...new Set([...args.clusterNamespaces, args.namespace])];
    const rules = cnpgRules(namespaces, args.clusterNames);
    return {
        policyName: "groundwork-cloudnative-pg",
        account: { namespace: args.namespace, name: args.serviceAccount },
        resourceRules: [
            ...NAMESPACED_WRITES,
            { apiGroups: ["admissionregistration.k8s.io"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"] },
        ],
        validations: [
            { expression: rules.where, message: `the CloudNativePG operator may write pods, Jobs, Secrets, accounts and Roles, and exec into pods, only in ${namespaces.join(", ")}` },
            { expression: rules.secrets, message: "the CloudNativePG operator may write no service account or bootstrap token Secret" },
            { expression: rules.exec, message: `the CloudNativePG operator may exec only into its Clusters' instances (${args.clusterNames.map((c) => `${c}-<n>`).join(", ")})` },
            { expression: rules.bindings, message: "the CloudNativePG operator may bind a Role only as it does: the Role of the binding's name, to the ServiceAccount of that name" },
            { expression: rules.webhooks, message: `the CloudNativePG operator may change only the CA bundle of ${CNPG_WEBHOOK_CONFIGURATIONS.join(" and ")}` },
        ],
    };
}
