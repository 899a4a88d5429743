import { strict as assert } from "assert";
import { Policy } from "@pulumi/policy";
import { ebsEncrypted, kmsKeyDeletionWindow } from "../../policies/data/aws-data-policies";
import { ociBucketCustomerKey, ociBucketPrivate, ociBucketVersioning, serverBootVolumePreserved } from "../../policies/data/oci-policies";
import { dataPolicies } from "../../policies/data/policies";
import { backupRetentionPolicy, postgresBackupConfigured, postgresScheduledBackup } from "../../policies/data/postgres-policies";
import { statefulReleasePersistence } from "../../policies/data/release-policies";
import { storesHaveBackupSchedules } from "../../policies/data/backup-schedules";
import { s3BucketEncrypted, s3BucketVersioning, s3PublicAccessBlocked } from "../../policies/data/s3-policies";
import { ResourceRecord, runPolicy } from "../../policies/policy-run";

const rec = (type: string, name: string, props: Record<string, any>, extra: Partial<ResourceRecord> = {}): ResourceRecord =>
    ({ type, name, urn: `urn:pulumi:test::groundwork::${type}::${name}`, props, ...extra });

const messages = async (policy: Policy, records: ResourceRecord[], config?: Record<string, unknown>) =>
    (await runPolicy(policy, records, config)).map((v) => v.message);

// The backup bucket as the plan records it: a component parent, settings sharing the bucket's name.
const PARENT = "urn:pulumi:test::groundwork::groundwork:aws:BackupBucket::backups";
const component: ResourceRecord = { type: "groundwork:aws:BackupBucket", name: "backups", urn: PARENT, props: {} };
const bucket = rec("aws:s3/bucket:Bucket", "backups", { bucketPrefix: "backups-", forceDestroy: false }, { parent: PARENT });
const sse = (sseAlgorithm: string) => rec("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "backups",
    { bucket: "offline-backups", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm }, bucketKeyEnabled: true }] }, { parent: PARENT });
const versioning = (status: string) => rec("aws:s3/bucketVersioning:BucketVersioning", "backups", { bucket: "offline-backups", versioningConfiguration: { status } }, { parent: PARENT });
const publicAccessBlock = (flags: Partial<Record<string, boolean>> = {}) => rec("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "backups", {
    bucket: "offline-backups", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...flags,
}, { parent: PARENT });

const ociBucket = (props: Record<string, any>) => rec("oci:ObjectStorage/bucket:Bucket", "backups", {
    accessType: "NoPublicAccess", compartmentId: "ocid1.compartment.oc1..example", name: "backups-dev", namespace: "ns", storageTier: "Standard", versioning: "Enabled", ...props,
});

const cluster = (spec: Record<string, any>) => rec("kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres", {
    apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "postgres", namespace: "groundwork-data" }, spec: { instances: 1, storage: { size: "20Gi" }, ...spec },
});
const barmanPlugin = { plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "postgres-backups" } }] };
const scheduled = (clusterName: string, namespace = "groundwork-data") => rec("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "postgres-daily", {
    apiVersion: "postgresql.cnpg.io/v1", kind: "ScheduledBackup", metadata: { name: "postgres-daily", namespace },
    spec: { backupOwnerReference: "self", cluster: { name: clusterName }, method: "plugin", pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" }, schedule: "0 0 3 * * *" },
});
const objectStore = (retentionPolicy?: string) => rec("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "postgres-backups", {
    apiVersion: "barmancloud.cnpg.io/v1", kind: "ObjectStore", metadata: { name: "postgres-backups", namespace: "groundwork-data" },
    spec: { configuration: { destinationPath: "s3://backups/postgres/" }, ...(retentionPolicy ? { retentionPolicy } : {}) },
});

const release = (chart: string, values: Record<string, any>) => rec("kubernetes:helm.sh/v3:Release", chart, { chart, version: "1.0.0", values });

