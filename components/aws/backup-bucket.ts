import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import * as s3 from "@pulumi/aws/s3";
import * as awsInputs from "@pulumi/aws/types/input";
import { BucketConsumer } from "../object-storage";
import { POD_NO_ROLE } from "../workload-credentials";
import { workloadIamUser } from "./workload-user";

/**
 * The IAM policy of one consumer: write under its prefix, read it back, and delete there only when
 * it runs its own retention. Listing stays bucket-wide: barman-cloud opens every command with
 * HeadBucket, which needs s3:ListBucket with no prefix to condition on
 * (EnterpriseDB/barman@release/3.17.0: barman/cloud_providers/aws_s3.py L221-231), so a key can
 * list the other consumers' object names but read none of them. No consumer gets
 * s3:DeleteObjectVersion or s3:BypassGovernanceRetention.
 */
export function consumerPolicy(bucketArn: string, consumer: Pick<BucketConsumer, "prefix" | "retention">) {
    const objectActions = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", ...(consumer.retention === "own" ? ["s3:DeleteObject"] : [])];
    const ownScratch = consumer.retention !== "own" && consumer.retention.deletes;
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
            { Effect: "Allow", Action: objectActions, Resource: `${bucketArn}/${consumer.prefix}*` },
            ...(ownScratch ? [{ Effect: "Allow", Action: ["s3:DeleteObject"], Resource: `${bucketArn}/${consumer.prefix}*${ownScratch}` }] : []),
        ],
    };
}

/**
 * The bucket policy that keeps each consumer's objects to that consumer: a read of them by any
 * other principal of the account is denied, whatever its IAM policy grants (an administrator's or a
 * read-only role's `s3:GetObject` on `*` included, and the account's root: it can still rewrite
 * this policy, the way back). An explicit Deny in a bucket policy overrides every Allow, and
 * `aws:PrincipalArn` is an assumed role's role ARN, not its session's
 * (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and
 * reference_policies_condition-keys.html#condition-keys-principalarn, read 2026-11-30). An
 * anonymous request has no principal ARN, and a negated condition on a missing key holds, so it is
 * denied too (security review s27 F8).
 */
export function consumerReadFence(bucketArn: string, readers: { name: string; prefix: string; principalArn: string }[]) {
    return {
        Version: "2012-10-17",
        Statement: readers.map((r) => ({
            Sid: `OnlyTheConsumerReads${r.name.replace(/[^A-Za-z0-9]/g, "")}`,
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: `${bucketArn}/${r.prefix}*`,
            Condition: { ArnNotLike: { "aws:PrincipalArn": r.principalArn } },
        })),
    };
}

/**
 * S3 Object Lock's default retention: every new object version is kept, unchangeable, for `days`.
 * `COMPLIANCE` binds everyone, the account's root included; `GOVERNANCE` can be lifted by a
 * principal holding s3:BypassGovernanceRetention (docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html,
 * read 2026-11-27). Every upload must then carry Content-MD5 or a flexible checksum, which
 * botocore >= 1.36 (barman), the AWS CLI v2 and minio-go send by default; Langfuse v3.224.1 does
 * not (`requestChecksumCalculation: "WHEN_REQUIRED"`, langfuse/langfuse@v3.224.1:
 * packages/shared/src/server/services/StorageService.ts L700-710), so its blobs go to a bucket
 * without a lock.
 */
export interface ObjectLock {
    mode: "COMPLIANCE" | "GOVERNANCE";
    days: number;
}

export interface AwsBackupBucketArgs {
    region: string;
    consumers: BucketConsumer[];
    /**
     * How long a deleted or overwritten object's previous version stays recoverable before the
     * bucket's lifecycle removes it: the only deletion that destroys data.
     */
    deletedKeptDays: number;
    /** A default retention no key can shorten; omit for a bucket whose writers send no checksum. */
    objectLock?: ObjectLock;
    /**
     * Consumers that act through an IAM role they already have (by consumer name: the role's
     * name), such as AWS servers writing etcd snapshots with their instance role: the role gets
     * the consumer's policy and no key is made.
     */
    roles?: Record<string, pulumi.Input<string>>;
}

/**
 * A private, encrypted, versioned S3 bucket, and one IAM user per consumer that can only reach its
 * own prefix (k3s pods have no instance role). The bucket is kept if the stack is deleted.
 */
