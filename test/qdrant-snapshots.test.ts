import { strict as assert } from "assert";
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { qdrantSnapshotScript } from "../components/platform/qdrant-snapshots";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { committedPlan, named, vaultSecretAt } from "./helpers";
import { shellcheck } from "./validators";

const PLANTED_KEY = "qdrant-key-7f3a9c1e5b2d8f4a6c0e";

/**
 * Runs the snapshot script under /bin/sh against a stand-in `curl` that answers as Qdrant v1.18.2
 * does (compact JSON from actix, the archive a full snapshot is: a tar with the collections'
 * snapshots and a pretty-printed config.json) and records every call.
 */
function runSnapshotScript(replicas: number, opts: { checksum?: string } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qdrant-snapshots-"));
    for (const d of ["bin", "snapshot", "mem", "key", "archive"]) fs.mkdirSync(path.join(dir, d));
    fs.writeFileSync(path.join(dir, "key", "apiKey"), PLANTED_KEY);
    // serde_json's pretty printer and JSON.stringify(…, null, 2) write the same layout.
    const config = { collections_mapping: { docs: "docs-811-2026-11-27-02-45-00.snapshot", faq: "faq-811-2026-11-27-02-45-01.snapshot" }, collections_aliases: { handbook: "docs" } };
    fs.writeFileSync(path.join(dir, "archive", "config.json"), JSON.stringify(config, null, 2));
    for (const file of Object.values(config.collections_mapping)) fs.writeFileSync(path.join(dir, "archive", file), "segments");
    const tarball = path.join(dir, "full.snapshot");
    // Members are named bare, as Qdrant's TarBuilder appends them (append_path_with_name).
    assert.equal(spawnSync("tar", ["-cf", tarball, "-C", path.join(dir, "archive"), ...Object.values(config.collections_mapping), "config.json"]).status, 0);
    const name = "full-snapshot-2026-11-27-02-45-02.snapshot";
    const checksum = opts.checksum ?? createHash("sha256").update(fs.readFileSync(tarball)).digest("hex");
    fs.writeFileSync(path.join(dir, "bin", "curl"), `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/calls"
method=GET; out=; url=
while [ $# -gt 0 ]; do
  case $1 in
    -X) method=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    -H|--retry|--max-time) shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
case "$method $url" in
  "POST "*"/snapshots?wait=true") printf '{"result":{"name":"${name}","creation_time":"2026-11-27T02:45:02","size":10240,"checksum":"${checksum}"},"status":"ok","time":0.21}' ;;
  "GET "*"/snapshots/${name}") cp "${tarball}" "$out" ;;
  "DELETE "*"/collections/"*) exit 22 ;;
  "DELETE "*"/snapshots/${name}?wait=true") printf '{"result":true,"status":"ok","time":0.01}' > "$out" ;;
  *) echo "unexpected $method $url" >&2; exit 22 ;;
esac
`, { mode: 0o755 });
    const script = qdrantSnapshotScript("qdrant", "groundwork-data", replicas)
        .replace(/"\/snapshot\//g, `"${dir}/snapshot/`)
        .replace(/\/tmp\/headers/g, `${dir}/mem/headers`)
        .replace("/qdrant-key/apiKey", `${dir}/key/apiKey`);
    const result = spawnSync("/bin/sh", ["-c", script], { env: { PATH: `${dir}/bin:/usr/bin:/bin` }, encoding: "utf8" });
    const calls = fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : [];
    return { ...result, calls, dir, name };
}

describe("Qdrant snapshots", () => {
    let dev: PlanResult;
    let cloud: PlanResult;
    before(async () => {
        dev = await committedPlan("dev");
        cloud = await committedPlan("cloud");
    });
    const cronJob = (plan: PlanResult) => (kubernetesDocuments(plan.resources) as any[]).find((d) => d.kind === "CronJob" && d.metadata.name === "qdrant-snapshots");

    it("snapshots every pod, keeps the checked file for upload and deletes it from Qdrant's disk", () => {
        const run = runSnapshotScript(2);
        assert.equal(run.status, 0, run.stderr);
        const base = (pod: string) => `http://${pod}.qdrant-headless.groundwork-data.svc.cluster.local:6333`;
        for (const pod of ["qdrant-0", "qdrant-1"]) {
            const mine = run.calls.filter((c) => c.includes(base(pod)));
            // Qdrant moves the collections' snapshots into the archive (snapshots_manager.rs L312-327):
            // there is nothing else to delete, and a DELETE of one would answer 404.
            assert.deepEqual(mine.map((c) => c.replace(/^.*-X (\w+) .*$/, "$1").replace(/^.*-o \S+ (?!-X).*$/, "GET")), ["POST", "GET", "DELETE"], mine.join("\n"));
            assert.ok(mine.at(-1)!.endsWith(`-X DELETE ${base(pod)}/snapshots/${run.name}?wait=true`), "the full snapshot, once downloaded");
            assert.ok(fs.statSync(path.join(run.dir, "snapshot", pod, run.name)).size > 0, `${pod}'s snapshot is kept for the upload`);
        }
        assert.equal(run.calls.some((c) => c.includes("handbook")), false, "an alias is not a collection");
        // The key travels in a header file in memory, never on a command line.
        assert.equal(fs.readFileSync(path.join(run.dir, "mem", "headers"), "utf8"), `api-key: ${PLANTED_KEY}\n`);
        assert.equal(run.calls.some((c) => c.includes(PLANTED_KEY)), false);
        assert.ok(run.calls.every((c) => c.includes(`-H @${run.dir}/mem/headers`)));
    });

    it("fails on a download that does not match Qdrant's checksum, before deleting anything", () => {
        const run = runSnapshotScript(1, { checksum: "0".repeat(64) });
        assert.equal(run.status, 1);
        assert.match(run.stderr, /qdrant-0\/full-snapshot-2026-11-27-02-45-02\.snapshot does not match Qdrant's checksum/);
        assert.equal(run.calls.some((c) => c.includes("DELETE")), false);
    });

    it("passes shellcheck", () => {
        const checked = shellcheck(qdrantSnapshotScript("qdrant", "groundwork-data", 3));
        assert.ok(checked.ok, checked.output);
    });

    it("runs daily with its own account, reaches Qdrant's REST port in the mesh and uploads under qdrant/ with a key that cannot delete", () => {
        const job = cronJob(dev);
        assert.deepEqual([job.metadata.namespace, job.spec.schedule, job.spec.timeZone, job.spec.concurrencyPolicy], ["groundwork-data", "45 2 * * *", "Etc/UTC", "Forbid"]);
        assert.equal(job.metadata.labels["groundwork.dev/backup-of"], "qdrant");
        const pod = job.spec.jobTemplate.spec.template;
        assert.deepEqual([pod.spec.serviceAccountName, pod.spec.automountServiceAccountToken], ["qdrant-snapshots", false]);
        const [snapshot] = pod.spec.initContainers;
        const [upload] = pod.spec.containers;
        assert.equal(snapshot.image, "quay.io/curl/curl:8.21.0@sha256:7c12af72ceb38b7432ab85e1a265cff6ae58e06f95539d539b654f2cfa64bb13");
        assert.deepEqual(pod.spec.volumes.find((v: any) => v.name === "qdrant-key").secret, { secretName: "qdrant-api-key", items: [{ key: "apiKey", path: "apiKey" }] });
        assert.match(upload.command[2], /aws s3 cp --recursive .* \/snapshot\/ "s3:\/\/\$BUCKET\/qdrant\/"/);
        const keyRefs = upload.env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
        assert.deepEqual(keyRefs, [["AWS_ACCESS_KEY_ID", "qdrant-snapshot-bucket", "accessKeyId"], ["AWS_SECRET_ACCESS_KEY", "qdrant-snapshot-bucket", "secretAccessKey"]]);
        const synced = (kubernetesDocuments(dev.resources) as any[]).find((d) => d.kind === "VaultStaticSecret" && d.spec.destination.name === "qdrant-snapshot-bucket");
        assert.deepEqual([synced.metadata.namespace, synced.spec.path], ["groundwork-data", "qdrant/bucket-key"]);
        assert.deepEqual(Object.keys(vaultSecretAt(dev, "qdrant/bucket-key")).sort(), ["accessKeyId", "secretAccessKey"]);
        const authn = (kubernetesDocuments(dev.resources) as any[]).find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name.startsWith("qdrant-http"));
        assert.ok(authn.spec.identityRefs.some((r: any) => r.name === "qdrant-snapshots" && r.namespace === "groundwork-data"), JSON.stringify(authn.spec));
        const grpc = (kubernetesDocuments(dev.resources) as any[]).find((d) => d.kind === "MeshTLSAuthentication" && d.metadata.name.startsWith("qdrant-grpc"));
        assert.equal((grpc?.spec.identityRefs ?? []).some((r: any) => r.name === "qdrant-snapshots"), false, "gRPC is not needed");
        // On AWS it writes to the locked bucket, whose key has no s3:DeleteObject.
        const policy = JSON.parse(String(named(cloud, "aws:iam/userPolicy:UserPolicy", "backups-qdrant").inputs.policy)).Statement[1];
        assert.deepEqual(policy.Action, ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]);
        assert.equal(cronJob(cloud).spec.jobTemplate.spec.template.spec.containers[0].env.find((e: any) => e.name === "BUCKET").value, "backups-offline");
    });
});
