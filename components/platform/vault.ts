import * as pulumi from "@pulumi/pulumi";
import { tagWithDigest } from "../image-digests";
import * as k8s from "@pulumi/kubernetes";
import { pinnedRelease } from "../pinned-chart";
import { CONTROL_PLANE_LABEL, Scheduling } from "../placement";
import { add, ContainerResources, Footprint, requestsOf } from "./footprint";
import { meshed, meshedNamespaceArgs } from "./linkerd-mesh";
import { EgressAllowance, EgressDestination, INSTANCE_METADATA_CIDR, INSTANCE_METADATA_PORT, PUBLIC_HTTPS } from "./egress";
import { guardedNamespace } from "./guarded-namespace";
import { everySpellingOf, MeshAuthorization } from "./mesh-authorization";
import { SCRAPER } from "../observability/scraper";
import { serviceHost } from "../service-host";

const VAULT_RESOURCES: ContainerResources = { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } };

export function vaultFootprint(replicas: number): Footprint[] {
    return [{ workload: "vault", pods: replicas, perPod: meshed(add(requestsOf(VAULT_RESOURCES), requestsOf(AUDIT_ROTATE_RESOURCES))) }];
}

/**
 * HashiCorp's Vault chart and image, pinned.
 * Evidence: hashicorp/vault-helm@v0.34.1:Chart.yaml (`version: 0.34.1`, `appVersion: 2.0.4`, tag
 * 2026-08-13, the newest; CHANGELOG "Tested with Vault v2.0.4"); values keys from values.yaml at
 * that tag (checked 2026-11-27). The chart's only hook is a `helm.sh/hook: test` Pod, never run by Pulumi.
 */
/** Pulumi's annotation that creates or updates an object without waiting for it to become ready. */
export const SKIP_AWAIT = "pulumi.com/skipAwait";
/** `sealedcode`/`uninitcode` of Vault's /v1/sys/health (http/sys_health.go; the fix suggested in vault-helm#180). */
export const VAULT_LIVENESS_PATH = "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204";
/** Vault's telemetry, in Prometheus's format with `?format=prometheus` (vault-helm@v0.34.1 templates/prometheus-servicemonitor.yaml L39-46). */
export const VAULT_METRICS_PATH = "/v1/sys/metrics";
export const VAULT_CHART = { chart: "vault", repo: "https://helm.releases.hashicorp.com", version: "0.34.1", evidence: "hashicorp/vault-helm@v0.34.1:Chart.yaml" } as const;
/**
 * Vault's image, its digest in the tag: the chart has no digest key and renders `repository:tag`
 * (templates/server-statefulset.yaml L79 at v0.34.1, no semverCompare on it).
 */
export const VAULT_IMAGE = { repository: "hashicorp/vault", tag: tagWithDigest("hashicorp/vault:2.0.4") } as const;

/** How Vault unseals: a cloud KMS key, or Shamir key shares entered by operators (edge). */
export type VaultSeal =
    | { type: "awskms"; region: string; keyId: pulumi.Input<string>; accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> }
    /**
     * OCI KMS through the instances' identity: `nodes` are the nodes (by name) whose instances the
     * key's dynamic group names, and the only ones Vault's pods are scheduled on, since any pod of a
     * node Vault may run on can reach the metadata service too.
     */
    | { type: "ocikms"; keyId: pulumi.Input<string>; cryptoEndpoint: pulumi.Input<string>; managementEndpoint: pulumi.Input<string>; nodes: string[] }
    | { type: "shamir" };

export const VAULT_NAMESPACE = "vault";
export const VAULT_RELEASE = "vault";
/** In-cluster address of the active Vault server. */
export const VAULT_ADDRESS = `http://${serviceHost(VAULT_RELEASE, VAULT_NAMESPACE)}:8200`;

/**
 * Vault's server configuration (HCL): integrated Raft storage (also with one replica, so HA is a
 * matter of replicas), Kubernetes service registration with more than one replica, and the seal.
 * Registration labels Vault's pods (`vault-active`, which the chart's active Service selects), which
 * needs the Role the chart renders only in HA mode (hashicorp/vault-helm@v0.34.1
 * templates/server-discovery-role.yaml L8-23); one replica runs in standalone mode, where nothing
 * reads the labels and every attempt would be a 403, retried for ever (controller RBAC review s23 F11). TLS between pods and
 * clients is Linkerd's mTLS; Vault's listener is plain HTTP inside the mesh. Its metrics
 * (`/v1/sys/metrics?format=prometheus`) answer without a token, and only Prometheus may ask: the
 * mesh gives that one path to the scraper alone (`VAULT_METRICS_PATH` below). Keys from the chart's
 * own example (hashicorp/vault-helm@v0.34.1:values.yaml L918-925, L942-946).
 * Source: hashicorp/vault docs, platform/k8s/helm/examples/ha-with-raft, configuration/seal/{awskms,ocikms} (read 2026-11-25).
 */
