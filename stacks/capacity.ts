import { k3sUpgradesFootprint } from "../components/k3s/upgrades";
import { monitoringFootprint } from "../components/observability/monitoring";
import { rebootsFootprint } from "../components/k3s/reboots";
import { clusterAutoscalerFootprint } from "../components/aws/cluster-autoscaler";
import { INSTANCE_TYPES } from "../components/aws/instance-types";
import { Footprint, Requests, totalRequests } from "../components/platform/footprint";
import { certManagerFootprint } from "../components/platform/cert-manager";
import { langfuseFootprint } from "../components/platform/langfuse";
import { linkerdFootprint } from "../components/platform/linkerd-mesh";
import { postgresFootprint } from "../components/platform/postgres-vector";
import { qdrantFootprint } from "../components/platform/qdrant";
import { vaultFootprint } from "../components/platform/vault";
import { vsoFootprint } from "../components/platform/vault-secrets-operator";
import { llmGatewayFootprint } from "../components/inference/llm-gateway";
import { queueAutoscalingFootprint } from "../components/inference/queue-autoscaling";
import { piiDetectionFootprint } from "../components/inference/pii-detection";
import { responseCacheFootprint } from "../components/inference/response-cache";
import { scalesWithLoad } from "../components/inference/vllm-server";
import { meshed } from "../components/platform/linkerd-mesh";
import { StackConfig } from "./config";
import { awsServerName, fixedCount } from "./config/aws";
import { ingressOpenings } from "./ingress";
import { ingressControllerFootprint } from "../components/ingress/ingress-controller";
import { chatFootprint } from "../components/apps/chat-ui";
import { notebooksFootprint } from "../components/apps/notebooks";

/**
 * Pods k3s itself runs, with the requests its packaged manifests set.
 * Source: k3s-io/k3s manifests/coredns.yaml and manifests/metrics-server (read 2026-11-25).
 */
const K3S_SYSTEM: Footprint[] = [
    { workload: "coredns", pods: 1, perPod: { cpuMillis: 100, memoryMi: 70 } },
    { workload: "metrics-server", pods: 1, perPod: { cpuMillis: 100, memoryMi: 70 } },
];

/** k3s's default hard eviction threshold (memory.available<100Mi) is kept back from pods. */
const EVICTION_RESERVE_MI = 100;

/** Every pod the platform layer runs on the platform placement, and what each requests. */
export function platformFootprint(config: StackConfig): Footprint[] {
    return [
        ...K3S_SYSTEM,
        ...linkerdFootprint(config.platform.mesh.ha),
        ...vaultFootprint(config.platform.vault.replicas),
        ...vsoFootprint(),
        ...certManagerFootprint(),
        ...k3sUpgradesFootprint(),
        ...rebootsFootprint(),
        ...monitoringFootprint(),
        ...postgresFootprint(config.platform.postgres.instances),
        ...qdrantFootprint(config.platform.vectorDb.replicas),
        ...langfuseFootprint(),
        ...(ingressOpenings(config.access).length > 0 ? ingressControllerFootprint(config.access!.replicas) : []),
        ...(config.apps.chat?.enabled ? chatFootprint(config.apps.chat.cpus, config.apps.chat.memoryGbs) : []),
        ...(config.apps.notebooks?.enabled ? notebooksFootprint(config.apps.notebooks.cpus, config.apps.notebooks.memoryGbs, config.apps.notebooks.concurrentUsers) : []),
        ...(config.inference ? inferenceServicesFootprint(config) : []),
        ...((config.aws?.gpuNodeGroups ?? []).some((g) => g.autoscaling) ? clusterAutoscalerFootprint() : []),
    ];
}

/** The gateway (and, when any model scales, KEDA; Presidio and the shared cache when chosen) run on the platform placement. */
function inferenceServicesFootprint(config: StackConfig): Footprint[] {
    const inf = config.inference!;
    return [
        ...llmGatewayFootprint(inf.gateway.replicas),
        ...(inf.models.some(scalesWithLoad) ? queueAutoscalingFootprint() : []),
        ...(inf.guardrails.engine === "presidio" ? piiDetectionFootprint() : []),
        ...(inf.gateway.cache === "valkey" ? responseCacheFootprint() : []),
    ];
}

