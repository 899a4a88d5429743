import { celStrings, ControllerFence, onlyCaBundleChanged } from "../admission-policy";

/** The label cert-manager puts on each HTTP-01 solver's pod, Service and Ingress (pkg/apis/acme/v1/types.go L60; pkg/issuer/acme/http/pod.go L35-48). */
const SOLVER_LABEL = "acme.cert-manager.io/http01-solver";
/** The name each solver object is generated from (pod.go, service.go, ingress.go `GenerateName`). */
const SOLVER_NAME_PREFIX = "cm-acme-http-solver-";

/** The container fields pod.go sets on the solver, and the API server's defaults. */
const SOLVER_CONTAINER_FIELDS = "['name', 'image', 'imagePullPolicy', 'args', 'resources', 'ports', 'securityContext', 'terminationMessagePath', 'terminationMessagePolicy']";
const solverLabelled = (o: string) => `has(${o}.metadata.labels) && '${SOLVER_LABEL}' in ${o}.metadata.labels && ${o}.metadata.labels['${SOLVER_LABEL}'] == 'true'`;
const setTrue = (o: string, field: string) => `(has(${o}.spec.${field}) && ${o}.spec.${field} == true)`;
const notCredentialSecret = `!(has(object.type) && object.type in ['kubernetes.io/service-account-token', 'bootstrap.kubernetes.io/token'])`;
/** The annotation on every Secret a Certificate is issued into (pkg/controller/certificates/issuing/internal/secret.go L188-190; issuing_controller.go L458). */
export const CERTIFICATE_NAME_ANNOTATION = "cert-manager.io/certificate-name";
/** The label on a Certificate's next private key, the one Secret it deletes (keymanager_controller.go L300-310, L376-396). */
const NEXT_KEY_LABEL = "cert-manager.io/next-private-key";
const annotated = (o: string) => `(has(${o}.metadata.annotations) && '${CERTIFICATE_NAME_ANNOTATION}' in ${o}.metadata.annotations)`;
const labelled = (o: string, key: string, value: string) => `(has(${o}.metadata.labels) && '${key}' in ${o}.metadata.labels && ${o}.metadata.labels['${key}'] == '${value}')`;

/**
 * What cert-manager's controller is let write, at v1.21.1. Its chart binds it cluster-wide to create
 * pods and Services, write Ingresses, and write Secrets in every namespace (cert-manager@v1.21.1
 * deploy/charts/cert-manager/templates/rbac.yaml L49-133, L180-236): a thief of its token could run a
 * privileged pod in kube-system, which Pod Security exempts, or mint a token for any ServiceAccount
 * through a token Secret (controller RBAC review s23 F3). What it does with those rights:
 * - pods, Services and Ingresses only for an HTTP-01 challenge: one `acmesolver` container of its
 *   `--acme-http01-solver-image`, no token, no volume (pkg/issuer/acme/http/pod.go L197-260); a
 *   Service selecting those pods (service.go L110-150); an Ingress whose every path is
 *   `/.well-known/acme-challenge/<token>` to such a Service (ingress.go L150-210, L239-272, L383-404);
 * - Secrets, none of them a token: each Certificate's, applied with its name annotated, created or
 *   updated (issuing/internal/secret.go L93-131); each Certificate's next private key, created
 *   labelled and owned by it, and deleted (keymanager_controller.go L300-310, L376-396); and an ACME
 *   account key, created labelled `app.kubernetes.io/managed-by: cert-manager` in the ClusterIssuers'
 *   namespace (pkg/issuer/acme/setup.go L536-560). So a Secret it did not issue (VSO's, the trust
 *   anchor Pulumi made, k3s's serving certificate) it may neither overwrite nor delete.
 * Its reads of every Secret stay (README, threat model). With `config.metricsTLSConfig.dynamic` (off
 * here) it would also renew its metrics CA Secret (controller.go L441-455, pkg/server/tls/authority/authority.go
 * L383-418), which this denies: add that Secret first (review s24b F6).
 */
