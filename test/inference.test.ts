import { strict as assert } from "assert";
import { KEY_ALLOWED_ROUTES } from "../components/inference/gateway-config";
import { execFileSync } from "child_process";
import * as YAML from "yaml";
import { LITELLM_IMAGE } from "../components/inference/llm-gateway";
import { vllmArgs, VLLM_CPU_IMAGE, VLLM_GPU_IMAGE } from "../components/inference/vllm-server";
import { kvBytesPerToken, MODEL_SHAPES } from "../components/inference/model-shapes";
import { kedaModel } from "../components/rendered/autoscaling";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { lineFor, parse, problems, stackValues, committedPlan, PYTHON } from "./helpers";
import { keyExpiryDays, rotationPeriodStart } from "../stacks/inference";
import { promql } from "./validators";

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: any; data?: Record<string, string> };

describe("inference: vLLM behind the LLM gateway", function () {
    const plans: Record<string, PlanResult> = {};
    const docs: Record<string, Doc[]> = {};
    before(async () => {
        for (const stack of ["dev", "cloud", "hybrid"]) {
            plans[stack] = await committedPlan(stack);
            docs[stack] = kubernetesDocuments(plans[stack].resources) as Doc[];
        }
    });
    const find = (stack: string, kind: string, name: string) => {
        const doc = docs[stack].find((d) => d.kind === kind && d.metadata.name === name);
        assert.ok(doc, `${stack}: no ${kind} ${name}`);
        return doc!;
    };
    const container = (stack: string, name: string) => find(stack, "Deployment", name).spec.template.spec.containers[0];

    describe("the gateway's configuration, as rendered", () => {
        const config = () => YAML.parse(find("cloud", "ConfigMap", "llm-gateway").data!["config.yaml"]);

        it("routes every model name to its vLLM service or hosted model", () => {
            const list = config().model_list.map((m: any) => [m.model_name, m.litellm_params.model, m.litellm_params.api_base ?? m.litellm_params.api_key]);
            assert.deepEqual(list, [
                ["chat", "hosted_vllm/large", "http://vllm-large.groundwork-inference.svc.cluster.local:8000/v1"],
                ["large", "hosted_vllm/large", "http://vllm-large.groundwork-inference.svc.cluster.local:8000/v1"],
                ["small", "hosted_vllm/small", "http://vllm-small.groundwork-inference.svc.cluster.local:8000/v1"],
                ["hosted", "openai/gpt-4o-mini", "os.environ/HOSTED_HOSTED_MINI_API_KEY"],
            ]);
        });

        it("falls back along the configured chains, with retries and cooldown", () => {
            const router = config().router_settings;
            assert.deepEqual(router.fallbacks, [{ chat: ["small", "hosted"] }, { large: ["small"] }]);
            assert.deepEqual(router.context_window_fallbacks, [{ large: ["small"] }]);
            assert.deepEqual([router.num_retries, router.allowed_fails, router.cooldown_time, router.timeout], [2, 3, 30, 300]);
        });

        it("sends every call, failed ones too, to Langfuse, with the project's keys from Vault", () => {
            const c = config();
            assert.deepEqual(c.litellm_settings.success_callback, ["langfuse"]);
            assert.deepEqual(c.litellm_settings.failure_callback, ["langfuse"]);
            const env = Object.fromEntries(container("cloud", "llm-gateway").env.map((e: any) => [e.name, e]));
            assert.equal(env.LANGFUSE_HOST.value, "http://langfuse-web.langfuse.svc.cluster.local:3000");
            assert.deepEqual(env.LANGFUSE_SECRET_KEY.valueFrom, { secretKeyRef: { name: "llm-gateway-langfuse", key: "secretKey" } });
            const synced = find("cloud", "VaultStaticSecret", "llm-gateway-langfuse");
            assert.equal(synced.spec.path, "gateway/langfuse");
        });

        it("prices in-cluster models' tokens so their calls count against budgets, and leaves hosted prices to LiteLLM", () => {
            const params = Object.fromEntries(config().model_list.map((m: any) => [m.model_name, m.litellm_params]));
            assert.deepEqual([params.large.input_cost_per_token, params.large.output_cost_per_token], [0.15 / 1e6, 0.6 / 1e6]);
            assert.deepEqual([params.small.input_cost_per_token, params.small.output_cost_per_token], [0.02 / 1e6, 0.08 / 1e6]);
            assert.equal(params.hosted.input_cost_per_token, undefined);
        });

        it("writes token prices that LiteLLM's own YAML loader (PyYAML safe_load, YAML 1.1) reads as numbers", () => {
            const text = find("cloud", "ConfigMap", "llm-gateway").data!["config.yaml"];
            assert.doesNotMatch(text, /\de-\d/, "an exponent without a dot is a string to YAML 1.1");
            const loaded = execFileSync(PYTHON, ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], { input: text, encoding: "utf8" });
            const params = Object.fromEntries(JSON.parse(loaded).model_list.map((m: any) => [m.model_name, m.litellm_params]));
            assert.deepEqual([params.large.input_cost_per_token, params.small.output_cost_per_token], [0.15 / 1e6, 0.08 / 1e6]);
            // The loader does read JavaScript's own notation as a string: the check can fail.
            assert.equal(execFileSync(PYTHON, ["-c", "import yaml; print(type(yaml.safe_load('a: 2e-8')['a']).__name__)"], { encoding: "utf8" }).trim(), "str");
        });

        it("sets budgets and rate limits per team and per key, with a reset period", () => {
            const access = JSON.parse(find("cloud", "ConfigMap", "llm-gateway-access").data!["access.json"]);
            assert.deepEqual(access.teams, [{
                team_id: "product", team_alias: "product", max_budget: 500, budget_duration: "30d", rpm_limit: 600, tpm_limit: 200000,
                models: ["chat", "large", "small", "hosted"],
            }, {
                // The evaluations' own team: the routes they call, its own budget.
                team_id: "groundwork-evaluations", team_alias: "groundwork-evaluations", max_budget: 10, budget_duration: "30d", rpm_limit: 60, tpm_limit: 100000,
                models: ["chat", "large", "small"],
            }]);
            assert.deepEqual(access.keys, [{
                key_alias: "product-default", team_id: "product", max_budget: 100, budget_duration: "30d", rpm_limit: 120, tpm_limit: 50000,
                models: ["chat", "large", "small", "hosted"], allowed_routes: [...KEY_ALLOWED_ROUTES], duration: "180d", key_file: "product-default",
            }, {
                // The chat UI's own key, at the team's limits: people's chats count against the team's budget.
                key_alias: "product-chat-ui", team_id: "product", max_budget: 500, budget_duration: "30d", rpm_limit: 600, tpm_limit: 200000,
                models: ["chat", "large", "small", "hosted"], allowed_routes: [...KEY_ALLOWED_ROUTES], duration: "180d", key_file: "product-chat-ui",
            }, {
                key_alias: "product-notebooks", team_id: "product", max_budget: 500, budget_duration: "30d", rpm_limit: 600, tpm_limit: 200000,
                models: ["chat", "large", "small", "hosted"], allowed_routes: [...KEY_ALLOWED_ROUTES], duration: "180d", key_file: "product-notebooks",
            }, {
                key_alias: "groundwork-evaluations-job", team_id: "groundwork-evaluations", max_budget: 10, budget_duration: "30d", rpm_limit: 60, tpm_limit: 100000,
                models: ["chat", "large", "small"], allowed_routes: [...KEY_ALLOWED_ROUTES], duration: "180d", key_file: "groundwork-evaluations-job",
            }]);
            const job = find("cloud", "Job", docs.cloud.find((d) => d.kind === "Job")!.metadata.name);
            assert.match(job.metadata.name, /^llm-gateway-access-[0-9a-f]{10}-[0-9a-f]{8}$/, "the job's name follows the teams, the keys and their values");
            assert.deepEqual(job.spec.template.spec.volumes[1], { name: "keys", secret: { secretName: "llm-gateway-virtual-keys" } });
            assert.equal(job.spec.template.metadata.annotations["config.linkerd.io/proxy-enable-native-sidecar"], "true", "a meshed Job completes only with a native-sidecar proxy");
        });

        it("runs two gateway replicas spread over nodes where the stack asks for them", () => {
            const deployment = find("cloud", "Deployment", "llm-gateway");
            assert.equal(deployment.spec.replicas, 2);
            assert.deepEqual(deployment.spec.template.spec.topologySpreadConstraints, [{
                maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { "app.kubernetes.io/name": "llm-gateway" } },
            }]);
            assert.equal(find("dev", "Deployment", "llm-gateway").spec.template.spec.topologySpreadConstraints, undefined);
        });

        it("keeps its own database in the platform's Postgres and every key out of its config", () => {
            const env = container("cloud", "llm-gateway").env as any[];
            const byName = Object.fromEntries(env.map((e) => [e.name, e]));
            assert.deepEqual([byName.DATABASE_HOST.value, byName.DATABASE_NAME.value, byName.DATABASE_USERNAME.value], ["postgres-rw.groundwork-data.svc.cluster.local:5432", "litellm", "litellm"]);
            for (const name of ["LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "DATABASE_PASSWORD", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "HOSTED_HOSTED_MINI_API_KEY"]) {
                assert.ok(byName[name].valueFrom?.secretKeyRef, `${name} is not read from a Secret`);
                assert.equal(byName[name].value, undefined);
            }
            // The secret values the stack generated or was given: none is in any gateway object.
            const rendered = JSON.stringify(kubernetesDocuments(plans.cloud.resources.map((r) => ({ ...r, inputs: r.plainInputs }))).filter((d: any) => d.metadata?.namespace === "groundwork-inference"));
            const secrets = plans.cloud.secretValues.filter((v) => v.length >= 12);
            assert.ok(secrets.length > 10);
            for (const value of secrets) {
                assert.ok(!rendered.includes(value), `a secret (${value.slice(0, 6)}...) is in a rendered inference object`);
            }
            const config = find("cloud", "ConfigMap", "llm-gateway").data!["config.yaml"];
            assert.doesNotMatch(config, /sk-[A-Za-z0-9]{8,}/);
        });
    });

    describe("vLLM servers", () => {
        it("pins a LiteLLM release whose arm64 image is built from multi-arch bases (v1.85.0 or later; the gateway runs on ARM)", () => {
            // BerriAI/litellm#29382: v1.83.14-stable's arm64 layers are x86-64; the fix (#27123) first shipped in v1.85.0.
            const tag = /:v(\d+)\.(\d+)\.(\d+)$/.exec(LITELLM_IMAGE);
            assert.ok(tag, `${LITELLM_IMAGE} is not a vX.Y.Z release tag`);
            const [major, minor] = [Number(tag[1]), Number(tag[2])];
            assert.ok(major > 1 || minor >= 85, `${LITELLM_IMAGE} predates the arm64 fix`);
            assert.match(LITELLM_IMAGE, /^ghcr\.io\/berriai\/litellm-non_root:/);
        });

        it("runs the CUDA 12.9 build on GPUs as the image's own user (UID 2000), and the CPU image as 1000 with a user name", () => {
            assert.equal(VLLM_GPU_IMAGE, "vllm/vllm-openai:v0.28.0-cu129@sha256:ac259a0111c6cf462a72e449962b84f7a624b5cbec24bd7d9ec3b67d40ffd1bf");
            const gpuPod = find("hybrid", "Deployment", "vllm-large").spec!.template.spec;
            assert.deepEqual([gpuPod.securityContext.runAsUser, gpuPod.securityContext.runAsGroup], [2000, 0]);
            const cpuPod = find("dev", "Deployment", "vllm-small").spec!.template.spec;
            assert.equal(cpuPod.securityContext.runAsUser, 1000);
            const env = Object.fromEntries(cpuPod.containers[0].env.map((e: any) => [e.name, e.value]));
            assert.deepEqual([env.USER, env.LOGNAME], ["vllm", "vllm"]);
        });

        it("passes each model's settings as vLLM arguments: tensor parallel = GPUs, served name, cache on the volume", () => {
            const large = container("hybrid", "vllm-large");
            assert.equal(large.image, VLLM_GPU_IMAGE);
            const args: string[] = large.args;
            const arg = (flag: string) => args[args.indexOf(flag) + 1];
            assert.deepEqual([arg("--model"), arg("--revision"), arg("--served-model-name"), arg("--tensor-parallel-size"), arg("--max-model-len"), arg("--dtype"), arg("--gpu-memory-utilization")],
                ["meta-llama/Llama-3.1-8B-Instruct", "0e9e39f249a16976918f6564b8830bc894c89659", "large", "1", "8192", "bfloat16", "0.9"]);
            assert.ok(args.includes("--enable-prefix-caching"));
            assert.equal(arg("--download-dir"), "/models/hub");
            const mount = large.volumeMounts.find((m: any) => m.name === "cache");
            assert.equal(mount.mountPath, "/models");
            const volume = find("hybrid", "Deployment", "vllm-large").spec.template.spec.volumes.find((v: any) => v.name === "cache");
            assert.deepEqual(volume.persistentVolumeClaim, { claimName: "vllm-large-cache" });
            assert.equal(large.env.find((e: any) => e.name === "HF_HOME").value, "/models/huggingface");
            assert.deepEqual(large.env.find((e: any) => e.name === "HF_TOKEN").valueFrom, { secretKeyRef: { name: "huggingface-token", key: "token" } });
        });

        it("sets tensor parallel size from the GPU count, and leaves it out on CPU", () => {
            const base = { model: "m/x", revision: "0".repeat(40), servedName: "x", maxModelLen: 4096, gpuMemoryUtilization: 0.9, dtype: "auto" as const, prefixCaching: false };
            const four = vllmArgs({ ...base, gpus: 4, quantization: "awq" });
            assert.equal(four[four.indexOf("--tensor-parallel-size") + 1], "4");
            assert.equal(four[four.indexOf("--quantization") + 1], "awq");
            assert.ok(four.includes("--no-enable-prefix-caching"));
            assert.ok(!vllmArgs({ ...base, gpus: 0 }).includes("--tensor-parallel-size"));
        });

        it("puts GPU models on GPU nodes with the nvidia runtime and GPU requests", () => {
            const pod = find("cloud", "Deployment", "vllm-large").spec.template.spec;
            assert.equal(pod.runtimeClassName, "nvidia");
            assert.deepEqual(pod.nodeSelector, { "groundwork.dev/placement": "gpu" });
            assert.deepEqual(pod.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
            assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], "1");
            assert.equal(pod.containers[0].resources.requests["nvidia.com/gpu"], "1");
        });

        it("serves dev's small model on the A1 cores with vLLM's CPU image", () => {
            const pod = find("dev", "Deployment", "vllm-small").spec.template.spec;
            const c = pod.containers[0];
            assert.equal(c.image, VLLM_CPU_IMAGE);
            assert.match(c.image, /^vllm\/vllm-openai-cpu:v\d+\.\d+\.\d+$/);
            assert.deepEqual(pod.nodeSelector, { "groundwork.dev/placement": "arm" });
            assert.equal(pod.runtimeClassName, undefined);
            assert.equal(c.resources.limits["nvidia.com/gpu"], undefined);
            assert.equal(c.env.find((e: any) => e.name === "VLLM_CPU_KVCACHE_SPACE").value, "1");
            assert.ok(!c.args.includes("--tensor-parallel-size"));
            assert.equal(c.args[c.args.indexOf("--dtype") + 1], "float32");
        });

        it("probes /health with a startup window long enough to load a model; rollouts never drop the last ready replica", () => {
            const deployment = find("cloud", "Deployment", "vllm-large");
            const c = deployment.spec.template.spec.containers[0];
            assert.equal(c.startupProbe.httpGet.path, "/health");
            assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 1200);
            assert.equal(c.readinessProbe.httpGet.path, "/health");
            assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
            assert.deepEqual(find("cloud", "PodDisruptionBudget", "vllm-large").spec, { selector: { matchLabels: { "app.kubernetes.io/name": "vllm-large" } }, maxUnavailable: 1 });
            assert.equal(deployment.spec.template.metadata.annotations["prometheus.io/path"], "/metrics");
        });

        it("keeps the model cache when the stack is destroyed", () => {
            const pvc = plans.cloud.resources.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim" && r.name === "vllm-large-cache")!;
            assert.equal(pvc.retainOnDelete, true);
        });

        it("scales on queue depth with KEDA where the bounds allow, and not where they do not", () => {
            const scaled = find("cloud", "ScaledObject", "vllm-large");
            assert.deepEqual([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount], [1, 2]);
            assert.equal(scaled.spec.cooldownPeriod, 600);
            assert.equal(scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds, 600, "a GPU replica is not dropped minutes after it loaded");
            assert.deepEqual(scaled.spec.triggers[0], {
                type: "prometheus",
                metadata: {
                    serverAddress: "http://monitoring-kube-prometheus-prometheus.groundwork-observability.svc.cluster.local:9090",
                    query: 'sum(vllm:num_requests_waiting{model_name="large"})',
                    threshold: "5",
                },
            });
            const deployment = plans.cloud.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "vllm-large")!;
            assert.deepEqual(deployment.ignoreChanges, ["spec.replicas"], "Pulumi leaves the replica count to KEDA");
            const charts = docs.cloud.filter((d) => d.kind === "HelmRelease").map((d) => `${d.spec.chart}@${d.spec.version}`);
            // KEDA queries the stack's one Prometheus, kube-prometheus-stack's.
            assert.ok(charts.includes("keda@2.19.0") && charts.includes("kube-prometheus-stack@88.5.3") && !charts.includes("prometheus@29.27.0"));
            assert.ok(!docs.dev.some((d) => d.kind === "ScaledObject" || d.spec?.chart === "keda"), "dev has no room to scale: no autoscaler");
            // KEDA reads Secrets in its own namespace only, and no trigger needs one elsewhere (security review s18 L1).
            const keda = docs.cloud.find((d) => d.kind === "HelmRelease" && d.spec.chart === "keda")!.spec.values;
            assert.deepEqual(keda.permissions, { operator: { restrict: { secret: true } }, metricServer: { restrict: { secret: true } } });
            assert.ok(docs.cloud.filter((d) => d.kind === "ScaledObject").every((o) => o.spec.triggers.every((t: any) => t.authenticationRef === undefined && ["prometheus", "cron"].includes(t.type))));
            // Nor may it read every resource of every API group, nor make Jobs in every namespace: it gets
            // Deployments' and StatefulSets' rules alone, bound in the watched namespace and its own (chart-models review s22 F1).
            assert.deepEqual([keda.rbac, keda.watchNamespace], [{ enabledCustomScaledRefKinds: false }, "groundwork-inference"]);
            const scaledObjects = docs.cloud.filter((d) => d.kind === "ScaledObject");
            assert.ok(scaledObjects.length > 0 && scaledObjects.every((o: any) => o.metadata.namespace === keda.watchNamespace && ["Deployment", undefined].includes(o.spec.scaleTargetRef.kind)), "KEDA sees every ScaledObject, and may scale its target");
            // The chart's probes as its templates write them: liveness /healthz, readiness /readyz.
            for (const part of kedaModel.render({ namespace: "keda", values: keda } as any) as any[]) {
                const [container] = part.spec.template.spec.containers;
                assert.deepEqual([container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path], ["/healthz", "/readyz"], part.metadata.name);
            }
        });

        it("lets KEDA's metrics API server reach the operator as TLS in the mesh, and the operator alone query Prometheus", () => {
            const server = (name: string) => docs.cloud!.find((d) => d.kind === "Server" && d.metadata.name === name)!;
            // KEDA's gRPC metrics service is its own mutual TLS: a gRPC Server would refuse every connection.
            assert.deepEqual([server("queue-autoscaling-keda-metrics-service-server").spec!.port, server("queue-autoscaling-keda-metrics-service-server").spec!.proxyProtocol], ["metricsservice", "TLS"]);
            const clients = (name: string) => docs.cloud!.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === name)!.spec.identityRefs.map((r: any) => `${r.namespace}/${r.name}`);
            assert.deepEqual(clients("queue-autoscaling-keda-metrics-service-clients"), ["keda/keda-metrics-server"]);
            // Prometheus's API: Grafana, Prometheus itself (its own rules' queries through the Service), and KEDA's operator.
            assert.deepEqual(clients("monitoring-prometheus-api-clients"), ["groundwork-observability/monitoring-grafana", "groundwork-observability/prometheus", "keda/keda-operator"]);
        });

        it("scales a model to zero outside its active hours, and keeps one up inside them", () => {
            const scaled = find("cloud", "ScaledObject", "vllm-small");
            assert.deepEqual([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount], [0, 1]);
            assert.deepEqual(scaled.spec.triggers.map((t: any) => t.type), ["prometheus", "cron"]);
            assert.deepEqual(scaled.spec.triggers[1].metadata, { timezone: "America/New_York", start: "0 8 * * 1-5", end: "0 19 * * 1-5", desiredReplicas: "1" });
            assert.equal(find("cloud", "Deployment", "vllm-small").spec.replicas, 0);
            // Its next start may be on a new node: the cache is the pod's own, not a claim on a node that is gone.
            const cache = find("cloud", "Deployment", "vllm-small").spec.template.spec.volumes.find((v: any) => v.name === "cache");
            assert.deepEqual(cache.ephemeral.volumeClaimTemplate.spec, { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } });
            assert.ok(!docs.cloud.some((d) => d.kind === "PersistentVolumeClaim" && d.metadata.name === "vllm-small-cache"));
        });

        it("admits only the gateway and the metrics scraper to a model server, over mTLS", () => {
            const auth = find("cloud", "MeshTLSAuthentication", "vllm-large-clients-clients");
            assert.deepEqual(auth.spec.identityRefs, [
                { kind: "ServiceAccount", name: "llm-gateway", namespace: "groundwork-inference" },
                { kind: "ServiceAccount", name: "prometheus", namespace: "groundwork-observability" },
            ]);
            assert.equal(find("cloud", "Server", "vllm-large-clients-server").spec.accessPolicy, "deny");
            assert.equal(find("cloud", "Service", "vllm-large").spec.type, "ClusterIP");
            const ns = find("cloud", "Namespace", "groundwork-inference");
            assert.equal(ns.metadata.annotations!["linkerd.io/inject"], "enabled");
        });
    });

    describe("bad input", () => {
        const hybrid = () => stackValues("hybrid");
        it("rejects tensor parallel above the GPUs of the placement's nodes", () => {
            const v = hybrid();
            v.inference.models[0].gpus = 4;
            assert.deepEqual(problems(v), ["groundwork:inference.models[0].gpus = 4: sets tensor parallel size 4, but the largest GPU node of this stack has 1 GPU(s); tensor parallelism stays inside one node: use at most 1, or a larger instance type"]);
        });
        it("rejects a fallback to a model name that is not a route", () => {
            const v = hybrid();
            v.inference.routes[0].fallbacks = ["medium"];
            assert.deepEqual(problems(v), ['groundwork:inference.routes[0].fallbacks[0] = "medium": names medium, which is not a route; fallbacks are routes: large, small']);
        });
        it("rejects a fallback cycle", () => {
            const v = hybrid();
            v.inference.routes[1].fallbacks = ["large"];
            const found = problems(v);
            assert.ok(found.includes('groundwork:inference.routes[0].fallbacks = ["small"]: form a cycle large → small → large; a fallback chain must end'), found.join("\n"));
        });
        it("rejects a route whose target does not exist", () => {
            const v = hybrid();
            v.inference.routes[1].target = "tiny";
            // And small is then no route's target (sweep s22 M19).
            assert.deepEqual(problems(v), [
                'groundwork:inference.models[1].name = "small": is no route\'s target, so the gateway never sends it a request and its server would hold its cores and memory for nothing; add a route with target: small, or remove the model',
                'groundwork:inference.routes[1].target = "tiny": names tiny, which is neither a model nor a hosted model; known: large, small',
            ]);
        });
        it("rejects a context-window fallback whose model takes no longer a prompt", () => {
            const v = hybrid();
            v.inference.routes[0].contextWindowFallbacks = ["small"];
            assert.deepEqual(problems(v), ['groundwork:inference.routes[0].contextWindowFallbacks[0] = "small": names small, whose model takes 4096 tokens, no more than large\'s 8192: a prompt too long for one is too long for the other; fall back to a route with a longer maxModelLen']);
        });
        it("rejects a budget of zero or less", () => {
            const v = hybrid();
            v.inference.teams[0].maxBudgetUsd = 0;
            v.inference.teams[0].keys[0].maxBudgetUsd = -5;
            assert.deepEqual(problems(v), [
                "groundwork:inference.teams[0].maxBudgetUsd = 0: must be greater than 0",
                "groundwork:inference.teams[0].keys[0].maxBudgetUsd = -5: must be greater than 0",
            ]);
        });
        it("rejects a key with a bigger budget than its team", () => {
            const v = hybrid();
            v.inference.teams[0].keys[0].maxBudgetUsd = 500;
            assert.deepEqual(problems(v), ["groundwork:inference.teams[0].keys[0].maxBudgetUsd = 500: exceeds team research's maxBudgetUsd 200; a key draws on its team's budget"]);
        });
        it("rejects a GPU model on the ARM placement", () => {
            const v = hybrid();
            v.inference.models[0].placement = "arm";
            assert.deepEqual(problems(v), ["groundwork:inference.models[0].gpus = 1: asks for 1 GPU(s), but large is placed on arm nodes, which have none; set placement: gpu, or gpus: 0 to serve on CPU"]);
        });
        it("rejects a model too large for its GPU memory", () => {
            const v = hybrid();
            v.inference.models[0].parametersBillions = 13;
            assert.deepEqual(problems(v), ["groundwork:inference.models[0].parametersBillions = 13: needs about 29.1 GiB for weights (bfloat16) plus 1.0 GiB of KV cache, but 1 GPU(s) × 21.6 GiB usable give 21.6 GiB; add GPUs, quantise, or pick a smaller model"]);
            // 4-bit: 7.3 GiB fits the A10G. An AWQ checkpoint, as vLLM needs for awq (sweep s23 M1).
            // In float16: vLLM's GPU AWQ kernel takes no bfloat16 (sweep s25 M1).
            Object.assign(v.inference.models[0], { model: "TheBloke/Llama-2-13B-chat-AWQ", quantization: "awq", dtype: "float16" });
            assert.throws(() => problems(v), /expected the configuration to be rejected/);
        });
        it("names gpuMemoryUtilization when the share given, not the model, is what does not fit (sweep s16 in51)", () => {
            const v = hybrid();
            v.inference.models[0].gpuMemoryUtilization = 0.3;
            assert.deepEqual(problems(v), ["groundwork:inference.models[0].gpuMemoryUtilization = 0.3: leaves vLLM 7.2 GiB of each GPU's 24.0 GiB, but large needs about 17.9 GiB for weights plus 1.0 GiB of KV cache over 1 GPU(s); raise it to at least 0.79 (the default is 0.9)"]);
            // Too large even at the default share: the model is what to change.
            v.inference.models[0].parametersBillions = 13;
            assert.match(problems(v)[0], /^groundwork:inference\.models\[0\]\.parametersBillions = 13: needs about 29\.1 GiB/);
        });
        it("rejects a quantization with float32 activations, which vLLM refuses at start (sweep s11 in32)", () => {
            const v = hybrid();
            v.inference.models[0].quantization = "fp8";
            v.inference.models[0].dtype = "float32";
            assert.deepEqual(problems(v), ["groundwork:inference.models[0].dtype = \"float32\": cannot run quantization fp8: vLLM's fp8 layers take float16 or bfloat16 activations and refuse float32 at start; set dtype: float16 (or auto), or drop the quantization"]);
            v.inference.models[0].dtype = "float16";
            assert.throws(() => problems(v), /expected the configuration to be rejected/);
        });
        it("rejects float32 for a checkpoint its name says is quantised, which vLLM detects without `quantization` (sweep s19-20)", () => {
            const v = hybrid();
            v.inference.models[0].model = "Qwen/Qwen2.5-7B-Instruct-AWQ";
            v.inference.models[0].parametersBillions = 7;
            v.inference.models[0].dtype = "float32";
            assert.match(problems(v).join("\n"), /inference\.models\[0\]\.dtype = "float32": is float32, but Qwen\/Qwen2\.5-7B-Instruct-AWQ is quantised with AWQ by its name/);
        });
        it("rejects bfloat16 on a T4, which vLLM refuses below compute capability 8.0 (sweep s12 aw02)", () => {
            const v = hybrid();
            v.aws.gpuNodeGroups[0].instanceType = "g4dn.xlarge";
            v.inference.models[0].dtype = "bfloat16";
            assert.match(lineFor(problems(v), "inference.models[0].dtype"), /is bfloat16, but \S+ may run on T4 GPUs \(compute capability 7\.5\), where vLLM refuses bfloat16 at start \(it needs 8\.0\); set dtype: float16 \(or auto\)/);
            const a10g = hybrid();
            a10g.inference.models[0].dtype = "bfloat16";
            assert.equal(parse(a10g).inference!.models[0].dtype, "bfloat16", "an A10G (8.6) takes bfloat16");
        });
        it("rejects a CPU model too large for the memory it is given", () => {
            const v = stackValues("dev");
            v.inference.models[0].model = "Qwen/Qwen2.5-3B-Instruct";
            v.inference.models[0].parametersBillions = 3;
            assert.deepEqual(problems(v), ["groundwork:inference.models[0].memoryGbs = 6: is too small for small: about 13.4 GiB of weights (float32) plus kvCacheGbs 1 plus about 2.0 GiB for vLLM's own processes (each imports torch before a weight loads); give it at least 17 GiB, a smaller kvCacheGbs, or a smaller model"]);
        });
        it("refuses what vLLM refuses at start for a model whose shape is on record: heads the tensor parallel size does not divide, a CPU KV cache one sequence does not fit (sweeps s20-13, s21-22)", () => {
            const tp = stackValues("cloud");
            Object.assign(tp.inference.models[0], { model: "Qwen/Qwen2.5-7B-Instruct", parametersBillions: 7, gpus: 8 });
            assert.match(lineFor(problems(tp), "inference.models[0].gpus"), /^groundwork:inference\.models\[0\]\.gpus = 8: is the tensor parallel size, but Qwen\/Qwen2\.5-7B-Instruct has 28 attention heads, which 8 does not divide, so vLLM refuses to start; use 1 or 2 or 4 GPUs per replica/);
            const kv = stackValues("dev");
            kv.inference.models[0].maxModelLen = 65536;
            // 2 x 24 layers x 2 KV heads x 64 x 4 bytes = 24576 bytes a token: 1 GiB holds 43690.
            // (Beyond the model's 32768 positions too: sweep s22 M2.)
            assert.deepEqual(problems(kv), ["groundwork:inference.models[0].maxModelLen = 65536: is more than the 32768 positions Qwen/Qwen2.5-0.5B-Instruct was trained for (max_position_embeddings in its config.json), and vLLM refuses a longer max_model_len at start; give at most 32768", "groundwork:inference.models[0].kvCacheGbs = 1: holds about 43690 tokens of Qwen/Qwen2.5-0.5B-Instruct (float32: 24576 bytes a token), but maxModelLen is 65536 and vLLM starts only when one whole sequence fits; give kvCacheGbs 2 or more, or a maxModelLen of at most 43690"]);
            kv.inference.models[0].maxModelLen = 32768;
            assert.equal(parse(kv).inference!.models[0].maxModelLen, 32768, "32768 tokens fit a 1 GiB cache in float32");
            assert.equal(kvBytesPerToken(MODEL_SHAPES["meta-llama/Llama-3.1-8B-Instruct"], 2), 131072, "Llama 3.1 8B in 16 bits: 128 KiB a token");
        });
        it("counts vLLM's own processes beside the weights and the KV cache: 4 GiB does not hold a 0.5B model in float32 (sweep s21-23b)", () => {
            const v = stackValues("dev");
            v.inference.models[0].memoryGbs = 4;
            assert.deepEqual(problems(v), ["groundwork:inference.models[0].memoryGbs = 4: is too small for small: about 2.2 GiB of weights (float32) plus kvCacheGbs 1 plus about 2.0 GiB for vLLM's own processes (each imports torch before a weight loads); give it at least 6 GiB, a smaller kvCacheGbs, or a smaller model"]);
            v.inference.models[0].memoryGbs = 6;
            assert.equal(parse(v).inference!.models[0].memoryGbs, 6);
        });
        it("never lets restricted data reach a hosted model, directly or through a fallback", () => {
            const v = stackValues("cloud");
            v.inference.routes[1].fallbacks = ["small", "hosted"];
            assert.deepEqual(problems(v), ["groundwork:inference.routes[1].classification = \"internal\": is internal, but the route reaches hosted model hosted-mini through its fallback hosted, which may receive public data at most; keep internal routes on models in the cluster"]);
        });
        it("rejects a model that scales to zero with nothing to start it again", () => {
            const v = stackValues("cloud");
            delete v.inference.models[1].activeHours;
            assert.deepEqual(problems(v), ["groundwork:inference.models[1].replicas.min = 0: leaves no replica with no activeHours: nothing would ever start small (its queue metric disappears with its last replica); set activeHours, or min: 1"]);
        });
        it("rejects active hours that are not a cron schedule in a real time zone", () => {
            const v = stackValues("cloud");
            v.inference.models[1].activeHours = { timezone: "EST5", start: "8am", end: "0 19 * * 1-5" };
            assert.deepEqual(problems(v), [
                'groundwork:inference.models[1].activeHours.timezone = "EST5": is not an IANA time zone such as Etc/UTC or Europe/Berlin',
                'groundwork:inference.models[1].activeHours.start = "8am": must be a five-field cron expression such as "0 8 * * 1-5"',
            ]);
        });
        it("rejects a model pinned to a branch instead of a commit", () => {
            const v = stackValues("dev");
            v.inference.models[0].revision = "main";
            assert.deepEqual(problems(v), ['groundwork:inference.models[0].revision = "main": must be a full 40-character commit hash: a branch or tag can move under a running server']);
        });
    });
});

