import { ControllerAdmission } from "../admission-policy";
import { prometheusOperatorFence } from "./operator-admission";
import * as pulumi from "@pulumi/pulumi";
import { DigestPinnedImage, digestOf, tagOf } from "../image-digests";
import * as k8s from "@pulumi/kubernetes";
import { noBackupAnnotation } from "../backups";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, add, requestsOf } from "../platform/footprint";
import { guardedNamespace } from "../platform/guarded-namespace";
import { meshed, meshedNamespaceArgs } from "../platform/linkerd-mesh";
import { MeshAuthorization } from "../platform/mesh-authorization";
import { allowIngress, apiServerCallers } from "../platform/network-isolation";
import { VaultConsumer } from "../platform/vault-bootstrap";
import { VaultConsumerAuth, VaultSyncedSecret } from "../platform/vault-synced-secret";
import { AlertReceiver, alertmanagerConfig, RECEIVER_SECRET } from "./alertmanager-config";
import { prometheusRuleSpec, RuleGroup } from "./alert-rules";
import { Dashboard, dashboardJson } from "./dashboards";
import { MONITORING_NAMESPACE, PROMETHEUS_SERVICE_ACCOUNT, SCRAPER } from "./scraper";
import { podMonitorSpec, PodScrapeTarget, ScraperOpening, scraperOpenings } from "./scrape-targets";
import { EgressAllowance, EgressDestination, endpointDestination, endpointsDestinations, PUBLIC_HTTPS } from "../platform/egress";
import { KUBELET_PORT } from "../k3s/ports";
import { serviceHost } from "../service-host";

/**
 * kube-prometheus-stack: the prometheus-operator with its CRDs, Prometheus, Alertmanager, Grafana,
 * kube-state-metrics and node-exporter. Evidence: prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:
 * charts/kube-prometheus-stack/Chart.yaml L31-33 (`version: 88.5.3`, appVersion v0.93.1; subcharts
 * kube-state-metrics 8.4.0, prometheus-node-exporter 4.56.1, grafana 12.11.1 from grafana-community,
 * L50-69). Names below are as the chart renders them for the release `monitoring` (its fullname cut
 * to 26 characters, templates/_helpers.tpl L14-25), read and rendered 2026-11-27
 * (research/kps-render.md).
 */

export const KUBE_PROMETHEUS_STACK_CHART = {
    chart: "kube-prometheus-stack", repo: "https://prometheus-community.github.io/helm-charts", version: "88.5.3",
    evidence: "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/Chart.yaml",
} as const;

/**
 * KPS's and Grafana's `{ tag, sha }` for an image: the sha is the digest's hex, which their
 * templates prefix with `@sha256:`; tag and digest come from the one table entry.
 */
function kpsPinned(image: DigestPinnedImage): { tag: string; sha: string } {
    return { tag: tagOf(image), sha: digestOf(image).slice("sha256:".length) };
}
const KSM_IMAGE = "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0";

export const MONITORING_RELEASE = "monitoring";
const FULLNAME = "monitoring-kube-prometheus";
/**
 * The prometheus-operator's admission webhook configurations, which cert-manager's CA injector fills
 * with admissionWebhooks.certManager on (templates/prometheus-operator/admission-webhooks/
 * mutatingWebhookConfiguration.yaml L5, validatingWebhookConfiguration.yaml; _prometheus-operator-webhook.tpl L10-11;
 * review s23 F1).
 */
export const MONITORING_ADMISSION_WEBHOOKS = `${FULLNAME}-admission`;
/** Grafana's Role: ConfigMaps in its namespace, no Secrets. */
const GRAFANA_ROLE = "grafana-configmaps";
/**
 * node-exporter reads the host's /proc, /sys and / through hostPath mounts: a privileged namespace
 * of its own. It runs in its own network and PID namespaces (below), so NetworkPolicies apply to it.
 */
