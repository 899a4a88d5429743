import { strict as assert } from "assert";
import { KEY_ALLOWED_ROUTES } from "../components/inference/gateway-config";
import { spawnSync } from "child_process";
import * as YAML from "yaml";
import { NOTEBOOK_USER_ACCOUNT, VERIFIED_EMAIL_CONFIG_KEY } from "../components/apps/notebooks";
import { jupyterhubModel } from "../components/rendered/apps";
import { NOTEBOOKS_NAMESPACE } from "../stacks/apps";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { committedPlan, ofType, planValues, problems, meshRouteFor, PYTHON, stackValues, vaultSecretAt } from "./helpers";

const chart = (plan: PlanResult, name: string) => ofType(plan, "kubernetes:helm.sh/v4:Chart").find((c) => c.inputs.chart === name)?.inputs as any;

describe("applications: the chat UI", () => {
    let dev: PlanResult;
    before(async () => {
        dev = await committedPlan("dev");
    });

    it("installs the pinned Open WebUI in its own meshed, restricted namespace, without bundled model runtimes", () => {
        const ui = chart(dev, "open-webui");
        assert.deepEqual([ui.version, ui.namespace, ui.repositoryOpts.repo], ["16.0.0", "groundwork-chat", "https://helm.openwebui.com"]);
        assert.deepEqual([ui.values.ollama.enabled, ui.values.pipelines.enabled, ui.values.websocket.redis.enabled], [false, false, false]);
        assert.deepEqual(ui.values.podSecurityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        const ns = (kubernetesDocuments(dev.resources) as any[]).find((d) => d.kind === "Namespace" && d.metadata.name === "groundwork-chat");
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("signs people in only through the issuer, with the client secret by reference", () => {
        const { sso, extraEnvVars } = chart(dev, "open-webui").values;
        assert.deepEqual(sso.oidc, {
            enabled: true, clientId: "groundwork-dev", clientExistingSecret: "chat-sso", clientExistingSecretKey: "clientSecret",
            providerUrl: "https://id.groundwork.example/realms/groundwork/.well-known/openid-configuration", providerName: "Single sign-on", scopes: "openid email profile",
        });
        assert.deepEqual(sso.roleManagement, { rolesClaim: "groups", allowedRoles: "ai-users,platform-operators", adminRoles: "platform-operators" });
        const env = Object.fromEntries(extraEnvVars.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        assert.deepEqual([env.ENABLE_LOGIN_FORM, env.ENABLE_PASSWORD_AUTH, env.ENABLE_SIGNUP, env.WEBUI_URL], ["False", "False", "False", "https://chat.dev.groundwork.example"]);
        // Someone outside the allowed groups is not a user until an administrator approves them.
        assert.equal(env.DEFAULT_USER_ROLE, "pending");
        assert.deepEqual(env.WEBUI_SECRET_KEY, { secretKeyRef: { name: "chat-app", key: "secretKey" } });
        // An admin made at start, which no one can sign in as, so no person is made admin by signing in first (security review s24 S2).
        assert.deepEqual([env.WEBUI_ADMIN_EMAIL, env.WEBUI_ADMIN_PASSWORD, env.WEBUI_ADMIN_NAME], ["bootstrap-admin@groundwork.invalid", { secretKeyRef: { name: "chat-app", key: "adminPassword" } }, "Bootstrap admin (no sign-in)"]);
        assert.deepEqual(Object.keys(vaultSecretAt(dev, "chat/app")).sort(), ["adminPassword", "secretKey"]);
        assert.deepEqual(env.DATABASE_URL, { secretKeyRef: { name: "chat-db", key: "url" } });
        // Uploaded documents need no embedding route: they go into the context whole.
        assert.equal(env.BYPASS_EMBEDDING_AND_RETRIEVAL, "True");
    });

    it("calls the gateway in the mesh with the team's own key, and names each person to it", () => {
        const values = chart(dev, "open-webui").values;
        assert.equal(values.openaiBaseApiUrl, "http://llm-gateway.groundwork-inference.svc.cluster.local:4000/v1");
        assert.deepEqual([values.openaiApiKey, values.openaiApiKeyExistingSecret, values.openaiApiKeyExistingSecretKey], ["", "chat-gateway", "apiKey"]);
        assert.ok(values.extraEnvVars.some((e: any) => e.name === "ENABLE_FORWARD_USER_INFO_HEADERS" && e.value === "True"));
        const docs = kubernetesDocuments(dev.resources) as any[];
        // The key rotates on a schedule and is read at start: VSO restarts the chat UI when it changes.
        const synced = docs.find((d) => d.kind === "VaultStaticSecret" && d.spec.destination.name === "chat-gateway");
        assert.deepEqual(synced.spec.rolloutRestartTargets, [{ kind: "StatefulSet", name: "open-webui" }]);
        const config = YAML.parse((docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "llm-gateway") as any).data["config.yaml"]);
        // LiteLLM records the e-mail as the call's end user, which the Langfuse callback makes the trace's user.
        assert.deepEqual(config.general_settings.user_header_mappings, [{ header_name: "X-OpenWebUI-User-Email", litellm_user_role: "customer" }]);
        // Spend logs record who and how much, never the text (issue 12, item 8).
        assert.equal(config.general_settings.store_prompts_in_spend_logs, false);
        // No per-request record in LiteLLM's database: its guardrail records quote prompts at v1.85.0 (security review s23 F2).
        assert.equal(config.general_settings.disable_spend_logs, true);
        assert.equal(config.general_settings.disable_error_logs, true);
        // Every call reaches Langfuse: a caller's "no-log" is ignored (security review s24 S3).
        assert.equal(config.litellm_settings.global_disable_no_log_param, true);
        const access = JSON.parse((docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "llm-gateway-access") as any).data["access.json"]);
        assert.deepEqual(access.keys.find((k: any) => k.key_alias === "platform-chat-ui"), {
            key_alias: "platform-chat-ui", team_id: "platform", max_budget: 50, budget_duration: "30d", rpm_limit: 600, tpm_limit: 200000, models: ["small"], allowed_routes: [...KEY_ALLOWED_ROUTES], duration: "180d", key_file: "platform-chat-ui",
        });
    });

    it("is routed over HTTPS as a UI that names its sign-in issuer", () => {
        const route = ofType(dev, "kubernetes:traefik.io/v1alpha1:IngressRoute").map((r) => r.inputs as any).find((r) => r.metadata.name === "chat")!;
        assert.deepEqual(route.metadata.annotations, { "groundwork.dev/audience": "ui", "groundwork.dev/sign-in": "https://id.groundwork.example/realms/groundwork" });
        assert.deepEqual(route.spec.routes[0].services, [{ kind: "Service", name: "open-webui", port: 80 }]);
    });

    it("holds no secret value in its values", () => {
        const text = JSON.stringify(chart(dev, "open-webui").values);
        for (const secret of dev.secretValues) assert.ok(!text.includes(secret), "a secret value is in the chat UI's values");
    });

    describe("bad input", () => {
        it("refuses a team key that takes the chat UI's key name, and a team that does not exist", () => {
            const v = stackValues("dev");
            v.inference.teams[0].keys.push({ ...v.inference.teams[0].keys[0], name: "chat-ui" });
            assert.deepEqual(problems(v), ['groundwork:inference.teams[0].keys[1].name = "chat-ui": is "chat-ui", the name of the key apps.chat gets in team platform; rename this key']);
            const w = stackValues("dev");
            w.apps.chat.team = "research";
            assert.deepEqual(problems(w), ['groundwork:apps.chat.team = "research": names team "research", which groundwork:inference.teams does not define (teams: platform)']);
        });

        it("refuses the chat UI on a stack without inference", () => {
            const v = stackValues("dev");
            delete v.inference;
            delete v.access.hosts.gateway;
            delete v.access.hosts.gatewayAdmin;
            delete v.apps.notebooks;
            delete v.access.hosts.notebooks;
            assert.deepEqual(problems(v), ["groundwork:apps.chat.enabled = true: turns chat on, but the stack has no groundwork:inference gateway for it to call; add models and routes, or set apps.chat.enabled: false"]);
        });
    });
});

describe("applications: notebooks", () => {
    let dev: PlanResult;
    before(async () => {
        dev = await committedPlan("dev");
    });

    it("install the pinned JupyterHub without its LoadBalancer, user scheduler or image pullers", () => {
        const hub = chart(dev, "jupyterhub");
        assert.deepEqual([hub.version, hub.namespace, hub.repositoryOpts.repo], ["4.4.0", "groundwork-notebooks", "https://hub.jupyter.org/helm-chart/"]);
        assert.equal(hub.values.proxy.service.type, "ClusterIP");
        assert.deepEqual([hub.values.scheduling.userScheduler.enabled, hub.values.prePuller.hook.enabled, hub.values.prePuller.continuous.enabled], [false, false, false]);
    });

    it("sign people in through the issuer's endpoints, with the secret from Vault and operators as admins", () => {
        const { hub } = chart(dev, "jupyterhub").values;
        assert.equal(hub.config.JupyterHub.authenticator_class, "generic-oauth");
        const oauth = hub.config.GenericOAuthenticator;
        assert.deepEqual([oauth.client_id, oauth.oauth_callback_url, oauth.authorize_url, oauth.userdata_url], [
            "groundwork-dev", "https://notebooks.dev.groundwork.example/hub/oauth_callback",
            "https://id.groundwork.example/realms/groundwork/protocol/openid-connect/auth", "https://id.groundwork.example/realms/groundwork/protocol/openid-connect/userinfo",
        ]);
        assert.deepEqual([oauth.manage_groups, oauth.admin_groups, oauth.admin_users, oauth.auth_state_groups_key], [true, ["platform-operators"], ["admin@groundwork.example"], "oauth_user.groups"]);
        assert.deepEqual([oauth.allowed_groups, oauth.allow_all], [["ai-users", "platform-operators"], undefined], "only the users' and operators' groups get servers");
        assert.equal(oauth.client_secret, undefined, "the secret never goes into values (the chart copies them into a Secret)");
        assert.equal(oauth.userdata_from_id_token, undefined, "Keycloak's userinfo carries the groups");
        assert.deepEqual(hub.extraEnv.OAUTH_CLIENT_SECRET, { valueFrom: { secretKeyRef: { name: "notebooks-sso", key: "clientSecret" } } });
    });

    it("read people's details from the ID token on Entra, whose userinfo carries no groups (security review s21 N1)", async () => {
        const cloud = await committedPlan("cloud");
        const oauth = chart(cloud, "jupyterhub").values.hub.config.GenericOAuthenticator;
        // oauthenticator 17.4.0 refuses userdata_url beside userdata_from_id_token (oauth2.py L515-520).
        assert.deepEqual([oauth.userdata_from_id_token, oauth.userdata_url], [true, undefined]);
        assert.equal(oauth.auth_state_groups_key, "oauth_user.groups");
    });

    it("name people by their e-mail address only when the issuer does not mark it unverified, refused with a 403 (security review s18 H1)", () => {
        const { hub } = chart(dev, "jupyterhub").values;
        assert.equal(hub.config.GenericOAuthenticator.username_claim, undefined, "set by the extra config, after hub.config");
        const extraConfig: string = hub.extraConfig[VERIFIED_EMAIL_CONFIG_KEY];
        // The chart's jupyterhub_config.py exec()s the entry with `c` in scope; Debian's tornado raises the refusal.
        const run = spawnSync(PYTHON, ["-c", `
import json, sys, types
c = types.SimpleNamespace(GenericOAuthenticator=types.SimpleNamespace())
exec(sys.stdin.read())
from tornado import web
results = []
for info in json.loads(sys.argv[1]):
    try:
        results.append(c.GenericOAuthenticator.username_claim(info))
    except web.HTTPError as e:
        results.append([e.status_code, e.log_message])
print(json.dumps(results))
`, JSON.stringify([
            { email: "ada@groundwork.example", email_verified: true },
            { email: "admin@groundwork.example", email_verified: false },
            { email: "admin@groundwork.example", email_verified: "false" },
            { email: "ada@groundwork.example" },
        ])], { input: extraConfig, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        const refused = [403, "Your e-mail address is not verified at the identity provider: verify it there, then sign in again."];
        assert.deepEqual(JSON.parse(run.stdout), ["ada@groundwork.example", refused, refused, "ada@groundwork.example"]);
    });

    it("run each person's server under restricted with the team's key and the in-mesh gateway, and block cloud metadata by policy", async () => {
        const values = chart(dev, "jupyterhub").values;
        assert.deepEqual(values.hub.config.KubeSpawner.pod_security_context, { runAsNonRoot: true, fsGroup: 100, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepEqual(values.singleuser.extraEnv, {
            OPENAI_BASE_URL: "http://llm-gateway.groundwork-inference.svc.cluster.local:4000/v1",
            OPENAI_API_KEY: { valueFrom: { secretKeyRef: { name: "notebooks-gateway", key: "apiKey" } } },
        });
        // No one can change what their server runs, which one origin would let act as a colleague (security review s26 M1).
        assert.deepEqual([values.hub.config.Spawner, values.singleuser.cmd], [{ disable_user_config: true }, ["/usr/local/bin/python3", "-s", "/usr/local/bin/jupyterhub-singleuser"]]);
        // The chart's own egress rules stay off but DNS in kube-system: policies add up, so any would undo the namespace's egress deny.
        const chartEgress = { cloudMetadataServer: false, dnsPortsCloudMetadataServer: false, dnsPortsPrivateIPs: false, nonPrivateIPs: false, privateIPs: false };
        assert.deepEqual([values.singleuser.cloudMetadata.blockWithIptables, values.singleuser.networkPolicy.egressAllowRules], [false, chartEgress]);
        assert.deepEqual([values.hub.networkPolicy.egressAllowRules, values.proxy.chp.networkPolicy.egressAllowRules], [chartEgress, chartEgress]);
        // The chart opens each listed port to every source (no `from`), and policies add up: none is listed. Each
        // caller has an allowance of its own, on its port and the mesh's (security review s20 M2, chart-models review s22 F3).
        assert.deepEqual([values.hub.networkPolicy.allowedIngressPorts, values.proxy.chp.networkPolicy.allowedIngressPorts, values.singleuser.networkPolicy.allowedIngressPorts], [[], [], []]);
        const policies = kubernetesDocuments((await committedPlan("dev")).resources).filter((d: any) => d.kind === "NetworkPolicy" && d.metadata.namespace === "groundwork-notebooks") as any[];
        const allowance = (name: string) => policies.find((p) => p.metadata.name === name).spec.ingress;
        assert.deepEqual(allowance("allow-notebooks-proxy"), [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "groundwork-ingress" } } }], ports: [{ port: "http", protocol: "TCP" }, { port: 4143, protocol: "TCP" }] }]);
        assert.deepEqual(allowance("allow-notebooks-hub"), [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "groundwork-notebooks" } } }], ports: [{ port: "http", protocol: "TCP" }, { port: 4143, protocol: "TCP" }] }]);
        // The server Pod KubeSpawner will create, as the chart model renders it for the policy packs.
        const [, proxy, server] = jupyterhubModel.render({ name: "jupyterhub", namespace: "groundwork-notebooks", values });
        assert.equal(server.spec.initContainers, undefined, "no privileged metadata-blocking init container");
        assert.deepEqual(server.spec.containers[0].securityContext, { runAsUser: 1000, runAsGroup: 100, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        assert.equal(server.spec.automountServiceAccountToken, false);
        assert.equal(proxy.spec.template.spec.automountServiceAccountToken, false, "the proxy runs as the default account without its token");
    });

    it("hold no secret value in their values", () => {
        const text = JSON.stringify(chart(dev, "jupyterhub").values);
        for (const secret of dev.secretValues) assert.ok(!text.includes(secret), "a secret value is in JupyterHub's values");
    });

    it("reach pgvector only when the operator admits them through platform.postgres.clients", async () => {
        const v = stackValues("dev");
        v.platform = { ...(v.platform ?? {}), postgres: { clients: ["groundwork-notebooks/notebook-user"] } };
        const admitted = await planValues("notebooks-postgres", v);
        const clients = (plan: PlanResult) => (kubernetesDocuments(plan.resources) as any[]).find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === "postgres-clients-clients").spec.identityRefs;
        assert.ok(clients(admitted).some((r: any) => r.namespace === "groundwork-notebooks" && r.name === NOTEBOOK_USER_ACCOUNT));
        assert.ok(!clients(dev).some((r: any) => r.namespace === "groundwork-notebooks"), "not admitted by default");
        // The proxy's account, which notebooks ran as before, is refused by name.
        v.platform.postgres.clients = ["groundwork-notebooks/default"];
        assert.deepEqual(problems(v), [`groundwork:platform.postgres.clients[0] = "groundwork-notebooks/default": is JupyterHub's proxy, not people's notebook servers: name ${NOTEBOOKS_NAMESPACE}/${NOTEBOOK_USER_ACCOUNT}`]);
    });

    it("run people's servers as their own account, which no other person's server admits", async () => {
        const docs = kubernetesDocuments((await committedPlan("dev")).resources) as any[];
        const values = chart(await committedPlan("dev"), "jupyterhub").values;
        assert.deepEqual([values.singleuser.serviceAccountName, values.singleuser.extraPodConfig], [NOTEBOOK_USER_ACCOUNT, { automountServiceAccountToken: false }]);
        const account = docs.find((d) => d.kind === "ServiceAccount" && d.metadata.name === NOTEBOOK_USER_ACCOUNT);
        assert.deepEqual([account.metadata.namespace, account.automountServiceAccountToken], ["groundwork-notebooks", false]);
        const clients = (id: string) => docs.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === `notebooks-${id}-clients`).spec.identityRefs.map((r: any) => r.name).sort();
        assert.deepEqual(clients("user-servers"), ["default", "hub"]);
        assert.deepEqual(clients("hub"), ["default", NOTEBOOK_USER_ACCOUNT]);
        assert.deepEqual(clients("proxy-api"), ["hub"]);
        // Every other port of a person's server is closed to the mesh, the proxy's metrics open to Prometheus alone (security review s20 M2).
        assert.deepEqual(values.singleuser.extraAnnotations, { "config.linkerd.io/default-inbound-policy": "deny" });
        const metricsServer = docs.find((d) => d.kind === "Server" && d.metadata.name === "notebooks-user-server-metrics-server");
        assert.deepEqual([metricsServer.spec.port, metricsServer.spec.podSelector.matchLabels.component, metricsServer.spec.accessPolicy], ["linkerd-admin", "singleuser-server", "deny"]);
        assert.deepEqual(docs.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === "notebooks-user-server-metrics-clients").spec.identityRefs,
            [{ kind: "ServiceAccount", name: "prometheus", namespace: "groundwork-observability" }]);
        // The hub's and the proxy's admin ports too, which people's servers reached through the namespace's default (security review s26 N1).
        for (const component of ["hub", "proxy"]) {
            const server = docs.find((d) => d.kind === "Server" && d.metadata.name === `notebooks-${component}-metrics-server`);
            assert.deepEqual([server.spec.port, server.spec.podSelector.matchLabels.component, server.spec.accessPolicy], ["linkerd-admin", component, "deny"]);
            assert.deepEqual(docs.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === `notebooks-${component}-metrics-clients`).spec.identityRefs,
                [{ kind: "ServiceAccount", name: "prometheus", namespace: "groundwork-observability" }]);
        }
        // Below the mesh too: the namespace's allowance leaves people's servers out, and only the hub's,
        // the proxy's and Prometheus's pods are let in to them, where meshed callers arrive (4143).
        const policy = (name: string) => docs.find((d) => d.kind === "NetworkPolicy" && d.metadata.namespace === "groundwork-notebooks" && d.metadata.name === name);
        assert.deepEqual(policy("allow-same-namespace").spec.podSelector, { matchExpressions: [{ key: "component", operator: "NotIn", values: ["singleuser-server"] }] });
        assert.deepEqual(policy("allow-notebooks-user-servers").spec.ingress, [{
            from: [{ podSelector: { matchLabels: { app: "jupyterhub", component: "hub" } } }, { podSelector: { matchLabels: { app: "jupyterhub", component: "proxy" } } }],
            ports: [{ port: "notebook-port", protocol: "TCP" }, { port: 4143, protocol: "TCP" }],
        }]);
        assert.deepEqual(policy("allow-notebooks-user-server-metrics").spec.ingress[0].from, [{
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "groundwork-observability" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
        }]);
        assert.deepEqual(values.singleuser.networkPolicy.allowedIngressPorts, [], "the chart opens no port of theirs to every source");
        // Other namespaces keep their whole same-namespace allowance.
        assert.deepEqual(docs.find((d) => d.kind === "NetworkPolicy" && d.metadata.namespace === "groundwork-inference" && d.metadata.name === "allow-same-namespace").spec.podSelector, {});
    });

    it("are refused without the issuer's endpoints, or with one that is not https", () => {
        const v = stackValues("dev");
        delete v.access.sso.oauthEndpoints;
        assert.deepEqual(problems(v), ["groundwork:access.sso.oauthEndpoints is not set: must be set: apps.notebooks is on, and JupyterHub reads no discovery document; copy authorization_endpoint, token_endpoint and userinfo_endpoint from <issuer>/.well-known/openid-configuration"]);
        const w = stackValues("dev");
        w.access.sso.oauthEndpoints.tokenUrl = "http://id.groundwork.example/token";
        assert.deepEqual(problems(w), ['groundwork:access.sso.oauthEndpoints.tokenUrl = "http://id.groundwork.example/token": must be an https URL']);
    });
});

