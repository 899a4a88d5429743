/**
 * Who scrapes metrics: the monitoring namespace and Prometheus's service account, which mesh
 * policies and NetworkPolicies name as a client. Kept apart so that namespace isolation and the
 * monitoring stack can both read them without importing each other.
 */

/** Namespace of Prometheus, Alertmanager and Grafana (and, before them, KEDA's own Prometheus). */
export const MONITORING_NAMESPACE = "groundwork-observability";

/**
 * Prometheus's service account, set by `prometheus.serviceAccount.name` in the kube-prometheus-stack
 * values (charts/kube-prometheus-stack/values.yaml at kube-prometheus-stack-88.5.3).
 */
export const PROMETHEUS_SERVICE_ACCOUNT = "prometheus";

/** The scraper as a meshed client, `namespace/serviceaccount`. */
export const SCRAPER = `${MONITORING_NAMESPACE}/${PROMETHEUS_SERVICE_ACCOUNT}`;

/**
 * Linkerd's proxy admin port, serving `/metrics` on every meshed pod (`proxy.ports.admin: 4191`,
 * container port `linkerd-admin`: linkerd/linkerd2@edge-26.8.3 charts/linkerd-control-plane/values.yaml
 * L160-171, charts/partials/templates/_proxy.tpl L258-268).
 */
export const PROXY_ADMIN_PORT = 4191;

/** Read by the reliability pack's namespace-scraped rule: why a namespace's pods have nothing to scrape. */
export const NOT_SCRAPED_ANNOTATION = "groundwork.dev/not-scraped";
