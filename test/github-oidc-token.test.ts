import { strict as assert } from "assert";
import { execFile, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR } from "./helpers";
import { shellchecks } from "./validators";

/**
 * `.ci/github-oidc-token`, run with the runner's real bash, curl and jq against a stand-in for
 * GitHub's token service that answers as actions/toolkit's OidcClient expects (`{"value": <jwt>}`
 * for GET <url>&audience=<encoded>, bearer request token).
 */

const SCRIPT = path.join(PROJECT_DIR, ".ci/github-oidc-token");
const REQUEST_TOKEN = "request-token-4f1c9a";

interface TokenService { url: string; requests: { url: string; authorization?: string }[]; close: () => Promise<void> }

async function tokenService(status = 200): Promise<TokenService> {
    const requests: TokenService["requests"] = [];
    const server = http.createServer((req, res) => {
        requests.push({ url: req.url!, authorization: req.headers.authorization });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(status === 200 ? JSON.stringify({ count: 1, value: `header.payload-${requests.length}.signature` }) : JSON.stringify({ message: "no" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/token?api-version=2.0`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile("bash", [SCRIPT, ...args], { env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }));
    });
}

describe(".ci/github-oidc-token: GitHub's OIDC token where the OCI provider reads it", function () {
    this.timeout(30_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "oidc-token-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("passes shellcheck at style level", () => {
        const [verdict] = shellchecks([fs.readFileSync(SCRIPT, "utf8")]);
        assert.ok(verdict.ok, verdict.output);
    });

    it("asks for the audience URL-encoded with the job's request token, and writes the token alone, 0600, masked in the log", async () => {
        const service = await tokenService();
        try {
            const file = path.join(dir, "oci/github-oidc.jwt");
            const result = await run(["https://cloud.oracle.com", file], { ACTIONS_ID_TOKEN_REQUEST_URL: service.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN });
            assert.equal(result.code, 0, result.stderr);
            assert.deepEqual(service.requests, [{ url: "/token?api-version=2.0&audience=https%3A%2F%2Fcloud.oracle.com", authorization: `bearer ${REQUEST_TOKEN}` }]);
            assert.equal(fs.readFileSync(file, "utf8"), "header.payload-1.signature");
            assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            assert.equal(result.stdout, "::add-mask::header.payload-1.signature\n");
            assert.ok(!fs.existsSync(`${file}.next`), "the token replaces the file whole");
        } finally {
            await service.close();
        }
    });

    it("refreshes without minting first, keeps the last token when a refresh fails, and stops its sleep when killed", async () => {
        // GitHub refuses the first two refreshes, then answers again.
        const requests: string[] = [];
        const requestedAt: number[] = [];
        const server = http.createServer((req, res) => {
            requests.push(req.url!);
            requestedAt.push(Date.now());
            const ok = requests.length > 2;
            res.writeHead(ok ? 200 : 403, { "content-type": "application/json" });
            res.end(ok ? JSON.stringify({ value: `fresh-${requests.length}` }) : "{}");
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`;
        const file = path.join(dir, "github-oidc.jwt");
        fs.writeFileSync(file, "written-by-the-caller");
        // Its own process group, so what it leaves behind can be looked for.
        const started = Date.now();
        const child = spawn("bash", [SCRIPT, "https://cloud.oracle.com", file, "0.3"], { detached: true, env: { PATH: process.env.PATH, ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN } });
        try {
            const deadline = Date.now() + 20_000;
            while (!fs.readFileSync(file, "utf8").startsWith("fresh-") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
            assert.ok(requests.length >= 3, `${requests.length} requests`);
            // The caller has just minted: the refresher sleeps its interval first. Judged by when the first
            // request came, which a loaded machine can only delay (a check at a fixed moment was a race).
            assert.ok(requestedAt[0] - started >= 300, `first refresh ${requestedAt[0] - started} ms after the start`);
            assert.match(fs.readFileSync(file, "utf8"), /^fresh-\d+$/, "two refused refreshes kept the last token, and the next one replaced it");
        } finally {
            const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
            child.kill("SIGTERM");
            assert.equal(await exited, 0, "killed, it exits cleanly");
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
        // No sleep of its own is left behind to hold the step's output open.
        await new Promise((r) => setTimeout(r, 100));
        // (A killed child of a parent gone is a zombie until init reaps it, which this sandbox's PID 1 does not: not alive.)
        const alive = spawnSync("ps", ["-o", "stat=,cmd=", "-g", String(child.pid)], { encoding: "utf8" }).stdout.split("\n").filter((l) => l.trim() && !l.trim().startsWith("Z"));
        assert.deepEqual(alive, [], "nothing alive left in its process group");
    });

    it("lets the preview step succeed when the CLI does, even with its refresher already gone (review s18 D1)", async () => {
        const service = await tokenService();
        try {
            const step = (YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows/preview.yml"), "utf8")).jobs.preview.steps as { run?: string; env?: Record<string, string> }[])
                .find((s) => s.run?.includes("pulumi preview"))!;
            // The runner's layout: the base branch's checkout under $RUNNER_TEMP/base; a stand-in CLI that
            // prints the token it finds, ends the refresher as a crash would, and succeeds.
            const temp = path.join(dir, "runner");
            fs.mkdirSync(path.join(temp, "base"), { recursive: true });
            fs.symlinkSync(path.join(PROJECT_DIR, ".ci"), path.join(temp, "base", ".ci"));
            fs.mkdirSync(path.join(dir, "bin"));
            fs.writeFileSync(path.join(dir, "bin", "pulumi"), '#!/bin/bash\nprintf "token %s\\n" "$(cat "$TF_VAR_workload_identity_token_path")"\nkill "$(cat "$RUNNER_TEMP/minter.pid")"\nexit 0\n', { mode: 0o755 });
            // This copy of the step tells the stand-in its refresher's pid, so it kills that one alone.
            const script = step.run!.replace(/\$\{\{[^}]*\}\}/g, "").replace(/^minter=\$!$/m, 'minter=$!\necho "$minter" > "$RUNNER_TEMP/minter.pid"');
            assert.ok(script.includes("minter.pid"), "the step names its refresher minter");
            const env = { PATH: `${dir}/bin:${process.env.PATH}`, RUNNER_TEMP: temp, STACK: "dev", OCI_OIDC_AUDIENCE: step.env!.OCI_OIDC_AUDIENCE, TF_VAR_workload_identity_token_path: path.join(temp, "oci/github-oidc.jwt"), ACTIONS_ID_TOKEN_REQUEST_URL: service.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN };
            // Linux runners run a step as `bash -e {0}`; asynchronously, so this process's stand-in service answers.
            const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
                execFile("bash", ["-e", "-c", script], { env, timeout: 20_000 }, (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr })));
            assert.equal(result.status, 0, result.stderr);
            assert.match(result.stdout, /^token header\.payload-1\.signature$/m);
        } finally {
            await service.close();
        }
    });

    it("fails naming the missing permission, a refused request, or a bad interval; never writes a file then", async () => {
        const file = path.join(dir, "github-oidc.jwt");
        const noPermission = await run(["https://cloud.oracle.com", file], {});
        assert.equal(noPermission.code, 1);
        assert.match(noPermission.stderr, /the job needs 'permissions: id-token: write'/);

        const refused = await tokenService(403);
        try {
            const result = await run(["https://cloud.oracle.com", file], { ACTIONS_ID_TOKEN_REQUEST_URL: refused.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN });
            assert.equal(result.code, 1);
            assert.match(result.stderr, /GitHub gave no OIDC token for audience https:\/\/cloud\.oracle\.com/);
        } finally {
            await refused.close();
        }

        const badInterval = await run(["https://cloud.oracle.com", file, "4m"], { ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:1/x?a=1", ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN });
        assert.equal(badInterval.code, 2);
        assert.match(badInterval.stderr, /REFRESH_SECONDS must be a number of seconds above 0, such as 60, not '4m'/);
        assert.ok(!fs.existsSync(file));
    });
});
