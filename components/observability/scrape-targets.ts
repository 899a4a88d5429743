/**
 * What Prometheus scrapes beyond kube-prometheus-stack's own ServiceMonitors (API server with k3s's
 * etcd snapshot metrics, kubelet and cAdvisor, CoreDNS, kube-state-metrics, node-exporter, and the
 * stack itself): one PodMonitor per source, each in the monitoring namespace, reaching its pods'
 * namespace by `namespaceSelector.matchNames` (monitoring.coreos.com/v1 PodMonitor, checked against
 * prometheus-operator v0.93.0's CRD in the tests).
 */

export interface PodMetricsEndpoint {
    /** Keep the target's own labels where they clash with the target's (`namespace`), instead of renaming them `exported_*`. */
    honorLabels?: boolean;
    /** Container port name; absent (and no `portNumber`): every port, kept or dropped by `relabelings`. */
    port?: string;
    /** Container port number, for a port the chart leaves unnamed. */
    portNumber?: number;
    /** Query parameters of the scrape (`?format=prometheus`). */
    params?: Record<string, string[]>;
    path?: string;
    interval?: string;
    relabelings?: Record<string, unknown>[];
    metricRelabelings?: Record<string, unknown>[];
}

export interface PodScrapeTarget {
    /** The PodMonitor's name; targets get `job="<namespace>/<name>"` (prometheus-operator v0.93.0 pkg/prometheus/promcfg.go). */
    name: string;
    /** Namespaces its pods are in; `any` for every namespace. */
    namespaces: string[] | "any";
    /** Pod selector (`matchLabels`), or `{ exists: label }` for pods that carry a label at all. */
    selector: Record<string, string> | { exists: string };
    endpoints: PodMetricsEndpoint[];
    /** The pods are outside the mesh: these ports are opened to the scraper below it (NetworkPolicy). */
    outsideMesh?: number[];
}

/** Where an unmeshed target's pods let the scraper in: its namespace, pods and ports. */
export interface ScraperOpening {
    namespace: string;
    podSelector: Record<string, string>;
    ports: number[];
}

/** The openings of the targets outside the mesh (a selector by label presence opens the namespace's pods). */
export function scraperOpenings(targets: PodScrapeTarget[]): ScraperOpening[] {
    return targets.filter((t) => t.outsideMesh !== undefined && t.namespaces !== "any").flatMap((t) => (t.namespaces as string[]).map((namespace) => ({
        namespace,
        podSelector: "exists" in t.selector && typeof t.selector.exists === "string" ? {} : t.selector as Record<string, string>,
        ports: t.outsideMesh!,
    })));
}

/** The PodMonitor `spec` for a target. */
export function podMonitorSpec(target: PodScrapeTarget): Record<string, unknown> {
    const selector = "exists" in target.selector && typeof target.selector.exists === "string"
        ? { matchExpressions: [{ key: target.selector.exists, operator: "Exists" }] }
        : { matchLabels: target.selector };
    return {
        jobLabel: "",
        namespaceSelector: target.namespaces === "any" ? { any: true } : { matchNames: target.namespaces },
        selector,
        podMetricsEndpoints: target.endpoints.map((e) => ({ path: "/metrics", ...e })),
    };
}

/** Keep only the named metric families (a `metricRelabelings` entry). */
export const keepMetrics = (pattern: string) => ({ sourceLabels: ["__name__"], regex: pattern, action: "keep" });

/**
 * Every meshed pod's Linkerd proxy (`linkerd-admin`, 4191): request, response and latency counts
 * by direction and target, the mesh's golden signals for every workload. Only the families the
 * dashboards and alerts read are kept: the proxy's latency buckets times every meshed pod would be
 * the largest source of series on a small cluster, and nothing reads them. Metric names: linkerd/linkerd2-proxy@release/v2.366.0
 * linkerd/http/metrics/src/requests/report.rs L20-38 (endpoint report, no prefix: linkerd/app/core/src/metrics.rs L175-179).
 */
