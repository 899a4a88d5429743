import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { LITELLM_UID, scriptJob } from "./script-job";
import { Scheduling } from "../placement";
import { cpuMillis, Footprint, memoryMi } from "../platform/footprint";
import { meshed } from "../platform/linkerd-mesh";
import { GatewayAuthorization } from "./gateway-authorization";
import { VaultConsumerAuth, VaultSyncedSecret } from "../platform/vault-synced-secret";
import { VaultConsumer } from "../platform/vault-bootstrap";
import { DATA_CLASSES_ANNOTATION, dataClassesAnnotation, GATEWAY_ENV, gatewayAccess, gatewayConfig, GatewayRoute, renderGatewayConfig, GatewayTeam, hostedKeyEnv, RequestControls, RouterSettings, teamLangfuseEnv } from "./gateway-config";
import { PROVISION_SCRIPT } from "./gateway-provisioning";
import { REQUEST_POLICY_CALLBACK, REQUEST_POLICY_FILE, requestPolicy } from "./request-policy";
import { REQUEST_POLICY_HOOK } from "./request-policy-hook";
import { SCRAPER } from "../observability/scraper";
import { allowEgress, PUBLIC_HTTPS } from "../platform/egress";

/**
 * The LiteLLM proxy, non-root image, pinned. The gateway and its Job run on ARM (dev, hybrid).
 * v1.83.14-stable, the last `-stable` tag, ships x86-64 binaries in its arm64 layers (BerriAI/litellm
 * issue #29382): its Dockerfiles pinned amd64-only base digests, fixed by PR #27123 (multi-arch
 * index digests for wolfi-base and uv in Dockerfile.non_root), first released in v1.85.0
 * (BerriAI/litellm-docs:release_notes/v1.85.0/index.md, 2026-05-16). From v1.84.0 stable tags drop
 * `-stable` and are published bare and `v`-prefixed (release_notes/v1.84.0/index.md). Checked
 * 2026-11-27; the arm64 image itself is still to be confirmed on an A1 node (README, Inference).
 */
/** LiteLLM's probe endpoints (litellm/proxy/health_endpoints/_health_endpoints.py). */
const LIVENESS_PATH = "/health/liveliness";
const READINESS_PATH = "/health/readiness";
export const LITELLM_IMAGE = "ghcr.io/berriai/litellm-non_root:v1.85.0";
export const GATEWAY_PORT = 4000;
export const GATEWAY_COMPONENT_LABEL = { "app.kubernetes.io/component": "llm-gateway" };
const UID = LITELLM_UID;

export const GATEWAY_RESOURCES = { requests: { cpu: "200m", memory: "768Mi" }, limits: { memory: "1536Mi" } };

/** The gateway's pods on the platform placement, each with its mesh proxy. */
export function llmGatewayFootprint(replicas: number): Footprint[] {
    const perPod = meshed({ cpuMillis: cpuMillis(GATEWAY_RESOURCES.requests.cpu), memoryMi: memoryMi(GATEWAY_RESOURCES.requests.memory) });
    return [{ workload: "llm-gateway", pods: replicas, perPod }];
}

export interface LlmGatewayArgs {
    namespace: pulumi.Input<string>;
    /** Service account the gateway runs as (a Postgres client and a vLLM client by name). */
    serviceAccount: string;
    /** Vault consumer whose secrets are under `gateway/`: keys, db, langfuse, providers, virtual-keys. */
    vaultConsumer: VaultConsumer;
    routes: GatewayRoute[];
    teams: GatewayTeam[];
    /** Days a virtual key lives after it is generated (LiteLLM `duration`); none: keys never expire. */
    keyExpiryDays?: number;
    router: RouterSettings;
    /** Headers applications name their users in (LiteLLM end users, Langfuse trace users). */
    endUserHeaders?: string[];
    /**
     * The keys whose calls may name a person in those headers, by team and alias (the chat UI's). For
     * every other key the request-policy hook drops whatever the caller says the end user is.
     */
    endUserKeys?: { team: string; alias: string }[];
    /** Hosted models whose keys the gateway reads (names as in the routes' targets). */
    hostedKeyNames: string[];
    replicas: number;
    /** `host:port` of Postgres's read-write service, and the database the gateway owns. */
    database: { host: string; name: string; user: string };
    /** Langfuse's in-cluster URL, for the callback. */
    langfuseHost: string;
    /** Where cached answers live and how personal data is found (components/inference/request-policy.ts). */
    controls: RequestControls;
    /** The shared cache's host and port, with `controls.cache: valkey`; its password is Vault's `<consumer>/cache`. */
    sharedCache?: { host: string; port: number };
    /** A non-secret digest of the virtual keys' values: when it changes, the keys are provisioned again. */
    keysDigest?: pulumi.Input<string>;
    /**
     * The meshed service accounts (`namespace/name`) that may call its OpenAI-compatible API
     * (`/v1`). Everyone else is refused by its Linkerd Server.
     */
    clients: string[];
    /**
     * Those that may also call the admin API and UI (every path outside `/v1`); its own service
     * account (the provisioning Job) is added.
     */
    adminClients: string[];
    scheduling: Scheduling;
}

