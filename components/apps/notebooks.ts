import * as pulumi from "@pulumi/pulumi";
import { ControllerAdmission } from "../admission-policy";
import { hubFence } from "./hub-admission";
import * as k8s from "@pulumi/kubernetes";
import { noBackupAnnotation } from "../backups";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "../platform/footprint";
import { DEFAULT_INBOUND_POLICY, meshed, meshedNamespaceArgs } from "../platform/linkerd-mesh";
import { VaultConsumer } from "../platform/vault-bootstrap";
import { VaultConsumerAuth, VaultSyncedSecret } from "../platform/vault-synced-secret";
import { guardedNamespace } from "../platform/guarded-namespace";
import { MeshAuthorization } from "../platform/mesh-authorization";
import { PROMETHEUS_PEER } from "../platform/network-isolation";
import { SCRAPER } from "../observability/scraper";
import { INGRESS_CLIENT } from "../ingress/ingress-controller";
import { EgressAllowance, EgressDestination, endpointsDestinations } from "../platform/egress";

/**
 * Zero to JupyterHub's chart. Evidence: jupyterhub/zero-to-jupyterhub-k8s@4.4.0:jupyterhub/Chart.yaml
 * (tag 4.4.0, 2026-06-10; `appVersion: "5.5.0"`). Its Chart.yaml carries a placeholder version that
 * chartpress replaces with the tag when ci/publish (L39-46) publishes to
 * https://hub.jupyter.org/helm-chart (chartpress.yaml). Checked 2026-11-27.
 */
export const JUPYTERHUB_CHART = { chart: "jupyterhub", repo: "https://hub.jupyter.org/helm-chart/", version: "4.4.0", evidence: "jupyterhub/zero-to-jupyterhub-k8s@4.4.0:jupyterhub/Chart.yaml" } as const;

/** The chart's public proxy Service (templates/proxy/service.yaml: `proxy-public`, port 80 → CHP's 8000). */
export const NOTEBOOKS_SERVICE = { name: "proxy-public", port: 80 } as const;
/** oauthenticator's callback path under JupyterHub's base URL (oauth2.py L670-681). */
export const NOTEBOOKS_SSO_CALLBACK = "/hub/oauth_callback";
/** KubeSpawner's user pods run as the singleuser image's user (NB_UID 1000) with the chart's fsGid 100 (values.yaml L406-407). */
const USER_UID = 1000;
const USER_GID = 100;

/** The hub's SQLite volume, GiB (hub.db.type sqlite-pvc, values.yaml L65-73 at 4.4.0), set here so the disk check counts it. */
export const NOTEBOOK_HUB_DB_GBS = 1;

const HUB_RESOURCES: ContainerResources = { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };
const PROXY_RESOURCES: ContainerResources = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

export function notebooksFootprint(cpus: number, memoryGbs: number, concurrentUsers: number): Footprint[] {
    return [
        { workload: "jupyterhub-hub", pods: 1, perPod: meshed(requestsOf(HUB_RESOURCES)) },
        { workload: "jupyterhub-proxy", pods: 1, perPod: meshed(requestsOf(PROXY_RESOURCES)) },
        { workload: "notebook-server", pods: concurrentUsers, perPod: meshed({ cpuMillis: Math.round(cpus * 1000), memoryMi: Math.round(memoryGbs * 1024) }) },
    ];
}

export interface NotebooksArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** The Vault role that reads `<consumer>/*`: `sso` (clientSecret) and `gateway` (apiKey). */
    vaultConsumer: VaultConsumer;
    /** The URL people open (`https://<host>`); the OAuth callback is under it. */
    url: string;
    /**
     * The identity provider. oauthenticator 17.4.0 reads no discovery document, so its endpoints
     * are given (jupyterhub/zero-to-jupyterhub-k8s@4.4.0: docs/source/administrator/authentication.md L407-412).
     */
    sso: { clientId: string; authorizeUrl: string; tokenUrl: string; userinfoUrl: string; groupsClaim: string; operatorsGroup: string; usersGroup?: string; administrators: string[] };
    /**
     * Read a person's details from the ID token the token endpoint returns instead of the userinfo
     * endpoint: for an issuer whose userinfo carries no groups. Entra's "produces the name claims,
     * subject claim, and email" only, while its ID token carries the groups the app registration's
     * token configuration adds (learn.microsoft.com/entra/identity-platform/userinfo; security
     * review s21 N1). oauthenticator 17.4.0 `userdata_from_id_token` (oauth2.py L478-492,
     * L1126-1150), which refuses a userdata_url beside it (L515-520).
     */
    userdataFromIdToken?: boolean;
    /** The gateway's OpenAI-compatible base URL inside the mesh (`…/v1`). */
    gatewayUrl: pulumi.Input<string>;
    /** Each person's server: CPU request (cores), memory (request = limit, GiB), home volume (GB). */
    cpus: number;
    memoryGbs: number;
    storageGbs: number;
    scheduling?: Scheduling;
}

