import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { CHAT_SERVICE_ACCOUNT, CHAT_USER_HEADER } from "../components/apps/chat-ui";
import { INGRESS_CLIENT } from "../components/ingress/ingress-controller";
import { CHAT_NAMESPACE, chatKey, NOTEBOOKS_NAMESPACE } from "./apps";
import { NOTEBOOK_USER_ACCOUNT } from "../components/apps/notebooks";
import { GatewayRoute, hostedKeyEnv, keyAlias, RouteTarget, teamLangfuseEnv } from "../components/inference/gateway-config";
import { keysDigest } from "../components/inference/gateway-provisioning";
import { LlmGateway } from "../components/inference/llm-gateway";
import { PromptLibrary, PromptVersion } from "../components/inference/prompt-library";
import { RouteEvaluation, RouteEvaluations } from "../components/inference/route-evaluations";
import { PiiDetection } from "../components/inference/pii-detection";
import { CACHE_PORT, ResponseCache } from "../components/inference/response-cache";
import { serviceHost } from "../components/service-host";
import { QueueAutoscaling } from "../components/inference/queue-autoscaling";
import { PROMETHEUS_URL } from "../components/observability/monitoring";
import { SCRAPER } from "../components/observability/scraper";
import { scalesWithLoad, VLLM_PORT, VllmServer } from "../components/inference/vllm-server";
import { childrenDependOn } from "../components/ordering";
import { Placement, schedulingFor } from "../components/placement";
import { meshedNamespaceArgs } from "../components/platform/linkerd-mesh";
import { VaultConsumer } from "../components/platform/vault-bootstrap";
import { VaultConsumerAuth, VaultSyncedSecret } from "../components/platform/vault-synced-secret";
import { StackConfig } from "./config";
import { defaultPiiEntities, EVALUATIONS_KEY, EVALUATIONS_TEAM, guardrailsOf, InferenceConfig, reachesHostedModel, teamRoutes } from "./config/inference";
import { PlatformSecrets } from "./platform-secrets";
import { guardedNamespace } from "../components/platform/guarded-namespace";
import { EgressDestination } from "../components/platform/egress";

/** The gateway's shared response cache (with `gateway.cache: valkey`). */
const RESPONSE_CACHE = "response-cache";

/** Namespace of the gateway and the model servers. */
export const INFERENCE_NAMESPACE = "groundwork-inference";
export const GATEWAY_SERVICE_ACCOUNT = "llm-gateway";
/** The evaluations' Job: an API client of the gateway (`/v1`) and a client of Langfuse, nothing more. */
export const EVALUATIONS_SERVICE_ACCOUNT = "route-evaluations";
/** The prompt library's Job, which only Langfuse's web admits. */
export const PROMPTS_SERVICE_ACCOUNT = "prompt-library";
/** The gateway's Service (the component's name). */
export const GATEWAY_SERVICE = "llm-gateway";
const MODEL_SERVICE_ACCOUNT = "vllm";
/** The gateway's own database in the platform's Postgres. */
export const GATEWAY_DATABASE = "litellm";

export const GATEWAY_CONSUMER: VaultConsumer = { name: "gateway", namespace: INFERENCE_NAMESPACE, serviceAccount: "gateway-secrets" };
export const MODELS_CONSUMER: VaultConsumer = { name: "inference", namespace: INFERENCE_NAMESPACE, serviceAccount: "inference-secrets" };

const password = (name: string, length = 32, keepers?: Record<string, string>) => new random.RandomPassword(name, { length, special: false, keepers }).result;

const DAY_MS = 86_400_000;

/**
 * The first day (UTC, `YYYY-MM-DD`) of the rotation period `now` falls in: periods of `days` days
 * counted from 1970-01-01. A virtual key's value is kept by this date, so the first `pulumi up`
 * of each period generates a new one and the provisioning job rotates it in the gateway.
 */
