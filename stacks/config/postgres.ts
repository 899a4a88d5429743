import { z } from "zod";
import { cronDescriptorFields, cronProblem, MIN_BACKUP_INTERVAL_MINUTES, minutesText, shortestCronGapMinutes } from "./schedule";
import { hasCredentialShape } from "./errors";
import { KNOWN_KEY_SHAPE, loopbackOrLinkLocal, meshClients, SECRET_IN_PLAIN_FIELD, secretToken, urlString } from "./primitives";
import { bucketNameProblem, s3EndpointProblems } from "./s3-endpoint";

/** The URL, or undefined for text that is none (the url check reports that one). */
function parsedUrl(text: string): URL | undefined {
    try {
        return new URL(text);
    } catch {
        return undefined;
    }
}

/**
 * CloudNativePG parses a ScheduledBackup's schedule with robfig/cron v1.2.0's `cron.Parse`
 * (cloudnative-pg v1.30.0 internal/webhook/v1/scheduledbackup_webhook.go L138, go.mod), whose
 * default parser takes six fields, seconds first, and the descriptors @yearly, @annually,
 * @monthly, @weekly, @daily, @midnight and @hourly (its parser.go `parseDescriptor`; sweep
 * s21-43). The config takes each as the six fields it stands for (schedule.ts
 * cronDescriptorFields), so every check and the ScheduledBackup see one form. `@every <duration>`
 * counts from when the operator last started, not from the clock, so no window or alert can be
 * reckoned from it: refused, with the reason.
 */
const SIX_FIELDS = /^(\S+\s+){5}\S+$/;

/** A Postgres base backup schedule as six cron fields, seconds first: a descriptor as the fields it stands for. */
export const postgresScheduleFields = (schedule: string): string => cronDescriptorFields(schedule, true);

/** A folder name in the bucket: what barman calls the server name. */
const serverName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: "must be lower-case letters, digits and dashes, such as postgres-2" });

/**
 * An RFC 3339 time with its zone (`2026-11-27T09:30:00Z`, `2026-11-27T10:30:00+01:00`), the form
 * CloudNativePG's `recoveryTarget.targetTime` documents; a zone-less time would silently be UTC
 * (cloudnative-pg/cloudnative-pg@v1.30.0:api/v1/cluster_types.go L2232-2235).
 */
const rfc3339 = z.string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, { message: "must be an RFC 3339 time with its zone, such as 2026-11-27T09:30:00Z" })
    // The offset as RFC 3339 allows it: hours 00-23, minutes 00-59 (Go's time.Parse, which CNPG uses, refuses others).
    .refine((v) => !/[+-]\d{2}:\d{2}$/.test(v) || /[+-]([01]\d|2[0-3]):[0-5]\d$/.test(v), { message: "has a zone offset past ±23:59; give the offset of a real zone, or Z" })
    .refine(realTime, { message: "is not a real time (check the month, day and hour)" })
    .refine((v) => !/^\d{4}/.test(v) || Number(v.slice(0, 4)) >= 2020, { message: "is before any backup of this stack could have been taken; give a moment after the first base backup (kubectl cnpg status lists the first recoverability point)" });

/**
 * Whether an RFC 3339 time names a moment that exists: JavaScript rolls 2026-02-30 over to
 * March 2, where CNPG's Go parser refuses it, so the fields must survive a round trip.
 */
function realTime(value: string): boolean {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(value);
    if (!match) return true;
    const [, y, mo, d, h, mi, s] = match.map(Number);
    // setUTCFullYear, as Date.UTC takes a year below 100 for 1900 + year (sweep s22 W3).
    const at = new Date(0);
    at.setUTCFullYear(y, mo - 1, d);
    at.setUTCHours(h, mi, s, 0);
    return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d && at.getUTCHours() === h && at.getUTCMinutes() === mi && at.getUTCSeconds() === s;
}

/** The databases the platform makes in the same Postgres: Langfuse's, the gateway's (stacks/inference.ts GATEWAY_DATABASE) and the chat UI's (stacks/apps.ts CHAT_DATABASE). */
export const PLATFORM_DATABASES: readonly string[] = ["langfuse", "litellm", "openwebui"];

