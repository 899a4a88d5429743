import { NOTEBOOK_HUB_DB_GBS } from "../components/apps/notebooks";
import { INSTANCE_TYPES } from "../components/aws/instance-types";
import { LANGFUSE_QUEUE_STORAGE_GBS } from "../components/platform/langfuse";
import { VAULT_AUDIT_STORAGE_GBS } from "../components/platform/vault";
import { StackConfig } from "./config";
import { awsServerName } from "./config/aws";
import { modelIndex, platformNodes, sharedCpuModels } from "./capacity";

/**
 * What the OS, k3s and the images keep on a node's disk beside the volumes: Ubuntu's image (about
 * 3 GB), k3s with etcd, the API server's audit log on servers (at most 0.6 GB,
 * components/k3s/api-audit.ts), and the container images of the pods it runs (a few GB; vLLM's
 * CPU build alone is about 3 GB). An estimate, used only to refuse volumes that could never fit.
 */
export const DISK_RESERVED_GB = 15;

/** One kind of volume the platform creates on its nodes' disks. */
export interface PlatformVolume {
    /** The config key that sizes it. */
    key: string;
    /** Its size, GB. */
    gbs: number;
    /** How many of it there are (one per replica, per person or per pod). */
    count: number;
    /** What it is, for the message. */
    what: string;
    /** Space used only while a backup runs (a Job's scratch disk), not held. */
    transient?: boolean;
}

/**
 * Every volume the platform's pods claim on the platform's nodes, k3s's local-path directories,
 * and the scratch disks the backup Jobs fill while they run. Notebook homes are counted for the
 * concurrent users; a person who has signed in once keeps a home after their server stops.
 */
export function platformVolumes(config: StackConfig): PlatformVolume[] {
    const p = config.platform;
    const chat = config.apps.chat?.enabled ? config.apps.chat : undefined;
    const notebooks = config.apps.notebooks?.enabled ? config.apps.notebooks : undefined;
    return [
        { key: "platform.vault.storageGbs", gbs: p.vault.storageGbs, count: p.vault.replicas, what: "Vault's Raft data" },
        { key: "platform.vault.replicas", gbs: VAULT_AUDIT_STORAGE_GBS, count: p.vault.replicas, what: "Vault's audit log" },
        { key: "platform.postgres.storageGbs", gbs: p.postgres.storageGbs, count: p.postgres.instances, what: "Postgres" },
        { key: "platform.vectorDb.storageGbs", gbs: p.vectorDb.storageGbs, count: p.vectorDb.replicas, what: "Qdrant" },
        { key: "platform.langfuse.clickhouseStorageGbs", gbs: p.langfuse.clickhouseStorageGbs, count: 1, what: "ClickHouse's traces" },
        { key: "platform.langfuse", gbs: LANGFUSE_QUEUE_STORAGE_GBS, count: 1, what: "Langfuse's queue (Valkey)" },
        { key: "monitoring.storageGbs", gbs: config.monitoring.storageGbs, count: 1, what: "Prometheus" },
        ...(chat ? [{ key: "apps.chat.storageGbs", gbs: chat.storageGbs, count: 1, what: "the chat UI's history" }] : []),
        ...(notebooks ? [
            { key: "apps.notebooks.storageGbs", gbs: notebooks.storageGbs, count: notebooks.concurrentUsers, what: "notebook homes" },
            { key: "apps.notebooks", gbs: NOTEBOOK_HUB_DB_GBS, count: 1, what: "JupyterHub's database" },
        ] : []),
        ...sharedCpuModels(config).map((m) => {
            const i = modelIndex(config, m.model);
            const spec = config.inference!.models[i];
            // A model that scales to zero keeps its cache per pod (stacks/inference.ts), else one claim.
            return { key: `inference.models[${i}].cacheGbs`, gbs: spec.cacheGbs, count: spec.replicas.min === 0 ? m.replicas : 1, what: `model ${m.model}'s cache` };
        }),
        { key: "platform.vault.storageGbs", gbs: p.vault.storageGbs, count: 1, what: "the Vault snapshot Job's scratch", transient: true },
        // Qdrant writes each full snapshot on its own volume before the Job downloads and deletes it
        // (README, Qdrant): for a while each replica holds its data twice.
        { key: "platform.vectorDb.storageGbs", gbs: p.vectorDb.storageGbs, count: p.vectorDb.replicas, what: "Qdrant's snapshot beside its data", transient: true },
        { key: "platform.vectorDb.storageGbs", gbs: p.vectorDb.storageGbs * p.vectorDb.replicas, count: 1, what: "the Qdrant snapshot Job's scratch", transient: true },
    ];
}

