import { strict as assert } from "assert";
import { serviceTypesDenied } from "../../policies/security/service-types";
import { planAdmissionPolicies } from "../helpers";
import { messages, record } from "./harness";

const namespace = record("kubernetes:core/v1:Namespace", { metadata: { name: "apps" } }, "apps");

describe("service-types-denied (security pack)", () => {
    it("passes the policy the stacks render, which refuses LoadBalancer and NodePort Services outside the ingress", async () => {
        const policies = (await planAdmissionPolicies("dev")).map((p, i) => record(p.type, p.props, `policy-${i}`));
        assert.deepEqual(await messages(serviceTypesDenied, [namespace, ...policies]), []);
    });

    it("flags a cluster where nothing refuses them, once for each type", async () => {
        const found = await messages(serviceTypesDenied, [namespace]);
        assert.equal(found.length, 2);
        assert.match(found[0], /^nothing refuses a LoadBalancer Service outside the ingress's namespace: whoever may write a Service/);
        assert.match(found[1], /^nothing refuses a NodePort Service outside the ingress's namespace/);
    });

    it("has nothing to check in a stack without a cluster", async () => {
        assert.deepEqual(await messages(serviceTypesDenied, []), []);
    });
});
