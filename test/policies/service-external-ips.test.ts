import { strict as assert } from "assert";
import { EXTERNAL_IPS_UNCHANGED } from "../../components/k3s/service-external-ips";
import { admissionOutcome } from "../../policies/security/admission-policies";
import { serviceExternalIpsDenied } from "../../policies/security/service-external-ips";
import { messages, record } from "./harness";

const POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
const BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";
const namespace = record("kubernetes:core/v1:Namespace", { metadata: { name: "apps" } }, "apps");

/** The policy ServiceExternalIpsAdmission renders; `expression` and `actions` override its rule and its binding's. */
function admission(expression = EXTERNAL_IPS_UNCHANGED, actions = ["Deny"]) {
    return [
        record(POLICY, {
            metadata: { name: "groundwork-service-external-ips" },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["services"] }] },
                validations: [{ expression, message: "no external IPs" }],
            },
        }, "policy"),
        record(BINDING, { metadata: { name: "groundwork-service-external-ips" }, spec: { policyName: "groundwork-service-external-ips", validationActions: actions } }, "binding"),
    ];
}
const NOTHING_REFUSES = "nothing refuses a Service with spec.externalIPs: whoever may create a Service in any namespace could take every pod's traffic to an address of their choosing (CVE-2020-8554); add a ValidatingAdmissionPolicy with a Deny binding that refuses new external IPs on services, CREATE and UPDATE (components/k3s/service-external-ips.ts)";

describe("service-external-ips-denied (security pack)", () => {
    it("passes the policy the stacks render, which refuses new external IPs and admits every other Service", async () => {
        assert.deepEqual(await messages(serviceExternalIpsDenied, [namespace, ...admission()]), []);
        // Evaluated as the API server would, upstream's isSubset: none on create, no new one on update.
        const request = (externalIPs?: string[], operation: "CREATE" | "UPDATE" = "CREATE") => ({
            group: "", version: "v1", resource: "services", operation, namespace: "apps",
            object: { metadata: { name: "web" }, spec: { type: "ClusterIP", ...(externalIPs ? { externalIPs } : {}) } },
        });
        const resources = admission();
        assert.equal(admissionOutcome(resources, request(["198.51.100.7"])).denied, true);
        assert.equal(admissionOutcome(resources, request(["198.51.100.7"], "UPDATE")).denied, true, "an update that adds one (no old object holds it)");
        assert.equal(admissionOutcome(resources, request([])).denied, false);
        assert.equal(admissionOutcome(resources, request()).denied, false);
    });

    it("flags a cluster that nothing protects: no policy, or a binding that only warns", async () => {
        assert.deepEqual(await messages(serviceExternalIpsDenied, [namespace]), [NOTHING_REFUSES]);
        assert.deepEqual(await messages(serviceExternalIpsDenied, [namespace, ...admission(EXTERNAL_IPS_UNCHANGED, ["Warn", "Audit"])]), [NOTHING_REFUSES]);
    });

    it("flags a policy that refuses every Service, which would stop every chart", async () => {
        assert.deepEqual(await messages(serviceExternalIpsDenied, [namespace, ...admission("false")]), [
            'ValidatingAdmissionPolicy groundwork-service-external-ips refuses a Service without external IPs ("no external IPs"), so no Service could be created; refuse only new spec.externalIPs',
        ]);
    });

    it("has nothing to check in a stack without a cluster", async () => {
        assert.deepEqual(await messages(serviceExternalIpsDenied, []), []);
    });
});