/** Days of base backups and WAL kept, unless `platform.postgres.backup.retentionDays` says otherwise. */
export const POSTGRES_RETENTION_DAYS = 30;

/**
 * The writers of a stack's buckets, each under its own prefix `<name>/` (stacks/object-storage.ts
 * lockedConsumers, unlockedConsumers): Postgres's WAL and base backups, Vault's and Qdrant's
 * snapshots, Langfuse's blobs, k3s's etcd snapshots, ClickHouse's backups.
 */
export const BUCKET_CONSUMERS = ["postgres", "vault", "qdrant", "langfuse", "etcd", "clickhouse"] as const;
export type BucketConsumerName = (typeof BUCKET_CONSUMERS)[number];

/** One consumer's key to a bucket from config. */
const bucketKey = z.strictObject({
    accessKeyId: secretToken.describe("Access key (secret)."),
    secretAccessKey: secretToken.describe("Secret key (secret)."),
});

export const postgresSchema = z.strictObject({
    instances: z.number().int().min(1).max(5).default(1).describe("Postgres instances (more than 1: streaming replicas with failover)."),
    // The WAL shares this volume (no walStorage): PostgreSQL lets it grow to max_wal_size, 1 GB by
    // default (postgresql.org/docs/17/runtime-config-wal.html, read 2026-11-28), and CNPG keeps at
    // least wal_keep_size 512MB of it for replicas (cloudnative-pg/cloudnative-pg@v1.30.0
    // pkg/postgres/configuration.go L578): a 1 GB volume fills with WAL alone.
    storageGbs: z.number().int().min(1).max(1000).refine((v) => v >= 2, { message: "leaves no room for data: the write-ahead log alone grows to 1 GB on this volume (PostgreSQL's max_wal_size; CloudNativePG keeps at least 512 MB of it for replicas, wal_keep_size); give it 2 GB or more, 20 by default" }).default(20).describe("Storage per instance, GB (2 or more: the write-ahead log shares it)."),
    database: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: "must be a lower-case SQL identifier" })
        // PostgreSQL's own databases, which initdb makes: the application's must be one of its own.
        .refine((v) => !["postgres", "template0", "template1"].includes(v), { message: "is one of the databases initdb makes for PostgreSQL itself (postgres, template0, template1); the application needs a database of its own, such as app" })
        // The platform's own, each owned by its service's role: CloudNativePG would hand the
        // application's database to that role (cloudnative-pg@v1.30.0 database_controller_sql.go
        // L198-209, ALTER DATABASE … OWNER TO) and two schemas would share it (sweep s18 pf40).
        .refine((v) => !PLATFORM_DATABASES.includes(v), { error: (issue) => `is the platform's own ${String(issue.input)} database (the platform makes ${PLATFORM_DATABASES.join(", ")} for Langfuse, the gateway and the chat UI); the application needs a database of its own, such as app` })
        .default("app").describe("Application database (pgvector enabled)."),
    clients: meshClients
        .describe("More meshed service accounts (`namespace/name`) allowed to reach Postgres, beside the platform's own (e.g. groundwork-notebooks/notebook-user for notebooks)."),
    backup: z.strictObject({
        retentionDays: z.number().int().min(1).max(3650).default(POSTGRES_RETENTION_DAYS).describe("Days of base backups and WAL kept."),
        schedule: z.string()
            .refine((v) => !v.startsWith("@every"), { message: "is @every, which CloudNativePG counts from when its operator last started, not from the clock, so neither the upgrade window nor the stale-backup alert can be reckoned from it; give six cron fields, seconds first, e.g. \"0 0 3 * * *\", or @daily" })
            .refine((v) => v.startsWith("@every") || SIX_FIELDS.test(postgresScheduleFields(v)), { message: "must be a six-field cron expression, seconds first, e.g. \"0 0 3 * * *\", or one of @daily, @weekly, @monthly, @yearly, @hourly" })
            .refine((v) => !SIX_FIELDS.test(postgresScheduleFields(v)) || cronProblem(postgresScheduleFields(v), true) === undefined, {
                error: (issue) => `is impossible: ${cronProblem(postgresScheduleFields(String(issue.input)), true)}; e.g. "0 0 3 * * *" (second, minute, hour, day, month, weekday)`,
            })
            // A base backup is the whole database, and barman keeps each for the retention.
            .refine((v) => { const six = postgresScheduleFields(v); return !SIX_FIELDS.test(six) || cronProblem(six, true) !== undefined || shortestCronGapMinutes(six, true) >= MIN_BACKUP_INTERVAL_MINUTES; }, {
                error: (issue) => `takes a base backup ${minutesText(shortestCronGapMinutes(postgresScheduleFields(String(issue.input)), true))} after the one before; each is the whole database, so keep at least ${MIN_BACKUP_INTERVAL_MINUTES} minutes between two (WAL archiving covers the time between)`,
            })
            .overwrite(postgresScheduleFields)
            .default("0 0 3 * * *").describe("Base backup schedule: six-field cron, seconds first, or a descriptor such as @daily (CloudNativePG's parser)."),
        serverName: serverName.default("postgres")
            .describe("The folder under `postgres/` in the bucket this cluster archives its WAL and base backups to. A restored cluster archives to a new one (README, Postgres point-in-time recovery)."),
        s3: z.strictObject({
            endpointURL: urlString(/^https?$/, "must be the endpoint's http(s) URL, such as https://s3.eu-central-1.amazonaws.com")
                .refine((url) => !parsedUrl(url)?.hostname.startsWith("169.254."), { message: "is a link-local address, the instance metadata service's range, which no pod may reach; give the bucket's endpoint" })
                // Backups are written by pods (barman-cloud, the snapshot Jobs, ClickHouse): loopback is each of them (sweep s27 M2).
                .refine((url) => parsedUrl(url)?.hostname.startsWith("169.254.") || !loopbackOrLinkLocal(url), { message: "points at loopback or link-local, which is each backup pod itself or its own link, never the bucket; give the endpoint's address as the pods reach it (a node's address or a DNS name)" })
                // The cluster is IPv4 only, and a mapped address (::ffff:169.254.169.254) would pass the check above.
                .refine((url) => !parsedUrl(url)?.hostname.startsWith("["), { message: "is an IPv6 address, which the cluster's IPv4 network cannot reach; give a name or an IPv4 address" })
                // The URL is plain config, written into the ObjectStore and the plan: keys go in accessKeyId/secretAccessKey.
                .refine((url) => !parsedUrl(url)?.username && !parsedUrl(url)?.password, { message: "carries a user name or password, which would be stored in plain text; put the key in accessKeyId and secretAccessKey" })
                // An endpoint is a scheme, a host and a port: a query or fragment (a presigned URL's
                // X-Amz-Credential and X-Amz-Signature) would be stored in plain text, and ignored.
                .refine((url) => !parsedUrl(url)?.search && !parsedUrl(url)?.hash, { message: "has a query or fragment, which an S3 endpoint never has (a presigned URL's would be stored in plain text); give the endpoint alone, such as https://s3.eu-central-1.amazonaws.com" })
                .describe("S3-compatible endpoint; the pods that write to it may reach its address (or, for a name, any address) on its port, and nothing else outside the cluster."),
            // Its provider's naming rules, judged with the endpoint below (s3-endpoint.ts bucketNameProblem).
            bucket: z.string()
                // Written into every backup client's settings and the ObjectStore: no key's shape (sweep s33 L1).
                .refine((v) => !hasCredentialShape(v), { message: SECRET_IN_PLAIN_FIELD("a bucket name", "the bucket's name is written in plain text into every backup client's settings", KNOWN_KEY_SHAPE) })
                .describe("Bucket."),
            region: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: "must be the bucket's region name for request signing, such as us-east-1 (lower-case letters, digits and '-')" }).describe("Region for request signing."),
            accessKeyId: secretToken.optional().describe("Access key of every consumer without one of its own in `keys` (secret)."),
            secretAccessKey: secretToken.optional().describe("Secret key beside `accessKeyId` (secret)."),
            keys: z.partialRecord(z.enum(BUCKET_CONSUMERS), bucketKey).optional()
                .describe(`Each consumer's own key (${BUCKET_CONSUMERS.join(", ")}), limited by the bucket's owner to the consumer's prefix (\`<consumer>/\`): README, "A bucket from config" (secret).`),
        }).superRefine((s3, ctx) => {
            const badName = bucketNameProblem(s3.bucket, s3.endpointURL);
            if (badName) ctx.addIssue({ code: "custom", path: ["bucket"], message: badName });
            for (const problem of s3EndpointProblems(s3)) ctx.addIssue({ code: "custom", path: [problem.key], message: problem.message });
            for (const problem of bucketKeyProblems(s3)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
        }).optional().describe("An existing S3-compatible bucket; required on edge-only stacks (cloud stacks create their own)."),
    }).default({ retentionDays: POSTGRES_RETENTION_DAYS, schedule: "0 0 3 * * *", serverName: "postgres" }).describe("Continuous backups to object storage."),
    restore: z.strictObject({
        fromServerName: serverName.default("postgres").describe("The folder under `postgres/` to restore from: the lost cluster's `backup.serverName`."),
        targetTime: rfc3339.refine((v) => !(Date.parse(v) > Date.now()), { message: "is in the future: recovery would end before reaching it (PostgreSQL refuses to promote); give a moment in the past" }).optional().describe("Replay WAL up to this moment (RFC 3339, with its zone); without it, to the last archived WAL."),
    }).optional().describe("Create the cluster from its backups instead of empty: only when the cluster does not exist (README, Postgres point-in-time recovery)."),
}).superRefine((postgres, ctx) => {
    if (!postgres.restore) return;
    // Base backups and WAL older than the retention are deleted (barman-cloud's retention policy):
    // a time before them has no base backup to start from (sweep s22b24).
    const target = postgres.restore.targetTime === undefined ? NaN : Date.parse(postgres.restore.targetTime);
    const oldest = Date.now() - postgres.backup.retentionDays * 86_400_000;
    if (target < oldest) {
        ctx.addIssue({
            code: "custom", path: ["restore", "targetTime"],
            message: `is older than the backups kept (backup.retentionDays ${postgres.backup.retentionDays}: nothing from before ${new Date(oldest).toISOString().slice(0, 10)} is left), so no base backup reaches it; give a later time (kubectl cnpg status lists the first recoverability point)`,
        });
    }
    const from = generationOf(postgres.restore.fromServerName);
    const to = generationOf(postgres.backup.serverName);
    const next = `${from.base}-${from.n + 1}`;
    if (postgres.restore.fromServerName === postgres.backup.serverName) {
        ctx.addIssue({
            code: "custom", path: ["restore"],
            message: `reads the folder "${postgres.restore.fromServerName}", which is also backup.serverName: the restored cluster would archive over the backups it restores from; set platform.postgres.backup.serverName to a new folder, such as ${next}`,
        });
    } else if (to.base === from.base && to.n < from.n) {
        // An earlier generation's folder still holds its archive until someone deletes it, and
        // CloudNativePG refuses to archive a new cluster into a folder that is not empty ("Expected
        // empty archive": cloudnative-pg/cloudnative-pg#6137; sweep s19-18).
        ctx.addIssue({
            code: "custom", path: ["backup", "serverName"],
            message: `makes the restored cluster archive to "${postgres.backup.serverName}", the folder of a cluster before "${postgres.restore.fromServerName}", which holds that cluster's archive until someone deletes it; CloudNativePG archives a restored cluster only into an empty folder, so folders are never reused here: set a new one, such as ${next}`,
        });
    }
});

