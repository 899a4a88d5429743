import { strict as assert } from "assert";
import { AdmissionRequest } from "../../policies/security/admission-policies";
import { admissionVerdicts } from "../helpers";

/**
 * kured's and the barman-cloud plugin's admission policies, as the dev plan renders them, judged by
 * evaluating their CEL: what each does is admitted, what its chart's rights would also let a thief
 * of its token do is denied (controller RBAC review s23 F1, F5).
 */
const KURED = "system:serviceaccount:kured:kured";
const BARMAN = "system:serviceaccount:cnpg-system:plugin-barman-cloud";

describe("kured's and the barman-cloud plugin's admission policies", () => {
    const verdict = admissionVerdicts("dev", { group: "", version: "v1", resource: "", operation: "UPDATE", namespace: "", object: null });

    const daemonSet = (annotations: Record<string, string>, privileged = false) => ({
        apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "kured", namespace: "kured", labels: { app: "kured" }, annotations },
        spec: { selector: { matchLabels: { app: "kured" } }, template: { metadata: { labels: { app: "kured" } }, spec: { hostPID: true, containers: [{ name: "kured", ...(privileged ? { securityContext: { privileged: true } } : {}) }] } } },
    });
    const lock = (before: Record<string, unknown>, after: Record<string, unknown>) => verdict({ username: KURED, group: "apps", resource: "daemonsets", namespace: "kured", name: "kured", oldObject: before, object: after });
    const node = (change: { unschedulable?: boolean; annotations?: Record<string, string>; labels?: Record<string, string>; taints?: object[] } = {}) => ({
        apiVersion: "v1", kind: "Node",
        metadata: { name: "server-1", labels: { "kubernetes.io/hostname": "server-1", ...change.labels }, annotations: { "flannel.alpha.coreos.com/public-ip": "10.0.1.10", ...change.annotations } },
        spec: { podCIDR: "10.42.0.0/24", podCIDRs: ["10.42.0.0/24"], ...(change.unschedulable ? { unschedulable: true } : {}), ...(change.taints ? { taints: change.taints } : {}) },
    });
    const nodeUpdate = (after: Record<string, unknown>) => verdict({ username: KURED, resource: "nodes", name: "server-1", oldObject: node(), object: after });

    it("admits kured's lock on its DaemonSet, cordoning, and its own node annotations", () => {
        assert.equal(lock(daemonSet({}), daemonSet({ "weave.works/kured-node-lock": '{"nodeID":"server-1"}' })).denied, false);
        assert.equal(nodeUpdate(node({ unschedulable: true })).denied, false);
        assert.equal(nodeUpdate(node({ annotations: { "weave.works/kured-reboot-in-progress": "2026-11-29T03:00:00Z" } })).denied, false);
    });

    it("denies kured a changed pod template, a node's labels, taints or another annotation", () => {
        const rewritten = lock(daemonSet({}), daemonSet({}, true));
        assert.deepEqual(rewritten, { denied: true, by: "groundwork-kured", message: "kured may change only its DaemonSet's annotations (its reboot lock), never its spec or labels" });
        assert.equal(nodeUpdate(node({ labels: { "groundwork.dev/pool": "gpu" } })).denied, true, "a label that steers pods");
        assert.equal(nodeUpdate(node({ taints: [{ key: "x", effect: "NoSchedule" }] })).denied, true, "a taint");
        const owned = node({ unschedulable: true });
        assert.equal(nodeUpdate({ ...owned, metadata: { ...owned.metadata, ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "gone", uid: "0" }] } }).denied, true, "an owner that has the node collected (review s23 F4)");
        // A finalizer that keeps a deleted node, and its pods' placement, from ever going (controller RBAC review s25 F5).
        assert.equal(nodeUpdate({ ...owned, metadata: { ...owned.metadata, finalizers: ["thief.invalid/hold"] } }).denied, true, "a finalizer");
        const moved = nodeUpdate(node({ annotations: { "flannel.alpha.coreos.com/public-ip": "203.0.113.9" } }));
        assert.equal(moved.denied, true, "flannel's peer address");
        assert.match(String(moved.message), /never a node's labels, taints or other annotations/);
        // Nobody else is held to this: an operator may label a node.
        assert.equal(verdict({ username: "system:admin", resource: "nodes", name: "server-1", oldObject: node(), object: node({ labels: { a: "b" } }) }).denied, false);
    });

    // As specs/role.go L49-150 builds them at v0.13.0 for the Cluster postgres.
    const ROLE_RULES = [
        { apiGroups: ["barmancloud.cnpg.io"], verbs: ["get", "watch", "list"], resources: ["objectstores"], resourceNames: ["postgres-backups"] },
        { apiGroups: ["barmancloud.cnpg.io"], verbs: ["update"], resources: ["objectstores/status"], resourceNames: ["postgres-backups"] },
        { apiGroups: [""], resources: ["secrets"], verbs: ["get", "watch", "list"], resourceNames: ["postgres-backup"] },
    ];
    const BINDING = { subjects: [{ kind: "ServiceAccount", name: "postgres", namespace: "groundwork-data" }], roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "postgres-barman-cloud" } };
    const rbac = (resource: "roles" | "rolebindings", namespace: string, name: string, body: object, operation: AdmissionRequest["operation"] = "CREATE") =>
        verdict({ username: BARMAN, group: "rbac.authorization.k8s.io", resource, operation, namespace, name, object: { metadata: { name, namespace }, ...body }, oldObject: operation === "UPDATE" ? {} : undefined });
    const role = (namespace: string, name: string, operation: AdmissionRequest["operation"] = "CREATE", rules: object[] = ROLE_RULES) => rbac("roles", namespace, name, { rules }, operation);
    it("admits the plugin's Role and RoleBinding for the stack's Cluster, and nothing else it could write", () => {
        assert.equal(role("groundwork-data", "postgres-barman-cloud").denied, false);
        assert.equal(role("groundwork-data", "postgres-barman-cloud", "UPDATE").denied, false);
        assert.equal(role("kube-system", "postgres-barman-cloud").denied, true, "another namespace");
        assert.equal(role("groundwork-data", "admin").denied, true, "another Role");
        assert.equal(rbac("rolebindings", "groundwork-data", "postgres-barman-cloud", BINDING).denied, false);
        // Its own Role and RoleBinding, rewritten to hand its Secret rights to someone else (review s23 F2).
        assert.equal(role("groundwork-data", "postgres-barman-cloud", "UPDATE", [{ apiGroups: [""], resources: ["secrets"], verbs: ["create", "get"] }]).denied, true, "create Secrets");
        assert.equal(role("groundwork-data", "postgres-barman-cloud", "UPDATE", [{ ...ROLE_RULES[2], resourceNames: ["postgres-app"] }]).denied, true, "another Secret");
        assert.equal(rbac("rolebindings", "groundwork-data", "postgres-barman-cloud", { ...BINDING, subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:authenticated" }] }, "UPDATE").denied, true, "bound to everyone");
        const token = verdict({ username: BARMAN, resource: "secrets", operation: "CREATE", namespace: "cnpg-system", name: "t", object: { type: "kubernetes.io/service-account-token", metadata: { annotations: { "kubernetes.io/service-account.name": "cnpg-cloudnative-pg" } } } });
        assert.equal(token.denied, true, "a token Secret for the operator's account");
        assert.match(String(token.message), /^the barman-cloud plugin writes no Secret, and only the Role and RoleBinding groundwork-data\/postgres-barman-cloud, as it builds them: its Cluster.s ObjectStores and their Secrets, read, for the Cluster.s own account$/);
        assert.equal(verdict({ username: BARMAN, resource: "secrets", operation: "DELETE", namespace: "groundwork-data", name: "postgres-app", oldObject: {} }).denied, true);
    });
});
