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
        assert.deepEqual(found, [
            "nothing refuses a kubelet's Node under a name the stack gives no node (groundwork-probe-stranger): any machine that holds the agent token joins, labels itself with the stack's placement labels and attracts the pods that select them; add a ValidatingAdmissionPolicy with a Deny binding that admits the stack's node names only (components/k3s/node-registration-admission.ts)",
            "nothing refuses system:k3s-controller a change to a Node's labels: k3s signs that identity's certificate for any agent-token holder, and its role patches every Node's status, where labels change too, so the holder can move the stack's placement labels; refuse it any label or taint change (components/k3s/node-registration-admission.ts)",
        ]);
        const unbound = (await planAdmissionPolicies("dev")).filter((p) => !(p.type.endsWith("ValidatingAdmissionPolicyBinding") && p.props.metadata.name === "groundwork-node-registration"))
            .map((p, i) => record(p.type, p.props, `policy-${i}`));
        assert.equal((await messages(nodeRegistrationFenced, [namespace, ...unbound])).length, 2);
        // A policy that judges kubelets alone, as before review s28, leaves the controller's relabelling.
        const kubeletsOnly = (await planAdmissionPolicies("dev")).map((p, i) => {
            if (!(p.type.endsWith("ValidatingAdmissionPolicy") && p.props.metadata.name === "groundwork-node-registration")) return record(p.type, p.props, `policy-${i}`);
            const spec = { ...p.props.spec, matchConditions: [{ name: "a-kubelet", expression: "request.userInfo.username.startsWith('system:node:')" }] };
            return record(p.type, { ...p.props, spec }, `policy-${i}`);
        });
        assert.deepEqual((await messages(nodeRegistrationFenced, [namespace, ...kubeletsOnly])).map((m) => m.split(":")[0]), ["nothing refuses system"]);
    });

    it("has nothing to check in a stack without a cluster", async () => {
        assert.deepEqual(await messages(nodeRegistrationFenced, []), []);
    });
});
