import * as k8s from "@pulumi/kubernetes";

/** Node labels every site sets, so workloads can be placed by site and by kind of capacity. */
export const SITE_LABEL = "groundwork.dev/site";
export const PLACEMENT_LABEL = "groundwork.dev/placement";
/** What a GPU node holds (components/aws/gpu-node-group.ts); the device plugin chart's default node affinity selects GPU_PRESENT_LABEL. */
export const GPU_PRESENT_LABEL = "nvidia.com/gpu.present";
export const GPU_MODEL_LABEL = "groundwork.dev/gpu-model";
export const GPU_COUNT_LABEL = "groundwork.dev/gpu-count";
/** The role k3s labels its servers with (k3s-io/k3s@5f72184f pkg/util/labels.go L4), which no kubelet may set on itself. */
export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

/** What kind of capacity a node offers; every node carries exactly one, as PLACEMENT_LABEL. */
export const NODE_KINDS = ["gpu", "arm", "x86", "edge"] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** The labels a node gets for where it is and the capacity it offers, then its config's own (k3s `node-label`, in this order). */
export const siteLabels = (site: "oci" | "aws" | "edge", kind: NodeKind, own: Record<string, string> = {}): Record<string, string> =>
    ({ [SITE_LABEL]: site, [PLACEMENT_LABEL]: kind, ...own });

/** Where a workload may run: one kind of node, or `any` node that does not reserve itself. */
export const PLACEMENTS = [...NODE_KINDS, "any"] as const;
export type Placement = (typeof PLACEMENTS)[number];

type Taint = { key: string; value: string; effect: "NoSchedule" };

/** GPU nodes keep everything that does not ask for a GPU off them (the device plugin's convention). */
export const GPU_TAINT: Taint = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };
/** Edge machines are small and far away: only workloads placed there run there. */
export const EDGE_TAINT: Taint = { key: "groundwork.dev/edge", value: "true", effect: "NoSchedule" };

/** A k3s `node-taint` string (`key[=value]:Effect`) in its parts, the value empty where it has none. */
export function parseTaint(taint: string): { key: string; value: string; effect: string } {
    const [, key, value, effect] = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(taint)!;
    return { key, value: value ?? "", effect };
}

/** The taints a node of this kind gets, as k3s `node-taint` strings. */
export function taintsFor(kind: NodeKind): string[] {
    const taint = kind === "gpu" ? GPU_TAINT : kind === "edge" ? EDGE_TAINT : undefined;
    return taint ? [`${taint.key}=${taint.value}:${taint.effect}`] : [];
}

/** Pod scheduling fields that put a workload on its placement. */
export interface Scheduling {
    nodeSelector?: Record<string, string>;
    tolerations?: k8s.types.input.core.v1.Toleration[];
    runtimeClassName?: string;
}

/** The NVIDIA RuntimeClass that GPU pods run under (its handler is what k3s configures in containerd). */
export const NVIDIA_RUNTIME_CLASS = "nvidia";

/** Turns a placement into node selectors, tolerations and, for GPUs, the runtime class. */
export function schedulingFor(placement: Placement): Scheduling {
    switch (placement) {
        case "any":
            return {};
        case "gpu":
            return {
                nodeSelector: { [PLACEMENT_LABEL]: "gpu" },
                tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
                runtimeClassName: NVIDIA_RUNTIME_CLASS,
            };
        case "edge":
            return {
                nodeSelector: { [PLACEMENT_LABEL]: "edge" },
                tolerations: [{ key: EDGE_TAINT.key, operator: "Equal", value: EDGE_TAINT.value, effect: EDGE_TAINT.effect }],
            };
        default:
            return { nodeSelector: { [PLACEMENT_LABEL]: placement } };
    }
}
