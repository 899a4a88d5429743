import type { ResourceValidationPolicy } from "@pulumi/policy";

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
// their namespaces are the configurable exemptions.
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
                default: ["kube-system", "linkerd-cni", "nvidia-device-plugin"],
                description: "Namespaces of node agents that may enforce `privileged` (CNI installer, GPU device plugin).",
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
}

// kube-linter exposed-services (forbiddenServiceTypes NodePort, LoadBalancer). Advisory: a public
// entry point is sometimes intended; it should then be deliberate and behind authentication.
export const serviceNotExposed: ResourceValidationPolicy = {
    name: "service-not-exposed",
    description: "Services stay ClusterIP; NodePort and LoadBalancer exposure is flagged for review.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            forbiddenServiceTypes: {
                type: "array",
                items: { type: "string" },
                default: ["LoadBalancer", "NodePort"],
                description: "Service types that expose pods outside the cluster.",
            },
        },
    },
    validateResource: (args, report) => {
        if (args.type !== "kubernetes:core/v1:Service") return;
        const type = args.props.spec?.type;
        if (!(args.getConfig<ServiceExposureConfig>().forbiddenServiceTypes ?? []).includes(type)) return;
        report(`spec.type "${type}" exposes the Service outside the cluster; use ClusterIP behind the gateway, or keep it only if the exposure is intended and authenticated`);
    },
};

export const clusterPolicies = [namespacePodSecurityEnforced, serviceNotExposed];
