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

describe("bad-input sweep s22: clouds and budgets that cannot hold what is asked", () => {
    it("refuses two tenancies in one OCI site (M4): the key's and tenancyOcid, or another tenancy's root as the compartment", () => {
        const other = "ocid1.tenancy.oc1..aaaaaaaaothertenancyzzzz";
        const auth = () => ({ tenancyOcid: other, userOcid: "ocid1.user.oc1..aaaaaaaauser", fingerprint: "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99", privateKey: "stand-in" });
        assert.match(lineFor(only("dev", (v) => { v.oci.auth = auth(); }), "oci.tenancyOcid"),
            /= "ocid1\.tenancy\.oc1\.\.aaaaaaaagroundworkdevstandin": is not auth\.tenancyOcid \(ocid1\.tenancy\.oc1\.\.aaaaaaaaothertenancyzzzz\), the tenancy the API key signs for/);
        assert.match(lineFor(only("dev", (v) => { v.oci.compartmentId = other; }), "oci.compartmentId"),
            /is another tenancy's root compartment than ocid1\.tenancy\.oc1\.\.aaaaaaaagroundworkdevstandin, where the stack makes its identity resources/);
        // The tenancy's own root is a compartment of it.
        assert.equal(passes("dev", (v) => { v.oci.compartmentId = v.oci.tenancyOcid; }).oci!.compartmentId, "ocid1.tenancy.oc1..aaaaaaaagroundworkdevstandin");
    });

    it("refuses OCI subnets too small for their nodes, counting OCI's three reserved addresses and the servers' fixed ones (M5)", () => {
        assert.match(lineFor(only("dev", (v) => { v.oci.publicSubnetCidr = "10.0.0.0/30"; }), "oci.publicSubnetCidr"),
            /= "10\.0\.0\.0\/30": is a \/30 of 4 addresses, but the servers take fixed addresses in it, host 10, short of its last; use a \/28 or larger/);
        assert.match(lineFor(only("dev", (v) => { v.oci.privateSubnetCidr = "10.0.1.0/30"; v.oci.nodes.push({ ...v.oci.nodes[1], name: "agent-2", ocpus: 1, memoryGbs: 1 }); v.oci.nodes[1].ocpus = 1; v.oci.nodes[1].memoryGbs = 11; }), "oci.privateSubnetCidr"),
            /= "10\.0\.1\.0\/30": is a \/30, whose 4 addresses leave 1 for nodes once OCI keeps its first two and its last, but 2 node\(s\) go in it; use a \/29 or larger/);
        // A server in the private subnet would take a fixed address of the public one.
        assert.match(lineFor(only("dev", (v) => { v.oci.nodes[1].role = "server"; v.oci.nodes[1].public = false; }), "oci.nodes[1].public"), /is false on agent-1, a server, but servers take fixed addresses in the public subnet/);
        assert.equal(passes("dev", (v) => { v.oci.publicSubnetCidr = "10.0.0.0/28"; }).oci!.publicSubnetCidr, "10.0.0.0/28");
    });

    it("refuses AWS subnets that cannot hold the GPU nodes at their largest (M6), and GPU groups that share a name (M7)", () => {
        const found = only("cloud", (v) => {
            v.aws.publicSubnetCidrs = ["10.1.0.0/28", "10.1.0.16/28"];
            v.aws.privateSubnetCidrs = ["10.1.0.32/28", "10.1.0.48/28"];
            v.aws.gpuNodeGroups[1].autoscaling = { min: 0, max: 30 };
            v.cost.monthlyBudgetUsd = 100000;
        });
        assert.match(lineFor(found, "aws.privateSubnetCidrs"), /leave 22 addresses for nodes once AWS keeps five of each subnet, but the GPU node groups reach 31 node\(s\) at their largest; use larger subnets/);
        assert.match(lineFor(only("cloud", (v) => { v.aws.gpuNodeGroups.push({ name: "gpu-a10g", instanceType: "g5.xlarge", count: 0 }); }), "aws.gpuNodeGroups[2].name"),
            /= "gpu-a10g": is also gpuNodeGroups\[0\]'s name; each group needs its own/);
    });

    it("refuses a budget period LiteLLM cannot date the next reset of (M8), and takes ten years", () => {
        assert.match(lineFor(only("dev", (v) => { v.inference.teams[0].budgetDuration = "3000000d"; }), "inference.teams[0].budgetDuration"),
            /= "3000000d": is longer than ten years \(3650d, 521w, 117mo\): LiteLLM dates the next reset by adding the period to today, which fails past the year 9999/);
        assert.match(lineFor(only("dev", (v) => { v.inference.teams[0].budgetDuration = "118mo"; }), "inference.teams[0].budgetDuration"), /is longer than ten years/);
        assert.equal(passes("dev", (v) => { v.inference.teams[0].budgetDuration = "3650d"; }).inference!.teams[0].budgetDuration, "3650d");
    });
});
