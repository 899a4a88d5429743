import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { VLLM_COMPONENT_LABEL } from "../components/inference/vllm-server";
import { GATEWAY_COMPONENT_LABEL } from "../components/inference/llm-gateway";
import { INGRESS_CLIENT, INGRESS_NAMESPACE, INGRESS_PODS } from "../components/ingress/ingress-controller";
import { KEDA_QUERIER } from "../components/inference/queue-autoscaling";
import { CLUSTER_AUTOSCALER_NAMESPACE } from "../components/aws/cluster-autoscaler";
import { AlertReceiver, receiverSecretKey } from "../components/observability/alertmanager-config";
import { alertRuleGroups } from "../components/observability/alert-rules";
import { groundworkDashboards } from "../components/observability/dashboards";
import { Monitoring } from "../components/observability/monitoring";
import { MONITORING_NAMESPACE } from "../components/observability/scraper";
import {
    certManagerController, inferenceServers, vaultServers, kuredDaemons, LINKERD_PROXIES, linkerdControlPlane, PodScrapeTarget, postgresInstances,
} from "../components/observability/scrape-targets";
import { childrenDependOn } from "../components/ordering";
import { Scheduling } from "../components/placement";
import { VAULT_METRICS_PATH, VAULT_NAMESPACE, VAULT_POD_LABELS } from "../components/platform/vault";
import { VaultConsumer } from "../components/platform/vault-bootstrap";
import { scalesWithLoad } from "../components/inference/vllm-server";
import { StackConfig } from "./config";
import { longestCronGapHours, withoutSeconds } from "./config/schedule";
import { MonitoringConfig } from "./config/monitoring";
import { PlatformSecrets } from "./platform-secrets";
import { StackIngress } from "./ingress";
import { EgressDestination } from "../components/platform/egress";

/** Alertmanager's receiver secret and Grafana's secrets are read through this consumer. */
export const MONITORING_CONSUMER: VaultConsumer = { name: "monitoring", namespace: MONITORING_NAMESPACE, serviceAccount: "monitoring-secrets" };

/** The autoscaler chart's pods (kubernetes/autoscaler@cluster-autoscaler-chart-9.53.0 templates/_helpers.tpl, AWS provider). */
const AUTOSCALER_PODS = { "app.kubernetes.io/name": "aws-cluster-autoscaler" };

/** A backup counts as missed this long after the longest gap its schedule allows: time for the run itself. */
const BACKUP_GRACE_HOURS = 3;
/** Days before a certificate's end, and share of a volume, that alert (issue 13). */
const CERTIFICATE_DAYS = 21;
const VOLUME_FULL_RATIO = 0.85;
const BUDGET_RATIO = 0.8;

/**
 * Whether Grafana signs people in through the stack's SSO: it has a host, and the issuer's
 * endpoints are given (Grafana's generic OAuth reads no discovery document). Its client secret,
 * its route's audience and its OAuth settings all follow this.
 */
export function grafanaSignsInWithSso(config: StackConfig): boolean {
    return config.access?.hosts.grafana !== undefined && config.access.sso?.oauthEndpoints !== undefined;
}

export function receiverOf(monitoring: MonitoringConfig): AlertReceiver {
    const { email, slack, teams } = monitoring.alerts.receiver;
    if (email) return { kind: "email", to: email.to, from: email.from, smarthost: email.smarthost, username: email.username };
    if (slack) return { kind: "slack", channel: slack.channel };
    return teams ? { kind: "teams" } : { kind: "webhook" };
}

/** The monitoring consumer's secrets: the receiver's, and Grafana's generated admin login (a break-glass account beside SSO). */
export function monitoringSecrets(monitoring: MonitoringConfig): PlatformSecrets {
    const receiver = monitoring.alerts.receiver;
    const secret = receiver.webhook?.url ?? receiver.slack?.url ?? receiver.teams?.url ?? receiver.email!.password;
    return {
        [`${MONITORING_CONSUMER.name}/alert-receiver`]: { [receiverSecretKey(receiverOf(monitoring))]: pulumi.output(secret) },
        [`${MONITORING_CONSUMER.name}/grafana-admin`]: {
            "admin-user": pulumi.secret(pulumi.output("admin")),
            "admin-password": new random.RandomPassword("grafana-admin", { length: 32, special: false }).result,
        },
    };
}

export interface MonitoringDeps {
    provider: k8s.Provider;
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt). */
    apiServer: EgressDestination;
    /** What it waits for: the mesh, cert-manager (the operator's webhook certificate), Vault's bootstrap. */
    after: pulumi.Resource[];
    ingress?: StackIngress;
    /** Whether GPU nodes run (DCGM's metrics and the idle-GPU alert). */
    gpus: boolean;
    /** Whether the cluster autoscaler runs (its metrics on 8085). */
    autoscaler: boolean;
    scheduling?: Scheduling;
}