describe("data policy pack", () => {
    it("has at least 8 kebab-case policies with descriptions and levels", () => {
        assert.ok(dataPolicies.length >= 8);
        for (const p of dataPolicies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(p.description && p.enforcementLevel);
        }
    });

    describe("s3-bucket-encrypted", () => {
        it("passes a bucket with an aws:kms default encryption configuration", async () => {
            assert.deepEqual(await messages(s3BucketEncrypted, [component, bucket, sse("aws:kms")]), []);
        });
        it("fails a bucket without one, or whose configuration belongs to another bucket", async () => {
            const [m] = await messages(s3BucketEncrypted, [component, bucket]);
            assert.match(m, /S3 bucket backups has no BucketServerSideEncryptionConfiguration/);
            const other = { ...sse("aws:kms"), name: "logs", parent: "urn:pulumi:test::groundwork::groundwork:aws:BackupBucket::logs" };
            assert.equal((await messages(s3BucketEncrypted, [component, bucket, other])).length, 1);
        });
        it("matches settings by dependency on the bucket, as a real preview records it", async () => {
            const elsewhere = { ...sse("AES256"), name: "enc", parent: undefined, props: { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, dependencies: [bucket.urn] };
            assert.deepEqual(await messages(s3BucketEncrypted, [component, bucket, elsewhere]), []);
        });
    });

    describe("s3-bucket-versioning", () => {
        it("passes Enabled versioning", async () => {
            assert.deepEqual(await messages(s3BucketVersioning, [component, bucket, versioning("Enabled")]), []);
        });
        it("fails Suspended versioning", async () => {
            const [m] = await messages(s3BucketVersioning, [component, bucket, versioning("Suspended")]);
            assert.match(m, /S3 bucket backups has no BucketVersioning with versioningConfiguration\.status "Enabled"/);
        });
    });

    describe("s3-public-access-blocked", () => {
        it("passes all four flags true", async () => {
            assert.deepEqual(await messages(s3PublicAccessBlocked, [component, bucket, publicAccessBlock()]), []);
        });
        it("fails a missing block and names a flag left false", async () => {
            assert.match((await messages(s3PublicAccessBlocked, [component, bucket]))[0], /has no BucketPublicAccessBlock/);
            assert.match((await messages(s3PublicAccessBlocked, [component, bucket, publicAccessBlock({ restrictPublicBuckets: false })]))[0], /leaves restrictPublicBuckets not true/);
        });
    });

    describe("oci-bucket-private", () => {
        it("passes NoPublicAccess", async () => {
            assert.deepEqual(await messages(ociBucketPrivate, [ociBucket({})]), []);
        });
        it("fails ObjectRead", async () => {
            assert.match((await messages(ociBucketPrivate, [ociBucket({ accessType: "ObjectRead" })]))[0], /OCI bucket backups has accessType ObjectRead; set accessType: "NoPublicAccess"/);
        });
    });

    describe("oci-bucket-versioning", () => {
        it("passes Enabled", async () => {
            assert.deepEqual(await messages(ociBucketVersioning, [ociBucket({})]), []);
        });
        it("fails when unset", async () => {
            assert.match((await messages(ociBucketVersioning, [ociBucket({ versioning: undefined })]))[0], /has versioning unset \(Disabled\) and no time-bound retention rule; set versioning: "Enabled", or add retentionRules/);
        });
        it("passes an unversioned bucket under a time-bound retention rule", async () => {
            const rule = { displayName: "retained-kept-unchanged", duration: { timeAmount: "14", timeUnit: "DAYS" } };
            assert.deepEqual(await messages(ociBucketVersioning, [ociBucket({ versioning: "Disabled", retentionRules: [rule] })]), []);
        });
        it("fails an unversioned bucket whose only rule has no duration (it would never let a backup expire)", async () => {
            const found = await messages(ociBucketVersioning, [ociBucket({ versioning: "Disabled", retentionRules: [{ displayName: "hold" }] })]);
            assert.match(found[0], /OCI bucket backups has versioning Disabled and no time-bound retention rule/);
        });
    });

    describe("oci-bucket-customer-key", () => {
        it("passes a bucket with kmsKeyId", async () => {
            assert.deepEqual(await messages(ociBucketCustomerKey, [ociBucket({ kmsKeyId: "ocid1.key.oc1..example" })]), []);
        });
        it("warns without one", async () => {
            assert.match((await messages(ociBucketCustomerKey, [ociBucket({})]))[0], /OCI bucket backups has no kmsKeyId/);
        });
    });

    describe("ebs-encrypted", () => {
        const instance = (rootBlockDevice: Record<string, any>, ebsBlockDevices?: any[]) =>
            rec("aws:ec2/instance:Instance", "gpu-0", { instanceType: "g5.xlarge", rootBlockDevice, ...(ebsBlockDevices ? { ebsBlockDevices } : {}) });
        it("passes an encrypted root disk", async () => {
            assert.deepEqual(await messages(ebsEncrypted, [instance({ encrypted: true, volumeSize: 200, volumeType: "gp3" })]), []);
        });
        it("fails an unencrypted root disk and data disk, and an unencrypted EBS volume", async () => {
            const found = await messages(ebsEncrypted, [instance({ volumeSize: 200 }, [{ deviceName: "/dev/sdf", encrypted: false }]), rec("aws:ebs/volume:Volume", "data", { size: 50 })]);
            assert.match(found[0], /Instance gpu-0 rootBlockDevice\.encrypted is not true/);
            assert.match(found[1], /ebsBlockDevices\[0\] \(\/dev\/sdf\) is not encrypted/);
            assert.match(found[2], /EBS volume data has encrypted unset; set encrypted: true/);
        });
        it("reads launch templates' block devices: encrypted passes, anything else fails", async () => {
            const template = (encrypted?: string) => rec("aws:ec2/launchTemplate:LaunchTemplate", "gpu-l4-spot", {
                instanceType: "g6.xlarge",
                blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { deleteOnTermination: "true", volumeSize: 200, volumeType: "gp3", ...(encrypted ? { encrypted } : {}) } }],
            });
            assert.deepEqual(await messages(ebsEncrypted, [template("true")]), []);
            assert.deepEqual(await messages(ebsEncrypted, [template()]), ['Launch template gpu-l4-spot blockDeviceMappings[0] (/dev/sda1) ebs.encrypted is "unset"; set encrypted: "true" (every node the group launches gets this disk).']);
        });
    });

    describe("kms-key-deletion-window", () => {
        const key = (props: Record<string, any>) => rec("aws:kms/key:Key", "vault-unseal", { description: "Vault auto-unseal", enableKeyRotation: true, ...props });
        it("passes 30 days and the AWS default", async () => {
            assert.deepEqual(await messages(kmsKeyDeletionWindow, [key({ deletionWindowInDays: 30 }), key({})]), []);
        });
        it("fails 7 days against the default minimum of 30, and passes it with a lower configured minimum", async () => {
            assert.match((await messages(kmsKeyDeletionWindow, [key({ deletionWindowInDays: 7 })]))[0], /KMS key vault-unseal has deletionWindowInDays 7, below 30/);
            assert.deepEqual(await messages(kmsKeyDeletionWindow, [key({ deletionWindowInDays: 7 })], { minDeletionWindowDays: 7 }), []);
        });
    });

    describe("postgres-backup-configured", () => {
        it("passes the Barman Cloud plugin as WAL archiver, and in-tree barmanObjectStore", async () => {
            assert.deepEqual(await messages(postgresBackupConfigured, [cluster(barmanPlugin)]), []);
            assert.deepEqual(await messages(postgresBackupConfigured, [cluster({ backup: { barmanObjectStore: { destinationPath: "s3://b/" }, retentionPolicy: "30d" } })]), []);
        });
        it("fails a cluster without WAL archiving", async () => {
            assert.match((await messages(postgresBackupConfigured, [cluster({})]))[0], /CloudNativePG Cluster postgres has no WAL archive: add spec\.plugins/);
        });
    });

    describe("postgres-scheduled-backup", () => {
        it("passes a cluster with a ScheduledBackup in its namespace", async () => {
            assert.deepEqual(await messages(postgresScheduledBackup, [cluster(barmanPlugin), scheduled("postgres")]), []);
        });
        it("fails a ScheduledBackup for another cluster or namespace", async () => {
            const [m] = await messages(postgresScheduledBackup, [cluster(barmanPlugin), scheduled("other"), scheduled("postgres", "default")]);
            assert.match(m, /Cluster groundwork-data\/postgres has no ScheduledBackup with spec\.cluster\.name "postgres"/);
        });
    });

    describe("backup-retention-policy", () => {
        it("passes an ObjectStore keeping 30 days", async () => {
            assert.deepEqual(await messages(backupRetentionPolicy, [objectStore("30d")]), []);
        });
        it("fails a missing or malformed retentionPolicy", async () => {
            assert.match((await messages(backupRetentionPolicy, [objectStore()]))[0], /ObjectStore postgres-backups spec\.retentionPolicy is unset; set it like "30d"/);
            assert.match((await messages(backupRetentionPolicy, [cluster({ backup: { barmanObjectStore: { destinationPath: "s3://b/" }, retentionPolicy: "forever" } })]))[0], /spec\.backup\.retentionPolicy is forever/);
        });
    });

    describe("stateful-release-persistence", () => {
        it("passes Vault with data storage, Langfuse ClickHouse with persistence, Qdrant with a volume size", async () => {
            const releases = [
                release("vault", { server: { dataStorage: { enabled: true, size: "10Gi" }, ha: { enabled: false } } }),
                release("langfuse", { clickhouse: { deploy: true, persistence: { size: "20Gi" } } }),
                release("qdrant", { persistence: { accessModes: ["ReadWriteOnce"], size: "10Gi" } }),
            ];
            assert.deepEqual(await messages(statefulReleasePersistence, releases), []);
        });
        it("fails Vault in dev mode and ClickHouse without persistence", async () => {
            const found = await messages(statefulReleasePersistence, [
                release("vault", { server: { dev: { enabled: true }, dataStorage: { enabled: false } } }),
                release("langfuse", { clickhouse: { persistence: { enabled: false } } }),
            ]);
            assert.match(found[0], /Helm release vault \(chart vault\) would lose its data: server\.dev\.enabled is true .*; server\.dataStorage\.enabled is false/);
            assert.match(found[1], /clickhouse\.persistence\.enabled is false/);
        });
    });

    describe("server-boot-volume-preserved", () => {
        const oci = (role: string, preserveBootVolume: boolean) => rec("oci:Core/instance:Instance", `${role}-1`, {
            shape: "VM.Standard.A1.Flex", freeformTags: { "groundwork-k3s-role": role }, preserveBootVolume,
        });
        it("passes a server that keeps its boot volume, and ignores agents", async () => {
            assert.deepEqual(await messages(serverBootVolumePreserved, [oci("server", true), oci("agent", false)]), []);
        });
        it("warns about a server that would lose it", async () => {
            assert.match((await messages(serverBootVolumePreserved, [oci("server", false)]))[0], /OCI instance server-1 is a k3s server but preserveBootVolume is false/);
        });
    });

    describe("stateful-store-backup-schedule", () => {
        const chart = (chartName: string, name: string, namespace: string, values: Record<string, any> = {}) =>
            rec("kubernetes:helm.sh/v4:Chart", name, { chart: chartName, name, namespace, values });
        const cronJob = (namespace: string, store: string, spec: Record<string, any> = { schedule: "15 2 * * *" }) => rec("kubernetes:batch/v1:CronJob", `${store}-snapshots`, {
            apiVersion: "batch/v1", kind: "CronJob", metadata: { name: `${store}-snapshots`, namespace, labels: { "groundwork.dev/backup-of": store } }, spec,
        });
        const namespace = (name: string, annotations: Record<string, string> = {}) => rec("kubernetes:core/v1:Namespace", name, { metadata: { name, annotations } });
        const pvc = (name: string, annotations: Record<string, string> = {}) => rec("kubernetes:core/v1:PersistentVolumeClaim", name, {
            metadata: { name, namespace: "groundwork-inference", annotations }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
        });
        const server = (tags: Record<string, string>) => rec("oci:Core/instance:Instance", "server-1", { freeformTags: { "groundwork-k3s-role": "server", ...tags } });

        it("passes stores each backed up by a scheduled CronJob naming them, or saying why they need none", async () => {
            assert.deepEqual(await messages(storesHaveBackupSchedules, [
                chart("vault", "vault", "vault"), cronJob("vault", "vault"),
                chart("qdrant", "qdrant", "groundwork-data"), cronJob("groundwork-data", "qdrant"),
                chart("open-webui", "open-webui", "groundwork-chat"), namespace("groundwork-chat", { "groundwork.dev/no-backup": "open-webui: conversations are in Postgres" }),
                pvc("vllm-small-cache", { "groundwork.dev/no-backup": "model weights, downloaded again" }),
                chart("traefik", "traefik", "groundwork-ingress"),
                chart("vault", "vault-dev", "scratch", { server: { dev: { enabled: true } } }),
                server({ "groundwork-etcd-snapshot-hours": "6" }),
                rec("oci:Core/instance:Instance", "agent-1", { freeformTags: { "groundwork-k3s-role": "agent" } }),
            ]), []);
        });

        it("fails a store without a backup: none at all, one in another namespace, a suspended one, or an exemption for another release", async () => {
            const found = await messages(storesHaveBackupSchedules, [
                chart("langfuse", "langfuse", "langfuse"),
                chart("qdrant", "qdrant", "groundwork-data"), cronJob("vault", "qdrant"),
                chart("vault", "vault", "vault"), cronJob("vault", "vault", { schedule: "15 2 * * *", suspend: true }),
                chart("open-webui", "open-webui", "groundwork-chat"), namespace("groundwork-chat", { "groundwork.dev/no-backup": "jupyterhub: working space" }),
                pvc("vllm-small-cache"),
            ]);
            assert.deepEqual(found.map((m) => m.split(" keeps data")[0]), [
                "Helm release langfuse (chart langfuse) in langfuse",
                "Helm release qdrant (chart qdrant) in groundwork-data",
                "Helm release vault (chart vault) in vault",
                "Helm release open-webui (chart open-webui) in groundwork-chat",
                "PersistentVolumeClaim vllm-small-cache in groundwork-inference",
            ]);
            assert.match(found[0], /add a CronJob in langfuse labelled groundwork\.dev\/backup-of: langfuse with a schedule, or say why it needs none/);
        });

        it("knows kube-prometheus-stack keeps data only with a volume for Prometheus, and takes the namespace's reason", async () => {
            const stored = { prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: {} } } } };
            const found = await messages(storesHaveBackupSchedules, [chart("kube-prometheus-stack", "monitoring", "groundwork-observability", stored), chart("kube-prometheus-stack", "scratch", "lab")]);
            assert.deepEqual(found.map((m) => m.split(" keeps data")[0]), ["Helm release monitoring (chart kube-prometheus-stack) in groundwork-observability"]);
            assert.deepEqual(await messages(storesHaveBackupSchedules, [
                chart("kube-prometheus-stack", "monitoring", "groundwork-observability", stored),
                namespace("groundwork-observability", { "groundwork.dev/no-backup": "monitoring: scraped again from the running cluster" }),
            ]), []);
        });

        it("counts a chart's own volumes under its release, as a real preview shows them", async () => {
            const vault = chart("vault", "vault", "vault");
            const vaultData = rec("kubernetes:apps/v1:StatefulSet", "vault/vault", {
                metadata: { name: "vault", namespace: "vault" }, spec: { volumeClaimTemplates: [{ metadata: { name: "data" } }] },
            }, { parent: vault.urn });
            const mystery = chart("mystery", "mystery", "lab");
            const mysteryData = rec("kubernetes:core/v1:PersistentVolumeClaim", "lab/mystery-data", { metadata: { name: "mystery-data", namespace: "lab" } }, { parent: mystery.urn });
            assert.deepEqual(await messages(storesHaveBackupSchedules, [vault, vaultData, cronJob("vault", "vault"), mystery, mysteryData]), [
                "PersistentVolumeClaim mystery-data of Helm release mystery in lab keeps data but nothing backs it up: add a CronJob in lab labelled groundwork.dev/backup-of: mystery with a schedule, or say why it needs none (annotation groundwork.dev/no-backup on the volume, or \"mystery: <reason>\" in it on the release's namespace)",
            ]);
            assert.deepEqual(await messages(storesHaveBackupSchedules, [mystery, mysteryData, namespace("lab", { "groundwork.dev/no-backup": "mystery: scratch space" })]), []);
            // Prometheus keeps its metrics on a volume: a store, unless the stack says why not.
            assert.equal((await messages(storesHaveBackupSchedules, [chart("prometheus", "prometheus", "groundwork-observability", { server: { persistentVolume: { enabled: true } } })])).length, 1);
        });

        it("fails a cloud k3s server whose config takes no etcd snapshots", async () => {
            const found = await messages(storesHaveBackupSchedules, [server({})]);
            assert.deepEqual(found, ["k3s server server-1 takes no scheduled etcd snapshots (no groundwork-etcd-snapshot-hours tag of whole hours): give its config etcd-snapshot-schedule-cron and etcd-s3, or the cluster's state is lost with its servers"]);
        });
    });
});
