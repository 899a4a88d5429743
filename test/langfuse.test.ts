import { langfuseModel } from "../components/rendered/data-stores";
import { strict as assert } from "assert";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { planValues, problems, stackValues, committedPlan } from "./helpers";

type Doc = { kind: string; apiVersion: string; metadata: { name: string; namespace?: string }; spec?: Record<string, any> };

describe("Langfuse", function () {
    let plan: PlanResult;
    let docs: Doc[];
    let values: Record<string, any>;
    before(async () => {
        plan = await committedPlan("dev");
        docs = kubernetesDocuments(plan.resources) as Doc[];
        values = docs.find((d) => d.kind === "HelmRelease" && d.spec!.chart === "langfuse")!.spec!.values;
    });

    it("installs the pinned v3 chart, retained on delete, in a meshed namespace", () => {
        const release = docs.find((d) => d.kind === "HelmRelease" && d.spec!.chart === "langfuse")!;
        assert.deepEqual([release.spec!.repo, release.spec!.version, release.metadata.namespace], ["https://langfuse.github.io/langfuse-k8s", "1.5.41", "langfuse"]);
        // Web, worker and ClickHouse by digest, the tag kept for people (components/image-digests.ts).
        assert.deepEqual([values.langfuse.web.image.tag, values.langfuse.worker.image.tag, values.clickhouse.image.tag], [
            "3.224.1@sha256:576132f792276d07380f46a6958877a38a51d20a94e42fa9b3cb096d76db1d9c",
            "3.224.1@sha256:d517aad54f7030a104b6e32c52bbd998cae7e12777d23eb9cdbc9ed3f1a1fdf9",
            "25.2.1-debian-12-r0@sha256:3c1f49548968dce24832ea2487647fe80dcfbd832d2dbb2e9e735629d7c7fc31",
        ]);
        assert.deepEqual((langfuseModel.render({ name: "langfuse", namespace: "langfuse", values } as any) as any[]).slice(0, 3).map((w) => w.spec.template.spec.containers[0].image), [
            `langfuse/langfuse:${values.langfuse.web.image.tag}`, `langfuse/langfuse-worker:${values.langfuse.worker.image.tag}`, `docker.io/bitnamilegacy/clickhouse:${values.clickhouse.image.tag}`,
        ]);
        // Named for the Postgres policy; no API token in the pods, which call no API (chart-models review s22b F3).
        assert.deepEqual(values.langfuse.serviceAccount, { create: true, name: "langfuse", automountServiceAccountToken: false });
        const [web] = langfuseModel.render({ name: "langfuse", namespace: "langfuse", values } as any) as any[];
        assert.equal(web.spec.template.spec.automountServiceAccountToken, false);
        assert.equal(values.langfuse.features.telemetryEnabled, false);
        assert.deepEqual(values.langfuse.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        assert.equal(plan.resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.name === "langfuse")!.retainOnDelete, true);
        const ns = docs.find((d) => d.kind === "Namespace" && d.metadata.name === "langfuse") as any;
        assert.equal(ns.metadata.annotations["linkerd.io/inject"], "enabled");
    });

    it("takes every secret from Vault-synced Secrets, none as a value", () => {
        assert.deepEqual(values.langfuse.salt, { secretKeyRef: { name: "langfuse-app", key: "salt" } });
        assert.deepEqual(values.langfuse.nextauth, { url: "https://langfuse.dev.groundwork.example", secret: { secretKeyRef: { name: "langfuse-app", key: "nextauthSecret" } } });
        assert.deepEqual(values.langfuse.encryptionKey, { secretKeyRef: { name: "langfuse-app", key: "encryptionKey" } });
        assert.deepEqual(values.postgresql.auth, { username: "langfuse", database: "langfuse", existingSecret: "langfuse-db", secretKeys: { userPasswordKey: "password" } });
        assert.deepEqual(values.clickhouse.auth, { username: "default", existingSecret: "langfuse-clickhouse", existingSecretKey: "password" });
        assert.deepEqual(values.redis.auth, { existingSecret: "langfuse-redis", existingSecretPasswordKey: "password" });
        assert.deepEqual(values.s3.accessKeyId, { secretKeyRef: { name: "langfuse-s3", key: "accessKeyId" } });
        const synced = docs.filter((d) => d.kind === "VaultStaticSecret" && d.metadata.namespace === "langfuse").map((d) => d.spec!.path).sort();
        assert.deepEqual(synced, ["langfuse/admin", "langfuse/api-keys", "langfuse/app", "langfuse/clickhouse", "langfuse/clickhouse-backup", "langfuse/db", "langfuse/redis", "langfuse/s3", "langfuse/sso"]);
        const text = JSON.stringify(values);
        for (const secret of plan.secretValues) {
            assert.ok(!text.includes(secret), "a secret value is in Langfuse's values");
        }
    });

    it("initialises an organisation, a project and its API keys headlessly", () => {
        const env = Object.fromEntries((values.langfuse.additionalEnv as { name: string; value?: string; valueFrom?: unknown }[]).map((e) => [e.name, e.value ?? e.valueFrom]));
        assert.deepEqual(env, {
            LANGFUSE_INIT_ORG_ID: "groundwork",
            LANGFUSE_INIT_ORG_NAME: "Groundwork",
            LANGFUSE_INIT_PROJECT_ID: "platform",
            LANGFUSE_INIT_PROJECT_NAME: "Platform",
            LANGFUSE_INIT_PROJECT_PUBLIC_KEY: { secretKeyRef: { name: "langfuse-api-keys", key: "publicKey" } },
            LANGFUSE_INIT_PROJECT_SECRET_KEY: { secretKeyRef: { name: "langfuse-api-keys", key: "secretKey" } },
            LANGFUSE_INIT_USER_EMAIL: "admin@groundwork.example",
            LANGFUSE_INIT_USER_NAME: "Groundwork administrator",
            LANGFUSE_INIT_USER_PASSWORD: { secretKeyRef: { name: "langfuse-admin", key: "password" } },
        });
        // Sign-up is closed (AUTH_DISABLE_SIGNUP): the administrator above is the only way in.
        assert.equal(values.langfuse.features.signUpDisabled, true);
    });

    it("opens sign-up with no role at all: an organisation role holds in every project of open-source Langfuse (security review s20 M1)", async () => {
        const v = stackValues("dev");
        v.access.sso.langfuseSignUp = true;
        const open = await planValues("langfuse-sign-up", v);
        const openValues = (kubernetesDocuments(open.resources) as Doc[]).find((d) => d.kind === "HelmRelease" && d.spec!.chart === "langfuse")!.spec!.values;
        const env = Object.fromEntries((openValues.langfuse.additionalEnv as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
        assert.deepEqual([env.LANGFUSE_DEFAULT_ORG_ID, env.LANGFUSE_DEFAULT_ORG_ROLE], ["groundwork", "NONE"]);
    });

    it("uses the platform's Postgres (its own database and role), one-replica ClickHouse, standalone Valkey and the stack's bucket", () => {
        assert.deepEqual([values.postgresql.deploy, values.postgresql.host, values.postgresql.port], [false, "postgres-rw.groundwork-data.svc.cluster.local", 5432]);
        const database = docs.find((d) => d.kind === "Database")!;
        assert.deepEqual(database.spec, { name: "langfuse", owner: "langfuse", ensure: "present", cluster: { name: "postgres" } });
        const cluster = docs.find((d) => d.kind === "Cluster")!;
        assert.deepEqual(cluster.spec!.managed.roles, [
            { name: "langfuse", ensure: "present", login: true, passwordSecret: { name: "postgres-langfuse" } },
            { name: "litellm", ensure: "present", login: true, passwordSecret: { name: "postgres-litellm" } },
            { name: "openwebui", ensure: "present", login: true, passwordSecret: { name: "postgres-openwebui" } },
        ]);
        assert.deepEqual([values.clickhouse.deploy, values.clickhouse.clusterEnabled, values.clickhouse.replicaCount, values.clickhouse.zookeeper.enabled], [true, false, 1, false]);
        // The Bitnami subcharts' own NetworkPolicies would reopen metadata egress and refuse Linkerd's inbound port.
        assert.deepEqual([values.clickhouse.networkPolicy, values.redis.networkPolicy], [{ enabled: false }, { enabled: false }]);
        assert.deepEqual(values.clickhouse.persistence, { size: "20Gi" });
        assert.deepEqual(values.clickhouse.resources.requests, { cpu: "250m", memory: "1536Mi" });
        assert.deepEqual([values.redis.architecture, values.redis.primary.extraFlags], ["standalone", ["--maxmemory-policy noeviction"]]);
        assert.deepEqual([values.s3.deploy, values.s3.bucket, values.s3.forcePathStyle, values.s3.eventUpload.prefix], [false, "backups-dev", true, "langfuse/events/"]);
        assert.deepEqual(values.langfuse.web.resources.limits, { cpu: "1", memory: "1536Mi" });
    });

    it("lets only Langfuse, the LLM gateway, the chat UI and the cluster's own instances reach Postgres", () => {
        const auth = docs.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === "postgres-clients-clients")!;
        assert.deepEqual(auth.spec!.identityRefs, [
            { kind: "ServiceAccount", name: "postgres", namespace: "groundwork-data" },
            { kind: "ServiceAccount", name: "langfuse", namespace: "langfuse" },
            { kind: "ServiceAccount", name: "llm-gateway", namespace: "groundwork-inference" },
            { kind: "ServiceAccount", name: "open-webui", namespace: "groundwork-chat" },
        ]);
        const server = docs.find((d) => d.kind === "Server" && d.metadata.name === "postgres-clients-server")!;
        assert.deepEqual([server.spec!.port, server.spec!.accessPolicy], [5432, "deny"]);
    });

    describe("bad input", () => {
        it("rejects a Langfuse version without ClickHouse settings", () => {
            const dev = stackValues("dev");
            dev.platform = { langfuse: { version: "2.95.0" } };
            assert.deepEqual(problems(dev), ['groundwork:platform.langfuse.version = "2.95.0": has no ClickHouse settings (v2 keeps traces in Postgres alone, and this chart configures ClickHouse, Valkey and blob storage); use a 3.x release such as 3.224.1']);
        });
        it("rejects Langfuse v4, which needs a chart Groundwork does not deploy yet", () => {
            const dev = stackValues("dev");
            dev.platform = { langfuse: { version: "4.24.0" } };
            assert.match(problems(dev)[0], /^groundwork:platform\.langfuse\.version = "4\.24\.0": needs the 2\.x chart with the ClickHouse operator/);
        });
    });
});

describe("Langfuse in the mesh", () => {
    it("admits only the ingress, the gateway's callback, the evaluations' and prompt library's Jobs and the applications config names to its web app", async () => {
        const dev = await committedPlan("dev");
        const docs = kubernetesDocuments(dev.resources) as any[];
        const auth = docs.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === "langfuse-web-clients-clients");
        assert.deepEqual(auth.spec.identityRefs.map((r: any) => `${r.namespace}/${r.name}`), ["groundwork-ingress/traefik", "groundwork-inference/llm-gateway", "groundwork-inference/route-evaluations", "groundwork-inference/prompt-library"]);
        // The prompt library's Job by an account of its own, which no other server admits (security review s25 F2).
        const prompts = docs.find((d) => d.kind === "Job" && d.metadata.name.startsWith("prompts-"));
        assert.equal(prompts.spec.template.spec.serviceAccountName, "prompt-library");
        assert.deepEqual(docs.filter((d) => d.kind === "MeshTLSAuthentication" && d.spec.identityRefs.some((r: any) => r.name === "prompt-library")).map((d) => d.metadata.name), ["langfuse-web-clients-clients"]);
        const server = docs.find((d) => d.kind === "Server" && d.metadata.name === "langfuse-web-clients-server");
        assert.deepEqual([server.metadata.namespace, server.spec.podSelector.matchLabels, server.spec.port, server.spec.accessPolicy],
            ["langfuse", { "app.kubernetes.io/name": "langfuse", "app.kubernetes.io/instance": "langfuse", "app.kubernetes.io/component": "web" }, "http", "deny"]);
        // ClickHouse (HTTP and native) and Valkey answer Langfuse's own pods alone.
        for (const [id, port, protocol] of [["clickhouse-http", "http", "HTTP/1"], ["clickhouse-native", "tcp", "unknown"], ["valkey", "redis", "opaque"]]) {
            const s = docs.find((d) => d.kind === "Server" && d.metadata.name === `langfuse-${id}-server`);
            assert.deepEqual([s.spec.port, s.spec.proxyProtocol, s.spec.accessPolicy], [port, protocol, "deny"], id);
            const a = docs.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === `langfuse-${id}-clients`);
            // The backup Job also sends its BACKUP query over the native port.
            const backup = id === "clickhouse-native" ? [{ kind: "ServiceAccount", name: "clickhouse-backups", namespace: "langfuse" }] : [];
            assert.deepEqual(a.spec.identityRefs, [{ kind: "ServiceAccount", name: "langfuse", namespace: "langfuse" }, ...backup], id);
        }
    });
});
