import { strict as assert } from "assert";
import * as YAML from "yaml";
import { k3sServerTokenOnlyOnServers } from "../policies/security/k3s-tokens";
import { toPolicyRecord } from "../plan/policy-report";
import { PlanResult } from "../plan/run";
import { handedHostKeyOf, k3sConfigInScript, named, ociUserDataOf, ofType, planFixture, serverInstallScriptOf } from "./helpers";
import { messages } from "./policies/harness";

/**
 * Cloud servers take their join secrets over SSH, never from user data: a pool of three OCI
 * servers and an agent (test/fixtures/oci-servers), planned alone.
 */
describe("cloud servers installed over SSH", function () {
    let plan: PlanResult;
    before(async () => {
        plan = await planFixture("oci-servers", {});
    });

    it("installs the servers one after another, the initial one first, each after its instance", () => {
        const installs = ofType(plan, "command:remote:Command").filter((c) => !c.name.endsWith("-ssh-host-key"));
        assert.deepEqual(installs.map((c) => c.name).sort(), ["server-1-k3s-install", "server-2-k3s-install", "server-3-k3s-install"], "agents install from user data");
        const install = (n: number) => named(plan, "command:remote:Command", `server-${n}-k3s-install`);
        assert.ok(install(2).dependencies.includes(install(1).urn), "server-2 waits for server-1");
        assert.ok(install(3).dependencies.includes(install(2).urn), "server-3 waits for server-2, so one etcd member restarts at a time");
        assert.ok(!install(1).dependencies.some((d) => d.includes("-k3s-install")), "the initial server waits for no install");
        for (const n of [1, 2, 3]) {
            assert.ok(install(n).dependencies.includes(named(plan, "oci:Core/instance:Instance", `server-${n}`).urn));
            const connection = install(n).plainInputs.connection as Record<string, string>;
            assert.equal(connection.hostKey, handedHostKeyOf(`server-${n}`), `server-${n}'s install verifies the host key it made itself`);
            assert.ok(install(n).additionalSecretOutputs.includes("stdout"));
            // A new instance is a new install: the trigger is its id (the offline plan names ids offline-<name>).
            assert.deepEqual(install(n).inputs.triggers, [`offline-server-${n}`]);
            assert.equal(install(n).inputs.addPreviousOutputInEnv, false);
            assert.equal(install(n).inputs.stdin, "[secret]");
        }
    });

    it("keeps every token out of the servers' user data, and the server token out of the agent's", () => {
        const initial = k3sConfigInScript(serverInstallScriptOf(plan, "server-1"));
        const joining = k3sConfigInScript(serverInstallScriptOf(plan, "server-2"));
        assert.equal(initial["cluster-init"], true);
        assert.equal(joining.server, "https://10.0.0.10:6443");
        assert.equal(joining.token, `K10${"ab".repeat(32)}::server:${initial.token}`);
        for (const node of ["server-1", "server-2", "server-3", "agent-1"]) {
            const userData = ociUserDataOf(named(plan, "oci:Core/instance:Instance", node));
            assert.ok(!userData.includes(initial.token), `${node}'s user data holds the server token`);
            if (node.startsWith("server")) {
                assert.ok(!userData.includes(initial["agent-token"]), `${node}'s user data holds the agent token`);
                assert.deepEqual(Object.keys(YAML.parse(userData)).sort(), ["apt", "packages", "ssh_keys"]);
            }
        }
    });

    it("passes the security pack's rule when it names the installs, and fails it when it does not", async () => {
        const records = plan.resources.map(toPolicyRecord);
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["server-1-k3s-install", "server-2-k3s-install", "server-3-k3s-install"] }), []);
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["server-1-k3s-install", "server-2-k3s-install"] }), [
            "command:remote:Command server-3-k3s-install is built from the k3s server token (k3s-token) but is not a k3s server: its user data or script would hand any pod that reads it the cluster's root of trust; join agents with the agent token (k3s agent-token)",
        ]);
    });

    it("refuses a server Pulumi cannot reach over SSH, naming it", async () => {
        await assert.rejects(planFixture("oci-servers", { privateServer: true }), /server-2: a server must be public, with a login, since k3s is installed on it over SSH/);
        await assert.rejects(planFixture("oci-servers", { noLogin: true }), /server-1: a server must be public, with a login, since k3s is installed on it over SSH/);
    });
});
