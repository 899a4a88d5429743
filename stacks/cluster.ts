import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { K3sClusterAccess, kubeconfigRefreshWindow } from "../components/k3s/cluster-access";
import { K3sServerCa } from "../components/k3s/server-ca";
import { apiServerAt, EgressDestination } from "../components/platform/egress";
import { childrenDependOn } from "../components/ordering";
import { AwsClusterAutoscalerIdentity } from "../components/aws/cluster-autoscaler-identity";
import { AwsAddresses, awsAddresses, awsClusterAutoscalerIdentity, awsSite } from "./aws-site";
import { ClusterContext, hostCidrs, ServerAccess, Site, SiteResult } from "./cluster-context";
import { etcdLocalSnapshotCount } from "./config/backups";
import { awsServerName } from "./config/aws";
import { internalRange, isIpv4 } from "./config/cidr";
import { reachesCloudNodes } from "./config/ignored-settings";
import { StackConfig } from "./config";
import { edgeAddress, edgeEgressAddress, edgeSite } from "./edge-site";
import { edgeMachinesTainted } from "./cluster-nodes";
import { ingressOpenings } from "./ingress";
import { ociSite } from "./oci-site";

/** The site that runs the servers; the config schema guarantees there is exactly one. */
function serverSite(config: StackConfig): Site {
    if (config.oci?.nodes.some((n) => n.role === "server")) return "oci";
    if (config.aws?.servers) return "aws";
    return "edge";
}

/**
 * Every address a server may be advertised at (apiServerAt), or undefined where the stack cannot
 * know one: an edge server outside the tailnet, without wireguard-native's external IP, reached by
 * host name or through a loopback tunnel, whose default-route address may be a public one (k3s
 * passes no advertise address then, and kube-apiserver takes that interface's). Cloud servers:
 * their private and public addresses (an OCI server's public IP only when it has one). Under tailscale every server's advertised address is
 * in the tailnet's range, which apiServerAt's private ranges hold.
 */
export function apiServerAddresses(config: StackConfig, overlay: string, nodes: SiteResult["nodes"]): pulumi.Input<string>[] | undefined {
    const addresses: pulumi.Input<string>[] = [];
    for (const n of config.oci?.nodes.filter((x) => x.role === "server") ?? []) {
        addresses.push(nodes[n.name].privateIp);
        if (n.public ?? true) addresses.push(nodes[n.name].publicIp);
    }
    for (let i = 0; i < (config.aws?.servers?.count ?? 0); i++) {
        addresses.push(nodes[awsServerName(i)].privateIp, nodes[awsServerName(i)].publicIp);
    }
    for (const m of config.edge?.machines.filter((x) => x.role === "server") ?? []) {
        if (overlay === "tailscale") continue;
        // k3s is given the external IP only under wireguard-native (edge-machines.ts).
        if (overlay === "wireguard-native" && m.externalIp) {
            addresses.push(m.externalIp);
            continue;
        }
        // Else kube-apiserver advertises its default-route interface's address, which the stack
        // never sees: a LAN address is in the private ranges, a public one is the SSH host when the
        // machine is reached directly; a name or a loopback tunnel says nothing (review s17 L3).
        if (!isIpv4(m.host) || m.host.startsWith("127.")) return undefined;
        addresses.push(m.host);
    }
    return addresses;
}

/** The cluster a stack builds, and what the platform layer needs of it. */
export interface Cluster {
    ctx: ClusterContext;
    access: K3sClusterAccess;
    /** SSH access to the initial server. */
    server: ServerAccess;
    nodes: SiteResult["nodes"];
    /** Where pods reach the Kubernetes API (apiServerAt). */
    apiServer: EgressDestination;
    /** Whether GPU nodes come and go with the cluster autoscaler (and so may not exist yet). */
    autoscaledGpus: boolean;
    /** The IAM user the cluster autoscaler uses, when a GPU group is autoscaled. */
    autoscalerIdentity?: AwsClusterAutoscalerIdentity;
    /** Cloud providers and addresses, for platform resources that live in a cloud (KMS, buckets). */
    aws?: AwsAddresses;
    /** The AWS servers' IAM role, when the servers are on AWS. */
    serverRoleName?: pulumi.Output<string>;
    ociProvider?: pulumi.ProviderResource;
}

/**
 * What to say when the servers are at the edge and cloud nodes join the first of them at an internal
 * address: they reach it only over a link between the sites that the stack does not know of (sweep
 * s30 M3), so it is said, not refused. Undefined otherwise.
 */
export function edgeServerJoinWarning(config: StackConfig): string | undefined {
    const server = config.edge?.machines.find((m) => m.role === "server");
    const joinedAt = server && edgeAddress(server);
    const range = joinedAt && isIpv4(joinedAt) ? internalRange(joinedAt) : undefined;
    if (!server || !range || !(config.oci || config.aws)) return undefined;
    return `the cloud nodes join the edge server ${server.name} at ${joinedAt}, in ${range}: they reach it only over a link between the sites (a VPN, Direct Connect, FastConnect); otherwise set its groundwork:edge.machines[].externalIp to the address they reach it at (README, Sites and overlay)`;
}

/**
 * Builds every site and joins them into one k3s cluster. Sites are built in a fixed order (OCI,
 * AWS, edge): each one's firewall names the others' public addresses, which are either allocated
 * up front (AWS Elastic IPs), configured (edge) or outputs of a site built earlier (OCI).
 */
