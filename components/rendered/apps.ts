import { ChartModel, ChartRelease, renderedWorkload, RenderedWorkload, valueAt } from "./workload";

/** The applications' charts: what each renders with our values. */

const OPEN_WEBUI = "open-webui/helm-charts@open-webui-16.0.0:charts/open-webui";

/**
 * open-webui 16.0.0: one StatefulSet (templates/workload-manager.yaml L6-8: persistence on with
 * the `local` provider) with the `copy-app-data` init container, which takes the main container's
 * securityContext (L58-73). The bundled ollama and pipelines subcharts and the websocket Redis
 * (templates/websocket-redis.yaml) render only when enabled; the chart has no hooks of its own,
 * ollama's test Pod comes with its subchart.
 */
export const openWebUiModel: ChartModel = {
    chart: "open-webui",
    version: "16.0.0",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        for (const sub of ["ollama", "pipelines"]) {
            if (valueAt(values, sub, "enabled") !== false) throw new Error(`open-webui model: ${sub} is on by default and not modelled; set ${sub}.enabled: false`);
        }
        if (valueAt(values, "websocket", "redis", "enabled") !== false) {
            throw new Error("open-webui model: the websocket Redis is on by default and not modelled; set websocket.redis.enabled: false");
        }
        const fullname = name.includes("open-webui") ? name : `${name}-open-webui`;
        const image = `ghcr.io/open-webui/open-webui:${values.image?.tag ?? "0.11.0"}`;
        const securityContext = values.containerSecurityContext;
        return [renderedWorkload({
            kind: values.workload?.kind || "StatefulSet",
            name: fullname,
            namespace,
            source: `${OPEN_WEBUI}/templates/workload-manager.yaml`,
            podLabels: { "app.kubernetes.io/name": "open-webui", "app.kubernetes.io/instance": name },
            serviceAccountName: valueAt(values, "serviceAccount", "name") || `${fullname}-sa`,
            securityContext: values.podSecurityContext,
            nodeSelector: values.nodeSelector,
            tolerations: values.tolerations,
            initContainers: [{
                name: "copy-app-data",
                image,
                securityContext,
                resources: valueAt(values, "copyAppData", "resources"),
            }],
            containers: [{
                name: "open-webui",
                image,
                securityContext,
                resources: values.resources,
                env: values.extraEnvVars,
                ports: [{ name: "http", containerPort: 8080 }],
                readinessProbe: values.readinessProbe,
                livenessProbe: values.livenessProbe,
                startupProbe: values.startupProbe,
            }],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: fullname } }, ...(values.volumes ?? [])],
        })];
    },
    // charts/open-webui/values.yaml at open-webui-16.0.0: subcharts and websocket (L14-88), the
    // service account (L221-236), volumes (L391-422, L611-631), the OpenAI connection (L527-559),
    // sso (L661-785).
    otherValues: [
        "ollama.enabled", "pipelines.enabled", "tika.enabled", "websocket.enabled", "websocket.manager", "websocket.redis.enabled",
        "replicaCount", "serviceAccount.enable", "serviceAccount.create", "serviceAccount.automountServiceAccountToken",
        "persistence.enabled", "persistence.size", "volumeMounts.container",
        "enableOpenaiApi", "openaiBaseApiUrl", "openaiApiKey", "openaiApiKeyExistingSecret", "openaiApiKeyExistingSecretKey",
        "sso.enabled", "sso.enableSignup", "sso.enableRoleManagement", "sso.roleManagement.rolesClaim", "sso.roleManagement.allowedRoles",
        "sso.roleManagement.adminRoles", "sso.oidc.enabled", "sso.oidc.clientId", "sso.oidc.clientExistingSecret", "sso.oidc.clientExistingSecretKey",
        "sso.oidc.providerUrl", "sso.oidc.providerName", "sso.oidc.scopes",
    ],
};

