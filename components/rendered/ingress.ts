import { ChartModel, ChartRelease, renderedWorkload, RenderedWorkload, valueAt } from "./workload";

/** Traefik's chart and what ServiceLB runs for its LoadBalancer Services. */

const TRAEFIK = "traefik/traefik-helm-chart@v41.3.0:traefik";
const K3S = "k3s-io/k3s@v1.34.9+k3s1";
/** Pod and container defaults (values.yaml L1256-1269); the chart's templates take them whole. */
const TRAEFIK_POD = { runAsGroup: 65532, runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } };
const TRAEFIK_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };
/** Entrypoint ports by default (values.yaml L918-1116). */
const DEFAULT_PORTS: Record<string, { port: number; exposedPort: number }> = {
    metrics: { port: 9100, exposedPort: 9100 },
    traefik: { port: 8080, exposedPort: 8080 },
    web: { port: 8000, exposedPort: 80 },
    websecure: { port: 8443, exposedPort: 443 },
};
/** ServiceLB's pods tolerate only these (k3s pkg/cloudprovider/servicelb.go L486-501). */
const SERVICELB_TOLERATIONS = [
    { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    { key: "CriticalAddonsOnly", operator: "Exists" },
];

/** The Services the chart renders: `default` (named fullname) and each additional one (`fullname-<key>`), with their ports. */
export function traefikServices(fullname: string, values: Record<string, any>): { name: string; type: string; ports: number[] }[] {
    const service = values.service ?? {};
    const ports: Record<string, any> = { ...DEFAULT_PORTS, ...(values.ports ?? {}) };
    const exposedOn = (key: string) => Object.entries(ports)
        .filter(([name, p]) => (p?.expose ?? (name === "web" || name === "websecure" ? { default: true } : {}))[key])
        .map(([name, p]) => p.exposedPort ?? DEFAULT_PORTS[name]?.exposedPort ?? p.port);
    // templates/service.yaml L1-41: additionalServices plus `default`; a disabled one is skipped.
    const all: [string, any][] = [["default", { ...service, spec: service.spec ?? { type: "LoadBalancer" } }], ...Object.entries(service.additionalServices ?? {})];
    return all.filter(([, s]) => s?.enabled !== false)
        .map(([key, s]) => ({ name: key === "default" ? fullname : `${fullname}-${key}`, type: s.spec?.type ?? "ClusterIP", ports: exposedOn(key) }))
        .filter((s) => s.ports.length > 0);
}

/**
 * Traefik 41.3.0 (Traefik v3.7.11): one Deployment (templates/deployment.yaml, _podtemplate.tpl),
 * no hooks or test pods (no `helm.sh/hook` under templates/). k3s's ServiceLB runs a DaemonSet
 * `svclb-<service>` in kube-system for each LoadBalancer Service, with NET_ADMIN and a host port
 * per Service port (servicelb.go L441-449, L514-546): that is what listens on the nodes.
 */
export const traefikModel: ChartModel = {
    chart: "traefik",
    version: "41.3.0",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        const fullname = name.includes("traefik") ? name : `${name}-traefik`;
        const ports: Record<string, any> = { ...DEFAULT_PORTS, ...(values.ports ?? {}) };
        const deployment = renderedWorkload({
            kind: "Deployment",
            name: fullname,
            namespace,
            source: `${TRAEFIK}/templates/_podtemplate.tpl`,
            podLabels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": `${name}-${namespace}` },
            podAnnotations: valueAt(values, "deployment", "podAnnotations"),
            serviceAccountName: fullname,
            securityContext: values.podSecurityContext ?? TRAEFIK_POD,
            nodeSelector: values.nodeSelector,
            tolerations: values.tolerations,
            containers: [{
                name: "traefik",
                // _helpers.tpl L49-67: registry/repository:tag, the tag defaulting to appVersion.
                image: `docker.io/traefik:${valueAt(values, "image", "tag") || "v3.7.11"}`,
                securityContext: values.securityContext ?? TRAEFIK_CONTAINER,
                resources: values.resources,
                ports: Object.entries(ports).map(([portName, p]) => ({ name: portName, containerPort: p.port ?? DEFAULT_PORTS[portName].port })),
                // _podtemplate.tpl L81-103: /ping on the traefik port, plain HTTP.
                readinessProbe: { httpGet: { path: "/ping", port: 8080, scheme: "HTTP" }, failureThreshold: 1, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: "/ping", port: 8080, scheme: "HTTP" }, failureThreshold: 3, periodSeconds: 10 },
            }],
        });
        const servicelb = traefikServices(fullname, values).filter((s) => s.type === "LoadBalancer").map((s) => renderedWorkload({
            kind: "DaemonSet",
            name: `svclb-${s.name}`,
            namespace: "kube-system",
            source: `${K3S}:pkg/cloudprovider/servicelb.go`,
            podLabels: { "svccontroller.k3s.cattle.io/svcname": s.name, "svccontroller.k3s.cattle.io/svcnamespace": namespace },
            serviceAccountName: "svclb",
            tolerations: SERVICELB_TOLERATIONS,
            containers: s.ports.map((port) => ({
                name: `lb-tcp-${port}`,
                image: "rancher/klipper-lb:v0.4.17",
                securityContext: { capabilities: { add: ["NET_ADMIN"] } },
                ports: [{ name: `lb-tcp-${port}`, containerPort: port, hostPort: port }],
            })),
        }));
        return [deployment, ...servicelb];
    },
    // traefik/values.yaml at v41.3.0: replicas, PDB, namespaced RBAC, IngressClass, core/api/global switches,
    // providers, access log, entrypoint ports and their Services (ports.*, service.*).
    otherValues: [
        "deployment.replicas", "podDisruptionBudget.enabled", "podDisruptionBudget.maxUnavailable",
        "rbac.namespaced", "ingressClass.enabled",
        "core.strictTLSOptions", "api.dashboard", "global.checkNewVersion", "global.sendAnonymousUsage",
        "providers.kubernetesCRD.enabled", "providers.kubernetesCRD.allowCrossNamespace", "providers.kubernetesCRD.allowExternalNameServices",
        "providers.kubernetesIngress.enabled", "providers.kubernetesIngress.ingressClass",
        "accessLog.enabled",
        "ports.web.expose", "ports.websecure.expose", "ports.operators.port", "ports.operators.exposedPort", "ports.operators.protocol",
        "ports.operators.expose", "ports.operators.http.tls.enabled",
        "service.enabled", "service.spec", "service.additionalServices",
    ],
};
