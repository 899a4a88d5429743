import { renderedWorkload, RenderedWorkload } from "./workload";

/**
 * What k3s deploys itself into kube-system on its servers, unless `disable:` names it. Read at
 * k3s-io/k3s@v1.34.9+k3s1 (commit 5f72184f) manifests/ and pkg/cloudprovider/servicelb.go
 * (2026-11-27). Every one tolerates only these two taints, so each needs a node without any other
 * NoSchedule/NoExecute taint; kube-system is not labelled with a Pod Security level (privileged).
 */
const K3S = "k3s-io/k3s@v1.34.9+k3s1";
const SYSTEM_TOLERATIONS = [
    { key: "CriticalAddonsOnly", operator: "Exists" },
    { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
];
const LINUX = { "kubernetes.io/os": "linux" };

/** `disable:` names (pkg/cli/cmds/stage.go) of the components modelled here. */
export const K3S_PACKAGED = ["coredns", "local-storage", "metrics-server", "traefik", "servicelb"] as const;
export type K3sPackaged = (typeof K3S_PACKAGED)[number];

export function k3sPackagedWorkloads(disabled: readonly string[]): RenderedWorkload[] {
    const on = (c: K3sPackaged) => !disabled.includes(c);
    const system = (name: string, file: string, container: Parameters<typeof renderedWorkload>[0]["containers"][number],
        pod: { kind?: "Deployment" | "DaemonSet"; serviceAccount?: string; label?: string; nodeSelector?: Record<string, string> } = {}) =>
        renderedWorkload({
            kind: pod.kind ?? "Deployment",
            name,
            namespace: "kube-system",
            source: `${K3S}:${file}`,
            podLabels: { "k8s-app": pod.label ?? name },
            serviceAccountName: pod.serviceAccount ?? name,
            nodeSelector: "nodeSelector" in pod ? pod.nodeSelector : LINUX,
            tolerations: SYSTEM_TOLERATIONS,
            containers: [container],
        });
    const out: RenderedWorkload[] = [];
    if (on("coredns")) {
        out.push(system("coredns", "manifests/coredns.yaml", {
            name: "coredns",
            image: "rancher/mirrored-coredns-coredns:1.14.4",
            securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ["NET_BIND_SERVICE"], drop: ["all"] }, readOnlyRootFilesystem: true },
            resources: { requests: { cpu: "100m", memory: "70Mi" }, limits: { memory: "170Mi" } },
            ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53 }, { name: "metrics", containerPort: 9153 }],
            livenessProbe: { httpGet: { path: "/health", port: 8080, scheme: "HTTP" } },
            readinessProbe: { httpGet: { path: "/ready", port: 8181, scheme: "HTTP" } },
        }, { label: "kube-dns" }));
    }
    if (on("local-storage")) {
        out.push(system("local-path-provisioner", "manifests/local-storage.yaml", { name: "local-path-provisioner", image: "rancher/local-path-provisioner:v0.0.36" }, { serviceAccount: "local-path-provisioner-service-account" }));
    }
    if (on("metrics-server")) {
        out.push(system("metrics-server", "manifests/metrics-server/metrics-server-deployment.yaml", {
            name: "metrics-server",
            image: "rancher/mirrored-metrics-server:v0.8.1",
            securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false },
            resources: { requests: { cpu: "100m", memory: "70Mi" } },
            ports: [{ name: "https", containerPort: 10250 }],
        }));
    }
    if (on("traefik")) {
        // The traefik HelmChart's valuesContent sets these tolerations (manifests/traefik.yaml).
        out.push(system("traefik", "manifests/traefik.yaml", {
            name: "traefik",
            image: "rancher/mirrored-library-traefik:3.7.4",
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
            ports: [{ name: "web", containerPort: 8000 }, { name: "websecure", containerPort: 8443 }],
        }, { nodeSelector: undefined }));
        if (on("servicelb")) {
            // One svclb pod per node for Traefik's LoadBalancer Service (named svclb-traefik-<uid>,
            // servicelb.go L756; service account svclb, L487): NET_ADMIN and a hostPort per port.
            out.push(system("svclb-traefik", "pkg/cloudprovider/servicelb.go", {
                name: "lb-tcp-443",
                image: "rancher/klipper-lb",
                securityContext: { capabilities: { add: ["NET_ADMIN"] } },
                ports: [{ name: "lb-tcp-443", containerPort: 443, hostPort: 443 }],
            }, { kind: "DaemonSet", serviceAccount: "svclb", nodeSelector: undefined }));
        }
    }
    return out;
}
