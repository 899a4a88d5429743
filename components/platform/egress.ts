import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { K3S_API_PORT } from "../k3s/ports";

/**
 * Egress below the mesh. Every namespace denies egress by default (`default-deny-egress`) and
 * allows, in `allow-cluster-egress`, every pod of the cluster: whether a flow between two pods is
 * allowed is decided once, by the receiving namespace's ingress allowances (network-isolation.ts),
 * which every namespace has. What lies outside the pods (the API server, the nodes, the internet)
 * is reached only through an explicit allowance below, each with its reason.
 *
 * What kube-router does, read in k3s-io/kube-router@v2.6.3-k3s1 (vendored by k3s v1.34.9+k3s1):
 * - egress is checked in INPUT, FORWARD and OUTPUT (pkg/controllers/netpol/pod.go L284-300,
 *   network_policy_controller.go L47-51), after kube-proxy's DNAT, so a Service is judged by the pod
 *   or node behind it: CoreDNS by its pods, the `kubernetes` Service by the servers' address on 6443;
 * - a pod or namespace peer matches pod addresses only: hostNetwork pods are left out
 *   (policy.go L675-679, utils.go L40-41), so nodes are reached only through an ipBlock;
 * - replies of allowed connections pass (the common chain accepts RELATED,ESTABLISHED,
 *   network_policy_controller.go L644-646).
 */

/** The NetworkPolicy every namespace gets: no egress unless another policy allows it. */
export const DEFAULT_DENY_EGRESS = "default-deny-egress";
/** Every pod of the cluster, CoreDNS included; the receiving namespace's ingress rules decide. */
export const ALLOW_CLUSTER_EGRESS = "allow-cluster-egress";

/**
 * The instance metadata service of AWS EC2 and OCI compute (both answer at 169.254.169.254:
 * docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html,
 * docs.oracle.com/iaas/Content/Compute/Tasks/gettingmetadata.htm, read 2026-11-27). OCI's v2
 * endpoint needs only a fixed header and has no hop limit: any pod could read its node's user
 * data and instance-principal credentials. Both serve it over HTTP on port 80.
 */
export const INSTANCE_METADATA_CIDR = "169.254.169.254/32";
export const INSTANCE_METADATA_PORT = 80;

/**
 * Addresses that are not the internet: the private ranges of RFC 1918 (AWS VPCs, OCI VCNs, edge
 * LANs), the shared range of RFC 6598, from which Tailscale gives each node its address
 * (tailscale.com/kb/1015/100.x-addresses, read 2026-11-28), link-local (the metadata services)
 * and loopback.
 */
export const NON_PUBLIC_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"] as const;

/** Where an allowance lets pods go, always on named ports. */
export type EgressDestination =
    /** Every address on the internet (outside NON_PUBLIC_RANGES). */
    | { kind: "public"; ports: number[] }
    /**
     * The cluster's nodes: kubelets, node-exporter, the API server. A node's address is not always
     * private: under `wireguard-native` k3s advertises the API server at the server's public
     * address and metrics-server reads kubelets there first (review-egress.md H1, H2: k3s 5f72184f
     * pkg/cli/server/server.go L515-518, pkg/server/server.go L342-347), an edge machine may carry
     * a public address, and autoscaled nodes' addresses are unknown at plan time. So: any address
     * but the metadata service, on the node ports only.
     */
    | { kind: "nodes"; ports: number[] }
    /** One address range. */
    | { kind: "range"; cidr: string; ports: number[] }
    /**
     * The servers: the private ranges (VPCs, VCNs, LANs, the tailnet, where a server's own address
     * lies) and each server's addresses known to the stack, its public ones included.
     */
    | { kind: "servers"; addresses: pulumi.Input<string>[]; ports: number[] }
    /** Every address but the metadata service: for a destination that may be private or public. */
    | { kind: "anywhere"; ports: number[] };

