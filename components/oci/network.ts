import * as pulumi from "@pulumi/pulumi";
import * as core from "@pulumi/oci/core";
import * as ociInputs from "@pulumi/oci/types/input";
import { IngressOpening, K3S_API_PORT, K3S_CLUSTER_PORTS } from "../k3s/ports";

export interface OciNetworkArgs {
    compartmentId: pulumi.Input<string>;
    /** The VCN's IPv4 range. */
    vcnCidr: string;
    /** Public subnet (k3s servers, ingress); must sit inside `vcnCidr`. */
    publicSubnetCidr: string;
    /** Private subnet (k3s agents, egress through NAT); must sit inside `vcnCidr`. */
    privateSubnetCidr: string;
    /** Who may reach SSH (TCP 22) on public nodes. Never 0.0.0.0/0. */
    sshAllowedCidrs: string[];
    /** Who may reach the Kubernetes API (TCP 6443) from outside the VCN. */
    apiAllowedCidrs: string[];
    /** Who may reach HTTP/HTTPS ingress on public nodes. Default: anyone. */
    /** The ingress controller's ports and who may reach each; none opens nothing. */
    ingress?: IngressOpening[];
    /** Addresses of nodes at other sites (`/32`s): they get the overlay ports and, to servers, the API. */
    peerCidrs?: pulumi.Input<string>[];
    /**
     * Addresses other sites' nodes join this site's servers from under Tailscale (`/32`s: their
     * public addresses and NAT gateways): the API port only, where the servers are.
     */
    joinCidrs?: pulumi.Input<string>[];
    /** Whether the k3s servers (and so the API) are in this site's public subnet. Default true. */
    hostsServers?: boolean;
    /** DNS label prefix for the VCN (letters and digits, at most 15). Default `groundwork`. */
    dnsLabel?: string;
    freeformTags?: Record<string, string>;
}

type IngressRule = ociInputs.Core.SecurityListIngressSecurityRule;

const TCP = "6";
const UDP = "17";
const ICMP = "1";

function portRule(protocol: "tcp" | "udp", source: pulumi.Input<string>, from: number, to: number, description: string): IngressRule {
    const range = { min: from, max: to };
    return protocol === "tcp"
        ? { protocol: TCP, source, sourceType: "CIDR_BLOCK", tcpOptions: range, description }
        : { protocol: UDP, source, sourceType: "CIDR_BLOCK", udpOptions: range, description };
}

/** Security rules that every subnet carrying k3s nodes needs, from inside the VCN only. */
function clusterRules(vcnCidr: string): IngressRule[] {
    return [
        ...K3S_CLUSTER_PORTS.map((p) => portRule(p.protocol, vcnCidr, p.from, p.to, p.description)),
        // Path MTU discovery; OCI's default security list carries the same two rules.
        { protocol: ICMP, source: "0.0.0.0/0", sourceType: "CIDR_BLOCK", icmpOptions: { type: 3, code: 4 }, description: "path MTU discovery" },
        { protocol: ICMP, source: vcnCidr, sourceType: "CIDR_BLOCK", icmpOptions: { type: 3 }, description: "destination unreachable inside the VCN" },
    ];
}

/**
 * The ingress rules of the public subnet: k3s between nodes, SSH and the API from the configured
 * ranges only, HTTP/HTTPS for ingress. Exported so that tests and policies can read them.
 */
export function publicSubnetRules(args: OciNetworkArgs): IngressRule[] {
    const overlay = K3S_CLUSTER_PORTS.filter((p) => p.description.startsWith("flannel wireguard"));
    return [
        ...clusterRules(args.vcnCidr),
        ...(args.peerCidrs ?? []).flatMap((peer) => [
            ...overlay.map((p) => portRule(p.protocol, peer, p.from, p.to, `${p.description} from another site`)),
            ...(args.hostsServers === false ? [] : [portRule("tcp", peer, K3S_API_PORT, K3S_API_PORT, "k3s join and API from another site")]),
        ]),
        ...(args.hostsServers === false ? [] : args.joinCidrs ?? []).map((peer) => portRule("tcp", peer, K3S_API_PORT, K3S_API_PORT, "k3s join over Tailscale from another site")),
        ...args.sshAllowedCidrs.map((c) => portRule("tcp", c, 22, 22, "SSH from operators")),
        ...args.apiAllowedCidrs.map((c) => portRule("tcp", c, K3S_API_PORT, K3S_API_PORT, "Kubernetes API from operators")),
        ...(args.ingress ?? []).flatMap((o) => o.cidrs.map((c) => portRule("tcp", c, o.port, o.port, o.description))),
    ];
}

