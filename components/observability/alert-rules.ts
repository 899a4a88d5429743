/**
 * Groundwork's own alert rules, as data: each names the README section that says what it means
 * and what to do (`runbook_url`), and every expression is PromQL the tests parse with Prometheus's
 * grammar. kube-prometheus-stack's default rules (node disks, crash loops, down targets) run beside
 * them. Metric sources, read 2026-11-27:
 * - kube-state-metrics v2.20.0 (kps 88.5.3): kube_node_status_condition (internal/store/node.go
 *   L509-535, status lower case), kube_pod_container_status_ready (pod.go L417),
 *   kube_cronjob_status_last_successful_time and kube_cronjob_created (cronjob.go L120, L181);
 * - kubelet volume stats, `kubelet_volume_stats_{used,capacity}_bytes` by namespace and PVC;
 * - node-exporter v1.12.1 node_filesystem_{avail,size}_bytes (collector/filesystem_common.go L100-119);
 * - k3s v1.34.9+k3s1 (5f72184f) k3s_etcd_snapshot_save_s3_duration_seconds{status} histograms,
 *   registered in Kubernetes' legacyregistry (pkg/etcd/snapshotmetrics/snapshotmetrics.go L9-44,
 *   pkg/metrics/metrics.go L35-44), which the API server's /metrics serves;
 * - plugin-barman-cloud v0.13.0 barman_cloud_cloudnative_pg_io_last_{available,failed}_backup_timestamp
 *   (internal/cnpgi/instance/metrics.go L36-53, L83-101), on the Postgres pods' 9187;
 * - cert-manager v1.21.1 certmanager_certificate_expiration_timestamp_seconds
 *   (internal/collectors/certificate_collector.go L33);
 * - dcgm-exporter 4.5.3-4.8.2 DCGM_FI_DEV_GPU_UTIL (etc/default-counters.csv L23);
 * - LiteLLM (open source since v1.80.0, BerriAI/litellm-docs@ef86ded8 release_notes/v1.80.0-stable
 *   L51): litellm_proxy_{total,failed}_requests_metric (counters, exposed with `_total`),
 *   litellm_request_total_latency_metric (seconds), litellm_{remaining_team_budget,team_max_budget}_metric
 *   by team (docs/proxy/prometheus.md L78-79, L149-150, L224, L603-608).
 */

export interface AlertRule {
    alert: string;
    expr: string;
    /** How long the condition holds before the alert fires. */
    for: string;
    severity: "critical" | "warning";
    summary: string;
    description: string;
}

export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

/** A store backed up by a CronJob: stale when its last success is older than `staleAfterHours`. */
export interface CronJobBackup {
    store: string;
    namespace: string;
    cronjob: string;
    staleAfterHours: number;
}

export interface AlertRulesArgs {
    /** Where Vault's pods run; its readiness probe (`vault status`) fails while it is sealed. */
    vaultNamespace: string;
    /** Backups taken by CronJobs: Vault, Qdrant, ClickHouse. */
    cronJobBackups: CronJobBackup[];
    /** Hours after which the last k3s etcd snapshot in the bucket is stale. */
    etcdStaleAfterHours: number;
    /** Hours after which Postgres's last base backup is stale (WAL archives continuously). */
    postgresStaleAfterHours: number;
    /** Postgres's namespace: a store younger than the window has had no chance to back up yet. */
    postgresNamespace: string;
    /** Days before a certificate's end that an alert fires. */
    certificateDays: number;
    /** Share of a volume used before an alert. */
    volumeFullRatio: number;
    /** The gateway's thresholds; absent in a stack without inference. */
    gateway?: { errorRatio: number; p95LatencySeconds: number };
    /** Share of a team's budget spent before an alert; absent when no team has a budget. */
    budgetRatio?: number;
    /** GPU idleness; absent in a stack without GPU nodes. */
    gpuIdle?: { minutes: number; utilizationPercent: number };
}

/**
 * When the gateway's virtual keys made in the current rotation period are due to be replaced and
 * when they expire, as Unix seconds and dates. Only a `pulumi up` replaces them, and the rules hold
 * this period's dates, so they fire once an `up` is overdue.
 */