/**
 * One OpenAI-compatible entry point: LiteLLM routes each request to a vLLM server or hosted
 * model, falls back along the configured chains, enforces per-team and per-key budgets and rate
 * limits (its own database in the platform's Postgres), and sends every call to Langfuse. Its
 * config is a ConfigMap; every key comes from Vault. A Job creates or updates the teams and keys
 * through the admin API whenever they change.
 */
export class LlmGateway extends pulumi.ComponentResource {
    /** In-cluster base URL applications call. */
    public readonly url: pulumi.Output<string>;
    /** The rendered `config.yaml`: no secret in it. */
    public readonly config: string;
    /** The Secret (synced from Vault) with the shared cache's `password`, with a shared cache. */
    public readonly cachePasswordSecret?: string;
    /** The rendered `request-policy.json` the request-policy hook reads: no secret in it. */
    public readonly requestPolicy: string;
    /** The Secret (synced from Vault) holding every virtual key's value, by alias (`<team>-<key>`). */
    public readonly virtualKeysSecret: string;
    /** The Secret (synced from Vault) holding the gateway's `masterKey` and `saltKey`. */
    public readonly keysSecret: string;
    /** The Secret (synced from Vault) holding the Langfuse project's `publicKey` and `secretKey`. */
    public readonly langfuseKeysSecret: string;