export const NODE_METRICS_NAMESPACE = "groundwork-node-metrics";
/** node-exporter's port (prometheus-node-exporter-4.56.1 values.yaml service.port) and its pods' labels. */
const NODE_EXPORTER_PORT = 9100;

/** kube-state-metrics' default collectors (kube-state-metrics-8.4.0 values.yaml L430-458) but `secrets`. */
export const KUBE_STATE_METRICS_COLLECTORS = [
    "certificatesigningrequests", "configmaps", "cronjobs", "daemonsets", "deployments", "endpointslices", "horizontalpodautoscalers",
    "ingresses", "jobs", "leases", "limitranges", "mutatingwebhookconfigurations", "namespaces", "networkpolicies", "nodes",
    "persistentvolumeclaims", "persistentvolumes", "poddisruptionbudgets", "pods", "replicasets", "replicationcontrollers",
    "resourcequotas", "services", "statefulsets", "storageclasses", "validatingwebhookconfigurations", "volumeattachments",
];
const NODE_EXPORTER_PODS = { "app.kubernetes.io/name": "prometheus-node-exporter" };
/** The kps Service in front of Prometheus (`http-web` 9090), which KEDA and Grafana query. */
export const PROMETHEUS_URL = `http://${serviceHost(`${FULLNAME}-prometheus`, MONITORING_NAMESPACE)}:9090`;
/** Grafana's Service (`http-web` 80 → 3000) and its service account, which calls Prometheus and Alertmanager. */
export const GRAFANA_SERVICE = { name: `${MONITORING_RELEASE}-grafana`, port: 80 } as const;
const GRAFANA_CLIENT = `${MONITORING_NAMESPACE}/${MONITORING_RELEASE}-grafana`;

/** Pods, as the operator and the charts label them (prometheus-operator v0.93.0 pkg/prometheus/server/operator.go L1696-1704, pkg/alertmanager/operator.go L796-803). */
const PODS = {
    prometheus: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${FULLNAME}-prometheus` },
    alertmanager: { "app.kubernetes.io/name": "alertmanager", alertmanager: `${FULLNAME}-alertmanager` },
    grafana: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": MONITORING_RELEASE },
    kubeStateMetrics: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": MONITORING_RELEASE },
    operator: { app: "kube-prometheus-stack-operator", release: MONITORING_RELEASE },
};

const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string): ContainerResources =>
    ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });
// Requests sized for a small cluster's few tens of thousands of series; memory limits leave room for compaction.
const OPERATOR = resources("10m", "48Mi", "200m", "256Mi");
const PROMETHEUS = resources("50m", "384Mi", "1", "1536Mi");
const CONFIG_RELOADER = resources("5m", "16Mi", "50m", "64Mi");
const ALERTMANAGER = resources("5m", "32Mi", "100m", "128Mi");
const KUBE_STATE_METRICS = resources("10m", "48Mi", "100m", "192Mi");
const NODE_EXPORTER = resources("10m", "24Mi", "200m", "64Mi");
const GRAFANA = resources("25m", "128Mi", "500m", "384Mi");
const GRAFANA_SIDECAR = resources("5m", "48Mi", "100m", "128Mi");

/** What the monitoring stack asks of the platform's nodes. */
export function monitoringFootprint(): Footprint[] {
    return [
        { workload: "prometheus-operator", pods: 1, perPod: meshed(requestsOf(OPERATOR)) },
        { workload: "prometheus", pods: 1, perPod: meshed(add(requestsOf(PROMETHEUS), requestsOf(CONFIG_RELOADER))) },
        { workload: "alertmanager", pods: 1, perPod: meshed(add(requestsOf(ALERTMANAGER), requestsOf(CONFIG_RELOADER))) },
        { workload: "kube-state-metrics", pods: 1, perPod: meshed(requestsOf(KUBE_STATE_METRICS)) },
        { workload: "grafana", pods: 1, perPod: meshed(add(requestsOf(GRAFANA), requestsOf(GRAFANA_SIDECAR), requestsOf(GRAFANA_SIDECAR))) },
        { workload: "node-exporter", pods: "per-node", perPod: requestsOf(NODE_EXPORTER) },
    ];
}

/** Grafana's sign-in through the stack's OIDC issuer (Grafana's generic OAuth reads no discovery document). */
export interface GrafanaSso {
    clientId: string;
    authorizeUrl: string;
    tokenUrl: string;
    userinfoUrl: string;
    groupsClaim: string;
    /** Members are Admins of Grafana's organisation (dashboards, data sources, users). */
    operatorsGroup: string;
    /** Members are Viewers and nobody else signs in; without it, everyone the issuer signs in for this client is a Viewer. */
    usersGroup?: string;
}

/**
 * Grafana's role from the groups claim, a JMESPath expression (the claim quoted, as it may hold
 * `-` or `:`); with `role_attribute_strict`, a person it gives no role cannot sign in.
 */
export function grafanaRoleExpression(sso: GrafanaSso): string {
    const groups = `"${sso.groupsClaim}"[*]`;
    // A group's name is a JMESPath raw string: its quote escaped (O'Brien-team; sweep s18 rerun fr04),
    // the one escape every go-jmespath lexer reads (jmespath/go-jmespath lexer.go consumeRawStringLiteral).
    const literal = (name: string) => `'${name.replace(/'/g, "\\'")}'`;
    const viewer = sso.usersGroup ? `contains(${groups}, ${literal(sso.usersGroup)}) && 'Viewer'` : "'Viewer'";
    return `contains(${groups}, ${literal(sso.operatorsGroup)}) && 'Admin' || ${viewer}`;
}