describe("applications with a public issuer", () => {
    it("hold the chat UI to the company's e-mail domains", async () => {
        const hybrid = await committedPlan("hybrid");
        const env = chart(hybrid, "open-webui").values.extraEnvVars;
        assert.ok(env.some((e: any) => e.name === "OAUTH_ALLOWED_DOMAINS" && e.value === "groundwork.example"));
        // Without a users group, the roles claim admits anyone the issuer signs in (and the domain list narrows it).
        assert.equal(chart(hybrid, "open-webui").values.sso.roleManagement.allowedRoles, "*");
    });
});

describe("who may call the gateway in the mesh", () => {
    const docs = (plan: PlanResult) => kubernetesDocuments(plan.resources) as any[];
    const identities = (plan: PlanResult, route: string) => docs(plan).find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === `llm-gateway-mesh-${route}-clients`)
        ?.spec.identityRefs.map((r: any) => `${r.namespace}/${r.name}`);

    it("admits the ingress, the chat UI, notebooks, the evaluations' Job and the applications config names to /v1, and only the ingress and its provisioning Job, by its own account, to the admin API", async () => {
        const dev = await committedPlan("dev");
        // The evaluations' Job too: it sends each route's dataset through /v1.
        assert.deepEqual(identities(dev, "openai-api"), ["groundwork-chat/open-webui", "groundwork-inference/route-evaluations", "groundwork-ingress/traefik", "groundwork-notebooks/notebook-user"]);
        // The provisioning Job by an account of its own, not the gateway's, whose identity reaches Postgres and the models (security review s25 F2).
        assert.deepEqual(identities(dev, "admin"), ["groundwork-inference/llm-gateway-access", "groundwork-ingress/traefik"]);
        const access = docs(dev).find((d) => d.kind === "Job" && d.metadata.name.startsWith("llm-gateway-access-"));
        assert.equal(access.spec.template.spec.serviceAccountName, "llm-gateway-access");
        const admitted = docs(dev).filter((d) => d.kind === "MeshTLSAuthentication" && d.spec.identityRefs.some((r: any) => r.name === "llm-gateway-access")).map((d) => d.metadata.name);
        assert.deepEqual(admitted, ["llm-gateway-mesh-admin-clients"]);
        const server = docs(dev).find((d) => d.kind === "Server" && d.metadata.name === "llm-gateway-mesh-server");
        assert.deepEqual([server.spec.port, server.spec.accessPolicy, server.spec.proxyProtocol], ["http", "deny", "HTTP/1"]);
        const v = stackValues("dev");
        v.inference.gateway = { clients: ["reports/report-builder"] };
        const withClient = await planValues("gateway-clients", v);
        assert.ok(identities(withClient, "openai-api").includes("reports/report-builder"));
        assert.ok(!identities(withClient, "admin").includes("reports/report-builder"), "an application never reaches the admin API");
        v.inference.gateway = { clients: ["report-builder"] };
        assert.deepEqual(problems(v), ['groundwork:inference.gateway.clients[0] = "report-builder": must be namespace/serviceaccount']);
    });

    it("routes the OpenAI endpoints the request policy reads, everything else and the probe paths separately, each authorized on its own route", async () => {
        const dev = docs(await committedPlan("dev"));
        const routes = Object.fromEntries(dev.filter((d) => d.kind === "HTTPRoute" && d.metadata.namespace === "groundwork-inference").map((d) => [d.metadata.name, d.spec]));
        // Files, batches and Responses fall to the admin route, which admits no application (security review s17 M1).
        assert.deepEqual(routes["llm-gateway-mesh-openai-api"].rules, [{ matches: [
            { path: { type: "Exact", value: "/v1/chat/completions" } },
            { path: { type: "Exact", value: "/v1/completions" } },
            { path: { type: "Exact", value: "/v1/embeddings" } },
            { path: { type: "Exact", value: "/v1/models" } },
        ] }]);
        assert.deepEqual(routes["llm-gateway-mesh-admin"].rules, [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }]);
        // The kubelet's probes lose Linkerd's automatic authorization once a route exists: their own route, open to every address.
        assert.deepEqual(routes["llm-gateway-mesh-probes"].rules[0].matches, [
            { path: { type: "Exact", value: "/health/liveliness" }, method: "GET" },
            { path: { type: "Exact", value: "/health/readiness" }, method: "GET" },
        ]);
        for (const spec of Object.values(routes)) assert.deepEqual((spec as any).parentRefs, [{ group: "policy.linkerd.io", kind: "Server", name: "llm-gateway-mesh-server" }]);
        const gateway = dev.find((d) => d.kind === "Deployment" && d.metadata.name === "llm-gateway").spec.template.spec.containers[0];
        assert.deepEqual([gateway.livenessProbe.httpGet.path, gateway.readinessProbe.httpGet.path], ["/health/liveliness", "/health/readiness"]);
        const kubelet = dev.find((d) => d.kind === "NetworkAuthentication" && d.metadata.name === "llm-gateway-mesh-kubelet");
        assert.deepEqual(kubelet.spec.networks, [{ cidr: "0.0.0.0/0" }, { cidr: "::/0" }]);
        const targets = dev.filter((d) => d.kind === "AuthorizationPolicy" && d.metadata.namespace === "groundwork-inference" && d.spec.targetRef.kind === "HTTPRoute")
            .map((d) => [d.spec.targetRef.name, d.spec.requiredAuthenticationRefs[0].kind]).sort();
        assert.deepEqual(targets, [
            ["llm-gateway-mesh-admin", "MeshTLSAuthentication"], ["llm-gateway-mesh-metrics", "MeshTLSAuthentication"],
            ["llm-gateway-mesh-openai-api", "MeshTLSAuthentication"], ["llm-gateway-mesh-probes", "NetworkAuthentication"],
        ]);
        // /metrics (which LiteLLM serves without a key) for Prometheus alone, in every spelling and by any
        // method: a POST or an encoded letter no longer falls to the admin route, which admits the ingress (security review s22 F3).
        const [metricsMatch] = routes["llm-gateway-mesh-metrics"].rules[0].matches;
        assert.deepEqual([metricsMatch.path.type, metricsMatch.method], ["RegularExpression", undefined]);
        const matches = Object.fromEntries(Object.entries(routes).map(([name, spec]) => [name, (spec as any).rules[0].matches]));
        for (const spelling of ["/metrics", "/metrics/", "/%6detrics", "/%6Detrics/", "/metrics%2F", "/metrics%2f", "/%6d%65%74%72%69%63%73", "/metrics/x"]) {
            assert.equal(meshRouteFor(matches, spelling), "llm-gateway-mesh-metrics", spelling);
        }
        for (const [path, route] of [["/metricsx", "llm-gateway-mesh-admin"], ["/key/generate", "llm-gateway-mesh-admin"], ["/v1/models", "llm-gateway-mesh-openai-api"], ["/health/readiness", "llm-gateway-mesh-probes"]]) {
            assert.equal(meshRouteFor(matches, path), route, path);
        }
        // LiteLLM asks /metrics for a key since v1.84.0 unless told not to, and Prometheus holds none.
        const litellm = dev.find((d) => d.kind === "ConfigMap" && d.metadata.name === "llm-gateway");
        assert.match(litellm.data["config.yaml"], /^ {2}require_auth_for_metrics_endpoint: false$/m);
        const metricsClients = dev.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === "llm-gateway-mesh-metrics-clients");
        assert.deepEqual(metricsClients.spec.identityRefs, [{ kind: "ServiceAccount", name: "prometheus", namespace: "groundwork-observability" }]);
        assert.ok(!dev.some((d) => d.kind === "AuthorizationPolicy" && d.spec.targetRef.name === "llm-gateway-mesh-server"), "nothing is authorized on the whole port");
    });
});
