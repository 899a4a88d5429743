import { ChartModel, ChartRelease, renderedWorkload, RenderedWorkload, valueAt } from "./workload";

/**
 * HashiCorp's charts: the Vault Secrets Operator and Vault. Templates read at the pinned tags
 * (2026-11-27); test hooks (`helm.sh/hook: test`) are left out: neither Pulumi nor a Helm install
 * runs them.
 */

const VSO = "hashicorp/vault-secrets-operator@v1.4.1:chart/templates";

/** vault-secrets-operator 1.4.1: the controller (manager + kube-rbac-proxy) and two hook Jobs. */
export const vaultSecretsOperatorModel: ChartModel = {
    chart: "vault-secrets-operator",
    version: "1.4.1",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        const fullname = name.includes("vault-secrets-operator") ? name : `${name}-vault-secrets-operator`;
        const controller = valueAt(values, "controller") ?? {};
        // values.yaml defaults at v1.4.1 where we pass none (ours set every field the rules read).
        const podSecurityContext = controller.podSecurityContext ?? { runAsNonRoot: true };
        const securityContext = controller.securityContext ?? { allowPrivilegeEscalation: false };
        const placement = { nodeSelector: controller.nodeSelector, tolerations: controller.tolerations };
        const hookResources = valueAt(values, "hooks", "resources") ?? { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } };
        // deployment.yaml L124, L206 and hook-upgrade-crds.yaml L94: the manager's repository:tag, for all three.
        const image = `${valueAt(controller, "manager", "image", "repository") ?? "hashicorp/vault-secrets-operator"}:${valueAt(controller, "manager", "image", "tag") ?? "1.4.1"}`;
        const workloads = [renderedWorkload({
            kind: "Deployment",
            name: `${fullname}-controller-manager`,
            namespace,
            source: `${VSO}/deployment.yaml`,
            podLabels: { "app.kubernetes.io/name": "vault-secrets-operator", "control-plane": "controller-manager" },
            serviceAccountName: `${fullname}-controller-manager`,
            securityContext: podSecurityContext,
            ...placement,
            containers: [
                {
                    name: "kube-rbac-proxy",
                    image: "quay.io/brancz/kube-rbac-proxy:v0.18.1",
                    securityContext,
                    resources: valueAt(controller, "kubeRbacProxy", "resources") ?? { requests: { cpu: "5m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
                    ports: [{ name: "https", containerPort: 8443 }],
                },
                {
                    name: "manager",
                    image,
                    securityContext,
                    resources: valueAt(controller, "manager", "resources") ?? { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
                    livenessProbe: { httpGet: { path: "/healthz", port: 8081 } },
                    readinessProbe: { httpGet: { path: "/readyz", port: 8081 } },
                },
            ],
        })];
        const hookJob = (jobName: string, hook: string, source: string, container: string, serviceAccountName: string) => renderedWorkload({
            kind: "Job", name: jobName, namespace, hook, source: `${VSO}/${source}`,
            serviceAccountName,
            securityContext: podSecurityContext,
            ...placement,
            containers: [{ name: container, image, securityContext, resources: hookResources }],
        });
        workloads.push(hookJob(`pdcc-${fullname}`.slice(0, 63), "pre-delete", "deployment.yaml", "pre-delete-controller-cleanup", `${fullname}-controller-manager`));
        if (valueAt(values, "hooks", "upgradeCRDs", "enabled") !== false) {
            workloads.push(hookJob(`upgrade-crds-${fullname}`.slice(0, 63), "pre-upgrade", "hook-upgrade-crds.yaml", "pre-upgrade-crds", `${fullname}-upgrade-crds`));
        }
        return workloads;
    },
    // chart/values.yaml at v1.4.1: the default VaultConnection, and the test Pod switch.
    otherValues: ["defaultVaultConnection.enabled", "defaultVaultConnection.address", "tests.enabled"],
};

const VAULT = "hashicorp/vault-helm@v0.34.1:templates";

/** vault 0.34.1 with the injector off: the server StatefulSet. */
export const vaultModel: ChartModel = {
    chart: "vault",
    version: "0.34.1",
    render({ name, namespace, values }: ChartRelease): RenderedWorkload[] {
        const server = valueAt(values, "server") ?? {};
        const liveness = server.livenessProbe ?? {};
        return [renderedWorkload({
            kind: "StatefulSet",
            name,
            namespace,
            source: `${VAULT}/server-statefulset.yaml`,
            // server-statefulset.yaml L38-45: the chart's labels, then server.extraLabels.
            podLabels: { "helm.sh/chart": "vault-0.34.1", "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": name, component: "server", ...(server.extraLabels ?? {}) },
            serviceAccountName: name,
            // server.statefulSet.securityContext.pod/container; defaults (values.yaml L1121-1123,
            // _helpers.tpl) runAsNonRoot/runAsUser 100/runAsGroup 1000/fsGroup 1000 and allowPrivilegeEscalation false.
            securityContext: valueAt(server, "statefulSet", "securityContext", "pod") ?? { runAsNonRoot: true, runAsGroup: 1000, runAsUser: 100, fsGroup: 1000 },
            nodeSelector: server.nodeSelector,
            tolerations: server.tolerations,
            // server.affinity as given when an object; the chart's default string is its pod anti-affinity.
            affinity: typeof server.affinity === "object" ? server.affinity : undefined,
            containers: [{
                name: "vault",
                image: `${valueAt(server, "image", "repository") ?? "hashicorp/vault"}:${valueAt(server, "image", "tag") ?? "2.0.4"}`,
                securityContext: valueAt(server, "statefulSet", "securityContext", "container") ?? { allowPrivilegeEscalation: false },
                resources: server.resources,
                ports: [{ name: "http", containerPort: 8200 }, { name: "https-internal", containerPort: 8201 }, { name: "http-rep", containerPort: 8202 }],
                // readiness: exec `vault status -tls-skip-verify` unless a path is set.
                readinessProbe: { exec: { command: ["/bin/sh", "-ec", "vault status -tls-skip-verify"] } },
                livenessProbe: liveness.enabled ? { httpGet: { path: liveness.path ?? "/v1/sys/health?standbyok=true", port: 8200, scheme: "HTTP" } } : undefined,
            },
            // server.extraContainers, appended as given (server-statefulset.yaml L240-241).
            ...(server.extraContainers ?? []).map((c: any) => ({
                name: c.name, image: c.image, securityContext: c.securityContext, resources: c.resources, ports: c.ports,
                readinessProbe: c.readinessProbe, livenessProbe: c.livenessProbe,
            }))],
        })];
    },
    // values.yaml at v0.34.1: storage, HA/standalone configuration, the injector and global switches.
    otherValues: [
        "global.enabled", "injector.enabled", "server.dataStorage", "server.auditStorage", "server.standalone", "server.ha",
        "server.statefulSet.annotations",
        "server.extraSecretEnvironmentVars", "server.livenessProbe.initialDelaySeconds", "server.readinessProbe.enabled",
        // server-statefulset.yaml L57-58: one process namespace for the pod (the audit rotation signals Vault).
        "server.shareProcessNamespace",
    ],
};
