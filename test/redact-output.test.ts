import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateKeyPairSync } from "crypto";
import { MIN_FRAGMENT, redact, runRedactOutputCli, secretFragments } from "../plan/redact-output";

/** A real RSA key, as the OCI provider is given it, so its lines are what a provider error prints. */
const KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

describe("redact-output: the preview's credentials removed before the output leaves the job", () => {
    it("replaces a key whole, line by line, and JSON-escaped, and leaves the rest of the output", () => {
        const lines = KEY.trim().split("\n");
        const text = [
            "Previewing update (dev):",
            `error: oci: can't parse private key:\n${KEY}`,
            `  inputs: {"privateKey":${JSON.stringify(KEY)}}`,
            `  line 7 of the key: ${lines[7]}`,
            "Resources: 412 to create",
        ].join("\n");
        const { text: out, replaced } = redact(text, [KEY]);
        for (const line of lines.slice(1, -1)) assert.ok(!out.includes(line), "no line of the key's body is left");
        assert.ok(!out.includes(JSON.stringify(KEY).slice(1, -1)));
        assert.match(out, /^Previewing update \(dev\):$/m);
        assert.match(out, /^ {2}line 7 of the key: \*\*\*$/m);
        assert.match(out, /^Resources: 412 to create$/m);
        assert.ok(replaced >= 3, `replaced ${replaced}`);
    });

    it("replaces every JSON Web Token, a GitHub OIDC token the job minted included, and nothing shaped otherwise (review s18 N8)", () => {
        const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmEvYjplbnZpcm9ubWVudDpwcmV2aWV3In0.c2lnbmF0dXJl";
        const { text, replaced } = redact(`error: token ${jwt} refused; see eyJ docs`, []);
        assert.deepEqual([text, replaced], ["error: token *** refused; see eyJ docs", 1]);
    });

    it("leaves fragments too short to be secret, so a short value cannot shred the output", () => {
        assert.deepEqual(secretFragments("true"), []);
        assert.deepEqual(secretFragments("a".repeat(MIN_FRAGMENT)), ["a".repeat(MIN_FRAGMENT)]);
        assert.equal(redact("dry run: true", ["true"]).text, "dry run: true");
    });

    it("rewrites the file in place from the named variables, reports counts never values, and skips unset ones", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redact-"));
        const file = path.join(dir, "preview.txt");
        const passphrase = "9f".repeat(32);
        fs.writeFileSync(file, `PULUMI_CONFIG_PASSPHRASE=${passphrase}\n${KEY}done\n`);
        const io = { outText: "", errText: "", out(t: string) { this.outText += t; }, err(t: string) { this.errText += t; } };
        const code = runRedactOutputCli(["--file", file, "--env", "TF_VAR_private_key", "--env", "PULUMI_CONFIG_PASSPHRASE", "--env", "AWS_SESSION_TOKEN"], io, { TF_VAR_private_key: KEY, PULUMI_CONFIG_PASSPHRASE: passphrase });
        assert.equal(code, 0, io.errText);
        const out = fs.readFileSync(file, "utf8");
        assert.ok(!out.includes(passphrase) && !out.includes(KEY.split("\n")[3]));
        assert.match(out, /^PULUMI_CONFIG_PASSPHRASE=\*\*\*$/m);
        assert.match(out, /done\n$/);
        assert.match(io.outText, /: \d+ replacement\(s\) of 2 secret\(s\)\n$/);
        assert.ok(!io.outText.includes(passphrase));
        fs.rmSync(dir, { recursive: true });
    });

    it("refuses bad arguments with the flag, the value and what is wanted, and exit 2", () => {
        const run = (argv: string[]) => {
            const io = { text: "", out(t: string) { this.text += t; }, err(t: string) { this.text += t; } };
            return { code: runRedactOutputCli(argv, io, {}), text: io.text };
        };
        assert.deepEqual(run(["--env", "X"]).code, 2);
        assert.match(run(["--env", "X"]).text, /^error: --file: required/);
        assert.match(run(["--file", "/nonexistent/preview.txt", "--env", "X"]).text, /--file: \/nonexistent\/preview\.txt does not exist/);
        assert.match(run(["--file", "f"]).text, /--env: required at least once/);
        const value = run(["--file", "f", "--env", "AWS_SESSION_TOKEN", "--env", "MIIEvQIB AAKB"]);
        assert.equal(value.code, 2);
        assert.match(value.text, /--env: the 2nd value is not a variable name \(letters, digits and '_'\); give the variable's name, never its value/);
        assert.ok(!value.text.includes("MIIEvQIB"), "a value given by mistake is never shown");
    });
});
