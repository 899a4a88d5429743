import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { nameOf } from "../resource-names";
import { budgetsFor, REPLICATED_TYPES, replicaFloor, workloadLabel } from "./replicas";

/** Rules that keep replicated workloads serving through rollouts, drains and node loss. */

interface MinReplicasConfig {
    minReplicas: number;
}

// Polaris deploymentMissingReplicas; kube-score deployment-replicas (default minimum 2). A stack
// policy so an HPA/KEDA minimum counts. Advisory: a single-GPU model server legitimately runs one.
export const workloadReplicas: StackValidationPolicy = {
    name: "workload-replicas",
    description: "Deployments keep at least `minReplicas` pods (counting an autoscaler's minimum).",
    enforcementLevel: "advisory",
    configSchema: { properties: { minReplicas: { type: "integer", minimum: 1, default: 2, description: "Fewest pods a Deployment should keep." } } },
    validateStack: (args, report) => {
        const { minReplicas = 2 } = args.getConfig<MinReplicasConfig>();
        for (const d of args.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment")) {
            const floor = replicaFloor(d, args.resources);
            if (floor < minReplicas) {
                report(`${workloadLabel(d)}: spec.replicas (or its autoscaler minimum) is ${floor}; run at least ${minReplicas} replicas so one pod can fail or be evicted without an outage`, d.urn);
            }
        }
    },
};

// Polaris missingPodDisruptionBudget; Kyverno require-pdb (Deployments/StatefulSets). Without a
// PDB a node drain may evict every replica at once.
export const workloadDisruptionBudget: StackValidationPolicy = {
    name: "workload-disruption-budget",
    description: "Every Deployment/StatefulSet with more than one replica is covered by a PodDisruptionBudget in its namespace.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const w of args.resources.filter((r) => REPLICATED_TYPES.includes(r.type))) {
            if (replicaFloor(w, args.resources) <= 1 || budgetsFor(w, args.resources).length > 0) continue;
            report(
                `${workloadLabel(w)}: no PodDisruptionBudget selects its pods (spec.template.metadata.labels); add a policy/v1 PodDisruptionBudget ` +
                    `in the same namespace whose spec.selector.matchLabels are a subset of those labels, e.g. maxUnavailable: 1`,
                w.urn,
            );
        }
    },
};

/** How many pods an IntOrString budget field amounts to; percentages round as the disruption controller does. */
function amount(value: unknown, replicas: number, roundUp: boolean): number | undefined {
    if (typeof value === "number") return value;
    const pct = typeof value === "string" ? /^(\d+)%$/.exec(value.trim()) : null;
    if (pct === null) return undefined;
    const exact = (Number(pct[1]) * replicas) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

// Kyverno pdb-minavailable-check and CAST AI "too strict PDB": maxUnavailable 0 or minAvailable
// >= replicas blocks every voluntary eviction, so node drains (k3s upgrades, spot reclaim
// handling) hang. Advisory: it is an operational hazard, not a security hole.
export const disruptionBudgetAllowsEviction: StackValidationPolicy = {
    name: "disruption-budget-allows-eviction",
    description: "PodDisruptionBudgets leave at least one pod of their workload evictable.",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        for (const w of args.resources.filter((r) => REPLICATED_TYPES.includes(r.type))) {
            const replicas = replicaFloor(w, args.resources);
            for (const pdb of budgetsFor(w, args.resources)) {
                const spec = pdb.props.spec ?? {};
                const maxUnavailable = amount(spec.maxUnavailable, replicas, true);
                const minAvailable = amount(spec.minAvailable, replicas, true);
                if (maxUnavailable === 0 || (minAvailable !== undefined && minAvailable >= replicas)) {
                    const field = maxUnavailable === 0 ? `spec.maxUnavailable ${JSON.stringify(spec.maxUnavailable)}` : `spec.minAvailable ${JSON.stringify(spec.minAvailable)}`;
                    report(`PodDisruptionBudget ${nameOf(pdb)}: ${field} leaves no pod of ${workloadLabel(w)} (${replicas} replicas) evictable, so node drains hang; use maxUnavailable: 1`, pdb.urn);
                }
            }
        }
    },
};

interface RollingUpdateConfig {
    allowRecreateWithGpus: boolean;
}

const requestsGpu = (spec: Record<string, any>): boolean =>
    [...(spec.containers ?? []), ...(spec.initContainers ?? [])].some((c: any) =>
        Object.keys({ ...(c?.resources?.limits ?? {}), ...(c?.resources?.requests ?? {}) }).some((k) => k.endsWith("/gpu")),
    );

// kube-linter no-rolling-update-strategy, sharpened: the rollout itself must not take every ready
// pod down. maxUnavailable defaults to 25% rounded down (Kubernetes Deployment docs), so only an
// explicit value can reach the replica count. Recreate always does; it is accepted for GPU pods
// (configurable) because a surge pod cannot be scheduled on a fully used GPU pool.
export const rollingUpdateKeepsReady: ResourceValidationPolicy = {
    name: "rolling-update-keeps-ready",
    description: "A Deployment rollout never takes all ready replicas down at once.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowRecreateWithGpus: {
                type: "boolean",
                default: true,
                description: "Accept strategy Recreate for pods that request GPUs (no spare GPU for a surge pod).",
            },
        },
    },
    validateResource: (args, report) => {
        if (args.type !== "kubernetes:apps/v1:Deployment") return;
        const spec = args.props.spec ?? {};
        const replicas = Number(spec.replicas ?? 1);
        const strategy = spec.strategy ?? {};
        if (strategy.type === "Recreate") {
            if (args.getConfig<RollingUpdateConfig>().allowRecreateWithGpus !== false && requestsGpu(spec.template?.spec ?? {})) return;
            report(`spec.strategy.type Recreate stops all ${replicas} replica(s) before starting new ones; use RollingUpdate with maxUnavailable: 0 and maxSurge: 1`);
            return;
        }
        const given = strategy.rollingUpdate?.maxUnavailable;
        const down = amount(given ?? "25%", replicas, false);
        // Zero replicas (scaled to zero) have nothing to take down; the rule is about the ready ones.
        if (down !== undefined && replicas > 0 && down >= replicas) {
            report(
                `spec.strategy.rollingUpdate.maxUnavailable ${JSON.stringify(given)} lets the rollout take all ${replicas} ready replica(s) down; ` +
                    `set maxUnavailable: 0 (with maxSurge: 1) so a new pod is ready before an old one stops`,
            );
        }
    },
};

// kube-linter no-anti-affinity (minReplicas 2) and Polaris topologySpreadConstraint: replicas
// packed onto one node fail together.
export const workloadSpread: ResourceValidationPolicy = {
    name: "workload-spread",
    description: "Deployments/StatefulSets with more than one replica spread their pods with anti-affinity or topology spread constraints.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (!REPLICATED_TYPES.includes(args.type)) return;
        const spec = args.props.spec ?? {};
        if (Number(spec.replicas ?? 1) <= 1) return;
        const pod = spec.template?.spec ?? {};
        if (pod.affinity?.podAntiAffinity !== undefined || (pod.topologySpreadConstraints ?? []).length > 0) return;
        report(
            `spec.template.spec has neither affinity.podAntiAffinity nor topologySpreadConstraints, so its ${spec.replicas} replicas may share one node; ` +
                `add a topologySpreadConstraint on kubernetes.io/hostname (whenUnsatisfiable: ScheduleAnyway)`,
        );
    },
};

export const availabilityPolicies = [workloadReplicas, workloadDisruptionBudget, disruptionBudgetAllowsEviction, rollingUpdateKeepsReady, workloadSpread];
