import * as pulumi from "@pulumi/pulumi";
import * as identity from "@pulumi/oci/identity";
import * as objectstorage from "@pulumi/oci/objectstorage";
import * as ociInputs from "@pulumi/oci/types/input";
import * as time from "@pulumiverse/time";
import { BucketConsumer } from "../object-storage";
import { NO_ROLE_TAG, OCI_POD_NO_ROLE } from "../workload-credentials";

export interface OciBackupBucketArgs {
    compartmentId: pulumi.Input<string>;
    /** The tenancy: users and groups live in its root compartment. */
    tenancyId: pulumi.Input<string>;
    region: string;
    consumers: BucketConsumer[];
    /**
     * A versioned bucket: how long a deleted or overwritten object's previous version stays
     * recoverable before the lifecycle removes it. Give this or `retention`, not both.
     */
    deletedKeptDays?: number;
    /**
     * An unversioned bucket under a time-bound retention rule instead: OCI refuses retention rules
     * on a versioned bucket. Give this or `deletedKeptDays`, not both.
     */
    retention?: OciRetention;
    /**
     * Objects the lifecycle removes by age beyond the consumers' own rules, each by a rule named
     * `<name>-expires-after-<days>-days`: what writers that moved to another bucket left here, and a
     * backstop for a writer whose own deletes the endpoint refuses.
     */
    expire?: { name: string; prefix: string; days: number }[];
}

/**
 * OCI's retention rule: no object in the bucket can be overwritten or deleted until `days` after
 * it was last modified, whoever asks; Lifecycle Management cannot remove it either. A locked rule
 * binds the tenancy's administrators and Oracle Support too, can then only be lengthened, and goes
 * only with the bucket, which must first be empty. OCI locks a rule no sooner than 14 days after
 * it is set (docs.oracle.com iaas/Content/Object/Tasks/usingretentionrules.htm, updated 2025-03-04,
 * read 2026-11-28 through jacklty/oci_doc_crawler@8e7bbd7).
 */
export interface OciRetention {
    days: number;
    /**
     * Lock the rule `RULE_LOCK_DELAY_DAYS` after the bucket is made (`compliance`); unlocked, a
     * principal holding RETENTION_RULE_MANAGE can delete the rule (`governance`).
     */
    locked: boolean;
}

/** Days between setting the rule and its lock: OCI's 14-day minimum, and one more for a slow `up`. */
export const RULE_LOCK_DELAY_DAYS = 15;

/**
 * The IAM statements of one consumer's group (OCI policy syntax; variables and permissions from
 * Oracle's "Details for Object Storage and Archive Storage", docs.oracle.com
 * iaas/Content/Identity/Reference/objectstoragepolicyreference.htm, updated 2025-02-21, read
 * 2026-11-30 in the copy jacklty/oci_doc_crawler@8e7bbd7 L43, L67-68):
 * - `read buckets` on this bucket: the S3 API's HeadBucket (barman-cloud calls it before every command);
 * - `inspect objects` on this bucket: listings, which carry no object name to condition on;
 * - `manage objects` only where `target.object.name` matches the consumer's prefix (the quoted
 *   pattern form of Oracle's examples, `'prod/*'`): read and write under it, nothing elsewhere (a
 *   leaked Langfuse key reads no database backup). `manage` holds OBJECT_VERSION_DELETE, the
 *   permission of DeleteObjectVersion (a DeleteObject with a `versionId`), apart from OBJECT_DELETE:
 *   no key has it (`request.permission != 'OBJECT_VERSION_DELETE'`), so a delete only hides a version
 *   behind a marker and the lifecycle alone destroys one (upstream review s29 U29-1, correcting
 *   security review s23 F1, which found no such name). The `request.operation` clause says the
 *   same in the operation's name. A consumer whose objects the lifecycle expires cannot delete at
 *   all (`request.permission != 'OBJECT_DELETE'`). Not yet tried in a tenancy (README, Backups).
 */
