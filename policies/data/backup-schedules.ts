import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { cloudTags, ETCD_SNAPSHOT_TAG, k3sRoleOf } from "../k3s-nodes";
import { HELM_RELEASE_TYPES } from "../helm-releases";

/*
 * Every store that keeps state has a backup on a schedule, or says in the stack why it needs none.
 *
 * A store is:
 * - a Helm release of a chart that keeps data (Vault's Raft volume, Qdrant's storage, Langfuse's
 *   ClickHouse, Open WebUI's uploads, JupyterHub's home directories), unless its values turn the
 *   storage off (hashicorp/vault-helm server.dev.enabled, langfuse-k8s clickhouse.deploy,
 *   open-webui persistence.enabled, zero-to-jupyterhub singleuser.storage.type "none");
 * - a CloudNativePG Cluster: its ScheduledBackup (spec.cluster.name) is checked by
 *   postgres-scheduled-backup, so it is not repeated here;
 * - a PersistentVolumeClaim or a StatefulSet with volumeClaimTemplates declared by the stack; one a
 *   chart renders (a Chart v4's child, in a real preview) belongs to its release and is covered,
 *   or exempted, under the release's name;
 * - a cloud k3s server's embedded etcd: the server carries the tag `groundwork-etcd-snapshot-hours`,
 *   which the same settings as its `etcd-snapshot-schedule-cron` write (k3s-io/k3s@v1.34.9+k3s1
 *   pkg/cli/cmds/server.go L396-401); its user data, which holds them, is secret and masked here.
 *   Edge machines carry no tags: their servers are not checked by this policy.
 * Its backup is a CronJob in the same namespace, labelled `groundwork.dev/backup-of: <store>`,
 * with a schedule and not suspended. A store that needs none says why: an annotation
 * `groundwork.dev/no-backup` on the PVC or StatefulSet, or on a release's namespace as
 * `<release>: <reason>` lines.
 */

export const BACKUP_OF_LABEL = "groundwork.dev/backup-of";
export const NO_BACKUP_ANNOTATION = "groundwork.dev/no-backup";

const CRONJOB = "kubernetes:batch/v1:CronJob";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const STATEFULSET = "kubernetes:apps/v1:StatefulSet";

/** Charts whose releases keep data, and whether given values keep it. */
const STATEFUL_CHARTS: Record<string, (values: any) => boolean> = {
    vault: (v) => v?.server?.dev?.enabled !== true,
    qdrant: () => true,
    langfuse: (v) => v?.clickhouse?.deploy !== false,
    "open-webui": (v) => v?.persistence?.enabled !== false,
    jupyterhub: (v) => v?.singleuser?.storage?.type !== "none",
    // prometheus-community/helm-charts@prometheus-29.27.0 values.yaml server.persistentVolume.enabled.
    prometheus: (v) => v?.server?.persistentVolume?.enabled !== false,
    // kube-prometheus-stack-88.5.3 values.yaml prometheus.prometheusSpec.storageSpec (L4675-4690): a volume only when set.
    "kube-prometheus-stack": (v) => v?.prometheus?.prometheusSpec?.storageSpec !== undefined,
};

interface Store {
    namespace: string;
    name: string;
    what: string;
    urn: string;
    /** Why it needs no backup, if the stack says so. */
    exempt?: string;
}

const annotationsOf = (r: PolicyResource): Record<string, string> => r.props.metadata?.annotations ?? {};

/** `<release>: <reason>` lines of a namespace's no-backup annotation. */
function namespaceExemptions(resources: PolicyResource[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const ns of resources.filter((r) => r.type === NAMESPACE)) {
        for (const line of String(annotationsOf(ns)[NO_BACKUP_ANNOTATION] ?? "").split("\n")) {
            const split = line.indexOf(":");
            if (split > 0 && line.slice(split + 1).trim()) out.set(`${ns.props.metadata?.name}/${line.slice(0, split).trim()}`, line.slice(split + 1).trim());
        }
    }
    return out;
}

