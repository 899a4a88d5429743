import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import { SecurityGroupEgressRule, SecurityGroupIngressRule } from "@pulumi/aws/vpc";
import { IngressOpening, K3S_API_PORT, K3S_CLUSTER_PORTS } from "../k3s/ports";

export interface AwsNetworkArgs {
    /** The VPC's IPv4 range. */
    vpcCidr: string;
    /** One public and one private subnet per zone, carved from `vpcCidr`. */
    publicSubnetCidrs: string[];
    privateSubnetCidrs: string[];
    /**
     * Use this VPC and its subnets instead of creating them (their ranges are `vpcCidr` and the
     * subnet CIDRs above, in the same order); only the nodes' security group is created.
     */
    existing?: { vpcId: string; publicSubnetIds: string[]; privateSubnetIds: string[] };
    /** Availability zones, one per subnet pair. */
    availabilityZones: pulumi.Input<string>[];
    /** Ranges allowed to reach SSH on public nodes (servers). Never 0.0.0.0/0; empty opens none. */
    sshAllowedCidrs: string[];
    /** Ranges allowed to reach the Kubernetes API, when this site runs the servers. */
    apiAllowedCidrs: string[];
    /** Addresses of nodes at other sites (`/32`s): they get the overlay ports and, to servers, the API. */
    peerCidrs: pulumi.Input<string>[];
    /**
     * Addresses other sites' nodes join this site's servers from under Tailscale (`/32`s: their
     * public addresses and NAT gateways): the API port only, where the servers are. k3s's VPN
     * integration leaves the join URL as it is, the server's public address.
     */
    joinCidrs?: pulumi.Input<string>[];
    /** The NAT gateway's Elastic IP, allocated beforehand so that other sites' firewalls can name it; made here when absent. */
    natAddress?: ec2.Eip;
    /** Whether the k3s servers (and so the API) live in this site. */
    hostsServers: boolean;
    /** The ingress controller's ports and who may reach each; none opens nothing. */
    ingress?: IngressOpening[];
    tags?: Record<string, string>;
}

/** A rule of the cluster security group, as data (tests and policies read these). */
export interface IngressRule {
    protocol: "tcp" | "udp";
    from: number;
    to: number;
    cidr: pulumi.Input<string>;
    description: string;
}

/** Ingress of the nodes' security group: k3s inside the VPC, overlay and API from peers, operators' SSH/API. */
export function clusterIngressRules(args: AwsNetworkArgs): IngressRule[] {
    const rules: IngressRule[] = K3S_CLUSTER_PORTS.map((p) => ({ ...p, cidr: args.vpcCidr }));
    const overlay = K3S_CLUSTER_PORTS.filter((p) => p.description.startsWith("flannel wireguard"));
    for (const peer of args.peerCidrs) {
        rules.push(...overlay.map((p) => ({ ...p, cidr: peer, description: `${p.description} from another site` })));
        if (args.hostsServers) {
            rules.push({ protocol: "tcp", from: K3S_API_PORT, to: K3S_API_PORT, cidr: peer, description: "k3s join and API from another site" });
        }
    }
    for (const peer of args.hostsServers ? args.joinCidrs ?? [] : []) {
        rules.push({ protocol: "tcp", from: K3S_API_PORT, to: K3S_API_PORT, cidr: peer, description: "k3s join over Tailscale from another site" });
    }
    if (args.hostsServers) {
        rules.push(...args.apiAllowedCidrs.map((cidr) => ({ protocol: "tcp" as const, from: K3S_API_PORT, to: K3S_API_PORT, cidr, description: "Kubernetes API from operators" })));
        rules.push(...args.sshAllowedCidrs.map((cidr) => ({ protocol: "tcp" as const, from: 22, to: 22, cidr, description: "SSH from operators" })));
    }
    // ServiceLB runs the ingress ports on untainted nodes: here, the servers.
    for (const opening of args.hostsServers ? args.ingress ?? [] : []) {
        rules.push(...opening.cidrs.map((cidr) => ({ protocol: "tcp" as const, from: opening.port, to: opening.port, cidr, description: opening.description })));
    }
    return rules;
}