/** What one replica of each CPU model asks of its nodes (with its mesh proxy). */
export function cpuModelRequests(config: StackConfig): { model: string; requests: Requests }[] {
    return (config.inference?.models ?? []).filter((m) => m.gpus === 0).map((m) => ({
        model: m.name,
        requests: meshed({ cpuMillis: Math.round(m.cpus * 1000), memoryMi: m.memoryGbs * 1024 }),
    }));
}

export interface NodeCapacity {
    name: string;
    allocatable: Requests;
}

/**
 * The nodes the platform placement may use and what they can give pods. An A1 OCPU is one
 * core (no SMT); AWS sizes come from the instance-type table. Edge machines' sizes are not
 * known to the stack and are left out.
 */
export function platformNodes(config: StackConfig): NodeCapacity[] {
    const wanted = config.placement.platform;
    const fits = (kind: string) => (wanted === "any" ? kind === "arm" || kind === "x86" : kind === wanted);
    const nodes: NodeCapacity[] = [];
    for (const n of config.oci?.nodes ?? []) {
        if (fits("arm")) nodes.push({ name: n.name, allocatable: { cpuMillis: n.ocpus * 1000, memoryMi: n.memoryGbs * 1024 - EVICTION_RESERVE_MI } });
    }
    // GPU nodes the platform may be placed on, fixed on-demand ones (the config refuses the others for it: sweep s26 M6).
    if (wanted === "gpu") {
        for (const g of config.aws?.gpuNodeGroups ?? []) {
            const spec = INSTANCE_TYPES[g.instanceType];
            for (let i = 0; i < fixedCount(g); i++) nodes.push({ name: `${g.name}-${i}`, allocatable: { cpuMillis: spec.vcpus * 1000, memoryMi: spec.memoryGib * 1024 - EVICTION_RESERVE_MI } });
        }
    }
    const servers = config.aws?.servers;
    if (servers) {
        const spec = INSTANCE_TYPES[servers.instanceType];
        for (let i = 0; i < servers.count; i++) {
            if (fits(spec.arch === "arm64" ? "arm" : "x86")) nodes.push({ name: awsServerName(i), allocatable: { cpuMillis: spec.vcpus * 1000, memoryMi: spec.memoryGib * 1024 - EVICTION_RESERVE_MI } });
        }
    }
    return nodes;
}

const cores = (m: number) => (m / 1000).toFixed(2);
const gib = (mi: number) => (mi / 1024).toFixed(1);

/**
 * The platform's requests against its nodes, as config problems: a platform that cannot be
 * scheduled is refused before anything is created. Stacks whose platform runs on edge machines
 * (sizes unknown to the stack) are not checked.
 */
export function platformCapacityProblems(config: StackConfig): string[] {
    const nodes = platformNodes(config);
    if (nodes.length === 0) return [];
    const { requested, allocatable } = fitOn(config, nodes);
    if (requested.cpuMillis <= allocatable.cpuMillis && requested.memoryMi <= allocatable.memoryMi) return [];
    const names = nodes.map((n) => n.name).join(", ");
    // The list leads with what is short: memory when it overflows further than the cores do.
    const memoryShort = requested.memoryMi / allocatable.memoryMi > requested.cpuMillis / allocatable.cpuMillis;
    // On AWS, a larger type only where one is known (review s24d F8).
    const onAws = config.aws?.servers !== undefined && nodes.some((n) => n.name.startsWith("aws-server-"));
    const larger = onAws ? largerServerType(config.aws!.servers!.instanceType, memoryShort) : undefined;
    const bigger = onAws ? (larger ? `choose a larger groundwork:aws.servers.instanceType (e.g. ${larger}), ` : "") : "choose larger groundwork:oci.nodes shapes, ";
    return [`groundwork:placement.platform = ${JSON.stringify(config.placement.platform)}: the platform's pods request ${cores(requested.cpuMillis)} cores and ${gib(requested.memoryMi)} GiB, ` +
        `but its nodes (${names}) give ${cores(allocatable.cpuMillis)} cores and ${gib(allocatable.memoryMi)} GiB; ${bigger}add nodes, or run fewer replicas. ` +
        `The largest${memoryShort ? " by memory" : ""}: ${largestWorkloads(config, nodes.length, memoryShort ? "memoryMi" : "cpuMillis")}`];
}

/**
 * The next CPU type of the same architecture with more of what is short (and no less of the other),
 * smallest first: the example a capacity message gives (sweep s25 W2 gave m7i.xlarge to an m7i.2xlarge).
 */
