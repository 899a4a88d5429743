import { strict as assert } from "assert";
import * as YAML from "yaml";
import { aiUsePolicies } from "../../policies/ai-use/policies";
import { hostedProviderAllowList, restrictedDataStaysInCluster } from "../../policies/ai-use/data-residency";
import { gatewayAccessScoped, gatewayBudgets, gatewayRateLimits, inClusterModelsPriced } from "../../policies/ai-use/gateway-access";
import { gatewayFallbacksResolve, gatewayRetriesBounded, gatewaySecretsByReference } from "../../policies/ai-use/gateway-config-rules";
import { everyModelBehindGateway, gatewayRoutesHaveServers, vllmOnlyBehindGateway } from "../../policies/ai-use/gateway-coverage";
import { gatewayLangfuseCredentials, gatewayTracesToLangfuse } from "../../policies/ai-use/gateway-observability";
import { modelAllowList, modelRevisionPinned } from "../../policies/ai-use/model-servers";
import { POLICY_PACKS } from "../../policies/packs";
import { ResourceRecord } from "../../policies/policy-run";
import { DEPLOYMENT, messages, record } from "./harness";

/**
 * Fixtures copied from the cloud plan (out/cloud/resources.json, 2026-11-25): the vLLM servers
 * "large" and "small", their Services, the LiteLLM gateway's config.yaml and access.json
 * ConfigMaps and its Deployment. Each test changes one thing.
 */

const SERVICE = "kubernetes:core/v1:Service";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const NS = "groundwork-inference";
const LARGE_REVISION = "0e9e39f249a16976918f6564b8830bc894c89659";
const SMALL_REVISION = "7ae557604adf67be50417f59c2c2f167def9a775";

function vllmArgs(model: string, revision: string, served: string): string[] {
    return [
        "--model", model, "--revision", revision, "--served-model-name", served,
        "--host", "0.0.0.0", "--port", "8000", "--download-dir", "/models/hub", "--max-model-len", "8192",
        "--dtype", "bfloat16", "--tensor-parallel-size", "1", "--gpu-memory-utilization", "0.9", "--enable-prefix-caching",
    ];
}

function vllmDeployment(served = "large", args = vllmArgs("meta-llama/Llama-3.1-8B-Instruct", LARGE_REVISION, served)): Record<string, any> {
    const labels = { "app.kubernetes.io/component": "vllm", "app.kubernetes.io/name": `vllm-${served}`, "groundwork.dev/model": served };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { labels, name: `vllm-${served}`, namespace: NS },
        spec: {
            replicas: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": `vllm-${served}` } },
            template: {
                metadata: { labels, annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "8000", "prometheus.io/path": "/metrics" } },
                spec: {
                    automountServiceAccountToken: false,
                    serviceAccountName: "vllm",
                    containers: [{
                        name: "vllm",
                        image: "vllm/vllm-openai:v0.28.0",
                        args,
                        ports: [{ containerPort: 8000, name: "http" }],
                        env: [{ name: "HF_HOME", value: "/models/huggingface" }, { name: "HF_TOKEN", valueFrom: { secretKeyRef: { key: "token", name: "huggingface-token" } } }],
                        resources: { limits: { memory: "12Gi", "nvidia.com/gpu": "1" }, requests: { cpu: "3", memory: "12Gi", "nvidia.com/gpu": "1" } },
                    }],
                },
            },
        },
    };
}

const smallDeployment = () => vllmDeployment("small", vllmArgs("Qwen/Qwen2.5-0.5B-Instruct", SMALL_REVISION, "small"));

function vllmService(served = "large", spec: Record<string, any> = {}): Record<string, any> {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { labels: { "app.kubernetes.io/component": "vllm", "app.kubernetes.io/name": `vllm-${served}`, "groundwork.dev/model": served }, name: `vllm-${served}`, namespace: NS },
        spec: { ports: [{ name: "http", port: 8000, targetPort: "http" }], selector: { "app.kubernetes.io/name": `vllm-${served}` }, type: "ClusterIP", ...spec },
    };
}

const GATEWAY_LABELS = { "app.kubernetes.io/component": "llm-gateway", "app.kubernetes.io/name": "llm-gateway" };
const vllmBase = (served: string) => `http://vllm-${served}.${NS}.svc.cluster.local:8000/v1`;

