import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "./footprint";
import { meshed, meshedNamespaceArgs } from "./linkerd-mesh";
import { MeshAuthorization } from "./mesh-authorization";
import { VaultConsumer } from "./vault-bootstrap";
import { VaultConsumerAuth, VaultSyncedSecret } from "./vault-synced-secret";
import { BucketTarget } from "../object-storage";
import { EgressAllowance, EgressDestination } from "./egress";
import { guardedNamespace } from "./guarded-namespace";
import { CLICKHOUSE_IMAGE_TAG, ClickhouseBackups, clickhouseBackupUrl, clickhouseBackupValues } from "./clickhouse-backups";
import { tagWithDigestWhenKnown } from "../image-digests";
import { SnapshotBucket } from "./snapshot-upload";

/** The release name, which prefixes ClickHouse's Service (`langfuse-clickhouse`). */
export const LANGFUSE_RELEASE = "langfuse";
/** The account ClickHouse's backup Job runs as. */
export const CLICKHOUSE_BACKUPS_ACCOUNT = "clickhouse-backups";

/**
 * Langfuse's chart, pinned on its 1.x line, the one that ships Langfuse v3. 2.0.0 ships v4 and needs
 * the ClickHouse operator, cert-manager-issued certificates, three Keeper replicas and SeaweedFS,
 * about 2.25 cores and 4 GiB of requests before web and worker (langfuse/langfuse-k8s@langfuse-2.0.0:
 * charts/langfuse/values.yaml), which the Always-Free platform cannot hold; 1.x keeps one ClickHouse
 * without ZooKeeper. Its ClickHouse and Valkey subcharts use Bitnami's frozen `bitnamilegacy` images.
 * Evidence: langfuse/langfuse-k8s@langfuse-1.5.41:charts/langfuse/Chart.yaml (`version: 1.5.41`,
 * `appVersion: "3.224.1"`), listed in the gh-pages index.yaml; 1.6.0 exists only on refs/pull/371,
 * never as a tag or index entry (checked 2026-11-27). Single-replica ClickHouse: issues #76, #225.
 */
export const LANGFUSE_CHART = { chart: "langfuse", repo: "https://langfuse.github.io/langfuse-k8s", version: "1.5.41", appVersion: "3.224.1", evidence: "langfuse/langfuse-k8s@langfuse-1.5.41:charts/langfuse/Chart.yaml" } as const;

/** The organisation and project headless initialisation creates, which the gateway traces to. */
export const LANGFUSE_ORG = { id: "groundwork", name: "Groundwork" } as const;
export const LANGFUSE_PROJECT = { id: "platform", name: "Platform" } as const;
export const LANGFUSE_NAMESPACE = "langfuse";
/** The service account Langfuse's web and worker pods run as (keys from charts/langfuse/values.yaml @f165de85). */
export const LANGFUSE_SERVICE_ACCOUNT = "langfuse";
/** Web and worker pods (charts/langfuse/templates/{web,worker}/deployment.yaml take langfuse.podSecurityContext). */
export const LANGFUSE_POD_SECURITY_CONTEXT = { runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } } as const;

// Requests are the steady state of a small platform; limits leave room for bursts.
const WEB_RESOURCES: ContainerResources = { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1536Mi" } };
const WORKER_RESOURCES: ContainerResources = { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } };
/**
 * The queue's Valkey volume, GiB: the subchart's own default (bitnami/charts@valkey/2.2.4
 * bitnami/valkey/values.yaml primary.persistence, `enabled: true`, `size: 8Gi`), set here so the
 * disk check counts what is created.
 */
export const LANGFUSE_QUEUE_STORAGE_GBS = 8;
const CLICKHOUSE_RESOURCES: ContainerResources = { requests: { cpu: "250m", memory: "1536Mi" }, limits: { cpu: "1", memory: "3Gi" } };
const VALKEY_RESOURCES: ContainerResources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "250m", memory: "256Mi" } };

export function langfuseFootprint(): Footprint[] {
    return [
        { workload: "langfuse-web", pods: 1, perPod: meshed(requestsOf(WEB_RESOURCES)) },
        { workload: "langfuse-worker", pods: 1, perPod: meshed(requestsOf(WORKER_RESOURCES)) },
        { workload: "clickhouse", pods: 1, perPod: meshed(requestsOf(CLICKHOUSE_RESOURCES)) },
        { workload: "valkey", pods: 1, perPod: meshed(requestsOf(VALKEY_RESOURCES)) },
    ];
}

