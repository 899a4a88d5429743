import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/*
 * CloudNativePG backups. Sources: CloudNativePG docs "Backup" and "ScheduledBackup" (spec.cluster.name,
 * spec.method plugin|barmanObjectStore); Barman Cloud plugin docs (Cluster spec.plugins[] name
 * barman-cloud.cloudnative-pg.io with isWALArchiver, ObjectStore spec.retentionPolicy "30d").
 */

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";
const RETENTION = /^[1-9][0-9]*[dwm]$/;

export const postgresBackupConfigured: ResourceValidationPolicy = {
    name: "postgres-backup-configured",
    description: "Every CloudNativePG Cluster archives WAL to object storage (Barman Cloud plugin as WAL archiver, or in-tree spec.backup.barmanObjectStore).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== CLUSTER) return;
        const spec = args.props.spec ?? {};
        const plugin = (spec.plugins ?? []).some((p: any) => p?.name === BARMAN_PLUGIN && p?.isWALArchiver === true && p?.parameters?.barmanObjectName);
        const inTree = Boolean(spec.backup?.barmanObjectStore?.destinationPath);
        if (!plugin && !inTree) {
            reportViolation(`CloudNativePG Cluster ${args.props.metadata?.name ?? args.name} has no WAL archive: add spec.plugins[{ name: "${BARMAN_PLUGIN}", isWALArchiver: true, parameters: { barmanObjectName } }] (or spec.backup.barmanObjectStore) so the database can be restored to a point in time.`);
        }
    },
};

const key = (meta: any) => `${meta?.namespace ?? "default"}/${meta?.name}`;

export const postgresScheduledBackup: StackValidationPolicy = {
    name: "postgres-scheduled-backup",
    description: "Every CloudNativePG Cluster has a ScheduledBackup (same namespace, spec.cluster.name) taking base backups.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const scheduled = new Set(args.resources.filter((r) => r.type === SCHEDULED && r.props.spec?.schedule)
            .map((r) => `${r.props.metadata?.namespace ?? "default"}/${r.props.spec?.cluster?.name}`));
        for (const cluster of args.resources.filter((r) => r.type === CLUSTER)) {
            if (!scheduled.has(key(cluster.props.metadata))) {
                reportViolation(`CloudNativePG Cluster ${key(cluster.props.metadata)} has no ScheduledBackup with spec.cluster.name "${cluster.props.metadata?.name}" and a spec.schedule; WAL alone cannot restore without a base backup. Add one.`, cluster.urn);
            }
        }
    },
};

export const backupRetentionPolicy: ResourceValidationPolicy = {
    name: "backup-retention-policy",
    description: "Barman object stores (plugin ObjectStore or in-tree Cluster spec.backup) set retentionPolicy, so old backups are pruned on a known schedule.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === OBJECT_STORE) {
            const policy = args.props.spec?.retentionPolicy;
            if (typeof policy !== "string" || !RETENTION.test(policy)) {
                reportViolation(`Barman ObjectStore ${args.props.metadata?.name ?? args.name} spec.retentionPolicy is ${policy ?? "unset"}; set it like "30d" (days, weeks or months) so backups are kept for a known period and then pruned.`);
            }
        } else if (args.type === CLUSTER && args.props.spec?.backup?.barmanObjectStore) {
            const policy = args.props.spec.backup.retentionPolicy;
            if (typeof policy !== "string" || !RETENTION.test(policy)) {
                reportViolation(`CloudNativePG Cluster ${args.props.metadata?.name ?? args.name} spec.backup.retentionPolicy is ${policy ?? "unset"}; set it like "30d".`);
            }
        }
    },
};