export const LINKERD_PROXIES: PodScrapeTarget = {
    name: "linkerd-proxies",
    namespaces: "any",
    // Every injected pod carries linkerd.io/control-plane-ns (linkerd/linkerd2@edge-26.8.3 pkg/k8s/labels.go L47).
    selector: { exists: "linkerd.io/control-plane-ns" },
    endpoints: [{ port: "linkerd-admin", metricRelabelings: [keepMetrics("request_total|response_total|response_latency_ms_(sum|count)|tcp_open_connections|process_start_time_seconds")] }],
};

/**
 * Linkerd's controllers' admin ports, each named `<controller>-admin` (ident-admin 9990, dest-admin
 * 9996, spval-admin 9997, policy-admin 9990, injector-admin 9995: linkerd/linkerd2@edge-26.8.3
 * charts/linkerd-control-plane/templates/{identity,destination,proxy-injector}.yaml), selected as the
 * chart's own PodMonitor does (templates/podmonitor.yaml L20-36).
 */
/** Linkerd's controllers' admin ports, for the NetworkPolicy that lets the scraper in. */
const LINKERD_ADMIN_PORTS = [9990, 9995, 9996, 9997];

export function linkerdControlPlane(namespace: string): PodScrapeTarget {
    return {
        name: "linkerd-control-plane",
        namespaces: [namespace],
        selector: { exists: "linkerd.io/control-plane-component" },
        outsideMesh: LINKERD_ADMIN_PORTS,
        endpoints: [{
            relabelings: [
                { sourceLabels: ["__meta_kubernetes_pod_container_port_name"], regex: ".*-admin$", action: "keep" },
                { sourceLabels: ["__meta_kubernetes_pod_container_port_name"], regex: "linkerd-admin", action: "drop" },
                { sourceLabels: ["__meta_kubernetes_pod_container_name"], targetLabel: "component", action: "replace" },
            ],
        }],
    };
}


/**
 * Every Postgres instance's exporter (`metrics`, 9187, cloudnative-pg/cloudnative-pg@v1.30.0
 * pkg/management/url/url.go L33-34), with the barman-cloud plugin's backup times. CNPG's own
 * `enablePodMonitor` is deprecated in favour of a PodMonitor written by hand (api/v1/cluster_types.go L2431-2435).
 */
export const postgresInstances = (namespace: string, cluster: string): PodScrapeTarget => ({
    name: "postgres", namespaces: [namespace], selector: { "cnpg.io/cluster": cluster }, endpoints: [{ port: "metrics" }],
});

/** cert-manager's controller (`http-metrics`, 9402: cert-manager/cert-manager@v1.21.1 deploy/charts/cert-manager/templates/deployment.yaml L24-37, L159-160). */
export const certManagerController = (namespace: string): PodScrapeTarget => ({
    // Its metrics' `namespace` is the Certificate's, not the controller's: honoured, not renamed.
    name: "cert-manager", namespaces: [namespace], selector: { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" }, endpoints: [{ port: "http-metrics", honorLabels: true }], outsideMesh: [9402],
});

/** kured's `metrics` port (8080; kured_reboot_required per node): kubereboot/charts@kured-6.1.0 charts/kured/templates/daemonset.yaml L212-213. */
export const kuredDaemons = (namespace: string): PodScrapeTarget => ({
    name: "kured", namespaces: [namespace], selector: { "app.kubernetes.io/name": "kured" }, endpoints: [{ port: "metrics" }], outsideMesh: [8080],
});

/** Vault's telemetry on its API port, every server (a sealed one reports vault_core_unsealed 0). */
export const vaultServers = (namespace: string, podSelector: Record<string, string>, path: string): PodScrapeTarget => ({
    name: "vault", namespaces: [namespace], selector: podSelector, endpoints: [{ port: "http", path, params: { format: ["prometheus"] } }],
});

/** The model servers' and the gateway's `/metrics`, on their `http` port. */
export const inferenceServers = (namespace: string, component: Record<string, string>, name: string): PodScrapeTarget => ({
    name, namespaces: [namespace], selector: component, endpoints: [{ port: "http" }],
});
