import * as pulumi from "@pulumi/pulumi";
import { tagWithDigest } from "../image-digests";
import { noBackupAnnotation } from "../backups";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "../platform/footprint";
import { meshed, meshedNamespaceArgs } from "../platform/linkerd-mesh";
import { VaultConsumer } from "../platform/vault-bootstrap";
import { VaultConsumerAuth, VaultSyncedSecret } from "../platform/vault-synced-secret";
import { guardedNamespace } from "../platform/guarded-namespace";
import { MeshAuthorization } from "../platform/mesh-authorization";
import { INGRESS_CLIENT } from "../ingress/ingress-controller";
import { endpointDestination } from "../platform/egress";

/**
 * Open WebUI's official chart. Evidence: open-webui/helm-charts@open-webui-16.0.0:
 * charts/open-webui/Chart.yaml (`version: 16.0.0`, `appVersion: 0.11.0`; tagged 2026-07-30, the
 * newest non-dev tag; listed in the gh-pages index.yaml). Repository: helm.openwebui.com (the
 * charts' README). Checked 2026-11-27.
 */
export const OPEN_WEBUI_CHART = { chart: "open-webui", repo: "https://helm.openwebui.com", version: "16.0.0", appVersion: "0.11.0", evidence: "open-webui/helm-charts@open-webui-16.0.0:charts/open-webui/Chart.yaml" } as const;

/** The release (and so the chart's fullname, Service and StatefulSet). */
export const CHAT_RELEASE = "open-webui";
export const CHAT_SERVICE_ACCOUNT = "open-webui";
/** Open WebUI's pods (open-webui/helm-charts@open-webui-16.0.0 charts/open-webui/templates/_helpers.tpl selector labels). */
const CHAT_PODS = { "app.kubernetes.io/name": "open-webui", "app.kubernetes.io/instance": CHAT_RELEASE };
/** The chart's Service port (values.yaml L502-511: 80 → container 8080). */
export const CHAT_SERVICE_PORT = 80;
/** Open WebUI's redirect path for the OIDC provider (open-webui/docs: env-configuration.mdx OPENID_REDIRECT_URI). */
export const CHAT_SSO_CALLBACK = "/oauth/oidc/callback";
/** The header Open WebUI forwards each person's e-mail in (ENABLE_FORWARD_USER_INFO_HEADERS). */
export const CHAT_USER_HEADER = "X-OpenWebUI-User-Email";

/**
 * The published image runs as root (its Dockerfile's `ARG UID=0`); a numeric non-root user is
 * given so the kubelet can prove it. Nothing it must write is on the image's filesystem: data on
 * the volume (local-path directories are 0777), the static files it copies at start and $HOME on
 * emptyDirs, and its secret key from Vault (start.sh would otherwise write one beside itself:
 * open-webui/open-webui#26662). Non-root on 0.11.0 is reported broken in #27651 (closed); this is
 * the configuration its fixes (#26664) target, and it has not run here.
 */
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } };
const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: false };
const INIT_RESOURCES: ContainerResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } };

export function chatResources(cpus: number, memoryGbs: number): ContainerResources {
    const memory = `${Math.round(memoryGbs * 1024)}Mi`;
    return { requests: { cpu: `${Math.round(cpus * 1000)}m`, memory }, limits: { cpu: "2", memory: `${Math.round(memoryGbs * 2048)}Mi` } };
}

export function chatFootprint(cpus: number, memoryGbs: number): Footprint[] {
    return [{ workload: "open-webui", pods: 1, perPod: meshed(requestsOf(chatResources(cpus, memoryGbs))) }];
}

/** The account Open WebUI makes at its first start, so that no person becomes admin by signing in first: an address in `.invalid` (RFC 2606), which no issuer vouches for. */
export const CHAT_BOOTSTRAP_ADMIN = "bootstrap-admin@groundwork.invalid";

export interface ChatUiArgs {
    /** The Vault role that reads `<consumer>/*`: `sso` (clientSecret), `app` (secretKey), `db` (url), `gateway` (apiKey). */
    vaultConsumer: VaultConsumer;
    /** The URL people open (WEBUI_URL: OAuth redirects go there). */
    url: string;
    sso: { issuer: string; clientId: string; groupsClaim: string; operatorsGroup: string; usersGroup?: string; allowedDomains?: string[] };
    /** The gateway's OpenAI-compatible base URL inside the mesh (`…/v1`). */
    gatewayUrl: pulumi.Input<string>;
    cpus: number;
    memoryGbs: number;
    storageGbs: number;
    scheduling?: Scheduling;
}

