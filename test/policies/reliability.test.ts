import { strict as assert } from "assert";
import {
    disruptionBudgetAllowsEviction,
    rollingUpdateKeepsReady,
    workloadDisruptionBudget,
    workloadReplicas,
    workloadSpread,
} from "../../policies/reliability/availability";
import { awsSpotMaxPrice } from "../../policies/reliability/aws";
import { podHealthPolicies, podImagePullPolicy, podLivenessProbe, podReadinessProbe, podResourcesSet } from "../../policies/reliability/pod-health";
import { reliabilityPolicies } from "../../policies/reliability/policies";
import { compliantContainer, compliantPod, CRON_JOB, cronJob, DEPLOYMENT, deployment, LABELS, messages, record, STATEFUL_SET } from "./harness";

const C0 = 'spec.template.spec.containers[0] "litellm"';
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

function withContainer(change: (c: Record<string, any>) => void): Record<string, any> {
    const c = compliantContainer();
    change(c);
    return deployment({ ...compliantPod(), containers: [c] });
}

/** The llm-gateway Deployment of the plan with `replicas` pods. */
const gateway = (replicas: number, spec: Record<string, any> = {}) => record(DEPLOYMENT, deployment(compliantPod(), { replicas, ...spec }), "llm-gateway");

/** A PodDisruptionBudget as the plan records it. */
const pdb = (spec: Record<string, any>, namespace = "groundwork-inference") =>
    record(PDB, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "llm-gateway", namespace }, spec }, "llm-gateway");
const byName = { selector: { matchLabels: { "app.kubernetes.io/name": "llm-gateway" } } };

