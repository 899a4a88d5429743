import { z } from "zod";
import { cronJobFields, cronProblem, fiveFieldCron, longestCronGapHours, MIN_BACKUP_INTERVAL_MINUTES, minutesText, shortestCronGapMinutes } from "./schedule";

/** Hours between k3s snapshots: a divisor of 24, so `0 *\/N * * *` fires evenly around the clock. */
const SNAPSHOT_HOURS = [1, 2, 3, 4, 6, 8, 12, 24] as const;

/**
 * The longest etcd retention: k3s lists the snapshot folder and sends a HEAD for every object in
 * it on each reconcile, every 10 minutes on every server (k3s-io/k3s@v1.34.9+k3s1 (5f72184f):
 * pkg/etcd/s3/s3.go L489-501, pkg/cli/cmds/server.go L402-407).
 */
export const ETCD_MAX_RETENTION_DAYS = 31;

/** Hours of snapshots a server keeps on its own disk: the bucket holds the rest. */
export const LOCAL_SNAPSHOT_HOURS = 48;

/** What each scheduled store takes, as messages name it. */
export const STORE_BACKUP_NAMES = { vault: "a Vault Raft snapshot", qdrant: "a Qdrant storage snapshot", clickhouse: "a full ClickHouse backup" } as const;

const retentionDays = (fallback: number) => z.number().int().min(1).max(3650).default(fallback);

const scheduledStore = (what: string, schedule: string, days: number) => z.strictObject({
    // @every counts from when the CronJob controller last started, not the clock: no window or stale-backup alert can be reckoned from it (review s21d N9).
    schedule: z.string().refine((v) => !v.trim().startsWith("@every"), { message: "is @every, which a CronJob counts from when its controller last started, not from the clock, so neither the upgrade window nor the stale-backup alert can be reckoned from it; give five cron fields, e.g. \"15 2 * * *\", or @daily" })
        .overwrite(cronJobFields).pipe(fiveFieldCron).default(schedule).describe(`When ${what} is taken (five-field cron, UTC, or a descriptor such as @daily).`),
    retentionDays: retentionDays(days).describe(`Days each ${what} is kept; the bucket's lifecycle removes it after that.`),
}).superRefine((store, ctx) => {
    // Kept for less than the longest wait between two runs, the store has days with no backup at all.
    if (typeof store.schedule !== "string" || cronProblem(store.schedule, false) !== undefined || typeof store.retentionDays !== "number") return;
    const shortest = shortestCronGapMinutes(store.schedule, false);
    if (shortest < MIN_BACKUP_INTERVAL_MINUTES) {
        ctx.addIssue({ code: "custom", path: ["schedule"], message: `takes ${what} ${minutesText(shortest)} after the one before; each is whole and kept for days, so keep at least ${MIN_BACKUP_INTERVAL_MINUTES} minutes between two` });
    }
    const gapDays = Math.ceil(longestCronGapHours(store.schedule) / 24);
    if (store.retentionDays < gapDays) {
        ctx.addIssue({ code: "custom", path: ["retentionDays"], message: `keeps each ${what} ${store.retentionDays} day(s), but schedule "${store.schedule}" can wait ${gapDays} days between two: some days would have none; keep at least ${gapDays}${gapDays > 31 ? `, or take it more often (daily: "30 2 * * *")` : ""}` });
    }
}).default({ schedule, retentionDays: days });

/**
 * Backups of the stores beside Postgres (whose own settings are under `platform.postgres.backup`).
 * Defaults give a restore point objective of 6 hours for the cluster state and a day for Vault and
 * Qdrant; README "Backups and restores" lists each store's.
 */
export const backupsSchema = z.strictObject({
    objectLock: z.enum(["compliance", "governance"]).default("compliance")
        .describe("How the backups bucket keeps Postgres's, Vault's and Qdrant's backups unchanged: S3 Object Lock on AWS, for the shortest retention of the three (versioning keeps what is deleted afterwards); a retention rule on OCI, for the longest (OCI allows no versioning beside it). `compliance`: no one, the account's root or the tenancy's administrators included, can delete or overwrite a backup until then (on OCI the rule locks 15 days after it is set); `governance`: principals with s3:BypassGovernanceRetention (AWS) or RETENTION_RULE_MANAGE (OCI) can."),
    etcd: z.strictObject({
        everyHours: z.literal(SNAPSHOT_HOURS).default(6).describe("Hours between snapshots of k3s's embedded etcd (k3s `etcd-snapshot-schedule-cron`), a divisor of 24 so they fall evenly around the clock."),
        retentionDays: z.number().int().min(1).refine((days) => days <= ETCD_MAX_RETENTION_DAYS, {
            message: `keeps snapshots of the cluster's state longer than they can help (a restore rolls every object back to that day) and makes k3s check every one of them every 10 minutes; keep at most ${ETCD_MAX_RETENTION_DAYS} days, and export what must outlive that`,
        }).default(7).describe(`Days of snapshots kept in the bucket (at most ${ETCD_MAX_RETENTION_DAYS}); each server keeps the last ${LOCAL_SNAPSHOT_HOURS} hours on its own disk.`),
    }).default({ everyHours: 6, retentionDays: 7 }).describe("Snapshots of the cluster's state, to the stack's bucket."),
    vault: scheduledStore(STORE_BACKUP_NAMES.vault, "15 2 * * *", 30).describe("Raft snapshots of Vault, to the stack's bucket."),
    qdrant: scheduledStore(STORE_BACKUP_NAMES.qdrant, "45 2 * * *", 14).describe("Full-storage snapshots of Qdrant, to the stack's bucket."),
    clickhouse: scheduledStore(STORE_BACKUP_NAMES.clickhouse, "30 3 * * *", 14).describe("Full backups of Langfuse's ClickHouse (traces, observations, scores), written by ClickHouse itself to the stack's bucket."),
});

export type BackupsConfig = z.infer<typeof backupsSchema>;

/** The settings a stack without a `platform.backups` key gets. */
export const BACKUP_DEFAULTS: BackupsConfig = backupsSchema.parse({});


/** How many snapshots one server takes in `retentionDays`, at one every `everyHours`: the bucket keeps this many per server. */
export function etcdSnapshotCount(etcd: BackupsConfig["etcd"]): number {
    return Math.ceil((etcd.retentionDays * 24) / etcd.everyHours);
}

/** How many snapshots each server keeps on its own disk (k3s `etcd-snapshot-retention`): `LOCAL_SNAPSHOT_HOURS` of them, never more than the bucket's. */
export function etcdLocalSnapshotCount(etcd: BackupsConfig["etcd"]): number {
    return Math.min(etcdSnapshotCount(etcd), Math.ceil(LOCAL_SNAPSHOT_HOURS / etcd.everyHours));
}
