import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as tls from "@pulumi/tls";
import { cloudUserData, K3sNodeBootstrap, k3sNodeTags, k3sRemoteInstall, TailscaleJoin } from "../k3s/bootstrap";
import { ServerCaFiles } from "../k3s/server-ca";
import { HostKeyHandover } from "../k3s/host-key-handover";
import { K3sServerInstall, ServerLogin } from "../k3s/server-install";

export interface AwsK3sInstanceArgs {
    instanceType: string;
    amiId: pulumi.Input<string>;
    subnetId: pulumi.Input<string>;
    securityGroupIds: pulumi.Input<string>[];
    instanceProfileName: pulumi.Input<string>;
    /**
     * A public address allocated beforehand (an Elastic IP), so it is known before the node
     * boots and other sites' firewalls can name it; absent for a private node.
     */
    address?: ec2.Eip;
    /** EC2 key pair for SSH (servers, to read the kubeconfig). */
    keyName?: pulumi.Input<string>;
    /**
     * Servers only: how Pulumi logs in (at the Elastic IP): to hand the host key over, then, verifying
     * the server's own key, to install k3s, so that the tokens and the CA's key never enter the user data.
     */
    login?: Omit<ServerLogin, "host" | "hostKey">;
    /** Servers only: installs to finish first (the previous server's, so that etcd keeps quorum). */
    installAfter?: pulumi.Resource[];
    /** Fixed private address (servers), so other nodes can join before it exists. */
    privateIp?: string;
    rootVolumeGbs: number;
    /** Run on spot capacity, paying at most this many USD an hour. */
    spotMaxPricePerHour?: number;
    /** The k3s bootstrap; the join URL, token, external IP and Tailscale key are filled in here. */
    k3s: Omit<K3sNodeBootstrap, "serverUrl" | "token" | "agentToken" | "externalIp" | "tailscaleAuthKey" | "tailscaleVersion" | "sshHostKey" | "serverCa">;
    /**
     * Servers: make a boot host key here and install it from the user data, so Pulumi's first
     * connection is verified and trades it for the node's own (else Pulumi trusts the key the node
     * shows at its first connection: trust on first use).
     */
    bootHostKey?: boolean;
    /** The first server's supervisor URL; absent on the server that initialises the cluster. */
    serverUrl?: pulumi.Input<string>;
    /** The token this node joins with: the server token on servers, the agent token on agents. */
    token: pulumi.Input<string>;
    /** Servers only: the agent token they accept (k3s `agent-token`). */
    agentToken?: pulumi.Input<string>;
    /** The initial server only: the cluster's server CA (secret), placed before k3s first starts. */
    serverCa?: pulumi.Input<ServerCaFiles>;
    tailscale?: TailscaleJoin;
    tags?: Record<string, string>;
}

/**
 * One EC2 k3s node: IMDSv2 only with a hop limit pods cannot reach, an encrypted gp3 root volume,
 * and, when it must be reachable from other sites, an Elastic IP allocated beforehand so its
 * address is in the k3s config from the start. An agent installs k3s from its user data on first
 * boot; a server is installed by Pulumi over SSH once it is up, so its user data holds no token.
 */
export class AwsK3sInstance extends pulumi.ComponentResource {
    public readonly privateIp: pulumi.Output<string>;
    /** The Elastic IP, or "" for a private node. */
    public readonly publicIp: pulumi.Output<string>;
    /** Servers: their own SSH host public key, handed over from the boot key made here (under trust on first use, read at the first connection). */
    public readonly hostKey?: pulumi.Output<string>;
    /** Servers: the install over SSH, which what joins or reads this server waits for. */
    public readonly installed?: pulumi.Resource;