/** The chart's values: SSO only, the gateway as the one model provider, people's e-mail forwarded to it. */
export function chatUiValues(args: ChatUiArgs, secrets: { sso: string; app: string; db: string; gateway: string }): Record<string, any> {
    const fromSecret = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
    const probe = (extra: Record<string, number>) => ({ httpGet: { path: "/health", port: "http" }, periodSeconds: 10, timeoutSeconds: 5, ...extra });
    return {
        // No digest key: the digest rides in the tag, which both containers use (templates at open-webui-16.0.0).
        image: { tag: tagWithDigest("ghcr.io/open-webui/open-webui:0.11.0") },
        // No bundled model runtimes or pipelines: the gateway serves every model (values.yaml L14-64).
        ollama: { enabled: false },
        pipelines: { enabled: false },
        tika: { enabled: false },
        // One replica with the in-process websocket manager, so no Redis (values.yaml L66-88; CHANGELOG v14.9.0).
        websocket: { enabled: true, manager: "", redis: { enabled: false } },
        replicaCount: 1,
        serviceAccount: { enable: true, create: true, name: CHAT_SERVICE_ACCOUNT, automountServiceAccountToken: false },
        podSecurityContext: POD_SECURITY,
        containerSecurityContext: CONTAINER_SECURITY,
        copyAppData: { resources: INIT_RESOURCES },
        resources: chatResources(args.cpus, args.memoryGbs),
        startupProbe: probe({ failureThreshold: 60 }),
        readinessProbe: probe({ failureThreshold: 3 }),
        livenessProbe: probe({ failureThreshold: 6 }),
        persistence: { enabled: true, size: `${args.storageGbs}Gi` },
        volumes: [{ name: "static", emptyDir: {} }, { name: "home", emptyDir: {} }],
        volumeMounts: { container: [{ name: "static", mountPath: "/app/static" }, { name: "home", mountPath: "/home/open-webui" }] },
        enableOpenaiApi: true,
        openaiBaseApiUrl: args.gatewayUrl,
        openaiApiKey: "",
        openaiApiKeyExistingSecret: secrets.gateway,
        openaiApiKeyExistingSecretKey: "apiKey",
        sso: {
            enabled: true,
            // People the issuer signs in get an account; roles follow their groups (operators are admins).
            enableSignup: true,
            enableRoleManagement: true,
            roleManagement: {
                rolesClaim: args.sso.groupsClaim,
                // `*` matches any role of the claim (open-webui/docs env-configuration.mdx OAUTH_ALLOWED_ROLES, v0.11.0).
                allowedRoles: args.sso.usersGroup ? [args.sso.usersGroup, args.sso.operatorsGroup].join(",") : "*",
                adminRoles: args.sso.operatorsGroup,
            },
            oidc: {
                enabled: true,
                clientId: args.sso.clientId,
                clientExistingSecret: secrets.sso,
                clientExistingSecretKey: "clientSecret",
                providerUrl: `${args.sso.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`,
                providerName: "Single sign-on",
                scopes: "openid email profile",
            },
        },
        // Settings the chart has no keys for (open-webui/docs env-configuration.mdx, v0.11.0).
        extraEnvVars: [
            { name: "WEBUI_URL", value: args.url },
            fromSecret("WEBUI_SECRET_KEY", secrets.app, "secretKey"),
            // Open WebUI makes the first account its admin, whoever signs in first, and makes the only
            // account admin again at each sign-in (utils/oauth.py get_user_role). An account made at
            // start, before anyone can sign in, is that first one: nobody can sign in as it (password
            // sign-in is off, its address is no one's), and people get the role their groups give
            // (security review s24 S2). main.py's lifespan makes it only while no user exists
            // (create_admin_user; read in stored copies of open-webui's main.py and utils/auth.py, the
            // same in every version read, not at the 0.11.0 tag).
            { name: "WEBUI_ADMIN_EMAIL", value: CHAT_BOOTSTRAP_ADMIN },
            fromSecret("WEBUI_ADMIN_PASSWORD", secrets.app, "adminPassword"),
            { name: "WEBUI_ADMIN_NAME", value: "Bootstrap admin (no sign-in)" },
            // Pending people are shown the first account as the admin to ask: not that one (review s24d F6).
            { name: "SHOW_ADMIN_DETAILS", value: "False" },
            fromSecret("DATABASE_URL", secrets.db, "url"),
            { name: "ENABLE_PERSISTENT_CONFIG", value: "False" },
            { name: "ENABLE_LOGIN_FORM", value: "False" },
            { name: "ENABLE_PASSWORD_AUTH", value: "False" },
            { name: "ENABLE_SIGNUP", value: "False" },
            // Anyone signed in outside the allowed groups waits for an administrator's approval.
            { name: "DEFAULT_USER_ROLE", value: "pending" },
            { name: "OAUTH_CODE_CHALLENGE_METHOD", value: "S256" },
            ...(args.sso.allowedDomains ? [{ name: "OAUTH_ALLOWED_DOMAINS", value: args.sso.allowedDomains.join(",") }] : []),
            { name: "ENABLE_OAUTH_ID_TOKEN_COOKIE", value: "False" },
            // Each person's e-mail goes to the gateway, which records it as the call's end user.
            { name: "ENABLE_FORWARD_USER_INFO_HEADERS", value: "True" },
            // Uploaded documents go into the context whole: no embedding model (the gateway serves
            // none by default) and no local one downloaded or held in memory (env-configuration.mdx
            // BYPASS_EMBEDDING_AND_RETRIEVAL, RAG_EMBEDDING_ENGINE).
            { name: "BYPASS_EMBEDDING_AND_RETRIEVAL", value: "True" },
            { name: "RAG_EMBEDDING_ENGINE", value: "openai" },
            { name: "OFFLINE_MODE", value: "True" },
            { name: "UVICORN_WORKERS", value: "1" },
            { name: "STATIC_DIR", value: "/app/static" },
            { name: "HOME", value: "/home/open-webui" },
        ],
        nodeSelector: args.scheduling?.nodeSelector,
        tolerations: args.scheduling?.tolerations,
    };
}

