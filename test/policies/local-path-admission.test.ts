import { strict as assert } from "assert";
import { admissionVerdicts } from "../helpers";

/**
 * k3s's local-path provisioner's admission policy, as the dev plan renders it, judged by evaluating
 * its CEL: its helper pods, built as rancher/local-path-provisioner@v0.0.36 provisioner.go
 * createHelperPod builds them, and its volumes are admitted; a pod with the host's `/`, privilege,
 * another image, a Secret, or a directory outside its storage is denied (security review s25 F3).
 */
const PROVISIONER = "system:serviceaccount:kube-system:local-path-provisioner-service-account";
const STORAGE = "/var/lib/rancher/k3s/storage";
const FOLDER = "pvc-0b7e2d4a-8c1f-4e1a-9d21-5f0a7c3e9b11_groundwork-data_postgres-1";

/** The helper pod for `action`, with `change` applied to its spec. */
function helperPod(action: "create" | "delete", change: (spec: any) => void = () => undefined) {
    const volDir = `${STORAGE}/${FOLDER}`;
    const spec: any = {
        serviceAccountName: "local-path-provisioner-service-account", restartPolicy: "Never", nodeName: "oci-server-1",
        tolerations: [{ key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" }],
        containers: [{
            name: "helper-pod", image: "rancher/mirrored-library-busybox:1.37.0", imagePullPolicy: "IfNotPresent",
            command: ["/bin/sh", `/script/${action === "create" ? "setup" : "teardown"}`],
            args: ["-p", volDir, "-s", "10737418240", "-m", "Filesystem", "-a", action],
            env: [{ name: "VOL_DIR", value: volDir }, { name: "VOL_MODE", value: "Filesystem" }, { name: "VOL_SIZE_BYTES", value: "10737418240" }],
            volumeMounts: [{ name: "script", mountPath: "/script" }, { name: "data", mountPath: `${STORAGE}/` }, { name: "kube-api-access-x7k2p", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }],
        }],
        volumes: [
            { name: "data", hostPath: { path: `${STORAGE}/`, type: "DirectoryOrCreate" } },
            { name: "script", configMap: { name: "local-path-config", items: [{ key: "setup", path: "setup" }, { key: "teardown", path: "teardown" }] } },
            { name: "kube-api-access-x7k2p", projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: "token" } }, { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } }, { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } }] } },
        ],
    };
    change(spec);
    return { metadata: { name: `helper-pod-${action}-pvc-0b7e2d4a`, namespace: "kube-system" }, spec };
}

