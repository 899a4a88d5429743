import { strict as assert } from "assert";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
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

    it("keeps a fresh token there every REFRESH_SECONDS while it runs", async () => {
        const service = await tokenService();
        const file = path.join(dir, "github-oidc.jwt");
        let child: ChildProcess | undefined;
        try {
            child = spawn("bash", [SCRIPT, "https://cloud.oracle.com", file, "1"], {
                env: { PATH: process.env.PATH, ACTIONS_ID_TOKEN_REQUEST_URL: service.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN },
            });
            const deadline = Date.now() + 10_000;
            while (service.requests.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
            assert.ok(service.requests.length >= 3, `${service.requests.length} tokens minted`);
            await new Promise((r) => setTimeout(r, 200));
            assert.match(fs.readFileSync(file, "utf8"), /^header\.payload-[3-9]\.signature$/);
        } finally {
            child?.kill();
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
        assert.match(badInterval.stderr, /REFRESH_SECONDS must be a whole number of seconds above 0, not '4m'/);
        assert.ok(!fs.existsSync(file));
    });
});
