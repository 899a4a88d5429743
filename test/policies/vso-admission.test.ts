import { strict as assert } from "assert";
import { admissionVerdicts } from "../helpers";

/**
 * The Vault Secrets Operator's admission policy, as the dev plan renders it, judged by evaluating its
 * CEL (policies/security/admission-policies.ts): what the operator does at v1.4.1 is admitted, what
 * its chart's cluster-wide rights would also let a thief of its token do is denied (chart-models
 * review s22b F1), and nobody else's requests are its business.
 */
const VSO = "system:serviceaccount:vault-secrets-operator:vault-secrets-operator-controller-manager";

describe("the Vault Secrets Operator's admission policy", () => {
    const verdict = admissionVerdicts("dev", { group: "", version: "v1", resource: "", operation: "CREATE", namespace: "", object: null, username: VSO });
    const token = (namespace: string, name: string, audiences: string[]) => verdict({ resource: "serviceaccounts", subResource: "token", namespace, name, object: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences, expirationSeconds: 600 } } });
    const statefulSet = (annotations: Record<string, string>, privileged = false, replicas = 1) => ({
        apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "qdrant", namespace: "groundwork-data" },
        spec: { replicas, selector: { matchLabels: { app: "qdrant" } }, template: { metadata: { labels: { app: "qdrant" }, annotations }, spec: { containers: [{ name: "qdrant", image: "qdrant", ...(privileged ? { securityContext: { privileged: true } } : {}) }] } } },
    });
    const restart = (after: Record<string, unknown>, before: Record<string, unknown> = statefulSet({})) => verdict({ group: "apps", resource: "statefulsets", operation: "UPDATE", namespace: "groundwork-data", name: "qdrant", oldObject: before, object: after });
    const secret = (labels: Record<string, string>, type = "Opaque", ownerReferences?: object[]) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "groundwork-data", labels, ...(ownerReferences ? { ownerReferences } : {}) }, type });
    const VSO_OWNER = { apiVersion: "secrets.hashicorp.com/v1beta1", kind: "VaultStaticSecret", name: "s", uid: "0b1c" };
    const STAMP = "vso.secrets.hashicorp.com/restartedAt";
    const VSO_LABELS = { "app.kubernetes.io/managed-by": "hashicorp-vso" };

    it("admits what the operator does: tokens for <consumer>-secrets for Vault, restarts, and the Secrets it made", () => {
        assert.equal(token("groundwork-data", "qdrant-secrets", ["vault"]).denied, false);
        assert.equal(token("kube-system", "etcd-snapshot-secrets", ["vault"]).denied, false);
        assert.equal(restart(statefulSet({ [STAMP]: "2026-11-29T16:00:00Z" })).denied, false);
        // A second restart changes the stamp; the pods' other annotations stay as they are.
        assert.equal(restart(statefulSet({ [STAMP]: "2026-11-29T17:00:00Z", "linkerd.io/inject": "enabled" }), statefulSet({ [STAMP]: "2026-11-29T16:00:00Z", "linkerd.io/inject": "enabled" })).denied, false);
        // A DaemonSet has no replicas.
        const daemonSet = (annotations: Record<string, string>) => ({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "d", namespace: "kube-system" }, spec: { selector: {}, template: { metadata: { annotations }, spec: { containers: [] } } } });
        assert.equal(verdict({ group: "apps", resource: "daemonsets", operation: "UPDATE", namespace: "kube-system", name: "d", oldObject: daemonSet({}), object: daemonSet({ [STAMP]: "t" }) }).denied, false);
        assert.equal(verdict({ resource: "secrets", namespace: "groundwork-data", object: secret(VSO_LABELS) }).denied, false);
        assert.equal(verdict({ resource: "secrets", operation: "UPDATE", namespace: "groundwork-data", oldObject: secret(VSO_LABELS), object: secret(VSO_LABELS) }).denied, false);
        assert.equal(verdict({ resource: "secrets", operation: "DELETE", namespace: "groundwork-data", oldObject: secret(VSO_LABELS), object: null }).denied, false);
        // A destination type change: VSO strips the labels, keeps its owner reference, then deletes
        // and recreates the Secret (helpers/secrets.go L280-301); both steps are admitted.
        assert.equal(verdict({ resource: "secrets", operation: "UPDATE", namespace: "groundwork-data", oldObject: secret(VSO_LABELS, "Opaque", [VSO_OWNER]), object: secret({}, "Opaque", [VSO_OWNER]) }).denied, false);
        assert.equal(verdict({ resource: "secrets", operation: "DELETE", namespace: "groundwork-data", oldObject: secret({}, "Opaque", [VSO_OWNER]), object: null }).denied, false);
        // Its own namespace's Secrets (its client cache's key) are its own.
        assert.equal(verdict({ resource: "secrets", namespace: "vault-secrets-operator", object: secret({}) }).denied, false);
    });

    it("denies what its cluster-wide rights would also allow: other accounts' tokens, pod changes, other Secrets", () => {
        const tokens = token("system-upgrade", "system-upgrade", ["https://kubernetes.default.svc"]);
        assert.deepEqual(tokens, { denied: true, by: "groundwork-vault-secrets-operator", message: "the Vault Secrets Operator may request tokens only for a <consumer>-secrets ServiceAccount, for the audience vault" });
        assert.equal(token("groundwork-data", "qdrant-secrets", ["https://kubernetes.default.svc"]).denied, true, "another audience");
        assert.equal(restart(statefulSet({}, true)).denied, true, "a privileged container");
        assert.equal(restart({ ...statefulSet({}), spec: { ...statefulSet({}).spec, selector: { matchLabels: { app: "other" } } } }).denied, true, "another selector");
        assert.equal(verdict({ resource: "secrets", operation: "UPDATE", namespace: "cert-manager", oldObject: secret({}), object: secret(VSO_LABELS) }).denied, true, "taking over a Secret it did not make");
        assert.equal(verdict({ resource: "secrets", namespace: "system-upgrade", object: secret(VSO_LABELS, "kubernetes.io/service-account-token") }).denied, true, "a token Secret the controller would fill");
        assert.equal(verdict({ resource: "secrets", operation: "DELETE", namespace: "linkerd", oldObject: secret({}), object: null }).denied, true);
        assert.equal(verdict({ resource: "secrets", operation: "DELETE", namespace: "linkerd", oldObject: secret({}, "Opaque", [{ apiVersion: "apps/v1", kind: "Deployment", name: "d", uid: "1" }]), object: null }).denied, true, "owned by something else");
        const bootstrap = verdict({ resource: "secrets", namespace: "kube-system", object: secret(VSO_LABELS, "bootstrap.kubernetes.io/token") });
        assert.equal(bootstrap.denied, true, "a bootstrap token joins a node");
        assert.match(String(bootstrap.message), /no service account or bootstrap token Secret/);
        // Restarts that change more than the stamp.
        const uninjected = restart(statefulSet({ [STAMP]: "t", "linkerd.io/inject": "disabled" }));
        assert.equal(uninjected.denied, true, "a pod annotation taking the pods out of the mesh");
        assert.match(String(uninjected.message), /never change its pods, replicas or other annotations/);
        assert.equal(restart(statefulSet({ [STAMP]: "t" }), statefulSet({ "config.linkerd.io/skip-inbound-ports": "" })).denied, true, "an annotation removed");
        assert.equal(restart(statefulSet({ [STAMP]: "t" }, false, 0)).denied, true, "scaled to nothing");
        // Other fields of the spec, and the owners (review s23 F4).
        const base = statefulSet({ [STAMP]: "t" });
        assert.equal(restart({ ...base, spec: { ...base.spec, updateStrategy: { type: "OnDelete" } } }).denied, true, "a strategy");
        assert.equal(restart({ ...base, metadata: { ...base.metadata, ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "gone", uid: "0" }] } }).denied, true, "an owner that has it collected");
    });

    it("leaves everyone else's requests alone", () => {
        assert.equal(verdict({ username: "system:serviceaccount:kube-system:replicaset-controller", resource: "serviceaccounts", subResource: "token", namespace: "x", name: "any", object: { spec: { audiences: ["api"] } } }).denied, false);
        assert.equal(verdict({ username: "system:admin", group: "apps", resource: "statefulsets", operation: "UPDATE", namespace: "groundwork-data", oldObject: statefulSet({}), object: statefulSet({}, true) }).denied, false);
    });
});