export interface KeyRotationSchedule {
    dueAt: number;
    due: string;
    expiresAt: number;
    expires: string;
}

/** Days of grace after a rotation falls due, and before the keys expire, before each alert. */
export const KEY_ROTATION_GRACE_DAYS = 7;

/** The README section of an alert: a `#### <alert>` heading, which GitHub anchors as the lower-cased name. */
export const runbookAnchor = (alert: string) => alert.toLowerCase();

const pct = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;

function backupRules(args: AlertRulesArgs): AlertRule[] {
    const cronJobs = args.cronJobBackups.map((b): AlertRule => {
        const selector = `namespace="${b.namespace}", cronjob="${b.cronjob}"`;
        const stale = b.staleAfterHours * 3600;
        return {
            alert: `${b.store}BackupStale`,
            // A CronJob that never succeeded has no last-success series: count from its creation.
            expr: `time() - max(kube_cronjob_status_last_successful_time{${selector}}) > ${stale}` +
                ` or (time() - max(kube_cronjob_created{${selector}}) > ${stale} unless max(kube_cronjob_status_last_successful_time{${selector}}))`,
            for: "10m",
            severity: "critical",
            summary: `${b.store}'s last good backup is more than ${b.staleAfterHours} hours old`,
            description: `CronJob ${b.namespace}/${b.cronjob} has not finished a backup for {{ $value | humanizeDuration }}; the restore point is that old.`,
        };
    });
    const etcdWindow = `${args.etcdStaleAfterHours}h`;
    const etcdSuccess = `k3s_etcd_snapshot_save_s3_duration_seconds_count{status="success"}`;
    // A new cluster, or a new Postgres, has had no chance to back up yet: only one older than the window alerts.
    const olderThan = (created: string, hours: number) => `on() (time() - min(${created}) > ${hours * 3600})`;
    const postgresStale = args.postgresStaleAfterHours * 3600;
    return [
        ...cronJobs,
        {
            alert: "EtcdSnapshotStale",
            expr: `(sum by (instance) (increase(${etcdSuccess}[${etcdWindow}])) == 0 or absent_over_time(${etcdSuccess}[${etcdWindow}])) and ${olderThan("kube_node_created", args.etcdStaleAfterHours)}`,
            for: "10m",
            severity: "critical",
            summary: `No k3s etcd snapshot reached the bucket in ${args.etcdStaleAfterHours} hours`,
            description: "k3s on {{ $labels.instance }} uploaded no snapshot of the cluster's state in the window (or its API server is not scraped).",
        },
        {
            alert: "EtcdSnapshotFailed",
            expr: `sum by (instance) (increase(k3s_etcd_snapshot_save_s3_duration_seconds_count{status="error"}[1h])) > 0`,
            for: "0m",
            severity: "warning",
            summary: "A k3s etcd snapshot failed to upload",
            description: "k3s on {{ $labels.instance }} failed to upload a snapshot in the last hour; `journalctl -u k3s` names the S3 error.",
        },
        {
            alert: "PostgresBackupStale",
            // The plugin reports 0 until the first base backup (plugin-barman-cloud@v0.13.0 internal/cnpgi/instance/metrics.go L123-151).
            expr: `time() - max by (namespace, pod) (barman_cloud_cloudnative_pg_io_last_available_backup_timestamp) > ${postgresStale} and ${olderThan(`kube_namespace_created{namespace="${args.postgresNamespace}"}`, args.postgresStaleAfterHours)}`,
            for: "10m",
            severity: "critical",
            summary: `Postgres's last base backup is more than ${args.postgresStaleAfterHours} hours old`,
            description: "The primary {{ $labels.pod }} reports its last base backup {{ $value | humanizeDuration }} ago (0 means never); WAL archiving alone makes recovery slow.",
        },
        {
            alert: "PostgresBackupFailed",
            expr: "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp > barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
            for: "0m",
            severity: "warning",
            summary: "Postgres's latest base backup failed",
            description: "{{ $labels.pod }} reports a failed backup newer than its last good one.",
        },
        {
            alert: "PostgresWalArchivingFailing",
            // pg_stat_archiver from CloudNativePG's default queries, which its chart installs
            // (cloudnative-pg/charts@cloudnative-pg-v0.29.0: charts/cloudnative-pg/values.yaml L369-400;
            // metric prefix `cnpg`, cloudnative-pg/cloudnative-pg@v1.30.0 pkg/management/postgres/webserver/metricserver/pg_collector.go L45).
            // The expression is CloudNativePG's own sample (docs/src/samples/monitoring/alerts.yaml L40-47): failing since the last success.
            expr: "cnpg_pg_stat_archiver_last_failed_time - cnpg_pg_stat_archiver_last_archived_time > 1",
            for: "15m",
            severity: "critical",
            summary: "Postgres cannot archive WAL",
            description: "{{ $labels.pod }} has failed to archive WAL since its last success; segments pile up in pg_wal until its volume fills and the database stops, and nothing after the last archived segment can be restored.",
        },
    ];
}

