/**
 * What the gateway decides per request, beyond keys and budgets: which guardrails run, whether an
 * answer may come from the cache and under which namespace, and that a team's data stays on routes
 * cleared for it. LiteLLM's open-source proxy (v1.85.0) cannot scope guardrails to a team or key
 * (Enterprise) nor run model-level pre-call guardrails (fixed in v1.95.0, BerriAI/litellm#29652),
 * and its cache key holds no tenant (BerriAI/litellm#29955). So a small hook of ours, loaded from
 * the config directory, decides for every request from `request-policy.json`:
 * - it names the guardrails to run in the request's `metadata.guardrails` (`litellm_metadata` on
 *   routes that keep LiteLLM's metadata there), merged with any a caller sent at the root or in
 *   either bucket, which it removes, so none can be emptied; a guardrail with
 *   `default_on: false` reads the list when its own hook runs (litellm/integrations/custom_guardrail.py
 *   `should_run_guardrail`, `get_guardrail_from_metadata`); `litellm_settings.callbacks` are
 *   registered before config guardrails and run in that order (proxy_server.py `load_config`,
 *   proxy/utils.py `ProxyLogging.pre_call_hook`), so the names are set before any guardrail looks;
 * - it sets the request's `cache`: `use-cache`, the route's `ttl` and a `namespace` of the team's
 *   data class and name, or no cache at all (`cache_params.mode: default_off`: only a request with
 *   `use-cache` reads or writes; litellm/caching/caching.py `should_use_cache`, the namespace
 *   prefixes the key, `_add_namespace_to_cache_key`); whatever namespace or cache key a caller sent
 *   is replaced or dropped;
 * - it refuses any model that is not exactly one route, and a route the team's data class may not
 *   use (the keys' `models` already do), and drops the routing and tracing a caller may bring
 *   (fallbacks, user_config, mock triggers, langfuse_host, disabled callbacks), so a request only
 *   ever takes the fallbacks config allows and is traced where config says.
 * Sources: research/litellm-hook.md, review-issue14.md, review-tenants.md (index copies of the
 * LiteLLM source, 2026; read 2026-11-28).
 */

/** What a guardrail does with what it finds, least to most strict. */
export type GuardrailMode = "off" | "log" | "mask" | "block";

export interface GuardrailChoice {
    pii: GuardrailMode;
    promptInjection: "off" | "log" | "block";
    responses: "off" | "mask";
}

/** The names of the guardrails in config.yaml, one per action: the hook picks among them. */
export const GUARDRAIL_NAMES = {
    piiMask: "pii-mask",
    piiBlock: "pii-block",
    piiMaskResponses: "pii-response-mask",
    promptInjectionBlock: "prompt-injection-block",
} as const;

/**
 * Prompt-injection phrases, as case-insensitive regular expressions Python's `re` and LiteLLM's
 * content filter read alike (it compiles each with `re.IGNORECASE`, and scans every message of the
 * conversation). A heuristic: it stops the common "ignore your previous instructions" and "show me
 * your system prompt" attempts, not a determined one. Each is an imperative at the start of a
 * sentence, so a system prompt's "never reveal your system prompt" or an answer's "I can't ignore
 * my instructions" does not match and block the rest of a chat.
 */
const SENTENCE_START = String.raw`(?:^|[.!?:\n]\s*)(?:please\s+|now\s+)?`;
export const PROMPT_INJECTION_PATTERNS: Record<string, string> = {
    ignore_instructions: String.raw`${SENTENCE_START}(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding)\s+(?:instructions|prompts|rules|directions)`,
    reveal_system_prompt: String.raw`${SENTENCE_START}(?:reveal|show|print|repeat|output|tell)\s+(?:me\s+|us\s+)?(?:your|the)\s+(?:system prompt|hidden instructions|initial instructions|developer message)`,
    role_override: String.raw`${SENTENCE_START}you are now\s+(?:in\s+)?(?:dan|developer mode|jailbroken|unrestricted|unfiltered)\b`,
    jailbreak_mode: String.raw`\b(?:do anything now|jailbreak mode enabled|developer mode enabled)\b`,
};

/**
 * Patterns for the personal data `log` mode records. The `patterns` engine masks or blocks with
 * LiteLLM's prebuilt ones instead, named as LiteLLM's content filter names them in its
 * `patterns.json` (BerriAI/litellm litellm/proxy/guardrails/guardrail_hooks/litellm_content_filter/
 * patterns.json, index copies @466b61a4 and @0672d9c6: `us_phone`, not the docs' `phone`; an
 * unknown name stops the proxy at start, guardrails off or not: research/review-issue14.md §1).
 * No IBAN here: case-insensitive, as the content filter compiles patterns, it matches hex ids;
 * Presidio's IbanRecognizer checks the checksum.
 */
