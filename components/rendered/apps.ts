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
