import { strict as assert } from "assert";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "./helpers";
import { shellchecks } from "./validators";

/**
 * `.ci/pulumi-cli`, run with the real bash, curl and tar on a stand-in release folder (file://),
 * with a stand-in `cosign` that records how it was asked and answers as told. cosign's own
 * verification is sigstore's; what is ours is that nothing is unpacked unless it says yes, and
 * that it is asked for Pulumi's release workflow and nobody else.
 */

const SCRIPT = path.join(PROJECT_DIR, ".ci/pulumi-cli");
const VERSION = "3.248.0";
const ARCH = os.arch() === "arm64" ? "arm64" : "x64";
const ARCHIVE = `pulumi-v${VERSION}-linux-${ARCH}.tar.gz`;

interface Run { code: number; stdout: string; stderr: string; cosignArgs?: string[]; githubPath: string }

describe(".ci/pulumi-cli: the previews' Pulumi CLI, installed only once its signature checks", function () {
    this.timeout(30_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-cli-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** A release folder as GitHub serves it: the archive (a `pulumi/pulumi` that prints `printed`) and its bundle. */
    function release(printed: string, files = [ARCHIVE, `${ARCHIVE}.sig`]): string {
        const tree = path.join(dir, "tree/pulumi");
        fs.mkdirSync(tree, { recursive: true });
        fs.writeFileSync(path.join(tree, "pulumi"), `#!/bin/sh\necho ${printed}\n`, { mode: 0o755 });
        const folder = path.join(dir, `releases/v${VERSION}`);
        fs.mkdirSync(folder, { recursive: true });
        execFileSync("tar", ["-czf", path.join(dir, ARCHIVE), "-C", path.join(dir, "tree"), "pulumi"]);
        if (files.includes(ARCHIVE)) fs.copyFileSync(path.join(dir, ARCHIVE), path.join(folder, ARCHIVE));
        if (files.includes(`${ARCHIVE}.sig`)) fs.writeFileSync(path.join(folder, `${ARCHIVE}.sig`), "{\"base64Signature\":\"stand-in\"}");
        return `file://${path.join(dir, "releases")}`;
    }

    function run(args: string[], options: { cosignExit?: number; releases?: string } = {}): Promise<Run> {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin, { recursive: true });
        const recorded = path.join(dir, "cosign-args");
        fs.writeFileSync(path.join(bin, "cosign"), `#!/bin/sh\nprintf '%s\\n' "$@" > '${recorded}'\nexit ${options.cosignExit ?? 0}\n`, { mode: 0o755 });
        const githubPath = path.join(dir, "github-path");
        fs.writeFileSync(githubPath, "");
        const env = { PATH: `${bin}:${process.env.PATH}`, GITHUB_PATH: githubPath, ...(options.releases && { PULUMI_RELEASES_URL: options.releases }) };
        return new Promise((resolve) => {
            execFile("bash", [SCRIPT, ...args], { env }, (error, stdout, stderr) => resolve({
                code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr,
                cosignArgs: fs.existsSync(recorded) ? fs.readFileSync(recorded, "utf8").trimEnd().split("\n") : undefined,
                githubPath: fs.readFileSync(githubPath, "utf8"),
            }));
        });
    }

    it("passes shellcheck at style level", () => {
        const [verdict] = shellchecks([fs.readFileSync(SCRIPT, "utf8")]);
        assert.ok(verdict.ok, verdict.output);
    });

    it("asks cosign for pulumi/pulumi's release workflow, then unpacks the CLI and puts it on the job's PATH", async () => {
        const install = path.join(dir, "cli");
        const result = await run([VERSION, install], { releases: release(`v${VERSION}`) });
        assert.equal(result.code, 0, result.stderr);
        const args = result.cosignArgs!;
        assert.equal(args[0], "verify-blob");
        assert.match(args[1], new RegExp(`/${ARCHIVE.replace(/\./g, "\\.")}$`));
        const flag = (name: string) => args[args.indexOf(name) + 1];
        assert.match(flag("--bundle"), new RegExp(`/${ARCHIVE.replace(/\./g, "\\.")}\\.sig$`));
        assert.equal(flag("--certificate-oidc-issuer"), "https://token.actions.githubusercontent.com");
        assert.equal(flag("--certificate-github-workflow-repository"), "pulumi/pulumi");
        assert.equal(execFileSync(path.join(install, "pulumi/pulumi"), { encoding: "utf8" }), `v${VERSION}\n`);
        assert.equal(result.githubPath, `${install}/pulumi\n`);
    });

    it("names only Pulumi's signing workflow on a branch of pulumi/pulumi as the signer", async () => {
        const result = await run([VERSION, path.join(dir, "cli")], { releases: release(`v${VERSION}`) });
        const identity = new RegExp(result.cosignArgs![result.cosignArgs!.indexOf("--certificate-identity-regexp") + 1]);
        // sign.yml is called from on-merge.yml's merge queue run (pulumi/pulumi@v3.248.0 on-merge.yml L9-10, L70-71).
        assert.ok(identity.test("https://github.com/pulumi/pulumi/.github/workflows/sign.yml@refs/heads/gh-readonly-queue/master/pr-21000-0123abcd"));
        assert.ok(identity.test("https://github.com/pulumi/pulumi/.github/workflows/sign.yml@refs/heads/master"));
        for (const stranger of [
            "https://github.com/pulumi/pulumi/.github/workflows/sign.yml@refs/pull/21000/merge",
            "https://github.com/pulumi/pulumi/.github/workflows/ci.yml@refs/heads/master",
            "https://github.com/pulumi-fork/pulumi/.github/workflows/sign.yml@refs/heads/master",
            "https://github.com/pulumi/pulumiX/.github/workflows/sign.yml@refs/heads/master",
            "https://evil.example/?https://github.com/pulumi/pulumi/.github/workflows/sign.yml@refs/heads/master",
        ]) assert.ok(!identity.test(stranger), stranger);
    });

    it("unpacks nothing when cosign refuses the signature", async () => {
        const install = path.join(dir, "cli");
        const result = await run([VERSION, install], { cosignExit: 1, releases: release(`v${VERSION}`) });
        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`${ARCHIVE.replace(/\./g, "\\.")} is not signed by pulumi/pulumi's release workflow: not installed`));
        assert.ok(!fs.existsSync(path.join(install, "pulumi")), "nothing unpacked");
        assert.equal(result.githubPath, "");
    });

    it("stops before cosign when the release has no signature bundle", async () => {
        const install = path.join(dir, "cli");
        const result = await run([VERSION, install], { releases: release(`v${VERSION}`, [ARCHIVE]) });
        assert.notEqual(result.code, 0);
        assert.equal(result.cosignArgs, undefined, "cosign never asked");
        assert.ok(!fs.existsSync(path.join(install, "pulumi")));
    });

    it("removes a signed CLI that is not the version asked for", async () => {
        const install = path.join(dir, "cli");
        const result = await run([VERSION, install], { releases: release("v3.247.0") });
        assert.equal(result.code, 1);
        assert.match(result.stderr, /the archive for 3\.248\.0 holds a CLI that says 'v3\.247\.0': not installed/);
        assert.ok(!fs.existsSync(path.join(install, "pulumi")));
        assert.equal(result.githubPath, "");
    });

    it("refuses a version that is not a release number, and a missing argument", async () => {
        const bad = await run(["v3.248", path.join(dir, "cli")]);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /VERSION must be a release such as 3\.248\.0, not 'v3\.248'/);
        const missing = await run([VERSION]);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /usage: .* VERSION DIR/);
    });
});
