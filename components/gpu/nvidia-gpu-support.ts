import * as pulumi from "@pulumi/pulumi";
import { tagWithDigest } from "../image-digests";
import * as k8s from "@pulumi/kubernetes";
import { pinnedRelease } from "../pinned-chart";
import { GPU_TAINT, NVIDIA_RUNTIME_CLASS, schedulingFor } from "../placement";
import { guardedNamespace } from "../platform/guarded-namespace";
import { EgressDestination } from "../platform/egress";

/**
 * NVIDIA's device plugin chart, pinned.
 * Evidence: NVIDIA/k8s-device-plugin@v0.18.2:deployments/helm/nvidia-device-plugin/Chart.yaml, a
 * release tag (newest v0.20.0); Helm repository https://nvidia.github.io/k8s-device-plugin (checked 2026-11-27).
 */
export const NVIDIA_DEVICE_PLUGIN_CHART = {
    chart: "nvidia-device-plugin",
    repo: "https://nvidia.github.io/k8s-device-plugin",
    version: "0.18.2",
    evidence: "NVIDIA/k8s-device-plugin@v0.18.2:deployments/helm/nvidia-device-plugin/Chart.yaml",
} as const;

/**
 * NVIDIA's DCGM exporter: each GPU's utilisation, memory, power and temperature for Prometheus.
 * Evidence: NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/Chart.yaml L4-6 (`version: "4.8.2"`, the
 * release tag's chart); Helm repository from the README at that tag (L38-39), checked 2026-11-27.
 */
export const DCGM_EXPORTER_CHART = {
    chart: "dcgm-exporter",
    repo: "https://nvidia.github.io/dcgm-exporter/helm-charts",
    version: "4.8.2",
    evidence: "NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/Chart.yaml",
} as const;

/**
 * The device plugin calls no Kubernetes API: client-go is built only by cmd/config-manager/main.go and
 * internal/flags/kubeclient.go, for gpu-feature-discovery (NVIDIA/k8s-device-plugin@v0.18.2; neither
 * deployed here), and the plugin reaches the kubelet by its device-plugin socket alone. Without a
 * config map the chart runs it, and its MPS control daemon (`nvidia-device-plugin-mps-control-daemon`,
 * on nodes labelled nvidia.com/mps.capable only), as the namespace's `default` account with that
 * account's token mounted, and has no value to stop it (templates/daemonset-device-plugin.yml L18,
 * L55-57): the rendered DaemonSets mount none (controller RBAC review s23 F9, threat-model review s23
 * F18, review s24 N8).
 */
export const devicePluginWithoutApiToken: pulumi.ResourceTransform = (args) =>
    args.type === "kubernetes:apps/v1:DaemonSet" && String(args.props?.metadata?.name ?? "").startsWith("nvidia-device-plugin") && args.props?.spec?.template?.spec
        ? { props: { ...args.props, spec: { ...args.props.spec, template: { ...args.props.spec.template, spec: { ...args.props.spec.template.spec, automountServiceAccountToken: false } } } }, opts: args.opts }
        : undefined;

export interface NvidiaGpuSupportArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** Namespace for the device plugin and the DCGM exporter. Default `nvidia-device-plugin`. */
    namespace?: string;
    /** What the exporter's ServiceMonitor waits for: the monitoring stack, which installs its CRD. */
    metricsAfter?: pulumi.Resource[];
}

/**
 * What GPU nodes need in the cluster: the `nvidia` RuntimeClass (whose scheduling puts its pods
 * on GPU nodes and tolerates their taint), the device plugin that advertises `nvidia.com/gpu`,
 * and the DCGM exporter that reports what the GPUs do.
 */
export class NvidiaGpuSupport extends pulumi.ComponentResource {
    public readonly runtimeClassName = NVIDIA_RUNTIME_CLASS;

