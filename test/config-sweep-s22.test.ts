import { strict as assert } from "assert";
import { lineFor, parse, problems, stackValues } from "./helpers";

/**
 * Bad-input sweep s22 (research/bad-input-sweep-s22.md): values each valid alone that vLLM, the
 * cloud or LiteLLM refuses, and settings nothing reads. Each is refused before anything is made,
 * on the key to change, with what would work; each has a valid neighbour that still passes.
 */

type Edit = (v: Record<string, any>) => void;
const only = (stack: string, edit: Edit): string[] => {
    const values = stackValues(stack);
    edit(values);
    return problems(values);
};
const passes = (stack: string, edit: Edit) => {
    const values = stackValues(stack);
    edit(values);
    return parse(values);
};

describe("bad-input sweep s22: models vLLM refuses at start", () => {
    it("refuses a context one GPU's KV cache cannot hold after the weights (M1), and takes one it can", () => {
        const found = only("cloud", (v) => {
            v.inference.models[0].maxModelLen = 131072;
            v.inference.routes.forEach((r: any) => { r.contextWindowFallbacks = []; });
        });
        assert.match(lineFor(found, "inference.models[0].maxModelLen"), /= 131072: is 131072 tokens, but after about [\d.]+ GiB of weights the 1 GPU\(s\) × [\d.]+ GiB usable hold about (\d+) tokens of meta-llama\/Llama-3\.1-8B-Instruct's KV cache \(131072 bytes a token\), and vLLM starts only when one whole sequence fits; give a maxModelLen of at most \1/);
        const most = Number(/at most (\d+)/.exec(lineFor(found, "inference.models[0].maxModelLen"))![1]);
        // 2 × 32 layers × 8 KV heads × 128 × 2 bytes = 128 KiB a token; the A10G's 21.6 GiB less ~17.9 GiB of weights.
        assert.ok(most > 25_000 && most < 35_000, String(most));
        assert.equal(passes("cloud", (v) => { v.inference.models[0].maxModelLen = 24576; v.inference.models[1].maxModelLen = 32768; }).inference!.models[0].maxModelLen, 24576);
    });

    it("refuses a context longer than the model's positions (M2), on CPU too", () => {
        assert.match(lineFor(only("cloud", (v) => { v.inference.models[1].maxModelLen = 131072; }), "inference.models[1].maxModelLen"),
            /= 131072: is more than the 32768 positions Qwen\/Qwen2\.5-0\.5B-Instruct was trained for \(max_position_embeddings in its config\.json\), and vLLM refuses a longer max_model_len at start; give at most 32768/);
        assert.match(lineFor(only("dev", (v) => { v.inference.models[0].maxModelLen = 65536; v.inference.models[0].kvCacheGbs = 8; }), "inference.models[0].maxModelLen"), /is more than the 32768 positions/);
        assert.equal(passes("cloud", (v) => { v.inference.models[1].maxModelLen = 32768; }).inference!.models[1].maxModelLen, 32768);
    });

    it("refuses fp8 where a T4 may serve it (M3), and takes it on Ampere or newer", () => {
        const onT4 = (quantization: string) => (v: Record<string, any>) => {
            v.aws.gpuNodeGroups[0].instanceType = "g4dn.xlarge";
            v.inference.models[0].quantization = quantization;
            v.inference.models[0].dtype = "float16";
            v.inference.models[1].dtype = "float16";
        };
        assert.match(lineFor(only("cloud", onT4("fp8")), "inference.models[0].quantization"),
            /= "fp8": is fp8, but large may run on T4 GPUs \(compute capability 7\.5\), where vLLM refuses fp8 at start \(it needs 8\.0 or more\); use awq or gptq there/);
        assert.equal(passes("cloud", (v) => { v.inference.models[0].quantization = "fp8"; }).inference!.models[0].quantization, "fp8");
    });
});
