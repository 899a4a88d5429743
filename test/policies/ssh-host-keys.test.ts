import { strict as assert } from "assert";
import { cloudHostKeysPinnedAtBoot } from "../../policies/security/ssh-host-keys";
import { toPolicyRecord } from "../../plan/policy-report";
import { committedPlan, planValues, stackValues } from "../helpers";
import { messages } from "./harness";

describe("cloud-host-keys-pinned-at-boot (security pack)", () => {
    it("passes the stacks, whose cloud nodes boot with a key Pulumi made and hand it over", async () => {
        for (const stack of ["dev", "cloud", "hybrid"]) {
            assert.deepEqual(await messages(cloudHostKeysPinnedAtBoot, (await committedPlan(stack)).resources.map(toPolicyRecord)), [], stack);
        }
    });

    it("names every node whose first connection trusts the key it is shown (trust on first use)", async () => {
        const values = stackValues("hybrid");
        values.cluster.sshHostKeys = "trust-on-first-use";
        const warn = console.warn;
        console.warn = () => undefined;
        const plan = await planValues("tofu-policy", values).finally(() => (console.warn = warn));
        const found = await messages(cloudHostKeysPinnedAtBoot, plan.resources.map(toPolicyRecord));
        assert.ok(found.length >= 1, "hybrid reaches at least its OCI server");
        assert.ok(found.some((m) => m.startsWith("server-1-ssh-host-key reads a cloud node's SSH host key over a connection that verified none (cluster.sshHostKeys: trust-on-first-use)")), found.join("\n"));
        for (const m of found) assert.match(m, /set sshHostKeys: generated and replace the node \(README, Cloud nodes' host keys\)$/);
    });
});
