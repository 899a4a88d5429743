import * as pulumi from "@pulumi/pulumi";
import * as core from "@pulumi/oci/core";
import * as identity from "@pulumi/oci/identity";
import { Provider as OciProvider } from "@pulumi/oci/provider";
import { K3sExternalIp } from "../components/k3s/external-ip";
import { childrenDependOn } from "../components/ordering";
import { ALWAYS_FREE } from "../components/oci/always-free";
import { OciArmNode, OciArmNodePool } from "../components/oci/arm-node-pool";
import { OciNetwork } from "../components/oci/network";
import { siteLabels } from "../components/placement";
import { ClusterContext, SiteResult, supervisorUrl } from "./cluster-context";
import { hostAddress, parseIpv4Cidr } from "./config/cidr";
import { FIRST_SERVER_HOST, ociNodeIsPublic } from "./config/oci";
import { OciSiteConfig } from "./config";

/** Ubuntu's login user on Canonical's OCI images. */
const UBUNTU_USER = "ubuntu";


export interface OciSiteArgs {
    /** Public addresses (`/32`) of nodes at other sites. */
    peerCidrs: pulumi.Input<string>[];
    /** Other sites' addresses their nodes join this site's servers from under Tailscale (`/32`s). */
    joinCidrs: pulumi.Input<string>[];
    /** Where this site's nodes join when the servers live elsewhere. */
    externalServerUrl?: pulumi.Input<string>;
}

