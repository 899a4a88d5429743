import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "./helpers";
import { shellcheck } from "./validators";

const RESTORE_ETCD = path.join(PROJECT_DIR, "runbooks", "restore-etcd.sh");

/**
 * Runs the runbook under /bin/sh with `k3s` and `systemctl` stand-ins on PATH that record their
 * arguments, so the test sees exactly what the runbook would run on a server.
 */
function restoreEtcd(args: string[], opts: { k3sActive?: boolean; token?: boolean; configToken?: string; env?: Record<string, string> } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-etcd-"));
    const bin = path.join(dir, "bin");
    const dataDir = path.join(dir, "k3s");
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(dataDir, "server"), { recursive: true });
    if (opts.token) fs.writeFileSync(path.join(dataDir, "server", "token"), "K10-token\n");
    const configFile = path.join(dir, "config.yaml");
    fs.writeFileSync(configFile, `node-name: server-1\n${opts.configToken ? `token: "${opts.configToken}"\n` : ""}cluster-init: true\n`);
    fs.writeFileSync(path.join(bin, "k3s"), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/k3s-args"\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\nexit ${opts.k3sActive ? 0 : 3}\n`, { mode: 0o755 });
    const snapshot = path.join(dir, "etcd-snapshot-server-1-1764201600");
    fs.writeFileSync(snapshot, "bbolt");
    const result = spawnSync("/bin/sh", [RESTORE_ETCD, ...args.map((a) => a.replace("$SNAPSHOT", snapshot))], {
        env: { PATH: `${bin}:/usr/bin:/bin`, K3S_DATA_DIR: dataDir, K3S_CONFIG_FILE: configFile, ...opts.env },
        encoding: "utf8",
    });
    const k3sArgs = fs.existsSync(path.join(dir, "k3s-args")) ? fs.readFileSync(path.join(dir, "k3s-args"), "utf8").trim().split("\n") : undefined;
    return { status: result.status, stderr: result.stderr, stdout: result.stdout, k3sArgs, snapshot, dataDir };
}

