import { strict as assert } from "assert";
import * as YAML from "yaml";
import { DATA_CLASSES_ANNOTATION as COMPONENT_ANNOTATION, gatewayAccess } from "../../components/inference/gateway-config";
import { DATA_CLASSES_ANNOTATION, gatewayKeysWithinDataClass } from "../../policies/ai-use/gateway-data-classes";
import { kubernetesDocuments } from "../../plan/report";
import { PlanResult } from "../../plan/run";
import { mayCarry, teamRoutes } from "../../stacks/config/inference";
import { committedPlan, parse, problems, stackValues } from "../helpers";
import { messages, record } from "./harness";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const docsOf = (plan: PlanResult) => kubernetesDocuments(plan.resources) as any[];
const gatewayConfigIn = (plan: PlanResult) => YAML.parse(docsOf(plan).find((d) => d.kind === "ConfigMap" && d.metadata.name === "llm-gateway").data["config.yaml"]);
const accessIn = (plan: PlanResult) => docsOf(plan).find((d) => d.kind === "ConfigMap" && d.metadata.name === "llm-gateway-access");

/** The cloud stack with a second team that sends restricted data. */
function cloudWithRestrictedTeam(routes?: string[]) {
    const v = stackValues("cloud");
    const team = { ...v.inference.teams[0], name: "legal", dataClass: "restricted", keys: [{ ...v.inference.teams[0].keys[0], name: "default" }], ...(routes && { routes }) };
    delete team.ownersGroup;
    delete team.langfuseProject; // a project of its own, or none: never product's
    v.inference.teams = [...v.inference.teams, team];
    v.inference.routes = [...v.inference.routes, { name: "private", target: "small", classification: "restricted" }];
    return v;
}

