import type { PolicyResource } from "@pulumi/policy";
import { nameOf, namespaceOf } from "../resource-names";

/**
 * How many pods a Deployment or StatefulSet keeps, and which PodDisruptionBudgets cover it —
 * shared by the stack policies. An autoscaler (HorizontalPodAutoscaler, KEDA ScaledObject)
 * targeting the workload owns its replica count, so its minimum is the floor.
 */

export const REPLICATED_TYPES = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";


/** `spec.replicas` (default 1) unless an autoscaler targets the workload; then its minimum. */
export function replicaFloor(workload: PolicyResource, all: PolicyResource[]): number {
    const kind = workload.type.slice(workload.type.lastIndexOf(":") + 1);
    const targets = (r: PolicyResource, ref: any) =>
        namespaceOf(r) === namespaceOf(workload) && ref?.name === nameOf(workload) && (ref?.kind ?? "Deployment") === kind;
    for (const r of all) {
        // autoscaling/v2 minReplicas defaults to 1; KEDA minReplicaCount defaults to 0 (keda.sh ScaledObject spec).
        if (r.type === HPA && targets(r, r.props.spec?.scaleTargetRef)) return Number(r.props.spec?.minReplicas ?? 1);
        if (r.type === SCALED_OBJECT && targets(r, r.props.spec?.scaleTargetRef)) return Number(r.props.spec?.minReplicaCount ?? 0);
    }
    return Number(workload.props.spec?.replicas ?? 1);
}

interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Label selector semantics (In, NotIn, Exists, DoesNotExist); an empty selector matches nothing here. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    const matchLabels = Object.entries(selector?.matchLabels ?? {});
    const expressions = selector?.matchExpressions ?? [];
    if (matchLabels.length === 0 && expressions.length === 0) return false;
    return (
        matchLabels.every(([k, v]) => labels[k] === v) &&
        expressions.every((e) => {
            const has = Object.prototype.hasOwnProperty.call(labels, e.key);
            switch (e.operator) {
                case "In":
                    return has && (e.values ?? []).includes(labels[e.key]);
                case "NotIn":
                    return !has || !(e.values ?? []).includes(labels[e.key]);
                case "Exists":
                    return has;
                case "DoesNotExist":
                    return !has;
                default:
                    return false;
            }
        })
    );
}

/** The PodDisruptionBudgets in the workload's namespace whose selector matches its pod template labels. */
export function budgetsFor(workload: PolicyResource, all: PolicyResource[]): PolicyResource[] {
    const labels = workload.props.spec?.template?.metadata?.labels ?? {};
    return all.filter((r) => r.type === PDB && namespaceOf(r) === namespaceOf(workload) && selects(r.props.spec?.selector, labels));
}

export const workloadLabel = (r: PolicyResource): string => `${r.type.slice(r.type.lastIndexOf(":") + 1)} ${namespaceOf(r)}/${nameOf(r)}`;
