import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { k3sInstallScript, k3sRemoteInstall, UNATTENDED_UPGRADES_CONF } from "../components/k3s/bootstrap";
import { skewGuardScript, upgradeWithRollbackScript } from "../components/k3s/upgrades";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { committedPlan, named, ociUserDataOf, parse, problems, stackValues } from "./helpers";
import * as YAML from "yaml";
import { shellcheck, upstreamCrd } from "./validators";

/** Runs the server Plan's skew guard with a stand-in `k3s kubectl` reporting the node's kubelet version. */
function guard(current: string, target: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skew-"));
    fs.writeFileSync(path.join(dir, "k3s"), `#!/bin/sh\necho "${current}"\n`, { mode: 0o755 });
    const script = skewGuardScript().replace("/opt/k3s kubectl", `${dir}/k3s kubectl`);
    return spawnSync("/bin/sh", ["-c", script], { env: { PATH: "/usr/bin:/bin", SYSTEM_UPGRADE_NODE_NAME: "server-1", SYSTEM_UPGRADE_PLAN_LATEST_VERSION: target }, encoding: "utf8" });
}

/**
 * Runs the upgrade step on a stand-in node: a k3s binary that prints its version, k3s-upgrade's
 * script replaced by one that swaps in the new binary, a `k3s kubectl` answering with the node's
 * state, and `ps`/`kill` that find and record the k3s process.
 */
