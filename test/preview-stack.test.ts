import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { createPreviewStack, previewStackFile, PulumiRunner, runPreviewStackCli } from "../plan/preview-stack";
import { placeholderFor, readStackFile } from "../plan/stack-file";
import { isSecureValue } from "../stacks/config/encrypted-values";
import { parseStackConfig } from "../stacks/config";
import { PROJECT_DIR } from "./helpers";

/**
 * The throwaway stack a pull request's preview runs against (plan/preview-stack.ts): the pull
 * request's config with every encrypted value a placeholder, the deployer's identity removed.
 */

const STACKS = ["dev", "cloud", "hybrid", "edge"];
const stackText = (stack: string) => fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");

/** What `pulumi config set --path --secret` leaves in the file: the value encrypted at that path. */
function encryptAt(config: Record<string, unknown>, key: string): void {
    // As the CLI reads a path: a quoted key byte for byte, `\"` its only escape (pulumi/pulumi@v3.248.0 properties_path.go).
    const [top, ...rest] = [...key.matchAll(/^[^.[]+|\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\["((?:\\"|[^"])*)"\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[3] !== undefined ? m[3].replace(/\\"/g, '"') : m[1] ?? m[0]));
    let at: any = config;
    const parts = [top, ...rest];
    for (const part of parts.slice(0, -1)) at = at[part];
    at[parts[parts.length - 1]] = { secure: "v1:cGFzc3BocmFzZS1jaXBoZXJ0ZXh0" };
}

/** A recording stand-in for the CLI: argv and stdin of each call. */
function recorder(): { calls: { args: string[]; input?: string }[]; pulumi: PulumiRunner } {
    const calls: { args: string[]; input?: string }[] = [];
    return { calls, pulumi: (args, input) => void calls.push({ args, input }) };
}

/** A stack file of the given text, in a folder of its own. */
function written(text: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-preview-file-")), "Pulumi.t.yaml");
    fs.writeFileSync(file, text);
    return file;
}

function projectCopy(stack: string, text = stackText(stack)): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-preview-stack-"));
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    return dir;
}

describe("the preview stack of a pull request", () => {
    for (const stack of STACKS) {
        it(`${stack}: keeps every plain value, replaces each encrypted one with the offline plan's placeholder, and the program's config check passes it`, () => {
            const text = stackText(stack);
            const file = `Pulumi.${stack}.yaml`;
            const preview = previewStackFile(path.join(PROJECT_DIR, file), "groundwork");
            const original = readStackFile(path.join(PROJECT_DIR, file), "groundwork");
            // One placeholder per encrypted path, the same the offline plan uses.
            assert.equal(preview.secrets.length, original.securePaths.length);
            assert.ok(preview.secrets.length >= 3);
            for (const secret of preview.secrets) assert.equal(secret.value, placeholderFor(secret.key.replace(/\["([^"]*)"\]/g, ".$1")));
            // No ciphertext of the pull request's file survives, nor any secure: entry.
            for (const cipher of text.match(/v1:[A-Za-z0-9+/=]+/g)!) assert.ok(!preview.text.includes(cipher), cipher);
            assert.ok(!/secure:|encryptionsalt|secretsprovider|encryptedkey/.test(preview.text));
            // With each value set again encrypted (what the CLI does), the file reads as the original does.
            const written = YAML.parse(preview.text);
            for (const secret of preview.secrets) encryptAt(written.config, secret.key);
            const dir = projectCopy(stack, YAML.stringify(written));
            const reread = readStackFile(path.join(dir, file), "groundwork");
            assert.deepEqual(reread.securePaths, original.securePaths);
            assert.deepEqual(reread.config, original.config, "every plain value and placeholder as the offline plan reads them");
            assert.doesNotThrow(() => parseStackConfig(reread.config, reread.secretKeys, reread.securePaths));
        });
    }

    it("takes out the deployer's identity, keeping its tenancy, and any provider's encrypted setting", () => {
        const text = [
            "config:",
            "  aws:region: eu-central-1",
            "  aws:profile: deployer",
            "  oci:privateKey:",
            "    secure: v1:b2NpLXByb3ZpZGVyLWtleQ==",
            "  oci:region: eu-frankfurt-1",
            "  oci:someSecret:",
            "    secure: v1:cHJvdmlkZXItc2VjcmV0",
            "  groundwork:oci:",
            "    region: eu-frankfurt-1",
            "    auth:",
            "      tenancyOcid: ocid1.tenancy.oc1..aaaaaaaadeployer",
            "      userOcid: ocid1.user.oc1..aaaaaaaadeployer",
            "      fingerprint: \"12:34\"",
            "      privateKey:",
            "        secure: v1:ZGVwbG95ZXIta2V5",
            "  groundwork:inference:",
            "    teams:",
            "      - name: ml-research",
            "        keys:",
            "          team-a.b:",
            "            secure: v1:dGVhbS1rZXk=",
            "",
        ].join("\n");
        const preview = previewStackFile(written(text), "groundwork");
        const config = YAML.parse(preview.text).config;
        assert.deepEqual(Object.keys(config).sort(), ["aws:region", "groundwork:inference", "groundwork:oci", "oci:region"]);
        assert.deepEqual(config["groundwork:oci"], { region: "eu-frankfurt-1", tenancyOcid: "ocid1.tenancy.oc1..aaaaaaaadeployer" });
        assert.deepEqual(preview.removed.sort(), ["aws:profile", "groundwork:oci.auth", "oci:privateKey", "oci:someSecret"]);
        // The production stack's secrets provider and ESC environments are not the preview's.
        const withProvider = previewStackFile(written(`secretsprovider: awskms://alias/groundwork\nencryptedkey: AQICAHh\nenvironment:\n  - groundwork/prod\n${text}`), "groundwork");
        assert.deepEqual(withProvider.removed.slice(0, 3), ["encryptedkey:", "environment:", "secretsprovider:"]);
        assert.deepEqual(Object.keys(YAML.parse(withProvider.text)), ["config"]);
        // A map key the CLI's path syntax cannot write bare is quoted (pulumi/pulumi@v3.248.0 resource.ParsePropertyPath).
        assert.deepEqual(preview.secrets.map((s) => s.key), ['groundwork:inference.teams[0].keys["team-a.b"]']);
        assert.equal(config["groundwork:inference"].teams[0].keys["team-a.b"], "");
        // Quotes are escaped as the CLI un-escapes them; other backslashes are kept as they are, and one the CLI would misread is refused.
        const oddKeys = (key: string) => previewStackFile(written(text.replace("          team-a.b:", `          ${JSON.stringify(key)}:`)), "groundwork");
        for (const key of ['say "hi"', "C:\\models\\x", "tab\there"]) {
            const odd = oddKeys(key);
            const cli = YAML.parse(odd.text).config;
            encryptAt(cli, odd.secrets[0].key);
            assert.deepEqual(Object.keys(cli["groundwork:inference"].teams[0].keys), [key], `${JSON.stringify(key)} written as ${odd.secrets[0].key}`);
            assert.ok(isSecureValue(cli["groundwork:inference"].teams[0].keys[key]));
        }
        assert.equal(oddKeys('say "hi"').secrets[0].key, 'groundwork:inference.teams[0].keys["say \\"hi\\""]');
        assert.equal(oddKeys("C:\\models\\x").secrets[0].key, 'groundwork:inference.teams[0].keys["C:\\models\\x"]');
        assert.throws(() => oddKeys("ends\\"), /the key "ends\\\\" ends in a backslash, which pulumi config set --path cannot address; rename the key/);
        // A backslash before a quote is written as the CLI reads it back (review s16).
        const quoted = oddKeys('a\\"b');
        const cli = YAML.parse(quoted.text).config;
        encryptAt(cli, quoted.secrets[0].key);
        assert.deepEqual(Object.keys(cli["groundwork:inference"].teams[0].keys), ['a\\"b']);
        // A tenancy set of its own stays as it is.
        const own = previewStackFile(written(text.replace("    region: eu-frankfurt-1\n    auth:", "    region: eu-frankfurt-1\n    tenancyOcid: ocid1.tenancy.oc1..aaaaaaaaown\n    auth:")), "groundwork");
        assert.equal(YAML.parse(own.text).config["groundwork:oci"].tenancyOcid, "ocid1.tenancy.oc1..aaaaaaaaown");
    });

    it("writes strings quoted, so the CLI's YAML reads back the same text (no, 0123, a colon, a newline)", () => {
        const text = 'config:\n  groundwork:x:\n    a: "no"\n    b: "0123"\n    c: "a: b"\n    d: "line\\nnext"\n    e: 5\n    f: true\n';
        const back = YAML.parse(previewStackFile(written(text), "groundwork").text, { version: "1.1" }).config["groundwork:x"];
        assert.deepEqual(back, { a: "no", b: "0123", c: "a: b", d: "line\nnext", e: 5, f: true });
    });

    it("refuses a stack file the CLI would not read, naming the line, and a key its --path cannot address", () => {
        assert.throws(() => previewStackFile(written("config:\n  groundwork:a: 1\n  groundwork:a: 2\n"), "groundwork"), /Pulumi\.t\.yaml:3:\d+/);
        assert.throws(() => previewStackFile(written("config:\n  groundwork:a.b:\n    secure: v1:eA==\n"), "groundwork"), /config key groundwork:a\.b holds '\.' or '\['/);
    });

    it("creates the stack: login to the file backend, init with the passphrase provider, each placeholder on stdin, never in argv", () => {
        const dir = projectCopy("edge");
        const backend = path.join(dir, "state");
        const { calls, pulumi } = recorder();
        const lines = createPreviewStack({ stack: "edge", projectDir: dir, backendDir: backend }, pulumi);
        const cwd = ["--cwd", dir];
        assert.deepEqual(calls[0].args, [...cwd, "login", `file://${backend}`]);
        assert.deepEqual(calls[1].args, [...cwd, "stack", "init", "edge", "--secrets-provider", "passphrase"]);
        const sets = calls.slice(2);
        const expected = previewStackFile(path.join(PROJECT_DIR, "Pulumi.edge.yaml"), "groundwork").secrets;
        assert.equal(sets.length, expected.length);
        sets.forEach((call, i) => {
            assert.deepEqual(call.args, [...cwd, "config", "set", "--stack", "edge", "--path", "--secret", "--raw", expected[i].key]);
            assert.equal(call.input, expected[i].value);
            assert.ok(!call.args.some((a) => a.includes("offline-placeholder")), "values never in argv");
        });
        assert.ok(fs.existsSync(backend));
        assert.ok(!fs.readFileSync(path.join(dir, "Pulumi.edge.yaml"), "utf8").includes("secure:"), "the pull request's stack file is replaced");
        assert.match(lines[0], /^preview stack edge in file:\/\/.*\/state, no state$/);
        assert.ok(lines.includes("placeholder: groundwork:edge.machines[0].privateKey"), lines.join("\n"));
        // A backend folder that holds anything is refused: the stack must start empty.
        assert.throws(() => createPreviewStack({ stack: "edge", projectDir: projectCopy("edge"), backendDir: dir }, recorder().pulumi), /--backend-dir .*: not empty/);
    });

    it("runs the real CLI by name with --non-interactive, the value on stdin (a stand-in pulumi on PATH)", () => {
        const dir = projectCopy("dev");
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-fake-pulumi-"));
        const log = path.join(bin, "calls.log");
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\nprintf '%s|' "$@" >> '${log}'\nprintf ' stdin=' >> '${log}'\ncat >> '${log}'\nprintf '\\n' >> '${log}'\n`, { mode: 0o755 });
        const saved = { path: process.env.PATH, passphrase: process.env.PULUMI_CONFIG_PASSPHRASE };
        process.env.PATH = `${bin}:${process.env.PATH}`;
        process.env.PULUMI_CONFIG_PASSPHRASE = "run-passphrase";
        const out: string[] = [];
        try {
            assert.equal(runPreviewStackCli(["--stack", "dev", "--project-dir", dir, "--backend-dir", path.join(dir, "state")], { out: (t) => out.push(t), err: (t) => out.push(t) }), 0, out.join(""));
        } finally {
            process.env.PATH = saved.path;
            if (saved.passphrase === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
            else process.env.PULUMI_CONFIG_PASSPHRASE = saved.passphrase;
        }
        const calls = fs.readFileSync(log, "utf8").trim().split("\n");
        assert.ok(calls.every((c) => c.startsWith(`--non-interactive|--cwd|${dir}|`)), calls.join("\n"));
        assert.match(calls[2], /\|config\|set\|--stack\|dev\|--path\|--secret\|--raw\|groundwork:access\.sso\.clientSecret\| stdin=offline-placeholder-for-groundwork:access\.sso\.clientSecret$/);
    });

    it("exits 2 naming what is missing: the stack, the folders, the passphrase", () => {
        const run = (argv: string[], pulumi?: PulumiRunner) => {
            const err: string[] = [];
            return { status: runPreviewStackCli(argv, { out: () => undefined, err: (t) => err.push(t) }, pulumi), err: err.join("") };
        };
        assert.match(run([]).err, /--stack: required/);
        assert.equal(run(["--stack", "dev"]).status, 2);
        assert.match(run(["--stack", "dev"]).err, /--project-dir: required/);
        assert.match(run(["--stack", "dev", "--project-dir", "."]).err, /--backend-dir: required/);
        const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
        delete process.env.PULUMI_CONFIG_PASSPHRASE;
        try {
            assert.match(run(["--stack", "dev", "--project-dir", ".", "--backend-dir", "/tmp/x"]).err, /PULUMI_CONFIG_PASSPHRASE: not set/);
        } finally {
            if (saved !== undefined) process.env.PULUMI_CONFIG_PASSPHRASE = saved;
        }
        const missing = run(["--stack", "nosuch", "--project-dir", PROJECT_DIR, "--backend-dir", "/tmp/x"], recorder().pulumi);
        assert.equal(missing.status, 2);
        assert.match(missing.err, /no stack file .*Pulumi\.nosuch\.yaml/);
    });
});