/**
 * A VPC with public subnets (internet gateway) and private subnets (one NAT gateway), or an
 * existing one, and the security group every k3s node in the site shares.
 */
export class AwsNetwork extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly publicSubnetIds: pulumi.Output<string>[];
    public readonly privateSubnetIds: pulumi.Output<string>[];
    public readonly nodeSecurityGroupId: pulumi.Output<string>;

    constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:Network", name, {}, opts);
        const parent = { parent: this };
        const tags = (suffix: string) => ({ ...args.tags, Name: `${name}-${suffix}` });
        const { vpcId, publicSubnetIds, privateSubnetIds } = args.existing
            ? {
                vpcId: pulumi.output(args.existing.vpcId),
                publicSubnetIds: args.existing.publicSubnetIds.map((id) => pulumi.output(id)),
                privateSubnetIds: args.existing.privateSubnetIds.map((id) => pulumi.output(id)),
            }
            : this.createVpc(name, args);

        const nodes = new ec2.SecurityGroup(`${name}-nodes`, {
            vpcId,
            description: "k3s nodes: cluster ports inside the VPC, overlay and API from the other sites only",
            tags: tags("nodes"),
        }, parent);
        clusterIngressRules(args).forEach((rule, i) => new SecurityGroupIngressRule(`${name}-nodes-in-${i}`, {
            securityGroupId: nodes.id,
            ipProtocol: rule.protocol,
            fromPort: rule.from,
            toPort: rule.to,
            cidrIpv4: rule.cidr,
            description: rule.description,
        }, parent));
        new SecurityGroupEgressRule(`${name}-nodes-out`, {
            securityGroupId: nodes.id,
            ipProtocol: "-1",
            cidrIpv4: "0.0.0.0/0",
            description: "all egress",
        }, parent);

        this.vpcId = vpcId;
        this.publicSubnetIds = publicSubnetIds;
        this.privateSubnetIds = privateSubnetIds;
        this.nodeSecurityGroupId = nodes.id;
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }

    /** The VPC, gateways, route tables and subnets, when the stack owns the network. */
    private createVpc(name: string, args: AwsNetworkArgs) {
        const parent = { parent: this };
        const tags = (suffix: string) => ({ ...args.tags, Name: `${name}-${suffix}` });
        const vpc = new ec2.Vpc(name, { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") }, parent);
        const internet = new ec2.InternetGateway(name, { vpcId: vpc.id, tags: tags("internet") }, parent);
        const publicRoutes = new ec2.RouteTable(`${name}-public`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internet.id }],
            tags: tags("public"),
        }, parent);

        const publicSubnets = args.publicSubnetCidrs.map((cidr, i) => {
            const subnet = new ec2.Subnet(`${name}-public-${i}`, {
                vpcId: vpc.id,
                cidrBlock: cidr,
                availabilityZone: args.availabilityZones[i],
                mapPublicIpOnLaunch: false,
                tags: tags(`public-${i}`),
            }, parent);
            new ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
            return subnet;
        });

        // One NAT gateway: GPU nodes need egress for images and models, not a gateway per zone.
        const natAddress = args.natAddress ?? new ec2.Eip(`${name}-nat`, { domain: "vpc", tags: tags("nat") }, parent);
        const nat = new ec2.NatGateway(name, { allocationId: natAddress.id, subnetId: publicSubnets[0].id, tags: tags("nat") }, { parent: this, dependsOn: [internet] });
        const privateRoutes = new ec2.RouteTable(`${name}-private`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
            tags: tags("private"),
        }, parent);
        const privateSubnets = args.privateSubnetCidrs.map((cidr, i) => {
            const subnet = new ec2.Subnet(`${name}-private-${i}`, {
                vpcId: vpc.id,
                cidrBlock: cidr,
                availabilityZone: args.availabilityZones[i],
                tags: tags(`private-${i}`),
            }, parent);
            new ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, parent);
            return subnet;
        });

        return { vpcId: vpc.id, publicSubnetIds: publicSubnets.map((s) => s.id), privateSubnetIds: privateSubnets.map((s) => s.id) };
    }
}
