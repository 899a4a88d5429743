import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { containerLabel, EXCLUDED_NAMESPACES_SCHEMA, PodRuleConfig, podWorkload, validatePods } from "../kubernetes-pods";

/**
 * Pod isolation rules from the Kubernetes Pod Security Standards
 * (kubernetes.io/docs/concepts/security/pod-security-standards, read 2026-11-25), cross-checked with
 * kube-linter's built-in checks (stackrox/kube-linter docs/generated/checks.md). Each rule checks
 * initContainers and containers. Namespaces in `excludedNamespaces` (default kube-system) are skipped.
 */

const EXCLUDED: PolicyConfigSchema = { properties: { excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA } };

// PSS baseline "Privileged Containers"; kube-linter privileged-container.
export const podNoPrivileged: ResourceValidationPolicy = {
    name: "pod-no-privileged",
    description: "No container runs privileged.",
    enforcementLevel: "mandatory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const c of pod.containers) {
            if (c.container.securityContext?.privileged === true) {
                report(`${containerLabel(c)}: securityContext.privileged must not be true; remove it and grant only the capabilities the container needs`);
            }
        }
    }),
};

// PSS restricted "Privilege Escalation": must be set to false; kube-linter privilege-escalation-container.
export const podNoPrivilegeEscalation: ResourceValidationPolicy = {
    name: "pod-no-privilege-escalation",
    description: "Every container sets securityContext.allowPrivilegeEscalation: false.",
    enforcementLevel: "mandatory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const c of pod.containers) {
            if (c.container.securityContext?.allowPrivilegeEscalation !== false) {
                report(`${containerLabel(c)}: securityContext.allowPrivilegeEscalation must be false; set it explicitly (the default allows setuid binaries to gain privileges)`);
            }
        }
    }),
};

// PSS restricted "Running as Non-root" (pod-level runAsNonRoot, or every container; none false)
// and "Running as Non-root user" (runAsUser never 0); kube-linter run-as-non-root.
export const podRunAsNonRoot: ResourceValidationPolicy = {
    name: "pod-run-as-non-root",
    description: "Pods run as a non-root user: runAsNonRoot true at pod or container level, and no runAsUser 0.",
    enforcementLevel: "mandatory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        const podContext = pod.spec.securityContext ?? {};
        if (podContext.runAsUser === 0) report(`${pod.specPath}.securityContext.runAsUser must not be 0 (root); use a non-zero UID`);
        for (const c of pod.containers) {
            const context = c.container.securityContext ?? {};
            if (context.runAsUser === 0) report(`${containerLabel(c)}: securityContext.runAsUser must not be 0 (root); use a non-zero UID`);
            const nonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
            if (nonRoot !== true) {
                report(
                    `${containerLabel(c)}: securityContext.runAsNonRoot must be true; set it on the container or at ${pod.specPath}.securityContext.runAsNonRoot`,
                );
            }
        }
    }),
};

// PSS restricted "Capabilities": drop ALL, add back only NET_BIND_SERVICE; kube-linter drop-net-raw-capability.
export const podDropAllCapabilities: ResourceValidationPolicy = {
    name: "pod-drop-all-capabilities",
    description: "Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.",
    enforcementLevel: "mandatory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const c of pod.containers) {
            const caps = c.container.securityContext?.capabilities ?? {};
            if (!(caps.drop ?? []).includes("ALL")) {
                report(`${containerLabel(c)}: securityContext.capabilities.drop must include "ALL"; set capabilities: { drop: ["ALL"] }`);
            }
            const extra = (caps.add ?? []).filter((cap: string) => cap !== "NET_BIND_SERVICE");
            if (extra.length > 0) {
                report(`${containerLabel(c)}: securityContext.capabilities.add may only contain NET_BIND_SERVICE, not ${extra.join(", ")}`);
            }
        }
    }),
};

const ALLOWED_SECCOMP = ["RuntimeDefault", "Localhost"];

// PSS restricted "Seccomp": RuntimeDefault or Localhost at pod level, or on every container; never Unconfined.
export const podSeccompProfile: ResourceValidationPolicy = {
    name: "pod-seccomp-profile",
    description: "Pods run under the RuntimeDefault (or a Localhost) seccomp profile.",
    enforcementLevel: "mandatory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        const podType = pod.spec.securityContext?.seccompProfile?.type;
        if (podType !== undefined && !ALLOWED_SECCOMP.includes(podType)) {
            report(`${pod.specPath}.securityContext.seccompProfile.type is "${podType}"; use RuntimeDefault (or Localhost)`);
            return;
        }
        for (const c of pod.containers) {
            const type = c.container.securityContext?.seccompProfile?.type ?? podType;
            if (!ALLOWED_SECCOMP.includes(type)) {
                report(
                    `${containerLabel(c)}: securityContext.seccompProfile.type is ${JSON.stringify(type ?? "unset")}; ` +
                        `set ${pod.specPath}.securityContext.seccompProfile.type: RuntimeDefault`,
                );
            }
        }
    }),
};

