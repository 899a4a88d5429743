import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "./footprint";
import { meshed, meshedNamespaceArgs } from "./linkerd-mesh";

const MANAGER_RESOURCES: ContainerResources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

export function vsoFootprint(): Footprint[] {
    return [{ workload: "vault-secrets-operator", pods: 1, perPod: meshed(requestsOf(MANAGER_RESOURCES)) }];
}
import { VAULT_ADDRESS } from "./vault";

/**
 * HashiCorp's Vault Secrets Operator chart, pinned.
 * Source: hashicorp/vault-secrets-operator release v1.6.1 (2026-10-12); chart version = app version (read 2026-11-25).
 */
export const VSO_CHART = { chart: "vault-secrets-operator", repo: "https://helm.releases.hashicorp.com", version: "1.6.1" } as const;

/**
 * The Vault Secrets Operator: workloads get their secrets as ordinary Kubernetes Secrets that
 * it keeps in sync from Vault (VaultStaticSecret), so no workload needs a Vault sidecar or
 * Vault-aware code, and rotation in Vault reaches them without a redeploy.
 */
export class VaultSecretsOperator extends pulumi.ComponentResource {
    constructor(name: string, args: { scheduling?: Scheduling }, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:VaultSecretsOperator", name, {}, opts);
        const ns = new k8s.core.v1.Namespace(name, meshedNamespaceArgs("vault-secrets-operator", "restricted"), { parent: this });
        pinnedRelease(name, VSO_CHART, {
            name: "vault-secrets-operator",
            namespace: ns.metadata.name,
            values: {
                defaultVaultConnection: { enabled: true, address: VAULT_ADDRESS },
                controller: {
                    manager: { resources: MANAGER_RESOURCES },
                    nodeSelector: args.scheduling?.nodeSelector,
                    tolerations: args.scheduling?.tolerations,
                },
            },
        }, { parent: this });
        this.registerOutputs({});
    }
}