/** Pods of one namespace that may leave the cluster: where to, and why. */
export interface EgressAllowance {
    /** Names the policy: `allow-<name>-egress`. */
    name: string;
    /** The pods it applies to (`{}`: all of the namespace's). */
    podSelector: Record<string, string>;
    to: EgressDestination[];
    /** Who goes there and what for, for the reader of the cluster (the `groundwork.dev/reason` annotation). */
    reason: string;
    /** Default TCP; DNS needs both. */
    protocols?: ("TCP" | "UDP")[];
}

/**
 * The API server as a destination where its addresses are not known: any address but the
 * metadata service on k3s's API port (k3s `https-listen-port`).
 */
export const API_SERVER: EgressDestination = { kind: "nodes", ports: [K3S_API_PORT] };

/** Private ranges a server's own address lies in: RFC 1918 and the tailnet's RFC 6598 (NON_PUBLIC_RANGES without link-local and loopback). */
export const SERVER_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] as const;

/**
 * The API server where the stack knows every address a server may be advertised at: pods reach
 * the `kubernetes` Service, which kube-proxy turns into a server's advertised address (egress is
 * judged after that DNAT, see above). k3s advertises the tailscale address under that overlay,
 * else the first node-external-ip (k3s-io/k3s@v1.34.9+k3s1 pkg/cli/server/server.go L488-524),
 * else none, and kube-apiserver takes its default-route interface's address; on 6443, k3s's
 * advertise port (pkg/daemons/control/server.go L229, L285-287). So: the private ranges and each
 * server's known addresses. Without them (an edge server whose own address the stack cannot know),
 * any address but the metadata service, as API_SERVER.
 */
export function apiServerAt(serverAddresses: pulumi.Input<string>[] | undefined): EgressDestination {
    return serverAddresses === undefined ? API_SERVER : { kind: "servers", addresses: serverAddresses, ports: [K3S_API_PORT] };
}

