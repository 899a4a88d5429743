import * as pulumi from "@pulumi/pulumi";
import { AwsBackupBucket } from "../components/aws/backup-bucket";
import { OciBackupBucket } from "../components/oci/backup-bucket";
import { BucketConsumer, BucketTarget } from "../components/object-storage";
import { Cluster } from "./cluster";
import { StackConfig } from "./config";

export type BucketKey = { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };

/** A bucket and each of its consumers' keys. */
export interface StorageTarget extends BucketTarget {
    keyFor(consumer: string): BucketKey;
}

/**
 * Where the stack keeps objects:
 * - `backups`: Postgres's base backups and WAL, k3s's etcd snapshots, Vault's and Qdrant's
 *   snapshots. On AWS under S3 Object Lock.
 * - `blobs`: Langfuse's events and media. On AWS a bucket of their own: Langfuse sends no upload
 *   checksum, which a locked bucket refuses. Elsewhere the same bucket as the backups.
 */
export interface StackStorage {
    backups: StorageTarget;
    blobs: StorageTarget;
}

/** The writers of the backup bucket: barman and k3s run their own retention; Vault's and Qdrant's snapshots expire by lifecycle. */
export function backupConsumers(config: StackConfig): BucketConsumer[] {
    const backups = config.platform.backups;
    return [
        { name: "postgres", prefix: "postgres/", retention: "own" },
        { name: "etcd", prefix: "etcd/", retention: "own" },
        { name: "vault", prefix: "vault/", retention: { days: backups.vault.retentionDays } },
        { name: "qdrant", prefix: "qdrant/", retention: { days: backups.qdrant.retentionDays } },
    ];
}

const LANGFUSE_BLOBS: BucketConsumer = { name: "langfuse", prefix: "langfuse/", retention: "own" };

/**
 * How long the backup bucket's Object Lock holds each new version: the shortest retention of any
 * store in it, so the lock never outlives a store's own retention (a longer one would only keep
 * hidden versions, and bill them, past it).
 */
export function objectLockDays(config: StackConfig): number {
    const { postgres, backups } = config.platform;
    return Math.min(postgres.backup.retentionDays, backups.etcd.retentionDays, backups.vault.retentionDays, backups.qdrant.retentionDays);
}

/**
 * Object storage for backups and blobs: the stack's cloud (AWS first, else OCI), or a bucket from
 * config. On AWS and OCI each consumer has its own user (IAM user; OCI user and group) limited to
 * its prefix; a bucket from config gives its one key to every consumer.
 */
export function stackStorage(config: StackConfig, { aws, ociProvider }: Cluster): StackStorage {
    const deletedKeptDays = config.platform.postgres.backup.retentionDays;
    const given = config.platform.postgres.backup.s3;
    if (given) {
        const key = { accessKeyId: pulumi.output(given.accessKeyId), secretAccessKey: pulumi.output(given.secretAccessKey) };
        const target = { endpointURL: given.endpointURL, bucket: given.bucket, region: given.region, keyFor: () => key };
        return { backups: target, blobs: target };
    }
    if (config.aws && aws) {
        const opts = { provider: aws.provider };
        const lock = { mode: config.platform.backups.objectLock === "compliance" ? "COMPLIANCE" as const : "GOVERNANCE" as const, days: objectLockDays(config) };
        const backups = new AwsBackupBucket("backups", { region: config.aws.region, consumers: backupConsumers(config), deletedKeptDays, objectLock: lock }, opts);
        const blobs = new AwsBackupBucket("langfuse-blobs", { region: config.aws.region, consumers: [LANGFUSE_BLOBS], deletedKeptDays }, opts);
        return { backups: targetOf(backups), blobs: targetOf(blobs) };
    }
    const oci = config.oci!;
    const bucket = new OciBackupBucket("backups", {
        compartmentId: oci.compartmentId,
        tenancyId: (oci.tenancyOcid ?? oci.auth?.tenancyOcid)!,
        region: oci.region,
        consumers: [...backupConsumers(config), LANGFUSE_BLOBS],
        deletedKeptDays,
    }, { provider: ociProvider! });
    return { backups: targetOf(bucket), blobs: targetOf(bucket) };
}

function targetOf(bucket: AwsBackupBucket | OciBackupBucket): StorageTarget {
    return { bucket: bucket.bucket, endpointURL: bucket.endpointURL, region: bucket.region, keyFor: (consumer) => bucket.credentials[consumer] };
}
