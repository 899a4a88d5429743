import { ServiceExternalIpsAdmission } from "../components/k3s/service-external-ips";
import { ServiceTypeAdmission } from "../components/k3s/service-types";
import { NodeRegistrationAdmission } from "../components/k3s/node-registration-admission";
import { registeringNodes } from "./cluster-nodes";
import { OperatorAccess } from "../components/k3s/operator-access";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY_PORT } from "../components/inference/llm-gateway";
import { OPENAI_API_ENDPOINTS } from "../components/inference/gateway-authorization";
import { CHAT_USER_HEADER } from "../components/apps/chat-ui";
import { LITELLM_END_USER_HEADERS, LITELLM_KEY_HEADERS_BESIDE_AUTHORIZATION, PUBLIC_GATEWAY_AUTHORIZATION } from "../components/inference/gateway-config";
import { INGRESS_CLIENT, INGRESS_NAMESPACE } from "../components/ingress/ingress-controller";
import { ingressOpenings } from "./ingress";
import { isolateKubeSystem } from "../components/platform/network-isolation";
import { ClusterAutoscaler, CLUSTER_AUTOSCALER_NAMESPACE } from "../components/aws/cluster-autoscaler";
import { AwsVaultUnsealKey } from "../components/aws/vault-unseal-key";
import { NvidiaGpuSupport } from "../components/gpu/nvidia-gpu-support";
import { OciVaultUnsealKey } from "../components/oci/vault-unseal-key";
import { childrenDependOn } from "../components/ordering";
import { schedulingFor } from "../components/placement";
import { CERT_MANAGER_CONTROLLER_ACCOUNT, CERT_MANAGER_NAMESPACE, CertManager } from "../components/platform/cert-manager";
import { MeshOptOutAdmission } from "../components/platform/mesh-opt-out-admission";
import { Langfuse, LANGFUSE_NAMESPACE, LANGFUSE_SERVICE_ACCOUNT } from "../components/platform/langfuse";
import { LinkerdMesh, meshedNamespaceArgs } from "../components/platform/linkerd-mesh";
import { PostgresVector } from "../components/platform/postgres-vector";
import { serverCount, stackStorage } from "./object-storage";
import { etcdS3Settings, EtcdSnapshotTarget } from "../components/k3s/etcd-snapshot-settings";
import { etcdSnapshotCount } from "./config/backups";
import { RAFT_SNAPSHOT_POLICY, VaultSnapshots } from "../components/platform/vault-snapshots";
import { Qdrant } from "../components/platform/qdrant";
import { K3sUpgrades } from "../components/k3s/upgrades";
import { NodeReboots } from "../components/k3s/reboots";
import { localPathFence } from "../components/k3s/local-path-admission";
import { ControllerAdmission } from "../components/admission-policy";
import { Vault, VAULT_AUDIT_LOG, VaultSeal, VAULT_NAMESPACE, VAULT_RELEASE } from "../components/platform/vault";
import { VaultBootstrap, VaultConsumer } from "../components/platform/vault-bootstrap";
import { VaultSecretsOperator, VSO_CLIENT } from "../components/platform/vault-secrets-operator";
import { autoscalerClusterName } from "./aws-site";
import { Cluster } from "./cluster";
import { StackConfig, vaultHosts, vaultSealKind } from "./config";
import { PromptsAndEvaluations } from "./prompts";
import { keyRotationRuleGroup } from "../components/observability/alert-rules";
import { PrometheusRules } from "../components/observability/prometheus-rules";
import { buildInference, keyRotationSchedule, EVALUATIONS_SERVICE_ACCOUNT, PROMPTS_SERVICE_ACCOUNT, GATEWAY_CONSUMER, withEvaluationsTeam, GATEWAY_SERVICE, GATEWAY_SERVICE_ACCOUNT, INFERENCE_NAMESPACE, GATEWAY_DATABASE, INFERENCE_POSTGRES_CLIENTS, inferenceSecrets, MODELS_CONSUMER } from "./inference";
import { platformSecrets } from "./platform-secrets";
import { peopleAuth, ssoSecrets } from "./people";
import { appConsumers, appDatabases, appKeyAliases, appSecrets, buildApps, withAppKeys } from "./apps";
import { StackIngress, TLS_ISSUER } from "./ingress";
import { acmeAccountKeySecret } from "../components/ingress/tls-issuer";
import { guardedNamespace } from "../components/platform/guarded-namespace";
import { GRAFANA_SERVICE, MONITORING_ADMISSION_WEBHOOKS } from "../components/observability/monitoring";
import { buildMonitoring, grafanaSignsInWithSso, MONITORING_CONSUMER, monitoringSecrets } from "./monitoring";
import { acmeDestinations, identityProviderDestinations } from "./egress";
import { serviceHost } from "../components/service-host";