export function consumerStatements(group: string, compartmentId: string, bucket: string, consumer: Pick<BucketConsumer, "prefix" | "retention">): string[] {
    const where = `target.bucket.name = '${bucket}'`;
    const noDelete = consumer.retention === "own" || consumer.retention.deletes ? "" : ", request.permission != 'OBJECT_DELETE'";
    return [
        `Allow group ${group} to read buckets in compartment id ${compartmentId} where ${where}`,
        `Allow group ${group} to inspect objects in compartment id ${compartmentId} where ${where}`,
        `Allow group ${group} to manage objects in compartment id ${compartmentId} where all {${where}, target.object.name = '${consumer.prefix}*', request.operation != 'DeleteObjectVersion', request.permission != 'OBJECT_VERSION_DELETE'${noDelete}}`,
    ];
}

/**
 * The bucket's lifecycle rules: objects of consumers that keep no retention of their own, and those
 * `expire` names, are deleted after their days (on a versioned bucket, hidden behind a marker);
 * on a versioned bucket every previous version goes deletedKeptDays later; abandoned multipart
 * uploads after a day.
 */
export function ociLifecycleRules(consumers: BucketConsumer[], { deletedKeptDays, expire = [] }: Pick<OciBackupBucketArgs, "deletedKeptDays" | "expire">): ociInputs.ObjectStorage.ObjectLifecyclePolicyRule[] {
    const expiry = (name: string, prefix: string, days: number) => ({
        name: `${name}-expires-after-${days}-days`,
        action: "DELETE",
        target: "objects",
        timeAmount: String(days),
        timeUnit: "DAYS",
        isEnabled: true,
        objectNameFilter: { inclusionPrefixes: [prefix] },
    });
    return [
        ...(deletedKeptDays === undefined ? [] : [{ name: "deleted-versions-kept-then-removed", action: "DELETE", target: "previous-object-versions", timeAmount: String(deletedKeptDays), timeUnit: "DAYS", isEnabled: true }]),
        { name: "abandoned-uploads", action: "ABORT", target: "multipart-uploads", timeAmount: "1", timeUnit: "DAYS", isEnabled: true },
        ...consumers.flatMap((c) => (c.retention === "own" ? [] : [expiry(c.name, c.prefix, c.retention.days)])),
        ...expire.map((e) => expiry(e.name, e.prefix, e.days)),
    ];
}

/**
 * What a bucket's arguments cannot be: both or neither of versioning and a retention rule, and a
 * lifecycle that would expire a consumer's objects before the rule lets anything go.
 */
export function ociBucketArgsProblems(name: string, args: Pick<OciBackupBucketArgs, "deletedKeptDays" | "retention" | "consumers">): string[] {
    if ((args.deletedKeptDays === undefined) === (args.retention === undefined)) {
        return [`bucket ${name}: give deletedKeptDays (a versioned bucket) or retention (a retention rule), exactly one: OCI refuses retention rules on a versioned bucket`];
    }
    const rule = args.retention;
    if (!rule) return [];
    return args.consumers.flatMap((c) => (c.retention !== "own" && c.retention.days < rule.days
        ? [`bucket ${name}: ${c.name}'s objects expire after ${c.retention.days} days but the retention rule holds every object ${rule.days}; make the rule no longer than the shortest retention`]
        : []));
}

