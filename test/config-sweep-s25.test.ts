import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackFile } from "../plan/stack-file";
import { lineFor, parsedAfter, problemsAfter } from "./helpers";

/**
 * Bad-input sweep s25 (research/bad-input-sweep-s25.md): what vLLM refuses at start that the config
 * let through. Each is refused on the key to change, and its valid neighbour still passes.
 */
describe("bad-input sweep s25: AWQ and GPTQ on a GPU with bfloat16 (M1)", () => {
    it("refuses bfloat16 with an explicit awq or gptq on a GPU, and keeps float16, bfloat16 without the setting, and the CPU", () => {
        for (const [model, quantization] of [["Qwen/Qwen2.5-0.5B-Instruct-AWQ", "awq"], ["Qwen/Qwen2.5-0.5B-Instruct-GPTQ-Int4", "gptq"]]) {
            assert.equal(lineFor(problemsAfter("cloud", (v) => { Object.assign(v.inference.models[1], { model, quantization, dtype: "bfloat16" }); }), "inference.models[1].dtype"),
                `groundwork:inference.models[1].dtype = "bfloat16": is bfloat16, but on a GPU vLLM's own ${quantization} kernel, which quantization: ${quantization} selects, takes float16 activations only and refuses bfloat16 at start; set dtype: float16, or remove quantization so that vLLM reads the method from the checkpoint and picks its Marlin kernel, which takes bfloat16`);
            for (const dtype of ["float16"]) {
                assert.equal(parsedAfter("cloud", (v) => { Object.assign(v.inference.models[1], { model, quantization, dtype }); }).inference!.models[1].dtype, dtype);
            }
        }
        // Without the setting vLLM picks the Marlin kernel for the checkpoint, which takes bfloat16; and its CPU AWQ and GPTQ take it.
        assert.equal(parsedAfter("cloud", (v) => { Object.assign(v.inference.models[1], { model: "Qwen/Qwen2.5-0.5B-Instruct-AWQ", dtype: "bfloat16" }); }).inference!.models[1].quantization, undefined);
        assert.equal(parsedAfter("dev", (v) => { Object.assign(v.inference.models[0], { model: "Qwen/Qwen2.5-0.5B-Instruct-AWQ", quantization: "awq", dtype: "bfloat16" }); }).inference!.models[0].dtype, "bfloat16");
    });
});

describe("bad-input sweep s25: a negative price (W1)", () => {
    it("is told it is below zero, not that it is a per-token price", () => {
        const [line, ...rest] = problemsAfter("cloud", (v) => { v.inference.models[0].pricePerMillionTokens.input = -1; });
        assert.equal(rest.length, 0, rest.join("\n"));
        assert.doesNotMatch(line, /per token/);
        assert.match(line, /^groundwork:inference\.models\[0\]\.pricePerMillionTokens\.input = -1: /);
    });
});

describe("bad-input sweep s25: a URL longer than any party must take (M5)", () => {
    it("refuses it by its length, never showing it", () => {
        const long = `https://git.groundwork.example/p/blob/main/README.md?${"x".repeat(100_000)}`;
        const [line] = problemsAfter("dev", (v) => { v.monitoring.alerts.runbookUrl = long; });
        assert.match(line, /^groundwork:monitoring\.alerts\.runbookUrl = \[text of 100053 characters, not shown as it may hold a secret\]: is longer than the 8000 characters a URL here may be \(RFC 9110, section 4\.1\); give the address itself$/);
        assert.ok(!line.includes("xxxxxxxxxx"), "the URL is not shown");
    });
});

describe("bad-input sweep s25: an AWS FIPS endpoint (M4)", () => {
    it("is read as AWS's, so a region other than its own is refused, and its own passes", () => {
        const at = (region: string) => (v: Record<string, any>) => { Object.assign(v.platform.postgres.backup.s3, { endpointURL: "https://s3-fips.us-east-1.amazonaws.com", region }); };
        assert.match(lineFor(problemsAfter("edge", at("eu-central-1")), "platform.postgres.backup.s3.region"), /is eu-central-1, but the endpoint is AWS's in us-east-1/);
        assert.equal(parsedAfter("edge", at("us-east-1")).platform.postgres.backup.s3!.region, "us-east-1");
    });
});

describe("bad-input sweep s25: a null where a map of labels goes (W6)", () => {
    it("says a map of keys, as YAML calls it", () => {
        assert.match(lineFor(problemsAfter("edge", (v) => { v.edge.machines[0].labels = null; }), "edge.machines[0].labels"), /: must be a map of keys$/);
    });
});

describe("bad-input sweep s25: a key longer than YAML allows (W4)", () => {
    it("says so, instead of a message cut at the colon in yaml's own words", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-stack-"));
        const file = path.join(dir, "Pulumi.long.yaml");
        fs.writeFileSync(file, `config:\n  groundwork:${"k".repeat(2000)}: 1\n`);
        assert.throws(() => readStackFile(file, "groundwork"), (e: Error) => {
            assert.match(e.message, /Pulumi\.long\.yaml:2:\d+: near groundwork:\[a key of 2000 characters, not shown as it may be a secret\]: has a key longer than the 1,024 characters YAML allows a key written on one line; fix the YAML/);
            assert.ok(!e.message.includes("kkkkkkkkkk"), "the key is not shown");
            return true;
        });
    });
});

describe("bad-input sweep s25: a one-label domain (F3)", () => {
    const internal = (v: Record<string, any>) => {
        v.access.domain = "internal";
        v.access.hosts = { gateway: "ai.internal", langfuse: "langfuse.internal", vault: "vault.internal" };
    };
    it("is taken with the stack's own CA, where ICANN's .internal is what private-ca is for", () => {
        assert.equal(parsedAfter("edge", internal).access!.domain, "internal");
    });
    it("is refused with a public CA, which issues for no top-level domain alone; a host is still two labels or more", () => {
        const acme = problemsAfter("dev", (v) => { v.access.domain = "groundwork"; v.access.hosts = { ...v.access.hosts, gateway: "ai.groundwork" }; });
        assert.match(lineFor(acme, "access.domain"), /^groundwork:access\.domain = "groundwork": "groundwork" is a single label \(a top-level domain\), which no one can prove to own to a public CA, so tls\.issuer acme gets no certificate; give your domain, such as ai\.example\.com, or use tls\.issuer private-ca$/);
        const host = problemsAfter("edge", (v) => { internal(v); v.access.hosts.vault = "internal"; });
        assert.match(lineFor(host, "access.hosts.vault"), /= "internal": must be a lower-case DNS name of two or more labels, such as chat\.example\.com/);
    });
});
