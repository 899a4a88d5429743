import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { dottedQuad, rangeOf } from "../ipv4-ranges";
import { KUBELET_PORT } from "../k3s/ports";
import { MONITORING_NAMESPACE, PROXY_ADMIN_PORT } from "../observability/scraper";
import { EgressAllowance, EgressDestination, isolateNamespaceEgress } from "./egress";

/**
 * Isolation below the mesh: NetworkPolicies (networking.k8s.io/v1), which k3s enforces with its
 * embedded kube-router controller. What kube-router does, read in k3s-io/kube-router@v2.6.3-k3s1
 * (the version k3s v1.34.9+k3s1 vendors):
 * - a pod selected by any Ingress policy takes only what some policy allows (pkg/controllers/netpol/pod.go L196-218);
 * - traffic from the pod's own node is always accepted (`--src-type LOCAL`, pod.go L230-233):
 *   kubelet probes and anything else on the node's host network pass without a rule;
 * - the API server calling a webhook on another node arrives from that node's flannel address,
 *   so a port the API server calls admits every source but pods (apiServerCallers).
 * Policies add up (kubernetes.io/docs/concepts/services-networking/network-policies, read 2026-11-27).
 */

/**
 * Linkerd's inbound proxy port. With the default `outboundTransportMode: transport-header`
 * (linkerd/linkerd2@edge-26.8.3:charts/linkerd-control-plane/values.yaml L253) every meshed
 * client's proxy connects here, whatever the app's port, and names the port in a header
 * (linkerd2-proxy release/v2.366.0 linkerd/app/outbound/src/http/concrete.rs L179-188). So a
 * namespace admitted to 4143 reaches every port of the pods below the mesh; port by port, the
 * Linkerd Servers decide.
 */
export const LINKERD_INBOUND_PORT = 4143;

/** The NetworkPolicy every namespace gets: no ingress unless another policy allows it. */
export const DEFAULT_DENY_INGRESS = "default-deny-ingress";
/** Pods of one namespace reach each other below the mesh; the mesh's Servers decide by identity. */
export const ALLOW_SAME_NAMESPACE = "allow-same-namespace";

/** The label Kubernetes sets on every namespace with its own name (GA since 1.22). */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The peer selecting every pod of one namespace. */
export const namespacePeer = (namespace: string) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } });

/** The allowance every namespace gives Prometheus: the proxies' admin port. */
export const ALLOW_METRICS_SCRAPER = "allow-metrics-scraper";

/** Prometheus's pods, as prometheus-operator labels them (v0.93.0 pkg/prometheus/server/operator.go L61, L1696-1704). */
export const PROMETHEUS_PEER = { ...namespacePeer(MONITORING_NAMESPACE), podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } };

/**
 * Where a namespace's objects were declared before (a component's old name, its old parent): each
 * one is aliased there, so a move between components adopts the objects instead of creating them
 * anew, which the Kubernetes provider refuses for objects that exist (pulumi-kubernetes 4.29.0+
 * without `upsertExistingObjects`).
 */
export interface MovedFrom {
    name: string;
    parent: pulumi.Input<string>;
}

/** Options for the child `suffix` of a namespace declared as `name`, aliased to its old name if it moved. */
export function movedOpts(opts: pulumi.CustomResourceOptions, suffix: string, moved?: MovedFrom): pulumi.CustomResourceOptions {
    return moved ? { ...opts, aliases: [{ name: `${moved.name}${suffix}`, parent: moved.parent }] } : opts;
}

/**
 * Pods left out of their namespace's same-namespace allowance, by one label: they take only what
 * allowances naming them admit (people's notebook servers, whose neighbours are other people's).
 */
export interface PodsApart {
    label: string;
    value: string;
}

