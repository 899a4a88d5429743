import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ACCESS_FILE, CONFIG_FILE, defaultFallbacks, FALLBACK_KINDS, fallbackEdges, gatewayConfigOf, isGatewayConfigMap, objectLabel, parsedGatewayConfig } from "./gateway-objects";

/** Rules on the gateway's own configuration: secrets, fallback chains, retries. */

/** LiteLLM reads a value from the environment when it is written `os.environ/NAME` (docs.litellm.ai proxy/configs). */
export const ENV_REFERENCE = /^os\.environ\/[A-Za-z_][A-Za-z0-9_]*$/;
/** Config keys that hold credentials. */
const CREDENTIAL_KEY = /(api_key|master_key|salt_key|secret|password|token|credential|access_key)/i;
/**
 * Shapes of literal credentials: OpenAI/Anthropic/LiteLLM virtual keys (`sk-`, `sk-ant-`), Langfuse
 * keys (`sk-lf-`, `pk-lf-`), AWS access key ids (`AKIA`), and credentials in a URL (`://user:pass@`).
 */
const LITERAL_SECRET = [/\b[sp]k-[A-Za-z0-9][A-Za-z0-9_-]{15,}/, /\bAKIA[0-9A-Z]{16}\b/, /:\/\/[^/\s:@]+:[^/\s@]+@/];

function literalCredentials(value: unknown, path: string): string[] {
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
        const here = Array.isArray(value) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
        if (typeof v === "string") return !Array.isArray(value) && CREDENTIAL_KEY.test(k) && !ENV_REFERENCE.test(v.trim()) ? [here] : [];
        return literalCredentials(v, here);
    });
}

export const gatewaySecretsByReference: ResourceValidationPolicy = {
    name: "gateway-secrets-by-reference",
    description: "The gateway's ConfigMaps hold no secret: every key in config.yaml is an os.environ/ reference, and no literal key appears in any file.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isGatewayConfigMap(args.type, args.props)) return;
        const name = objectLabel(args.props, args.name);
        const fix = "a ConfigMap is readable by anyone who can read the namespace and is stored in the Pulumi state; keep the value in Vault and reference it";
        const config = gatewayConfigOf(args.props);
        if (config !== undefined && !(config instanceof Error)) {
            if (config.raw.general_settings?.master_key === undefined) {
                report(`${name}: data["${CONFIG_FILE}"] general_settings.master_key is not set, so the gateway's admin API has no key; set it to "os.environ/LITELLM_MASTER_KEY"`);
            }
            for (const path of literalCredentials(config.raw, "")) {
                report(`${name}: data["${CONFIG_FILE}"] ${path} is a literal value; write it as "os.environ/<VAR>" and set <VAR> from a Secret (${fix})`);
            }
        }
        let access: any;
        try {
            access = typeof args.props.data?.[ACCESS_FILE] === "string" ? JSON.parse(args.props.data[ACCESS_FILE]) : undefined;
        } catch {
            access = undefined;
        }
        (Array.isArray(access?.keys) ? access.keys : []).forEach((k: Record<string, any>, i: number) => {
            if (k?.key !== undefined) {
                report(`${name}: data["${ACCESS_FILE}"] keys[${i}].key carries the virtual key's value; remove it and give key_file, the Secret entry the provisioning job reads (${fix})`);
            }
        });
        for (const [file, text] of Object.entries(args.props.data ?? {})) {
            if (typeof text !== "string") continue;
            if (LITERAL_SECRET.some((p) => p.test(text))) {
                report(`${name}: data["${file}"] contains a value shaped like a credential (sk-…/pk-…, AKIA…, or user:password@ in a URL); remove it and reference a Secret instead (${fix})`);
            }
        }
    },
};

