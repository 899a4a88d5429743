import { ControllerAdmission } from "../admission-policy";
import { vsoFence } from "./vso-admission";
import * as pulumi from "@pulumi/pulumi";
import { tagWithDigest } from "../image-digests";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { add, ContainerResources, Footprint, requestsOf } from "./footprint";
import { meshed, meshedNamespaceArgs } from "./linkerd-mesh";

const MANAGER_RESOURCES: ContainerResources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
/** The kube-rbac-proxy sidecar in front of the manager's metrics (chart/templates/deployment.yaml L49-66 at v1.4.1). */
const RBAC_PROXY_RESOURCES: ContainerResources = { requests: { cpu: "5m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } };
/** The chart's pre-delete cleanup and CRD-upgrade Jobs (`hooks.resources`). */
const HOOK_RESOURCES: ContainerResources = { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } };

/**
 * Pod Security "restricted" for every pod the chart renders: the controller and both hook Jobs take
 * `controller.podSecurityContext` and `controller.securityContext` (chart/templates/deployment.yaml,
 * hook-upgrade-crds.yaml, deployment.yaml's pre-delete Job at v1.4.1), whose defaults
 * (`runAsNonRoot: true` / `allowPrivilegeEscalation: false`, chart/values.yaml) carry neither a
 * seccomp profile nor `drop: [ALL]`, so the namespace would reject every one of them.
 */
export const VSO_POD_SECURITY_CONTEXT = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } as const;
export const VSO_CONTAINER_SECURITY_CONTEXT = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } } as const;

export function vsoFootprint(): Footprint[] {
    return [{ workload: "vault-secrets-operator", pods: 1, perPod: meshed(add(requestsOf(MANAGER_RESOURCES), requestsOf(RBAC_PROXY_RESOURCES))) }];
}
import { VAULT_ADDRESS } from "./vault";
import { guardedNamespace } from "./guarded-namespace";
import { MeshAuthorization } from "./mesh-authorization";
import { EgressDestination } from "./egress";

/**
 * HashiCorp's Vault Secrets Operator chart, pinned.
 * Evidence: hashicorp/vault-secrets-operator@v1.4.1:chart/Chart.yaml (`version: 1.4.1`), the newest
 * release tag upstream; 1.5.x/1.6.x appear only in third-party release trackers, not as a tag or an
 * index entry we could read (checked 2026-11-27). The CRD schemas in shared/upstream/crds are v1.4.1's.
 */
export const VSO_CHART = { chart: "vault-secrets-operator", repo: "https://helm.releases.hashicorp.com", version: "1.4.1", evidence: "hashicorp/vault-secrets-operator@v1.4.1:chart/Chart.yaml" } as const;

/**
 * The Vault Secrets Operator: workloads get their secrets as ordinary Kubernetes Secrets that
 * it keeps in sync from Vault (VaultStaticSecret), so no workload needs a Vault sidecar or
 * Vault-aware code, and rotation in Vault reaches them without a redeploy.
 */
/** The operator's identity in the mesh: its controller's service account (chart templates/deployment.yaml: `<fullname>-controller-manager`). */
export const VSO_CLIENT = "vault-secrets-operator/vault-secrets-operator-controller-manager";

export class VaultSecretsOperator extends pulumi.ComponentResource {
    constructor(name: string, args: { scheduling?: Scheduling; /** Where pods reach the Kubernetes API (egress.ts apiServerAt). */ apiServer: EgressDestination }, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:VaultSecretsOperator", name, {}, opts);
        const ns = guardedNamespace(name, meshedNamespaceArgs("vault-secrets-operator", "restricted"), { parent: this }, {
            egress: { apiServer: { reason: "the operator watches its Vault resources and writes the Secrets it syncs", at: args.apiServer } },
        });
        pinnedRelease(name, VSO_CHART, {
            name: "vault-secrets-operator",
            namespace: ns.metadata.name,
            values: {
                defaultVaultConnection: { enabled: true, address: VAULT_ADDRESS },
                controller: {
                    // By digest: the chart renders `repository:tag` for the manager and both hook Jobs
                    // (chart/templates/deployment.yaml L124, L206, hook-upgrade-crds.yaml L94 at v1.4.1).
                    manager: { image: { repository: "hashicorp/vault-secrets-operator", tag: tagWithDigest("hashicorp/vault-secrets-operator:1.4.1") }, resources: MANAGER_RESOURCES },
                    kubeRbacProxy: { resources: RBAC_PROXY_RESOURCES },
                    podSecurityContext: VSO_POD_SECURITY_CONTEXT,
                    securityContext: VSO_CONTAINER_SECURITY_CONTEXT,
                    nodeSelector: args.scheduling?.nodeSelector,
                    tolerations: args.scheduling?.tolerations,
                },
                hooks: { resources: HOOK_RESOURCES },
                // The test Pod (chart/templates/tests/test-runner.yaml) has no security context.
                tests: { enabled: false },
            },
        }, { parent: this });
        // The chart's cluster-wide rights held to what the operator does with them (vso-admission.ts).
        const [vsoNamespace, vsoAccount] = VSO_CLIENT.split("/");
        new ControllerAdmission(`${name}-admission`, { fences: [vsoFence({ namespace: vsoNamespace, serviceAccount: vsoAccount })] }, { parent: this });
        // kube-rbac-proxy's metrics port (chart templates/deployment.yaml, `https` 8443).
        new MeshAuthorization(`${name}-metrics`, {
            namespace: "vault-secrets-operator",
            podSelector: { "app.kubernetes.io/name": "vault-secrets-operator", "control-plane": "controller-manager" },
            port: "https",
            clients: [],
            noClients: "the controller's metrics endpoint: nothing scrapes it yet",
        }, { parent: this, dependsOn: [ns] });
        this.registerOutputs({});
    }
}
