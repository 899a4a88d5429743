import type { PolicyConfigSchema } from "@pulumi/policy";

/**
 * What "administration ports open to the world" means, shared by the AWS and OCI ingress rules.
 * CIS AWS Foundations Benchmark 5.2/5.3 (v2.0.0; 6.3 in v6.0.0) and CIS OCI Foundations 2.1–2.4:
 * no ingress from 0.0.0.0/0 or ::/0 to remote administration ports, over TCP, UDP or ALL protocols
 * (read 2026-11-25 on hub.steampipe.io and tenable.com audit items). The Kubernetes API (6443) is
 * an administration port for a k3s node, so it is in the default list beside SSH.
 */

export interface PublicIngressConfig {
    adminPorts: number[];
    allowedIngressCidrs: string[];
}

export const PUBLIC_INGRESS_SCHEMA: PolicyConfigSchema = {
    properties: {
        adminPorts: {
            type: "array",
            items: { type: "integer" },
            default: [22, 6443],
            description: "Ports that must not be reachable from 0.0.0.0/0 or ::/0 (SSH, Kubernetes API).",
        },
        allowedIngressCidrs: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "World-open sources accepted anyway, as a reviewed exception (e.g. a public API behind its own auth).",
        },
    },
};

/** A CIDR with prefix length 0 matches every address: 0.0.0.0/0, ::/0. */
export function isWorldOpen(cidr: unknown, config: PublicIngressConfig): cidr is string {
    return typeof cidr === "string" && /\/0$/.test(cidr.trim()) && !(config.allowedIngressCidrs ?? []).includes(cidr.trim());
}

/** The admin ports inside [from, to]; undefined bounds mean every port. */
export function adminPortsIn(from: unknown, to: unknown, config: PublicIngressConfig): number[] {
    const lo = typeof from === "number" ? from : Number(from ?? 0);
    const hi = typeof to === "number" ? to : Number(to ?? 65535);
    return (config.adminPorts ?? []).filter((p) => p >= lo && p <= hi);
}

export const FIX_HINT = "restrict the source to the admin network or the other sites' addresses, or reach the node through SSM/a VPN";
