import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { createHash } from "crypto";
import { ContainerResources, Footprint, requestsOf } from "../platform/footprint";
import { guardedNamespace } from "../platform/guarded-namespace";
import { NOT_SCRAPED_ANNOTATION } from "../observability/scraper";
import { byDigest, tagOf } from "../image-digests";
import { CONTROL_PLANE_LABEL } from "../placement";
import { EgressDestination } from "../platform/egress";
import { ControllerAdmission } from "../admission-policy";
import { systemUpgradeFence } from "./upgrade-admission";

const CONTROLLER_RESOURCES: ContainerResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } };

/** The controller, on a server; its Jobs run only in the upgrade window, on the node they upgrade. */
export function k3sUpgradesFootprint(): Footprint[] {
    return [{ workload: "system-upgrade-controller", pods: 1, perPod: requestsOf(CONTROLLER_RESOURCES) }];
}

/**
 * Rancher's system-upgrade-controller, pinned: rancher/system-upgrade-controller@v0.20.1 (tag
 * 2026-07-22, the newest), image built for amd64, arm64 and arm by .github/workflows/release.yml
 * L100-117. The manifests in git at that tag still name v0.14.0 (manifests/system-upgrade-controller.yaml
 * L89); the release assets carry the tag, so the image is pinned here. The controller registers its
 * Plan CRD itself at start (pkg/upgrade/controller.go L147, L184-195).
 */
export const SUC_IMAGE = "docker.io/rancher/system-upgrade-controller:v0.20.1";

/**
 * The Plan CRD from the release (rancher/system-upgrade-controller@v0.20.1 release asset
 * crd.yaml, `cat ./pkg/crds/yaml/*\/*` in scripts/package-controller L31-37), applied before the
 * Plans so they never race the controller's own registration.
 */
export const SUC_CRD_URL = "https://github.com/rancher/system-upgrade-controller/releases/download/v0.20.1/crd.yaml";

/**
 * kubectl for the drain and cordon containers, at the cluster's minor (kubectl is supported within
 * one minor of the API server: kubernetes/website version-skew-policy.md L130). rancher/kubectl's
 * publish workflow pushes `rancher/kubectl:<version>` for amd64 and arm64 for every line of
 * versions.txt (rancher/kubectl@ac9e2bb, 2026-06-22, adds v1.34.9; .github/workflows/publish.yml
 * L130-138). The repository says the image is deprecated; SUC still defaults to it (v1.30.3).
 */
export const KUBECTL_IMAGE = "docker.io/rancher/kubectl:v1.34.9";

/**
 * Why a k3s version cannot be the cluster's, given what Groundwork runs beside it: kubectl, which
 * drains nodes for the upgrade Plans, is supported only within one minor of the API server
 * (kubernetes/website version-skew-policy.md L130). A version this refuses needs KUBECTL_IMAGE
 * moved with it. Undefined when the version fits.
 */
export function k3sVersionSkewProblem(version: string): string | undefined {
    const minor = (v: string) => Number(/^v?1\.(\d+)\./.exec(v)?.[1]);
    const kubectl = tagOf(KUBECTL_IMAGE);
    const [cluster, drains] = [minor(version), minor(kubectl)];
    if (Number.isNaN(cluster) || Math.abs(cluster - drains) <= 1) return undefined;
    return `is ${Math.abs(cluster - drains)} minor versions from kubectl ${kubectl}, which drains nodes for the upgrade Plans and is supported only within one minor of the API server; use v1.${drains - 1} to v1.${drains + 1}, or move KUBECTL_IMAGE with it`;
}

/** The upgrade image, bare: SUC tags it with the Plan's version, `+` made `-` (pkg/upgrade/plan/plan.go L97-99). */
export const K3S_UPGRADE_IMAGE = "rancher/k3s-upgrade";

export const UPGRADE_NAMESPACE = "system-upgrade";
/** The Plan CRD's name (pkg/crds/yaml/generated/upgrade.cattle.io_plans.yaml). */
const PLAN_CRD = "plans.upgrade.cattle.io";
const ACCOUNT = "system-upgrade";
export const SERVER_PLAN = "k3s-server";
export const AGENT_PLAN = "k3s-agent";

