import { ControllerFence } from "../admission-policy";

export interface OperatorAdmissionArgs {
    /** The prometheus-operator's namespace, where its Prometheus and Alertmanager run. */
    namespace: string;
    /** Its ServiceAccount, in `namespace`. */
    serviceAccount: string;
    /** The kubelet Service it keeps, `namespace/name` (its `--kubelet-service`). */
    kubeletService: string;
}

/**
 * The prometheus-operator's chart binds it cluster-wide to do anything with StatefulSets, Secrets and
 * ConfigMaps, and to write Services and Endpoints, and no value narrows that
 * (prometheus-community/helm-charts@kube-prometheus-stack-88.5.3 templates/prometheus-operator/clusterrole.yaml
 * L38-68, clusterrolebinding.yaml): whoever took its token could run a privileged StatefulSet in
 * kube-system, which Pod Security exempts, or rewrite any Secret (chart-models review s22b F2). It
 * builds its Prometheus and Alertmanager in their own namespace, and keeps one kubelet Service and
 * its Endpoints where `--kubelet-service` says (templates/prometheus-operator/deployment.yaml L59-66;
 * values.yaml L3336-3349: kube-system, Endpoints not EndpointSlices). This policy holds its requests
 * for those kinds to those places.
 */
export function operatorRule(args: OperatorAdmissionArgs): string {
    const [kubeletNamespace, kubeletName] = args.kubeletService.split("/");
    return `request.namespace == '${args.namespace}' || (request.namespace == '${kubeletNamespace}' && request.resource.resource in ['services', 'endpoints'] && request.name == '${kubeletName}')`;
}

/** The fence holding the operator's own requests to operatorRule. */
export function prometheusOperatorFence(args: OperatorAdmissionArgs): ControllerFence {
    return {
        policyName: "groundwork-prometheus-operator",
        account: { namespace: args.namespace, name: args.serviceAccount },
        resourceRules: [
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["statefulsets"] },
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["secrets", "configmaps", "services", "endpoints"] },
            { apiGroups: ["discovery.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["endpointslices"] },
        ],
        validations: [{
            expression: operatorRule(args),
            message: `the prometheus-operator writes StatefulSets, Secrets, ConfigMaps and Services only in ${args.namespace}, and the kubelet Service ${args.kubeletService} and its Endpoints`,
        }],
    };
}
