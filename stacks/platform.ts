import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { NvidiaGpuSupport } from "../components/gpu/nvidia-gpu-support";
import { K3sClusterAccess } from "../components/k3s/cluster-access";
import { schedulingFor } from "../components/placement";
import { AwsVaultUnsealKey } from "../components/aws/vault-unseal-key";
import { OciVaultUnsealKey } from "../components/oci/vault-unseal-key";
import { LinkerdMesh, MESHED_NAMESPACE_ANNOTATIONS } from "../components/platform/linkerd-mesh";
import { Vault, VaultSeal } from "../components/platform/vault";
import { VaultBootstrap } from "../components/platform/vault-bootstrap";
import { VaultSecretsOperator } from "../components/platform/vault-secrets-operator";
import { Qdrant } from "../components/platform/qdrant";
import { CertManager } from "../components/platform/cert-manager";
import { Langfuse, LANGFUSE_NAMESPACE } from "../components/platform/langfuse";
import { BackupTarget, PostgresVector } from "../components/platform/postgres-vector";
import { AwsBackupBucket } from "../components/aws/backup-bucket";
import { OciBackupBucket } from "../components/oci/backup-bucket";
import { VaultConsumer } from "../components/platform/vault-bootstrap";
import { AwsAddresses } from "./aws-site";
import { platformSecrets } from "./platform-secrets";
import { awsAddresses, awsSite } from "./aws-site";
import { ClusterContext, hostCidrs, Site, SiteResult } from "./cluster-context";
import { StackConfig } from "./config";
import { edgeAddress, edgeSite } from "./edge-site";
import { ociSite } from "./oci-site";

/** Namespace for Groundwork's own platform workloads; Pod Security "restricted" is enforced there. */
export const PLATFORM_NAMESPACE = "groundwork-system";
/** Namespace for the data stores. */
export const DATA_NAMESPACE = "groundwork-data";

/** The workloads that read secrets from Vault, each through its own role and policy. */
const QDRANT_CONSUMER: VaultConsumer = { name: "qdrant", namespace: DATA_NAMESPACE, serviceAccount: "qdrant-secrets" };
const POSTGRES_CONSUMER: VaultConsumer = { name: "postgres", namespace: DATA_NAMESPACE, serviceAccount: "postgres-secrets" };
const LANGFUSE_CONSUMER: VaultConsumer = { name: "langfuse", namespace: LANGFUSE_NAMESPACE, serviceAccount: "langfuse-secrets" };

/** The site that runs the servers; the config schema guarantees there is exactly one. */
function serverSite(config: StackConfig): Site {
    if (config.oci?.nodes.some((n) => n.role === "server")) return "oci";
    if (config.aws?.servers) return "aws";
    return "edge";
}

/**
 * Builds the whole stack from its parsed configuration and returns the stack outputs.
 * Sites are built in a fixed order (OCI, AWS, edge): each one's firewall names the others'
 * public addresses, which are either allocated up front (AWS Elastic IPs), configured (edge)
 * or outputs of a site built earlier (OCI).
 */