// kube-linter no-read-only-root-fs. Advisory: many images (Python wheels caches, model servers)
// write under their root filesystem and need an emptyDir mounted first.
export const podReadOnlyRootFilesystem: ResourceValidationPolicy = {
    name: "pod-read-only-root-filesystem",
    description: "Containers mount their root filesystem read-only.",
    enforcementLevel: "advisory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const c of pod.containers) {
            if (c.container.securityContext?.readOnlyRootFilesystem !== true) {
                report(`${containerLabel(c)}: securityContext.readOnlyRootFilesystem should be true; mount an emptyDir where the process writes`);
            }
        }
    }),
};

// PSS baseline "Host Namespaces"; kube-linter host-network, host-pid, host-ipc.
export const podNoHostNamespaces: ResourceValidationPolicy = {
    name: "pod-no-host-namespaces",
    description: "Pods do not share the node's network, PID or IPC namespace.",
    enforcementLevel: "mandatory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
            if (pod.spec[field] === true) report(`${pod.specPath}.${field} must not be true; remove it so the pod keeps its own namespace`);
        }
    }),
};

interface HostNetworkConfig {
    hostNetworkNamespaces: string[];
}

/**
 * Issue 12 item 1: a pod on its node's network is outside every NetworkPolicy (k3s's kube-router
 * polices pod addresses: k3s-io/kube-router@v2.6.3-k3s1 pkg/controllers/netpol/utils.go L40-42)
 * and crosses no network hop to the instance metadata service, so neither the metadata egress
 * block nor AWS's hop limit of 1 keeps it out. Unlike pod-no-host-namespaces, this rule exempts no
 * node agent's namespace: only where k3s's own machinery runs (kube-system; system-upgrade, whose
 * upgrade Jobs replace the k3s binary on the host).
 */
export const podHostNetworkOnlyK3s: ResourceValidationPolicy = {
    name: "pod-host-network-only-k3s",
    description: "Only k3s's own machinery shares a node's network: a host-network pod is outside NetworkPolicies and reaches the instance metadata service.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            hostNetworkNamespaces: {
                type: "array",
                items: { type: "string" },
                default: ["kube-system", "system-upgrade"],
                description: "Namespaces whose pods may share their node's network: k3s's own.",
            },
        },
    },
    validateResource: (args, report) => {
        const pod = podWorkload(args.type, args.props);
        if (pod === undefined || pod.spec.hostNetwork !== true) return;
        const allowed = args.getConfig<HostNetworkConfig>().hostNetworkNamespaces ?? [];
        if (allowed.includes(pod.namespace)) return;
        report(
            `${pod.specPath}.hostNetwork is true in namespace "${pod.namespace}": on the node's network a pod is outside every NetworkPolicy ` +
                `and one step from the instance metadata service (the node's user data, its cloud role); give it its own network namespace (only ${allowed.join(", ") || "no namespace"} may share the node's)`,
        );
    },
};

// PSS baseline "HostPath Volumes"; kube-linter sensitive-host-mounts.
export const podNoHostPath: ResourceValidationPolicy = {
    name: "pod-no-host-path",
    description: "Pods mount no hostPath volumes.",
    enforcementLevel: "mandatory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        (pod.spec.volumes ?? []).forEach((v: Record<string, any>, i: number) => {
            if (v?.hostPath !== undefined) {
                report(`${pod.specPath}.volumes[${i}] "${v.name}": hostPath ${JSON.stringify(v.hostPath?.path ?? "")} is not allowed; use a PersistentVolumeClaim, emptyDir, configMap or secret`);
            }
        });
    }),
};

// PSS baseline "Host Ports": hostPort unset or 0.
export const podNoHostPort: ResourceValidationPolicy = {
    name: "pod-no-host-port",
    description: "Containers bind no hostPort.",
    enforcementLevel: "mandatory",
    configSchema: EXCLUDED,
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const c of pod.containers) {
            (c.container.ports ?? []).forEach((p: Record<string, any>, i: number) => {
                if (p?.hostPort !== undefined && p.hostPort !== 0) {
                    report(`${containerLabel(c)}: ports[${i}].hostPort ${p.hostPort} is not allowed; expose the port through a Service instead`);
                }
            });
        }
    }),
};

export const podIsolationPolicies = [
    podNoPrivileged,
    podNoPrivilegeEscalation,
    podRunAsNonRoot,
    podDropAllCapabilities,
    podSeccompProfile,
    podReadOnlyRootFilesystem,
    podNoHostNamespaces,
    podHostNetworkOnlyK3s,
    podNoHostPath,
    podNoHostPort,
];
