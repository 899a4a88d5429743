import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import { AwsClusterAutoscalerIdentity } from "../components/aws/cluster-autoscaler-identity";
import { AwsGpuAutoScalingGroup } from "../components/aws/gpu-auto-scaling-group";
import { AwsGpuNodeGroup } from "../components/aws/gpu-node-group";
import { INSTANCE_TYPES } from "../components/aws/instance-types";
import { AwsK3sInstance } from "../components/aws/k3s-instance";
import { AwsNetwork } from "../components/aws/network";
import { AwsNodeInstanceProfile } from "../components/aws/node-instance-profile";
import { joinTokensFor } from "../components/k3s/bootstrap";
import { siteLabels } from "../components/placement";
import { ClusterContext, SiteResult, supervisorUrl } from "./cluster-context";
import { hostAddress, parseIpv4Cidr } from "./config/cidr";
import { awsServerName, fixedCount } from "./config/aws";
import { AwsSiteConfig, StackConfig } from "./config";

/** Canonical's account, which publishes the official Ubuntu AMIs. Source: ubuntu.com/aws, read 2026-11-25. */
const CANONICAL_OWNER = "099720109477";
const UBUNTU_USER = "ubuntu";
const FIRST_SERVER_HOST = 10;

/** The AWS provider and the Elastic IPs that must exist before anything else is built. */
export interface AwsAddresses {
    provider: AwsProvider;
    /** One per server. */
    servers: ec2.Eip[];
    /** Per GPU group, one per node, under wireguard-native. */
    gpuNodes: Record<string, ec2.Eip[]>;
    /** The NAT gateway's, where the private subnets' nodes reach other sites from; none in an existing VPC. */
    nat?: ec2.Eip;
}

/**
 * Allocates the site's public addresses first, so that other sites' firewalls and this site's
 * k3s configs can name them before any instance exists.
 */
export function awsAddresses(ctx: ClusterContext, site: AwsSiteConfig): AwsAddresses {
    const provider = new AwsProvider("aws", { region: site.region, defaultTags: { tags: { "groundwork-stack": pulumi.getStack() } } });
    const eip = (name: string) => new ec2.Eip(name, { domain: "vpc", tags: { Name: name } }, { provider });
    const servers = Array.from({ length: site.servers?.count ?? 0 }, (_, i) => eip(awsServerName(i)));
    const gpuNodes = ctx.overlay === "wireguard-native"
        ? Object.fromEntries(site.gpuNodeGroups.map((g) => [g.name, Array.from({ length: fixedCount(g) }, (_, i) => eip(`${g.name}-${i}`))]))
        : {};
    // Made here rather than in the network (where stacks before this made it: the alias keeps it), so
    // that a site built earlier can admit the private nodes' joins from it.
    const nat = site.existingVpc ? undefined : new ec2.Eip(`${AWS_NETWORK}-nat`, { domain: "vpc", tags: { Name: `${AWS_NETWORK}-nat` } }, {
        provider,
        aliases: [{ parent: pulumi.createUrn(AWS_NETWORK, "groundwork:aws:Network") }],
    });
    return { provider, servers, gpuNodes, nat };
}

/** The AWS network component's name. */
const AWS_NETWORK = "groundwork";

export interface AwsSiteArgs {
    addresses: AwsAddresses;
    /** Public addresses (`/32`) of nodes at other sites. */
    peerCidrs: pulumi.Input<string>[];
    /** Where this site's nodes join when the servers live elsewhere. */
    externalServerUrl?: pulumi.Input<string>;
    /** Other sites' addresses their nodes join this site's servers from under Tailscale (`/32`s). */
    joinCidrs: pulumi.Input<string>[];
}

