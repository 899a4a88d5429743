import { strict as assert } from "assert";
import { EVALUATED_ROUTES_ANNOTATION as COMPONENT_EVALUATED } from "../../components/inference/route-evaluations";
import { PROMPT_ROUTES_ANNOTATION as COMPONENT_PROMPTS } from "../../components/inference/prompt-library";
import { EVALUATED_ROUTES_ANNOTATION, PROMPT_ROUTES_ANNOTATION, productionPromptsEvaluated } from "../../policies/ai-use/prompt-evaluations";
import { runPolicy } from "../../policies/policy-run";
import { committedPlan } from "../helpers";
import { messages, record } from "./harness";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const prompts = (routes: Record<string, string>) => record(CONFIG_MAP, { metadata: { name: "prompts", annotations: { [PROMPT_ROUTES_ANNOTATION]: JSON.stringify(routes) } } }, "prompts");
const evaluations = (routes: string[]) => record(CONFIG_MAP, { metadata: { name: "evaluations", annotations: { [EVALUATED_ROUTES_ANNOTATION]: JSON.stringify(routes) } } }, "evaluations");

describe("production-prompt-evaluated", () => {
    it("reads the annotations the components write", () => {
        assert.equal(PROMPT_ROUTES_ANNOTATION, COMPONENT_PROMPTS);
        assert.equal(EVALUATED_ROUTES_ANNOTATION, COMPONENT_EVALUATED);
    });

    it("passes when every route serving a production prompt is evaluated", async () => {
        assert.deepEqual(await messages(productionPromptsEvaluated, [prompts({ "assistant/answer": "small" }), evaluations(["small", "chat"])]), []);
    });

    it("fails a production prompt whose route has no evaluation, saying which file to add", async () => {
        assert.deepEqual(await messages(productionPromptsEvaluated, [prompts({ "assistant/answer": "small", "support/summarize-ticket": "chat" }), evaluations(["small"])]), [
            "prompt support/summarize-ticket is served as production on route chat, which has no evaluation; add evaluations/chat.yaml with a dataset and evaluators",
        ]);
        assert.equal((await messages(productionPromptsEvaluated, [prompts({ "assistant/answer": "small" })])).length, 1, "no evaluations at all");
    });

    it("fails an annotation that is not JSON rather than passing it", async () => {
        const broken = record(CONFIG_MAP, { metadata: { name: "prompts", annotations: { [PROMPT_ROUTES_ANNOTATION]: "{small" } } }, "prompts");
        assert.deepEqual(await messages(productionPromptsEvaluated, [broken]), [`annotation ${PROMPT_ROUTES_ANNOTATION} on ConfigMap prompts is not JSON`]);
    });

    it("passes every committed stack", async () => {
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            const plan = await committedPlan(stack);
            const found = await runPolicy(productionPromptsEvaluated, plan.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs as Record<string, any> })));
            assert.deepEqual(found.map((v) => v.message), [], stack);
        }
    });
});