export function largerServerType(current: string, memoryShort: boolean): string | undefined {
    const now = INSTANCE_TYPES[current];
    if (!now) return undefined;
    return Object.entries(INSTANCE_TYPES)
        .filter(([, t]) => t.gpus === 0 && t.arch === now.arch && t.vcpus >= now.vcpus && t.memoryGib >= now.memoryGib && (memoryShort ? t.memoryGib > now.memoryGib : t.vcpus > now.vcpus))
        .sort(([, a], [, b]) => a.vcpus - b.vcpus || a.memoryGib - b.memoryGib)[0]?.[0];
}

/** The config key that sets how many pods a workload runs, or that adds it to the stack, where one does. */
const COUNTED_BY: Record<string, string> = {
    "notebook-server": "apps.notebooks.concurrentUsers",
    "presidio-analyzer": "inference.guardrails.engine",
    "presidio-anonymizer": "inference.guardrails.engine",
    "response-cache": "inference.gateway.cache",
    postgres: "platform.postgres.instances",
    qdrant: "platform.vectorDb.replicas",
    vault: "platform.vault.replicas",
    "llm-gateway": "inference.gateway.replicas",
    "open-webui": "apps.chat",
    traefik: "access.replicas",
};

/** The three workloads that ask the most of the nodes (cores, or memory), with the key that sizes each (models by their replicas.max). */
function largestWorkloads(config: StackConfig, nodes: number, by: keyof Requests = "cpuMillis"): string {
    const keyOf = (workload: string) => COUNTED_BY[workload]
        ?? (workload.startsWith("vllm-") ? `inference.models[${modelIndex(config, workload.slice("vllm-".length))}]` : undefined);
    return [...platformFootprint(config), ...sharedModelFootprints(config)]
        .map((f) => ({ f, total: totalRequests([f], nodes) }))
        .sort((a, b) => b.total[by] - a.total[by])
        .slice(0, 3)
        .map(({ f, total }) => `${f.workload} ${f.pods === "per-node" ? "on every node" : `x${f.pods}`} (${cores(total.cpuMillis)} cores, ${gib(total.memoryMi)} GiB${keyOf(f.workload) ? `; groundwork:${keyOf(f.workload)}` : ""})`)
        .join(", ");
}

/** What the platform requests of its nodes, against what they have. */
export function platformFit(config: StackConfig): { requested: Requests; allocatable: Requests; nodes: number } {
    return fitOn(config, platformNodes(config));
}

function fitOn(config: StackConfig, nodes: NodeCapacity[]): { requested: Requests; allocatable: Requests; nodes: number } {
    const allocatable = nodes.reduce((a, n) => ({ cpuMillis: a.cpuMillis + n.allocatable.cpuMillis, memoryMi: a.memoryMi + n.allocatable.memoryMi }), { cpuMillis: 0, memoryMi: 0 });
    return { requested: totalRequests([...platformFootprint(config), ...sharedModelFootprints(config)], nodes.length), allocatable, nodes: nodes.length };
}

/** The CPU models sharing the platform's nodes, as footprints at their largest scale. */
function sharedModelFootprints(config: StackConfig): Footprint[] {
    return sharedCpuModels(config).map((m) => ({ workload: `vllm-${m.model}`, pods: m.replicas, perPod: m.requests }));
}

/** Where a model sits in groundwork:inference.models, for naming its keys. */
export function modelIndex(config: StackConfig, name: string): number {
    return (config.inference?.models ?? []).findIndex((m) => m.name === name);
}

/**
 * CPU models that land on the platform's nodes (their placement and the platform's select the
 * same kind of node), at their largest scale: the platform and they share those cores.
 */
export function sharedCpuModels(config: StackConfig): { model: string; replicas: number; requests: Requests }[] {
    const kinds = (p: string) => (p === "any" ? ["arm", "x86"] : [p]);
    const platform = kinds(config.placement.platform);
    const byName = new Map((config.inference?.models ?? []).map((m) => [m.name, m]));
    return cpuModelRequests(config)
        .map((m) => ({ ...m, spec: byName.get(m.model)! }))
        .filter((m) => kinds(m.spec.placement ?? config.placement.inference).some((k) => platform.includes(k)))
        .map((m) => ({ model: m.model, replicas: m.spec.replicas.max, requests: m.requests }));
}

/**
 * Single pods no node can hold, though the totals fit: the capacity check sums cores and memory
 * over the nodes, but a pod runs on one node. (Volumes: stacks/disk-capacity.ts.)
 */
