import * as pulumi from "@pulumi/pulumi";
import * as identity from "@pulumi/oci/identity";
import * as kms from "@pulumi/oci/kms";

export interface OciVaultUnsealKeyArgs {
    compartmentId: pulumi.Input<string>;
    /** Dynamic groups live in the tenancy (root compartment). */
    tenancyId: pulumi.Input<string>;
    /** The instances Vault may run on: only they may use the key. */
    instanceIds: pulumi.Input<string>[];
}

/**
 * A dynamic group's matching rule naming exactly these instances (OCI docs, "Writing Matching
 * Rules to Define Dynamic Groups": `ANY {instance.id = '<ocid>', ...}`, read 2026-11-27).
 */
export function instancesMatchingRule(instanceIds: string[]): string {
    if (instanceIds.length === 0) throw new Error("a dynamic group for Vault's unseal key needs at least one instance");
    return `ANY {${instanceIds.map((id) => `instance.id = '${id}'`).join(", ")}}`;
}

/**
 * An OCI KMS key that Vault auto-unseals with, used through instance principals: a dynamic
 * group of exactly the instances Vault may run on (not the whole compartment) may use this key
 * and nothing else. A DEFAULT (shared)
 * vault and a software-protected key cost nothing. The vault and key are kept if the stack is
 * deleted: without them, Vault's data cannot be unsealed.
 * Sources: hashicorp/vault docs configuration/seal/ocikms; OCI docs "Overview of Vault" (read 2026-11-25).
 */
export class OciVaultUnsealKey extends pulumi.ComponentResource {
    public readonly keyId: pulumi.Output<string>;
    public readonly cryptoEndpoint: pulumi.Output<string>;
    public readonly managementEndpoint: pulumi.Output<string>;

    constructor(name: string, args: OciVaultUnsealKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:oci:VaultUnsealKey", name, {}, opts);
        const vault = new kms.Vault(name, {
            compartmentId: args.compartmentId,
            displayName: `${name}-${pulumi.getStack()}`,
            vaultType: "DEFAULT",
        }, { parent: this, retainOnDelete: true });
        const key = new kms.Key(name, {
            compartmentId: args.compartmentId,
            displayName: `${name}-${pulumi.getStack()}`,
            managementEndpoint: vault.managementEndpoint,
            keyShape: { algorithm: "AES", length: 32 },
            protectionMode: "SOFTWARE",
        }, { parent: this, retainOnDelete: true });
        const group = new identity.DynamicGroup(name, {
            compartmentId: args.tenancyId,
            name: pulumi.interpolate`${name}-${pulumi.getStack()}`,
            description: "Instances whose pods run Vault, allowed to use its unseal key",
            matchingRule: pulumi.all(args.instanceIds).apply(instancesMatchingRule),
        }, { parent: this });
        new identity.Policy(name, {
            compartmentId: args.compartmentId,
            name: pulumi.interpolate`${name}-${pulumi.getStack()}`,
            description: "Vault auto-unseal",
            statements: [pulumi.interpolate`Allow dynamic-group ${group.name} to use keys in compartment id ${args.compartmentId} where target.key.id = '${key.id}'`],
        }, { parent: this });
        this.keyId = key.id;
        this.cryptoEndpoint = vault.cryptoEndpoint;
        this.managementEndpoint = vault.managementEndpoint;
        this.registerOutputs({ keyId: this.keyId });
    }
}
