import { strict as assert } from "assert";
import * as YAML from "yaml";
import { ETCD_S3_CONFIG_SECRET, K3S_CONFIG_PATH } from "../components/k3s/bootstrap";
import { consumerReadFence } from "../components/aws/backup-bucket";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { etcdLocalSnapshotCount, etcdSnapshotCount } from "../stacks/config/backups";
import { objectLockDays, serverCount, stackStorage } from "../stacks/object-storage";
import { BUCKET_CONSUMERS } from "../stacks/config/postgres";
import { committedPlan, k3sConfigInScript, named, ociUserDataOf, ofType, parse, problems, serverInstallScriptOf, stackValues, vaultSecretAt } from "./helpers";

/** The k3s config file a cloud-init user data writes. */
const k3sConfigOf = (userData: string) =>
    YAML.parse(YAML.parse(userData).write_files.find((f: { path: string }) => f.path === K3S_CONFIG_PATH).content);

const withBackups = (backups: Record<string, unknown>) => {
    const values = stackValues("dev");
    return { ...values, platform: { ...(values.platform ?? {}), backups } };
};

describe("backups of every store", function () {
    describe("config", () => {
        it("a bucket from config gives each consumer its own key, else the shared one", async () => {
            const resolve = (value: { apply: (f: (v: string) => void) => unknown }) => new Promise<string>((done) => value.apply(done));
            const keysOf = async (values: Record<string, any>) => {
                const storage = stackStorage(parse(values), {} as never);
                return Promise.all(BUCKET_CONSUMERS.map(async (c) => {
                    const target = ["postgres", "vault", "qdrant"].includes(c) ? storage.backups : storage.unlocked;
                    const key = target.keyFor(c)!;
                    return [c, await resolve(key.accessKeyId), await resolve(key.secretAccessKey)];
                }));
            };
            // The edge stack's file: six keys, each the consumer's own.
            const own = await keysOf(stackValues("edge"));
            for (const [c, id, secret] of own) {
                assert.equal(id, `offline-placeholder-for-groundwork:platform.postgres.backup.s3.keys.${c}.accessKeyId`);
                assert.equal(secret, `offline-placeholder-for-groundwork:platform.postgres.backup.s3.keys.${c}.secretAccessKey`);
            }
            // Without its own key, a consumer takes the shared one.
            const values = stackValues("edge");
            delete values.platform.postgres.backup.s3.keys.etcd;
            Object.assign(values.platform.postgres.backup.s3, { accessKeyId: "shared-id", secretAccessKey: "shared-secret" });
            const mixed = Object.fromEntries((await keysOf(values)).map(([c, id]) => [c, id]));
            assert.equal(mixed.etcd, "shared-id");
            assert.equal(mixed.postgres, "offline-placeholder-for-groundwork:platform.postgres.backup.s3.keys.postgres.accessKeyId");
        });

        it("defaults to a snapshot every 6 hours kept 7 days, and daily Vault, Qdrant and ClickHouse backups", () => {
            const backups = parse(stackValues("dev")).platform.backups;
            assert.deepEqual(backups, {
                objectLock: "compliance",
                etcd: { everyHours: 6, retentionDays: 7 },
                vault: { schedule: "15 2 * * *", retentionDays: 30 },
                qdrant: { schedule: "45 2 * * *", retentionDays: 14 },
                clickhouse: { schedule: "30 3 * * *", retentionDays: 14 },
            });
            assert.equal(etcdSnapshotCount(backups.etcd), 28, "7 days at 4 a day");
            assert.equal(etcdSnapshotCount({ everyHours: 24, retentionDays: 3 }), 3);
            // The servers' disks hold the last 48 hours; the bucket holds the rest.
            assert.equal(etcdLocalSnapshotCount(backups.etcd), 8);
            assert.equal(etcdLocalSnapshotCount({ everyHours: 1, retentionDays: 31 }), 48);
            assert.equal(etcdLocalSnapshotCount({ everyHours: 24, retentionDays: 1 }), 1, "never more on disk than in the bucket");
        });

        it("rejects an etcd retention longer than a month, saying why", () => {
            assert.match(problems(withBackups({ etcd: { retentionDays: 90 } }))[0],
                /^groundwork:platform\.backups\.etcd\.retentionDays = 90: keeps snapshots of the cluster's state longer than they can help .* keep at most 31 days/);
            assert.equal(parse(withBackups({ etcd: { retentionDays: 31 } })).platform.backups.etcd.retentionDays, 31);
        });

        it("locks backups for the shortest retention of the stores in the bucket", () => {
            assert.equal(objectLockDays(parse(stackValues("cloud"))), 14, "Qdrant's 14 days");
            const cloud = stackValues("cloud");
            cloud.platform = { ...cloud.platform, backups: { etcd: { retentionDays: 3 }, qdrant: { retentionDays: 35 } } };
            assert.equal(objectLockDays(parse(cloud)), 30, "Postgres's and Vault's 30 days: etcd's snapshots are not in the locked bucket");
        });

        it("rejects an interval that does not divide the day, naming the ones that do", () => {
            assert.deepEqual(problems(withBackups({ etcd: { everyHours: 5 } })),
                ["groundwork:platform.backups.etcd.everyHours = 5: must be one of: 1, 2, 3, 4, 6, 8, 12, 24"]);
        });

        it("rejects an impossible schedule and a retention of 0 days, by key", () => {
            const found = problems(withBackups({ vault: { schedule: "0 25 * * *" }, qdrant: { retentionDays: 0 } }));
            assert.equal(found.length, 2, found.join("\n"));
            assert.match(found[0], /^groundwork:platform\.backups\.vault\.schedule = "0 25 \* \* \*": is impossible: hour 25 is outside 0-23/);
            assert.match(found[1], /^groundwork:platform\.backups\.qdrant\.retentionDays = 0: .*1/);
        });

        it("rejects an Object Lock mode S3 does not have", () => {
            assert.match(problems(withBackups({ objectLock: "legal-hold" }))[0], /^groundwork:platform\.backups\.objectLock = "legal-hold": must be one of: "compliance", "governance"$/);
        });
    });

    describe("k3s's embedded etcd", () => {
        const plans: Record<string, PlanResult> = {};
        before(async () => {
            for (const stack of ["dev", "cloud", "edge"]) plans[stack] = await committedPlan(stack);
        });

        it("snapshots every 6 hours on each server, keeps 2 days on disk, and copies them to S3 with settings from a Secret", () => {
            const server = k3sConfigInScript(serverInstallScriptOf(plans.dev, "server-1"));
            assert.deepEqual([server["etcd-snapshot-schedule-cron"], server["etcd-snapshot-retention"], server["etcd-s3"], server["etcd-s3-config-secret"]],
                ["0 */6 * * *", 8, true, ETCD_S3_CONFIG_SECRET]);
            // Any other etcd-s3-* key in the file would make k3s ignore the Secret (pkg/etcd/s3/s3.go L124-151), and compression breaks restores.
            assert.deepEqual(Object.keys(server).filter((k) => k.startsWith("etcd-")).sort(), ["etcd-s3", "etcd-s3-config-secret", "etcd-snapshot-retention", "etcd-snapshot-schedule-cron"]);
            // The secret install script holds the schedule; the tag says it where the data pack can read it.
            assert.equal((named(plans.dev, "oci:Core/instance:Instance", "server-1").inputs.freeformTags as Record<string, string>)["groundwork-etcd-snapshot-hours"], "6");
            assert.equal((named(plans.dev, "oci:Core/instance:Instance", "agent-1").inputs.freeformTags as Record<string, string>)["groundwork-etcd-snapshot-hours"], undefined);
            assert.equal((named(plans.cloud, "aws:ec2/instance:Instance", "aws-server-0").inputs.tags as Record<string, string>)["groundwork-etcd-snapshot-hours"], "6");
            const agent = k3sConfigOf(ociUserDataOf(named(plans.dev, "oci:Core/instance:Instance", "agent-1")));
            assert.equal(Object.keys(agent).some((k) => k.startsWith("etcd-")), false, "agents run no etcd");
        });

        it("keeps the S3 settings in Vault, synced by VSO into the kube-system Secret k3s reads", () => {
            const docs = kubernetesDocuments(plans.dev.resources) as any[];
            const synced = docs.find((d) => d.kind === "VaultStaticSecret" && d.spec.destination.name === ETCD_S3_CONFIG_SECRET);
            assert.deepEqual([synced.metadata.namespace, synced.spec.path, synced.spec.mount], ["kube-system", "etcd/s3", "groundwork"]);
            const settings = vaultSecretAt(plans.dev, "etcd/s3");
            assert.deepEqual(Object.keys(settings).sort(), ["etcd-s3-access-key", "etcd-s3-bucket", "etcd-s3-bucket-lookup-type", "etcd-s3-endpoint", "etcd-s3-folder", "etcd-s3-insecure", "etcd-s3-region", "etcd-s3-retention", "etcd-s3-secret-key"]);
            assert.deepEqual([settings["etcd-s3-endpoint"], settings["etcd-s3-bucket"], settings["etcd-s3-folder"], settings["etcd-s3-bucket-lookup-type"], settings["etcd-s3-insecure"], settings["etcd-s3-retention"]],
                ["offlinenamespace.compat.objectstorage.eu-frankfurt-1.oraclecloud.com", "backups-dev", "etcd", "path", "false", "28"], "a host, not a URL; OCI's API is path-style");
            // On OCI the key is etcd's own user's, limited to etcd/.
            const policy = named(plans.dev, "oci:Identity/policy:Policy", "backups-etcd").inputs.statements as string[];
            assert.match(policy[2], /target\.object\.name = 'etcd\/\*'/);
        });

        it("writes with the AWS servers' own role, to the bucket without Object Lock (k3s sends no upload checksum)", () => {
            const cloud = plans.cloud;
            const settings = vaultSecretAt(cloud, "etcd/s3");
            assert.equal(settings["etcd-s3-access-key"], undefined, "no key: the instance role writes");
            assert.deepEqual([settings["etcd-s3-endpoint"], settings["etcd-s3-bucket"], settings["etcd-s3-bucket-lookup-type"], settings["etcd-s3-retention"]],
                ["s3.us-east-1.amazonaws.com", "unlocked-offline", "auto", "28"]);
            const grant = named(cloud, "aws:iam/rolePolicy:RolePolicy", "unlocked-etcd");
            assert.ok(grant.dependencies?.includes(named(cloud, "aws:iam/role:Role", "k3s-server").urn), "the servers' role, not the agents'");
            assert.deepEqual(JSON.parse(String(grant.inputs.policy)).Statement[1].Resource, "arn:aws:s3:::unlocked-offline/etcd/*");
            const servers = ofType(cloud, "aws:ec2/instance:Instance").filter((i) => /^aws-server-/.test(i.name));
            const serverProfile = named(cloud, "aws:iam/instanceProfile:InstanceProfile", "k3s-server");
            assert.ok(servers.length > 0 && servers.every((i) => i.dependencies?.includes(serverProfile.urn)), "servers carry the server profile");
            assert.equal(ofType(cloud, "aws:iam/user:User").some((u) => /etcd/.test(u.name)), false, "no IAM user for etcd");
        });

        it("lets only each store read its own prefix on AWS: its key, or for etcd the servers' role (security review s27 F8)", () => {
            const fences = Object.fromEntries(ofType(plans.cloud, "aws:s3/bucketPolicy:BucketPolicy").map((p) => [p.name, JSON.parse(String(p.inputs.policy))]));
            assert.deepEqual(Object.keys(fences).sort(), ["backups", "unlocked"]);
            for (const p of ofType(plans.cloud, "aws:s3/bucketPolicy:BucketPolicy")) assert.equal(p.retainOnDelete, true, `${p.name}: kept with its retained bucket`);
            const statements = Object.values(fences).flatMap((f: any) => f.Statement);
            const byPrefix = Object.fromEntries(statements.map((s: any) => [s.Resource, s.Condition.ArnNotLike["aws:PrincipalArn"]]));
            assert.deepEqual(Object.keys(byPrefix).sort(), ["arn:aws:s3:::backups-offline/postgres/*", "arn:aws:s3:::backups-offline/qdrant/*", "arn:aws:s3:::backups-offline/vault/*",
                "arn:aws:s3:::unlocked-offline/clickhouse/*", "arn:aws:s3:::unlocked-offline/etcd/*", "arn:aws:s3:::unlocked-offline/langfuse/*"]);
            assert.equal(byPrefix["arn:aws:s3:::unlocked-offline/etcd/*"], "arn:aws:iam::*:role/k3s-server-offline", "the servers' role, in the bucket's account");
            assert.match(byPrefix["arn:aws:s3:::backups-offline/vault/*"], /:user\/backups-vault$/, "the vault consumer's own user");
            for (const s of statements as any[]) assert.deepEqual([s.Effect, s.Principal, s.Action], ["Deny", "*", ["s3:GetObject", "s3:GetObjectVersion"]]);
            // The policy is read as S3 reads it: a Deny on every principal but one, no Allow to make anything public.
            assert.deepEqual(consumerReadFence("arn:aws:s3:::b", [{ name: "qdrant", prefix: "qdrant/", principalArn: "arn:aws:iam::1:user/q" }]).Statement, [{
                Sid: "OnlyTheConsumerReadsqdrant", Effect: "Deny", Principal: "*", Action: ["s3:GetObject", "s3:GetObjectVersion"],
                Resource: "arn:aws:s3:::b/qdrant/*", Condition: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::1:user/q" } },
            }]);
        });

        it("counts every server's snapshots in the bucket's retention, as k3s prunes the folder as a whole", () => {
            assert.equal(serverCount(parse(stackValues("dev"))), 1);
            const three = stackValues("edge");
            three.edge.machines = three.edge.machines.map((m: any, i: number) => (i < 3 ? { ...m, role: "server" } : m));
            assert.equal(serverCount(parse(three)), 3);
        });

        it("syncs the settings on an edge-only stack too, once the operator hands Vault a token", () => {
            const docs = kubernetesDocuments(plans.edge.resources) as any[];
            assert.ok(docs.some((d) => d.kind === "VaultStaticSecret" && d.metadata.namespace === "kube-system" && d.spec.destination.name === ETCD_S3_CONFIG_SECRET));
        });
    });

    describe("Vault", () => {
        let dev: PlanResult;
        let cloud: PlanResult;
        before(async () => {
            dev = await committedPlan("dev");
            cloud = await committedPlan("cloud");
        });

        it("takes a Raft snapshot daily with its own account and uploads it under vault/, in memory-held credentials", () => {
            const job = (kubernetesDocuments(dev.resources) as any[]).find((d) => d.kind === "CronJob" && d.metadata.name === "vault-snapshots");
            assert.deepEqual([job.metadata.namespace, job.spec.schedule, job.spec.timeZone, job.spec.concurrencyPolicy], ["vault", "15 2 * * *", "Etc/UTC", "Forbid"]);
            assert.equal(job.metadata.labels["groundwork.dev/backup-of"], "vault", "names the release it backs up, for stateful-store-backup-schedule");
            const pod = job.spec.jobTemplate.spec.template;
            assert.equal(pod.metadata.annotations["config.linkerd.io/proxy-enable-native-sidecar"], "true", "the proxy must not keep the Job running");
            assert.deepEqual([pod.spec.serviceAccountName, pod.spec.automountServiceAccountToken, pod.spec.securityContext.runAsUser], ["vault-snapshots", false, 100]);
            const [snapshot] = pod.spec.initContainers;
            const [upload] = pod.spec.containers;
            assert.equal(snapshot.image, "hashicorp/vault:2.0.4@sha256:5be49781ecf78bfe775c5309c6a4d9f4e9e040b6c885c99eb2b12fb69855e1a2");
            assert.match(snapshot.command[2], /vault write -field=token auth\/kubernetes\/login role=vault-snapshots jwt=@\/var\/run\/secrets\/vault\/token/);
            assert.match(snapshot.command[2], /vault operator raft snapshot save "\/snapshot\/raft-\$\(date -u \+%Y%m%dT%H%M%SZ\)\.snap"/);
            assert.match(snapshot.command[2], /vault token revoke -self/);
            assert.equal(upload.image, "docker.io/amazon/aws-cli:2.36.7@sha256:5b76c069e37cfa091ec6398dc683c09e0c9ef8ae2e557b0a36d931df34011227");
            assert.match(upload.command[2], /aws s3 cp --recursive .* \/snapshot\/ "s3:\/\/\$BUCKET\/vault\/"/);
            const env = Object.fromEntries(upload.env.map((e: any) => [e.name, e.value]));
            assert.deepEqual([env.BUCKET, env.AWS_REQUEST_CHECKSUM_CALCULATION], ["retained-dev", "when_required"], "OCI takes only required checksums; the bucket under the retention rule");
            assert.deepEqual(pod.spec.volumes.find((v: any) => v.name === "credentials").emptyDir, { medium: "Memory", sizeLimit: "1Mi" });
            for (const c of [snapshot, upload]) {
                assert.deepEqual([c.securityContext.allowPrivilegeEscalation, c.securityContext.readOnlyRootFilesystem, c.securityContext.capabilities.drop], [false, true, ["ALL"]], c.name);
            }
            const cloudUpload = (kubernetesDocuments(cloud.resources) as any[]).find((d) => d.kind === "CronJob" && d.metadata.name === "vault-snapshots").spec.jobTemplate.spec.template.spec.containers[0];
            assert.equal(cloudUpload.env.some((e: any) => e.name === "AWS_REQUEST_CHECKSUM_CALCULATION"), false, "on AWS the default checksum satisfies Object Lock");
        });

        it("lets that account read only its key and the snapshot, and reach Vault in the mesh", () => {
            const script = String(named(dev, "command:remote:Command", "vault-configure").plainInputs.stdin);
            const policy = script.split("vault policy write vault-snapshots - <<'GROUNDWORK_POLICY'\n")[1].split("GROUNDWORK_POLICY")[0];
            assert.equal(policy, 'path "groundwork/data/vault-snapshots/*" {\n  capabilities = ["read"]\n}\npath "sys/storage/raft/snapshot" {\n  capabilities = ["read"]\n}\n');
            assert.match(script, /vault write auth\/kubernetes\/role\/vault-snapshots bound_service_account_names=vault-snapshots bound_service_account_namespaces=vault /);
            const key = vaultSecretAt(dev, "vault-snapshots/bucket-key");
            assert.deepEqual(Object.keys(key).sort(), ["accessKeyId", "secretAccessKey"]);
            const authz = (kubernetesDocuments(dev.resources) as any[]).find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.namespace === "vault" && d.metadata.name === "vault-api-api-clients");
            assert.ok(authz.spec.identityRefs.some((r: any) => r.kind === "ServiceAccount" && r.name === "vault-snapshots" && r.namespace === "vault"), JSON.stringify(authz.spec));
        });
    });
});