/**
 * Default-deny ingress for every pod of the namespace, then ingress from its own pods (but those
 * `podsApart` names), and from
 * Prometheus to each meshed pod's proxy metrics (`linkerd-admin`, 4191: Linkerd sends a scrape of
 * the admin port straight to it, linkerd/linkerd2@edge-26.8.3 controller/api/destination/endpoint_translator.go
 * L442-461). Ports other than those stay closed to it unless a component opens them.
 */
export function isolateNamespace(name: string, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions, moved?: MovedFrom, podsApart?: PodsApart): void {
    new k8s.networking.v1.NetworkPolicy(`${name}-deny-ingress`, {
        metadata: { name: DEFAULT_DENY_INGRESS, namespace },
        spec: { podSelector: {}, policyTypes: ["Ingress"] },
    }, movedOpts(opts, "-deny-ingress", moved));
    new k8s.networking.v1.NetworkPolicy(`${name}-same-namespace`, {
        metadata: { name: ALLOW_SAME_NAMESPACE, namespace },
        spec: {
            podSelector: podsApart ? { matchExpressions: [{ key: podsApart.label, operator: "NotIn", values: [podsApart.value] }] } : {},
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: {} }] }],
        },
    }, movedOpts(opts, "-same-namespace", moved));
    new k8s.networking.v1.NetworkPolicy(`${name}-metrics-scraper`, {
        metadata: { name: ALLOW_METRICS_SCRAPER, namespace, annotations: { "groundwork.dev/reason": "Prometheus scrapes every meshed pod's proxy metrics" } },
        spec: {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [{ from: [PROMETHEUS_PEER], ports: [{ port: PROXY_ADMIN_PORT, protocol: "TCP" }] }],
        },
    }, opts);
}

export interface IngressAllowanceArgs {
    namespace: pulumi.Input<string>;
    /** The pods allowed in to (`{}`: all of the namespace's). */
    podSelector: Record<string, string>;
    /** Ports, by container port name or number; each must be one the selected pods listen on (the proxy's become numbers). */
    ports: (string | number)[];
    /**
     * Namespaces whose pods may connect; `cluster`, every pod of every namespace; `anywhere`, every
     * source; or NetworkPolicy peers written out (nodeSourcePeers, serviceLbPeer).
     */
    from: string[] | "cluster" | "anywhere" | { peers: k8s.types.input.networking.v1.NetworkPolicyPeer[] };
    /** Who calls, for the reader of the cluster (the `groundwork.dev/reason` annotation). */
    reason: string;
    protocol?: "TCP" | "UDP";
}

/**
 * The ports of Linkerd's injected proxy, by the names its container gives them (linkerd/linkerd2@edge-26.8.3
 * charts/partials/templates/_proxy.tpl L258-268). A NetworkPolicy must name them by number: k3s's
 * kube-router resolves a named port only from a pod's `containers` (cloudnativelabs/kube-router@v2.6.3-k3s1
 * pkg/controllers/netpol/policy.go L879-894), and the proxy runs as a native sidecar, in
 * `initContainers` (`proxy.nativeSidecar: true`, charts/linkerd-control-plane/values.yaml L255), so a
 * rule naming them would match nothing (callers review s26 L1).
 */
const PROXY_PORT_NUMBERS: Readonly<Record<string, number>> = { "linkerd-admin": PROXY_ADMIN_PORT, "linkerd-proxy": LINKERD_INBOUND_PORT };

/** A port as a NetworkPolicy can match it: the proxy's by number, any other as given. */
export const networkPolicyPort = (port: string | number): string | number => (typeof port === "string" ? PROXY_PORT_NUMBERS[port] ?? port : port);

