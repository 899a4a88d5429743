import { strict as assert } from "assert";
import { lineFor, parsedAfter, problemsAfter } from "./helpers";

/**
 * Bad-input sweep s23 (research/bad-input-sweep-s23.md): quantisation vLLM refuses, names LiteLLM
 * keeps for itself, a setting nothing reads, and a secret's shape on a node. Each is refused before
 * anything is made, on the key to change; each has a valid neighbour that still passes.
 */

type Edit = (v: Record<string, any>) => void;
const only = problemsAfter;
const passes = parsedAfter;

describe("bad-input sweep s23: quantisation vLLM refuses at start", () => {
    it("refuses AWQ or GPTQ on a checkpoint that is not (M1), and a method other than the checkpoint's (M2)", () => {
        assert.match(lineFor(only("cloud", (v) => { Object.assign(v.inference.models[1], { quantization: "awq", dtype: "float16" }); }), "inference.models[1].quantization"),
            /= "awq": is awq, but Qwen\/Qwen2\.5-0\.5B-Instruct is not a AWQ checkpoint by its name, and vLLM loads AWQ weights only from a checkpoint quantised with it \("Cannot find the config file for awq" at start\); serve its -AWQ variant/);
        assert.match(lineFor(only("cloud", (v) => { Object.assign(v.inference.models[1], { model: "Qwen/Qwen2.5-0.5B-Instruct-AWQ", quantization: "gptq", dtype: "float16" }); }), "inference.models[1].quantization"),
            /= "gptq": is gptq, but Qwen\/Qwen2\.5-0\.5B-Instruct-AWQ is quantised with AWQ by its name, and vLLM refuses a method other than the checkpoint's at start; remove quantization/);
        // The checkpoint's own method, none at all (vLLM reads it), and fp8, which quantises as it loads, pass.
        assert.equal(passes("cloud", (v) => { Object.assign(v.inference.models[1], { model: "Qwen/Qwen2.5-0.5B-Instruct-AWQ", quantization: "awq", dtype: "float16" }); }).inference!.models[1].quantization, "awq");
        assert.equal(passes("cloud", (v) => { Object.assign(v.inference.models[1], { model: "Qwen/Qwen2.5-0.5B-Instruct-AWQ", dtype: "float16" }); }).inference!.models[1].quantization, undefined);
        assert.equal(passes("cloud", (v) => { Object.assign(v.inference.models[0], { quantization: "fp8" }); }).inference!.models[0].quantization, "fp8");
        // A name that says the method anywhere (review s23b F6).
        assert.equal(passes("cloud", (v) => { Object.assign(v.inference.models[1], { model: "ModelCloud/Qwen2.5-0.5B-Instruct-gptqmodel-4bit", quantization: "gptq", dtype: "float16" }); }).inference!.models[1].quantization, "gptq");
    });
});

describe("bad-input sweep s23: names LiteLLM keeps for itself (M4)", () => {
    it("refuses a route named for a set of models and the admin UI's team, and takes others", () => {
        for (const name of ["all-org-models", "no-default-models", "all-team-models"]) {
            const found = only("cloud", (v) => { v.inference.routes[1].name = name; });
            assert.match(lineFor(found, "inference.routes[1].name"), new RegExp(`= "${name}": is a name LiteLLM reserves for a set of models \\(all-team-models, all-proxy-models, all-org-models, no-default-models\\)`));
        }
        assert.match(lineFor(only("dev", (v) => { v.inference.teams[0].name = "litellm-dashboard"; }), "inference.teams[0].name"), /= "litellm-dashboard": is the team LiteLLM gives its admin UI's session keys/);
    });
});

describe("bad-input sweep s23: a queue target nothing reads (M6)", () => {
    it("refuses queueDepthTarget on a model that cannot scale, and takes it on one that can", () => {
        assert.match(lineFor(only("dev", (v) => { v.inference.models[0].queueDepthTarget = 50; }), "inference.models[0].queueDepthTarget"),
            /= 50: is ignored: it sets when KEDA adds a replica, and this model has replicas.max 1, no more than replicas.min 1, and no activeHours, so nothing scales it/);
        assert.equal(passes("cloud", (v) => { v.inference.models[0].queueDepthTarget = 8; v.inference.models[0].replicas = { min: 1, max: 2 }; }).inference!.models[0].queueDepthTarget, 8);
    });
});

describe("bad-input sweep s23: a secret's shape on a node (M7)", () => {
    const run = "Qx7Lw2Vb9Nm4Kp8Rt3Zy6Hd1PLANTED7Q9Fs5Gj0Ak7Wq2Ex";
    it("refuses it in a label key or value and in a taint, without showing it", () => {
        const cases: [string, Edit][] = [
            ["oci.nodes[1].labels.example.com/role", (v) => { v.oci.nodes[1].labels = { ...v.oci.nodes[1].labels, "example.com/role": run }; }],
            ["oci.nodes[1].taints[0]", (v) => { v.oci.nodes[1].taints = [`example.com/k=${run.slice(0, 60)}:PreferNoSchedule`]; }],
        ];
        for (const [key, edit] of cases) {
            const found = only("dev", edit);
            assert.ok(!found.join("\n").includes("PLANTED7Q9"), found.join("\n"));
            assert.match(lineFor(found, key), /has the shape of a client secret or API key .*, not of a label or taint, and nodes' labels and taints are readable by anyone who may list nodes/);
        }
        const key = only("dev", (v) => { v.oci.nodes[1].labels = { [`example.com/${run}`]: "x" }; });
        assert.ok(!key.join("\n").includes("PLANTED7Q9"), key.join("\n"));
        assert.match(key.join("\n"), /not of a label or taint/);
        assert.deepEqual(passes("dev", (v) => { v.oci.nodes[1].labels = { "example.com/role": "batch-workers-2024" }; }).oci!.nodes[1].labels, { "example.com/role": "batch-workers-2024" });
        // Words people join stay a label (review s23b F5).
        assert.deepEqual(passes("dev", (v) => { v.oci.nodes[1].labels = { "example.com/pool": "GpuPool1-A10G-24GB-Spot-UsEast1a-Az2-Tier3-v4" }; }).oci!.nodes[1].labels, { "example.com/pool": "GpuPool1-A10G-24GB-Spot-UsEast1a-Az2-Tier3-v4" });
    });
});

describe("bad-input sweep s23: messages that say what to write (W2, W3, W5)", () => {
    it("asks for GiB and cores as numbers, without judging the default in their place (W2)", () => {
        const found = problemsAfter("dev", (v) => { v.inference.models[0].memoryGbs = "6Gi"; v.inference.models[0].cpus = "1250m"; });
        assert.deepEqual(found.filter((l) => /memoryGbs|cpus/.test(l)), [
            'groundwork:inference.models[0].cpus = "1250m": must be a number of cores, such as 1.25 (not a Kubernetes quantity like 1250m)',
            'groundwork:inference.models[0].memoryGbs = "6Gi": must be a number of GiB, such as 6 (not a Kubernetes quantity like 6Gi)',
        ]);
    });

    it("shows a Slack channel as written, and says why it is refused (W3)", () => {
        const found = problemsAfter("cloud", (v) => { v.monitoring.alerts.receiver = { slack: { url: "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX", channel: "#platform alerts" } }; });
        assert.match(lineFor(found, "monitoring.alerts.receiver.slack.channel"), /= "#platform alerts": must be a channel such as #platform-alerts: lower-case letters, digits, '-', '_' and '\.', no spaces/);
    });

    it("tells a number in a text field to be quoted (W5)", () => {
        assert.match(lineFor(problemsAfter("dev", (v) => { v.inference.models[0].revision = 1234567890; }), "inference.models[0].revision"), /= 1234567890: must be a string; YAML read it as a number: put it in quotes$/);
    });
});
