import { strict as assert } from "assert";
import { ChildProcess, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gatewayAccess, GatewayTeam, KEY_ALLOWED_ROUTES } from "../components/inference/gateway-config";
import { keysDigest, PROVISION_SCRIPT } from "../components/inference/gateway-provisioning";
import { startStandIn, PYTHON } from "./helpers";

/**
 * The provisioning job's script, run for real (python3) against a stand-in for LiteLLM's admin
 * API on loopback that answers as LiteLLM's code does (test/fixtures/litellm_admin_api.py, with
 * its sources): create, leave alone, rotate, change and remove teams and keys.
 */

const MASTER = "sk-master-test-0000";
const sha = (v: string) => crypto.createHash("sha256").update(v).digest("hex");

const TEAMS: GatewayTeam[] = [
    { name: "research", maxBudgetUsd: 100, budgetDuration: "30d", rpm: 60, tpm: 100000, routes: ["chat"], keys: [{ name: "notebooks", maxBudgetUsd: 50, budgetDuration: "30d", rpm: 30, tpm: 50000 }] },
    { name: "support", maxBudgetUsd: 20, budgetDuration: "30d", rpm: 10, tpm: 10000, routes: ["chat"], keys: [{ name: "bot", maxBudgetUsd: 10, budgetDuration: "30d", rpm: 10, tpm: 10000 }] },
] as GatewayTeam[];