/** The disks of the nodes the platform may use: OCI boot volumes, AWS servers' root volumes. */
export function platformDisks(config: StackConfig): { name: string; gbs: number }[] {
    const names = new Set(platformNodes(config).map((n) => n.name));
    const disks = [
        ...(config.oci?.nodes ?? []).map((n) => ({ name: n.name, gbs: n.bootVolumeGbs })),
        ...Array.from({ length: config.aws?.servers?.count ?? 0 }, (_, i) => ({ name: awsServerName(i), gbs: config.aws!.servers!.rootVolumeGbs })),
    ];
    return disks.filter((d) => names.has(d.name));
}

/** The key that gives the platform's nodes more disk. */
function largerDisksKey(disks: { name: string }[]): string {
    return disks.some((d) => d.name.startsWith("aws-server-")) ? "groundwork:aws.servers.rootVolumeGbs" : "groundwork:oci.nodes[].bootVolumeGbs";
}

/**
 * Volumes the platform's disks cannot hold. k3s's local-path volumes are directories on one node's
 * disk, and local-path does not enforce their size, so a volume larger than its disk, or volumes
 * that together outgrow the disks, fill a disk instead of failing: etcd, the images and every other
 * volume on that node go with it. Two checks, both necessary and neither sufficient (placing the
 * volumes is the scheduler's): no one volume is larger than the largest disk leaves, and all of them
 * fit in what all the disks leave. Stacks whose platform runs on edge machines (disks unknown to
 * the stack) are not checked.
 */
export function volumeSizeProblems(config: StackConfig): string[] {
    const disks = platformDisks(config);
    if (disks.length === 0) return [];
    const problems: string[] = [];
    const volumes = platformVolumes(config);
    const room = Math.max(...disks.map((d) => d.gbs)) - DISK_RESERVED_GB;
    const oversized = new Set<string>();
    for (const v of volumes.filter((x) => !x.transient && x.gbs > room && !oversized.has(x.key))) {
        oversized.add(v.key);
        problems.push(`groundwork:${v.key} = ${v.gbs}: a volume lives on one node's disk, and the largest the platform's nodes have leaves ${room} GB beside the system (${DISK_RESERVED_GB} GB kept for the OS, k3s and images); ask for at most ${room}, or give the nodes larger disks`);
    }
    if (problems.length > 0) return problems;
    const total = volumes.reduce((sum, v) => sum + v.gbs * v.count, 0);
    const free = disks.reduce((sum, d) => sum + d.gbs - DISK_RESERVED_GB, 0);
    if (total > free) {
        const largest = [...volumes].sort((a, b) => b.gbs * b.count - a.gbs * a.count).slice(0, 3)
            .map((v) => `${v.what} ${v.count > 1 ? `${v.count} x ${v.gbs}` : v.gbs} GB (groundwork:${v.key})`).join(", ");
        problems.push(`${largerDisksKey(disks)}: the platform's volumes and backup scratch need ${total} GB, but its nodes' disks (${disks.map((d) => `${d.name} ${d.gbs} GB`).join(", ")}) leave ${free} GB ` +
            `beside the system (${DISK_RESERVED_GB} GB each); give the nodes larger disks or ask for smaller volumes. The largest: ${largest}`);
    }
    return problems;
}

/**
 * A GPU model's cache is on its node's root volume (aws.gpuNodeGroups[].rootVolumeGbs), and the
 * model may land on any GPU group whose nodes hold its GPUs: the smallest of those roots decides.
 */