/** The service account every person's server runs as (the chart creates none for them). */
export const NOTEBOOK_USER_ACCOUNT = "notebook-user";

/**
 * The chart's NetworkPolicy settings for one component: the mesh's inbound port, and egress only
 * to DNS in kube-system. Its other egress rules (values.yaml at 4.4.0 L116-122: cloud metadata,
 * DNS on any private address, every private and every public address, on every port) are off:
 * policies add up, so each would undo the namespace's egress deny for its pods. What the pods
 * need beyond the cluster's pods is allowed in `notebooksEgress`, each with its reason.
 */
function networkPolicy(ports: (string | number)[]) {
    return {
        allowedIngressPorts: ports,
        egressAllowRules: { cloudMetadataServer: false, dnsPortsCloudMetadataServer: false, dnsPortsPrivateIPs: false, nonPrivateIPs: false, privateIPs: false },
    };
}

/** The hub's, the proxy's and the user servers' pods (templates/hub/deployment.yaml, templates/proxy/deployment.yaml, kubespawner's labels at 4.4.0). */
const HUB_PODS = { app: "jupyterhub", component: "hub" };
const PROXY_PODS = { app: "jupyterhub", component: "proxy" };
const USER_SERVER_PODS = { app: "jupyterhub", component: "singleuser-server" };

/**
 * Where the notebooks' pods go outside the cluster: the hub to the API server (KubeSpawner starts
 * each person's server) and to the identity provider's token and userinfo endpoints (OAuthenticator);
 * people's servers to the internet over HTTP and HTTPS, to install packages and clone repositories.
 */
export function notebooksEgress(sso: { tokenUrl: string; userinfoUrl: string }, apiServer: EgressDestination): EgressAllowance[] {
    const idp = endpointsDestinations([sso.tokenUrl, sso.userinfoUrl]);
    return [
        { name: "hub", podSelector: HUB_PODS, to: [apiServer, ...idp], reason: "the hub starts and stops people's servers through the API, and signs people in through the identity provider" },
        { name: "user-servers", podSelector: USER_SERVER_PODS, to: [{ kind: "public", ports: [80, 443] }], reason: "people install packages (PyPI, conda-forge) and clone repositories from their servers" },
    ];
}

/** The hub.extraConfig entry that names people by their verified e-mail address. */
export const VERIFIED_EMAIL_CONFIG_KEY = "groundwork-verified-email";

/**
 * The hub's username is the e-mail address the issuer returns, unless the issuer marks it
 * unverified (security review s18 H1). oauthenticator takes the address as given
 * (jupyterhub/oauthenticator@17.4.0 oauth2.py L1005-1008, no `email_verified` check), and a name
 * in `admin_users` is admitted even outside `allowed_groups` (L1457, L1502-1503): an issuer that
 * lets people set their own address (Keycloak's account console, unless its user profile forbids
 * it) would otherwise let anyone become `admin@…`, their server, their volume and the hub's admin.
 * A callable `username_claim` is called with the userinfo reply (L1005-1006); `email_verified`
 * false (a boolean, or the string some issuers send) refuses the sign-in with a 403. Entra's
 * userinfo carries no such claim, and its `email` is the directory's, not the user's: left as is.
 */
export const VERIFIED_EMAIL_USERNAME = `from tornado import web


def groundwork_verified_email(user_info):
    verified = user_info.get("email_verified")
    if verified is False or str(verified).lower() == "false":
        raise web.HTTPError(403, "Your e-mail address is not verified at the identity provider: verify it there, then sign in again.")
    return user_info.get("email")


c.GenericOAuthenticator.username_claim = groundwork_verified_email
`;

