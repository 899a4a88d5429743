/**
 * Groundwork's Grafana dashboards, as code: platform health, inference, and spend against budget.
 * Each is a Grafana dashboard model (schemaVersion 39; grafana.com/docs/grafana/latest/dashboards/
 * build-dashboards/view-dashboard-json-model, read 2026-11-27) whose panels query Prometheus through a
 * `datasource` variable, so they work whatever the provisioned data source is called. The Grafana
 * sidecar loads every ConfigMap labelled `grafana_dashboard: "1"` (kube-prometheus-stack 88.5.3
 * values.yaml grafana.sidecar.dashboards L1536-1556). Metric names: see alert-rules.ts.
 */

export interface PanelQuery {
    expr: string;
    legend: string;
}

export interface Panel {
    title: string;
    kind: "timeseries" | "stat" | "table";
    unit: "short" | "percentunit" | "s" | "currencyUSD" | "reqps" | "dtdurations" | "bytes";
    queries: PanelQuery[];
}

export interface Dashboard {
    uid: string;
    title: string;
    panels: Panel[];
}

export interface DashboardsArgs {
    vaultNamespace: string;
    /** Whether the stack serves models (the gateway and vLLM). */
    inference: boolean;
    /** Whether GPU nodes run (DCGM metrics). */
    gpus: boolean;
}

const q = (expr: string, legend: string): PanelQuery => ({ expr, legend });

