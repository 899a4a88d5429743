import { strict as assert } from "assert";
import * as YAML from "yaml";
import { teamsHaveLangfuseProjects } from "../../policies/ai-use/team-projects";
import { runPolicy } from "../../policies/policy-run";
import { PlanResult } from "../../plan/run";
import { committedPlan } from "../helpers";

const records = (plan: PlanResult) => plan.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs as Record<string, any> }));

describe("team-langfuse-project", () => {
    let cloud: PlanResult;
    before(async () => { cloud = await committedPlan("cloud"); });

    it("passes every committed stack: each team has its own project", async () => {
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            assert.deepEqual((await runPolicy(teamsHaveLangfuseProjects, records(await committedPlan(stack)))).map((v) => v.message), [], stack);
        }
    });

    it("fails a team without one, and keys written into the config", async () => {
        const withoutProject = records(cloud).map((r) => {
            if (r.type !== "kubernetes:core/v1:ConfigMap" || r.name !== "llm-gateway") return r;
            const config = YAML.parse(r.props.data["config.yaml"]);
            config.litellm_settings.default_team_settings = config.litellm_settings.default_team_settings.filter((e: any) => e.team_id !== "product");
            return { ...r, props: { ...r.props, data: { ...r.props.data, "config.yaml": YAML.stringify(config) } } };
        });
        assert.deepEqual((await runPolicy(teamsHaveLangfuseProjects, withoutProject)).map((v) => v.message), [
            "team product has no Langfuse project of its own: its traces and costs land in the platform's project beside every other team's; make a project in Langfuse and set the team's langfuseProject",
        ]);
        const literal = records(cloud).map((r) => {
            if (r.type !== "kubernetes:core/v1:ConfigMap" || r.name !== "llm-gateway") return r;
            const config = YAML.parse(r.props.data["config.yaml"]);
            config.litellm_settings.default_team_settings[0].langfuse_secret = "sk-lf-planted-literal";
            return { ...r, props: { ...r.props, data: { ...r.props.data, "config.yaml": YAML.stringify(config) } } };
        });
        assert.deepEqual((await runPolicy(teamsHaveLangfuseProjects, literal)).map((v) => v.message), [
            "team product's default_team_settings.langfuse_secret is not an os.environ/ reference; the project's keys come from Vault through the environment, never the config",
        ]);
    });
});