export class AwsBackupBucket extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    public readonly endpointURL: pulumi.Output<string>;
    public readonly region: string;
    /** Each consumer's access key (secret), by name; none for consumers acting through a role. */
    public readonly credentials: Record<string, { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> }> = {};

    constructor(name: string, args: AwsBackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:BackupBucket", name, {}, opts);
        const parent = { parent: this };
        const bucket = new s3.Bucket(name, { bucketPrefix: `${name}-`, forceDestroy: false }, { parent: this, retainOnDelete: true });
        new s3.BucketPublicAccessBlock(name, {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, parent);
        new s3.BucketServerSideEncryptionConfiguration(name, {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
        }, parent);
        // Retained with the bucket: deleting this resource suspends versioning, which S3 refuses
        // under Object Lock (docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html,
        // read 2026-11-27) and which would end the undo of deletes on any backup bucket.
        const versioning = new s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, { parent: this, retainOnDelete: true });
        if (args.objectLock) {
            // Enabled on the existing bucket by its own resource (Bucket.objectLockEnabled would
            // replace the bucket), after versioning, which Object Lock requires; it cannot be
            // turned off again (docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html, read 2026-11-27).
            new s3.BucketObjectLockConfiguration(name, {
                bucket: bucket.id,
                rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } },
            }, { parent: this, dependsOn: [versioning], retainOnDelete: true });
        }
        // Retained too, so a retained bucket keeps expiring what its stores' retention ends.
        new s3.BucketLifecycleConfiguration(name, { bucket: bucket.id, rules: lifecycleRules(args.consumers, args.deletedKeptDays) }, { parent: this, dependsOn: [versioning], retainOnDelete: true });
        const readers: pulumi.Output<{ name: string; prefix: string; principalArn: string }>[] = [];
        for (const consumer of args.consumers) {
            const id = `${name}-${consumer.name}`;
            const policy = bucket.arn.apply((arn) => JSON.stringify(consumerPolicy(arn, consumer)));
            const role = args.roles?.[consumer.name];
            if (role) {
                new iam.RolePolicy(id, { role, policy }, parent);
                // The role's ARN in any account: a bucket policy of its own account's bucket is the only one it can meet.
                readers.push(pulumi.interpolate`arn:aws:iam::*:role/${role}`.apply((principalArn) => ({ name: consumer.name, prefix: consumer.prefix, principalArn })));
                continue;
            }
            const key = workloadIamUser(id, { policy, noRoleBecause: POD_NO_ROLE }, parent);
            this.credentials[consumer.name] = { accessKeyId: pulumi.secret(key.accessKeyId), secretAccessKey: key.secretAccessKey };
            readers.push(key.arn.apply((principalArn) => ({ name: consumer.name, prefix: consumer.prefix, principalArn })));
        }
        // Kept with the bucket, so that retained backups stay fenced (review s27).
        new s3.BucketPolicy(name, {
            bucket: bucket.id,
            policy: pulumi.all([bucket.arn, pulumi.all(readers)]).apply(([arn, each]) => JSON.stringify(consumerReadFence(arn, each))),
        }, { parent: this, retainOnDelete: true });
        this.bucket = bucket.bucket;
        this.endpointURL = pulumi.output(`https://s3.${args.region}.amazonaws.com`);
        this.region = args.region;
        this.registerOutputs({ bucket: this.bucket });
    }
}

/**
 * The bucket's lifecycle: consumers that keep no retention of their own have their objects expired
 * after their days (a delete marker over the version); every hidden version is removed
 * deletedKeptDays later, or when its Object Lock ends if that is later (lifecycle cannot remove a
 * locked version). Abandoned multipart uploads go after a day and orphaned delete markers are
 * cleaned up (docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html,
 * read 2026-11-27).
 */
export function lifecycleRules(consumers: BucketConsumer[], deletedKeptDays: number): awsInputs.s3.BucketLifecycleConfigurationRule[] {
    const expiring = consumers.flatMap((c) => (c.retention === "own" ? [] : [{
        id: `${c.name}-expires-after-${c.retention.days}-days`,
        status: "Enabled",
        filter: { prefix: c.prefix },
        expiration: { days: c.retention.days },
    }]));
    return [{
        id: "deleted-versions-kept-then-removed",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: deletedKeptDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        expiration: { expiredObjectDeleteMarker: true },
    }, ...expiring];
}