/** The chart release a resource was rendered by, if any: its nearest Helm ancestor. */
function releaseOf(r: PolicyResource, byUrn: Map<string, PolicyResource>): PolicyResource | undefined {
    const parentOf = (x: PolicyResource): PolicyResource | undefined => {
        const parent = (x as { parent?: PolicyResource | string }).parent;
        return typeof parent === "string" ? byUrn.get(parent) : parent;
    };
    for (let p = parentOf(r); p; p = parentOf(p)) {
        if (HELM_RELEASE_TYPES.includes(p.type)) return p;
    }
    return undefined;
}

/** The stack's stores, each with its namespace and name. */
export function statefulStores(resources: PolicyResource[]): Store[] {
    const exemptions = namespaceExemptions(resources);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const releases = new Set<string>();
    const stores: Store[] = [];
    for (const r of resources) {
        if (HELM_RELEASE_TYPES.includes(r.type)) {
            const chart = String(r.props.chart ?? "");
            const keeps = STATEFUL_CHARTS[chart];
            if (!keeps || !keeps(r.props.values)) continue;
            const namespace = String(r.props.namespace ?? "default");
            const name = String(r.props.name ?? r.name);
            releases.add(r.urn);
            stores.push({ namespace, name, what: `Helm release ${name} (chart ${chart})`, urn: r.urn, exempt: exemptions.get(`${namespace}/${name}`) });
        }
    }
    for (const r of resources) {
        if (r.type === PVC || (r.type === STATEFULSET && (r.props.spec?.volumeClaimTemplates ?? []).length > 0)) {
            const release = releaseOf(r, byUrn);
            if (release && releases.has(release.urn)) continue;
            if (release) {
                // A chart Groundwork does not know as stateful: its volume counts under the release's name.
                const namespace = String(release.props.namespace ?? r.props.metadata?.namespace ?? "default");
                const name = String(release.props.name ?? release.name);
                stores.push({ namespace, name, what: `${r.type === PVC ? "PersistentVolumeClaim" : "StatefulSet"} ${r.props.metadata?.name ?? r.name} of Helm release ${name}`, urn: r.urn, exempt: exemptions.get(`${namespace}/${name}`) });
                continue;
            }
            const name = String(r.props.metadata?.name ?? r.name);
            stores.push({ namespace: r.props.metadata?.namespace ?? "default", name, what: `${r.type === PVC ? "PersistentVolumeClaim" : "StatefulSet"} ${name}`, urn: r.urn, exempt: annotationsOf(r)[NO_BACKUP_ANNOTATION] });
        }
    }
    return stores;
}

/** Scheduled, running backup CronJobs, as `<namespace>/<store>`. */
function scheduledBackups(resources: PolicyResource[]): Set<string> {
    return new Set(resources
        .filter((r) => r.type === CRONJOB && r.props.spec?.schedule && r.props.spec?.suspend !== true && r.props.metadata?.labels?.[BACKUP_OF_LABEL])
        .map((r) => `${r.props.metadata?.namespace ?? "default"}/${r.props.metadata.labels[BACKUP_OF_LABEL]}`));
}

export const storesHaveBackupSchedules: StackValidationPolicy = {
    name: "stateful-store-backup-schedule",
    description: "Every store that keeps state (stateful chart releases, PVCs, StatefulSets, k3s servers' etcd) has a scheduled backup, or the stack says why it needs none.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const backups = scheduledBackups(args.resources);
        for (const store of statefulStores(args.resources)) {
            if (store.exempt || backups.has(`${store.namespace}/${store.name}`)) continue;
            report(`${store.what} in ${store.namespace} keeps data but nothing backs it up: add a CronJob in ${store.namespace} labelled ${BACKUP_OF_LABEL}: ${store.name} with a schedule, ` +
                `or say why it needs none (annotation ${NO_BACKUP_ANNOTATION} on the volume, or "${store.name}: <reason>" in it on the release's namespace)`, store.urn);
        }
        for (const r of args.resources) {
            if (k3sRoleOf(r.props) === "server" && !/^[1-9][0-9]*$/.test(String(cloudTags(r.props)[ETCD_SNAPSHOT_TAG] ?? ""))) {
                report(`k3s server ${r.name} takes no scheduled etcd snapshots (no ${ETCD_SNAPSHOT_TAG} tag of whole hours): give its config etcd-snapshot-schedule-cron and etcd-s3, or the cluster's state is lost with its servers`, r.urn);
            }
        }
    },
};
