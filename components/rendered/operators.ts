import { chartImage, ChartModel, ChartRelease, renderedWorkload, RenderedWorkload, valueAt } from "./workload";

/** cert-manager and CloudNativePG: their charts' workloads, and the Postgres pods the operator creates. */

const CERT_MANAGER = "cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager";
/** Every component's default security contexts (values.yaml L424-437, 825-838, 1233-1246, 1541-1554). */
const CERT_MANAGER_POD = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
const CERT_MANAGER_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };

/** cert-manager v1.21.1: controller, webhook, cainjector, and the startupapicheck post-install Job. */
export const certManagerModel: ChartModel = {
    chart: "cert-manager",
    version: "v1.21.1",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        // Each component's nodeSelector defaults to kubernetes.io/os: linux; tolerations are per
        // component (top-level for the controller only; there is no global.tolerations).
        const component = (suffix: string, v: Record<string, any>, kind: "Deployment" | "Job", template: string, extra: { ports?: { name: string; containerPort: number }[]; hook?: string; probe?: Record<string, unknown>; readiness?: Record<string, unknown>; outside?: Record<number, string[]> } = {}) =>
            renderedWorkload({
                kind,
                name: suffix ? `${name}-${suffix}` : name,
                namespace,
                hook: extra.hook,
                source: `${CERT_MANAGER}/templates/${template}`,
                podLabels: { "app.kubernetes.io/name": suffix || "cert-manager", "app.kubernetes.io/instance": name },
                serviceAccountName: suffix ? `${name}-${suffix}` : name,
                securityContext: v.securityContext ?? CERT_MANAGER_POD,
                nodeSelector: { "kubernetes.io/os": "linux", ...(v.nodeSelector ?? {}) },
                tolerations: v.tolerations,
                containers: [{
                    name: `cert-manager-${suffix || "controller"}`,
                    image: chartImage(`quay.io/jetstack/cert-manager-${suffix || "controller"}`, v.image?.tag ?? "v1.21.1", v.image?.digest),
                    securityContext: v.containerSecurityContext ?? CERT_MANAGER_CONTAINER,
                    resources: v.resources,
                    ports: extra.ports,
                    livenessProbe: extra.probe,
                    readinessProbe: extra.readiness,
                }],
                outsideCallers: extra.outside,
            });
        const workloads = [
            component("", values, "Deployment", "deployment.yaml", { ports: [{ name: "http-metrics", containerPort: 9402 }, { name: "http-healthz", containerPort: 9403 }], probe: { httpGet: { path: "/livez", port: "http-healthz" } } }),
            component("webhook", values.webhook ?? {}, "Deployment", "webhook-deployment.yaml", {
                ports: [{ name: "https", containerPort: 10250 }, { name: "healthcheck", containerPort: 6080 }],
                probe: { httpGet: { path: "/livez", port: "healthcheck", scheme: "HTTP" } },
                readiness: { httpGet: { path: "/healthz", port: "healthcheck", scheme: "HTTP" } },
                // The API server calls the admission webhook (webhook.securePort).
                outside: { 10250: ["kube-apiserver"] },
            }),
            component("cainjector", values.cainjector ?? {}, "Deployment", "cainjector-deployment.yaml"),
        ];
        if (valueAt(values, "startupapicheck", "enabled") !== false) {
            // helm.sh/hook: post-install from startupapicheck.jobAnnotations (values.yaml L1575-1578).
            workloads.push(component("startupapicheck", values.startupapicheck ?? {}, "Job", "startupapicheck-job.yaml", { hook: "post-install" }));
        }
        return workloads;
    },
    // deploy/charts/cert-manager/values.yaml at v1.21.1: the CRDs the chart installs and keeps.
    // acmesolver.image becomes the controller's --acme-http01-solver-image (templates/deployment.yaml
    // L117): the solver pods it creates per challenge, not modelled here.
    otherValues: ["crds.enabled", "crds.keep", "acmesolver.image"],
};

const CNPG_CHARTS = "cloudnative-pg/charts";
const CNPG_CONTAINER = { runAsUser: 10001, runAsGroup: 10001, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
const CNPG_POD = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };

/**
 * The operator's image, which the chart also hands the operator as OPERATOR_IMAGE_NAME, the image of
 * every instance's bootstrap-controller (templates/deployment.yaml L84-85, L99 at cloudnative-pg-v0.29.0;
 * cloudnative-pg@v1.30.0 pkg/specs/containers.go L34-37). No digest key: a digest rides in the tag.
 */
export function cnpgOperatorImage(values: Record<string, any>): string {
    return `${valueAt(values, "image", "repository") ?? "ghcr.io/cloudnative-pg/cloudnative-pg"}:${valueAt(values, "image", "tag") || "1.30.0"}`;
}

/**
 * The sidecar image the plugin injects into each instance, from the chart's SIDECAR_IMAGE
 * (templates/configmap.yaml L22 at plugin-barman-cloud-v0.7.0; plugin-barman-cloud@v0.13.0
 * internal/cnpgi/operator/lifecycle.go L400-401 uses it verbatim).
 */
export function barmanSidecarImage(values: Record<string, any>): string {
    return barmanChartImage(values.sidecarImage, "cloudnative-pg/plugin-barman-cloud-sidecar");
}

/** How the plugin chart composes both its images: registry/repository:tag, the tag defaulting to appVersion. */
function barmanChartImage(image: { registry?: string; repository?: string; tag?: string } | undefined, defaultRepository: string): string {
    return `${image?.registry ?? "ghcr.io"}/${image?.repository ?? defaultRepository}:${image?.tag || "v0.13.0"}`;
}

/** cloudnative-pg 0.29.0: the operator Deployment; the API server calls its webhook (9443), which its own HTTPS probes also use. */
export const cloudNativePgModel: ChartModel = {
    chart: "cloudnative-pg",
    version: "0.29.0",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        // _helpers.tpl L24-32: the release name, or `<release>-cloudnative-pg` when it does not contain the chart's.
        const fullname = name.includes("cloudnative-pg") ? name : `${name}-cloudnative-pg`;
        return [renderedWorkload({
            kind: "Deployment",
            name: fullname,
            namespace,
            source: `${CNPG_CHARTS}@cloudnative-pg-v0.29.0:charts/cloudnative-pg/templates/deployment.yaml`,
            podLabels: { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": name },
            serviceAccountName: fullname,
            securityContext: values.podSecurityContext ?? CNPG_POD,
            nodeSelector: values.nodeSelector,
            tolerations: values.tolerations,
            containers: [{
                name: "manager",
                image: cnpgOperatorImage(values),
                securityContext: values.containerSecurityContext ?? CNPG_CONTAINER,
                resources: values.resources,
                ports: [{ name: "metrics", containerPort: 8080 }, { name: "webhook-server", containerPort: 9443 }],
                readinessProbe: { httpGet: { path: "/readyz", port: 9443, scheme: "HTTPS" } },
                livenessProbe: { httpGet: { path: "/readyz", port: 9443, scheme: "HTTPS" } },
            }],
            outsideCallers: { 9443: ["kube-apiserver", "kubelet (HTTPS probe)"] },
        })];
    },
};

/** plugin-barman-cloud 0.7.0: the plugin Deployment, called by the operator over mutual TLS on 9090. */
export const barmanCloudPluginModel: ChartModel = {
    chart: "plugin-barman-cloud",
    version: "0.7.0",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        return [renderedWorkload({
            kind: "Deployment",
            name: "plugin-barman-cloud",
            namespace,
            source: `${CNPG_CHARTS}@plugin-barman-cloud-v0.7.0:charts/plugin-barman-cloud/templates/deployment.yaml`,
            podLabels: { "app.kubernetes.io/name": "plugin-barman-cloud", "app.kubernetes.io/instance": name },
            serviceAccountName: "plugin-barman-cloud",
            securityContext: values.podSecurityContext ?? CNPG_POD,
            nodeSelector: values.nodeSelector,
            tolerations: values.tolerations,
            containers: [{
                name: "barman-cloud",
                // templates/deployment.yaml L72.
                image: barmanChartImage(values.image, "cloudnative-pg/plugin-barman-cloud"),
                securityContext: values.containerSecurityContext ?? CNPG_CONTAINER,
                resources: values.resources,
                ports: [{ name: "grpc", containerPort: 9090 }],
                readinessProbe: { tcpSocket: { port: 9090 } },
            }],
            outsideCallers: { 9090: ["cnpg operator"] },
        })];
    },
    // SIDECAR_IMAGE (templates/configmap.yaml L22): not in the plugin's pod; the instance pods carry it.
    otherValues: ["sidecarImage"],
};

