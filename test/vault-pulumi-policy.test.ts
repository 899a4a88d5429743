import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PULUMI_POLICY, PULUMI_POLICY_HCL, vaultPulumiPolicyLines } from "../components/platform/vault-bootstrap";

/**
 * The capabilities a policy grants on a request path, as Vault's ACL picks the rule: an exact
 * path first, else the longest glob prefix (developer.hashicorp.com/vault/docs/concepts/policies,
 * "Policy paths are matched using the most specific defined policy"; vault/acl.go checks its
 * exact rules before its prefix tree). Our policies use no `+` segments.
 */
function capabilitiesOn(hcl: string, requestPath: string): string[] {
    const rules = [...hcl.matchAll(/path "([^"]+)" \{\n {2}capabilities = \[([^\]]*)\]\n\}/g)].map((m) => ({ path: m[1], capabilities: JSON.parse(`[${m[2]}]`) as string[] }));
    assert.ok(!rules.some((r) => r.path.includes("+")), "the evaluator knows no + segments");
    const exact = rules.find((r) => !r.path.endsWith("*") && r.path === requestPath);
    if (exact) return exact.capabilities;
    const globs = rules.filter((r) => r.path.endsWith("*") && requestPath.startsWith(r.path.slice(0, -1))).sort((a, b) => b.path.length - a.path.length);
    return globs[0]?.capabilities ?? [];
}

describe("Pulumi's Vault policy (security review s22 F1)", () => {
    it("lets Pulumi's token write the platform's policies but only read its own and default, so it cannot grant itself more in one call", () => {
        assert.deepEqual(capabilitiesOn(PULUMI_POLICY_HCL, `sys/policies/acl/${PULUMI_POLICY}`), ["read"]);
        assert.deepEqual(capabilitiesOn(PULUMI_POLICY_HCL, "sys/policies/acl/default"), ["read"]);
        assert.ok(capabilitiesOn(PULUMI_POLICY_HCL, "sys/policies/acl/postgres").includes("update"), "a consumer's policy is Pulumi's to write");
        assert.ok(capabilitiesOn(PULUMI_POLICY_HCL, "sys/policies/acl/team-research").includes("delete"), "a retired team's policy is Pulumi's to delete");
        // Nor can it turn the audit device off, nor reach the seal, raw storage or root generation.
        assert.ok(!capabilitiesOn(PULUMI_POLICY_HCL, "sys/audit/file").includes("delete"));
        for (const p of ["sys/raw/core/keyring", "sys/generate-root/attempt", "sys/seal", "auth/token/create", "sys/storage/raft/snapshot"]) {
            assert.deepEqual(capabilitiesOn(PULUMI_POLICY_HCL, p), [], p);
        }
    });

    describe("the configure script's check, run by sh against a stand-in vault", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-vault-policy-"));
            // `vault read -field=policy` prints the stored text; `vault policy write` stores stdin when WRITABLE=1,
            // else answers as Vault does to a token without update on the path.
            fs.writeFileSync(path.join(dir, "vault"), `#!/bin/sh
case "$1" in
  read) if [ -f "$STATE/policy" ]; then cat "$STATE/policy"; else echo "No value found at $3" >&2; exit 2; fi ;;
  policy) if [ "$WRITABLE" = 1 ]; then cat > "$STATE/policy"; echo "Success! Uploaded policy: $3"; else cat >/dev/null; echo "Error uploading policy: Code: 403. Errors: * permission denied" >&2; exit 2; fi ;;
  *) exit 3 ;;
esac
`, { mode: 0o755 });
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
        const run = (stored: string | undefined, writable: boolean) => {
            if (stored !== undefined) fs.writeFileSync(path.join(dir, "policy"), stored);
            const result = spawnSync("sh", ["-c", `set -eu\n${vaultPulumiPolicyLines()}echo configured`], {
                encoding: "utf8", env: { PATH: `${dir}:${process.env.PATH}`, STATE: dir, WRITABLE: writable ? "1" : "0" },
            });
            return { ...result, stored: fs.existsSync(path.join(dir, "policy")) ? fs.readFileSync(path.join(dir, "policy"), "utf8") : undefined };
        };

        it("goes on without writing when Vault holds this version's policy", () => {
            const result = run(PULUMI_POLICY_HCL, false);
            assert.deepEqual([result.status, result.stdout, result.stderr], [0, "configured\n", ""]);
        });

        it("takes the policy as an operator pasted it, with other line ends and indents, and writes nothing", () => {
            const pasted = PULUMI_POLICY_HCL.replace(/\n/g, "\r\n").replace(/^ {2}/gm, "    ");
            const result = run(pasted, false);
            assert.deepEqual([result.status, result.stdout, result.stored], [0, "configured\n", pasted]);
        });

        it("writes this version's policy where the token may (a root token, or Pulumi's under the old policy), once", () => {
            const result = run('path "sys/policies/acl/*" {\n  capabilities = ["create", "read", "update", "list"]\n}\n', true);
            assert.deepEqual([result.status, result.stdout], [0, `updated policy ${PULUMI_POLICY}\nconfigured\n`]);
            assert.equal(result.stored, PULUMI_POLICY_HCL);
            assert.deepEqual(run(undefined, false).stdout, "configured\n", "the next run finds it current");
        });

        it("stops before configuring anything when the token may not write it, saying how and printing the policy", () => {
            const result = run('path "sys/mounts" {\n  capabilities = ["read"]\n}\n', false);
            assert.equal(result.status, 1);
            assert.equal(result.stdout, "");
            assert.match(result.stderr, /^Vault's policy groundwork-pulumi is not this version's, and Pulumi's token may not rewrite its own policy: generate a root token with the recovery shares \(vault operator generate-root\), write the policy below with it/);
            assert.ok(result.stderr.includes(PULUMI_POLICY_HCL), "the policy to write follows");
            assert.doesNotMatch(result.stderr, /permission denied/, "Vault's own error is not the message");
        });
    });
});