/** An AWS site: VPC, node identity, servers (cloud stack) and GPU node groups. */
export function awsSite(ctx: ClusterContext, site: AwsSiteConfig, args: AwsSiteArgs): SiteResult {
    const { provider } = args.addresses;
    const opts = { provider };
    const hostsServers = ctx.serverSite === "aws";
    const zones = getAvailabilityZonesOutput({ state: "available" }, opts).names;

    const network = new AwsNetwork(AWS_NETWORK, {
        vpcCidr: site.vpcCidr,
        publicSubnetCidrs: site.publicSubnetCidrs,
        privateSubnetCidrs: site.privateSubnetCidrs,
        existing: site.existingVpc,
        availabilityZones: site.publicSubnetCidrs.map((_, i) => zones[i]),
        sshAllowedCidrs: site.sshAllowedCidrs,
        apiAllowedCidrs: ctx.cluster.apiAllowedCidrs,
        peerCidrs: args.peerCidrs,
        joinCidrs: args.joinCidrs,
        natAddress: args.addresses.nat,
        hostsServers,
        ingress: ctx.ingress,
    }, opts);
    const profile = new AwsNodeInstanceProfile("k3s-node", { description: "k3s nodes: Systems Manager only" }, opts);
    const common = {
        securityGroupIds: [network.nodeSecurityGroupId],
        instanceProfileName: profile.name,
        tailscale: ctx.tailscale,
        bootHostKey: ctx.cluster.sshHostKeys === "generated",
    };
    const result: SiteResult = { nodes: {} };

    let serverUrl = args.externalServerUrl!;
    if (site.servers) {
        const servers = site.servers;
        const keyPair = new ec2.KeyPair("operator", { publicKey: ctx.operatorKey.publicKeyOpenssh }, opts);
        const arch = INSTANCE_TYPES[servers.instanceType].arch === "arm64" ? "arm64" : "amd64";
        const ami = ec2.getAmiOutput({
            owners: [CANONICAL_OWNER],
            mostRecent: true,
            filters: [{ name: "name", values: [`ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${arch}-server-*`] }],
        }, opts).id;
        const subnet = parseIpv4Cidr(site.publicSubnetCidrs[0])!;
        const privateIps = Array.from({ length: servers.count }, (_, i) => hostAddress(subnet, FIRST_SERVER_HOST + i));
        serverUrl = supervisorUrl(privateIps[0]);
        const serverProfile = new AwsNodeInstanceProfile("k3s-server", { description: "k3s servers: Systems Manager, and their etcd snapshots to the stack's bucket" }, opts);
        result.serverRoleName = serverProfile.roleName;
        // Servers are installed over SSH one after another, the initial one first: each install
        // waits for k3s to be up (the unit is Type=notify), so etcd keeps quorum.
        const nodes: AwsK3sInstance[] = [];
        privateIps.forEach((privateIp, i) => nodes.push(new AwsK3sInstance(awsServerName(i), {
            ...common,
            instanceProfileName: serverProfile.name,
            ...joinTokensFor("server", ctx.tokens, i === 0),
            serverCa: i === 0 ? ctx.serverCa : undefined,
            instanceType: servers.instanceType,
            amiId: ami,
            subnetId: network.publicSubnetIds[0],
            privateIp,
            address: args.addresses.servers[i],
            keyName: keyPair.keyName,
            login: { user: UBUNTU_USER, privateKey: ctx.operatorKey.privateKeyOpenssh },
            installAfter: i === 0 ? [] : [nodes[i - 1].installed!],
            rootVolumeGbs: servers.rootVolumeGbs,
            serverUrl: i === 0 ? undefined : serverUrl,
            k3s: {
                version: ctx.cluster.k3sVersion,
                role: "server",
                nodeName: awsServerName(i),
                overlay: ctx.overlay,
                labels: siteLabels("aws", arch === "arm64" ? "arm" : "x86"),
                taints: [],
                cluster: { podCidr: ctx.cluster.podCidr, serviceCidr: ctx.cluster.serviceCidr, tlsSans: [], etcdSnapshots: ctx.etcdSnapshots, apiOidc: ctx.apiOidc },
            },
        }, opts)));
        nodes.forEach((n, i) => (result.nodes[awsServerName(i)] = { privateIp: n.privateIp, publicIp: n.publicIp, kind: arch === "arm64" ? "arm" : "x86" }));
        result.externalServerUrl = supervisorUrl(args.addresses.servers[0].publicIp);
        result.serverAccess = { address: args.addresses.servers[0].publicIp, port: 22, user: UBUNTU_USER, privateKey: ctx.operatorKey.privateKeyOpenssh, hostKey: nodes[0].hostKey, dependsOn: nodes };
    }

    // GPU agents hold the agent token only, pinning the server CA.
    const agentJoinToken = joinTokensFor("agent", ctx.tokens).token;
    for (const group of site.gpuNodeGroups) {
        if (group.autoscaling) {
            // No addresses: the config refuses autoscaling under wireguard-native.
            new AwsGpuAutoScalingGroup(group.name, {
                securityGroupId: network.nodeSecurityGroupId,
                instanceProfileName: profile.name,
                instanceType: group.instanceType,
                minSize: group.autoscaling.min,
                maxSize: group.autoscaling.max,
                spotMaxPricePerHour: group.capacity === "spot" ? group.spotMaxPricePerHour : undefined,
                rootVolumeGbs: group.rootVolumeGbs,
                subnetIds: network.privateSubnetIds,
                clusterName: autoscalerClusterName(),
                k3s: { version: ctx.cluster.k3sVersion, serverUrl, token: agentJoinToken, overlay: ctx.overlay, tailscale: ctx.tailscale },
                labels: group.labels,
                taints: group.taints,
            }, opts);
            continue;
        }
        const addresses = args.addresses.gpuNodes[group.name];
        const gpus = new AwsGpuNodeGroup(group.name, {
            securityGroupId: network.nodeSecurityGroupId,
            instanceProfileName: profile.name,
            instanceType: group.instanceType,
            count: fixedCount(group),
            spotMaxPricePerHour: group.capacity === "spot" ? group.spotMaxPricePerHour : undefined,
            rootVolumeGbs: group.rootVolumeGbs,
            // Behind NAT in private subnets, unless other sites must reach them directly.
            subnetIds: addresses ? network.publicSubnetIds : network.privateSubnetIds,
            addresses,
            k3s: { version: ctx.cluster.k3sVersion, serverUrl, token: agentJoinToken, overlay: ctx.overlay, tailscale: ctx.tailscale },
            labels: group.labels,
            taints: group.taints,
        }, opts);
        gpus.nodes.forEach((n, i) => (result.nodes[`${group.name}-${i}`] = { privateIp: n.privateIp, publicIp: n.publicIp, kind: "gpu" }));
    }
    return result;
}

/** The name the cluster autoscaler discovers this stack's Auto Scaling groups by. */
export const autoscalerClusterName = () => `groundwork-${pulumi.getStack()}`;

/**
 * The IAM user the cluster autoscaler resizes this cluster's groups with, when any AWS GPU group
 * is autoscaled; its keys go to Vault, and the autoscaler itself comes with the platform layer.
 */
export function awsClusterAutoscalerIdentity(config: StackConfig, addresses: AwsAddresses): AwsClusterAutoscalerIdentity | undefined {
    if (!config.aws?.gpuNodeGroups.some((g) => g.autoscaling)) {
        return undefined;
    }
    return new AwsClusterAutoscalerIdentity("cluster-autoscaler", { clusterName: autoscalerClusterName() }, { provider: addresses.provider });
}
