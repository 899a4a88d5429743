import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { INSTANCE_TYPES } from "../../components/aws/instance-types";
import { DEFAULT_TAILSCALE_VERSION, K3S_INSTALLER_SHA256 } from "../../components/k3s/bootstrap";
import { LANGFUSE_CHART } from "../../components/platform/langfuse";
import { trustAnchorProblems } from "../../components/platform/mesh-identity";
import { RECOVERY_SHARES, recoveryPgpKeyProblems } from "../../components/platform/vault-bootstrap";
import { k3sVersionSkewProblem } from "../../components/k3s/upgrades";
import { serverCaHashProblem } from "../../components/k3s/server-ca";
import { backupsSchema, BACKUP_DEFAULTS, STORE_BACKUP_NAMES } from "./backups";
import { postgresSchema, POSTGRES_DEFAULTS, POSTGRES_RETENTION_DAYS, postgresScheduleFields, sameBucketKeyProblems } from "./postgres";
import { runInDrainWindow, UPGRADE_JOB_MINUTES, upgradesSchema, UPGRADES_DEFAULTS, windowText } from "./upgrades";
import { cronJobFields, cronProblem, withoutSeconds } from "./schedule";
import { monitoringSchema, MonitoringConfig, P95_LATENCY_DEFAULT_SECONDS, plainHttpAcrossNetworks, smtpCredentialProblems } from "./monitoring";
import { NodeKind, PLACEMENTS } from "../../components/placement";
import { INGRESS_PORTS } from "../../components/k3s/ports";
import { accessIssues, accessSchema, AccessConfig, appsSchema, AppsConfig, ssoSecretProblems } from "./access";
import { awsServerName, awsSiteSchema, AwsSiteConfig, fixedCount } from "./aws";
import { cidrContains, cidrsOverlap, internalRange, isIpv4, Ipv4Cidr, parseIpv4Cidr, specialRange, withinInternalRange } from "./cidr";
import { edgeSchema, EdgeSiteConfig, isTunnelEnd } from "./edge";
import { configPathParts, encryptedNonCredentials, OFFLINE_PLACEHOLDER_PREFIX, PLAN_SECURE_PATHS_KEY, stackFileSecurePaths } from "./encrypted-values";
import { configKey, ConfigError, formatIssues, hasCredentialShape, misspeltNamespaceProblems, NAMESPACE, redactCredentials, valueAt, webhookWithCredential } from "./errors";
import { ignoredSettingProblems } from "./ignored-settings";
import { gpuPodSizeProblems, platformCapacityProblems, podSizeProblems } from "../capacity";
import { gpuCacheProblems, volumeSizeProblems } from "../disk-capacity";
import { hostedKeyProviderProblems, InferenceConfig, inferenceIssues, inferenceSchema } from "./inference";
import { ociFingerprintProblems, ociSiteSchema, OciSiteConfig } from "./oci";
import { always, cidr, emailAddress, isObject, keepsPodsOff, Loose, meshClients, noRepeats, objectItems, operatorCidr, plainUrl, checkedSecret, tokenProblem } from "./primitives";

/**
 * The one schema for `Pulumi.<stack>.yaml`. Every key under `groundwork:` is parsed here, once,
 * into typed objects with defaults; components receive these and never read `pulumi.Config`.
 */

/**
 * A Tailscale auth key, by shape only. An OAuth client secret (`tskey-client-`) makes `tailscale up`
 * mint a key for the tags it advertises, and fails without them ("oauth authkeys require
 * --advertise-tags": tailscale/tailscale cmd/tailscale/cli/up.go `resolveAuthKey`, read in the code
 * index 2026-11-29); k3s's vpn-auth here passes none, so no node would join. An API access token
 * (`tskey-api-`) joins no node at all. The messages name neither prefix: the error formatter hides
 * any text shaped like a token.
 */
export function tailscaleAuthKeyProblem(key: string): string | undefined {
    if (key.startsWith("tskey-client-")) return "is a Tailscale OAuth client secret, which joins only nodes that advertise tags, and k3s's vpn-auth here advertises none; generate a reusable, pre-approved auth key under Settings, Keys in the admin console";
    if (key.startsWith("tskey-api-")) return "is a Tailscale API access token, which calls the API but joins no node; generate a reusable, pre-approved auth key under Settings, Keys in the admin console";
    // Its shape's own problems first (quotes, spaces, a variable's name: false-refusal review s27).
    const problem = tokenProblem(key);
    if (problem !== undefined) return problem;
    // Groundwork joins Tailscale's own control plane (vpn-auth names no other), whose auth keys are `tskey-auth-` (sweep s30 M5).
    if (!key.startsWith("tskey-") && !key.startsWith(OFFLINE_PLACEHOLDER_PREFIX)) return "is not a Tailscale auth key (Tailscale's begin with tskey, then auth), and the nodes join Tailscale's own control plane, not Headscale's; generate a reusable, pre-approved auth key under Settings, Keys in the admin console";
    return undefined;
}

/** k3s release pinned by default. Source: k3s-io/k3s#13554, stable channel (2026-02-03). */
/**
 * k3s, pinned at the newest 1.34 patch whose release we can show: k3s-io/k3s@v1.34.9+k3s1
 * (commit 5f72184f, `k3s version v1.34.9+k3s1 (5f72184f)`; install.sh at the repo root verifies the
 * binary's sha256). It carries the VPN node IP on the kubelet (k3s-io/k3s#13457, first in
 * v1.34.4+k3s1) and in the kubelet's serving certificate (first in v1.34.7+k3s1). Later patches
 * (v1.34.12+k3s1) are quoted only by third parties (checked 2026-11-27).
 */
export const DEFAULT_K3S_VERSION = "v1.34.9+k3s1";

/** A cluster network: private address space, never a special-purpose range. */
const clusterRange = cidr.refine((v) => specialRange(v) === undefined, {
    error: (issue) => `overlaps ${specialRange(String(issue.input))}, which no pod or service network may use; pick a private range such as 10.42.0.0/16`,
})
    // Every node routes the range to pods or Services: public addresses in it would never be reached
    // on the internet from the cluster (sweep s27 M7).
    .refine((v) => parseIpv4Cidr(v) === undefined || specialRange(v) !== undefined || withinInternalRange(v), {
        error: (issue) => `is not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, or 100.64.0.0/10), so every node would route ${String(issue.input)}'s addresses into the cluster and nothing in it could reach them where they really are (on the internet, or a range kept for other uses); pick a private range such as 10.42.0.0/16`,
    });

const clusterSchema = z.strictObject({
    k3sVersion: z.string()
        .regex(/^v1\.\d+\.\d+\+k3s\d+$/, { message: "must be a k3s release tag such as v1.34.9+k3s1" })
        .refine((v) => !/^v1\.\d+\.\d+\+k3s\d+$/.test(v) || K3S_INSTALLER_SHA256[v] !== undefined, {
            message: `has no pinned checksum of its installer; use one Groundwork has verified (${Object.keys(K3S_INSTALLER_SHA256).join(", ")}), or add the sha256 of install.sh at that tag to K3S_INSTALLER_SHA256`,
        })
        .refine((v) => k3sVersionSkewProblem(v) === undefined, { error: (issue) => k3sVersionSkewProblem(String(issue.input)) })
        .default(DEFAULT_K3S_VERSION)
        .describe("k3s release every node runs (pinned). New nodes install it; a change upgrades the running ones through system-upgrade-controller, servers first, one node at a time, drained (README, Upgrades)."),
    upgrades: upgradesSchema.default(UPGRADES_DEFAULTS).describe("How k3s upgrades reach the nodes."),
    podCidr: clusterRange.default("10.42.0.0/16").describe("Pod network (k3s `cluster-cidr`)."),
    serviceCidr: clusterRange.default("10.43.0.0/16").describe("Service network (k3s `service-cidr`)."),
    sshHostKeys: z.enum(["generated", "trust-on-first-use"]).default("generated")
        .describe("`generated`: each cloud node Pulumi reaches boots with a host key made by Pulumi and installed by cloud-init, which verifies Pulumi's first connection; that connection has the node make a key of its own and print it, and every later connection verifies that one. `trust-on-first-use`: the first connection to each cloud node accepts whatever key it presents (pulumi-command ignores the host key when given none: pulumi/pulumi-command@v1.2.1 connection.go L95-97), sends nothing secret and reads the node's own key, which every later connection verifies; for clusters built before host keys were generated (their user data is never re-applied)."),
    serverCaHash: z.string().refine((v) => serverCaHashProblem(v) === undefined, { error: (issue) => serverCaHashProblem(String(issue.input)) }).optional()
        .describe("For a cluster whose first server was made before Groundwork made the k3s server CA: the sha256 of the CA it made itself, 64 lower-case hex characters (`sudo cut -c4-67 /var/lib/rancher/k3s/server/token` on that server). Joining nodes pin it in their tokens. Unset, Pulumi makes the CA and places it on the first server before k3s first starts (README, Joins pin the server CA)."),
    apiAllowedCidrs: z.array(operatorCidr).min(1, { message: "must list at least one range: the Kubernetes API is reached from outside only from these, by Pulumi's provider and by kubectl; give the ranges you run them from" }).superRefine(noRepeats("list each range once: EC2 refuses two identical rules in one security group"))
        .describe("Ranges allowed to reach the Kubernetes API (TCP 6443) from outside the cluster. Required; never 0.0.0.0/0."),
    tailscale: z.strictObject({
        authKey: checkedSecret(tailscaleAuthKeyProblem).describe("Tailscale auth key (secret), reusable and pre-approved, for k3s `vpn-auth`."),
        version: z.string().regex(/^\d+\.\d+\.\d+$/, { message: "must be a Tailscale release such as 1.94.2" })
            // An odd minor is an unstable build (tailscale/tailscale version/prop.go IsUnstableBuild: "whether its
            // minor version number is odd"), which the stable apt repository the nodes install from does not carry (sweep s18 ov05).
            .refine((v) => Number(v.split(".")[1]) % 2 === 0, { error: (issue) => `is on Tailscale's unstable track (odd minor ${String(issue.input).split(".")[1]}), which the stable apt repository the nodes install from does not carry; give a stable release (even minor) such as ${DEFAULT_TAILSCALE_VERSION}` })
            .default(DEFAULT_TAILSCALE_VERSION)
            .describe("Tailscale client installed on every node (pinned)."),
    }).optional().describe("Tailscale settings, for sites whose overlay is `tailscale`."),
});