/** Every group of Groundwork's rules the stack runs. */
export function alertRuleGroups(args: AlertRulesArgs): RuleGroup[] {
    const groups: RuleGroup[] = [
        {
            name: "groundwork.nodes",
            rules: [{
                alert: "NodeDown",
                expr: `kube_node_status_condition{condition="Ready", status="true"} == 0`,
                for: "5m",
                severity: "critical",
                summary: "A node or edge machine is not Ready",
                description: "Node {{ $labels.node }} has not been Ready for 5 minutes: it is down, unreachable over the overlay, or its k3s stopped.",
            }],
        },
        {
            name: "groundwork.vault",
            rules: [{
                alert: "VaultSealed",
                // Vault's own gauge where it is scraped, and its readiness, which holds even when a standby is not.
                expr: `kube_pod_container_status_ready{namespace="${args.vaultNamespace}", container="vault"} == 0 or vault_core_unsealed == 0`,
                for: "5m",
                severity: "critical",
                summary: "Vault is sealed or not serving",
                description: "{{ $labels.pod }} fails its readiness probe (`vault status` exits 2 while sealed): workloads cannot read new secrets.",
            }],
        },
        { name: "groundwork.backups", rules: backupRules(args) },
        {
            name: "groundwork.certificates",
            rules: [{
                alert: "CertificateExpiringSoon",
                expr: `certmanager_certificate_expiration_timestamp_seconds - time() < ${args.certificateDays * 86400}`,
                for: "1h",
                severity: "warning",
                summary: `A certificate ends within ${args.certificateDays} days`,
                description: "Certificate {{ $labels.namespace }}/{{ $labels.name }} ends in {{ $value | humanizeDuration }}; cert-manager renews well before that, so renewal is failing.",
            }],
        },
        {
            name: "groundwork.storage",
            rules: [
                {
                    alert: "VolumeAlmostFull",
                    expr: `kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > ${args.volumeFullRatio}`,
                    for: "15m",
                    severity: "warning",
                    summary: `A volume is more than ${pct(args.volumeFullRatio)} full`,
                    description: "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full.",
                },
                {
                    alert: "NodeDiskAlmostFull",
                    // local-path volumes live on the node's disk, so the node's filesystem is what fills.
                    expr: `1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"} > ${args.volumeFullRatio}`,
                    for: "15m",
                    severity: "warning",
                    summary: `A node's disk is more than ${pct(args.volumeFullRatio)} full`,
                    description: "{{ $labels.mountpoint }} on {{ $labels.instance }} is {{ $value | humanizePercentage }} full; local-path volumes share it.",
                },
            ],
        },
    ];
    if (args.gpuIdle) {
        groups.push({
            name: "groundwork.gpus",
            rules: [{
                alert: "GpuNodeIdle",
                // Only nodes up longer than the window (a new node is still loading its model); DCGM's Hostname is the node's name.
                expr: `max by (Hostname) (max_over_time(DCGM_FI_DEV_GPU_UTIL[${args.gpuIdle.minutes}m])) < ${args.gpuIdle.utilizationPercent}` +
                    ` and on (Hostname) label_replace(time() - kube_node_created > ${args.gpuIdle.minutes * 60}, "Hostname", "$1", "node", "(.*)")`,
                for: "0m",
                severity: "warning",
                summary: `A paid GPU node has been idle for ${args.gpuIdle.minutes} minutes`,
                description: `No GPU on {{ $labels.Hostname }} went above ${args.gpuIdle.utilizationPercent}% in ${args.gpuIdle.minutes} minutes; it is billed by the hour.`,
            }],
        });
    }
    const gateway: AlertRule[] = [];
    if (args.budgetRatio !== undefined) {
        gateway.push({
            alert: "TeamBudgetNearlySpent",
            expr: `(litellm_team_max_budget_metric - litellm_remaining_team_budget_metric) / (litellm_team_max_budget_metric > 0) >= ${args.budgetRatio}`,
            for: "5m",
            severity: "warning",
            summary: `A team has spent ${pct(args.budgetRatio)} of its budget`,
            description: "Team {{ $labels.team_alias }} has spent {{ $value | humanizePercentage }} of its budget; at 100% the gateway refuses its keys until the budget resets.",
        });
    }
    if (args.gateway) {
        gateway.push(
            {
                alert: "GatewayErrorRateHigh",
                // Server errors only: a bad key, a spent budget or a rate limit (4xx) is the caller's, not the gateway's.
                expr: `sum(rate(litellm_proxy_failed_requests_metric_total{exception_status=~"5.."}[10m])) / sum(rate(litellm_proxy_total_requests_metric_total[10m])) > ${args.gateway.errorRatio}`,
                for: "10m",
                severity: "critical",
                summary: `More than ${pct(args.gateway.errorRatio)} of the gateway's requests fail with a server error`,
                description: "{{ $value | humanizePercentage }} of requests to the LLM gateway failed over 10 minutes.",
            },
            {
                alert: "GatewayLatencyHigh",
                expr: `histogram_quantile(0.95, sum by (le) (rate(litellm_request_total_latency_metric_bucket[10m]))) > ${args.gateway.p95LatencySeconds}`,
                for: "10m",
                severity: "warning",
                summary: `The gateway's 95th-percentile request time is over ${args.gateway.p95LatencySeconds} seconds`,
                description: "95% of requests finish within {{ $value | humanizeDuration }}, over the threshold.",
            },
        );
    }
    if (gateway.length > 0) groups.push({ name: "groundwork.gateway", rules: gateway });
    return groups;
}

