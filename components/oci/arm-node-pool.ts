import * as pulumi from "@pulumi/pulumi";
import * as core from "@pulumi/oci/core";
import * as tls from "@pulumi/tls";
import { cloudUserData, EtcdSnapshotSchedule, JoinTokens, joinSettings, K3sNodeBootstrap, k3sNodeTags, k3sRemoteInstall, Overlay, TailscaleJoin } from "../k3s/bootstrap";
import { ApiServerOidc } from "../k3s/api-audit";
import { ServerCaFiles } from "../k3s/server-ca";
import { HostKeyHandover } from "../k3s/host-key-handover";
import { K3sServerInstall, ServerLogin } from "../k3s/server-install";
import { ALWAYS_FREE } from "./always-free";

/** One Ampere A1 instance and the k3s role it plays. */
export interface OciArmNode {
    /** Kubernetes node name, instance display name and hostname (a DNS label). */
    name: string;
    role: "server" | "agent";
    ocpus: number;
    memoryGbs: number;
    bootVolumeGbs: number;
    /** Put the node in the public subnet with a public IP (servers), or the private one (agents). */
    public: boolean;
    /** A fixed private address; the first server has one so agents can join before it exists. */
    privateIp?: string;
    /** Availability domain name. */
    availabilityDomain: pulumi.Input<string>;
    labels: Record<string, string>;
    taints: string[];
}

export interface OciArmNodePoolArgs {
    compartmentId: pulumi.Input<string>;
    /** Image OCID (an aarch64 Ubuntu image by default, looked up by the stack). */
    imageId: pulumi.Input<string>;
    publicSubnetId: pulumi.Input<string>;
    privateSubnetId: pulumi.Input<string>;
    /** OpenSSH public keys allowed to log in as the image's default user. */
    sshAuthorizedKeys: pulumi.Input<string>[];
    nodes: OciArmNode[];
    k3s: {
        version: string;
        /** The cluster's join tokens (secrets); each node gets only its role's. */
        tokens: JoinTokens;
        /** Supervisor URL every node but the initial server joins, e.g. `https://10.0.0.10:6443`. */
        serverUrl: pulumi.Input<string>;
        /** The node that initialises the cluster, when the servers live here. */
        initialServer?: string;
        /** The cluster's server CA (secret), placed on the initial server only; absent for a cluster that keeps its own. */
        serverCa?: pulumi.Input<ServerCaFiles>;
        overlay: Overlay;
        tailscale?: TailscaleJoin;
        podCidr: string;
        serviceCidr: string;
        tlsSans: string[];
        /** The servers' etcd snapshots. */
        etcdSnapshots?: EtcdSnapshotSchedule;
        /** People sign in to the API server with this issuer. */
        apiOidc?: ApiServerOidc;
    };
    freeformTags?: Record<string, string>;
    /**
     * How Pulumi logs in (at the nodes' public IPs, verifying their host keys): to install k3s on
     * the servers, so that the tokens and the CA's key never enter their user data, and to hand
     * over the host keys of `reachedNodes`. Required when any node is a server or is reached.
     */
    login?: Omit<ServerLogin, "host" | "hostKey">;
    /**
     * The nodes Pulumi may connect to over SSH (the public ones, and the initial server): the first
     * connection to each pins its host key, which every later one verifies (`HostKeyHandover`).
     */
    reachedNodes: string[];
    /**
     * Those nodes boot with a host key made here, so that first connection is verified too, and
     * trades it for a key the node makes itself. Off under trust on first use: the first connection
     * trusts the key the node made at its first boot. Nodes Pulumi never reaches make their own.
     */
    bootKeys: boolean;
}

export interface OciArmNodeAddresses {
    privateIp: pulumi.Output<string>;
    publicIp: pulumi.Output<string>;
    /** The instance's OCID, for identity rules that name it (dynamic groups). */
    instanceId: pulumi.Output<string>;
    /** Its own SSH host public key (`ssh-ed25519 AAAA...`), handed over from the boot key (under trust on first use, read at the first connection), for connections to verify; absent for a node Pulumi never connects to. */
    hostKey?: pulumi.Output<string>;
    /** Servers: the install over SSH, which what joins or reads this server waits for. */
    installed?: pulumi.Resource;
}

/**
 * k3s nodes on `VM.Standard.A1.Flex`. Agents install k3s from their user data on first boot;
 * servers are installed by Pulumi over SSH once up, one after another, so their user data holds no
 * token. The initial server (when the servers live here) starts the cluster; every other node
 * joins it at `k3s.serverUrl`.
 */
export class OciArmNodePool extends pulumi.ComponentResource {
    public readonly nodes: Record<string, OciArmNodeAddresses> = {};

