import { z } from "zod";
import { fiveFieldCron } from "./schedule";

/** Hours between k3s snapshots: a divisor of 24, so `0 *\/N * * *` fires evenly around the clock. */
const SNAPSHOT_HOURS = [1, 2, 3, 4, 6, 8, 12, 24] as const;

const retentionDays = (fallback: number) => z.number().int().min(1).max(3650).default(fallback);

const scheduledStore = (what: string, schedule: string, days: number) => z.strictObject({
    schedule: fiveFieldCron.default(schedule).describe(`When ${what} is taken (five-field cron, UTC).`),
    retentionDays: retentionDays(days).describe(`Days each ${what} is kept; the bucket's lifecycle removes it after that, and its key cannot delete.`),
}).default({ schedule, retentionDays: days });

/**
 * Backups of the stores beside Postgres (whose own settings are under `platform.postgres.backup`).
 * Defaults give a restore point objective of 6 hours for the cluster state and a day for Vault and
 * Qdrant; README "Backups and restores" lists each store's.
 */
export const backupsSchema = z.strictObject({
    objectLock: z.enum(["compliance", "governance"]).default("compliance")
        .describe("Stacks with an AWS site: the backup bucket's S3 Object Lock. `compliance`: no one, the account's root included, can delete or overwrite a backup until its lock ends; `governance`: principals with s3:BypassGovernanceRetention can. The lock lasts the shortest retention of the stores in the bucket."),
    etcd: z.strictObject({
        everyHours: z.number().int().refine((h) => (SNAPSHOT_HOURS as readonly number[]).includes(h), {
            message: `does not divide the day evenly; use one of ${SNAPSHOT_HOURS.join(", ")}`,
        }).default(6).describe("Hours between snapshots of k3s's embedded etcd (k3s `etcd-snapshot-schedule-cron`)."),
        retentionDays: retentionDays(7).describe("Days of snapshots each server keeps (k3s `etcd-snapshot-retention` = days × 24 / everyHours)."),
    }).default({ everyHours: 6, retentionDays: 7 }).describe("Snapshots of the cluster's state, to the stack's bucket."),
    vault: scheduledStore("a Vault Raft snapshot", "15 2 * * *", 30).describe("Raft snapshots of Vault, to the stack's bucket."),
    qdrant: scheduledStore("a Qdrant storage snapshot", "45 2 * * *", 14).describe("Full-storage snapshots of Qdrant, to the stack's bucket."),
});

export type BackupsConfig = z.infer<typeof backupsSchema>;

/** The settings a stack without a `platform.backups` key gets. */
export const BACKUP_DEFAULTS: BackupsConfig = backupsSchema.parse({});


/** How many snapshots a k3s server keeps to cover `retentionDays` at one every `everyHours`. */
export function etcdSnapshotCount(etcd: BackupsConfig["etcd"]): number {
    return Math.ceil((etcd.retentionDays * 24) / etcd.everyHours);
}