export function buildPlatform(config: StackConfig) {
    const sites = (["oci", "aws", "edge"] as const).filter((s) => config[s] !== undefined);
    const ctx: ClusterContext = {
        cluster: config.cluster,
        overlay: config[sites[0]]!.overlay,
        serverSite: serverSite(config),
        multiSite: sites.length > 1,
        token: new random.RandomPassword("k3s-token", { length: 64, special: false }).result,
        tailscale: config.cluster.tailscale,
        operatorKey: new tls.PrivateKey("operator-ssh", { algorithm: "ED25519" }),
    };
    const wireguard = ctx.overlay === "wireguard-native";

    const aws = config.aws && awsAddresses(ctx, config.aws);
    const awsPublic = aws ? [...aws.servers, ...Object.values(aws.gpuNodes).flat()].map((e) => e.publicIp) : [];
    const edgePublic = config.edge ? config.edge.machines.map(edgeAddress) : [];
    let externalServerUrl: pulumi.Input<string> | undefined =
        ctx.serverSite === "aws" ? pulumi.interpolate`https://${aws!.servers[0].publicIp}:6443`
        : ctx.serverSite === "edge" ? `https://${edgeAddress(config.edge!.machines.find((m) => m.role === "server")!)}:6443`
        : undefined;

    const built: SiteResult[] = [];
    let ociPublic: pulumi.Input<string>[] = [];
    let ociProvider: pulumi.ProviderResource | undefined;
    if (config.oci) {
        const oci = ociSite(ctx, config.oci, { peerCidrs: wireguard ? hostCidrs([...awsPublic, ...edgePublic]) : [], externalServerUrl });
        externalServerUrl ??= oci.externalServerUrl;
        ociPublic = Object.values(oci.nodes).map((n) => n.publicIp);
        ociProvider = oci.provider;
        built.push(oci);
    }
    if (config.aws) {
        built.push(awsSite(ctx, config.aws, { addresses: aws!, peerCidrs: wireguard ? hostCidrs([...ociPublic, ...edgePublic]) : [], externalServerUrl }));
    }
    if (config.edge) {
        built.push(edgeSite(ctx, config.edge, { externalServerUrl }));
    }

    const server = built.find((s) => s.serverAccess)!.serverAccess!;
    const access = new K3sClusterAccess("k3s", {
        serverAddress: server.address,
        sshPort: server.port,
        sshUser: server.user,
        sshPrivateKey: server.privateKey,
    }, { dependsOn: server.dependsOn });
    const provider = access.provider;

    const scheduling = schedulingFor(config.placement.platform);
    new LinkerdMesh("linkerd", { ha: config.platform.mesh.ha, scheduling }, { provider });

    const vaultConfig = config.platform.vault;
    new Vault("vault", { replicas: vaultConfig.replicas, storageGbs: vaultConfig.storageGbs, seal: vaultSeal(config, aws, ociProvider), scheduling }, { provider });
    new VaultSecretsOperator("vault-secrets-operator", { scheduling }, { provider });
    const backup = backupTarget(config, aws, ociProvider);
    const vaultBootstrap = new VaultBootstrap("vault", {
        server: { address: server.address, port: server.port, user: server.user, privateKey: server.privateKey },
        init: vaultConfig.unseal === "auto",
        token: vaultConfig.token,
        consumers: [QDRANT_CONSUMER, POSTGRES_CONSUMER, LANGFUSE_CONSUMER],
        secrets: platformSecrets({
            "postgres/backup": { accessKeyId: backup.accessKeyId, secretAccessKey: backup.secretAccessKey, region: pulumi.output(backup.region) },
            "langfuse/s3": { accessKeyId: backup.accessKeyId, secretAccessKey: backup.secretAccessKey },
        }),
    }, { dependsOn: [access] });
    const certManager = new CertManager("cert-manager", { scheduling }, { provider });
    new k8s.core.v1.Namespace("platform", {
        metadata: {
            name: PLATFORM_NAMESPACE,
            annotations: { ...MESHED_NAMESPACE_ANNOTATIONS },
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "app.kubernetes.io/managed-by": "groundwork",
            },
        },
    }, { provider });

    const data = new k8s.core.v1.Namespace("data", {
        metadata: {
            name: DATA_NAMESPACE,
            annotations: { ...MESHED_NAMESPACE_ANNOTATIONS },
            labels: { "pod-security.kubernetes.io/enforce": "restricted", "app.kubernetes.io/managed-by": "groundwork" },
        },
    }, { provider, retainOnDelete: true });
    const postgres = config.platform.postgres;
    new PostgresVector("postgres", {
        namespace: DATA_NAMESPACE,
        instances: postgres.instances,
        storageGbs: postgres.storageGbs,
        database: postgres.database,
        vaultConsumer: POSTGRES_CONSUMER,
        backup: { endpointURL: backup.endpointURL, bucket: backup.bucket, region: backup.region, retentionDays: postgres.backup.retentionDays, schedule: postgres.backup.schedule },
        databases: [{ name: "langfuse" }],
        // Langfuse's web and worker run as the chart's service account.
        clients: [`${LANGFUSE_NAMESPACE}/langfuse`],
        certManager: certManager.release,
        scheduling,
    }, { provider, dependsOn: [data] });
    new Langfuse("langfuse", {
        version: config.platform.langfuse.version,
        vaultConsumer: LANGFUSE_CONSUMER,
        postgres: { host: `postgres-rw.${DATA_NAMESPACE}.svc.cluster.local`, database: "langfuse" },
        blobStorage: { endpointURL: backup.endpointURL, bucket: backup.bucket, region: backup.region, prefix: "langfuse/" },
        clickhouseStorageGbs: config.platform.langfuse.clickhouseStorageGbs,
        scheduling,
    }, { provider });
    const vectorDb = config.platform.vectorDb;
    new Qdrant("qdrant", {
        namespace: DATA_NAMESPACE,
        vaultConsumer: QDRANT_CONSUMER,
        replicas: vectorDb.replicas,
        storageGbs: vectorDb.storageGbs,
        clients: vectorDb.clients,
        scheduling,
    }, { provider, dependsOn: [data] });

    const nodes = Object.assign({}, ...built.map((s) => s.nodes)) as SiteResult["nodes"];
    if (Object.values(nodes).some((n) => n.kind === "gpu")) {
        new NvidiaGpuSupport("nvidia", {}, { provider });
    }

    return {
        kubeconfig: access.kubeconfig,
        apiServer: pulumi.interpolate`https://${server.address}:6443`,
        overlay: ctx.overlay,
        ...(vaultConfig.unseal === "auto" && { vaultRecoveryKey: vaultBootstrap.recoveryKey }),
        nodes: Object.fromEntries(Object.entries(nodes).map(([name, n]) => [name, { kind: n.kind, privateIp: n.privateIp, publicIp: n.publicIp }])),
    };
}