/** One explicit allowance through a namespace's default deny: named ports, from named namespaces or anywhere. */
export function allowIngress(name: string, args: IngressAllowanceArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
    if (args.ports.length === 0) throw new Error(`allowIngress ${name}: an allowance names its ports`);
    // An empty `from` would admit every source: say "anywhere" for that.
    if ((Array.isArray(args.from) && args.from.length === 0) || (typeof args.from === "object" && "peers" in args.from && args.from.peers.length === 0)) {
        throw new Error(`allowIngress ${name}: an allowance names the namespaces it admits`);
    }
    const from = args.from === "anywhere" ? undefined
        : args.from === "cluster" ? [{ namespaceSelector: {} }]
        : "peers" in args.from ? args.from.peers
        : [...new Set(args.from)].sort().map(namespacePeer);
    return new k8s.networking.v1.NetworkPolicy(name, {
        metadata: { name: `allow-${name}`, namespace: args.namespace, annotations: { "groundwork.dev/reason": args.reason } },
        spec: {
            podSelector: Object.keys(args.podSelector).length > 0 ? { matchLabels: args.podSelector } : {},
            policyTypes: ["Ingress"],
            ingress: [{ ...(from ? { from } : {}), ports: [...new Set(args.ports.map(networkPolicyPort))].map((port) => ({ port, protocol: args.protocol ?? "TCP" })) }],
        },
    }, opts);
}

/** k3s's CoreDNS and metrics-server pods (manifests/coredns.yaml L95-99, manifests/metrics-server/metrics-server-deployment.yaml L27-28). */
const COREDNS_PODS = { "k8s-app": "kube-dns" };
const METRICS_SERVER_PODS = { "k8s-app": "metrics-server" };

const KUBE_SYSTEM_API_REASON = "CoreDNS, metrics-server and the local-path provisioner watch the API";

/**
 * Where k3s's own pods go outside the cluster's pods. CoreDNS forwards other names to the node's
 * resolvers (`forward . /etc/resolv.conf`, manifests/coredns.yaml L75): the VPC's, OCI's at
 * 169.254.169.254, a LAN's; port 53 only, so the metadata service's port stays closed.
 * metrics-server reads every kubelet (10250). ServiceLB's pods forward to their Service's
 * cluster addresses (klipper-lb DEST_IPS = the Service's ClusterIPs, pkg/cloudprovider/servicelb.go
 * L563-572), which kube-proxy turns into the ingress's pods: the cluster egress covers them.
 */
const KUBE_SYSTEM_EGRESS: EgressAllowance[] = [
    {
        name: "coredns-upstream", podSelector: COREDNS_PODS, to: [{ kind: "range", cidr: "0.0.0.0/0", ports: [53] }], protocols: ["UDP", "TCP"],
        reason: "CoreDNS forwards names outside the cluster to the node's resolvers",
    },
    { name: "metrics-server-kubelets", podSelector: METRICS_SERVER_PODS, to: [{ kind: "nodes", ports: [KUBELET_PORT] }], reason: "metrics-server reads each kubelet's resource metrics" },
];

/** The label ServiceLB puts on its pods: the namespace of the Service they serve (servicelb.go L41, L478-483). */
export const SERVICELB_NAMESPACE_LABEL = "svccontroller.k3s.cattle.io/svcnamespace";
/** The label ServiceLB puts on its pods: the name of the Service they serve (servicelb.go L40, L479-483). */
export const SERVICELB_NAME_LABEL = "svccontroller.k3s.cattle.io/svcname";

/** ServiceLB's pods for one LoadBalancer Service: in kube-system, by its name and namespace (k3s's default `--servicelb-namespace`). */
export function serviceLbPeer(service: string, namespace: string): k8s.types.input.networking.v1.NetworkPolicyPeer {
    return {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { [SERVICELB_NAME_LABEL]: service, [SERVICELB_NAMESPACE_LABEL]: namespace } },
    };
}

/**
 * Every source that is not a pod: the internet and the nodes, kube-proxy's path included. A
 * connection kube-proxy forwards from one node to a pod on another leaves masqueraded to the
 * sending node's flannel address, the network address `.0` of its pod range (10.42.N.0), which
 * no pod is given; so pods are excepted, and each node range's `.0` is let back in, one /32 per
 * /24 k3s hands a node (research/m1-facts-s16.md sections 3-5: kube-router@v2.6.3-k3s1 checks
 * sources before kube-proxy's SNAT on the node that receives, and accepts the node's own
 * addresses before any policy, pkg/controllers/netpol/pod.go L230-233).
 */