/** An OCI site: network, A1 nodes, and (under wireguard-native) their external IPs. */
export function ociSite(ctx: ClusterContext, site: OciSiteConfig, args: OciSiteArgs): SiteResult {
    const provider = new OciProvider("oci", {
        region: site.region,
        ...(site.auth && {
            tenancyOcid: site.auth.tenancyOcid,
            userOcid: site.auth.userOcid,
            fingerprint: site.auth.fingerprint,
            privateKey: site.auth.privateKey,
        }),
    });
    const invoke = { provider };
    const tags = { "groundwork-stack": pulumi.getStack() };
    const hostsServers = ctx.serverSite === "oci";

    const availabilityDomain = site.availabilityDomain ?? identity
        .getAvailabilityDomainsOutput({ compartmentId: site.compartmentId }, invoke)
        .apply((r) => r.availabilityDomains[0].name);
    const imageId = site.imageId ?? core
        .getImagesOutput({
            compartmentId: site.compartmentId,
            operatingSystem: "Canonical Ubuntu",
            operatingSystemVersion: "24.04",
            shape: ALWAYS_FREE.shape,
            sortBy: "TIMECREATED",
            sortOrder: "DESC",
        }, invoke)
        .apply((r) => {
            if (r.images.length === 0) {
                throw new Error(`no Canonical Ubuntu 24.04 image for ${ALWAYS_FREE.shape} in ${site.region}; set groundwork:oci.imageId`);
            }
            return r.images[0].id;
        });

    const network = new OciNetwork("groundwork", {
        compartmentId: site.compartmentId,
        vcnCidr: site.vcnCidr,
        publicSubnetCidr: site.publicSubnetCidr,
        privateSubnetCidr: site.privateSubnetCidr,
        sshAllowedCidrs: site.sshAllowedCidrs,
        apiAllowedCidrs: ctx.cluster.apiAllowedCidrs,
        ingress: ctx.ingress,
        peerCidrs: args.peerCidrs,
        joinCidrs: args.joinCidrs,
        hostsServers,
        freeformTags: tags,
    }, { provider });

    const publicSubnet = parseIpv4Cidr(site.publicSubnetCidr)!;
    let serverIndex = 0;
    const nodes: OciArmNode[] = site.nodes.map((n) => ({
        name: n.name,
        role: n.role,
        ocpus: n.ocpus,
        memoryGbs: n.memoryGbs,
        bootVolumeGbs: n.bootVolumeGbs,
        public: ociNodeIsPublic(n, ctx.overlay),
        privateIp: n.role === "server" ? hostAddress(publicSubnet, FIRST_SERVER_HOST + serverIndex++) : undefined,
        availabilityDomain: n.availabilityDomain ?? availabilityDomain,
        labels: siteLabels("oci", "arm", n.labels),
        taints: n.taints,
    }));
    const initialServer = hostsServers ? nodes.find((n) => n.role === "server") : undefined;
    // OCI's ephemeral public IPs exist only once the instance does, so k3s learns them afterwards:
    // under wireguard-native every node needs one, and a server reached from other sites needs its
    // address in the API certificate.
    const pinned = nodes.filter((n) => n.public && (ctx.overlay === "wireguard-native" || (ctx.multiSite && n.role === "server")));
    // Pulumi reaches over SSH the initial server (kubeconfig, Vault's bootstrap) and the nodes it
    // pins. User data is written once, at creation, so every public node gets a key: one that is not
    // reached now may be later (a site added, an overlay changed). Private nodes are never reached.
    const reached = [...new Set([...(initialServer ? [initialServer.name] : []), ...nodes.filter((n) => n.public).map((n) => n.name)])];
    // Nodes here join over the private network when the servers are here too.
    const serverUrl = initialServer ? supervisorUrl(initialServer.privateIp!) : args.externalServerUrl!;

    const pool = new OciArmNodePool("oci-a1", {
        compartmentId: site.compartmentId,
        imageId,
        publicSubnetId: network.publicSubnetId,
        privateSubnetId: network.privateSubnetId,
        sshAuthorizedKeys: [ctx.operatorKey.publicKeyOpenssh, ...site.sshAuthorizedKeys],
        nodes,
        k3s: {
            version: ctx.cluster.k3sVersion,
            tokens: ctx.tokens,
            serverUrl,
            initialServer: initialServer?.name,
            serverCa: ctx.serverCa,
            overlay: ctx.overlay,
            tailscale: ctx.tailscale,
            podCidr: ctx.cluster.podCidr,
            serviceCidr: ctx.cluster.serviceCidr,
            tlsSans: [],
            etcdSnapshots: ctx.etcdSnapshots,
            apiOidc: ctx.apiOidc,
        },
        freeformTags: tags,
        login: { user: UBUNTU_USER, privateKey: ctx.operatorKey.privateKeyOpenssh },
        reachedNodes: reached,
        bootKeys: ctx.cluster.sshHostKeys === "generated",
    }, { provider });

    const externalIps = pinned.map((n) => new K3sExternalIp(`${n.name}-external-ip`, {
        address: pool.nodes[n.name].publicIp,
        role: n.role,
        sshUser: UBUNTU_USER,
        sshPrivateKey: ctx.operatorKey.privateKeyOpenssh,
        sshHostKey: pool.nodes[n.name].hostKey,
    }, { transformations: [childrenDependOn([pool])] }));

    const result: SiteResult = {
        provider,
        nodes: Object.fromEntries(nodes.map((n) => {
            const { privateIp, publicIp, instanceId } = pool.nodes[n.name];  // the host key stays out of the stack outputs
            return [n.name, { privateIp, publicIp, ociInstanceId: instanceId, kind: "arm" as const }];
        })),
        egressAddresses: [...nodes.filter((n) => n.public).map((n) => pool.nodes[n.name].publicIp), network.natAddress],
    };
    if (initialServer) {
        const address = pool.nodes[initialServer.name].publicIp;
        result.externalServerUrl = supervisorUrl(address);
        result.serverAccess = {
            address,
            port: 22,
            user: UBUNTU_USER,
            privateKey: ctx.operatorKey.privateKeyOpenssh,
            hostKey: pool.nodes[initialServer.name].hostKey,
            dependsOn: [pool, ...externalIps],
        };
    }
    return result;
}