/** A backup folder's name as `<base>-<n>`, the generation the restore runbook counts up (`postgres` is generation 1). */
function generationOf(serverName: string): { base: string; n: number } {
    const m = /^(.*)-(\d+)$/.exec(serverName);
    return m ? { base: m[1], n: Number(m[2]) } : { base: serverName, n: 1 };
}

export type PostgresConfig = z.infer<typeof postgresSchema>;

/** An AWS access key id: AKIA (long-lived) or ASIA (temporary) and 16 capitals or digits (docs.aws.amazon.com IAM "Understanding unique ID prefixes", read 2026-11-29). */
const AWS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{16}$/;

/** What is wrong with a bucket's keys: a half key, a consumer with none. Values are never shown. */
export function bucketKeyProblems(s3: { accessKeyId?: unknown; secretAccessKey?: unknown; keys?: Partial<Record<BucketConsumerName, unknown>> }): { path: string[]; message: string }[] {
    const problems: { path: string[]; message: string }[] = [];
    if ((s3.accessKeyId === undefined) !== (s3.secretAccessKey === undefined)) {
        const missing = s3.accessKeyId === undefined ? "accessKeyId" : "secretAccessKey";
        problems.push({ path: [missing], message: `is missing beside ${missing === "accessKeyId" ? "secretAccessKey" : "accessKeyId"}: a key is the pair` });
    }
    const keyless = BUCKET_CONSUMERS.filter((c) => s3.keys?.[c] === undefined);
    if (s3.accessKeyId === undefined && s3.secretAccessKey === undefined && keyless.length > 0) {
        problems.push({ path: ["keys"], message: `gives no key to ${keyless.join(", ")}; give each its own (keys.${keyless[0]}.accessKeyId and .secretAccessKey), or accessKeyId and secretAccessKey for every consumer without one` });
    }
    return problems;
}