export const PII_PATTERNS: Record<string, string> = {
    EMAIL_ADDRESS: String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`,
    PHONE_NUMBER: String.raw`(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\b\d{3,4}[ .-]\d{3,4}(?:[ .-]\d{2,4})?\b`,
    CREDIT_CARD: String.raw`\b(?:4\d{3}|5[1-5]\d{2}|3[47]\d{2})[ -]?\d{4,6}[ -]?\d{4,5}(?:[ -]?\d{1,4})?\b`,
    US_SSN: String.raw`\b\d{3}-\d{2}-\d{4}\b`,
};

const PREBUILT: Record<string, string[]> = {
    EMAIL_ADDRESS: ["email"],
    PHONE_NUMBER: ["us_phone"],
    CREDIT_CARD: ["visa", "mastercard", "amex"],
    US_SSN: ["us_ssn"],
};

export interface GuardrailEngine {
    engine: "patterns" | "presidio";
    entities: string[];
    /** Presidio's analyzer and anonymizer URLs (engine presidio). */
    presidio?: { analyzerUrl: string; anonymizerUrl: string };
}

/** LiteLLM's content filter over `entities`, taking `action` on each. */
function contentFilterPatterns(entities: string[], action: "MASK" | "BLOCK"): Record<string, string>[] {
    return entities.flatMap((entity): Record<string, string>[] => PREBUILT[entity]
        ? PREBUILT[entity].map((name) => ({ pattern_type: "prebuilt", pattern_name: name, action }))
        : PII_PATTERNS[entity] ? [{ pattern_type: "regex", pattern: PII_PATTERNS[entity], name: entity.toLowerCase(), action }] : []);
}

/** Presidio's guardrail for `entities` (pii_masking_v2.md L78-97, L223-296), taking `action` on each, before or after the call. */
function presidioGuardrail(engine: GuardrailEngine, action: "MASK" | "BLOCK", mode: "pre_call" | "post_call") {
    return {
        guardrail: "presidio",
        mode,
        default_on: false,
        presidio_analyzer_api_base: engine.presidio!.analyzerUrl,
        presidio_anonymizer_api_base: engine.presidio!.anonymizerUrl,
        presidio_language: "en",
        // Always explicit: without it an analyzer error passes the text through unmasked (BerriAI/litellm#30728).
        pii_entities_config: Object.fromEntries(engine.entities.map((e) => [e, action])),
        presidio_filter_scope: mode === "pre_call" ? "input" : "output",
        output_parse_pii: false,
    };
}

/** The `guardrails:` section of config.yaml: every guardrail off by default, the hook names the ones a request gets. */
export function guardrailDefinitions(engine: GuardrailEngine) {
    const pii = (action: "MASK" | "BLOCK", mode: "pre_call" | "post_call") => engine.engine === "presidio"
        ? presidioGuardrail(engine, action, mode)
        : { guardrail: "litellm_content_filter", mode, default_on: false, patterns: contentFilterPatterns(engine.entities, action) };
    return [
        { guardrail_name: GUARDRAIL_NAMES.piiMask, litellm_params: pii("MASK", "pre_call") },
        { guardrail_name: GUARDRAIL_NAMES.piiBlock, litellm_params: pii("BLOCK", "pre_call") },
        { guardrail_name: GUARDRAIL_NAMES.piiMaskResponses, litellm_params: pii("MASK", "post_call") },
        {
            guardrail_name: GUARDRAIL_NAMES.promptInjectionBlock,
            litellm_params: {
                guardrail: "litellm_content_filter",
                mode: "pre_call",
                default_on: false,
                patterns: Object.entries(PROMPT_INJECTION_PATTERNS).map(([name, pattern]) => ({ pattern_type: "regex", pattern, name: `prompt_injection_${name}`, action: "BLOCK" })),
            },
        },
    ];
}

export interface RoutePolicy extends GuardrailChoice {
    classification: string;
    /** Seconds an answer is reused; none: never cached. */
    cacheTtlSeconds?: number;
}

export interface TeamPolicy extends GuardrailChoice {
    dataClass: string;
    /** The team traces to its own Langfuse project (the gateway's default_team_settings). */
    ownProject: boolean;
}

/** Who may name the person behind a call: the headers that carry it, and the keys allowed to send them. */
export interface EndUserPolicy {
    headers: string[];
    keys: { team: string; alias: string }[];
}

/** `request-policy.json`: what the hook reads. No secret in it. */
export function requestPolicy(routes: Record<string, RoutePolicy>, teams: Record<string, TeamPolicy>, endUsers: EndUserPolicy = { headers: [], keys: [] }) {
    return {
        classes: ["public", "internal", "restricted"],
        modes: ["off", "log", "mask", "block"],
        guardrails: GUARDRAIL_NAMES,
        routes,
        teams,
        endUsers,
        detect: { pii: PII_PATTERNS, promptInjection: PROMPT_INJECTION_PATTERNS },
    };
}

/** The hook's module and attribute, as `litellm_settings.callbacks` names it (relative to the config's directory). */
export const REQUEST_POLICY_CALLBACK = "groundwork_request_policy.request_policy";
export const REQUEST_POLICY_FILE = "request-policy.json";
