import { strict as assert } from "assert";
import * as YAML from "yaml";
import { REQUEST_POLICY_CALLBACK as COMPONENT_CALLBACK, REQUEST_POLICY_FILE as COMPONENT_FILE } from "../../components/inference/request-policy";
import { cachePerTeam, hostedRoutesGuarded, REQUEST_POLICY_CALLBACK, REQUEST_POLICY_FILE } from "../../policies/ai-use/gateway-request-controls";
import { PlanResult } from "../../plan/run";
import { committedPlan } from "../helpers";
import { messages, record } from "./harness";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

/** The cloud gateway's ConfigMap as planned, with config.yaml and request-policy.json edited. */
function gatewayConfigMap(plan: PlanResult, edit: (config: any, policy: any) => void = () => undefined) {
    const original = plan.resources.find((r) => r.type === CONFIG_MAP && r.name === "llm-gateway")!.inputs as any;
    const config = YAML.parse(original.data["config.yaml"]);
    const policy = JSON.parse(original.data[REQUEST_POLICY_FILE]);
    edit(config, policy);
    return record(CONFIG_MAP, { ...original, data: { ...original.data, "config.yaml": YAML.stringify(config), [REQUEST_POLICY_FILE]: JSON.stringify(policy) } }, "llm-gateway");
}

describe("gateway request controls (ai-use)", () => {
    let cloud: PlanResult;
    before(async () => { cloud = await committedPlan("cloud"); });

    it("reads the file and callback the gateway writes", () => {
        assert.equal(REQUEST_POLICY_FILE, COMPONENT_FILE);
        assert.equal(REQUEST_POLICY_CALLBACK, COMPONENT_CALLBACK);
    });

    describe("hosted-route-guardrail", () => {
        it("passes cloud's gateway: chat (through its fallback) and hosted mask or block personal data", async () => {
            assert.deepEqual(await messages(hostedRoutesGuarded, [gatewayConfigMap(cloud)]), []);
        });

        it("fails a route that reaches a hosted model only through a fallback, with its PII guardrail off", async () => {
            const found = await messages(hostedRoutesGuarded, [gatewayConfigMap(cloud, (_c, policy) => { policy.routes.chat.pii = "log"; })]);
            assert.deepEqual(found, ["ConfigMap groundwork-inference/llm-gateway: route chat can reach a hosted model, but its PII guardrail is log; set the route's guardrails.pii to mask or block"]);
        });

        it("fails hosted routes when the request-policy hook is not registered, or names a guardrail config.yaml lacks", async () => {
            const unhooked = await messages(hostedRoutesGuarded, [gatewayConfigMap(cloud, (config) => { config.litellm_settings.callbacks = ["prometheus"]; })]);
            assert.match(unhooked[0], /routes chat, hosted reach hosted models, but no request policy guards them/);
            const missing = await messages(hostedRoutesGuarded, [gatewayConfigMap(cloud, (config) => { config.guardrails = config.guardrails.filter((g: any) => g.guardrail_name !== "pii-block"); })]);
            assert.deepEqual(missing, ["ConfigMap groundwork-inference/llm-gateway: route hosted names guardrail pii-block, which config.yaml does not define"]);
        });
    });

    describe("gateway-cache-per-team", () => {
        it("passes a cache only the request policy opts into", async () => {
            assert.deepEqual(await messages(cachePerTeam, [gatewayConfigMap(cloud)]), []);
        });

        it("fails a cache on for every request, whose entries teams and classes would share", async () => {
            const found = await messages(cachePerTeam, [gatewayConfigMap(cloud, (config) => { delete config.litellm_settings.cache_params.mode; })]);
            assert.deepEqual(found, [`ConfigMap groundwork-inference/llm-gateway: litellm_settings.cache is on for every request (cache_params.mode "default_on"), and its key holds no team: one team would get another's answers, across data classes; set cache_params.mode: default_off`]);
        });

        it("fails a cache with no request policy to namespace it", async () => {
            const found = await messages(cachePerTeam, [gatewayConfigMap(cloud, (config) => { config.litellm_settings.callbacks = ["prometheus"]; })]);
            assert.match(found[0], /the cache has no request policy to namespace it by team/);
        });
    });
});