/** The cloud stack's config.yaml, as data. */
function gatewayConfig(): Record<string, any> {
    return {
        model_list: [
            { model_name: "chat", litellm_params: { model: "hosted_vllm/large", api_base: vllmBase("large"), input_cost_per_token: 1.5e-7, output_cost_per_token: 6e-7 }, model_info: { id: "chat", groundwork_classification: "public" } },
            { model_name: "large", litellm_params: { model: "hosted_vllm/large", api_base: vllmBase("large"), input_cost_per_token: 1.5e-7, output_cost_per_token: 6e-7 }, model_info: { id: "large", groundwork_classification: "internal" } },
            { model_name: "small", litellm_params: { model: "hosted_vllm/small", api_base: vllmBase("small"), input_cost_per_token: 2e-8, output_cost_per_token: 8e-8 }, model_info: { id: "small", groundwork_classification: "internal" } },
            { model_name: "hosted", litellm_params: { model: "openai/gpt-4o-mini", api_key: "os.environ/HOSTED_HOSTED_MINI_API_KEY" }, model_info: { id: "hosted", groundwork_classification: "public" } },
        ],
        router_settings: {
            routing_strategy: "simple-shuffle",
            num_retries: 2,
            timeout: 300,
            allowed_fails: 3,
            cooldown_time: 30,
            fallbacks: [{ chat: ["small", "hosted"] }, { large: ["small"] }],
            context_window_fallbacks: [{ large: ["small"] }],
        },
        litellm_settings: {
            success_callback: ["langfuse"], failure_callback: ["langfuse"], callbacks: ["prometheus", "groundwork_request_policy.request_policy"],
            drop_params: true, request_timeout: 300, redact_user_api_key_info: true,
            default_team_settings: [{
                team_id: "product", success_callback: ["langfuse"], failure_callback: ["langfuse"],
                langfuse_public_key: "os.environ/LANGFUSE_PUBLIC_KEY_TEAM_PRODUCT", langfuse_secret: "os.environ/LANGFUSE_SECRET_KEY_TEAM_PRODUCT",
            }],
        },
        guardrails: [
            { guardrail_name: "pii-mask", litellm_params: { guardrail: "presidio", mode: "pre_call", default_on: false, pii_entities_config: { PERSON: "MASK" } } },
            { guardrail_name: "pii-block", litellm_params: { guardrail: "presidio", mode: "pre_call", default_on: false, pii_entities_config: { PERSON: "BLOCK" } } },
        ],
        general_settings: { master_key: "os.environ/LITELLM_MASTER_KEY", store_model_in_db: false },
    };
}

/** The request policy beside it (components/inference/request-policy.ts): the hosted routes guarded. */
const REQUEST_POLICY = JSON.stringify({
    guardrails: { piiMask: "pii-mask", piiBlock: "pii-block" },
    routes: { chat: { pii: "mask", promptInjection: "block", classification: "public" }, hosted: { pii: "block", promptInjection: "block", classification: "public" } },
});

function configMap(config: Record<string, any> | string = gatewayConfig()): Record<string, any> {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { labels: GATEWAY_LABELS, name: "llm-gateway", namespace: NS },
        data: { "config.yaml": typeof config === "string" ? config : YAML.stringify(config), "request-policy.json": REQUEST_POLICY },
    };
}

/** The cloud stack's access.json, as data. */
function access(): Record<string, any> {
    const models = ["chat", "large", "small", "hosted"];
    return {
        teams: [{ team_id: "product", team_alias: "product", max_budget: 500, budget_duration: "30d", rpm_limit: 600, tpm_limit: 200000, models }],
        keys: [{ key_alias: "product-default", team_id: "product", max_budget: 100, budget_duration: "30d", rpm_limit: 120, tpm_limit: 50000, models, key_file: "product-default" }],
    };
}

function accessMap(a: Record<string, any> | string = access()): Record<string, any> {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
            labels: GATEWAY_LABELS, name: "llm-gateway-access", namespace: NS,
            annotations: { "groundwork.dev/data-classes": JSON.stringify({ routes: { chat: "public", large: "internal", small: "internal", hosted: "public" }, teams: { product: "public" } }) },
        },
        data: { "access.json": typeof a === "string" ? a : JSON.stringify(a, null, 2), "provision.py": "import json, os, sys\nMASTER = os.environ[\"LITELLM_MASTER_KEY\"]\n" },
    };
}

const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { key, name: secret } } });

function gatewayEnv(): Record<string, any>[] {
    return [
        secretEnv("LITELLM_MASTER_KEY", "llm-gateway-keys", "masterKey"),
        { name: "DATABASE_HOST", value: "postgres-rw.groundwork-data.svc.cluster.local:5432" },
        { name: "LANGFUSE_HOST", value: "http://langfuse-web.langfuse.svc.cluster.local:3000" },
        secretEnv("LANGFUSE_PUBLIC_KEY", "llm-gateway-langfuse", "publicKey"),
        secretEnv("LANGFUSE_SECRET_KEY", "llm-gateway-langfuse", "secretKey"),
        secretEnv("HOSTED_HOSTED_MINI_API_KEY", "llm-gateway-providers", "HOSTED_HOSTED_MINI_API_KEY"),
    ];
}

function gatewayDeployment(env = gatewayEnv()): Record<string, any> {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { labels: GATEWAY_LABELS, name: "llm-gateway", namespace: NS },
        spec: {
            replicas: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "llm-gateway" } },
            template: {
                metadata: { labels: GATEWAY_LABELS },
                spec: {
                    serviceAccountName: "llm-gateway",
                    containers: [{ name: "litellm", image: "ghcr.io/berriai/litellm-non_root:v1.83.14-stable", args: ["--config", "/etc/litellm/config.yaml", "--port", "4000"], env }],
                    volumes: [{ configMap: { name: "llm-gateway" }, name: "config" }],
                },
            },
        },
    };
}

