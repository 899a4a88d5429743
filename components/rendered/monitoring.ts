import { chartImage, ChartModel, ChartRelease, renderedWorkload, RenderedWorkload, valueAt } from "./workload";

/**
 * kube-prometheus-stack 88.5.3: the prometheus-operator, the Prometheus and Alertmanager
 * StatefulSets the operator builds from the chart's CRs, kube-state-metrics, node-exporter and
 * Grafana. Read and rendered (Helm 4.1.4, `helm template`) 2026-11-27, research/kps-render.md:
 * - KPS = prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack;
 *   fullname `<release>-kube-prometheus` (templates/_helpers.tpl L14-25, cut to 26 characters);
 * - PO = prometheus-operator/prometheus-operator@v0.93.0 (the chart runs v0.93.1, not in the mirror):
 *   the StatefulSets' names, pod labels, containers, ports and probes;
 * - KSM = kube-state-metrics-8.4.0, NE = prometheus-node-exporter-4.56.1 (same repository),
 *   GRAF = grafana-community/helm-charts@grafana-12.11.1:charts/grafana.
 */

const OPERATOR_VERSION = "v0.93.1";

/**
 * How KPS (and Grafana's chart) compose an image from `{ tag, sha }`: `repo:tag@sha256:<sha>`, the
 * sha given as hex alone (KPS templates/prometheus-operator/deployment.yaml L53-57,
 * prometheus/prometheus.yaml L52-56, alertmanager/alertmanager.yaml L18-22; GRAF templates/_pod.tpl L1246-1250).
 */
function kpsImage(repository: string, defaultTag: string, image: { tag?: string; sha?: string } | undefined): string {
    return chartImage(repository, image?.tag || defaultTag, image?.sha ? `sha256:${image.sha}` : undefined);
}
/** The containers the operator builds: no escalation, read-only root, no capabilities (PO pkg/prometheus/server/statefulset.go L347-353, pkg/operator/config_reloader.go L368-374). */
const OPERATOR_BUILT = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
/** kps's pod security context for Prometheus and Alertmanager (KPS values.yaml L1219-1225, L4815-4821). */
const KPS_POD = { runAsGroup: 2000, runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } };

/**
 * What the operator gives every pod it builds from a CR's spec, Prometheus's and Alertmanager's
 * alike: the spec's pod annotations, security context and placement, and the config reloader as
 * an init container (8081, no probes: PO config_reloader.go L377) and a sidecar (8080, probes only
 * with prometheusConfigReloader.enableProbe: KPS values.yaml L3558, default false; PO config_reloader.go L377-403).
 */
function operatorBuiltPod(spec: Record<string, any>, values: Record<string, any>) {
    const reloader = {
        // The operator's --prometheus-config-reloader flag (KPS templates/prometheus-operator/deployment.yaml L96-100).
        image: kpsImage("quay.io/prometheus-operator/prometheus-config-reloader", OPERATOR_VERSION, valueAt(values, "prometheusOperator", "prometheusConfigReloader", "image")),
        securityContext: OPERATOR_BUILT,
        resources: valueAt(values, "prometheusOperator", "prometheusConfigReloader", "resources"),
    };
    const probe = { httpGet: { path: "/healthz", port: 8080 } };
    const probes = valueAt(values, "prometheusOperator", "prometheusConfigReloader", "enableProbe") === true ? { livenessProbe: probe, readinessProbe: probe, startupProbe: probe } : {};
    return {
        pod: {
            podAnnotations: valueAt(spec, "podMetadata", "annotations"),
            securityContext: spec.securityContext ?? KPS_POD,
            nodeSelector: spec.nodeSelector,
            tolerations: spec.tolerations,
            initContainers: [{ ...reloader, name: "init-config-reloader", ports: [{ name: "reloader-init", containerPort: 8081 }] }],
        },
        reloader: { ...reloader, ...probes, name: "config-reloader", ports: [{ name: "reloader-web", containerPort: 8080 }] },
    };
}

