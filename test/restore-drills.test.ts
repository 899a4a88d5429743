import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR, parse, stackValues } from "./helpers";
import { shellcheck } from "./validators";

const DRILLS = path.join(PROJECT_DIR, "test", "drills");

/** Debian's PostgreSQL server binaries (`apt-get install postgresql`), the newest major installed. */
function postgresBinDir(): string {
    const root = "/usr/lib/postgresql";
    const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a)) : [];
    if (majors.length === 0) throw new Error(`no PostgreSQL server under ${root}; .ci/run installs it: apt-get install postgresql`);
    return path.join(root, majors[0], "bin");
}

/** Runs a drill under /bin/sh in its own work directory; resolves with what it printed. */
function drill(script: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "drill-"));
    return new Promise((resolve) => {
        const child = spawn("/bin/sh", [path.join(DRILLS, script), ...args.map((a) => a.replace("$WORK", work))]);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (status) => {
            fs.rmSync(work, { recursive: true, force: true });
            resolve({ status, stdout, stderr });
        });
    });
}

// Started when mocha loads this file, so the drills run beside the test files before it.
const postgres = Promise.resolve().then(() => drill("postgres-pitr.sh", [postgresBinDir(), "$WORK", "before"]));
const etcd = drill("etcd-restore.sh", ["$WORK"]);
postgres.catch(() => undefined);

describe("restore drills with real binaries", function () {
    it("the drills pass shellcheck", () => {
        for (const script of fs.readdirSync(DRILLS)) {
            const checked = shellcheck(fs.readFileSync(path.join(DRILLS, script), "utf8"));
            assert.ok(checked.ok, `${script}: ${checked.output}`);
        }
    });

    it("PostgreSQL recovers a base backup and its WAL up to a moment given as platform.postgres.restore.targetTime takes it", async () => {
        const run = await postgres;
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout.trim(), "before", "the row written before the target is back; the one after it is not");
        const moment = /moment (\S+)/.exec(run.stderr)![1];
        const values = stackValues("dev");
        values.platform = { postgres: { backup: { serverName: "postgres-2" }, restore: { targetTime: moment } } };
        assert.equal(parse(values).platform.postgres.restore!.targetTime, moment, "the drill's moment is a valid targetTime");
    });

    it("etcd restores a snapshot as a new single-member cluster holding what the snapshot held", async () => {
        const run = await etcd;
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.stdout.trim().split("\n"), ["/registry/namespaces/before", "1"]);
    });
});
