import { ChartModel, ChartRelease, renderedWorkload, RenderedWorkload, valueAt } from "./workload";

/**
 * What scales models and GPU nodes: KEDA (kedacore/charts@v2.19.0:keda/templates/), the NVIDIA device plugin (NVIDIA/k8s-device-plugin@v0.18.2:deployments/helm/nvidia-device-plugin/)
 * and the cluster autoscaler (kubernetes/autoscaler@cluster-autoscaler-chart-9.53.0:
 * cluster-autoscaler/charts/cluster-autoscaler/templates/deployment.yaml). Read 2026-11-27.
 */

/** kedacore/charts@v2.19.0:keda/values.yaml L327-350, used by each deployment's serviceAccountName. */
export const KEDA_SERVICE_ACCOUNTS = { operator: "keda-operator", metricServer: "keda-metrics-server", webhooks: "keda-webhook" } as const;

/** keda 2.19.0: operator, metrics API server (HTTPS probes on 6443, called by the API server) and admission webhooks (9443). */
export const kedaModel: ChartModel = {
    chart: "keda",
    version: "2.19.0",
    render({ namespace, values }: ChartRelease): RenderedWorkload[] {
        const part = (name: string, key: "operator" | "metricServer" | "webhooks", annotationsKey: string, image: string, template: string,
            container: { ports: { name: string; containerPort: number }[]; probe: Record<string, unknown> }, outside: Record<number, string[]> = {}) =>
            renderedWorkload({
                kind: "Deployment",
                name,
                namespace,
                source: `kedacore/charts@v2.19.0:keda/templates/${template}`,
                podLabels: { app: name },
                podAnnotations: valueAt(values, "podAnnotations", annotationsKey),
                // Each part's own account: values.yaml serviceAccount.{operator,metricServer,webhooks}.name (L327-350).
                serviceAccountName: valueAt(values, "serviceAccount", key, "name") ?? KEDA_SERVICE_ACCOUNTS[key],
                securityContext: valueAt(values, "podSecurityContext", key),
                nodeSelector: { "kubernetes.io/os": "linux", ...(values.nodeSelector ?? {}) },
                tolerations: values.tolerations,
                containers: [{
                    name,
                    image: `ghcr.io/kedacore/${image}:2.19.0`,
                    securityContext: valueAt(values, "securityContext", key),
                    resources: valueAt(values, "resources", key),
                    ports: container.ports,
                    // Each part answers liveness on /healthz and readiness on /readyz, on the same port.
                    livenessProbe: { ...container.probe, httpGet: { ...(container.probe.httpGet as object), path: "/healthz" } },
                    readinessProbe: container.probe,
                }],
                outsideCallers: outside,
            });
        return [
            part("keda-operator", "operator", "keda", "keda", "manager/deployment.yaml",
                { ports: [{ name: "metricsservice", containerPort: 9666 }], probe: { httpGet: { path: "/readyz", port: 8081 } } }),
            part("keda-operator-metrics-apiserver", "metricServer", "metricsAdapter", "keda-metrics-apiserver", "metrics-server/deployment.yaml",
                // metrics-server/deployment.yaml L143-149: `metrics` (prometheus.metricServer.port 8080) is rendered unconditionally.
                { ports: [{ name: "https", containerPort: 6443 }, { name: "metrics", containerPort: 8080 }], probe: { httpGet: { path: "/readyz", port: 6443, scheme: "HTTPS" } } },
                { 6443: ["kube-apiserver"] }),
            part("keda-admission-webhooks", "webhooks", "webhooks", "keda-admission-webhooks", "webhooks/deployment.yaml",
                { ports: [{ name: "http", containerPort: 9443 }], probe: { httpGet: { path: "/readyz", port: 8081 } } },
                { 9443: ["kube-apiserver"] }),
        ];
    },
    // RBAC and each part's KEDA_RESTRICT_SECRET_ACCESS and WATCH_NAMESPACE (templates/manager/clusterrole.yaml
    // L50-87, clusterrolebindings.yaml L2-48, minimal-rbac.yaml L43, manager/deployment.yaml L145-146, L165-168,
    // metrics-server/deployment.yaml L100, L113-116, webhooks/deployment.yaml L124). The Secrets it may read
    // are its own namespace's; what it may scale, the watched namespace's Deployments and StatefulSets.
    otherValues: ["permissions.operator.restrict.secret", "permissions.metricServer.restrict.secret", "rbac.enabledCustomScaledRefKinds", "watchNamespace"],
};

