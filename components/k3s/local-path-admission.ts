import { celStrings, ControllerFence } from "../admission-policy";

/**
 * Where k3s's local-path provisioner keeps volumes: `<data dir>/storage` when
 * `default-local-storage-path` is not set (k3s pkg/cli/server: `filepath.Join(dataDir, "/storage")`,
 * read in the code index 2026-11-29), and Groundwork sets neither.
 */
export const LOCAL_PATH_STORAGE = "/var/lib/rancher/k3s/storage";
/** The provisioner's account and the ConfigMap holding its scripts, in kube-system (k3s manifests/local-storage.yaml). */
export const LOCAL_PATH_ACCOUNT = "local-path-provisioner-service-account";
const LOCAL_PATH_CONFIG = "local-path-config";

/** CEL: `o.field` is unset or false. */
const off = (o: string, field: string) => `(!has(${o}.${field}) || ${o}.${field} == false)`;
/** A volume directory `<storage>/<folder>`, one level down (provisioner.go L624-700 joins them so); `..` is refused beside it. */
const VOLUME_DIR = `^${LOCAL_PATH_STORAGE}/[^/]+$`;
/** CEL: `path` is a volume directory, not the storage directory's parent by `..` or itself by `.`. */
const volumeDir = (path: string) => `(${path}.matches('${VOLUME_DIR}') && !(${path}.endsWith('/..') || ${path}.endsWith('/.')))`;
/**
 * The helper's image, k3s's busybox, from its ConfigMap's template (`%{SYSTEM_DEFAULT_REGISTRY}%rancher/mirrored-library-busybox:<version>`;
 * Groundwork sets no system default registry): with a thief's image the storage directory, every volume's data, would be theirs to read.
 */
const HELPER_IMAGE = "^(docker[.]io/)?rancher/mirrored-library-busybox:[0-9][0-9.]*$";

/**
 * What the provisioner is let do, at rancher/local-path-provisioner@v0.0.36 (the image k3s v1.34.9+k3s1
 * ships). k3s's manifest lets its account create pods (and, in some releases, write every
 * Endpoints object) where Pod Security is not enforced, kube-system, and write every
 * PersistentVolume; a pod there with the host's `/` is root on a node (security review s25 F3).
 * What it does (provisioner.go createHelperPod L624-760): one helper pod per volume to create or
 * delete, in its namespace, named `helper-pod-<action>-<volume>`, as its own account, one container
 * (the template's, which validateHelperPodTemplate, util.go L47-120, keeps without privilege, host
 * namespaces or volumes of its own) running `/bin/sh /script/<setup|teardown>` from its ConfigMap,
 * with the storage directory (`data`) and the scripts (`script`) mounted and `VOL_DIR` one directory
 * below; then it deletes that pod. A volume's PersistentVolume is a hostPath or local path under the
 * storage directory (createPersistentVolumeSource L883-905); leader election is off (main.go L300), so
 * it writes no Endpoints or Lease.
 */
