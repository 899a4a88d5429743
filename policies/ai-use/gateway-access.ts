import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AccessGrant, accessGrantsOf, CONFIG_FILE, isGatewayConfigMap, isInCluster, objectLabel, parsedGatewayConfig } from "./gateway-objects";

/**
 * Spend and load limits on everyone who calls the gateway. LiteLLM enforces `max_budget` (USD)
 * reset every `budget_duration` and `rpm_limit`/`tpm_limit` per team and per virtual key; a
 * missing value means no limit. A key's or team's empty `models` list adds no restriction.
 * Sources: docs.litellm.ai proxy/users, proxy/team_budgets, proxy/access_management/llm (read 2026-11-25).
 */

/** LiteLLM duration strings: a count and s, m, h, d, w or mo (docs.litellm.ai proxy/users "budget_duration"). */
export const DURATION = /^[1-9][0-9]*(s|m|h|d|w|mo)$/;

const positive = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;

/** Calls `check` with every team and key of an access ConfigMap; reports a parse error once. */
function forEachGrant(args: { type: string; props: Record<string, any>; name: string }, report: (m: string) => void, check: (g: AccessGrant, all: AccessGrant[], name: string) => void) {
    if (!isGatewayConfigMap(args.type, args.props)) return;
    const grants = accessGrantsOf(args.props);
    if (grants === undefined) return;
    const name = objectLabel(args.props, args.name);
    if (grants instanceof Error) {
        report(`${name}: ${grants.message}; fix the access file so budgets and limits can be checked`);
        return;
    }
    for (const g of grants) check(g, grants, name);
}

const teamOf = (g: AccessGrant, all: AccessGrant[]) => all.find((t) => t.path.startsWith("teams[") && t.grant.team_id === g.grant.team_id);

export const gatewayBudgets: ResourceValidationPolicy = {
    name: "gateway-budgets",
    description: "Every gateway team and virtual key has a positive max_budget that resets every budget_duration; a key's budget fits in its team's.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
        forEachGrant(args, report, (g, all, name) => {
            const at = `${name}: data["access.json"] ${g.path} (${g.label})`;
            if (!positive(g.grant.max_budget)) {
                report(`${at} max_budget is ${JSON.stringify(g.grant.max_budget ?? null)}; set a positive USD budget, without one spend is unlimited`);
            }
            if (typeof g.grant.budget_duration !== "string" || !DURATION.test(g.grant.budget_duration)) {
                report(`${at} budget_duration is ${JSON.stringify(g.grant.budget_duration ?? null)}; set a reset period such as "30d" or "1mo", without one the budget is spent once and never renews on schedule`);
            }
            const team = g.path.startsWith("keys[") ? teamOf(g, all) : undefined;
            if (team && positive(g.grant.max_budget) && positive(team.grant.max_budget) && g.grant.max_budget > team.grant.max_budget) {
                report(`${at} max_budget ${g.grant.max_budget} exceeds its ${team.label}'s max_budget ${team.grant.max_budget}; lower the key's budget to at most the team's`);
            }
        }),
};

interface RateLimitConfig {
    maxRpm?: number;
    maxTpm?: number;
}

export const gatewayRateLimits: ResourceValidationPolicy = {
    name: "gateway-rate-limits",
    description: "Every gateway team and virtual key has positive rpm_limit and tpm_limit, within the configured ceilings and its team's limits.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxRpm: { type: "integer", minimum: 1, description: "Highest requests-per-minute limit a team or key may be given (no ceiling when unset)." },
            maxTpm: { type: "integer", minimum: 1, description: "Highest tokens-per-minute limit a team or key may be given (no ceiling when unset)." },
        },
    },
    validateResource: (args, report) => {
        const config = args.getConfig<RateLimitConfig>();
        forEachGrant(args, report, (g, all, name) => {
            const at = `${name}: data["access.json"] ${g.path} (${g.label})`;
            const team = g.path.startsWith("keys[") ? teamOf(g, all) : undefined;
            for (const [field, ceiling] of [["rpm_limit", config.maxRpm], ["tpm_limit", config.maxTpm]] as const) {
                const v = g.grant[field];
                if (!positive(v)) {
                    report(`${at} ${field} is ${JSON.stringify(v ?? null)}; set a positive limit, without one a single caller can exhaust the model servers and the budget`);
                    continue;
                }
                if (ceiling !== undefined && v > ceiling) {
                    report(`${at} ${field} ${v} is above the ceiling ${ceiling}; lower it, or raise the policy's ${field === "rpm_limit" ? "maxRpm" : "maxTpm"} after review`);
                }
                if (team && positive(team.grant[field]) && v > team.grant[field]) {
                    report(`${at} ${field} ${v} exceeds its ${team.label}'s ${field} ${team.grant[field]}; lower the key's limit to at most the team's`);
                }
            }
        });
    },
};

/** Model names LiteLLM treats as a set of models: every model, or the team's or organisation's (litellm/proxy/_types.py SpecialModelNames). */
const EVERY_MODEL = ["*", "all-proxy-models", "all-team-models", "all-org-models"];

export const gatewayAccessScoped: ResourceValidationPolicy = {
    name: "gateway-access-scoped",
    description: "Every gateway team lists the models it may call (no empty list or wildcard), and every key belongs to a listed team.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
        forEachGrant(args, report, (g, all, name) => {
            const at = `${name}: data["access.json"] ${g.path} (${g.label})`;
            const models: unknown = g.grant.models;
            if (g.path.startsWith("teams[")) {
                if (!Array.isArray(models) || models.length === 0) {
                    report(`${at} models is ${JSON.stringify(models ?? null)}, which LiteLLM reads as access to every model; list the model names the team may call`);
                }
            } else if (teamOf(g, all) === undefined) {
                report(`${at} team_id ${JSON.stringify(g.grant.team_id ?? null)} is not a team in access.json; give the key a listed team_id so the team's budget, limits and models apply`);
            }
            for (const m of Array.isArray(models) ? models.map(String) : []) {
                if (EVERY_MODEL.includes(m) || m.includes("*")) {
                    report(`${at} models contains "${m}", a wildcard over every model (new ones included); list the model names explicitly`);
                }
            }
        }),
};

/**
 * Budgets bind only on what LiteLLM prices. In-cluster vLLM models are not in its cost map, so
 * without `input_cost_per_token`/`output_cost_per_token` on the deployment their calls cost $0:
 * a team could spend a GPU month on them and never reach its budget, and Langfuse shows no cost.
 */
export const inClusterModelsPriced: ResourceValidationPolicy = {
    name: "in-cluster-models-priced",
    description: "Every in-cluster route (hosted_vllm, or OpenAI-compatible to a cluster Service) carries a per-token price, so budgets and Langfuse count what its calls cost.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        const config = parsedGatewayConfig(args.type, args.props);
        if (config === undefined) return;
        const name = objectLabel(args.props, args.name);
        for (const m of config.models.filter(isInCluster)) {
            const missing = ["input_cost_per_token", "output_cost_per_token"].filter((k) => typeof m.params[k] !== "number" || m.params[k] < 0);
            if (missing.length > 0) {
                report(`${name}: data["${CONFIG_FILE}"] model_list[${m.index}] ("${m.modelName}", ${m.model}) has no ${missing.join(" or ")} in litellm_params, so its calls cost $0 against every budget; set an internal price (groundwork:inference.models[].pricePerMillionTokens)`);
            }
        }
    },
};

export const gatewayAccessPolicies = [gatewayBudgets, gatewayRateLimits, gatewayAccessScoped, inClusterModelsPriced];
