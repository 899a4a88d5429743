import { ChartModel, ChartRelease, renderedWorkload, RenderedWorkload, valueAt } from "./workload";

/**
 * kured 6.1.0: one DaemonSet, host PID and the reboot sentinel's directory mounted, probes on its
 * metrics port (kubereboot/charts@kured-6.1.0:charts/kured/templates/daemonset.yaml L26-257,
 * values.yaml L84-160). Its pods get no pod-level security context from the chart.
 */
export const kuredModel: ChartModel = {
    chart: "kured",
    version: "6.1.0",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        const port = valueAt(values, "configuration", "metricsPort") ?? 8080;
        const probe = { httpGet: { path: "/metrics", port: "metrics", scheme: "HTTP" }, initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 5 };
        const sentinel = valueAt(values, "configuration", "useRebootSentinelHostPath") !== false;
        return [renderedWorkload({
            kind: "DaemonSet",
            name,
            namespace,
            source: "kubereboot/charts@kured-6.1.0:charts/kured/templates/daemonset.yaml",
            podLabels: { "app.kubernetes.io/name": "kured", "app.kubernetes.io/instance": name },
            podAnnotations: values.podAnnotations,
            serviceAccountName: name,
            hostPID: true,
            hostNetwork: values.hostNetwork ?? false,
            nodeSelector: values.nodeSelector ?? { "kubernetes.io/os": "linux" },
            // L230-240: without tolerations, the control-plane and master NoSchedule taints.
            tolerations: values.tolerations ?? [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }, { key: "node-role.kubernetes.io/master", effect: "NoSchedule" }],
            containers: [{
                name: "kured",
                image: `ghcr.io/kubereboot/kured:${valueAt(values, "image", "tag") || "1.23.0"}`,
                // values.yaml L88-91 default: privileged, read-only root.
                securityContext: values.containerSecurityContext ?? { privileged: true, readOnlyRootFilesystem: true },
                resources: values.resources,
                ports: [{ name: "metrics", containerPort: port }],
                livenessProbe: probe,
                readinessProbe: probe,
                ...(sentinel && { volumeMounts: [{ mountPath: "/sentinel", name: "sentinel", readOnly: true }] }),
            }],
            volumes: sentinel ? [{ name: "sentinel", hostPath: { path: "/var/run", type: "Directory" } }] : undefined,
        })];
    },
    // charts/kured/values.yaml L33-74 at kured-6.1.0: each becomes one of kured's flags.
    otherValues: [
        "configuration.period", "configuration.rebootDays", "configuration.startTime", "configuration.endTime", "configuration.timeZone",
        "configuration.concurrency", "configuration.drainTimeout", "configuration.forceReboot", "configuration.rebootMethod", "configuration.annotateNodes",
    ],
};