/** Namespace for Groundwork's own platform workloads; Pod Security "restricted" is enforced there. */
export const PLATFORM_NAMESPACE = "groundwork-system";
/** Namespace for the data stores. */
export const DATA_NAMESPACE = "groundwork-data";

/** The workloads that read secrets from Vault, each through its own role and policy. */
const QDRANT_CONSUMER: VaultConsumer = { name: "qdrant", namespace: DATA_NAMESPACE, serviceAccount: "qdrant-secrets" };
const POSTGRES_CONSUMER: VaultConsumer = { name: "postgres", namespace: DATA_NAMESPACE, serviceAccount: "postgres-secrets" };
const LANGFUSE_CONSUMER: VaultConsumer = { name: "langfuse", namespace: LANGFUSE_NAMESPACE, serviceAccount: "langfuse-secrets" };
/** k3s's etcd snapshot settings: VSO writes them to the one Secret k3s reads, in kube-system. */
const ETCD_CONSUMER: VaultConsumer = { name: "etcd", namespace: "kube-system", serviceAccount: "etcd-snapshot-secrets" };
/** Vault's own snapshots: the CronJob's account logs in, reads its bucket key and takes a Raft snapshot. */
const VAULT_SNAPSHOTS_CONSUMER: VaultConsumer = { name: "vault-snapshots", namespace: VAULT_NAMESPACE, serviceAccount: "vault-snapshots", policy: RAFT_SNAPSHOT_POLICY };
const AUTOSCALER_CONSUMER: VaultConsumer = { name: "cluster-autoscaler", namespace: CLUSTER_AUTOSCALER_NAMESPACE, serviceAccount: "cluster-autoscaler-secrets" };

/**
 * The platform layer on a cluster: the mesh, Vault and its operator, the data stores and
 * Langfuse, with every secret generated here and served from Vault. Returns Vault's recovery
 * key (auto-unseal only).
 */
