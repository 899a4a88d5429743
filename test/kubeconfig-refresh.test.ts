import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kubeconfigRefreshWindow, readKubeconfigScript } from "../components/k3s/cluster-access";
import { serverCaHash } from "../components/k3s/server-ca";
import { committedPlan, named, serverCaCertInScript, serverInstallScriptOf } from "./helpers";

/** A self-signed certificate ending `days` from now, made by the real openssl the script calls. */
function certificate(dir: string, name: string, days: number): string {
    const file = path.join(dir, `${name}.crt`);
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(dir, `${name}.key`),
        "-out", file, "-days", String(days), "-subj", "/O=system:masters/CN=system:admin"], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    return file;
}

/**
 * Runs the kubeconfig read on a stand-in server: real openssl and a real certificate, `sudo`
 * running its arguments, and a `systemctl` whose restart does what k3s does at start within its
 * renewal window (a new 365-day admin certificate, k3s.yaml written again).
 */
const PINNED = "5e".repeat(32);
function readOnServer(adminDays: number, serverCaHash = PINNED) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const admin = path.join(dir, "client-admin.crt");
    fs.copyFileSync(certificate(dir, "old", adminDays), admin);
    const renewed = certificate(dir, "new", 365);
    const kubeconfig = path.join(dir, "k3s.yaml");
    const token = path.join(dir, "token");
    fs.writeFileSync(token, `K10${serverCaHash}::server:planted-server-password-31c\n`);
    fs.writeFileSync(kubeconfig, `users:\n- name: default\n  user:\n    client-certificate-data: ${adminDays}-day\n`);
    fs.writeFileSync(path.join(bin, "sudo"), "#!/bin/sh\nexec \"$@\"\n", { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/systemctl"
cp "${renewed}" "${admin}"
printf 'users:\\n- name: default\\n  user:\\n    client-certificate-data: 365-day\\n' > "${kubeconfig}"
`, { mode: 0o755 });
    const script = readKubeconfigScript(30, PINNED)
        .replace(/\/etc\/rancher\/k3s\/k3s\.yaml/g, kubeconfig)
        .replace(/\/var\/lib\/rancher\/k3s\/server\/token/g, token)
        .replace("/var/lib/rancher/k3s/server/tls/client-admin.crt", admin);
    const result = spawnSync("/bin/sh", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
    const restarts = fs.existsSync(path.join(dir, "systemctl")) ? fs.readFileSync(path.join(dir, "systemctl"), "utf8").trim().split("\n") : [];
    return { ...result, restarts };
}

describe("Pulumi's kubeconfig stays valid", () => {
    it("restarts k3s to renew an admin certificate within k3s's 120-day window, then reads the new kubeconfig", () => {
        const run = readOnServer(90);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.restarts, ["restart k3s"]);
        assert.match(run.stdout, /client-certificate-data: 365-day/);
        assert.match(run.stderr, /the admin certificate ends within 120 days: restarting k3s to renew it/);
    });

    it("reads a kubeconfig whose certificate has longer left without touching k3s", () => {
        const run = readOnServer(300);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.restarts, []);
        assert.match(run.stdout, /client-certificate-data: 300-day/);
    });

    it("refuses a cluster whose server CA is not the one joining nodes pin, naming the hash to set and never the token's password", () => {
        const theirs = "0c".repeat(32);
        const run = readOnServer(300, theirs);
        assert.equal(run.status, 1);
        assert.equal(run.stdout, "", "no kubeconfig is printed");
        assert.match(run.stderr, new RegExp(`the cluster's server CA \\(sha256 ${theirs}, as k3s writes it in \\S+\\) is not the ${PINNED} every joining node's token pins, so no new node can join: if the cluster was made before Groundwork made its server CA, set groundwork:cluster.serverCaHash to ${theirs}`));
        assert.doesNotMatch(run.stderr, /planted-server-password/);
    });

    it("passes the CA hash the stack pins to the read", async () => {
        const plan = await committedPlan("dev");
        const read = named(plan, "command:remote:Command", "k3s-kubeconfig");
        const cert = serverCaCertInScript(serverInstallScriptOf(plan, "server-1"))!;
        assert.match(String(read.inputs.create), new RegExp(`\npinned="${serverCaHash(cert)}"\n`));
    });

    it("reads it again each quarter, which is shorter than the renewal window", async () => {
        assert.equal(kubeconfigRefreshWindow(new Date("2026-11-27T20:00:00Z")), "2026-Q4");
        assert.equal(kubeconfigRefreshWindow(new Date("2027-01-01T00:00:00Z")), "2027-Q1");
        const read = named(await committedPlan("dev"), "command:remote:Command", "k3s-kubeconfig");
        assert.deepEqual(read.inputs.triggers, [kubeconfigRefreshWindow(new Date())]);
    });
});