describe("restore runbooks", () => {
    it("restore-etcd.sh passes shellcheck", () => {
        const checked = shellcheck(fs.readFileSync(RESTORE_ETCD, "utf8"));
        assert.ok(checked.ok, checked.output);
    });

    it("resets the cluster from the snapshot file, S3 off, and says what the other servers must do", () => {
        const run = restoreEtcd(["$SNAPSHOT"], { token: true });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.k3sArgs, ["server", "--cluster-reset", `--cluster-reset-restore-path=${run.snapshot}`, "--etcd-s3=false"]);
        assert.match(run.stdout, new RegExp(`rm -rf ${run.dataDir}/server/db; systemctl start k3s`));
    });

    it("restores with the token of config.yaml, which every Groundwork server has, with no K3S_TOKEN", () => {
        const run = restoreEtcd(["$SNAPSHOT"], { configToken: "K10-config-token" });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.k3sArgs!.some((a) => a.startsWith("--token")), false);
    });

    it("passes K3S_TOKEN only when config.yaml agrees, as k3s restarts with config.yaml's token", () => {
        const given = restoreEtcd(["$SNAPSHOT"], { env: { K3S_TOKEN: "K10-planted-token" } });
        assert.equal(given.status, 0, given.stderr);
        assert.equal(given.k3sArgs!.at(-1), "--token=K10-planted-token");
        const differs = restoreEtcd(["$SNAPSHOT"], { configToken: "K10-config-token", env: { K3S_TOKEN: "K10-planted-token" } });
        assert.equal(differs.status, 78);
        assert.match(differs.stderr, /K3S_TOKEN differs from the token in .*config\.yaml: set token: to the snapshot's token there on every server first/);
        assert.doesNotMatch(differs.stderr, /K10-/, "no token is echoed");
        assert.equal(differs.k3sArgs, undefined, "nothing ran");
        const none = restoreEtcd(["$SNAPSHOT"]);
        assert.equal(none.status, 78);
        assert.match(none.stderr, /no token in .*config\.yaml nor .*server\/token: set K3S_TOKEN/);
        assert.equal(none.k3sArgs, undefined, "nothing ran");
    });

    it("has k3s download a named snapshot from the bucket, with the instance role or the given key", () => {
        const aws = restoreEtcd(["etcd-snapshot-aws-server-0-1764201600"], { token: true, env: { ETCD_S3_BUCKET: "unlocked-abc", ETCD_S3_REGION: "eu-west-1" } });
        assert.equal(aws.status, 0, aws.stderr);
        assert.deepEqual(aws.k3sArgs, ["server", "--cluster-reset", "--cluster-reset-restore-path=etcd-snapshot-aws-server-0-1764201600",
            "--etcd-s3", "--etcd-s3-bucket=unlocked-abc", "--etcd-s3-folder=etcd", "--etcd-s3-region=eu-west-1", "--etcd-s3-endpoint=s3.eu-west-1.amazonaws.com"]);
        const oci = restoreEtcd(["etcd-snapshot-server-1-1764201600"], { token: true, env: {
            ETCD_S3_BUCKET: "backups-dev", ETCD_S3_REGION: "eu-frankfurt-1", ETCD_S3_ENDPOINT: "ns.compat.objectstorage.eu-frankfurt-1.oraclecloud.com", ETCD_S3_PATH_STYLE: "1",
        } });
        assert.equal(oci.status, 0, oci.stderr);
        assert.deepEqual(oci.k3sArgs!.slice(-2), ["--etcd-s3-endpoint=ns.compat.objectstorage.eu-frankfurt-1.oraclecloud.com", "--etcd-s3-bucket-lookup-type=path"]);
        const pathGiven = restoreEtcd(["$SNAPSHOT"], { token: true, env: { ETCD_S3_BUCKET: "unlocked-abc" } });
        assert.equal(pathGiven.status, 64);
        assert.match(pathGiven.stderr, /give the snapshot's name in the bucket's etcd\/ folder/);
    });

    it("refuses while k3s runs, a compressed snapshot, a bare name and a missing file, running nothing", () => {
        const cases: [string[], { k3sActive?: boolean }, number, RegExp][] = [
            [["$SNAPSHOT"], { k3sActive: true }, 75, /stop it on every server first/],
            [["$SNAPSHOT.zip"], {}, 65, /compressed, which k3s v1\.34\.9\+k3s1 cannot restore/],
            [["etcd-snapshot-server-1-1764201600"], {}, 64, /give the snapshot's full path, not etcd-snapshot-server-1-1764201600, or set ETCD_S3_BUCKET/],
            [["/nonexistent/etcd-snapshot"], {}, 66, /no snapshot at \/nonexistent\/etcd-snapshot/],
            [[], {}, 64, /usage: \[ETCD_S3_BUCKET=<bucket> \.\.\.\] restore-etcd\.sh </],
        ];
        for (const [args, opts, status, message] of cases) {
            const run = restoreEtcd(args, { ...opts, token: true });
            assert.equal(run.status, status, `${args.join(" ")}: ${run.stderr}`);
            assert.match(run.stderr, message);
            assert.equal(run.k3sArgs, undefined, `${args.join(" ")}: nothing ran`);
        }
    });
});

const RESTORE_QDRANT = path.join(PROJECT_DIR, "runbooks", "restore-qdrant.sh");

/**
 * Runs restore-qdrant.sh against a stand-in `curl` that records each call and keeps a copy of
 * each uploaded file, with a full snapshot laid out as Qdrant v1.18.2 writes one.
 */