/** Where Langfuse's custom OIDC provider sends people back (next-auth provider id `custom`). */
export const LANGFUSE_SSO_CALLBACK = "/api/auth/callback/custom";

/**
 * `langfuse.auth`: each `providers.custom.<option>` renders AUTH_CUSTOM_<OPTION>, a
 * `secretKeyRef` map as valueFrom (langfuse/langfuse-k8s@langfuse-1.5.41:
 * charts/langfuse/templates/_helpers.tpl L277-298); `disableUsernamePassword` renders
 * AUTH_DISABLE_USERNAME_PASSWORD. Langfuse registers the provider only when client id, secret,
 * issuer and name are all set, and appends /.well-known/openid-configuration to the issuer, so
 * it goes without a trailing slash (langfuse/langfuse@v3.224.1: web/src/server/auth.ts).
 * Account linking lets the administrator created at start sign in through SSO by e-mail.
 */
export function langfuseSsoValues(sso: { issuer: string; clientId: string }, secretName: string) {
    return {
        disableUsernamePassword: true,
        providers: {
            custom: {
                name: "Single sign-on",
                clientId: sso.clientId,
                clientSecret: { secretKeyRef: { name: secretName, key: "clientSecret" } },
                issuer: sso.issuer.replace(/\/+$/, ""),
                scope: "openid email profile",
                allowAccountLinking: true,
            },
        },
    };
}

/** Langfuse's web and worker pods (langfuse/langfuse-k8s@langfuse-1.5.41 templates/_helpers.tpl selector labels). */
const LANGFUSE_PODS = { "app.kubernetes.io/name": "langfuse", "app.kubernetes.io/instance": "langfuse" };
/** Bitnami ClickHouse's pods (bitnami/charts@clickhouse/8.0.5 templates/statefulset.yaml L259-262). */
const CLICKHOUSE_PODS = { "app.kubernetes.io/name": "clickhouse", "app.kubernetes.io/instance": "langfuse" };

/**
 * Where Langfuse's pods go outside the cluster: web and worker to the blob bucket, ClickHouse to
 * the backup bucket (it writes its backups itself), web to the identity provider.
 */
export function langfuseEgress(blobs: EgressDestination, backups: EgressDestination, identityProvider: EgressDestination[]): EgressAllowance[] {
    return [
        { name: "langfuse-blob-storage", podSelector: LANGFUSE_PODS, to: [blobs], reason: "Langfuse's web and worker keep events, exports and media in the stack's bucket" },
        { name: "clickhouse-backups", podSelector: CLICKHOUSE_PODS, to: [backups], reason: "ClickHouse writes its scheduled backups to the stack's bucket itself" },
        ...(identityProvider.length > 0
            ? [{ name: "langfuse-identity-provider", podSelector: { ...LANGFUSE_PODS, "app.kubernetes.io/component": "web" }, to: identityProvider, reason: "people sign in to Langfuse through OIDC: the web app reads the issuer's discovery document and exchanges codes for tokens" }]
            : []),
    ];
}

export interface LangfuseArgs {
    /** Langfuse release (3.x) for web and worker images. */
    version: string;
    /** The URL people open Langfuse at (NEXTAUTH_URL: sign-in redirects go there). */
    url: string;
    /** The first administrator's e-mail; the password is the `password` key of the `admin` Vault secret. */
    adminEmail: string;
    /** The Vault role that reads `langfuse/*`. Its namespace is Langfuse's. */
    vaultConsumer: VaultConsumer;
    /** Postgres: the read-write service host and the database (owned by a role of the same name). */
    postgres: { host: string; database: string };
    /** S3-compatible blob storage for events, exports and media. */
    blobStorage: BucketTarget & { prefix: string };
    clickhouseStorageGbs: number;
    /**
     * Full backups of ClickHouse: when (five-field cron, UTC) and to which bucket, under
     * `clickhouse/`; the key is the `clickhouse-backup` Vault secret's.
     */
    clickhouseBackups: { schedule: string; bucket: SnapshotBucket };
    /**
     * Sign-in through the company's OIDC issuer instead of passwords. The client secret is the
     * `clientSecret` key of the consumer's `sso` Vault secret. The administrator signs in through
     * it (their account is linked by e-mail); `openSignUp` lets anyone the issuer authenticates
     * make an account, with no role until an owner gives one; otherwise sign-up stays closed.
     */
    sso?: { issuer: string; clientId: string; openSignUp: boolean };
    /** Where the identity provider is, for the web app's server-side calls (discovery, token, userinfo); none without SSO. */
    identityProvider?: EgressDestination[];
    /** Meshed service accounts (`namespace/name`) that may call the web app (the ingress, the gateway's callback, applications); others are refused. */
    clients: string[];
    scheduling?: Scheduling;
}