export function gpuCacheProblems(config: StackConfig): string[] {
    const groups = (config.aws?.gpuNodeGroups ?? []).map((g, i) => ({ i, name: g.name, root: g.rootVolumeGbs, gpus: INSTANCE_TYPES[g.instanceType]?.gpus }));
    if (groups.length === 0) return [];
    const alone = gpuCacheAloneProblems(config, groups);
    return alone.length > 0 ? alone : sharedGpuCacheProblems(config, groups);
}

type GpuGroup = { i: number; name: string; root: number; gpus: number | undefined };

/**
 * Models that share a GPU node share its root volume: the most cache one node of a group can be
 * asked to hold, filling its GPUs with the replicas of the models that fit it. A model with
 * replicas.min 0 has a cache per pod (an ephemeral claim), the others one claim that every replica
 * mounts (stacks/inference.ts `cache`) (sweep s19-28).
 */
function sharedGpuCacheProblems(config: StackConfig, groups: GpuGroup[]): string[] {
    const models = (config.inference?.models ?? []).map((m, i) => ({ m, i })).filter(({ m }) => m.gpus > 0);
    const problems: string[] = [];
    for (const g of groups.filter((x) => x.gpus !== undefined)) {
        const gpus = g.gpus!;
        const fit = models.filter(({ m }) => m.gpus <= gpus);
        // Bounded knapsack over the node's GPUs (at most 8): the largest cache the node can hold.
        let best: { gbs: number; picks: number[] }[] = Array.from({ length: gpus + 1 }, () => ({ gbs: 0, picks: [] }));
        for (const { m, i } of fit) {
            // A shared claim (ReadWriteOnce) holds every replica on its node: one cache, all their GPUs (review s19b N8).
            const perCopy = m.replicas.min === 0 ? m.gpus : m.gpus * m.replicas.min;
            if (perCopy > gpus) continue;
            const copies = m.replicas.min === 0 ? Math.min(m.replicas.max, Math.floor(gpus / m.gpus)) : 1;
            for (let k = 0; k < copies; k++) {
                const next = best.map((b) => ({ ...b, picks: [...b.picks] }));
                for (let c = perCopy; c <= gpus; c++) {
                    const taken = best[c - perCopy];
                    if (taken.gbs + m.cacheGbs > next[c].gbs) next[c] = { gbs: taken.gbs + m.cacheGbs, picks: [...taken.picks, i] };
                }
                best = next;
            }
        }
        const worst = best[gpus];
        const room = g.root - DISK_RESERVED_GB;
        if (worst.picks.length > 1 && worst.gbs > room) {
            const names = [...new Set(worst.picks)].map((i) => `inference.models[${i}] (${worst.picks.filter((p) => p === i).length} x ${config.inference!.models[i].cacheGbs} GB)`).join(", ");
            problems.push(`groundwork:aws.gpuNodeGroups[${g.i}].rootVolumeGbs = ${g.root}: one of its ${gpus}-GPU nodes can run ${names}, whose caches live on its root volume: ${worst.gbs} GB, but it leaves ${room} GB beside the system; raise rootVolumeGbs to at least ${worst.gbs + DISK_RESERVED_GB}, or ask for smaller caches`);
        }
    }
    return problems;
}

function gpuCacheAloneProblems(config: StackConfig, groups: GpuGroup[]): string[] {
    return (config.inference?.models ?? []).flatMap((m, i) => {
        if (m.gpus === 0) return [];
        // A group whose instance type is unknown here is counted in: better a false alarm than a full disk.
        const eligible = groups.filter((g) => g.gpus === undefined || g.gpus >= m.gpus);
        const smallest = [...(eligible.length > 0 ? eligible : groups)].sort((a, b) => a.root - b.root)[0];
        return m.cacheGbs > smallest.root - DISK_RESERVED_GB
            ? [`groundwork:inference.models[${i}].cacheGbs = ${m.cacheGbs}: the model's cache lives on its GPU node's root volume, and it may run on aws.gpuNodeGroups[${smallest.i}] (${smallest.name}), whose ${smallest.root} GB root leaves ${smallest.root - DISK_RESERVED_GB} GB beside the system; ask for less, or raise that group's rootVolumeGbs`]
            : [];
    });
}
