import type { ResourceValidationPolicy } from "@pulumi/policy";
import { defaultFallbacks, fallbackEdges, gatewayConfigOf, isInCluster, objectLabel, parsedGatewayConfig } from "./gateway-objects";

/*
 * Guardrails and the response cache, decided per request. LiteLLM's open-source proxy cannot scope
 * guardrails to a route or team, and its cache key holds no tenant (BerriAI/litellm#29955): the
 * stack's request-policy hook does both, named in `litellm_settings.callbacks` and reading
 * `request-policy.json` beside config.yaml (components/inference/request-policy.ts). These rules
 * read the gateway's ConfigMap as it will be deployed: config.yaml and request-policy.json.
 */

export const REQUEST_POLICY_FILE = "request-policy.json";
export const REQUEST_POLICY_CALLBACK = "groundwork_request_policy.request_policy";

interface RequestPolicy {
    routes: Record<string, { pii?: string; promptInjection?: string; cacheTtlSeconds?: number }>;
    guardrails: Record<string, string>;
}

function requestPolicyOf(props: Record<string, any>): RequestPolicy | Error | undefined {
    const text = props?.data?.[REQUEST_POLICY_FILE];
    if (typeof text !== "string") return undefined;
    try {
        const parsed = JSON.parse(text);
        return { routes: parsed?.routes ?? {}, guardrails: parsed?.guardrails ?? {} };
    } catch {
        return new Error(`data["${REQUEST_POLICY_FILE}"] is not JSON`);
    }
}

const hookRegistered = (raw: Record<string, any>) => Array.isArray(raw?.litellm_settings?.callbacks) && raw.litellm_settings.callbacks.includes(REQUEST_POLICY_CALLBACK);

/** Routes whose requests can reach a model outside the cluster: its own deployments, or any route its fallbacks reach. */
function routesReachingHosted(raw: Record<string, any>, models: ReturnType<typeof gatewayConfigOf>): Set<string> {
    if (!models || models instanceof Error) return new Set();
    const hosted = new Set(models.models.filter((m) => !isInCluster(m)).map((m) => m.modelName));
    const next = new Map<string, string[]>();
    for (const edge of fallbackEdges(raw)) next.set(edge.from, [...(next.get(edge.from) ?? []), ...edge.to]);
    const everywhere = defaultFallbacks(raw).flatMap((d) => d.to);
    const reaches = (route: string) => {
        const seen = new Set([route]);
        const queue = [route];
        while (queue.length > 0) {
            const at = queue.shift()!;
            if (hosted.has(at)) return true;
            for (const n of [...(next.get(at) ?? []), ...everywhere]) if (!seen.has(n)) { seen.add(n); queue.push(n); }
        }
        return false;
    };
    return new Set(models.models.map((m) => m.modelName).filter(reaches));
}

export const hostedRoutesGuarded: ResourceValidationPolicy = {
    name: "hosted-route-guardrail",
    description: "Every gateway route that can reach a hosted model (itself or through a fallback) masks or blocks personal data in its requests, through guardrails the request-policy hook applies.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const config = parsedGatewayConfig(args.type, args.props);
        if (config === undefined) return;
        const name = objectLabel(args.props, args.name);
        const hosted = routesReachingHosted(config.raw, config);
        if (hosted.size === 0) return;
        const policy = requestPolicyOf(args.props);
        if (policy === undefined || policy instanceof Error || !hookRegistered(config.raw)) {
            report(`${name}: routes ${[...hosted].join(", ")} reach hosted models, but no request policy guards them (${policy instanceof Error ? policy.message : `${REQUEST_POLICY_FILE} and litellm_settings.callbacks ${REQUEST_POLICY_CALLBACK}`}); deploy the gateway's request policy`);
            return;
        }
        const defined = new Set((Array.isArray(config.raw.guardrails) ? config.raw.guardrails : []).map((g: any) => String(g?.guardrail_name)));
        for (const route of hosted) {
            const mode = policy.routes[route]?.pii ?? "off";
            if (mode !== "mask" && mode !== "block") {
                report(`${name}: route ${route} can reach a hosted model, but its PII guardrail is ${mode}; set the route's guardrails.pii to mask or block`);
                continue;
            }
            const guardrail = policy.guardrails[mode === "mask" ? "piiMask" : "piiBlock"];
            if (!defined.has(String(guardrail))) report(`${name}: route ${route} names guardrail ${String(guardrail)}, which config.yaml does not define`);
        }
    },
};

export const cachePerTeam: ResourceValidationPolicy = {
    name: "gateway-cache-per-team",
    description: "The gateway's response cache is never shared across teams or data classes: it is off unless a request opts in (mode default_off), and only the request policy, which namespaces entries by data class and team, opts in.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const config = parsedGatewayConfig(args.type, args.props);
        if (config === undefined) return;
        const settings = config.raw.litellm_settings ?? {};
        if (settings.cache !== true) return;
        const name = objectLabel(args.props, args.name);
        // LiteLLM's cache key hashes the request's parameters, not who sent it (litellm/caching/caching.py get_cache_key).
        if (settings.cache_params?.mode !== "default_off") {
            report(`${name}: litellm_settings.cache is on for every request (cache_params.mode ${JSON.stringify(settings.cache_params?.mode ?? "default_on")}), and its key holds no team: one team would get another's answers, across data classes; set cache_params.mode: default_off`);
        }
        if (!hookRegistered(config.raw)) {
            report(`${name}: the cache has no request policy to namespace it by team (litellm_settings.callbacks lacks ${REQUEST_POLICY_CALLBACK}); a caller's own cache.namespace is not enforced`);
        }
    },
};

export const gatewayRequestControlPolicies = [hostedRoutesGuarded, cachePerTeam];
