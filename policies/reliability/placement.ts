import type { StackValidationPolicy } from "@pulumi/policy";
import { podWorkload } from "../kubernetes-pods";

/**
 * A pod lands only on a node whose labels match its nodeSelector and whose NoSchedule and
 * NoExecute taints it all tolerates (kubernetes.io/docs/concepts/scheduling-eviction/
 * taint-and-toleration, read 2026-11-27). The nodes come from the stack's config
 * (`npm run policy-config`), so the same check runs offline and in `pulumi preview`. It covers
 * hook Jobs and what k3s deploys itself: a system pod with no node stalls the whole cluster.
 */

export interface PlacementNode {
    name: string;
    labels: Record<string, string>;
    /** `key[=value]:Effect`, as k3s's `node-taint`. */
    taints: string[];
}

interface PlacementConfig {
    nodes: PlacementNode[];
}

interface Toleration {
    key?: string;
    operator?: string;
    value?: string;
    effect?: string;
}

function tolerates(tolerations: Toleration[], taint: string): boolean {
    const [keyValue, effect] = taint.split(":");
    const [key, value = ""] = keyValue.split("=");
    return tolerations.some((t) => {
        if (t.effect && t.effect !== effect) return false;
        if (t.operator === "Exists") return t.key === undefined || t.key === "" || t.key === key;
        return t.key === key && (t.value ?? "") === value;
    });
}

/** Why a node cannot take the pod, or undefined when it can. */
export function nodeRefuses(node: PlacementNode, nodeSelector: Record<string, string>, tolerations: Toleration[]): string | undefined {
    const mismatch = Object.entries(nodeSelector).find(([k, v]) => node.labels[k] !== undefined ? node.labels[k] !== v : k !== "kubernetes.io/arch");
    if (mismatch) return `${node.name} lacks ${mismatch[0]}=${mismatch[1]}`;
    const untolerated = node.taints.filter((t) => !t.endsWith(":PreferNoSchedule") && !tolerates(tolerations, t));
    return untolerated.length > 0 ? `${node.name} has ${untolerated.join(", ")}` : undefined;
}

export const podPlacementSchedulable: StackValidationPolicy = {
    name: "pod-placement-schedulable",
    description: "Every pod (ours, chart-rendered including hook Jobs, k3s-packaged) has a node whose labels and taints admit it.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            nodes: {
                type: "array",
                default: [],
                description: "The cluster's nodes with their labels and taints (from `npm run policy-config`); empty skips the check.",
                items: { type: "object" },
            },
        },
    },
    validateStack: (args, report) => {
        const nodes = args.getConfig<PlacementConfig>().nodes ?? [];
        if (nodes.length === 0) return;
        for (const r of args.resources) {
            const pod = podWorkload(r.type, r.props);
            if (pod === undefined || pod.spec.nodeName) continue;
            const selector: Record<string, string> = pod.spec.nodeSelector ?? {};
            const tolerations: Toleration[] = pod.spec.tolerations ?? [];
            const refusals = nodes.map((n) => nodeRefuses(n, selector, tolerations));
            if (refusals.every((why) => why !== undefined)) {
                const hook = pod.objectAnnotations["helm.sh/hook"];
                report(
                    `${hook ? `${hook} hook ` : ""}${pod.kind} ${pod.namespace}/${pod.name || r.name} fits no node: ${refusals.join("; ")}; ` +
                        `give it the tolerations (or nodeSelector) of the placement it should run on, or a node it tolerates`,
                    r.urn,
                );
            }
        }
    },
};