    constructor(name: string, args: NvidiaGpuSupportArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:gpu:NvidiaGpuSupport", name, {}, opts);
        const namespace = args.namespace ?? "nvidia-device-plugin";
        const gpu = schedulingFor("gpu");

        const runtimeClass = new k8s.node.v1.RuntimeClass(name, {
            metadata: { name: NVIDIA_RUNTIME_CLASS, labels: { "app.kubernetes.io/managed-by": "groundwork" } },
            // k3s registers the NVIDIA container runtime in containerd under this handler name.
            handler: NVIDIA_RUNTIME_CLASS,
            scheduling: { nodeSelector: gpu.nodeSelector, tolerations: gpu.tolerations },
        }, { parent: this });

        const ns = guardedNamespace(name, {
            metadata: {
                name: namespace,
                // The plugin mounts the kubelet's device-plugin socket directory from the host. Unmeshed,
                // and out of reach of Linkerd's injector, whose answer could otherwise change a pod in a
                // privileged namespace (controller RBAC review s25 F3).
                labels: { "pod-security.kubernetes.io/enforce": "privileged", "config.linkerd.io/admission-webhooks": "disabled", "app.kubernetes.io/managed-by": "groundwork" },
            },
        }, { parent: this }, {
            // NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/templates/role.yaml (get on its metrics ConfigMap).
            egress: { apiServer: { reason: "dcgm-exporter reads its metrics ConfigMap", at: args.apiServer } },
        });

        pinnedRelease(name, NVIDIA_DEVICE_PLUGIN_CHART, {
            name: "nvidia-device-plugin",
            namespace: ns.metadata.name,
            values: {
                // No digest key: the digest rides in the tag (templates/_helpers.tpl L83-86 at v0.18.2).
                image: { tag: tagWithDigest("nvcr.io/nvidia/k8s-device-plugin:v0.18.2") },
                runtimeClassName: NVIDIA_RUNTIME_CLASS,
                nodeSelector: gpu.nodeSelector,
                tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
                priorityClassName: "system-node-critical",
                failOnInitError: true,
                resources: {
                    requests: { cpu: "50m", memory: "64Mi" },
                    limits: { cpu: "200m", memory: "256Mi" },
                },
            },
        }, { parent: this, dependsOn: [runtimeClass], transforms: [devicePluginWithoutApiToken] });

        // The chart's defaults run it as root with SYS_ADMIN, for the profiling metrics
        // DCGM_FI_PROF_* (deployment/values.yaml L95-104), which nothing here reads: the alerts,
        // dashboards and GPU autoscaling read DCGM_FI_DEV_GPU_UTIL. So SYS_ADMIN is not added (an
        // empty list replaces the chart's in Helm's merge): when DCGM refuses the profiling groups,
        // the exporter logs "Not collecting DCP metrics" and leaves the DCGM_FI_PROF_* fields out
        // (pkg/cmd/app.go L974-979, internal/pkg/counters/counter_config.go L146-163, at
        // 4.5.3-4.8.2; security review s14 L2). It stays root, with no capability, to reach the
        // kubelet's pod-resources socket through hostPath and name each GPU's pod. Its
        // ServiceMonitor (on by default) is how Prometheus finds it; TLS stays off, as the chart
        // would otherwise generate a CA on every render (templates/tls-secret.yaml L16-29).
        pinnedRelease(`${name}-dcgm-exporter`, DCGM_EXPORTER_CHART, {
            name: "dcgm-exporter",
            namespace: ns.metadata.name,
            values: {
                // No digest key: the digest rides in the tag (templates/daemonset.yaml L116-120 at 4.5.3-4.8.2).
                image: { tag: tagWithDigest("nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless") },
                runtimeClassName: NVIDIA_RUNTIME_CLASS,
                nodeSelector: gpu.nodeSelector,
                tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
                podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
                securityContext: { runAsNonRoot: false, runAsUser: 0, capabilities: { add: [], drop: ["ALL"] }, allowPrivilegeEscalation: false },
            },
        }, { parent: this, dependsOn: [runtimeClass, ...(args.metricsAfter ?? [])] });
        this.registerOutputs({});
    }
}