/** The inference objects of the cloud stack. */
function cloudStack(change: { config?: Record<string, any>; extra?: ResourceRecord[]; without?: string[] } = {}): ResourceRecord[] {
    const records = [
        record(DEPLOYMENT, vllmDeployment(), "vllm-large"),
        record(DEPLOYMENT, smallDeployment(), "vllm-small"),
        record(SERVICE, vllmService("large"), "vllm-large"),
        record(SERVICE, vllmService("small"), "vllm-small"),
        record(CONFIG_MAP, configMap(change.config), "llm-gateway"),
        record(CONFIG_MAP, accessMap(), "llm-gateway-access"),
        record(DEPLOYMENT, gatewayDeployment(), "llm-gateway"),
        record(SERVICE, { apiVersion: "v1", kind: "Service", metadata: { labels: GATEWAY_LABELS, name: "llm-gateway", namespace: NS }, spec: { type: "ClusterIP", selector: { "app.kubernetes.io/name": "llm-gateway" }, ports: [{ port: 4000 }] } }, "llm-gateway"),
    ];
    return [...records.filter((r) => !(change.without ?? []).includes(`${r.type}::${r.name}`)), ...(change.extra ?? [])];
}

const cm = (config: Record<string, any> | string) => [record(CONFIG_MAP, configMap(config), "llm-gateway")];
const am = (a: Record<string, any> | string) => [record(CONFIG_MAP, accessMap(a), "llm-gateway-access")];
const withConfig = (change: (c: Record<string, any>) => void) => {
    const c = gatewayConfig();
    change(c);
    return c;
};
const withAccess = (change: (a: Record<string, any>) => void) => {
    const a = access();
    change(a);
    return a;
};

describe("ai-use policy pack", () => {
    it("has at least 10 uniquely named, described and leveled policies, registered as ai-use", () => {
        assert.ok(aiUsePolicies.length >= 10, `only ${aiUsePolicies.length} policies`);
        const names = aiUsePolicies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const p of aiUsePolicies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(p.description && p.description.length > 20, p.name);
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", p.name);
        }
        assert.deepEqual(POLICY_PACKS.find((p) => p.name === "ai-use")?.policies, aiUsePolicies);
    });

    it("the cloud stack's inference objects pass every ai-use policy", async () => {
        for (const p of aiUsePolicies) assert.deepEqual(await messages(p, cloudStack()), [], p.name);
    });

    it("ignores objects that are not inference objects", async () => {
        const other = record(CONFIG_MAP, { kind: "ConfigMap", metadata: { name: "x", namespace: "default" }, data: { "config.yaml": "api_key: sk-not-inference-0123456789abcdef" } }, "x");
        for (const p of aiUsePolicies) assert.deepEqual(await messages(p, [other]), [], p.name);
    });
});

