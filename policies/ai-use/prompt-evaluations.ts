import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/*
 * A prompt labelled `production` is what applications fetch by default (Langfuse's GET
 * /api/public/v2/prompts/{name} without a label: langfuse/langfuse@v3.224.1
 * web/src/features/prompts/server/actions/getPromptByName.ts L49-55), so the route it is written
 * for answers real users with it: that route needs an evaluation whose scores say how it answers.
 * The prompt library states each prompt's route on its ConfigMap, the evaluations the routes they
 * evaluate on theirs (components/inference/prompt-library.ts, route-evaluations.ts).
 */

export const PROMPT_ROUTES_ANNOTATION = "groundwork.dev/prompt-routes";
export const EVALUATED_ROUTES_ANNOTATION = "groundwork.dev/evaluated-routes";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

function annotation(r: PolicyResource, key: string): unknown {
    const text = r.props?.metadata?.annotations?.[key];
    if (typeof text !== "string") return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return new Error(`annotation ${key} on ConfigMap ${String(r.props?.metadata?.name ?? r.name)} is not JSON`);
    }
}

export const productionPromptsEvaluated: StackValidationPolicy = {
    name: "production-prompt-evaluated",
    description: "Every route that serves a production prompt has an evaluation (a dataset and evaluators run after each deploy).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const configMaps = args.resources.filter((r) => r.type === CONFIG_MAP);
        const evaluated = new Set<string>();
        for (const r of configMaps) {
            const routes = annotation(r, EVALUATED_ROUTES_ANNOTATION);
            if (routes instanceof Error) report(routes.message);
            else if (Array.isArray(routes)) routes.forEach((route) => evaluated.add(String(route)));
        }
        for (const r of configMaps) {
            const prompts = annotation(r, PROMPT_ROUTES_ANNOTATION);
            if (prompts instanceof Error) {
                report(prompts.message);
                continue;
            }
            if (prompts === undefined || prompts === null || typeof prompts !== "object") continue;
            for (const [prompt, route] of Object.entries(prompts as Record<string, unknown>)) {
                if (!evaluated.has(String(route))) {
                    report(`prompt ${prompt} is served as production on route ${String(route)}, which has no evaluation; add evaluations/${String(route)}.yaml with a dataset and evaluators`);
                }
            }
        }
    },
};

export const promptEvaluationPolicies = [productionPromptsEvaluated];
