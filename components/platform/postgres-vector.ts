import * as pulumi from "@pulumi/pulumi";
import { ControllerAdmission } from "../admission-policy";
import { barmanFence } from "./barman-admission";
import { cnpgFence } from "./cnpg-admission";
import { byDigest, tagWithDigest } from "../image-digests";
import { BucketTarget, REQUIRED_CHECKSUMS_ONLY } from "../object-storage";
import * as k8s from "@pulumi/kubernetes";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { add, ContainerResources, Footprint, requestsOf } from "./footprint";
import { meshed } from "./linkerd-mesh";
import { allowEgress, EgressDestination } from "./egress";
import { allowIngress, apiServerCallers, namespacePeer } from "./network-isolation";
import { MeshAuthorization } from "./mesh-authorization";
import { SCRAPER } from "../observability/scraper";
import { VaultConsumer } from "./vault-bootstrap";
import { VaultConsumerAuth, VaultSyncedSecret } from "./vault-synced-secret";
import { guardedNamespace } from "./guarded-namespace";

/**
 * CloudNativePG, its Barman Cloud backup plugin and the operand image, pinned.
 * Evidence (checked 2026-11-27): cloudnative-pg/charts@cloudnative-pg-v0.29.0:charts/cloudnative-pg/Chart.yaml
 * (`version: "0.29.0"`, `appVersion: "1.30.0"`, also in the gh-pages index.yaml) and
 * cloudnative-pg/charts@plugin-barman-cloud-v0.7.0:charts/plugin-barman-cloud/Chart.yaml
 * (`version: 0.7.0`, `appVersion: "v0.13.0"`), the newest tag and index entry of that chart (0.8.0
 * was never published). In-tree barmanObjectStore is deprecated since CNPG 1.26 in favour of the
 * plugin.
 */
const CNPG_REPO = "https://cloudnative-pg.github.io/charts";
export const CNPG_CHARTS = {
    operator: { repo: CNPG_REPO, chart: "cloudnative-pg", version: "0.29.0", evidence: "cloudnative-pg/charts@cloudnative-pg-v0.29.0:charts/cloudnative-pg/Chart.yaml" },
    barmanCloud: { repo: CNPG_REPO, chart: "plugin-barman-cloud", version: "0.7.0", evidence: "cloudnative-pg/charts@plugin-barman-cloud-v0.7.0:charts/plugin-barman-cloud/Chart.yaml" },
} as const;
/**
 * The operand image, by its immutable build tag and digest, as CloudNativePG's own image catalog
 * lists it for major 17: cloudnative-pg/artifacts@ce5057c5 (2026-08-17):
 * image-catalogs/catalog-standard-trixie.yaml L21-22 (read 2026-11-28). "standard" images carry
 * pgvector. The operator reads the version from the tag (17.11: cloudnative-pg/machinery
 * pkg/postgres/version/version.go `FromTag`) and pulls by the digest.
 */
export const POSTGRES_IMAGE = byDigest("ghcr.io/cloudnative-pg/postgresql:17.11-202608170816-standard-trixie");
export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";
/** The instance manager's status port (cloudnative-pg/cloudnative-pg@v1.30.0:pkg/specs/pods.go `StatusPort`). */
export const CNPG_STATUS_PORT = 8000;
/** Linkerd's pod annotation for ports the proxy does not intercept inbound. */
export const SKIP_INBOUND_PORTS = "config.linkerd.io/skip-inbound-ports";

const POSTGRES_RESOURCES: ContainerResources = { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } };
/**
 * The Barman Cloud plugin's sidecar in every instance pod (WAL archiving, backups): its resources
 * come only from the ObjectStore's `instanceSidecarConfiguration.resources`, which has no default
 * (cloudnative-pg/plugin-barman-cloud@v0.13.0: internal/cnpgi/operator/lifecycle_resources.go L47-63).
 */
const BARMAN_SIDECAR_RESOURCES: ContainerResources = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
const OPERATOR_RESOURCES: ContainerResources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

export function postgresFootprint(instances: number): Footprint[] {
    return [
        { workload: "cnpg-operator", pods: 1, perPod: requestsOf(OPERATOR_RESOURCES) },
        { workload: "barman-cloud-plugin", pods: 1, perPod: requestsOf(OPERATOR_RESOURCES) },
        { workload: "postgres", pods: instances, perPod: meshed(add(requestsOf(POSTGRES_RESOURCES), requestsOf(BARMAN_SIDECAR_RESOURCES))) },
    ];
}

/** Where backups go: an S3-compatible bucket (its keys are in Vault at `postgres/backup`). */
export type BackupTarget = BucketTarget;

