import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { A1_FLEX_LIMITS, A1NodeSize, alwaysFreeViolations, MIN_BOOT_VOLUME_GBS } from "../components/oci/always-free";
import { cidrContains, cidrsOverlap, parseIpv4Cidr } from "./cidr";
import { ConfigError, formatIssues, NAMESPACE } from "./config-errors";
import { OCI_REGIONS } from "./oci-regions";

/**
 * The one schema for `Pulumi.<stack>.yaml`. Every key under `groundwork:` is parsed here, once,
 * into typed objects with defaults; components receive these and never read `pulumi.Config`.
 */

/** k3s release pinned by default. Source: k3s-io/k3s#13554, stable channel (2026-02-03). */
export const DEFAULT_K3S_VERSION = "v1.34.3+k3s3";

const cidr = z.string().refine((v) => parseIpv4Cidr(v) !== undefined, {
    message: "must be an IPv4 network in CIDR notation with no host bits set, e.g. 10.0.0.0/16",
});
const operatorCidr = cidr.refine((v) => !v.endsWith("/0"), {
    message: "opens the port to the whole internet; list the operators' own ranges (e.g. 203.0.113.0/24)",
});
const ocid = (kind: string) =>
    z.string().regex(new RegExp(`^ocid1\\.${kind}\\.oc\\d+\\.[a-z0-9-]*\\.[a-z0-9]+$`), {
        message: `must be an OCI ${kind.replace("|", " or ")} OCID (ocid1.${kind.split("|")[0]}.oc1..<id>)`,
    });
