import { strict as assert } from "assert";
import { certManagerModel, cnpgInstancePods } from "../../components/rendered/operators";
import { qdrantModel } from "../../components/rendered/data-stores";
import { vaultSecretsOperatorModel } from "../../components/rendered/hashicorp";
import { k3sPackagedWorkloads } from "../../components/rendered/k3s-packaged";
import { RenderedWorkload } from "../../components/rendered/workload";
import { schedulingFor } from "../../components/placement";
import { ResourceRecord } from "../../policies/policy-run";
import { podResourcesSet } from "../../policies/reliability/pod-health";
import { podPlacementSchedulable } from "../../policies/reliability/placement";
import { meshAdmitsOutsideCallers } from "../../policies/security/mesh-admission";
import { podSecurityAdmission } from "../../policies/security/pod-security-admission";
import { clusterNodes } from "../../stacks/cluster-nodes";
import { parse, stackValues } from "../helpers";
import { messages, record } from "./harness";

/**
 * The three rules that look at what charts, operators and k3s render, run over the typed models of
 * those workloads (components/rendered/). Each defect found against the upstream charts has its
 * failing case here, built from the values that shipped before, beside the values we pass now.
 */

const typeOf = (w: RenderedWorkload) => `kubernetes:${w.apiVersion.includes("/") ? w.apiVersion : `core/${w.apiVersion}`}:${w.kind}`;
const workloads = (ws: RenderedWorkload[]): ResourceRecord[] => ws.map((w) => record(typeOf(w), w as any, `${w.metadata.namespace}/${w.metadata.name}`));
const namespace = (name: string, level?: string, meshed = false): ResourceRecord => record("kubernetes:core/v1:Namespace", {
    metadata: {
        name,
        labels: level ? { "pod-security.kubernetes.io/enforce": level } : {},
        annotations: meshed ? { "linkerd.io/inject": "enabled", "config.linkerd.io/default-inbound-policy": "all-authenticated" } : {},
    },
}, name);

/** Qdrant's values as they shipped before: runAsUser set, the chown init container left on. */
const QDRANT_BEFORE = {
    image: { repository: "docker.io/qdrant/qdrant", tag: "v1.18.2" },
    podSecurityContext: { fsGroup: 3000, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containerSecurityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 2000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    resources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { memory: "1Gi" } },
};
const QDRANT_NOW = { ...QDRANT_BEFORE, image: { ...QDRANT_BEFORE.image, useUnprivilegedImage: true }, updateVolumeFsOwnership: false };

