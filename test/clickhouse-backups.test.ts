import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { clickhouseBackupScript, clickhouseBackupUrl } from "../components/platform/clickhouse-backups";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { committedPlan, named, vaultSecretAt, PYTHON } from "./helpers";
import { shellcheck } from "./validators";

/** The named collection of a ClickHouse config, read by Python's expat-based XML parser (a parse error fails the test). */
function namedCollection(xml: string): Record<string, string> {
    const result = spawnSync(PYTHON, ["-c", `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
c = root.find("named_collections/groundwork_backups")
out = {child.tag: (child.text or "") for child in c}
out.update({child.tag + "@" + k: v for child in c for k, v in child.attrib.items()})
out["s3.endpoint"] = root.findtext("s3/groundwork_backups/endpoint")
out["s3.region"] = root.findtext("s3/groundwork_backups/region")
print(json.dumps(out))
`], { input: xml, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
}

/** Runs the Job's script under /bin/sh with a clickhouse-client that answers from a list of statuses and records every query. */
function runBackup(statuses: string[]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clickhouse-backup-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "statuses"), statuses.join("\n") + "\n");
    fs.writeFileSync(path.join(dir, "bin", "clickhouse-client"), `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/calls"
case "$*" in
  *"SELECT status"*) head -n 1 "${dir}/statuses"; sed -i 1d "${dir}/statuses" ;;
  *"SELECT error"*) echo "Code: 499. S3_ERROR: Access Denied" ;;
esac
`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "bin", "sleep"), "#!/bin/sh\n", { mode: 0o755 });
    const result = spawnSync("/bin/sh", ["-c", clickhouseBackupScript("langfuse-clickhouse")], { env: { PATH: `${dir}/bin:/usr/bin:/bin` }, encoding: "utf8" });
    return { ...result, calls: fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") };
}

