import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ebsEncrypted, kmsKeyDeletionWindow } from "./aws-data-policies";
import { ociBucketCustomerKey, ociBucketPrivate, ociBucketVersioning, serverBootVolumePreserved } from "./oci-policies";
import { backupRetentionPolicy, postgresBackupConfigured, postgresScheduledBackup } from "./postgres-policies";
import { statefulReleasePersistence } from "./release-policies";
import { storesHaveBackupSchedules } from "./backup-schedules";
import { s3BucketEncrypted, s3BucketVersioning, s3PublicAccessBlocked } from "./s3-policies";
import { bucketVersionsKeptFromKeys } from "./version-deletes";

/** Data protection: encryption at rest, no public buckets, versions and backups kept, persistent storage. */
export const dataPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    s3BucketEncrypted,
    s3BucketVersioning,
    s3PublicAccessBlocked,
    ociBucketPrivate,
    ociBucketVersioning,
    ociBucketCustomerKey,
    bucketVersionsKeptFromKeys,
    ebsEncrypted,
    kmsKeyDeletionWindow,
    postgresBackupConfigured,
    postgresScheduledBackup,
    backupRetentionPolicy,
    statefulReleasePersistence,
    storesHaveBackupSchedules,
    serverBootVolumePreserved,
];