function restoreQdrant(opts: { key?: string; members?: "full" | "no-config"; collection?: string } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-qdrant-"));
    for (const d of ["bin", "archive", "uploads"]) fs.mkdirSync(path.join(dir, d));
    const config = { collections_mapping: { [opts.collection ?? "docs"]: "docs-811-2026-11-27-02-45-00.snapshot", faq: "faq-811-2026-11-27-02-45-01.snapshot" }, collections_aliases: { handbook: "docs" } };
    fs.writeFileSync(path.join(dir, "archive", "config.json"), JSON.stringify(config, null, 2));
    for (const [collection, file] of Object.entries(config.collections_mapping)) fs.writeFileSync(path.join(dir, "archive", file), `segments of ${collection}`);
    const snapshot = path.join(dir, "full-snapshot-2026-11-27-02-45-02.snapshot");
    const members = [...Object.values(config.collections_mapping), ...(opts.members === "no-config" ? [] : ["config.json"])];
    assert.equal(spawnSync("tar", ["-cf", snapshot, "-C", path.join(dir, "archive"), ...members]).status, 0);
    fs.writeFileSync(path.join(dir, "bin", "curl"), `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/calls"
for arg in "$@"; do
  case $arg in
    snapshot=@*) cp "\${arg#snapshot=@}" "${dir}/uploads/" ;;
    @*) cp "\${arg#@}" "${dir}/headers" ;;
  esac
done
`, { mode: 0o755 });
    const result = spawnSync("/bin/sh", [RESTORE_QDRANT, snapshot], {
        env: { PATH: `${dir}/bin:/usr/bin:/bin`, ...(opts.key !== undefined && { QDRANT_API_KEY: opts.key }), QDRANT_URL: "http://localhost:16333" },
        encoding: "utf8",
    });
    const calls = fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : [];
    return { ...result, calls, dir };
}