/** When upgrades may start, in SUC's window format (kured's: `15:04`; pkg/apis/upgrade.cattle.io/v1/types.go L188-198). */
export interface UpgradeWindow {
    days: string[];
    startTime: string;
    endTime: string;
    timeZone: string;
}

/**
 * Refuses, in the cluster, an upgrade Kubernetes does not support: a downgrade, or more than one
 * minor at once (the API server must not skip minors: version-skew-policy.md L189-193). It runs as
 * the server Plan's prepare step, before the node is drained, so a refused upgrade leaves the
 * cluster as it was; agents wait for the servers (k3s-upgrade `prepare`), so they never move alone.
 */
export function skewGuardScript(): string {
    return `set -eu
current=$(/opt/k3s kubectl get node "$SYSTEM_UPGRADE_NODE_NAME" -o jsonpath='{.status.nodeInfo.kubeletVersion}')
target=$SYSTEM_UPGRADE_PLAN_LATEST_VERSION
minor() { echo "$1" | sed -n 's/^v1\\.\\([0-9]*\\)\\..*/\\1/p'; }
patch() { echo "$1" | sed -n 's/^v1\\.[0-9]*\\.\\([0-9]*\\).*/\\1/p'; }
revision() { echo "$1" | sed -n 's/.*k3s\\([0-9]*\\)$/\\1/p'; }
from=$(minor "$current"); to=$(minor "$target")
if [ -z "$from" ] || [ -z "$to" ]; then
  echo "upgrade refused: cannot read the versions (node $SYSTEM_UPGRADE_NODE_NAME runs '$current', the plan wants '$target')" >&2; exit 1
fi
older=no
if [ "$to" -lt "$from" ]; then older=yes
elif [ "$to" -eq "$from" ] && [ "$(patch "$target")" -lt "$(patch "$current")" ]; then older=yes
elif [ "$to" -eq "$from" ] && [ "$(patch "$target")" -eq "$(patch "$current")" ] && [ "$(revision "$target")" -lt "$(revision "$current")" ]; then older=yes
fi
if [ "$older" = yes ]; then
  echo "upgrade refused: $target is older than $current on $SYSTEM_UPGRADE_NODE_NAME; k3s cannot downgrade in place, restore an etcd snapshot instead (README, Upgrades)" >&2; exit 1
fi
if [ "$to" -gt $((from + 1)) ]; then
  echo "upgrade refused: $current to $target skips a minor version, which Kubernetes does not support; upgrade to v1.$((from + 1)) first" >&2; exit 1
fi
echo "upgrade allowed: $current to $target on $SYSTEM_UPGRADE_NODE_NAME"
`;
}

/** An agent's upgrade Job, its wait for every server included (up to five servers at 45 minutes each, then its own). */
export const AGENT_JOB_SECONDS = 6 * 2700;

/** How long a node has to come back Ready at the new version before its upgrade is rolled back. */
export const UPGRADE_READY_SECONDS = 600;

/**
 * The upgrade step, around k3s-upgrade's own (`/bin/upgrade.sh upgrade`: replaces the binary
 * found from the running process and SIGTERMs it so systemd restarts it; k3s-io/k3s-upgrade
 * scripts/upgrade.sh L14-128): it keeps the binary it replaces, waits for the node to report Ready
 * at the new version, and otherwise puts the old binary back and restarts k3s with it. k3s-upgrade
 * keeps no copy and refuses downgrades (L84-106), so without this a failed upgrade stays failed.
 * `ROLLBACK=agents-and-patches`: a server is rolled back only within its minor version, since a
 * newer minor may already have migrated the datastore; an agent holds none, so it always is.
 * The binary is the running process's (k3s-upgrade's own lookup, scripts/upgrade.sh L14-60): install.sh
 * puts it in /usr/local/bin, or /opt/bin on a read-only /usr/local (k3s-io/k3s@v1.34.9+k3s1 install.sh L232-240).
 */