    constructor(name: string, args: AwsK3sInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:K3sInstance", name, {}, opts);
        const address = args.address;
        // The boot host key: in the user data, so Pulumi's first connection can verify the node.
        const bootKey = args.bootHostKey ? new tls.PrivateKey(`${name}-ssh-host`, { algorithm: "ED25519" }, { parent: this }) : undefined;
        const server = args.k3s.role === "server";
        if (server && (!address || !args.login)) {
            throw new Error(`${name}: a server needs an Elastic IP and a login, since k3s is installed on it over SSH`);
        }
        if (bootKey && !server) {
            throw new Error(`${name}: only a server gets a host key made here, since Pulumi logs in to no other node on AWS`);
        }
        // Everything but the first boot's host key: what an agent's user data, or a server's script, is built from.
        const node = pulumi
            .all([args.serverUrl, args.token, args.agentToken, args.tailscale?.authKey, address?.publicIp, args.serverCa])
            .apply(([serverUrl, token, agentToken, tailscaleAuthKey, externalIp, serverCa]): K3sNodeBootstrap => ({
                ...args.k3s,
                serverUrl,
                token,
                agentToken,
                serverCa,
                tailscaleAuthKey,
                tailscaleVersion: args.tailscale?.version,
                externalIp: args.k3s.overlay === "wireguard-native" ? externalIp : undefined,
                // Other sites reach a server at its public address: the API certificate must cover it.
                cluster: args.k3s.cluster && externalIp
                    ? { ...args.k3s.cluster, tlsSans: [...args.k3s.cluster.tlsSans, externalIp] }
                    : args.k3s.cluster,
            }));
        // A server's user data is its first boot alone; the tokens and the CA's key go over SSH below.
        const userData = cloudUserData(args.k3s.nodeName, server ? undefined : node, bootKey);

        const instance = new ec2.Instance(name, {
            instanceType: args.instanceType,
            ami: args.amiId,
            subnetId: args.subnetId,
            privateIp: args.privateIp,
            vpcSecurityGroupIds: args.securityGroupIds,
            iamInstanceProfile: args.instanceProfileName,
            keyName: args.keyName,
            userDataBase64: pulumi.secret(userData),
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                // One hop: the node itself. A pod's traffic crosses a second hop and gets no token.
                httpPutResponseHopLimit: 1,
            },
            rootBlockDevice: {
                volumeType: "gp3",
                volumeSize: args.rootVolumeGbs,
                encrypted: true,
                // A server's root volume holds etcd.
                deleteOnTermination: args.k3s.role !== "server",
            },
            instanceMarketOptions: args.spotMaxPricePerHour === undefined ? undefined : {
                marketType: "spot",
                spotOptions: {
                    maxPrice: args.spotMaxPricePerHour.toFixed(4),
                    spotInstanceType: "persistent",
                    instanceInterruptionBehavior: "stop",
                },
            },
            tags: { ...args.tags, Name: name, ...k3sNodeTags(args.k3s.role, args.k3s.cluster?.etcdSnapshots) },
        }, {
            parent: this,
            // A newer AMI or a re-rendered bootstrap must never replace a running node.
            ignoreChanges: ["ami", "userDataBase64"],
        });
        const association = address && new ec2.EipAssociation(name, { allocationId: address.id, instanceId: instance.id }, { parent: this });
        if (server) {
            const host = address!.publicIp;
            // Its first connection, verifying the boot key, trades it for one the node makes itself
            // (under trust on first use, reads the node's own); every later one verifies that.
            this.hostKey = new HostKeyHandover(name, {
                instanceId: instance.id,
                login: { ...args.login!, host, hostKey: bootKey?.publicKeyOpenssh.apply((k) => k.trim()) },
                after: [instance, association!],
            }, { parent: this }).hostKey;
            this.installed = new K3sServerInstall(name, {
                instanceId: instance.id,
                login: { ...args.login!, host, hostKey: this.hostKey },
                script: node.apply((n) => k3sRemoteInstall(n, { afterCloudInit: true })),
                after: [instance, association!, ...(args.installAfter ?? [])],
            }, { parent: this }).installed;
        }
        this.privateIp = instance.privateIp;
        this.publicIp = address ? address.publicIp : pulumi.output("");
        this.registerOutputs({ privateIp: this.privateIp, publicIp: this.publicIp });
    }
}
