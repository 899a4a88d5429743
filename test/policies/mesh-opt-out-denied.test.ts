import { strict as assert } from "assert";
import { meshOptOutDenied } from "../../policies/security/mesh-opt-out";
import { planAdmissionPolicies } from "../helpers";
import { messages, record } from "./harness";

const meshed = record("kubernetes:core/v1:Namespace", { metadata: { name: "apps", annotations: { "linkerd.io/inject": "enabled" } } }, "apps");
const plain = record("kubernetes:core/v1:Namespace", { metadata: { name: "tools" } }, "tools");

describe("mesh-opt-out-denied (security pack)", () => {
    it("passes the policy the stacks render, which refuses a pod opting out of a meshed namespace", async () => {
        const policies = (await planAdmissionPolicies("dev")).map((p, i) => record(p.type, p.props, `policy-${i}`));
        assert.deepEqual(await messages(meshOptOutDenied, [meshed, plain, ...policies]), []);
    });

    it("flags each meshed namespace where nothing refuses it", async () => {
        assert.deepEqual(await messages(meshOptOutDenied, [meshed, plain]), [
            "nothing refuses a pod that opts out of the mesh (linkerd.io/inject: disabled) in namespace apps, which Linkerd meshes: such a pod is out of every Server and AuthorizationPolicy there; add a ValidatingAdmissionPolicy with a Deny binding that refuses it (components/platform/mesh-opt-out-admission.ts)",
        ]);
    });

    it("has nothing to check where no namespace is meshed", async () => {
        assert.deepEqual(await messages(meshOptOutDenied, [plain]), []);
    });
});
