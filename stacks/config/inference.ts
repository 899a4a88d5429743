import { z } from "zod";
import { GPU_COMPUTE_CAPABILITY } from "../../components/aws/instance-types";
import { kvBytesPerToken, modelShape } from "../../components/inference/model-shapes";
import { checkpointGib, CPU_RUNTIME_GIB, DTYPES, gib, GPU_HOST_MEMORY_FLOOR_GIB, MIN_KV_CACHE_GIB, QUANTIZATIONS, weightsGib } from "../../components/inference/model-memory";
import { PLACEMENTS } from "../../components/placement";
import { GuardrailChoice } from "../../components/inference/request-policy";
import { keyAlias } from "../../components/inference/gateway-config";
import { fiveFieldCron as cron, goTimeZone } from "./schedule";
import { checkedSecret, groupName, keepsPodsOff, meshClients, noRepeats, objectItems, secretToken, SHORT_NAME, tokenProblem } from "./primitives";
import { codePoint, editDistance } from "./errors";
import { OFFLINE_PLACEHOLDER_PREFIX } from "./encrypted-values";
import { LITELLM_PROVIDERS, NOT_A_MODEL_PROVIDER, SELF_RUN_SERVERS } from "./litellm-providers";

/** The shortest context a model may be given (`maxModelLen`). */
const MIN_MODEL_LEN = 256;

/**
 * `groundwork:inference`: the models the stack serves with vLLM, the hosted models it may call,
 * the routes applications ask the gateway for, and who may spend how much.
 */

/** A Langfuse project's secret key: never the public key beside it, which starts pk-lf- (the messages never show either). */
const langfuseSecretKey = checkedSecret((text) => {
    if (text.startsWith("pk-lf-")) return "is a Langfuse public key (pk-lf-...); the secret key is the other of the project's pair, the one Langfuse shows only when the pair is made";
    // Langfuse makes secret keys as sk-lf-<uuid> (langfuse/langfuse@v3.224.1 packages/shared/src/server/auth/apiKeys.ts L22; sweep s19-25).
    const issuer = KEY_ISSUERS.find((k) => k.prefix.test(text));
    if (issuer) return `is ${issuer.kind} (by its prefix), not a Langfuse project's secret key; give the secret half of the project's key pair, which Langfuse shows once, when the pair is made (project settings, API keys)`;
    // Every one Langfuse makes starts sk-lf- (apiKeys.ts L22, above): anything else is another kind of secret (sweep s28 M6).
    if (!text.startsWith("sk-lf-") && !text.startsWith(OFFLINE_PLACEHOLDER_PREFIX) && tokenProblem(text) === undefined) return "does not start with sk- followed by lf-, as every Langfuse project's secret key does; give the secret half of the project's key pair (project settings, API keys)";
    return tokenProblem(text);
});

/** The model cache volume when cacheGbs is not set, GiB. */
const CACHE_GBS_DEFAULT = 50;

const name = z.string().regex(SHORT_NAME, { message: "must be lower-case letters, digits and '-', starting with a letter and ending with a letter or digit, at most 31 characters" });

/**
 * The entities only Presidio finds: names and places (its NLP model), IP addresses, and IBANs
 * (checksum-checked; a case-insensitive pattern, as LiteLLM's content filter runs them, matches hex
 * ids). LiteLLM's prebuilt patterns cover the rest.
 */
export const PRESIDIO_ONLY_ENTITIES: readonly string[] = ["PERSON", "LOCATION", "IP_ADDRESS", "IBAN_CODE"];

/** The entities the PII guardrail looks for when config names none. */
export function defaultPiiEntities(engine: "patterns" | "presidio"): string[] {
    return ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", ...(engine === "presidio" ? ["IBAN_CODE", "PERSON"] : [])];
}

/** The team the stack adds for the evaluation Job's key: its spend is its own, within its own budget. */
export const EVALUATIONS_TEAM = "groundwork-evaluations";
/** The evaluation Job's key in that team (its alias: keyAlias(EVALUATIONS_TEAM, EVALUATIONS_KEY)). */
export const EVALUATIONS_KEY = "job";

/** The share of GPU memory vLLM takes unless told otherwise (vllm engine/arg_utils.py `EngineArgs.gpu_memory_utilization: float = 0.90`, read in the code index 2026-11-29). */
const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/** Data classes, least to most sensitive; a route carries one, a hosted model accepts up to one. */
export const CLASSIFICATIONS = ["public", "internal", "restricted"] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/**
 * LiteLLM's budget period: a number and s, m, h, d, w or mo. Its parser reads `(\d+)(mo|[smhdw]?)`
 * and sizes each unit (litellm/litellm_core_utils/duration_parser.py `duration_in_seconds`, read in
 * the code index 2026-11-28; docs.litellm.ai/docs/proxy/team_budgets).
 */
/**
 * A LiteLLM budget period. LiteLLM reads `m` as minutes and `mo` as months
 * (BerriAI/litellm litellm/litellm_core_utils/duration_parser.py `duration_in_seconds`, read
 * 2026-11-28), so `1m` meant as a month would reset the budget every minute: a period under an hour
 * is refused, as no budget is meant that short.
 */
const period = z.string().regex(/^[1-9]\d*(mo|[smhdw])$/, { message: "must be a LiteLLM budget period such as 30d, 24h, 1w or 1mo (not zero)" })
    .refine((v) => !/^\d+[sm]$/.test(v) || (v.endsWith("m") ? Number(v.slice(0, -1)) >= 60 : Number(v.slice(0, -1)) >= 3600), {
        // The `m` aside and `<n>mo` advice only for minutes; seconds are no month typed short (sweep s29 W2).
        error: (issue) => {
            const given = String(issue.input);
            return given.endsWith("m")
                ? `resets the budget every ${given.replace(/m$/, " minute(s)")} (LiteLLM reads m as minutes); a budget period is an hour or longer: for a month write ${given.replace(/m$/, "mo")}, for a day 1d`
                : `resets the budget every ${given.replace(/s$/, " second(s)")}; a budget period is an hour or longer: for a month write 30d (or 1mo), for a day 1d`;
        },
    })
    // LiteLLM adds the period to today to date the next reset, and Python's dates end in the year
    // 9999: a longer one fails each key's and team's creation (litellm_core_utils/duration_parser.py
    // get_budget_reset_time, code index; sweep s22 M8). Ten years is longer than any budget needs.
    .refine((v) => !/^[1-9]\d*(mo|[smhdw])$/.test(v) || periodDays(v) <= 3650, { message: "is longer than ten years (3650d, 521w, 117mo): LiteLLM dates the next reset by adding the period to today, which fails past the year 9999, and no spend ceiling needs a longer period; give at most 3650d" });
/** Days a budget period lasts, its unit's length times its count (a month as 31 days). */
const PERIOD_DAYS: Record<string, number> = { s: 1 / 86400, m: 1 / 1440, h: 1 / 24, d: 1, w: 7, mo: 31 };
const periodDays = (v: string) => Number(/^\d+/.exec(v)![0]) * PERIOD_DAYS[/(mo|[smhdw])$/.exec(v)![1]];
const budget = z.number().positive();
const limits = {
    maxBudgetUsd: budget.describe("Spend ceiling per period, USD."),
    budgetDuration: period.default("30d").describe("When the spend resets (LiteLLM `budget_duration`)."),
    rpm: z.number().int().positive().describe("Requests per minute."),
    tpm: z.number().int().positive().describe("Tokens per minute."),
};

/**
 * A price per million tokens. Below a tenth of a cent per million it is a per-token price (LiteLLM's
 * own `input_cost_per_token` unit, which model cost tables list), a million times too small: every
 * budget would count the model as free. Zero is a free model, on purpose.
 */
// A negative price is min(0)'s to refuse, not this one's (sweep s25 W1).
const perMillion = z.number().min(0).refine((v) => v <= 0 || v >= 0.001, {
    error: (issue) => `is a price per token, not per million (it would count the model as free): per million tokens it is ${Number((Number(issue.input) * 1e6).toPrecision(6))}; give that, or 0 for a free model`,
});