export function podSizeProblems(config: StackConfig): string[] {
    const problems: string[] = [];
    const nodes = platformNodes(config);
    const fitsOne = (r: Requests) => nodes.some((n) => n.allocatable.cpuMillis >= r.cpuMillis && n.allocatable.memoryMi >= r.memoryMi);
    const largest = `the largest gives ${cores(Math.max(...nodes.map((n) => n.allocatable.cpuMillis)))} cores and ${gib(Math.max(...nodes.map((n) => n.allocatable.memoryMi)))} GiB`;
    // Named by the key written that is too large: memoryGbs when no node has the memory, else cpus.
    const tooLarge = (requests: Requests | undefined) => (requests && !nodes.some((n) => n.allocatable.memoryMi >= requests.memoryMi) ? "memoryGbs" : "cpus");
    const app = (name: "chat" | "notebooks", spec: { cpus: number; memoryGbs: number }, what: string, requests: Requests | undefined) => {
        const key = tooLarge(requests);
        return { key: `apps.${name}.${key}`, value: spec[key], what, requests };
    };
    const chat = config.apps.chat;
    const notebooks = config.apps.notebooks;
    const pods: { key: string; value: unknown; what: string; requests?: Requests }[] = [
        ...(chat?.enabled ? [app("chat", chat, "the chat UI's pod", chatFootprint(chat.cpus, chat.memoryGbs)[0].perPod)] : []),
        ...(notebooks?.enabled ? [app("notebooks", notebooks, "each notebook server", notebooksFootprint(notebooks.cpus, notebooks.memoryGbs, 1).find((f) => f.workload === "notebook-server")?.perPod)] : []),
        ...sharedCpuModels(config).map((m) => {
            const i = modelIndex(config, m.model);
            const spec = config.inference!.models[i];
            const key = tooLarge(m.requests);
            return { key: `inference.models[${i}].${key}`, value: spec[key], what: `model ${m.model}'s pod`, requests: m.requests };
        }),
    ];
    if (nodes.length > 0) {
        for (const p of pods.filter((x) => x.requests && !fitsOne(x.requests))) {
            problems.push(`groundwork:${p.key} = ${JSON.stringify(p.value)}: ${p.what} requests ${cores(p.requests!.cpuMillis)} cores and ${gib(p.requests!.memoryMi)} GiB, more than any of the platform's nodes can give (${largest}); ask for less, or choose larger nodes`);
        }
    }
    return problems;
}

/**
 * GPU models whose one pod, with its mesh proxy, is larger than every GPU node that has its GPUs
 * (the instance's vCPUs and memory less the kubelet's eviction reserve): it would never be
 * scheduled. DaemonSets on those nodes are not counted, so a pod that passes may still not fit.
 */
export function gpuPodSizeProblems(config: StackConfig): string[] {
    const groups = (config.aws?.gpuNodeGroups ?? []).map((g) => ({ name: g.name, spec: INSTANCE_TYPES[g.instanceType] })).filter((g) => g.spec);
    return (config.inference?.models ?? []).flatMap((m, i) => {
        const holding = groups.filter((g) => g.spec.gpus >= m.gpus);
        if (m.gpus === 0 || holding.length === 0) return [];
        const pod = meshed({ cpuMillis: Math.round(m.cpus * 1000), memoryMi: m.memoryGbs * 1024 });
        const room = holding.map((g) => ({ ...g, cpuMillis: g.spec.vcpus * 1000, memoryMi: g.spec.memoryGib * 1024 - EVICTION_RESERVE_MI }));
        if (room.some((g) => pod.cpuMillis <= g.cpuMillis && pod.memoryMi <= g.memoryMi)) return [];
        const cpuShort = room.every((g) => pod.cpuMillis > g.cpuMillis);
        const largest = room.map((g) => `${g.name}: ${cores(g.cpuMillis)} cores and ${gib(g.memoryMi)} GiB`).join("; ");
        return [`groundwork:inference.models[${i}].${cpuShort ? "cpus" : "memoryGbs"} = ${cpuShort ? m.cpus : m.memoryGbs}: model ${m.name}'s pod requests ${cores(pod.cpuMillis)} cores and ${gib(pod.memoryMi)} GiB with its mesh proxy, more than a GPU node with its ${m.gpus} GPU(s) can give (${largest}); ask for less, or choose a larger aws.gpuNodeGroups[].instanceType`];
    });
}