export function nodeSourcePeers(podCidr: string): k8s.types.input.networking.v1.NetworkPolicyPeer[] {
    const [base, prefix] = rangeOf(podCidr);
    const ranges = prefix <= 24 ? 2 ** (24 - prefix) : 0;
    return [
        { ipBlock: { cidr: "0.0.0.0/0", except: [podCidr] } },
        ...Array.from({ length: ranges }, (_, i) => ({ ipBlock: { cidr: `${dottedQuad(base + i * 256)}/32` } })),
    ];
}

/**
 * Who calls a webhook or an aggregated API: the API server, from its own node (always accepted:
 * kube-router's `--src-type LOCAL` rule, pod.go L230-233) or from another node, which kube-proxy's
 * masquerade makes that node's flannel `.0` address (under the tailscale overlay its 100.x address,
 * and a public one under wireguard-native, both outside the pod network, so admitted). Never a pod: a notebook's code does not reach
 * an admission webhook or aggregated API server, which authenticate no caller (security review s17 L2).
 */
export const apiServerCallers = (podCidr: string): IngressAllowanceArgs["from"] => ({ peers: nodeSourcePeers(podCidr) });

/**
 * kube-system, which k3s fills itself, gets the same default deny, with what k3s's own pods are
 * called for (k3s-io/k3s@v1.34.9+k3s1, commit 5f72184f): CoreDNS (`k8s-app: kube-dns`,
 * manifests/coredns.yaml L95-99) by every pod; metrics-server (`k8s-app: metrics-server`,
 * manifests/metrics-server/metrics-server-deployment.yaml L27-28, 10250) by the API server;
 * ServiceLB's pods (labelled with their Service's namespace, pkg/cloudprovider/servicelb.go
 * L478-483, a hostPort per Service port, L518-522) by the internet on the ingress's ports, within
 * the ranges klipper-lb itself holds them to. `podCidr` is the pod network (k3s `cluster-cidr`). Its egress is denied by default too, but for the
 * API server and KUBE_SYSTEM_EGRESS.
 */
export function isolateKubeSystem(ingress: { namespace: string; ports: number[] }, podCidr: string, apiServer: EgressDestination, opts: pulumi.CustomResourceOptions): void {
    const namespace = "kube-system";
    isolateNamespace(namespace, namespace, opts);
    isolateNamespaceEgress(namespace, namespace, { apiServer: { reason: KUBE_SYSTEM_API_REASON, at: apiServer }, allow: KUBE_SYSTEM_EGRESS }, opts);
    for (const protocol of ["UDP", "TCP"] as const) {
        allowIngress(`cluster-dns-${protocol.toLowerCase()}`, {
            namespace, podSelector: COREDNS_PODS, ports: [53], protocol, from: "cluster", reason: "every pod resolves names through CoreDNS",
        }, opts);
    }
    allowIngress("coredns-metrics", {
        namespace, podSelector: COREDNS_PODS, ports: [9153], from: [MONITORING_NAMESPACE],
        reason: "Prometheus scrapes CoreDNS (`prometheus :9153` in k3s's Corefile, manifests/coredns.yaml L69)",
    }, opts);
    allowIngress("metrics-server", {
        namespace, podSelector: METRICS_SERVER_PODS, ports: [10250], from: apiServerCallers(podCidr), reason: "the API server calls metrics-server (the aggregated metrics API)",
    }, opts);
    if (ingress.ports.length > 0) {
        allowIngress("servicelb-ingress", {
            namespace, podSelector: { [SERVICELB_NAMESPACE_LABEL]: ingress.namespace }, ports: ingress.ports, from: "anywhere",
            reason: "ServiceLB forwards the ingress's LoadBalancer ports to it (klipper-lb holds each to its source ranges)",
        }, opts);
    }
}
