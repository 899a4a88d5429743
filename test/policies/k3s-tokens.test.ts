import { strict as assert } from "assert";
import { k3sServerTokenOnlyOnServers } from "../../policies/security/k3s-tokens";
import { packConfigFor, SERVER_TOKEN_POLICY } from "../../plan/policy-config";
import { committedPlan, parse, stackValues } from "../helpers";
import { toPolicyRecord } from "../../plan/policy-report";
import { messages, record } from "./harness";

const PASSWORD = "random:index/randomPassword:RandomPassword";
const serverToken = record(PASSWORD, { length: 64 }, "k3s-token");
const agentToken = record(PASSWORD, { length: 64 }, "k3s-agent-token");
const instance = (name: string, role: string, tokens: string[]) =>
    record("oci:Core/instance:Instance", { freeformTags: { "groundwork-k3s-role": role }, metadata: { user_data: "[secret]" } }, name, { dependencies: tokens.map((t) => `urn:pulumi:test::groundwork::${PASSWORD}::${t}`) });
const install = (name: string, tokens: string[]) =>
    record("command:remote:Command", { create: "sudo sh -s", stdin: "[secret]" }, name, { dependencies: tokens.map((t) => `urn:pulumi:test::groundwork::${PASSWORD}::${t}`) });

describe("k3s-server-token-only-on-servers", () => {
    it("passes servers built from the server token, agents built from the agent token alone, and edge servers the config names", async () => {
        const records = [serverToken, agentToken, instance("server-1", "server", ["k3s-token", "k3s-agent-token"]), instance("arm-1", "agent", ["k3s-agent-token"]), install("edge-edge-server", ["k3s-token", "k3s-agent-token"]), install("edge-edge-1", ["k3s-agent-token"])];
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["edge-edge-server"] }), []);
    });

    it("flags an agent, or an untagged install the config does not name, built from the server token", async () => {
        const records = [serverToken, agentToken, instance("arm-1", "agent", ["k3s-token", "k3s-agent-token"]), install("edge-edge-1", ["k3s-token"])];
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["edge-edge-server"] }), [
            "oci:Core/instance:Instance arm-1 is built from the k3s server token (k3s-token) but is a k3s agent: its user data or script would hand any pod that reads it the cluster's root of trust; join agents with the agent token (k3s agent-token)",
            "command:remote:Command edge-edge-1 is built from the k3s server token (k3s-token) but is not a k3s server: its user data or script would hand any pod that reads it the cluster's root of trust; join agents with the agent token (k3s agent-token)",
        ]);
    });

    const KEY = "tls:index/privateKey:PrivateKey";
    const caKey = record(KEY, { algorithm: "ECDSA" }, "k3s-server-ca");
    const builtFromCa = <T extends ReturnType<typeof record>>(r: T): T => ({ ...r, dependencies: [...(r.dependencies ?? []), `urn:pulumi:test::groundwork::${KEY}::k3s-server-ca`] });

    it("passes the server CA's key in the initial server's user data or install, and in the certificate it signs", async () => {
        const cert = builtFromCa(record("tls:index/selfSignedCert:SelfSignedCert", { isCaCertificate: true }, "k3s-server-ca"));
        const records = [serverToken, agentToken, caKey, cert, builtFromCa(instance("server-1", "server", ["k3s-token", "k3s-agent-token"])), builtFromCa(install("edge-edge-server", ["k3s-token", "k3s-agent-token"])), instance("arm-1", "agent", ["k3s-agent-token"])];
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["edge-edge-server"] }), []);
    });

    it("flags an agent, or an install the config does not name, built from the server CA's key", async () => {
        const records = [serverToken, agentToken, caKey, builtFromCa(instance("arm-1", "agent", ["k3s-agent-token"])), builtFromCa(install("edge-edge-1", ["k3s-agent-token"]))];
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["edge-edge-server"] }), [
            "oci:Core/instance:Instance arm-1 is built from the k3s server CA's private key (k3s-server-ca) but is a k3s agent: with it anyone who reads its user data or script can answer as the API server to every node and client; give the key to the initial server only, and other nodes the CA's hash in their tokens",
            "command:remote:Command edge-edge-1 is built from the k3s server CA's private key (k3s-server-ca) but is not a k3s server: with it anyone who reads its user data or script can answer as the API server to every node and client; give the key to the initial server only, and other nodes the CA's hash in their tokens",
        ]);
    });

    it("holds in every stack: only servers depend on the server token, and the edge stack names its server's install", async () => {
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            const plan = await committedPlan(stack);
            const config = packConfigFor(parse(stackValues(stack)), "security")[SERVER_TOKEN_POLICY] as { serverNodes: string[] } | undefined;
            if (stack === "edge") assert.deepEqual(config, { serverNodes: ["edge-edge-server"] });
            const records = plan.resources.map(toPolicyRecord);
            const dependents = records.filter((r) => (r.dependencies ?? []).some((d) => d.endsWith("::k3s-token")));
            assert.ok(dependents.length > 0, `${stack}: something is built from the server token`);
            const fromCaKey = records.filter((r) => !r.type.startsWith("tls:") && (r.dependencies ?? []).some((d) => d.endsWith("tls:index/privateKey:PrivateKey::k3s-server-ca")));
            assert.equal(fromCaKey.length, 1, `${stack}: only the initial server is built from the server CA's key (${fromCaKey.map((r) => r.name).join(", ")})`);
            assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, config), [], stack);
        }
    });
});
