import { ociNodeIsPublic } from "./oci";
import { isObject } from "./primitives";

/**
 * Settings given in the stack file that nothing reads in this stack, each with why and what to do:
 * an operator who sets one expects it to act, and the stack would go on without a word (sweep s22
 * M9-M18). Read from the raw config, where a value written can be told from a default.
 */
/** Whether Pulumi reaches a cloud node over SSH: an AWS server, or a public OCI node (servers are). */
export function reachesCloudNodes(config: { aws?: unknown; oci?: unknown }): boolean {
    const aws = isObject(config.aws) ? config.aws : undefined;
    const oci = isObject(config.oci) ? config.oci : undefined;
    // An OCI site's first server is always public (a private one is refused on its own), and a
    // `public` that is no boolean is refused on its own: neither is judged again here (sweep s33 W1).
    return (aws !== undefined && aws.servers !== undefined)
        || (oci !== undefined && Array.isArray(oci.nodes) && oci.nodes.some((n) => isObject(n)
            && (n.role === "server" || (n.public !== undefined && typeof n.public !== "boolean") || ociNodeIsPublic(n, oci.overlay))));
}

export function ignoredSettingProblems(input: Record<string, unknown>): { path: PropertyKey[]; message: string }[] {
    const problems: { path: PropertyKey[]; message: string }[] = [];
    const ignored = (path: PropertyKey[], message: string) => problems.push({ path, message: `is ignored: ${message}` });
    const access = isObject(input.access) ? input.access : undefined;
    const sso = access && isObject(access.sso) ? access.sso : undefined;
    const hosts = access && isObject(access.hosts) ? access.hosts : undefined;
    const inference = isObject(input.inference) ? input.inference : undefined;
    const platform = isObject(input.platform) ? input.platform : undefined;

    (Array.isArray(inference?.models) ? inference.models : []).forEach((m, i) => {
        if (!isObject(m)) return;
        const onGpu = m.gpus !== 0; // gpus defaults to 1
        if (onGpu && m.kvCacheGbs !== undefined) ignored(["inference", "models", i, "kvCacheGbs"], "it sizes the CPU backend's KV cache (VLLM_CPU_KVCACHE_SPACE), and this model runs on a GPU, where gpuMemoryUtilization sets the cache; remove it");
        if (!onGpu && m.gpuMemoryUtilization !== undefined) ignored(["inference", "models", i, "gpuMemoryUtilization"], "this model runs on CPU (gpus: 0), where kvCacheGbs sets the cache; remove it");
        // KEDA scales only a model with room to (components/inference/vllm-server.ts scalesWithLoad; sweep s23 M6).
        const replicas = isObject(m.replicas) ? m.replicas : {};
        const [min, max] = [typeof replicas.min === "number" ? replicas.min : 1, typeof replicas.max === "number" ? replicas.max : 1];
        if (m.queueDepthTarget !== undefined && max <= min && m.activeHours === undefined) {
            ignored(["inference", "models", i, "queueDepthTarget"], `it sets when KEDA adds a replica, and this model has replicas.max ${max}, no more than replicas.min ${min}, and no activeHours, so nothing scales it; raise replicas.max, or remove it`);
        }
    });
    (Array.isArray(inference?.teams) ? inference.teams : []).forEach((t, i) => {
        if (isObject(t) && t.ownersGroup !== undefined && !sso) ignored(["inference", "teams", i, "ownersGroup"], "a team's owners sign in to Vault through groundwork:access.sso, which this stack does not have; add access.sso, or remove it");
    });
    if (access?.gatewayRateLimit !== undefined && hosts?.gateway === undefined) {
        ignored(["access", "gatewayRateLimit"], "it limits the public gateway host, and access.hosts.gateway routes none; add the host, or remove it");
    }
    if (sso?.allowedDomains !== undefined && !(isObject(input.apps) && isObject(input.apps.chat) && input.apps.chat.enabled !== false)) {
        ignored(["access", "sso", "allowedDomains"], "only the chat UI reads it (OAUTH_ALLOWED_DOMAINS), and groundwork:apps.chat is not on; turn it on, or remove it");
    }
    const tls = access && isObject(access.tls) ? access.tls : undefined;
    if (tls?.issuer === "private-ca" && tls.acmeServer !== undefined) {
        ignored(["access", "tls", "acmeServer"], "certificates come from the stack's own CA (tls.issuer private-ca), which asks no ACME server; remove it, or set tls.issuer: acme");
    }
    const backups = platform && isObject(platform.backups) ? platform.backups : undefined;
    const givenBucket = platform && isObject(platform.postgres) && isObject(platform.postgres.backup) && platform.postgres.backup.s3 !== undefined;
    if (backups?.objectLock !== undefined && givenBucket) {
        ignored(["platform", "backups", "objectLock"], "it is set on the bucket the stack makes, and backups go to the bucket platform.postgres.backup.s3 names, whose lock is its owner's to set; set Object Lock on that bucket, and remove it");
    }
    const aws = isObject(input.aws) ? input.aws : undefined;
    if (aws && Array.isArray(aws.sshAllowedCidrs) && aws.sshAllowedCidrs.length > 0 && aws.servers === undefined) {
        ignored(["aws", "sshAllowedCidrs"], "it opens SSH to the AWS servers, and this stack has none (aws.servers); remove it");
    }
    // Only the host keys of cloud nodes Pulumi reaches over SSH are generated or trusted on first
    // use (stacks/aws-site.ts, oci-site.ts): AWS servers and public OCI nodes, never AWS GPU nodes or
    // private OCI nodes; edge machines' come from config (sweep s24 M3, s32 M1).
    const cluster = isObject(input.cluster) ? input.cluster : undefined;
    if (cluster?.sshHostKeys !== undefined && !reachesCloudNodes(input)) {
        ignored(["cluster", "sshHostKeys"], "it says how Pulumi trusts the SSH host keys of the cloud nodes it reaches (AWS servers, public OCI nodes), and this stack has none: AWS GPU nodes and private OCI nodes are never reached, and edge machines are always checked against edge.machines[].hostKey; remove it");
    }
    const alerts = isObject(input.monitoring) && isObject(input.monitoring.alerts) ? input.monitoring.alerts : undefined;
    if (alerts?.gpuIdle !== undefined && !(aws && Array.isArray(aws.gpuNodeGroups) && aws.gpuNodeGroups.length > 0)) {
        ignored(["monitoring", "alerts", "gpuIdle"], "it watches GPU nodes (DCGM's utilisation), and this stack has none (aws.gpuNodeGroups); remove it (sweep s22b31)");
    }
    const langfuse = platform && isObject(platform.langfuse) ? platform.langfuse : undefined;
    const first = sso && Array.isArray(sso.administrators) && typeof sso.administrators[0] === "string" ? sso.administrators[0] : undefined;
    if (first !== undefined && typeof langfuse?.adminEmail === "string" && langfuse.adminEmail.toLowerCase() !== first.toLowerCase()) {
        ignored(["platform", "langfuse", "adminEmail"], `with access.sso, Langfuse's first owner is access.sso.administrators[0] (${first}); put this address first there, or remove it`);
    }
    return problems;
}