export function buildCluster(config: StackConfig): Cluster {
    const sites = (["oci", "aws", "edge"] as const).filter((s) => config[s] !== undefined);
    if (config.cluster.sshHostKeys === "trust-on-first-use" && reachesCloudNodes(config)) {
        // pulumi-command verifies nothing without a host key (pulumi/pulumi-command@v1.2.1
        // provider/pkg/provider/remote/connection.go L86-103): each node's first connection does so.
        pulumi.log.warn("groundwork:cluster.sshHostKeys is trust-on-first-use: the first SSH connection to each new cloud node verifies no host key and reads the node's own, which every later connection verifies; whoever answers in a node's place at that first connection receives the servers' k3s install (the cluster's tokens and CA key), Vault's bootstrap and the kubeconfig read from then on. Replace the nodes and set it to generated (README, Cloud nodes' host keys)");
    }
    const edgeJoin = edgeServerJoinWarning(config);
    if (edgeJoin) pulumi.log.warn(edgeJoin);
    const serverCa = new K3sServerCa("k3s-server-ca", { existingHash: config.cluster.serverCaHash });
    const ctx: ClusterContext = {
        cluster: config.cluster,
        overlay: config[sites[0]]!.overlay,
        serverSite: serverSite(config),
        multiSite: sites.length > 1,
        taintEdge: edgeMachinesTainted(config),
        tokens: {
            server: new random.RandomPassword("k3s-token", { length: 64, special: false }).result,
            agent: new random.RandomPassword("k3s-agent-token", { length: 64, special: false }).result,
            serverCaHash: serverCa.hash,
        },
        serverCa: serverCa.files,
        tailscale: config.cluster.tailscale,
        operatorKey: new tls.PrivateKey("operator-ssh", { algorithm: "ED25519" }),
        ingress: ingressOpenings(config.access),
        etcdSnapshots: { everyHours: config.platform.backups.etcd.everyHours, keep: etcdLocalSnapshotCount(config.platform.backups.etcd) },
        ...(config.access?.sso?.kubernetesClientId ? { apiOidc: { issuer: config.access.sso.issuer, clientId: config.access.sso.kubernetesClientId, groupsClaim: config.access.sso.groupsClaim } } : {}),
    };
    const wireguard = ctx.overlay === "wireguard-native";

    const aws = config.aws && awsAddresses(ctx, config.aws);
    const awsPublic = aws ? [...aws.servers, ...Object.values(aws.gpuNodes).flat()].map((e) => e.publicIp) : [];
    const edgePublic = config.edge ? config.edge.machines.map(edgeAddress) : [];
    // Under Tailscale, nodes at other sites still join the servers at their public address (k3s's VPN
    // integration keeps the join URL: k3s-io/k3s docs/adrs/integrate-vpns.md; sweep s30 M2): the
    // servers' firewall admits the others' egress, public nodes and NAT gateways, on the API port.
    const tailscaleJoins = ctx.overlay === "tailscale" && ctx.multiSite;
    const awsEgress = aws ? [...awsPublic, ...(aws.nat ? [aws.nat.publicIp] : [])] : [];
    const edgeEgress = config.edge ? config.edge.machines.flatMap(edgeEgressAddress) : [];
    let externalServerUrl: pulumi.Input<string> | undefined =
        ctx.serverSite === "aws" ? pulumi.interpolate`https://${aws!.servers[0].publicIp}:6443`
        : ctx.serverSite === "edge" ? `https://${edgeAddress(config.edge!.machines.find((m) => m.role === "server")!)}:6443`
        : undefined;

    const built: SiteResult[] = [];
    let ociPublic: pulumi.Input<string>[] = [];
    let ociEgress: pulumi.Input<string>[] = [];
    let ociProvider: pulumi.ProviderResource | undefined;
    if (config.oci) {
        const oci = ociSite(ctx, config.oci, { peerCidrs: wireguard ? hostCidrs([...awsPublic, ...edgePublic]) : [], joinCidrs: tailscaleJoins ? hostCidrs([...awsEgress, ...edgeEgress]) : [], externalServerUrl });
        externalServerUrl ??= oci.externalServerUrl;
        ociPublic = Object.values(oci.nodes).map((n) => n.publicIp);
        ociEgress = oci.egressAddresses ?? [];
        ociProvider = oci.provider;
        built.push(oci);
    }
    if (config.aws) {
        built.push(awsSite(ctx, config.aws, { addresses: aws!, peerCidrs: wireguard ? hostCidrs([...ociPublic, ...edgePublic]) : [], joinCidrs: tailscaleJoins ? hostCidrs([...ociEgress, ...edgeEgress]) : [], externalServerUrl }));
    }
    if (config.edge) {
        // Edge machines that join servers elsewhere wait for those servers' installs.
        built.push(edgeSite(ctx, config.edge, { externalServerUrl, serversInstalled: built.find((b) => b.serverAccess)?.serverAccess?.dependsOn ?? [] }));
    }

    const server = built.find((s) => s.serverAccess)!.serverAccess!;
    const access = new K3sClusterAccess("k3s", {
        serverAddress: server.address,
        sshPort: server.port,
        sshUser: server.user,
        sshPrivateKey: server.privateKey,
        sshHostKey: server.hostKey,
        refreshWindow: kubeconfigRefreshWindow(new Date()),
        serverCaHash: serverCa.hash,
    }, { transformations: [childrenDependOn(server.dependsOn)] });
    const nodes = Object.assign({}, ...built.map((s) => s.nodes)) as SiteResult["nodes"];
    const autoscalerIdentity = aws && awsClusterAutoscalerIdentity(config, aws);
    const serverRoleName = built.find((s) => s.serverRoleName)?.serverRoleName;
    const apiServer = apiServerAt(apiServerAddresses(config, ctx.overlay, nodes));
    return { ctx, access, server, nodes, apiServer, autoscaledGpus: autoscalerIdentity !== undefined, autoscalerIdentity, aws, ociProvider, serverRoleName };
}