/** The ingress rules of the private subnet: k3s between nodes, SSH only by way of the public subnet. */
export function privateSubnetRules(args: OciNetworkArgs): IngressRule[] {
    return [...clusterRules(args.vcnCidr), portRule("tcp", args.publicSubnetCidr, 22, 22, "SSH through a public node")];
}

/**
 * A VCN with a public subnet (internet gateway) and a private subnet (NAT gateway), each with its
 * own route table and a security list that opens only what k3s and ingress need.
 */
export class OciNetwork extends pulumi.ComponentResource {
    public readonly vcnId: pulumi.Output<string>;
    public readonly publicSubnetId: pulumi.Output<string>;
    public readonly privateSubnetId: pulumi.Output<string>;
    /** The NAT gateway's public address, where the private subnet's nodes reach other sites from. */
    public readonly natAddress: pulumi.Output<string>;

    constructor(name: string, args: OciNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:oci:Network", name, {}, opts);
        const parent = { parent: this };
        const common = { compartmentId: args.compartmentId, freeformTags: args.freeformTags };
        const dnsLabel = args.dnsLabel ?? "groundwork";
        const egressAll = [{ protocol: "all", destination: "0.0.0.0/0", destinationType: "CIDR_BLOCK", description: "all egress" }];

        const vcn = new core.Vcn(name, { ...common, cidrBlocks: [args.vcnCidr], displayName: name, dnsLabel }, parent);
        const internet = new core.InternetGateway(`${name}-internet`, { ...common, vcnId: vcn.id, enabled: true, displayName: `${name}-internet` }, parent);
        const nat = new core.NatGateway(`${name}-nat`, { ...common, vcnId: vcn.id, displayName: `${name}-nat` }, parent);

        const publicRoutes = new core.RouteTable(`${name}-public`, {
            ...common,
            vcnId: vcn.id,
            displayName: `${name}-public`,
            routeRules: [{ destination: "0.0.0.0/0", destinationType: "CIDR_BLOCK", networkEntityId: internet.id, description: "internet" }],
        }, parent);
        const privateRoutes = new core.RouteTable(`${name}-private`, {
            ...common,
            vcnId: vcn.id,
            displayName: `${name}-private`,
            routeRules: [{ destination: "0.0.0.0/0", destinationType: "CIDR_BLOCK", networkEntityId: nat.id, description: "egress through NAT" }],
        }, parent);

        const publicRules = new core.SecurityList(`${name}-public`, {
            ...common,
            vcnId: vcn.id,
            displayName: `${name}-public`,
            ingressSecurityRules: publicSubnetRules(args),
            egressSecurityRules: egressAll,
        }, parent);
        const privateRules = new core.SecurityList(`${name}-private`, {
            ...common,
            vcnId: vcn.id,
            displayName: `${name}-private`,
            ingressSecurityRules: privateSubnetRules(args),
            egressSecurityRules: egressAll,
        }, parent);

        const publicSubnet = new core.Subnet(`${name}-public`, {
            ...common,
            vcnId: vcn.id,
            cidrBlock: args.publicSubnetCidr,
            displayName: `${name}-public`,
            dnsLabel: "public",
            prohibitPublicIpOnVnic: false,
            routeTableId: publicRoutes.id,
            securityListIds: [publicRules.id],
        }, parent);
        const privateSubnet = new core.Subnet(`${name}-private`, {
            ...common,
            vcnId: vcn.id,
            cidrBlock: args.privateSubnetCidr,
            displayName: `${name}-private`,
            dnsLabel: "private",
            prohibitPublicIpOnVnic: true,
            routeTableId: privateRoutes.id,
            securityListIds: [privateRules.id],
        }, parent);

        this.vcnId = vcn.id;
        this.publicSubnetId = publicSubnet.id;
        this.privateSubnetId = privateSubnet.id;
        this.natAddress = nat.natIp;
        this.registerOutputs({ vcnId: this.vcnId, publicSubnetId: this.publicSubnetId, privateSubnetId: this.privateSubnetId });
    }
}