describe("reliability policy pack", () => {
    it("has at least 9 policies, each named, described and leveled", () => {
        assert.ok(reliabilityPolicies.length >= 9, `only ${reliabilityPolicies.length} policies`);
        assert.equal(new Set(reliabilityPolicies.map((p) => p.name)).size, reliabilityPolicies.length);
        for (const p of reliabilityPolicies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", p.name);
        }
        assert.ok(podHealthPolicies.every((p) => p.configSchema?.properties.excludedNamespaces !== undefined));
    });

    describe("pod-resources-set", () => {
        it("passes cpu/memory requests with a memory limit and no cpu limit", async () => {
            assert.deepEqual(await messages(podResourcesSet, [record(DEPLOYMENT, deployment())]), []);
        });
        it("lists every missing field of a container, in a CronJob too", async () => {
            const c = { ...compliantContainer(), resources: { requests: { memory: "128Mi" } } };
            const [m] = await messages(podResourcesSet, [record(CRON_JOB, cronJob({ ...compliantPod(), containers: [c] }))]);
            assert.equal(m, 'spec.jobTemplate.spec.template.spec.containers[0] "litellm": resources.requests.cpu, resources.limits.memory missing; set cpu and memory requests and a memory limit');
        });
    });

    describe("pod-readiness-probe", () => {
        it("passes a probed Deployment and ignores a CronJob without probes", async () => {
            const unprobed = { ...compliantContainer(), readinessProbe: undefined };
            assert.deepEqual(await messages(podReadinessProbe, [record(DEPLOYMENT, deployment()), record(CRON_JOB, cronJob({ ...compliantPod(), containers: [unprobed] }))]), []);
        });
        it("flags a StatefulSet container without one, not its init container", async () => {
            const pod: Record<string, any> = { ...compliantPod(), initContainers: [{ name: "migrate", image: "ghcr.io/berriai/litellm-non_root:v1.83.14-stable" }] };
            pod.containers[0].readinessProbe = undefined;
            const [m, ...rest] = await messages(podReadinessProbe, [record(STATEFUL_SET, deployment(pod))]);
            assert.equal(rest.length, 0);
            assert.equal(m, `${C0}: readinessProbe is missing; add an httpGet/tcpSocket readiness probe on the serving port`);
        });
    });

    describe("pod-liveness-probe (advisory)", () => {
        it("is advisory and passes a probed Deployment", async () => {
            assert.equal(podLivenessProbe.enforcementLevel, "advisory");
            assert.deepEqual(await messages(podLivenessProbe, [record(DEPLOYMENT, deployment())]), []);
        });
        it("flags a missing liveness probe", async () => {
            const [m] = await messages(podLivenessProbe, [record(DEPLOYMENT, withContainer((c) => delete c.livenessProbe))]);
            assert.match(m, /livenessProbe is missing; add one \(with a startupProbe for slow starters\)/);
        });
    });

    describe("pod-image-pull-policy (advisory)", () => {
        it("passes IfNotPresent on a pinned image and Always on an unpinned one", async () => {
            const records = [
                record(DEPLOYMENT, withContainer((c) => (c.imagePullPolicy = "IfNotPresent")), "a"),
                record(DEPLOYMENT, withContainer((c) => ((c.image = "vllm/vllm-openai:latest"), (c.imagePullPolicy = "Always"))), "b"),
            ];
            assert.deepEqual(await messages(podImagePullPolicy, records), []);
        });
        it("flags Always on a pinned tag", async () => {
            const [m] = await messages(podImagePullPolicy, [record(DEPLOYMENT, withContainer((c) => (c.imagePullPolicy = "Always")))]);
            assert.equal(m, `${C0}: imagePullPolicy Always re-pulls the pinned image "ghcr.io/berriai/litellm-non_root:v1.83.14-stable" on every start; use IfNotPresent so restarts survive a registry outage`);
        });
    });

    describe("workload-replicas (advisory, stack)", () => {
        const scaledObject = (minReplicaCount: number) =>
            record("kubernetes:keda.sh/v1alpha1:ScaledObject", {
                metadata: { name: "llm-gateway", namespace: "groundwork-inference" },
                spec: { minReplicaCount, maxReplicaCount: 4, scaleTargetRef: { name: "llm-gateway" } },
            });
        it("passes two replicas, and one replica scaled by KEDA from a minimum of two", async () => {
            assert.deepEqual(await messages(workloadReplicas, [gateway(2)]), []);
            assert.deepEqual(await messages(workloadReplicas, [gateway(1), scaledObject(2)]), []);
        });
        it("flags a single replica, counting the autoscaler's minimum", async () => {
            const [m] = await messages(workloadReplicas, [gateway(3), scaledObject(1)]);
            assert.equal(m, "Deployment groundwork-inference/llm-gateway: spec.replicas (or its autoscaler minimum) is 1; run at least 2 replicas so one pod can fail or be evicted without an outage");
            assert.equal((await messages(workloadReplicas, [gateway(2)], { minReplicas: 3 })).length, 1);
        });
    });

    describe("workload-disruption-budget (stack)", () => {
        it("passes a replicated Deployment covered by a matching PDB, and a single replica without one", async () => {
            assert.deepEqual(await messages(workloadDisruptionBudget, [gateway(2), pdb({ maxUnavailable: 1, ...byName })]), []);
            assert.deepEqual(await messages(workloadDisruptionBudget, [gateway(1)]), []);
        });
        it("flags a replicated Deployment whose PDB is missing, elsewhere, or selects other labels", async () => {
            for (const others of [[], [pdb({ maxUnavailable: 1, ...byName }, "default")], [pdb({ maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "vllm-small" } } })]]) {
                const [m, ...rest] = await messages(workloadDisruptionBudget, [gateway(2), ...others]);
                assert.equal(rest.length, 0);
                assert.match(m, /^Deployment groundwork-inference\/llm-gateway: no PodDisruptionBudget selects its pods \(spec\.template\.metadata\.labels\); add a policy\/v1 PodDisruptionBudget/);
            }
        });
        it("matches matchExpressions against the template labels", async () => {
            const expr = pdb({ maxUnavailable: 1, selector: { matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: [LABELS["app.kubernetes.io/component"]] }] } });
            assert.deepEqual(await messages(workloadDisruptionBudget, [gateway(3), expr]), []);
        });
    });

    describe("disruption-budget-allows-eviction (advisory, stack)", () => {
        it("passes maxUnavailable 1 and minAvailable below the replica count", async () => {
            assert.deepEqual(await messages(disruptionBudgetAllowsEviction, [gateway(3), pdb({ maxUnavailable: 1, ...byName })]), []);
            assert.deepEqual(await messages(disruptionBudgetAllowsEviction, [gateway(3), pdb({ minAvailable: "50%", ...byName })]), []);
        });
        it("flags minAvailable equal to the replicas (the plan's single-replica gateway) and maxUnavailable 0", async () => {
            const [single] = await messages(disruptionBudgetAllowsEviction, [gateway(1), pdb({ minAvailable: 1, ...byName })]);
            assert.equal(single, "PodDisruptionBudget llm-gateway: spec.minAvailable 1 leaves no pod of Deployment groundwork-inference/llm-gateway (1 replicas) evictable, so node drains hang; use maxUnavailable: 1");
            const [zero] = await messages(disruptionBudgetAllowsEviction, [gateway(3), pdb({ maxUnavailable: "0%", ...byName })]);
            assert.match(zero, /spec\.maxUnavailable "0%" leaves no pod/);
        });
    });

    describe("rolling-update-keeps-ready", () => {
        it("passes maxUnavailable 0 on one replica, the 25% default, and Recreate for a GPU pod", async () => {
            const gpu = withContainer((c) => (c.resources.limits["nvidia.com/gpu"] = "1"));
            gpu.spec.strategy = { type: "Recreate" };
            const defaults = deployment(compliantPod(), { replicas: 1, strategy: undefined });
            assert.deepEqual(await messages(rollingUpdateKeepsReady, [gateway(1), record(DEPLOYMENT, defaults, "d"), record(DEPLOYMENT, gpu, "vllm")]), []);
        });
        it("passes a Deployment scaled to zero: no ready replica to lose", async () => {
            assert.deepEqual(await messages(rollingUpdateKeepsReady, [gateway(0)]), []);
        });
        it("flags maxUnavailable that reaches the replica count", async () => {
            const [m] = await messages(rollingUpdateKeepsReady, [gateway(1, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } })]);
            assert.equal(m, "spec.strategy.rollingUpdate.maxUnavailable 1 lets the rollout take all 1 ready replica(s) down; set maxUnavailable: 0 (with maxSurge: 1) so a new pod is ready before an old one stops");
            const [pct] = await messages(rollingUpdateKeepsReady, [gateway(2, { strategy: { rollingUpdate: { maxUnavailable: "100%" } } })]);
            assert.match(pct, /maxUnavailable "100%" lets the rollout take all 2 ready replica/);
        });
        it("flags Recreate without GPUs, and with GPUs when allowRecreateWithGpus is false", async () => {
            const [m] = await messages(rollingUpdateKeepsReady, [gateway(1, { strategy: { type: "Recreate" } })]);
            assert.match(m, /^spec\.strategy\.type Recreate stops all 1 replica\(s\) before starting new ones; use RollingUpdate/);
            const gpu = withContainer((c) => (c.resources.limits["nvidia.com/gpu"] = "1"));
            gpu.spec.strategy = { type: "Recreate" };
            assert.equal((await messages(rollingUpdateKeepsReady, [record(DEPLOYMENT, gpu)], { allowRecreateWithGpus: false })).length, 1);
        });
    });

    describe("workload-spread (advisory)", () => {
        it("passes one replica, and several with a topology spread constraint", async () => {
            const spread = deployment({ ...compliantPod(), topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: byName.selector }] }, { replicas: 3 });
            assert.deepEqual(await messages(workloadSpread, [gateway(1), record(DEPLOYMENT, spread, "spread")]), []);
        });
        it("flags several replicas without anti-affinity or spread", async () => {
            const [m] = await messages(workloadSpread, [gateway(3)]);
            assert.match(m, /^spec\.template\.spec has neither affinity\.podAntiAffinity nor topologySpreadConstraints, so its 3 replicas may share one node/);
        });
    });

    describe("aws-spot-max-price", () => {
        const INSTANCE = "aws:ec2/instance:Instance";
        const spot = (spotOptions: Record<string, any>) =>
            record(INSTANCE, { instanceType: "g6.xlarge", instanceMarketOptions: { marketType: "spot", spotOptions: { instanceInterruptionBehavior: "stop", spotInstanceType: "persistent", ...spotOptions } } }, "gpu-l4-spot-0");
        it("passes a capped spot instance and on-demand instances", async () => {
            assert.deepEqual(await messages(awsSpotMaxPrice, [spot({ maxPrice: "0.8048" }), record(INSTANCE, { instanceType: "g5.xlarge" }, "gpu-a10g-0")]), []);
        });
        it("flags spot capacity without a max price", async () => {
            const [m] = await messages(awsSpotMaxPrice, [spot({})]);
            assert.equal(m, 'instanceMarketOptions.spotOptions.maxPrice is "unset"; set the highest hourly USD price you accept, e.g. maxPrice: "0.8048"');
        });
    });
});