describe("model-allow-list", () => {
    it("passes the allow-listed Llama and Qwen servers", async () => {
        assert.deepEqual(await messages(modelAllowList, [record(DEPLOYMENT, vllmDeployment()), record(DEPLOYMENT, smallDeployment())]), []);
    });

    it("flags a model from an unlisted organisation, naming the Deployment, container and fix", async () => {
        const d = vllmDeployment("large", vllmArgs("randomuser/uncensored-llama-8b", LARGE_REVISION, "large"));
        const [m, ...rest] = await messages(modelAllowList, [record(DEPLOYMENT, d)]);
        assert.equal(rest.length, 0);
        assert.match(m, /^Deployment groundwork-inference\/vllm-large: spec\.template\.spec\.containers\[0\] --model "randomuser\/uncensored-llama-8b" is not on the model allow-list/);
        assert.match(m, /add its repository to the policy's allowedModels/);
    });

    it("matches globs per family: google/gemma-* passes, another google model does not; --model=value is read", async () => {
        const gemma = vllmDeployment("large", ["--model=google/gemma-2-9b-it", "--revision", LARGE_REVISION]);
        const t5 = vllmDeployment("large", ["--model=google/flan-t5-xxl", "--revision", LARGE_REVISION]);
        assert.deepEqual(await messages(modelAllowList, [record(DEPLOYMENT, gemma)]), []);
        assert.match((await messages(modelAllowList, [record(DEPLOYMENT, t5)]))[0], /--model "google\/flan-t5-xxl" is not on the model allow-list/);
    });

    it("checks a separate --tokenizer repository too", async () => {
        const d = vllmDeployment("large", [...vllmArgs("Qwen/Qwen2.5-7B-Instruct", LARGE_REVISION, "large"), "--tokenizer", "someone/patched-tokenizer"]);
        assert.match((await messages(modelAllowList, [record(DEPLOYMENT, d)]))[0], /--tokenizer "someone\/patched-tokenizer" is not on the model allow-list/);
    });

    it("uses the configured allow-list, and flags a server with no --model", async () => {
        assert.match((await messages(modelAllowList, [record(DEPLOYMENT, vllmDeployment())], { allowedModels: ["Qwen/*"] }))[0], /"meta-llama\/Llama-3\.1-8B-Instruct" is not on the model allow-list \(Qwen\/\*\)/);
        const noModel = vllmDeployment("large", ["--revision", LARGE_REVISION]);
        assert.match((await messages(modelAllowList, [record(DEPLOYMENT, noModel)]))[0], /containers\[0\] passes no --model; name the Hugging Face repository/);
    });
});

describe("model-revision-pinned", () => {
    it("passes servers pinned to 40-hex commits", async () => {
        assert.deepEqual(await messages(modelRevisionPinned, [record(DEPLOYMENT, vllmDeployment()), record(DEPLOYMENT, smallDeployment())]), []);
    });

    it("flags a branch, a short SHA and a missing --revision", async () => {
        const branch = vllmDeployment("large", vllmArgs("Qwen/Qwen2.5-7B-Instruct", "main", "large"));
        assert.match((await messages(modelRevisionPinned, [record(DEPLOYMENT, branch)]))[0], /containers\[0\] --revision "main" is a branch or tag, not a commit for "Qwen\/Qwen2\.5-7B-Instruct"; pin --revision to the 40-hex commit SHA/);
        const short = vllmDeployment("large", vllmArgs("Qwen/Qwen2.5-7B-Instruct", "7ae5576", "large"));
        assert.match((await messages(modelRevisionPinned, [record(DEPLOYMENT, short)]))[0], /--revision "7ae5576" is a branch or tag/);
        const none = vllmDeployment("large", ["--model", "Qwen/Qwen2.5-7B-Instruct", "--served-model-name", "large"]);
        assert.match((await messages(modelRevisionPinned, [record(DEPLOYMENT, none)]))[0], /has no --revision \(vLLM then loads the moving "main" branch\)/);
    });

    it("requires --tokenizer-revision when the tokenizer is another repository", async () => {
        const d = vllmDeployment("large", [...vllmArgs("Qwen/Qwen2.5-7B-Instruct", LARGE_REVISION, "large"), "--tokenizer", "Qwen/Qwen2.5-7B"]);
        assert.match((await messages(modelRevisionPinned, [record(DEPLOYMENT, d)]))[0], /has no --tokenizer-revision .* for "Qwen\/Qwen2\.5-7B"/);
    });
});

describe("gateway-traces-to-langfuse", () => {
    it("passes the rendered config, and callbacks: [langfuse_otel] for both outcomes", async () => {
        assert.deepEqual(await messages(gatewayTracesToLangfuse, cm(gatewayConfig())), []);
        const otel = withConfig((c) => { c.litellm_settings = { callbacks: ["langfuse_otel"] }; });
        assert.deepEqual(await messages(gatewayTracesToLangfuse, cm(otel)), []);
    });

    it("flags failures that are not traced", async () => {
        const [m, ...rest] = await messages(gatewayTracesToLangfuse, cm(withConfig((c) => { c.litellm_settings.failure_callback = ["prometheus"]; })));
        assert.equal(rest.length, 0);
        assert.match(m, /^ConfigMap groundwork-inference\/llm-gateway: data\["config\.yaml"\] litellm_settings\.failure_callback is \["prometheus"\]/);
        assert.match(m, /add "langfuse" to litellm_settings\.failure_callback .* every failed call is traced/);
    });

    it("flags a missing success_callback", async () => {
        assert.match((await messages(gatewayTracesToLangfuse, cm(withConfig((c) => { delete c.litellm_settings.success_callback; }))))[0], /litellm_settings\.success_callback is \[\] .* every answered call is traced/);
    });

    it("flags turn_off_message_logging wherever it is set", async () => {
        const off = withConfig((c) => { c.litellm_settings.turn_off_message_logging = true; });
        assert.match((await messages(gatewayTracesToLangfuse, cm(off)))[0], /litellm_settings\.turn_off_message_logging is true, which strips prompts and answers/);
        const perModel = withConfig((c) => { c.model_list[3].litellm_params.turn_off_message_logging = true; });
        assert.match((await messages(gatewayTracesToLangfuse, cm(perModel)))[0], /model_list\[3\]\.litellm_params\.turn_off_message_logging is true/);
    });

    it("reports a config.yaml that does not parse", async () => {
        assert.match((await messages(gatewayTracesToLangfuse, cm("model_list: [\n")))[0], /data\["config\.yaml"\] is not valid YAML/);
    });
});

describe("gateway-langfuse-credentials", () => {
    it("passes the gateway Deployment with an in-cluster host and keys from Secrets", async () => {
        assert.deepEqual(await messages(gatewayLangfuseCredentials, [record(DEPLOYMENT, gatewayDeployment())]), []);
    });

    it("flags a missing LANGFUSE_HOST", async () => {
        const env = gatewayEnv().filter((e) => e.name !== "LANGFUSE_HOST");
        assert.match((await messages(gatewayLangfuseCredentials, [record(DEPLOYMENT, gatewayDeployment(env))]))[0], /^Deployment groundwork-inference\/llm-gateway: spec\.template\.spec\.containers\[0\] "litellm" env has no LANGFUSE_HOST/);
    });

    it("flags a Langfuse host outside the cluster unless configured", async () => {
        const env = gatewayEnv().map((e) => (e.name === "LANGFUSE_HOST" ? { name: e.name, value: "https://cloud.langfuse.com" } : e));
        const records = [record(DEPLOYMENT, gatewayDeployment(env))];
        assert.match((await messages(gatewayLangfuseCredentials, records))[0], /env LANGFUSE_HOST "https:\/\/cloud\.langfuse\.com" is outside the cluster, so prompts and answers leave it/);
        assert.deepEqual(await messages(gatewayLangfuseCredentials, records, { allowedLangfuseHosts: ["cloud.langfuse.com"] }), []);
    });

    it("flags a literal secret key and a missing public key", async () => {
        const env = gatewayEnv().filter((e) => e.name !== "LANGFUSE_PUBLIC_KEY").map((e) => (e.name === "LANGFUSE_SECRET_KEY" ? { name: e.name, value: "sk-lf-1234" } : e));
        const ms = await messages(gatewayLangfuseCredentials, [record(DEPLOYMENT, gatewayDeployment(env))]);
        assert.equal(ms.length, 2);
        assert.match(ms[0], /env LANGFUSE_PUBLIC_KEY is missing; set it with valueFrom\.secretKeyRef/);
        assert.match(ms[1], /env LANGFUSE_SECRET_KEY is not taken from a Secret; set it with valueFrom\.secretKeyRef/);
    });
});

describe("gateway-budgets", () => {
    it("passes teams and keys with budgets", async () => {
        assert.deepEqual(await messages(gatewayBudgets, am(access())), []);
    });

    it("flags a key without max_budget and a team without budget_duration", async () => {
        const ms = await messages(gatewayBudgets, am(withAccess((a) => { delete a.keys[0].max_budget; delete a.teams[0].budget_duration; })));
        assert.equal(ms.length, 2);
        assert.match(ms[0], /^ConfigMap groundwork-inference\/llm-gateway-access: data\["access\.json"\] teams\[0\] \(team "product"\) budget_duration is null; set a reset period such as "30d"/);
        assert.match(ms[1], /keys\[0\] \(key "product-default"\) max_budget is null; set a positive USD budget/);
    });

    it("flags a zero budget, a malformed duration and a key budget above its team's", async () => {
        assert.match((await messages(gatewayBudgets, am(withAccess((a) => { a.teams[0].max_budget = 0; }))))[0], /teams\[0\] \(team "product"\) max_budget is 0/);
        assert.match((await messages(gatewayBudgets, am(withAccess((a) => { a.teams[0].budget_duration = "monthly"; }))))[0], /budget_duration is "monthly"/);
        assert.match((await messages(gatewayBudgets, am(withAccess((a) => { a.keys[0].max_budget = 900; }))))[0], /keys\[0\] \(key "product-default"\) max_budget 900 exceeds its team "product"'s max_budget 500/);
    });
});

describe("gateway-rate-limits", () => {
    it("passes teams and keys with limits", async () => {
        assert.deepEqual(await messages(gatewayRateLimits, am(access())), []);
    });

    it("flags a missing tpm_limit", async () => {
        const [m, ...rest] = await messages(gatewayRateLimits, am(withAccess((a) => { delete a.keys[0].tpm_limit; })));
        assert.equal(rest.length, 0);
        assert.match(m, /keys\[0\] \(key "product-default"\) tpm_limit is null; set a positive limit/);
    });

    it("applies configured ceilings and the team's limits", async () => {
        assert.match((await messages(gatewayRateLimits, am(access()), { maxRpm: 300 }))[0], /teams\[0\] \(team "product"\) rpm_limit 600 is above the ceiling 300; lower it, or raise the policy's maxRpm/);
        assert.match((await messages(gatewayRateLimits, am(withAccess((a) => { a.keys[0].rpm_limit = 1000; }))))[0], /keys\[0\] \(key "product-default"\) rpm_limit 1000 exceeds its team "product"'s rpm_limit 600/);
    });
});

describe("in-cluster-models-priced", () => {
    it("passes in-cluster routes with a per-token price, and hosted ones without (LiteLLM knows their price)", async () => {
        assert.deepEqual(await messages(inClusterModelsPriced, cm(gatewayConfig())), []);
    });
    it("flags an in-cluster route whose calls would cost nothing against any budget", async () => {
        const ms = await messages(inClusterModelsPriced, cm(withConfig((c) => { delete c.model_list[2].litellm_params.output_cost_per_token; })));
        assert.deepEqual(ms, ['ConfigMap groundwork-inference/llm-gateway: data["config.yaml"] model_list[2] ("small", hosted_vllm/small) has no output_cost_per_token in litellm_params, so its calls cost $0 against every budget; set an internal price (groundwork:inference.models[].pricePerMillionTokens)']);
    });
});

describe("gateway-access-scoped", () => {
    it("passes teams with explicit models and keys of listed teams", async () => {
        assert.deepEqual(await messages(gatewayAccessScoped, am(access())), []);
    });

    it("flags a team with no models, a wildcard and a key of an unknown team", async () => {
        assert.match((await messages(gatewayAccessScoped, am(withAccess((a) => { a.teams[0].models = []; }))))[0], /teams\[0\] \(team "product"\) models is \[\], which LiteLLM reads as access to every model/);
        assert.match((await messages(gatewayAccessScoped, am(withAccess((a) => { a.keys[0].models = ["all-proxy-models"]; }))))[0], /keys\[0\] \(key "product-default"\) models contains "all-proxy-models", a wildcard/);
        // The organisation's models, which newer LiteLLM releases read as a set too (sweep s23 M4).
        assert.match((await messages(gatewayAccessScoped, am(withAccess((a) => { a.teams[0].models = ["all-org-models"]; }))))[0], /teams\[0\] \(team "product"\) models contains "all-org-models", a wildcard/);
        assert.match((await messages(gatewayAccessScoped, am(withAccess((a) => { a.keys[0].team_id = "ghost"; }))))[0], /team_id "ghost" is not a team in access\.json/);
    });
});

describe("restricted-data-stays-in-cluster", () => {
    it("passes the cloud config (public route may fall back to a hosted model) and an all-restricted in-cluster config", async () => {
        assert.deepEqual(await messages(restrictedDataStaysInCluster, cm(gatewayConfig())), []);
        const hybrid = withConfig((c) => {
            c.model_list = c.model_list.filter((e: any) => e.model_name === "large" || e.model_name === "small");
            c.model_list.forEach((e: any) => { e.model_info.groundwork_classification = "restricted"; });
            c.router_settings.fallbacks = [{ large: ["small"] }];
        });
        assert.deepEqual(await messages(restrictedDataStaysInCluster, cm(hybrid)), []);
    });

    it("counts an OpenAI-compatible route to an in-cluster Service as in the cluster, for both residency rules", async () => {
        const viaOpenai = withConfig((c) => {
            c.model_list[2].litellm_params = { model: "openai/small", api_base: vllmBase("small"), api_key: "os.environ/VLLM_API_KEY" };
            c.model_list[2].model_info.groundwork_classification = "restricted";
        });
        assert.deepEqual(await messages(restrictedDataStaysInCluster, cm(viaOpenai)), []);
        assert.deepEqual(await messages(hostedProviderAllowList, cm(viaOpenai)), []);
        const outside = withConfig((c) => {
            c.model_list[2].litellm_params = { model: "openai/small", api_base: "https://vllm.example.com/v1", api_key: "os.environ/VLLM_API_KEY" };
            c.model_list[2].model_info.groundwork_classification = "restricted";
        });
        const found = await messages(restrictedDataStaysInCluster, cm(outside));
        assert.ok(found.length > 0 && found.every((m) => /model_list\[2\]|"small"/.test(m)), found.join("\n"));
    });

    it("flags a restricted route served by a hosted provider", async () => {
        const [m, ...rest] = await messages(restrictedDataStaysInCluster, cm(withConfig((c) => { c.model_list[3].model_info.groundwork_classification = "restricted"; })));
        assert.equal(rest.length, 0);
        assert.match(m, /model_list\[3\] \("hosted", litellm_params\.model "openai\/gpt-4o-mini"\) is classified "restricted" but leaves the cluster; restricted data must stay in the cluster/);
    });

    it("flags a restricted route whose fallback chain reaches a hosted model, transitively", async () => {
        const c = withConfig((x) => {
            x.model_list[1].model_info.groundwork_classification = "restricted";
            x.router_settings.fallbacks = [{ large: ["small"] }, { small: ["hosted"] }];
        });
        const ms = await messages(restrictedDataStaysInCluster, cm(c));
        assert.ok(ms.some((m) => /route "large" is classified "restricted" but can fall back to model_list\[3\] \("hosted".*chain: large → router_settings\.fallbacks\[0\] → small → router_settings\.fallbacks\[1\] → hosted\); remove "hosted" from the chain/.test(m)), ms.join("\n"));
        // "small" is internal and hosted models get only public data by default.
        assert.ok(ms.some((m) => /route "small" is classified "internal" but can fall back to model_list\[3\]/.test(m)), ms.join("\n"));
    });

    it("lets internal data go to hosted models only when configured", async () => {
        const c = withConfig((x) => { x.router_settings.fallbacks = [{ large: ["hosted"] }]; });
        assert.match((await messages(restrictedDataStaysInCluster, cm(c)))[0], /route "large" is classified "internal" but can fall back to model_list\[3\] .*hostedAllowedClassifications: \["public"\]/);
        assert.deepEqual(await messages(restrictedDataStaysInCluster, cm(c), { hostedAllowedClassifications: ["public", "internal"] }), []);
    });

    it("flags an unclassified route and a vLLM server outside the cluster", async () => {
        assert.match((await messages(restrictedDataStaysInCluster, cm(withConfig((c) => { delete c.model_list[0].model_info; }))))[0], /model_list\[0\] \("chat", .*\) has model_info\.groundwork_classification null; classify the route as public, internal, restricted/);
        const outside = withConfig((c) => { c.model_list[2].litellm_params.api_base = "https://vllm.example.com/v1"; });
        const ms = await messages(restrictedDataStaysInCluster, cm(outside));
        assert.ok(ms.some((m) => /model_list\[2\] \("small", litellm_params\.model "hosted_vllm\/small", api_base "https:\/\/vllm\.example\.com\/v1"\) is classified "internal" but leaves the cluster/.test(m)), ms.join("\n"));
    });
});

describe("hosted-provider-allow-list", () => {
    it("passes the cloud config and an Azure deployment on its resource host", async () => {
        assert.deepEqual(await messages(hostedProviderAllowList, cm(gatewayConfig())), []);
        const azure = withConfig((c) => { c.model_list[3].litellm_params = { model: "azure/gpt-4o-mini", api_base: "https://groundwork.openai.azure.com", api_key: "os.environ/AZURE_API_KEY" }; });
        assert.deepEqual(await messages(hostedProviderAllowList, cm(azure)), []);
    });

    it("flags a provider not on the list", async () => {
        const [m, ...rest] = await messages(hostedProviderAllowList, cm(withConfig((c) => { c.model_list[3].litellm_params.model = "together_ai/meta-llama/Llama-3-70b"; })));
        assert.equal(rest.length, 0);
        assert.match(m, /model_list\[3\] \("hosted", litellm_params\.model "together_ai\/meta-llama\/Llama-3-70b"\) uses provider "together_ai", which is not on the allow-list \(openai, anthropic, azure, bedrock, vertex_ai\)/);
    });

    it("flags a model without a provider prefix, an external vLLM server and an api_base override", async () => {
        assert.match((await messages(hostedProviderAllowList, cm(withConfig((c) => { c.model_list[3].litellm_params.model = "gpt-4o-mini"; }))))[0], /has no provider prefix, so LiteLLM guesses the provider/);
        assert.match((await messages(hostedProviderAllowList, cm(withConfig((c) => { c.model_list[2].litellm_params.api_base = "http://10.0.0.5:8000/v1"; }))))[0], /model_list\[2\] .* is a vLLM server outside the cluster/);
        assert.match((await messages(hostedProviderAllowList, cm(withConfig((c) => { c.model_list[3].litellm_params.api_base = "https://llm-proxy.example.net/v1"; }))))[0], /overrides api_base to a host not on allowedApiBaseHosts/);
    });
});

describe("gateway-secrets-by-reference", () => {
    it("passes the config and access files, which only reference secrets", async () => {
        assert.deepEqual(await messages(gatewaySecretsByReference, [...cm(gatewayConfig()), ...am(access())]), []);
    });

    it("flags a literal provider key", async () => {
        const ms = await messages(gatewaySecretsByReference, cm(withConfig((c) => { c.model_list[3].litellm_params.api_key = "sk-proj-AbCdEf0123456789AbCdEf"; })));
        assert.equal(ms.length, 2);
        assert.match(ms[0], /data\["config\.yaml"\] model_list\[3\]\.litellm_params\.api_key is a literal value; write it as "os\.environ\/<VAR>"/);
        assert.match(ms[1], /data\["config\.yaml"\] contains a value shaped like a credential/);
    });

    it("flags a missing or literal master_key and a database URL with a password", async () => {
        assert.match((await messages(gatewaySecretsByReference, cm(withConfig((c) => { delete c.general_settings.master_key; }))))[0], /general_settings\.master_key is not set/);
        assert.match((await messages(gatewaySecretsByReference, cm(withConfig((c) => { c.general_settings.master_key = "changeme"; }))))[0], /general_settings\.master_key is a literal value/);
        assert.match((await messages(gatewaySecretsByReference, cm(withConfig((c) => { c.general_settings.database_url = "postgresql://litellm:hunter2@postgres-rw:5432/litellm"; }))))[0], /contains a value shaped like a credential \(.*user:password@ in a URL\)/);
    });

    it("flags a key value in access.json", async () => {
        const ms = await messages(gatewaySecretsByReference, am(withAccess((a) => { a.keys[0].key = "sk-0123456789abcdefghij"; })));
        assert.match(ms[0], /data\["access\.json"\] keys\[0\]\.key carries the virtual key's value; remove it and give key_file/);
        assert.match(ms[1], /data\["access\.json"\] contains a value shaped like a credential/);
    });
});

describe("gateway-fallbacks-resolve", () => {
    it("passes chains between listed model names", async () => {
        assert.deepEqual(await messages(gatewayFallbacksResolve, cm(gatewayConfig())), []);
    });

    it("flags a target that is no model_name", async () => {
        const [m, ...rest] = await messages(gatewayFallbacksResolve, cm(withConfig((c) => { c.router_settings.context_window_fallbacks = [{ large: ["small-32k"] }]; })));
        assert.equal(rest.length, 0);
        assert.match(m, /router_settings\.context_window_fallbacks\[0\] falls back from "large" to "small-32k", which is no model_name in model_list \(chat, large, small, hosted\)/);
    });

    it("flags an unknown source, a self fallback and a loop", async () => {
        assert.match((await messages(gatewayFallbacksResolve, cm(withConfig((c) => { c.router_settings.fallbacks.push({ medium: ["small"] }); }))))[0], /fallbacks\[2\] starts at "medium", which is no model_name/);
        assert.match((await messages(gatewayFallbacksResolve, cm(withConfig((c) => { c.router_settings.fallbacks = [{ small: ["small"] }]; }))))[0], /falls back from "small" to itself/);
        const loop = await messages(gatewayFallbacksResolve, cm(withConfig((c) => { c.router_settings.fallbacks = [{ large: ["small"] }, { small: ["large"] }]; })));
        assert.match(loop[0], /fallbacks loop: large → small → large; make the chain end at a model that does not fall back/);
    });
});

describe("gateway-retries-bounded", () => {
    it("passes the rendered router settings", async () => {
        assert.deepEqual(await messages(gatewayRetriesBounded, cm(gatewayConfig())), []);
        assert.equal(gatewayRetriesBounded.enforcementLevel, "advisory");
    });

    it("flags too many retries and no cooldown", async () => {
        const ms = await messages(gatewayRetriesBounded, cm(withConfig((c) => { c.router_settings.num_retries = 10; delete c.router_settings.cooldown_time; })));
        assert.equal(ms.length, 2);
        assert.match(ms[0], /router_settings\.num_retries is 10; set it to at most 3/);
        assert.match(ms[1], /router_settings\.cooldown_time is null; set how many seconds a failing deployment rests/);
    });
});

describe("vllm-only-behind-gateway", () => {
    it("passes the cloud stack's ClusterIP Services", async () => {
        assert.deepEqual(await messages(vllmOnlyBehindGateway, cloudStack()), []);
    });

    it("flags a LoadBalancer Service for a vLLM server", async () => {
        const records = cloudStack({ without: [`${SERVICE}::vllm-large`], extra: [record(SERVICE, vllmService("large", { type: "LoadBalancer" }), "vllm-large")] });
        const [m, ...rest] = await messages(vllmOnlyBehindGateway, records);
        assert.equal(rest.length, 0);
        assert.match(m, /^Service groundwork-inference\/vllm-large selects vLLM pods but spec\.type is "LoadBalancer", .*set spec\.type: ClusterIP/);
    });

    it("finds an unlabelled NodePort Service by its selector, and flags externalIPs", async () => {
        const debug = { apiVersion: "v1", kind: "Service", metadata: { name: "vllm-debug", namespace: NS }, spec: { type: "NodePort", selector: { "groundwork.dev/model": "small" }, ports: [{ port: 8000 }] } };
        assert.match((await messages(vllmOnlyBehindGateway, cloudStack({ extra: [record(SERVICE, debug, "vllm-debug")] })))[0], /Service groundwork-inference\/vllm-debug selects vLLM pods but spec\.type is "NodePort"/);
        const ext = cloudStack({ without: [`${SERVICE}::vllm-small`], extra: [record(SERVICE, vllmService("small", { externalIPs: ["203.0.113.10"] }), "vllm-small")] });
        assert.match((await messages(vllmOnlyBehindGateway, ext))[0], /vllm-small selects vLLM pods and sets spec\.externalIPs \["203\.0\.113\.10"\]/);
    });

    it("flags an Ingress and an HTTPRoute pointing at a vLLM Service", async () => {
        const ingress = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "models", namespace: NS }, spec: { rules: [{ host: "models.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "vllm-large", port: { number: 8000 } } } }] } }] } };
        assert.match((await messages(vllmOnlyBehindGateway, cloudStack({ extra: [record("kubernetes:networking.k8s.io/v1:Ingress", ingress, "models")] })))[0], /^Ingress groundwork-inference\/models spec\.rules\[0\]\.http\.paths\[0\]\.backend routes to the vLLM Service "vllm-large"; point it at the LiteLLM gateway's Service/);
        const route = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "models", namespace: "edge" }, spec: { rules: [{ backendRefs: [{ name: "vllm-small", namespace: NS, port: 8000 }] }] } };
        assert.match((await messages(vllmOnlyBehindGateway, cloudStack({ extra: [record("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", route, "models")] })))[0], /^HTTPRoute edge\/models spec\.rules\[0\]\.backendRefs\[0\] routes to the vLLM Service "vllm-small"/);
        const toGateway = { ...route, spec: { rules: [{ backendRefs: [{ name: "llm-gateway", namespace: NS, port: 4000 }] }] } };
        assert.deepEqual(await messages(vllmOnlyBehindGateway, cloudStack({ extra: [record("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", toGateway, "models")] })), []);
    });
});

describe("every-model-behind-gateway", () => {
    it("passes when every server is a gateway route target", async () => {
        assert.deepEqual(await messages(everyModelBehindGateway, cloudStack()), []);
    });

    it("flags a server no route reaches", async () => {
        const medium = vllmDeployment("medium", vllmArgs("mistralai/Mistral-7B-Instruct-v0.3", LARGE_REVISION, "medium"));
        const records = cloudStack({ extra: [record(DEPLOYMENT, medium, "vllm-medium"), record(SERVICE, vllmService("medium"), "vllm-medium")] });
        const [m, ...rest] = await messages(everyModelBehindGateway, records);
        assert.equal(rest.length, 0);
        assert.match(m, /^Deployment groundwork-inference\/vllm-medium serves "medium" .* but no gateway config\.yaml model_list entry routes to "hosted_vllm\/medium"; add a route for it to the LiteLLM gateway/);
    });

    it("flags a route whose api_base is not the server's Service", async () => {
        const config = withConfig((c) => { c.model_list[2].litellm_params.api_base = vllmBase("large"); });
        assert.match((await messages(everyModelBehindGateway, cloudStack({ config })))[0], /vllm-small serves "small" but the gateway routes for "hosted_vllm\/small" address api_base "http:\/\/vllm-large\.groundwork-inference\.svc\.cluster\.local:8000\/v1", none of them a Service of this Deployment \(groundwork-inference\/vllm-small\)/);
    });
});

describe("gateway-routes-have-servers", () => {
    it("passes when every in-cluster route has its server", async () => {
        assert.deepEqual(await messages(gatewayRoutesHaveServers, cloudStack()), []);
    });

    it("flags a route to a Service that does not exist", async () => {
        const config = withConfig((c) => { c.model_list.push({ model_name: "medium", litellm_params: { model: "hosted_vllm/medium", api_base: vllmBase("medium") }, model_info: { groundwork_classification: "internal" } }); });
        const [m, ...rest] = await messages(gatewayRoutesHaveServers, cloudStack({ config }));
        assert.equal(rest.length, 0);
        assert.match(m, /model_list\[4\] \("medium"\) api_base "http:\/\/vllm-medium\.groundwork-inference\.svc\.cluster\.local:8000\/v1" addresses Service groundwork-inference\/vllm-medium, which is no Service of a vLLM server in this stack/);
    });

    it("flags a route asking a server for a name it does not serve", async () => {
        const config = withConfig((c) => { c.model_list[2].litellm_params.model = "hosted_vllm/qwen"; });
        assert.match((await messages(gatewayRoutesHaveServers, cloudStack({ config })))[0], /model_list\[2\] \("small"\) asks groundwork-inference\/vllm-small for "qwen", but the vLLM server behind it serves \["small"\]; use the server's --served-model-name/);
    });
});
