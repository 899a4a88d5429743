import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { k3sInstallScript } from "../components/k3s/bootstrap";
import { skewGuardScript } from "../components/k3s/upgrades";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { committedPlan, named, problems, stackValues } from "./helpers";
import { shellcheck, upstreamCrd } from "./validators";

/** Runs the server Plan's skew guard with a stand-in `k3s kubectl` reporting the node's kubelet version. */
function guard(current: string, target: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skew-"));
    fs.writeFileSync(path.join(dir, "k3s"), `#!/bin/sh\necho "${current}"\n`, { mode: 0o755 });
    const script = skewGuardScript().replace("/opt/k3s kubectl", `${dir}/k3s kubectl`);
    return spawnSync("/bin/sh", ["-c", script], { env: { PATH: "/usr/bin:/bin", SYSTEM_UPGRADE_NODE_NAME: "server-1", SYSTEM_UPGRADE_PLAN_LATEST_VERSION: target }, encoding: "utf8" });
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
        assert.equal(pod.containers[0].image, "docker.io/rancher/system-upgrade-controller:v0.20.1");
        assert.deepEqual(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0], { key: "node-role.kubernetes.io/control-plane", operator: "Exists" });
        assert.equal(pod.volumes.some((v: any) => v.hostPath), false, "no host mounts for the controller itself");
        const env = docs().find((d) => d.kind === "ConfigMap" && d.metadata.name === "default-controller-env");
        assert.equal(env.data.SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE, "docker.io/rancher/kubectl:v1.34.9");
        assert.match(controller.spec.template.metadata.annotations["groundwork.dev/settings-sha256"], /^[0-9a-f]{64}$/);
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
});