function upgradeOnNode(opts: { plan: string; from: string; to: string; comesBack: boolean; lookAlike?: "in-a-pod" | "on-the-host"; binary?: string; serverHost?: boolean }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upgrade-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(dir, "host/usr/local/bin"), { recursive: true });
    if (opts.serverHost) fs.mkdirSync(path.join(dir, "host/var/lib/rancher/k3s/server"), { recursive: true });
    const k3s = (version: string) => `#!/bin/sh\necho "k3s version ${version} (abc)"\n`;
    fs.writeFileSync(path.join(dir, "host/usr/local/bin/k3s"), k3s(opts.from), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "upgrade.sh"), `#!/bin/sh\nprintf '${k3s(opts.to).replace(/\n/g, "\\n")}' > "${dir}/host/usr/local/bin/k3s"\n`, { mode: 0o755 });
    const reported = opts.comesBack ? `${opts.to} True` : `${opts.from} False`;
    fs.writeFileSync(path.join(dir, "opt-k3s"), `#!/bin/sh\necho "${reported}"\n`, { mode: 0o755 });
    // k3s (812) in the host's PID namespace; a look-alike with a lower pid, in a pod's namespace or the host's.
    const processes = [...(opts.lookAlike ? ["  77 /var/lib/kubelet/pods/u/volumes/x/k3s server"] : []), `  812 ${opts.binary ?? "/usr/local/bin/k3s"} agent`];
    fs.writeFileSync(path.join(bin, "ps"), `#!/bin/sh\nprintf '%s\\n' ${processes.map((p) => `'${p}'`).join(" ")}\n`, { mode: 0o755 });
    const inNamespace = (pid: number, ns: string) => {
        fs.mkdirSync(path.join(dir, `host/proc/${pid}/ns`), { recursive: true });
        fs.symlinkSync(ns, path.join(dir, `host/proc/${pid}/ns/pid`));
    };
    inNamespace(1, "pid:[4026531836]");
    inNamespace(812, "pid:[4026531836]");
    if (opts.lookAlike) inNamespace(77, opts.lookAlike === "in-a-pod" ? "pid:[4026532901]" : "pid:[4026531836]");
    fs.writeFileSync(path.join(dir, "host/proc/812/cmdline"), `${opts.binary ?? "/usr/local/bin/k3s"}\0agent\0`);
    fs.writeFileSync(path.join(bin, "kill"), `#!/bin/sh\necho "$*" >> "${dir}/killed"\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "sleep"), "#!/bin/sh\n", { mode: 0o755 });
    // The deadline passes after one look at the node: \`date\` jumps an hour from its third call.
    fs.writeFileSync(path.join(bin, "date"), `#!/bin/sh\necho x >> "${dir}/dated"\nif [ "$(wc -l < "${dir}/dated")" -gt 2 ]; then echo 1795812000; else echo 1795808400; fi\n`, { mode: 0o755 });
    const script = upgradeWithRollbackScript()
        .replace(/\/host\//g, `${dir}/host/`).replace(/"\/host\$\(/, `"${dir}/host$(`).replace("/bin/upgrade.sh", `${dir}/upgrade.sh`).replace("/opt/k3s kubectl", `${dir}/opt-k3s kubectl`)
        .replace("kill -TERM", `${bin}/kill -TERM`);
    const run = spawnSync("/bin/sh", ["-c", script], {
        env: { PATH: `${bin}:/usr/bin:/bin`, SYSTEM_UPGRADE_NODE_NAME: "edge-1", SYSTEM_UPGRADE_PLAN_NAME: opts.plan, SYSTEM_UPGRADE_PLAN_LATEST_VERSION: opts.to.replace("+", "-"), ROLLBACK: "agents-and-patches" },
        encoding: "utf8",
    });
    const installed = fs.readFileSync(path.join(dir, "host/usr/local/bin/k3s"), "utf8");
    const killed = fs.existsSync(path.join(dir, "killed")) ? fs.readFileSync(path.join(dir, "killed"), "utf8").trim() : "";
    return { ...run, installed, killed, previousKept: fs.existsSync(path.join(dir, "host/usr/local/bin/k3s.groundwork-previous")) };
}

describe("k3s upgrades", () => {
    let dev: PlanResult;
    before(async () => {
        dev = await committedPlan("dev");
    });
    const docs = () => kubernetesDocuments(dev.resources) as any[];

    it("upgrades servers, then agents, one drained node at a time, every node whatever its taints", () => {
        const plans = docs().filter((d) => d.kind === "Plan").sort((a, b) => b.metadata.name.localeCompare(a.metadata.name));
        assert.deepEqual(plans.map((p) => p.metadata.name), ["k3s-server", "k3s-agent"]);
        for (const plan of plans) {
            const valid = upstreamCrd(plan);
            assert.ok(valid.ok, `${plan.metadata.name}: ${valid.output}`);
            assert.deepEqual([plan.metadata.namespace, plan.spec.version, plan.spec.concurrency, plan.spec.serviceAccountName, plan.spec.upgrade.image],
                ["system-upgrade", "v1.34.9+k3s1", 1, "system-upgrade", "rancher/k3s-upgrade"]);
            assert.deepEqual(plan.spec.tolerations, [{ operator: "Exists" }]);
            // A string timeout: an integer would be nanoseconds (job.go L379-387). Deletion, not eviction: one Postgres instance's PDB would block it.
            assert.deepEqual(plan.spec.drain, { force: true, ignoreDaemonSets: true, deleteEmptydirData: true, disableEviction: true, timeout: "15m", skipWaitForDeleteTimeout: 60 });
            assert.deepEqual(plan.spec.window, { days: ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"], startTime: "04:00", endTime: "06:00", timeZone: "Etc/UTC" });
            assert.equal(plan.metadata.annotations["linkerd.io/inject"], "disabled");
        }
        const [server, agent] = plans;
        assert.deepEqual(server.spec.nodeSelector.matchExpressions, [{ key: "node-role.kubernetes.io/control-plane", operator: "In", values: ["true"] }]);
        assert.deepEqual(server.spec.prepare.command.slice(0, 2), ["/bin/sh", "-c"]);
        assert.deepEqual(agent.spec.nodeSelector.matchExpressions, [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }]);
        assert.deepEqual(agent.spec.prepare, { image: "rancher/k3s-upgrade", args: ["prepare", "k3s-server"] }, "agents wait for every server");
        assert.equal(agent.spec.jobActiveDeadlineSecs, 16200, "long enough to wait for five servers and then upgrade");
        assert.equal(server.spec.jobActiveDeadlineSecs, undefined, "servers take the controller's 45 minutes");
        const crd = named(dev, "kubernetes:yaml/v2:ConfigFile", "k3s-upgrades-crd");
        assert.equal(crd.inputs.file, "https://github.com/rancher/system-upgrade-controller/releases/download/v0.20.1/crd.yaml");
        for (const plan of dev.resources.filter((r) => r.type === "kubernetes:upgrade.cattle.io/v1:Plan")) {
            assert.ok(plan.dependencies.includes(crd.urn), "the CRD is applied before the Plans");
        }
    });

    it("runs the pinned controller on a server, out of the mesh, with kubectl at the cluster's minor", () => {
        const ns = docs().find((d) => d.kind === "Namespace" && d.metadata.name === "system-upgrade");
        assert.deepEqual([ns.metadata.labels["pod-security.kubernetes.io/enforce"], ns.metadata.labels["config.linkerd.io/admission-webhooks"]], ["privileged", "disabled"]);
        const controller = docs().find((d) => d.kind === "Deployment" && d.metadata.name === "system-upgrade-controller");
        const pod = controller.spec.template.spec;
        assert.equal(pod.containers[0].image, "docker.io/rancher/system-upgrade-controller:v0.20.1@sha256:aaf4dbf640579a6abfa6390aab927ee664f06814e33c371e69df9dd451ca153a");
        assert.deepEqual(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0], { key: "node-role.kubernetes.io/control-plane", operator: "Exists" });
        assert.equal(pod.volumes.some((v: any) => v.hostPath), false, "no host mounts for the controller itself");
        const env = docs().find((d) => d.kind === "ConfigMap" && d.metadata.name === "default-controller-env");
        assert.equal(env.data.SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE, "docker.io/rancher/kubectl:v1.34.9");
        assert.match(controller.spec.template.metadata.annotations["groundwork.dev/settings-sha256"], /^[0-9a-f]{64}$/);
        // Its Plans it only reads, and writes their status (security review s24b F3).
        const role = docs().find((d) => d.kind === "ClusterRole" && d.metadata.name === "system-upgrade-controller");
        assert.deepEqual(role.rules.filter((r: any) => r.apiGroups.includes("upgrade.cattle.io")), [
            { apiGroups: ["upgrade.cattle.io"], resources: ["plans"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["upgrade.cattle.io"], resources: ["plans/status"], verbs: ["get", "update", "patch"] },
        ]);
        for (const kind of ["ClusterRoleBinding", "RoleBinding"]) {
            for (const binding of docs().filter((d) => d.kind === kind && /^system-upgrade/.test(d.metadata.name))) {
                assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "system-upgrade", namespace: "system-upgrade" }]);
            }
        }
    });

    it("refuses, before draining, a downgrade or a skipped minor; allows a patch or the next minor", () => {
        const patch = guard("v1.34.9+k3s1", "v1.34.12-k3s1");
        assert.equal(patch.status, 0, patch.stderr);
        assert.equal(guard("v1.34.9+k3s1", "v1.35.2-k3s1").status, 0);
        const skip = guard("v1.34.9+k3s1", "v1.36.1-k3s1");
        assert.equal(skip.status, 1);
        assert.match(skip.stderr, /v1\.34\.9\+k3s1 to v1\.36\.1-k3s1 skips a minor version, which Kubernetes does not support; upgrade to v1\.35 first/);
        const down = guard("v1.35.2+k3s1", "v1.34.9-k3s1");
        assert.match(down.stderr, /v1\.34\.9-k3s1 is older than v1\.35\.2\+k3s1 on server-1; k3s cannot downgrade in place/);
        assert.equal(guard("v1.34.9+k3s1", "v1.34.8-k3s1").status, 1, "a patch downgrade too");
        assert.equal(guard("v1.34.9+k3s2", "v1.34.9-k3s1").status, 1, "and a k3s revision downgrade");
        assert.equal(guard("v1.34.9+k3s1", "v1.34.9-k3s2").status, 0);
        assert.match(guard("", "v1.34.9-k3s1").stderr, /cannot read the versions/);
        const checked = shellcheck(skewGuardScript());
        assert.ok(checked.ok, checked.output);
    });

    it("leaves a node at another version to the upgrade Plans instead of reinstalling it in place", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "install-"));
        fs.writeFileSync(path.join(dir, "k3s"), "#!/bin/sh\necho 'k3s version v1.34.8+k3s1 (3f2a9c1e)'\n", { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "systemctl"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${dir}/systemctl-calls"\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "curl"), `#!/bin/sh\necho curl >> "${dir}/curl-calls"\nexit 1\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "k3s.service"), "");
        const script = k3sInstallScript({ version: "v1.34.9+k3s1", role: "server" }).replace(/\/etc\/systemd\/system\/\$\{K3S_SERVICE\}\.service/g, `${dir}/k3s.service`);
        const run = spawnSync("/bin/sh", ["-c", script], { env: { PATH: `${dir}:/usr/bin:/bin`, GROUNDWORK_CONFIG_CHANGED: "1" }, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /k3s v1\.34\.8\+k3s1 is installed; the upgrade Plans take it to v1\.34\.9\+k3s1/);
        assert.equal(fs.existsSync(path.join(dir, "curl-calls")), false, "the installer is not fetched");
        assert.match(fs.readFileSync(path.join(dir, "systemctl-calls"), "utf8"), /restart k3s/, "a changed config still restarts it");
    });

    it("refuses a k3s version whose minor kubectl for the drains does not support", () => {
        const values = stackValues("dev");
        values.cluster = { ...values.cluster, k3sVersion: "v1.36.1+k3s1" };
        const found = problems(values);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /^groundwork:cluster\.k3sVersion = "v1\.36\.1\+k3s1": has no pinned checksum of its installer.*; is 2 minor versions from kubectl v1\.34\.9, which drains nodes for the upgrade Plans and is supported only within one minor of the API server; use v1\.33 to v1\.35/);
    });

    it("rejects an impossible upgrade window by key", () => {
        const values = stackValues("dev");
        values.cluster = { ...values.cluster, upgrades: { window: { days: ["someday"], startTime: "25:00", endTime: "06:00", timeZone: "Mars/Olympus" } } };
        const found = problems(values);
        assert.equal(found.length, 3, found.join("\n"));
        assert.match(found[0], /^groundwork:cluster\.upgrades\.window\.days\[0\] = "someday": must be one of: "sunday"/);
        assert.match(found[1], /^groundwork:cluster\.upgrades\.window\.startTime = "25:00": must be a 24-hour time such as 04:00/);
        assert.match(found[2], /^groundwork:cluster\.upgrades\.window\.timeZone = "Mars\/Olympus": is not an IANA time zone/);
        const empty = stackValues("dev");
        empty.cluster = { ...empty.cluster, upgrades: { window: { startTime: "04:00", endTime: "04:00" } } };
        assert.deepEqual(problems(empty), ["groundwork:cluster.upgrades.window.endTime = \"04:00\": starts and ends at the same time; give it a length"]);
    });

    it("installs security updates daily and leaves reboots to kured, one drained node at a time in its own window", () => {
        const userData = YAML.parse(ociUserDataOf(named(dev, "oci:Core/instance:Instance", "agent-1")));
        assert.deepEqual([userData.packages, userData.apt.conf, userData.package_reboot_if_required], [["unattended-upgrades"], UNATTENDED_UPGRADES_CONF, undefined]);
        assert.match(UNATTENDED_UPGRADES_CONF, /Unattended-Upgrade::Automatic-Reboot "false";/);
        const edge = k3sRemoteInstall({ version: "v1.34.9+k3s1", role: "agent", nodeName: "edge-1", token: "t", labels: {}, taints: [] });
        assert.match(edge, /cat > \/etc\/apt\/apt\.conf\.d\/52groundwork-unattended-upgrades <<'GROUNDWORK_APT'\nAPT::Periodic::Update-Package-Lists "1";/);
        const kured = (kubernetesDocuments(dev.resources) as any[]).find((d) => d.kind === "HelmRelease" && d.spec.chart === "kured");
        assert.deepEqual([kured.metadata.namespace, kured.spec.version, kured.spec.repo], ["kured", "6.1.0", "https://kubereboot.github.io/charts/"]);
        const c = kured.spec.values.configuration;
        assert.deepEqual([c.rebootDays, c.startTime, c.endTime, c.timeZone, c.concurrency, c.rebootMethod, c.drainTimeout, c.forceReboot],
            [["su", "mo", "tu", "we", "th", "fr", "sa"], "07:00", "08:00", "Etc/UTC", 1, "signal", "10m", true]);
        assert.equal(c.period, "10m", "several nodes fit in one window");
        assert.deepEqual(kured.spec.values.containerSecurityContext, { privileged: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ["KILL"], drop: ["ALL"] } });
        assert.deepEqual(kured.spec.values.tolerations, [{ operator: "Exists" }]);
        const ns = (kubernetesDocuments(dev.resources) as any[]).find((d) => d.kind === "Namespace" && d.metadata.name === "kured");
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
    });

    it("refuses a reboot window that overlaps the upgrade window, crossing midnight included", () => {
        const values = stackValues("dev");
        values.cluster = { ...values.cluster, upgrades: { window: { startTime: "23:00", endTime: "01:00" }, reboots: { startTime: "00:30", endTime: "02:00" } } };
        assert.deepEqual(problems(values), ["groundwork:cluster.upgrades.reboots = {\"startTime\":\"00:30\",\"endTime\":\"02:00\"}: overlaps the upgrade window (upgrades 23:00-01:00 Etc/UTC, with the 45 minutes an upgrade started at its end may run; reboots 00:30-02:00 Etc/UTC): kured and the upgrade Plans do not wait for each other, so two servers could restart at once; move one window"]);
        // Its end minute is inside (kured's timewindow), and an upgrade Job started then runs up to 45 minutes more.
        const backToBack = stackValues("dev");
        backToBack.cluster = { ...backToBack.cluster, upgrades: { window: { startTime: "23:00", endTime: "01:00" }, reboots: { startTime: "01:00", endTime: "02:00" } } };
        assert.equal(problems(backToBack).length, 1);
        const after = stackValues("dev");
        after.cluster = { ...after.cluster, upgrades: { window: { startTime: "23:00", endTime: "01:00" }, reboots: { startTime: "01:46", endTime: "02:10" } } };
        assert.equal(parse(after).cluster.upgrades.reboots.startTime, "01:46");
    });

    it("rolls a node back to its old k3s when it does not come back Ready at the new version", () => {
        const ok = upgradeOnNode({ plan: "k3s-agent", from: "v1.34.9+k3s1", to: "v1.35.2+k3s1", comesBack: true });
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.installed, /v1\.35\.2\+k3s1/);
        assert.deepEqual([ok.killed, ok.previousKept], ["", false]);
        const failed = upgradeOnNode({ plan: "k3s-agent", from: "v1.34.9+k3s1", to: "v1.35.2+k3s1", comesBack: false });
        assert.equal(failed.status, 1);
        assert.match(failed.installed, /v1\.34\.9\+k3s1/, "the old binary is back");
        assert.equal(failed.killed, "-TERM 812", "and k3s restarts with it");
        assert.match(failed.stderr, /upgrade failed: edge-1 is not Ready at v1\.35\.2-k3s1 after 600s \(it reports: v1\.34\.9\+k3s1 False\)/);
        // A server within its minor is rolled back; across a minor it is not (the datastore may have moved on).
        const patch = upgradeOnNode({ plan: "k3s-server", from: "v1.34.9+k3s1", to: "v1.34.12+k3s1", comesBack: false });
        assert.match(patch.installed, /v1\.34\.9\+k3s1/);
        const minor = upgradeOnNode({ plan: "k3s-server", from: "v1.34.9+k3s1", to: "v1.35.2+k3s1", comesBack: false });
        assert.equal(minor.status, 1);
        assert.match(minor.installed, /v1\.35\.2\+k3s1/);
        assert.match(minor.stderr, /not rolled back: a server that moved to a new minor version may have migrated the datastore/);
        // A server by its datastore, whatever the Plan's name says (security review s24b F3).
        const agentPlanOnServer = upgradeOnNode({ plan: "k3s-agent", from: "v1.34.9+k3s1", to: "v1.35.2+k3s1", comesBack: false, serverHost: true });
        assert.match(agentPlanOnServer.stderr, /not rolled back: a server that moved to a new minor version/);
        assert.match(agentPlanOnServer.installed, /v1\.35\.2\+k3s1/);
        const checked = shellcheck(upgradeWithRollbackScript());
        assert.ok(checked.ok, checked.output);
    });

    it("takes only the host's own k3s process for k3s, and runs no binary but where install.sh puts it (review s24 R2)", () => {
        // A pod's process that calls itself `k3s server`, with a lower pid, is in a PID namespace of its own.
        const podLookAlike = upgradeOnNode({ plan: "k3s-agent", from: "v1.34.9+k3s1", to: "v1.35.2+k3s1", comesBack: true, lookAlike: "in-a-pod" });
        assert.equal(podLookAlike.status, 0, podLookAlike.stderr);
        assert.match(podLookAlike.installed, /v1\.35\.2\+k3s1/);
        // Two in the host's namespace: which is k3s cannot be told, so nothing is touched.
        const two = upgradeOnNode({ plan: "k3s-agent", from: "v1.34.9+k3s1", to: "v1.35.2+k3s1", comesBack: true, lookAlike: "on-the-host" });
        assert.equal(two.status, 1);
        assert.match(two.stderr, /upgrade refused: expected one k3s process in the host's PID namespace on edge-1, found: 77\n?812/);
        assert.match(two.installed, /v1\.34\.9\+k3s1/, "nothing replaced");
        const elsewhere = upgradeOnNode({ plan: "k3s-agent", from: "v1.34.9+k3s1", to: "v1.35.2+k3s1", comesBack: true, binary: "/tmp/k3s" });
        assert.equal(elsewhere.status, 1);
        assert.match(elsewhere.stderr, /upgrade refused: k3s on edge-1 runs from .*\/tmp\/k3s, not \/usr\/local\/bin\/k3s or \/opt\/bin\/k3s, where install\.sh puts it/);
    });
});
