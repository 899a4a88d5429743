import * as pulumi from "@pulumi/pulumi";
import { tagWithDigest } from "../image-digests";
import { IngressOpening, INGRESS_PORTS } from "../k3s/ports";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "../platform/footprint";
import { meshed, meshedNamespaceArgs } from "../platform/linkerd-mesh";
import { pinnedRelease } from "../pinned-chart";
import { ENTRYPOINTS } from "./https-route";
import { guardedNamespace } from "../platform/guarded-namespace";
import { MeshAuthorization } from "../platform/mesh-authorization";
import { rangesWithout } from "../ipv4-ranges";
import { allowIngress, nodeSourcePeers, serviceLbPeer } from "../platform/network-isolation";
import { SCRAPER } from "../observability/scraper";
import { EgressDestination } from "../platform/egress";

/**
 * Traefik's official chart. Evidence: traefik/traefik-helm-chart@v41.3.0:traefik/Chart.yaml
 * (`version: 41.3.0`, `appVersion: v3.7.11`; tagged 2026-08-21, the newest tag). The chart's
 * release workflow publishes to https://traefik.github.io/charts (.github/workflows/release.yaml
 * L120-136); that index itself could not be read here (checked 2026-11-27).
 */
export const TRAEFIK_CHART = { chart: "traefik", repo: "https://traefik.github.io/charts", version: "41.3.0", evidence: "traefik/traefik-helm-chart@v41.3.0:traefik/Chart.yaml" } as const;

/**
 * The namespace of the one way in: only its Services may be LoadBalancers (or NodePorts), in the plan
 * by the security pack's service-exposed-only-by-ingress and at run time by groundwork-service-types.
 */
export const INGRESS_NAMESPACE = "groundwork-ingress";
/**
 * Our ingress class, named in the `kubernetes.io/ingress.class` annotation of cert-manager's HTTP-01
 * solver Ingresses, the only Ingresses. An annotation, not an IngressClass object: with namespaced
 * RBAC Traefik reads no cluster-scoped resource, IngressClasses included, and then serves an
 * Ingress by that annotation alone (traefik/traefik@v3.7.9, the newest tag readable here, of the
 * v3.7.11 we run: pkg/provider/kubernetes/ingress/kubernetes.go L218-219, L234-256,
 * `shouldProcessIngress` L547-557).
 */
export const INGRESS_CLASS = "groundwork";
/** Release name; it contains "traefik", so it is the chart's fullname, Service and ServiceAccount (_helpers.tpl L74-85). */
export const INGRESS_RELEASE = "traefik";
/** The identity meshed backends admit the ingress by (its ServiceAccount). */
export const INGRESS_CLIENT = `${INGRESS_NAMESPACE}/${INGRESS_RELEASE}`;

/** Container ports of the entrypoints (values.yaml L951-1094; ours for operators). */
const CONTAINER_PORTS = { web: 8000, websecure: 8443, operators: INGRESS_PORTS.operators } as const;