/** What each store's backup schedule makes "stale", in hours. */
export function staleAfterHours(config: StackConfig): { vault: number; qdrant: number; clickhouse: number; postgres: number; etcd: number } {
    const b = config.platform.backups;
    const cron = (schedule: string) => longestCronGapHours(schedule) + BACKUP_GRACE_HOURS;
    return {
        vault: cron(b.vault.schedule),
        qdrant: cron(b.qdrant.schedule),
        clickhouse: cron(b.clickhouse.schedule),
        // CloudNativePG's schedule has seconds first.
        postgres: cron(withoutSeconds(config.platform.postgres.backup.schedule)),
        etcd: b.etcd.everyHours + 2,
    };
}

/** Prometheus, Alertmanager and Grafana for the stack, with Groundwork's rules, dashboards and scrape targets. */
export function buildMonitoring(config: StackConfig, deps: MonitoringDeps): Monitoring {
    const monitoring = config.monitoring;
    const inference = config.inference;
    const stale = staleAfterHours(config);
    const rules = alertRuleGroups({
        vaultNamespace: VAULT_NAMESPACE,
        cronJobBackups: [
            { store: "Vault", namespace: VAULT_NAMESPACE, cronjob: "vault-snapshots", staleAfterHours: stale.vault },
            { store: "Qdrant", namespace: "groundwork-data", cronjob: "qdrant-snapshots", staleAfterHours: stale.qdrant },
            { store: "ClickHouse", namespace: "langfuse", cronjob: "langfuse-clickhouse-backups", staleAfterHours: stale.clickhouse },
        ],
        etcdStaleAfterHours: stale.etcd,
        postgresStaleAfterHours: stale.postgres,
        postgresNamespace: "groundwork-data",
        certificateDays: CERTIFICATE_DAYS,
        volumeFullRatio: VOLUME_FULL_RATIO,
        gateway: inference && monitoring.alerts.gateway,
        budgetRatio: inference?.teams.some((t) => t.maxBudgetUsd !== undefined) ? BUDGET_RATIO : undefined,
        gpuIdle: deps.gpus ? monitoring.alerts.gpuIdle : undefined,
    });
    const targets: PodScrapeTarget[] = [
        LINKERD_PROXIES,
        linkerdControlPlane("linkerd"),
        postgresInstances("groundwork-data", "postgres"),
        vaultServers(VAULT_NAMESPACE, VAULT_POD_LABELS, VAULT_METRICS_PATH),
        certManagerController("cert-manager"),
        kuredDaemons("kured"),
        { name: "cnpg-operator", namespaces: ["cnpg-system"], selector: { "app.kubernetes.io/name": "cloudnative-pg" }, endpoints: [{ port: "metrics" }], outsideMesh: [8080] },
        ...(deps.autoscaler ? [{ name: "cluster-autoscaler", namespaces: [CLUSTER_AUTOSCALER_NAMESPACE], selector: AUTOSCALER_PODS, endpoints: [{ portNumber: 8085 }], outsideMesh: [8085] }] : []),
        ...(deps.ingress ? [{ name: "traefik", namespaces: [INGRESS_NAMESPACE], selector: INGRESS_PODS, endpoints: [{ port: "metrics" }] }] : []),
        ...(inference ? [
            inferenceServers("groundwork-inference", VLLM_COMPONENT_LABEL, "vllm"),
            inferenceServers("groundwork-inference", GATEWAY_COMPONENT_LABEL, "llm-gateway"),
        ] : []),
    ];
    const sso = config.access?.sso;
    const grafanaUrl = deps.ingress?.urlOf("grafana");
    return new Monitoring("monitoring", {
        podCidr: config.cluster.podCidr,
        apiServer: deps.apiServer,
        retentionDays: monitoring.retentionDays,
        storageGbs: monitoring.storageGbs,
        receiver: receiverOf(monitoring),
        vaultConsumer: MONITORING_CONSUMER,
        rules,
        runbookUrl: monitoring.alerts.runbookUrl,
        dashboards: groundworkDashboards({ vaultNamespace: VAULT_NAMESPACE, inference: inference !== undefined, gpus: deps.gpus }),
        targets,
        // DCGM's exporter, found through its chart's ServiceMonitor (NVIDIA/dcgm-exporter@4.5.3-4.8.2 deployment/values.yaml L107-131).
        chartScrapedOpenings: deps.gpus ? [{ namespace: "nvidia-device-plugin", podSelector: { "app.kubernetes.io/name": "dcgm-exporter" }, ports: [9400] }] : [],
        prometheusClients: inference?.models.some(scalesWithLoad) ? [KEDA_QUERIER] : [],
        grafana: {
            url: grafanaUrl,
            ingressClient: grafanaUrl ? INGRESS_CLIENT : undefined,
            sso: grafanaSignsInWithSso(config) && sso?.oauthEndpoints ? { clientId: sso.clientId, ...sso.oauthEndpoints, groupsClaim: sso.groupsClaim, operatorsGroup: sso.operatorsGroup, usersGroup: sso.usersGroup } : undefined,
        },
        scheduling: deps.scheduling,
    }, { provider: deps.provider, transformations: [childrenDependOn(deps.after)] });
}
