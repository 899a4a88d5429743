import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { add, ContainerResources, Footprint, requestsOf } from "../platform/footprint";
import { meshed, meshedNamespaceArgs } from "../platform/linkerd-mesh";
import { noBackupAnnotation } from "../backups";
import { guardedNamespace } from "../platform/guarded-namespace";
import { MeshAuthorization } from "../platform/mesh-authorization";
import { allowIngress } from "../platform/network-isolation";

/**
 * KEDA and a small Prometheus, so vLLM replicas follow their queue (`vllm:num_requests_waiting`).
 * Evidence: kedacore/charts@v2.19.0:keda/Chart.yaml (`version: 2.19.0`; kedacore/charts tags are
 * `vX.Y.Z`; newest v2.20.2); prometheus-community/helm-charts@prometheus-29.27.0:charts/prometheus/Chart.yaml,
 * the newest `prometheus-29.*` release tag (29.35.0 was never tagged), values server.* and the
 * subchart toggles alertmanager/kube-state-metrics/prometheus-node-exporter/prometheus-pushgateway
 * `.enabled` from charts/prometheus/values.yaml at that tag (checked 2026-11-27).
 */
export const KEDA_CHART = { chart: "keda", repo: "https://kedacore.github.io/charts", version: "2.19.0", evidence: "kedacore/charts@v2.19.0:keda/Chart.yaml" } as const;
export const PROMETHEUS_CHART = { chart: "prometheus", repo: "https://prometheus-community.github.io/helm-charts", version: "29.27.0", evidence: "prometheus-community/helm-charts@prometheus-29.27.0:charts/prometheus/Chart.yaml" } as const;

export const OBSERVABILITY_NAMESPACE = "groundwork-observability";
const KEDA_NAMESPACE = "keda";
/** Prometheus's service account: vLLM servers admit it to scrape `/metrics`. */
export const PROMETHEUS_SERVICE_ACCOUNT = "prometheus-server";

const KEDA_OPERATOR: ContainerResources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } };
const KEDA_METRICS: ContainerResources = { requests: { cpu: "50m", memory: "96Mi" }, limits: { cpu: "500m", memory: "512Mi" } };
const KEDA_WEBHOOKS: ContainerResources = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };
const PROMETHEUS: ContainerResources = { requests: { cpu: "100m", memory: "384Mi" }, limits: { cpu: "1", memory: "1Gi" } };
const CONFIG_RELOADER: ContainerResources = { requests: { cpu: "5m", memory: "16Mi" }, limits: { cpu: "50m", memory: "64Mi" } };

export function queueAutoscalingFootprint(): Footprint[] {
    return [
        { workload: "keda-operator", pods: 1, perPod: meshed(requestsOf(KEDA_OPERATOR)) },
        { workload: "keda-metrics-apiserver", pods: 1, perPod: meshed(requestsOf(KEDA_METRICS)) },
        { workload: "keda-admission-webhooks", pods: 1, perPod: meshed(requestsOf(KEDA_WEBHOOKS)) },
        { workload: "prometheus-server", pods: 1, perPod: meshed(add(requestsOf(PROMETHEUS), requestsOf(CONFIG_RELOADER))) },
    ];
}

export interface QueueAutoscalingArgs {
    /** Days of metrics kept. */
    retentionDays?: number;
    storageGbs?: number;
    scheduling?: Scheduling;
}

const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/**
 * Both live in meshed namespaces: Prometheus scrapes meshed vLLM pods over mTLS, KEDA queries
 * Prometheus over mTLS. The API server calls KEDA's metrics API and webhooks from outside the
 * mesh, so those two ports skip the proxy's inbound side.
 */
export class QueueAutoscaling extends pulumi.ComponentResource {
    /** Where KEDA's Prometheus triggers query. */
    public readonly prometheusUrl: string;
    /** `namespace/serviceaccount` of the scraper, for the servers' mesh policies. */
    public readonly scraper: string;