/** The external cluster a restore reads: the same object store, the lost cluster's folder (plugin-barman-cloud@v0.13.0 web/docs/usage.md "Restoring a Cluster"). */
export function restoreSource(objectStore: pulumi.Input<string>, fromServerName: string) {
    return { name: RESTORE_SOURCE, plugin: { name: BARMAN_PLUGIN, parameters: { barmanObjectName: objectStore, serverName: fromServerName } } };
}

const RESTORE_SOURCE = "origin";

/**
 * How the cluster starts: empty with the application database and pgvector, or recovered from a
 * backup. A recovery keeps the database and resets its owner's password to Vault's
 * (cloudnative-pg/cloudnative-pg@v1.30.0:api/v1/cluster_types.go BootstrapRecovery `database`,
 * `owner`, `secret`, `recoveryTarget.targetTime`).
 */
export function postgresBootstrap(database: string, ownerSecret: string, restore?: PostgresVectorArgs["restore"]) {
    const owner = { database, owner: "app", secret: { name: ownerSecret } };
    if (!restore) {
        return { initdb: { ...owner, postInitApplicationSQL: ["CREATE EXTENSION IF NOT EXISTS vector"] } };
    }
    return { recovery: { source: RESTORE_SOURCE, ...owner, ...(restore.targetTime && { recoveryTarget: { targetTime: restore.targetTime } }) } };
}

export interface PostgresVectorArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    namespace: string;
    /** The pod network (k3s `cluster-cidr`): the port the API server calls admits every source but pods (apiServerCallers). */
    podCidr: string;
    /** Instances: 1, or more for streaming replicas with automated failover. */
    instances: number;
    storageGbs: number;
    /** Application database and its owner. */
    database: string;
    /** The Vault role that reads `postgres/app` (owner credentials) and `postgres/backup` (bucket keys). */
    vaultConsumer: VaultConsumer;
    /**
     * Continuous backups: WAL and a base backup on `schedule`, kept `retentionDays`, under
     * `<cluster name>/<serverName>/` in the bucket.
     */
    backup: BackupTarget & { retentionDays: number; schedule: string; serverName: string };
    /**
     * Create the cluster from the backups under `<cluster name>/<fromServerName>/` instead of empty,
     * replaying WAL up to `targetTime` (RFC 3339) or to the end. Read only when the Cluster is
     * created; `backup.serverName` must then differ from `fromServerName`.
     */
    restore?: { fromServerName: string; targetTime?: string };
    /** More databases, each with its own owner whose password Vault holds at `<consumer>/<name>`. */
    databases: { name: string }[];
    /** Meshed service accounts (`namespace/name`) allowed to connect, besides the cluster's own instances. */
    clients: string[];
    /** Must exist before the plugin: it issues the plugin's certificates. */
    certManager: pulumi.Resource;
    scheduling?: Scheduling;
}

/**
 * Postgres with pgvector, run by CloudNativePG: the application database created with the
 * `vector` extension, the owner's password and the backup credentials from Vault (through VSO),
 * continuous WAL archiving and scheduled base backups to object storage with a retention
 * window, all data resources retained if the stack is deleted.
 */
export class PostgresVector extends pulumi.ComponentResource {
    public readonly clusterName: string;