export function vaultServerConfig(replicas: number, seal: { type: VaultSeal["type"]; region?: string; keyId?: string; cryptoEndpoint?: string; managementEndpoint?: string }): string {
    const joins = Array.from({ length: replicas }, (_, i) =>
        `  retry_join {\n    leader_api_addr = "http://${VAULT_RELEASE}-${i}.${VAULT_RELEASE}-internal:8200"\n  }`).join("\n");
    const sealStanza =
        seal.type === "awskms" ? `seal "awskms" {\n  region     = "${seal.region}"\n  kms_key_id = "${seal.keyId}"\n}\n`
        : seal.type === "ocikms" ? `seal "ocikms" {\n  key_id              = "${seal.keyId}"\n  crypto_endpoint     = "${seal.cryptoEndpoint}"\n  management_endpoint = "${seal.managementEndpoint}"\n}\n`
        : "";
    return `ui = true
disable_mlock = true
listener "tcp" {
  tls_disable     = 1
  address         = "[::]:8200"
  cluster_address = "[::]:8201"
  telemetry {
    unauthenticated_metrics_access = true
  }
}
telemetry {
  prometheus_retention_time = "30s"
  disable_hostname          = true
}
storage "raft" {
  path = "/vault/data"
${joins}
}
${replicas > 1 ? `service_registration "kubernetes" {}\n` : ""}${sealStanza}`;
}

/** Where Vault's file audit device writes: the chart's audit volume (values.yaml L872-877 at v0.34.1). */
export const VAULT_AUDIT_LOG = "/vault/audit/audit.log";
/** The audit volume's size, GiB, on every server beside its Raft volume. */
export const VAULT_AUDIT_STORAGE_GBS = 2;
/** Rotated when it passes this size; this many rotated files are kept (2Gi volume). */
const AUDIT_ROTATE_BYTES = 100 * 1024 * 1024;
const AUDIT_KEEP = 10;
const AUDIT_ROTATE_RESOURCES: ContainerResources = { requests: { cpu: "5m", memory: "16Mi" }, limits: { cpu: "50m", memory: "32Mi" } };

/**
 * The audit log's rotation, run beside Vault in its pod: Vault's file audit device only reopens
 * its file on SIGHUP (developer.hashicorp.com/vault/docs/audit/file, "Log file rotation", read
 * 2026-11-27), so every five minutes a log past its size is moved aside (the oldest dropped) and
 * Vault is signalled: the oldest `vault` process, the server (the readiness probe's and the
 * bootstrap's `vault` commands are younger). It runs in Vault's own image as Vault's user, which
 * may signal it, in the pod's shared process namespace.
 */
export function auditRotateScript(): string {
    return `set -eu
log="${VAULT_AUDIT_LOG}"
while true; do
    if [ -f "$log" ] && [ "$(stat -c %s "$log")" -gt ${AUDIT_ROTATE_BYTES} ]; then
        i=${AUDIT_KEEP}
        while [ "$i" -gt 1 ]; do
            if [ -f "$log.$((i - 1))" ]; then mv "$log.$((i - 1))" "$log.$i"; fi
            i=$((i - 1))
        done
        mv "$log" "$log.1"
        pkill -HUP -o -x vault || true
    fi
    sleep 300
done
`;
}

/** Vault's server pods (templates/server-statefulset.yaml and _helpers.tpl "vault.selectorLabels" at v0.34.1). */
export const VAULT_POD_LABELS = { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": VAULT_RELEASE, component: "server" };

/**
 * Where Vault's server pods go outside the cluster: the seal's KMS (AWS KMS, OCI KMS and OCI's
 * identity service, all public HTTPS endpoints), and on OCI the metadata service, since the seal
 * authenticates with instance principals (the one workload that may reach it); the identity
 * provider for people's sign-in.
 */
export function vaultEgress(seal: VaultSeal["type"], identityProvider: EgressDestination[]): EgressAllowance[] {
    const kms: EgressAllowance[] = seal === "shamir" ? [] : [{
        name: "vault-seal",
        podSelector: VAULT_POD_LABELS,
        to: [PUBLIC_HTTPS, ...(seal === "ocikms" ? [{ kind: "range" as const, cidr: INSTANCE_METADATA_CIDR, ports: [INSTANCE_METADATA_PORT] }] : [])],
        reason: seal === "ocikms"
            ? "Vault's OCI KMS seal: the KMS endpoints, and instance-principal credentials from the metadata service"
            : "Vault's AWS KMS seal: the KMS endpoint",
    }];
    const idp: EgressAllowance[] = identityProvider.length > 0
        ? [{ name: "vault-identity-provider", podSelector: VAULT_POD_LABELS, to: identityProvider, reason: "people sign in to Vault through OIDC: Vault reads the issuer's discovery document and keys" }]
        : [];
    return [...kms, ...idp];
}

export interface VaultArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** 1, or 3 for HA (Raft quorum). */
    replicas: number;
    storageGbs: number;
    seal: VaultSeal;
    /**
     * Meshed service accounts (`namespace/name`) that may call Vault's API (VSO, the ingress for
     * the UI); Vault's own pods are added (Raft joins through the API). Everyone else is refused.
     */
    clients: string[];
    /** The identity provider people sign in through (Vault fetches its discovery document and keys); none without SSO. */
    identityProvider?: EgressDestination[];
    scheduling?: Scheduling;
}

