import { autoscaledGpuNodeShape } from "../components/aws/gpu-auto-scaling-group";
import { gpuNodeLabels } from "../components/aws/gpu-node-group";
import { INSTANCE_TYPES } from "../components/aws/instance-types";
import { CONTROL_PLANE_LABEL, siteLabels, taintsFor } from "../components/placement";
import { StackConfig } from "./config";
import { awsServerName, fixedCount } from "./config/aws";

/** A node as the scheduler sees it: the labels and taints the stack gives it at join time. */
export interface ClusterNode {
    name: string;
    labels: Record<string, string>;
    /** `key[=value]:Effect`, as k3s's `node-taint`. */
    taints: string[];
}

/**
 * Whether edge machines carry the `groundwork.dev/edge` taint: only when the cluster has nodes
 * without Groundwork's taints elsewhere (OCI A1 nodes, AWS servers), where k3s's packaged
 * CoreDNS, local-path-provisioner and metrics-server can run (they tolerate only the control-plane
 * and CriticalAddonsOnly taints: k3s-io/k3s@v1.34.9+k3s1 manifests/). Workloads still select edge
 * machines by label.
 */
export function edgeMachinesTainted(config: StackConfig): boolean {
    return (config.oci?.nodes.length ?? 0) > 0 || config.aws?.servers !== undefined;
}

const role = (server: boolean): Record<string, string> => (server ? { [CONTROL_PLANE_LABEL]: "true" } : {});

/**
 * Every node the stack's config describes, with the labels k3s gives it (`kubernetes.io/os`,
 * `kubernetes.io/arch` where known, the control-plane role on servers) and ours. Autoscaled GPU
 * groups count once, as the node the autoscaler would start. For the placement policy.
 */
export function clusterNodes(config: StackConfig): ClusterNode[] {
    const linux = { "kubernetes.io/os": "linux" };
    const nodes: ClusterNode[] = [];
    for (const n of config.oci?.nodes ?? []) {
        nodes.push({
            name: n.name,
            labels: { ...linux, "kubernetes.io/arch": "arm64", ...role(n.role === "server"), ...siteLabels("oci", "arm", n.labels) },
            taints: n.taints,
        });
    }
    const servers = config.aws?.servers;
    for (let i = 0; servers && i < servers.count; i++) {
        const arm = INSTANCE_TYPES[servers.instanceType].arch === "arm64";
        nodes.push({
            name: awsServerName(i),
            labels: { ...linux, "kubernetes.io/arch": arm ? "arm64" : "amd64", ...role(true), ...siteLabels("aws", arm ? "arm" : "x86") },
            taints: [],
        });
    }
    for (const group of config.aws?.gpuNodeGroups ?? []) {
        if ((group.count ?? 1) === 0 && !group.autoscaling?.max) continue;
        nodes.push({
            name: `${group.name}-0`,
            labels: { ...linux, "kubernetes.io/arch": INSTANCE_TYPES[group.instanceType].arch === "arm64" ? "arm64" : "amd64", ...gpuNodeLabels(group.instanceType), ...group.labels },
            taints: [...taintsFor("gpu"), ...group.taints],
        });
    }
    const tainted = edgeMachinesTainted(config);
    for (const m of config.edge?.machines ?? []) {
        nodes.push({
            name: m.name,
            labels: { ...linux, ...role(m.role === "server"), ...siteLabels("edge", "edge", m.labels) },
            taints: [...(tainted ? taintsFor("edge") : []), ...m.taints],
        });
    }
    return nodes;
}

/**
 * The nodes that register with the cluster, for the kubelets' admission policy: each node the stack
 * names, with the labels its k3s config gives it, and what each autoscaled GPU group's nodes, named
 * after their instances, register with (`autoscaledGpuNodeShape`, as the group's launch template sets it).
 */
export function registeringNodes(config: StackConfig): { nodes: Record<string, Record<string, string>>; autoscaled: { labels: Record<string, string>; taints: string[] }[] } {
    const groups = config.aws?.gpuNodeGroups ?? [];
    const servers = config.aws?.servers;
    const serverPlacement = servers && INSTANCE_TYPES[servers.instanceType].arch === "arm64" ? "arm" : "x86";
    return {
        nodes: Object.fromEntries([
            ...(config.oci?.nodes ?? []).map((n) => [n.name, siteLabels("oci", "arm", n.labels)]),
            ...Array.from({ length: servers?.count ?? 0 }, (_, i) => [awsServerName(i), siteLabels("aws", serverPlacement)]),
            ...groups.flatMap((g) => Array.from({ length: fixedCount(g) }, (_, i) => [`${g.name}-${i}`, { ...gpuNodeLabels(g.instanceType), ...g.labels }])),
            ...(config.edge?.machines ?? []).map((m) => [m.name, siteLabels("edge", "edge", m.labels)]),
        ]),
        autoscaled: groups.filter((g) => g.autoscaling).map((g) => autoscaledGpuNodeShape(g.instanceType, g.labels, g.taints)),
    };
}