    constructor(name: string, args: OciArmNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:oci:ArmNodePool", name, {}, opts);
        let previousServer: pulumi.Resource | undefined;
        // Servers first, and public agents after them: a server's fixed address (host 10 up of the
        // public subnet) is then taken before OCI hands any address out to an agent there.
        const serverInstances: core.Instance[] = [];
        for (const node of [...args.nodes].sort((a, b) => Number(b.role === "server") - Number(a.role === "server"))) {
            const initial = node.name === args.k3s.initialServer;
            // The boot host key, made here so that Pulumi's first connection can verify the node.
            const reached = args.reachedNodes.includes(node.name);
            const bootKey = reached && args.bootKeys ? new tls.PrivateKey(`${node.name}-ssh-host`, { algorithm: "ED25519" }, { parent: this }) : undefined;
            const server = node.role === "server";
            if (server && (!node.public || !args.login)) {
                throw new Error(`${node.name}: a server must be public, with a login, since k3s is installed on it over SSH`);
            }
            if (reached && (!node.public || !args.login)) {
                throw new Error(`${node.name}: Pulumi pins the host key only of a public node it has a login for, since it reaches the node at its public address`);
            }
            // Everything but the first boot's host key: what an agent's user data, or a server's script, is built from.
            const bootstrap = joinSettings({ role: node.role, initial }, args.k3s.tokens, args.k3s.serverUrl, args.k3s.serverCa, args.k3s.tailscale).apply((join): K3sNodeBootstrap => ({
                ...join,
                version: args.k3s.version,
                role: node.role,
                nodeName: node.name,
                overlay: args.k3s.overlay,
                labels: node.labels,
                taints: node.taints,
                ociImage: true,
                cluster: server
                    ? { podCidr: args.k3s.podCidr, serviceCidr: args.k3s.serviceCidr, tlsSans: args.k3s.tlsSans, etcdSnapshots: args.k3s.etcdSnapshots, apiOidc: args.k3s.apiOidc }
                    : undefined,
            }));
            // A server's user data is its first boot alone; the tokens and the CA's key go over SSH below.
            const userData = cloudUserData(node.name, server ? undefined : bootstrap, bootKey);

            const instance = new core.Instance(node.name, {
                compartmentId: args.compartmentId,
                availabilityDomain: node.availabilityDomain,
                displayName: node.name,
                shape: ALWAYS_FREE.shape,
                shapeConfig: { ocpus: node.ocpus, memoryInGbs: node.memoryGbs },
                sourceDetails: {
                    sourceType: "image",
                    sourceId: args.imageId,
                    bootVolumeSizeInGbs: String(node.bootVolumeGbs),
                },
                createVnicDetails: {
                    subnetId: node.public ? args.publicSubnetId : args.privateSubnetId,
                    assignPublicIp: String(node.public),
                    privateIp: node.privateIp,
                    hostnameLabel: node.name,
                },
                metadata: {
                    ssh_authorized_keys: pulumi.all(args.sshAuthorizedKeys).apply((keys) => keys.join("\n")),
                    user_data: pulumi.secret(userData),
                },
                // IMDSv2 only: pods cannot use the legacy v1 endpoints to read instance credentials.
                instanceOptions: { areLegacyImdsEndpointsDisabled: true },
                availabilityConfig: { recoveryAction: "RESTORE_INSTANCE" },
                // A server's boot volume holds etcd: keep it if the instance is ever deleted.
                preserveBootVolume: node.role === "server",
                freeformTags: { ...args.freeformTags, ...k3sNodeTags(node.role, args.k3s.etcdSnapshots) },
            }, {
                parent: this,
                // A newer image or a re-rendered bootstrap must never replace a running node;
                // k3s upgrades go through k3s itself, not through a new instance.
                ignoreChanges: ["sourceDetails.sourceId", "metadata.user_data"],
                dependsOn: node.role !== "server" && node.public ? serverInstances : [],
            });
            if (server) serverInstances.push(instance);
            // Its first connection, verifying the boot key, trades it for one the node makes itself
            // (under trust on first use, reads the node's own); every later one verifies that.
            const hostKey = reached ? new HostKeyHandover(node.name, {
                instanceId: instance.id,
                login: { ...args.login!, host: instance.publicIp, hostKey: bootKey?.publicKeyOpenssh.apply((k) => k.trim()) },
                after: [instance],
            }, { parent: this }).hostKey : undefined;
            // Servers one after another, the initial one first: each install waits for k3s to be
            // up (the unit is Type=notify), so etcd keeps quorum.
            const installed = server
                ? new K3sServerInstall(node.name, {
                    instanceId: instance.id,
                    login: { ...args.login!, host: instance.publicIp, hostKey },
                    script: bootstrap.apply((n) => k3sRemoteInstall(n, { afterCloudInit: true })),
                    after: [instance, ...(previousServer ? [previousServer] : [])],
                }, { parent: this }).installed
                : undefined;
            previousServer = installed ?? previousServer;
            this.nodes[node.name] = { privateIp: instance.privateIp, publicIp: instance.publicIp, instanceId: instance.id, hostKey, installed };
        }
        this.registerOutputs({ nodes: this.nodes });
    }
}