/**
 * The gateway keys' rotation rules, in a group of their own: their PrometheusRule is written only
 * once the keys of the period are in the gateway, so that the dates never move on ahead of a
 * rotation that failed (security review s27 F7).
 */
export function keyRotationRuleGroup(keyRotation: KeyRotationSchedule): RuleGroup {
    const grace = KEY_ROTATION_GRACE_DAYS * 86400;
    return {
        name: "groundwork.gateway-keys",
        rules: [
            {
                alert: "GatewayKeysRotationOverdue",
                expr: `vector(time()) > ${keyRotation.dueAt + grace}`,
                for: "1h",
                severity: "warning",
                summary: `The gateway's keys were due for rotation on ${keyRotation.due}; no pulumi up has replaced them`,
                description: `Keys rotate only when pulumi up runs in a new rotation period (inference.gateway.keyRotationDays). They expire from ${keyRotation.expires}: run pulumi up before then.`,
            },
            {
                alert: "GatewayKeysExpiringSoon",
                expr: `vector(time()) > ${keyRotation.expiresAt - grace}`,
                for: "1h",
                severity: "critical",
                summary: `The gateway's virtual keys expire from ${keyRotation.expires}`,
                description: "Every team's and application's key stops working when it expires; pulumi up makes and hands out new ones (README, Rotating gateway keys).",
            },
        ],
    };
}

/**
 * The `spec` of a PrometheusRule holding the groups, each rule with its severity and runbook
 * (monitoring.coreos.com/v1 PrometheusRule: groups[].rules[].{alert, expr, for, labels, annotations}).
 */
export function prometheusRuleSpec(groups: RuleGroup[], runbookUrl: string): Record<string, unknown> {
    return {
        groups: groups.map((g) => ({
            name: g.name,
            rules: g.rules.map((r) => ({
                alert: r.alert,
                expr: r.expr,
                for: r.for,
                labels: { severity: r.severity },
                annotations: { summary: r.summary, description: r.description, runbook_url: `${runbookUrl}#${runbookAnchor(r.alert)}` },
            })),
        })),
    };
}