    constructor(name: string, args: PostgresVectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:PostgresVector", name, {}, opts);
        const parent = { parent: this };
        const placement = { nodeSelector: args.scheduling?.nodeSelector, tolerations: args.scheduling?.tolerations };

        const operatorNs = guardedNamespace(`${name}-operator`, {
            metadata: { name: "cnpg-system", labels: { "pod-security.kubernetes.io/enforce": "restricted", "app.kubernetes.io/managed-by": "groundwork" } },
        }, parent, { egress: { apiServer: { reason: "CloudNativePG's operator and its barman-cloud plugin reconcile clusters, backups and object stores through the API", at: args.apiServer } } });
        const operator = pinnedRelease(`${name}-operator`, CNPG_CHARTS.operator, {
            name: "cnpg",
            namespace: operatorNs.metadata.name,
            // No digest key: the digest rides in the tag, which also becomes OPERATOR_IMAGE_NAME, the
            // bootstrap-controller of every instance (changing it rolls the instances once).
            values: { image: { tag: tagWithDigest("ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0") }, resources: OPERATOR_RESOURCES, ...placement },
        }, parent);
        // The plugin lives beside the operator, which finds it by its service name.
        const plugin = pinnedRelease(`${name}-barman-cloud`, CNPG_CHARTS.barmanCloud, {
            name: "plugin-barman-cloud",
            namespace: operatorNs.metadata.name,
            values: {
                image: { tag: tagWithDigest("ghcr.io/cloudnative-pg/plugin-barman-cloud:v0.13.0") },
                // SIDECAR_IMAGE, which the plugin injects into each instance as written.
                sidecarImage: { tag: tagWithDigest("ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v0.13.0") },
                resources: OPERATOR_RESOURCES, ...placement,
            },
        }, { parent: this, dependsOn: [operator, args.certManager] });
        // The API server calls the operator's admission webhook (9443, TLS) from outside the mesh and the namespace.
        allowIngress("cnpg-webhook", {
            namespace: "cnpg-system", podSelector: { "app.kubernetes.io/name": "cloudnative-pg" }, ports: [9443], from: apiServerCallers(args.podCidr),
            reason: "the API server calls CloudNativePG's admission webhook",
        }, { parent: this, dependsOn: [operatorNs] });

        const auth = new VaultConsumerAuth(`${name}-vault`, { consumer: args.vaultConsumer }, parent);
        const owner = new VaultSyncedSecret(`${name}-app`, {
            auth,
            path: `${args.vaultConsumer.name}/app`,
            secretName: `${name}-app`,
            type: "kubernetes.io/basic-auth",
        }, parent);
        const backupKeys = new VaultSyncedSecret(`${name}-backup`, {
            auth,
            path: `${args.vaultConsumer.name}/backup`,
            secretName: `${name}-backup`,
        }, parent);
        // The operator's account is its release's fullname, `cnpg-cloudnative-pg` (charts@cloudnative-pg-v0.29.0
        // templates/_helpers.tpl L24-34, L67-73); the plugin's is too, `plugin-barman-cloud`
        // (charts@plugin-barman-cloud-v0.7.0 templates/_helpers.tpl L67-73), and it keeps RBAC for this Cluster alone.
        new ControllerAdmission(`${name}-operator-admission`, { fences: [
            cnpgFence({ namespace: "cnpg-system", serviceAccount: "cnpg-cloudnative-pg", clusterNamespaces: [args.namespace], clusterNames: [name] }),
            barmanFence({ namespace: "cnpg-system", serviceAccount: "plugin-barman-cloud", clusters: [{ namespace: args.namespace, name, objectStores: [`${name}-backups`], secrets: [backupKeys.secretName] }] }),
        ] }, parent);

        const store = new k8s.apiextensions.CustomResource(`${name}-backups`, {
            apiVersion: "barmancloud.cnpg.io/v1",
            kind: "ObjectStore",
            metadata: { name: `${name}-backups`, namespace: args.namespace },
            spec: {
                retentionPolicy: `${args.backup.retentionDays}d`,
                // barman's boto3 (1.43.26 in the v0.13.0 sidecar) takes the same settings as the AWS CLI;
                // the plugin documents them for S3-compatible stores (web/docs/object_stores.md L150-179).
                instanceSidecarConfiguration: { resources: BARMAN_SIDECAR_RESOURCES, ...(args.backup.requiredChecksumsOnly ? { env: REQUIRED_CHECKSUMS_ONLY } : {}) },
                configuration: {
                    destinationPath: pulumi.interpolate`s3://${args.backup.bucket}/${name}/`,
                    endpointURL: args.backup.endpointURL,
                    s3Credentials: {
                        accessKeyId: { name: backupKeys.secretName, key: "accessKeyId" },
                        secretAccessKey: { name: backupKeys.secretName, key: "secretAccessKey" },
                        region: { name: backupKeys.secretName, key: "region" },
                    },
                    wal: { compression: "gzip" },
                    data: { compression: "gzip" },
                },
            },
        }, { parent: this, dependsOn: [plugin] });

        // Each extra database's owner role, with its password synced from Vault.
        const owners = args.databases.map((db) => new VaultSyncedSecret(`${name}-${db.name}`, {
            auth,
            path: `${args.vaultConsumer.name}/${db.name}`,
            secretName: `${name}-${db.name}`,
            type: "kubernetes.io/basic-auth",
        }, parent));

        this.clusterName = name;
        // Each instance's status endpoint (port 8000) speaks TLS itself: the kubelet's HTTPS
        // startup/readiness/liveness probes and the operator, from its unmeshed namespace, call it
        // (cloudnative-pg/cloudnative-pg@v1.30.0:pkg/specs/pods.go, pkg/management/url/url.go).
        // Linkerd authorizes only plain-HTTP probes by itself, and under all-authenticated refuses
        // the rest (linkerd/linkerd2#12806), so the proxy leaves port 8000 alone; 5432 stays meshed.
        const inheritedAnnotations = { [SKIP_INBOUND_PORTS]: String(CNPG_STATUS_PORT) };
        const cluster = new k8s.apiextensions.CustomResource(name, {
            apiVersion: "postgresql.cnpg.io/v1",
            kind: "Cluster",
            metadata: { name, namespace: args.namespace },
            spec: {
                instances: args.instances,
                imageName: POSTGRES_IMAGE,
                inheritedMetadata: { annotations: inheritedAnnotations },
                storage: { size: `${args.storageGbs}Gi` },
                resources: POSTGRES_RESOURCES,
                bootstrap: postgresBootstrap(args.database, owner.secretName, args.restore),
                ...(args.restore && { externalClusters: [restoreSource(store.metadata.name, args.restore.fromServerName)] }),
                plugins: [{ name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: store.metadata.name, serverName: args.backup.serverName } }],
                managed: {
                    roles: args.databases.map((db, i) => ({ name: db.name, ensure: "present", login: true, passwordSecret: { name: owners[i].secretName } })),
                },
                // Required, not CNPG's default "preferred": a replica on its primary's node fails with it.
                affinity: { nodeSelector: placement.nodeSelector, tolerations: placement.tolerations, enablePodAntiAffinity: args.instances > 1, ...(args.instances > 1 && { podAntiAffinityType: "required" }) },
            },
        }, { parent: this, dependsOn: [operator, plugin, owner, backupKeys, ...owners], retainOnDelete: true });
        for (const db of args.databases) {
            new k8s.apiextensions.CustomResource(`${name}-${db.name}-database`, {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Database",
                metadata: { name: `${name}-${db.name}`, namespace: args.namespace },
                spec: { name: db.name, owner: db.name, ensure: "present", cluster: { name } },
            }, { parent: this, dependsOn: [cluster], retainOnDelete: true });
        }
        new MeshAuthorization(`${name}-clients`, {
            namespace: args.namespace,
            podSelector: { "cnpg.io/cluster": name },
            port: 5432,
            // The instances replicate from each other; CloudNativePG runs them as the cluster's service account.
            clients: [`${args.namespace}/${name}`, ...args.clients],
            proxyProtocol: "opaque",
        }, parent);
        // Each instance's manager watches its Cluster through the API, and its barman-cloud sidecar
        // (injected by the plugin) ships WAL and base backups to the bucket.
        allowEgress(args.namespace, {
            name: `${name}-instances`, podSelector: { "cnpg.io/cluster": name }, to: [args.apiServer, args.backup.egress],
            reason: "CloudNativePG's instance manager calls the API; the barman-cloud sidecar writes WAL and base backups to the stack's bucket",
        }, parent);
        // The operator (unmeshed, in cnpg-system) drives each instance through its status port,
        // which the proxy skips (SKIP_INBOUND_PORTS): below the mesh, only the operator's pods reach
        // it, by the chart's selector labels (cloudnative-pg/charts@cloudnative-pg-v0.29.0
        // templates/_helpers.tpl L59-62, deployment.yaml L49-50), not the barman-cloud plugin beside
        // them, which never calls it (plugin-barman-cloud v0.13.0, the chart's appVersion, names no
        // port 8000 outside its tests). Past this, the port itself asks for the operator's client
        // certificate on every route that changes anything (issue 12 audit s26, item 2).
        allowIngress(`${name}-instance-manager`, {
            namespace: args.namespace, podSelector: { "cnpg.io/cluster": name }, ports: [CNPG_STATUS_PORT],
            from: { peers: [{ ...namespacePeer("cnpg-system"), podSelector: { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg" } } }] },
            reason: "CloudNativePG's operator calls each instance's status port",
        }, parent);
        new MeshAuthorization(`${name}-metrics`, {
            // The instances' exporter (9187), with the barman-cloud plugin's backup times: Prometheus.
            namespace: args.namespace, podSelector: { "cnpg.io/cluster": name }, port: "metrics", clients: [SCRAPER], proxyProtocol: "HTTP/1",
        }, parent);
        new k8s.apiextensions.CustomResource(`${name}-daily`, {
            apiVersion: "postgresql.cnpg.io/v1",
            kind: "ScheduledBackup",
            metadata: { name: `${name}-daily`, namespace: args.namespace },
            spec: {
                cluster: { name },
                schedule: args.backup.schedule,
                backupOwnerReference: "self",
                method: "plugin",
                pluginConfiguration: { name: BARMAN_PLUGIN },
            },
        }, { parent: this, dependsOn: [cluster] });
        this.registerOutputs({});
    }
}
