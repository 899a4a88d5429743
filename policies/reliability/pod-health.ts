import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { containerLabel, EXCLUDED_NAMESPACES_SCHEMA, imageReference, PodRuleConfig, validatePods } from "../kubernetes-pods";

/** Per-pod reliability rules: resources, probes, image pull policy. */

const EXCLUDED: PolicyConfigSchema = { properties: { excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA } };

/** Long-running, traffic-serving workloads; Jobs run to completion and DaemonSets follow their node. */
const SERVING_KINDS = ["Deployment", "StatefulSet"];

// Polaris efficiency cpuRequestsMissing / memoryRequestsMissing / memoryLimitsMissing and kube-score
// container-resources (which also counts init containers). No CPU limit is required: CPU is
// compressible and limits only throttle; memory is not, and an unbounded container gets a node OOM-killed.
export const podResourcesSet: ResourceValidationPolicy = {
    name: "pod-resources-set",
    description: "Every container requests CPU and memory and has a memory limit.",
    enforcementLevel: "mandatory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const c of pod.containers) {
            const r = c.container.resources ?? {};
            const missing = [
                r.requests?.cpu === undefined ? "requests.cpu" : "",
                r.requests?.memory === undefined ? "requests.memory" : "",
                r.limits?.memory === undefined ? "limits.memory" : "",
            ].filter((m) => m !== "");
            if (missing.length > 0) {
                report(`${containerLabel(c)}: resources.${missing.join(", resources.")} missing; set cpu and memory requests and a memory limit`);
            }
        }
    }),
};

// Polaris readinessProbeMissing; kube-linter no-readiness-probe. Without one a Service sends
// traffic to a pod the moment its process starts (a model server is then still loading weights).
// Upstream containers that ship without one and take no traffic a readiness gate would hold back,
// as `namespace/workload/container`: cert-manager's controller and CA injector are leader-elected
// controllers (cert-manager/cert-manager@v1.21.1 deploy/charts/cert-manager/templates/
// deployment.yaml, cainjector-deployment.yaml), Langfuse's worker consumes a queue and has no
// Service (langfuse/langfuse-k8s@langfuse-1.5.41 templates/worker/deployment.yaml), and VSO's
// kube-rbac-proxy only fronts the manager's metrics (hashicorp/vault-secrets-operator@v1.4.1
// chart/templates/deployment.yaml). None of their charts has a value to add one.
const READINESS_EXEMPT = [
    "cert-manager/cert-manager/cert-manager-controller",
    "cert-manager/cert-manager-cainjector/cert-manager-cainjector",
    "langfuse/langfuse-worker/langfuse-worker",
    "vault-secrets-operator/vault-secrets-operator-controller-manager/kube-rbac-proxy",
    // Leader-elected, serves only its metrics (kubernetes/autoscaler@cluster-autoscaler-chart-9.53.0
    // templates/deployment.yaml has a liveness probe and no readiness value).
    "cluster-autoscaler/cluster-autoscaler-aws-cluster-autoscaler/aws-cluster-autoscaler",
    // Leader-elected, and serves no port at all: neither the manifest nor the code at
    // rancher/system-upgrade-controller@v0.20.1 has a listener or a probe.
    "system-upgrade/system-upgrade-controller/system-upgrade-controller",
    // Grafana's k8s-sidecar containers watch ConfigMaps and write files for Grafana; they serve no
    // port and the chart sets no probe (grafana-community/helm-charts@grafana-12.11.1 values.yaml
    // sidecar.readinessProbe: {}).
    "groundwork-observability/monitoring-grafana/grafana-sc-dashboard",
    "groundwork-observability/monitoring-grafana/grafana-sc-datasources",
];

interface ReadinessConfig extends PodRuleConfig {
    exemptContainers: string[];
}

export const podReadinessProbe: ResourceValidationPolicy = {
    name: "pod-readiness-probe",
    description: "Containers of Deployments and StatefulSets define a readiness probe.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA,
            exemptContainers: {
                type: "array",
                items: { type: "string" },
                default: READINESS_EXEMPT,
                description: "Upstream containers (namespace/workload/container) that ship without a readiness probe and serve no traffic it would gate.",
            },
        },
    },
    validateResource: validatePods<ReadinessConfig>((pod, report, config) => {
        if (!SERVING_KINDS.includes(pod.kind)) return;
        for (const c of pod.containers.filter((c) => !c.init)) {
            if ((config.exemptContainers ?? []).includes(`${pod.namespace}/${pod.name}/${c.name}`)) continue;
            if (c.container.readinessProbe === undefined) {
                report(`${containerLabel(c)}: readinessProbe is missing; add an httpGet/tcpSocket readiness probe on the serving port`);
            }
        }
    }),
};

// Polaris livenessProbeMissing; kube-linter no-liveness-probe. Advisory: a badly tuned liveness
// probe restarts healthy-but-busy pods, so it is a recommendation, not a gate.
export const podLivenessProbe: ResourceValidationPolicy = {
    name: "pod-liveness-probe",
    description: "Containers of Deployments and StatefulSets define a liveness probe.",
    enforcementLevel: "advisory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        if (!SERVING_KINDS.includes(pod.kind)) return;
        for (const c of pod.containers.filter((c) => !c.init)) {
            if (c.container.livenessProbe === undefined) {
                report(`${containerLabel(c)}: livenessProbe is missing; add one (with a startupProbe for slow starters) so a hung process is restarted`);
            }
        }
    }),
};

// Kubernetes "Images" docs: a pinned tag or digest defaults to IfNotPresent. `Always` on a pinned
// image re-contacts the registry at every start, so a registry outage or an offline edge site
// keeps the pod from restarting. (Polaris pullPolicyNotAlways argues the opposite for mutable
// tags; pod-image-pinned in the security pack rules those out.)
export const podImagePullPolicy: ResourceValidationPolicy = {
    name: "pod-image-pull-policy",
    description: "Pinned images are not pulled with imagePullPolicy Always.",
    enforcementLevel: "advisory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const c of pod.containers) {
            const image = c.container.image;
            if (typeof image !== "string" || c.container.imagePullPolicy !== "Always") continue;
            const { tag, digest } = imageReference(image);
            if (digest !== undefined || (tag !== undefined && tag !== "latest")) {
                report(`${containerLabel(c)}: imagePullPolicy Always re-pulls the pinned image "${image}" on every start; use IfNotPresent so restarts survive a registry outage`);
            }
        }
    }),
};

export const podHealthPolicies = [podResourcesSet, podReadinessProbe, podLivenessProbe, podImagePullPolicy];