/**
 * Vault's pods only on these nodes (by name: k3s makes its node name the kubelet's
 * --hostname-override, k3s-io/k3s@5f72184f pkg/daemons/agent/agent_linux.go L110, and the kubelet
 * labels the node kubernetes.io/hostname with it), and never two on one: the chart's own anti-affinity
 * (values.yaml L688-696 at v0.34.1), which a `server.affinity` object replaces, kept beside the
 * node affinity (_helpers.tpl "vault.affinity" L347-357 renders either form).
 */
export function vaultAffinity(nodes: string[]): Record<string, unknown> {
    if (nodes.length === 0) throw new Error("Vault needs at least one node to run on");
    return {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                // And never a server, whatever its name: k3s labels servers with the control-plane
                // role, which a kubelet may not set on itself (kubernetes/kubernetes
                // pkg/kubelet/apis/well_known_labels.go).
                nodeSelectorTerms: [{
                    matchExpressions: [
                        { key: "kubernetes.io/hostname", operator: "In", values: nodes },
                        { key: CONTROL_PLANE_LABEL, operator: "DoesNotExist" },
                    ],
                }],
            },
        },
        podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{
                labelSelector: { matchLabels: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": VAULT_RELEASE, component: "server" } },
                topologyKey: "kubernetes.io/hostname",
            }],
        },
    };
}

