import * as pulumi from "@pulumi/pulumi";
import * as oci from "@pulumi/oci";
import { BucketConsumer } from "../object-storage";
import { NO_ROLE_TAG, POD_NO_ROLE } from "../workload-credentials";

export interface OciBackupBucketArgs {
    compartmentId: pulumi.Input<string>;
    /** The tenancy: users and groups live in its root compartment. */
    tenancyId: pulumi.Input<string>;
    region: string;
    consumers: BucketConsumer[];
    /** How long a deleted or overwritten object's previous version stays recoverable before the lifecycle removes it. */
    deletedKeptDays: number;
}

/**
 * The IAM statements of one consumer's group (OCI policy syntax; variables and permissions from
 * docs.oracle.com iaas/Content/Identity/Reference/objectstoragepolicyreference.htm, read 2026-11-27):
 * - `read buckets` on this bucket: the S3 API's HeadBucket (barman-cloud calls it before every command);
 * - `inspect objects` on this bucket: listings, which carry no object name to condition on;
 * - `manage objects` only where `target.object.name` matches the consumer's prefix (the quoted
 *   pattern form of Oracle's examples, `'prod/*'`): read and write under it, nothing elsewhere (a
 *   leaked Langfuse key reads no database backup), and never `DeleteObjectVersion`, so a key can
 *   hide an object behind a delete marker but not destroy a version
 *   (docs.oracle.com iaas/Content/Identity/Concepts/commonpolicies.htm). A consumer whose objects the
 *   lifecycle expires cannot delete at all (`request.permission != 'OBJECT_DELETE'`). Whether S3's
 *   DeleteObject with a versionId maps to `DeleteObjectVersion` is not verified (read 2026-11-27).
 */
export function consumerStatements(group: string, compartmentId: string, bucket: string, consumer: Pick<BucketConsumer, "prefix" | "retention">): string[] {
    const where = `target.bucket.name = '${bucket}'`;
    const noDelete = consumer.retention === "own" || consumer.retention.deletes ? "" : ", request.permission != 'OBJECT_DELETE'";
    return [
        `Allow group ${group} to read buckets in compartment id ${compartmentId} where ${where}`,
        `Allow group ${group} to inspect objects in compartment id ${compartmentId} where ${where}`,
        `Allow group ${group} to manage objects in compartment id ${compartmentId} where all {${where}, target.object.name = '${consumer.prefix}*', request.operation != 'DeleteObjectVersion'${noDelete}}`,
    ];
}

/**
 * The bucket's lifecycle rules: objects of consumers that keep no retention of their own are
 * deleted after their days (on a versioned bucket, hidden behind a marker); every previous version
 * goes deletedKeptDays later; abandoned multipart uploads after a day.
 */
export function ociLifecycleRules(consumers: BucketConsumer[], deletedKeptDays: number): oci.types.input.ObjectStorage.ObjectLifecyclePolicyRule[] {
    return [
        { name: "deleted-versions-kept-then-removed", action: "DELETE", target: "previous-object-versions", timeAmount: String(deletedKeptDays), timeUnit: "DAYS", isEnabled: true },
        { name: "abandoned-uploads", action: "ABORT", target: "multipart-uploads", timeAmount: "1", timeUnit: "DAYS", isEnabled: true },
        ...consumers.flatMap((c) => (c.retention === "own" ? [] : [{
            name: `${c.name}-expires-after-${c.retention.days}-days`,
            action: "DELETE",
            target: "objects",
            timeAmount: String(c.retention.days),
            timeUnit: "DAYS",
            isEnabled: true,
            objectNameFilter: { inclusionPrefixes: [c.prefix] },
        }])),
    ];
}

/**
 * A private, versioned Object Storage bucket for backups and blobs, reached through OCI's
 * S3-compatible endpoint (path-style). Each consumer gets its own IAM user, made by the stack, with
 * no console password, API key, auth token or SMTP credential allowed (its Customer Secret Key is
 * its one credential), in its own
 * group whose policy reaches only its prefix: not the deployer's user, whose key would carry all
 * of the deployer's rights. Always Free includes 20 GB of Object Storage; IAM costs nothing. The
 * bucket is kept if the stack is deleted. Users, groups and policies are made through the home
 * region's endpoint: the stack's region must be the home region, as Always-Free A1 capacity is.
 * Sources: OCI docs "Amazon S3 Compatibility API", "Managing User Capabilities" and "Always Free
 * Resources"; terraform-provider-oci identity_customer_secret_key (read 2026-11-25 and 2026-11-27).
 */
