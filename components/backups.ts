/**
 * How the stack tells which store each backup covers, and which stores need none: the label a
 * backup CronJob names its store with (the release or volume it backs up), and the annotation
 * a volume, or a release's namespace as `<release>: <reason>` lines, gives its reason in. The data
 * pack's stateful-store-backup-schedule reads both (policies/data/backup-schedules.ts).
 */
export const BACKUP_OF_LABEL = "groundwork.dev/backup-of";
export const NO_BACKUP_ANNOTATION = "groundwork.dev/no-backup";

/** A namespace's no-backup annotation for the releases in it that need no backup, with the reason for each. */
export function noBackupAnnotation(reasons: Record<string, string>): Record<string, string> {
    return { [NO_BACKUP_ANNOTATION]: Object.entries(reasons).map(([release, reason]) => `${release}: ${reason}`).join("\n") };
}
