import { strict as assert } from "assert";
import { admissionVerdicts } from "../helpers";

/**
 * Linkerd's destination controller's admission policy, as the dev plan renders it: its two Leases
 * in linkerd are admitted; an EndpointSlice anywhere, or a lease in kube-system, which its chart's
 * rights would also let a thief of its token write, is denied (controller RBAC review s23 F6).
 */
const DESTINATION = "system:serviceaccount:linkerd:linkerd-destination";

describe("Linkerd's destination controller's admission policy", () => {
    const verdict = admissionVerdicts("dev", { group: "coordination.k8s.io", version: "v1", resource: "leases", operation: "CREATE", namespace: "linkerd", object: {}, username: DESTINATION });

    it("admits its leases in linkerd", () => {
        assert.equal(verdict({ name: "linkerd-destination-endpoint-write" }).denied, false);
        assert.equal(verdict({ name: "policy-controller-write", operation: "UPDATE", oldObject: {} }).denied, false);
    });

    it("denies an EndpointSlice anywhere and a lease elsewhere", () => {
        const slice = verdict({ group: "discovery.k8s.io", resource: "endpointslices", namespace: "vault", name: "vault-stolen", object: { endpoints: [{ addresses: ["203.0.113.9"] }] } });
        assert.deepEqual(slice, { denied: true, by: "groundwork-linkerd-destination", message: "Linkerd's destination controller may write Leases only in linkerd, and no EndpointSlice (this stack has no ExternalWorkload for it to publish)" });
        assert.equal(verdict({ namespace: "kube-system", name: "kube-controller-manager", operation: "UPDATE", oldObject: {} }).denied, true);
        // Kubernetes' own EndpointSlice controller is not held to this.
        assert.equal(verdict({ username: "system:serviceaccount:kube-system:endpointslice-controller", group: "discovery.k8s.io", resource: "endpointslices", namespace: "vault", name: "vault-abc" }).denied, false);
    });
});