const RESOURCES: ContainerResources = { requests: { cpu: "50m", memory: "96Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

export function ingressControllerFootprint(replicas: number): Footprint[] {
    return [{ workload: "traefik", pods: replicas, perPod: meshed(requestsOf(RESOURCES)) }];
}

export interface IngressControllerArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** Traefik replicas (2 or more spread the way in over nodes). */
    replicas: number;
    /** Who may reach each port (the cloud firewall's openings); a port not listed is not served. */
    openings: IngressOpening[];
    scheduling?: Scheduling;
    /** The cluster's pod network (k3s `cluster-cidr`): pods are kept off the operators' entrypoint. */
    podCidr: string;
}

/** The operator ranges a LoadBalancer admits: without the pod network, and never empty (an empty list admits everyone). */
function operatorSourceRanges(ranges: string[], podCidr: string): string[] {
    const kept = rangesWithout(ranges, podCidr);
    if (kept.length === 0) throw new Error(`the operator ranges ${ranges.join(", ")} lie inside the pod network ${podCidr}; the config refuses that`);
    return kept;
}

/** The chart's values for our entrypoints and their LoadBalancer Services (one per port and audience). */
export function ingressControllerValues(args: IngressControllerArgs): Record<string, any> {
    const rangesFor = (port: number) => args.openings.find((o) => o.port === port)?.cidrs;
    const http = rangesFor(INGRESS_PORTS.http);
    const https = rangesFor(INGRESS_PORTS.https);
    const operators = rangesFor(INGRESS_PORTS.operators);
    // No NodePorts: they would answer on every node outside the source ranges, which ServiceLB
    // enforces only on its own host ports.
    const lb = (ranges: string[]) => ({ spec: { type: "LoadBalancer", allocateLoadBalancerNodePorts: false, loadBalancerSourceRanges: ranges } });
    return {
        // `<version>@<digest>` in the tag, which the chart accepts (values.yaml L10-11 at v41.3.0) and
        // whose version gates read before the `@` (_helpers.tpl L308); `image.digest` would drop the tag.
        image: { tag: tagWithDigest("docker.io/traefik:v3.7.11") },
        deployment: {
            replicas: args.replicas,
            // Clients outside the cluster are never meshed: the entrypoints skip the inbound proxy,
            // while everything Traefik calls goes out through it, with mTLS and its identity.
            podAnnotations: { "config.linkerd.io/skip-inbound-ports": Object.values(CONTAINER_PORTS).join(",") },
        },
        ...(args.replicas > 1 ? { podDisruptionBudget: { enabled: true, maxUnavailable: 1 } } : {}),
        // Traefik reads and caches Secrets where it watches routes. With namespaced RBAC it watches
        // only its own namespace, through a Role there (templates/rbac/role.yaml; no ClusterRole:
        // templates/rbac/clusterrole.yaml L2), and runs both providers with
        // disableClusterScopeResources (_podtemplate.tpl L520-521, L557-558, L574-575, L617-618):
        // routes, certificates and backend aliases all live in that namespace (security review s18 M1).
        rbac: { namespaced: true },
        ingressClass: { enabled: false },
        // --core.strictTLSOptions: no fallback to default TLS options on conflict (GHSA-g55h-rg46-x9c5; values.yaml L136-137).
        core: { strictTLSOptions: true },
        api: { dashboard: false },
        global: { checkNewVersion: false, sendAnonymousUsage: false },
        providers: {
            // Backends are ExternalName aliases of Services in other namespaces (ingress-backend.ts).
            kubernetesCRD: { enabled: true, allowCrossNamespace: false, allowExternalNameServices: true },
            kubernetesIngress: { enabled: true, ingressClass: INGRESS_CLASS },
        },
        accessLog: { enabled: true },
        ports: {
            web: { expose: { default: false, http: http !== undefined } },
            websecure: { expose: { default: https !== undefined } },
            ...(operators ? { [ENTRYPOINTS.operators]: { port: CONTAINER_PORTS.operators, exposedPort: INGRESS_PORTS.operators, protocol: "TCP", expose: { default: false, operators: true }, http: { tls: { enabled: true } } } } : {}),
        },
        service: {
            // The default Service carries 443; a Service without ports fails the render (templates/service.yaml L39-41).
            enabled: https !== undefined,
            ...lb(https ?? []),
            additionalServices: {
                ...(http ? { http: lb(http) } : {}),
                // Never the pod network: a pod would pass the ranges by a node's address (review s16).
                ...(operators ? { operators: lb(operatorSourceRanges(operators, args.podCidr)) } : {}),
            },
        },
        resources: RESOURCES,
        nodeSelector: args.scheduling?.nodeSelector,
        tolerations: args.scheduling?.tolerations,
    };
}

/** The Traefik chart's pod labels (name, and instance `<release>-<namespace>`). */
export const INGRESS_PODS = { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": `${INGRESS_RELEASE}-${INGRESS_NAMESPACE}` };

/**
 * The one way in: Traefik in its own meshed namespace under Pod Security "restricted" (the chart's
 * defaults pass it: uid 65532, RuntimeDefault, drop ALL, read-only root; Linkerd's CNI replaces
 * the proxy-init container). k3s's own Traefik is disabled; its ServiceLB exposes these Services
 * on every node that tolerates it, holding each port to its ranges (`loadBalancerSourceRanges`,
 * enforced by klipper-lb before it forwards: k3s-io/klipper-lb@v0.4.17:entry), as the cloud
 * firewalls do. The dashboard is off; routes are our IngressRoutes, and the only Ingresses are
 * cert-manager's HTTP-01 solvers of our ingress class, all in this namespace, the only one whose
 * Secrets Traefik can read.
 */
export class IngressController extends pulumi.ComponentResource {
    public readonly release: pulumi.Resource;

    constructor(name: string, args: IngressControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:ingress:IngressController", name, {}, opts);
        const ns = guardedNamespace(name, meshedNamespaceArgs(INGRESS_NAMESPACE, "restricted"), { parent: this }, {
            egress: { apiServer: { reason: "Traefik watches its namespace's IngressRoutes, Services, EndpointSlices and Secrets", at: args.apiServer } },
        });
        this.release = pinnedRelease(name, TRAEFIK_CHART, {
            name: INGRESS_RELEASE,
            namespace: ns.metadata.name,
            values: ingressControllerValues(args),
        }, { parent: this });
        // Pod labels: traefik/traefik-helm-chart@v41.3.0:traefik/templates/_helpers.tpl L90-99 ("traefik.labelselector": name, instance `<release>-<namespace>`).
        const podSelector = INGRESS_PODS;
        // The entrypoints take connections from ServiceLB's pods (klipper-lb DNATs to the Service and
        // masquerades, so the source is the svclb pod) and from kube-proxy's rules for the
        // LoadBalancer addresses (ServiceLB publishes node addresses with no ipMode, which
        // kube-proxy takes as VIPs: servicelb.go L256-302), whose source is the client on the node
        // that received the connection, or another node's flannel address when it forwards it.
        // The address ranges are held by klipper-lb's SRC_RANGES, kube-proxy's
        // loadBalancerSourceRanges and the cloud firewalls: those see only traffic that arrives at a
        // node. (research/m1-facts-s16.md; security review s14 M1.)
        allowIngress("traefik-entrypoints", {
            namespace: INGRESS_NAMESPACE, podSelector, ports: [CONTAINER_PORTS.web, CONTAINER_PORTS.websecure], from: "anywhere",
            reason: "the public entrypoints (web, websecure), reached through ServiceLB or kube-proxy",
        }, { parent: this, dependsOn: [ns] });
        // The operators' entrypoint: a pod reaching Traefik's ClusterIP or pod IP passes no range
        // check, so pods are refused, but for ServiceLB's own pods of that Service; the internet and
        // the nodes (kube-proxy's path, its cross-node hop included) are let in.
        allowIngress("traefik-operators-entrypoint", {
            namespace: INGRESS_NAMESPACE, podSelector, ports: [CONTAINER_PORTS.operators],
            from: { peers: [...nodeSourcePeers(args.podCidr), serviceLbPeer(`${INGRESS_RELEASE}-operators`, INGRESS_NAMESPACE)] },
            reason: "the operators' entrypoint, from outside the cluster only (ServiceLB or kube-proxy); no pod but ServiceLB's",
        }, { parent: this, dependsOn: [ns] });
        new MeshAuthorization(`${name}-traefik`, {
            namespace: INGRESS_NAMESPACE, podSelector, port: "traefik", clients: [],
            noClients: "Traefik's internal entrypoint (ping for the kubelet's probes, admitted by path; the dashboard is off)",
        }, { parent: this, dependsOn: [ns] });
        // Requests, status codes and durations per router and entrypoint: Prometheus.
        new MeshAuthorization(`${name}-metrics`, { namespace: INGRESS_NAMESPACE, podSelector, port: "metrics", clients: [SCRAPER], proxyProtocol: "HTTP/1" }, { parent: this, dependsOn: [ns] });
        this.registerOutputs({});
    }
}