describe("restore-qdrant.sh", () => {
    it("passes shellcheck", () => {
        const checked = shellcheck(fs.readFileSync(RESTORE_QDRANT, "utf8"));
        assert.ok(checked.ok, checked.output);
    });

    it("uploads each collection's snapshot from the archive, then recreates the aliases, with the key only in a header file", () => {
        const key = "qdrant-planted-9c1e5b2d8f4a6c0e7f3a";
        const run = restoreQdrant({ key });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.calls.length, 3, run.calls.join("\n"));
        assert.match(run.calls[0], /-X POST -F snapshot=@\S+\/docs-811-2026-11-27-02-45-00\.snapshot http:\/\/localhost:16333\/collections\/docs\/snapshots\/upload\?priority=snapshot&wait=true$/);
        assert.match(run.calls[1], /collections\/faq\/snapshots\/upload\?priority=snapshot&wait=true$/);
        assert.match(run.calls[2], /--data \{"actions":\[\{"create_alias":\{"collection_name":"docs","alias_name":"handbook"\}\}\]\} http:\/\/localhost:16333\/collections\/aliases$/);
        assert.equal(fs.readFileSync(path.join(run.dir, "uploads", "docs-811-2026-11-27-02-45-00.snapshot"), "utf8"), "segments of docs", "the file inside the archive is what is uploaded");
        assert.equal(fs.readFileSync(path.join(run.dir, "headers"), "utf8"), `api-key: ${key}\n`);
        assert.equal(run.calls.some((c) => c.includes(key)) || run.stdout.includes(key) || run.stderr.includes(key), false, "the key is never on a command line or in the output");
    });

    it("refuses without the key, and an archive that is not a full snapshot, calling nothing", () => {
        const noKey = restoreQdrant();
        assert.equal(noKey.status, 78);
        assert.match(noKey.stderr, /set QDRANT_API_KEY to Qdrant's read-write key \(vault kv get -mount=groundwork -field=apiKey qdrant\/api\)/);
        const notFull = restoreQdrant({ key: "k", members: "no-config" });
        assert.equal(notFull.status, 65);
        assert.match(notFull.stderr, /is not a Qdrant full snapshot: it has no config\.json/);
        assert.deepEqual([noKey.calls, notFull.calls], [[], []]);
        // Qdrant allows a space in a name; the script's parsing and URLs do not, and say so.
        const spaced = restoreQdrant({ key: "k", collection: "team docs" });
        assert.equal(spaced.status, 65);
        assert.match(spaced.stderr, /holds a collection whose name has a space, &, % or #/);
        assert.deepEqual(spaced.calls, []);
    });
});

const RESTORE_CLICKHOUSE = path.join(PROJECT_DIR, "runbooks", "restore-clickhouse.sh");

/**
 * Runs restore-clickhouse.sh with a stand-in kubectl that records each call and answers the SQL
 * it would run in the ClickHouse pod: the rows present, then the restore's status.
 */
function restoreClickhouse(args: string[], opts: { rows?: string; status?: string } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-clickhouse-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "kubectl"), `#!/bin/sh
for last; do :; done
printf '%s\\n' "$*" >> "${dir}/calls"
case "$*" in
  *" get deployment langfuse-web "*) echo 2 ;;
  *" get deployment langfuse-worker "*) echo 1 ;;
  *" exec "*)
    case $last in
      *"sum(total_rows)"*) echo "${opts.rows ?? "0"}" ;;
      *"SELECT status"*) echo "${opts.status ?? "RESTORED"}" ;;
      *"SELECT error"*) echo "Code: 598. BACKUP_NOT_FOUND" ;;
    esac ;;
esac
`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "bin", "sleep"), "#!/bin/sh\n", { mode: 0o755 });
    const result = spawnSync("/bin/sh", [RESTORE_CLICKHOUSE, ...args], { env: { PATH: `${dir}/bin:/usr/bin:/bin` }, encoding: "utf8" });
    const calls = fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : [];
    const queries = calls.filter((c) => c.includes(" exec ")).map((c) => c.replace(/^.*CLICKHOUSE_ADMIN_PASSWORD" --query "\$0" /, ""));
    return { ...result, calls, queries, scales: calls.filter((c) => c.includes(" scale ")) };
}

describe("restore-clickhouse.sh", () => {
    it("passes shellcheck", () => {
        const checked = shellcheck(fs.readFileSync(RESTORE_CLICKHOUSE, "utf8"));
        assert.ok(checked.ok, checked.output);
    });

    it("stops Langfuse, empties the database, restores the named backup through the server's collection, and starts Langfuse as it was", () => {
        const run = restoreClickhouse(["clickhouse/20261127T033000Z/"]);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.queries, [
            "SELECT sum(total_rows) FROM system.tables WHERE database = 'default' AND name != 'schema_migrations'",
            "DROP DATABASE IF EXISTS default SYNC",
            "CREATE DATABASE default",
            "RESTORE DATABASE default FROM S3(groundwork_backups, '20261127T033000Z/') SETTINGS id = 'restore-20261127T033000Z' ASYNC",
            "SELECT status FROM system.backups WHERE id = 'restore-20261127T033000Z'",
        ]);
        assert.deepEqual(run.scales, [
            "-n langfuse scale deployment langfuse-web langfuse-worker --replicas=0",
            "-n langfuse scale deployment langfuse-web --replicas=2",
            "-n langfuse scale deployment langfuse-worker --replicas=1",
        ]);
        assert.ok(run.calls.indexOf(run.scales[0]) < run.calls.findIndex((c) => c.includes("DROP DATABASE")), "Langfuse stops before the database goes");
    });

    it("refuses to drop traces without --replace, and drops them with it", () => {
        const refused = restoreClickhouse(["20261127T033000Z"], { rows: "1834" });
        assert.equal(refused.status, 73);
        assert.match(refused.stderr, /ClickHouse already holds 1834 rows of traces: run again with --replace/);
        assert.deepEqual(refused.scales, [], "nothing stopped");
        const replaced = restoreClickhouse(["20261127T033000Z", "--replace"], { rows: "1834" });
        assert.equal(replaced.status, 0, replaced.stderr);
        assert.ok(replaced.queries.includes("DROP DATABASE IF EXISTS default SYNC"));
    });

    it("leaves Langfuse stopped and says why when the restore fails, and refuses a folder that is not a backup's time", () => {
        const failed = restoreClickhouse(["20261127T033000Z"], { status: "RESTORE_FAILED" });
        assert.equal(failed.status, 70);
        assert.match(failed.stderr, /restore restore-20261127T033000Z is RESTORE_FAILED: Code: 598\. BACKUP_NOT_FOUND; Langfuse stays stopped/);
        assert.deepEqual(failed.scales, ["-n langfuse scale deployment langfuse-web langfuse-worker --replicas=0"]);
        const bad = restoreClickhouse(["yesterday"]);
        assert.equal(bad.status, 64);
        assert.match(bad.stderr, /yesterday is not a backup's time: give the folder under clickhouse\/ in the bucket, such as 20261127T033000Z/);
        assert.deepEqual(bad.calls, []);
    });
});

const RESTORE_VAULT = path.join(PROJECT_DIR, "runbooks", "restore-vault.sh");

/** Runs restore-vault.sh with a stand-in kubectl that records its arguments and what reached its stdin. */
function restoreVault(opts: { token?: string; sealed?: boolean; file?: string } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-vault-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "kubectl"), `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/calls"
case "$*" in
  *"vault status -format=json"*) printf '{\\n  "type": "shamir",\\n  "initialized": true,\\n  "sealed": ${opts.sealed ?? false}\\n}\\n' ;;
  *" exec -i "*) cat >> "${dir}/stdin" ;;
esac
`, { mode: 0o755 });
    const snapshot = path.join(dir, opts.file ?? "raft-20261127T021500Z.snap");
    fs.writeFileSync(snapshot, "raft");
    const result = spawnSync("/bin/sh", [RESTORE_VAULT, snapshot], { env: { PATH: `${dir}/bin:/usr/bin:/bin`, ...(opts.token && { VAULT_TOKEN: opts.token }) }, encoding: "utf8" });
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");
    return { ...result, calls: read("calls").trim().split("\n").filter(Boolean), stdin: read("stdin"), snapshot };
}

