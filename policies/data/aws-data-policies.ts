import { ResourceValidationPolicy } from "@pulumi/policy";

/*
 * Sources: pulumi-policy-aws (AWSGuard) compute.ts "ec2-volume-inuse-check"/encrypted volumes and
 * security.ts KMS rules; AWS KMS ScheduleKeyDeletion (waiting period 7–30 days, default 30).
 */

export const ebsEncrypted: ResourceValidationPolicy = {
    name: "ebs-encrypted",
    description: "EC2 root and EBS volumes, and the volumes launch templates create, are encrypted at rest.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === "aws:ec2/instance:Instance") {
            if (args.props.rootBlockDevice?.encrypted !== true) {
                reportViolation(`Instance ${args.name} rootBlockDevice.encrypted is not true; set rootBlockDevice: { encrypted: true } (the root disk holds k3s state and container data).`);
            }
            (args.props.ebsBlockDevices ?? []).forEach((d: any, i: number) => {
                if (d?.encrypted !== true) reportViolation(`Instance ${args.name} ebsBlockDevices[${i}] (${d?.deviceName ?? "unnamed"}) is not encrypted; set encrypted: true.`);
            });
        } else if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") {
            // The provider takes launch template EBS flags as strings ("true").
            (args.props.blockDeviceMappings ?? []).forEach((m: any, i: number) => {
                if (m?.ebs && String(m.ebs.encrypted) !== "true") {
                    reportViolation(`Launch template ${args.name} blockDeviceMappings[${i}] (${m.deviceName ?? "unnamed"}) ebs.encrypted is ${JSON.stringify(m.ebs.encrypted ?? "unset")}; set encrypted: "true" (every node the group launches gets this disk).`);
                }
            });
        } else if (args.type === "aws:ebs/volume:Volume" && args.props.encrypted !== true) {
            reportViolation(`EBS volume ${args.name} has encrypted ${args.props.encrypted ?? "unset"}; set encrypted: true.`);
        }
    },
};

export const kmsKeyDeletionWindow: ResourceValidationPolicy = {
    name: "kms-key-deletion-window",
    description: "KMS keys wait long enough before deletion to notice a mistake: deleting a key makes everything it encrypted unreadable.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { minDeletionWindowDays: { type: "number", minimum: 7, maximum: 30, default: 30 } },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:kms/key:Key") return;
        const min = args.getConfig<{ minDeletionWindowDays: number }>().minDeletionWindowDays ?? 30;
        const days = args.props.deletionWindowInDays ?? 30; // AWS default when unset
        if (days < min) {
            reportViolation(`KMS key ${args.name} has deletionWindowInDays ${days}, below ${min}; raise it (AWS allows 7–30) so an accidental deletion can be cancelled before the data it protects is lost.`);
        }
    },
};
