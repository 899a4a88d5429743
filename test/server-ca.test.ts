import { strict as assert } from "assert";
import * as YAML from "yaml";
import { pinnedCaHash, secureJoinToken, SERVER_CA_CERT_PATH, serverCaHash } from "../components/k3s/server-ca";
import { encryptedNonCredentials } from "../stacks/config/encrypted-values";
import { committedPlan, k3sConfigInScript, named, ociUserDataOf, ofType, planValues, problems, serverCaCertInScript, serverInstallScriptOf, stackValues } from "./helpers";

/**
 * Joins pin the k3s server CA: the token format k3s parses, the config key for clusters that keep
 * the CA they made, and what a stack with that key plans.
 */
describe("the k3s server CA that joins pin", () => {
    const HASH = serverCaHash("-----BEGIN CERTIFICATE-----\nplanted\n-----END CERTIFICATE-----\n");

    it("writes tokens in k3s's secure form, with exactly the users a server strips (pkg/passwd/passwd.go)", () => {
        assert.match(HASH, /^[0-9a-f]{64}$/);
        assert.equal(secureJoinToken(HASH, "node", "pw-1"), `K10${HASH}::node:pw-1`);
        assert.equal(secureJoinToken(HASH, "server", "pw-2"), `K10${HASH}::server:pw-2`);
        assert.equal(pinnedCaHash(`K10${HASH}::node:pw-1`), HASH);
        assert.equal(pinnedCaHash("bare-password"), undefined);
        assert.throws(() => secureJoinToken(HASH.toUpperCase(), "node", "pw"), /64 lower-case hex characters \(k3s compares it as written\); got 64 characters/);
        assert.throws(() => secureJoinToken(HASH, "node", ""), /non-empty/);
    });

    it("hashes the certificate's bytes as k3s hashes a file of one certificate: a changed newline is another CA", () => {
        const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert.notEqual(serverCaHash(pem), serverCaHash(pem.trimEnd()));
        assert.notEqual(serverCaHash(pem), serverCaHash(pem.replace(/\n/g, "\r\n")));
    });

    it("refuses a cluster.serverCaHash that is not one, never repeating a whole token pasted there", () => {
        const cases: [string, RegExp][] = [
            [HASH.toUpperCase(), /must be written in lower case: k3s compares the hash as written/],
            [HASH.slice(0, 40), /must be the sha256 of the cluster's server CA, 64 lower-case hex characters \(sudo cut -c4-67 \/var\/lib\/rancher\/k3s\/server\/token on the first server\); this is 40 characters$/],
            ["not-a-hash", /this is 10 characters and not all hex$/],
            // k3s's own passwords are 32 hex characters: a wrong value here is never shown (sweep s17 cl25).
            ["0123456789abcdef0123456789abcdef", /^groundwork:cluster\.serverCaHash = \[text of 32 characters, not shown as it may hold a secret\]: must be the sha256/],
            [`K10${HASH}::server:Planted5ecretServerPassw0rdThatMustNotShow`, /is a whole k3s token, which holds a join password: give only the 64 hex characters after K10 .* rotate it \(k3s token rotate\)/],
        ];
        for (const [value, message] of cases) {
            const v = stackValues("dev");
            v.cluster.serverCaHash = value;
            const found = problems(v);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], /groundwork:cluster\.serverCaHash/);
            assert.match(found[0], message);
            assert.ok(!found[0].includes("Planted5ecretServerPassw0rd") && !found[0].includes("0123456789abcdef"), found[0]);
        }
    });

    it("says what to store in plain text when the hash was stored encrypted, where a whole token may be (sweep s17 cl28)", () => {
        const [problem] = encryptedNonCredentials(["groundwork:cluster.serverCaHash"], "groundwork", () => false);
        assert.match(problem, /^groundwork:cluster\.serverCaHash = \[secret\]: is stored encrypted, but it is not a credential.*<value>, only the 64 hex characters after K10 in the server's token file \(sudo cut -c4-67 \/var\/lib\/rancher\/k3s\/server\/token\); if the value stored holds the whole token, its password is in the stack file's history: rotate it/);
    });

    it("makes no CA for a cluster that keeps its own: the first server gets no CA files and every joining node pins the given hash", async () => {
        const existing = "3f".repeat(32);
        const v = stackValues("dev");
        v.cluster.serverCaHash = existing;
        const plan = await planValues("dev", v);
        assert.deepEqual(ofType(plan, "tls:index/selfSignedCert:SelfSignedCert").filter((r) => r.name === "k3s-server-ca"), []);
        assert.deepEqual(ofType(plan, "tls:index/privateKey:PrivateKey").filter((r) => r.name === "k3s-server-ca"), []);
        const server = serverInstallScriptOf(plan, "server-1");
        assert.equal(serverCaCertInScript(server), undefined, "no CA file on the first server");
        assert.ok(!server.includes(SERVER_CA_CERT_PATH), "nor a check of one");
        const agent = YAML.parse(YAML.parse(ociUserDataOf(named(plan, "oci:Core/instance:Instance", "agent-1"))).write_files[0].content);
        assert.equal(agent.token, `K10${existing}::node:${k3sConfigInScript(server)["agent-token"]}`);
        // The placing script finds what it places: the committed stack's server gets Pulumi's CA.
        assert.match(serverCaCertInScript(serverInstallScriptOf(await committedPlan("dev"), "server-1"))!, /^-----BEGIN CERTIFICATE-----\n/);
    });

    it("makes the CA to last, never renewed nor replaced by an up", async () => {
        const plan = await committedPlan("dev");
        const cert = named(plan, "tls:index/selfSignedCert:SelfSignedCert", "k3s-server-ca");
        assert.equal(cert.inputs.isCaCertificate, true);
        assert.equal(cert.inputs.earlyRenewalHours, 0);
        assert.equal(cert.inputs.validityPeriodHours, 87600);
        assert.deepEqual(cert.inputs.allowedUses, ["cert_signing", "digital_signature", "key_encipherment"]);
        assert.equal(cert.protect, true);
        const key = named(plan, "tls:index/privateKey:PrivateKey", "k3s-server-ca");
        assert.deepEqual(key.inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.equal(key.protect, true);
    });
});