/** A cycle in one kind of fallback graph, as the list of model names around it, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (n: string): string[] | undefined => {
        if (state.get(n) === "open") return [...stack.slice(stack.indexOf(n)), n];
        if (state.get(n) === "done") return undefined;
        state.set(n, "open");
        stack.push(n);
        for (const m of graph.get(n) ?? []) {
            const found = visit(m);
            if (found) return found;
        }
        stack.pop();
        state.set(n, "done");
        return undefined;
    };
    for (const n of graph.keys()) {
        const found = visit(n);
        if (found) return found;
    }
    return undefined;
}

// A fallback to a name the gateway does not serve fails only when the primary already failed:
// at the worst moment. A cycle makes a failing request bounce between groups until max_fallbacks.
export const gatewayFallbacksResolve: ResourceValidationPolicy = {
    name: "gateway-fallbacks-resolve",
    description: "Every gateway fallback chain starts and ends at model names in model_list, and no chain loops back on itself.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const config = parsedGatewayConfig(args.type, args.props);
        if (config === undefined) return;
        const name = objectLabel(args.props, args.name);
        const known = new Set(config.models.map((m) => m.modelName));
        const names = [...known].join(", ");
        const edges = fallbackEdges(config.raw);
        for (const e of edges) {
            if (!known.has(e.from)) {
                report(`${name}: data["config.yaml"] ${e.path} starts at "${e.from}", which is no model_name in model_list (${names}); fix the name or remove the chain`);
            }
            for (const to of e.to) {
                if (!known.has(to)) {
                    report(`${name}: data["config.yaml"] ${e.path} falls back from "${e.from}" to "${to}", which is no model_name in model_list (${names}); fix the name or remove it`);
                } else if (to === e.from) {
                    report(`${name}: data["config.yaml"] ${e.path} falls back from "${e.from}" to itself; retries already cover that (num_retries), remove it`);
                }
            }
        }
        for (const d of defaultFallbacks(config.raw)) {
            for (const to of d.to.filter((t) => !known.has(t))) {
                report(`${name}: data["config.yaml"] ${d.path} names "${to}", which is no model_name in model_list (${names}); fix the name or remove it`);
            }
        }
        for (const kind of FALLBACK_KINDS) {
            const graph = new Map<string, string[]>();
            for (const e of edges.filter((x) => x.kind === kind)) graph.set(e.from, [...(graph.get(e.from) ?? []), ...e.to.filter((t) => t !== e.from)]);
            const cycle = findCycle(graph);
            if (cycle) {
                report(`${name}: data["config.yaml"] ${kind} loop: ${cycle.join(" → ")}; make the chain end at a model that does not fall back`);
            }
        }
    },
};

interface RetriesConfig {
    maxRetries: number;
    maxTimeoutSeconds: number;
}

// docs.litellm.ai router/api_reference/configuration (read 2026-11-25): num_retries per call,
// allowed_fails before a deployment cools down for cooldown_time seconds, timeout per call.
// Advisory: a tuning guide, not a governance line.
export const gatewayRetriesBounded: ResourceValidationPolicy = {
    name: "gateway-retries-bounded",
    description: "The gateway bounds retries and timeouts and cools failing deployments down (num_retries, timeout, allowed_fails, cooldown_time).",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            maxRetries: { type: "integer", minimum: 0, default: 3, description: "Most retries per call: each one is paid for and multiplies load on a struggling server." },
            maxTimeoutSeconds: { type: "integer", minimum: 1, default: 600, description: "Longest per-call timeout, seconds." },
        },
    },
    validateResource: (args, report) => {
        const config = parsedGatewayConfig(args.type, args.props);
        if (config === undefined) return;
        const { maxRetries = 3, maxTimeoutSeconds = 600 } = args.getConfig<RetriesConfig>();
        const name = objectLabel(args.props, args.name);
        const router = config.raw.router_settings ?? {};
        const at = `${name}: data["config.yaml"] router_settings`;
        const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
        const retries = num(router.num_retries);
        if (retries === undefined || retries > maxRetries) {
            report(`${at}.num_retries is ${JSON.stringify(router.num_retries ?? null)}; set it to at most ${maxRetries}`);
        }
        const timeout = num(router.timeout);
        if (timeout === undefined || timeout <= 0 || timeout > maxTimeoutSeconds) {
            report(`${at}.timeout is ${JSON.stringify(router.timeout ?? null)}; set a per-call timeout of at most ${maxTimeoutSeconds} seconds`);
        }
        if (!(num(router.allowed_fails)! > 0)) {
            report(`${at}.allowed_fails is ${JSON.stringify(router.allowed_fails ?? null)}; set how many failures put a deployment in cooldown (e.g. 3)`);
        }
        if (!(num(router.cooldown_time)! > 0)) {
            report(`${at}.cooldown_time is ${JSON.stringify(router.cooldown_time ?? null)}; set how many seconds a failing deployment rests (e.g. 30)`);
        }
    },
};

export const gatewayConfigPolicies = [gatewaySecretsByReference, gatewayFallbacksResolve, gatewayRetriesBounded];