export function certManagerRules(solverImage: string, namespace: string, acmeAccountKeys: string[]) {
    const owned = (o: string) => `has(${o}.metadata.ownerReferences) && ${o}.metadata.ownerReferences.exists(r, r.kind == 'Certificate' && r.apiVersion.startsWith('cert-manager.io/'))`;
    return {
        pods: `request.resource.resource != 'pods' || request.operation == 'DELETE' || (${solverLabelled("object")} && size(object.spec.containers) == 1 && object.spec.containers[0].image == '${solverImage}'`
            + ` && !has(object.spec.initContainers) && !has(object.spec.ephemeralContainers) && !has(object.spec.volumes)`
            + ` && has(object.spec.automountServiceAccountToken) && object.spec.automountServiceAccountToken == false`
            + ` && !${setTrue("object", "hostNetwork")} && !${setTrue("object", "hostPID")} && !${setTrue("object", "hostIPC")} && !has(object.spec.nodeName)`
            // As built: its arguments, not a command of its own; no host port; no privilege (review s23 F5);
            // only the fields pod.go sets, cpu and memory alone, no capability added, no priority or
            // runtime class (pod.go L197-265; security review s24b F4).
            + ` && !has(object.spec.priorityClassName) && !has(object.spec.runtimeClassName)`
            + ` && object.spec.containers.all(c, c.all(k, k in ${SOLVER_CONTAINER_FIELDS}) && !has(c.command) && (!has(c.ports) || c.ports.all(p, !has(p.hostPort)))`
            + ` && (!has(c.resources) || c.resources.all(k, k in ['requests', 'limits'] && c.resources[k].all(r, r in ['cpu', 'memory'])))`
            + ` && (!has(c.securityContext) || ((!has(c.securityContext.privileged) || c.securityContext.privileged == false)`
            + ` && (!has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add) || size(c.securityContext.capabilities.add) == 0)))))`,
        services: `request.resource.resource != 'services' || request.operation == 'DELETE' || (${solverLabelled("object")} && has(object.spec.selector) && '${SOLVER_LABEL}' in object.spec.selector && object.spec.selector['${SOLVER_LABEL}'] == 'true'`
            + ` && (!has(object.spec.type) || object.spec.type in ['ClusterIP', 'NodePort']) && !has(object.spec.externalIPs))`,
        // It deletes only the solver objects it made (security review s24b F2: kube-dns deleted and its address taken).
        solverDeletes: `request.operation != 'DELETE' || request.resource.resource == 'secrets' || ${solverLabelled("oldObject")}`,
        ingresses: `request.resource.resource != 'ingresses' || request.operation == 'DELETE' || (${solverLabelled("object")} && !has(object.spec.defaultBackend) && has(object.spec.rules)`
            + ` && object.spec.rules.all(r, has(r.http) && r.http.paths.all(p, p.path.startsWith('/.well-known/acme-challenge/') && has(p.backend.service) && p.backend.service.name.startsWith('${SOLVER_NAME_PREFIX}'))))`,
        // A next key it deletes is one it made: labelled, owned by a Certificate, never an issued
        // certificate relabelled (review s24b F1). A Secret it first issues is a TLS one (secret.go
        // L214-222), and its ACME account key has the name its issuer gives (review s24b F2).
        secrets: `request.resource.resource != 'secrets' || (request.operation == 'DELETE' ? (${labelled("oldObject", NEXT_KEY_LABEL, "true")} && !${annotated("oldObject")} && ${owned("oldObject")}) : ${notCredentialSecret}`
            + ` && ((${annotated("object")} && (request.operation == 'CREATE' ? (has(object.type) && object.type == 'kubernetes.io/tls') : ${annotated("oldObject")}))`
            // A next key as keymanager_controller.go L377-396 makes it: Opaque, `tls.key` alone, owned by
            // one Certificate and named after it (security review s24b F1).
            + ` || (request.operation == 'CREATE' && ${labelled("object", NEXT_KEY_LABEL, "true")} && !${annotated("object")} && ${owned("object")}`
            + ` && (!has(object.type) || object.type == 'Opaque') && has(object.data) && object.data.all(k, k == 'tls.key')`
            + ` && size(object.metadata.ownerReferences) == 1 && request.name.startsWith(object.metadata.ownerReferences[0].name + '-'))`
            + ` || (request.operation == 'CREATE' && request.namespace == '${namespace}' && request.name in ${celStrings(acmeAccountKeys)} && ${labelled("object", "app.kubernetes.io/managed-by", "cert-manager")})))`,
    };
}

