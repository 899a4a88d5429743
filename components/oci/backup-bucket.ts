import * as pulumi from "@pulumi/pulumi";
import * as oci from "@pulumi/oci";

export interface OciBackupBucketArgs {
    compartmentId: pulumi.Input<string>;
    region: string;
    /** The user whose Customer Secret Key (S3-compatible credentials) backups use. */
    userId: pulumi.Input<string>;
}

/**
 * A private, versioned Object Storage bucket for database backups, reached through OCI's
 * S3-compatible endpoint (path-style) with a Customer Secret Key. Always Free includes 20 GB of
 * Object Storage. The bucket is kept if the stack is deleted.
 * Sources: OCI docs "Amazon S3 Compatibility API" and "Always Free Resources"; terraform-provider-oci
 * identity_customer_secret_key (read 2026-11-25).
 */
export class OciBackupBucket extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    public readonly endpointURL: pulumi.Output<string>;
    public readonly region: string;
    public readonly accessKeyId: pulumi.Output<string>;
    public readonly secretAccessKey: pulumi.Output<string>;

    constructor(name: string, args: OciBackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:oci:BackupBucket", name, {}, opts);
        const namespace = oci.objectstorage.getNamespaceOutput({ compartmentId: args.compartmentId }, { parent: this }).namespace;
        const bucket = new oci.objectstorage.Bucket(name, {
            compartmentId: args.compartmentId,
            namespace,
            name: pulumi.interpolate`${name}-${pulumi.getStack()}`,
            accessType: "NoPublicAccess",
            versioning: "Enabled",
            storageTier: "Standard",
        }, { parent: this, retainOnDelete: true });
        const key = new oci.identity.CustomerSecretKey(name, {
            userId: args.userId,
            displayName: pulumi.interpolate`${name}-${pulumi.getStack()} backups`,
        }, { parent: this, additionalSecretOutputs: ["key"] });
        this.bucket = bucket.name;
        this.endpointURL = pulumi.interpolate`https://${namespace}.compat.objectstorage.${args.region}.oraclecloud.com`;
        this.region = args.region;
        this.accessKeyId = pulumi.secret(key.id);
        this.secretAccessKey = pulumi.secret(key.key);
        this.registerOutputs({ bucket: this.bucket });
    }
}
