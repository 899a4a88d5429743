import * as pulumi from "@pulumi/pulumi";
import * as kms from "@pulumi/aws/kms";
import { POD_NO_ROLE } from "../workload-credentials";
import { workloadIamUser } from "./workload-user";

/**
 * A KMS key that Vault auto-unseals with, and an IAM user allowed only to use that key (k3s pods
 * have no instance role: IMDSv2's hop limit keeps them from the node's). The key is kept if the
 * stack is deleted: without it, Vault's data cannot be unsealed.
 * Permissions from hashicorp/vault docs, configuration/seal/awskms (read 2026-11-25).
 */
export class AwsVaultUnsealKey extends pulumi.ComponentResource {
    public readonly keyId: pulumi.Output<string>;
    public readonly accessKeyId: pulumi.Output<string>;
    public readonly secretAccessKey: pulumi.Output<string>;

    constructor(name: string, args: Record<string, never>, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:VaultUnsealKey", name, args, opts);
        const key = new kms.Key(name, {
            description: "Vault auto-unseal (Groundwork)",
            enableKeyRotation: true,
            deletionWindowInDays: 30,
        }, { parent: this, retainOnDelete: true });
        new kms.Alias(name, { name: pulumi.interpolate`alias/${name}-${pulumi.getStack()}`, targetKeyId: key.keyId }, { parent: this });
        const accessKey = workloadIamUser(name, {
            policy: key.arn.apply((arn) => JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: arn }],
            })),
            noRoleBecause: POD_NO_ROLE,
        }, { parent: this });
        this.keyId = key.keyId;
        this.accessKeyId = accessKey.accessKeyId;
        this.secretAccessKey = accessKey.secretAccessKey;
        this.registerOutputs({ keyId: this.keyId });
    }
}