describe("ClickHouse backups", () => {
    let dev: PlanResult;
    let cloud: PlanResult;
    before(async () => {
        dev = await committedPlan("dev");
        cloud = await committedPlan("cloud");
    });
    const valuesOf = (plan: PlanResult) => (kubernetesDocuments(plan.resources) as any[]).find((d) => d.kind === "HelmRelease" && d.spec.chart === "langfuse").spec.values.clickhouse;

    it("has ClickHouse write a full backup itself, then polls until it is created", () => {
        const run = runBackup(["CREATING_BACKUP", "CREATING_BACKUP", "BACKUP_CREATED"]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.calls[0], /^--host langfuse-clickhouse --port 9000 --query BACKUP DATABASE default TO S3\(groundwork_backups, '\d{8}T\d{6}Z\/'\) SETTINGS id = 'groundwork-\d{8}T\d{6}Z' ASYNC$/);
        assert.equal(run.calls.filter((c) => c.includes("SELECT status")).length, 3);
        assert.match(run.stdout, /^clickhouse-backups: clickhouse\/\d{8}T\d{6}Z\/$/m);
    });

    it("fails with ClickHouse's error when the backup fails or vanishes", () => {
        const failed = runBackup(["CREATING_BACKUP", "BACKUP_FAILED"]);
        assert.equal(failed.status, 1);
        assert.match(failed.stderr, /backup groundwork-\d{8}T\d{6}Z is BACKUP_FAILED: Code: 499\. S3_ERROR: Access Denied/);
        const gone = runBackup([""]);
        assert.equal(gone.status, 1);
        assert.match(gone.stderr, /is gone/);
    });

    it("passes shellcheck", () => {
        const checked = shellcheck(clickhouseBackupScript("langfuse-clickhouse"));
        assert.ok(checked.ok, checked.output);
    });

    it("gives the server the bucket as a named collection, with its key from the environment and never in the config", () => {
        const dv = valuesOf(dev);
        const collection = namedCollection(dv.extraOverrides);
        assert.deepEqual(collection, {
            url: "https://offlinenamespace.compat.objectstorage.eu-frankfurt-1.oraclecloud.com/backups-dev/clickhouse/",
            access_key_id: "", secret_access_key: "",
            "access_key_id@from_env": "GROUNDWORK_BACKUP_KEY_ID", "access_key_id@hide_in_preprocessed": "true",
            "secret_access_key@from_env": "GROUNDWORK_BACKUP_SECRET", "secret_access_key@hide_in_preprocessed": "true",
            "s3.endpoint": "https://offlinenamespace.compat.objectstorage.eu-frankfurt-1.oraclecloud.com/backups-dev/clickhouse/",
            "s3.region": "eu-frankfurt-1",
        }, "OCI: the bucket in the path");
        assert.deepEqual(dv.extraEnvVars.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]), [
            ["GROUNDWORK_BACKUP_KEY_ID", "langfuse-clickhouse-backup", "accessKeyId"], ["GROUNDWORK_BACKUP_SECRET", "langfuse-clickhouse-backup", "secretAccessKey"],
        ]);
        assert.equal(namedCollection(valuesOf(cloud).extraOverrides).url, "https://unlocked-offline.s3.us-east-1.amazonaws.com/clickhouse/", "AWS: virtual-hosted, the bucket without a lock");
        assert.equal(clickhouseBackupUrl("http://minio.lab:9000", "backups", true), "http://minio.lab:9000/backups/clickhouse/");
        assert.deepEqual(Object.keys(vaultSecretAt(dev, "langfuse/clickhouse-backup")).sort(), ["accessKeyId", "secretAccessKey"]);
    });

    it("runs daily as its own account, which ClickHouse's native port admits, as the default user", () => {
        const docs = kubernetesDocuments(dev.resources) as any[];
        const job = docs.find((d) => d.kind === "CronJob" && d.metadata.name === "langfuse-clickhouse-backups");
        assert.deepEqual([job.metadata.namespace, job.spec.schedule, job.spec.concurrencyPolicy, job.metadata.labels["groundwork.dev/backup-of"]], ["langfuse", "30 3 * * *", "Forbid", "langfuse"]);
        const pod = job.spec.jobTemplate.spec.template.spec;
        const [container] = pod.containers;
        assert.deepEqual([pod.serviceAccountName, container.image, pod.initContainers], ["clickhouse-backups", "docker.io/bitnamilegacy/clickhouse:25.2.1-debian-12-r0@sha256:3c1f49548968dce24832ea2487647fe80dcfbd832d2dbb2e9e735629d7c7fc31", undefined]);
        assert.deepEqual(container.env.find((e: any) => e.name === "CLICKHOUSE_PASSWORD").valueFrom, { secretKeyRef: { name: "langfuse-clickhouse", key: "password" } });
        const authn = docs.find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name.startsWith("langfuse-clickhouse-native"));
        assert.ok(authn.spec.identityRefs.some((r: any) => r.name === "clickhouse-backups" && r.namespace === "langfuse"), JSON.stringify(authn.spec));
    });

    it("may delete only its own lock object on AWS, and its backups expire by the lifecycle", () => {
        const statements = JSON.parse(String(named(cloud, "aws:iam/userPolicy:UserPolicy", "unlocked-clickhouse").inputs.policy)).Statement;
        assert.deepEqual(statements.slice(1), [
            { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], Resource: "arn:aws:s3:::unlocked-offline/clickhouse/*" },
            { Effect: "Allow", Action: ["s3:DeleteObject"], Resource: "arn:aws:s3:::unlocked-offline/clickhouse/*/.lock" },
        ]);
        const rules = named(cloud, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "unlocked").inputs.rules as any[];
        const expiry = rules.find((r) => r.id === "clickhouse-expires-after-14-days");
        assert.deepEqual([expiry.filter.prefix, expiry.expiration.days], ["clickhouse/", 14]);
        // OCI's policy language cannot name the lock file: the key may delete under clickhouse/, which on the versioned bucket only hides a version.
        const oci = named(dev, "oci:Identity/policy:Policy", "backups-clickhouse").inputs.statements as string[];
        assert.match(oci[2], /target\.object\.name = 'clickhouse\/\*', request\.operation != 'DeleteObjectVersion', request\.permission != 'OBJECT_VERSION_DELETE'\}$/);
    });
});
