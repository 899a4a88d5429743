import type { ResourceValidationPolicy } from "@pulumi/policy";
import { accessGrantsOf, objectLabel } from "./gateway-objects";

/*
 * Data classes held per request. A team states the most sensitive data it sends; a route the most
 * sensitive it may carry (and its fallbacks with it). A key reaches exactly the models in its
 * team's and its own `models` (LiteLLM refuses the rest per request, "Invalid model for team":
 * BerriAI/litellm-docs@ef86ded8 docs/proxy/model_access.md L70-112), so those lists must hold only routes cleared for
 * the team's class. The classes are stated beside the access file in the annotation below.
 */

export const DATA_CLASSES_ANNOTATION = "groundwork.dev/data-classes";
/** From least to most sensitive. */
const CLASSES = ["public", "internal", "restricted"];

interface DataClasses {
    routes: Record<string, string>;
    teams: Record<string, string>;
}

function dataClassesOf(props: Record<string, any>): DataClasses | Error {
    const text = props?.metadata?.annotations?.[DATA_CLASSES_ANNOTATION];
    if (typeof text !== "string") return new Error(`states no data classes (annotation ${DATA_CLASSES_ANNOTATION})`);
    try {
        const parsed = JSON.parse(text);
        return { routes: parsed?.routes ?? {}, teams: parsed?.teams ?? {} };
    } catch {
        return new Error(`annotation ${DATA_CLASSES_ANNOTATION} is not JSON`);
    }
}

export const gatewayKeysWithinDataClass: ResourceValidationPolicy = {
    name: "gateway-key-data-class",
    description: "Every gateway team and key reaches only routes classified for its team's data class (restricted data only routes that stay in the cluster).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const grants = accessGrantsOf(args.props);
        if (grants === undefined || grants instanceof Error) return; // Not an access file, or another policy reports the parse error.
        const name = objectLabel(args.props, args.name);
        const classes = dataClassesOf(args.props);
        if (classes instanceof Error) {
            report(`${name} ${classes.message}; state each route's classification and each team's data class so the keys' models can be checked`);
            return;
        }
        for (const g of grants) {
            const team = String(g.grant.team_id ?? "");
            const teamClass = classes.teams[team];
            if (!CLASSES.includes(teamClass)) {
                report(`${name}: ${g.path} (${g.label}) belongs to team ${JSON.stringify(team)}, which has no data class (one of ${CLASSES.join(", ")}); give the team a dataClass`);
                continue;
            }
            const models: unknown[] = Array.isArray(g.grant.models) ? g.grant.models : [];
            if (models.length === 0 && teamClass !== "public") {
                report(`${name}: ${g.path} (${g.label}) has no models list, which lets it call every model; team ${team} sends ${teamClass} data: list the routes cleared for it`);
            }
            for (const model of models.map(String)) {
                const routeClass = classes.routes[model];
                if (!CLASSES.includes(routeClass)) {
                    report(`${name}: ${g.path} (${g.label}) reaches ${model}, which has no classification; classify every route`);
                } else if (CLASSES.indexOf(routeClass) < CLASSES.indexOf(teamClass)) {
                    report(`${name}: ${g.path} (${g.label}) reaches ${model}, a ${routeClass} route, but team ${team} sends ${teamClass} data; remove the route from the team's routes, or lower its dataClass`);
                }
            }
        }
    },
};

export const gatewayDataClassPolicies = [gatewayKeysWithinDataClass];