/**
 * Where the monitoring pods go outside the cluster: Prometheus to every node's kubelet (10250:
 * metrics and cAdvisor); Alertmanager to its
 * receiver; Grafana to the identity provider's token and userinfo endpoints. The webhook
 * receiver's URL is a secret, so its allowance is HTTP and HTTPS anywhere.
 */
export function monitoringEgress(receiver: AlertReceiver, sso?: Pick<GrafanaSso, "tokenUrl" | "userinfoUrl">): EgressAllowance[] {
    const receiverTo: EgressDestination[] = receiver.kind === "email" ? [endpointDestination(`smtp://${receiver.smarthost}`)]
        : receiver.kind === "webhook" ? [{ kind: "anywhere", ports: [80, 443] }]
        : [PUBLIC_HTTPS];
    const idp = sso ? endpointsDestinations([sso.tokenUrl, sso.userinfoUrl]) : [];
    return [
        { name: "prometheus-nodes", podSelector: PODS.prometheus, to: [{ kind: "nodes", ports: [KUBELET_PORT] }], reason: "Prometheus scrapes each node's kubelet and cAdvisor (10250)" },
        { name: "alert-receiver", podSelector: PODS.alertmanager, to: receiverTo, reason: `Alertmanager sends notifications to the ${receiver.kind} receiver` },
        ...(idp.length > 0 ? [{ name: "grafana-identity-provider", podSelector: PODS.grafana, to: idp, reason: "people sign in to Grafana through OAuth: Grafana calls the issuer's token and userinfo endpoints" }] : []),
    ];
}

export interface MonitoringArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** The pod network (k3s `cluster-cidr`): the port the API server calls admits every source but pods (apiServerCallers). */
    podCidr: string;
    /** Days of metrics kept. */
    retentionDays: number;
    /** Prometheus's volume, GB; Prometheus stops keeping data at 80% of it. */
    storageGbs: number;
    /** Where alerts go; its secret is in Vault under the consumer's `alert-receiver`. */
    receiver: AlertReceiver;
    /** The Vault consumer whose `<name>/alert-receiver`, `<name>/grafana-admin` and `<name>/sso` are synced here. */
    vaultConsumer: VaultConsumer;
    /** Groundwork's alert rules, and the README they link into. */
    rules: RuleGroup[];
    runbookUrl: string;
    dashboards: Dashboard[];
    /** Sources beyond the chart's own (PodMonitors); those outside the mesh let the scraper in below it. */
    targets: PodScrapeTarget[];
    /** Unmeshed pods scraped through their charts' own monitors (DCGM's exporter), let in the same way. */
    chartScrapedOpenings: ScraperOpening[];
    /** Meshed service accounts that query Prometheus (KEDA's operator), beside Grafana. */
    prometheusClients: string[];
    /** The URL people open Grafana at, when it has a host; with it, SSO. */
    grafana: { url?: string; sso?: GrafanaSso; ingressClient?: string };
    scheduling?: Scheduling;
}

