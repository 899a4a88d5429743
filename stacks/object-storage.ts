import * as pulumi from "@pulumi/pulumi";
import { AwsBackupBucket } from "../components/aws/backup-bucket";
import { OciBackupBucket, OciRetention } from "../components/oci/backup-bucket";
import { BucketConsumer, BucketTarget } from "../components/object-storage";
import { BucketConsumerName } from "./config/postgres";
import { Cluster } from "./cluster";
import { StackConfig } from "./config";
import { endpointDestination, PUBLIC_HTTPS } from "../components/platform/egress";

export type BucketKey = { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };

/** A bucket and each of its consumers' keys. */
export interface StorageTarget extends BucketTarget {
    /** A consumer's key; undefined for one that writes through an IAM role (AWS servers). */
    keyFor(consumer: string): BucketKey | undefined;
    /** Whether requests must name the bucket in the path (OCI's S3-compatible API), not the host. */
    pathStyle: boolean;
}

/**
 * Where the stack keeps objects:
 * - `backups`: Postgres's base backups and WAL, Vault's and Qdrant's snapshots. On AWS under S3
 *   Object Lock; on OCI in an unversioned bucket under a retention rule (`retained-<stack>`).
 * - `unlocked`: objects whose writers send no upload checksum, which a locked AWS bucket refuses:
 *   Langfuse's events and media (langfuse/langfuse@v3.224.1: packages/shared/src/server/services/StorageService.ts
 *   L700-710) and k3s's etcd snapshots (k3s-io/k3s@v1.34.9+k3s1: pkg/etcd/s3/s3.go L302-320, minio-go
 *   v7.1.0); and ClickHouse's backups, which delete their own `.lock`, which OCI's retention rule
 *   would refuse. A versioned bucket of their own on AWS and OCI; a bucket from config serves both.
 */
export interface StackStorage {
    backups: StorageTarget;
    unlocked: StorageTarget;
}

/** The writers of the locked bucket: barman runs its own retention; Vault's and Qdrant's snapshots expire by lifecycle. */
export function lockedConsumers(config: StackConfig): BucketConsumer[] {
    const backups = config.platform.backups;
    return [
        { name: "postgres", prefix: "postgres/", retention: "own" },
        { name: "vault", prefix: "vault/", retention: { days: backups.vault.retentionDays } },
        { name: "qdrant", prefix: "qdrant/", retention: { days: backups.qdrant.retentionDays } },
    ];
}

/**
 * The writers of the bucket without a lock: Langfuse and k3s send no checksum (k3s prunes its
 * snapshots by count); ClickHouse's backups must delete their own `.lock` object, and that the
 * lock would accept its Content-MD5 uploads is not yet shown (research/clickhouse-backup.md §4.3, §4.7).
 * On both clouds a delete only hides a version: no key may destroy one (AWS: no
 * s3:DeleteObjectVersion; OCI: no OBJECT_VERSION_DELETE, `consumerStatements`).
 */
export function unlockedConsumers(config: StackConfig): BucketConsumer[] {
    return [
        { name: "langfuse", prefix: "langfuse/", retention: "own" },
        { name: "etcd", prefix: "etcd/", retention: "own" },
        { name: "clickhouse", prefix: "clickhouse/", retention: { days: config.platform.backups.clickhouse.retentionDays, deletes: "/.lock" } },
    ];
}

/** Each locked store's own retention in days: Postgres's recovery window, Vault's and Qdrant's snapshots. */
function lockedRetentionDays(config: StackConfig): Record<string, number> {
    const { postgres, backups } = config.platform;
    return { postgres: postgres.backup.retentionDays, vault: backups.vault.retentionDays, qdrant: backups.qdrant.retentionDays };
}

/**
 * What the locked consumers left in OCI's versioned bucket before they moved to the retained one,
 * and when it goes: each after its own store's retention, by age, as the new bucket fills the same window.
 */
export function movedFromVersionedBucket(config: StackConfig): { name: string; prefix: string; days: number }[] {
    const days = lockedRetentionDays(config);
    return lockedConsumers(config).map((c) => ({ name: `moved-${c.name}`, prefix: c.prefix, days: days[c.name] }));
}

/**
 * Days past Postgres's retention after which OCI's lifecycle removes what barman left: barman prunes
 * with DeleteObjects, which botocore >= 1.36 signs with a CRC32 checksum, which OCI is reported to
 * refuse (taking Content-MD5, SHA256 or CRC32C: activepieces/activepieces#14110, 2026-07). A week keeps the base
 * backup that opens the recovery window for any schedule up to weekly.
 */
export const POSTGRES_BACKSTOP_MARGIN_DAYS = 7;

/**
 * The consumers of OCI's retained bucket. Its rule holds every object for the longest retention of
 * the three stores (`ociRetention`), so a store with a shorter one keeps its snapshots that long: the
 * lifecycle cannot remove them sooner, and no key can destroy any object for as long as it is kept.
 */
export function ociRetainedConsumers(config: StackConfig): BucketConsumer[] {
    const days = ociRetention(config).days;
    return lockedConsumers(config).map((c) => (c.retention === "own" ? c : { ...c, retention: { ...c.retention, days: Math.max(c.retention.days, days) } }));
}

