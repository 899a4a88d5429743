import { ChartModel, ChartRelease, renderedWorkload, RenderedWorkload, valueAt } from "./workload";

/** Qdrant's and Langfuse's charts, read at the pinned tags (2026-11-27). Test hooks are left out. */

const QDRANT = "qdrant/qdrant-helm@qdrant-1.18.2:charts/qdrant/templates/statefulset.yaml";

/** qdrant 1.18.2: one StatefulSet, with the root `ensure-dir-ownership` init container when it renders. */
export const qdrantModel: ChartModel = {
    chart: "qdrant",
    version: "1.18.2",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        const image = values.image ?? {};
        const unprivileged = image.useUnprivilegedImage === true;
        const tag = `${image.tag ?? "v1.18.2"}${unprivileged ? "-unprivileged" : ""}`;
        // values.yaml defaults: runAsUser 1000, updateVolumeFsOwnership true (L100, L121).
        const containerSecurityContext = { runAsUser: 1000, runAsGroup: 2000, ...(values.containerSecurityContext ?? {}) };
        // L56-86: rendered when updateVolumeFsOwnership, not the unprivileged image, and runAsUser
        // set; it runs `chown -R` with no securityContext, as the image's user (root).
        const chown = (values.updateVolumeFsOwnership ?? true) && !unprivileged && containerSecurityContext.runAsUser;
        return [renderedWorkload({
            kind: "StatefulSet",
            name,
            namespace,
            source: QDRANT,
            podLabels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": name },
            serviceAccountName: name,
            // Its ServiceAccount mounts no token: set after rendering (components/platform/qdrant.ts qdrantWithoutApiToken).
            automountServiceAccountToken: false,
            securityContext: values.podSecurityContext,
            nodeSelector: values.nodeSelector,
            tolerations: values.tolerations,
            initContainers: chown
                ? [{ name: "ensure-dir-ownership", image: `${image.repository ?? "docker.io/qdrant/qdrant"}:${tag}` }]
                : [],
            containers: [{
                name: "qdrant",
                image: `${image.repository ?? "docker.io/qdrant/qdrant"}:${tag}`,
                securityContext: containerSecurityContext,
                resources: values.resources,
                env: values.env,
                ports: [{ name: "http", containerPort: 6333 }, { name: "grpc", containerPort: 6334 }, { name: "p2p", containerPort: 6335 }],
                readinessProbe: valueAt(values, "readinessProbe", "enabled") ? { httpGet: { path: "/readyz", port: 6333, scheme: "HTTP" } } : undefined,
                livenessProbe: valueAt(values, "livenessProbe", "enabled") ? { httpGet: { path: "/", port: 6333, scheme: "HTTP" } } : undefined,
            }],
        })];
    },
    // charts/qdrant/values.yaml at qdrant-1.18.2: replicas, storage, disruption budget, cluster mode.
    otherValues: [
        "replicaCount", "image.pullPolicy", "persistence.accessModes", "persistence.size", "livenessProbe.initialDelaySeconds",
        "podDisruptionBudget.enabled", "podDisruptionBudget.maxUnavailable", "config.cluster.enabled",
    ],
};

const LANGFUSE = "langfuse/langfuse-k8s@langfuse-1.5.41:charts/langfuse";
/** Bitnami's defaults for ClickHouse 8.0.5 and Valkey 2.2.4 (values.yaml podSecurityContext / containerSecurityContext). */
const BITNAMI_POD = { fsGroup: 1001, fsGroupChangePolicy: "Always" };
const BITNAMI_CONTAINER = {
    runAsUser: 1001, runAsGroup: 1001, runAsNonRoot: true, privileged: false, allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
};