/**
 * The manual-unseal Vault token, as the stack file has it (parsed, it is a secret): an unseal key
 * (`vault operator init` prints "Unseal Key N:", 32 bytes in base64) is no token, and every call
 * would be refused with 403; tokens are `hvs.`/`s.` and the like (sweep s18 pf43). Never names it.
 */
export function vaultTokenProblems(rawPlatform: unknown): { path: (string | number)[]; message: string }[] {
    const token = (rawPlatform as { vault?: { token?: unknown } } | undefined)?.vault?.token;
    // A share of the default split (5) is 33 bytes, 44 characters unpadded; a single key (-key-shares=1) is 32 bytes, 43 and '=' (sweep s18 rerun pf43b).
    if (typeof token !== "string") return [];
    const path = ["platform", "vault", "token"];
    // Pasted from `vault operator init -format=json` with its quotes, a token is sent with them and
    // refused; the configure script quotes it for the shell, where a quote would end the quoting (sweep s20-18, s20-18b).
    if (/["'`$\\;]/.test(token)) {
        return [{ path, message: "holds a quote or a shell character (\" ' ` $ \\ ;), which no Vault token has (hvs.…): paste the token alone, without the quotes vault operator init -format=json prints around it" }];
    }
    if (!/^([A-Za-z0-9+/]{43}=|[A-Za-z0-9+/]{44})$/.test(token.trim())) return [];
    return [{ path, message: "has the shape of an unseal key (44 base64 characters, as vault operator init prints each Unseal Key), not a Vault token (hvs.…); give the Initial Root Token it printed, or a token made with the groundwork-pulumi policy (README, Vault)" }];
}

const placement = z.enum(PLACEMENTS);
const placementSchema = z.strictObject({
    platform: placement.default("any").describe("Where platform services (mesh, Vault, databases, Langfuse) run."),
    inference: placement.default("any").describe("Where inference servers run."),
});

const vaultSchema = z.strictObject({
    replicas: z.literal([1, 3, 5]).default(1).describe("Vault servers: 1, or 3/5 for HA on Raft."),
    storageGbs: z.number().int().min(1).max(1000).default(10).describe("Raft data volume per server, GB."),
    unseal: z.enum(["auto", "manual"]).default("auto").describe("`auto`: the stack's cloud KMS (AWS if present, else OCI); `manual`: Shamir keys (edge-only stacks)."),
    // Quotes and shell characters get vaultTokenProblems' own message, which says where they come from.
    token: checkedSecret((t) => (/["'`$\\;]/.test(t) ? undefined : tokenProblem(t))).optional().describe("A Vault token Pulumi configures Vault with (secret): with manual unseal, the one the operator made; with auto-unseal, only when the one Pulumi made at init no longer works (its 32-day period lapsed, or Vault was restored from a snapshot)."),
    recoveryPgpKeys: z.array(z.string())
        .superRefine((keys, ctx) => {
            for (const { index, message } of recoveryPgpKeyProblems(keys)) ctx.addIssue({ code: "custom", path: index === undefined ? [] : [index], message });
        })
        .optional()
        .describe(`With auto unseal: one OpenPGP public key per recovery share (${RECOVERY_SHARES}), each \`gpg --export <fingerprint> | base64 -w0\` of a key with an encryption subkey; Vault returns each share encrypted to its key, so the stack's state holds none in the clear. Read only when Vault is first initialised (README, Vault).`),
});

const platformSchema = z.strictObject({
    mesh: z.strictObject({
        ha: z.boolean().default(false).describe("Three Linkerd controller replicas with anti-affinity and disruption budgets."),
        trustAnchor: z.strictObject({
            generation: z.number().int().min(1).default(1).describe("The trust anchor that signs the mesh's identity issuer. Raise it by one to rotate (README, Rotating the mesh's trust anchor)."),
            alsoTrust: z.array(z.number().int().min(1)).max(2).default([]).describe("Other anchor generations kept in the trust bundle during a rotation's overlap."),
        }).superRefine((anchor, ctx) => {
            for (const message of trustAnchorProblems(anchor)) ctx.addIssue({ code: "custom", path: ["alsoTrust"], message });
        }).default({ generation: 1, alsoTrust: [] }).describe("Linkerd's trust anchors: ECDSA P-256, ten years, made by Pulumi."),
    }).default({ ha: false, trustAnchor: { generation: 1, alsoTrust: [] } }).describe("Linkerd: mTLS between every meshed workload."),
    vault: vaultSchema.default({ replicas: 1, storageGbs: 10, unseal: "auto" }).describe("Vault: every platform secret."),
    postgres: postgresSchema.default(POSTGRES_DEFAULTS).describe("Postgres with pgvector (CloudNativePG)."),
    langfuse: z.strictObject({
        // No leading zeros: the image tags are 3.224.1, never 3.224.01 or 03.224.1 (sweep s29 M6, W1).
        version: z.string().regex(/^\d+\.\d+\.\d+$/, { message: "must be a Langfuse release such as 3.224.1" })
            .refine((v) => !/(^|\.)0\d/.test(v), { message: `has a number with a leading zero, which no Langfuse image tag has; write it as the release is named, such as ${LANGFUSE_CHART.appVersion}` }).default(LANGFUSE_CHART.appVersion)
            .describe("Langfuse release (3.x: ClickHouse, Valkey and blob storage beside Postgres); default: the chart's appVersion."),
        clickhouseStorageGbs: z.number().int().min(5).max(1000).default(20).describe("ClickHouse volume (traces), GB."),
        url: plainUrl(/^https?$/, "must be an http(s) URL such as https://langfuse.example.com")
            // The prebuilt image serves from / only: a base path is inlined into its static assets at
            // build time (NEXT_PUBLIC_BASE_PATH; langfuse.com/self-hosting/custom-base-path, via sweep s21-27).
            .refine((url) => { try { return new URL(url).pathname === "/"; } catch { return true; } }, { error: (issue) => { let origin = ""; try { origin = new URL(String(issue.input)).origin; } catch { /* reported above */ } return `has a path, which Langfuse serves only from an image built with NEXT_PUBLIC_BASE_PATH, and this stack runs the prebuilt one; give the URL of its own host, such as ${origin}, or route it with access.hosts.langfuse`; } })
            // NextAuth appends /api/auth/... to NEXTAUTH_URL: a query or fragment breaks every sign-in redirect (sweep s29 M5).
            .refine((url) => { try { const u = new URL(url); return u.search === "" && u.hash === "" && !/[?#]$/.test(url); } catch { return true; } }, { message: "has a query or a fragment, which NEXTAUTH_URL cannot carry: Langfuse appends /api/auth/... to it, so every sign-in would be redirected to a broken address; give the URL without them" })
            .refine((url) => !plainHttpAcrossNetworks(url), { message: "is plain http to a public name or address: sign-ins, session cookies and API keys would cross networks unencrypted; use https (route it with access.hosts.langfuse), or plain http only on a private network or through a port-forward" })
            .default("http://localhost:3000")
            .describe("The URL people open Langfuse at (NEXTAUTH_URL); default: a kubectl port-forward to langfuse-web."),
        clients: meshClients
            .describe("Meshed service accounts (`namespace/name`) of applications that may call Langfuse's API (traces, prompts), beside the ingress and the gateway."),
        adminEmail: emailAddress.default("admin@groundwork.invalid")
            .describe("The first administrator, created at start; sign-up is closed. The password is generated into Vault (langfuse/admin)."),
    }).default({ version: LANGFUSE_CHART.appVersion, clickhouseStorageGbs: 20, url: "http://localhost:3000", adminEmail: "admin@groundwork.invalid", clients: [] }).describe("Langfuse: every LLM call traced."),
    vectorDb: z.strictObject({
        replicas: z.number().int().min(1).max(5).default(1).describe("Qdrant replicas."),
        storageGbs: z.number().int().min(1).max(1000).default(10).describe("Storage per replica, GB."),
        clients: meshClients
            .describe("Meshed service accounts (`namespace/name`) allowed to reach Qdrant; none denies all."),
    }).default({ replicas: 1, storageGbs: 10, clients: [] }).describe("Qdrant, the vector database."),
    backups: backupsSchema.prefault({}).describe("Backups of k3s's etcd, Vault and Qdrant (Postgres: `postgres.backup`)."),
});

const SITES = ["oci", "aws", "edge"] as const;
type Site = (typeof SITES)[number];

/** A node as the cross-site checks see it: where it is in the config, what it offers. */
interface NodeRef {
    name: string;
    /** A node of an autoscaled group: it names itself after its EC2 instance, so `name` stands for one only. */
    instanceNamed?: boolean;
    site: Site;
    path: PropertyKey[];
    role: "server" | "agent";
    kind: NodeKind;
    /** What inference can use on it; unknown for edge machines. */
    gpus: number;
    gpuMemoryGib: number;
    /** The GPU's model (T4, A10G...), for GPU nodes. */
    gpuModel?: string;
    memoryGib?: number;
    cpus?: number;
    /** Taints the config adds (OCI nodes, GPU groups, edge machines), beside the GPU and edge taints placement tolerates. */
    taints?: string[];
    /** The config key of those taints. */
    taintsKey?: string;
}

/** Every node the config asks for, in config order; entries that did not parse are skipped. */
function nodesOf(cfg: Record<string, unknown>): NodeRef[] {
    const nodes: NodeRef[] = [];
    const oci = isObject(cfg.oci) ? cfg.oci : {};
    for (const [n, i] of objectItems(oci.nodes)) {
        nodes.push({ name: String(n.name), site: "oci", path: ["oci", "nodes", i], role: n.role === "server" ? "server" : "agent", kind: "arm", gpus: 0, gpuMemoryGib: 0, memoryGib: typeof n.memoryGbs === "number" ? n.memoryGbs : undefined, cpus: typeof n.ocpus === "number" ? n.ocpus : undefined, taints: Array.isArray(n.taints) ? n.taints.map(String) : [], taintsKey: `oci.nodes[${i}].taints` });
    }
    const aws = isObject(cfg.aws) ? cfg.aws : {};
    if (isObject(aws.servers)) {
        const count = typeof aws.servers.count === "number" ? aws.servers.count : 1;
        const spec = INSTANCE_TYPES[String(aws.servers.instanceType ?? "m7i.xlarge")];
        for (let i = 0; i < count; i++) {
            nodes.push({ name: awsServerName(i), site: "aws", path: ["aws", "servers"], role: "server", kind: spec?.arch === "arm64" ? "arm" : "x86", gpus: 0, gpuMemoryGib: 0, memoryGib: spec?.memoryGib, cpus: spec?.vcpus });
        }
    }
    for (const [g, i] of objectItems(aws.gpuNodeGroups)) {
        // An autoscaled group can grow to its max: that is what placement and model checks may count on.
        const count = isObject(g.autoscaling) ? (typeof g.autoscaling.max === "number" ? g.autoscaling.max : 0) : fixedCount({ count: typeof g.count === "number" ? g.count : undefined });
        const spec = INSTANCE_TYPES[String(g.instanceType)];
        for (let n = 0; n < count; n++) {
            nodes.push({ name: `${String(g.name)}-${n}`, instanceNamed: isObject(g.autoscaling), site: "aws", path: ["aws", "gpuNodeGroups", i, "name"], role: "agent", kind: "gpu", gpus: spec?.gpus ?? 0, gpuMemoryGib: spec?.gpuMemoryGib ?? 0, gpuModel: spec?.gpuModel, memoryGib: spec?.memoryGib, cpus: spec?.vcpus, taints: Array.isArray(g.taints) ? g.taints.map(String) : [], taintsKey: `aws.gpuNodeGroups[${i}].taints` });
        }
    }
    const edge = isObject(cfg.edge) ? cfg.edge : {};
    for (const [m, i] of objectItems(edge.machines)) {
        nodes.push({ name: String(m.name), site: "edge", path: ["edge", "machines", i], role: m.role === "server" ? "server" : "agent", kind: "edge", gpus: 0, gpuMemoryGib: 0, taints: Array.isArray(m.taints) ? m.taints.map(String) : [], taintsKey: `edge.machines[${i}].taints` });
    }
    return nodes;
}

function checkStack(cfg: Loose<StackConfig> & Record<string, unknown>, ctx: z.RefinementCtx): void {
    const sites = SITES.filter((s) => isObject(cfg[s])); // a section that is no map is refused as that alone (sweep s32 C1)
    if (sites.length === 0) {
        ctx.addIssue({ code: "custom", path: ["oci"], message: "no site is configured; set groundwork:oci, groundwork:aws or groundwork:edge (see Pulumi.dev.yaml)" });
        return;
    }
    const cluster = isObject(cfg.cluster) ? cfg.cluster : {};
    const nodes = nodesOf(cfg);

    // Node names are unique across the cluster.
    const seen = new Map<string, NodeRef>();
    // Not an autoscaled group's: its nodes are named after their EC2 instances (sweep s30 F1).
    for (const node of nodes.filter((n) => !n.instanceNamed)) {
        const first = seen.get(node.name);
        if (first && first.path.join() !== node.path.join()) {
            ctx.addIssue({ code: "custom", path: [...node.path, ...(node.site === "aws" ? [] : ["name"])], message: `gives a node the name ${node.name}, already the name of ${first.path.join(".").replace(/\.(\d+)/g, "[$1]")}; node names must be unique in the cluster` });
        }
        seen.set(node.name, first ?? node);
    }

    // Each edge machine is a different machine: two entries for one SSH address would install it twice.
    // Host names are case-insensitive; one external address or one host key on two entries is one machine too.
    const edgeHosts = new Map<string, number>();
    const edgeExternal = new Map<string, number>();
    const edgeHostKeys = new Map<string, number>();
    // Without cloud nodes the edge machines carry no taint (stacks/cluster-nodes.ts), so ServiceLB
    // runs its pods on them, each binding the ingress's ports as host ports (k3s-io/k3s@v1.34.9+k3s1
    // pkg/cloudprovider/servicelb.go L514-546): SSH on one of those would reach Traefik (sweep s19-12).
    const edgeRunsServiceLb = isObject(cfg.access) && isObject(cfg.access.hosts) && Object.keys(cfg.access.hosts).length > 0
        && !(isObject(cfg.oci) && Array.isArray(cfg.oci.nodes) && cfg.oci.nodes.length > 0) && !(isObject(cfg.aws) && cfg.aws.servers !== undefined);
    for (const [m, i] of objectItems(isObject(cfg.edge) ? cfg.edge.machines : undefined)) {
        const sshPort = typeof m.port === "number" ? m.port : 22;
        if (edgeRunsServiceLb && !isTunnelEnd(m.host) && (Object.values(INGRESS_PORTS) as number[]).includes(sshPort)) {
            ctx.addIssue({ code: "custom", path: ["edge", "machines", i, "port"], message: `is ${sshPort}, a port of the ingress (${Object.values(INGRESS_PORTS).join(", ")}), which k3s's ServiceLB binds on every node of a stack whose edge machines carry no taint: Pulumi's SSH would reach Traefik, not sshd; move sshd to another port (22, or e.g. 2222)` });
        }
        // localhost is 127.0.0.1 (a tunnel's end): one port there is one machine (sweep s19-11).
        const host = String(m.host).toLowerCase().replace(/\.$/, "");
        const address = `${host === "localhost" ? "127.0.0.1" : host}:${sshPort}`;
        const first = edgeHosts.get(address);
        if (first !== undefined) {
            ctx.addIssue({ code: "custom", path: ["edge", "machines", i, "host"], message: `is the SSH address of edge.machines[${first}] too (${address}); each machine is listed once` });
        } else {
            edgeHosts.set(address, i);
        }
        if (typeof m.externalIp === "string") {
            const other = edgeExternal.get(m.externalIp);
            if (other !== undefined) ctx.addIssue({ code: "custom", path: ["edge", "machines", i, "externalIp"], message: `is edge.machines[${other}].externalIp too; each machine has an address of its own for the overlay` });
            else edgeExternal.set(m.externalIp, i);
        }
        if (typeof m.hostKey === "string") {
            // The key itself, without any comment: one host key on two entries is one machine, or a key copied by mistake.
            const key = m.hostKey.split(/\s+/).slice(0, 2).join(" ");
            const other = edgeHostKeys.get(key);
            if (other !== undefined) ctx.addIssue({ code: "custom", path: ["edge", "machines", i, "hostKey"], message: `is edge.machines[${other}].hostKey too; each machine has its own host key, so one of them is wrong` });
            else edgeHostKeys.set(key, i);
        }
    }

    // Servers (embedded etcd) stay in one site, in an odd number.
    const servers = nodes.filter((n) => n.role === "server");
    const serverSites = [...new Set(servers.map((n) => n.site))];
    if (servers.length === 0) {
        // At the list the roles are in, not at the whole site (sweep s30 W2).
        const first = nodes[0];
        ctx.addIssue(!first && sites[0] !== "aws"
            ? { code: "custom", path: [sites[0], sites[0] === "edge" ? "machines" : "nodes"], message: "lists no node, but the cluster needs a server: add one with role: server (3 for a highly available etcd)" }
            : first && first.site !== "aws"
            ? { code: "custom", path: [...first.path, "role"], message: "is agent, like every node of the stack, but the cluster needs a server: set role: server here, or on another node (3 for a highly available etcd), all in one site" }
            : { code: "custom", path: ["aws", "servers"], message: "no node of the stack has role: server, but the cluster needs a server: set aws.servers, or role: server on a node of another site" });
    } else if (serverSites.length > 1) {
        const stray = servers.find((n) => n.site === serverSites[1])!;
        ctx.addIssue({ code: "custom", path: [...stray.path, ...(stray.site === "aws" ? [] : ["role"])], message: `puts servers in ${serverSites.join(" and ")}; keep every server (embedded etcd) in one site, agents may be anywhere` });
    } else if (servers.length % 2 === 0 && serverSites[0] !== "aws") {
        const last = servers[servers.length - 1];
        ctx.addIssue({ code: "custom", path: [...last.path, "role"], message: `makes ${servers.length} servers; embedded etcd needs an odd number (1, 3, 5) to keep quorum` });
    }

    // One overlay for the whole cluster, and an encrypted one across sites.
    const overlays = sites.map((s) => ({ site: s, overlay: isObject(cfg[s]) ? ((cfg[s] as Record<string, unknown>).overlay ?? "private") : "private" }));
    const first = overlays[0];
    for (const o of overlays.slice(1)) {
        if (o.overlay !== first.overlay) {
            ctx.addIssue({ code: "custom", path: [o.site, "overlay"], message: `differs from ${first.site}.overlay ${JSON.stringify(first.overlay)}; k3s runs one overlay on every node (flannel's backend is cluster-wide, and vpn-auth must be set on all nodes)` });
        }
    }
    if (sites.length > 1 && first.overlay === "private") {
        ctx.addIssue({ code: "custom", path: [first.site, "overlay"], message: `is "private" but the cluster spans ${sites.join(", ")}; nodes in different places need "wireguard-native" or "tailscale"` });
    }
    if (overlays.some((o) => o.overlay === "tailscale") && !isObject(cluster.tailscale)) {
        ctx.addIssue({ code: "custom", path: ["cluster", "tailscale"], message: "is required when a site's overlay is tailscale: set cluster.tailscale.authKey (secret)" });
    }
    if (!overlays.some((o) => o.overlay === "tailscale") && isObject(cluster.tailscale)) {
        ctx.addIssue({ code: "custom", path: ["cluster", "tailscale"], message: "is set, but no site's overlay is tailscale, so its key would sit unused in the stack; remove it, or set a site's overlay to tailscale" });
    }

    // wireguard-native needs every node reachable at an external address.
    for (const s of sites.filter((site) => overlays.find((o) => o.site === site)?.overlay === "wireguard-native")) {
        const site = cfg[s] as Record<string, unknown>;
        if (s === "oci") {
            for (const [n, i] of objectItems(site.nodes).filter(([n]) => n.public === false)) {
                ctx.addIssue({ code: "custom", path: ["oci", "nodes", i, "public"], message: `keeps ${String(n.name)} without a public IP, but wireguard-native needs every node reachable from the other sites; remove public: false or use overlay: tailscale` });
            }
        }
        if (s === "edge") {
            for (const [m, i] of objectItems(site.machines).filter(([m]) => m.externalIp === undefined)) {
                ctx.addIssue({ code: "custom", path: ["edge", "machines", i, "externalIp"], message: `is not set for ${String(m.name)}: wireguard-native needs an address the other sites can reach; behind NAT, use overlay: tailscale` });
            }
            // The cloud sites' nodes dial the edge machines from the internet, and their firewalls name these addresses.
            const cloud = sites.filter((other) => other !== "edge");
            for (const [m, i] of objectItems(site.machines)) {
                const inside = cloud.length > 0 && typeof m.externalIp === "string" ? internalRange(m.externalIp) : undefined;
                if (inside) {
                    ctx.addIssue({ code: "custom", path: ["edge", "machines", i, "externalIp"], message: `is in ${inside}, which the ${cloud.join(" and ")} nodes cannot reach over the internet, as wireguard-native needs; give the public address the machine is reached at (behind NAT: the router's, with UDP 51820 forwarded to it), or use overlay: tailscale` });
                }
            }
        }
    }

    // Networks of different sites and of the cluster never overlap.
    const range = (v: unknown) => (typeof v === "string" ? parseIpv4Cidr(v) : undefined);
    const networks: { path: PropertyKey[]; text: string; cidr: Ipv4Cidr }[] = [];
    for (const [path, value] of [
        [["cluster", "podCidr"], cluster.podCidr],
        [["cluster", "serviceCidr"], cluster.serviceCidr],
        [["oci", "vcnCidr"], isObject(cfg.oci) ? cfg.oci.vcnCidr : undefined],
        [["aws", "vpcCidr"], isObject(cfg.aws) ? cfg.aws.vpcCidr : undefined],
    ] as [PropertyKey[], unknown][]) {
        const c = range(value);
        if (!c) continue;
        const clash = networks.filter((n) => cidrsOverlap(n.cidr, c));
        if (clash.length > 0) {
            ctx.addIssue({ code: "custom", path, message: `overlaps ${clash.map((n) => `${n.path.join(".")} ${n.text}`).join(" and ")}; sites' networks and the cluster's pod and service networks must be disjoint` });
        }
        networks.push({ path, text: String(value), cidr: c });
    }
    // A client range inside the pod or service network: each node routes those addresses to its own
    // pods or to kube-proxy, so the replies of the API server (or Traefik, or sshd) to it never leave the node.
    const clusterRanges = networks.filter((n) => n.path[0] === "cluster");
    // Every list of client ranges: the API's, the operators' and the public hosts', and SSH's (sweep s19-06..08).
    const listAt = (section: unknown, ...path: string[]): [PropertyKey[], unknown][] => {
        const list = isObject(section) ? section[path[path.length - 1]] : undefined;
        return Array.isArray(list) ? list.map((v, i): [PropertyKey[], unknown] => [[...path, i], v]) : [];
    };
    const clientRanges: [PropertyKey[], unknown][] = [
        ...listAt(cluster, "cluster", "apiAllowedCidrs"),
        ...listAt(cfg.access, "access", "operatorRanges"),
        ...listAt(cfg.access, "access", "publicRanges"),
        ...listAt(cfg.oci, "oci", "sshAllowedCidrs"),
        ...listAt(cfg.aws, "aws", "sshAllowedCidrs"),
    ];
    for (const [path, value] of clientRanges) {
        const c = range(value);
        const inside = c && clusterRanges.find((n) => cidrContains(n.cidr, c));
        if (inside) {
            ctx.addIssue({ code: "custom", path, message: `is inside ${inside.path.join(".")} ${inside.text}: every node routes those addresses to its pods or services, so replies to that network never leave the node; if your office or VPN uses it, move ${inside.path.join(".")} to a range it does not (set before the cluster is made). The cluster's own pods need no entry: they reach the hosts and the API through their Services inside the cluster` });
        }
    }
    // k3s asks kube-controller-manager for node ranges without a mask size (allocate-node-cidrs,
    // k3s-io/k3s@v1.34.9+k3s1 (5f72184f) pkg/daemons/control/server.go L116), so each node takes a
    // /24 of podCidr; cluster DNS is the tenth address of serviceCidr (pkg/cli/server/server.go L352).
    const pods = range(cluster.podCidr);
    if (pods && (pods.prefix > 24 || 2 ** (24 - pods.prefix) < nodes.length)) {
        ctx.addIssue({ code: "custom", path: ["cluster", "podCidr"], message: `holds ${pods.prefix > 24 ? "no" : 2 ** (24 - pods.prefix)} node range(s) of /24, but k3s gives each of this stack's ${nodes.length} node(s) its own /24; use a /${Math.min(24, 24 - Math.ceil(Math.log2(Math.max(nodes.length, 1))))} or larger, such as 10.42.0.0/16` });
    }
    // The operators' entrypoint lets each node range's flannel address in, one NetworkPolicy peer per
    // /24 (components/platform/network-isolation.ts nodeSourcePeers): a /9 gives 32,768 of them,
    // over a megabyte, near the 1.5 MiB etcd stores in one request (etcd --max-request-bytes).
    if (pods && pods.prefix < 10) {
        ctx.addIssue({ code: "custom", path: ["cluster", "podCidr"], message: `holds ${2 ** (24 - pods.prefix)} node ranges of /24, and the ingress's NetworkPolicy lists one address per node range, which at this size is over a megabyte, near the 1.5 MiB etcd accepts in one request; use a /10 or narrower, such as 10.42.0.0/16` });
    }
    // One run of pulumi up reaches the first server at its public address over SSH (the k3s install,
    // the kubeconfig) and then over the API, from the same machine: the two lists share an address (sweep s30 M1).
    const ociServers = objectItems(isObject(cfg.oci) ? cfg.oci.nodes : undefined).filter(([n]) => n.role === "server");
    const serverSite = ociServers.length > 0 ? "oci" : isObject(cfg.aws) && isObject(cfg.aws.servers) ? "aws" : undefined;
    const siteConfig = serverSite && cfg[serverSite];
    const sshRanges = isObject(siteConfig) && Array.isArray(siteConfig.sshAllowedCidrs) ? siteConfig.sshAllowedCidrs.map(String) : [];
    const apiRanges = Array.isArray(cluster.apiAllowedCidrs) ? cluster.apiAllowedCidrs.map(String) : [];
    const parsedRanges = (texts: string[]) => texts.map(parseIpv4Cidr).filter((c): c is Ipv4Cidr => c !== undefined);
    const [ssh, api] = [parsedRanges(sshRanges), parsedRanges(apiRanges)];
    if (ssh.length > 0 && api.length > 0 && ssh.length === sshRanges.length && api.length === apiRanges.length && !ssh.some((a) => api.some((b) => cidrsOverlap(a, b)))) {
        ctx.addIssue({ code: "custom", path: [serverSite!, "sshAllowedCidrs"], message: `shares no address with cluster.apiAllowedCidrs (${apiRanges.join(", ")}), but one run of pulumi up reaches the first server at its public address over SSH (the k3s install, the kubeconfig) and then over the API (6443), from the same machine; list the range you run pulumi up from in both` });
    }
    // Pulumi reads the kubeconfig and bootstraps Vault over SSH at the initial OCI server's public address.
    if (ociServers.length > 0 && ociServers[0][0].public === false) {
        const [first, i] = ociServers[0];
        ctx.addIssue({ code: "custom", path: ["oci", "nodes", i, "public"], message: `is false on ${String(first.name)}, the server that starts the cluster, which Pulumi reaches over SSH at its public address (its k3s install, the kubeconfig, Vault's bootstrap); leave it public, as servers are by default` });
    }
    // No upper size: kube-controller-manager's node range allocator limits the cluster range to 16
    // bits wider than the node ranges for IPv6 only (kubernetes pkg/controller/nodeipam/ipam/cidrset
    // cidr_set.go NewCIDRSet, `clusterCIDR.IP.To4() == nil && ... > clusterSubnetMaxDiff`, read in the
    // code index 2026-11-28; a /8 limit set here in session 13 from memory was wrong).
    // Every Service takes an address of serviceCidr: k3s's own (kubernetes, kube-dns, metrics-server,
    // one per LoadBalancer), one per model and app, and each chart's (Linkerd, cert-manager, the
    // monitoring stack, CloudNativePG, Vault, Langfuse...): about 40 in the smallest stack here
    // (bad-input sweep s16 cl17 counted 15 from the plan and some 23 from the charts' defaults).
    const services = range(cluster.serviceCidr);
    if (services && services.prefix > 28) {
        ctx.addIssue({ code: "custom", path: ["cluster", "serviceCidr"], message: `holds ${2 ** (32 - services.prefix)} addresses, but k3s gives cluster DNS the tenth; use a /24 or larger, such as 10.43.0.0/16` });
    } else if (services && services.prefix > 26) {
        ctx.addIssue({ code: "custom", path: ["cluster", "serviceCidr"], message: `holds ${2 ** (32 - services.prefix) - 2} service addresses, but the platform runs about 40 Services, more with each model and app, and a Service without an address is never created; use a /26 or larger (a /24 leaves room to grow), such as 10.43.0.0/16` });
    }
    // No upper size either: kube-apiserver refuses a service range wider than /12 ("the mask must be
    // >= 12", cmd/kube-apiserver/app/options/validation.go maxCIDRBits 20) only unless
    // MultiCIDRServiceAllocator and DisableAllocatorDualWrite are both on, as they are by default from
    // Kubernetes 1.34, the only k3s line K3S_INSTALLER_SHA256 pins (pkg/features/kube_features.go; both
    // read in the code index 2026-11-28). Pinning a k3s before 1.34 would bring the limit back.
    // Tailscale numbers its nodes from the CGNAT range (tailscale.com/kb/1015/100.x-addresses).
    if (overlays.some((o) => o.overlay === "tailscale")) {
        const cgnat = parseIpv4Cidr("100.64.0.0/10")!;
        for (const n of networks.filter((x) => cidrsOverlap(x.cidr, cgnat))) {
            ctx.addIssue({ code: "custom", path: n.path, message: `overlaps 100.64.0.0/10, where Tailscale numbers the nodes of overlay tailscale; pick a range outside it` });
        }
    }
    const edge = isObject(cfg.edge) ? cfg.edge : {};
    const initialEdgeServer = objectItems(edge.machines).find(([m]) => m.role === "server")?.[0];
    for (const [m, i] of objectItems(edge.machines)) {
        for (const key of ["host", "externalIp"] as const) {
            const address = typeof m[key] === "string" ? parseIpv4Cidr(`${m[key]}/32`) : undefined;
            const clash = address && networks.find((n) => cidrsOverlap(n.cidr, address));
            if (clash) {
                ctx.addIssue({ code: "custom", path: ["edge", "machines", i, key], message: `lies inside ${clash.path.join(".")} ${clash.text}; pick cluster networks that do not contain the machines' addresses` });
            }
        }
        // The first server is joined at externalIp, else host (stacks/edge-site.ts edgeAddress; later
        // servers' hosts serve SSH only): loopback there is each joining node itself.
        const joinedAt = m === initialEdgeServer ? (m.externalIp ?? m.host) : undefined;
        if (nodes.length > 1 && typeof joinedAt === "string" && isIpv4(joinedAt) && specialRange(joinedAt)?.includes("loopback")) {
            ctx.addIssue({ code: "custom", path: ["edge", "machines", i, m.externalIp === undefined ? "host" : "externalIp"], message: `is in ${specialRange(joinedAt)}, but this is the first server, which the other nodes join at this address (at loopback each would reach itself); give an address they reach it at${m.externalIp === undefined ? ", or set externalIp to one and keep the tunnel in host" : ""}` });
        }
    }

    // HA spreads three replicas over distinct nodes of the platform placement.
    const platform = isObject(cfg.platform) ? cfg.platform : {};
    const wantedPlatform = isObject(cfg.placement) && typeof cfg.placement.platform === "string" ? cfg.placement.platform : "any";
    const platformNodes = nodes.filter((n) => (wantedPlatform === "any" ? n.kind === "arm" || n.kind === "x86" : n.kind === wantedPlatform));
    // The platform keeps its data on its nodes' local volumes (Postgres, Vault, Qdrant): not on GPU
    // nodes that the cluster autoscaler removes or spot capacity takes back (sweep s26 M6).
    const fleeting = (isObject(cfg.aws) && Array.isArray(cfg.aws.gpuNodeGroups) ? cfg.aws.gpuNodeGroups.filter(isObject) : []).filter((g) => g.autoscaling !== undefined || g.capacity === "spot");
    if (wantedPlatform === "gpu" && fleeting.length > 0) {
        ctx.addIssue({ code: "custom", path: ["placement", "platform"], message: `puts the platform's databases and Vault, whose data is on their nodes' disks, on GPU nodes, and ${fleeting.map((g) => String(g.name)).join(", ")} ${fleeting.length === 1 ? "is" : "are"} autoscaled or spot, so a node and its data can go at any time; place the platform on arm, x86 or any` });
    }
    if (isObject(platform.mesh) && platform.mesh.ha === true && platformNodes.length < 3) {
        ctx.addIssue({ code: "custom", path: ["platform", "mesh", "ha"], message: `needs 3 nodes for the platform placement (${wantedPlatform}) to spread its replicas over; this stack has ${platformNodes.length}` });
    }
    // The platform's pods tolerate no taint of the config's own (placement.ts): a node that has one is not the platform's.
    const blocking = (n: NodeRef) => (n.taints ?? []).find(keepsPodsOff);
    if (platformNodes.length > 0 && platformNodes.every(blocking)) {
        const first = platformNodes[0];
        ctx.addIssue({ code: "custom", path: [...first.path, "taints"], message: `gives ${first.name} the taint ${blocking(first)}, and every node the platform placement (${wantedPlatform}) may use has one like it, which the platform's pods do not tolerate: no pod of the platform would be scheduled; keep at least one such node untainted` });
    }
    const vault = isObject(platform.vault) ? platform.vault : {};
    if (typeof vault.replicas === "number" && vault.replicas > 1 && platformNodes.length < vault.replicas) {
        ctx.addIssue({ code: "custom", path: ["platform", "vault", "replicas"], message: `asks for Vault HA, but the platform placement (${wantedPlatform}) has ${platformNodes.length} node(s): Raft replicas on one node fail together; use 1, or add nodes` });
    }
    // Postgres instances and Qdrant peers each need a node of their own (anti-affinity required): copies on one node fail with it.
    const replicated = [
        { path: ["platform", "postgres", "instances"], count: isObject(platform.postgres) ? platform.postgres.instances : undefined, what: "Postgres instances" },
        { path: ["platform", "vectorDb", "replicas"], count: isObject(platform.vectorDb) ? platform.vectorDb.replicas : undefined, what: "Qdrant replicas" },
    ];
    for (const { path, count, what } of replicated) {
        if (typeof count === "number" && count > 1 && platformNodes.length < count) {
            ctx.addIssue({ code: "custom", path, message: `asks for ${count} ${what}, each on a node of its own, but the platform placement (${wantedPlatform}) has ${platformNodes.length} node(s): copies on one node fail together, so the rest would never be scheduled; use at most ${Math.max(1, platformNodes.length)}, or add nodes` });
        }
    }
    // Alertmanager runs on the platform's nodes, and EC2 holds back outbound port 25 until AWS lifts it
    // on request ("Amazon EC2 restricts email traffic over port 25 by default": Amazon SES developer
    // guide, send-using-smtp-programmatically, read 2026-11-29; sweep s26 M9). A login is submission's
    // port anyway (RFC 6409: 587).
    const monitoring = isObject(cfg.monitoring) ? cfg.monitoring : {};
    const receiver = isObject(monitoring.alerts) && isObject(monitoring.alerts.receiver) ? monitoring.alerts.receiver : {};
    const smarthost = isObject(receiver.email) && typeof receiver.email.smarthost === "string" ? receiver.email.smarthost : undefined;
    const onAws = platformNodes.filter((n) => n.site === "aws");
    // A relay at a private address is inside the network, which the restriction is not about.
    // The host part as an address, not text that starts like one (10.mail.example is a name: sweep s28 M3).
    const relayHost = smarthost?.split(":")[0] ?? "";
    const privateRelay = isIpv4(relayHost) && internalRange(relayHost) !== undefined;
    if (smarthost !== undefined && /:0*25$/.test(smarthost) && !privateRelay && onAws.length > 0) {
        ctx.addIssue({ code: "custom", path: ["monitoring", "alerts", "receiver", "email", "smarthost"], message: `is port 25, which EC2 blocks for outbound mail by default, and Alertmanager may run on ${onAws[0].name} (the platform placement, ${wantedPlatform}), so no alert mail would leave; use the submission port 587 (or 465), which every SMTP service with a login takes, or give a relay inside your network by its private IP address (10/8, 172.16/12, 192.168/16 or 100.64/10)` });
    }
    const unseal = vault.unseal ?? "auto";
    if (unseal === "manual" && vault.recoveryPgpKeys !== undefined) {
        ctx.addIssue({ code: "custom", path: ["platform", "vault", "recoveryPgpKeys"], message: "is for auto unseal's recovery shares; with manual unseal the operator initialises Vault, so pass -pgp-keys to vault operator init instead, and remove this key" });
    }
    if (unseal === "auto" && !sites.some((s) => s === "aws" || s === "oci")) {
        ctx.addIssue({ code: "custom", path: ["platform", "vault", "unseal"], message: "is auto (KMS), but this stack has no cloud site to hold a KMS key; set unseal: manual and follow the README's manual unseal steps" });
    }
    if (unseal === "auto" && !sites.includes("aws") && sites.includes("oci") && isObject(cfg.oci)) {
        const oci = cfg.oci;
        if (oci.tenancyOcid === undefined && !(isObject(oci.auth) && oci.auth.tenancyOcid !== undefined)) {
            ctx.addIssue({ code: "custom", path: ["oci", "tenancyOcid"], message: "is required for Vault's OCI KMS auto-unseal: its instances are authorised by a dynamic group, which lives in the tenancy" });
        }
        if (!["arm", "any"].includes(wantedPlatform)) {
            ctx.addIssue({ code: "custom", path: ["placement", "platform"], message: "must put Vault on OCI nodes (arm or any): OCI KMS auto-unseal uses the instances' identity" });
        }
        const agents = nodes.filter((n) => n.site === "oci" && n.role === "agent" && !blocking(n));
        const wanted = typeof vault.replicas === "number" ? vault.replicas : 1;
        // Fewer platform nodes than replicas is reported above, as the HA problem it is.
        if (Array.isArray(oci.nodes) && agents.length < wanted && platformNodes.length >= wanted) {
            ctx.addIssue({ code: "custom", path: ["oci", "nodes"], message: `has ${agents.length} untainted agent(s), but Vault's OCI KMS auto-unseal runs its ${wanted} server(s) on OCI agents only, one per node: a server's user data holds its boot SSH host key (and, on servers made before the SSH install, the cluster's server token), which the metadata service Vault must reach would hand to any pod there; add agents, or set platform.vault.unseal: manual` });
        }
    }

    // A stack held to Always Free cannot turn the Always-Free check off: the cost pack would only fail it later.
    if (isObject(cfg.cost) && cfg.cost.alwaysFreeOnly === true && isObject(cfg.aws)) {
        ctx.addIssue({ code: "custom", path: ["cost", "alwaysFreeOnly"], message: "holds this stack to OCI Always Free and $0, but it has an AWS site, which AWS bills for; remove groundwork:aws, or drop cost.alwaysFreeOnly and set cost.monthlyBudgetUsd" });
    }
    // A ceiling above $0 beside "price at $0" says two things; the cost pack holds the stricter (sweep s22 M21).
    if (isObject(cfg.cost) && cfg.cost.alwaysFreeOnly === true && cfg.aws === undefined && typeof cfg.cost.monthlyBudgetUsd === "number" && cfg.cost.monthlyBudgetUsd > 0) {
        ctx.addIssue({ code: "custom", path: ["cost", "monthlyBudgetUsd"], message: "is above $0, but cost.alwaysFreeOnly holds this stack to $0 a month, and the cost pack fails any change that costs money; set it to 0, or drop cost.alwaysFreeOnly" });
    }
    if (isObject(cfg.cost) && cfg.cost.alwaysFreeOnly === true && isObject(cfg.oci) && cfg.oci.alwaysFree === false) {
        ctx.addIssue({ code: "custom", path: ["oci", "alwaysFree"], message: "is false, but cost.alwaysFreeOnly holds this stack to OCI Always Free; keep it true, or drop cost.alwaysFreeOnly" });
    }

    // Backups need object storage: the stack's cloud, or a bucket given for edge-only stacks.
    const postgres = isObject(platform.postgres) ? platform.postgres : {};
    const backup = isObject(postgres.backup) ? postgres.backup : {};
    if (!sites.some((s) => s === "aws" || s === "oci") && backup.s3 === undefined) {
        ctx.addIssue({ code: "custom", path: ["platform", "postgres", "backup", "s3"], message: "is required on a stack without a cloud site: backups need an S3-compatible bucket (endpointURL, bucket, region, and a key for each consumer in keys)" });
    }
    if (!sites.includes("aws") && sites.includes("oci") && isObject(cfg.oci) && backup.s3 === undefined) {
        const oci = cfg.oci;
        if (oci.tenancyOcid === undefined && !(isObject(oci.auth) && oci.auth.tenancyOcid !== undefined)) {
            ctx.addIssue({ code: "custom", path: ["oci", "tenancyOcid"], message: "is required for backups to OCI Object Storage: each consumer's user and group are made in the tenancy" });
        }
        // OCI's one retention rule holds every backup for the longest of the three retentions
        // (stacks/object-storage.ts ociRetention): Postgres's could not end sooner, though barman
        // prunes it and the lifecycle backstop expires it at its own.
        const validDays = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 1 ? v : undefined);
        const postgresDays = backup.retentionDays === undefined ? POSTGRES_RETENTION_DAYS : validDays(backup.retentionDays);
        const backups = isObject(platform.backups) ? platform.backups : {};
        for (const store of ["vault", "qdrant"] as const) {
            const own = isObject(backups[store]) ? backups[store] : {};
            const days = own.retentionDays === undefined ? BACKUP_DEFAULTS[store].retentionDays : validDays(own.retentionDays);
            if (postgresDays === undefined || days === undefined || days <= postgresDays) continue;
            const why = `OCI holds every object of the backups bucket under one retention rule, the longest, so Postgres's backups could not be pruned for ${days} days and would fill the bucket`;
            // The one changed from its default is the one to name (defaults are filled in before this check).
            if (days !== BACKUP_DEFAULTS[store].retentionDays) {
                ctx.addIssue({ code: "custom", path: ["platform", "backups", store, "retentionDays"], message: `keeps ${store}'s snapshots ${days} days, longer than Postgres's ${postgresDays} (platform.postgres.backup.retentionDays): ${why}; keep at most ${postgresDays}, or raise Postgres's retention to ${days}` });
            } else {
                ctx.addIssue({ code: "custom", path: ["platform", "postgres", "backup", "retentionDays"], message: `is shorter than ${store}'s snapshot retention (${days} days, platform.backups.${store}.retentionDays): ${why}; keep at least ${days}, or set ${store}'s to at most ${postgresDays}` });
            }
        }
    }

    // A backup that starts while nodes are drained can lose its pod mid-way, and that night's backup.
    const upgrades = upgradesSchema.safeParse(isObject(cluster.upgrades) ? cluster.upgrades : {});
    if (upgrades.success) {
        const backups = isObject(platform.backups) ? platform.backups : {};
        const postgresBackup = isObject(platform.postgres) && isObject(platform.postgres.backup) ? platform.postgres.backup : {};
        const postgresSchedule = typeof postgresBackup.schedule === "string" ? postgresScheduleFields(postgresBackup.schedule) : POSTGRES_DEFAULTS.backup.schedule;
        const stores = STORE_BACKUP_NAMES;
        // [key, what it takes, its five-field UTC schedule if valid, whether the stack changed it from its default]
        const schedules: [string[], string, string | undefined, boolean][] = [
            // CloudNativePG's six fields, seconds first; the minute is what a window compares.
            [["platform", "postgres", "backup", "schedule"], "a Postgres base backup", cronProblem(postgresSchedule, true) === undefined ? withoutSeconds(postgresSchedule) : undefined, postgresSchedule !== POSTGRES_DEFAULTS.backup.schedule],
            ...(Object.keys(stores) as (keyof typeof stores)[]).map((store): [string[], string, string | undefined, boolean] => {
                const own = isObject(backups[store]) && typeof backups[store].schedule === "string" ? (backups[store] as { schedule: string }).schedule : BACKUP_DEFAULTS[store].schedule;
                return [["platform", "backups", store, "schedule"], stores[store], cronProblem(cronJobFields(own), false) === undefined ? cronJobFields(own) : undefined, own !== BACKUP_DEFAULTS[store].schedule];
            }),
            // k3s's own etcd snapshot (`0 */<everyHours> * * *`): once a day, the server's restart in an upgrade can miss the day's only one (sweep s18 bk11).
            ...(isObject(backups.etcd) && backups.etcd.everyHours === 24
                ? [[["platform", "backups", "etcd", "everyHours"], "the day's only etcd snapshot", "0 */24 * * *", true] as [string[], string, string | undefined, boolean]]
                : []),
        ];
        const defaultsHit: Record<"window" | "reboots", string[]> = { window: [], reboots: [] };
        const drains = { window: "k3s upgrades drain the nodes one by one", reboots: "kured drains and reboots nodes" };
        const why = "a backup's pod can be evicted mid-way and the day's only backup lost";
        for (const [path, what, schedule, changed] of schedules) {
            const hit = schedule === undefined ? undefined : runInDrainWindow(schedule, upgrades.data);
            if (!hit) continue;
            const when = new Date(hit.at).toISOString().slice(11, 16);
            // The one changed from its default is the one to name: a moved schedule, or else the moved window.
            if (!changed) {
                defaultsHit[hit.window].push(`${path.join(".")} (${what}, ${when} UTC)`);
                continue;
            }
            const window = hit.window === "window"
                ? `cluster.upgrades.window (${windowText(upgrades.data.window)}, and the ${UPGRADE_JOB_MINUTES} minutes an upgrade begun at its end may run)`
                : `cluster.upgrades.reboots (${windowText(upgrades.data.reboots)})`;
            const fix = path[path.length - 1] === "everyHours"
                ? "take snapshots more often (12, which keeps one outside the window), or move the window off midnight"
                : "schedule it outside both windows (the defaults: backups 02:15-03:30 UTC, upgrades from 04:00)";
            ctx.addIssue({ code: "custom", path, message: `starts ${what} at ${when} UTC, inside ${window}, when ${drains[hit.window]}: ${why}; ${fix}` });
        }
        for (const window of ["window", "reboots"] as const) {
            if (defaultsHit[window].length === 0) continue;
            const overrun = window === "window" ? `, and the ${UPGRADE_JOB_MINUTES} minutes after it` : "";
            ctx.addIssue({ code: "custom", path: ["cluster", "upgrades", window], message: `covers (${windowText(upgrades.data[window])}${overrun}) the start of ${defaultsHit[window].join(", ")}: ${drains[window]} then, so ${why}; move the window (the defaults: backups 02:15-03:30 UTC, upgrades from 04:00), or set those schedules outside it` });
        }
    }

    // An alert on the gateway's latency above its own timeout never fires: LiteLLM ends every call by then.
    const gatewayAlerts = isObject(cfg.monitoring) && isObject(cfg.monitoring.alerts) && isObject(cfg.monitoring.alerts.gateway) ? cfg.monitoring.alerts.gateway : {};
    const gatewayTimeout = isObject(cfg.inference) && isObject(cfg.inference.gateway) && typeof cfg.inference.gateway.timeoutSeconds === "number" ? cfg.inference.gateway.timeoutSeconds : undefined;
    if (typeof gatewayAlerts.p95LatencySeconds === "number" && gatewayTimeout !== undefined && gatewayAlerts.p95LatencySeconds >= gatewayTimeout) {
        // At the alert's default, the timeout is the key that moved (bad-input sweep s13 in22): name it.
        if (gatewayAlerts.p95LatencySeconds === P95_LATENCY_DEFAULT_SECONDS) {
            ctx.addIssue({ code: "custom", path: ["inference", "gateway", "timeoutSeconds"], message: `is not above monitoring.alerts.gateway.p95LatencySeconds (${P95_LATENCY_DEFAULT_SECONDS}, its default): the gateway would end every call before the latency alert could fire; raise it, or set p95LatencySeconds below it` });
        } else {
            ctx.addIssue({ code: "custom", path: ["monitoring", "alerts", "gateway", "p95LatencySeconds"], message: `is not below inference.gateway.timeoutSeconds (${gatewayTimeout}): the gateway ends every call by then, so the alert could never fire; set it lower` });
        }
    }

    // Langfuse 3.x is the line with ClickHouse that this chart deploys.
    const langfuse = isObject(platform.langfuse) ? platform.langfuse : {};
    // A routed host is Langfuse's URL (stacks/platform-services.ts): a url beside it would be ignored.
    const langfuseHost = isObject(cfg.access) && isObject(cfg.access.hosts) && typeof cfg.access.hosts.langfuse === "string" ? cfg.access.hosts.langfuse : undefined;
    if (langfuseHost !== undefined && typeof langfuse.url === "string" && langfuse.url !== "http://localhost:3000" && langfuse.url.replace(/\/$/, "") !== `https://${langfuseHost}`) {
        ctx.addIssue({ code: "custom", path: ["platform", "langfuse", "url"], message: `is ignored: access.hosts.langfuse routes Langfuse at https://${langfuseHost}, which is the URL people open and NEXTAUTH_URL; remove platform.langfuse.url, or change the host` });
    }
    // A leading zero has its own message above (review s26 D1: 0.x is no 3.x either).
    if (typeof langfuse.version === "string" && /^\d+\./.test(langfuse.version) && !/(^|\.)0\d/.test(langfuse.version) && !langfuse.version.startsWith("3.")) {
        const why = Number(langfuse.version.split(".")[0]) < 3
            ? "has no ClickHouse settings (v2 keeps traces in Postgres alone, and this chart configures ClickHouse, Valkey and blob storage)"
            : "needs the 2.x chart with the ClickHouse operator, which Groundwork does not deploy yet";
        ctx.addIssue({ code: "custom", path: ["platform", "langfuse", "version"], message: `${why}; use a 3.x release such as ${LANGFUSE_CHART.appVersion}` });
    }

    // Models, routes and budgets agree with each other and with the nodes.
    if (isObject(cfg.inference)) {
        for (const issue of inferenceIssues(cfg.inference, isObject(cfg.placement) && typeof cfg.placement.inference === "string" ? cfg.placement.inference : "any", nodes)) {
            ctx.addIssue({ code: "custom", ...issue });
        }
    }

    // The way in: hosts in the domain, a host and SSO for every application.
    for (const issue of accessIssues(cfg.access, cfg.apps, cfg.inference)) {
        ctx.addIssue({ code: "custom", ...issue });
    }

    // Every placement the stack names has nodes to land on.
    const placements = isObject(cfg.placement) ? cfg.placement : {};
    for (const [workload, wanted] of Object.entries(placements)) {
        if (typeof wanted !== "string") continue;
        const fits = wanted === "any" ? nodes.filter((n) => n.kind === "arm" || n.kind === "x86") : nodes.filter((n) => n.kind === wanted);
        if (fits.length === 0) {
            // Each kind with the keys that make its nodes, so a key that changed a node's kind (an arm
            // instance type for aws.servers) is named.
            const where = (p: PropertyKey[]) => configKey(p[p.length - 1] === "name" ? p.slice(0, -1) : p).slice(NAMESPACE.length + 1);
            const have = [...new Set(nodes.map((n) => n.kind))].map((k) => `${k} (${[...new Set(nodes.filter((n) => n.kind === k).map((n) => where(n.path)))].join(", ")})`).join(", ") || "none";
            const why = wanted === "any" ? "every node is reserved (GPU and edge nodes are tainted)" : `no node is of kind ${wanted}`;
            ctx.addIssue({ code: "custom", path: ["placement", workload], message: `cannot be satisfied: ${why}; node kinds in this stack: ${have}` });
        }
    }
}

export const stackConfigSchema = z.strictObject({
    cluster: clusterSchema.describe("The k3s cluster: version, networks, API access, overlay credentials."),
    placement: placementSchema.default({ platform: "any", inference: "any" }).describe("Where each class of workload runs: gpu, arm, x86, edge or any."),
    platform: platformSchema.default({
        mesh: { ha: false, trustAnchor: { generation: 1, alsoTrust: [] } },
        vault: { replicas: 1, storageGbs: 10, unseal: "auto" },
        postgres: POSTGRES_DEFAULTS,
        langfuse: { version: LANGFUSE_CHART.appVersion, clickhouseStorageGbs: 20, url: "http://localhost:3000", adminEmail: "admin@groundwork.invalid", clients: [] },
        vectorDb: { replicas: 1, storageGbs: 10, clients: [] },
        backups: BACKUP_DEFAULTS,
    }).describe("The platform layer on the cluster."),
    inference: inferenceSchema.optional().describe("Models served in the cluster, hosted models, routes, teams and budgets: the LLM gateway."),
    access: accessSchema.optional().describe("The way in: hostnames, TLS, who may reach them, single sign-on. Without it nothing is routed from outside."),
    monitoring: monitoringSchema,
    apps: appsSchema.describe("Applications people use: a chat UI and notebooks, each on or off and sized."),
    cost: z.strictObject({
        monthlyBudgetUsd: z.number().min(0).describe("Ceiling for the stack's monthly price (USD); the cost policy pack fails a plan or preview above it."),
        alwaysFreeOnly: z.boolean().default(false).describe("The stack must stay inside OCI Always Free (A1 4 OCPU / 24 GB, 200 GB of volumes) and price at $0."),
    }).optional().describe("The stack's budget, enforced by the cost policy pack."),
    oci: ociSiteSchema.optional().describe("Oracle Cloud site (Always-Free A1 nodes by default)."),
    aws: awsSiteSchema.optional().describe("AWS site: GPU agents, and the servers in a cloud-only stack."),
    edge: edgeSchema.optional().describe("Existing machines reached over SSH."),
}).superRefine(checkStack, always);

export type ClusterConfig = z.output<typeof clusterSchema>;
export type PlacementConfig = z.output<typeof placementSchema>;
export type PlatformConfig = z.output<typeof platformSchema>;
export type { AccessConfig, AppsConfig, AwsSiteConfig, EdgeSiteConfig, OciSiteConfig };
export type CostConfig = NonNullable<z.output<typeof stackConfigSchema>["cost"]>;
export interface StackConfig {
    cluster: ClusterConfig;
    cost?: CostConfig;
    inference?: InferenceConfig;
    access?: AccessConfig;
    monitoring: MonitoringConfig;
    apps: AppsConfig;
    placement: PlacementConfig;
    platform: PlatformConfig;
    oci?: OciSiteConfig;
    aws?: AwsSiteConfig;
    edge?: EdgeSiteConfig;
}

/** Paths to values that must never be echoed back: credentials and everything beside them. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
    const [site, section, a, b] = path;
    if (site === "oci" && section === "auth") return !["tenancyOcid", "userOcid", "fingerprint"].includes(String(a));
    if (site === "cluster" && section === "tailscale") return a !== undefined && a !== "version";
    if (site === "edge" && section === "machines") return b === "privateKey";
    // A public key line, but a password pasted there would be echoed whole (sweep s12 lk21).
    if (site === "oci" && section === "sshAuthorizedKeys") return true;
    // The recovery keys are public, but one pasted by mistake may be a private key: never echoed.
    if (site === "platform" && section === "vault") return a === "token" || a === "recoveryPgpKeys";
    if (site === "access" && section === "sso") return a === "clientSecret";
    // The receiver holds a URL with a token in it or a password: only its plain fields may be shown.
    if (site === "monitoring" && section === "alerts" && a === "receiver") {
        return !((b === "email" && ["to", "from", "smarthost", "username"].includes(String(path[4]))) || (b === "slack" && path[4] === "channel"));
    }
    if (site === "inference") return section === "huggingfaceToken" || (section === "hosted" && b === "apiKey") || (section === "teams" && b === "langfuseProject" && path[4] === "secretKey");
    if (site === "platform" && section === "postgres" && a === "backup" && b === "s3") return ["accessKeyId", "secretAccessKey", "keys"].includes(String(path[4]));
    return false;
}

/**
 * How Vault unseals: by hand (Shamir), with the AWS site's KMS, else with OCI KMS through the
 * instances' identity (instance principals, the one workload the metadata service is open to).
 */
export function vaultSealKind(config: StackConfig): "shamir" | "awskms" | "ocikms" {
    return config.platform.vault.unseal === "manual" ? "shamir" : config.aws ? "awskms" : "ocikms";
}

/**
 * The nodes Vault runs on under an OCI KMS seal, whose instances alone may use the key: OCI agents
 * the platform's pods can schedule on (no NoSchedule or NoExecute taint of the config's own). Not
 * servers: any pod on a node Vault may run on can reach the metadata service, and a server's user
 * data holds the cluster's server token and its SSH host key.
 */
export function vaultHosts(config: StackConfig): string[] {
    return (config.oci?.nodes ?? []).filter((n) => n.role === "agent" && !n.taints.some(keepsPodsOff)).map((n) => n.name);
}

/**
 * Paths whose values are credentials and must be stored encrypted in the stack file, which is
 * committed with the code (the subset of isSecretPath that holds a secret itself).
 */
export function mustBeEncrypted(path: readonly PropertyKey[]): boolean {
    const [site, section, a, b, c] = path;
    return (site === "oci" && section === "auth" && a === "privateKey")
        || (site === "cluster" && section === "tailscale" && a === "authKey")
        || (site === "edge" && section === "machines" && b === "privateKey")
        || (site === "platform" && section === "vault" && a === "token")
        || (site === "access" && section === "sso" && a === "clientSecret")
        || (site === "monitoring" && section === "alerts" && a === "receiver" && ((b === "email" && c === "password") || (["slack", "teams", "webhook"].includes(String(b)) && c === "url")))
        || (site === "inference" && (section === "huggingfaceToken" || (section === "hosted" && b === "apiKey") || (section === "teams" && b === "langfuseProject" && c === "secretKey")))
        || (site === "platform" && section === "postgres" && a === "backup" && b === "s3" && (c === "secretAccessKey" || (c === "keys" && path[6] === "secretAccessKey")));
}

/** Each credential given in plain text: under a key the CLI does not mark secret. */
function plainTextSecrets(input: Record<string, unknown>, isEncrypted: (top: string) => boolean, securePaths?: readonly string[]): string[] {
    const found: string[] = [];
    const walk = (value: unknown, path: PropertyKey[]): void => {
        if (typeof value === "string" && value.length > 0 && mustBeEncrypted(path)) {
            // Where the stack file says which leaves it encrypts, a credential beside an encrypted one is caught too.
            if (securePaths?.includes(configKey(path))) return;
            const key = configKey(path);
            found.push(`${key} = [secret]: is in plain text in the stack file, which is committed with the code; store it encrypted: pulumi config set --secret --path '${key}' <value>`);
        } else if (typeof value === "string" && hasCredentialShape(value) && !securePaths?.includes(configKey(path)) && !(securePaths === undefined && isEncrypted(String(path[0])))) {
            // A credential pasted where none belongs (a client secret as the client id): the file holds it in the open.
            const webhook = webhookWithCredential(value);
            found.push(webhook !== undefined
                ? `${configKey(path)} = [URL of ${value.length} characters, not shown]: is a ${webhook} webhook, whose path is its credential (anyone holding it posts to the channel), in plain text in the stack file, which is committed with the code and shown wherever this key's value is; remove it here and rotate it` +
                    (webhook === "Slack" ? ". A Slack alert receiver is set encrypted: pulumi config set --secret --path 'groundwork:monitoring.alerts.receiver.slack.url' <url>" : "")
                : `${configKey(path)} = [text of ${value.length} characters, not shown]: has a credential's shape (a private key, an API key or token prefix, a chat bot's token, an Entra client secret or a JWT) in plain text in the stack file, which is committed with the code; if it is one, it belongs in another key: remove it here and rotate it`);
        } else if (value !== null && typeof value === "object") {
            // A credential can be written as a map's key too (a label named with a token): never shown.
            const shaped = Array.isArray(value) ? [] : Object.keys(value).filter((k) => hasCredentialShape(k));
            if (shaped.length > 0 && !securePaths?.includes(configKey(path))) {
                found.push(`${configKey(path)} has ${shaped.length} key(s) shaped like a credential (not shown) in plain text in the stack file, which is committed with the code and, for labels, shown on the node to anyone who lists nodes; remove it and rotate it`);
            }
            Object.entries(value as object).forEach(([k, v]) => walk(v, [...path, Array.isArray(value) ? Number(k) : k]));
        }
    };
    for (const [top, value] of Object.entries(input)) {
        if (securePaths !== undefined || !isEncrypted(top)) walk(value, [top]);
    }
    return found;
}

/**
 * Whether text at a config path may hold an encrypted value. The CLI marks a whole top-level key
 * secret when anything inside it is encrypted; with the stack file's own encrypted paths known, only
 * those paths, what holds them and what they hold are hidden, and the plain text beside them (in
 * the committed file for anyone to read) is shown. Without them, or for a key the file encrypts
 * nothing under (an ESC environment's secret), all of the key is hidden.
 */
function encryptedAt(isEncrypted: (top: string) => boolean, securePaths: readonly string[] | undefined): (path: readonly PropertyKey[]) => boolean {
    const secure = securePaths?.filter((p) => p.startsWith(`${NAMESPACE}:`)).map(configPathParts);
    const within = (outer: readonly PropertyKey[], inner: readonly PropertyKey[]) => outer.length <= inner.length && outer.every((part, i) => String(part) === String(inner[i]));
    return (path) => {
        const top = String(path[0]);
        if (!isEncrypted(top)) return false;
        const underTop = secure?.filter((p) => String(p[0]) === top) ?? [];
        return underTop.length === 0 || underTop.some((p) => within(p, path) || within(path, p));
    };
}

/**
 * Parses the raw config map (`groundwork:<key>` → JSON text, as the Pulumi CLI hands it over).
 * `encryptedKeys` are the full keys the CLI marks secret: one with an encrypted value anywhere
 * inside (the CLI marks a structured key as a whole), so no text under them is echoed, wherever
 * it sits. Throws a ConfigError listing every problem at once.
 */
export function parseStackConfig(raw: Record<string, string>, encryptedKeys?: readonly string[], securePaths?: readonly string[]): StackConfig {
    const misspelt = misspeltNamespaceProblems(Object.keys(raw));
    if (misspelt.length > 0) {
        throw new ConfigError(misspelt);
    }
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
    const isEncrypted = (top: string) => (encryptedKeys ?? []).includes(`${NAMESPACE}:${top}`);
    // Given the CLI's list of encrypted keys (pulumi up, the offline plan), a credential in plain text is refused.
    const plain = encryptedKeys === undefined ? [] : plainTextSecrets(input, isEncrypted, securePaths);
    if (plain.length > 0) {
        throw new ConfigError(plain);
    }
    const result = stackConfigSchema.safeParse(input, { reportInput: true });
    // Checks of credentials against each other, made as written: once parsed, they are secrets.
    const rawS3 = (input.platform as { postgres?: { backup?: { s3?: unknown } } } | undefined)?.postgres?.backup?.s3;
    const credentialProblems = [
        ...sameBucketKeyProblems(rawS3).map((p) => ({ ...p, path: ["platform", "postgres", "backup", "s3", ...p.path] })),
        ...hostedKeyProviderProblems(input.inference),
        ...ssoSecretProblems(input.access),
        ...vaultTokenProblems(input.platform),
        ...ociFingerprintProblems(input.oci),
        ...smtpCredentialProblems(input.monitoring),
    ].map((p) => `${configKey(p.path)} = [secret]: ${p.message}`);
    // Settings nothing reads in this stack: plain values, shown as the schema's messages show them.
    const ignored = ignoredSettingProblems(input).map((p) => `${configKey(p.path)} = ${redactCredentials(JSON.stringify(valueAt(input, p.path).value))}: ${p.message}`);
    if (!result.success || credentialProblems.length > 0 || ignored.length > 0) {
        throw new ConfigError([...(result.success ? [] : formatIssues(stackConfigSchema, input, result.error.issues, isSecretPath, encryptedAt(isEncrypted, securePaths))), ...credentialProblems, ...ignored]);
    }
    const config = result.data as StackConfig;
    const capacity = [...platformCapacityProblems(config), ...podSizeProblems(config), ...gpuPodSizeProblems(config), ...volumeSizeProblems(config), ...gpuCacheProblems(config)];
    if (capacity.length > 0) {
        throw new ConfigError(capacity);
    }
    return config;
}

/** Reads this stack's configuration from the Pulumi runtime and parses it. */
export function loadStackConfig(): StackConfig {
    const raw = pulumi.runtime.allConfig();
    // The SDK's own test of the keys the CLI marks secret, exported by @pulumi/pulumi 3.248.0
    // runtime/config.js L72-83 but left out of its typings. The language host hands the list over as
    // PULUMI_CONFIG_SECRET_KEYS (pulumi/pulumi@v3.248.0 sdk/nodejs/cmd/pulumi-language-nodejs/main.go
    // L105, L887-895; runtime/state.js L66 reads it).
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    // Which leaves the stack file encrypts: handed over by the offline plan, else read from the file.
    const securePaths: string[] | undefined = raw[PLAN_SECURE_PATHS_KEY] !== undefined
        ? JSON.parse(raw[PLAN_SECURE_PATHS_KEY])
        : stackFileSecurePaths(path.resolve(__dirname, "../.."), pulumi.getStack(), NAMESPACE);
    // A value stored encrypted where no credential is expected would be written in plain text.
    const misplaced = encryptedNonCredentials(securePaths ?? [], NAMESPACE, isSecretPath, Object.keys(stackConfigSchema.shape));
    if (misplaced.length > 0) throw new ConfigError(misplaced);
    return parseStackConfig(raw, Object.keys(raw).filter((key) => runtime.isConfigSecret?.(key) === true), securePaths);
}
