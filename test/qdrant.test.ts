import { strict as assert } from "assert";
import { ServiceAccount } from "kubernetes-models/v1";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { planValues, problems, stackValues, committedPlan } from "./helpers";
import { qdrantWithoutApiToken } from "../components/platform/qdrant";
import { qdrantModel } from "../components/rendered/data-stores";

type Doc = { kind: string; apiVersion: string; metadata: { name: string; namespace?: string }; spec?: Record<string, any> };

describe("Qdrant vector database", function () {
    let plan: PlanResult;
    let docs: Doc[];
    before(async () => {
        plan = await committedPlan("dev");
        docs = kubernetesDocuments(plan.resources) as Doc[];
    });

    it("installs the pinned chart with persistent storage, resources, probes and a restricted security context", () => {
        const release = docs.find((d) => d.kind === "HelmRelease" && d.spec!.chart === "qdrant")!;
        assert.deepEqual([release.spec!.repo, release.spec!.version, release.metadata.namespace], ["https://qdrant.github.io/qdrant-helm", "1.18.2", "groundwork-data"]);
        const values = release.spec!.values;
        assert.deepEqual(values.image, { repository: "docker.io/qdrant/qdrant", tag: "v1.18.2", pullPolicy: "IfNotPresent", useUnprivilegedImage: true });
        assert.deepEqual(values.persistence, { accessModes: ["ReadWriteOnce"], size: "10Gi" });
        assert.deepEqual(values.resources, { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
        assert.deepEqual([values.livenessProbe.enabled, values.readinessProbe.enabled], [true, true]);
        assert.deepEqual(values.containerSecurityContext.capabilities, { drop: ["ALL"] });
        assert.equal(values.containerSecurityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(values.podSecurityContext.seccompProfile, { type: "RuntimeDefault" });
        const r = plan.resources.find((x) => x.type === "kubernetes:helm.sh/v4:Chart" && x.name === "qdrant")!;
        assert.equal(r.retainOnDelete, true);
    });

    it("mounts no Kubernetes API token in its pods, which call no API (chart-models review s22 F4)", () => {
        const opts = {} as any;
        const rendered = qdrantWithoutApiToken({ type: "kubernetes:core/v1:ServiceAccount", name: "qdrant", props: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "qdrant", namespace: "groundwork-data" } }, opts } as any) as any;
        assert.deepEqual([rendered.props.automountServiceAccountToken, rendered.props.metadata.name, rendered.opts], [false, "qdrant", opts]);
        new ServiceAccount(rendered.props).validate();
        // Other accounts, and other kinds of the same name, are left as the chart renders them.
        assert.equal(qdrantWithoutApiToken({ type: "kubernetes:core/v1:ServiceAccount", name: "x", props: { metadata: { name: "qdrant-snapshots" } }, opts } as any), undefined);
        assert.equal(qdrantWithoutApiToken({ type: "kubernetes:apps/v1:StatefulSet", name: "qdrant", props: { metadata: { name: "qdrant" } }, opts } as any), undefined);
        const [statefulSet] = qdrantModel.render({ name: "qdrant", namespace: "groundwork-data", values: {} } as any) as any[];
        assert.equal(statefulSet.spec.template.spec.automountServiceAccountToken, false);
    });

    it("takes its API key from Vault through VSO, never from a value Pulumi holds", () => {
        const values = docs.find((d) => d.kind === "HelmRelease" && d.spec!.chart === "qdrant")!.spec!.values;
        // Read from the Secret at every start, never through the chart's render-time lookup (apiKey).
        assert.equal(values.apiKey, undefined);
        assert.deepEqual(values.env, [{ name: "QDRANT__SERVICE__API_KEY", valueFrom: { secretKeyRef: { name: "qdrant-api-key", key: "apiKey" } } }]);
        const auth = docs.find((d) => d.kind === "VaultAuth" && d.metadata.name === "qdrant-vault")!;
        assert.deepEqual(auth.spec, { method: "kubernetes", mount: "kubernetes", kubernetes: { role: "qdrant", serviceAccount: "qdrant-secrets", audiences: ["vault"] } });
        const secret = docs.find((d) => d.kind === "VaultStaticSecret" && d.metadata.name === "qdrant-api-key")!;
        assert.deepEqual(secret.spec, { vaultAuthRef: "qdrant-vault", type: "kv-v2", mount: "groundwork", path: "qdrant/api", refreshAfter: "1h", destination: { name: "qdrant-api-key", create: true },
            // The key is read at start, so VSO restarts Qdrant when it rotates.
            rolloutRestartTargets: [{ kind: "StatefulSet", name: "qdrant" }] });
        new ServiceAccount(docs.find((d) => d.kind === "ServiceAccount" && d.metadata.name === "qdrant-secrets") as any).validate();
        const configure = plan.resources.find((r) => r.name === "vault-configure")!;
        assert.match(String(configure.plainInputs.stdin), /vault write auth\/kubernetes\/role\/qdrant bound_service_account_names=qdrant-secrets bound_service_account_namespaces=groundwork-data/);
    });

    it("denies every client not named, on all three ports, through Linkerd policy, the snapshot Job aside", () => {
        const servers = docs.filter((d) => d.kind === "Server" && d.metadata.name.startsWith("qdrant-"));
        assert.deepEqual(servers.map((s) => [s.apiVersion, s.spec!.port, s.spec!.accessPolicy]), [["policy.linkerd.io/v1beta3", "http", "deny"], ["policy.linkerd.io/v1beta3", "grpc", "deny"], ["policy.linkerd.io/v1beta3", "p2p", "deny"]]);
        // One replica: nobody replicates from it, and the Server says so.
        assert.match((servers[2].metadata as any).annotations["groundwork.dev/no-clients"], /one replica/);
        // No application configured: only the snapshot Job is let in, and only on the REST port.
        const policies = docs.filter((d) => d.kind === "AuthorizationPolicy" && d.metadata.name.startsWith("qdrant-"));
        assert.deepEqual(policies.map((p) => p.spec!.targetRef.name), ["qdrant-http-server"]);
        const auth = docs.filter((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name.startsWith("qdrant-"));
        assert.deepEqual(auth.map((a) => a.spec!.identityRefs), [[{ kind: "ServiceAccount", name: "qdrant-snapshots", namespace: "groundwork-data" }]]);
    });

    it("lets exactly the configured meshed clients in", async () => {
        const values = stackValues("dev");
        values.platform = { vectorDb: { clients: ["groundwork-system/llm-gateway"] } };
        const withClients = kubernetesDocuments((await planValues("q", values)).resources) as Doc[];
        const auth = withClients.filter((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name.startsWith("qdrant-"));
        assert.deepEqual(auth.map((a) => a.spec!.identityRefs), [
            [{ kind: "ServiceAccount", name: "llm-gateway", namespace: "groundwork-system" }, { kind: "ServiceAccount", name: "qdrant-snapshots", namespace: "groundwork-data" }],
            [{ kind: "ServiceAccount", name: "llm-gateway", namespace: "groundwork-system" }],
        ]);
        const policies = withClients.filter((d) => d.kind === "AuthorizationPolicy" && d.metadata.name.startsWith("qdrant-"));
        assert.deepEqual(policies.map((p) => p.spec!.targetRef.name), ["qdrant-http-server", "qdrant-grpc-server"]);
    });

    it("puts each Qdrant peer and each Postgres instance on a node of its own when there are several (bad-input sweep s13 pf01, pf02)", async () => {
        const values = stackValues("edge");
        values.platform = { ...values.platform, vectorDb: { replicas: 3 }, postgres: { ...values.platform?.postgres, instances: 3 } };
        const replicated = kubernetesDocuments((await planValues("replicated", values)).resources) as Doc[];
        const qdrant = replicated.find((d) => d.kind === "HelmRelease" && d.spec!.chart === "qdrant")!.spec!.values;
        assert.deepEqual(qdrant.affinity, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{
            topologyKey: "kubernetes.io/hostname",
            labelSelector: { matchLabels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "qdrant" } },
        }] } });
        const postgres = replicated.find((d) => d.kind === "Cluster")!.spec!;
        assert.deepEqual([postgres.instances, postgres.affinity.enablePodAntiAffinity, postgres.affinity.podAntiAffinityType], [3, true, "required"]);
        // One replica: nothing to keep apart.
        assert.equal(docs.find((d) => d.kind === "HelmRelease" && d.spec!.chart === "qdrant")!.spec!.values.affinity, undefined);
        assert.equal(docs.find((d) => d.kind === "Cluster")!.spec!.affinity.podAntiAffinityType, undefined);
    });

    it("rejects a client that is not namespace/serviceaccount", () => {
        const values = stackValues("dev");
        values.platform = { vectorDb: { clients: ["llm-gateway"] } };
        assert.deepEqual(problems(values), ['groundwork:platform.vectorDb.clients[0] = "llm-gateway": must be namespace/serviceaccount']);
    });
});
