import * as YAML from "yaml";
import { GuardrailChoice, GuardrailEngine, guardrailDefinitions, REQUEST_POLICY_CALLBACK } from "./request-policy";
import { OPENAI_API_ENDPOINTS } from "./gateway-authorization";
/**
 * The LiteLLM proxy's `config.yaml` and the teams and keys it is provisioned with, as plain data.
 * No secret value is ever part of either: keys are `os.environ/NAME` references that the
 * gateway resolves from Secrets synced out of Vault.
 * Keys: docs.litellm.ai proxy/configs, proxy/reliability, router/api_reference/configuration,
 * proxy/logging (Langfuse), proxy/users and proxy/team_budgets (read 2026-11-25).
 */

/** Where a route's calls go: a vLLM server in the cluster, or a hosted provider. */
export type RouteTarget =
    | { kind: "vllm"; servedName: string; url: string; pricePerMillionTokens?: { input: number; output: number } }
    | { kind: "hosted"; model: string; apiKeyEnv: string };

export interface GatewayRoute {
    /** The model name applications request. */
    name: string;
    target: RouteTarget;
    fallbacks: string[];
    contextWindowFallbacks: string[];
    classification: string;
    /** Guardrails on its requests (a team's own are added; the stricter mode wins). */
    guardrails: GuardrailChoice;
    /** Seconds an answer is reused, per team; none: never cached. */
    cacheTtlSeconds?: number;
}

export interface Limits {
    maxBudgetUsd: number;
    budgetDuration: string;
    rpm: number;
    tpm: number;
}

export interface GatewayTeam extends Limits {
    name: string;
    /** Routes the team may call. */
    routes: string[];
    /** The most sensitive data the team sends (`public`, `internal`, `restricted`). */
    dataClass: string;
    /** Guardrails on every request of the team. */
    guardrails: GuardrailChoice;
    /**
     * The team traces to a project named for it: its own (`own`, keys read from `teamLangfuseEnv`),
     * or the platform's (`platform`: the evaluations' team, whose scores Langfuse keeps there).
     */
    langfuseProject?: "own" | "platform";
    keys: (Limits & { name: string })[];
}

/** Where cached answers live, and how personal data is found. */
export interface RequestControls {
    cache: "memory" | "valkey";
    guardrails: GuardrailEngine;
}

export interface RouterSettings {
    numRetries: number;
    allowedFails: number;
    cooldownSeconds: number;
    timeoutSeconds: number;
}

/** Environment variables the gateway reads its secrets from. */
export const GATEWAY_ENV = {
    masterKey: "LITELLM_MASTER_KEY",
    langfusePublicKey: "LANGFUSE_PUBLIC_KEY",
    langfuseSecretKey: "LANGFUSE_SECRET_KEY",
    /** The shared cache's password (with `cache: valkey`); host and port are plain values. LiteLLM reads REDIS_* (litellm/_redis.py). */
    cachePassword: "REDIS_PASSWORD",
} as const;

/** The environment variables a team's own Langfuse project keys are read from. */
export function teamLangfuseEnv(team: string): { publicKey: string; secretKey: string } {
    const id = team.toUpperCase().replace(/-/g, "_");
    return { publicKey: `LANGFUSE_PUBLIC_KEY_TEAM_${id}`, secretKey: `LANGFUSE_SECRET_KEY_TEAM_${id}` };
}

/** The environment variable a hosted model's API key is read from. */
export function hostedKeyEnv(hostedName: string): string {
    return `HOSTED_${hostedName.toUpperCase().replace(/-/g, "_")}_API_KEY`;
}

const env = (name: string) => `os.environ/${name}`;

/**
 * LiteLLM's per-deployment price override (`input_cost_per_token`, `output_cost_per_token` in
 * litellm_params; docs.litellm.ai proxy/custom_model_cost_map): in-cluster models are unknown to
 * its cost map, so without it their calls cost $0 and no budget ever binds.
 */
function tokenPrices(perMillion?: { input: number; output: number }) {
    return perMillion ? { input_cost_per_token: perMillion.input / 1e6, output_cost_per_token: perMillion.output / 1e6 } : {};
}

