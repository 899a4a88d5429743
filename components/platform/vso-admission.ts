import { celUnchanged, ControllerFence } from "../admission-policy";

/**
 * What the Vault Secrets Operator is let do with the cluster-wide rights its chart gives it, which no
 * value narrows (hashicorp/vault-secrets-operator@v1.4.1 chart/templates/role.yaml L35-67, bound by
 * cluster-role-binding.yaml L7-21): mint a token for any ServiceAccount, patch any Deployment,
 * StatefulSet or DaemonSet, write any Secret. Each is a way to root on a node for whoever takes the
 * operator (chart-models review s22b F1). What it does with them, at v1.4.1:
 * - tokens for the ServiceAccount a VaultAuth names, with the VaultAuth's audiences
 *   (helpers/serviceaccount.go L21-37, credentials/vault/kubernetes.go L87): the stack's are all
 *   `<consumer>-secrets`, audience `vault` (components/platform/vault-synced-secret.ts);
 * - rollout restarts that set one pod-template annotation (helpers/rollout_restart.go L108-140);
 * - Secrets it labels `app.kubernetes.io/managed-by: hashicorp-vso` (helpers/secrets.go L38-62,
 *   helpers/hmac.go L29), and its own in its namespace.
 * Each rule below holds one of those; a request of the operator's that breaks one is denied.
 * A user's own VaultStaticSecret with `destination.create: false` or `overwrite: true` makes VSO
 * update a Secret it did not label (helpers/secrets.go L184-205, L263-272), which is denied: the
 * stack's all use `create: true` (review s22c F4).
 */
const vsoLabelled = (o: string) => `has(${o}.metadata.labels) && 'app.kubernetes.io/managed-by' in ${o}.metadata.labels && ${o}.metadata.labels['app.kubernetes.io/managed-by'] == 'hashicorp-vso'`;
/** Owned by a VSO resource: what is left of a Secret it unlabelled to recreate (helpers/secrets.go L280-301). */
const vsoOwned = (o: string) => `has(${o}.metadata.ownerReferences) && ${o}.metadata.ownerReferences.exists(r, r.apiVersion.startsWith('secrets.hashicorp.com/'))`;
/**
 * Neither kind of Secret Kubernetes reads as a credential: a service account token Secret, which the
 * token controller fills for any account, nor a bootstrap token, which joins a node (review s22c F3).
 */
const notCredentialSecret = (o: string) => `!(has(${o}.type) && ${o}.type in ['kubernetes.io/service-account-token', 'bootstrap.kubernetes.io/token'])`;
/** The pod template's annotations, or none. */
const templateAnnotations = (o: string) => `(has(${o}.spec.template.metadata.annotations) ? ${o}.spec.template.metadata.annotations : {})`;
const RESTARTED_AT = "vso.secrets.hashicorp.com/restartedAt";
/** The object's owners as they were. */
const sameOwners = celUnchanged("metadata.ownerReferences", "[]");
/** Both objects' pod-template annotations are the same, apart from the restart stamp. */
const annotationsBarRestart = `${templateAnnotations("object")}.all(k, k == '${RESTARTED_AT}' || (k in ${templateAnnotations("oldObject")} && ${templateAnnotations("oldObject")}[k] == ${templateAnnotations("object")}[k]))`
    + ` && ${templateAnnotations("oldObject")}.all(k, k == '${RESTARTED_AT}' || k in ${templateAnnotations("object")})`;

export const VSO_RULES = {
    /** A token only for a `-secrets` account, only for Vault. */
    tokens: "request.resource.resource != 'serviceaccounts' || (request.name.endsWith('-secrets') && has(object.spec.audiences) && object.spec.audiences == ['vault'])",
    /**
     * A workload update that changes nothing but the restart stamp: no other field of the spec
     * (selector, replicas, paused, strategy), no pod spec, pod label or other pod annotation, since
     * `linkerd.io/inject: disabled` would take the pods out of the mesh (review s22c F2), and no owner,
     * since an owner that does not exist has the workload collected (review s23 F4). The objects are
     * maps at run time, so every spec field is compared by key.
     */
    restarts: "request.resource.group != 'apps' || (object.spec.all(k, k == 'template' || (k in oldObject.spec && object.spec[k] == oldObject.spec[k])) && oldObject.spec.all(k, k == 'template' || k in object.spec)"
        + " && object.spec.template.spec == oldObject.spec.template.spec"
        + " && (has(object.spec.template.metadata.labels) ? object.spec.template.metadata.labels : {}) == (has(oldObject.spec.template.metadata.labels) ? oldObject.spec.template.metadata.labels : {})"
        + ` && ${sameOwners} && ${annotationsBarRestart})`,
    /**
     * Outside its namespace, only a Secret it made (labelled before the request, or made with the
     * label; deleted, also one a VSO resource owns), never a credential Secret.
     */
    secrets: (ownNamespace: string) => `request.resource.resource != 'secrets' || request.namespace == '${ownNamespace}' || `
        + `(request.operation == 'CREATE' ? (${vsoLabelled("object")} && ${notCredentialSecret("object")})`
        + ` : request.operation == 'DELETE' ? (${vsoLabelled("oldObject")} || ${vsoOwned("oldObject")})`
        + ` : (${vsoLabelled("oldObject")} && ${notCredentialSecret("object")}))`,
} as const;

export interface VsoAdmissionArgs {
    /** The operator's namespace, where its own Secrets live. */
    namespace: string;
    /** The operator's ServiceAccount, in `namespace`. */
    serviceAccount: string;
}

/** The fence holding the operator's own requests to VSO_RULES. */
export function vsoFence(args: VsoAdmissionArgs): ControllerFence {
    return {
        policyName: "groundwork-vault-secrets-operator",
        account: { namespace: args.namespace, name: args.serviceAccount },
        resourceRules: [
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["serviceaccounts/token"] },
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["deployments", "statefulsets", "daemonsets"] },
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["secrets"] },
        ],
        validations: [
            { expression: VSO_RULES.tokens, message: "the Vault Secrets Operator may request tokens only for a <consumer>-secrets ServiceAccount, for the audience vault" },
            { expression: VSO_RULES.restarts, message: "the Vault Secrets Operator may only restart a workload (the pod template's vso.secrets.hashicorp.com/restartedAt annotation), never change its pods, replicas or other annotations" },
            { expression: VSO_RULES.secrets(args.namespace), message: `the Vault Secrets Operator may write only Secrets it made (app.kubernetes.io/managed-by: hashicorp-vso) outside ${args.namespace}, and no service account or bootstrap token Secret` },
        ],
    };
}