function platformHealth(args: DashboardsArgs): Dashboard {
    return {
        uid: "groundwork-platform",
        title: "Groundwork / Platform health",
        panels: [
            { title: "Nodes not Ready", kind: "stat", unit: "short", queries: [q(`sum(kube_node_status_condition{condition="Ready", status="true"} == 0) or vector(0)`, "not ready")] },
            { title: "Firing alerts", kind: "table", unit: "short", queries: [q(`sum by (alertname, severity) (ALERTS{alertstate="firing"})`, "{{alertname}}")] },
            { title: "Node CPU used", kind: "timeseries", unit: "percentunit", queries: [q(`1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))`, "{{instance}}")] },
            { title: "Node memory used", kind: "timeseries", unit: "percentunit", queries: [q("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "{{instance}}")] },
            { title: "Node disk used", kind: "timeseries", unit: "percentunit", queries: [q(`1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"}`, "{{instance}} {{mountpoint}}")] },
            { title: "Volumes used", kind: "timeseries", unit: "percentunit", queries: [q("kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes", "{{namespace}}/{{persistentvolumeclaim}}")] },
            { title: "Vault serving (1) or sealed (0)", kind: "stat", unit: "short", queries: [q(`min(kube_pod_container_status_ready{namespace="${args.vaultNamespace}", container="vault"})`, "vault")] },
            { title: "Vault requests per second", kind: "timeseries", unit: "reqps", queries: [q("sum by (pod) (rate(vault_core_handle_request_count[5m]))", "{{pod}}")] },
            { title: "Age of the last good backup", kind: "table", unit: "dtdurations", queries: [
                q("time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time)", "{{cronjob}}"),
                q("time() - max(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp)", "postgres"),
            ] },
            { title: "etcd snapshots uploaded (24h)", kind: "stat", unit: "short", queries: [q(`sum by (instance) (increase(k3s_etcd_snapshot_save_s3_duration_seconds_count{status="success"}[24h]))`, "{{instance}}")] },
            { title: "Days left on certificates", kind: "table", unit: "short", queries: [q("(certmanager_certificate_expiration_timestamp_seconds - time()) / 86400", "{{namespace}}/{{name}}")] },
            { title: "Mesh success rate by namespace", kind: "timeseries", unit: "percentunit", queries: [q(
                `sum by (namespace) (rate(response_total{direction="inbound", classification="success"}[5m])) / sum by (namespace) (rate(response_total{direction="inbound"}[5m]))`, "{{namespace}}",
            )] },
            { title: "Pods restarting", kind: "table", unit: "short", queries: [q("topk(10, increase(kube_pod_container_status_restarts_total[1h]) > 0)", "{{namespace}}/{{pod}}")] },
        ],
    };
}

function inference(args: DashboardsArgs): Dashboard {
    return {
        uid: "groundwork-inference",
        title: "Groundwork / Inference",
        panels: [
            { title: "Requests per second by model", kind: "timeseries", unit: "reqps", queries: [q("sum by (requested_model) (rate(litellm_proxy_total_requests_metric_total[5m]))", "{{requested_model}}")] },
            { title: "Gateway error ratio", kind: "timeseries", unit: "percentunit", queries: [q(
                "sum(rate(litellm_proxy_failed_requests_metric_total[5m])) / sum(rate(litellm_proxy_total_requests_metric_total[5m]))", "errors",
            )] },
            { title: "Gateway request time", kind: "timeseries", unit: "s", queries: [
                q("histogram_quantile(0.5, sum by (le) (rate(litellm_request_total_latency_metric_bucket[5m])))", "p50"),
                q("histogram_quantile(0.95, sum by (le) (rate(litellm_request_total_latency_metric_bucket[5m])))", "p95"),
            ] },
            { title: "Time to first token (vLLM, p95)", kind: "timeseries", unit: "s", queries: [q(
                "histogram_quantile(0.95, sum by (le, model_name) (rate(vllm:time_to_first_token_seconds_bucket[5m])))", "{{model_name}}",
            )] },
            { title: "Tokens per second", kind: "timeseries", unit: "short", queries: [
                q("sum by (model_name) (rate(vllm:prompt_tokens_total[5m]))", "{{model_name}} prompt"),
                q("sum by (model_name) (rate(vllm:generation_tokens_total[5m]))", "{{model_name}} generated"),
            ] },
            { title: "Queue depth", kind: "timeseries", unit: "short", queries: [
                q("sum by (model_name) (vllm:num_requests_waiting)", "{{model_name}} waiting"),
                q("sum by (model_name) (vllm:num_requests_running)", "{{model_name}} running"),
            ] },
            { title: "KV cache used", kind: "timeseries", unit: "percentunit", queries: [q("max by (model_name) (vllm:kv_cache_usage_perc)", "{{model_name}}")] },
            { title: "Prefix cache hit ratio", kind: "timeseries", unit: "percentunit", queries: [q(
                "sum by (model_name) (rate(vllm:prefix_cache_hits_total[5m])) / sum by (model_name) (rate(vllm:prefix_cache_queries_total[5m]))", "{{model_name}}",
            )] },
            { title: "Fallbacks taken", kind: "timeseries", unit: "short", queries: [q("sum by (requested_model) (increase(litellm_deployment_successful_fallbacks_total[1h]))", "{{requested_model}}")] },
            // The gateway's response cache, per route and team (litellm_cache_hits_metric and
            // litellm_cache_misses_metric, counters labelled model and team: BerriAI/litellm PR #18755,
            // litellm/types/integrations/prometheus.py _cache_metric_labels; scraped with _total).
            { title: "Gateway cache hit ratio by route and team", kind: "timeseries", unit: "percentunit", queries: [q(
                "sum by (model, team_alias) (rate(litellm_cache_hits_metric_total[15m])) / (sum by (model, team_alias) (rate(litellm_cache_hits_metric_total[15m])) + sum by (model, team_alias) (rate(litellm_cache_misses_metric_total[15m])))",
                "{{model}} {{team_alias}}",
            )] },
            ...(args.gpus ? [{ title: "GPU utilisation", kind: "timeseries" as const, unit: "short" as const, queries: [q("avg by (Hostname, gpu) (DCGM_FI_DEV_GPU_UTIL)", "{{Hostname}} GPU {{gpu}}")] }] : []),
        ],
    };
}

function spend(): Dashboard {
    return {
        uid: "groundwork-spend",
        title: "Groundwork / Spend against budget",
        panels: [
            { title: "Budget spent by team", kind: "timeseries", unit: "percentunit", queries: [q(
                "(litellm_team_max_budget_metric - litellm_remaining_team_budget_metric) / (litellm_team_max_budget_metric > 0)", "{{team_alias}}",
            )] },
            { title: "Budget left by team", kind: "table", unit: "currencyUSD", queries: [q("litellm_remaining_team_budget_metric", "{{team_alias}}")] },
            { title: "Spend by team (7 days)", kind: "table", unit: "currencyUSD", queries: [q("sum by (team_alias) (increase(litellm_spend_metric_total[7d]))", "{{team_alias}}")] },
            { title: "Spend by model (7 days)", kind: "table", unit: "currencyUSD", queries: [q("sum by (model) (increase(litellm_spend_metric_total[7d]))", "{{model}}")] },
            { title: "Spend per hour by team", kind: "timeseries", unit: "currencyUSD", queries: [q("sum by (team_alias) (increase(litellm_spend_metric_total[1h]))", "{{team_alias}}")] },
            { title: "Tokens by team (24 hours)", kind: "table", unit: "short", queries: [q("sum by (team_alias) (increase(litellm_total_tokens_metric_total[24h]))", "{{team_alias}}")] },
        ],
    };
}

/** The stack's dashboards: platform health always, inference and spend when it serves models. */
export function groundworkDashboards(args: DashboardsArgs): Dashboard[] {
    return [platformHealth(args), ...(args.inference ? [inference(args), spend()] : [])];
}

/** Every PromQL expression the dashboards run, for the tests' parser. */
export function dashboardExpressions(dashboards: Dashboard[]): string[] {
    return dashboards.flatMap((d) => d.panels.flatMap((p) => p.queries.map((query) => query.expr)));
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

/** The Grafana JSON model: panels two to a row, 12 columns wide and 8 high each. */
export function dashboardJson(d: Dashboard): string {
    return JSON.stringify({
        uid: d.uid,
        title: d.title,
        tags: ["groundwork"],
        schemaVersion: 39,
        editable: false,
        time: { from: "now-24h", to: "now" },
        refresh: "1m",
        templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Data source" }] },
        panels: d.panels.map((p, i) => ({
            id: i + 1,
            title: p.title,
            type: p.kind,
            datasource: DATASOURCE,
            gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
            fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
            targets: p.queries.map((query, j) => ({ refId: String.fromCharCode(65 + j), datasource: DATASOURCE, expr: query.expr, legendFormat: query.legend, ...(p.kind === "table" ? { instant: true, format: "table" } : {}) })),
        })),
    }, null, 2);
}