describe("restore-vault.sh", () => {
    it("passes shellcheck", () => {
        const checked = shellcheck(fs.readFileSync(RESTORE_VAULT, "utf8"));
        assert.ok(checked.ok, checked.output);
    });

    it("copies the snapshot into an unsealed Vault and force-restores it, the token only on stdin", () => {
        const token = "hvs.planted-7c2e9a4f1b3d5e6a";
        const run = restoreVault({ token });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.calls.slice(0, 2), ["-n vault exec vault-0 -c vault -- vault status -format=json", `-n vault cp ${run.snapshot} vault-0:/tmp/restore.snap -c vault`]);
        assert.match(run.calls[2], /^-n vault exec -i vault-0 -c vault -- sh -c VAULT_TOKEN=\$\(cat\) vault operator raft snapshot restore -force \/tmp\/restore\.snap/);
        assert.equal(run.stdin, token);
        assert.equal(run.calls.some((c) => c.includes(token)) || run.stdout.includes(token) || run.stderr.includes(token), false);
    });

    it("refuses a sealed Vault, a missing token and a file that is not a Raft snapshot, restoring nothing", () => {
        const sealed = restoreVault({ token: "t", sealed: true });
        assert.equal(sealed.status, 75);
        assert.match(sealed.stderr, /vault-0 is sealed: a restore needs an unsealed Vault/);
        const noToken = restoreVault();
        assert.equal(noToken.status, 78);
        assert.match(noToken.stderr, /set VAULT_TOKEN/);
        const wrong = restoreVault({ token: "t", file: "postgres.tar" });
        assert.equal(wrong.status, 64);
        for (const run of [sealed, noToken, wrong]) assert.equal(run.calls.some((c) => c.includes("restore -force")), false);
    });
});
