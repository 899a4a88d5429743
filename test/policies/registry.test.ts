import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { POLICY_PACKS } from "../../policies/packs";

/** The registry the plan and CI run: five packs, every policy well-formed, named once, and tested. */
describe("policy packs registry", () => {
    const policies = POLICY_PACKS.flatMap((p) => p.policies.map((policy) => ({ pack: p.name, policy })));

    it("registers the five packs with at least 40 policies, each named once across all packs", () => {
        assert.deepEqual(POLICY_PACKS.map((p) => p.name).sort(), ["ai-use", "cost", "data", "reliability", "security"]);
        assert.ok(policies.length >= 40, `${policies.length} policies`);
        const names = policies.map((p) => p.policy.name);
        assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], "a policy name is used twice: reports and pack configs key on it");
    });

    it("gives every policy a kebab-case name, a description, a level and a validation", () => {
        for (const { pack, policy } of policies) {
            assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${pack}: ${policy.name}`);
            assert.ok(policy.description.length > 20, `${pack}/${policy.name} has no real description`);
            assert.ok(["mandatory", "advisory"].includes(String(policy.enforcementLevel)), `${pack}/${policy.name}: ${policy.enforcementLevel}`);
            assert.ok("validateResource" in policy || "validateStack" in policy, `${pack}/${policy.name} validates nothing`);
        }
    });

    it("has a test block for every policy, named after it", () => {
        const dir = __dirname;
        const tests = fs.readdirSync(dir).filter((f) => f.endsWith(".test.ts")).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
        const untested = policies.filter(({ policy }) => !new RegExp(`describe\\("${policy.name}[" (]`).test(tests)).map((p) => `${p.pack}/${p.policy.name}`);
        assert.deepEqual(untested, []);
    });
});