export function rotationPeriodStart(now: Date, days: number): string {
    const day = Math.floor(now.getTime() / DAY_MS);
    return new Date((day - (day % days)) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The inference config with the evaluations' own team when the stack runs evaluations: a public
 * data class (the datasets are the repository's own test data), every route the evaluations call
 * (evaluated and judging), its budget from config, and one key for the Job. Its calls count there,
 * not against an application's team, and the Job needs no master key.
 */
export function withEvaluationsTeam(inference: InferenceConfig | undefined, evaluations: RouteEvaluation[]): InferenceConfig | undefined {
    if (!inference || evaluations.length === 0) return inference;
    const routes = [...new Set(evaluations.flatMap((e) => [e.route, ...e.evaluators.flatMap((v) => (v.type === "llm-judge" ? [v.judgeRoute] : []))]))];
    const limits = { maxBudgetUsd: inference.gateway.evaluationBudgetUsd, budgetDuration: "30d", rpm: 60, tpm: 100_000 };
    return {
        ...inference,
        teams: [...inference.teams, { name: EVALUATIONS_TEAM, dataClass: "public", routes, guardrails: {}, ...limits, keys: [{ name: EVALUATIONS_KEY, ...limits }] }],
    };
}

/** Keys expire twice their rotation period after they are made: one missed period is survived, two are not. */
export const keyExpiryDays = (rotationDays: number) => 2 * rotationDays;

/**
 * When the keys of the rotation period `now` falls in are due to be replaced (the next period's
 * start) and the soonest they expire (made at this period's start), for the alert rules that
 * fire once no `pulumi up` has replaced them (issue 12 audit s26, item 8).
 */
export function keyRotationSchedule(now: Date, rotationDays: number): { dueAt: number; due: string; expiresAt: number; expires: string } {
    const start = Date.parse(`${rotationPeriodStart(now, rotationDays)}T00:00:00Z`);
    const due = start + rotationDays * DAY_MS;
    const expires = start + keyExpiryDays(rotationDays) * DAY_MS;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    return { dueAt: due / 1000, due: day(due), expiresAt: expires / 1000, expires: day(expires) };
}

/**
 * The secrets inference adds to Vault: the gateway's database password (also the Postgres
 * role's), the Langfuse project keys it traces with, hosted providers' keys, the Hugging Face
 * token, and one generated value per virtual key. `langfuseKeys` are the ones Langfuse was
 * initialised with.
 */
export function inferenceSecrets(inf: InferenceConfig, langfuseKeys: Record<string, pulumi.Output<string>>, appKeys: string[] = [], now: Date = new Date()): PlatformSecrets {
    const dbPassword = password("gateway-db");
    const secrets: PlatformSecrets = {
        [`postgres/${GATEWAY_DATABASE}`]: { username: pulumi.secret(pulumi.output(GATEWAY_DATABASE)), password: dbPassword },
        "gateway/db": { password: dbPassword },
        "gateway/langfuse": langfuseKeys,
        "gateway/virtual-keys": Object.fromEntries(inf.teams.flatMap((t) => t.keys.map((k) => {
            const alias = keyAlias(t.name, k.name);
            const rotation = { period: rotationPeriodStart(now, inf.gateway.keyRotationDays), days: String(inf.gateway.keyRotationDays) };
            return [alias, pulumi.interpolate`sk-${password(`gateway-key-${alias}`, 40, rotation)}`];
        }))),
    };
    // Each team's own keys, under the team's path: its owners read these and nothing else. Not the
    // applications' keys in the team (`appKeys`, by alias: a team may name a key of its own
    // `notebooks`): the chat UI's names its callers, so an owner holding it could call in any
    // person's name (security review s24 S1, review s24c F3).
    for (const team of inf.teams) {
        const own = team.keys.filter((k) => !appKeys.includes(keyAlias(team.name, k.name)));
        if (own.length > 0) secrets[`teams/${team.name}/gateway-keys`] = Object.fromEntries(own.map((k) => [k.name, secrets["gateway/virtual-keys"][keyAlias(team.name, k.name)]]));
        if (team.langfuseProject) {
            secrets[`teams/${team.name}/langfuse`] = { publicKey: pulumi.output(team.langfuseProject.publicKey), secretKey: pulumi.output(team.langfuseProject.secretKey) };
        }
    }
    const ownProjects = inf.teams.filter((t) => t.langfuseProject);
    if (ownProjects.length > 0) {
        secrets["gateway/team-langfuse"] = Object.fromEntries(ownProjects.flatMap((t) => {
            const names = teamLangfuseEnv(t.name);
            return [[names.publicKey, pulumi.output(t.langfuseProject!.publicKey)], [names.secretKey, pulumi.output(t.langfuseProject!.secretKey)]];
        }));
    }
    if (inf.gateway.cache === "valkey") {
        secrets["gateway/cache"] = { password: password("gateway-cache") };
    }
    if (inf.hosted.length > 0) {
        secrets["gateway/providers"] = Object.fromEntries(inf.hosted.map((h) => [hostedKeyEnv(h.name), pulumi.output(h.apiKey)]));
    }
    if (inf.huggingfaceToken) {
        secrets["inference/huggingface"] = { token: pulumi.output(inf.huggingfaceToken) };
    }
    return secrets;
}

export interface InferenceDeps {
    provider: k8s.Provider;
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt). */
    apiServer: EgressDestination;
    /** What the servers and gateway wait for (Vault's bootstrap, Postgres). */
    after: pulumi.Resource[];
    postgresHost: string;
    langfuseHost: string;
    /** The virtual keys' values (secret), by alias: the gateway is re-provisioned when one changes. */
    virtualKeys?: Record<string, pulumi.Output<string>>;
    /** The prompts this stack serves (from the repository's `prompts/`), and the stack's name, their label. */
    prompts?: PromptVersion[];
    /** The evaluations of its routes (from `evaluations/`). */
    evaluations?: RouteEvaluation[];
    stack?: string;
}

/**
 * Every configured model as a VllmServer on its placement, the queue autoscaler when any model
 * may scale, and the LiteLLM gateway in front of them: the one entry point applications use.
 */
export function buildInference(config: StackConfig, deps: InferenceDeps): { gatewayUrl: pulumi.Output<string>; gateway: LlmGateway } | undefined {
    const inf = config.inference;
    if (!inf) return undefined;
    const provider = deps.provider;
    const platformScheduling = schedulingFor(config.placement.platform);
    const ns = guardedNamespace("inference", meshedNamespaceArgs(INFERENCE_NAMESPACE, "restricted"), { provider });
    const waitFor = { provider, transformations: [childrenDependOn([ns, ...deps.after])] };

    const scales = inf.models.some(scalesWithLoad);
    // Each model that scales has a ScaledObject named as its server, `vllm-<model>` (components/inference/vllm-server.ts).
    const scaledTargets = inf.models.filter(scalesWithLoad).map((m) => ({ name: `vllm-${m.name}`, maxReplicas: m.replicas.max }));
    const autoscaling = scales ? new QueueAutoscaling("queue-autoscaling", { prometheusUrl: PROMETHEUS_URL, podCidr: config.cluster.podCidr, scaledNamespace: INFERENCE_NAMESPACE, scaledTargets, apiServer: deps.apiServer, scheduling: platformScheduling }, { provider }) : undefined;

    new k8s.core.v1.ServiceAccount("vllm", {
        metadata: { name: MODEL_SERVICE_ACCOUNT, namespace: INFERENCE_NAMESPACE },
        automountServiceAccountToken: false,
    }, { provider, dependsOn: [ns] });
    let hfToken: VaultSyncedSecret | undefined;
    if (inf.huggingfaceToken) {
        const auth = new VaultConsumerAuth("inference-vault", { consumer: MODELS_CONSUMER }, waitFor);
        hfToken = new VaultSyncedSecret("huggingface-token", { auth, path: `${MODELS_CONSUMER.name}/huggingface`, secretName: "huggingface-token" }, waitFor);
    }

    const gatewayClient = `${INFERENCE_NAMESPACE}/${GATEWAY_SERVICE_ACCOUNT}`;
    const servers = new Map(inf.models.map((m) => [m.name, new VllmServer(`vllm-${m.name}`, {
        namespace: INFERENCE_NAMESPACE,
        model: m.model,
        revision: m.revision,
        servedName: m.name,
        gpus: m.gpus,
        maxModelLen: m.maxModelLen,
        gpuMemoryUtilization: m.gpuMemoryUtilization,
        dtype: m.dtype,
        quantization: m.quantization,
        prefixCaching: m.prefixCaching,
        cpus: m.cpus,
        memoryGbs: m.memoryGbs,
        kvCacheGbs: m.kvCacheGbs,
        cacheGbs: m.cacheGbs,
        // A model that scales to zero may next start on another node (an autoscaled GPU group's
        // last node goes with it): its cache lives with the pod rather than on one node's disk.
        cache: m.replicas.min === 0 ? "pod" : "claim",
        replicas: m.replicas,
        queueDepthTarget: m.queueDepthTarget,
        activeHours: m.activeHours,
        scheduling: schedulingFor((m.placement ?? config.placement.inference) as Placement),
        huggingfaceTokenSecret: hfToken?.secretName,
        serviceAccount: MODEL_SERVICE_ACCOUNT,
        clients: [gatewayClient, SCRAPER],
        prometheusUrl: autoscaling?.prometheusUrl,
    }, waitFor)]));

    const hosted = new Map(inf.hosted.map((h) => [h.name, h]));
    const routes: GatewayRoute[] = inf.routes.map((r) => ({
        name: r.name,
        target: targetOf(r.target, servers, hosted, inf.models.find((m) => m.name === r.target)?.pricePerMillionTokens),
        fallbacks: r.fallbacks,
        contextWindowFallbacks: r.contextWindowFallbacks,
        classification: r.classification,
        guardrails: guardrailsOf(r.guardrails, reachesHostedModel(r.name, inf)),
        cacheTtlSeconds: r.cache?.ttlSeconds,
    }));
    // Presidio for the PII guardrails, when the stack chooses it over LiteLLM's patterns.
    const entities = inf.guardrails.entities ?? defaultPiiEntities(inf.guardrails.engine);
    const presidio = inf.guardrails.engine === "presidio"
        ? new PiiDetection("presidio", { namespace: INFERENCE_NAMESPACE, clients: [gatewayClient], scheduling: platformScheduling }, waitFor)
        : undefined;
    const evaluated = deps.evaluations ?? [];
    // The prompts' label and the evaluation runs' name.
    const stack = deps.stack ?? pulumi.getStack();
    const sharedCache = inf.gateway.cache === "valkey" ? { host: serviceHost(RESPONSE_CACHE, INFERENCE_NAMESPACE), port: CACHE_PORT } : undefined;
    const gateway = new LlmGateway(GATEWAY_SERVICE, {
        namespace: INFERENCE_NAMESPACE,
        serviceAccount: GATEWAY_SERVICE_ACCOUNT,
        vaultConsumer: GATEWAY_CONSUMER,
        routes,
        teams: inf.teams.map(({ langfuseProject, ...t }) => ({
            ...t, routes: teamRoutes(t, inf.routes), guardrails: guardrailsOf(t.guardrails, false),
            langfuseProject: langfuseProject ? "own" as const : t.name === EVALUATIONS_TEAM ? "platform" as const : undefined,
        })),
        keyExpiryDays: keyExpiryDays(inf.gateway.keyRotationDays),
        router: inf.gateway,
        endUserHeaders: config.apps.chat?.enabled ? [CHAT_USER_HEADER] : [],
        // Only the chat UI names its users (security review s14 L4): its key, in the team apps.chat uses.
        endUserKeys: config.apps.chat?.enabled ? [chatKey(inf, config.apps.chat)] : [],
        hostedKeyNames: inf.hosted.map((h) => h.name),
        replicas: inf.gateway.replicas,
        database: { host: deps.postgresHost, name: GATEWAY_DATABASE, user: GATEWAY_DATABASE },
        langfuseHost: deps.langfuseHost,
        controls: {
            cache: inf.gateway.cache,
            guardrails: { engine: inf.guardrails.engine, entities, ...(presidio && { presidio: { analyzerUrl: presidio.analyzerUrl, anonymizerUrl: presidio.anonymizerUrl } }) },
        },
        sharedCache,
        keysDigest: digestOf(deps.virtualKeys ?? {}),
        clients: [...gatewayClients(config), ...(evaluated.length > 0 ? [`${INFERENCE_NAMESPACE}/${EVALUATIONS_SERVICE_ACCOUNT}`] : [])],
        adminClients: config.access?.hosts.gatewayAdmin ? [INGRESS_CLIENT] : [],
        scheduling: platformScheduling,
    }, waitFor);
    if (sharedCache) {
        new ResponseCache(RESPONSE_CACHE, { namespace: INFERENCE_NAMESPACE, passwordSecret: gateway.cachePasswordSecret!, clients: [gatewayClient], scheduling: platformScheduling }, waitFor);
    }
    if (deps.prompts && deps.prompts.length > 0) {
        new PromptLibrary("prompts", {
            namespace: INFERENCE_NAMESPACE,
            serviceAccount: PROMPTS_SERVICE_ACCOUNT,
            langfuseHost: deps.langfuseHost,
            langfuseKeysSecret: gateway.langfuseKeysSecret,
            label: stack,
            prompts: deps.prompts,
            scheduling: platformScheduling,
        }, { ...waitFor, dependsOn: [gateway] });
    }
    if (evaluated.length > 0) {
        new RouteEvaluations("evaluations", {
            namespace: INFERENCE_NAMESPACE,
            serviceAccount: EVALUATIONS_SERVICE_ACCOUNT,
            gatewayUrl: gateway.url,
            gatewayKey: { secret: gateway.virtualKeysSecret, key: keyAlias(EVALUATIONS_TEAM, EVALUATIONS_KEY) },
            langfuseHost: deps.langfuseHost,
            langfuseKeysSecret: gateway.langfuseKeysSecret,
            stack,
            evaluations: evaluated,
            answersDigest: createHash("sha256").update(gateway.config).update(JSON.stringify(deps.prompts ?? [])).digest("hex"),
            scheduling: platformScheduling,
        }, { ...waitFor, dependsOn: [gateway] });
    }
    return { gatewayUrl: gateway.url, gateway };
}

/**
 * Who may call the gateway's OpenAI-compatible API in the mesh: the ingress (the public /v1 host, and the admin UI's /v1 calls),
 * the chat UI and notebooks when they run, and the applications the stack names.
 */
export function gatewayClients(config: StackConfig): string[] {
    const hosts = config.access?.hosts ?? {};
    return [
        // The admin UI on the operators' host calls /v1 too, through the same ingress identity.
        ...(hosts.gateway || hosts.gatewayAdmin ? [INGRESS_CLIENT] : []),
        ...(config.apps.chat?.enabled ? [`${CHAT_NAMESPACE}/${CHAT_SERVICE_ACCOUNT}`] : []),
        ...(config.apps.notebooks?.enabled ? [`${NOTEBOOKS_NAMESPACE}/${NOTEBOOK_USER_ACCOUNT}`] : []),
        ...(config.inference?.gateway.clients ?? []),
    ];
}

/**
 * A short digest of the keys' values: it names the provisioning Job, so a rotated key is pushed to
 * the gateway. 32 bits of a SHA-256 over 240-bit random values reveal nothing of them.
 */
function digestOf(keys: Record<string, pulumi.Output<string>>): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.all(keys).apply((values) => keysDigest(values)));
}

function targetOf(name: string, servers: Map<string, VllmServer>, hosted: Map<string, { model: string }>, pricePerMillionTokens?: { input: number; output: number }): RouteTarget {
    const server = servers.get(name);
    if (server) {
        // Service names are known up front; the URL is plain text, so the config stays a plain document.
        return { kind: "vllm", servedName: name, url: `http://${serviceHost(`vllm-${name}`, INFERENCE_NAMESPACE)}:${VLLM_PORT}/v1`, pricePerMillionTokens };
    }
    return { kind: "hosted", model: hosted.get(name)!.model, apiKeyEnv: hostedKeyEnv(name) };
}

/** Service accounts that may reach Postgres for inference: the gateway. */
export const INFERENCE_POSTGRES_CLIENTS = [`${INFERENCE_NAMESPACE}/${GATEWAY_SERVICE_ACCOUNT}`];