describe("rendered workloads under the policy packs", () => {
    describe("pod-security-admission (stack)", () => {
        it("rejects Qdrant's root chown init container in a restricted namespace, and admits the values we pass now", async () => {
            const before = workloads(qdrantModel.render({ name: "qdrant", namespace: "groundwork-data", values: QDRANT_BEFORE }));
            const found = await messages(podSecurityAdmission, [namespace("groundwork-data", "restricted", true), ...before]);
            assert.equal(found.length, 1);
            assert.match(found[0], /^StatefulSet groundwork-data\/qdrant is rejected by namespace "groundwork-data" \(Pod Security restricted\): spec\.template\.spec\.initContainers\[0\] "ensure-dir-ownership": allowPrivilegeEscalation is not false; .*"ensure-dir-ownership": capabilities\.drop does not include ALL/);
            const now = workloads(qdrantModel.render({ name: "qdrant", namespace: "groundwork-data", values: QDRANT_NOW }));
            assert.deepEqual(await messages(podSecurityAdmission, [namespace("groundwork-data", "restricted", true), ...now]), []);
        });

        it("rejects the Vault Secrets Operator's controller and hook Jobs with the chart's default security contexts", async () => {
            const before = workloads(vaultSecretsOperatorModel.render({ name: "vault-secrets-operator", namespace: "vso", values: { controller: {} } }));
            const found = await messages(podSecurityAdmission, [namespace("vso", "restricted"), ...before]);
            assert.deepEqual(found.map((m) => m.split(" is rejected")[0]), [
                "Deployment vso/vault-secrets-operator-controller-manager",
                "Job vso/pdcc-vault-secrets-operator",
                "Job vso/upgrade-crds-vault-secrets-operator",
            ]);
            assert.match(found[0], /"manager": seccompProfile is not RuntimeDefault or Localhost; .*capabilities\.drop does not include ALL/);
        });

        it("admits anything in a privileged (unlabelled) namespace, and checks baseline's host rules", async () => {
            const host = workloads(k3sPackagedWorkloads([]));
            assert.deepEqual(await messages(podSecurityAdmission, host), []);
            const svclb = host.filter((r) => r.name.endsWith("svclb-traefik")).map((r) => ({ ...r, props: { ...r.props, metadata: { ...r.props.metadata, namespace: "apps" } } }));
            const found = await messages(podSecurityAdmission, [namespace("apps", "baseline"), ...svclb]);
            assert.deepEqual(found.length, 1);
            assert.match(found[0], /\(Pod Security baseline\): .*"lb-tcp-443": adds capabilities NET_ADMIN/);
        });
    });

    describe("mesh-admits-outside-callers (stack)", () => {
        const cluster = (annotations?: Record<string, string>) => cnpgInstancePods({
            metadata: { name: "postgres", namespace: "groundwork-data" },
            spec: { instances: 1, ...(annotations && { inheritedMetadata: { annotations } }) },
        });

        it("finds CloudNativePG's TLS status port refused under all-authenticated, and admits it once the proxy skips it", async () => {
            const found = await messages(meshAdmitsOutsideCallers, [namespace("groundwork-data", "restricted", true), ...workloads([cluster()])]);
            assert.deepEqual(found, [
                'port 8000 of Pod groundwork-data/postgres-1 is called by kubelet (HTTPS probe) and the cnpg operator from unmeshed cnpg-system, which default-inbound-policy all-authenticated refuses; ' +
                    'add config.linkerd.io/skip-inbound-ports: "8000" to the pod template, or a Server for it with an AuthorizationPolicy admitting a NetworkAuthentication',
            ]);
            const fixed = workloads([cluster({ "config.linkerd.io/skip-inbound-ports": "8000" })]);
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [namespace("groundwork-data", "restricted", true), ...fixed]), []);
        });

        it("models the Barman Cloud sidecar CloudNativePG's plugin adds, with the ObjectStore's resources (none by default)", async () => {
            const spec = { instances: 1, resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "1Gi" } }, plugins: [{ name: "barman-cloud.cloudnative-pg.io", parameters: { barmanObjectName: "backups" } }] };
            const store = (resources?: object) => ({ metadata: { name: "backups", namespace: "groundwork-data" }, spec: resources ? { instanceSidecarConfiguration: { resources } } : {} });
            const pod = (resources?: object) => workloads([cnpgInstancePods({ metadata: { name: "postgres", namespace: "groundwork-data" }, spec }, [store(resources)])]);
            assert.deepEqual(await messages(podResourcesSet, pod()), [
                'spec.initContainers[1] "plugin-barman-cloud": resources.requests.cpu, resources.requests.memory, resources.limits.memory missing; set cpu and memory requests and a memory limit',
            ]);
            assert.deepEqual(await messages(podResourcesSet, pod({ requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } })), []);
        });

        it("accepts a Server opened to a NetworkAuthentication, and ignores unmeshed namespaces", async () => {
            const server = record("kubernetes:policy.linkerd.io/v1beta3:Server", { metadata: { name: "status", namespace: "groundwork-data" }, spec: { podSelector: { matchLabels: { "cnpg.io/cluster": "postgres" } }, port: "status" } }, "status");
            const policy = record("kubernetes:policy.linkerd.io/v1alpha1:AuthorizationPolicy", {
                metadata: { name: "status", namespace: "groundwork-data" },
                spec: { targetRef: { group: "policy.linkerd.io", kind: "Server", name: "status" }, requiredAuthenticationRefs: [{ group: "policy.linkerd.io", kind: "NetworkAuthentication", name: "nodes" }] },
            }, "status-policy");
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [namespace("groundwork-data", "restricted", true), server, policy, ...workloads([cluster()])]), []);
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [namespace("groundwork-data", "restricted"), ...workloads([cluster()])]), []);
        });

        it("refuses a plain-HTTP probe Linkerd's probe route does not cover: routes on the Server that miss its path (404 whatever is authorized) or admit no network, an opaque Server (callers review s26 L2, review s26 R3)", async () => {
            const ns = namespace("apps", "restricted", true);
            const LABELS = { app: "web" };
            const web = record("kubernetes:apps/v1:Deployment", { metadata: { name: "web", namespace: "apps" }, spec: { template: { metadata: { labels: LABELS }, spec: {
                containers: [{ name: "web", image: "web:1", ports: [{ name: "http", containerPort: 8080 }], readinessProbe: { httpGet: { path: "/healthz?full=1", port: "http" } } }],
            } } } }, "web");
            const server = (proxyProtocol = "HTTP/1") => record("kubernetes:policy.linkerd.io/v1beta3:Server", { metadata: { name: "web", namespace: "apps" }, spec: { podSelector: { matchLabels: LABELS }, port: "http", proxyProtocol } }, "web-server");
            const route = (name: string, path: Record<string, string>) => record("kubernetes:policy.linkerd.io/v1beta3:HTTPRoute", {
                metadata: { name, namespace: "apps" }, spec: { parentRefs: [{ group: "policy.linkerd.io", kind: "Server", name: "web" }], rules: [{ matches: [{ path, method: "GET" }] }] },
            }, `${name}-route`);
            const authorize = (kind: string, name: string, auth: string) => record("kubernetes:policy.linkerd.io/v1alpha1:AuthorizationPolicy", {
                metadata: { name: `${name}-${auth}`, namespace: "apps" }, spec: { targetRef: { group: "policy.linkerd.io", kind, name }, requiredAuthenticationRefs: [{ group: "policy.linkerd.io", kind: auth, name: "x" }] },
            }, `${kind}-${name}-${auth}`);
            const api = [route("api", { type: "PathPrefix", value: "/api" }), authorize("HTTPRoute", "api", "MeshTLSAuthentication")];
            const refused = (why: string) => `port 8080 of Deployment apps/web is called by kubelet (HTTP probe /healthz ${why}), which default-inbound-policy all-authenticated refuses; ` +
                'add config.linkerd.io/skip-inbound-ports: "8080" to the pod template, or a Server for it with an AuthorizationPolicy admitting a NetworkAuthentication';
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [ns, web, server()]), [], "a Server without routes keeps Linkerd's probe route");
            const notFound = 'port 8080 of Deployment apps/web is called by kubelet (HTTP probe /healthz, which no HTTPRoute of Server web matches), so Linkerd answers it 404 and the pod never becomes ready; ' +
                'add an HTTPRoute for the probe\'s path (GET, no headers) with an AuthorizationPolicy admitting a NetworkAuthentication, or config.linkerd.io/skip-inbound-ports: "8080"';
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [ns, web, server(), ...api]), [notFound]);
            // No authorization helps a request no route takes, nor a route asking for a header the kubelet does not send (review s26 R3).
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [ns, web, server(), ...api, authorize("Server", "web", "NetworkAuthentication")]), [notFound]);
            const withHeader = record("kubernetes:policy.linkerd.io/v1beta3:HTTPRoute", {
                metadata: { name: "probes", namespace: "apps" }, spec: { parentRefs: [{ group: "policy.linkerd.io", kind: "Server", name: "web" }], rules: [{ matches: [{ path: { type: "Exact", value: "/healthz" }, headers: [{ name: "x-probe", value: "1" }] }] }] },
            }, "probes-header-route");
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [ns, web, server(), ...api, withHeader, authorize("HTTPRoute", "probes", "NetworkAuthentication")]), [notFound]);
            const probes = route("probes", { type: "Exact", value: "/healthz" });
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [ns, web, server(), ...api, probes]), [refused("on HTTPRoute probes, which admits no NetworkAuthentication")]);
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [ns, web, server(), ...api, probes, authorize("HTTPRoute", "probes", "NetworkAuthentication")]), []);
            // The proxy adds the Server's authorizations to every route's.
            const everything = [route("all", { type: "PathPrefix", value: "/" }), authorize("HTTPRoute", "all", "MeshTLSAuthentication")];
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [ns, web, server(), ...everything]), [refused("on HTTPRoute all, which admits no NetworkAuthentication")]);
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [ns, web, server(), ...everything, authorize("Server", "web", "NetworkAuthentication")]), []);
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [ns, web, server("opaque")]), [refused("on Server web, whose protocol opaque has no probe route")]);
        });

        it("lets plain-HTTP probes through (Linkerd authorizes them) but not HTTPS ones", async () => {
            const qdrant = workloads(qdrantModel.render({ name: "qdrant", namespace: "groundwork-data", values: { ...QDRANT_NOW, readinessProbe: { enabled: true }, livenessProbe: { enabled: true } } }));
            assert.deepEqual(await messages(meshAdmitsOutsideCallers, [namespace("groundwork-data", "restricted", true), ...qdrant]), []);
        });
    });

    describe("pod-placement-schedulable (stack)", () => {
        const nodes = (stack: string, edit: (v: Record<string, any>) => void = () => undefined) => {
            const values = stackValues(stack);
            edit(values);
            return clusterNodes(parse(values));
        };

        it("places k3s's CoreDNS, local-path and metrics-server on an edge-only cluster, whose machines are left untainted", async () => {
            const edge = nodes("edge");
            assert.ok(edge.every((n) => n.taints.length === 0), JSON.stringify(edge));
            assert.deepEqual(await messages(podPlacementSchedulable, workloads(k3sPackagedWorkloads(["runtimes"])), { nodes: edge }), []);
        });

        it("finds k3s's system pods without a node when every edge machine carries the edge taint (the defect)", async () => {
            const tainted = nodes("edge").map((n) => ({ ...n, taints: ["groundwork.dev/edge=true:NoSchedule"] }));
            const found = await messages(podPlacementSchedulable, workloads(k3sPackagedWorkloads(["runtimes"])), { nodes: tainted });
            assert.ok(found.some((m) => m.startsWith("Deployment kube-system/coredns fits no node: edge-server has groundwork.dev/edge=true:NoSchedule;")), found.join("\n"));
            assert.equal(found.length, 5);
        });

        it("finds cert-manager's post-install hook Job without the edge placement's toleration, and places it once given", async () => {
            const hybrid = nodes("hybrid").filter((n) => n.labels["groundwork.dev/placement"] === "edge");
            assert.ok(hybrid.length > 0 && hybrid.every((n) => n.taints.includes("groundwork.dev/edge=true:NoSchedule")));
            const edge = schedulingFor("edge");
            const placement = { nodeSelector: edge.nodeSelector, tolerations: edge.tolerations };
            const before = certManagerModel.render({ name: "cert-manager", namespace: "cert-manager", values: { ...placement, webhook: placement, cainjector: placement } });
            const found = await messages(podPlacementSchedulable, workloads(before), { nodes: hybrid });
            assert.deepEqual(found.map((m) => m.split(" fits")[0]), ["post-install hook Job cert-manager/cert-manager-startupapicheck"]);
            const now = certManagerModel.render({ name: "cert-manager", namespace: "cert-manager", values: { ...placement, webhook: placement, cainjector: placement, startupapicheck: placement } });
            assert.deepEqual(await messages(podPlacementSchedulable, workloads(now), { nodes: hybrid }), []);
        });

        it("skips the check when no nodes are configured", async () => {
            assert.deepEqual(await messages(podPlacementSchedulable, workloads(k3sPackagedWorkloads([]))), []);
        });
    });
});