export class OciBackupBucket extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    public readonly endpointURL: pulumi.Output<string>;
    public readonly region: string;
    /** Each consumer's S3-compatible key (secret), by consumer name. */
    public readonly credentials: Record<string, { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> }> = {};

    constructor(name: string, args: OciBackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:oci:BackupBucket", name, {}, opts);
        const parent = { parent: this };
        const stack = pulumi.getStack();
        const namespace = oci.objectstorage.getNamespaceOutput({ compartmentId: args.compartmentId }, parent).namespace;
        const bucket = new oci.objectstorage.Bucket(name, {
            compartmentId: args.compartmentId,
            namespace,
            name: `${name}-${stack}`,
            accessType: "NoPublicAccess",
            versioning: "Enabled",
            storageTier: "Standard",
        }, { parent: this, retainOnDelete: true });
        // Consumers cannot delete a version (no DeleteObjectVersion): only this lifecycle does, after
        // deletedKeptDays; abandoned multipart uploads go after a day. Object Storage acts on the
        // bucket as a service, which a policy must allow (docs.oracle.com iaas/Content/Object/Tasks/usinglifecyclepolicies.htm, read 2026-11-27).
        const lifecycleGrant = new oci.identity.Policy(`${name}-lifecycle`, {
            compartmentId: args.compartmentId,
            name: `groundwork-${stack}-${name}-lifecycle`,
            description: `Groundwork ${stack}: Object Storage applies ${name}-${stack}'s lifecycle`,
            statements: pulumi.output(args.compartmentId).apply((compartment) => [
                `Allow service objectstorage-${args.region} to manage object-family in compartment id ${compartment} where target.bucket.name = '${name}-${stack}'`,
            ]),
        }, parent);
        new oci.objectstorage.ObjectLifecyclePolicy(name, {
            namespace,
            bucket: bucket.name,
            rules: ociLifecycleRules(args.consumers, args.deletedKeptDays),
        }, { parent: this, dependsOn: [lifecycleGrant] });
        for (const consumer of args.consumers) {
            const id = `${name}-${consumer.name}`;
            const principal = `groundwork-${stack}-${id}`;
            const user = new oci.identity.User(id, {
                compartmentId: args.tenancyId,
                name: principal,
                description: `Groundwork ${stack}: ${consumer.name}'s key to ${name}-${stack}/${consumer.prefix}`,
                freeformTags: { [NO_ROLE_TAG]: POD_NO_ROLE },
            }, parent);
            new oci.identity.UserCapabilitiesManagement(id, {
                userId: user.id,
                canUseApiKeys: false,
                canUseAuthTokens: false,
                canUseConsolePassword: false,
                canUseCustomerSecretKeys: true,
                canUseSmtpCredentials: false,
            }, parent);
            const group = new oci.identity.Group(id, {
                compartmentId: args.tenancyId,
                name: principal,
                description: `Groundwork ${stack}: ${consumer.name}, ${consumer.prefix} of ${name}-${stack} only`,
            }, parent);
            new oci.identity.UserGroupMembership(id, { userId: user.id, groupId: group.id }, parent);
            new oci.identity.Policy(id, {
                compartmentId: args.compartmentId,
                name: principal,
                description: `Groundwork ${stack}: ${consumer.name} reads and writes ${consumer.prefix} of ${name}-${stack}`,
                statements: pulumi.output(args.compartmentId).apply((compartment) => consumerStatements(principal, compartment, `${name}-${stack}`, consumer)),
            }, parent);
            const key = new oci.identity.CustomerSecretKey(id, {
                userId: user.id,
                displayName: `${principal} (S3-compatible)`,
            }, { parent: this, additionalSecretOutputs: ["key"] });
            this.credentials[consumer.name] = { accessKeyId: pulumi.secret(key.id), secretAccessKey: pulumi.secret(key.key) };
        }
        this.bucket = bucket.name;
        this.endpointURL = pulumi.interpolate`https://${namespace}.compat.objectstorage.${args.region}.oraclecloud.com`;
        this.region = args.region;
        this.registerOutputs({ bucket: this.bucket });
    }
}
