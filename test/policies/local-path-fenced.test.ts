import { strict as assert } from "assert";
import { localPathFenced } from "../../policies/security/local-path";
import { planAdmissionPolicies } from "../helpers";
import { messages, record } from "./harness";

const namespace = record("kubernetes:core/v1:Namespace", { metadata: { name: "apps" } }, "apps");

describe("local-path-fenced (security pack)", () => {
    it("passes the policy the stacks render, which holds the provisioner to its helper pods", async () => {
        const policies = (await planAdmissionPolicies("edge")).map((p, i) => record(p.type, p.props, `policy-${i}`));
        assert.deepEqual(await messages(localPathFenced, [namespace, ...policies]), []);
    });

    it("flags a cluster where nothing does, and nothing without a cluster", async () => {
        const found = await messages(localPathFenced, [namespace]);
        assert.equal(found.length, 1);
        assert.match(found[0], /^nothing holds k3s's local-path provisioner to its helper pods: its token may create pods in kube-system/);
        assert.deepEqual(await messages(localPathFenced, []), []);
    });
});
