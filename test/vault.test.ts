import { strict as assert } from "assert";
import * as path from "path";
import { PULUMI_POLICY_HCL, vaultConfigureScript, vaultInitScript, vaultPulumiPolicyLines } from "../components/platform/vault-bootstrap";
import { auditRotateScript, vaultServerConfig } from "../components/platform/vault";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult, writtenWhole } from "../plan/run";
import { readStackFile } from "../plan/stack-file";
import { named, ofType, planValues, problems, PROJECT_DIR, stackValues, committedPlan, meshRouteFor } from "./helpers";
import { shellcheck, assertShellcheckPasses } from "./validators";
import { RUN_ONCE_IGNORED_INPUTS } from "../components/run-once";

const vaultRelease = (plan: PlanResult) =>
    kubernetesDocuments(plan.resources).find((d) => d.kind === "HelmRelease" && (d.spec as { chart: string }).chart === "vault") as { spec: Record<string, any> };


describe("Vault", function () {
    describe("server configuration", () => {
        it("uses Raft storage that joins every replica, and the seal it is given", () => {
            const ha = vaultServerConfig(3, { type: "awskms", region: "us-east-1", keyId: "key-1" });
            assert.match(ha, /storage "raft" \{\n {2}path = "\/vault\/data"/);
            assert.deepEqual([...ha.matchAll(/leader_api_addr = "([^"]+)"/g)].map((m) => m[1]), [0, 1, 2].map((i) => `http://vault-${i}.vault-internal:8200`));
            assert.match(ha, /seal "awskms" \{\n {2}region {5}= "us-east-1"\n {2}kms_key_id = "key-1"\n\}/);
            const oci = vaultServerConfig(1, { type: "ocikms", keyId: "ocid1.key", cryptoEndpoint: "https://c", managementEndpoint: "https://m" });
            assert.match(oci, /seal "ocikms" \{\n {2}key_id {14}= "ocid1.key"\n {2}crypto_endpoint {5}= "https:\/\/c"\n {2}management_endpoint = "https:\/\/m"\n\}/);
            assert.doesNotMatch(vaultServerConfig(1, { type: "shamir" }), /seal "/);
            // Pods label themselves only in HA mode, where the chart grants the Role for it (review s23 F11).
            assert.match(ha, /\nservice_registration "kubernetes" \{\}\n/);
            assert.doesNotMatch(oci, /service_registration/);
            // The audit log rotates: moved aside past 100 MiB (10 kept), and Vault reopens it on SIGHUP.
            const rotate = auditRotateScript();
            assertShellcheckPasses(`#!/bin/sh\n${rotate}`);
            assert.match(rotate, /mv "\$log" "\$log\.1"\n {8}pkill -HUP -o -x vault/, "only the server, not a probe's vault command");
            // /v1/sys/metrics answers without a token in Prometheus's format; the mesh gives that path to Prometheus alone (issue 12).
            assert.match(ha, /telemetry \{\n {4}unauthenticated_metrics_access = true\n {2}\}/);
            assert.match(ha, /\ntelemetry \{\n {2}prometheus_retention_time = "30s"\n {2}disable_hostname {10}= true\n\}/);
        });

        it("renders bootstrap scripts that pass shellcheck", () => {
            for (const script of [vaultInitScript(), vaultConfigureScript("hvs.x", [{ name: "qdrant", namespace: "data", serviceAccount: "qdrant" }], { "qdrant/api": { apiKey: "a'b\"c" } })]) {
                const verdict = shellcheck(script);
                assert.ok(verdict.ok, verdict.output);
            }
        });

        it("grants each consumer read on its own path only", () => {
            const script = vaultConfigureScript("hvs.x", [{ name: "qdrant", namespace: "groundwork-data", serviceAccount: "qdrant" }], {});
            assert.match(script, /path "groundwork\/data\/qdrant\/\*" \{\n {2}capabilities = \["read"\]\n\}/);
            assert.match(script, /vault write auth\/kubernetes\/role\/qdrant bound_service_account_names=qdrant bound_service_account_namespaces=groundwork-data audience=vault token_policies=qdrant token_ttl=1h/);
        });
    });

    it("takes only service-account tokens issued for Vault: every role requires the audience, and every login asks for it (security review s14 L6)", async () => {
        const dev = await committedPlan("dev");
        const script = String(named(dev, "command:remote:Command", "vault-configure").plainInputs.stdin);
        const roles = script.match(/^vault write auth\/kubernetes\/role\/.*$/gm)!;
        assert.ok(roles.length >= 8, roles.join("\n"));
        for (const role of roles) assert.match(role, / audience=vault /, role);
        const docs = kubernetesDocuments(dev.resources) as any[];
        const auths = docs.filter((d) => d.kind === "VaultAuth");
        assert.ok(auths.length >= 5);
        for (const auth of auths) assert.deepEqual(auth.spec.kubernetes.audiences, ["vault"], `${auth.metadata.namespace}/${auth.metadata.name}`);
        // The one login of our own, the snapshot Job's, with a projected token of that audience.
        const snapshots = docs.find((d) => d.kind === "CronJob" && d.metadata.name === "vault-snapshots");
        const projected = snapshots.spec.jobTemplate.spec.template.spec.volumes.find((v: any) => v.name === "vault-token").projected.sources[0].serviceAccountToken;
        assert.deepEqual(projected, { path: "token", expirationSeconds: 600, audience: "vault" });
    });

    describe("in the stacks", () => {
        const plans: Record<string, PlanResult> = {};
        before(async () => {
            plans.dev = await committedPlan("dev");
            plans.cloud = await committedPlan("cloud");
            plans.edge = await committedPlan("edge");
            const edge = stackValues("edge");
            edge.platform.vault.token = "hvs.planted-operator-token-7a1";
            plans.edgeWithToken = await planValues("edge-token", edge);
        });

        it("installs the pinned chart with Raft storage, the injector off, resources and a restricted security context", () => {
            const release = vaultRelease(plans.dev);
            assert.deepEqual([release.spec.repo, release.spec.version], ["https://helm.releases.hashicorp.com", "0.34.1"]);
            const server = release.spec.values.server;
            assert.deepEqual(server.image, { repository: "hashicorp/vault", tag: "2.0.4@sha256:5be49781ecf78bfe775c5309c6a4d9f4e9e040b6c885c99eb2b12fb69855e1a2" }, "the chart has no digest key: the digest rides in the tag");
            assert.equal(release.spec.values.injector.enabled, false);
            assert.deepEqual(server.dataStorage, { enabled: true, size: "10Gi", accessMode: "ReadWriteOnce" });
            assert.deepEqual(server.resources.limits, { cpu: "500m", memory: "512Mi" });
            assert.equal(server.standalone.enabled, true);
            assert.match(server.standalone.config, /storage "raft"/);
            assert.deepEqual(server.statefulSet.securityContext.container, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
            // A sealed or uninitialised Vault answers 204 to liveness (not 503/501), so it is not restarted
            // before it can be unsealed; and Pulumi does not await its readiness, which only init brings.
            assert.deepEqual([server.livenessProbe.enabled, server.livenessProbe.path], [true, "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204"]);
            assert.deepEqual(server.statefulSet.annotations, { "pulumi.com/skipAwait": "true" });
            const r = named(plans.dev, "kubernetes:helm.sh/v4:Chart", "vault");
            assert.equal(r.retainOnDelete, true, "Vault's data must survive a stack change");
            assert.equal(named(plans.dev, "kubernetes:core/v1:Namespace", "vault").retainOnDelete, true);
        });

        it("auto-unseals the dev stack with an OCI KMS key, used through a dynamic group limited to that key", () => {
            const plan = plans.dev;
            assert.match(vaultRelease(plan).spec.values.server.standalone.config, /seal "ocikms" \{\n {2}key_id {14}= "offline-vault-unseal"/);
            const vault = named(plan, "oci:Kms/vault:Vault", "vault-unseal");
            assert.equal(vault.inputs.vaultType, "DEFAULT");
            assert.equal(vault.retainOnDelete, true);
            const key = named(plan, "oci:Kms/key:Key", "vault-unseal");
            assert.deepEqual([key.inputs.protectionMode, key.inputs.keyShape], ["SOFTWARE", { algorithm: "AES", length: 32 }]);
            assert.equal(key.retainOnDelete, true);
            const group = named(plan, "oci:Identity/dynamicGroup:DynamicGroup", "vault-unseal");
            assert.equal(group.inputs.compartmentId, "ocid1.tenancy.oc1..aaaaaaaagroundworkdevstandin");
            // Only the instances Vault may run on (issue 12), by OCID, not every instance in the
            // compartment: the agent, never the server, whose user data holds the server token.
            assert.equal(named(plan, "oci:Core/instance:Instance", "agent-1").name, "agent-1");
            assert.equal(group.inputs.matchingRule, "ANY {instance.id = 'offline-agent-1'}");
            const statements = named(plan, "oci:Identity/policy:Policy", "vault-unseal").inputs.statements as string[];
            assert.deepEqual(statements, ["Allow dynamic-group vault-unseal-dev to use keys in compartment id ocid1.compartment.oc1..aaaaaaaagroundworkdevstandin where target.key.id = 'offline-vault-unseal'"]);
        });

        it("auto-unseals the cloud stack with a rotated AWS KMS key and credentials that can only use it", () => {
            const plan = plans.cloud;
            const key = named(plan, "aws:kms/key:Key", "vault-unseal");
            assert.deepEqual([key.inputs.enableKeyRotation, key.inputs.deletionWindowInDays, key.retainOnDelete], [true, 30, true]);
            const policy = JSON.parse(String(named(plan, "aws:iam/userPolicy:UserPolicy", "vault-unseal").inputs.policy));
            assert.deepEqual(policy.Statement, [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: "arn:offline:vault-unseal" }]);
            const credentials = named(plan, "kubernetes:core/v1:Secret", "vault-kms");
            assert.equal(credentials.inputs.stringData, "[secret]");
            assert.deepEqual(Object.keys(credentials.plainInputs.stringData as object).sort(), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
            const server = vaultRelease(plan).spec.values.server;
            assert.match(server.standalone.config, /seal "awskms" \{\n {2}region {5}= "us-east-1"/);
            assert.deepEqual(server.extraSecretEnvironmentVars.map((e: { envName: string }) => e.envName), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
        });

        it("initialises Vault once and writes every platform secret into it, never in plain inputs", () => {
            const plan = plans.dev;
            const init = named(plan, "command:remote:Command", "vault-init");
            assert.equal(init.inputs.logging, "none");
            assert.ok(init.additionalSecretOutputs.includes("stdout"));
            assert.equal(init.inputs.update, undefined, "init runs on create only");
            assert.deepEqual(init.ignoreChanges, RUN_ONCE_IGNORED_INPUTS, "a changed init script (new recovery keys) or connection (a server's new host key) must not run init again, which would lose the shares and Pulumi's token");
            assert.ok(["connection", "create", "stdin", "logging", "update"].every((input) => init.ignoreChanges.includes(input)));
            const waitsFor = plan.resources.filter((r) => init.dependencies.includes(r.urn)).map((r) => `${r.type}/${r.name}`).sort();
            assert.ok(waitsFor.includes("kubernetes:helm.sh/v4:Chart/vault"), `init does not wait for Vault's release: ${waitsFor.join(", ")}`);
            assert.ok(waitsFor.includes("command:remote:Command/k3s-kubeconfig"), "init does not wait for the cluster");
            const configure = named(plan, "command:remote:Command", "vault-configure");
            assert.equal(configure.inputs.stdin, "[secret]");
            assert.equal(configure.inputs.create, "sudo k3s kubectl -n vault exec -i vault-0 -c vault -- sh -s");
            const script = String(configure.plainInputs.stdin);
            assertShellcheckPasses(script);
            const paths = [...script.matchAll(/vault kv put -mount=groundwork (\S+) /g)].map((m) => m[1]);
            assert.deepEqual(paths, [
                "postgres/superuser", "postgres/app", "postgres/langfuse", "qdrant/api", "langfuse/app", "langfuse/db", "langfuse/admin", "langfuse/clickhouse",
                "langfuse/redis", "langfuse/api-keys", "gateway/keys", "postgres/backup", "langfuse/s3", "vault-snapshots/bucket-key", "qdrant/bucket-key", "langfuse/clickhouse-backup", "etcd/s3",
                "postgres/litellm", "gateway/db", "gateway/langfuse", "gateway/virtual-keys", "teams/platform/gateway-keys", "teams/platform/langfuse", "teams/groundwork-evaluations/gateway-keys", "gateway/team-langfuse", "monitoring/alert-receiver", "monitoring/grafana-admin", "langfuse/sso",
                "chat/sso", "notebooks/sso", "monitoring/sso", "postgres/openwebui", "chat/db", "chat/app", "chat/gateway", "notebooks/gateway",
            ]);
            const written = [...script.matchAll(/<<'GROUNDWORK_SECRET'\n(.*)\n/g)].map((m) => JSON.parse(m[1]) as Record<string, string>);
            const masked = JSON.stringify(plan.resources.map((r) => r.inputs)) + kubernetesDocuments(plan.resources).map((d) => JSON.stringify(d)).join();
            // k3s reads its etcd snapshot settings from one Secret, so Vault holds the bucket's address beside its key.
            const settings = new Set(["etcd-s3-endpoint", "etcd-s3-bucket", "etcd-s3-region", "etcd-s3-folder", "etcd-s3-retention", "etcd-s3-bucket-lookup-type", "etcd-s3-insecure"]);
            // A value the stack file holds in plain text (a Langfuse project's public key) is no secret of
            // the plan's: its config values, not its comments, each whole (review s14b R2).
            const plainText = Object.values(readStackFile(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "groundwork").config).join("\n");
            for (const value of written.flatMap((w) => Object.entries(w).filter(([k]) => !settings.has(k)).map(([, v]) => v)).filter((v) => v.length >= 16 && !writtenWhole(plainText, v))) {
                assert.ok(!masked.includes(value), "a platform secret appears in a plain input");
                // A composite value (a database URL) is caught by the password inside it.
                assert.ok(plan.secretValues.some((known) => known.length >= 16 && value.includes(known)), `a platform secret is unknown to the leak check: ${value.slice(0, 12)}`);
            }
            assert.match(written[paths.indexOf("langfuse/app")].encryptionKey, /^[0-9a-f]{64}$/);
            assert.match(written[paths.indexOf("langfuse/api-keys")].publicKey, /^pk-lf-/);
            assert.equal(written[paths.indexOf("langfuse/db")].password, written[paths.indexOf("postgres/langfuse")].password, "Postgres and Langfuse share the role's password");
            assert.equal(plan.outputs.vaultRecoveryKeys, "[secret]");
        });

        it("answers only VSO, its snapshot job, the ingress (for the UI) and its own pods in the mesh; its metrics Prometheus alone", () => {
            const docs = kubernetesDocuments(plans.dev.resources) as any[];
            const clients = (id: string) => docs.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name === `vault-${id}-clients`).spec.identityRefs.map((r: any) => `${r.namespace}/${r.name}`);
            assert.deepEqual(clients("api-api"), ["groundwork-ingress/traefik", "vault-secrets-operator/vault-secrets-operator-controller-manager", "vault/vault", "vault/vault-snapshots"]);
            // /v1/sys/metrics needs no token: its own route, for Prometheus alone, in every spelling Vault decodes to it.
            assert.deepEqual(clients("api-metrics"), ["groundwork-observability/prometheus"]);
            const routes = Object.fromEntries(docs.filter((d) => d.kind === "HTTPRoute" && d.metadata.namespace === "vault").map((d) => [d.metadata.name, d.spec.rules[0].matches]));
            assert.deepEqual(Object.keys(routes).sort(), ["vault-api-api", "vault-api-metrics", "vault-api-probes"]);
            assert.deepEqual(routes["vault-api-api"], [{ path: { type: "PathPrefix", value: "/" } }]);
            assert.deepEqual(routes["vault-api-probes"], [{ path: { type: "Exact", value: "/v1/sys/health" }, method: "GET" }]);
            assert.equal(routes["vault-api-metrics"][0].path.type, "RegularExpression");
            assert.equal(routes["vault-api-metrics"][0].method, undefined, "every method: a POST to the metrics path is the scraper's route too");
            const winner = (path: string) => meshRouteFor(routes, path);
            for (const spelling of ["/v1/sys/metrics", "/v1/sys/%6detrics", "/v1/sys/%6Detrics", "/v1%2Fsys/metrics", "/%76%31/%73%79%73/%6d%65%74%72%69%63%73"]) {
                assert.equal(winner(spelling), "vault-api-metrics", spelling);
            }
            assert.equal(winner("/v1/secret/data/app"), "vault-api-api");
            assert.equal(winner("/v1/sys/metricsx"), "vault-api-api");
            assert.equal(winner("/v1/sys/health"), "vault-api-probes");
            assert.ok(!docs.some((d) => d.kind === "AuthorizationPolicy" && d.spec.targetRef.name === "vault-api-server"), "nothing is authorized on the whole port");
            assert.deepEqual(clients("cluster"), ["vault/vault"]);
            const servers = docs.filter((d) => d.kind === "Server" && d.metadata.namespace === "vault").map((d) => [d.spec.port, d.spec.proxyProtocol, d.spec.accessPolicy, d.spec.podSelector.matchLabels.component]);
            // 8202 is declared by the chart for Enterprise replication: a Server nobody may call.
            assert.deepEqual(servers, [["http", "HTTP/1", "deny", "server"], ["https-internal", "TLS", "deny", "server"], ["http-rep", "unknown", "deny", "server"]]);
        });

        it("audits every request to a file on the audit volume, rotated beside Vault in its pod", () => {
            const server = vaultRelease(plans.dev).spec.values.server;
            assert.deepEqual([server.auditStorage, server.shareProcessNamespace], [{ enabled: true, size: "2Gi" }, true]);
            const [rotate] = server.extraContainers;
            assert.deepEqual([rotate.name, rotate.image, rotate.volumeMounts], ["audit-rotate", "hashicorp/vault:2.0.4@sha256:5be49781ecf78bfe775c5309c6a4d9f4e9e040b6c885c99eb2b12fb69855e1a2", [{ name: "audit", mountPath: "/vault/audit" }]]);
            assert.deepEqual(rotate.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true });
            const configure = String(named(plans.dev, "command:remote:Command", "vault-configure").plainInputs.stdin);
            assert.match(configure, /vault audit list -format=json 2>\/dev\/null \| grep -q '"file\/"' \|\| vault audit enable file file_path=\/vault\/audit\/audit\.log/);
            assert.match(PULUMI_POLICY_HCL, /path "sys\/audit\/file" \{\n {2}capabilities = \["create", "read", "update", "sudo"\]/);
        });

        it("revokes the root token after handing Vault to a scoped, periodic token that Pulumi then uses", () => {
            const plan = plans.dev;
            const init = String(named(plan, "command:remote:Command", "vault-init").plainInputs.create);
            assert.match(init, /vault operator init -format=json -recovery-shares=3 -recovery-threshold=2/);
            const handover = named(plan, "command:remote:Command", "vault-handover");
            assert.deepEqual([handover.inputs.stdin, handover.inputs.logging, handover.inputs.update], ["[secret]", "none", undefined]);
            assert.ok(handover.additionalSecretOutputs.includes("stdout"));
            assert.deepEqual(handover.ignoreChanges, RUN_ONCE_IGNORED_INPUTS, "run again, the handover would use the root token it revoked");
            assert.ok(["connection", "create", "stdin", "logging"].every((input) => handover.ignoreChanges.includes(input)), "its create (Vault's exec) and logging too (review s28 F4)");
            const script = String(handover.plainInputs.stdin);
            assertShellcheckPasses(script);
            // The root token from init is used here and nowhere else, and revoked at the end.
            assert.match(script, /^export VAULT_TOKEN='hvs\.offline[0-9a-f]+'$/m);
            assert.match(script, /vault token create -orphan -policy=groundwork-pulumi -period=768h -display-name=pulumi -field=token/);
            assert.ok(script.indexOf("vault token revoke -self") > script.indexOf("vault token create"), "the root token is revoked after Pulumi's token exists");
            // The audit device comes first, so the root token's own calls are logged (issue 12 audit s26).
            const audit = script.indexOf("vault audit enable file file_path=/vault/audit/");
            assert.ok(audit > 0 && audit < script.indexOf("vault policy write"), script);
            const configure = String(named(plan, "command:remote:Command", "vault-configure").plainInputs.stdin);
            assert.match(configure, /^export VAULT_TOKEN='hvs\.offlinepulumi[0-9a-f]+'$/m);
            assert.match(configure, /^vault token renew >\/dev\/null$/m);
            // It holds Vault's copy of its own policy to this version's, which only a root token may now write (security review s22 F1).
            assert.ok(configure.includes(vaultPulumiPolicyLines()));
            assert.equal(configure.match(/\| vault policy write groundwork-pulumi - >/g)?.length, 1, "written only by the check, when Vault's differs");
            assert.doesNotMatch(configure, /^vault policy write groundwork-pulumi/m);
            assert.doesNotMatch(configure, /hvs\.offline(?!pulumi)/, "configure never sees the root token");
            // Pulumi's policy covers the configure script, and no root-level path.
            assert.doesNotMatch(PULUMI_POLICY_HCL, /path "\*"|sys\/(raw|generate-root|seal|unseal)/);
            assert.match(PULUMI_POLICY_HCL, /path "sys\/auth\/oidc" \{\n {2}capabilities = \["create", "read", "update", "sudo"\]/);
        });

        it("leaves Vault to the operator on edge (manual unseal) until given a token", () => {
            assert.equal(ofType(plans.edge, "command:remote:Command").filter((c) => c.name.startsWith("vault-")).length, 0);
            assert.doesNotMatch(vaultRelease(plans.edge).spec.values.server.standalone.config, /seal "/);
            assert.equal(plans.edge.outputs.vaultRecoveryKeys, undefined);
            const withToken = ofType(plans.edgeWithToken, "command:remote:Command").filter((c) => c.name.startsWith("vault-"));
            assert.deepEqual(withToken.map((c) => c.name), ["vault-configure"]);
            assert.match(String(withToken[0].plainInputs.stdin), /export VAULT_TOKEN='hvs\.planted-operator-token-7a1'/);
            assert.ok(!JSON.stringify(plans.edgeWithToken.resources.map((r) => r.inputs)).includes("planted-operator-token"));
        });

        it("with auto-unseal, configures Vault with a token the operator gives over the one the handover made (the runbook's way past a lapsed token)", async () => {
            const dev = stackValues("dev");
            dev.platform = { ...dev.platform, vault: { ...dev.platform?.vault, token: "hvs.planted-replacement-token-9c4" } };
            const plan = await planValues("dev-token", dev);
            assert.match(String(named(plan, "command:remote:Command", "vault-configure").plainInputs.stdin), /^export VAULT_TOKEN='hvs\.planted-replacement-token-9c4'$/m);
            // Init and the handover are still there, run once, and the given token is in no plain input.
            for (const once of ["vault-init", "vault-handover"]) assert.deepEqual(named(plan, "command:remote:Command", once).ignoreChanges, RUN_ONCE_IGNORED_INPUTS);
            assert.ok(!JSON.stringify(plan.resources.map((r) => r.inputs)).includes("planted-replacement-token"));
        });
    });

    describe("bad input", () => {
        it("rejects Vault HA on too few nodes", () => {
            const dev = stackValues("dev");
            dev.platform = { vault: { replicas: 3 } };
            assert.deepEqual(problems(dev), ["groundwork:platform.vault.replicas = 3: asks for Vault HA, but the platform placement (any) has 2 node(s): Raft replicas on one node fail together; use 1, or add nodes"]);
        });
        it("rejects KMS unseal on an edge-only stack", () => {
            const edge = stackValues("edge");
            edge.platform.vault.unseal = "auto";
            assert.deepEqual(problems(edge), ['groundwork:platform.vault.unseal = "auto": is auto (KMS), but this stack has no cloud site to hold a KMS key; set unseal: manual and follow the README\'s manual unseal steps']);
        });
        it("rejects OCI KMS unseal without a tenancy for the dynamic group", () => {
            const dev = stackValues("dev");
            delete dev.oci.tenancyOcid;
            // Both of dev's uses of the tenancy say why, in one message for the key.
            assert.deepEqual(problems(dev), ["groundwork:oci.tenancyOcid is not set: is required for Vault's OCI KMS auto-unseal: its instances are authorised by a dynamic group, which lives in the tenancy; is required for backups to OCI Object Storage: each consumer's user and group are made in the tenancy"]);
        });
        it("rejects an even number of Vault servers and never echoes the token", () => {
            const edge = stackValues("edge");
            edge.platform.vault.replicas = 2;
            edge.platform.vault.token = 42;
            const found = problems(edge);
            assert.ok(found.some((p) => p.startsWith("groundwork:platform.vault.replicas = 2: ")), found.join("\n"));
            assert.ok(found.includes("groundwork:platform.vault.token = [secret]: must be a string; YAML read it as a number: put it in quotes"), found.join("\n"));
        });
    });
});