export function buildPlatformServices(config: StackConfig, cluster: Cluster, promptsAndEvaluations: PromptsAndEvaluations = { prompts: [], evaluations: [] }): { vaultRecoveryKeys?: pulumi.Output<string[] | undefined>; gatewayUrl?: pulumi.Output<string>; urls?: Record<string, string> } {
    const provider = cluster.access.provider;
    const scheduling = schedulingFor(config.placement.platform);
    // k3s upgrades: unmeshed, so they run when the mesh does not.
    new K3sUpgrades("k3s-upgrades", { apiServer: cluster.apiServer, version: config.cluster.k3sVersion, window: config.cluster.upgrades.window }, { provider });
    new NodeReboots("kured", { apiServer: cluster.apiServer, window: config.cluster.upgrades.reboots }, { provider });
    // k3s's local-path provisioner may run only its helper pods in kube-system (security review s25 F3).
    new ControllerAdmission("local-path-provisioner", { fences: [localPathFence()] }, { provider });
    // No Service may claim external IPs, which would take every pod's traffic to them (CVE-2020-8554).
    new ServiceExternalIpsAdmission("service-external-ips", { provider });
    // Kubelets register only under the names the stack makes, and autoscaled ones with their group's labels (threat model, agent token).
    new NodeRegistrationAdmission("node-registration", registeringNodes(config), { provider });
    // Nor may any but the ingress be a LoadBalancer or NodePort, whose ports ServiceLB holds on every node (controller RBAC review s25 F1).
    new ServiceTypeAdmission("service-types", { ingressNamespaces: [INGRESS_NAMESPACE] }, { provider });
    // Operators sign in to the API server as themselves when the stack has an identity provider.
    if (config.access?.sso?.kubernetesClientId) new OperatorAccess("operators", { operatorsGroup: config.access.sso.operatorsGroup, issuer: config.access.sso.issuer }, { provider });
    // cert-manager issues the mesh's identity issuer, so it comes first; it is never meshed.
    // No pod leaves the mesh in a namespace the injector meshes, but cert-manager's ACME solvers (issue 12 audit s26).
    new MeshOptOutAdmission("mesh-opt-out", { certManagerAccount: `${CERT_MANAGER_NAMESPACE}/${CERT_MANAGER_CONTROLLER_ACCOUNT}` }, { provider });
    const certManager = new CertManager("cert-manager", { acme: acmeDestinations(config), podCidr: config.cluster.podCidr, apiServer: cluster.apiServer, scheduling, caInjectionTargets: [MONITORING_ADMISSION_WEBHOOKS], acmeAccountKeys: config.access?.tls.issuer === "acme" ? [acmeAccountKeySecret(TLS_ISSUER)] : [] }, { provider });
    const mesh = new LinkerdMesh("linkerd", { podCidr: config.cluster.podCidr, apiServer: cluster.apiServer, ha: config.platform.mesh.ha, trustAnchors: config.platform.mesh.trustAnchor, certManager: certManager.release, scheduling }, { provider });
    isolateKubeSystem({ namespace: INGRESS_NAMESPACE, ports: ingressOpenings(config.access).map((opening) => opening.port) }, config.cluster.podCidr, cluster.apiServer, { provider });
    // Pods in meshed namespaces are admitted only by a serving proxy injector (it fails closed):
    // everything meshed waits for the control plane, or it would start unmeshed or be refused.
    const afterMesh = (...more: pulumi.Resource[]) => ({ provider, transformations: [childrenDependOn([mesh, ...more])] });

    // Vault and Langfuse call the identity provider themselves.
    const identityProvider = identityProviderDestinations(config);
    const vaultConfig = config.platform.vault;
    const vault = new Vault("vault", {
        apiServer: cluster.apiServer,
        replicas: vaultConfig.replicas,
        storageGbs: vaultConfig.storageGbs,
        seal: vaultSeal(config, cluster),
        clients: [VSO_CLIENT, `${VAULT_SNAPSHOTS_CONSUMER.namespace}/${VAULT_SNAPSHOTS_CONSUMER.serviceAccount}`, ...(config.access?.hosts.vault ? [INGRESS_CLIENT] : [])],
        identityProvider,
        scheduling,
    }, afterMesh());
    const vso = new VaultSecretsOperator("vault-secrets-operator", { scheduling, apiServer: cluster.apiServer }, afterMesh());
    const { backups: backup, unlocked } = stackStorage(config, cluster);
    const secrets = platformSecrets({
        "postgres/backup": { ...backup.keyFor("postgres")!, region: pulumi.output(backup.region) },
        "langfuse/s3": unlocked.keyFor("langfuse")!,
        "vault-snapshots/bucket-key": backup.keyFor("vault")!,
        "qdrant/bucket-key": backup.keyFor("qdrant")!,
        "langfuse/clickhouse-backup": unlocked.keyFor("clickhouse")!,
        "etcd/s3": etcdS3Settings({ ...unlocked, key: unlocked.keyFor("etcd") }, etcdSnapshotCount(config.platform.backups.etcd) * serverCount(config)),
    });
    // Each application gets a virtual key in its team, provisioned like the others.
    // And the evaluations their own team and key, when the stack runs any.
    const inference = withEvaluationsTeam(withAppKeys(config.inference, config.apps), promptsAndEvaluations.evaluations);
    const effective: StackConfig = { ...config, inference };
    const postgresHost = `${serviceHost("postgres-rw", DATA_NAMESPACE)}:5432`;
    if (inference) {
        Object.assign(secrets, inferenceSecrets(inference, secrets["langfuse/api-keys"], appKeyAliases(config.inference, config.apps)));
    }
    Object.assign(secrets, monitoringSecrets(config.monitoring));
    const access = config.access;
    const sso = access?.sso;
    if (sso) {
        const grafanaSso = grafanaSignsInWithSso(config) ? [MONITORING_CONSUMER] : [];
        Object.assign(secrets, ssoSecrets(sso, [LANGFUSE_CONSUMER, ...appConsumers(config.apps), ...grafanaSso].map((c) => c.name)));
    }
    if (inference) {
        Object.assign(secrets, appSecrets(effective, postgresHost, secrets["gateway/virtual-keys"]));
    }
    const apps = appDatabases(config.apps);
    const identity = cluster.autoscalerIdentity;
    if (identity) {
        secrets[`${AUTOSCALER_CONSUMER.name}/aws`] = { AWS_ACCESS_KEY_ID: identity.accessKeyId, AWS_SECRET_ACCESS_KEY: identity.secretAccessKey };
    }
    const vaultBootstrap = new VaultBootstrap("vault", {
        server: { address: cluster.server.address, port: cluster.server.port, user: cluster.server.user, privateKey: cluster.server.privateKey, hostKey: cluster.server.hostKey },
        init: vaultConfig.unseal === "auto",
        token: vaultConfig.token,
        recoveryPgpKeys: vaultConfig.recoveryPgpKeys,
        consumers: [QDRANT_CONSUMER, POSTGRES_CONSUMER, LANGFUSE_CONSUMER, ETCD_CONSUMER, VAULT_SNAPSHOTS_CONSUMER, MONITORING_CONSUMER, ...(inference ? [GATEWAY_CONSUMER] : []), ...(inference?.huggingfaceToken ? [MODELS_CONSUMER] : []), ...(identity ? [AUTOSCALER_CONSUMER] : []), ...appConsumers(config.apps)],
        secrets,
        people: sso && peopleAuth(sso, config.inference?.teams ?? [], access?.hosts.vault),
        auditLog: VAULT_AUDIT_LOG,
        teams: {
            names: config.inference?.teams.map((t) => t.name) ?? [],
            owned: sso ? (config.inference?.teams ?? []).filter((t) => t.ownersGroup).map((t) => t.name) : [],
        },
        after: [cluster.access, vault],
    });
    new EtcdSnapshotTarget("etcd-snapshots", { vaultConsumer: ETCD_CONSUMER }, { provider, dependsOn: [vso, vaultBootstrap] });
    new VaultSnapshots("vault-snapshots", {
        vaultConsumer: VAULT_SNAPSHOTS_CONSUMER,
        schedule: config.platform.backups.vault.schedule,
        bucket: backup,
        storageGbs: vaultConfig.storageGbs,
        scheduling,
    }, afterMesh(vaultBootstrap));
    const ingress = access && new StackIngress(access, { provider, certManager: certManager.release, mesh, scheduling, replicas: access.replicas, podCidr: config.cluster.podCidr, apiServer: cluster.apiServer });
    guardedNamespace("platform", meshedNamespaceArgs(PLATFORM_NAMESPACE, "restricted", {
        "pod-security.kubernetes.io/enforce-version": "latest",
    }), { provider });
    const data = guardedNamespace("data", meshedNamespaceArgs(DATA_NAMESPACE, "restricted"), { provider, retainOnDelete: true });
    const postgres = config.platform.postgres;
    const postgresService = new PostgresVector("postgres", {
        namespace: DATA_NAMESPACE,
        podCidr: config.cluster.podCidr,
        apiServer: cluster.apiServer,
        instances: postgres.instances,
        storageGbs: postgres.storageGbs,
        database: postgres.database,
        vaultConsumer: POSTGRES_CONSUMER,
        backup: { endpointURL: backup.endpointURL, bucket: backup.bucket, region: backup.region, egress: backup.egress, requiredChecksumsOnly: backup.requiredChecksumsOnly, retentionDays: postgres.backup.retentionDays, schedule: postgres.backup.schedule, serverName: postgres.backup.serverName },
        restore: postgres.restore,
        databases: [{ name: "langfuse" }, ...(inference ? [{ name: GATEWAY_DATABASE }] : []), ...apps.databases],
        clients: [`${LANGFUSE_NAMESPACE}/${LANGFUSE_SERVICE_ACCOUNT}`, ...(inference ? INFERENCE_POSTGRES_CLIENTS : []), ...apps.clients, ...postgres.clients],
        certManager: certManager.release,
        scheduling,
    }, afterMesh(data));
    const langfuseUrl = ingress?.urlOf("langfuse") ?? config.platform.langfuse.url;
    const langfuse = new Langfuse("langfuse", {
        version: config.platform.langfuse.version,
        url: langfuseUrl,
        // With SSO, the first administrator signs in through the identity provider (linked by e-mail).
        adminEmail: sso?.administrators[0] ?? config.platform.langfuse.adminEmail,
        sso: sso && { issuer: sso.issuer, clientId: sso.clientId, openSignUp: sso.langfuseSignUp },
        clients: [
            ...(access?.hosts.langfuse ? [INGRESS_CLIENT] : []),
            ...(inference ? [`${INFERENCE_NAMESPACE}/${GATEWAY_SERVICE_ACCOUNT}`] : []),
            ...(inference && promptsAndEvaluations.evaluations.length > 0 ? [`${INFERENCE_NAMESPACE}/${EVALUATIONS_SERVICE_ACCOUNT}`] : []),
            ...(inference && promptsAndEvaluations.prompts.length > 0 ? [`${INFERENCE_NAMESPACE}/${PROMPTS_SERVICE_ACCOUNT}`] : []),
            ...config.platform.langfuse.clients,
        ],
        vaultConsumer: LANGFUSE_CONSUMER,
        postgres: { host: serviceHost("postgres-rw", DATA_NAMESPACE), database: "langfuse" },
        blobStorage: { endpointURL: unlocked.endpointURL, bucket: unlocked.bucket, region: unlocked.region, egress: unlocked.egress, requiredChecksumsOnly: unlocked.requiredChecksumsOnly, prefix: "langfuse/" },
        identityProvider,
        clickhouseStorageGbs: config.platform.langfuse.clickhouseStorageGbs,
        clickhouseBackups: { schedule: config.platform.backups.clickhouse.schedule, bucket: unlocked },
        scheduling,
    }, afterMesh());
    const vectorDb = config.platform.vectorDb;
    new Qdrant("qdrant", {
        namespace: DATA_NAMESPACE,
        vaultConsumer: QDRANT_CONSUMER,
        replicas: vectorDb.replicas,
        storageGbs: vectorDb.storageGbs,
        clients: vectorDb.clients,
        snapshots: { schedule: config.platform.backups.qdrant.schedule, bucket: backup },
        scheduling,
    }, afterMesh(data));

    if (identity) {
        new ClusterAutoscaler("cluster-autoscaler", {
            apiServer: cluster.apiServer,
            clusterName: autoscalerClusterName(),
            region: config.aws!.region,
            vaultConsumer: AUTOSCALER_CONSUMER,
            scheduling,
        }, afterMesh(vaultBootstrap));
    }
    const gpus = cluster.autoscaledGpus || Object.values(cluster.nodes).some((n) => n.kind === "gpu");
    const monitoring = buildMonitoring(config, { provider, apiServer: cluster.apiServer, after: [mesh, certManager, vso, vaultBootstrap], ingress, gpus, autoscaler: identity !== undefined, scheduling });
    const gpuSupport = gpus ? [new NvidiaGpuSupport("nvidia", { metricsAfter: [monitoring], apiServer: cluster.apiServer }, { provider })] : [];
    const served = buildInference(effective, {
        provider,
        apiServer: cluster.apiServer,
        after: [mesh, vaultBootstrap, postgresService, langfuse, ...gpuSupport],
        postgresHost,
        langfuseHost: `http://${serviceHost("langfuse-web", LANGFUSE_NAMESPACE)}:3000`,
        virtualKeys: secrets["gateway/virtual-keys"],
        ...promptsAndEvaluations,
        stack: pulumi.getStack(),
    });
    if (served && config.inference) {
        // The keys' rotation dates move on only once the period's keys are in the gateway (its access Job), never ahead of a rotation that failed.
        new PrometheusRules("gateway-key-rotation", {
            ruleName: "groundwork-gateway-keys",
            groups: [keyRotationRuleGroup(keyRotationSchedule(new Date(), config.inference.gateway.keyRotationDays))],
            runbookUrl: config.monitoring.alerts.runbookUrl,
        }, { provider, transformations: [childrenDependOn([monitoring, served.gateway])] });
    }
    if (ingress) {
        // Without SSO, Langfuse (a UI with passwords from Vault) is for operators only.
        ingress.route("langfuse", {
            namespace: LANGFUSE_NAMESPACE, service: { name: "langfuse-web", port: 3000 }, after: [langfuse],
            ...(sso ? { audience: "ui", signInIssuer: sso.issuer } : { audience: "admin" }),
        });
        ingress.route("vault", { namespace: VAULT_NAMESPACE, service: { name: VAULT_RELEASE, port: 8200 }, audience: "admin", after: [vault] });
        // Grafana signs people in through SSO when the issuer's endpoints are known; otherwise it is for operators only.
        ingress.route("grafana", {
            namespace: MONITORING_CONSUMER.namespace, service: GRAFANA_SERVICE, after: [monitoring],
            ...(grafanaSignsInWithSso(config) && sso ? { audience: "ui", signInIssuer: sso.issuer } : { audience: "admin" }),
        });
        if (served) {
            ingress.route("gateway", {
                namespace: INFERENCE_NAMESPACE, service: { name: GATEWAY_SERVICE, port: GATEWAY_PORT }, audience: "api",
                paths: { exact: [...OPENAI_API_ENDPOINTS.exact] }, rateLimit: { ...access!.gatewayRateLimit, perHeader: "Authorization" }, after: [served.gateway],
                // Only the chat UI in the mesh names its people to the gateway; a caller from outside may not pose as one.
                // And a key comes in Authorization alone, the header the per-key limit counts.
                stripRequestHeaders: [CHAT_USER_HEADER, ...LITELLM_END_USER_HEADERS, ...LITELLM_KEY_HEADERS_BESIDE_AUTHORIZATION],
                headerPatterns: { Authorization: PUBLIC_GATEWAY_AUTHORIZATION },
            });
            ingress.route("gatewayAdmin", { namespace: INFERENCE_NAMESPACE, service: { name: GATEWAY_SERVICE, port: GATEWAY_PORT }, audience: "admin", after: [served.gateway] });
            buildApps(config, { provider, apiServer: cluster.apiServer, ingress, gatewayUrl: pulumi.interpolate`${served.gatewayUrl}/v1`, after: [mesh, vaultBootstrap, postgresService, served.gateway], scheduling });
        }
    }
    return {
        ...(vaultConfig.unseal === "auto" ? { vaultRecoveryKeys: vaultBootstrap.recoveryKeys } : {}),
        ...(served ? { gatewayUrl: served.gatewayUrl } : {}),
        ...(ingress ? { urls: ingress.urls } : {}),
    };
}

/** Vault's seal: AWS KMS when the stack has an AWS site, else OCI KMS, else Shamir (manual). */
function vaultSeal(config: StackConfig, { aws, ociProvider, nodes }: Cluster): VaultSeal {
    const kind = vaultSealKind(config);
    if (kind === "shamir") {
        return { type: "shamir" };
    }
    if (kind === "awskms" && aws) {
        const key = new AwsVaultUnsealKey("vault-unseal", {}, { provider: aws.provider });
        return { type: "awskms", region: config.aws!.region, keyId: key.keyId, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    }
    const oci = config.oci!;
    const hosts = vaultHosts(config);
    const key = new OciVaultUnsealKey("vault-unseal", {
        compartmentId: oci.compartmentId,
        tenancyId: (oci.tenancyOcid ?? oci.auth?.tenancyOcid)!,
        instanceIds: hosts.map((name) => nodes[name].ociInstanceId!),
    }, { provider: ociProvider! });
    return { type: "ocikms", keyId: key.keyId, cryptoEndpoint: key.cryptoEndpoint, managementEndpoint: key.managementEndpoint, nodes: hosts };
}
