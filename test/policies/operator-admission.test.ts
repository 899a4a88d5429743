import { strict as assert } from "assert";
import { admissionVerdicts } from "../helpers";

/**
 * The prometheus-operator's admission policy, as the dev plan renders it, judged by evaluating its
 * CEL: its own namespace and its kubelet Service are its; a privileged StatefulSet in kube-system or
 * another namespace's Secret, which its chart's rights would also allow, are not (chart-models review s22b F2).
 */
const OPERATOR = "system:serviceaccount:groundwork-observability:monitoring-kube-prometheus-operator";

describe("the prometheus-operator's admission policy", () => {
    const verdict = admissionVerdicts("dev", { group: "", version: "v1", resource: "", operation: "CREATE", namespace: "", object: {}, username: OPERATOR });

    it("admits what it builds: Prometheus's StatefulSet, its config Secret and rule ConfigMaps at home, the kubelet Service and Endpoints in kube-system", () => {
        assert.equal(verdict({ group: "apps", resource: "statefulsets", namespace: "groundwork-observability", name: "prometheus-monitoring-kube-prometheus-prometheus" }).denied, false);
        assert.equal(verdict({ resource: "secrets", operation: "UPDATE", namespace: "groundwork-observability", name: "prometheus-monitoring-kube-prometheus-prometheus" }).denied, false);
        assert.equal(verdict({ resource: "configmaps", operation: "DELETE", namespace: "groundwork-observability", name: "rules", object: null }).denied, false);
        assert.equal(verdict({ resource: "services", namespace: "kube-system", name: "monitoring-kube-prometheus-kubelet", object: { spec: { clusterIP: "None" } } }).denied, false);
        assert.equal(verdict({ resource: "endpoints", operation: "UPDATE", namespace: "kube-system", name: "monitoring-kube-prometheus-kubelet" }).denied, false);
    });

    it("denies what its cluster-wide rights would also allow: a StatefulSet in kube-system, another namespace's Secret, kube-dns's Endpoints", () => {
        assert.deepEqual(verdict({ group: "apps", resource: "statefulsets", namespace: "kube-system", name: "x" }), {
            denied: true, by: "groundwork-prometheus-operator",
            message: "the prometheus-operator writes StatefulSets, Secrets, ConfigMaps and Services only in groundwork-observability, and the kubelet Service kube-system/monitoring-kube-prometheus-kubelet and its Endpoints",
        });
        assert.equal(verdict({ resource: "secrets", operation: "UPDATE", namespace: "cert-manager", name: "groundwork-private-ca" }).denied, true);
        assert.equal(verdict({ resource: "endpoints", operation: "UPDATE", namespace: "kube-system", name: "kube-dns" }).denied, true);
        assert.equal(verdict({ group: "discovery.k8s.io", resource: "endpointslices", namespace: "kube-system", name: "kube-dns-abcde" }).denied, true);
    });

    it("leaves everyone else's requests alone", () => {
        assert.equal(verdict({ username: "system:admin", group: "apps", resource: "statefulsets", namespace: "kube-system", name: "x" }).denied, false);
    });
});