export function upgradeWithRollbackScript(): string {
    return `set -eu
# The running k3s, as k3s-upgrade finds it (scripts/upgrade.sh L14-60): the one process of the
# host's PID namespace whose arguments say k3s server or agent. A pod's process that says so too is
# in a PID namespace of its own, and is never taken for it (review s24 R2).
k3s_pid() {
  host_ns=$(readlink /host/proc/1/ns/pid)
  ps -e -o pid= -o args= | awk '/( |\\/)k3s .*(server|agent)/ && !/(init|awk|supervise-daemon)/ { print $1 }' | while read -r p; do
    if [ "$(readlink "/host/proc/$p/ns/pid" || true)" = "$host_ns" ]; then echo "$p"; fi
  done
}
pid=$(k3s_pid)
if [ "$(echo "$pid" | wc -w)" -ne 1 ]; then
  echo "upgrade refused: expected one k3s process in the host's PID namespace on $SYSTEM_UPGRADE_NODE_NAME, found: \${pid:-none}" >&2; exit 1
fi
# The binary it was started from: /usr/local/bin/k3s, or /opt/bin/k3s where install.sh found
# /usr/local read-only; nothing else is run as k3s.
bin="/host$(tr '\\0' '\\n' < "/host/proc/$pid/cmdline" | head -n 1)"
case "$bin" in
  /host/usr/local/bin/k3s|/host/opt/bin/k3s) ;;
  *) echo "upgrade refused: k3s on $SYSTEM_UPGRADE_NODE_NAME runs from \${bin#/host}, not /usr/local/bin/k3s or /opt/bin/k3s, where install.sh puts it" >&2; exit 1 ;;
esac
previous="$bin.groundwork-previous"
node=$SYSTEM_UPGRADE_NODE_NAME
target=$SYSTEM_UPGRADE_PLAN_LATEST_VERSION
minor() { echo "$1" | sed -n 's/.*v1\\.\\([0-9]*\\)\\..*/\\1/p'; }
# Kept from the first attempt only: a later attempt must not save the new binary as the old one.
if [ ! -f "$previous" ]; then cp -p "$bin" "$previous"; fi
from=$("$previous" --version | head -n 1)
/bin/upgrade.sh upgrade
deadline=$(( $(date +%s) + ${UPGRADE_READY_SECONDS} ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  state=$(/opt/k3s kubectl get node "$node" -o jsonpath='{.status.nodeInfo.kubeletVersion} {.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
  if [ "$(echo "$state" | tr '+' '-')" = "$target True" ]; then
    rm -f "$previous"
    echo "upgraded: $node runs $target and is Ready"
    exit 0
  fi
  sleep 10
done
echo "upgrade failed: $node is not Ready at $target after ${UPGRADE_READY_SECONDS}s (it reports: \${state:-nothing})" >&2
# A server by its datastore on the host, whatever the Plan's name says (security review s24b F3).
if [ "$ROLLBACK" = agents-and-patches ] && { [ "$SYSTEM_UPGRADE_PLAN_NAME" = ${SERVER_PLAN} ] || [ -d /host/var/lib/rancher/k3s/server ]; } && [ "$(minor "$from")" != "$(minor "$target")" ]; then
  echo "not rolled back: a server that moved to a new minor version may have migrated the datastore; restore an etcd snapshot (README, Upgrades)" >&2
  exit 1
fi
cp -p "$previous" "$bin"
pid=$(k3s_pid)
if [ -n "$pid" ]; then kill -TERM "$pid"; fi
echo "rolled back: $node restarts with $from" >&2
exit 1
`;
}

/** How the Plans drain a node: deleting pods rather than evicting them, since a one-instance Postgres's disruption budget would block an eviction for ever. */
const DRAIN = { force: true, ignoreDaemonSets: true, deleteEmptydirData: true, disableEviction: true, timeout: "15m", skipWaitForDeleteTimeout: 60 };

/** The Plans' steps, which their Jobs run as written and the admission fence admits alone. */
const UPGRADE_COMMAND = ["/bin/sh", "-c", upgradeWithRollbackScript()];
const UPGRADE_ENV = { ROLLBACK: "agents-and-patches" };
const SERVER_PREPARE_COMMAND = ["/bin/sh", "-c", skewGuardScript()];
const AGENT_PREPARE_ARGS = ["prepare", SERVER_PLAN];

/**
 * kubectl drain's flags after the node's name, as SUC builds them from a Plan's drain settings
 * (rancher/system-upgrade-controller@v0.20.1 pkg/upgrade/job/job.go L352-400): the pod selector keeps
 * the controller's own pod, and each setting adds its flag.
 */