/** Vault's seal: AWS KMS when the stack has an AWS site, else OCI KMS, else Shamir (manual). */
function vaultSeal(config: StackConfig, aws: AwsAddresses | undefined, ociProvider: pulumi.ProviderResource | undefined): VaultSeal {
    if (config.platform.vault.unseal === "manual") {
        return { type: "shamir" };
    }
    if (config.aws && aws) {
        const key = new AwsVaultUnsealKey("vault-unseal", {}, { provider: aws.provider });
        return { type: "awskms", region: config.aws.region, keyId: key.keyId, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    }
    const oci = config.oci!;
    const key = new OciVaultUnsealKey("vault-unseal", {
        compartmentId: oci.compartmentId,
        tenancyId: (oci.tenancyOcid ?? oci.auth?.tenancyOcid)!,
    }, { provider: ociProvider! });
    return { type: "ocikms", keyId: key.keyId, cryptoEndpoint: key.cryptoEndpoint, managementEndpoint: key.managementEndpoint };
}

/** Object storage for database backups: the stack's cloud (AWS first, else OCI), or a bucket from config. */
function backupTarget(config: StackConfig, aws: AwsAddresses | undefined, ociProvider: pulumi.ProviderResource | undefined): BackupTarget & { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> } {
    const given = config.platform.postgres.backup.s3;
    if (given) {
        return { ...given, accessKeyId: pulumi.output(given.accessKeyId), secretAccessKey: pulumi.output(given.secretAccessKey) };
    }
    if (config.aws && aws) {
        return new AwsBackupBucket("backups", { region: config.aws.region }, { provider: aws.provider });
    }
    const oci = config.oci!;
    return new OciBackupBucket("backups", {
        compartmentId: oci.compartmentId,
        region: oci.region,
        userId: (oci.backupUserOcid ?? oci.auth?.userOcid)!,
    }, { provider: ociProvider! });
}
