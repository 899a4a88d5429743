import { ChartModel, ChartRelease, RenderedContainer, renderedWorkload, RenderedWorkload, valueAt } from "./workload";

/**
 * Linkerd's edge charts at edge-26.8.3 (published as 2026.8.3), read 2026-11-27:
 * charts/linkerd-control-plane/templates/{identity,destination,proxy-injector,heartbeat}.yaml,
 * charts/partials/templates/{_proxy,_network-validator,_resources}.tpl, charts/linkerd2-cni/.
 */
const LINKERD = "linkerd/linkerd2@edge-26.8.3:charts";
const IMAGE = "cr.l5d.io/linkerd";

/** Linkerd's `{cpu: {request, limit}, memory: {...}}` as Kubernetes resources (partials.resources). */
function resources(r: Record<string, any> | undefined): Record<string, any> | undefined {
    if (!r) return undefined;
    const pick = (k: "request" | "limit") => Object.fromEntries(["cpu", "memory"].filter((q) => r[q]?.[k]).map((q) => [q, r[q][k]]));
    const [requests, limits] = [pick("request"), pick("limit")];
    return { ...(Object.keys(requests).length && { requests }), ...(Object.keys(limits).length && { limits }) };
}

/** The controller containers' own context (identity.yaml L210-222 and the same in the others). */
const CONTROLLER_CONTEXT = {
    capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 2103, runAsGroup: 2103,
    allowPrivilegeEscalation: false, seccompProfile: { type: "RuntimeDefault" },
};
/** The proxy of a control-plane pod: the chart sets proxy.capabilities drop ALL for its own pods (identity.yaml L241). */
const PROXY_CONTEXT = {
    allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true,
    runAsUser: 2102, seccompProfile: { type: "RuntimeDefault" },
};

export const linkerdControlPlaneModel: ChartModel = {
    chart: "linkerd-control-plane",
    version: "2026.8.3",
    render({ namespace, values }: ChartRelease): RenderedWorkload[] {
        const proxy: RenderedContainer = {
            name: "linkerd-proxy", image: `${IMAGE}/proxy:edge-26.8.3`, securityContext: PROXY_CONTEXT, resources: resources(valueAt(values, "proxy", "resources")),
            ports: [{ name: "linkerd-proxy", containerPort: 4143 }, { name: "linkerd-admin", containerPort: 4191 }],
            readinessProbe: { httpGet: { path: "/ready", port: 4191 } }, livenessProbe: { httpGet: { path: "/live", port: 4191 } },
        };
        // With the CNI plugin, a network-validator init container replaces proxy-init (_network-validator.tpl).
        const init: RenderedContainer[] = values.cniEnabled
            ? [{ name: "linkerd-network-validator", image: `${IMAGE}/proxy:edge-26.8.3`, securityContext: valueAt(values, "networkValidator", "securityContext") ?? {
                allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" },
            }, resources: resources(valueAt(values, "proxy", "resources")) }]
            : [];
        const controller = (name: string, template: string, containers: RenderedContainer[], outside: Record<number, string[]> = {}) => renderedWorkload({
            kind: "Deployment",
            name: `linkerd-${name}`,
            namespace,
            source: `${LINKERD}/linkerd-control-plane/templates/${template}`,
            podLabels: { "linkerd.io/control-plane-component": name, "linkerd.io/control-plane-ns": namespace },
            serviceAccountName: `linkerd-${name}`,
            nodeSelector: values.nodeSelector,
            tolerations: values.tolerations,
            initContainers: init,
            containers: [...containers, proxy],
            outsideCallers: outside,
        });
        const main = (name: string, image: string, port: number, admin: number, res: string): RenderedContainer => ({
            name, image: `${IMAGE}/${image}:edge-26.8.3`, securityContext: CONTROLLER_CONTEXT, resources: resources(values[res]),
            ports: [{ containerPort: port }, { containerPort: admin }],
            livenessProbe: { httpGet: { path: "/ping", port: admin } }, readinessProbe: { httpGet: { path: "/ready", port: admin } },
        });
        const workloads = [
            controller("identity", "identity.yaml", [main("identity", "controller", 8080, 9990, "identityResources")]),
            controller("destination", "destination.yaml", [
                main("destination", "controller", 8086, 9996, "destinationResources"),
                main("sp-validator", "controller", 8443, 9997, "spValidatorResources"),
                // destination.yaml L375-382: the policy validator's webhook on 9443 beside gRPC and admin (callers review s26, Info).
                {
                    ...main("policy", "policy-controller", 8090, 9990, "policyControllerResources"), resources: resources(valueAt(values, "policyController", "resources")),
                    ports: [{ name: "policy-grpc", containerPort: 8090 }, { name: "policy-admin", containerPort: 9990 }, { name: "policy-https", containerPort: 9443 }],
                },
            ], { 8443: ["kube-apiserver"], 9443: ["kube-apiserver"] }),
            controller("proxy-injector", "proxy-injector.yaml", [main("proxy-injector", "controller", 8443, 9995, "proxyInjectorResources")], { 8443: ["kube-apiserver"] }),
        ];
        if (!values.disableHeartBeat) {
            workloads.push(renderedWorkload({
                kind: "CronJob", name: "linkerd-heartbeat", namespace, source: `${LINKERD}/linkerd-control-plane/templates/heartbeat.yaml`,
                serviceAccountName: "linkerd-heartbeat", securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                nodeSelector: values.nodeSelector, tolerations: values.tolerations,
                containers: [{ name: "heartbeat", image: `${IMAGE}/controller:edge-26.8.3`, securityContext: CONTROLLER_CONTEXT, resources: resources(values.heartbeatResources) }],
            }));
        }
        return workloads;
    },
    // charts/linkerd-control-plane/values.yaml at edge-26.8.3: identity, replicas and HA switches.
    otherValues: [
        "identityTrustAnchorsPEM", "identity.issuer.scheme", "identity.issuer.tls.crtPEM", "identity.issuer.tls.keyPEM",
        "controllerReplicas", "enablePodAntiAffinity", "enablePodDisruptionBudget", "webhookFailurePolicy", "deploymentStrategy",
    ],
};

/** linkerd2-cni: the install-cni DaemonSet on every node (it tolerates every taint by default). */
export const linkerdCniModel: ChartModel = {
    chart: "linkerd2-cni",
    version: "2026.8.3",
    render({ namespace, values }: ChartRelease): RenderedWorkload[] {
        return [renderedWorkload({
            kind: "DaemonSet", name: "linkerd-cni", namespace, source: `${LINKERD}/linkerd2-cni/templates/cni-plugin.yaml`,
            serviceAccountName: "linkerd-cni", securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: values.tolerations ?? [{ operator: "Exists" }],
            containers: [{ name: "install-cni", image: `${valueAt(values, "image", "name") ?? `${IMAGE}/cni-plugin`}:${valueAt(values, "image", "version") ?? "v1.7.0-alpha.1"}`, securityContext: { privileged: values.privileged ?? false }, resources: resources(values.resources) }],
            volumes: [{ name: "cni-bin-dir", hostPath: { path: values.destCNIBinDir } }, { name: "cni-net-dir", hostPath: { path: values.destCNINetDir } }],
        })];
    },
};

/** linkerd-crds renders CustomResourceDefinitions only: no workloads. */
export const linkerdCrdsModel: ChartModel = {
    chart: "linkerd-crds", version: "2026.8.3", render: () => [],
    // charts/linkerd-crds/values.yaml at edge-26.8.3.
    otherValues: ["installGatewayAPI"],
};
