import { strict as assert } from "assert";
import { nodeRegistrationFenced } from "../../policies/security/node-registration";
import { planAdmissionPolicies } from "../helpers";
import { messages, record } from "./harness";

const namespace = record("kubernetes:core/v1:Namespace", { metadata: { name: "apps" } }, "apps");

describe("node-registration-fenced (security pack)", () => {
    it("passes the policy the stacks render, which refuses a kubelet's Node under a stranger's name", async () => {
        for (const stack of ["dev", "cloud"]) {
            const policies = (await planAdmissionPolicies(stack)).map((p, i) => record(p.type, p.props, `policy-${i}`));
            assert.deepEqual(await messages(nodeRegistrationFenced, [namespace, ...policies]), [], stack);
        }
    });

    it("flags a cluster where nothing refuses one, or where the policy does not bind", async () => {
        const found = await messages(nodeRegistrationFenced, [namespace]);
        assert.deepEqual(found, ["nothing refuses a kubelet's Node under a name the stack gives no node (groundwork-probe-stranger): any machine that holds the agent token joins, labels itself with the stack's placement labels and attracts the pods that select them; add a ValidatingAdmissionPolicy with a Deny binding that admits the stack's node names only (components/k3s/node-registration-admission.ts)"]);
        const unbound = (await planAdmissionPolicies("dev")).filter((p) => !(p.type.endsWith("ValidatingAdmissionPolicyBinding") && p.props.metadata.name === "groundwork-node-registration"))
            .map((p, i) => record(p.type, p.props, `policy-${i}`));
        assert.equal((await messages(nodeRegistrationFenced, [namespace, ...unbound])).length, 1);
    });

    it("has nothing to check in a stack without a cluster", async () => {
        assert.deepEqual(await messages(nodeRegistrationFenced, []), []);
    });
});