/**
 * What cert-manager's CA injector is let write, at v1.21.1. Its chart lets it update every webhook
 * configuration, APIService and CRD (templates/cainjector-rbac.yaml L14-31): a thief of its token
 * could add a mutating webhook of its own for pods, kube-system's included (review s23 F2). It
 * writes one field, `clientConfig.caBundle`, of the objects annotated `cert-manager.io/inject-ca-from*`,
 * which in this stack are the chart's own two webhook configurations
 * (webhook-validating-webhook.yaml L12, webhook-mutating-webhook.yaml L12) and the prometheus-operator's
 * two (kube-prometheus-stack-88.5.3 templates/prometheus-operator/admission-webhooks/_prometheus-operator-webhook.tpl
 * L10-11, with admissionWebhooks.certManager on; review s23 F1); no APIService or CRD is annotated
 * (KEDA makes its own certificates). Every other field of every webhook stays.
 */
export function caInjectorRule(webhookConfigurations: string[]): string {
    return `request.resource.group == 'admissionregistration.k8s.io' && request.name in ${celStrings(webhookConfigurations)} && ${onlyCaBundleChanged()}`;
}

export interface CertManagerAdmissionArgs {
    /** cert-manager's namespace. */
    namespace: string;
    /** The controller's ServiceAccount, in `namespace`. */
    controllerAccount: string;
    /** The CA injector's ServiceAccount, in `namespace`. */
    caInjectorAccount: string;
    /** The HTTP-01 solver's image, exactly as the controller's `--acme-http01-solver-image` names it. */
    solverImage: string;
    /**
     * The webhook configurations annotated `cert-manager.io/inject-ca-from*`, whose CA bundle the
     * injector writes: the chart's own (`webhook.fullname`) and any other chart's that asks.
     */
    injectedWebhookConfigurations: string[];
    /** The ACME account key Secrets, in `namespace`, it may create. */
    acmeAccountKeys: string[];
}

/** The fences holding the controller's writes to certManagerRules and the CA injector's to caInjectorRule. */
export function certManagerFences(args: CertManagerAdmissionArgs): ControllerFence[] {
    const rules = certManagerRules(args.solverImage, args.namespace, args.acmeAccountKeys);
    const targets = args.injectedWebhookConfigurations.join(", ");
    return [{
        policyName: "groundwork-cert-manager",
        account: { namespace: args.namespace, name: args.controllerAccount },
        resourceRules: [
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "DELETE"], resources: ["pods"] },
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["services"] },
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["secrets"] },
            { apiGroups: ["networking.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["ingresses"] },
        ],
        validations: [
            { expression: rules.pods, message: `cert-manager's controller may create only HTTP-01 solver pods: one ${args.solverImage} container, labelled ${SOLVER_LABEL}, with no token, volume, host namespace, host port or privilege` },
            { expression: rules.services, message: `cert-manager's controller may write only HTTP-01 solver Services, which select solver pods (${SOLVER_LABEL}: "true")` },
            { expression: rules.solverDeletes, message: `cert-manager's controller may delete only the HTTP-01 solver pods, Services and Ingresses it made (${SOLVER_LABEL}: "true")` },
            { expression: rules.ingresses, message: `cert-manager's controller may write only HTTP-01 solver Ingresses, every path /.well-known/acme-challenge/ to a ${SOLVER_NAME_PREFIX} Service` },
            { expression: rules.secrets, message: `cert-manager's controller may write only the Secrets it issues (TLS Secrets annotated ${CERTIFICATE_NAME_ANNOTATION}), a Certificate's next private key and, in ${args.namespace}, its ACME account key${args.acmeAccountKeys.length === 1 ? "" : "s"} (${args.acmeAccountKeys.join(", ") || "none"}); never a token Secret, and it may delete only next private keys` },
        ],
    }, {
        policyName: "groundwork-cert-manager-cainjector",
        account: { namespace: args.namespace, name: args.caInjectorAccount },
        resourceRules: [
            { apiGroups: ["admissionregistration.k8s.io"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"] },
            { apiGroups: ["apiregistration.k8s.io"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["apiservices"] },
            { apiGroups: ["apiextensions.k8s.io"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["customresourcedefinitions"] },
        ],
        validations: [{
            expression: caInjectorRule(args.injectedWebhookConfigurations),
            message: `cert-manager's CA injector may change only the CA bundle of the webhook configurations ${targets}, no other webhook, APIService or CRD`,
        }],
    }];
}