describe("k3s's local-path provisioner's admission policy", () => {
    const verdict = admissionVerdicts("dev", { group: "", version: "v1", resource: "pods", operation: "CREATE", namespace: "kube-system", object: {}, username: PROVISIONER });
    const pod = (action: "create" | "delete", change?: (spec: any) => void) => { const p = helperPod(action, change); return verdict({ name: p.metadata.name, object: p }); };
    const CLAIM = { kind: "PersistentVolumeClaim", namespace: "groundwork-data", name: "postgres-1" };
    const volume = (source: object, operation: "CREATE" | "DELETE" = "CREATE") => verdict({ resource: "persistentvolumes", namespace: "", name: "pvc-0b7e2d4a-8c1f-4e1a-9d21-5f0a7c3e9b11", operation, ...(operation === "DELETE" ? { object: null, oldObject: { spec: source } } : { object: { metadata: { name: "pvc-0b7e2d4a-8c1f-4e1a-9d21-5f0a7c3e9b11", annotations: { "pv.kubernetes.io/provisioned-by": "rancher.io/local-path" } }, spec: { claimRef: CLAIM, ...source } } }) });

    it("admits its helper pods, their deletion, and its volumes", () => {
        assert.equal(pod("create").denied, false);
        assert.equal(pod("delete").denied, false);
        assert.equal(verdict({ operation: "DELETE", name: "helper-pod-create-pvc-0b7e2d4a", object: null, oldObject: helperPod("create") }).denied, false);
        assert.equal(volume({ hostPath: { path: `${STORAGE}/${FOLDER}`, type: "DirectoryOrCreate" } }).denied, false);
        assert.equal(volume({ local: { path: `${STORAGE}/${FOLDER}` } }).denied, false);
        assert.equal(volume({ hostPath: { path: `${STORAGE}/${FOLDER}` } }, "DELETE").denied, false);
    });

    it("denies a pod with the host's /, privilege, a host namespace, another image or command, a Secret, or a directory outside its storage", () => {
        const root = pod("create", (s) => { s.volumes[0].hostPath.path = "/"; });
        assert.deepEqual(root, { denied: true, by: "groundwork-local-path-provisioner", message: `k3s's local-path provisioner may run only its helper pod: its own account, one container running its setup or teardown script in k3s's busybox with VOL_DIR one directory under ${STORAGE}, no privilege or host namespace, and only the storage directory, its scripts' ConfigMap and its token mounted` });
        const denied: [string, (s: any) => void][] = [
            ["privileged", (s) => { s.containers[0].securityContext = { privileged: true }; }],
            ["an added capability", (s) => { s.containers[0].securityContext = { capabilities: { add: ["SYS_ADMIN"] } }; }],
            ["the host's PID namespace", (s) => { s.hostPID = true; }],
            ["a thief's image", (s) => { s.containers[0].image = "thief.invalid/rancher/mirrored-library-busybox:1.37.0"; }],
            ["a command of its own", (s) => { s.containers[0].command = ["/bin/sh", "-c", "cat /data/*"]; }],
            ["a Secret in its environment", (s) => { s.containers[0].env.push({ name: "T", valueFrom: { secretKeyRef: { name: "k3s-serving", key: "tls.key" } } }); }],
            ["a Secret in the token volume", (s) => { s.volumes[2].projected.sources.push({ secret: { name: "k3s-serving" } }); }],
            ["teardown of the whole storage", (s) => { s.containers[0].env[0].value = `${STORAGE}/..`; }],
            ["teardown of the storage by -p", (s) => { s.containers[0].args[1] = STORAGE; }],
            ["another account", (s) => { s.serviceAccountName = "coredns"; }],
            ["a second container", (s) => { s.containers.push({ ...s.containers[0], name: "two" }); }],
        ];
        for (const [what, change] of denied) assert.match(String((pod("create", change) as { message?: string }).message), /^k3s.s local-path provisioner may run only its helper pod/, what);
        assert.equal(verdict({ namespace: "groundwork-data", name: "helper-pod-create-x", object: helperPod("create") }).denied, true, "another namespace");
        assert.equal(verdict({ name: "probe", object: helperPod("create") }).denied, true, "another name");
        assert.equal(verdict({ operation: "DELETE", name: "coredns-5d8b7d9c7b-abcde", object: null, oldObject: {} }).denied, true, "deleting CoreDNS");
        assert.equal(volume({ hostPath: { path: "/" } }).denied, true, "a volume of the host's /");
        assert.equal(volume({ hostPath: { path: `${STORAGE}/..` } }).denied, true, "a volume above the storage");
        assert.equal(volume({ hostPath: { path: "/etc/rancher" } }, "DELETE").denied, true, "deleting a volume it did not make");
        assert.equal(verdict({ resource: "endpoints", namespace: "vault", name: "vault", operation: "UPDATE", oldObject: {}, object: { subsets: [{ addresses: [{ ip: "203.0.113.9" }] }] } }).denied, true, "Vault's Endpoints");
        // Review s25 R1: its own code through PATH or a mount over /bin; R2: a new volume at another claim's directory, or a claim moved.
        assert.equal(pod("create", (s) => { s.containers[0].env.push({ name: "PATH", value: `${STORAGE}/pvc-x_groundwork-notebooks_claim-ada` }); }).denied, true, "PATH into a volume");
        assert.equal(pod("create", (s) => { s.containers[0].volumeMounts.push({ name: "data", mountPath: "/bin", subPath: "pvc-x_groundwork-notebooks_claim-ada" }); }).denied, true, "a volume over /bin");
        assert.equal(pod("create", (s) => { s.containers[0].workingDir = `${STORAGE}/x`; }).denied, true, "a working directory");
        assert.equal(volume({ local: { path: `${STORAGE}/pvc-aaaa_groundwork-data_postgres-1` } }).denied, true, "another volume's directory");
        const moved = verdict({ resource: "persistentvolumes", namespace: "", name: "pvc-0b7e2d4a", operation: "UPDATE", oldObject: { spec: { claimRef: CLAIM, local: { path: `${STORAGE}/${FOLDER}` } } }, object: { metadata: { name: "pvc-0b7e2d4a" }, spec: { claimRef: { ...CLAIM, namespace: "groundwork-notebooks", name: "claim-eve" }, local: { path: `${STORAGE}/${FOLDER}` } } } });
        assert.equal(moved.denied, true, "a volume handed to another claim");
    });
});