export interface GatewayConfigInput {
    routes: GatewayRoute[];
    router: RouterSettings;
    /**
     * Request headers that name the person behind a call (an application's user), as LiteLLM
     * `general_settings.user_header_mappings` with role `customer`: LiteLLM records the value as
     * the call's end user, tracks its spend, and the Langfuse callback makes it the trace's user
     * (BerriAI/litellm-docs: docs/proxy/customers.md L13-61, docs/tutorials/openweb_ui.md L77-114).
     */
    endUserHeaders?: string[];
    /** Default: the memory cache and the pattern guardrails. */
    controls?: RequestControls;
    /** Teams with a Langfuse project of their own get their own trace destination. */
    teams?: GatewayTeam[];
}

/** A virtual key's alias in LiteLLM, and its name in Vault's `gateway/virtual-keys`: `<team>-<key>`. */
export const keyAlias = (team: string, key: string): string => `${team}-${key}`;

/**
 * The headers LiteLLM itself reads the end user from, with any key and before any mapped header
 * (litellm/proxy/auth/auth_utils.py get_end_user_id_from_request_body; research/l4-facts-s16.md).
 * The public route strips them; in the mesh, the request-policy hook overrides what they say.
 */
export const LITELLM_END_USER_HEADERS = ["x-litellm-customer-id", "x-litellm-end-user-id"] as const;

/**
 * The headers other than `Authorization` that LiteLLM takes a key from, `x-litellm-api-key` before
 * `Authorization` and the rest when it is empty (litellm/proxy/_types.py `SpecialHeaders`,
 * litellm/proxy/auth/user_api_key_auth.py `get_api_key`; code-index copies of BerriAI/litellm, not
 * the v1.85.0 tag exactly, read 2026-11-29; security review s22 F2). The public route strips them,
 * so a caller authenticates by `Authorization` alone, the header the edge's per-key rate limit is
 * keyed on: with a key in `x-litellm-api-key`, a new `Authorization` on each request would be a new bucket.
 */
/**
 * The one spelling of `Authorization` the public route takes: a bearer key as the stack and LiteLLM
 * make them (`sk-` and key characters). LiteLLM takes `Bearer `, `bearer ` and `Basic ` before the
 * key and removes every `Bearer ` inside it (litellm/proxy/auth/user_api_key_auth.py
 * `_get_bearer_token`, code-index copy, read 2026-11-29), so one key could be written many ways,
 * each a bucket of its own at the edge, whose per-key limit is keyed by the header's text (review s22 F3).
 * Both cases of the scheme (RFC 9110 11.1: case-insensitive), so two buckets per key at most.
 */
export const PUBLIC_GATEWAY_AUTHORIZATION = "^[Bb]earer sk-[A-Za-z0-9_-]{16,256}$";

export const LITELLM_KEY_HEADERS_BESIDE_AUTHORIZATION = ["x-litellm-api-key", "API-Key", "x-api-key", "x-goog-api-key", "Ocp-Apim-Subscription-Key"] as const;

