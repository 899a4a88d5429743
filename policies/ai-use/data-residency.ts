import type { ResourceValidationPolicy } from "@pulumi/policy";
import { defaultFallbacks, fallbackEdges, GatewayConfig, gatewayConfigOf, hostOf, IN_CLUSTER_PROVIDER, isGatewayConfigMap, isInCluster, ModelEntry, objectLabel, parsedGatewayConfig, providerOf } from "./gateway-objects";
import { globMatches } from "./model-servers";

/**
 * Where prompts may go. Each gateway route carries `model_info.groundwork_classification`, the
 * most sensitive data its callers may send: public < internal < restricted. Restricted data never
 * leaves the cluster, on the route itself or on any route its fallback chains can reach (LiteLLM
 * follows a fallback's own fallbacks up to `max_fallbacks`, docs.litellm.ai proxy/reliability,
 * read 2026-11-25); other classes go to hosted providers only when the policy allows it.
 */

export const CLASSIFICATIONS = ["public", "internal", "restricted"] as const;
const rank = (c: string | undefined) => CLASSIFICATIONS.indexOf(c as (typeof CLASSIFICATIONS)[number]);

const describe = (e: ModelEntry) => `model_list[${e.index}] ("${e.modelName}", litellm_params.model "${e.model}"${e.apiBase ? `, api_base "${e.apiBase}"` : ""})`;

/** The chain of model names (through fallback edges) from `start` to each group it can reach. */
function routesFrom(start: string, raw: Record<string, any>): Map<string, string[]> {
    const edges = fallbackEdges(raw);
    const defaults = defaultFallbacks(raw);
    const via = new Map<string, string[]>([[start, [start]]]);
    const queue = [start];
    while (queue.length > 0) {
        const at = queue.shift()!;
        const next = [
            ...edges.filter((e) => e.from === at).flatMap((e) => e.to.map((to) => [to, e.path] as const)),
            ...defaults.flatMap((d) => d.to.map((to) => [to, d.path] as const)),
        ];
        for (const [to, path] of next) {
            if (via.has(to)) continue;
            via.set(to, [...via.get(at)!, `${path}`, to]);
            queue.push(to);
        }
    }
    return via;
}

interface ResidencyConfig {
    hostedAllowedClassifications: string[];
}

function checkResidency(config: GatewayConfig, name: string, allowedHosted: string[], report: (m: string) => void) {
    const groups = new Map<string, ModelEntry[]>();
    for (const e of config.models) groups.set(e.modelName, [...(groups.get(e.modelName) ?? []), e]);
    for (const e of config.models) {
        if (rank(e.classification) < 0) {
            report(
                `${name}: data["config.yaml"] ${describe(e)} has model_info.groundwork_classification ${JSON.stringify(e.classification ?? null)}; ` +
                    `classify the route as ${CLASSIFICATIONS.join(", ")} (the most sensitive data its callers may send)`,
            );
        }
    }
    for (const [group, entries] of groups) {
        // A group is as sensitive as its most sensitive entry: a request to it may land on any of them.
        const classification = CLASSIFICATIONS[Math.max(...entries.map((e) => rank(e.classification)))];
        if (classification === undefined) continue;
        const hostedOk = classification !== "restricted" && allowedHosted.includes(classification);
        if (hostedOk) continue;
        for (const [target, chain] of routesFrom(group, config.raw)) {
            for (const e of groups.get(target) ?? []) {
                if (isInCluster(e)) continue;
                const fix = classification === "restricted"
                    ? `restricted data must stay in the cluster: serve it with "${IN_CLUSTER_PROVIDER}/<served name>" and an in-cluster api_base (http://<service>.<namespace>.svc.cluster.local:8000/v1)`
                    : `"${classification}" data may go only to in-cluster servers (hostedAllowedClassifications: ${JSON.stringify(allowedHosted)}): serve it in the cluster or reclassify the route`;
                if (target === group) {
                    report(`${name}: data["config.yaml"] ${describe(e)} is classified "${classification}" but leaves the cluster; ${fix}`);
                } else {
                    report(
                        `${name}: data["config.yaml"] route "${group}" is classified "${classification}" but can fall back to ${describe(e)}, which leaves the cluster (chain: ${chain.join(" → ")}); ` +
                            `remove "${target}" from the chain, or ${fix}`,
                    );
                }
            }
        }
    }
}