/**
 * One access key given to two consumers of a bucket from config, as the stack file has them (the
 * parsed values are secrets, which cannot be compared): each pair of places, the later one first.
 * One key in two places gives both consumers each other's prefix. Values are never shown.
 */
export function sameBucketKeyProblems(rawS3: unknown): { path: string[]; message: string }[] {
    if (rawS3 === null || typeof rawS3 !== "object") return [];
    const s3 = rawS3 as { accessKeyId?: unknown; secretAccessKey?: unknown; keys?: Record<string, { accessKeyId?: unknown; secretAccessKey?: unknown } | undefined> };
    const places: [string, unknown][] = [["accessKeyId", s3.accessKeyId], ...BUCKET_CONSUMERS.map((c): [string, unknown] => [`keys.${c}.accessKeyId`, s3.keys?.[c]?.accessKeyId])];
    const seen = new Map<string, string>();
    const problems: { path: string[]; message: string }[] = [];
    // The id pasted twice: no such pair signs a request (sweep s18 bk10).
    const pairs: [string, unknown, unknown][] = [["secretAccessKey", s3.accessKeyId, s3.secretAccessKey], ...BUCKET_CONSUMERS.map((c): [string, unknown, unknown] => [`keys.${c}.secretAccessKey`, s3.keys?.[c]?.accessKeyId, s3.keys?.[c]?.secretAccessKey])];
    for (const [where, id, secret] of pairs) {
        if (typeof id === "string" && id.trim() !== "" && typeof secret === "string" && secret.trim() === id.trim()) {
            problems.push({ path: where.split("."), message: "is its own access key id again, the id pasted twice: no such pair signs a request; give the secret the provider showed beside the id" });
        } else if (typeof id === "string" && typeof secret === "string" && AWS_KEY_ID.test(secret.trim()) && !AWS_KEY_ID.test(id.trim())) {
            // The pair pasted the wrong way round (sweep s19-15).
            problems.push({ path: where.split("."), message: "has the shape of an access key id (AKIA or ASIA and 16 capitals or digits), and the accessKeyId beside it does not: the two are swapped; give the id as accessKeyId and the secret as secretAccessKey" });
        }
    }
    for (const [where, id] of places) {
        if (typeof id !== "string" || id.trim() === "") continue;
        const first = seen.get(id.trim());
        if (first === undefined) {
            seen.set(id.trim(), where);
        } else {
            problems.push({ path: where.split("."), message: `is the same key as ${first}: each consumer needs a key of its own, limited to its prefix, or one can overwrite or delete the other's backups` });
        }
    }
    return problems;
}

/** The settings a stack without a `platform.postgres` key gets. */
export const POSTGRES_DEFAULTS: PostgresConfig = postgresSchema.parse({});
