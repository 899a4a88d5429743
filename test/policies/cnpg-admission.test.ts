import { strict as assert } from "assert";
import { admissionVerdicts } from "../helpers";

/**
 * The CloudNativePG operator's admission policy, as the dev plan renders it, judged by evaluating its
 * CEL: what it does for the Cluster in groundwork-data and in its own namespace is admitted, what its
 * chart's cluster-wide rights would also let a thief of its token do is denied (controller RBAC review s23 F4).
 */
const OPERATOR = "system:serviceaccount:cnpg-system:cnpg-cloudnative-pg";

describe("the CloudNativePG operator's admission policy", () => {
    const verdict = admissionVerdicts("dev", { group: "", version: "v1", resource: "", operation: "CREATE", namespace: "groundwork-data", object: {}, username: OPERATOR });
    const webhooks = (caBundle?: string, url?: string) => ({
        webhooks: [{ name: "mcluster.cnpg.io", rules: [{ apiGroups: ["postgresql.cnpg.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["clusters"] }], sideEffects: "None", admissionReviewVersions: ["v1"],
            clientConfig: url ? { url } : { service: { name: "cnpg-webhook-service", namespace: "cnpg-system", path: "/mutate-postgresql-cnpg-io-v1-cluster", port: 443 }, ...(caBundle ? { caBundle } : {}) } }],
    });
    const patchWebhooks = (name: string, after: object) => verdict({ group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", operation: "UPDATE", namespace: "", name, oldObject: webhooks(), object: after as Record<string, unknown> });

    it("admits the Cluster's objects in groundwork-data, exec into its instances, its own certificate, and its webhooks' CA bundle", () => {
        assert.equal(verdict({ resource: "pods", name: "postgres-1", object: { spec: { containers: [{ name: "postgres" }] } } }).denied, false);
        assert.equal(verdict({ resource: "pods", subResource: "exec", operation: "CONNECT", name: "postgres-1", object: { kind: "PodExecOptions" } }).denied, false);
        assert.equal(verdict({ group: "rbac.authorization.k8s.io", resource: "roles", name: "postgres" }).denied, false);
        assert.equal(verdict({ resource: "secrets", namespace: "cnpg-system", name: "cnpg-webhook-cert", object: { type: "kubernetes.io/tls" } }).denied, false);
        assert.equal(verdict({ resource: "secrets", operation: "DELETE", name: "postgres-replication", object: null, oldObject: { type: "kubernetes.io/tls" } }).denied, false);
        assert.equal(patchWebhooks("cnpg-mutating-webhook-configuration", webhooks("LS0tLS1CRUdJTg==")).denied, false);
        // As pkg/specs/rolebinding.go builds it: the Role of its name, to the account of its name.
        const binding = (subjects: object[]) => verdict({ group: "rbac.authorization.k8s.io", resource: "rolebindings", name: "postgres", object: { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "postgres" }, subjects } });
        assert.equal(binding([{ kind: "ServiceAccount", name: "postgres", namespace: "groundwork-data" }]).denied, false);
        assert.equal(verdict({ group: "coordination.k8s.io", resource: "leases", namespace: "cnpg-system", name: "db9c8771.cnpg.io" }).denied, false);
        // Review s23b F1, F2, F4: a binding to everyone, kube-system's leases, exec into another store's pod.
        assert.equal(binding([{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:authenticated" }]).denied, true, "bound to everyone");
        assert.equal(verdict({ group: "coordination.k8s.io", resource: "leases", operation: "UPDATE", namespace: "kube-system", name: "kube-controller-manager", oldObject: {} }).denied, true, "kube-system's leader lease");
        const qdrant = verdict({ resource: "pods", subResource: "exec", operation: "CONNECT", name: "qdrant-0", object: { kind: "PodExecOptions" } });
        assert.deepEqual(qdrant, { denied: true, by: "groundwork-cloudnative-pg", message: "the CloudNativePG operator may exec only into its Clusters' instances (postgres-<n>)" });
    });

    it("denies it another namespace, a token Secret, another webhook configuration or another destination", () => {
        const exec = verdict({ resource: "pods", subResource: "exec", operation: "CONNECT", namespace: "system-upgrade", name: "apply-k3s-server", object: { kind: "PodExecOptions" } });
        assert.deepEqual(exec, { denied: true, by: "groundwork-cloudnative-pg", message: "the CloudNativePG operator may write pods, Jobs, Secrets, accounts and Roles, and exec into pods, only in groundwork-data, cnpg-system" });
        assert.equal(verdict({ group: "batch", resource: "jobs", namespace: "kube-system", name: "x" }).denied, true, "a Job in kube-system");
        assert.equal(verdict({ resource: "secrets", name: "t", object: { type: "kubernetes.io/service-account-token" } }).denied, true, "a token Secret at home");
        assert.equal(patchWebhooks("linkerd-proxy-injector-webhook-config", webhooks("x")).denied, true);
        assert.equal(patchWebhooks("cnpg-mutating-webhook-configuration", webhooks(undefined, "https://thief.invalid")).denied, true);
    });
});