/**
 * Langfuse v3: web and worker on the platform's Postgres, with ClickHouse, Valkey and
 * S3-compatible blob storage; every secret (salt, NextAuth secret, encryption key, database,
 * ClickHouse, Valkey and bucket credentials, the project's API keys) synced from Vault. Headless
 * initialisation creates the organisation, the project and its API keys, so the gateway can
 * trace to it with no manual step.
 */
export class Langfuse extends pulumi.ComponentResource {
    constructor(name: string, args: LangfuseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:Langfuse", name, {}, opts);
        const parent = { parent: this };
        // Every pod chart 1.5.41 renders passes "restricted" with these values: web and worker with
        // the numeric user below, ClickHouse and Valkey with the Bitnami defaults (user 1001,
        // drop ALL, RuntimeDefault; their root volume-permissions init containers are off).
        const ns = guardedNamespace(name, meshedNamespaceArgs(args.vaultConsumer.namespace, "restricted"), { parent: this, retainOnDelete: true }, {
            egress: { allow: langfuseEgress(args.blobStorage.egress, args.clickhouseBackups.bucket.egress, args.identityProvider ?? []) },
        });
        const auth = new VaultConsumerAuth(`${name}-vault`, { consumer: args.vaultConsumer }, { parent: this, dependsOn: [ns] });
        const synced = (path: string, type?: string) => new VaultSyncedSecret(`${name}-${path}`, {
            auth,
            path: `${args.vaultConsumer.name}/${path}`,
            secretName: `${name}-${path}`,
            type,
        }, parent);
        const app = synced("app");
        const admin = synced("admin");
        const apiKeys = synced("api-keys");
        const db = synced("db");
        const clickhouse = synced("clickhouse");
        const valkey = synced("redis");
        const blob = synced("s3");
        const backupKey = synced("clickhouse-backup");
        const sso = args.sso && synced("sso");
        const ref = (secret: VaultSyncedSecret, key: string) => ({ secretKeyRef: { name: secret.secretName, key } });
        const envFrom = (envName: string, secret: VaultSyncedSecret, key: string) => ({ name: envName, valueFrom: ref(secret, key) });
        const placement = { nodeSelector: args.scheduling?.nodeSelector, tolerations: args.scheduling?.tolerations };

        // Only the named clients reach the web app (the kubelet's probes are admitted by path).
        // Pod labels: charts/langfuse/templates/web/deployment.yaml L36-38 and _helpers.tpl L48-51.
        new MeshAuthorization(`${name}-web-clients`, {
            namespace: args.vaultConsumer.namespace,
            podSelector: { ...LANGFUSE_PODS, "app.kubernetes.io/component": "web" },
            port: "http",
            clients: args.clients,
            noClients: "no gateway traces to it and no host serves its UI",
            proxyProtocol: "HTTP/1",
        }, { parent: this, dependsOn: [ns] });
        // ClickHouse and Valkey answer Langfuse alone (web runs migrations over ClickHouse's native
        // port, web and worker query over HTTP and queue through Valkey). Pod labels and port names:
        // bitnami/charts@clickhouse/8.0.5 templates/statefulset.yaml L259-262, valkey/2.2.4
        // templates/primary/application.yaml; 6379 is one of Linkerd's default opaque ports.
        const langfuse = [`${args.vaultConsumer.namespace}/${LANGFUSE_SERVICE_ACCOUNT}`];
        const store = (id: string, podSelector: Record<string, string>, port: string, proxyProtocol: "HTTP/1" | "opaque" | "unknown") =>
            new MeshAuthorization(`${name}-${id}`, { namespace: args.vaultConsumer.namespace, podSelector, port, clients: langfuse, proxyProtocol }, { parent: this, dependsOn: [ns] });
        store("clickhouse-http", CLICKHOUSE_PODS, "http", "HTTP/1");
        // The backup Job sends its BACKUP query over the native port; ClickHouse writes the bucket itself.
        new MeshAuthorization(`${name}-clickhouse-native`, {
            namespace: args.vaultConsumer.namespace, podSelector: CLICKHOUSE_PODS, port: "tcp", proxyProtocol: "unknown",
            clients: [...langfuse, `${args.vaultConsumer.namespace}/${CLICKHOUSE_BACKUPS_ACCOUNT}`],
        }, { parent: this, dependsOn: [ns] });
        // The PostgreSQL and MySQL wire protocols and the interserver port, rendered whatever the
        // config (statefulset.yaml L278-283): with one replica and no client, nobody may call them.
        for (const port of ["tcp-postgresql", "tcp-mysql", "http-intersrv"]) {
            new MeshAuthorization(`${name}-clickhouse-${port}`, {
                namespace: args.vaultConsumer.namespace, podSelector: CLICKHOUSE_PODS, port, clients: [],
                noClients: "Langfuse speaks ClickHouse's HTTP and native protocols only, and one replica has no peer",
            }, { parent: this, dependsOn: [ns] });
        }
        new MeshAuthorization(`${name}-worker`, {
            namespace: args.vaultConsumer.namespace,
            podSelector: { ...LANGFUSE_PODS, "app.kubernetes.io/component": "worker" },
            port: "http",
            clients: [],
            noClients: "the worker takes its work from Valkey; only the kubelet's probes call it, admitted by path",
        }, { parent: this, dependsOn: [ns] });
        store("valkey", { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "langfuse", "app.kubernetes.io/component": "primary" }, "redis", "opaque");
        const bucket = args.clickhouseBackups.bucket;
        const backupUrl = pulumi.all([bucket.endpointURL, bucket.bucket]).apply(([endpoint, bucketName]) => clickhouseBackupUrl(endpoint, bucketName, bucket.pathStyle));
        const release = pinnedRelease(name, LANGFUSE_CHART, {
            name: LANGFUSE_RELEASE,
            namespace: ns.metadata.name,
            values: {
                langfuse: {
                    // Named, so the Postgres policy can name it as a client.
                    // No API token in its pods: Langfuse calls no Kubernetes API, and its identity in the mesh and
                    // at Postgres is the account's name, not a token (chart-models review s22b F3;
                    // langfuse-k8s@langfuse-1.5.41 charts/langfuse/values.yaml L85-86, web/worker deployment.yaml L54).
                    serviceAccount: { create: true, name: LANGFUSE_SERVICE_ACCOUNT, automountServiceAccountToken: false },
                    // The images run as the named users nextjs/expressjs (uid 1001); a named user
                    // cannot prove non-root to the kubelet, so the uid is given.
                    podSecurityContext: LANGFUSE_POD_SECURITY_CONTEXT,
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                    salt: ref(app, "salt"),
                    nextauth: { url: args.url, secret: ref(app, "nextauthSecret") },
                    // AUTH_DISABLE_SIGNUP (web/src/env.mjs at v3.224.1); the first administrator comes from LANGFUSE_INIT_USER_*.
                    // It also refuses a first SSO sign-in (next-auth's createUser fails), so with SSO
                    // and openSignUp, new people join the organisation as viewers instead.
                    features: { telemetryEnabled: false, signUpDisabled: !(args.sso?.openSignUp ?? false) },
                    ...(args.sso && sso ? { auth: langfuseSsoValues(args.sso, sso.secretName) } : {}),
                    encryptionKey: ref(app, "encryptionKey"),
                    // Each image by digest when the release is one on record (components/image-digests.ts): the
                    // chart takes `web.image.tag` and `worker.image.tag` before `image.tag`
                    // (langfuse-k8s@langfuse-1.5.41 templates/web/deployment.yaml L73, worker/deployment.yaml L73).
                    web: { image: { tag: tagWithDigestWhenKnown(`langfuse/langfuse:${args.version}`) }, resources: WEB_RESOURCES },
                    worker: { image: { tag: tagWithDigestWhenKnown(`langfuse/langfuse-worker:${args.version}`) }, resources: WORKER_RESOURCES },
                    additionalEnv: [
                        { name: "LANGFUSE_INIT_ORG_ID", value: LANGFUSE_ORG.id },
                        { name: "LANGFUSE_INIT_ORG_NAME", value: LANGFUSE_ORG.name },
                        { name: "LANGFUSE_INIT_PROJECT_ID", value: LANGFUSE_PROJECT.id },
                        { name: "LANGFUSE_INIT_PROJECT_NAME", value: LANGFUSE_PROJECT.name },
                        envFrom("LANGFUSE_INIT_PROJECT_PUBLIC_KEY", apiKeys, "publicKey"),
                        envFrom("LANGFUSE_INIT_PROJECT_SECRET_KEY", apiKeys, "secretKey"),
                        { name: "LANGFUSE_INIT_USER_EMAIL", value: args.adminEmail },
                        { name: "LANGFUSE_INIT_USER_NAME", value: "Groundwork administrator" },
                        envFrom("LANGFUSE_INIT_USER_PASSWORD", admin, "password"),
                        ...(args.sso?.openSignUp ? [
                            { name: "LANGFUSE_DEFAULT_ORG_ID", value: LANGFUSE_ORG.id },
                            // No role: open-source Langfuse has no project roles, so an organisation
                            // role holds in every project of the organisation, the platform's and every
                            // team's in it, prompts and chat transcripts included (langfuse/langfuse@v3.224.1
                            // web/src/features/auth/lib/createProjectMembershipsOnSignup.ts L79 and L96-104,
                            // ee entitlements `rbac-project-roles`; NONE is a value web/src/env.mjs L117-119
                            // takes). An owner gives each person the role and organisation they need
                            // (security review s20 M1).
                            { name: "LANGFUSE_DEFAULT_ORG_ROLE", value: "NONE" },
                        ] : []),
                    ],
                    ...placement,
                },
                postgresql: {
                    deploy: false,
                    host: args.postgres.host,
                    port: 5432,
                    auth: { username: args.postgres.database, database: args.postgres.database, existingSecret: db.secretName, secretKeys: { userPasswordKey: "password" } },
                },
                clickhouse: {
                    deploy: true,
                    image: { tag: CLICKHOUSE_IMAGE_TAG },
                    // One replica: no cluster mode and no ZooKeeper (langfuse-k8s #76, #225).
                    clusterEnabled: false,
                    replicaCount: 1,
                    shards: 1,
                    zookeeper: { enabled: false },
                    resourcesPreset: "none",
                    resources: CLICKHOUSE_RESOURCES,
                    persistence: { size: `${args.clickhouseStorageGbs}Gi` },
                    auth: { username: "default", existingSecret: clickhouse.secretName, existingSecretKey: "password" },
                    // The subchart's own NetworkPolicy (on by default, bitnami/charts@clickhouse/8.0.5
                    // values.yaml L1177-1190) allows every egress, the metadata service included, and
                    // admits only ClickHouse's ports, not Linkerd's inbound 4143 where meshed clients
                    // arrive. The namespace's policy and the mesh govern it instead.
                    networkPolicy: { enabled: false },
                    ...clickhouseBackupValues(backupUrl, args.clickhouseBackups.bucket.region, backupKey.secretName),
                    ...placement,
                },
                redis: {
                    deploy: true,
                    architecture: "standalone",
                    // As ClickHouse's: bitnami/charts@valkey/2.2.4 values.yaml L1495-1507.
                    networkPolicy: { enabled: false },
                    auth: { existingSecret: valkey.secretName, existingSecretPasswordKey: "password" },
                    primary: {
                        extraFlags: ["--maxmemory-policy noeviction"], resourcesPreset: "none", resources: VALKEY_RESOURCES,
                        persistence: { size: `${LANGFUSE_QUEUE_STORAGE_GBS}Gi` },
                        ...placement,
                    },
                },
                s3: {
                    deploy: false,
                    bucket: args.blobStorage.bucket,
                    region: args.blobStorage.region,
                    endpoint: args.blobStorage.endpointURL,
                    forcePathStyle: true,
                    accessKeyId: ref(blob, "accessKeyId"),
                    secretAccessKey: ref(blob, "secretAccessKey"),
                    eventUpload: { prefix: `${args.blobStorage.prefix}events/` },
                    batchExport: { prefix: `${args.blobStorage.prefix}exports/` },
                    mediaUpload: { prefix: `${args.blobStorage.prefix}media/` },
                },
            },
        }, {
            parent: this,
            dependsOn: [app, admin, apiKeys, db, clickhouse, valkey, blob, backupKey, ...(sso ? [sso] : [])],
            // ClickHouse holds the traces: never uninstall it on a stack change.
            retainOnDelete: true,
        });
        new ClickhouseBackups(`${name}-clickhouse-backups`, {
            namespace: args.vaultConsumer.namespace,
            host: `${LANGFUSE_RELEASE}-clickhouse`,
            release: LANGFUSE_RELEASE,
            passwordSecret: clickhouse.secretName,
            serviceAccount: CLICKHOUSE_BACKUPS_ACCOUNT,
            schedule: args.clickhouseBackups.schedule,
            scheduling: args.scheduling,
        }, { parent: this, dependsOn: [release] });
        this.registerOutputs({});
    }
}