const dnsLabel = z.string().regex(/^[a-z][a-z0-9-]{0,14}$/, {
    message: "must be a DNS label: lower-case letters, digits and '-', starting with a letter, at most 15 characters",
});
const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labels = z.record(
    z.string().regex(labelKey, { message: "must be a Kubernetes label key (prefix/name)" }),
    z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, { message: "must be a Kubernetes label value (at most 63 characters)" }),
);
const taint = z.string().regex(/^[^=:\s]+(=[^=:\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/, {
    message: "must be a taint: key[=value]:NoSchedule|PreferNoSchedule|NoExecute",
});
/** A secret: parsed as text, handed to components only as a secret Output. */
const secret = z.string().min(1).transform((v) => pulumi.secret(v));

const clusterSchema = z.strictObject({
    k3sVersion: z.string()
        .regex(/^v1\.\d+\.\d+\+k3s\d+$/, { message: "must be a k3s release tag such as v1.34.3+k3s3" })
        .default(DEFAULT_K3S_VERSION)
        .describe("k3s release installed on every node (pinned)."),
    podCidr: cidr.default("10.42.0.0/16").describe("Pod network (k3s `cluster-cidr`)."),
    serviceCidr: cidr.default("10.43.0.0/16").describe("Service network (k3s `service-cidr`)."),
    apiAllowedCidrs: z.array(operatorCidr).min(1)
        .describe("Ranges allowed to reach the Kubernetes API (TCP 6443) from outside the cluster. Required; never 0.0.0.0/0."),
});

const ociNodeSchema = z.strictObject({
    name: dnsLabel.describe("Node name, instance name and hostname."),
    role: z.enum(["server", "agent"]).default("agent").describe("k3s role."),
    ocpus: z.number().int().min(1).max(A1_FLEX_LIMITS.maxOcpus).describe("A1 OCPUs; Always-Free allows 4 across all nodes."),
    memoryGbs: z.number().int().min(1).max(A1_FLEX_LIMITS.maxMemoryGbs).describe("Memory in GB, 1 to 64 per OCPU; Always-Free allows 24 across all nodes."),
    bootVolumeGbs: z.number().int().min(MIN_BOOT_VOLUME_GBS).default(MIN_BOOT_VOLUME_GBS).describe("Boot volume size in GB (at least 50)."),
    availabilityDomain: z.string().min(1).optional().describe("Availability domain for this node; default: the site's."),
    labels: labels.default({}).describe("Extra Kubernetes node labels."),
    taints: z.array(taint).default([]).describe("Kubernetes node taints, `key[=value]:Effect`."),
}).superRefine((n, ctx) => {
    if (n.memoryGbs < n.ocpus) {
        ctx.addIssue({ code: "custom", path: ["memoryGbs"], message: `A1.Flex needs at least 1 GB of memory per OCPU (${n.ocpus} here)` });
    } else if (n.memoryGbs > n.ocpus * A1_FLEX_LIMITS.maxMemoryGbsPerOcpu) {
        ctx.addIssue({ code: "custom", path: ["memoryGbs"], message: `A1.Flex allows at most ${A1_FLEX_LIMITS.maxMemoryGbsPerOcpu} GB per OCPU (${n.ocpus * A1_FLEX_LIMITS.maxMemoryGbsPerOcpu} GB for ${n.ocpus})` });
    }
});

const ociAuthSchema = z.strictObject({
    tenancyOcid: ocid("tenancy").describe("Tenancy OCID."),
    userOcid: ocid("user").describe("API user OCID."),
    fingerprint: z.string().regex(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/, { message: "must be an API key fingerprint, 16 hex pairs separated by ':'" })
        .describe("API key fingerprint."),
    privateKey: secret.describe("API signing key, PEM (secret: `pulumi config set --secret --path oci.auth.privateKey`)."),
});

const ociSchema = z.strictObject({
    region: z.enum(OCI_REGIONS).describe("OCI region; Always-Free A1 capacity exists only in the tenancy's home region."),
    compartmentId: ocid("compartment|tenancy").describe("Compartment for every resource."),
    auth: ociAuthSchema.optional().describe("API key auth; when absent the OCI provider reads ~/.oci/config or OCI_* variables."),
    availabilityDomain: z.string().min(1).optional().describe("Availability domain name; default: the first one the region lists."),
    imageId: ocid("image").optional().describe("aarch64 image OCID; default: the newest Canonical Ubuntu 24.04 image for A1."),
    alwaysFree: z.boolean().default(true).describe("Enforce the Always-Free totals (4 OCPU, 24 GB, 200 GB block storage)."),
    vcnCidr: cidr.default("10.0.0.0/16").describe("VCN range."),
    publicSubnetCidr: cidr.default("10.0.0.0/24").describe("Public subnet (servers, ingress)."),
    privateSubnetCidr: cidr.default("10.0.1.0/24").describe("Private subnet (agents, NAT egress)."),
    sshAllowedCidrs: z.array(operatorCidr).min(1).describe("Ranges allowed to reach SSH on public nodes. Required; never 0.0.0.0/0."),
    ingressAllowedCidrs: z.array(cidr).min(1).default(["0.0.0.0/0"]).describe("Ranges allowed to reach HTTP/HTTPS ingress."),
    sshAuthorizedKeys: z.array(z.string().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/, {
        message: "must be an OpenSSH public key line (ssh-ed25519 AAAA... comment)",
    })).default([]).describe("Operators' SSH public keys for the `ubuntu` user (Pulumi adds its own generated key)."),
    nodes: z.array(ociNodeSchema).min(1).describe("A1 instances; at least one `server`."),
});

/**
 * Cross-field checks run even when a field failed its own check (zod skips them by default), so
 * one run reports every problem. They see the input as it is, so each looks only at values that
 * parsed; `Partial` types below say so.
 */
const always = { when: () => true };
type Loose<T> = { [K in keyof T]?: unknown };

function checkOciSite(oci: Loose<z.output<typeof ociSchema>>, ctx: z.RefinementCtx): void {
    const text = (v: unknown) => (typeof v === "string" ? v : "");
    const vcn = parseIpv4Cidr(text(oci.vcnCidr));
    const pub = parseIpv4Cidr(text(oci.publicSubnetCidr));
    const priv = parseIpv4Cidr(text(oci.privateSubnetCidr));
    for (const [key, subnet] of [["publicSubnetCidr", pub], ["privateSubnetCidr", priv]] as const) {
        if (vcn && subnet && !cidrContains(vcn, subnet)) {
            ctx.addIssue({ code: "custom", path: [key], message: `must lie inside vcnCidr ${text(oci.vcnCidr)}` });
        }
    }
    if (pub && priv && cidrsOverlap(pub, priv)) {
        ctx.addIssue({ code: "custom", path: ["privateSubnetCidr"], message: `overlaps publicSubnetCidr ${text(oci.publicSubnetCidr)}` });
    }
    if (!Array.isArray(oci.nodes) || !oci.nodes.every((n) => n !== null && typeof n === "object")) {
        return;
    }
    const nodes = oci.nodes as Loose<z.output<typeof ociNodeSchema>>[];
    const names = new Map<unknown, number>();
    nodes.forEach((node, i) => {
        if (names.has(node.name)) {
            ctx.addIssue({ code: "custom", path: ["nodes", i, "name"], message: `is already the name of nodes[${names.get(node.name)}]; node names must be unique` });
        }
        names.set(node.name, i);
    });
    // An omitted role means agent.
    const servers = nodes.filter((n) => n.role === "server").length;
    if (servers === 0) {
        ctx.addIssue({ code: "custom", path: ["nodes"], message: "needs at least one node with role: server" });
    } else if (servers % 2 === 0) {
        const at = nodes.map((n) => n.role).lastIndexOf("server");
        ctx.addIssue({ code: "custom", path: ["nodes", at, "role"], message: `makes ${servers} servers; embedded etcd needs an odd number (1, 3, 5) to keep quorum` });
    }
    const sizes = nodes.map((n) => ({ ocpus: n.ocpus, memoryGbs: n.memoryGbs, bootVolumeGbs: n.bootVolumeGbs ?? MIN_BOOT_VOLUME_GBS }));
    const sized = sizes.every((n) => Object.values(n).every(Number.isInteger));
    if (oci.alwaysFree !== false && sized) {
        for (const v of alwaysFreeViolations(sizes as A1NodeSize[])) {
            ctx.addIssue({ code: "custom", path: ["nodes", ...v.path], message: v.message });
        }
    }
}

const ociSiteSchema = ociSchema.superRefine(checkOciSite, always);

export const stackConfigSchema = z.strictObject({
    cluster: clusterSchema.describe("The k3s cluster: version, networks, API access."),
    oci: ociSiteSchema.optional().describe("Oracle Cloud site (Always-Free A1 nodes by default)."),
}).superRefine((cfg: Loose<{ cluster: Loose<ClusterConfig>; oci: Loose<OciSiteConfig> }>, ctx) => {
    if (cfg.oci === undefined) {
        ctx.addIssue({ code: "custom", path: ["oci"], message: "no site is configured; set groundwork:oci (see Pulumi.dev.yaml)" });
        return;
    }
    const cluster = (cfg.cluster ?? {}) as Loose<ClusterConfig>;
    const oci = cfg.oci as Loose<OciSiteConfig>;
    const range = (v: unknown) => (typeof v === "string" ? parseIpv4Cidr(v) : undefined);
    const pod = range(cluster.podCidr);
    const svc = range(cluster.serviceCidr);
    if (pod && svc && cidrsOverlap(pod, svc)) {
        ctx.addIssue({ code: "custom", path: ["cluster", "serviceCidr"], message: `overlaps cluster.podCidr ${cluster.podCidr}` });
    }
    const vcn = range(oci?.vcnCidr);
    const overlapped = (["podCidr", "serviceCidr"] as const).filter((key) => {
        const r = range(cluster[key]);
        return vcn && r && cidrsOverlap(vcn, r);
    });
    if (overlapped.length > 0) {
        const what = overlapped.map((key) => `cluster.${key} ${cluster[key]}`).join(" and ");
        ctx.addIssue({ code: "custom", path: ["oci", "vcnCidr"], message: `overlaps ${what}; node and cluster networks must be disjoint` });
    }
}, always);

export type ClusterConfig = z.output<typeof clusterSchema>;
export type OciSiteConfig = z.output<typeof ociSchema>;
export interface StackConfig {
    cluster: ClusterConfig;
    oci?: OciSiteConfig;
}

/** Paths to values that must never be echoed back: everything under oci.auth but its ids. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
    return path[0] === "oci" && path[1] === "auth" && !["tenancyOcid", "userOcid", "fingerprint"].includes(String(path[2]));
}

/**
 * Parses the raw config map (`groundwork:<key>` → JSON text, as the Pulumi CLI hands it over).
 * Throws a ConfigError listing every problem at once.
 */
export function parseStackConfig(raw: Record<string, string>): StackConfig {
    const input: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        const [namespace, key] = fullKey.split(":", 2);
        if (namespace !== NAMESPACE || key === undefined) {
            continue; // Other namespaces (oci:, aws:, kubernetes:) belong to their providers.
        }
        try {
            input[key] = JSON.parse(text);
        } catch {
            input[key] = text; // A plain string; the schema says whether that is acceptable.
        }
    }
    const result = stackConfigSchema.safeParse(input, { reportInput: true });
    if (!result.success) {
        throw new ConfigError(formatIssues(stackConfigSchema, input, result.error.issues, isSecretPath));
    }
    return result.data;
}

/** Reads this stack's configuration from the Pulumi runtime and parses it. */
export function loadStackConfig(): StackConfig {
    return parseStackConfig(pulumi.runtime.allConfig());
}