function operator(release: string, fullname: string, namespace: string, values: Record<string, any>): RenderedWorkload {
    const op = values.prometheusOperator ?? {};
    const probe = { httpGet: { path: "/healthz", port: "https", scheme: "HTTPS" }, periodSeconds: 10 };
    return renderedWorkload({
        kind: "Deployment",
        name: `${fullname}-operator`,
        namespace,
        source: "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/templates/prometheus-operator/deployment.yaml",
        podLabels: { app: "kube-prometheus-stack-operator", release, "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator", "app.kubernetes.io/component": "prometheus-operator" },
        podAnnotations: op.podAnnotations,
        serviceAccountName: `${fullname}-operator`,
        // KPS values.yaml L3468-3474, L3483-3488.
        securityContext: { fsGroup: 65534, runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
        nodeSelector: op.nodeSelector,
        tolerations: op.tolerations,
        containers: [{
            name: "kube-prometheus-stack",
            image: kpsImage("quay.io/prometheus-operator/prometheus-operator", OPERATOR_VERSION, op.image),
            securityContext: OPERATOR_BUILT,
            resources: op.resources,
            ports: [{ name: "https", containerPort: 10250 }],
            readinessProbe: probe,
            livenessProbe: probe,
        }],
        // The cert-manager Certificate's Secret `<fullname>-admission` (templates/prometheus-operator/certmanager.yaml L42-60).
        volumes: [{ name: "tls-secret", secret: { secretName: `${fullname}-admission` } }],
        outsideCallers: { 10250: ["kube-apiserver"] },
    });
}

function prometheus(fullname: string, namespace: string, values: Record<string, any>): RenderedWorkload {
    const spec = valueAt(values, "prometheus", "prometheusSpec") ?? {};
    const web = (path: string) => ({ httpGet: { path, port: "http-web", scheme: "HTTP" }, periodSeconds: 5, timeoutSeconds: 3 });
    const name = `${fullname}-prometheus`;
    const built = operatorBuiltPod(spec, values);
    return renderedWorkload({
        kind: "StatefulSet",
        name: `prometheus-${name}`,
        namespace,
        source: "prometheus-operator/prometheus-operator@v0.93.0:pkg/prometheus/server/statefulset.go (from the chart's Prometheus CR, templates/prometheus/prometheus.yaml)",
        podLabels: { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": name, "operator.prometheus.io/name": name, prometheus: name, "operator.prometheus.io/shard": "0" },
        serviceAccountName: valueAt(values, "prometheus", "serviceAccount", "name") || name,
        ...built.pod,
        containers: [
            {
                name: "prometheus",
                image: kpsImage("quay.io/prometheus/prometheus", "v3.14.0-distroless", spec.image),
                securityContext: OPERATOR_BUILT,
                resources: spec.resources,
                ports: [{ name: "http-web", containerPort: 9090 }],
                // PO pkg/prometheus/promcfg.go L1376-1399.
                startupProbe: { ...web("/-/ready"), periodSeconds: 15, failureThreshold: 60 },
                readinessProbe: { ...web("/-/ready"), failureThreshold: 3 },
                livenessProbe: { ...web("/-/healthy"), failureThreshold: 6 },
            },
            built.reloader,
        ],
    });
}

function alertmanager(fullname: string, namespace: string, values: Record<string, any>): RenderedWorkload {
    const spec = valueAt(values, "alertmanager", "alertmanagerSpec") ?? {};
    const name = `${fullname}-alertmanager`;
    const web = (path: string) => ({ httpGet: { path, port: "http-web", scheme: "HTTP" }, timeoutSeconds: 3, failureThreshold: 10 });
    const built = operatorBuiltPod(spec, values);
    return renderedWorkload({
        kind: "StatefulSet",
        name: `alertmanager-${name}`,
        namespace,
        source: "prometheus-operator/prometheus-operator@v0.93.0:pkg/alertmanager/statefulset.go (from the chart's Alertmanager CR, templates/alertmanager/alertmanager.yaml)",
        podLabels: { "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": name, alertmanager: name },
        serviceAccountName: name,
        ...built.pod,
        containers: [
            {
                name: "alertmanager",
                image: kpsImage("quay.io/prometheus/alertmanager", "v0.34.0", spec.image),
                securityContext: OPERATOR_BUILT,
                resources: spec.resources,
                // One replica: the operator turns gossip off, but the ports are declared (PO statefulset.go L435-455).
                ports: [{ name: "http-web", containerPort: 9093 }, { name: "mesh-tcp", containerPort: 9094 }, { name: "mesh-udp", containerPort: 9094, protocol: "UDP" }],
                livenessProbe: web("/-/healthy"),
                readinessProbe: { ...web("/-/ready"), initialDelaySeconds: 3, periodSeconds: 5 },
            },
            built.reloader,
        ],
        volumes: (spec.secrets ?? []).map((s: string) => ({ name: `secret-${s}`, secret: { secretName: s } })),
    });
}

function kubeStateMetrics(release: string, namespace: string, values: Record<string, any>): RenderedWorkload {
    const ksm = values["kube-state-metrics"] ?? {};
    return renderedWorkload({
        kind: "Deployment",
        name: `${release}-kube-state-metrics`,
        namespace,
        source: "prometheus-community/helm-charts@kube-state-metrics-8.4.0:charts/kube-state-metrics/templates/deployment.yaml",
        podLabels: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": release },
        serviceAccountName: `${release}-kube-state-metrics`,
        // KSM values.yaml L339-356.
        securityContext: { fsGroup: 65534, runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
        nodeSelector: ksm.nodeSelector,
        tolerations: ksm.tolerations,
        containers: [{
            name: "kube-state-metrics",
            // KSM templates/_helpers.tpl L142-155: `repo:tag@<image.sha>`, the sha with its `sha256:`.
            image: chartImage("registry.k8s.io/kube-state-metrics/kube-state-metrics", valueAt(values, "kube-state-metrics", "image", "tag") || "v2.20.0", valueAt(values, "kube-state-metrics", "image", "sha")),
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
            resources: ksm.resources,
            ports: [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 8081 }],
            // KSM templates/deployment.yaml L202-245.
            livenessProbe: { httpGet: { path: "/livez", port: 8080, scheme: "HTTP" }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5 },
            readinessProbe: { httpGet: { path: "/readyz", port: 8081, scheme: "HTTP" }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5 },
        }],
    });
}

function nodeExporter(release: string, namespace: string, values: Record<string, any>): RenderedWorkload {
    const ne = values["prometheus-node-exporter"] ?? {};
    const probe = { httpGet: { path: "/", port: 9100, scheme: "HTTP" } };
    return renderedWorkload({
        kind: "DaemonSet",
        name: `${release}-prometheus-node-exporter`,
        // NE templates/_helpers.tpl L98-104: namespaceOverride, else the release's.
        namespace: ne.namespaceOverride || namespace,
        source: "prometheus-community/helm-charts@prometheus-node-exporter-4.56.1:charts/prometheus-node-exporter/templates/daemonset.yaml",
        podLabels: { "app.kubernetes.io/name": "prometheus-node-exporter", "app.kubernetes.io/instance": release, jobLabel: "node-exporter" },
        serviceAccountName: `${release}-prometheus-node-exporter`,
        // NE values.yaml L360-367 defaults: no seccomp, only a read-only root in the container.
        securityContext: ne.securityContext ?? { fsGroup: 65534, runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534 },
        // NE values.yaml L382, L390: both on unless set; daemonset.yaml L315-319.
        hostNetwork: ne.hostNetwork ?? true,
        hostPID: ne.hostPID ?? true,
        nodeSelector: { "kubernetes.io/os": "linux", ...(ne.nodeSelector ?? {}) },
        // NE values.yaml L471-473: every NoSchedule taint (GPU and edge nodes included).
        tolerations: ne.tolerations ?? [{ effect: "NoSchedule", operator: "Exists" }],
        containers: [{
            name: "node-exporter",
            // NE templates/_helpers.tpl L77-93: `repo:tag-distroless@<image.digest>` (image.sha fails the render).
            image: chartImage("quay.io/prometheus/node-exporter", "v1.12.1-distroless", valueAt(values, "prometheus-node-exporter", "image", "digest")),
            securityContext: ne.containerSecurityContext ?? { readOnlyRootFilesystem: true },
            resources: ne.resources,
            // daemonset.yaml L136-139 renders no hostPort; the API server sets it to the
            // containerPort for a pod on the host's network.
            ports: [{ name: "http-metrics", containerPort: 9100, ...(ne.hostNetwork ?? true ? { hostPort: 9100 } : {}) }],
            livenessProbe: probe,
            readinessProbe: probe,
        }],
        volumes: [{ name: "proc", hostPath: { path: "/proc" } }, { name: "sys", hostPath: { path: "/sys" } }, { name: "root", hostPath: { path: "/" } }],
    });
}

function grafana(release: string, namespace: string, values: Record<string, any>): RenderedWorkload {
    const g = values.grafana ?? {};
    const sidecar = (name: string) => ({
        name,
        // GRAF _pod.tpl L737-741 (and L870-874): `repo:tag@sha256:<sidecar.image.sha>`.
        image: kpsImage("quay.io/kiwigrid/k8s-sidecar", "2.10.1", valueAt(g, "sidecar", "image")),
        // GRAF values.yaml L1055-1061.
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
        resources: valueAt(g, "sidecar", "resources"),
    });
    return renderedWorkload({
        kind: "Deployment",
        name: `${release}-grafana`,
        namespace,
        source: "grafana-community/helm-charts@grafana-12.11.1:charts/grafana/templates/deployment.yaml (_pod.tpl)",
        podLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": release },
        podAnnotations: g.podAnnotations,
        serviceAccountName: `${release}-grafana`,
        // GRAF values.yaml L159-163.
        securityContext: { fsGroup: 472, runAsGroup: 472, runAsNonRoot: true, runAsUser: 472 },
        nodeSelector: g.nodeSelector,
        tolerations: g.tolerations,
        containers: [
            sidecar("grafana-sc-dashboard"),
            sidecar("grafana-sc-datasources"),
            {
                name: "grafana",
                image: kpsImage("docker.io/grafana/grafana", "13.2.0", g.image),
                // GRAF values.yaml L165-172.
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, privileged: false, seccompProfile: { type: "RuntimeDefault" } },
                resources: g.resources,
                env: Object.keys(g.envValueFrom ?? {}).map((name) => ({ name, valueFrom: g.envValueFrom[name] })),
                // GRAF _pod.tpl L1402-1414.
                ports: [{ name: "grafana", containerPort: 3000 }, { name: "gossip-tcp", containerPort: 9094 }, { name: "gossip-udp", containerPort: 9094, protocol: "UDP" }, { name: "profiling", containerPort: 6060 }],
                readinessProbe: { httpGet: { path: "/api/health", port: "grafana" } },
                livenessProbe: { httpGet: { path: "/api/health", port: "grafana" }, initialDelaySeconds: 60, timeoutSeconds: 30, failureThreshold: 10 },
            },
        ],
    });
}

export const kubePrometheusStackModel: ChartModel = {
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        const fullname = `${name}-kube-prometheus-stack`.slice(0, 26).replace(/-$/, "");
        return [
            operator(name, fullname, namespace, values),
            prometheus(fullname, namespace, values),
            alertmanager(fullname, namespace, values),
            kubeStateMetrics(name, namespace, values),
            nodeExporter(name, namespace, values),
            grafana(name, namespace, values),
        ];
    },
    // KPS values.yaml at the tag (and GRAF's, under `grafana.`): switches, storage, rules, config.
    otherValues: [
        "crds.enabled", "kubeControllerManager.enabled", "kubeScheduler.enabled", "kubeProxy.enabled", "kubeEtcd.enabled", "nodeExporter.operatingSystems",
        "prometheusOperator.admissionWebhooks.certManager.enabled", "prometheus.serviceAccount.create",
        "prometheus.prometheusSpec.retention", "prometheus.prometheusSpec.retentionSize", "prometheus.prometheusSpec.storageSpec",
        "prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues", "prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues",
        "prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues", "prometheus.prometheusSpec.probeSelectorNilUsesHelmValues",
        "prometheus.prometheusSpec.scrapeConfigSelectorNilUsesHelmValues",
        "alertmanager.config",
        "grafana.admin.existingSecret", "grafana.admin.userKey", "grafana.admin.passwordKey", "grafana.testFramework.enabled",
        "grafana.sidecar.dashboards.resource", "grafana.sidecar.dashboards.searchNamespace", "grafana.sidecar.datasources.resource", "grafana.grafana.ini",
        "grafana.rbac.namespaced", "grafana.rbac.useExistingRole", "defaultRules.disabled",
        // kube-state-metrics-8.4.0: the collectors its ClusterRole and arguments are made from (templates/role.yaml, deployment.yaml).
        "kube-state-metrics.collectors",
    ],
};