/** LiteLLM's config for the routes, their fallbacks, the request controls and the teams' trace destinations. */
export function gatewayConfig({ routes, router, endUserHeaders = [], controls = { cache: "memory", guardrails: { engine: "patterns", entities: [] } }, teams = [] }: GatewayConfigInput) {
    const ownProjects = teams.filter((t) => t.langfuseProject);
    const chains = (pick: (r: GatewayRoute) => string[]) =>
        routes.filter((r) => pick(r).length > 0).map((r) => ({ [r.name]: pick(r) }));
    return {
        model_list: routes.map((r) => ({
            model_name: r.name,
            litellm_params: r.target.kind === "vllm"
                ? { model: `hosted_vllm/${r.target.servedName}`, api_base: r.target.url, ...tokenPrices(r.target.pricePerMillionTokens) }
                : { model: r.target.model, api_key: env(r.target.apiKeyEnv) },
            model_info: { id: r.name, groundwork_classification: r.classification },
        })),
        router_settings: {
            routing_strategy: "simple-shuffle",
            num_retries: router.numRetries,
            timeout: router.timeoutSeconds,
            allowed_fails: router.allowedFails,
            cooldown_time: router.cooldownSeconds,
            fallbacks: chains((r) => r.fallbacks),
            context_window_fallbacks: chains((r) => r.contextWindowFallbacks),
        },
        litellm_settings: {
            // Every call, failed ones too, goes to Langfuse: prompt, answer, latency, tokens, cost.
            success_callback: ["langfuse"],
            failure_callback: ["langfuse"],
            // Requests, errors, latency, spend and each team's budget on /metrics, for Prometheus
            // (open source since v1.80.0; the budget gauges exist before any traffic):
            // BerriAI/litellm-docs@ef86ded8 docs/proxy/prometheus.md L10-25, L98-113; release_notes/v1.80.0-stable L51.
            // Then our request policy (components/inference/request-policy.ts): a list, so it adds
            // to the callbacks, and before the guardrails below, which register after these.
            callbacks: ["prometheus", REQUEST_POLICY_CALLBACK],
            prometheus_initialize_budget_metrics: true,
            // /metrics asks for a LiteLLM key by default since v1.84.0 (BerriAI/litellm#27505, a
            // cherry-pick onto 1.84.0rc2, which "already ships require_auth_for_metrics_endpoint=True";
            // BerriAI/litellm-docs#504, "since v1.85.0"; users' 401s in BerriAI/litellm#27926), and
            // Prometheus holds none: off, anything but `false` runs the key check (prometheus_auth_middleware.py,
            // `is not False`). The mesh gives /metrics, in every spelling and by any method, to Prometheus
            // alone (gateway-authorization.ts; security review s22 F3).
            require_auth_for_metrics_endpoint: false,
            // The response cache: only requests the policy marks use-cache read or write it, under
            // their team's namespace with their route's TTL (caching.md L1027-1091, L848-864).
            // Hits count in litellm_cache_hits_metric (PR #18755) and tag the trace cache_hit:true.
            cache: true,
            cache_params: {
                type: controls.cache === "valkey" ? "redis" : "local",
                mode: "default_off",
                supported_call_types: ["acompletion", "atext_completion", "aembedding"],
            },
            // The team on every trace (tags are computed before redact_user_api_key_info removes
            // it from the metadata: langfuse.py add_default_langfuse_tags), for teams in the platform's project.
            langfuse_default_tags: ["cache_hit", "user_api_key_team_alias"],
            // A team with its own Langfuse project traces there (docs/proxy/team_logging.md L212-242,
            // no Enterprise banner; litellm_pre_call_utils.py add_team_based_callbacks_from_config).
            ...(ownProjects.length > 0 ? {
                default_team_settings: ownProjects.map((t) => ({
                    team_id: t.name,
                    success_callback: ["langfuse"],
                    failure_callback: ["langfuse"],
                    langfuse_public_key: env(t.langfuseProject === "own" ? teamLangfuseEnv(t.name).publicKey : GATEWAY_ENV.langfusePublicKey),
                    langfuse_secret: env(t.langfuseProject === "own" ? teamLangfuseEnv(t.name).secretKey : GATEWAY_ENV.langfuseSecretKey),
                    // Said here, so no host a caller sends can receive the project's keys.
                    langfuse_host: env("LANGFUSE_HOST"),
                })),
            } : {}),
            drop_params: true,
            request_timeout: router.timeoutSeconds,
            redact_user_api_key_info: true,
            // A caller's `"no-log": true` would skip every logging callback for its call, Langfuse and
            // Prometheus included: ignored (litellm/__init__.py global_disable_no_log_param; security review s24 S3).
            global_disable_no_log_param: true,
        },
        // Off unless the request policy names them for a request (default_on: false).
        guardrails: guardrailDefinitions(controls.guardrails),
        general_settings: {
            master_key: env(GATEWAY_ENV.masterKey),
            // The database URL is assembled by LiteLLM from DATABASE_HOST/USERNAME/PASSWORD/NAME.
            store_model_in_db: false,
            // Spend logs keep cost, tokens and who, never prompt or answer text (the default; said
            // here so a change is a reviewed diff). BerriAI/litellm-docs: docs/proxy/config_settings.md
            // L266, docs/proxy/ui_logs.md L20. Langfuse keeps the text, per project.
            store_prompts_in_spend_logs: false,
            // And no per-request spend log at all: at v1.85.0 that switch does not cover the
            // guardrails' records (`guardrail_information`, which a masking or blocking guardrail
            // fills from the prompt), fixed only later by BerriAI/litellm#32688 (merged after
            // v1.85.0's release notes, litellm-docs#143). Budgets keep counting on the keys' and
            // teams' own rows; each call's record stays in Langfuse, per project (security review s23 F2).
            disable_spend_logs: true,
            // Nor failed calls, whose provider errors can quote the request (BerriAI/litellm#26074;
            // docs/proxy/ui_logs.md "Stop storing Error Logs in DB"): they stay in the pod's log.
            disable_error_logs: true,
            ...(endUserHeaders.length > 0 ? { user_header_mappings: endUserHeaders.map((h) => ({ header_name: h, litellm_user_role: "customer" })) } : {}),
        },
    };
}