describe("data classes, held per request", function () {
    const plans: Record<string, PlanResult> = {};
    before(async () => {
        for (const stack of ["cloud", "hybrid"]) plans[stack] = await committedPlan(stack);
    });

    it("clears a route for data no more sensitive than its classification", () => {
        assert.deepEqual(["public", "internal", "restricted"].map((route) => mayCarry(route as any, "internal")), [false, true, true]);
        assert.equal(mayCarry("restricted", "restricted"), true);
    });

    it("gives a restricted team's keys only the routes that stay in the cluster, never a hosted one", () => {
        const config = parse(cloudWithRestrictedTeam());
        const access = gatewayAccess(config.inference!.teams.map((t) => ({ ...t, routes: teamRoutes(t, config.inference!.routes) })));
        const legal = access.teams.find((t) => t.team_id === "legal")!;
        assert.deepEqual(legal.models, ["private"]);
        assert.ok(access.keys.filter((k) => k.team_id === "legal").every((k) => JSON.stringify(k.models) === '["private"]'));
        // The cloud stack's public team keeps every route, the hosted ones included.
        assert.deepEqual(access.teams.find((t) => t.team_id === "product")!.models, ["chat", "large", "small", "hosted", "private"]);
    });

    it("refuses a team that names a route less protected than its data, and a class no route serves, before anything is created", () => {
        assert.deepEqual(problems(cloudWithRestrictedTeam(["private", "hosted"])), [
            "groundwork:inference.teams[1].routes[1] = \"hosted\": names hosted, a public route, but team legal sends restricted data: name only routes classified restricted, or lower the team's dataClass",
        ]);
        const none = stackValues("cloud");
        none.inference.teams[0].dataClass = "restricted";
        assert.match(problems(none).join("\n"), /groundwork:inference\.teams\[0\]\.dataClass = "restricted": is restricted, but no route is classified restricted: the team could call nothing/);
    });

    it("in the rendered gateway: every restricted route's fallback chain ends on models in the cluster", () => {
        for (const stack of ["cloud", "hybrid"]) {
            const config = gatewayConfigIn(plans[stack]);
            const classes = JSON.parse(accessIn(plans[stack]).metadata.annotations[DATA_CLASSES_ANNOTATION]).routes as Record<string, string>;
            const fallbacks = new Map<string, string[]>(config.router_settings.fallbacks.flatMap((f: Record<string, string[]>) => Object.entries(f)));
            const inCluster = (route: string) => config.model_list.filter((m: any) => m.model_name === route)
                .every((m: any) => String(m.litellm_params.model).startsWith("hosted_vllm/") && /\.svc\.cluster\.local:/.test(m.litellm_params.api_base));
            for (const [route, cls] of Object.entries(classes).filter(([, c]) => c === "restricted")) {
                const reached = new Set([route]);
                for (const hop of reached) (fallbacks.get(hop) ?? []).forEach((f) => reached.add(f));
                for (const hop of reached) assert.ok(inCluster(hop), `${stack}: ${cls} route ${route} reaches ${hop}, which leaves the cluster`);
            }
            assert.ok(stack !== "hybrid" || Object.values(classes).includes("restricted"), "the hybrid stack's routes are restricted");
        }
    });

    it("states each route's class and each team's beside the access file", () => {
        assert.equal(COMPONENT_ANNOTATION, DATA_CLASSES_ANNOTATION, "the pack reads what the component writes");
        assert.deepEqual(JSON.parse(accessIn(plans.hybrid).metadata.annotations[DATA_CLASSES_ANNOTATION]), { routes: { large: "restricted", small: "restricted" }, teams: { research: "restricted", "groundwork-evaluations": "public" } });
    });

    describe("gateway-key-data-class", () => {
        const accessMap = (teams: Record<string, string>, grants: { teams: any[]; keys: any[] }, annotate = true) => record(CONFIG_MAP, {
            apiVersion: "v1", kind: "ConfigMap",
            metadata: { name: "llm-gateway-access", namespace: "groundwork-inference", ...(annotate && { annotations: { [DATA_CLASSES_ANNOTATION]: JSON.stringify({ routes: { private: "restricted", chat: "public" }, teams }) } }) },
            data: { "access.json": JSON.stringify(grants) },
        }, "llm-gateway-access");

        it("passes keys that reach only routes cleared for their team's class (the committed stacks' too)", async () => {
            assert.deepEqual(await messages(gatewayKeysWithinDataClass, [accessMap({ legal: "restricted", web: "public" }, {
                teams: [{ team_id: "legal", models: ["private"] }, { team_id: "web", models: ["chat", "private"] }],
                keys: [{ key_alias: "legal-default", team_id: "legal", models: ["private"] }],
            })]), []);
            for (const stack of ["cloud", "hybrid"]) {
                const access = plans[stack].resources.find((r) => r.type === CONFIG_MAP && r.name === "llm-gateway-access")!;
                assert.deepEqual(await messages(gatewayKeysWithinDataClass, [record(CONFIG_MAP, access.inputs as any, "llm-gateway-access")]), [], stack);
            }
        });

        it("fails a restricted team's key that reaches a public route, a key with no models list, and an access file without classes", async () => {
            const found = await messages(gatewayKeysWithinDataClass, [accessMap({ legal: "restricted" }, {
                teams: [{ team_id: "legal", models: ["private"] }],
                keys: [{ key_alias: "legal-default", team_id: "legal", models: ["private", "chat"] }, { key_alias: "legal-any", team_id: "legal" }],
            })]);
            assert.deepEqual(found, [
                'ConfigMap groundwork-inference/llm-gateway-access: keys[0] (key "legal-default") reaches chat, a public route, but team legal sends restricted data; remove the route from the team\'s routes, or lower its dataClass',
                'ConfigMap groundwork-inference/llm-gateway-access: keys[1] (key "legal-any") has no models list, which lets it call every model; team legal sends restricted data: list the routes cleared for it',
            ]);
            assert.match((await messages(gatewayKeysWithinDataClass, [accessMap({}, { teams: [], keys: [] }, false)]))[0], /states no data classes/);
        });
    });
});