export const restrictedDataStaysInCluster: ResourceValidationPolicy = {
    name: "restricted-data-stays-in-cluster",
    description: "Every gateway route is classified; restricted routes, and every route their fallbacks reach, are in-cluster vLLM servers; hosted providers get only the allowed classifications.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            hostedAllowedClassifications: {
                type: "array",
                items: { type: "string", enum: ["public", "internal"] },
                default: ["public"],
                description: "Classifications whose prompts may go to a hosted provider. `restricted` can never be listed.",
            },
        },
    },
    validateResource: (args, report) => {
        if (!isGatewayConfigMap(args.type, args.props)) return;
        const config = gatewayConfigOf(args.props);
        if (config === undefined) return;
        const name = objectLabel(args.props, args.name);
        if (config instanceof Error) {
            report(`${name}: ${config.message}; fix the gateway config so where prompts go can be checked`);
            return;
        }
        checkResidency(config, name, args.getConfig<ResidencyConfig>().hostedAllowedClassifications ?? ["public"], report);
    },
};

interface HostedProviderConfig {
    allowedProviders: string[];
    allowedApiBaseHosts: string[];
}

/**
 * Providers with a signed data-processing agreement (no training on our prompts). LiteLLM provider
 * prefixes: docs.litellm.ai/docs/providers (openai, anthropic, azure, bedrock, vertex_ai; read 2026-11-25).
 */
export const DEFAULT_PROVIDERS = ["openai", "anthropic", "azure", "bedrock", "vertex_ai"];
/** Azure OpenAI needs a per-resource api_base: `https://<resource>.openai.azure.com` (docs.litellm.ai providers/azure). */
export const DEFAULT_API_BASE_HOSTS = ["*.openai.azure.com"];

export const hostedProviderAllowList: ResourceValidationPolicy = {
    name: "hosted-provider-allow-list",
    description: "Gateway routes outside the cluster name an approved provider prefix, and any api_base override is an approved host.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedProviders: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_PROVIDERS,
                description: "LiteLLM provider prefixes (the part of litellm_params.model before \"/\") hosted routes may use.",
            },
            allowedApiBaseHosts: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_API_BASE_HOSTS,
                description: "Host globs a hosted route's api_base may point at (a provider prefix with another api_base sends prompts elsewhere).",
            },
        },
    },
    validateResource: (args, report) => {
        const config = parsedGatewayConfig(args.type, args.props);
        if (config === undefined) return;
        const { allowedProviders = DEFAULT_PROVIDERS, allowedApiBaseHosts = DEFAULT_API_BASE_HOSTS } = args.getConfig<HostedProviderConfig>();
        const name = objectLabel(args.props, args.name);
        for (const e of config.models) {
            if (isInCluster(e)) continue;
            const provider = providerOf(e);
            if (provider === undefined) {
                report(`${name}: data["config.yaml"] ${describe(e)} has no provider prefix, so LiteLLM guesses the provider; write it as "<provider>/<model>" with a provider from ${allowedProviders.join(", ")}`);
                continue;
            }
            if (provider === IN_CLUSTER_PROVIDER) {
                report(`${name}: data["config.yaml"] ${describe(e)} is a vLLM server outside the cluster (api_base is not <service>.<namespace>.svc[.cluster.local]); route to the in-cluster Service, or to an approved hosted provider`);
                continue;
            }
            if (!allowedProviders.includes(provider)) {
                report(`${name}: data["config.yaml"] ${describe(e)} uses provider "${provider}", which is not on the allow-list (${allowedProviders.join(", ")}); use an approved provider, or add "${provider}" to allowedProviders once its data-processing terms are reviewed`);
                continue;
            }
            const host = hostOf(e.apiBase);
            if (e.apiBase !== undefined && !(host !== undefined && allowedApiBaseHosts.some((p) => globMatches(p, host)))) {
                report(`${name}: data["config.yaml"] ${describe(e)} overrides api_base to a host not on allowedApiBaseHosts (${allowedApiBaseHosts.join(", ")}); remove the override, or add the host after review`);
            }
        }
    },
};

export const dataResidencyPolicies = [restrictedDataStaysInCluster, hostedProviderAllowList];