export function drainFlags(drain: typeof DRAIN): string[] {
    return [
        "--pod-selector", "!upgrade.cattle.io/controller",
        ...(drain.ignoreDaemonSets ? ["--ignore-daemonsets"] : []),
        ...(drain.deleteEmptydirData ? ["--delete-emptydir-data"] : []),
        ...(drain.force ? ["--force"] : []),
        "--timeout", drain.timeout,
        ...(drain.disableEviction ? ["--disable-eviction=true"] : []),
        ...(drain.skipWaitForDeleteTimeout > 0 ? ["--skip-wait-for-delete-timeout", String(drain.skipWaitForDeleteTimeout)] : []),
    ];
}

export interface K3sUpgradesArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** The k3s release every node runs (cluster.k3sVersion): the Plans upgrade to it. */
    version: string;
    window: UpgradeWindow;
}

/**
 * k3s upgrades that reach every node: SUC, and two Plans as k3s documents them, servers one at a
 * time, then agents one at a time once every server runs the new version; each node is drained
 * first and uncordoned after (SUC handle_batch.go L134-138). Nodes, whatever their taints (GPU,
 * edge), run their upgrade Job. Privileged by nature: the Jobs use the host's namespaces and root
 * filesystem, so the namespace enforces Pod Security `privileged` and stays out of the mesh.
 */
