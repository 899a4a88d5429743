import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { SECRETS_MOUNT, VaultConsumer } from "./vault-bootstrap";

export interface VaultSyncedSecretArgs {
    /** Who reads: the Vault role and policy name, and the service account VSO authenticates as. */
    consumer: VaultConsumer;
    /** Path under the `groundwork` mount, inside the consumer's own (`<consumer>/...`). */
    path: string;
    /** The Kubernetes Secret VSO creates and keeps in sync. */
    secretName: string;
}

/**
 * A Kubernetes Secret that the Vault Secrets Operator creates from Vault and keeps in sync:
 * a service account, the `VaultAuth` it logs in with (Kubernetes auth, the consumer's role) and
 * the `VaultStaticSecret`. No secret value passes through Pulumi here.
 * Source: hashicorp/vault-secrets-operator config/samples and api/v1beta1 (read 2026-11-25).
 */
export class VaultSyncedSecret extends pulumi.ComponentResource {
    public readonly secretName: string;

    constructor(name: string, args: VaultSyncedSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:VaultSyncedSecret", name, {}, opts);
        if (!args.path.startsWith(`${args.consumer.name}/`)) {
            throw new Error(`VaultSyncedSecret ${name}: path ${args.path} is outside ${args.consumer.name}/, which is all its Vault policy can read`);
        }
        const { namespace, serviceAccount } = args.consumer;
        const sa = new k8s.core.v1.ServiceAccount(name, {
            metadata: { name: serviceAccount, namespace },
            automountServiceAccountToken: false,
        }, { parent: this });
        const auth = new k8s.apiextensions.CustomResource(`${name}-auth`, {
            apiVersion: "secrets.hashicorp.com/v1beta1",
            kind: "VaultAuth",
            metadata: { name: `${name}-vault`, namespace },
            spec: { method: "kubernetes", mount: "kubernetes", kubernetes: { role: args.consumer.name, serviceAccount: sa.metadata.name } },
        }, { parent: this });
        new k8s.apiextensions.CustomResource(`${name}-secret`, {
            apiVersion: "secrets.hashicorp.com/v1beta1",
            kind: "VaultStaticSecret",
            metadata: { name, namespace },
            spec: {
                vaultAuthRef: auth.metadata.name,
                type: "kv-v2",
                mount: SECRETS_MOUNT,
                path: args.path,
                refreshAfter: "1h",
                destination: { name: args.secretName, create: true },
            },
        }, { parent: this });
        this.secretName = args.secretName;
        this.registerOutputs({});
    }
}