describe("virtual keys rotate on a schedule and expire", () => {
    it("counts rotation periods from 1970-01-01 in UTC, so every run in a period keeps the same keys", () => {
        assert.equal(rotationPeriodStart(new Date("1970-03-31T23:59:59Z"), 90), "1970-01-01");
        assert.equal(rotationPeriodStart(new Date("1970-04-01T00:00:00Z"), 90), "1970-04-01");
        assert.equal(rotationPeriodStart(new Date("2026-11-27T12:00:00Z"), 1), "2026-11-27");
        assert.equal(rotationPeriodStart(new Date("1970-01-30T23:00:00Z"), 30), "1970-01-01");
        assert.equal(rotationPeriodStart(new Date("1970-01-31T00:00:00Z"), 30), "1970-01-31");
        assert.equal(keyExpiryDays(90), 180);
    });

    it("keeps each key's value by its period, and gives the gateway twice the period as the keys' lifetime", async () => {
        const plan = await committedPlan("cloud");
        const keys = plan.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.startsWith("gateway-key-"));
        assert.ok(keys.length > 0);
        const period = rotationPeriodStart(new Date(), 90);
        for (const key of keys) assert.deepEqual(key.inputs.keepers, { period, days: "90" }, key.name);
        const docs = kubernetesDocuments(plan.resources) as any[];
        const access = JSON.parse(docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "llm-gateway-access").data["access.json"]);
        // The Job waits for the values this deploy made (the digest in its name), which VSO reads each minute.
        const job = docs.find((d) => d.kind === "Job" && d.metadata.name.startsWith("llm-gateway-access-"));
        const digest = job.spec.template.spec.containers[0].env.find((e: any) => e.name === "KEYS_DIGEST").value;
        assert.match(digest, /^[0-9a-f]{8}$/);
        assert.ok(job.metadata.name.endsWith(`-${digest}`));
        assert.equal(docs.find((d) => d.kind === "VaultStaticSecret" && d.spec.destination.name === "llm-gateway-virtual-keys").spec.refreshAfter, "1m");
        assert.ok(access.keys.length > 0 && access.keys.every((k: any) => k.duration === "180d"), JSON.stringify(access.keys.map((k: any) => k.duration)));
    });

    it("rejects a rotation period outside 1 to 365 days", () => {
        for (const days of [0, 366, 1.5]) {
            const v = stackValues("cloud");
            v.inference.gateway = { ...(v.inference.gateway ?? {}), keyRotationDays: days };
            const found = problems(v);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], new RegExp(`^groundwork:inference\\.gateway\\.keyRotationDays = ${days}: `));
        }
    });
});

describe("PromQL the stacks send to Prometheus", () => {
    it("uses a parser that refuses broken expressions", () => {
        assert.equal(promql('sum(vllm:num_requests_waiting{model_name="large"})').ok, true);
        for (const bad of ["sum(rate(x[5m]) by (", 'up{job="a"', "rate(x[5x])", ""]) assert.equal(promql(bad).ok, false, bad);
    });

    it("parses every KEDA Prometheus trigger's query in every stack with Prometheus's own grammar", async () => {
        let queries = 0;
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            const docs = kubernetesDocuments((await committedPlan(stack)).resources) as any[];
            for (const scaled of docs.filter((d) => d.kind === "ScaledObject")) {
                for (const trigger of scaled.spec.triggers.filter((t: any) => t.type === "prometheus")) {
                    queries++;
                    const verdict = promql(trigger.metadata.query);
                    assert.ok(verdict.ok, `${stack} ${scaled.metadata.name}: ${trigger.metadata.query}: ${verdict.output}`);
                }
            }
        }
        assert.ok(queries >= 2, `only ${queries} queries found`);
    });
});