const modelSchema = z.strictObject({
    name: name.describe("Served model name (vLLM `--served-model-name`); routes target it."),
    model: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { message: "must be a Hugging Face repository id such as Qwen/Qwen2.5-0.5B-Instruct" })
        // huggingface_hub's validate_repo_id, which vLLM's download goes through, refuses these
        // (huggingface_hub utils/_validators.py: "Repo_id cannot end by '.git'", "Cannot have -- or .. in repo_id",
        // and a name starting or ending with '-' or '.'; read in the code index 2026-11-29).
        .refine((id) => !/\.git$/.test(id), { error: (issue) => `ends in .git, which Hugging Face repository ids never do (huggingface_hub refuses it); give ${String(issue.input).replace(/\.git$/, "")}` })
        .refine((id) => !/--|\.\./.test(id), { message: "holds -- or .., which huggingface_hub refuses in a repository id" })
        .refine((id) => id.split("/").every((part) => !/^[-.]|[-.]$/.test(part)), { message: "has a part starting or ending with - or ., which huggingface_hub refuses in a repository id" })
        .describe("Hugging Face repository id."),
    revision: z.string().regex(/^[0-9a-f]{40}$/, {
        // Hugging Face names commits in lower case; the value may be hidden, so say what is wrong (sweep s33 W2).
        error: (issue) => /^[0-9A-Fa-f]{40}$/.test(String(issue.input)) ? "is a commit hash with capital letters; write it in lower case, as the model repository names its commits" : "must be a full 40-character commit hash: a branch or tag can move under a running server",
    })
        .refine((v) => !/^0{40}$/.test(v), { message: "is git's null object id, which names no commit, so the download would fail; give the commit hash from the model repository's history (sweep s22 M20)" })
        .describe("Commit of the repository (pinned)."),
    parametersBillions: z.number().positive().max(2000).describe("Model size in billions of parameters, to check it fits its memory."),
    placement: z.enum(PLACEMENTS).optional().describe("Where it runs; default `placement.inference`."),
    // vLLM refuses a tensor parallel size that does not divide the model's attention heads ("Total
    // number of attention heads (32) must be divisible by tensor parallel size (3)": vllm config.py
    // ModelConfig.verify_with_parallel_config, read in the code index 2026-11-29). The config has no
    // head count, and the open models served here have heads in powers of two times a small factor
    // (Llama 3 32 and 64, Mistral 32, Qwen2.5 28 to 64): 3, 5, 6 and 7 divide almost none.
    gpus: z.number().int().min(0).max(8).refine((n) => ![3, 5, 6, 7].includes(n), {
        error: (issue) => `is the tensor parallel size, which must divide the model's attention heads (32 for Llama 3.1 8B, 64 for 70B), and ${String(issue.input)} divides almost no open model's, so vLLM would refuse it at start; use 1, 2, 4 or 8`,
    }).default(1).describe("GPUs per replica = tensor parallel size; 0 serves on CPU. 1, 2, 4 or 8: it must divide the model's attention heads."),
    maxModelLen: z.number().int().min(MIN_MODEL_LEN).max(1_048_576).default(8192).describe("Context length (`--max-model-len`)."),
    gpuMemoryUtilization: z.number().min(0.1).max(0.98).default(DEFAULT_GPU_MEMORY_UTILIZATION).describe("Share of GPU memory vLLM may take (`--gpu-memory-utilization`)."),
    dtype: z.enum(DTYPES).default("auto").describe("Weights and activations type (`--dtype`)."),
    quantization: z.enum(QUANTIZATIONS).optional().describe("Quantisation of the checkpoint (`--quantization`)."),
    prefixCaching: z.boolean().default(true).describe("Automatic prefix caching (`--enable-prefix-caching`)."),
    // Numbers, not Kubernetes quantities (sweep s23 W2).
    // The type's own message only: a number below the minimum gets zod's, which names it (sweep s31 W1).
    cpus: z.number({ error: (issue) => (issue.code === "invalid_type" && issue.input !== undefined ? "must be a number of cores, such as 1.25 (not a Kubernetes quantity like 1250m)" : undefined) }).min(0.5).max(192).default(4).describe("CPU request per replica (cores); the CPU backend's threads."),
    memoryGbs: z.number({ error: (issue) => (issue.code === "invalid_type" && issue.input !== undefined ? "must be a number of GiB, such as 6 (not a Kubernetes quantity like 6Gi)" : undefined) }).min(1).max(2048).default(16).describe("Memory per replica (request = limit), GiB."),
    // vLLM reads VLLM_CPU_KVCACHE_SPACE with int() (vllm envs.py; platforms/cpu.py), so 2.5 stops it at start (sweep s21-21).
    kvCacheGbs: z.number().int({ message: "must be a whole number of GiB: vLLM reads VLLM_CPU_KVCACHE_SPACE as an integer and refuses 2.5 at start" }).min(1).max(512).default(4).describe("CPU backend only: KV cache space (VLLM_CPU_KVCACHE_SPACE), GiB, inside memoryGbs."),
    cacheGbs: z.number().int().min(5).max(4096).default(CACHE_GBS_DEFAULT).describe("Model cache volume (Hugging Face downloads), GB."),
    replicas: z.strictObject({
        min: z.number().int().min(0).max(32).default(1).describe("Replicas kept running; 0 lets the model (and, with an autoscaled GPU group, its node) go away outside activeHours."),
        max: z.number().int().min(1).max(32).default(1).describe("Replicas the queue may scale to."),
    }).default({ min: 1, max: 1 }).describe("Autoscaling bounds on queue depth."),
    activeHours: z.strictObject({
        timezone: goTimeZone.describe("IANA time zone, spelt as the database spells it (KEDA reads it case-sensitively)."),
        start: cron.describe("Five-field cron: when the model starts (e.g. \"0 8 * * 1-5\")."),
        end: cron.describe("Five-field cron: when it may stop (e.g. \"0 19 * * 1-5\")."),
    }).refine((hours) => hours.start !== hours.end, { path: ["end"], message: "is also activeHours.start: the window would close as it opens; give the time it may stop" }).optional().describe("When the model must be up (KEDA cron trigger); outside these hours it scales down to replicas.min."),
    pricePerMillionTokens: z.strictObject({
        input: perMillion.describe("USD per million prompt tokens."),
        output: perMillion.describe("USD per million completion tokens."),
    }).optional().describe("Internal price of this model's tokens: what budgets and Langfuse count for calls it serves (without it they cost $0)."),
    queueDepthTarget: z.number().int().min(1).max(1000).default(5).describe("Waiting requests per replica (`vllm:num_requests_waiting`) before another replica starts."),
});

/**
 * Providers the gateway cannot call with a model name and an API key alone, which is all a hosted
 * entry gives LiteLLM (components/inference/gateway-config.ts): Azure OpenAI needs its resource's
 * api_base, Vertex AI a project, a location and Google credentials, OCI Generative AI a user,
 * tenancy, fingerprint and signing key (docs.litellm.ai/docs/providers/azure and /vertex, read
 * 2026-11-28; oci's from research/review-s14.md R1), Azure AI Foundry its endpoint ("Missing Azure
 * AI API Base - Set AZURE_AI_API_BASE environment variable or pass api_base parameter", BerriAI/litellm
 * litellm/llms/azure_ai, read in the code index 2026-11-29; sweep s18 in70), Databricks its
 * workspace's serving endpoint ("Either set the DATABRICKS_API_BASE and DATABRICKS_API_KEY
 * environment variables, or install the databricks-sdk Python library", litellm/llms/databricks/common_utils.py,
 * code index; sweep s20-14).
 */
const NEEDS_MORE_THAN_A_KEY = ["azure", "azure_ai", "vertex_ai", "oci", "ollama", "ollama_chat", "databricks"];

/**
 * SageMaker signs each call with AWS credentials (`SagemakerLLM(BaseAWSLLM)._load_credentials`,
 * litellm/llms/sagemaker/completion/handler.py); watsonx refuses a call without a project or space
 * id, 401 "Watsonx project_id and space_id not set" (litellm/llms/watsonx/common_utils.py). Both
 * read in the code index 2026-11-29 (sweep s20-15). Cloudflare Workers AI needs the account id
 * beside the key, CLOUDFLARE_ACCOUNT_ID (LiteLLM's cloudflare_workers docs; sweep s21r-09).
 */
const SAGEMAKER_OR_WATSONX = ["sagemaker", "sagemaker_chat", "sagemaker_nova", "watsonx", "watsonx_text", "cloudflare"];

/** LiteLLM provider prefixes a hosted model is most often written with, to catch a misspelt one (docs.litellm.ai/docs/providers, read 2026-11-28). */
const COMMON_PROVIDERS = ["openai", "anthropic", "gemini", "mistral", "groq", "cohere", "deepseek", "xai", "openrouter", "together_ai", "fireworks_ai", "perplexity", "bedrock", "azure", "vertex_ai"];

// Messages name providers from these lists only, never the value: a key stored encrypted stays unshown.
const providerProblem = (model: string): string | undefined => {
    const provider = model.split("/")[0];
    if (NEEDS_MORE_THAN_A_KEY.includes(provider)) {
        return "names a provider LiteLLM calls only with more than an API key (azure and azure_ai: its resource's api_base; vertex_ai: a project, a location and Google credentials; oci: a user, tenancy, fingerprint and signing key; ollama: the address of an Ollama server; databricks: the workspace's serving endpoint), and a hosted model here gives it an API key alone; use a provider an API key is enough for (such as openai or anthropic), or serve the model in the cluster under inference.models";
    }
    if (SAGEMAKER_OR_WATSONX.includes(provider)) {
        return "names a provider LiteLLM calls only with more than an API key (sagemaker: AWS credentials and a region, to sign each call; watsonx: a project or space id and the region's URL; cloudflare: the account id), and a hosted model here gives it an API key alone; use a provider an API key is enough for (such as openai or anthropic), or serve the model in the cluster under inference.models";
    }
    if (SELF_RUN_SERVERS.includes(provider)) {
        return "names a server one runs oneself (hosted_vllm, openai_like, lm_studio and the like), which LiteLLM reaches at its address, and a hosted entry gives no address; serve the model in the cluster under inference.models, or name the vendor that hosts it (such as together_ai or fireworks_ai)";
    }
    if (NOT_A_MODEL_PROVIDER.includes(provider)) {
        return "names a LiteLLM integration that serves no model (a prompt store, a vector store, an agent runner or LiteLLM's router), so no chat request routed to it is answered; name the provider of a model (such as openai or anthropic)";
    }
    // One edit for short names, two for longer ones (openia): LiteLLM's real oci is two from xai
    // (LlmProviders in BerriAI/litellm litellm/types/utils.py, research/review-s14.md R1).
    const near = COMMON_PROVIDERS.find((p) => p !== provider && editDistance(p, provider) <= (Math.min(p.length, provider.length) <= 4 ? 1 : 2));
    if (near && !LITELLM_PROVIDERS.includes(provider)) return `names a provider LiteLLM does not know; did you mean ${near}?`;
    // A Hugging Face id (meta-llama/…, Qwen/…) or a vendor's own name (nvidia/…; LiteLLM's is
    // nvidia_nim): LiteLLM refuses every call with "LLM Provider NOT provided" (sweep s20-15).
    return LITELLM_PROVIDERS.includes(provider) ? undefined
        : "does not start with a provider LiteLLM knows (its LlmProviders, such as openai, anthropic, together_ai, fireworks_ai, huggingface or nvidia_nim), so LiteLLM would refuse every call with \"LLM Provider NOT provided\"; a Hugging Face id such as org/model is not a provider: put the provider that hosts it in front (together_ai/org/model), or serve it in the cluster under inference.models";
};

/**
 * Key prefixes that name the provider that issued the key, as each documents its keys: a key of one
 * provider sent to another fails every call with 401. The plain `sk-` is shared (OpenAI, DeepSeek,
 * LiteLLM's own keys) and says nothing.
 */
