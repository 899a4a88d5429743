import { ResourceValidationPolicy } from "@pulumi/policy";
import { k3sRoleOf } from "../k3s-nodes";

/*
 * OCI Object Storage and compute data rules. Sources: OCI Terraform provider docs for
 * oci_objectstorage_bucket (access_type default NoPublicAccess, versioning, kms_key_id) and
 * oci_core_instance (preserve_boot_volume); CIS OCI Foundations Benchmark 5.1.1 (no public
 * buckets), 5.1.2 (buckets encrypted with a customer-managed key).
 */

const BUCKET = "oci:ObjectStorage/bucket:Bucket";

export const ociBucketPrivate: ResourceValidationPolicy = {
    name: "oci-bucket-private",
    description: "OCI Object Storage buckets are not public (accessType NoPublicAccess, the provider default).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== BUCKET) return;
        const access = args.props.accessType ?? "NoPublicAccess";
        if (access !== "NoPublicAccess") {
            reportViolation(`OCI bucket ${args.name} has accessType ${access}; set accessType: "NoPublicAccess" and share objects with pre-authenticated requests instead.`);
        }
    },
};

/** A time-bound retention rule: one with a duration of at least a day (an indefinite rule never lets anything expire). */
function timeBoundRule(rule: { duration?: { timeAmount?: string | number } } | undefined): boolean {
    return Number(rule?.duration?.timeAmount ?? 0) >= 1;
}

/**
 * Keeps the name it had before retention rules counted: CI configurations name it. OCI refuses a
 * retention rule on a versioned bucket (docs.oracle.com iaas/Content/Object/Tasks/usingretentionrules.htm
 * "Versioning"), so a bucket under a time-bound rule passes with versioning Disabled.
 */
export const ociBucketVersioning: ResourceValidationPolicy = {
    name: "oci-bucket-versioning",
    description: "OCI Object Storage buckets keep deleted or overwritten objects recoverable: versioning Enabled, or a time-bound retention rule that refuses every overwrite and delete.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== BUCKET) return;
        if (args.props.versioning === "Enabled") return;
        const rules: unknown[] = args.props.retentionRules ?? [];
        if (rules.some((rule) => timeBoundRule(rule as { duration?: { timeAmount?: string } }))) return;
        reportViolation(`OCI bucket ${args.name} has versioning ${args.props.versioning ?? "unset (Disabled)"} and no time-bound retention rule; set versioning: "Enabled", or add retentionRules [{ duration: { timeAmount, timeUnit: "DAYS" } }], so deleted or overwritten backups can be recovered.`);
    },
};

export const ociBucketCustomerKey: ResourceValidationPolicy = {
    name: "oci-bucket-customer-key",
    description: "OCI buckets are encrypted with a customer-managed Vault key (kmsKeyId) rather than the Oracle-managed default.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type !== BUCKET) return;
        if (!args.props.kmsKeyId) {
            reportViolation(`OCI bucket ${args.name} has no kmsKeyId, so Oracle-managed keys encrypt it; set kmsKeyId to a Vault key to control (and be able to revoke) access to the data.`);
        }
    },
};

export const serverBootVolumePreserved: ResourceValidationPolicy = {
    name: "server-boot-volume-preserved",
    description: "OCI instances tagged as k3s servers (freeformTags groundwork-k3s-role=server) keep their boot volume when terminated: it holds the embedded etcd datastore.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "oci:Core/instance:Instance") return;
        if (k3sRoleOf(args.props) !== "server") return;
        if (args.props.preserveBootVolume !== true) {
            reportViolation(`OCI instance ${args.name} is a k3s server but preserveBootVolume is ${args.props.preserveBootVolume ?? "unset"}; set preserveBootVolume: true so replacing the instance does not delete the cluster datastore.`);
        }
    },
};