/**
 * A private Object Storage bucket for backups and blobs, versioned or under a retention rule, reached through OCI's
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
        const problems = ociBucketArgsProblems(name, args);
        if (problems.length > 0) throw new Error(problems.join("; "));
        const parent = { parent: this };
        const stack = pulumi.getStack();
        const namespace = objectstorage.getNamespaceOutput({ compartmentId: args.compartmentId }, parent).namespace;
        const bucket = new objectstorage.Bucket(name, {
            compartmentId: args.compartmentId,
            namespace,
            name: `${name}-${stack}`,
            accessType: "NoPublicAccess",
            versioning: args.retention ? "Disabled" : "Enabled",
            retentionRules: args.retention ? [retentionRule(name, args.retention, this)] : undefined,
            storageTier: "Standard",
        }, { parent: this, retainOnDelete: true });
        // Versioned: the lifecycle removes previous versions after deletedKeptDays; a consumer that
        // may delete at all can likely remove one sooner (consumerStatements). Under a retention rule nothing is deleted before its days,
        // and the lifecycle's expiries are never shorter. Abandoned multipart uploads go after a day
        // (the rule does not cover them). Object Storage acts on the
        // bucket as a service, which a policy must allow (docs.oracle.com iaas/Content/Object/Tasks/usinglifecyclepolicies.htm, read 2026-11-27).
        const lifecycleGrant = new identity.Policy(`${name}-lifecycle`, {
            compartmentId: args.compartmentId,
            name: `groundwork-${stack}-${name}-lifecycle`,
            description: `Groundwork ${stack}: Object Storage applies ${name}-${stack}'s lifecycle`,
            statements: pulumi.output(args.compartmentId).apply((compartment) => [
                `Allow service objectstorage-${args.region} to manage object-family in compartment id ${compartment} where target.bucket.name = '${name}-${stack}'`,
            ]),
        }, parent);
        new objectstorage.ObjectLifecyclePolicy(name, {
            namespace,
            bucket: bucket.name,
            rules: ociLifecycleRules(args.consumers, args),
        }, { parent: this, dependsOn: [lifecycleGrant] });
        for (const consumer of args.consumers) {
            const id = `${name}-${consumer.name}`;
            const principal = `groundwork-${stack}-${id}`;
            const user = new identity.User(id, {
                compartmentId: args.tenancyId,
                name: principal,
                description: `Groundwork ${stack}: ${consumer.name}'s key to ${name}-${stack}/${consumer.prefix}`,
                freeformTags: { [NO_ROLE_TAG]: OCI_POD_NO_ROLE },
            }, parent);
            new identity.UserCapabilitiesManagement(id, {
                userId: user.id,
                canUseApiKeys: false,
                canUseAuthTokens: false,
                canUseConsolePassword: false,
                canUseCustomerSecretKeys: true,
                canUseSmtpCredentials: false,
            }, parent);
            const group = new identity.Group(id, {
                compartmentId: args.tenancyId,
                name: principal,
                description: `Groundwork ${stack}: ${consumer.name}, ${consumer.prefix} of ${name}-${stack} only`,
            }, parent);
            new identity.UserGroupMembership(id, { userId: user.id, groupId: group.id }, parent);
            new identity.Policy(id, {
                compartmentId: args.compartmentId,
                name: principal,
                description: `Groundwork ${stack}: ${consumer.name} reads and writes ${consumer.prefix} of ${name}-${stack}`,
                statements: pulumi.output(args.compartmentId).apply((compartment) => consumerStatements(principal, compartment, `${name}-${stack}`, consumer)),
            }, parent);
            const key = new identity.CustomerSecretKey(id, {
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

/**
 * The bucket's one retention rule for `retention`, matched by its display name: the provider
 * updates a rule of the same name in place (a longer duration; OCI refuses a shorter one once the
 * rule is locked) and replaces one whose name changed (oracle/terraform-provider-oci
 * internal/service/objectstorage/objectstorage_bucket_resource.go `categorizeRetentionRules`, read
 * 2026-11-28). Unlocked, it has no lock time. Locked, the lock time is taken once, by a time offset
 * made with the rule, and kept in the state, so later runs do not move it (the provider would
 * otherwise see a new rule): the offset's base is "the current time" when it is made, then read
 * back from the state (hashicorp/terraform-provider-time@v0.12.1:
 * internal/provider/resource_time_offset.go L73-81, L214-221), the version
 * pulumiverse/pulumi-time@v0.1.1 bridges (provider/go.mod L87). @pulumiverse/time 0.1.1 is the one
 * version on npm (`npm view @pulumiverse/time versions`, read 2026-11-28); its plugin comes from
 * github://api.github.com/pulumiverse/pulumi-time.
 */
function retentionRule(name: string, retention: OciRetention, parent: pulumi.Resource): ociInputs.ObjectStorage.BucketRetentionRule {
    return {
        displayName: `${name}-kept-unchanged`,
        duration: { timeAmount: String(retention.days), timeUnit: "DAYS" },
        timeRuleLocked: retention.locked
            ? new time.Offset(`${name}-retention-lock`, { offsetDays: RULE_LOCK_DELAY_DAYS }, { parent }).rfc3339
            : undefined,
    };
}