    constructor(name: string, args: LlmGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:inference:LlmGateway", name, {}, opts);
        const parent = { parent: this };
        const labels = { "app.kubernetes.io/name": name, ...GATEWAY_COMPONENT_LABEL };
        const ns = args.namespace;

        const auth = new VaultConsumerAuth(`${name}-vault`, { consumer: args.vaultConsumer }, parent);
        const synced = (path: string, refreshAfter?: string) => new VaultSyncedSecret(`${name}-${path}`, {
            auth, path: `${args.vaultConsumer.name}/${path}`, secretName: `${name}-${path}`, refreshAfter,
        }, parent);
        const keys = synced("keys");
        this.keysSecret = keys.secretName;
        const db = synced("db");
        const langfuse = synced("langfuse");
        this.langfuseKeysSecret = langfuse.secretName;
        const providers = args.hostedKeyNames.length > 0 ? synced("providers") : undefined;
        // Rotated on a schedule; the provisioning Job waits for the new values (KEYS_DIGEST), so VSO reads them each minute.
        const virtualKeys = synced("virtual-keys", "1m");
        this.virtualKeysSecret = virtualKeys.secretName;

        const cache = args.sharedCache ? synced("cache") : undefined;
        this.cachePasswordSecret = cache?.secretName;

        this.config = renderGatewayConfig(gatewayConfig(args));
        const ownProjects = args.teams.filter((t) => t.langfuseProject === "own");
        const teamLangfuse = ownProjects.length > 0 ? synced("team-langfuse") : undefined;
        this.requestPolicy = JSON.stringify(requestPolicy(
            Object.fromEntries(args.routes.map((r) => [r.name, { ...r.guardrails, classification: r.classification, ...(r.cacheTtlSeconds ? { cacheTtlSeconds: r.cacheTtlSeconds } : {}) }])),
            Object.fromEntries(args.teams.map((t) => [t.name, { ...t.guardrails, dataClass: t.dataClass, ownProject: t.langfuseProject !== undefined }])),
            { headers: args.endUserHeaders ?? [], keys: args.endUserKeys ?? [] },
        ), null, 2);
        const access = JSON.stringify(gatewayAccess(args.teams, args.keyExpiryDays), null, 2);
        const configMap = new k8s.core.v1.ConfigMap(name, {
            metadata: { name, namespace: ns, labels },
            // The request-policy hook sits beside config.yaml: LiteLLM loads callbacks from the config's directory.
            data: { "config.yaml": this.config, [REQUEST_POLICY_FILE]: this.requestPolicy, [`${REQUEST_POLICY_CALLBACK.split(".")[0]}.py`]: REQUEST_POLICY_HOOK },
        }, parent);

        new k8s.core.v1.ServiceAccount(name, {
            metadata: { name: args.serviceAccount, namespace: ns, labels },
            automountServiceAccountToken: false,
        }, parent);
        // The access Job's own account: the gateway's admin routes admit it, and no other server does,
        // where the gateway's own identity reaches Postgres, the cache and the models (security review s25 F2).
        const accessAccount = `${name}-access`;
        new k8s.core.v1.ServiceAccount(accessAccount, {
            metadata: { name: accessAccount, namespace: ns, labels },
            automountServiceAccountToken: false,
        }, parent);

        if (args.hostedKeyNames.length > 0) {
            allowEgress(ns, { name: `${name}-hosted-models`, podSelector: labels, to: [PUBLIC_HTTPS], reason: "the gateway calls the hosted model providers' APIs" }, parent);
        }
        const ref = (secret: VaultSyncedSecret, key: string) => ({ valueFrom: { secretKeyRef: { name: secret.secretName, key } } });
        const env: k8s.types.input.core.v1.EnvVar[] = [
            // Prices from the model cost map of the pinned release, not fetched from GitHub at start
            // (BerriAI/litellm-docs@ef86ded8 docs/proxy/deploy.md L873): the gateway may not reach the internet.
            { name: "LITELLM_LOCAL_MODEL_COST_MAP", value: "True" },
            { name: GATEWAY_ENV.masterKey, ...ref(keys, "masterKey") },
            { name: "LITELLM_SALT_KEY", ...ref(keys, "saltKey") },
            { name: "DATABASE_HOST", value: args.database.host },
            { name: "DATABASE_NAME", value: args.database.name },
            { name: "DATABASE_USERNAME", value: args.database.user },
            { name: "DATABASE_PASSWORD", ...ref(db, "password") },
            { name: "LANGFUSE_HOST", value: args.langfuseHost },
            { name: GATEWAY_ENV.langfusePublicKey, ...ref(langfuse, "publicKey") },
            { name: GATEWAY_ENV.langfuseSecretKey, ...ref(langfuse, "secretKey") },
            ...args.hostedKeyNames.map((h) => ({ name: hostedKeyEnv(h), ...ref(providers!, hostedKeyEnv(h)) })),
            ...ownProjects.flatMap((t) => Object.values(teamLangfuseEnv(t.name)).map((name) => ({ name, ...ref(teamLangfuse!, name) }))),
            ...(args.sharedCache && cache ? [
                { name: "REDIS_HOST", value: args.sharedCache.host },
                { name: "REDIS_PORT", value: String(args.sharedCache.port) },
                { name: GATEWAY_ENV.cachePassword, ...ref(cache, "password") },
            ] : []),
        ];
        const security = {
            pod: { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, seccompProfile: { type: "RuntimeDefault" } },
            // LiteLLM runs Prisma migrations and writes caches under its home (/app) at start
            // (BerriAI/litellm docker/Dockerfile.non_root): the root filesystem stays writable.
            container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ["ALL"] } },
        };
        const configHash = createHash("sha256").update(this.config).update(this.requestPolicy).update(REQUEST_POLICY_HOOK).digest("hex").slice(0, 12);
        const deployment = new k8s.apps.v1.Deployment(name, {
            metadata: { name, namespace: ns, labels },
            spec: {
                replicas: args.replicas,
                selector: { matchLabels: { "app.kubernetes.io/name": name } },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    // A config change rolls the pods: LiteLLM reads config.yaml at start.
                    metadata: { labels, annotations: { "groundwork.dev/config-sha256": configHash } },
                    spec: {
                        serviceAccountName: args.serviceAccount,
                        automountServiceAccountToken: false,
                        ...args.scheduling,
                        securityContext: security.pod,
                        // Replicas on different nodes: the gateway is every application's one way in.
                        ...(args.replicas > 1 && {
                            topologySpreadConstraints: [{
                                maxSkew: 1,
                                topologyKey: "kubernetes.io/hostname",
                                whenUnsatisfiable: "ScheduleAnyway",
                                labelSelector: { matchLabels: { "app.kubernetes.io/name": name } },
                            }],
                        }),
                        containers: [{
                            name: "litellm",
                            image: LITELLM_IMAGE,
                            args: ["--config", "/etc/litellm/config.yaml", "--port", String(GATEWAY_PORT), "--num_workers", "1"],
                            ports: [{ name: "http", containerPort: GATEWAY_PORT }],
                            env,
                            resources: GATEWAY_RESOURCES,
                            startupProbe: { httpGet: { path: LIVENESS_PATH, port: "http" }, periodSeconds: 5, failureThreshold: 60 },
                            readinessProbe: { httpGet: { path: READINESS_PATH, port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                            livenessProbe: { httpGet: { path: LIVENESS_PATH, port: "http" }, periodSeconds: 15, failureThreshold: 4, timeoutSeconds: 5 },
                            securityContext: security.container,
                            volumeMounts: [{ name: "config", mountPath: "/etc/litellm", readOnly: true }],
                        }],
                        volumes: [{ name: "config", configMap: { name: configMap.metadata.name } }],
                    },
                },
            },
        }, parent);

        // Only the named clients reach it, by path: `/v1` the applications, the rest the admins.
        new GatewayAuthorization(`${name}-mesh`, {
            namespace: args.namespace,
            podSelector: { "app.kubernetes.io/name": name },
            port: "http",
            apiClients: args.clients,
            adminClients: [`${args.namespace}/${accessAccount}`, ...args.adminClients],
            probePaths: [LIVENESS_PATH, READINESS_PATH],
            metricsClients: [SCRAPER],
        }, parent);
        const service = new k8s.core.v1.Service(name, {
            metadata: { name, namespace: ns, labels },
            spec: { type: "ClusterIP", selector: { "app.kubernetes.io/name": name }, ports: [{ name: "http", port: GATEWAY_PORT, targetPort: "http" }] },
        }, parent);
        new k8s.policy.v1.PodDisruptionBudget(name, {
            metadata: { name, namespace: ns, labels },
            spec: { selector: { matchLabels: { "app.kubernetes.io/name": name } }, maxUnavailable: 1 },
        }, parent);
        this.url = pulumi.interpolate`http://${service.metadata.name}.${ns}.svc.cluster.local:${GATEWAY_PORT}`;

        // Teams and keys: created or updated by a Job whose name follows their content.
        const accessHash = createHash("sha256").update(access).digest("hex").slice(0, 10);
        const provisioning = new k8s.core.v1.ConfigMap(`${name}-access`, {
            metadata: { name: `${name}-access`, namespace: ns, labels, annotations: { [DATA_CLASSES_ANNOTATION]: dataClassesAnnotation(args.routes, args.teams) } },
            data: { "access.json": access, "provision.py": PROVISION_SCRIPT },
        }, parent);
        scriptJob(`${name}-access`, {
            jobName: pulumi.interpolate`${name}-access-${accessHash}${args.keysDigest ? pulumi.interpolate`-${args.keysDigest}` : ""}`,
            namespace: ns,
            labels,
            podLabels: { ...labels, "app.kubernetes.io/name": `${name}-access` },
            serviceAccount: accessAccount,
            scheduling: args.scheduling,
            image: LITELLM_IMAGE,
            container: "provision",
            script: "/access/provision.py",
            env: [
                { name: "GATEWAY_URL", value: pulumi.interpolate`http://${service.metadata.name}:${GATEWAY_PORT}` },
                { name: GATEWAY_ENV.masterKey, ...ref(keys, "masterKey") },
                ...(args.keysDigest ? [{ name: "KEYS_DIGEST", value: args.keysDigest }] : []),
            ],
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            mounts: [
                { name: "access", mountPath: "/access", source: { configMap: { name: provisioning.metadata.name } } },
                { name: "keys", mountPath: "/keys", source: { secret: { secretName: virtualKeys.secretName } } },
            ],
            restartPolicy: "OnFailure",
            backoffLimit: 6,
        }, { ...parent, dependsOn: [deployment] });

        this.registerOutputs({ url: this.url });
    }
}