/**
 * The teams and keys the provisioning job creates or updates through LiteLLM's admin API. Each key
 * expires `keyExpiryDays` after it is generated (LiteLLM `duration`: now plus a number and s, m,
 * h, d, w or mo; not an Enterprise feature; an expired key is refused as `expired_key`: see
 * BerriAI/litellm litellm/proxy/management_endpoints/key_management_endpoints.py and
 * litellm/proxy/auth/auth_checks.py, 2026 versions read 2026-11-27).
 */
/**
 * The annotation that states, beside the access file, each route's classification and each team's
 * data class: what the ai-use pack checks the teams' and keys' `models` against. LiteLLM itself
 * refuses a key any model outside its team's `models` ("Invalid model for team …": BerriAI/litellm-docs@ef86ded8
 * docs/proxy/model_access.md L70-112) and its own, so the lists are the rule at run time.
 */
export const DATA_CLASSES_ANNOTATION = "groundwork.dev/data-classes";

export function dataClassesAnnotation(routes: GatewayRoute[], teams: GatewayTeam[]): string {
    return JSON.stringify({
        routes: Object.fromEntries(routes.map((r) => [r.name, r.classification])),
        teams: Object.fromEntries(teams.map((t) => [t.name, t.dataClass])),
    });
}

/**
 * The routes every provisioned key may call in LiteLLM itself, whatever path reaches it: the four
 * OpenAI endpoints the mesh and the public route admit, and the readiness check the evaluation Job
 * waits on (a public route). Without it a key reaches every LLM route on the admin host, the
 * pass-through ones among them, and `/langfuse/*` acts with the gateway's own Langfuse keys
 * (security review s20 L1). LiteLLM refuses any other route with 403 "Virtual key is not allowed to
 * call this route" (`RouteChecks.is_virtual_key_allowed_to_call_route`, exact or `<route>/…`), for
 * every role and without an Enterprise licence; `allowed_routes` is a field of /key/generate and
 * /key/update (BerriAI/litellm litellm/proxy/auth/route_checks.py, litellm/proxy/_types.py
 * `KeyRequestBase`, versions around v1.85.0: research/litellm-allowed-routes-s20.md).
 */
export const KEY_ALLOWED_ROUTES: readonly string[] = [...OPENAI_API_ENDPOINTS.exact, "/health/readiness"];

export function gatewayAccess(teams: (Limits & Pick<GatewayTeam, "name" | "routes" | "keys">)[], keyExpiryDays?: number) {
    return {
        teams: teams.map((t) => ({
            team_id: t.name,
            team_alias: t.name,
            max_budget: t.maxBudgetUsd,
            budget_duration: t.budgetDuration,
            rpm_limit: t.rpm,
            tpm_limit: t.tpm,
            models: t.routes,
        })),
        keys: teams.flatMap((t) => t.keys.map((k) => ({
            key_alias: keyAlias(t.name, k.name),
            team_id: t.name,
            max_budget: k.maxBudgetUsd,
            budget_duration: k.budgetDuration,
            rpm_limit: k.rpm,
            tpm_limit: k.tpm,
            models: t.routes,
            allowed_routes: [...KEY_ALLOWED_ROUTES],
            ...(keyExpiryDays ? { duration: `${keyExpiryDays}d` } : {}),
            // The key's value: a file the job reads from the Secret synced out of Vault.
            key_file: keyAlias(t.name, k.name),
        }))),
    };
}

/** A number in plain decimal notation (`2e-8` becomes `0.00000002`), exactly, from its shortest form. */
export function decimalNotation(value: number): string {
    const [mantissa, exp] = String(value).split("e");
    if (exp === undefined) return mantissa;
    const sign = mantissa.startsWith("-") ? "-" : "";
    const [whole, fraction = ""] = mantissa.replace("-", "").split(".");
    const digits = whole + fraction;
    const point = whole.length + Number(exp);
    if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * The gateway's config.yaml. LiteLLM reads it with PyYAML's `safe_load`, a YAML 1.1 loader whose
 * floats need a dot: `2e-08` (what JavaScript prints for a per-token price) loads as a string
 * (litellm/proxy/proxy_server.py; PyYAML resolver), so every number is written in decimal notation.
 */
export function renderGatewayConfig(config: object): string {
    return YAML.stringify(config).replace(/^(\s*(?:- )?[\w.-]+: )(-?\d+(?:\.\d+)?e[-+]?\d+)$/gm, (_m: string, head: string, num: string) => `${head}${decimalNotation(Number(num))}`);
}