describe("gateway provisioning against LiteLLM's admin API", function () {
    let server: ChildProcess;
    let url: string;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-provision-"));

    before(async () => {
        ({ process: server, url } = await startStandIn("litellm_admin_api.py", MASTER));
    });
    after(() => server?.kill());

    const state = async () => (await fetch(`${url}/state`)).json() as Promise<{ teams: Record<string, any>; keys: Record<string, any>; calls: [string, string[] | null][] }>;

    function provision(teams: GatewayTeam[], values: Record<string, string>, keyExpiryDays?: number, expectedKeys?: { digest: string; waitSeconds: number }) {
        fs.writeFileSync(path.join(dir, "access.json"), JSON.stringify(gatewayAccess(teams, keyExpiryDays)));
        for (const [alias, value] of Object.entries(values)) fs.writeFileSync(path.join(dir, alias), `${value}\n`);
        const run = spawnSync(PYTHON, ["-c", PROVISION_SCRIPT], {
            env: {
                ...process.env, GATEWAY_URL: url, LITELLM_MASTER_KEY: MASTER, ACCESS_FILE: path.join(dir, "access.json"), KEYS_DIR: dir,
                ...(expectedKeys && { KEYS_DIGEST: expectedKeys.digest, KEYS_WAIT_SECONDS: String(expectedKeys.waitSeconds) }),
            },
            encoding: "utf8",
        });
        for (const value of Object.values(values)) {
            assert.ok(!run.stdout.includes(value) && !run.stderr.includes(value), "a key value was printed");
        }
        return run;
    }

    const values = { "research-notebooks": "sk-research-notebooks-1111", "support-bot": "sk-support-bot-2222" };

    it("creates every team and key, marked as Groundwork's, with the key values from Vault", async () => {
        const run = provision(TEAMS, values);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^team research: created$/m);
        assert.match(run.stdout, /^key research-notebooks: created$/m);
        const s = await state();
        assert.deepEqual(Object.keys(s.teams).sort(), ["research", "support"]);
        assert.deepEqual(s.teams.research.metadata, { managed_by: "groundwork" });
        assert.equal(s.keys[sha(values["research-notebooks"])].key_alias, "research-notebooks");
        assert.equal(s.keys[sha(values["research-notebooks"])].max_budget, 50);
        // Each key may call the four OpenAI endpoints and the readiness check only (security review s20 L1).
        assert.deepEqual(s.keys[sha(values["research-notebooks"])].allowed_routes, ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/health/readiness"]);
    });

    it("limits the routes of a key it made before keys had them, by an update that keeps its value", async () => {
        const token = sha(values["support-bot"]);
        await fetch(`${url}/key/update`, { method: "POST", headers: { Authorization: `Bearer ${MASTER}`, "Content-Type": "application/json" }, body: JSON.stringify({ key: token, allowed_routes: [] }) });
        const run = provision(TEAMS, values);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^key support-bot: updated allowed_routes$/m);
        assert.deepEqual((await state()).keys[token].allowed_routes, KEY_ALLOWED_ROUTES);
    });

    it("changes nothing on a second run, so no budget reset moves", async () => {
        const before = await state();
        const run = provision(TEAMS, values);
        assert.equal(run.status, 0, run.stderr);
        assert.doesNotMatch(run.stdout, /created|updated|rotated|removed/);
        const after = await state();
        assert.deepEqual([after.teams.research.budget_reset_at, after.keys[sha(values["support-bot"])].budget_reset_at],
            [before.teams.research.budget_reset_at, before.keys[sha(values["support-bot"])].budget_reset_at]);
        const writes = after.calls.slice(before.calls.length).filter(([p]) => /update|new|generate|delete/.test(p));
        assert.deepEqual(writes, []);
    });

    it("rotates a key: the new value works under the same alias and the old one is gone", async () => {
        const rotated = { ...values, "support-bot": "sk-support-bot-3333" };
        const run = provision(TEAMS, rotated);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^key support-bot: rotated$/m);
        const s = await state();
        assert.equal(s.keys[sha(values["support-bot"])], undefined, "the old key still works");
        assert.equal(s.keys[sha(rotated["support-bot"])].key_alias, "support-bot");
        assert.equal(s.keys[sha(rotated["support-bot"])].team_id, "support");
        Object.assign(values, rotated);
    });

    it("sends only what changed, budget_duration only when it changed", async () => {
        const before = await state();
        const changed = TEAMS.map((t) => (t.name === "research" ? { ...t, rpm: 120 } : t));
        const run = provision(changed, values);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^team research: updated rpm_limit$/m);
        const after = await state();
        const update = after.calls.slice(before.calls.length).find(([p]) => p === "/team/update")!;
        assert.deepEqual(update[1], ["rpm_limit", "team_id"]);
        assert.equal(after.teams.research.budget_reset_at, before.teams.research.budget_reset_at);
    });

    it("gives keys an expiry: a key made without one gets it once, a second run moves none, a rotated key gets a new one", async () => {
        let run = provision(TEAMS, values, 180);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^key research-notebooks: updated duration$/m);
        const first = await state();
        const expires = first.keys[sha(values["research-notebooks"])].expires;
        assert.match(expires, /^\+180d@\d+$/);

        run = provision(TEAMS, values, 180);
        assert.doesNotMatch(run.stdout, /updated|rotated|created/);
        assert.equal((await state()).keys[sha(values["research-notebooks"])].expires, expires, "a second run moved the expiry");

        const rotated = { ...values, "research-notebooks": "sk-research-notebooks-6666" };
        run = provision(TEAMS, rotated, 180);
        assert.match(run.stdout, /^key research-notebooks: rotated$/m);
        const fresh = (await state()).keys[sha(rotated["research-notebooks"])].expires;
        assert.match(fresh, /^\+180d@\d+$/);
        assert.notEqual(fresh, expires);
        Object.assign(values, rotated);
    });

    it("waits for the key values the deploy made, and fails (to be retried) while the mounted Secret still holds older ones", async () => {
        const before = await state();
        const stale = provision(TEAMS, values, undefined, { digest: keysDigest({ ...values, "support-bot": "sk-support-bot-7777" }), waitSeconds: 0 });
        assert.notEqual(stale.status, 0);
        assert.match(stale.stderr, /the key values mounted from Vault are not yet the ones this deploy made \(digest [0-9a-f]{8}, expected [0-9a-f]{8}\)/);
        const after = await state();
        assert.deepEqual(after.calls.slice(before.calls.length).filter(([p]) => /update|new|generate|delete/.test(p)), [], "nothing was changed with old values");
        const current = provision(TEAMS, values, undefined, { digest: keysDigest(values), waitSeconds: 0 });
        assert.equal(current.status, 0, current.stderr);
    });

    it("fails on an API error without printing the key the error echoes", async () => {
        const echo = [{ ...TEAMS[0], name: "echo", keys: [{ ...TEAMS[0].keys[0], name: "k" }] }] as GatewayTeam[];
        const run = provision([...TEAMS.filter((t) => t.name === "research"), ...echo], { ...values, "echo-k": "sk-echo-planted-5555" });
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /\/key\/generate answered 422: .*sk-\[redacted\]/);
        assert.doesNotMatch(run.stderr, /sk-echo-planted/);
        await fetch(`${url}/team/delete`, { method: "POST", headers: { Authorization: `Bearer ${MASTER}`, "Content-Type": "application/json" }, body: JSON.stringify({ team_ids: ["echo"] }) });
    });

    it("removes the teams and keys taken out of config, and leaves what it did not make", async () => {
        await fetch(`${url}/key/generate`, { method: "POST", headers: { Authorization: `Bearer ${MASTER}`, "Content-Type": "application/json" }, body: JSON.stringify({ key: "sk-by-hand-4444", key_alias: "by-hand", team_id: "research" }) });
        const run = provision(TEAMS.filter((t) => t.name === "research"), { "research-notebooks": values["research-notebooks"] });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^removed team support$/m);
        const s = await state();
        assert.deepEqual(Object.keys(s.teams), ["research"]);
        assert.deepEqual(Object.values(s.keys).map((k: any) => k.key_alias).sort(), ["by-hand", "research-notebooks"]);
    });
});