/** Vault on integrated Raft storage, meshed, with the chart's agent injector off (VSO delivers secrets). */
export class Vault extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: pulumi.Resource;

    constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:Vault", name, {}, opts);
        const ns = guardedNamespace(name, meshedNamespaceArgs(VAULT_NAMESPACE, "restricted"), { parent: this, retainOnDelete: true }, {
            egress: {
                apiServer: { reason: "Vault's Kubernetes auth method reviews service-account tokens (TokenReview), and its service registration labels its pods", at: args.apiServer },
                allow: vaultEgress(args.seal.type, args.identityProvider ?? []),
            },
        });

        const seal = args.seal;
        // The KMS credentials reach Vault as environment from a Secret, never in the chart values.
        const kmsCredentials = seal.type === "awskms"
            ? new k8s.core.v1.Secret(`${name}-kms`, {
                metadata: { name: "vault-kms-credentials", namespace: ns.metadata.name },
                stringData: { AWS_ACCESS_KEY_ID: pulumi.secret(seal.accessKeyId), AWS_SECRET_ACCESS_KEY: pulumi.secret(seal.secretAccessKey) },
            }, { parent: this })
            : undefined;
        const config = pulumi
            .all(seal.type === "awskms" ? [seal.keyId, "", ""] : seal.type === "ocikms" ? [seal.keyId, seal.cryptoEndpoint, seal.managementEndpoint] : ["", "", ""])
            .apply(([keyId, cryptoEndpoint, managementEndpoint]) => vaultServerConfig(args.replicas, {
                type: seal.type,
                region: seal.type === "awskms" ? seal.region : undefined,
                keyId,
                cryptoEndpoint,
                managementEndpoint,
            }));
        const ha = args.replicas > 1;
        this.release = pinnedRelease(name, VAULT_CHART, {
            name: VAULT_RELEASE,
            namespace: ns.metadata.name,
            values: {
                global: { enabled: true },
                injector: { enabled: false },
                server: {
                    image: VAULT_IMAGE,
                    // Pod Security "restricted": disable_mlock means Vault needs no IPC_LOCK.
                    statefulSet: {
                        // Vault's pods are Ready only once initialised and unsealed, and its updates
                        // are OnDelete: Pulumi must not await them (Helm's wait skipped OnDelete sets),
                        // or `up` would wait for the readiness that only vault-init, which waits for
                        // Vault, brings. Annotation from pulumi-kubernetes; key from values.yaml
                        // L1102-1106 and _helpers.tpl "vault.statefulSet.annotations" at v0.34.1.
                        annotations: { [SKIP_AWAIT]: "true" },
                        securityContext: {
                            pod: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                            container: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                        },
                    },
                    resources: VAULT_RESOURCES,
                    dataStorage: { enabled: true, size: `${args.storageGbs}Gi`, accessMode: "ReadWriteOnce" },
                    auditStorage: { enabled: true, size: `${VAULT_AUDIT_STORAGE_GBS}Gi` },
                    // The audit log's rotation needs to signal Vault: one process namespace for the pod.
                    shareProcessNamespace: true,
                    extraContainers: [{
                        name: "audit-rotate",
                        image: `${VAULT_IMAGE.repository}:${VAULT_IMAGE.tag}`,
                        command: ["/bin/sh", "-c", auditRotateScript()],
                        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                        resources: AUDIT_ROTATE_RESOURCES,
                        volumeMounts: [{ name: "audit", mountPath: "/vault/audit" }],
                        // Ready while it can rotate: the audit volume is there and writable to Vault's user.
                        readinessProbe: { exec: { command: ["/bin/sh", "-c", "test -w /vault/audit"] }, periodSeconds: 60 },
                    }],
                    readinessProbe: { enabled: true },
                    // A sealed or uninitialised Vault answers 503/501 on /sys/health by default, so the
                    // chart's liveness path would restart it every ~70 s, before anyone could init or
                    // unseal it (hashicorp/vault-helm#180). 204 for both keeps liveness about the process.
                    livenessProbe: { enabled: true, path: VAULT_LIVENESS_PATH, initialDelaySeconds: 60 },
                    standalone: ha ? { enabled: false } : { enabled: true, config },
                    ha: ha
                        ? { enabled: true, replicas: args.replicas, raft: { enabled: true, setNodeId: true, config }, disruptionBudget: { enabled: true } }
                        : { enabled: false },
                    extraSecretEnvironmentVars: seal.type === "awskms"
                        ? [
                            { envName: "AWS_ACCESS_KEY_ID", secretName: kmsCredentials!.metadata.name, secretKey: "AWS_ACCESS_KEY_ID" },
                            { envName: "AWS_SECRET_ACCESS_KEY", secretName: kmsCredentials!.metadata.name, secretKey: "AWS_SECRET_ACCESS_KEY" },
                        ]
                        : [],
                    nodeSelector: args.scheduling?.nodeSelector,
                    tolerations: args.scheduling?.tolerations,
                    ...(seal.type === "ocikms" && { affinity: vaultAffinity(seal.nodes) }),
                },
            },
        }, {
            parent: this,
            // Vault's Raft data lives in the release's volumes: never uninstall it on a stack change.
            retainOnDelete: true,
        });
        // Only the named clients reach the API, Prometheus alone its metrics (which need no token),
        // the kubelet its liveness path, and only Vault's own pods its cluster port (Raft and
        // request forwarding, over Vault's own mutual TLS).
        const self = `${VAULT_NAMESPACE}/${VAULT_RELEASE}`;
        new MeshAuthorization(`${name}-api`, {
            namespace: VAULT_NAMESPACE, podSelector: VAULT_POD_LABELS, port: "http", clients: [], proxyProtocol: "HTTP/1",
            paths: {
                grants: [
                    { id: "api", matches: [{ path: { type: "PathPrefix", value: "/" } }], clients: [...new Set([self, ...args.clients])] },
                    // Every spelling Vault decodes to its metrics path, by any method: the scraper's alone.
                    { id: "metrics", matches: [{ path: { type: "RegularExpression", value: everySpellingOf(VAULT_METRICS_PATH) } }], clients: [SCRAPER] },
                ],
                probePaths: [VAULT_LIVENESS_PATH.split("?")[0]],
            },
        }, { parent: this, dependsOn: [ns] });
        new MeshAuthorization(`${name}-cluster`, { namespace: VAULT_NAMESPACE, podSelector: VAULT_POD_LABELS, port: "https-internal", clients: [self], proxyProtocol: "TLS" }, { parent: this, dependsOn: [ns] });
        new MeshAuthorization(`${name}-replication`, {
            namespace: VAULT_NAMESPACE, podSelector: VAULT_POD_LABELS, port: "http-rep", clients: [],
            noClients: "the chart declares 8202 for Enterprise replication; open-source Vault does not replicate",
        }, { parent: this, dependsOn: [ns] });
        this.namespace = ns.metadata.name;
        this.registerOutputs({ namespace: this.namespace });
    }
}
