import { PLAN_FILE_NAMES } from "../plan/report";
import { generateKeyPairSync } from "crypto";
import { BUCKET_CONSUMERS } from "../stacks/config/postgres";
import { ociKeyFingerprint } from "../stacks/config/oci";
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { OFFLINE_OUTPUTS } from "../plan/offline-data";
import { reportCliError } from "../plan/cli-errors";
import { planStack, programStackFrames } from "../plan/run";
import { keygen, planCli, PROJECT_DIR } from "./helpers";

/** Runs `npm run plan -- <args>` as a user would (without npm's own banner), in a new process. */
function spawnPlan(...args: string[]) {
    const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), "plan/cli.ts", ...args], { cwd: PROJECT_DIR, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function filesUnder(dir: string): Record<string, string> {
    return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-plan-"));

describe("npm run plan", function () {
    it("plans the dev stack into out/dev: resources.json and manifests.yaml", async function () {
        // A new Node, TypeScript and a whole plan: 4 s alone, over a minute on a machine busy with other plans.
        this.timeout(180_000);
        const run = spawnPlan("--stack", "dev");
        assert.equal(run.status, 0, run.stderr);
        const resources: { type: string; name: string }[] = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "out/dev/resources.json"), "utf8"));
        const types = new Set(resources.map((r) => r.type));
        for (const type of [
            "oci:Core/vcn:Vcn", "oci:Core/subnet:Subnet", "oci:Core/securityList:SecurityList", "oci:Core/routeTable:RouteTable",
            "oci:Core/instance:Instance", "random:index/randomPassword:RandomPassword", "command:remote:Command", "pulumi:providers:kubernetes",
        ]) {
            assert.ok(types.has(type), `resources.json lacks ${type}`);
        }
        const manifests = YAML.parseAllDocuments(fs.readFileSync(path.join(PROJECT_DIR, "out/dev/manifests.yaml"), "utf8"));
        assert.ok(manifests.every((d) => d.errors.length === 0));
        const kinds = manifests.map((d) => d.toJS().kind);
        assert.ok(kinds.includes("Namespace") && kinds.includes("HelmRelease"), kinds.join());
        assert.match(run.stdout, /Offline plan of stack "dev" \(project groundwork\): \d+ resources/);
        assert.match(run.stdout, /^ {2}kubeconfig: "\[secret\]"$/m);
    });

    it("never writes or prints a secret: a planted config secret, the token, keys and the kubeconfig", async () => {
        // A real API signing key: OCI's is RSA in PEM, and the config checks that.
        const planted = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
        const webhook = "https://hooks.example.invalid/services/PLANTED-0b7e2d4a8c1f-webhook-token";
        const out = tmp();
        // The stack file names the key by its fingerprint, which the config checks against the key.
        const stackFile = path.join(tmp(), "Pulumi.secrets.yaml");
        fs.mkdirSync(path.dirname(stackFile), { recursive: true });
        fs.writeFileSync(stackFile, fs.readFileSync("test/fixtures/Pulumi.secrets.yaml", "utf8").replace(/fingerprint: \S+/, `fingerprint: ${ociKeyFingerprint(planted)}`));
        const run = await planCli("--stack", "secrets", "--stack-file", stackFile, "--out", out,
            "--secret", `groundwork:oci.auth.privateKey=${planted}`, "--secret", `groundwork:monitoring.alerts.receiver.webhook.url=${webhook}`);
        assert.equal(run.status, 0, run.stderr);
        const written = filesUnder(out);
        assert.deepEqual(Object.keys(written).sort(), ["cost.json", "cost.md", "manifests.yaml", "policy-report.json", "policy-report.md", "resources.json"]);
        // The stand-in values the mock runtime hands the program for generated secrets.
        const token = OFFLINE_OUTPUTS["random:index/randomPassword:RandomPassword"]("k3s-token", { length: 64 }).result as string;
        const sshKey = OFFLINE_OUTPUTS["tls:index/privateKey:PrivateKey"]("operator-ssh", {}).privateKeyOpenssh as string;
        const clientKey = "T0ZGTElORS1QTEFOLUtFWQ==";
        for (const secret of [planted, planted.split("\n")[1], webhook, "PLANTED-0b7e2d4a8c1f", token, sshKey.split("\n")[1], clientKey]) {
            for (const [name, text] of Object.entries({ ...written, stdout: run.stdout, stderr: run.stderr })) {
                assert.ok(!text.includes(secret), `${name} contains a secret (${secret.slice(0, 12)}...)`);
            }
        }
        const provider = JSON.parse(written["resources.json"]).find((r: { type: string }) => r.type === "pulumi:providers:oci");
        assert.equal(provider.inputs.privateKey, "[secret]");
        assert.deepEqual(provider.secretInputs, ["privateKey"]);
        assert.doesNotMatch(run.stdout, /stood in/, "a supplied secret is not a placeholder");
    });

    for (const [stack, keys] of [
        ["cloud", ["groundwork:inference.huggingfaceToken", "groundwork:inference.hosted[0].apiKey", "groundwork:access.sso.clientSecret", "groundwork:monitoring.alerts.receiver.email.password", "groundwork:inference.teams[0].langfuseProject.secretKey"]],
        ["hybrid", ["groundwork:edge.machines[0].privateKey", "groundwork:edge.machines[1].privateKey", "groundwork:inference.huggingfaceToken", "groundwork:access.sso.clientSecret", "groundwork:monitoring.alerts.receiver.teams.url", "groundwork:inference.teams[0].langfuseProject.secretKey"]],
        ["edge", [...[0, 1, 2].map((i) => `groundwork:edge.machines[${i}].privateKey`), ...BUCKET_CONSUMERS.flatMap((c) => ["accessKeyId", "secretAccessKey"].map((k) => `groundwork:platform.postgres.backup.s3.keys.${c}.${k}`)), "groundwork:monitoring.alerts.receiver.webhook.url", "groundwork:inference.teams[0].langfuseProject.secretKey"]],
    ] as [string, string[]][]) {
        it(`plans the ${stack} stack with planted secrets and writes none of them`, async () => {
            const out = tmp();
            // A URL-shaped key gets a URL (config checks its shape), with the planted token in its path;
            // an SSH key is a real one (config checks that too); keys and tokens are one word, an
            // OpenAI key with the sk- every OpenAI key starts with, a Hugging Face token with hf_, a Langfuse
            // secret key with sk-lf- (config checks those too).
            const planted = keys.map((k, i) => /privateKey$/.test(k) ? keygen("ed25519").privateKey
                : `${/url$/i.test(k) ? "https://hooks.example.invalid/" : /hosted\[\d\]\.apiKey$/.test(k) ? "sk-" : /huggingfaceToken$/.test(k) ? "hf_" : /langfuseProject\.secretKey$/.test(k) ? "sk-lf-" : ""}-----BEGIN_OPENSSH_PRIVATE_KEY-----planted${i}c0ffee${stack}-----END`);
            // Every OpenSSH key starts alike: a real key's tell is a line of its random body.
            const tell = (secret: string) => (secret.endsWith("-----END OPENSSH PRIVATE KEY-----\n") ? secret.split("\n")[3] : secret.slice(35, 50));
            const run = await planCli("--stack", stack, "--out", out, ...keys.flatMap((k, i) => ["--secret", `${k}=${planted[i]}`]));
            assert.equal(run.status, 0, run.stderr);
            const written = filesUnder(out);
            assert.ok(YAML.parseAllDocuments(written["manifests.yaml"]).every((d) => d.errors.length === 0));
            for (const secret of planted) {
                for (const [name, text] of Object.entries({ ...written, stdout: run.stdout })) {
                    assert.ok(!text.includes(secret) && !text.includes(tell(secret)), `${stack}: ${name} contains a planted secret`);
                }
            }
            assert.doesNotMatch(run.stdout, /stood in/);
        });
    }

    it("stands in a placeholder for encrypted config it cannot decrypt, and says which", async () => {
        const out = tmp();
        const run = await planCli("--stack", "secrets", "--stack-file", "test/fixtures/Pulumi.secrets.yaml", "--out", out);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /Encrypted config stood in for offline \(pass --secret KEY=VALUE to supply one\):\n {2}groundwork:oci\.auth\.privateKey\n/);
        assert.ok(!fs.readFileSync(path.join(out, "resources.json"), "utf8").includes("offline-placeholder"));
    });

    it("fails bad config before anything is written, naming each key and value", async () => {
        const out = tmp();
        fs.writeFileSync(path.join(out, "resources.json"), "stale plan of another config");
        const run = await planCli("--stack", "bad", "--stack-file", "test/fixtures/Pulumi.bad.yaml", "--out", out);
        assert.equal(run.status, 2);
        assert.equal(run.stdout, "");
        assert.match(run.stderr, /^error: invalid stack configuration \(3 problems\):/);
        assert.ok(run.stderr.includes("groundwork:oci.nodes[1].ocpus = 3: the Always-Free A1 total is 4 OCPU across all nodes; these nodes ask for 5"));
        assert.ok(run.stderr.includes('groundwork:oci.sshAllowedCidrs[0] = "0.0.0.0/0": opens the port to the whole internet'));
        assert.ok(run.stderr.includes('groundwork:oci.region = "eu-frankfurt-9": did you mean "eu-frankfurt-1"?'));
        assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace for a config error");
        // The stale plan's files go; the directory, there before this run, stays (sweep s28 O2).
        assert.deepEqual(fs.readdirSync(out), [], "a stale plan is left behind");
    });

    it("rejects a --secret for a key the stack file does not encrypt", async () => {
        const run = await planCli("--stack", "secrets", "--stack-file", "test/fixtures/Pulumi.secrets.yaml", "--out", tmp(), "--secret", "groundwork:oci.auth.privatekey=x");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /--secret groundwork:oci\.auth\.privatekey: no such secure value in .*; secure values there: groundwork:oci\.auth\.privateKey/);
        assert.ok(!run.stderr.includes("=x"));
    });

    it("never prints a --secret argument that is not KEY=VALUE with a config key: a value without its key, or one whose own = comes first (sweep s20-29, s20-30)", async () => {
        const value = "sk-proj-PLANTEDs20a9Qx7Lm2Nv8Rt4Wy6Zb1Cd3Ef5Gh7Jk9";
        const url = "https://relay.groundwork.example/hook/PLANTEDs20tokenpath?token=PLANTEDs20query";
        for (const [argument, what] of [[value, 'it has no "=" after a key'], [url, 'its text before the first "=" is not a config key (namespace:path)']]) {
            const run = await planCli("--stack", "secrets", "--stack-file", "test/fixtures/Pulumi.secrets.yaml", "--out", tmp(), "--secret", "groundwork:oci.auth.privateKey=x", "--secret", argument);
            assert.equal(run.status, 2);
            assert.equal(run.stderr.split("\n")[0], `error: --secret argument 2 (${argument.length} characters, not shown): ${what}; expected KEY=VALUE, where KEY is a secure key of the stack file, e.g. --secret groundwork:oci.auth.privateKey=...`);
            assert.ok(![run.stdout, run.stderr].some((t) => t.includes("PLANTEDs20")), "the argument is echoed");
        }
        // A value whose own text has a colon before its = passes for a key; its namespace is none of the file's (review s20b N5).
        const run = await planCli("--stack", "secrets", "--stack-file", "test/fixtures/Pulumi.secrets.yaml", "--out", tmp(), "--secret", "admin:PLANTEDs20hunter=2");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^error: --secret 1 argument\(s\) whose key is in no namespace of the file \(not shown\): no such secure value in /);
        assert.ok(!run.stderr.includes("PLANTEDs20"));
    });

    it("never prints an argument Node's parser refuses: a --secret value after a space, a key file that starts with a dash, a missing value (sweep s21-01..03)", async () => {
        const key = "sk-proj-PLANTEDs21a9Qx7Lm2Nv8Rt4Wy6Zb1Cd3Ef5Gh7Jk9";
        const cases: [string[], RegExp][] = [
            [["--secret", "groundwork:inference.hosted[0].apiKey", key], /^error: an argument \(not shown, as it may be a secret\) follows no option; .*--secret KEY=VALUE, not --secret KEY VALUE$/],
            [["--secret", "-----BEGIN OPENSSH PRIVATE KEY-----PLANTEDs21"], /^error: an option has no value, or its value starts with "-" .*--secret "KEY=\$\(cat key-file\)"$/],
            [["--secret"], /^error: an option has no value/],
            [[`--${key}`], /^error: an unknown option \(not shown, as it may be a secret\); the options are below$/],
            [["--stak", "dev"], /^error: unknown option --stak; the options are below$/],
        ];
        for (const [args, first] of cases) {
            const run = await planCli("--out", tmp(), ...args);
            assert.equal(run.status, 2, args.join(" "));
            assert.match(run.stderr.split("\n")[0], first);
            assert.match(run.stderr, /Usage|usage/, "the usage follows");
            assert.ok(![run.stdout, run.stderr].some((t) => t.includes("PLANTEDs21") || t.includes("    at ")), run.stderr);
        }
    });

    it("never lists a secure path whose name holds a secret, as --path 'key=value' writes it (sweep s21r-23)", async () => {
        const token = "hvs.CAESIPLANTEDs21r" + "Ab3dEf6h".repeat(3);
        const dir = tmp();
        const file = path.join(dir, "Pulumi.leak.yaml");
        const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.edge.yaml"), "utf8"));
        doc.config["groundwork:platform"].vault = { ...doc.config["groundwork:platform"].vault, [`token=${token}`]: { secure: "v1:c3RhbmQtaW4=" } };
        fs.writeFileSync(file, YAML.stringify(doc));
        const run = await planCli("--stack", "leak", "--stack-file", file, "--out", tmp(), "--secret", `groundwork:platform.vault.token=${token}`);
        assert.equal(run.status, 2, run.stderr);
        assert.ok(!run.stderr.includes("PLANTEDs21r"), run.stderr);
        assert.match(run.stderr, /groundwork:platform\.vault\.\[a key of \d+ characters, not shown as it may be a secret\]/);
    });

    it("names, as bad input, a secret given on the command line that the plan also holds in plain text (sweep s21-05)", async () => {
        // A namespace's name given as the SSO client secret: the text is in every manifest of it.
        const run = await planCli("--stack", "dev", "--out", tmp(), "--secret", "groundwork:access.sso.clientSecret=groundwork-inference");
        assert.equal(run.status, 2, run.stderr);
        assert.match(run.stderr, /^error: invalid stack configuration \(1 problem\):\n {2}groundwork:access\.sso\.clientSecret = \[secret\]: is also in the plan in plain text .*check whether two settings were swapped/);
        assert.ok(!run.stderr.includes("    at "), "no stack trace: it is the input, not the code");
    });

    it("refuses, before planning, a secret that is another setting's whole value: two settings swapped (sweep s24 M2)", async () => {
        const run = await planCli("--stack", "dev", "--out", tmp(), "--secret", "groundwork:access.sso.clientSecret=platform-operators");
        assert.equal(run.status, 2, run.stderr);
        assert.equal(run.stderr, "error: invalid stack configuration (1 problem):\n  groundwork:access.sso.clientSecret = [secret]: is also the plain-text value of groundwork:access.sso.operatorsGroup in the stack file, so it is not a secret and cannot be kept one; give the real secret, and check whether two settings were swapped\n");
        assert.equal(run.stdout, "");
    });

    it("refuses one --secret given twice with different values, without showing either (sweep s24 M4)", async () => {
        const run = await planCli("--stack", "dev", "--out", tmp(), "--secret", "groundwork:access.sso.clientSecret=PlantedS24m4one", "--secret", "groundwork:access.sso.clientSecret=PlantedS24m4two");
        assert.equal(run.status, 2, run.stderr);
        assert.match(run.stderr, /^error: --secret arguments 1 and 2 give one key twice, with different values \(neither shown\); give it once/);
        // A key that may itself be a secret is not shown either (review s24b F3).
        const odd = await planCli("--stack", "dev", "--out", tmp(), "--secret", "Pl4nted5d21aPw:x=1", "--secret", "Pl4nted5d21aPw:x=2");
        assert.equal(odd.status, 2, odd.stderr);
        assert.ok(!odd.stderr.includes("Pl4nted5d21aPw"), odd.stderr);
        assert.ok(!run.stderr.includes("PlantedS24"), run.stderr);
    });

    it("refuses --out under a file at once, naming the file (sweep s24 M1)", async () => {
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "afile"), "mine\n");
        const out = path.join(dir, "afile", "sub");
        const run = await planCli("--stack", "dev", "--out", out);
        assert.equal(run.status, 2, run.stderr);
        assert.equal(run.stderr.split("\n")[0], `error: --out ${JSON.stringify(out)}: ${JSON.stringify(path.join(dir, "afile"))} is not a directory the plan can be written under (a file, a link to nothing or in a loop, or no permission); give a new or empty directory`);
        assert.ok(!run.stderr.includes("    at "), "no stack trace");
        assert.equal(fs.readFileSync(path.join(dir, "afile"), "utf8"), "mine\n");
        // Through the file and back out, and under a link to nothing (review s24b F4).
        const through = await planCli("--stack", "dev", "--out", `${dir}/afile/../y/x`);
        assert.equal(through.status, 2, through.stderr);
        assert.match(through.stderr, /afile" is not a directory the plan can be written under/);
        fs.symlinkSync(path.join(dir, "gone"), path.join(dir, "dangling"));
        const dangling = await planCli("--stack", "dev", "--out", path.join(dir, "dangling", "x"));
        assert.equal(dangling.status, 2, dangling.stderr);
        assert.match(dangling.stderr, /dangling" is not a directory the plan can be written under/);
        // --out itself a link to nothing, or a link to an empty directory, which stays when the plan fails (sweep s25 M3, F2).
        fs.symlinkSync(path.join(dir, "nowhere"), path.join(dir, "broken"));
        assert.match((await planCli("--stack", "dev", "--out", path.join(dir, "broken"))).stderr, /broken" is not a directory the plan can be written under/);
        fs.mkdirSync(path.join(dir, "empty"));
        fs.symlinkSync(path.join(dir, "empty"), path.join(dir, "linked"));
        const linked = await planCli("--stack", "dev", "--out", path.join(dir, "linked"), "--secret", "groundwork:access.sso.clientSecret=platform-operators");
        assert.equal(linked.status, 2, linked.stderr);
        assert.ok(!linked.stderr.includes("ENOTDIR"), linked.stderr);
        assert.ok(fs.lstatSync(path.join(dir, "linked")).isSymbolicLink() && fs.existsSync(path.join(dir, "empty")), "the link and its directory stay");
        // The same with a final '/' (review s24d F1).
        assert.match((await planCli("--stack", "dev", "--out", `${path.join(dir, "broken")}/`)).stderr, /broken" is not a directory the plan can be written under/);
        const slashed = await planCli("--stack", "dev", "--out", `${path.join(dir, "linked")}/`, "--secret", "groundwork:access.sso.clientSecret=platform-operators");
        assert.equal(slashed.status, 2, slashed.stderr);
        assert.ok(fs.lstatSync(path.join(dir, "linked")).isSymbolicLink(), "the link stays");
        // Through a link and back out: written where the system goes, b/x, not the folded a/x (review s24f 7).
        fs.mkdirSync(path.join(dir, "a"));
        fs.mkdirSync(path.join(dir, "b", "c"), { recursive: true });
        fs.symlinkSync(path.join(dir, "b", "c"), path.join(dir, "a", "link"));
        const viaLink = await planCli("--stack", "dev", "--out", `${path.join(dir, "a", "link")}/../x`);
        assert.equal(viaLink.status, 0, viaLink.stderr);
        assert.ok(fs.existsSync(path.join(dir, "b", "x", "resources.json")) && !fs.existsSync(path.join(dir, "a", "x")), "in b/x only");
        // `dir/.`, removed as dir when the plan fails (sweep s26 F1).
        fs.mkdirSync(path.join(dir, "plain"));
        const dotted = await planCli("--stack", "dev", "--out", `${path.join(dir, "plain")}/.`, "--secret", "groundwork:access.sso.clientSecret=platform-operators");
        assert.equal(dotted.status, 2, dotted.stderr);
        // Read as `plain`, which was there before: it stays, empty (sweep s28 O2).
        assert.deepEqual(fs.readdirSync(path.join(dir, "plain")), [], "the plan's files are gone, the user's directory stays");
        // An empty --out, and options given twice (sweep s25 W3, M6).
        assert.match((await planCli("--stack", "dev", "--out", "")).stderr, /^error: --out is empty; give a directory, such as out\/dev \(the default\)/);
        assert.match((await planCli("--stack", "dev", "--stack", "cloud")).stderr, /^error: --stack is given more than once; give it once/);
        assert.match((await planCli("--out=a", "--out", "b")).stderr, /^error: --out is given more than once; give it once/);
        fs.symlinkSync(path.join(dir, "loop"), path.join(dir, "loop"));
        const loop = await planCli("--stack", "dev", "--out", path.join(dir, "loop", "x"));
        assert.equal(loop.status, 2, loop.stderr);
    });

    it("refuses at once an --out the system cannot make, where Node's recursive mkdir would retry for ever (sweep s26 M11)", async function () {
        if (!fs.existsSync("/proc/self")) this.skip();
        const run = await planCli("--stack", "dev", "--out", "/proc/groundwork-plan/x");
        assert.equal(run.status, 2, run.stderr);
        assert.equal(run.stderr.split("\n")[0], `error: --out "/proc/groundwork-plan/x" cannot be made here (the system answers ENOENT: a special file system such as /proc); give a directory you can write`);
        // A new directory that can be made is not left behind by the check.
        const dir = tmp();
        const fresh = path.join(dir, "new", "deeper");
        const bad = await planCli("--stack", "dev", "--out", fresh, "--secret", "groundwork:access.sso.clientSecret=platform-operators");
        assert.equal(bad.status, 2, bad.stderr);
        assert.deepEqual(fs.readdirSync(dir), []);
    });

    it("refuses at once a folder given as --stack-file, a program that is not there, and an --out name longer than a file system takes (sweep s27 C1-C3)", async () => {
        const dir = tmp();
        const folder = await planCli("--stack", "dev", "--stack-file", dir, "--out", path.join(dir, "out"));
        assert.equal(folder.status, 2, folder.stderr);
        assert.equal(folder.stderr.split("\n")[0], `error: ${dir} is not a file (a folder or a device); give the stack's YAML file, such as Pulumi.dev.yaml`);
        const program = await planCli("--stack", "dev", "--program", "nosuch", "--out", path.join(dir, "out"));
        assert.equal(program.status, 2, program.stderr);
        assert.match(program.stderr, /^error: --program "nosuch": no such program file/);
        const long = path.join(dir, "o".repeat(300));
        const tooLong = await planCli("--stack", "dev", "--out", long);
        assert.equal(tooLong.status, 2, tooLong.stderr);
        assert.equal(tooLong.stderr.split("\n")[0], `error: --out ${JSON.stringify(long)} cannot be made here (the system answers ENAMETOOLONG: a name in it is longer than the file system takes, 255 bytes); give a directory you can write`);
        for (const run of [folder, program, tooLong]) assert.ok(!run.stderr.includes("    at "), "no stack trace");
        // What the probe made before the long name failed is gone too (review s25 D2).
        const deeper = path.join(dir, "made", "then", "o".repeat(300));
        assert.equal((await planCli("--stack", "dev", "--out", deeper)).status, 2);
        assert.ok(!fs.existsSync(path.join(dir, "made")), "the probe left nothing behind");
    });

    it("judges --out where the plan would land, and leaves what the user made (sweep s28 O1, O2, C1, W2)", async () => {
        const dir = tmp();
        // O1: `<dir>/new/..` is <dir>, which holds a file of the user's: refused, nothing left behind.
        fs.writeFileSync(path.join(dir, "notes.txt"), "mine\n");
        const through = await planCli("--stack", "dev", "--out", path.join(dir, "nosuch", ".."));
        assert.equal(through.status, 2, through.stderr);
        assert.match(through.stderr, /holds 1 file\(s\) or folder\(s\) a plan does not write \("notes\.txt"\)/);
        assert.deepEqual(fs.readdirSync(dir), ["notes.txt"]);
        // O2: an empty directory the user made stays when the plan fails; a plan through `a/../b` leaves no `a`.
        const mine = path.join(dir, "mine");
        fs.mkdirSync(mine);
        const failed = await planCli("--stack", "dev", "--out", mine, "--secret", "groundwork:access.sso.clientSecret=platform-operators");
        assert.equal(failed.status, 2, failed.stderr);
        assert.ok(fs.existsSync(mine), "the user's directory stays");
        // A plan that succeeds there leaves the directory itself as it was, its mode and inode (review s25c O1).
        fs.chmodSync(mine, 0o700);
        const inode = fs.statSync(mine).ino;
        assert.equal((await planCli("--stack", "dev", "--out", mine)).status, 0);
        assert.deepEqual([fs.statSync(mine).mode & 0o777, fs.statSync(mine).ino], [0o700, inode]);
        // One plan for both: C1, a name ending in a backslash is a name on Linux, written as such.
        const other = tmp();
        const around = await planCli("--stack", "dev", "--out", `${other}/a/../trail\\`);
        assert.equal(around.status, 0, around.stderr);
        assert.deepEqual(fs.readdirSync(other), ["trail\\"], "no a/ left behind");
        assert.ok(fs.existsSync(path.join(other, "trail\\", "resources.json")), "in trail\\");
        // W2: a path too long as a whole, with every name short.
        const deep = path.join(other, ...Array.from({ length: 300 }, () => "abcdefghijklmn"));
        const tooLong = await planCli("--stack", "dev", "--out", deep);
        assert.equal(tooLong.status, 2, tooLong.stderr);
        assert.match(tooLong.stderr, /the system answers ENAMETOOLONG: the path is longer than the system takes, 4,096 bytes/);
        assert.ok(!fs.existsSync(path.join(other, "abcdefghijklmn")), "the probe left nothing");
    });

    it("names an indexed --secret key it does not know, and the indexed ones it does (sweep s24 W1)", async () => {
        const run = await planCli("--stack", "edge", "--out", tmp(), "--secret", "groundwork:edge.machines[7].privateKey=x");
        assert.equal(run.status, 2, run.stderr);
        assert.match(run.stderr, /--secret groundwork:edge\.machines\[7\]\.privateKey: no such secure value in .*; secure values there: .*groundwork:edge\.machines\[0\]\.privateKey, groundwork:edge\.machines\[1\]\.privateKey/);
    });

    it("reports an unexpected error without the stack frames it does not record, and says how to get them", async () => {
        const before = Error.stackTraceLimit;
        const program = path.join(PROJECT_DIR, "test/fixtures/throws/index.ts");
        const failure = await planStack({ projectDir: PROJECT_DIR, stack: "dev", program }).then(() => undefined, (e: Error) => e);
        assert.ok(failure, "the planted failure stops the plan");
        assert.equal(Error.stackTraceLimit, before, "the plan puts the limit back");
        const written: string[] = [];
        assert.equal(reportCliError(failure, "usage", { out: () => undefined, err: (t) => written.push(t) }), 1);
        assert.match(written.join(""), /planted failure/);
        assert.match(written.join(""), /\(run again with GROUNDWORK_PLAN_STACK_TRACES=1 to see where\)\n$/);
        process.env.GROUNDWORK_PLAN_STACK_TRACES = "1";
        try {
            assert.equal(programStackFrames(), before);
            const traced = await planStack({ projectDir: PROJECT_DIR, stack: "dev", program }).then(() => undefined, (e: Error) => e);
            assert.match(String(traced?.stack), /\n\s+at /, "with the variable set, the error says where");
        } finally {
            delete process.env.GROUNDWORK_PLAN_STACK_TRACES;
        }
        assert.equal(programStackFrames(), 0);
        process.env.GROUNDWORK_PLAN_STACK_TRACES = "0";
        assert.equal(programStackFrames(), 0, "only 1 turns them on");
        delete process.env.GROUNDWORK_PLAN_STACK_TRACES;
        // Two plans at once: the limit comes back when the last one ends.
        const fixture = path.join(PROJECT_DIR, "test/fixtures/oci-bucket/index.ts");
        const overlapping = [planStack({ projectDir: PROJECT_DIR, stack: "dev", program }), planStack({ projectDir: PROJECT_DIR, stack: "dev", program: fixture })];
        await Promise.allSettled(overlapping);
        assert.equal(Error.stackTraceLimit, before);
    });

    it("rejects a stack that has no stack file", async () => {
        const run = await planCli("--stack", "nosuch", "--out", tmp());
        assert.equal(run.status, 2);
        assert.match(run.stderr, /no stack file .*Pulumi\.nosuch\.yaml/);
        // `.` and `..` name directories, not stacks (sweep s22b C2).
        const dots = await planCli("--stack", "..", "--out", tmp());
        assert.equal(dots.status, 2);
        assert.match(dots.stderr, /^error: --stack "\.\.": a stack name is letters/);
    });

    it("never removes a file it did not write: a --out that holds others is refused, and a failed plan removes its own files only (sweep s22b C1)", async () => {
        const parent = tmp();
        fs.writeFileSync(path.join(parent, "notes.txt"), "mine");
        const refused = await planCli("--stack", "nosuch", "--out", parent);
        assert.equal(refused.status, 2);
        assert.match(refused.stderr, /^error: --out ".*" holds 1 file\(s\) or folder\(s\) a plan does not write \("notes\.txt"\), which replacing the plan could remove; give a new or empty directory, or one an earlier plan wrote/);
        assert.deepEqual(fs.readdirSync(parent), ["notes.txt"]);
        // An earlier plan's files are replaced, and removed when a later run fails; the directory, there before the run, stays (sweep s28 O2).
        const out = path.join(parent, "plan");
        fs.mkdirSync(out);
        for (const file of PLAN_FILE_NAMES) fs.writeFileSync(path.join(out, file), "an earlier plan");
        const failed = await planCli("--stack", "nosuch", "--out", out);
        assert.equal(failed.status, 2);
        assert.deepEqual([fs.readdirSync(out), fs.readdirSync(parent)], [[], ["notes.txt", "plan"]]);
        // Hidden files (Finder's, an editor's) do not stop a plan, and are left where they are.
        for (const file of PLAN_FILE_NAMES) fs.writeFileSync(path.join(out, file), "an earlier plan");
        fs.writeFileSync(path.join(out, ".DS_Store"), "finder");
        const hidden = await planCli("--stack", "nosuch", "--out", out);
        assert.equal(hidden.status, 2);
        assert.doesNotMatch(hidden.stderr, /holds/);
        assert.deepEqual(fs.readdirSync(out), [".DS_Store"]);
    });
});