const Z2JH = "jupyterhub/zero-to-jupyterhub-k8s@4.4.0:jupyterhub";
/** values.yaml at 4.4.0: the hub's and CHP's security contexts (L94-104, L210-218), core and user tolerations (L609-631). */
const HUB_POD = { runAsNonRoot: true, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } };
const HUB_CONTAINER = { runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
const CHP_CONTAINER = { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
const dedicated = (purpose: string) => ["hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated"].map((key) => ({ key, operator: "Equal", value: purpose, effect: "NoSchedule" }));

/**
 * jupyterhub 4.4.0: the hub and proxy Deployments (templates/hub/deployment.yaml,
 * templates/proxy/deployment.yaml), and each person's server, a Pod KubeSpawner 7.0.0 creates at
 * run time from hub.config.KubeSpawner and singleuser.* (jupyterhub/files/hub/jupyterhub_config.py
 * L145-291; kubespawner objects.py L396-548), with the privileged `block-cloud-metadata` init
 * container unless singleuser.cloudMetadata.blockWithIptables is false (L450-482). The
 * user-scheduler, user-placeholder and image pullers render only when on (values.yaml L448, L583, L652, L685).
 */
export const jupyterhubModel: ChartModel = {
    chart: "jupyterhub",
    version: "4.4.0",
    render({ namespace, values }: ChartRelease): RenderedWorkload[] {
        for (const [path, what] of [[["scheduling", "userScheduler", "enabled"], "the user-scheduler"], [["scheduling", "userPlaceholder", "enabled"], "the user-placeholder"],
            [["prePuller", "hook", "enabled"], "the hook image puller"], [["prePuller", "continuous", "enabled"], "the continuous image puller"]] as [string[], string][]) {
            if (valueAt(values, ...path) !== false) throw new Error(`jupyterhub model: ${what} is on by default and not modelled; set ${path.join(".")}: false`);
        }
        const core = [...dedicated("core")];
        const spawner = valueAt(values, "hub", "config", "KubeSpawner") ?? {};
        const blockWithIptables = valueAt(values, "singleuser", "cloudMetadata", "blockWithIptables") !== false;
        const hub = renderedWorkload({
            kind: "Deployment",
            name: "hub",
            namespace,
            source: `${Z2JH}/templates/hub/deployment.yaml`,
            podLabels: { app: "jupyterhub", component: "hub" },
            serviceAccountName: "hub",
            securityContext: valueAt(values, "hub", "podSecurityContext") ?? HUB_POD,
            nodeSelector: valueAt(values, "hub", "nodeSelector"),
            tolerations: [...core, ...(valueAt(values, "hub", "tolerations") ?? [])],
            containers: [{
                name: "hub",
                image: "quay.io/jupyterhub/k8s-hub:4.4.0",
                securityContext: valueAt(values, "hub", "containerSecurityContext") ?? HUB_CONTAINER,
                resources: valueAt(values, "hub", "resources"),
                env: Object.entries(valueAt(values, "hub", "extraEnv") ?? {}).map(([name, v]) => ({ name, ...(v as object) })),
                ports: [{ name: "http", containerPort: 8081 }],
                readinessProbe: { httpGet: { path: "/hub/health", port: "http" }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: "/hub/health", port: "http" }, periodSeconds: 10 },
            }],
        });
        const proxy = renderedWorkload({
            kind: "Deployment",
            name: "proxy",
            namespace,
            source: `${Z2JH}/templates/proxy/deployment.yaml`,
            podLabels: { app: "jupyterhub", component: "proxy" },
            // No serviceAccountName in templates/proxy/deployment.yaml: the namespace's default account.
            automountServiceAccountToken: valueAt(values, "proxy", "chp", "extraPodSpec", "automountServiceAccountToken"),
            nodeSelector: valueAt(values, "proxy", "chp", "nodeSelector"),
            tolerations: [...core, ...(valueAt(values, "proxy", "chp", "tolerations") ?? [])],
            containers: [{
                name: "chp",
                image: "quay.io/jupyterhub/configurable-http-proxy:5.2.0",
                securityContext: CHP_CONTAINER,
                resources: valueAt(values, "proxy", "chp", "resources"),
                ports: [{ name: "http", containerPort: 8000 }, { name: "api", containerPort: 8001 }],
                readinessProbe: { httpGet: { path: "/_chp_healthz", port: "http" }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: "/_chp_healthz", port: "http" }, periodSeconds: 10 },
            }],
        });
        const gib = (v: unknown) => (typeof v === "string" ? `${Math.round(Number(v.replace(/M$/, "")))}Mi` : undefined);
        const server = renderedWorkload({
            kind: "Pod",
            name: "jupyter-{username}",
            namespace,
            source: `${Z2JH}/files/hub/jupyterhub_config.py`,
            podLabels: { app: "jupyterhub", component: "singleuser-server" },
            // singleuser.extraAnnotations becomes KubeSpawner's extra_annotations (files/hub/jupyterhub_config.py L152).
            podAnnotations: valueAt(values, "singleuser", "extraAnnotations") ?? undefined,
            // singleuser.serviceAccountName becomes KubeSpawner's service_account (files/hub/jupyterhub_config.py L156).
            serviceAccountName: valueAt(values, "singleuser", "serviceAccountName") ?? undefined,
            // Without a service account KubeSpawner mounts no token (kubespawner@7.0.0 objects.py L553-557);
            // singleuser.extraPodConfig is merged into the pod spec last.
            automountServiceAccountToken: valueAt(values, "singleuser", "extraPodConfig", "automountServiceAccountToken")
                ?? (valueAt(values, "singleuser", "serviceAccountName") ? undefined : false),
            securityContext: spawner.pod_security_context ?? { fsGroup: 100 },
            nodeSelector: valueAt(values, "singleuser", "nodeSelector"),
            tolerations: [...dedicated("user"), ...(valueAt(values, "singleuser", "extraTolerations") ?? [])],
            initContainers: blockWithIptables ? [{
                name: "block-cloud-metadata",
                image: "quay.io/jupyterhub/k8s-network-tools:4.4.0",
                securityContext: { runAsUser: 0, privileged: true, capabilities: { add: ["NET_ADMIN"] } },
            }] : undefined,
            containers: [{
                name: "notebook",
                image: "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
                securityContext: spawner.container_security_context ?? { runAsUser: 1000, allowPrivilegeEscalation: false },
                resources: {
                    requests: { cpu: String(valueAt(values, "singleuser", "cpu", "guarantee") ?? ""), memory: gib(valueAt(values, "singleuser", "memory", "guarantee")) },
                    limits: { cpu: String(valueAt(values, "singleuser", "cpu", "limit") ?? ""), memory: gib(valueAt(values, "singleuser", "memory", "limit")) },
                },
                env: Object.entries(valueAt(values, "singleuser", "extraEnv") ?? {}).map(([name, v]) => (typeof v === "object" ? { name, ...(v as object) } : { name, value: v })),
                ports: [{ name: "notebook-port", containerPort: 8888 }],
            }],
        });
        return [hub, proxy, server];
    },
    // jupyterhub/values.yaml at 4.4.0: authentication and spawner config (hub.config, L36-38), the
    // proxy Service (L165-190), network policies (L113-124, L247-258, L384-394), user servers'
    // storage (L409-424), the hub's database volume (L65-73), scheduling and pre-pullers (L448-632, L652-685);
    // hub.extraConfig, Python the hub's jupyterhub_config.py runs (files/hub/jupyterhub_config.py L539-542);
    // hub.config.Spawner passed through to c.Spawner (L499-526; jupyterhub Spawner.disable_user_config),
    // singleuser.cmd to c.Spawner.cmd (L444-446).
    otherValues: [
        "hub.config.JupyterHub.authenticator_class", "hub.config.GenericOAuthenticator", "hub.config.Spawner.disable_user_config", "singleuser.cmd", "hub.extraConfig", "hub.networkPolicy", "proxy.service.type", "proxy.chp.networkPolicy",
        "singleuser.networkPolicy", "singleuser.storage.capacity", "hub.db.pvc.storage",
        "scheduling.corePods.nodeAffinity.matchNodePurpose", "scheduling.userPods.nodeAffinity.matchNodePurpose",
    ],
};
