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
    const SERVER_USER_DATA = "is a k3s server whose user data is built from";
    const WHY = ": the instance's metadata service serves user data to whatever on the node reaches it, and anyone allowed to describe the instance reads it; leave user data to the first boot and install the server over SSH, with its secrets in the install script";

    it("passes servers' SSH installs built from the server token, agents built from the agent token alone, and a server's first boot built from neither", async () => {
        const records = [serverToken, agentToken, instance("server-1", "server", []), install("server-1-k3s-install", ["k3s-token", "k3s-agent-token"]), instance("arm-1", "agent", ["k3s-agent-token"]), install("edge-edge-server", ["k3s-token", "k3s-agent-token"]), install("edge-edge-1", ["k3s-agent-token"])];
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["server-1-k3s-install", "edge-edge-server"] }), []);
    });

    it("flags a resource the config names that is not a remote Command", async () => {
        const configMap = record("kubernetes:core/v1:ConfigMap", { data: { token: "[secret]" } }, "server-1-k3s-install", { dependencies: [`urn:pulumi:test::groundwork::${PASSWORD}::k3s-token`] });
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, [serverToken, configMap], { serverNodes: ["server-1-k3s-install"] }), [
            "kubernetes:core/v1:ConfigMap server-1-k3s-install is built from the k3s server token (k3s-token) but is not a k3s server: its user data or script would hand any pod that reads it the cluster's root of trust; join agents with the agent token (k3s agent-token)",
        ]);
    });

    it("flags a server whose user data is built from the server token, an agent, and an install the config does not name", async () => {
        const records = [serverToken, agentToken, instance("server-1", "server", ["k3s-token", "k3s-agent-token"]), instance("arm-1", "agent", ["k3s-token", "k3s-agent-token"]), install("edge-edge-1", ["k3s-token"])];
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["edge-edge-server"] }), [
            `oci:Core/instance:Instance server-1 ${SERVER_USER_DATA} the k3s server token (k3s-token)${WHY}`,
            "oci:Core/instance:Instance arm-1 is built from the k3s server token (k3s-token) but is a k3s agent: its user data or script would hand any pod that reads it the cluster's root of trust; join agents with the agent token (k3s agent-token)",
            "command:remote:Command edge-edge-1 is built from the k3s server token (k3s-token) but is not a k3s server: its user data or script would hand any pod that reads it the cluster's root of trust; join agents with the agent token (k3s agent-token)",
        ]);
    });

    const KEY = "tls:index/privateKey:PrivateKey";
    const caKey = record(KEY, { algorithm: "ECDSA" }, "k3s-server-ca");
    const builtFromCa = <T extends ReturnType<typeof record>>(r: T): T => ({ ...r, dependencies: [...(r.dependencies ?? []), `urn:pulumi:test::groundwork::${KEY}::k3s-server-ca`] });

    it("passes the server CA's key in the initial server's SSH install, and in the certificate it signs", async () => {
        const cert = builtFromCa(record("tls:index/selfSignedCert:SelfSignedCert", { isCaCertificate: true }, "k3s-server-ca"));
        const records = [serverToken, agentToken, caKey, cert, instance("server-1", "server", []), builtFromCa(install("server-1-k3s-install", ["k3s-token", "k3s-agent-token"])), builtFromCa(install("edge-edge-server", ["k3s-token", "k3s-agent-token"])), instance("arm-1", "agent", ["k3s-agent-token"])];
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["server-1-k3s-install", "edge-edge-server"] }), []);
    });

    it("flags the server CA's key in a server's user data, an agent's, or an install the config does not name", async () => {
        const records = [serverToken, agentToken, caKey, builtFromCa(instance("server-1", "server", ["k3s-token"])), builtFromCa(instance("server-2", "server", [])), builtFromCa(instance("arm-1", "agent", ["k3s-agent-token"])), builtFromCa(install("edge-edge-1", ["k3s-agent-token"]))];
        assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, { serverNodes: ["edge-edge-server"] }), [
            `oci:Core/instance:Instance server-1 ${SERVER_USER_DATA} the k3s server token (k3s-token) and the k3s server CA's private key (k3s-server-ca)${WHY}`,
            `oci:Core/instance:Instance server-2 ${SERVER_USER_DATA} the k3s server CA's private key (k3s-server-ca)${WHY}`,
            "oci:Core/instance:Instance arm-1 is built from the k3s server CA's private key (k3s-server-ca) but is a k3s agent: with it anyone who reads its user data or script can answer as the API server to every node and client; give the key to the initial server only, and other nodes the CA's hash in their tokens",
            "command:remote:Command edge-edge-1 is built from the k3s server CA's private key (k3s-server-ca) but is not a k3s server: with it anyone who reads its user data or script can answer as the API server to every node and client; give the key to the initial server only, and other nodes the CA's hash in their tokens",
        ]);
    });

    it("holds in every stack: only the servers' SSH installs, which the config names, depend on the server token or the CA's key", async () => {
        const expected: Record<string, string[]> = {
            dev: ["server-1-k3s-install"],
            cloud: ["aws-server-0-k3s-install"],
            hybrid: ["server-1-k3s-install"],
            edge: ["edge-edge-server"],
        };
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            const plan = await committedPlan(stack);
            const config = packConfigFor(parse(stackValues(stack)), "security")[SERVER_TOKEN_POLICY] as { serverNodes: string[] } | undefined;
            assert.deepEqual(config, { serverNodes: expected[stack] }, stack);
            const records = plan.resources.map(toPolicyRecord);
            const dependents = records.filter((r) => (r.dependencies ?? []).some((d) => d.endsWith("::k3s-token")));
            assert.deepEqual(dependents.map((r) => r.name), expected[stack], `${stack}: what is built from the server token`);
            const fromCaKey = records.filter((r) => !r.type.startsWith("tls:") && (r.dependencies ?? []).some((d) => d.endsWith("tls:index/privateKey:PrivateKey::k3s-server-ca")));
            assert.deepEqual(fromCaKey.map((r) => r.name), expected[stack], `${stack}: only the initial server's install is built from the server CA's key`);
            assert.deepEqual(await messages(k3sServerTokenOnlyOnServers, records, config), [], stack);
        }
    });

    it("names every server of a stack with more than one, cloud and edge", () => {
        const v = stackValues("cloud");
        v.aws.servers.count = 3;
        assert.deepEqual((packConfigFor(parse(v), "security")[SERVER_TOKEN_POLICY] as { serverNodes: string[] }).serverNodes, ["aws-server-0-k3s-install", "aws-server-1-k3s-install", "aws-server-2-k3s-install"]);
    });
});
