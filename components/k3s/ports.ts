/**
 * The ports k3s nodes open to each other. Every firewall we write (OCI security lists, AWS security
 * groups) is built from this one table so that the sites agree.
 *
 * Source: docs.k3s.io/installation/requirements, "Inbound Rules for K3s Nodes" (read 2026-11-25).
 */
export interface ClusterPort {
    protocol: "tcp" | "udp";
    from: number;
    to: number;
    /** Which nodes must accept it. */
    on: "servers" | "all";
    description: string;
}

export const K3S_API_PORT = 6443;
export const KUBELET_PORT = 10250;

export const K3S_CLUSTER_PORTS: readonly ClusterPort[] = [
    { protocol: "tcp", from: 2379, to: 2380, on: "servers", description: "k3s embedded etcd (HA servers)" },
    { protocol: "tcp", from: K3S_API_PORT, to: K3S_API_PORT, on: "servers", description: "k3s supervisor and Kubernetes API from agents" },
    { protocol: "udp", from: 8472, to: 8472, on: "all", description: "flannel VXLAN" },
    { protocol: "tcp", from: KUBELET_PORT, to: KUBELET_PORT, on: "all", description: "kubelet metrics and exec" },
    { protocol: "udp", from: 51820, to: 51821, on: "all", description: "flannel wireguard-native (IPv4, IPv6)" },
];

/**
 * Ports k3s's processes listen on at a node for themselves, which no firewall opens but nothing else
 * may bind: the agent's client load balancer to the supervisor (`lb-server-port`, 6444: k3s
 * pkg/cli/cmds/agent.go LBServerPortFlag, code index), and Kubernetes' defaults
 * (kubernetes pkg/cluster/ports: kube-proxy 10249 and 10256, kube-controller-manager 10257; the
 * scheduler's 10259, the kubelet's healthz 10248). Read 2026-11-29 (sweep s22b01, s22b02).
 */
export const K3S_LOCAL_PORTS: readonly ClusterPort[] = [
    { protocol: "tcp", from: 6444, to: 6444, on: "all", description: "k3s agent's load balancer to the servers" },
    { protocol: "tcp", from: 10248, to: 10249, on: "all", description: "kubelet healthz, kube-proxy metrics" },
    { protocol: "tcp", from: 10256, to: 10257, on: "all", description: "kube-proxy healthz, kube-controller-manager" },
    { protocol: "tcp", from: 10259, to: 10259, on: "servers", description: "kube-scheduler" },
];

/**
 * The ingress controller's ports on every node (ServiceLB's host ports): 80 and 443 for the public
 * hosts, 9443 for the operator hosts, so a firewall can hold operators' pages to their ranges.
 */
export const INGRESS_PORTS = { http: 80, https: 443, operators: 9443 } as const;

/** A port the cloud firewall opens to the ingress controller, and to whom. */
export interface IngressOpening {
    port: number;
    cidrs: string[];
    description: string;
}
