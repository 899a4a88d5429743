import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "../platform/footprint";
import { meshed, meshedNamespaceArgs } from "../platform/linkerd-mesh";
import { guardedNamespace } from "../platform/guarded-namespace";
import { MeshAuthorization } from "../platform/mesh-authorization";
import { allowIngress, apiServerCallers } from "../platform/network-isolation";
import { EgressDestination } from "../platform/egress";
import { ControllerAdmission } from "../admission-policy";
import { kedaFence, ScaledTarget } from "./keda-admission";

/**
 * KEDA, so vLLM replicas follow their queue (`vllm:num_requests_waiting`), as the stack's Prometheus
 * (components/observability/monitoring.ts) reports it.
 * Evidence: kedacore/charts@v2.19.0:keda/Chart.yaml (`version: 2.19.0`; kedacore/charts tags are
 * `vX.Y.Z`; newest v2.20.2), checked 2026-11-27.
 */
export const KEDA_CHART = { chart: "keda", repo: "https://kedacore.github.io/charts", version: "2.19.0", evidence: "kedacore/charts@v2.19.0:keda/Chart.yaml" } as const;

const KEDA_NAMESPACE = "keda";
/** KEDA's operator, which queries Prometheus for each ScaledObject's trigger. */
export const KEDA_QUERIER = `${KEDA_NAMESPACE}/keda-operator`;

const KEDA_OPERATOR: ContainerResources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } };
const KEDA_METRICS: ContainerResources = { requests: { cpu: "50m", memory: "96Mi" }, limits: { cpu: "500m", memory: "512Mi" } };
const KEDA_WEBHOOKS: ContainerResources = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };

export function queueAutoscalingFootprint(): Footprint[] {
    return [
        { workload: "keda-operator", pods: 1, perPod: meshed(requestsOf(KEDA_OPERATOR)) },
        { workload: "keda-metrics-apiserver", pods: 1, perPod: meshed(requestsOf(KEDA_METRICS)) },
        { workload: "keda-admission-webhooks", pods: 1, perPod: meshed(requestsOf(KEDA_WEBHOOKS)) },
    ];
}

export interface QueueAutoscalingArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** Where KEDA's Prometheus triggers query: the stack's Prometheus. */
    prometheusUrl: string;
    /** The pod network (k3s `cluster-cidr`): the port the API server calls admits every source but pods (apiServerCallers). */
    podCidr: string;
    /** The namespace of every ScaledObject (the model servers'): the only one KEDA watches and may scale in. */
    scaledNamespace: string;
    /** The Deployments the ScaledObjects scale (each named as its ScaledObject) and their maximum replicas: all KEDA may scale. */
    scaledTargets: ScaledTarget[];
    scheduling?: Scheduling;
}

const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/**
 * KEDA in a meshed namespace: it queries Prometheus over mTLS, as a client Prometheus's mesh
 * policy names (`KEDA_QUERIER`). The API server calls KEDA's metrics API and webhooks from outside
 * the mesh, so those two ports skip the proxy's inbound side.
 */
export class QueueAutoscaling extends pulumi.ComponentResource {
    /** Where KEDA's Prometheus triggers query. */
    public readonly prometheusUrl: string;

    constructor(name: string, args: QueueAutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:inference:QueueAutoscaling", name, {}, opts);
        const parent = { parent: this };
        const placement = { nodeSelector: args.scheduling?.nodeSelector, tolerations: args.scheduling?.tolerations };

        const keda = guardedNamespace(`${name}-keda`, meshedNamespaceArgs(KEDA_NAMESPACE, "restricted"), parent, {
            egress: { apiServer: { reason: "KEDA's operator scales its targets, and its metrics server and webhooks answer the API server", at: args.apiServer } },
        });
        pinnedRelease(`${name}-keda`, KEDA_CHART, {
            name: "keda",
            namespace: keda.metadata.name,
            values: {
                resources: { operator: KEDA_OPERATOR, metricServer: KEDA_METRICS, webhooks: KEDA_WEBHOOKS },
                // The operator's rights (chart-models review s22 F1, kedacore/charts@v2.19.0):
                // - by default it may `get` every resource of every API group, cluster-wide: every
                //   Secret by name, `nodes/proxy`, `pods/exec` (values.yaml L312-323, `scaledRefKinds`
                //   `*`/`*`; templates/manager/clusterrole.yaml L68-87). Off: Deployments and StatefulSets,
                //   all it scales, keep their own rules (L88-107);
                // - its ClusterRole, with Jobs' `create`, is bound by a ClusterRoleBinding unless it
                //   watches named namespaces, then by RoleBindings in those and its own
                //   (clusterrolebindings.yaml L2-48); every part reads WATCH_NAMESPACE (manager/deployment.yaml
                //   L145-146, metrics-server L100, webhooks L124). Every ScaledObject is the model servers';
                // - `restrict.secret` takes `secrets: list, watch` from the ClusterRole, gives them in its
                //   own namespace (its certificates: minimal-rbac.yaml L27-47, certificates.autoGenerated)
                //   and tells both processes (KEDA_RESTRICT_SECRET_ACCESS; values.yaml L876-885,
                //   clusterrole.yaml L50-67). The stack's triggers (prometheus, cron) take no
                //   TriggerAuthentication (security review s18 L1).
                // Left to the fence below: Jobs in the watched namespaces, and the minimal ClusterRole's
                // update of every validating webhook configuration and APIService, for the certificates
                // it makes itself (minimal-rbac.yaml L94-115; security review s25 F1).
                rbac: { enabledCustomScaledRefKinds: false },
                watchNamespace: args.scaledNamespace,
                permissions: { operator: { restrict: { secret: true } }, metricServer: { restrict: { secret: true } } },
                podAnnotations: {
                    metricsAdapter: { "config.linkerd.io/skip-inbound-ports": "6443" },
                    webhooks: { "config.linkerd.io/skip-inbound-ports": "9443" },
                },
                podSecurityContext: { operator: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, metricServer: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, webhooks: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
                securityContext: { operator: RESTRICTED_CONTAINER, metricServer: RESTRICTED_CONTAINER, webhooks: RESTRICTED_CONTAINER },
                ...placement,
            },
        }, parent);

        // Who calls whom (kedacore/charts@v2.19.0:keda/values.yaml L327-350 for the accounts): the
        // operator queries Prometheus for each ScaledObject's trigger, and the metrics API server
        // asks the operator over gRPC on `metricsservice`; the API server calls the metrics API
        // server and the webhooks from outside the mesh (skip-inbound-ports above).
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
                namespace: KEDA_NAMESPACE, podSelector: { app }, ports: [port], from: apiServerCallers(args.podCidr), reason: `the API server calls ${app} on ${port} (TLS)`,
            }, { ...parent, dependsOn: [keda] });
        }

        // The chart's operator account (values.yaml L327-332, serviceAccount.operator.name).
        new ControllerAdmission(`${name}-keda-admission`, { fences: [kedaFence({ namespace: KEDA_NAMESPACE, serviceAccount: "keda-operator", targets: args.scaledTargets })] }, parent);

        this.prometheusUrl = args.prometheusUrl;
        this.registerOutputs({});
    }
}
