import { StackValidationPolicy } from "@pulumi/policy";
import { isS3Bucket, settingsOf } from "./bucket-links";

/*
 * S3 bucket settings live in separate resources since AWS provider v4 (bucket-level inline
 * arguments are deprecated), so these are stack policies matching each bucket to its settings.
 * Rule sources: AWS Foundational Security Best Practices S3.1/S3.8 (block public access),
 * S3.4/S3.17 (encryption at rest with KMS), S3.14 (versioning); pulumi-policy-aws storage.ts.
 */

const SSE = ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"];
const VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
const PUBLIC_ACCESS_BLOCK = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];
const ALGORITHMS = ["aws:kms", "aws:kms:dsse", "AES256"];

export const s3BucketEncrypted: StackValidationPolicy = {
    name: "s3-bucket-encrypted",
    description: "Every S3 bucket has a server-side encryption configuration with aws:kms (or AES256) as its default.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const bucket of args.resources.filter(isS3Bucket)) {
            const inline = bucket.props.serverSideEncryptionConfiguration?.rule?.applyServerSideEncryptionByDefault?.sseAlgorithm;
            const algorithms = [
                ...(inline ? [inline] : []),
                ...settingsOf(bucket, args.resources, SSE).flatMap((c) => (c.props.rules ?? []).map((r: any) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm)),
            ];
            if (!algorithms.some((a) => ALGORITHMS.includes(a))) {
                reportViolation(`S3 bucket ${bucket.name} has no BucketServerSideEncryptionConfiguration with rules[].applyServerSideEncryptionByDefault.sseAlgorithm "aws:kms" (or "AES256"). ` +
                    "Add one for the bucket so objects are encrypted with a key you control.", bucket.urn);
            }
        }
    },
};

export const s3BucketVersioning: StackValidationPolicy = {
    name: "s3-bucket-versioning",
    description: "Every S3 bucket keeps object versions (BucketVersioning status Enabled), so an overwrite or delete of a backup can be undone.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const bucket of args.resources.filter(isS3Bucket)) {
            const enabled = bucket.props.versioning?.enabled === true ||
                settingsOf(bucket, args.resources, VERSIONING).some((v) => v.props.versioningConfiguration?.status === "Enabled");
            if (!enabled) {
                reportViolation(`S3 bucket ${bucket.name} has no BucketVersioning with versioningConfiguration.status "Enabled"; a deleted or overwritten backup could not be recovered. Add one.`, bucket.urn);
            }
        }
    },
};

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export const s3PublicAccessBlocked: StackValidationPolicy = {
    name: "s3-public-access-blocked",
    description: "Every S3 bucket has a BucketPublicAccessBlock with all four flags true.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const bucket of args.resources.filter(isS3Bucket)) {
            const blocks = settingsOf(bucket, args.resources, PUBLIC_ACCESS_BLOCK);
            if (blocks.length === 0) {
                reportViolation(`S3 bucket ${bucket.name} has no BucketPublicAccessBlock; add one with ${FLAGS.join(", ")} all true.`, bucket.urn);
                continue;
            }
            const off = FLAGS.filter((f) => !blocks.some((b) => b.props[f] === true));
            if (off.length > 0) {
                reportViolation(`S3 bucket ${bucket.name}'s BucketPublicAccessBlock leaves ${off.join(", ")} not true; set all four flags to true.`, bucket.urn);
            }
        }
    },
};