/**
 * A chat UI for people: Open WebUI, signed in only through the company's identity provider, on
 * the gateway with the team's key, each person's e-mail forwarded so that the gateway and
 * Langfuse attribute every call to them. Chats live in the platform's Postgres (backed up);
 * uploads on a retained volume. Meshed, Pod Security "restricted", every secret from Vault.
 */
export class ChatUi extends pulumi.ComponentResource {
    constructor(name: string, args: ChatUiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:apps:ChatUi", name, {}, opts);
        // Conversations, users and settings live in the platform's Postgres, which is backed up.
        const noBackup = noBackupAnnotation({ [CHAT_RELEASE]: "conversations are in the platform's Postgres (backed up); the volume holds uploaded files, which are not backed up (README, Applications)" });
        const ns = guardedNamespace(name, meshedNamespaceArgs(args.vaultConsumer.namespace, "restricted", {}, noBackup), { parent: this, retainOnDelete: true }, {
            egress: {
                allow: [{
                    name: "identity-provider", podSelector: CHAT_PODS, to: [endpointDestination(args.sso.issuer)],
                    reason: "people sign in to the chat UI through OIDC: Open WebUI reads the issuer's discovery document and exchanges codes for tokens",
                }],
            },
        });
        const auth = new VaultConsumerAuth(`${name}-vault`, { consumer: args.vaultConsumer }, { parent: this, dependsOn: [ns] });
        const synced = (path: string, restartOnChange?: { kind: "StatefulSet"; name: string }[]) =>
            new VaultSyncedSecret(`${name}-${path}`, {
                auth, path: `${args.vaultConsumer.name}/${path}`, secretName: `${name}-${path}`, restartOnChange, refreshAfter: restartOnChange ? "1m" : undefined,
            }, { parent: this });
        // The gateway key rotates on a schedule and Open WebUI reads it from its environment at
        // start (ENABLE_PERSISTENT_CONFIG is off, so the environment wins): VSO restarts it.
        const secrets = { sso: synced("sso"), app: synced("app"), db: synced("db"), gateway: synced("gateway", [{ kind: "StatefulSet", name: CHAT_RELEASE }]) };
        pinnedRelease(name, OPEN_WEBUI_CHART, {
            name: CHAT_RELEASE,
            namespace: ns.metadata.name,
            values: chatUiValues(args, { sso: secrets.sso.secretName, app: secrets.app.secretName, db: secrets.db.secretName, gateway: secrets.gateway.secretName }),
        }, { parent: this, dependsOn: Object.values(secrets), retainOnDelete: true });
        // Only the ingress calls it. Pod labels: open-webui/helm-charts@open-webui-16.0.0:charts/open-webui/templates/_helpers.tpl L112-134.
        new MeshAuthorization(`${name}-http`, {
            namespace: args.vaultConsumer.namespace,
            podSelector: CHAT_PODS,
            port: "http",
            clients: [INGRESS_CLIENT],
            proxyProtocol: "HTTP/1",
        }, { parent: this, dependsOn: [ns] });
        this.registerOutputs({});
    }
}