    constructor(name: string, args: QueueAutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:inference:QueueAutoscaling", name, {}, opts);
        const parent = { parent: this };
        const placement = { nodeSelector: args.scheduling?.nodeSelector, tolerations: args.scheduling?.tolerations };

        // Queue depths for scaling decisions, rebuilt within a scrape interval: nothing to restore.
        const noBackup = noBackupAnnotation({ prometheus: "queue-depth metrics for KEDA's scaling decisions, scraped again within a minute; nothing to restore" });
        const observability = guardedNamespace(`${name}-observability`, meshedNamespaceArgs(OBSERVABILITY_NAMESPACE, "restricted", {}, noBackup), { ...parent, retainOnDelete: true });
        const prometheus = pinnedRelease(`${name}-prometheus`, PROMETHEUS_CHART, {
            name: "prometheus",
            namespace: observability.metadata.name,
            values: {
                // Only the server: its default `kubernetes-pods` job scrapes pods annotated prometheus.io/scrape.
                alertmanager: { enabled: false },
                "kube-state-metrics": { enabled: false },
                "prometheus-node-exporter": { enabled: false },
                "prometheus-pushgateway": { enabled: false },
                serviceAccounts: { server: { create: true, name: PROMETHEUS_SERVICE_ACCOUNT } },
                // The config reloader sidecar has no resources by default (values.yaml configmapReload.prometheus.resources: {}).
                configmapReload: { prometheus: { containerSecurityContext: RESTRICTED_CONTAINER, resources: CONFIG_RELOADER } },
                server: {
                    retention: `${args.retentionDays ?? 15}d`,
                    persistentVolume: { enabled: true, size: `${args.storageGbs ?? 10}Gi` },
                    resources: PROMETHEUS,
                    securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                    containerSecurityContext: RESTRICTED_CONTAINER,
                    ...placement,
                },
            },
        }, parent);

        const keda = guardedNamespace(`${name}-keda`, meshedNamespaceArgs(KEDA_NAMESPACE, "restricted"), parent);
        pinnedRelease(`${name}-keda`, KEDA_CHART, {
            name: "keda",
            namespace: keda.metadata.name,
            values: {
                resources: { operator: KEDA_OPERATOR, metricServer: KEDA_METRICS, webhooks: KEDA_WEBHOOKS },
                podAnnotations: {
                    metricsAdapter: { "config.linkerd.io/skip-inbound-ports": "6443" },
                    webhooks: { "config.linkerd.io/skip-inbound-ports": "9443" },
                },
                podSecurityContext: { operator: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, metricServer: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, webhooks: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
                securityContext: { operator: RESTRICTED_CONTAINER, metricServer: RESTRICTED_CONTAINER, webhooks: RESTRICTED_CONTAINER },
                ...placement,
            },
        }, { ...parent, dependsOn: [prometheus] });

        // Who calls whom (kedacore/charts@v2.19.0:keda/values.yaml L327-350 for the accounts): the
        // operator queries Prometheus for each ScaledObject's trigger, and the metrics API server
        // asks the operator over gRPC on `metricsservice`; the API server calls the metrics API
        // server and the webhooks from outside the mesh (skip-inbound-ports above).
        const prometheusPods = { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/component": "server" };
        new MeshAuthorization(`${name}-prometheus-api`, {
            namespace: OBSERVABILITY_NAMESPACE, podSelector: prometheusPods, port: 9090, clients: [`${KEDA_NAMESPACE}/keda-operator`], proxyProtocol: "HTTP/1",
        }, { ...parent, dependsOn: [observability] });
        new MeshAuthorization(`${name}-prometheus-reloader`, {
            namespace: OBSERVABILITY_NAMESPACE, podSelector: prometheusPods, port: "metrics", clients: [], noClients: "the config reloader's own metrics: nothing scrapes them",
        }, { ...parent, dependsOn: [observability] });
        new MeshAuthorization(`${name}-keda-metrics-service`, {
            // KEDA's own mutual TLS (the adapter's --cert-dir and --client-ca-file, metrics-server/deployment.yaml
            // L121-133): to the proxy it is TLS, and a gRPC Server would refuse it (linkerd2-proxy
            // release/v2.366.0 linkerd/app/inbound/src/policy/tcp.rs L183-215).
            namespace: KEDA_NAMESPACE, podSelector: { app: "keda-operator" }, port: "metricsservice", clients: [`${KEDA_NAMESPACE}/keda-metrics-server`], proxyProtocol: "TLS",
        }, { ...parent, dependsOn: [keda] });
        new MeshAuthorization(`${name}-keda-adapter-metrics`, {
            namespace: KEDA_NAMESPACE, podSelector: { app: "keda-operator-metrics-apiserver" }, port: "metrics", clients: [], noClients: "the metrics API server's own metrics: nothing scrapes them",
        }, { ...parent, dependsOn: [keda] });
        for (const [app, port] of [["keda-operator-metrics-apiserver", 6443], ["keda-admission-webhooks", 9443]] as const) {
            allowIngress(`${app}-api-server`, {
                namespace: KEDA_NAMESPACE, podSelector: { app }, ports: [port], from: "anywhere", reason: `the API server calls ${app} on ${port} (TLS)`,
            }, { ...parent, dependsOn: [keda] });
        }

        this.prometheusUrl = `http://prometheus-server.${OBSERVABILITY_NAMESPACE}.svc.cluster.local:80`;
        this.scraper = `${OBSERVABILITY_NAMESPACE}/${PROMETHEUS_SERVICE_ACCOUNT}`;
        this.registerOutputs({});
    }
}
