import { strict as assert } from "assert";
import { consumerStatements, ociBucketArgsProblems } from "../components/oci/backup-bucket";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { isAwsS3Endpoint, lockedConsumers, ociRetention, unlockedConsumers } from "../stacks/object-storage";
import { named, ofType, parse, planFixture, problems, stackValues, committedPlan, vaultSecretIn } from "./helpers";
import { PLATFORM_DATABASES } from "../stacks/config/postgres";
import { barmanCloudPluginModel, cloudNativePgModel } from "../components/rendered/operators";

type Doc = { kind: string; apiVersion: string; metadata: { name: string; namespace?: string }; spec?: Record<string, any> };

const docsOf = (plan: PlanResult) => kubernetesDocuments(plan.resources) as Doc[];
const release = (docs: Doc[], chart: string) => docs.find((d) => d.kind === "HelmRelease" && d.spec!.chart === chart)!;

/** The `accessKeyId` Vault's configure script writes at a path. */
const accessKeyIdAt = (script: string, path: string): string => vaultSecretIn(script, path).accessKeyId;

describe("Postgres with pgvector", function () {
    const plans: Record<string, PlanResult> = {};
    before(async () => {
        for (const stack of ["dev", "cloud", "edge"]) {
            plans[stack] = await committedPlan(stack);
        }
    });

    it("lets only the operator's pods reach the instances' status port, which the proxy skips", () => {
        const policy = (docsOf(plans.dev) as any[]).find((d) => d.kind === "NetworkPolicy" && d.metadata.name === "allow-postgres-instance-manager");
        assert.deepEqual(policy.spec.ingress, [{
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cnpg-system" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg" } } }],
            ports: [{ port: 8000, protocol: "TCP" }],
        }]);
        // The selector holds for the operator the chart renders, and not for the plugin beside it.
        const pods = [cloudNativePgModel, barmanCloudPluginModel].map((model) => model.render({ name: model.chart, namespace: "cnpg-system", values: {} })[0]);
        const admitted = (labels: Record<string, string>) => Object.entries(policy.spec.ingress[0].from[0].podSelector.matchLabels).every(([k, v]) => labels[k] === v);
        assert.deepEqual(pods.map((p) => [p.metadata.name, admitted(p.spec.template.metadata.labels)]), [["cloudnative-pg", true], ["plugin-barman-cloud", false]]);
    });

    it("installs the pinned CloudNativePG operator, its Barman Cloud plugin and cert-manager first", () => {
        const docs = docsOf(plans.dev);
        assert.deepEqual([release(docs, "cloudnative-pg").spec!.version, release(docs, "plugin-barman-cloud").spec!.version, release(docs, "cert-manager").spec!.version], ["0.29.0", "0.7.0", "v1.21.1"]);
        assert.equal(release(docs, "plugin-barman-cloud").metadata.namespace, "cnpg-system", "the plugin lives beside the operator");
        assert.deepEqual(release(docs, "cert-manager").spec!.values.crds, { enabled: true, keep: true });
        const plugin = named(plans.dev, "kubernetes:helm.sh/v4:Chart", "postgres-barman-cloud");
        const certManager = named(plans.dev, "kubernetes:helm.sh/v4:Chart", "cert-manager");
        assert.ok(plugin.dependencies.includes(certManager.urn), "the plugin needs cert-manager's CRDs");
    });

    it("runs a pinned pgvector image with the vector extension, the owner's password from Vault", () => {
        const cluster = docsOf(plans.dev).find((d) => d.kind === "Cluster")!;
        assert.equal(cluster.apiVersion, "postgresql.cnpg.io/v1");
        assert.equal(cluster.spec!.imageName, "ghcr.io/cloudnative-pg/postgresql:17.11-202608170816-standard-trixie@sha256:91e0de662d53895a45f1396f4ee1a75daeb0c26fc87853afc9c8f43e01fdaa21", "tag for people, digest for the node");
        assert.deepEqual([cluster.spec!.instances, cluster.spec!.storage], [1, { size: "20Gi" }]);
        assert.deepEqual(cluster.spec!.resources, { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
        assert.deepEqual(cluster.spec!.bootstrap.initdb, { database: "app", owner: "app", secret: { name: "postgres-app" }, postInitApplicationSQL: ["CREATE EXTENSION IF NOT EXISTS vector"] });
        const owner = docsOf(plans.dev).find((d) => d.kind === "VaultStaticSecret" && d.metadata.name === "postgres-app")!;
        assert.deepEqual(owner.spec!.destination, { name: "postgres-app", create: true, type: "kubernetes.io/basic-auth" });
        assert.equal(owner.spec!.path, "postgres/app");
        assert.equal(named(plans.dev, "kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres").retainOnDelete, true);
    });

    it("archives WAL and takes scheduled base backups to the stack's object storage with a retention window", () => {
        const docs = docsOf(plans.dev);
        const cluster = docs.find((d) => d.kind === "Cluster")!;
        assert.deepEqual(cluster.spec!.plugins, [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "postgres-backups", serverName: "postgres" } }]);
        const store = docs.find((d) => d.kind === "ObjectStore")!;
        assert.equal(store.apiVersion, "barmancloud.cnpg.io/v1");
        assert.equal(store.spec!.retentionPolicy, "30d");
        assert.equal(store.spec!.configuration.destinationPath, "s3://retained-dev/postgres/", "OCI: the bucket under the retention rule");
        assert.equal(store.spec!.configuration.endpointURL, "https://offlinenamespace.compat.objectstorage.eu-frankfurt-1.oraclecloud.com");
        assert.deepEqual(store.spec!.configuration.s3Credentials.secretAccessKey, { name: "postgres-backup", key: "secretAccessKey" });
        const scheduled = docs.find((d) => d.kind === "ScheduledBackup")!;
        assert.deepEqual(scheduled.spec, { cluster: { name: "postgres" }, schedule: "0 0 3 * * *", backupOwnerReference: "self", method: "plugin", pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" } });
    });

    it("creates private buckets kept on delete, with credentials that reach Postgres only through Vault", () => {
        const bucket = named(plans.dev, "oci:ObjectStorage/bucket:Bucket", "backups");
        assert.deepEqual([bucket.inputs.accessType, bucket.inputs.versioning, bucket.retainOnDelete], ["NoPublicAccess", "Enabled", true]);
        const retained = named(plans.dev, "oci:ObjectStorage/bucket:Bucket", "retained");
        assert.deepEqual([retained.inputs.name, retained.inputs.accessType, retained.inputs.versioning, retained.retainOnDelete], ["retained-dev", "NoPublicAccess", "Disabled", true]);
        // OCI: one user, group and key per consumer, made by the stack (issue 12, item 6), never the deployer's.
        const dev = parse(stackValues("dev"));
        for (const [bucketName, consumer] of [...lockedConsumers(dev).map((c) => ["retained", c] as const), ...unlockedConsumers(dev).map((c) => ["backups", c] as const)]) {
            const id = `${bucketName}-${consumer.name}`;
            const user = named(plans.dev, "oci:Identity/user:User", id);
            assert.deepEqual([user.inputs.compartmentId, user.inputs.name], ["ocid1.tenancy.oc1..aaaaaaaagroundworkdevstandin", `groundwork-dev-${id}`]);
            // Why no role, in OCI's terms: its metadata service has no hop limit (issue 12 audit s26).
            assert.match(String((user.inputs.freeformTags as Record<string, string>)["groundwork-no-role"]), /^k3s pods cannot reach an instance principal: the metadata service, which has no hop limit on OCI, is closed to them by a NetworkPolicy/);
            const caps = named(plans.dev, "oci:Identity/userCapabilitiesManagement:UserCapabilitiesManagement", id).inputs;
            assert.deepEqual([caps.canUseApiKeys, caps.canUseAuthTokens, caps.canUseConsolePassword, caps.canUseSmtpCredentials, caps.canUseCustomerSecretKeys], [false, false, false, false, true]);
            const key = named(plans.dev, "oci:Identity/customerSecretKey:CustomerSecretKey", id);
            assert.ok(key.dependencies?.includes(user.urn), `${id}'s key belongs to its own user`);
            assert.deepEqual(named(plans.dev, "oci:Identity/policy:Policy", id).inputs.statements, consumerStatements(`groundwork-dev-${id}`, String(bucket.inputs.compartmentId), `${bucketName}-dev`, consumer));
        }
        assert.equal(ofType(plans.dev, "oci:Identity/user:User").filter((u) => /^groundwork-dev-(backups|retained)-/.test(String(u.inputs.name))).length, 6, "each consumer has one user, in one bucket");
        assert.deepEqual(consumerStatements("g", "ocid1.compartment.oc1..c", "b", { prefix: "postgres/", retention: "own" }), [
            "Allow group g to read buckets in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'b'",
            "Allow group g to inspect objects in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'b'",
            "Allow group g to manage objects in compartment id ocid1.compartment.oc1..c where all {target.bucket.name = 'b', target.object.name = 'postgres/*', request.operation != 'DeleteObjectVersion', request.permission != 'OBJECT_VERSION_DELETE'}",
        ]);
        // Every consumer may at most hide a version behind a marker: OBJECT_VERSION_DELETE, which `manage objects`
        // holds, is DeleteObjectVersion's own permission (upstream review s29 U29-1). So the etcd key deletes its
        // snapshots (k3s prunes by count) as on AWS, and no lifecycle rule of its own expires them.
        for (const policy of ofType(plans.dev, "oci:Identity/policy:Policy").filter((p) => /^(backups|retained)-(postgres|vault|qdrant|langfuse|etcd|clickhouse)$/.test(p.name))) {
            assert.match(String((policy.inputs.statements as string[])[2]), /, request\.permission != 'OBJECT_VERSION_DELETE'(, request\.permission != 'OBJECT_DELETE')?\}$/, policy.name);
        }
        assert.equal(ofType(plans.dev, "oci:Identity/policy:Policy").filter((p) => /^(backups|retained)-(postgres|vault|qdrant|langfuse|etcd|clickhouse)$/.test(p.name)).length, 6);
        assert.match(String((named(plans.dev, "oci:Identity/policy:Policy", "backups-etcd").inputs.statements as string[])[2]), /target\.object\.name = 'etcd\/\*', request\.operation != 'DeleteObjectVersion', request\.permission != 'OBJECT_VERSION_DELETE'\}$/);
        const lifecycle = ofType(plans.dev, "oci:ObjectStorage/objectLifecyclePolicy:ObjectLifecyclePolicy").flatMap((p) => p.inputs.rules as any[]);
        assert.ok(!lifecycle.some((r) => /^etcd-expires/.test(r.name)), "k3s runs the etcd snapshots' retention");
        assert.equal(unlockedConsumers(dev).find((c) => c.name === "etcd")!.retention, "own", "the key deletes, and the versioned bucket keeps what it deletes");
        // A consumer whose snapshots the lifecycle expires may write but not delete, not even behind a marker.
        assert.equal(consumerStatements("g", "c", "b", { prefix: "vault/", retention: { days: 30 } })[2],
            "Allow group g to manage objects in compartment id c where all {target.bucket.name = 'b', target.object.name = 'vault/*', request.operation != 'DeleteObjectVersion', request.permission != 'OBJECT_VERSION_DELETE', request.permission != 'OBJECT_DELETE'}");
        const configure = String(named(plans.dev, "command:remote:Command", "vault-configure").plainInputs.stdin);
        assert.match(configure, /vault kv put -mount=groundwork postgres\/backup /);
        assert.match(configure, /"region":"eu-frankfurt-1"/);
        assert.notEqual(accessKeyIdAt(configure, "postgres/backup"), accessKeyIdAt(configure, "langfuse/s3"), "on OCI too, Postgres and Langfuse use different keys");
        const s3 = plans.cloud;
        const block = named(s3, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "backups").inputs;
        assert.deepEqual([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets], [true, true, true, true]);
        assert.deepEqual((named(s3, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "backups").inputs.rules as any[])[0].applyServerSideEncryptionByDefault, { sseAlgorithm: "aws:kms" });
        assert.equal(named(s3, "aws:s3/bucket:Bucket", "backups").retainOnDelete, true);
        // Deleting the versioning resource would suspend versioning, which Object Lock refuses.
        assert.equal(named(s3, "aws:s3/bucketVersioning:BucketVersioning", "backups").retainOnDelete, true);
        assert.equal(named(s3, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups").retainOnDelete, true);
        // One IAM user per consumer, each limited to its prefix (issue 12, item 6): a Langfuse key reads no backup.
        const policyOf = (id: string) => JSON.parse(String(named(s3, "aws:iam/userPolicy:UserPolicy", id).inputs.policy)).Statement;
        // Listing stays bucket-wide: barman-cloud's HeadBucket needs s3:ListBucket without a prefix.
        const listing = (bucket: string) => ({ Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: `arn:aws:s3:::${bucket}` });
        assert.deepEqual(policyOf("backups-postgres"), [listing("backups-offline"),
            { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"], Resource: "arn:aws:s3:::backups-offline/postgres/*" }]);
        for (const consumer of ["vault", "qdrant"]) {
            assert.deepEqual(policyOf(`backups-${consumer}`), [listing("backups-offline"),
                { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], Resource: `arn:aws:s3:::backups-offline/${consumer}/*` }], `${consumer} writes, and only the lifecycle deletes`);
        }
        assert.deepEqual(policyOf("unlocked-langfuse")[1].Resource, "arn:aws:s3:::unlocked-offline/langfuse/*", "Langfuse's blobs are in a bucket without a lock");
        // Only retention deletes a backup: Object Lock in compliance mode for the shortest retention (Qdrant's 14 days).
        const lock = named(s3, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "backups");
        assert.deepEqual(lock.inputs.rule, { defaultRetention: { mode: "COMPLIANCE", days: 14 } });
        assert.ok(lock.dependencies?.includes(named(s3, "aws:s3/bucketVersioning:BucketVersioning", "backups").urn), "Object Lock needs versioning first");
        assert.equal(ofType(s3, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").length, 1, "Langfuse's bucket has no lock: it sends no upload checksum");
        // Only the lifecycle destroys data: consumers may delete (a marker) but never a version, which stays retentionDays.
        const awsLifecycle = named(s3, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups").inputs.rules as any[];
        assert.deepEqual(awsLifecycle.map((r) => [r.id, r.filter, r.noncurrentVersionExpiration, r.abortIncompleteMultipartUpload, r.expiration]), [
            ["deleted-versions-kept-then-removed", {}, { noncurrentDays: 30 }, { daysAfterInitiation: 1 }, { expiredObjectDeleteMarker: true }],
            ["vault-expires-after-30-days", { prefix: "vault/" }, undefined, undefined, { days: 30 }],
            ["qdrant-expires-after-14-days", { prefix: "qdrant/" }, undefined, undefined, { days: 14 }],
        ]);
        const ociLifecycle = (name: string) => (named(plans.dev, "oci:ObjectStorage/objectLifecyclePolicy:ObjectLifecyclePolicy", name).inputs.rules as any[])
            .map((r) => [r.target, r.action, r.timeAmount, r.timeUnit, r.objectNameFilter]);
        // What Postgres, Vault and Qdrant wrote here before they moved to the retained bucket ages out after their own retention.
        assert.deepEqual(ociLifecycle("backups"), [
            ["previous-object-versions", "DELETE", "30", "DAYS", undefined], ["multipart-uploads", "ABORT", "1", "DAYS", undefined],
            ["objects", "DELETE", "14", "DAYS", { inclusionPrefixes: ["clickhouse/"] }],
            ["objects", "DELETE", "30", "DAYS", { inclusionPrefixes: ["postgres/"] }], ["objects", "DELETE", "30", "DAYS", { inclusionPrefixes: ["vault/"] }],
            ["objects", "DELETE", "14", "DAYS", { inclusionPrefixes: ["qdrant/"] }],
        ]);
        // Unversioned: no previous versions to expire. Qdrant's 14 days become the rule's 30; barman's
        // own pruning, which OCI refuses, is backed by the lifecycle a week after its window.
        assert.deepEqual(ociLifecycle("retained"), [
            ["multipart-uploads", "ABORT", "1", "DAYS", undefined],
            ["objects", "DELETE", "30", "DAYS", { inclusionPrefixes: ["vault/"] }], ["objects", "DELETE", "30", "DAYS", { inclusionPrefixes: ["qdrant/"] }],
            ["objects", "DELETE", "37", "DAYS", { inclusionPrefixes: ["postgres/"] }],
        ]);
        assert.deepEqual(named(plans.dev, "oci:Identity/policy:Policy", "backups-lifecycle").inputs.statements,
            [`Allow service objectstorage-eu-frankfurt-1 to manage object-family in compartment id ${bucket.inputs.compartmentId} where target.bucket.name = 'backups-dev'`]);
        const store = docsOf(s3).find((d) => d.kind === "ObjectStore")!;
        assert.match(store.spec!.configuration.destinationPath, /^s3:\/\/[^/]+\/postgres\/$/, "Postgres writes under the prefix its key may reach");
        const cloudConfigure = String(named(s3, "command:remote:Command", "vault-configure").plainInputs.stdin);
        assert.notEqual(accessKeyIdAt(cloudConfigure, "postgres/backup"), accessKeyIdAt(cloudConfigure, "langfuse/s3"), "Postgres and Langfuse use different keys");
    });

    it("on OCI, keeps every backup unchanged for as long as it is kept, under a rule locked 15 days after it is set (compliance)", () => {
        const retained = named(plans.dev, "oci:ObjectStorage/bucket:Bucket", "retained");
        const [rule, ...others] = retained.inputs.retentionRules as any[];
        assert.deepEqual(others, [], "one rule");
        assert.deepEqual([rule.displayName, rule.duration], ["retained-kept-unchanged", { timeAmount: "30", timeUnit: "DAYS" }], "the longest retention of the three stores: Postgres's and Vault's 30 days");
        const lock = named(plans.dev, "time:index/offset:Offset", "retained-retention-lock");
        assert.equal(lock.inputs.offsetDays, 15, "OCI locks a rule no sooner than 14 days after it is set; a day more for a slow up");
        assert.ok(!Number.isNaN(Date.parse(rule.timeRuleLocked)), `the lock time is the offset's RFC 3339 time: ${rule.timeRuleLocked}`);
        assert.ok(retained.dependencies?.includes(lock.urn), "the lock time is taken once, by the offset, and kept in the state");
        // Qdrant's snapshots are kept as long as the rule holds them: the lifecycle could not remove them sooner.
        const lifecycle = (named(plans.dev, "oci:ObjectStorage/objectLifecyclePolicy:ObjectLifecyclePolicy", "retained").inputs.rules as any[]).map((r) => [r.name, r.timeAmount]);
        assert.deepEqual(lifecycle, [["abandoned-uploads", "1"], ["vault-expires-after-30-days", "30"], ["qdrant-expires-after-30-days", "30"], ["postgres-backstop-expires-after-37-days", "37"]]);
    });

    it("on OCI under governance, sets the same rule unlocked, with no lock time", async () => {
        const values = stackValues("dev");
        const governance = { ...values, platform: { ...(values.platform ?? {}), backups: { objectLock: "governance" } } };
        assert.deepEqual(ociRetention(parse(governance)), { days: 30, locked: false });
        assert.deepEqual(ociRetention(parse(stackValues("dev"))), { days: 30, locked: true });
        for (const locked of [false, true]) {
            const plan = await planFixture("oci-bucket", { days: 21, locked });
            const [rule] = named(plan, "oci:ObjectStorage/bucket:Bucket", "retained").inputs.retentionRules as any[];
            assert.deepEqual(rule.duration, { timeAmount: "21", timeUnit: "DAYS" });
            assert.equal(rule.timeRuleLocked === undefined, !locked, `locked ${locked}: ${rule.timeRuleLocked}`);
            assert.equal(ofType(plan, "time:index/offset:Offset").length, locked ? 1 : 0);
            assert.equal(named(plan, "oci:ObjectStorage/bucket:Bucket", "retained").inputs.versioning, "Disabled");
        }
    });

    it("on OCI, lets barman's WAL and base backups upload with only the checksums OCI takes; AWS keeps the default Object Lock needs", () => {
        const env = (plan: PlanResult) => docsOf(plan).find((d) => d.kind === "ObjectStore")!.spec!.instanceSidecarConfiguration.env;
        assert.deepEqual(env(plans.dev), [
            { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
            { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
        ]);
        assert.equal(env(plans.cloud), undefined);
        assert.equal(env(plans.edge), undefined, "edge's bucket from config is on AWS S3 (Pulumi.edge.yaml); any other endpoint is treated as S3-compatible:");
        assert.deepEqual(["https://s3.eu-central-1.amazonaws.com", "https://bucket.s3.amazonaws.com", "https://s3.cn-north-1.amazonaws.com.cn", "https://s3.eusc-de-east-1.amazonaws.eu", "https://s3.us-east-1.amazonaws.com.",
            "https://minio.lab:9000", "https://ns.compat.objectstorage.eu-frankfurt-1.oraclecloud.com", "https://amazonaws.com.example.invalid"].map(isAwsS3Endpoint),
            [true, true, true, true, true, false, false, false]);
    });

    it("refuses an OCI bucket that is both versioned and under a rule, or whose lifecycle would outrun its rule", () => {
        const consumers = [{ name: "qdrant", prefix: "qdrant/", retention: { days: 7 } }];
        assert.deepEqual(ociBucketArgsProblems("retained", { consumers, deletedKeptDays: 30, retention: { days: 7, locked: true } }),
            ["bucket retained: give deletedKeptDays (a versioned bucket) or retention (a retention rule), exactly one: OCI refuses retention rules on a versioned bucket"]);
        assert.equal(ociBucketArgsProblems("retained", { consumers }).length, 1, "neither");
        assert.deepEqual(ociBucketArgsProblems("retained", { consumers, retention: { days: 14, locked: false } }),
            ["bucket retained: qdrant's objects expire after 7 days but the retention rule holds every object 14; make the rule no longer than the shortest retention"]);
        assert.deepEqual(ociBucketArgsProblems("retained", { consumers, retention: { days: 7, locked: false } }), []);
    });

    it("backs an edge-only stack up to the bucket its config names, creating none", () => {
        const store = docsOf(plans.edge).find((d) => d.kind === "ObjectStore")!;
        assert.equal(store.spec!.configuration.destinationPath, "s3://groundwork-edge-backups/postgres/");
        assert.equal(plans.edge.resources.filter((r) => r.type.includes("bucket:Bucket")).length, 0);
    });

    it("creates the data stores only once their namespace exists", () => {
        const data = named(plans.dev, "kubernetes:core/v1:Namespace", "data");
        for (const [type, name] of [["kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres"], ["kubernetes:helm.sh/v4:Chart", "qdrant"], ["kubernetes:secrets.hashicorp.com/v1beta1:VaultAuth", "postgres-vault"]]) {
            assert.ok(named(plans.dev, type, name).dependencies.includes(data.urn), `${name} does not wait for its namespace`);
        }
    });

    describe("bad input", () => {
        it("rejects a backup retention of 0 days", () => {
            const dev = stackValues("dev");
            dev.platform = { postgres: { backup: { retentionDays: 0 } } };
            assert.deepEqual(problems(dev), ["groundwork:platform.postgres.backup.retentionDays = 0: must be at least 1"]);
        });
        it("rejects a five-field cron schedule", () => {
            const dev = stackValues("dev");
            dev.platform = { postgres: { backup: { schedule: "0 3 * * *" } } };
            assert.deepEqual(problems(dev), ['groundwork:platform.postgres.backup.schedule = "0 3 * * *": must be a six-field cron expression, seconds first, e.g. "0 0 3 * * *", or one of @daily, @weekly, @monthly, @yearly, @hourly']);
        });
        it("takes the descriptors CloudNativePG's cron parser takes, as the six fields each stands for, and refuses @every (sweep s21-43)", () => {
            const at = (schedule: string) => {
                const dev = stackValues("dev");
                dev.platform = { postgres: { backup: { schedule } } };
                return dev;
            };
            assert.equal(parse(at("@daily")).platform.postgres.backup.schedule, "0 0 0 * * *");
            assert.equal(parse(at("@weekly")).platform.postgres.backup.schedule, "0 0 0 * * 0");
            assert.equal(parse(at("@hourly")).platform.postgres.backup.schedule, "0 0 * * * *", "an hour apart is the shortest allowed");
            assert.deepEqual(problems(at("@every 6h")), ['groundwork:platform.postgres.backup.schedule = "@every 6h": is @every, which CloudNativePG counts from when its operator last started, not from the clock, so neither the upgrade window nor the stale-backup alert can be reckoned from it; give six cron fields, seconds first, e.g. "0 0 3 * * *", or @daily']);
            assert.match(problems(at("@dayly")).join("\n"), /must be a six-field cron expression, seconds first/);
        });
        it("rejects an edge-only stack with nowhere to back up to", () => {
            const edge = stackValues("edge");
            delete edge.platform.postgres;
            assert.deepEqual(problems(edge), ["groundwork:platform.postgres.backup.s3 is not set: is required on a stack without a cloud site: backups need an S3-compatible bucket (endpointURL, bucket, region, and a key for each consumer in keys)"]);
        });
        it("rejects OCI backups without a tenancy for the consumers' users, and the retired backupUserOcid by name", () => {
            const dev = stackValues("dev");
            delete dev.oci.tenancyOcid;
            assert.ok(problems(dev).some((p) => p.startsWith("groundwork:oci.tenancyOcid is not set: ") && p.includes("is required for backups to OCI Object Storage: each consumer's user and group are made in the tenancy")), problems(dev).join("\n"));
            const old = stackValues("dev");
            old.oci.backupUserOcid = "ocid1.user.oc1..aaaaaaaaformerbackups";
            const found = problems(old);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], /^groundwork:oci\.backupUserOcid = "ocid1\.user\.oc1\.\.aaaaaaaaformerbackups": is no longer read: the stack makes each backup consumer its own OCI user, group and key/);
        });
    });
});

describe("data protection", function () {
    it("retains or protects every resource that holds data, in every stack", async () => {
        const stateful = [
            "kubernetes:postgresql.cnpg.io/v1:Cluster/postgres",
            "kubernetes:helm.sh/v4:Chart/vault",
            "kubernetes:helm.sh/v4:Chart/qdrant",
            "kubernetes:helm.sh/v4:Chart/langfuse",
            "kubernetes:core/v1:Namespace/langfuse",
            "kubernetes:postgresql.cnpg.io/v1:Database/postgres-langfuse-database",
            "kubernetes:core/v1:Namespace/vault",
            "kubernetes:core/v1:Namespace/data",
            "aws:kms/key:Key/vault-unseal",
            "oci:Kms/vault:Vault/vault-unseal",
            "oci:Kms/key:Key/vault-unseal",
            "aws:s3/bucket:Bucket/backups",
            "oci:ObjectStorage/bucket:Bucket/backups",
        ];
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            const plan = await committedPlan(stack);
            const present = plan.resources.filter((r) => stateful.includes(`${r.type}/${r.name}`));
            assert.ok(present.length >= 5, `${stack}: only ${present.length} stateful resources found`);
            for (const r of present) {
                assert.ok(r.retainOnDelete || r.protect, `${stack}: ${r.type} ${r.name} would be deleted with the stack`);
            }
        }
    });
});

describe("the platform's own databases", () => {
    it("are exactly the names the config keeps for them, so platform.postgres.database cannot take one (review s18b N2)", async () => {
        // The cloud stack runs all three: Langfuse, the gateway and the chat UI.
        const made = ofType(await committedPlan("cloud"), "kubernetes:postgresql.cnpg.io/v1:Database").map((r) => (r.plainInputs.spec as { name: string }).name).sort();
        assert.deepEqual(made, [...PLATFORM_DATABASES].sort());
    });
});