export class K3sUpgrades extends pulumi.ComponentResource {
    constructor(name: string, args: K3sUpgradesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:Upgrades", name, {}, opts);
        const parent = { parent: this };
        const ns = guardedNamespace(name, {
            metadata: {
                name: UPGRADE_NAMESPACE,
                // rancher/system-upgrade-controller@v0.20.1 serves no metrics (no Prometheus code outside vendor/).
                annotations: { [NOT_SCRAPED_ANNOTATION]: "system-upgrade-controller serves no metrics; each node's k3s version comes from kube-state-metrics (kube_node_info) and each Plan's progress from its status" },
                labels: {
                    // hostPID, hostIPC, hostNetwork, privileged and / mounted (rancher/system-upgrade-controller@v0.20.1 pkg/upgrade/job/job.go L199-247).
                    "pod-security.kubernetes.io/enforce": "privileged",
                    // Upgrades must run while the mesh is down: the fail-closed injector skips this namespace.
                    "config.linkerd.io/admission-webhooks": "disabled",
                    "app.kubernetes.io/managed-by": "groundwork",
                },
            },
        }, parent, { egress: { apiServer: { reason: "system-upgrade-controller watches its Plans and the nodes, and creates each node's upgrade Job", at: args.apiServer } } });
        const crd = new k8s.yaml.v2.ConfigFile(`${name}-crd`, { file: SUC_CRD_URL }, parent);
        const account = new k8s.core.v1.ServiceAccount(name, { metadata: { name: ACCOUNT, namespace: ns.metadata.name } }, parent);
        const subject = [{ kind: "ServiceAccount", name: ACCOUNT, namespace: UPGRADE_NAMESPACE }];
        // RBAC of rancher/system-upgrade-controller@v0.20.1 manifests/clusterrole.yaml L1-144.
        const controllerRole = new k8s.rbac.v1.ClusterRole(`${name}-controller`, {
            metadata: { name: "system-upgrade-controller" },
            rules: [
                { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch"] },
                // Its own CRD only, by name where RBAC can name it (a create cannot be: the fence holds it).
                { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "list", "watch", "create"] },
                { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], resourceNames: [PLAN_CRD], verbs: ["patch", "update"] },
                { apiGroups: [""], resources: ["namespaces", "nodes"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["nodes"], verbs: ["update"] },
                { apiGroups: [""], resources: ["events"], verbs: ["get", "create", "patch", "update"] },
                // It reads its Plans and writes only their status (handle_upgrade.go RegisterPlanStatusHandler,
                // handle_batch.go L98 UpdateStatus), not the grant upstream gives: a token that could rewrite a
                // Plan could drain every node at once outside the window (security review s24b F3).
                { apiGroups: ["upgrade.cattle.io"], resources: ["plans"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["upgrade.cattle.io"], resources: ["plans/status"], verbs: ["get", "update", "patch"] },
            ],
        }, parent);
        const drainerRole = new k8s.rbac.v1.ClusterRole(`${name}-drainer`, {
            metadata: { name: "system-upgrade-controller-drainer" },
            rules: [
                { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "delete"] },
                { apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] },
                { apiGroups: ["apps"], resources: ["statefulsets", "daemonsets", "replicasets"], verbs: ["get", "list"] },
            ],
        }, parent);
        const jobsRole = new k8s.rbac.v1.Role(`${name}-jobs`, {
            metadata: { name: "system-upgrade-controller", namespace: ns.metadata.name },
            rules: [
                { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "delete", "deletecollection", "patch", "update", "get", "list", "watch"] },
                { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
                // Its leader lease, in its own namespace (controller.go L176, leader.RunOrDie(ctx, ctl.Namespace, ...)), not
                // the cluster-wide create upstream grants, which could take another controller's lease name first.
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["system-upgrade-controller"], verbs: ["get", "update"] },
            ],
        }, parent);
        const bindings = [
            new k8s.rbac.v1.ClusterRoleBinding(`${name}-controller`, { metadata: { name: "system-upgrade" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: controllerRole.metadata.name }, subjects: subject }, parent),
            new k8s.rbac.v1.ClusterRoleBinding(`${name}-drainer`, { metadata: { name: "system-upgrade-drainer" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: drainerRole.metadata.name }, subjects: subject }, parent),
            new k8s.rbac.v1.RoleBinding(`${name}-jobs`, { metadata: { name: "system-upgrade", namespace: ns.metadata.name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: jobsRole.metadata.name }, subjects: subject }, parent),
        ];
        // The controller reads these once at start (pkg/upgrade/job/job.go L47-129): a change rolls it (checksum below).
        const settings: Record<string, string> = {
            SYSTEM_UPGRADE_CONTROLLER_DEBUG: "false",
            SYSTEM_UPGRADE_CONTROLLER_THREADS: "2",
            SYSTEM_UPGRADE_CONTROLLER_LEADER_ELECT: "true",
            // Room for a 15-minute drain, the upgrade and 10 minutes of waiting for Ready: a Job
            // killed by its deadline mid-wait would never roll back.
            SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS: "2700",
            // No retry: a retry after a rollback would install the failing version again.
            SYSTEM_UPGRADE_JOB_BACKOFF_LIMIT: "0",
            SYSTEM_UPGRADE_JOB_IMAGE_PULL_POLICY: "IfNotPresent",
            SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE: KUBECTL_IMAGE,
            SYSTEM_UPGRADE_JOB_PRIVILEGED: "true",
            SYSTEM_UPGRADE_JOB_TTL_SECONDS_AFTER_FINISH: "86400",
            SYSTEM_UPGRADE_PLAN_POLLING_INTERVAL: "15m",
        };
        const env = new k8s.core.v1.ConfigMap(`${name}-env`, { metadata: { name: "default-controller-env", namespace: ns.metadata.name }, data: settings }, parent);
        const controllerLabel = { "upgrade.cattle.io/controller": "system-upgrade-controller" };
        const controller = new k8s.apps.v1.Deployment(`${name}-controller`, {
            metadata: { name: "system-upgrade-controller", namespace: ns.metadata.name },
            spec: {
                // Leader-elected (SYSTEM_UPGRADE_CONTROLLER_LEADER_ELECT): a new pod waits for the lease.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                selector: { matchLabels: controllerLabel },
                template: {
                    metadata: {
                        // The controller label keeps it off every drain (job.go L352-367).
                        labels: { ...controllerLabel, "app.kubernetes.io/name": "system-upgrade-controller", "app.kubernetes.io/component": "controller" },
                        annotations: { "linkerd.io/inject": "disabled", "groundwork.dev/settings-sha256": createHash("sha256").update(JSON.stringify(settings)).digest("hex") },
                    },
                    spec: {
                        serviceAccountName: account.metadata.name,
                        // On a server, as upstream requires (manifests L51-61); k3s labels servers control-plane=true.
                        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [
                            { key: CONTROL_PLANE_LABEL, operator: "Exists" }, { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                        ] }] } } },
                        tolerations: [
                            { key: "CriticalAddonsOnly", operator: "Exists" },
                            { key: CONTROL_PLANE_LABEL, operator: "Exists", effect: "NoSchedule" },
                            { key: "node-role.kubernetes.io/etcd", operator: "Exists", effect: "NoExecute" },
                        ],
                        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [{
                            name: "system-upgrade-controller",
                            image: byDigest(SUC_IMAGE),
                            envFrom: [{ configMapRef: { name: env.metadata.name } }],
                            env: [
                                { name: "SYSTEM_UPGRADE_CONTROLLER_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.labels['upgrade.cattle.io/controller']" } } },
                                { name: "SYSTEM_UPGRADE_CONTROLLER_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                                { name: "SYSTEM_UPGRADE_CONTROLLER_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
                            ],
                            // No probes: the controller serves no port (none in the manifest or the code at v0.20.1).
                            resources: CONTROLLER_RESOURCES,
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                            // A pinned version needs no channel lookups, so none of upstream's host CA mounts.
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        }],
                        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
                    },
                },
            },
        }, { parent: this, dependsOn: bindings });

        // The Plans: every node, one at a time, drained with deletion rather than eviction, since a
        // one-instance Postgres's disruption budget would block an eviction for ever.
        const common = {
            version: args.version,
            concurrency: 1,
            serviceAccountName: ACCOUNT,
            // Every node upgrades, whatever its taints (GPU, edge, control plane).
            tolerations: [{ operator: "Exists" }],
            drain: DRAIN,
            window: args.window,
            // k3s-upgrade's step with a rollback around it (upgradeWithRollbackScript).
            upgrade: { image: K3S_UPGRADE_IMAGE, command: UPGRADE_COMMAND, envs: Object.entries(UPGRADE_ENV).map(([k, v]) => ({ name: k, value: v })) },
        };
        // What the Plans' Jobs hold, and nothing else, is all the controller may run (threat-model review s23 F8),
        // in force before the first Plan exists (review s24 N6).
        const tag = args.version.replace(/\+/g, "-");
        const admission = new ControllerAdmission(`${name}-admission`, { fences: [systemUpgradeFence({
            namespace: UPGRADE_NAMESPACE, serviceAccount: ACCOUNT, crdName: PLAN_CRD, version: tag,
            images: [`${K3S_UPGRADE_IMAGE}:${tag}`, `docker.io/${K3S_UPGRADE_IMAGE}:${tag}`],
            upgradeCommand: UPGRADE_COMMAND, upgradeEnv: UPGRADE_ENV,
            plans: [{ plan: SERVER_PLAN, prepareCommand: SERVER_PREPARE_COMMAND }, { plan: AGENT_PLAN, prepareArgs: AGENT_PREPARE_ARGS }],
            drain: { image: KUBECTL_IMAGE, flags: drainFlags(DRAIN) },
        })] }, { parent: this, dependsOn: bindings });
        const plan = (id: string, planName: string, spec: Record<string, unknown>) => new k8s.apiextensions.CustomResource(`${name}-${id}`, {
            apiVersion: "upgrade.cattle.io/v1",
            kind: "Plan",
            // Copied onto each Job's pod (job.go L155-165); the Jobs use the host network and are never meshed anyway.
            metadata: { name: planName, namespace: ns.metadata.name, annotations: { "linkerd.io/inject": "disabled" } },
            spec: { ...common, ...spec },
        }, { parent: this, dependsOn: [crd, controller, admission] });
        plan("servers", SERVER_PLAN, {
            nodeSelector: { matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: "In", values: ["true"] }] },
            // In the k3s-upgrade image (Alpine, with k3s's kubectl at /opt/k3s: k3s-io/k3s-upgrade Dockerfile, scripts/upgrade.sh L130-133).
            prepare: { image: K3S_UPGRADE_IMAGE, command: SERVER_PREPARE_COMMAND },
        });
        // Agents wait until every server runs the Plan's version (k3s-io/k3s-upgrade scripts/upgrade.sh L130-173),
        // which takes up to 45 minutes per server: their Jobs get three hours, so the wait alone
        // does not fail them (jobActiveDeadlineSecs overrides the controller's default: job.go L479-505).
        plan("agents", AGENT_PLAN, {
            jobActiveDeadlineSecs: AGENT_JOB_SECONDS,
            nodeSelector: { matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: "DoesNotExist" }] },
            prepare: { image: K3S_UPGRADE_IMAGE, args: AGENT_PREPARE_ARGS },
        });
        this.registerOutputs({});
    }
}
