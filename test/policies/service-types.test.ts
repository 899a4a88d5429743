import { strict as assert } from "assert";
import { AdmissionRequest, admissionOutcome } from "../../policies/security/admission-policies";
import { planAdmissionPolicies } from "../helpers";

/**
 * The Service type policy, as the dev plan renders it, judged by evaluating its CEL for any writer:
 * the ingress's LoadBalancer Services are admitted; a LoadBalancer or NodePort anywhere else, which
 * k3s's ServiceLB or kube-proxy would open on every node, is denied (controller RBAC review s25 F1).
 */
describe("the Service type admission policy", () => {
    let resources: { type: string; props: any }[];
    before(async () => {
        resources = await planAdmissionPolicies("dev");
    });
    const service = (namespace: string, type?: string, username = "oidc:ada@groundwork.example"): AdmissionRequest => ({
        group: "", version: "v1", resource: "services", operation: "CREATE", namespace, name: "probe", username,
        object: { metadata: { name: "probe", namespace }, spec: { ...(type ? { type } : {}), ports: [{ port: 6443 }] } },
    });

    it("admits the ingress's LoadBalancer and every ClusterIP Service", () => {
        assert.equal(admissionOutcome(resources, service("groundwork-ingress", "LoadBalancer", "system:admin")).denied, false);
        assert.equal(admissionOutcome(resources, service("groundwork-notebooks", "ClusterIP")).denied, false);
        assert.equal(admissionOutcome(resources, service("groundwork-notebooks")).denied, false, "type left to its default, ClusterIP");
    });

    it("denies a LoadBalancer or NodePort anywhere else, whoever writes it", () => {
        const person = admissionOutcome(resources, service("groundwork-notebooks", "LoadBalancer"));
        assert.deepEqual(person, { denied: true, by: "groundwork-service-types", message: "a LoadBalancer or NodePort Service opens its ports on every node (k3s's ServiceLB holds them as host ports, which take them from the API server, etcd or the kubelet); only the ingress (groundwork-ingress) may have one: use ClusterIP and route through the ingress" });
        assert.equal(admissionOutcome(resources, service("kube-system", "LoadBalancer", "system:serviceaccount:groundwork-observability:monitoring-kube-prometheus-operator")).denied, true, "the operator's kubelet Service");
        assert.equal(admissionOutcome(resources, service("groundwork-notebooks", "NodePort", "system:serviceaccount:groundwork-notebooks:hub")).denied, true, "the hub");
        assert.equal(admissionOutcome(resources, service("groundwork-data", "NodePort", "system:serviceaccount:cnpg-system:cnpg-cloudnative-pg")).denied, true);
        assert.equal(admissionOutcome(resources, { ...service("groundwork-data", "LoadBalancer"), operation: "UPDATE", oldObject: { spec: { type: "ClusterIP" } } }).denied, true, "turned into one");
    });
});