/** langfuse 1.5.41 with ClickHouse and Valkey deployed, Postgres and S3 external: four workloads, no hooks. */
export const langfuseModel: ChartModel = {
    chart: "langfuse",
    version: "1.5.41",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        const lf = values.langfuse ?? {};
        const app = (component: "web" | "worker", port: number, probes: Record<string, unknown>) => renderedWorkload({
            kind: "Deployment",
            name: `${name}-${component}`,
            namespace,
            source: `${LANGFUSE}/templates/${component}/deployment.yaml`,
            podLabels: { "app.kubernetes.io/name": "langfuse", "app.kubernetes.io/instance": name, "app.kubernetes.io/component": component },
            serviceAccountName: valueAt(lf, "serviceAccount", "name") ?? name,
            // templates/{web,worker}/deployment.yaml L54; values.yaml L85-86 default true.
            automountServiceAccountToken: valueAt(lf, "serviceAccount", "automountServiceAccountToken") ?? true,
            securityContext: lf.podSecurityContext,
            nodeSelector: lf.nodeSelector,
            tolerations: lf.tolerations,
            containers: [{
                name: `langfuse-${component}`,
                // `coalesce` of the component's tag, `langfuse.image.tag` and appVersion (deployment.yaml L73).
                image: `langfuse/langfuse${component === "worker" ? "-worker" : ""}:${valueAt(lf, component, "image", "tag") ?? valueAt(lf, "image", "tag") ?? "3.224.1"}`,
                securityContext: lf.securityContext,
                resources: valueAt(lf, component, "resources") ?? lf.resources,
                // Appended after the chart's own env (templates/{web,worker}/deployment.yaml L77-86).
                env: lf.additionalEnv,
                ports: [{ name: "http", containerPort: port }],
                ...probes,
            }],
        });
        const workloads = [
            app("web", 3000, {
                livenessProbe: { httpGet: { path: "/api/public/health", port: "http" } },
                readinessProbe: { httpGet: { path: "/api/public/ready", port: "http" } },
            }),
            app("worker", 3030, { livenessProbe: { httpGet: { path: "/api/health", port: "http" } } }),
        ];
        const clickhouse = values.clickhouse ?? {};
        if (clickhouse.deploy !== false) {
            workloads.push(renderedWorkload({
                kind: "StatefulSet",
                name: `${name}-clickhouse-shard0`,
                namespace,
                source: "bitnami/charts@clickhouse/8.0.5:bitnami/clickhouse/templates/statefulset.yaml",
                podLabels: { "app.kubernetes.io/name": "clickhouse", "app.kubernetes.io/instance": name },
                serviceAccountName: `${name}-clickhouse`,
                securityContext: BITNAMI_POD,
                nodeSelector: clickhouse.nodeSelector,
                tolerations: clickhouse.tolerations,
                containers: [{
                    name: "clickhouse",
                    // common.images.image (bitnami/charts@common/2.30.0 _images.tpl): registry/repository:tag.
                    image: `docker.io/bitnamilegacy/clickhouse:${valueAt(clickhouse, "image", "tag") ?? "25.2.1-debian-12-r0"}`,
                    securityContext: BITNAMI_CONTAINER,
                    resources: clickhouse.resources,
                    // statefulset.yaml L258-285 with keeper, TLS and metrics off (values.yaml L137-148): the PostgreSQL,
                    // MySQL and interserver ports are rendered whatever the config.
                    ports: [
                        { name: "http", containerPort: 8123 }, { name: "tcp", containerPort: 9000 },
                        { name: "tcp-postgresql", containerPort: 9005 }, { name: "tcp-mysql", containerPort: 9004 }, { name: "http-intersrv", containerPort: 9009 },
                    ],
                    livenessProbe: { tcpSocket: { port: "http" } },
                    readinessProbe: { httpGet: { path: "/ping", port: "http" } },
                }],
            }));
        }
        const redis = values.redis ?? {};
        if (redis.deploy !== false) {
            workloads.push(renderedWorkload({
                kind: "StatefulSet",
                name: `${name}-redis-primary`,
                namespace,
                source: "bitnami/charts@valkey/2.2.4:bitnami/valkey/templates/primary/application.yaml",
                // The subchart's alias ("redis") becomes its name (helm/helm pkg/chartutil/dependencies.go).
                podLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "primary" },
                serviceAccountName: `${name}-redis-primary`,
                securityContext: BITNAMI_POD,
                nodeSelector: valueAt(redis, "primary", "nodeSelector"),
                tolerations: valueAt(redis, "primary", "tolerations"),
                containers: [{
                    name: "valkey",
                    image: "docker.io/bitnamilegacy/valkey:8.0.2-debian-12-r2",
                    securityContext: BITNAMI_CONTAINER,
                    resources: valueAt(redis, "primary", "resources"),
                    ports: [{ name: "redis", containerPort: 6379 }],
                    livenessProbe: { exec: { command: ["sh", "-c", "/health/ping_liveness_local.sh 5"] } },
                    readinessProbe: { exec: { command: ["sh", "-c", "/health/ping_readiness_local.sh 1"] } },
                }],
            }));
        }
        return workloads;
    },
    // charts/langfuse/values.yaml at langfuse-1.5.41 (secrets, URLs, features, the external Postgres
    // and bucket), bitnami/charts@clickhouse/8.0.5 and valkey/2.2.4 values.yaml for the subcharts.
    otherValues: [
        "langfuse.salt", "langfuse.encryptionKey", "langfuse.nextauth.secret", "langfuse.nextauth.url",
        "langfuse.features.signUpDisabled", "langfuse.features.telemetryEnabled", "langfuse.serviceAccount.create",
        // langfuse.auth: a commented example in values.yaml L40-57; templates/_helpers.tpl L277-298 renders it.
        "langfuse.auth.disableUsernamePassword", "langfuse.auth.providers.custom.name", "langfuse.auth.providers.custom.clientId",
        "langfuse.auth.providers.custom.clientSecret", "langfuse.auth.providers.custom.issuer", "langfuse.auth.providers.custom.scope",
        "langfuse.auth.providers.custom.allowAccountLinking",
        "postgresql.deploy", "postgresql.host", "postgresql.port", "postgresql.auth.username", "postgresql.auth.database",
        "postgresql.auth.existingSecret", "postgresql.auth.secretKeys.userPasswordKey",
        "clickhouse.clusterEnabled", "clickhouse.replicaCount", "clickhouse.shards", "clickhouse.zookeeper.enabled",
        "clickhouse.resourcesPreset", "clickhouse.persistence.size", "clickhouse.auth.username", "clickhouse.auth.existingSecret",
        "clickhouse.auth.existingSecretKey", "clickhouse.networkPolicy.enabled", "redis.networkPolicy.enabled",
        // The backup bucket as a named collection, its key from the environment (values.yaml L425-427, L557-563;
        // templates/configmap-extra.yaml, statefulset.yaml L228-230).
        "clickhouse.extraOverrides", "clickhouse.extraEnvVars",
        "redis.architecture", "redis.auth.existingSecret", "redis.auth.existingSecretPasswordKey", "redis.primary.extraFlags",
        "redis.primary.resourcesPreset", "redis.primary.persistence.size",
        "s3.deploy", "s3.bucket", "s3.region", "s3.endpoint", "s3.forcePathStyle", "s3.accessKeyId", "s3.secretAccessKey",
        "s3.eventUpload.prefix", "s3.batchExport.prefix", "s3.mediaUpload.prefix",
    ],
};