const KEY_ISSUERS: { prefix: RegExp; providers: string[]; kind: string }[] = [
    { prefix: /^sk-ant-/, providers: ["anthropic"], kind: "an Anthropic key" },
    { prefix: /^sk-or-/, providers: ["openrouter"], kind: "an OpenRouter key" },
    { prefix: /^sk-(proj|svcacct|admin)-/, providers: ["openai"], kind: "an OpenAI project, service-account or admin key" },
    { prefix: /^gsk_/, providers: ["groq"], kind: "a Groq key" },
    { prefix: /^xai-/, providers: ["xai"], kind: "an xAI key" },
    { prefix: /^AIza/, providers: ["gemini"], kind: "a Google API key" },
    { prefix: /^hf_/, providers: ["huggingface"], kind: "a Hugging Face token" },
    { prefix: /^pplx-/, providers: ["perplexity"], kind: "a Perplexity key" },
    // Not a model provider's: Vault's own tokens (service, batch, recovery), pasted where a key goes (sweep s28 M6).
    { prefix: /^hv[sbr]\./, providers: [], kind: "a Vault token" },
];

/**
 * The prefix every key of a provider carries, so a key without it was issued by someone else (an
 * Azure OpenAI resource key, 32 hex digits, for openai/; sweep s20-31). Only where the provider's
 * keys have no other form: OpenAI's project, service-account, admin and older user keys all start
 * `sk-` (the API keys page of platform.openai.com; its admin keys `sk-admin-`, developers.openai.com/api/reference/administration/overview,
 * read 2026-11-29), Anthropic's `sk-ant-` (the Claude Console's keys, `sk-ant-api03-…`).
 */
const PREFIX_EVERY_KEY_HAS: Record<string, { prefix: RegExp; shown: string; kind: string; otherwise: string }> = {
    openai: { prefix: /^sk-/, shown: "sk-", kind: "OpenAI", otherwise: " (32 hex digits are an Azure OpenAI resource key, which azure/ takes with its resource's api_base, not openai/)" },
    // OpenAI's completions endpoint, with an OpenAI key (LiteLLM's text_completion_openai docs; sweep s21r-08).
    "text-completion-openai": { prefix: /^sk-/, shown: "sk-", kind: "OpenAI", otherwise: " (32 hex digits are an Azure OpenAI resource key, which azure/ takes with its resource's api_base)" },
    // Written apart: the redaction of messages takes "sk-" joined to more characters for a key.
    anthropic: { prefix: /^sk-ant-/, shown: "sk- followed by ant-", kind: "Anthropic", otherwise: "" },
};

/**
 * A hosted model's key issued by another provider, as the stack file has it (parsed, keys are
 * secrets and cannot be read): the path and the problem, naming the kind of key, never the key.
 */
export function hostedKeyProviderProblems(rawInference: unknown): { path: (string | number)[]; message: string }[] {
    // The Hugging Face token given another provider's key (sweep s18 se33).
    const token = (rawInference as { huggingfaceToken?: unknown } | undefined)?.huggingfaceToken;
    const tokenIssuer = typeof token === "string" ? KEY_ISSUERS.find((k) => k.prefix.test(token)) : undefined;
    const tokenProblems = tokenIssuer && !tokenIssuer.providers.includes("huggingface")
        ? [{ path: ["inference", "huggingfaceToken"], message: `is ${tokenIssuer.kind} (by its prefix), not a Hugging Face token, which starts hf_ (huggingface.co/settings/tokens); every gated download would be refused` }]
        // Every user access token Hugging Face makes starts hf_ (huggingface.co/docs/hub/security-tokens; sweep s28 M6).
        : typeof token === "string" && token.trim() !== "" && !token.startsWith("hf_") && !token.startsWith(OFFLINE_PLACEHOLDER_PREFIX)
            ? [{ path: ["inference", "huggingfaceToken"], message: "does not start hf_, as every Hugging Face access token does (huggingface.co/settings/tokens); every gated download would be refused" }]
            : [];
    const hosted = (rawInference as { hosted?: unknown } | undefined)?.hosted;
    if (!Array.isArray(hosted)) return tokenProblems;
    return [...tokenProblems, ...hosted.flatMap((h: { model?: unknown; apiKey?: unknown }, i) => {
        // A blank key has its own message (checkedSecret); no second one about its prefix (sweep s21-45).
        if (typeof h?.model !== "string" || typeof h.apiKey !== "string" || h.apiKey.trim() === "") return [];
        const provider = h.model.split("/")[0];
        // "Admin API keys cannot be used for non-administration endpoints" (developers.openai.com/api/reference/administration/overview, read 2026-11-29; sweep s19-23).
        // Anthropic's Admin API keys likewise (sk-ant-admin01-…, docs.anthropic.com Admin API; review s21c N5).
        if (/^sk-ant-admin\d*-/.test(h.apiKey)) {
            return [{ path: ["inference", "hosted", i, "apiKey"], message: "is an Anthropic Admin API key (by its prefix), which manages the organisation and is refused by the Messages API; give an API key from the Claude Console, and keep the admin key out of the platform" }];
        }
        if (/^sk-admin-/.test(h.apiKey)) {
            return [{ path: ["inference", "hosted", i, "apiKey"], message: "is an OpenAI admin key (by its prefix), which manages the organisation and is refused by every model endpoint; give a project or service-account key (the project's API keys page), and keep the admin key out of the platform" }];
        }
        const issuer = KEY_ISSUERS.find((k) => k.prefix.test(h.apiKey as string));
        const expected = PREFIX_EVERY_KEY_HAS[provider];
        if (!issuer && expected && tokenProblem(h.apiKey) === undefined && !expected.prefix.test(h.apiKey) && !h.apiKey.startsWith(OFFLINE_PLACEHOLDER_PREFIX)) {
            return [{ path: ["inference", "hosted", i, "apiKey"], message: `does not start with ${expected.shown}, as every ${expected.kind} key does, so ${provider} would refuse every call with it${expected.otherwise}; give ${provider}'s own key` }];
        }
        if (!issuer || issuer.providers.includes(provider)) return [];
        return [{ path: ["inference", "hosted", i, "apiKey"], message: `is ${issuer.kind} (by its prefix), but inference.hosted[${i}].model calls ${provider}, which would refuse every call with it; give ${provider}'s key, or point the model at ${issuer.providers[0]}/` }];
    })];
}

const hostedSchema = z.strictObject({
    name: name.describe("Name routes target."),
    model: z.string().regex(/^[a-z0-9_-]+\/\S+$/, { message: "must be a LiteLLM provider/model such as openai/gpt-4o-mini" })
        // The provider is sent the id as written: a zero-width space or a Cyrillic letter pasted
        // into it names no model (sweep s21-10, s21-15). Model ids are printable ASCII.
        .refine((v) => /^[\x21-\x7e]+$/.test(v), { error: (issue) => `holds ${codePoint([...String(issue.input)].find((c) => c < "!" || c > "~")!)}, a character outside printable ASCII, which no model id has (a zero-width space or a look-alike letter a paste brings); type the id again` })
        .refine((v) => !/^[a-z0-9_-]+\/\S+$/.test(v) || providerProblem(v) === undefined, { error: (issue) => providerProblem(String(issue.input)) })
        // A model id is words (gpt-4o-mini, Meta-Llama-3.1-8B-Instruct-Turbo), never 32 hex digits in
        // a row: that is an API key pasted after the provider (Together AI's are 64; sweep s19-41b).
        // Replicate names a model's version by its 64-hex id after a colon, `owner/name:<version>`
        // (its model identifier, which LiteLLM's replicate/ provider passes on; read 2026-11-29; sweep s19 rerun p32).
        .refine((v) => !/[0-9a-fA-F]{32,}/.test(v.slice(v.indexOf("/") + 1).replace(/^([^:]+):[0-9a-f]{64}$/, v.startsWith("replicate/") ? "$1" : "$&")), {
            message: "holds, after the provider, a run of 32 or more hex digits, which no model id has: an API key pasted after the provider; write only provider/model, set the key as apiKey (pulumi config set --secret --path), and rotate it, since this file is committed",
        })
        // Nor one run of 24 or more letters and digits mixing cases: model ids are words joined by
        // '-', '.', ':' or '_'; Mistral's keys are 32 such characters with no prefix (sweep s22 L3).
        .refine((v) => !v.slice(v.indexOf("/") + 1).split(/[^A-Za-z0-9]+/).some((part) => part.length >= 24 && /[A-Z]/.test(part) && /[a-z]/.test(part) && /\d/.test(part)), {
            message: "holds, after the provider, one run of 24 or more letters and digits mixing upper and lower case, which no model id has (they are words joined by '-', '.' or ':'): an API key pasted after the provider; write only provider/model, set the key as apiKey (pulumi config set --secret --path), and rotate it, since this file is committed",
        })
        .describe("LiteLLM `provider/model`; the provider must take an API key alone (not azure or vertex_ai)."),
    apiKey: secretToken.describe("Provider API key (secret); stored in Vault, read by the gateway."),
    maxClassification: z.enum(["public", "internal"]).default("public").describe("Most sensitive data class this provider may receive (never restricted)."),
});

/** What a guardrail does with what it finds, least to most strict: nothing, record it on the trace, mask it, refuse the request. */
export const GUARDRAIL_MODES = ["off", "log", "mask", "block"] as const;

/**
 * Entities the PII guardrail looks for. With `engine: presidio`, Presidio 2.2.363's recognizers
 * enabled by default (microsoft/presidio@2.2.363 presidio-analyzer/presidio_analyzer/conf/
 * default_recognizers.yaml L30-378; PERSON and LOCATION from spaCy, conf/default.yaml L8-15);
 * with `engine: patterns`, the ones LiteLLM's content filter has a prebuilt pattern for.
 */