/**
 * How long the AWS backup bucket's Object Lock holds each new version: the shortest retention of
 * any store in it, so the lock never outlives a store's own retention (a longer one would only keep
 * hidden versions, and bill them, past it). OCI's rule is the longest (`ociRetention`).
 */
export function objectLockDays(config: StackConfig): number {
    return Math.min(...Object.values(lockedRetentionDays(config)));
}

/**
 * OCI's retention rule on the backups: the longest retention of the three stores, so every object
 * is unchangeable for as long as it is kept (AWS's lock can be the shortest, because its versioning
 * keeps what a key deletes afterwards; OCI allows no versioning beside a rule), and locked for good
 * under `compliance`.
 */
export function ociRetention(config: StackConfig): OciRetention {
    return { days: Math.max(...Object.values(lockedRetentionDays(config))), locked: config.platform.backups.objectLock === "compliance" };
}

/**
 * Object storage for backups and blobs: the stack's cloud (AWS first, else OCI), or a bucket from
 * config. On AWS and OCI each consumer has its own user (IAM user; OCI user and group) limited to
 * its prefix, except AWS servers, whose instance role writes their etcd snapshots; a bucket from
 * config gives each consumer its key from `keys`, else the shared one.
 */
export function stackStorage(config: StackConfig, { aws, ociProvider, serverRoleName }: Cluster): StackStorage {
    const deletedKeptDays = config.platform.postgres.backup.retentionDays;
    const given = config.platform.postgres.backup.s3;
    if (given) {
        // Each consumer's own key, else the shared one (the config check makes sure one of the two is there).
        const keyFor = (consumer: string): BucketKey => {
            const own = given.keys?.[consumer as BucketConsumerName] ?? { accessKeyId: given.accessKeyId!, secretAccessKey: given.secretAccessKey! };
            return { accessKeyId: pulumi.output(own.accessKeyId), secretAccessKey: pulumi.output(own.secretAccessKey) };
        };
        const target = {
            endpointURL: given.endpointURL, bucket: given.bucket, region: given.region, egress: endpointDestination(given.endpointURL), pathStyle: true,
            requiredChecksumsOnly: !isAwsS3Endpoint(given.endpointURL), keyFor,
        };
        return { backups: target, unlocked: target };
    }
    if (config.aws && aws) {
        const opts = { provider: aws.provider };
        const lock = { mode: config.platform.backups.objectLock === "compliance" ? "COMPLIANCE" as const : "GOVERNANCE" as const, days: objectLockDays(config) };
        const backups = new AwsBackupBucket("backups", { region: config.aws.region, consumers: lockedConsumers(config), deletedKeptDays, objectLock: lock }, opts);
        const unlocked = new AwsBackupBucket("unlocked", {
            region: config.aws.region, consumers: unlockedConsumers(config), deletedKeptDays,
            roles: serverRoleName ? { etcd: serverRoleName } : {},
        }, opts);
        return { backups: targetOf(backups, false), unlocked: targetOf(unlocked, false) };
    }
    const oci = config.oci!;
    const site = { compartmentId: oci.compartmentId, tenancyId: (oci.tenancyOcid ?? oci.auth?.tenancyOcid)!, region: oci.region };
    const opts = { provider: ociProvider! };
    const retained = new OciBackupBucket("retained", {
        ...site,
        consumers: ociRetainedConsumers(config),
        retention: ociRetention(config),
        expire: [{ name: "postgres-backstop", prefix: "postgres/", days: config.platform.postgres.backup.retentionDays + POSTGRES_BACKSTOP_MARGIN_DAYS }],
    }, opts);
    // The versioned bucket keeps its name: Langfuse's blobs and the etcd snapshots stay where they are.
    const versioned = new OciBackupBucket("backups", {
        ...site,
        consumers: unlockedConsumers(config),
        deletedKeptDays,
        expire: movedFromVersionedBucket(config),
    }, opts);
    return { backups: targetOf(retained, true), unlocked: targetOf(versioned, true) };
}

/** The cluster's servers, each of which snapshots etcd: k3s's S3 retention counts them all. */
export function serverCount(config: StackConfig): number {
    const oci = config.oci?.nodes.filter((n) => n.role === "server").length ?? 0;
    const edge = config.edge?.machines.filter((m) => m.role === "server").length ?? 0;
    return oci + (config.aws?.servers?.count ?? 0) + edge;
}

function targetOf(bucket: AwsBackupBucket | OciBackupBucket, pathStyle: boolean): StorageTarget {
    // Both clouds' S3 endpoints are public: s3.<region>.amazonaws.com, <namespace>.compat.objectstorage.<region>.oraclecloud.com.
    return { bucket: bucket.bucket, endpointURL: bucket.endpointURL, region: bucket.region, egress: PUBLIC_HTTPS, pathStyle, requiredChecksumsOnly: pathStyle, keyFor: (consumer) => bucket.credentials[consumer] };
}

/**
 * Whether an endpoint is AWS S3 itself, whose uploads keep the SDKs' default checksums: a host under
 * amazonaws.com, amazonaws.com.cn (China) or amazonaws.eu (European Sovereign Cloud), a trailing dot allowed.
 */
export function isAwsS3Endpoint(endpointURL: string): boolean {
    return /(^|\.)amazonaws\.(com|com\.cn|eu)\.?$/.test(new URL(endpointURL).hostname);
}
