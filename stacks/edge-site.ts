import * as pulumi from "@pulumi/pulumi";
import { EdgeMachines } from "../components/edge/edge-machines";
import { ClusterContext, SiteResult, supervisorUrl } from "./cluster-context";
import { EdgeSiteConfig } from "./config";
import { internalRange, isIpv4, specialRange } from "./config/cidr";

/** The address other nodes reach an edge machine at. */
export const edgeAddress = (m: { host: string; externalIp?: string }) => m.externalIp ?? m.host;

/**
 * Where an edge machine reaches other sites from, where the config says: its externalIp, else its
 * host when that is a public IPv4 address. A machine behind a NAT the config does not name has none:
 * its owner lists that NAT's address in cluster.apiAllowedCidrs (README, Overlays).
 */
export const edgeEgressAddress = (m: { host: string; externalIp?: string }): string[] =>
    m.externalIp !== undefined ? [m.externalIp] : isIpv4(m.host) && internalRange(m.host) === undefined && specialRange(m.host) === undefined ? [m.host] : [];

export interface EdgeSiteArgs {
    /** Where the machines join when the servers live elsewhere. */
    externalServerUrl?: pulumi.Input<string>;
    /** What installs those servers: the machines' installs wait for it. */
    serversInstalled: pulumi.Resource[];
}

/** The EdgeMachines component's name: its install Commands are named after it (edgeInstallName). */
export const EDGE_COMPONENT = "edge";

/** An edge site: existing machines that get k3s over SSH. */
export function edgeSite(ctx: ClusterContext, site: EdgeSiteConfig, args: EdgeSiteArgs): SiteResult {
    const hostsServers = ctx.serverSite === "edge";
    const initial = hostsServers ? site.machines.find((m) => m.role === "server") : undefined;
    const machines = new EdgeMachines(EDGE_COMPONENT, {
        machines: site.machines,
        taintEdge: ctx.taintEdge,
        after: args.serversInstalled,
        k3s: {
            version: ctx.cluster.k3sVersion,
            tokens: ctx.tokens,
            serverUrl: initial ? supervisorUrl(edgeAddress(initial)) : args.externalServerUrl,
            initialServer: initial?.name,
            serverCa: ctx.serverCa,
            overlay: ctx.overlay,
            tailscale: ctx.tailscale,
            podCidr: ctx.cluster.podCidr,
            serviceCidr: ctx.cluster.serviceCidr,
            etcdSnapshots: ctx.etcdSnapshots,
            apiOidc: ctx.apiOidc,
        },
    });
    const result: SiteResult = {
        nodes: Object.fromEntries(site.machines.map((m) => [m.name, { privateIp: m.host, publicIp: m.externalIp ?? "", kind: "edge" as const }])),
    };
    if (initial) {
        result.externalServerUrl = supervisorUrl(edgeAddress(initial));
        result.serverAccess = {
            address: initial.host,
            port: initial.port,
            user: initial.user,
            privateKey: initial.privateKey,
            hostKey: initial.hostKey,
            // Every server's install: a kubeconfig read that restarts the first server (to renew its
            // admin certificate) must not overlap another server's restart, or etcd loses quorum.
            dependsOn: site.machines.filter((m) => m.role === "server").map((m) => machines.installs[m.name]),
        };
    }
    return result;
}
