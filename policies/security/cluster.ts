import type { ResourceValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE_TYPES } from "../helm-releases";

/** Cluster-level Kubernetes rules: namespace admission level and Service exposure. */

const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

interface NamespacePodSecurityConfig {
    allowedLevels: string[];
    privilegedNamespaces: string[];
}

// Kubernetes Pod Security Admission: the `pod-security.kubernetes.io/enforce` namespace label
// selects privileged | baseline | restricted (kubernetes.io/docs/concepts/security/pod-security-admission,
// read 2026-11-25). Without it the cluster default (privileged on k3s) applies. Node agents that
// need host access by design run privileged: the CNI plugin installer (writes CNI binaries and
// config through hostPath) and the NVIDIA device plugin (mounts /var/lib/kubelet/device-plugins);
// and k3s's upgrade Jobs (system-upgrade-controller runs them with the host's PID, IPC and network
// namespaces, privileged, the host's root mounted: rancher/system-upgrade-controller@v0.20.1
// pkg/upgrade/job/job.go L199-247) and kured (host PID and the reboot sentinel's hostPath:
// kubereboot/charts@kured-6.1.0 templates/daemonset.yaml L40-42, L249-257) and node-exporter (host
// network and PID namespaces, hostPath /proc, /sys and /: prometheus-community/helm-charts@
// prometheus-node-exporter-4.56.1 templates/daemonset.yaml L315-351); their namespaces are the
// configurable exemptions.
export const namespacePodSecurityEnforced: ResourceValidationPolicy = {
    name: "namespace-pod-security-enforced",
    description: "Every namespace enforces the baseline or restricted Pod Security Standard, except listed node-agent namespaces.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedLevels: {
                type: "array",
                items: { type: "string", enum: ["privileged", "baseline", "restricted"] },
                default: ["baseline", "restricted"],
                description: "Pod Security levels a namespace may enforce.",
            },
            privilegedNamespaces: {
                type: "array",
                items: { type: "string" },
                default: ["kube-system", "linkerd-cni", "nvidia-device-plugin", "system-upgrade", "kured", "groundwork-node-metrics"],
                description: "Namespaces of node agents that may enforce `privileged` (CNI installer, GPU device plugin, k3s upgrade Jobs, kured's reboots, node-exporter).",
            },
        },
    },
    validateResource: (args, report) => {
        if (args.type !== "kubernetes:core/v1:Namespace") return;
        const config = args.getConfig<NamespacePodSecurityConfig>();
        const name: string = args.props.metadata?.name ?? args.name;
        const level = args.props.metadata?.labels?.[ENFORCE_LABEL];
        if (level === "privileged" && (config.privilegedNamespaces ?? []).includes(name)) return;
        if ((config.allowedLevels ?? []).includes(level)) return;
        report(
            `metadata.labels["${ENFORCE_LABEL}"] of namespace "${name}" is ${JSON.stringify(level ?? "unset")}; ` +
                `set it to ${(config.allowedLevels ?? []).join(" or ")} (restricted for application namespaces)`,
        );
    },
};

interface ServiceExposureConfig {
    forbiddenServiceTypes: string[];
    ingressNamespaces: string[];
}


/** Paths in chart values that set a Service type (`service.type`, `proxy.service.type`, `serviceType`). */
export function exposedServiceTypesInValues(values: unknown, forbidden: string[], path = ""): string[] {
    if (values === null || typeof values !== "object") return [];
    const found: string[] = [];
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
        const at = path ? `${path}.${key}` : key;
        const servicePath = (key === "type" && /(^|\.)service$/i.test(path)) || /^serviceType$/i.test(key);
        if (servicePath && typeof value === "string" && forbidden.includes(value)) found.push(`${at}: ${value}`);
        else found.push(...exposedServiceTypesInValues(value, forbidden, at));
    }
    return found;
}

// kube-linter exposed-services (forbiddenServiceTypes NodePort, LoadBalancer). The one way in is
// the ingress controller: its LoadBalancer Services (k3s ServiceLB) are the only exposed ones.
export const serviceExposedOnlyByIngress: ResourceValidationPolicy = {
    name: "service-exposed-only-by-ingress",
    description: "No LoadBalancer or NodePort Service, in our objects or in chart values, unless it is the ingress controller's.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            forbiddenServiceTypes: {
                type: "array",
                items: { type: "string" },
                default: ["LoadBalancer", "NodePort"],
                description: "Service types that expose pods outside the cluster.",
            },
            ingressNamespaces: {
                type: "array",
                items: { type: "string" },
                default: ["groundwork-ingress"],
                description: "Namespaces of the ingress controller, whose Services may be exposed.",
            },
        },
    },
    validateResource: (args, report) => {
        const config = args.getConfig<ServiceExposureConfig>();
        const forbidden = config.forbiddenServiceTypes ?? [];
        const namespace = args.props.metadata?.namespace ?? args.props.namespace;
        if ((config.ingressNamespaces ?? []).includes(namespace)) return;
        if (args.type === "kubernetes:core/v1:Service") {
            const type = args.props.spec?.type;
            if (!forbidden.includes(type)) return;
            report(`spec.type "${type}" exposes Service ${namespace}/${args.props.metadata?.name ?? args.name} outside the cluster; use ClusterIP and route it through the ingress (groundwork:access.hosts)`);
        } else if (HELM_RELEASE_TYPES.includes(args.type)) {
            for (const hit of exposedServiceTypesInValues(args.props.values, forbidden)) {
                report(`values ${hit} exposes chart ${args.props.chart}'s Service outside the cluster; set ClusterIP and route it through the ingress (groundwork:access.hosts)`);
            }
        }
    },
};

export const clusterPolicies = [namespacePodSecurityEnforced, serviceExposedOnlyByIngress];
