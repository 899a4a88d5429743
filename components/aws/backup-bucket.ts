import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * A private, encrypted, versioned S3 bucket for database backups, and an IAM user that can only
 * read and write it (k3s pods have no instance role). The bucket is kept if the stack is deleted.
 */
export class AwsBackupBucket extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    public readonly endpointURL: pulumi.Output<string>;
    public readonly region: string;
    public readonly accessKeyId: pulumi.Output<string>;
    public readonly secretAccessKey: pulumi.Output<string>;

    constructor(name: string, args: { region: string }, opts?: pulumi.ComponentResourceOptions) {
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
        const user = new aws.iam.User(name, { path: "/groundwork/" }, parent);
        new aws.iam.UserPolicy(name, {
            user: user.name,
            policy: bucket.arn.apply((arn) => JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: arn },
                    { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${arn}/*` },
                ],
            })),
        }, parent);
        const key = new aws.iam.AccessKey(name, { user: user.name }, parent);
        this.bucket = bucket.bucket;
        this.endpointURL = pulumi.output(`https://s3.${args.region}.amazonaws.com`);
        this.region = args.region;
        this.accessKeyId = pulumi.secret(key.id);
        this.secretAccessKey = pulumi.secret(key.secret);
        this.registerOutputs({ bucket: this.bucket });
    }
}