const CNPG = "cloudnative-pg/cloudnative-pg@v1.30.0:pkg/specs/pods.go";

/**
 * The instance pods the CloudNativePG operator creates for a `Cluster` (one per instance): user 26,
 * read-only root, drop ALL, RuntimeDefault; ports 5432, 8000 (status, TLS) and 9187 (metrics); the
 * kubelet probes 8000 over HTTPS, and the operator calls it from its own, unmeshed, namespace.
 * `spec.inheritedMetadata` reaches the pods; `spec.affinity` gives their placement. `images` are the
 * operator's and the plugin's, as their charts configure them (cnpgOperatorImage, barmanSidecarImage).
 */
export function cnpgInstancePods(
    cluster: { metadata: { name: string; namespace: string }; spec: Record<string, any> },
    objectStores: { metadata: { name: string; namespace: string }; spec: Record<string, any> }[] = [],
    images: { operator: string; sidecar: string } = { operator: cnpgOperatorImage({}), sidecar: barmanSidecarImage({}) },
): RenderedWorkload {
    const spec = cluster.spec ?? {};
    // The Barman Cloud plugin adds its own sidecar (a restartable init container) to each instance,
    // with the resources of the ObjectStore the Cluster archives to
    // (cloudnative-pg/plugin-barman-cloud@v0.13.0: internal/cnpgi/operator/lifecycle.go L400-417, 550-551).
    const barman = (spec.plugins ?? []).find((p: { name?: string }) => p.name === "barman-cloud.cloudnative-pg.io");
    const store = barman && objectStores.find((o) => o.metadata.name === barman.parameters?.barmanObjectName && o.metadata.namespace === cluster.metadata.namespace);
    const sidecar = barman ? [{
        name: "plugin-barman-cloud", image: images.sidecar, securityContext: CNPG_CONTAINER,
        resources: valueAt(store?.spec, "instanceSidecarConfiguration", "resources"),
    }] : [];
    const status = { httpGet: { port: 8000, scheme: "HTTPS" } };
    return renderedWorkload({
        kind: "Pod",
        name: `${cluster.metadata.name}-1`,
        namespace: cluster.metadata.namespace,
        source: CNPG,
        podLabels: { "cnpg.io/cluster": cluster.metadata.name, ...(valueAt(spec, "inheritedMetadata", "labels") ?? {}) },
        podAnnotations: valueAt(spec, "inheritedMetadata", "annotations"),
        serviceAccountName: cluster.metadata.name,
        securityContext: { runAsUser: 26, runAsGroup: 26, runAsNonRoot: true, fsGroup: 26, seccompProfile: { type: "RuntimeDefault" } },
        nodeSelector: valueAt(spec, "affinity", "nodeSelector"),
        tolerations: valueAt(spec, "affinity", "tolerations"),
        initContainers: [{ name: "bootstrap-controller", image: images.operator, securityContext: CNPG_CONTAINER, resources: spec.resources }, ...sidecar],
        containers: [{
            name: "postgres",
            image: spec.imageName ?? "ghcr.io/cloudnative-pg/postgresql",
            securityContext: { ...CNPG_CONTAINER, runAsUser: undefined, runAsGroup: undefined },
            resources: spec.resources,
            ports: [{ name: "postgresql", containerPort: 5432 }, { name: "metrics", containerPort: 9187 }, { name: "status", containerPort: 8000 }],
            startupProbe: { ...status, httpGet: { ...status.httpGet, path: "/startupz" } },
            readinessProbe: { ...status, httpGet: { ...status.httpGet, path: "/readyz" } },
            livenessProbe: { ...status, httpGet: { ...status.httpGet, path: "/healthz" } },
        }],
        outsideCallers: { 8000: ["kubelet (HTTPS probe)", "the cnpg operator from unmeshed cnpg-system"] },
    });
}