/** nvidia-device-plugin 0.18.2: a DaemonSet on GPU nodes, its socket through hostPath (a privileged namespace). */
export const nvidiaDevicePluginModel: ChartModel = {
    chart: "nvidia-device-plugin",
    version: "0.18.2",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        return [renderedWorkload({
            kind: "DaemonSet",
            name,
            namespace,
            source: "NVIDIA/k8s-device-plugin@v0.18.2:deployments/helm/nvidia-device-plugin/templates/daemonset-device-plugin.yml",
            securityContext: values.podSecurityContext,
            nodeSelector: values.nodeSelector,
            // values.yaml L86-93 default: CriticalAddonsOnly and nvidia.com/gpu.
            tolerations: values.tolerations ?? [{ key: "CriticalAddonsOnly", operator: "Exists" }, { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
            containers: [{ name: "nvidia-device-plugin-ctr", image: `nvcr.io/nvidia/k8s-device-plugin:${valueAt(values, "image", "tag") || "v0.18.2"}`, securityContext: values.securityContext, resources: values.resources }],
            volumes: [{ name: "device-plugin", hostPath: { path: "/var/lib/kubelet/device-plugins" } }],
            // The namespace's default account (templates/daemonset-device-plugin.yml L55-57, no config map), its token
            // unmounted after rendering (components/gpu/nvidia-gpu-support.ts devicePluginWithoutApiToken).
            automountServiceAccountToken: false,
        })];
    },
    // deployments/helm/nvidia-device-plugin/values.yaml at v0.18.2.
    otherValues: ["runtimeClassName", "priorityClassName", "failOnInitError"],
};

/**
 * dcgm-exporter 4.8.2: a DaemonSet on GPU nodes, root with SYS_ADMIN by default, the kubelet's
 * pod-resources socket through hostPath (NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/templates/daemonset.yaml
 * L30-215, values.yaml; fullname = the release when it contains the chart's name, _helpers.tpl L14-25).
 */
export const dcgmExporterModel: ChartModel = {
    chart: "dcgm-exporter",
    version: "4.8.2",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        const fullname = name.includes("dcgm-exporter") ? name : `${name}-dcgm-exporter`;
        const probe = (initialDelaySeconds: number, periodSeconds?: number) => ({ httpGet: { path: "/health", port: 9400 }, initialDelaySeconds, ...(periodSeconds && { periodSeconds }) });
        return [renderedWorkload({
            kind: "DaemonSet",
            name: fullname,
            namespace,
            source: "NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/templates/daemonset.yaml",
            podLabels: { "app.kubernetes.io/name": "dcgm-exporter", "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "dcgm-exporter" },
            serviceAccountName: fullname,
            securityContext: values.podSecurityContext,
            nodeSelector: values.nodeSelector,
            // values.yaml default: the control-plane taint only.
            tolerations: values.tolerations ?? [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
            containers: [{
                name: "exporter",
                image: `nvcr.io/nvidia/k8s/dcgm-exporter:${valueAt(values, "image", "tag") || "4.5.3-4.8.2-distroless"}`,
                securityContext: values.securityContext ?? { runAsNonRoot: false, runAsUser: 0, capabilities: { add: ["SYS_ADMIN"], drop: ["ALL"] }, allowPrivilegeEscalation: false },
                resources: values.resources ?? { limits: { cpu: "200m", memory: "512Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
                ports: [{ name: "metrics", containerPort: 9400 }],
                livenessProbe: probe(45, 5),
                readinessProbe: probe(45),
            }],
            volumes: [{ name: "pod-gpu-resources", hostPath: { path: "/var/lib/kubelet/pod-resources" } }],
        })];
    },
    // deployment/values.yaml at 4.5.3-4.8.2.
    otherValues: ["runtimeClassName"],
};

/** cluster-autoscaler 9.53.0: one Deployment, liveness on /health-check 8085 (templates/deployment.yaml L284-287). */
export const clusterAutoscalerModel: ChartModel = {
    chart: "cluster-autoscaler",
    version: "9.53.0",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        const health = { httpGet: { path: "/health-check", port: 8085 } };
        return [renderedWorkload({
            kind: "Deployment",
            name: `${name}-aws-cluster-autoscaler`,
            namespace,
            source: "kubernetes/autoscaler@cluster-autoscaler-chart-9.53.0:cluster-autoscaler/charts/cluster-autoscaler/templates/deployment.yaml",
            podLabels: { "app.kubernetes.io/name": "aws-cluster-autoscaler" },
            // _helpers.tpl "cluster-autoscaler.serviceAccountName": the fullname when rbac.serviceAccount.create (default true).
            serviceAccountName: valueAt(values, "rbac", "serviceAccount", "name") ?? `${name}-aws-cluster-autoscaler`,
            securityContext: values.securityContext,
            nodeSelector: values.nodeSelector,
            tolerations: values.tolerations,
            containers: [{
                name: "aws-cluster-autoscaler",
                image: `registry.k8s.io/autoscaling/cluster-autoscaler:${valueAt(values, "image", "tag") ?? "v1.34.2"}`,
                securityContext: values.containerSecurityContext,
                resources: values.resources,
                ports: [{ containerPort: 8085 }],
                livenessProbe: health,
            }],
        })];
    },
    // cluster-autoscaler/charts/cluster-autoscaler/values.yaml at cluster-autoscaler-chart-9.53.0
    // (extraArgs is a free map of the autoscaler's flags).
    otherValues: ["cloudProvider", "awsRegion", "autoDiscovery.clusterName", "envFromSecret", "extraArgs"],
};
