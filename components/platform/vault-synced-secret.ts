import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { SECRETS_MOUNT, VAULT_TOKEN_AUDIENCE, VaultConsumer } from "./vault-bootstrap";

/**
 * How a consumer's secrets are read: its own service account and the `VaultAuth` the Vault
 * Secrets Operator logs in with (Kubernetes auth, the consumer's role). One per consumer.
 * Source: hashicorp/vault-secrets-operator config/samples and api/v1beta1 (read 2026-11-25).
 */
export class VaultConsumerAuth extends pulumi.ComponentResource {
    public readonly consumer: VaultConsumer;
    /** The VaultAuth's name, for VaultStaticSecrets to refer to. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: { consumer: VaultConsumer }, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:VaultConsumerAuth", name, {}, opts);
        const { namespace, serviceAccount } = args.consumer;
        const sa = new k8s.core.v1.ServiceAccount(name, {
            metadata: { name: serviceAccount, namespace },
            automountServiceAccountToken: false,
        }, { parent: this });
        const auth = new k8s.apiextensions.CustomResource(name, {
            apiVersion: "secrets.hashicorp.com/v1beta1",
            kind: "VaultAuth",
            metadata: { name: `${args.consumer.name}-vault`, namespace },
            // VSO asks the TokenRequest API for a token of this audience, which the role requires.
            spec: { method: "kubernetes", mount: "kubernetes", kubernetes: { role: args.consumer.name, serviceAccount: sa.metadata.name, audiences: [VAULT_TOKEN_AUDIENCE] } },
        }, { parent: this });
        this.consumer = args.consumer;
        this.name = auth.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}

export interface VaultSyncedSecretArgs {
    auth: VaultConsumerAuth;
    /** Path under the `groundwork` mount, inside the consumer's own (`<consumer>/...`). */
    path: string;
    /** The Kubernetes Secret VSO creates and keeps in sync. */
    secretName: string;
    /** Its type, e.g. `kubernetes.io/basic-auth`. Default Opaque. */
    type?: string;
    /**
     * Workloads VSO restarts when the secret changes, for consumers that read it only at start
     * (an environment variable). `rolloutRestartTargets` in the VaultStaticSecret CRD
     * (hashicorp/vault-secrets-operator@v1.4.1: kind Deployment, DaemonSet, StatefulSet, Rollout).
     */
    restartOnChange?: { kind: "Deployment" | "StatefulSet" | "DaemonSet"; name: string }[];
    /**
     * How often VSO reads Vault again (`refreshAfter`; default 1h): shorter for values a deploy
     * rotates and something waits for, such as the gateway's keys.
     */
    refreshAfter?: string;
}

/**
 * A Kubernetes Secret that the Vault Secrets Operator creates from Vault and keeps in sync
 * (`VaultStaticSecret`). No secret value passes through Pulumi here.
 */
export class VaultSyncedSecret extends pulumi.ComponentResource {
    public readonly secretName: string;

    constructor(name: string, args: VaultSyncedSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:VaultSyncedSecret", name, {}, opts);
        const consumer = args.auth.consumer;
        if (!args.path.startsWith(`${consumer.name}/`)) {
            throw new Error(`VaultSyncedSecret ${name}: path ${args.path} is outside ${consumer.name}/, which is all its Vault policy can read`);
        }
        new k8s.apiextensions.CustomResource(name, {
            apiVersion: "secrets.hashicorp.com/v1beta1",
            kind: "VaultStaticSecret",
            metadata: { name, namespace: consumer.namespace },
            spec: {
                vaultAuthRef: args.auth.name,
                type: "kv-v2",
                mount: SECRETS_MOUNT,
                path: args.path,
                refreshAfter: args.refreshAfter ?? "1h",
                destination: { name: args.secretName, create: true, ...(args.type && { type: args.type }) },
                ...(args.restartOnChange?.length && { rolloutRestartTargets: args.restartOnChange }),
            },
        }, { parent: this });
        this.secretName = args.secretName;
        this.registerOutputs({});
    }
}
