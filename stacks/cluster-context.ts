import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { EtcdSnapshotSchedule, JoinTokens, Overlay, TailscaleJoin } from "../components/k3s/bootstrap";
import { ApiServerOidc } from "../components/k3s/api-audit";
import { ServerCaFiles } from "../components/k3s/server-ca";
import { IngressOpening, K3S_API_PORT } from "../components/k3s/ports";
import { NodeKind } from "../components/placement";
import { ClusterConfig } from "./config";

export type Site = "oci" | "aws" | "edge";

/** What every site's wiring shares: the cluster's settings and credentials. */
export interface ClusterContext {
    cluster: ClusterConfig;
    overlay: Overlay;
    /** The site whose nodes run the servers (embedded etcd). */
    serverSite: Site;
    /** Whether nodes live in more than one site (and so reach each other over public addresses). */
    multiSite: boolean;
    /** Whether edge machines carry the `groundwork.dev/edge` taint (`edgeMachinesTainted`). */
    taintEdge: boolean;
    /** Servers join with `server`; agents, wherever they are, only ever hold `agent`; both pin the server CA. */
    tokens: JoinTokens;
    /** The server CA's files, for the initial server only; absent for a cluster that keeps its own CA. */
    serverCa?: pulumi.Output<ServerCaFiles>;
    tailscale?: TailscaleJoin;
    /** What the firewalls open to the ingress controller: nothing unless a route exists. */
    ingress: IngressOpening[];
    /** The key Pulumi itself logs in with (kubeconfig, external IPs). */
    operatorKey: tls.PrivateKey;
    /** Every server's etcd snapshots (platform.backups.etcd). */
    etcdSnapshots: EtcdSnapshotSchedule;
    /** People sign in to the API server with the stack's identity provider (access.sso), if it has one. */
    apiOidc?: ApiServerOidc;
}

/** How Pulumi reaches the initial server over SSH to read the kubeconfig. */
export interface ServerAccess {
    address: pulumi.Input<string>;
    port: number;
    user: string;
    privateKey: pulumi.Input<string>;
    /** The server's own SSH host key, verified on every connection after the first (`HostKeyHandover`). */
    hostKey?: pulumi.Input<string>;
    dependsOn: pulumi.Resource[];
}

/** What a site's wiring hands back. */
export interface SiteResult {
    nodes: Record<string, { privateIp: pulumi.Input<string>; publicIp: pulumi.Input<string>; kind: NodeKind; ociInstanceId?: pulumi.Input<string> }>;
    /** The URL other sites' nodes join at, when the servers live here. */
    externalServerUrl?: pulumi.Input<string>;
    serverAccess?: ServerAccess;
    /** The site's cloud provider, for platform resources that live in that cloud (KMS keys). */
    provider?: pulumi.ProviderResource;
    /** AWS servers' IAM role, which writes their etcd snapshots (no key needed). */
    serverRoleName?: pulumi.Output<string>;
    /** Where the site's nodes reach other sites from: public nodes' addresses and the NAT gateway's. */
    egressAddresses?: pulumi.Input<string>[];
}

export const supervisorUrl = (address: pulumi.Input<string>) => pulumi.interpolate`https://${address}:${K3S_API_PORT}`;

/** `/32` firewall sources for the given addresses. */
export const hostCidrs = (addresses: pulumi.Input<string>[]) => addresses.map((a) => pulumi.interpolate`${a}/32`);