export const LOCAL_PATH_RULES = {
    /** Pods: helper pods only, in kube-system. */
    podsWhere: "request.resource.resource != 'pods' || (request.namespace == 'kube-system' && request.name.startsWith('helper-pod-') && request.operation != 'UPDATE')",
    helperPod: "request.resource.resource != 'pods' || request.operation != 'CREATE' || ("
        + `object.spec.serviceAccountName == '${LOCAL_PATH_ACCOUNT}' && size(object.spec.containers) == 1`
        + " && !has(object.spec.initContainers) && !has(object.spec.ephemeralContainers)"
        + ` && ${off("object.spec", "hostNetwork")} && ${off("object.spec", "hostPID")} && ${off("object.spec", "hostIPC")}`
        + " && object.spec.containers.all(c, c.command in [['/bin/sh', '/script/setup'], ['/bin/sh', '/script/teardown']]"
        + ` && c.image.matches('${HELPER_IMAGE}')`
        // Only the three variables it sets (L702-706): PATH or another into a volume would run a file of the volume's (review s25 R1).
        + ` && !has(c.envFrom) && (!has(c.env) || c.env.all(e, e.name in ['VOL_DIR', 'VOL_MODE', 'VOL_SIZE_BYTES'] && !has(e.valueFrom) && (e.name != 'VOL_DIR' || ${volumeDir("e.value")})))`
        // Its two mounts where it puts them (L690-694), whole, and the API server's token: no volume's directory over /bin.
        + ` && (!has(c.volumeMounts) || c.volumeMounts.all(m, !has(m.subPath) && !has(m.subPathExpr) && ((m.name == 'script' && m.mountPath == '/script') || (m.name == 'data' && m.mountPath in ${celStrings([LOCAL_PATH_STORAGE, `${LOCAL_PATH_STORAGE}/`])}) || (m.name.startsWith('kube-api-access-') && m.mountPath == '/var/run/secrets/kubernetes.io/serviceaccount'))))`
        + " && !has(c.workingDir)"
        // `-p <volume dir> -s <bytes> -m <mode> -a <create|delete>` (L725-729): older scripts take the directory from -p.
        + ` && (!has(c.args) || (size(c.args) == 8 && c.args[0] == '-p' && ${volumeDir("c.args[1]")} && c.args[2] == '-s' && c.args[3].matches('^[0-9]+$') && c.args[4] == '-m' && c.args[5] in ['Filesystem', 'Block'] && c.args[6] == '-a' && c.args[7] in ['create', 'delete']))`
        + ` && (!has(c.securityContext) || (${off("c.securityContext", "privileged")} && ${off("c.securityContext", "allowPrivilegeEscalation")} && (!has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add))))`
        + " && !has(c.lifecycle))"
        + ` && (!has(object.spec.volumes) || object.spec.volumes.all(v, (v.name == 'data' && has(v.hostPath) && v.hostPath.path in ${celStrings([LOCAL_PATH_STORAGE, `${LOCAL_PATH_STORAGE}/`])})`
        + ` || (v.name == 'script' && has(v.configMap) && v.configMap.name == '${LOCAL_PATH_CONFIG}')`
        // The API server's own token volume (the ServiceAccount admission plugin adds it before policies run): a token, the cluster CA and the namespace only.
        + " || (v.name.startsWith('kube-api-access-') && has(v.projected) && v.projected.sources.all(s, has(s.serviceAccountToken) || (has(s.configMap) && s.configMap.name == 'kube-root-ca.crt') || has(s.downwardAPI))))))",
    /**
     * A volume's directory is its own, `<storage>/<PV name>_<namespace>_<claim>` (provisioner.go L381-382,
     * L416; k3s's class sets no pathPattern), so no new volume points at another's data; and an update
     * leaves its spec, its claim with it, as it was (review s25 R2).
     */
    volumes: "request.resource.resource != 'persistentvolumes' || request.operation == 'DELETE' || (request.operation == 'UPDATE' ? object.spec == oldObject.spec : ("
        + `has(object.spec.claimRef) && ((has(object.spec.hostPath) && !has(object.spec.local) ? object.spec.hostPath.path : has(object.spec.local) && !has(object.spec.hostPath) ? object.spec.local.path : '')`
        + ` == '${LOCAL_PATH_STORAGE}/' + object.metadata.name + '_' + object.spec.claimRef.namespace + '_' + object.spec.claimRef.name)))`,
    volumeDeletes: "request.resource.resource != 'persistentvolumes' || request.operation != 'DELETE' || ("
        + "(has(oldObject.spec.hostPath) && oldObject.spec.hostPath.path.startsWith('" + LOCAL_PATH_STORAGE + "/')) || (has(oldObject.spec.local) && oldObject.spec.local.path.startsWith('" + LOCAL_PATH_STORAGE + "/')))",
    endpoints: "request.resource.resource != 'endpoints'",
} as const;

/** The fence holding k3s's local-path provisioner to LOCAL_PATH_RULES. */
export function localPathFence(): ControllerFence {
    return {
        policyName: "groundwork-local-path-provisioner",
        account: { namespace: "kube-system", name: LOCAL_PATH_ACCOUNT },
        resourceRules: [
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["pods", "persistentvolumes", "endpoints"] },
        ],
        validations: [
            { expression: LOCAL_PATH_RULES.podsWhere, message: "k3s's local-path provisioner may create and delete only its helper pods (helper-pod-*), in kube-system" },
            { expression: LOCAL_PATH_RULES.helperPod, message: `k3s's local-path provisioner may run only its helper pod: its own account, one container running its setup or teardown script in k3s's busybox with VOL_DIR one directory under ${LOCAL_PATH_STORAGE}, no privilege or host namespace, and only the storage directory, its scripts' ConfigMap and its token mounted` },
            { expression: LOCAL_PATH_RULES.volumes, message: `k3s's local-path provisioner may make a volume only in its own directory, ${LOCAL_PATH_STORAGE}/<volume>_<namespace>_<claim>, for that claim, and change no volume's spec` },
            { expression: LOCAL_PATH_RULES.volumeDeletes, message: `k3s's local-path provisioner may delete only its own volumes, under ${LOCAL_PATH_STORAGE}` },
            { expression: LOCAL_PATH_RULES.endpoints, message: "k3s's local-path provisioner writes no Endpoints (its leader election is off)" },
        ],
    };
}
