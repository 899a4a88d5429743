import { celUnchanged as same, ControllerFence, onlyCaBundleChanged } from "../admission-policy";

/**
 * The objects KEDA's operator keeps its own certificate in, at v2.19.0: the Secret it makes
 * (`--cert-secret-name`, default kedaorg-certs: cmd/operator/main.go L103; the chart passes
 * `certificates.secretName`, kedacore/charts@v2.19.0 keda/values.yaml L837), the webhook configuration
 * (`--validating-webhook-name`, default keda-admission: main.go L111; the chart's
 * templates/webhooks/validatingconfiguration.yaml L21) and its metrics APIService (main.go L324;
 * templates/metrics-server/apiservice.yaml).
 */
export const KEDA_CERTIFICATE_SECRET = "kedaorg-certs";
export const KEDA_WEBHOOK_CONFIGURATION = "keda-admission";
export const KEDA_API_SERVICE = "v1beta1.external.metrics.k8s.io";

/** An APIService's fields besides the CA bundle, each as it was. */
const API_SERVICE_FIELDS: [string, string][] = [["service", "{}"], ["group", "''"], ["version", "''"], ["insecureSkipTLSVerify", "false"], ["groupPriorityMinimum", "0"], ["versionPriority", "0"]];

/**
 * What KEDA's operator is let write, at v2.19.0 (security review s25 F1). Its chart binds it to
 * create any Job in the namespaces it watches (templates/manager/clusterrole.yaml L120-131, bound there
 * by clusterrolebindings.yaml L22-48), and, while it makes its own certificates, to update every
 * validating webhook configuration and APIService in the cluster (minimal-rbac.yaml L94-115, a
 * ClusterRoleBinding). A thief of its token could run a Job in the gateway's namespace that mounts
 * every key there, or add a webhook that is sent every Secret written. What the operator does:
 * - Jobs only for ScaledJobs (pkg/scaling/executor/scale_jobs.go L218), of which this stack has none;
 * - its certificate through open-policy-agent/cert-controller@v0.15.0 (KEDA's go.mod): it creates the
 *   Secret, labelled, without a type (pkg/certificates/certificate_manager.go L140-160), updates its
 *   data (rotator.go L489-491), and updates the CA bundle of its webhook configuration and APIService,
 *   nothing else of them (rotator.go L420-470, L840-870).
 */
export const KEDA_RULES = {
    jobs: "request.resource.resource != 'jobs'",
    secrets: `request.resource.resource != 'secrets' || (request.name == '${KEDA_CERTIFICATE_SECRET}' && (!has(object.type) || object.type == 'Opaque'))`,
    webhooks: `request.resource.resource != 'validatingwebhookconfigurations' || (request.name == '${KEDA_WEBHOOK_CONFIGURATION}' && ${onlyCaBundleChanged()})`,
    apiServices: `request.resource.resource != 'apiservices' || (request.name == '${KEDA_API_SERVICE}' && ${API_SERVICE_FIELDS.map(([field, empty]) => same(`spec.${field}`, empty)).join(" && ")})`,
} as const;

/** A Deployment a ScaledObject of the same name scales, and the most replicas it may have. */
export interface ScaledTarget {
    name: string;
    maxReplicas: number;
}

/**
 * CEL: KEDA scales only its ScaledObjects' Deployments, to at most their maximum: through the scale
 * subresource (pkg/scaling/executor/scale_scaledobjects.go L363-377, the ScaledObject's name
 * being its target's here) and the HPA it keeps for each, `keda-hpa-<ScaledObject>`
 * (controllers/keda/hpa.go L402-410), on that Deployment. Its chart lets it scale and write HPAs
 * for anything in the namespace it watches: the gateway down to nothing, or a model to any count
 * (controller RBAC review s25 F4).
 */
export function kedaScaleRules(targets: ScaledTarget[]) {
    const max = `{${targets.map((t) => `'${t.name}': ${t.maxReplicas}`).join(", ")}}`;
    const hpas = `{${targets.map((t) => `'keda-hpa-${t.name}': '${t.name}'`).join(", ")}}`;
    return {
        // A Scale of 0 replicas comes without the field (omitempty), as the API server serialises it (review s25c K1).
        scale: `request.subResource != 'scale' || (request.resource.resource == 'deployments' && request.name in ${max} && (has(object.spec.replicas) ? object.spec.replicas : 0) <= ${max}[request.name])`,
        hpas: `request.resource.resource != 'horizontalpodautoscalers' || (request.name in ${hpas} && (request.operation == 'DELETE' || (object.spec.scaleTargetRef.kind == 'Deployment' && object.spec.scaleTargetRef.name == ${hpas}[request.name] && object.spec.maxReplicas <= ${max}[${hpas}[request.name]])))`,
    };
}

export interface KedaAdmissionArgs {
    /** KEDA's namespace. */
    namespace: string;
    /** The operator's ServiceAccount, in `namespace`. */
    serviceAccount: string;
    /** What its ScaledObjects scale; none, no scaling is admitted. */
    targets: ScaledTarget[];
}

/** The fence holding KEDA's operator to KEDA_RULES. A ScaledJob added later needs its Jobs admitted here. */
export function kedaFence(args: KedaAdmissionArgs): ControllerFence {
    const scale = kedaScaleRules(args.targets);
    return {
        policyName: "groundwork-keda",
        account: { namespace: args.namespace, name: args.serviceAccount },
        resourceRules: [
            { apiGroups: ["batch"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["jobs"] },
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["secrets"] },
            { apiGroups: ["admissionregistration.k8s.io"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["validatingwebhookconfigurations"] },
            { apiGroups: ["apiregistration.k8s.io"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["apiservices"] },
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["deployments/scale", "statefulsets/scale"] },
            { apiGroups: ["autoscaling"], apiVersions: ["v2"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["horizontalpodautoscalers"] },
        ],
        validations: [
            { expression: KEDA_RULES.jobs, message: "KEDA's operator may run no Job: it runs them only for ScaledJobs, and this stack has none" },
            { expression: KEDA_RULES.secrets, message: `KEDA's operator may write only its certificate's Secret, ${KEDA_CERTIFICATE_SECRET}, untyped or Opaque` },
            { expression: KEDA_RULES.webhooks, message: `KEDA's operator may change only the CA bundle of ${KEDA_WEBHOOK_CONFIGURATION}, no other webhook configuration` },
            { expression: KEDA_RULES.apiServices, message: `KEDA's operator may change only the CA bundle of the APIService ${KEDA_API_SERVICE}, no other APIService` },
            { expression: scale.scale, message: `KEDA's operator may scale only its ScaledObjects' Deployments, each to at most its maximum (${args.targets.map((t) => `${t.name} ${t.maxReplicas}`).join(", ") || "none"})` },
            { expression: scale.hpas, message: "KEDA's operator may write only its ScaledObjects' HPAs, keda-hpa-<ScaledObject>, on their Deployment, up to its maximum" },
        ],
    };
}