/** HTTPS anywhere on the internet: cloud APIs, model hubs, hosted model providers. */
export const PUBLIC_HTTPS: EgressDestination = { kind: "public", ports: [443] };

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Hosts of services that are only ever on the internet, with no private endpoint a network could
 * route them to: the hosted identity providers' sign-in and user-information hosts (Entra's
 * login.microsoftonline.com and graph.microsoft.com, Google's accounts.google.com, GitLab.com,
 * Apple) and Let's Encrypt's ACME directories. A URL on one of them needs only the public internet,
 * not private ranges (security review s14 L3). Cloud APIs with private endpoints (S3's VPC
 * endpoints, googleapis.com's Private Service Connect) are left out on purpose.
 */
export const PUBLIC_ONLY_HOSTS: readonly string[] = [
    "login.microsoftonline.com", "graph.microsoft.com", "accounts.google.com", "gitlab.com", "appleid.apple.com",
    "acme-v02.api.letsencrypt.org", "acme-staging-v02.api.letsencrypt.org",
];

/**
 * The destination of one URL from config (an S3 endpoint, an OIDC issuer): its address when the
 * URL names one; the public internet when its host is public only (PUBLIC_ONLY_HOSTS); else every
 * address on its port, since a name may resolve to a private address (MinIO on the LAN, an in-house
 * Keycloak). Never the metadata service.
 */
export function endpointDestination(url: string): EgressDestination {
    const parsed = new URL(url);
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === "http:" ? 80 : 443;
    const host = parsed.hostname.toLowerCase();
    if (PUBLIC_ONLY_HOSTS.includes(host)) return { kind: "public", ports: [port] };
    if (IPV4.test(host)) {
        if (host.startsWith("169.254.")) throw new Error(`endpoint ${url}: a link-local address (the instance metadata service's range) is never a destination`);
        return { kind: "range", cidr: `${host}/32`, ports: [port] };
    }
    return { kind: "anywhere", ports: [port] };
}

/** The destinations of several URLs from config, one per distinct address and port. */
export function endpointsDestinations(urls: string[]): EgressDestination[] {
    return [...new Map(urls.map(endpointDestination).map((d) => [JSON.stringify(d), d])).values()];
}

/** The NetworkPolicy peers of one destination. */
function destinationPeers(to: EgressDestination): { ipBlock: { cidr: pulumi.Input<string>; except?: string[] } }[] {
    switch (to.kind) {
        case "servers":
            return [...SERVER_RANGES.map((cidr) => ({ ipBlock: { cidr } })), ...to.addresses.map((a) => ({ ipBlock: { cidr: pulumi.interpolate`${a}/32` } }))];
        case "public":
            return [{ ipBlock: { cidr: "0.0.0.0/0", except: [...NON_PUBLIC_RANGES] } }];
        case "range":
            return [{ ipBlock: { cidr: to.cidr } }];
        case "nodes":
        case "anywhere":
            return [{ ipBlock: { cidr: "0.0.0.0/0", except: [INSTANCE_METADATA_CIDR] } }];
    }
}

/** The egress rules of one allowance: a rule per destination, each on its own ports. */
export function egressRules(allowance: Pick<EgressAllowance, "to" | "protocols">) {
    const protocols = allowance.protocols ?? ["TCP"];
    return allowance.to.map((to) => {
        if (to.ports.length === 0) throw new Error(`an egress allowance to ${to.kind} names its ports`);
        return { to: destinationPeers(to), ports: protocols.flatMap((protocol) => [...new Set(to.ports)].sort((a, b) => a - b).map((port) => ({ port, protocol }))) };
    });
}

/** One explicit allowance through a namespace's default egress deny. */
export function allowEgress(namespace: pulumi.Input<string>, allowance: EgressAllowance, opts: pulumi.CustomResourceOptions, resourceName = `${allowance.name}-egress`): k8s.networking.v1.NetworkPolicy {
    if (allowance.to.length === 0) throw new Error(`allowEgress ${allowance.name}: an allowance names its destinations`);
    return new k8s.networking.v1.NetworkPolicy(resourceName, {
        metadata: { name: `allow-${allowance.name}-egress`, namespace, annotations: { "groundwork.dev/reason": allowance.reason } },
        spec: {
            podSelector: Object.keys(allowance.podSelector).length > 0 ? { matchLabels: allowance.podSelector } : {},
            policyTypes: ["Egress"],
            egress: egressRules(allowance),
        },
    }, opts);
}

/** What a namespace's pods may reach beyond the cluster's pods. */
export interface NamespaceEgress {
    /**
     * The namespace's pods call the Kubernetes API: why (controllers, operators, TokenReview), and
     * where it is (apiServerAt); absent, they cannot.
     */
    apiServer?: { reason: string; at: EgressDestination };
    /** Further allowances, each for the pods that need it. */
    allow?: EgressAllowance[];
}

/**
 * The default deny, the cluster's pods, and the namespace's own allowances. `name` prefixes the
 * resource names (the namespace's declared name).
 */
export function isolateNamespaceEgress(name: string, namespace: pulumi.Input<string>, egress: NamespaceEgress, opts: pulumi.CustomResourceOptions): void {
    new k8s.networking.v1.NetworkPolicy(`${name}-deny-egress`, {
        metadata: { name: DEFAULT_DENY_EGRESS, namespace },
        spec: { podSelector: {}, policyTypes: ["Egress"] },
    }, opts);
    new k8s.networking.v1.NetworkPolicy(`${name}-cluster-egress`, {
        metadata: {
            name: ALLOW_CLUSTER_EGRESS,
            namespace,
            annotations: { "groundwork.dev/reason": "every pod of the cluster, CoreDNS and the mesh's control plane included; each namespace's ingress allowances decide who is let in" },
        },
        spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }] }] },
    }, opts);
    if (egress.apiServer) {
        // `allow-api-server-egress`
        allowEgress(namespace, { name: "api-server", podSelector: {}, to: [egress.apiServer.at], reason: egress.apiServer.reason }, opts, `${name}-api-server-egress`);
    }
    for (const allowance of egress.allow ?? []) {
        allowEgress(namespace, allowance, opts, `${name}-${allowance.name}-egress`);
    }
}