export const PII_ENTITIES = ["PERSON", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"] as const;

const guardrailsSchema = z.strictObject({
    pii: z.enum(GUARDRAIL_MODES).optional().describe("Personal data in requests: off, log (recorded on the call's trace), mask (replaced before the model sees it) or block (the request is refused)."),
    promptInjection: z.enum(["off", "log", "block"]).optional().describe("Prompt-injection phrases in requests: off, log or block."),
    responses: z.enum(["off", "mask"]).optional().describe("mask: personal data in the model's answers is masked too (the PII guardrail after the call)."),
});

/**
 * Model names LiteLLM reads as a set of models, not one (`SpecialModelNames`, litellm/proxy/_types.py,
 * code-index copies; `all-org-models` in newer releases): a route of that name in a team's or key's
 * `models` would reach more, or other, models than the route (sweep s23 M4).
 */
export const LITELLM_RESERVED_MODEL_NAMES = ["all-team-models", "all-proxy-models", "all-org-models", "no-default-models"] as const;
/** The team id LiteLLM gives its admin UI's session keys (`UI_SESSION_TOKEN_TEAM_ID`, litellm/constants.py, code index). */
export const LITELLM_UI_TEAM = "litellm-dashboard";

const routeSchema = z.strictObject({
    name: name.refine((v) => !(LITELLM_RESERVED_MODEL_NAMES as readonly string[]).includes(v), { message: `is a name LiteLLM reserves for a set of models (${LITELLM_RESERVED_MODEL_NAMES.join(", ")}): a team or key given it reaches more, or other, models than this route; choose another name` })
        .describe("Model name applications request."),
    target: name.describe("A model or hosted model that serves it."),
    fallbacks: z.array(name).superRefine(noRepeats("a fallback is tried once")).default([]).describe("Routes tried in order when the target fails."),
    contextWindowFallbacks: z.array(name).superRefine(noRepeats("LiteLLM would try one fallback twice")).default([]).describe("Routes tried when the prompt exceeds the target's context."),
    classification: z.enum(CLASSIFICATIONS).default("internal").describe("The most sensitive data this route may carry; decides where it may fall back to."),
    guardrails: guardrailsSchema.optional().describe("Guardrails on this route's requests; default: pii mask and promptInjection block on a route that can reach a hosted model (its target or a fallback), none on one that stays in the cluster. A team's own are added; the stricter mode wins."),
    cache: z.strictObject({
        ttlSeconds: z.number().int().min(1).max(604_800).describe("How long an answer is reused for the same request, seconds (at most 7 days)."),
    }).optional().describe("Exact-match response cache for this route; none: never cached. Entries are kept per team (and so per data class): one team never gets another's answer."),
});

const keySchema = z.strictObject({ name: name.describe("Key alias."), ...limits });
const teamSchema = z.strictObject({
    name: name.refine((v) => v !== LITELLM_UI_TEAM, { message: `is the team LiteLLM gives its admin UI's session keys (${LITELLM_UI_TEAM}), which it manages itself; choose another name` }).describe("Team id."),
    ...limits,
    dataClass: z.enum(CLASSIFICATIONS).default("public")
        .describe("The most sensitive data the team sends. Its keys reach only routes cleared for it (a route's classification at least as sensitive): a restricted team only routes that stay in the cluster. The gateway refuses the others at run time (the team's and keys' `models`)."),
    // An empty list is no restriction to LiteLLM: a team without models may call every one (sweep s13 ap01).
    routes: z.array(name).superRefine(noRepeats("list each route once")).refine((routes) => routes.length > 0, { message: "must name at least one route: LiteLLM reads an empty list as every route; leave routes out for every route the team's dataClass allows" }).optional().describe("Routes the team may call; default every route its dataClass allows."),
    keys: z.array(keySchema).min(1).describe("Virtual keys, each with its own budget and limits (values generated, kept in Vault)."),
    ownersGroup: groupName.optional().describe("Identity-provider group of the team's owners: with groundwork:access.sso they sign in to Vault (role team-<name>) and read only this team's keys."),
    guardrails: guardrailsSchema.default({}).describe("Guardrails on every request of this team, whatever the route; the stricter of the team's and the route's mode wins."),
    langfuseProject: z.strictObject({
        publicKey: z.string().regex(/^pk-lf-[A-Za-z0-9-]{8,}$/, { message: "must be a Langfuse project's public key (pk-lf-...)" }).describe("The project's public key."),
        secretKey: langfuseSecretKey.describe("The project's secret key (secret); kept in Vault, read by the gateway and the team's owners."),
    }).optional().describe("The team's own Langfuse project (made once in Langfuse's UI: open-source Langfuse creates projects only there), where the gateway sends the team's traces and costs. Without it they go to the platform's project, tagged with the team."),
});

export const inferenceSchema = z.strictObject({
    huggingfaceToken: secretToken.optional().describe("Hugging Face token (secret) for gated models; stored in Vault."),
    models: z.array(modelSchema).default([]).describe("Models served by vLLM in the cluster."),
    hosted: z.array(hostedSchema).default([]).describe("Hosted models the gateway may call."),
    routes: z.array(routeSchema).min(1).describe("What applications ask the gateway for."),
    teams: z.array(teamSchema).min(1).describe("Who may call the gateway, with budgets and rate limits."),
    guardrails: z.strictObject({
        engine: z.enum(["patterns", "presidio"]).default("patterns")
            .describe("What finds personal data: patterns (LiteLLM's built-in content filter: e-mail, US phone, card and US SSN patterns; no extra pods) or presidio (Microsoft Presidio's analyzer and anonymizer in the cluster, two of each: names, places and IBANs too, about 1.5 GiB per analyzer)."),
        entities: z.array(z.enum(PII_ENTITIES)).min(1).superRefine(noRepeats("list each entity once")).optional()
            .describe("The personal data the PII guardrail masks or blocks; default EMAIL_ADDRESS, PHONE_NUMBER (US formats with patterns), CREDIT_CARD and US_SSN, and IBAN_CODE and PERSON with presidio (PERSON, LOCATION, IP_ADDRESS and IBAN_CODE need engine presidio)."),
    }).default({ engine: "patterns" }).describe("How the gateway's guardrails find personal data."),
    gateway: z.strictObject({
        cache: z.enum(["memory", "valkey"]).default("memory")
            .describe("Where cached answers live: memory (each gateway replica's own, bounded; no extra pod) or valkey (one Valkey in the cluster that every replica shares, 200 MiB, least recently used out first). With valkey the replicas also count each key's requests together, so a key's rate limits hold across them (LiteLLM's proxy takes a Redis cache as its usage cache, proxy_server.py); worth it with two or more replicas even when no route caches."),
        replicas: z.number().int().min(1).max(10).default(1).describe("LiteLLM proxy replicas."),
        numRetries: z.number().int().min(0).max(10).default(2).describe("Retries on the same route before its fallbacks."),
        allowedFails: z.number().int().min(1).max(100).default(3).describe("Failures a minute before a deployment cools down."),
        cooldownSeconds: z.number().int().min(1).max(3600).default(30).describe("How long a failing deployment sits out."),
        timeoutSeconds: z.number().int().min(1).max(3600).default(300).describe("Per-call timeout."),
        clients: meshClients
            .describe("Meshed service accounts (`namespace/name`) of applications in the cluster that may call the gateway, beside the ingress and the chat UI and notebooks; others are refused."),
        evaluationBudgetUsd: z.number().positive().max(10_000).default(10)
            .describe("Monthly budget of the evaluations' own team (groundwork-evaluations), whose key the evaluation Job calls the routes with."),
        keyRotationDays: z.number().int().min(1).max(365).default(90)
            .describe("Every virtual key gets a new value at the first `pulumi up` of each period of this many days, and expires in the gateway twice this long after it was made, so a stack nobody updates stops accepting old keys."),
    }).default({ cache: "memory", replicas: 1, numRetries: 2, allowedFails: 3, cooldownSeconds: 30, timeoutSeconds: 300, clients: [], evaluationBudgetUsd: 10, keyRotationDays: 90 }).describe("The LiteLLM gateway."),
});

export type InferenceConfig = z.output<typeof inferenceSchema>;
export type ModelConfig = InferenceConfig["models"][number];
export type RouteConfig = InferenceConfig["routes"][number];

/** What the checks need to know of the nodes a placement can use. */
export interface InferenceNode {
    kind: string;
    gpus: number;
    gpuMemoryGib: number;
    /** The GPU's model (T4, A10G...), for GPU nodes. */
    gpuModel?: string;
    /** Unknown for edge machines. */
    memoryGib?: number;
    cpus?: number;
    /** Taints the config adds, which no model tolerates, and their key. */
    taints?: string[];
    taintsKey?: string;
}

interface Issue {
    path: PropertyKey[];
    message: string;
}

/** Every route reachable from `start` through fallbacks, and the first cycle found (as a path of names). */
function fallbackWalk(routes: Map<string, { fallbacks: string[] }>, start: string): { reachable: Set<string>; cycle?: string[] } {
    const reachable = new Set<string>();
    let cycle: string[] | undefined;
    const visit = (route: string, trail: string[]) => {
        for (const next of routes.get(route)?.fallbacks ?? []) {
            if (trail.includes(next)) {
                cycle ??= [...trail.slice(trail.indexOf(next)), next];
                continue;
            }
            if (!routes.has(next) || reachable.has(next)) continue;
            reachable.add(next);
            visit(next, [...trail, next]);
        }
    };
    visit(start, [start]);
    return { reachable, cycle };
}

const NO_GUARDRAILS: GuardrailChoice = { pii: "off", promptInjection: "off", responses: "off" };
const HOSTED_ROUTE_GUARDRAILS: GuardrailChoice = { pii: "mask", promptInjection: "block", responses: "off" };

/**
 * The guardrails a route or team gets: what config gives, field by field, over the default, which
 * for a route that can reach a hosted model is PII masking and prompt-injection blocking, and
 * otherwise nothing.
 */
export function guardrailsOf(given: Partial<GuardrailChoice> | undefined, reachesHosted: boolean): GuardrailChoice {
    const base = reachesHosted ? HOSTED_ROUTE_GUARDRAILS : NO_GUARDRAILS;
    return { pii: given?.pii ?? base.pii, promptInjection: given?.promptInjection ?? base.promptInjection, responses: given?.responses ?? base.responses };
}

type RouteHops = { routes: { name: string; target: string; fallbacks: string[]; contextWindowFallbacks: string[] }[] };

/** The targets a route's calls can end at: its own and, through fallbacks of either kind, every route's after it. */
function reachableTargets(route: string, inf: RouteHops): (string | undefined)[] {
    const routes = new Map(inf.routes.map((r) => [r.name, { fallbacks: [...r.fallbacks, ...r.contextWindowFallbacks] }]));
    return [route, ...fallbackWalk(routes, route).reachable].map((hop) => inf.routes.find((r) => r.name === hop)?.target);
}

/** Whether a route can send its requests to a hosted model: its target, or any route its fallbacks reach. */
export function reachesHostedModel(route: string, inf: RouteHops & { hosted: { name: string }[] }): boolean {
    return reachedHostedModels(route, inf).length > 0;
}

/** The hosted models a route's calls can reach: its target and, through fallbacks, every route's after it. */
export function reachedHostedModels<H extends { name: string }>(route: string, inf: RouteHops & { hosted: H[] }): H[] {
    const targets = new Set(reachableTargets(route, inf));
    return inf.hosted.filter((h) => targets.has(h.name));
}

/**
 * The longest context among the vLLM models a route's calls can reach: its target's and, through
 * fallbacks of either kind, every route's after it (LiteLLM tries its plain fallbacks on a context
 * error when it has no context-window ones; review s24f 9, 10). Undefined when a hosted model is
 * among them, whose context is not known here.
 */
export function longestReachableContext(route: string, inf: RouteHops & { models: { name: string; maxModelLen: number }[] }): number | undefined {
    const contexts = reachableTargets(route, inf).map((target) => inf.models.find((m) => m.name === target)?.maxModelLen);
    return contexts.some((c) => c === undefined) ? undefined : Math.max(...(contexts as number[]));
}

/** A route's classification as config gives it (default internal). */
const routeClass = (value: unknown): Classification => (typeof value === "string" && (CLASSIFICATIONS as readonly string[]).includes(value) ? value as Classification : "internal");

/** Whether a route classified `route` may carry a team's `data`: it is cleared for data at least that sensitive. */
export function mayCarry(route: Classification, data: Classification): boolean {
    return CLASSIFICATIONS.indexOf(route) >= CLASSIFICATIONS.indexOf(data);
}

/** The routes a team's keys reach: those it names, else every route cleared for its data class. */
export function teamRoutes(team: { routes?: string[]; dataClass: Classification }, routes: { name: string; classification: Classification }[]): string[] {
    return team.routes ?? routes.filter((r) => mayCarry(r.classification, team.dataClass)).map((r) => r.name);
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/**
 * Cross-field checks of `groundwork:inference`: routes and fallbacks point at things that exist,
 * no fallback chain loops, restricted data never reaches a hosted provider, keys stay inside their
 * team's budget, and every model fits the placement and memory it is given.
 */
export function inferenceIssues(inf: Record<string, unknown>, defaultPlacement: string, nodes: InferenceNode[]): Issue[] {
    const issues: Issue[] = [];
    const models = objectItems(inf.models);
    const hosted = objectItems(inf.hosted);
    const routes = objectItems(inf.routes);
    const teams = objectItems(inf.teams);

    // Names become resource names, route targets, Vault paths and key aliases: each once.
    issues.push(...duplicateNames(models, ["inference", "models"], "model"));
    issues.push(...duplicateNames(hosted, ["inference", "hosted"], "hosted model"));
    issues.push(...duplicateNames(routes, ["inference", "routes"], "route"));
    issues.push(...duplicateNames(teams, ["inference", "teams"], "team"));
    // Every repository of Meta's Llama organisation on Hugging Face is gated: an account accepts the
    // licence, then downloads with its token ("You need to agree to share your contact information
    // to access this model", huggingface.co/meta-llama/Meta-Llama-3.1-8B, read 2026-11-28).
    if (inf.huggingfaceToken === undefined) {
        for (const [, i] of models.filter(([m]) => typeof m.model === "string" && m.model.toLowerCase().startsWith("meta-llama/"))) {
            issues.push({ path: ["inference", "models", i, "model"], message: `is a gated Meta Llama repository, which Hugging Face serves only to an account that accepted its licence, with that account's token, but inference.huggingfaceToken is not set; set it (secret), or serve an ungated model` });
        }
    }
    const modelNames = new Set(models.map(([m]) => m.name));
    for (const [h, i] of hosted) {
        if (modelNames.has(h.name)) issues.push({ path: ["inference", "hosted", i, "name"], message: `is also a model's name; a route's target must name one thing` });
    }
    // The gateway's model list is its routes' targets: a model or hosted model no route targets is
    // never called, a vLLM server that holds its GPU or cores for nothing or a provider key asked for
    // nothing (sweep s22 M19, W1).
    const routeTargets = new Set(routes.map(([r]) => r.target));
    if (routes.length > 0) {
        for (const [m, i] of models.filter(([m]) => typeof m.name === "string" && !routeTargets.has(m.name))) {
            issues.push({ path: ["inference", "models", i, "name"], message: `is no route's target, so the gateway never sends it a request and its server would hold its ${m.gpus === 0 ? "cores and memory" : "GPU"} for nothing; add a route with target: ${String(m.name)}, or remove the model` });
        }
        for (const [h, i] of hosted.filter(([h]) => typeof h.name === "string" && !routeTargets.has(h.name))) {
            issues.push({ path: ["inference", "hosted", i, "name"], message: `is no route's target, so the gateway never calls it and its apiKey is stored for nothing; add a route with target: ${String(h.name)}, or remove it and its key` });
        }
    }
    const aliases = new Map<string, string>();
    for (const [t, i] of teams) {
        issues.push(...duplicateNames(objectItems(t.keys), ["inference", "teams", i, "keys"], `key of team ${String(t.name)}`));
        for (const [k, j] of objectItems(t.keys)) {
            const alias = keyAlias(String(t.name), String(k.name));
            const other = aliases.get(alias);
            if (other !== undefined && other !== `${i}/${String(k.name)}`) {
                issues.push({ path: ["inference", "teams", i, "keys", j, "name"], message: `makes the key alias ${alias}, which another team's key already has (aliases are <team>-<key>); rename one` });
            }
            aliases.set(alias, `${i}/${String(k.name)}`);
            // The evaluation Job's own key (sweep s18 in66).
            if (alias === keyAlias(EVALUATIONS_TEAM, EVALUATIONS_KEY)) {
                issues.push({ path: ["inference", "teams", i, "keys", j, "name"], message: `makes the key alias ${alias}, the evaluation Job's own key in the team the stack makes (aliases are <team>-<key>); rename the team or the key` });
            }
        }
    }
    const targets = new Map<string, "model" | "hosted">([
        ...models.map(([m]) => [String(m.name), "model"] as const),
        ...hosted.map(([h]) => [String(h.name), "hosted"] as const),
    ]);
    const routeMap = new Map(routes.map(([r]) => [String(r.name), { fallbacks: [...strings(r.fallbacks), ...strings(r.contextWindowFallbacks)] }]));
    const hostedClass = new Map(hosted.map(([h]) => [String(h.name), typeof h.maxClassification === "string" ? h.maxClassification : "public"]));
    const routeByName = new Map(routes.map(([r]) => [String(r.name), r]));
    const names = [...routeMap.keys()].join(", ");

    for (const [r, i] of routes) {
        if (typeof r.target === "string" && !targets.has(r.target)) {
            issues.push({ path: ["inference", "routes", i, "target"], message: `names ${r.target}, which is neither a model nor a hosted model; known: ${[...targets.keys()].join(", ") || "none"}` });
        }
        for (const key of ["fallbacks", "contextWindowFallbacks"] as const) {
            strings(r[key]).forEach((f, j) => {
                if (!routeMap.has(f)) {
                    issues.push({ path: ["inference", "routes", i, key, j], message: `names ${f}, which is not a route; fallbacks are routes: ${names}` });
                } else if (f === r.name) {
                    issues.push({ path: ["inference", "routes", i, key, j], message: `makes ${f} fall back to itself; retries on the same route are gateway.numRetries` });
                } else if (typeof r.target === "string" && routeByName.get(f)?.target === r.target) {
                    // Another route to the same model: the fallback re-sends to what just failed (sweep s18 in71).
                    issues.push({ path: ["inference", "routes", i, key, j], message: `names route ${f}, which sends to ${r.target} too, the target that just failed (or whose context window was too small); fall back to a route with another target, or raise gateway.numRetries` });
                }
            });
        }
        const walk = fallbackWalk(routeMap, String(r.name));
        if (walk.cycle && walk.cycle[0] === r.name && walk.cycle.length > 2) {
            issues.push({ path: ["inference", "routes", i, "fallbacks"], message: `form a cycle ${walk.cycle.join(" → ")}; a fallback chain must end` });
        }
        // Data goes wherever the chain goes: every hop must accept this route's classification.
        const level = CLASSIFICATIONS.indexOf((typeof r.classification === "string" ? r.classification : "internal") as Classification);
        for (const hop of [String(r.name), ...walk.reachable]) {
            const target = routeByName.get(hop)?.target;
            if (typeof target !== "string" || targets.get(target) !== "hosted") continue;
            const allowed = CLASSIFICATIONS.indexOf(hostedClass.get(target) as Classification);
            if (level > allowed) {
                const via = hop === r.name ? "" : ` through its fallback ${hop}`;
                issues.push({ path: ["inference", "routes", i, "classification"], message: `is ${CLASSIFICATIONS[level]}, but the route reaches hosted model ${target}${via}, which may receive ${CLASSIFICATIONS[allowed]} data at most; keep ${CLASSIFICATIONS[level]} routes on models in the cluster` });
            }
        }
        // Personal data leaves the cluster only masked or refused: what the ai-use pack's
        // hosted-route-guardrail enforces on the rendered gateway, said here on the key written.
        const pii = isRecord(r.guardrails) ? r.guardrails.pii : undefined;
        const hostedHop = [String(r.name), ...walk.reachable].find((hop) => targets.get(String(routeByName.get(hop)?.target)) === "hosted");
        if (hostedHop !== undefined && (pii === "off" || pii === "log")) {
            const via = hostedHop === r.name ? "" : ` through its fallback ${hostedHop}`;
            issues.push({ path: ["inference", "routes", i, "guardrails", "pii"], message: `is ${pii}, but the route reaches hosted model ${String(routeByName.get(hostedHop)!.target)}${via}, and personal data leaves the cluster only masked or refused (the ai-use pack's hosted-route-guardrail); set mask or block, or leave it out for mask` });
        }
    }

    // A context-window fallback only helps if it takes a longer prompt than the route it relieves.
    const windowOf = (route: string): number | undefined => {
        const target = routeByName.get(route)?.target;
        const model = models.find(([m]) => m.name === target)?.[0];
        return model ? (typeof model.maxModelLen === "number" ? model.maxModelLen : 8192) : undefined;
    };
    for (const [r, i] of routes) {
        const own = windowOf(String(r.name));
        strings(r.contextWindowFallbacks).forEach((f, j) => {
            const theirs = windowOf(f);
            if (own !== undefined && theirs !== undefined && theirs <= own) {
                issues.push({ path: ["inference", "routes", i, "contextWindowFallbacks", j], message: `names ${f}, whose model takes ${theirs} tokens, no more than ${String(r.name)}'s ${own}: a prompt too long for one is too long for the other; fall back to a route with a longer maxModelLen` });
            }
        });
    }

    const classOf = (route: string) => routeClass(routeByName.get(route)?.classification);
    for (const [t, i] of teams) {
        if (t.name === EVALUATIONS_TEAM) issues.push({ path: ["inference", "teams", i, "name"], message: `is ${EVALUATIONS_TEAM}, the team the stack makes for its evaluations; choose another name` });
        const teamClass = typeof t.dataClass === "string" && (CLASSIFICATIONS as readonly string[]).includes(t.dataClass) ? t.dataClass as Classification : "public";
        strings(t.routes).forEach((route, j) => {
            if (!routeMap.has(route)) issues.push({ path: ["inference", "teams", i, "routes", j], message: `names ${route}, which is not a route; routes: ${names}` });
            else if (!mayCarry(classOf(route), teamClass)) {
                issues.push({ path: ["inference", "teams", i, "routes", j], message: `names ${route}, a ${classOf(route)} route, but team ${String(t.name)} sends ${teamClass} data: name only routes classified ${CLASSIFICATIONS.slice(CLASSIFICATIONS.indexOf(teamClass)).join(" or ")}, or lower the team's dataClass` });
            }
        });
        if (t.routes === undefined && routes.length > 0 && !routes.some(([r]) => mayCarry(routeClass(r.classification), teamClass))) {
            issues.push({ path: ["inference", "teams", i, "dataClass"], message: `is ${teamClass}, but no route is classified ${CLASSIFICATIONS.slice(CLASSIFICATIONS.indexOf(teamClass)).join(" or ")}: the team could call nothing; add such a route (on a model in the cluster for restricted data)` });
        }
        const project = isRecord(t.langfuseProject) ? t.langfuseProject.publicKey : undefined;
        const sharer = teams.find(([o, j]) => j < i && isRecord(o.langfuseProject) && o.langfuseProject.publicKey === project);
        if (typeof project === "string" && sharer) {
            issues.push({ path: ["inference", "teams", i, "langfuseProject", "publicKey"], message: `is team ${String(sharer[0].name)}'s project too; each team gets its own project, or its traces are another team's to read` });
        }
        for (const [k, j] of objectItems(t.keys)) {
            // Only against a team's limit that is valid itself: else the advice would be a refused value (sweep s31 W2).
            if (typeof k.maxBudgetUsd === "number" && typeof t.maxBudgetUsd === "number" && t.maxBudgetUsd > 0 && k.maxBudgetUsd > t.maxBudgetUsd) {
                issues.push({ path: ["inference", "teams", i, "keys", j, "maxBudgetUsd"], message: `exceeds team ${String(t.name)}'s maxBudgetUsd ${t.maxBudgetUsd}; a key draws on its team's budget` });
            }
            // LiteLLM holds a key to its team's limits too: a higher one only misleads whoever reads the config.
            for (const limit of ["rpm", "tpm"] as const) {
                if (typeof k[limit] === "number" && typeof t[limit] === "number" && t[limit] > 0 && k[limit] > t[limit]) {
                    issues.push({ path: ["inference", "teams", i, "keys", j, limit], message: `exceeds team ${String(t.name)}'s ${limit} ${t[limit]}; the team's limit caps its keys, so give the key at most that` });
                }
            }
        }
    }

    const guardrails = isRecord(inf.guardrails) ? inf.guardrails : {};
    if ((guardrails.engine ?? "patterns") === "patterns") {
        strings(guardrails.entities).forEach((entity, i) => {
            if (PRESIDIO_ONLY_ENTITIES.includes(entity)) {
                issues.push({ path: ["inference", "guardrails", "entities", i], message: `is found only by Presidio (patterns cannot tell a name, a place or an address from other text); set guardrails.engine: presidio, or remove ${entity}` });
            }
        });
    }

    for (const [m, i] of models) {
        issues.push(...modelIssues(m, i, defaultPlacement, nodes));
    }
    issues.push(...gpuMinimumProblems(models, defaultPlacement, nodes));
    return issues;
}

/**
 * The GPU models' minimum replicas together, each replica on one node with whole GPUs (a pod asks
 * for `nvidia.com/gpu`, which Kubernetes never splits): placed largest first on the GPU nodes the
 * stack can have at once (an autoscaled group at its max). A replica that finds no room would stay
 * Pending for good; each model is checked alone elsewhere, this checks them together.
 */
function gpuMinimumProblems(models: [Record<string, unknown>, number][], defaultPlacement: string, nodes: InferenceNode[]): Issue[] {
    const free = nodes.filter((n) => n.kind === "gpu" && n.gpus > 0).map((n) => n.gpus);
    const replicas = models.flatMap(([m, i]) => {
        const placement = typeof m.placement === "string" ? m.placement : defaultPlacement;
        const gpus = typeof m.gpus === "number" ? m.gpus : 1;
        const min = isRecord(m.replicas) && typeof m.replicas.min === "number" ? m.replicas.min : 1;
        // A model whose own minimum the nodes cannot hold is reported alone (modelIssues).
        const alone = free.reduce((sum, f) => sum + Math.floor(f / Math.max(gpus, 1)), 0);
        return placement === "gpu" && gpus > 0 && min <= alone ? Array.from({ length: min }, () => ({ i, gpus, name: String(m.name) })) : [];
    }).sort((a, b) => b.gpus - a.gpus);
    const needed = replicas.reduce((sum, r) => sum + r.gpus, 0);
    const unplaced = new Map<number, string>();
    for (const r of replicas) {
        const node = free.map((f, k) => [f, k]).filter(([f]) => f >= r.gpus).sort((a, b) => a[0] - b[0])[0];
        if (node) free[node[1]] -= r.gpus;
        else unplaced.set(r.i, r.name);
    }
    const total = nodes.filter((n) => n.kind === "gpu").reduce((sum, n) => sum + n.gpus, 0);
    return [...unplaced].map(([i, name]) => ({
        path: ["inference", "models", i, "replicas", "min"],
        message: `leaves ${name} a replica with no GPU to run on: the GPU models' minimum replicas need ${needed} GPU(s) at once, whole GPUs on one node each, and the stack's GPU nodes hold ${total} at most; lower replicas.min (0 with activeHours), or add GPU nodes (aws.gpuNodeGroups)`,
    }));
}

/** One issue per item whose `name` an earlier item already has. */
function duplicateNames(items: [Record<string, unknown>, number][], path: PropertyKey[], what: string): Issue[] {
    const first = new Map<unknown, number>();
    const issues: Issue[] = [];
    for (const [item, i] of items) {
        if (typeof item.name !== "string") continue;
        const earlier = first.get(item.name);
        if (earlier !== undefined) {
            issues.push({ path: [...path, i, "name"], message: `is already the name of ${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").slice(1)}[${earlier}]; each ${what} needs its own name` });
        } else {
            first.set(item.name, i);
        }
    }
    return issues;
}

/**
 * The parameter count a Hugging Face model id states, in billions: the last `<n>B` or `<n>b`
 * standing alone in its name (`-70B-`, `_8b`, `0.5B`), not a mixture's `8x7B`, whose total is not
 * its product. Undefined when the name states none.
 */
export function sizeInName(model: string): number | undefined {
    const name = model.split("/").pop() ?? model;
    const sizes = [...name.matchAll(/(?:^|[-_.])(\d+(?:\.\d+)?)[bB](?=$|[-_.])/g)].filter((m) => !/\dx$/i.test(name.slice(0, m.index + m[0].indexOf(m[1]))));
    return sizes.length > 0 ? Number(sizes[sizes.length - 1][1]) : undefined;
}

function modelIssues(m: Record<string, unknown>, i: number, defaultPlacement: string, nodes: InferenceNode[]): Issue[] {
    const at = (...p: PropertyKey[]) => ["inference", "models", i, ...p];
    const placement = typeof m.placement === "string" ? m.placement : defaultPlacement;
    const gpus = typeof m.gpus === "number" ? m.gpus : 1;
    const dtype = (typeof m.dtype === "string" ? m.dtype : "auto") as (typeof DTYPES)[number];
    const quantization = typeof m.quantization === "string" ? (m.quantization as (typeof QUANTIZATIONS)[number]) : undefined;
    const weights = typeof m.parametersBillions === "number" ? weightsGib(m.parametersBillions, dtype, quantization) : undefined;
    const issues: Issue[] = [];
    const replicas = isRecord(m.replicas) ? m.replicas : {};
    if (replicas.min === 0 && m.activeHours === undefined) {
        issues.push({ path: at("replicas", "min"), message: `leaves no replica with no activeHours: nothing would ever start ${String(m.name)} (its queue metric disappears with its last replica); set activeHours, or min: 1` });
    }
    // The cron trigger asks for max(1, min) replicas in the hours, and outside them the model keeps
    // min (components/inference/vllm-server.ts): with min 1 or more the hours change nothing (sweep s18 in68).
    const min = typeof replicas.min === "number" ? replicas.min : 1;
    if (m.activeHours !== undefined && min >= 1) {
        issues.push({ path: at("activeHours"), message: `does nothing with replicas.min ${min}: outside the hours ${String(m.name)} keeps replicas.min, and in them the hours ask for no more; set replicas.min: 0 to stop it outside them, or remove activeHours` });
    }
    if (typeof replicas.min === "number" && typeof replicas.max === "number" && replicas.max < replicas.min) {
        issues.push({ path: at("replicas", "max"), message: `is below replicas.min ${replicas.min}` });
    }
    // Every quantization vLLM offers here takes float16 or bfloat16 activations on CPU (on a GPU, AWQ's
    // and GPTQ's own kernels float16 only: below), and its config
    // refuses any other dtype at start: "<dtype> is not supported for quantization method <m>"
    // (vllm-project/vllm vllm/config/vllm.py VllmConfig._get_quantization_config, with
    // get_supported_act_dtypes() of Fp8Config [bfloat16, half] and of the CPU AWQ/GPTQ configs
    // [half, bfloat16], cpu_wna16.py). Read in the code index's stored versions, read 2026-11-28
    // (research/vllm-v0.28-inputs.md); the v0.28.0 tree itself was too large to fetch.
    if (quantization !== undefined && dtype === "float32") {
        issues.push({ path: at("dtype"), message: `cannot run quantization ${quantization}: vLLM's ${quantization} layers take float16 or bfloat16 activations and refuse float32 at start; set dtype: float16 (or auto), or drop the quantization` });
    }
    // On a GPU, `--quantization awq` or `gptq` named explicitly keeps vLLM on those methods' own
    // kernels, not the Marlin ones it picks for the checkpoint by itself; their configs take float16
    // activations only (get_supported_act_dtypes() [torch.half] in awq.py and gptq.py, read in stored
    // copies of vllm-project/vllm and its forks 2026-11-29, not at v0.28.0): bfloat16 is refused at
    // start (sweep s25 M1; review s24d F5). The CPU configs above take both.
    if (gpus > 0 && (quantization === "awq" || quantization === "gptq") && dtype === "bfloat16") {
        issues.push({ path: at("dtype"), message: `is bfloat16, but on a GPU vLLM's own ${quantization} kernel, which quantization: ${quantization} selects, takes float16 activations only and refuses bfloat16 at start; set dtype: float16, or remove quantization so that vLLM reads the method from the checkpoint and picks its Marlin kernel, which takes bfloat16` });
    }
    // A checkpoint quantised by its publisher says so in its name (Qwen2.5-7B-Instruct-AWQ), and vLLM
    // reads the method from its config.json without `quantization` (sweep s19-20).
    const quantisedByName = typeof m.model === "string" ? /(^|[-_.])(awq|gptq|fp8)([-_.]|$)/i.exec(m.model.split("/").pop() ?? "")?.[2].toLowerCase() : undefined;
    if (quantization === undefined && quantisedByName !== undefined && dtype === "float32") {
        issues.push({ path: at("dtype"), message: `is float32, but ${String(m.model)} is quantised with ${quantisedByName.toUpperCase()} by its name, a method vLLM reads from its config, and its layers take float16 or bfloat16 activations and refuse float32 at start; set dtype: float16 (or auto)` });
    }
    // vLLM takes a method other than the checkpoint's for a mismatch ("Quantization method specified in
    // the model config (awq) does not match ... (gptq)", vllm/config/model.py _verify_quantization), and
    // AWQ or GPTQ on a dense checkpoint finds no quantisation config ("Cannot find the config file for
    // awq", model_loader/weight_utils.py get_quant_config); fp8 alone quantises dense weights as they
    // load (sweep s23 M1, M2). Without the setting, vLLM reads a quantised checkpoint's method itself.
    if (typeof m.model === "string" && quantization !== undefined && quantisedByName !== undefined && quantization !== quantisedByName) {
        issues.push({ path: at("quantization"), message: `is ${quantization}, but ${m.model} is quantised with ${quantisedByName.toUpperCase()} by its name, and vLLM refuses a method other than the checkpoint's at start; remove quantization (vLLM reads it from the checkpoint)` });
    } else if (typeof m.model === "string" && (quantization === "awq" || quantization === "gptq") && quantisedByName === undefined
        // Anywhere in the name (`...-gptqmodel-4bit`): only a name that never mentions the method is refused (review s23b F6).
        && !new RegExp(quantization, "i").test(m.model.split("/").pop() ?? "")) {
        issues.push({ path: at("quantization"), message: `is ${quantization}, but ${m.model} is not a ${quantization.toUpperCase()} checkpoint by its name, and vLLM loads ${quantization.toUpperCase()} weights only from a checkpoint quantised with it ("Cannot find the config file for ${quantization}" at start); serve its -${quantization.toUpperCase()} variant (Qwen/Qwen2.5-7B-Instruct-AWQ), or use fp8, which quantises as it loads` });
    }
    // A size in the model's own name (Llama-3.1-70B-Instruct, Qwen2.5-0.5B) that parametersBillions
    // contradicts by more than half: every memory check below would be made for the wrong model.
    const named = typeof m.model === "string" ? sizeInName(m.model) : undefined;
    if (named !== undefined && typeof m.parametersBillions === "number" && (m.parametersBillions < named / 2 || m.parametersBillions > named * 2)) {
        issues.push({ path: at("parametersBillions"), message: `is ${m.parametersBillions}, but the model's name says ${named}B parameters, and every memory check is made from this number; set parametersBillions: ${named}` });
    }
    // Two settings vLLM refuses at start, for the models whose shape is on record (model-shapes.ts):
    // heads a tensor parallel size does not divide (sweep s20-13), and a CPU KV cache one sequence of
    // maxModelLen does not fit in (sweep s21-22).
    const shape = typeof m.model === "string" ? modelShape(m.model) : undefined;
    if (shape && gpus > 1 && shape.attentionHeads % gpus !== 0) {
        const fits = [1, 2, 4, 8].filter((n) => n < gpus && shape.attentionHeads % n === 0);
        issues.push({ path: at("gpus"), message: `is the tensor parallel size, but ${String(m.model)} has ${shape.attentionHeads} attention heads, which ${gpus} does not divide, so vLLM refuses to start; use ${fits.join(" or ")} GPUs per replica` });
    }
    const maxModelLen = typeof m.maxModelLen === "number" ? m.maxModelLen : 8192;
    if (shape?.maxPositionEmbeddings !== undefined && maxModelLen > shape.maxPositionEmbeddings) {
        issues.push({ path: at("maxModelLen"), message: `is more than the ${shape.maxPositionEmbeddings} positions ${String(m.model)} was trained for (max_position_embeddings in its config.json), and vLLM refuses a longer max_model_len at start; give at most ${shape.maxPositionEmbeddings}` });
    }
    if (shape && gpus === 0 && typeof m.kvCacheGbs === "number" && m.kvCacheGbs >= 1) {
        const perToken = kvBytesPerToken(shape, dtype === "float32" ? 4 : 2);
        const tokens = Math.floor((m.kvCacheGbs * 2 ** 30) / perToken);
        if (tokens < maxModelLen) {
            const shorter = tokens >= MIN_MODEL_LEN ? `, or a maxModelLen of at most ${tokens}` : "";
            issues.push({ path: at("kvCacheGbs"), message: `holds about ${tokens} tokens of ${String(m.model)} (${dtype}: ${perToken} bytes a token), but maxModelLen is ${maxModelLen} and vLLM starts only when one whole sequence fits; give kvCacheGbs ${Math.ceil((maxModelLen * perToken) / 2 ** 30)} or more${shorter}` });
        }
    }
    // vLLM downloads the checkpoint into the cache volume before it loads a byte of it.
    if (typeof m.parametersBillions === "number") {
        const checkpoint = checkpointGib(m.parametersBillions, quantization);
        const cacheGbs = typeof m.cacheGbs === "number" ? m.cacheGbs : CACHE_GBS_DEFAULT; // (defaults applied: a model without it shows "is not set")
        if (cacheGbs < checkpoint) {
            issues.push({ path: at("cacheGbs"), message: `gives ${String(m.name)}'s download cache ${cacheGbs} GiB, but its checkpoint of ${m.parametersBillions}B parameters${quantization ? ` (${quantization})` : " at 16 bits"} is about ${gib(checkpoint)}, so the download would fill the volume and vLLM never start; ask for ${Math.ceil(checkpoint * 1.1)} or more${quantization ? "" : ", or set quantization if the checkpoint is quantized"}` });
        }
    }
    if (gpus > 0 && placement !== "gpu") {
        issues.push({ path: at("gpus"), message: `asks for ${gpus} GPU(s), but ${String(m.name)} is placed on ${placement} nodes, which have none; set placement: gpu, or gpus: 0 to serve on CPU` });
        return issues;
    }
    const candidates = nodes.filter((n) => (placement === "any" ? n.kind === "arm" || n.kind === "x86" : n.kind === placement) && n.gpus >= gpus);
    const where = m.placement !== undefined ? at("placement") : at("name");
    if (candidates.length === 0 && placement !== "gpu") {
        const kinds = [...new Set(nodes.map((n) => n.kind))].join(", ") || "none";
        issues.push({ path: where, message: `places ${String(m.name)} on ${placement} nodes, but this stack has none (node kinds: ${kinds}); set its placement to one of those` });
        return issues;
    }
    // A model tolerates the GPU and edge taints its placement puts on those nodes, none of the
    // config's own: with one on every node it may use, no replica is ever scheduled (sweep s22 W2).
    const blocking = (n: InferenceNode) => (n.taints ?? []).find(keepsPodsOff);
    if (candidates.length > 0 && candidates.every(blocking)) {
        const first = candidates[0];
        issues.push({ path: where, message: `places ${String(m.name)} on ${placement} nodes, but every one of them has a taint of the config's own (${first.taintsKey ?? first.kind}: ${blocking(first)}), which models do not tolerate, so no replica would be scheduled; keep one such node free of it, or place the model elsewhere` });
        return issues;
    }
    // A replica runs on one node: its requests must fit the largest node it may land on.
    const cpus = typeof m.cpus === "number" ? m.cpus : undefined;
    const mostCpus = Math.max(0, ...candidates.map((n) => n.cpus ?? Infinity));
    if (cpus !== undefined && candidates.length > 0 && cpus > mostCpus) {
        issues.push({ path: at("cpus"), message: `is more than the largest ${placement} node has (${mostCpus} cores); a replica must fit on one node: ask for at most ${mostCpus}` });
    }
    if (gpus > 0) {
        const mostMemory = Math.max(0, ...candidates.map((n) => n.memoryGib ?? Infinity));
        const memoryGbs = typeof m.memoryGbs === "number" ? m.memoryGbs : undefined;
        if (memoryGbs !== undefined && candidates.length > 0 && memoryGbs > mostMemory) {
            issues.push({ path: at("memoryGbs"), message: `GiB is more memory than the largest GPU node with ${gpus} GPU(s) has (${mostMemory} GiB); a replica must fit on one node: ask for at most ${mostMemory}` });
        }
    }
    if (gpus > 0) {
        const gpuNodes = nodes.filter((n) => n.kind === "gpu");
        const most = Math.max(0, ...gpuNodes.map((n) => n.gpus));
        if (gpuNodes.length === 0) {
            issues.push({ path: where, message: `places ${String(m.name)} on gpu nodes, but this stack has none (node kinds: ${[...new Set(nodes.map((n) => n.kind))].join(", ") || "none"}); add an aws.gpuNodeGroups entry, or serve it on CPU (gpus: 0 and an arm or x86 placement)` });
            return issues;
        }
        if (gpus > most) {
            issues.push({ path: at("gpus"), message: `sets tensor parallel size ${gpus}, but the largest GPU node of this stack has ${most} GPU(s); tensor parallelism stays inside one node: use at most ${most}, or a larger instance type` });
            return issues;
        }
        const fit = gpuNodes.filter((n) => n.gpus >= gpus);
        // Each replica takes `gpus` GPUs of one node; the GPU nodes counted at their groups' largest size.
        const placeable = fit.reduce((sum, n) => sum + Math.floor(n.gpus / gpus), 0);
        for (const bound of ["min", "max"] as const) {
            const wanted = replicas[bound];
            if (typeof wanted === "number" && wanted > placeable) {
                issues.push({ path: at("replicas", bound), message: `is more than the stack's GPU nodes, at their groups' largest size, hold ${placeable} replica(s) of ${gpus} GPU(s); the rest would wait unscheduled forever: ask for at most ${placeable}, or add GPU nodes (aws.gpuNodeGroups count or autoscaling.max)` });
            }
        }
        // vLLM checks the GPU at start: "Bfloat16 is only supported on GPUs with compute capability of
        // at least 8.0" (vllm v1/worker/gpu_worker.py _check_if_gpu_supports_dtype, read in the code
        // index 2026-11-28). `auto` takes float16 there instead; an explicit bfloat16 does not.
        const preAmpere = [...new Set(fit.map((n) => n.gpuModel).filter((g): g is string => g !== undefined && (GPU_COMPUTE_CAPABILITY[g] ?? 8) < 8))];
        if (dtype === "bfloat16" && preAmpere.length > 0) {
            issues.push({ path: at("dtype"), message: `is bfloat16, but ${String(m.name)} may run on ${preAmpere.join(", ")} GPUs (compute capability ${preAmpere.map((g) => GPU_COMPUTE_CAPABILITY[g]).join(", ")}), where vLLM refuses bfloat16 at start (it needs 8.0); set dtype: float16 (or auto), or GPU nodes of Ampere or newer` });
        }
        // FP8 weights need Ampere or newer: vLLM checks each quantization's minimum compute capability
        // at start ("The quantization method fp8 is not supported for the current GPU. Minimum
        // capability: …"; Fp8Config.get_min_capability is 80, or 89 in older releases, code index).
        if (quantization === "fp8" && preAmpere.length > 0) {
            issues.push({ path: at("quantization"), message: `is fp8, but ${String(m.name)} may run on ${preAmpere.join(", ")} GPUs (compute capability ${preAmpere.map((g) => GPU_COMPUTE_CAPABILITY[g]).join(", ")}), where vLLM refuses fp8 at start (it needs 8.0 or more); use awq or gptq there, or GPU nodes of Ampere or newer` });
        }
        // Host memory too: the same torch-importing processes as on CPU, and the CUDA context and
        // pinned buffers the checkpoint passes through on its way to the GPU (sweep s21-24, reasoned).
        if (typeof m.memoryGbs === "number" && m.memoryGbs < GPU_HOST_MEMORY_FLOOR_GIB) {
            issues.push({ path: at("memoryGbs"), message: `is host memory, and vLLM's server and engine processes take about ${CPU_RUNTIME_GIB} GiB of it before any weight, with the CUDA context and the buffers the checkpoint passes through on top, so the pod would be killed as it starts; give at least ${GPU_HOST_MEMORY_FLOOR_GIB}` });
        }
        const perGpu = Math.max(...fit.map((n) => n.gpuMemoryGib));
        const share = typeof m.gpuMemoryUtilization === "number" ? m.gpuMemoryUtilization : DEFAULT_GPU_MEMORY_UTILIZATION;
        const memory = perGpu * gpus * share;
        const needed = weights === undefined ? undefined : weights + MIN_KV_CACHE_GIB;
        // What is left for the KV cache once the weights are in must hold one whole sequence of
        // maxModelLen, as vLLM checks at start (check_enough_kv_cache_memory; model-shapes.ts). Its
        // activations take some too, so this refuses only what cannot start (sweep s22 M1).
        if (shape && weights !== undefined && needed !== undefined && needed <= memory) {
            const perToken = kvBytesPerToken(shape, dtype === "float32" ? 4 : 2);
            const tokens = Math.floor(((memory - weights) * 2 ** 30) / perToken);
            if (tokens < maxModelLen) {
                issues.push({ path: at("maxModelLen"), message: `is ${maxModelLen} tokens, but after about ${gib(weights)} of weights the ${gpus} GPU(s) × ${gib(memory / gpus)} usable hold about ${tokens} tokens of ${String(m.model)}'s KV cache (${perToken} bytes a token), and vLLM starts only when one whole sequence fits; ${tokens >= MIN_MODEL_LEN ? `give a maxModelLen of at most ${tokens}, more GPUs, or a quantization` : "give more GPUs, or a quantization"}` });
            }
        }
        if (needed !== undefined && needed > memory) {
            // The share is what moved when the model would fit at the default: say so on that key (sweep s16 in51).
            if (share < DEFAULT_GPU_MEMORY_UTILIZATION && needed <= perGpu * gpus * DEFAULT_GPU_MEMORY_UTILIZATION) {
                issues.push({ path: at("gpuMemoryUtilization"), message: `leaves vLLM ${gib(memory / gpus)} of each GPU's ${gib(perGpu)}, but ${String(m.name)} needs about ${gib(weights!)} for weights plus ${gib(MIN_KV_CACHE_GIB)} of KV cache over ${gpus} GPU(s); raise it to at least ${Math.ceil((needed / (perGpu * gpus)) * 100) / 100} (the default is ${DEFAULT_GPU_MEMORY_UTILIZATION})` });
            } else {
                issues.push({ path: at("parametersBillions"), message: `needs about ${gib(weights!)} for weights (${dtype}${quantization ? `, ${quantization}` : ""}) plus ${gib(MIN_KV_CACHE_GIB)} of KV cache, but ${gpus} GPU(s) × ${gib(memory / gpus)} usable give ${gib(memory)}; add GPUs, quantise, or pick a smaller model` });
            }
        }
        return issues;
    }
    // A value of the wrong type has its own message; the checks below would judge the default instead (sweep s23 W2).
    if (m.memoryGbs !== undefined && typeof m.memoryGbs !== "number") return issues;
    const memoryGbs = typeof m.memoryGbs === "number" ? m.memoryGbs : 16;
    const kv = typeof m.kvCacheGbs === "number" ? m.kvCacheGbs : 4;
    if (weights !== undefined && weights + kv + CPU_RUNTIME_GIB > memoryGbs) {
        issues.push({ path: at("memoryGbs"), message: `is too small for ${String(m.name)}: about ${gib(weights)} of weights (${dtype}) plus kvCacheGbs ${kv} plus about ${gib(CPU_RUNTIME_GIB)} for vLLM's own processes (each imports torch before a weight loads); give it at least ${Math.ceil(weights + kv + CPU_RUNTIME_GIB)} GiB, a smaller kvCacheGbs, or a smaller model` });
    }
    const largest = Math.max(0, ...nodes.filter((n) => (placement === "any" ? n.kind === "arm" || n.kind === "x86" : n.kind === placement)).map((n) => n.memoryGib ?? Infinity));
    if (largest > 0 && memoryGbs > largest) {
        issues.push({ path: at("memoryGbs"), message: `is more than the largest ${placement} node has (${largest} GiB); a replica must fit on one node` });
    }
    return issues;
}

