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
function restoreEtcd(args: string[], opts: { k3sActive?: boolean; token?: boolean; env?: Record<string, string> } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-etcd-"));
    const bin = path.join(dir, "bin");
    const dataDir = path.join(dir, "k3s");
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(dataDir, "server"), { recursive: true });
    if (opts.token) fs.writeFileSync(path.join(dataDir, "server", "token"), "K10-token\n");
    fs.writeFileSync(path.join(bin, "k3s"), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/k3s-args"\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\nexit ${opts.k3sActive ? 0 : 3}\n`, { mode: 0o755 });
    const snapshot = path.join(dir, "etcd-snapshot-server-1-1764201600");
    fs.writeFileSync(snapshot, "bbolt");
    const result = spawnSync("/bin/sh", [RESTORE_ETCD, ...args.map((a) => a.replace("$SNAPSHOT", snapshot))], {
        env: { PATH: `${bin}:/usr/bin:/bin`, K3S_DATA_DIR: dataDir, ...opts.env },
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

    it("passes the server token when the server lost its own, and refuses without one", () => {
        const given = restoreEtcd(["$SNAPSHOT"], { env: { K3S_TOKEN: "K10-planted-token" } });
        assert.equal(given.status, 0, given.stderr);
        assert.equal(given.k3sArgs!.at(-1), "--token=K10-planted-token");
        const none = restoreEtcd(["$SNAPSHOT"]);
        assert.equal(none.status, 78);
        assert.match(none.stderr, /server\/token is gone: set K3S_TOKEN/);
        assert.equal(none.k3sArgs, undefined, "nothing ran");
    });

    it("refuses while k3s runs, a compressed snapshot, a bare name and a missing file, running nothing", () => {
        const cases: [string[], { k3sActive?: boolean }, number, RegExp][] = [
            [["$SNAPSHOT"], { k3sActive: true }, 75, /stop it on every server first/],
            [["$SNAPSHOT.zip"], {}, 65, /compressed, which k3s v1\.34\.9\+k3s1 cannot restore/],
            [["etcd-snapshot-server-1-1764201600"], {}, 64, /give the snapshot's full path/],
            [["/nonexistent/etcd-snapshot"], {}, 66, /no snapshot at \/nonexistent\/etcd-snapshot/],
            [[], {}, 64, /usage: restore-etcd\.sh/],
        ];
        for (const [args, opts, status, message] of cases) {
            const run = restoreEtcd(args, { ...opts, token: true });
            assert.equal(run.status, status, `${args.join(" ")}: ${run.stderr}`);
            assert.match(run.stderr, message);
            assert.equal(run.k3sArgs, undefined, `${args.join(" ")}: nothing ran`);
        }
    });
});
