import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { POD_NO_ROLE } from "../workload-credentials";
import { workloadIamUser } from "./workload-user";

/** A writer of the bucket: its own IAM user, limited to its prefix (`postgres/`, `langfuse/`). */
export interface BucketConsumer {
    name: string;
    prefix: string;
}

/**
 * The IAM policy of one consumer: read, write and delete only under its prefix. Listing stays
 * bucket-wide: barman-cloud opens every command with HeadBucket, which needs s3:ListBucket with no
 * prefix to condition on (EnterpriseDB/barman@release/3.17.0: barman/cloud_providers/aws_s3.py
 * L221-231), so a key can list the other consumer's object names but read none of them.
 */
export function consumerPolicy(bucketArn: string, prefix: string) {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
            { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: `${bucketArn}/${prefix}*` },
        ],
    };
}

/**
 * A private, encrypted, versioned S3 bucket for backups and blob storage, and one IAM user per
 * consumer that can only reach its own prefix (k3s pods have no instance role): a leaked Langfuse
 * key reads no database backup. The bucket is kept if the stack is deleted.
 */
export class AwsBackupBucket extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    public readonly endpointURL: pulumi.Output<string>;
    public readonly region: string;
    /** Each consumer's access key (secret), by name. */
    public readonly credentials: Record<string, { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> }> = {};

    /**
     * @param args.deletedKeptDays how long a deleted or overwritten object's previous version stays
     *   recoverable before the bucket's lifecycle removes it: the only deletion that destroys data.
     */
    constructor(name: string, args: { region: string; consumers: BucketConsumer[]; deletedKeptDays: number }, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:BackupBucket", name, {}, opts);
        const parent = { parent: this };
        const bucket = new aws.s3.Bucket(name, { bucketPrefix: `${name}-`, forceDestroy: false }, { parent: this, retainOnDelete: true });
        new aws.s3.BucketPublicAccessBlock(name, {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, parent);
        new aws.s3.BucketServerSideEncryptionConfiguration(name, {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
        }, parent);
        new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
        // Consumers may delete (barman's retention does) but not s3:DeleteObjectVersion: a delete
        // leaves a marker over the previous version, which only this lifecycle removes, after
        // deletedKeptDays. Abandoned multipart uploads go after a day, and markers with nothing
        // under them are cleaned up (docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html, read 2026-11-27).
        new aws.s3.BucketLifecycleConfiguration(name, {
            bucket: bucket.id,
            rules: [{
                id: "deleted-versions-kept-then-removed",
                status: "Enabled",
                filter: {},
                noncurrentVersionExpiration: { noncurrentDays: args.deletedKeptDays },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                expiration: { expiredObjectDeleteMarker: true },
            }],
        }, parent);
        for (const consumer of args.consumers) {
            const id = `${name}-${consumer.name}`;
            const key = workloadIamUser(id, { policy: bucket.arn.apply((arn) => JSON.stringify(consumerPolicy(arn, consumer.prefix))), noRoleBecause: POD_NO_ROLE }, parent);
            this.credentials[consumer.name] = { accessKeyId: pulumi.secret(key.accessKeyId), secretAccessKey: key.secretAccessKey };
        }
        this.bucket = bucket.bucket;
        this.endpointURL = pulumi.output(`https://s3.${args.region}.amazonaws.com`);
        this.region = args.region;
        this.registerOutputs({ bucket: this.bucket });
    }
}
