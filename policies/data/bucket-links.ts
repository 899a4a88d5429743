import { PolicyResource } from "@pulumi/policy";

/**
 * Whether `child` (a BucketPublicAccessBlock, BucketVersioning, BucketServerSideEncryptionConfiguration…)
 * configures `bucket`. In a real preview the engine records the dependency on the bucket; the
 * child's `bucket` input is the bucket's id, unknown before the first `up`. So match, in order:
 * a dependency on the bucket; the same explicit bucket name; or, when the id is not known, the
 * same parent and logical name (how a component wraps a bucket with its settings).
 */
export function configures(child: PolicyResource, bucket: PolicyResource): boolean {
    if ((child.dependencies ?? []).some((d) => d.urn === bucket.urn)) return true;
    const target = child.props.bucket;
    const bucketName = bucket.props.bucket ?? bucket.props.id;
    if (typeof target === "string" && typeof bucketName === "string" && target === bucketName) return true;
    const sameParent = child.parent?.urn !== undefined && child.parent?.urn === bucket.parent?.urn;
    return sameParent && child.name === bucket.name;
}

export const S3_BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const isS3Bucket = (r: PolicyResource) => S3_BUCKET_TYPES.includes(r.type);

/** The resources of one of `types` that configure `bucket`. */
export const settingsOf = (bucket: PolicyResource, all: PolicyResource[], types: string[]) =>
    all.filter((r) => types.includes(r.type) && configures(r, bucket));