/** The chart's values: sign-in through the identity provider, user pods under "restricted", the gateway's team key in every server. */
export function notebooksValues(args: NotebooksArgs, secrets: { sso: string; gateway: string }): Record<string, any> {
    const fromSecret = (secret: string, key: string) => ({ valueFrom: { secretKeyRef: { name: secret, key } } });
    const tolerations = args.scheduling?.tolerations ?? [];
    const nodeSelector = args.scheduling?.nodeSelector ?? {};
    return {
        hub: {
            db: { pvc: { storage: `${NOTEBOOK_HUB_DB_GBS}Gi` } },
            config: {
                JupyterHub: { authenticator_class: "generic-oauth" },
                // oauthenticator 17.4.0 (the hub image's requirements.txt L126), oauth2.py traits.
                GenericOAuthenticator: {
                    client_id: args.sso.clientId,
                    oauth_callback_url: `${args.url}${NOTEBOOKS_SSO_CALLBACK}`,
                    authorize_url: args.sso.authorizeUrl,
                    token_url: args.sso.tokenUrl,
                    ...(args.userdataFromIdToken ? { userdata_from_id_token: true } : { userdata_url: args.sso.userinfoUrl }),
                    // username_claim: the e-mail address, checked in extraConfig (VERIFIED_EMAIL_USERNAME).
                    scope: ["openid", "email", "profile"],
                    login_service: "Single sign-on",
                    // Members of the users group (or, without one, whoever the issuer signs in) may use a
                    // server; operators and the named administrators administer (oauth2.py L1468-1516).
                    ...(args.sso.usersGroup ? { allowed_groups: [args.sso.usersGroup, args.sso.operatorsGroup] } : { allow_all: true }),
                    admin_users: args.sso.administrators,
                    manage_groups: true,
                    auth_state_groups_key: `oauth_user.${args.sso.groupsClaim}`,
                    admin_groups: [args.sso.operatorsGroup],
                },
                // Restricted user pods: KubeSpawner merges these over what z2jh sets (kubespawner@7.0.0 objects.py L396-465).
                // One origin serves every server (no subdomain_host), so a page a person's own server
                // serves acts, in a colleague's browser, as that colleague: upstream's mitigations are that
                // no one can change their server's configuration or code (jupyterhub@5.5.0
                // docs/source/explanation/websecurity.md; security review s26 M1). The server ignores
                // ~/.jupyter (JUPYTERHUB_DISABLE_USER_CONFIG) and user-site packages (python3 -s, below),
                // and runs by its absolute path (singleuser.cmd); the image installs it as root in /usr/local.
                Spawner: { disable_user_config: true },
                KubeSpawner: {
                    pod_security_context: { runAsNonRoot: true, fsGroup: USER_GID, seccompProfile: { type: "RuntimeDefault" } },
                    container_security_context: { runAsUser: USER_UID, runAsGroup: USER_GID, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
            },
            // Run after hub.config (jupyterhub/zero-to-jupyterhub-k8s@4.4.0 jupyterhub/files/hub/jupyterhub_config.py L539-542).
            extraConfig: { [VERIFIED_EMAIL_CONFIG_KEY]: VERIFIED_EMAIL_USERNAME },
            // The client secret is read from OAUTH_CLIENT_SECRET when the config has none (oauth2.py L757-771).
            extraEnv: { OAUTH_CLIENT_SECRET: fromSecret(secrets.sso, "clientSecret") },
            resources: HUB_RESOURCES,
            // No port open to every source: the chart writes each listed port as a rule with no `from`
            // (templates/hub/netpol.yaml L32-38, proxy/netpol.yaml L36-42 at 4.4.0), and policies add up,
            // so it would undo the narrower allowances the mesh authorizations make for each caller
            // (allow-notebooks-hub, allow-notebooks-proxy; chart-models review s22 F3).
            networkPolicy: networkPolicy([]),
            nodeSelector,
            tolerations,
        },
        proxy: {
            // The ingress routes to it; never a LoadBalancer of its own (the chart's default).
            service: { type: "ClusterIP" },
            chp: {
                resources: PROXY_RESOURCES,
                // The proxy runs as the namespace's default account (no serviceAccountName in
                // templates/proxy/deployment.yaml) and needs no API access: no token in the pod.
                extraPodSpec: { automountServiceAccountToken: false },
                // http (8000) and the mesh's port are the ingress's and the hub's by allowances of their own (as the hub's above).
                networkPolicy: networkPolicy([]),
                nodeSelector,
                tolerations,
            },
        },
        singleuser: {
            // The metadata address is refused by the user pods' NetworkPolicy instead of a privileged
            // iptables init container (docs/source/administrator/security.md L282-293).
            cloudMetadata: { blockWithIptables: false },
            // Their own identity in the mesh, apart from the proxy's `default`: one person's server
            // may call the hub, never another person's server. No API token in the pod.
            serviceAccountName: NOTEBOOK_USER_ACCOUNT,
            extraPodConfig: { automountServiceAccountToken: false },
            // People run what they like in their servers, and whatever listens on the pod's address
            // (python -m http.server, Streamlit, a Dask dashboard) would otherwise be open to every
            // meshed identity under the namespace's all-authenticated default: the proxy asks for a
            // policy for every inbound port, declared or not (linkerd2-proxy release/v2.366.0
            // linkerd/app/inbound/src/policy/store.rs L146-164), and a port without a Server gets the
            // pod's default (linkerd2@edge-26.8.3 policy-controller/k8s/index/src/inbound/workload.rs
            // L185-195; the proxy injector copies the namespace's only where the pod has none,
            // pkg/inject/inject.go L177-190, L843-856). With `deny`, only ports that
            // have a Server admit anyone (security review s20 M2). Kubelet probes stay authorized on
            // their paths (inbound/index.rs L2241-2300); Prometheus gets the admin port by a Server below.
            extraAnnotations: { [DEFAULT_INBOUND_POLICY]: "deny" },
            // In-cluster services are reachable (the namespace's cluster egress); the mesh admits a
            // server to Postgres or Qdrant only where their policies name it. No port open to every
            // source: the hub and the proxy come in through their own allowance (security review s20 M2).
            networkPolicy: networkPolicy([]),
            cpu: { guarantee: args.cpus, limit: Math.max(2, args.cpus) },
            memory: { guarantee: `${Math.round(args.memoryGbs * 1024)}M`, limit: `${Math.round(args.memoryGbs * 1024)}M` },
            storage: { capacity: `${args.storageGbs}Gi` },
            // The server by its absolute path, under `python3 -s`: it imports no package a person installed
            // with pip --user, while their kernels and terminals still may (PYTHONNOUSERSITE in the
            // environment would stop those too: review s25b D1). KubeSpawner puts cmd in the container's
            // args, under the image's tini entrypoint.
            cmd: ["/usr/local/bin/python3", "-s", "/usr/local/bin/jupyterhub-singleuser"],
            extraEnv: {
                OPENAI_BASE_URL: args.gatewayUrl,
                OPENAI_API_KEY: fromSecret(secrets.gateway, "apiKey"),
            },
            nodeSelector,
            extraTolerations: tolerations,
        },
        scheduling: {
            userScheduler: { enabled: false },
            userPlaceholder: { enabled: false },
            corePods: { nodeAffinity: { matchNodePurpose: "ignore" } },
            userPods: { nodeAffinity: { matchNodePurpose: "ignore" } },
        },
        prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
    };
}

/**
 * Notebooks for people: JupyterHub, signed in through the company's identity provider, each
 * person's server under Pod Security "restricted" with a home volume, the team's gateway key and
 * the in-mesh gateway URL in its environment (the OpenAI SDKs read OPENAI_BASE_URL and
 * OPENAI_API_KEY). Idle servers are culled after an hour (the chart's default).
 */
export class Notebooks extends pulumi.ComponentResource {
    constructor(name: string, args: NotebooksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:apps:Notebooks", name, {}, opts);
        const noBackup = noBackupAnnotation({ jupyterhub: "home directories are working space and are not backed up; keep work in git (README, Applications)" });
        // People's servers take no connection from the namespace's other pods, other people's servers
        // among them, but what the hub, the proxy and Prometheus need (below): below the mesh too
        // (security review s20 M2).
        const ns = guardedNamespace(name, meshedNamespaceArgs(args.vaultConsumer.namespace, "restricted", {}, noBackup), { parent: this, retainOnDelete: true }, {
            egress: { allow: notebooksEgress(args.sso, args.apiServer) },
            podsApart: { label: "component", value: USER_SERVER_PODS.component },
        });
        const auth = new VaultConsumerAuth(`${name}-vault`, { consumer: args.vaultConsumer }, { parent: this, dependsOn: [ns] });
        const synced = (path: string) => new VaultSyncedSecret(`${name}-${path}`, { auth, path: `${args.vaultConsumer.name}/${path}`, secretName: `${name}-${path}` }, { parent: this });
        const sso = synced("sso");
        const gateway = synced("gateway");
        pinnedRelease(name, JUPYTERHUB_CHART, {
            name: "jupyterhub",
            namespace: ns.metadata.name,
            values: notebooksValues(args, { sso: sso.secretName, gateway: gateway.secretName }),
        }, { parent: this, dependsOn: [sso, gateway], retainOnDelete: true });
        // Who calls whom in Zero to JupyterHub: the ingress calls the proxy; the proxy routes to the
        // hub and to user servers; the hub drives the proxy's API and polls user servers; user
        // servers call the hub's API. The proxy runs as the namespace's `default` account (no
        // serviceAccountName in templates/proxy/deployment.yaml), the hub as `hub`, people's
        // servers as NOTEBOOK_USER_ACCOUNT, which no server admits.
        const namespace = args.vaultConsumer.namespace;
        new k8s.core.v1.ServiceAccount(`${name}-user`, {
            metadata: { name: NOTEBOOK_USER_ACCOUNT, namespace },
            automountServiceAccountToken: false,
        }, { parent: this, dependsOn: [ns] });
        // The hub's token holds people's servers to what KubeSpawner makes of this config (controller RBAC review s25 F2).
        new ControllerAdmission(`${name}-hub-admission`, { fences: [hubFence({ namespace, serverAccount: NOTEBOOK_USER_ACCOUNT, serverSecrets: [{ name: gateway.secretName, keys: ["apiKey"] }] })] }, { parent: this, dependsOn: [ns] });
        const hub = `${namespace}/hub`;
        const proxy = `${namespace}/default`;
        const people = `${namespace}/${NOTEBOOK_USER_ACCOUNT}`;
        // The hub's and the proxy's pods, for the user servers' NetworkPolicy: their namespace holds people's servers too.
        const hubAndProxyPods = [HUB_PODS, PROXY_PODS].map((matchLabels) => ({ podSelector: { matchLabels } }));
        const servers: [string, string, string, string[], k8s.types.input.networking.v1.NetworkPolicyPeer[]?][] = [
            ["hub", "hub", "http", [proxy, people]],
            ["proxy", "proxy", "http", [INGRESS_CLIENT]],
            ["proxy-api", "proxy", "api", [hub]],
            ["user-servers", "singleuser-server", "notebook-port", [hub, proxy], hubAndProxyPods],
            // The proxy's admin port serves /metrics; under the servers' `deny` it needs a Server of its own
            // (the admin server enforces inbound policy: linkerd2-proxy release/v2.366.0 linkerd/app/admin/src/stack.rs L98-99).
            ["user-server-metrics", "singleuser-server", "linkerd-admin", [SCRAPER], [PROMETHEUS_PEER]],
            // The hub's and the proxy's too: without a Server their admin port falls to the namespace's
            // all-authenticated default, which admits people's servers (security review s26 N1).
            ["hub-metrics", "hub", "linkerd-admin", [SCRAPER], [PROMETHEUS_PEER]],
            ["proxy-metrics", "proxy", "linkerd-admin", [SCRAPER], [PROMETHEUS_PEER]],
        ];
        for (const [id, component, port, clients, clientPods] of servers) {
            new MeshAuthorization(`${name}-${id}`, {
                namespace, podSelector: { app: "jupyterhub", component }, port, clients, proxyProtocol: "HTTP/1", clientPods,
            }, { parent: this, dependsOn: [ns] });
        }
        this.registerOutputs({});
    }
}