/**
 * Metrics, alerts and dashboards for the whole stack. Prometheus keeps `retentionDays` on its own
 * volume, evaluates Groundwork's rules and kube-prometheus-stack's, and sends alerts through
 * Alertmanager to the one receiver; Grafana shows the dashboards. Every part but node-exporter is
 * meshed: Prometheus scrapes meshed pods as a named client.
 */
export class Monitoring extends pulumi.ComponentResource {
    /** Where Prometheus answers PromQL (KEDA's triggers). */
    public readonly prometheusUrl: string = PROMETHEUS_URL;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:observability:Monitoring", name, {}, opts);
        const parent = { parent: this };
        const placement = { nodeSelector: args.scheduling?.nodeSelector, tolerations: args.scheduling?.tolerations };
        const noBackup = noBackupAnnotation({ [MONITORING_RELEASE]: "metrics are scraped again from the running cluster, and dashboards and rules are code; silences and Grafana's UI state are not kept" });
        // The namespace KEDA's Prometheus lived in before: the same object, now the monitoring stack's.
        const ns = guardedNamespace(`${name}-namespace`, meshedNamespaceArgs(MONITORING_NAMESPACE, "restricted", {}, noBackup), { ...parent, retainOnDelete: true }, {
            egress: {
                apiServer: { reason: "Prometheus discovers its targets, the operator runs Prometheus and Alertmanager, kube-state-metrics and Grafana's sidecars watch the API", at: args.apiServer },
                allow: monitoringEgress(args.receiver, args.grafana.sso),
            },
            movedFrom: { name: "queue-autoscaling-observability", parent: pulumi.createUrn("queue-autoscaling", "groundwork:inference:QueueAutoscaling") },
        });
        const nodeMetrics = guardedNamespace(`${name}-node-metrics`, {
            // Unmeshed, and out of reach of Linkerd's injector in a privileged namespace (controller RBAC review s25 F3).
            metadata: { name: NODE_METRICS_NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "privileged", "config.linkerd.io/admission-webhooks": "disabled", "app.kubernetes.io/managed-by": "groundwork" } },
        }, parent);
        const inNamespace = { ...parent, dependsOn: [ns] };
        allowIngress(`${name}-node-exporter`, {
            namespace: NODE_METRICS_NAMESPACE, podSelector: NODE_EXPORTER_PODS, ports: [NODE_EXPORTER_PORT], from: [MONITORING_NAMESPACE],
            reason: "Prometheus scrapes node-exporter (outside the mesh)",
        }, { ...parent, dependsOn: [nodeMetrics] });

        const auth = new VaultConsumerAuth(`${name}-vault`, { consumer: args.vaultConsumer }, inNamespace);
        const consumer = args.vaultConsumer.name;
        const receiverSecret = new VaultSyncedSecret(RECEIVER_SECRET, { auth, path: `${consumer}/alert-receiver`, secretName: RECEIVER_SECRET }, inNamespace);
        const grafanaAdmin = new VaultSyncedSecret("grafana-admin", { auth, path: `${consumer}/grafana-admin`, secretName: "grafana-admin" }, inNamespace);
        const grafanaSso = args.grafana.sso && new VaultSyncedSecret("grafana-sso", { auth, path: `${consumer}/sso`, secretName: "grafana-sso" }, inNamespace);

        // Grafana's sidecars read ConfigMaps only (resource: configmap, below): a Role of ours without the
        // chart's Secrets, which its token, mounted in Grafana too, would otherwise read in this namespace
        // (grafana-12.11.1 templates/role.yaml L15-20; rolebinding.yaml binds rbac.useExistingRole; chart-models review s22b F4).
        const grafanaRole = new k8s.rbac.v1.Role(`${name}-grafana-configmaps`, {
            metadata: { name: GRAFANA_ROLE, namespace: MONITORING_NAMESPACE },
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "watch", "list"] }],
        }, inNamespace);
        const release = pinnedRelease(name, KUBE_PROMETHEUS_STACK_CHART, {
            name: MONITORING_RELEASE,
            namespace: ns.metadata.name,
            values: chartValues(args, placement),
        }, { ...parent, dependsOn: [ns, nodeMetrics, receiverSecret, grafanaAdmin, grafanaRole, ...(grafanaSso ? [grafanaSso] : [])] });
        const afterChart = { ...parent, dependsOn: [release] };

        new k8s.apiextensions.CustomResource(`${name}-rules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "groundwork", namespace: MONITORING_NAMESPACE },
            spec: prometheusRuleSpec(args.rules, args.runbookUrl),
        }, afterChart);
        for (const target of args.targets) {
            new k8s.apiextensions.CustomResource(`${name}-${target.name}`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name: target.name, namespace: MONITORING_NAMESPACE },
                spec: podMonitorSpec(target),
            }, afterChart);
        }
        for (const d of args.dashboards) {
            new k8s.core.v1.ConfigMap(`${name}-${d.uid}`, {
                metadata: { name: `dashboard-${d.uid}`, namespace: MONITORING_NAMESPACE, labels: { grafana_dashboard: "1" } },
                data: { [`${d.uid}.json`]: dashboardJson(d) },
            }, inNamespace);
        }
        for (const open of [...scraperOpenings(args.targets), ...args.chartScrapedOpenings]) {
            allowIngress(`metrics-scraper-${open.namespace}`, {
                namespace: open.namespace, podSelector: open.podSelector, ports: open.ports, from: [MONITORING_NAMESPACE],
                reason: "Prometheus scrapes these pods' metrics (they are outside the mesh)",
            }, parent);
        }
        this.authorizeClients(name, args, inNamespace);
        this.registerOutputs({ prometheusUrl: this.prometheusUrl });
    }

    /** Who may call what, in the mesh: each port of the stack's own pods names its clients. */
    private authorizeClients(name: string, args: MonitoringArgs, opts: pulumi.ComponentResourceOptions): void {
        const server = (id: string, podSelector: Record<string, string>, port: string | number, clients: string[], proxyProtocol: "HTTP/1" | "TLS" = "HTTP/1", noClients?: string) =>
            new MeshAuthorization(`${name}-${id}`, { namespace: MONITORING_NAMESPACE, podSelector, port, clients, proxyProtocol, noClients }, opts);
        server("prometheus-api", PODS.prometheus, "http-web", [GRAFANA_CLIENT, SCRAPER, ...args.prometheusClients]);
        server("prometheus-reloader", PODS.prometheus, "reloader-web", [SCRAPER]);
        server("alertmanager-api", PODS.alertmanager, "http-web", [SCRAPER, GRAFANA_CLIENT]);
        server("alertmanager-reloader", PODS.alertmanager, "reloader-web", [SCRAPER]);
        server("kube-state-metrics", PODS.kubeStateMetrics, "http", [SCRAPER]);
        server("kube-state-metrics-self", PODS.kubeStateMetrics, "metrics", [SCRAPER]);
        server("grafana", PODS.grafana, "grafana", [SCRAPER, ...(args.grafana.ingressClient ? [args.grafana.ingressClient] : [])]);
        // Ports the charts declare for replicas we do not run (grafana-12.11.1 _pod.tpl L1402-1414; PO alertmanager statefulset.go L435-455).
        server("grafana-gossip", PODS.grafana, "gossip-tcp", [], "HTTP/1", "Grafana's unified-alerting gossip between replicas; one replica, and alerting is Alertmanager's");
        server("grafana-profiling", PODS.grafana, "profiling", [], "HTTP/1", "Grafana's pprof port; profiling is off");
        server("alertmanager-gossip", PODS.alertmanager, "mesh-tcp", [], "HTTP/1", "Alertmanager's cluster gossip; one replica runs with gossip off");
        // The operator's cluster-wide rights held to its own namespace and its kubelet Service (operator-admission.ts;
        // the names: KPS _helpers.tpl L29-35, L90-96 `<fullname>-operator`, deployment.yaml L2 `<fullname>-kubelet`).
        new ControllerAdmission(`${name}-operator-admission`, { fences: [prometheusOperatorFence({
            namespace: MONITORING_NAMESPACE, serviceAccount: `${FULLNAME}-operator`, kubeletService: `kube-system/${FULLNAME}-kubelet`,
        })] }, { parent: this });
        // The API server calls the operator's admission webhook (TLS, 10250) from outside the mesh;
        // the port skips the proxy (prometheusOperator.podAnnotations), and Prometheus scrapes it there too.
        allowIngress(`${name}-operator-webhook`, {
            namespace: MONITORING_NAMESPACE, podSelector: PODS.operator, ports: [10250], from: apiServerCallers(args.podCidr),
            reason: "the API server calls the prometheus-operator's admission webhook on 10250 (TLS)",
        }, opts);
    }
}

/** The chart's values, each key as kube-prometheus-stack 88.5.3's values.yaml names it. */
function chartValues(args: MonitoringArgs, placement: { nodeSelector?: Record<string, string>; tolerations?: unknown[] }): pulumi.Inputs {
    const sso = args.grafana.sso;
    return {
        crds: { enabled: true },
        // k3s runs these in its own process: nothing to scrape as pods (values.yaml L2024, L2325, L2439, L2578).
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        kubeEtcd: { enabled: false },
        // Groundwork's NodeDown says the same, with its runbook: one notification per down node (rules-1.14/kubernetes-system-kubelet.yaml L29).
        defaultRules: { disabled: { KubeNodeNotReady: true } },
        nodeExporter: { operatingSystems: { aix: { enabled: false }, darwin: { enabled: false } } },
        prometheusOperator: {
            // cert-manager issues the webhook's certificate: the chart's hook Jobs never run under a Chart v4 (values.yaml L3185-3186).
            admissionWebhooks: { certManager: { enabled: true } },
            podAnnotations: { "config.linkerd.io/skip-inbound-ports": "10250" },
            image: kpsPinned("quay.io/prometheus-operator/prometheus-operator:v0.93.1"),
            resources: OPERATOR,
            // /healthz probes on the reloaders (prometheus-operator v0.93.0 pkg/operator/config_reloader.go L377-403; values.yaml L3558).
            prometheusConfigReloader: { image: kpsPinned("quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1"), resources: CONFIG_RELOADER, enableProbe: true },
            ...placement,
        },
        prometheus: {
            serviceAccount: { create: true, name: PROMETHEUS_SERVICE_ACCOUNT },
            prometheusSpec: {
                // The digest in `sha`, never in the tag: the tag becomes the CR's spec.version, which the operator parses as semver.
                image: kpsPinned("quay.io/prometheus/prometheus:v3.14.0-distroless"),
                retention: `${args.retentionDays}d`,
                retentionSize: `${Math.max(1, Math.floor(args.storageGbs * 0.8))}GiB`,
                storageSpec: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${args.storageGbs}Gi` } } } } },
                resources: PROMETHEUS,
                // Every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule in every namespace (values.yaml L4451-4546).
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                ...placement,
            },
        },
        alertmanager: {
            config: alertmanagerConfig(args.receiver),
            alertmanagerSpec: { image: kpsPinned("quay.io/prometheus/alertmanager:v0.34.0"), secrets: [RECEIVER_SECRET], resources: ALERTMANAGER, ...placement },
        },
        // This chart's sha carries its `sha256:` (kube-state-metrics-8.4.0 templates/_helpers.tpl L142-155).
        "kube-state-metrics": {
            image: { tag: tagOf(KSM_IMAGE), sha: digestOf(KSM_IMAGE) },
            // The chart's collectors without `secrets`, whose ClusterRole rule lists and watches every
            // Secret, data included (kube-state-metrics-8.4.0 values.yaml L430-458, templates/role.yaml
            // L191-196); no rule or dashboard here reads kube_secret_* (security review s18 L1).
            collectors: KUBE_STATE_METRICS_COLLECTORS,
            resources: KUBE_STATE_METRICS,
            ...placement,
        },
        "prometheus-node-exporter": {
            namespaceOverride: NODE_METRICS_NAMESPACE,
            // `digest`, of the -distroless image the stack runs: `sha` fails the render, a digest in the
            // tag breaks its semverCompare (prometheus-node-exporter-4.56.1 _helpers.tpl L77-93, daemonset.yaml L107).
            image: { digest: digestOf("quay.io/prometheus/node-exporter:v1.12.1-distroless") },
            resources: NODE_EXPORTER,
            // The chart's defaults set only a read-only root (values.yaml L360-367): no escalation, no capabilities, the runtime's seccomp profile.
            securityContext: { fsGroup: 65534, runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
            containerSecurityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            // Not the host's network and PIDs (values.yaml L382, L390 default both on): in the host's
            // network a pod is outside every NetworkPolicy (kube-router polices pod addresses only) and
            // one hop from AWS's metadata service, past its hop limit of 1. The host's /proc, /sys and
            // / stay mounted, so CPU, memory, disk and filesystem metrics are the node's; network
            // metrics (node_network_*) become the pod's own interface. It listens on all of the pod's
            // interfaces (service.listenOnAllInterfaces, default true: daemonset.yaml L119-129).
            hostNetwork: false,
            hostPID: false,
        },
        grafana: {
            admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
            testFramework: { enabled: false },
            image: kpsPinned("docker.io/grafana/grafana:13.2.0"),
            resources: GRAFANA,
            // A Role in its own namespace instead of the chart's ClusterRole, which reads every Secret
            // in the cluster (grafana-12.11.1 templates/clusterrole.yaml L1-18, role.yaml L1-20); the
            // sidecars then watch this namespace only, where the dashboards are.
            rbac: { namespaced: true, useExistingRole: GRAFANA_ROLE },
            sidecar: { image: kpsPinned("quay.io/kiwigrid/k8s-sidecar:2.10.1"), resources: GRAFANA_SIDECAR, dashboards: { resource: "configmap", searchNamespace: MONITORING_NAMESPACE }, datasources: { resource: "configmap" } },
            ...placement,
            ...(sso && {
                // The client secret reaches Grafana as an environment variable from the synced Secret, never in grafana.ini (a ConfigMap).
                envValueFrom: { GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: { secretKeyRef: { name: "grafana-sso", key: "clientSecret" } } },
            }),
            "grafana.ini": {
                ...(args.grafana.url && { server: { root_url: args.grafana.url } }),
                "auth.anonymous": { enabled: false },
                ...(sso && {
                    "auth.generic_oauth": {
                        enabled: true,
                        name: "SSO",
                        client_id: sso.clientId,
                        scopes: "openid profile email",
                        auth_url: sso.authorizeUrl,
                        token_url: sso.tokenUrl,
                        api_url: sso.userinfoUrl,
                        use_pkce: true,
                        allow_sign_up: true,
                        groups_attribute_path: `"${sso.groupsClaim}"`,
                        role_attribute_path: grafanaRoleExpression(sso),
                        role_attribute_strict: true,
                    },
                }),
            },
        },
    };
}
