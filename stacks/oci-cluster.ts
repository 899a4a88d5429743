import * as pulumi from "@pulumi/pulumi";
import * as oci from "@pulumi/oci";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { K3sClusterAccess } from "../components/k3s/cluster-access";
import { K3S_API_PORT } from "../components/k3s/ports";
import { ALWAYS_FREE } from "../components/oci/always-free";
import { OciArmNode, OciArmNodePool } from "../components/oci/arm-node-pool";
import { OciNetwork } from "../components/oci/network";
import { hostAddress, parseIpv4Cidr } from "./config/cidr";
import { ClusterConfig, OciSiteConfig } from "./config";
import { PLACEMENT_LABEL, SITE_LABEL } from "../components/placement";

/** Ubuntu's login user on Canonical's OCI images. */
const UBUNTU_USER = "ubuntu";

/** Servers take fixed addresses from here up in the public subnet, so agents can join before a server exists. */
const FIRST_SERVER_HOST = 10;

export interface OciCluster {
    kubeconfig: pulumi.Output<string>;
    apiServer: pulumi.Output<string>;
    nodes: Record<string, { privateIp: pulumi.Output<string>; publicIp: pulumi.Output<string> }>;
    access: K3sClusterAccess;
}

/** A k3s cluster on OCI: network, A1 nodes, the cluster token and admin access. */
export function ociCluster(cluster: ClusterConfig, site: OciSiteConfig): OciCluster {
    const provider = new oci.Provider("oci", {
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

    const availabilityDomain = site.availabilityDomain ?? oci.identity
        .getAvailabilityDomainsOutput({ compartmentId: site.compartmentId }, invoke)
        .apply((r) => r.availabilityDomains[0].name);
    const imageId = site.imageId ?? oci.core
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

    const token = new random.RandomPassword("k3s-token", { length: 64, special: false });
    const operatorKey = new tls.PrivateKey("operator-ssh", { algorithm: "ED25519" });

    const network = new OciNetwork("groundwork", {
        compartmentId: site.compartmentId,
        vcnCidr: site.vcnCidr,
        publicSubnetCidr: site.publicSubnetCidr,
        privateSubnetCidr: site.privateSubnetCidr,
        sshAllowedCidrs: site.sshAllowedCidrs,
        apiAllowedCidrs: cluster.apiAllowedCidrs,
        ingressAllowedCidrs: site.ingressAllowedCidrs,
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
        public: n.role === "server",
        privateIp: n.role === "server" ? hostAddress(publicSubnet, FIRST_SERVER_HOST + serverIndex++) : undefined,
        availabilityDomain: n.availabilityDomain ?? availabilityDomain,
        labels: { [SITE_LABEL]: "oci", [PLACEMENT_LABEL]: "arm", ...n.labels },
        taints: n.taints,
    }));
    const firstServer = nodes.find((n) => n.role === "server")!;

    const pool = new OciArmNodePool("oci-a1", {
        compartmentId: site.compartmentId,
        imageId,
        publicSubnetId: network.publicSubnetId,
        privateSubnetId: network.privateSubnetId,
        sshAuthorizedKeys: [operatorKey.publicKeyOpenssh, ...site.sshAuthorizedKeys],
        nodes,
        k3s: {
            version: cluster.k3sVersion,
            token: token.result,
            serverUrl: `https://${firstServer.privateIp}:${K3S_API_PORT}`,
            podCidr: cluster.podCidr,
            serviceCidr: cluster.serviceCidr,
            tlsSans: [],
        },
        freeformTags: tags,
    }, { provider });

    const serverAddress = pool.nodes[firstServer.name].publicIp;
    const access = new K3sClusterAccess("k3s", {
        serverAddress,
        sshUser: UBUNTU_USER,
        sshPrivateKey: operatorKey.privateKeyOpenssh,
    }, { dependsOn: [pool] });

    return {
        kubeconfig: access.kubeconfig,
        apiServer: pulumi.interpolate`https://${serverAddress}:${K3S_API_PORT}`,
        nodes: pool.nodes,
        access,
    };
}
