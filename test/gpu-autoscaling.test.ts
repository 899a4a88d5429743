import { strict as assert } from "assert";
import * as YAML from "yaml";
import { CLUSTER_AUTOSCALER_CHART } from "../components/aws/cluster-autoscaler";
import { AWS_INSTANCE_IDENTITY_DROP_IN } from "../components/k3s/bootstrap";
import { PlanResult } from "../plan/run";
import { named, ofType, parse, planValues, problems, stackValues, committedPlan } from "./helpers";
import { cloudInitSchema, scriptsIn, shellcheck } from "./validators";
import { DaemonSet } from "kubernetes-models/apps/v1";
import { devicePluginWithoutApiToken } from "../components/gpu/nvidia-gpu-support";
import { nvidiaDevicePluginModel } from "../components/rendered/autoscaling";

const GROUP = "gpu-l4-spot";
const decode64 = (text: unknown) => Buffer.from(String(text), "base64").toString("utf8");

describe("GPU node groups the cluster autoscaler sizes (cloud stack)", function () {
    let plan: PlanResult;
    before(async () => {
        plan = await committedPlan("cloud");
    });

    it("launches from a template with IMDSv2 at hop limit 1, an encrypted gp3 root and capped one-time spot", () => {
        const template = named(plan, "aws:ec2/launchTemplate:LaunchTemplate", GROUP);
        assert.deepEqual(template.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        assert.deepEqual(template.inputs.blockDeviceMappings, [
            { deviceName: "/dev/sda1", ebs: { volumeType: "gp3", volumeSize: 200, encrypted: "true", deleteOnTermination: "true" } },
        ]);
        assert.deepEqual(template.inputs.instanceMarketOptions, {
            marketType: "spot",
            spotOptions: { maxPrice: "0.8048", spotInstanceType: "one-time", instanceInterruptionBehavior: "terminate" },
        });
        assert.equal(template.inputs.instanceType, "g6.xlarge");
        assert.match(String(template.inputs.imageId), /^ami-offline/);
        assert.deepEqual(template.inputs.iamInstanceProfile, { name: "k3s-node-offline" });
        assert.equal(template.inputs.userData, "[secret]");
        assert.equal(ofType(plan, "aws:ec2/instance:Instance").some((i) => i.name.startsWith(GROUP)), false, "no fixed instances for an autoscaled group");
    });

    it("sizes the group between min and max, starts at min and leaves the desired count to the autoscaler", () => {
        const group = named(plan, "aws:autoscaling/group:Group", GROUP);
        assert.equal(group.inputs.minSize, 0);
        assert.equal(group.inputs.maxSize, 2);
        assert.equal(group.inputs.desiredCapacity, 0);
        assert.deepEqual(group.ignoreChanges, ["desiredCapacity"]);
        assert.deepEqual(group.inputs.launchTemplate, { id: `offline-${GROUP}`, version: "$Latest" });
        assert.deepEqual(group.inputs.vpcZoneIdentifiers, ["offline-groundwork-private-0", "offline-groundwork-private-1"]);
    });

    it("tags the group for auto-discovery and with the node template it scales from zero by", () => {
        const tags = named(plan, "aws:autoscaling/group:Group", GROUP).inputs.tags as { key: string; value: string; propagateAtLaunch: boolean }[];
        const byKey = Object.fromEntries(tags.map((t) => [t.key, t.value]));
        assert.deepEqual(byKey, {
            "k8s.io/cluster-autoscaler/enabled": "true",
            "k8s.io/cluster-autoscaler/groundwork-cloud": "owned",
            "k8s.io/cluster-autoscaler/node-template/label/groundwork.dev/site": "aws",
            "k8s.io/cluster-autoscaler/node-template/label/groundwork.dev/placement": "gpu",
            "k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present": "true",
            "k8s.io/cluster-autoscaler/node-template/label/groundwork.dev/gpu-model": "L4",
            "k8s.io/cluster-autoscaler/node-template/label/groundwork.dev/gpu-count": "1",
            "k8s.io/cluster-autoscaler/node-template/label/node.kubernetes.io/instance-type": "g6.xlarge",
            "k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator": "nvidia-l4",
            "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "present:NoSchedule",
            "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "1",
            Name: GROUP,
        });
        assert.deepEqual(tags.filter((t) => t.propagateAtLaunch).map((t) => t.key), ["Name"]);
    });

    it("boots nodes that name themselves after their instance, with the labels and taint the template promises", () => {
        const userData = decode64(named(plan, "aws:ec2/launchTemplate:LaunchTemplate", GROUP).plainInputs.userData);
        const verdict = cloudInitSchema(userData);
        assert.ok(verdict.ok, verdict.output);
        const scripts = scriptsIn(userData);
        assert.equal(scripts.length, 2);
        for (const { name, script } of scripts) {
            const check = shellcheck(script);
            assert.ok(check.ok, `${name}: ${check.output}`);
        }
        const config = YAML.parse(YAML.parse(userData).write_files[0].content);
        assert.equal(config["node-name"], undefined, "one template serves every node: no fixed name");
        assert.equal(config.server, "https://10.1.0.10:6443");
        assert.ok(config["node-label"].includes("k8s.amazonaws.com/accelerator=nvidia-l4"));
        assert.ok(config["node-label"].includes("groundwork.dev/placement=gpu"));
        assert.deepEqual(config["node-taint"], ["nvidia.com/gpu=present:NoSchedule"]);
        const installer = scripts.find((s) => s.name.endsWith("groundwork-k3s-install"))!.script;
        assert.ok(installer.includes(`IDENTITY_DROP_IN="${AWS_INSTANCE_IDENTITY_DROP_IN}"`));
        assert.match(installer, /-X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" http:\/\/169\.254\.169\.254\/latest\/api\/token/);
        assert.ok(installer.includes(String.raw`printf 'node-name: "%s"\nkubelet-arg:\n  - "provider-id=aws:///%s/%s"\n' "$instance_id" "$zone" "$instance_id"`));
    });

    it("installs the pinned cluster autoscaler for AWS, discovering this stack's groups, on the platform placement", () => {
        const release = named(plan, "kubernetes:helm.sh/v4:Chart", "cluster-autoscaler");
        assert.equal(release.inputs.chart, "cluster-autoscaler");
        assert.equal(release.inputs.version, "9.53.0");
        assert.deepEqual(release.inputs.repositoryOpts, { repo: "https://kubernetes.github.io/autoscaler" });
        assert.deepEqual(CLUSTER_AUTOSCALER_CHART, {
            chart: "cluster-autoscaler", repo: "https://kubernetes.github.io/autoscaler", version: "9.53.0",
            evidence: "kubernetes/autoscaler@cluster-autoscaler-chart-9.53.0:cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml",
        });
        const values = release.inputs.values as Record<string, any>;
        assert.equal(values.cloudProvider, "aws");
        assert.equal(values.awsRegion, "us-east-1");
        assert.deepEqual(values.autoDiscovery, { clusterName: "groundwork-cloud" });
        assert.deepEqual(values.image, { tag: "v1.34.2@sha256:76a7eb96cd9d9570ce768184c43a98f71723a6f48cb27f10c293d2ed9b1743b6" });
        assert.deepEqual(values.extraArgs, {
            "scale-down-unneeded-time": "10m",
            "scale-down-delay-after-add": "10m",
            "skip-nodes-with-local-storage": false,
            "balance-similar-node-groups": true,
            expander: "least-waste",
        });
        assert.deepEqual(values.nodeSelector, { "groundwork.dev/placement": "x86" });
        assert.deepEqual(values.containerSecurityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        assert.equal(values.securityContext.runAsNonRoot, true);
        assert.deepEqual(values.resources.requests, { cpu: "50m", memory: "200Mi" });
        // Keys come from Vault through VSO, never through the chart's values or a Secret Pulumi writes.
        assert.equal(values.envFromSecret, "cluster-autoscaler-aws");
        assert.equal(values.awsAccessKeyID, undefined);
        assert.equal(ofType(plan, "kubernetes:core/v1:Secret").filter((s) => s.name.startsWith("cluster-autoscaler")).length, 0);
        const synced = named(plan, "kubernetes:secrets.hashicorp.com/v1beta1:VaultStaticSecret", "cluster-autoscaler-aws");
        assert.deepEqual([(synced.inputs.spec as any).path, (synced.inputs.spec as any).destination.name], ["cluster-autoscaler/aws", "cluster-autoscaler-aws"]);
        const script = String(named(plan, "command:remote:Command", "vault-configure").plainInputs.stdin);
        assert.match(script, /vault kv put -mount=groundwork cluster-autoscaler\/aws /);
        assert.match(script, /"AWS_ACCESS_KEY_ID":/);
        assert.ok(release.dependencies.includes(named(plan, "command:remote:Command", "vault-configure").urn), "the autoscaler waits for Vault to hold its keys");
        const ns = named(plan, "kubernetes:core/v1:Namespace", "cluster-autoscaler");
        assert.equal((ns.inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("lets the autoscaler's IAM user read groups and resize only groups tagged as this cluster's", () => {
        const policy = JSON.parse(String(named(plan, "aws:iam/userPolicy:UserPolicy", "cluster-autoscaler").inputs.policy));
        const [read, scale] = policy.Statement;
        assert.deepEqual(read.Action.sort(), [
            "autoscaling:DescribeAutoScalingGroups",
            "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations",
            "autoscaling:DescribeScalingActivities",
            "autoscaling:DescribeTags",
            "ec2:DescribeImages",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:GetInstanceTypesFromInstanceRequirements",
        ]);
        assert.equal(read.Condition, undefined);
        assert.deepEqual(scale.Action, ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]);
        assert.deepEqual(scale.Condition, { StringEquals: { "autoscaling:ResourceTag/k8s.io/cluster-autoscaler/groundwork-cloud": "owned" } });
        assert.equal(policy.Statement.length, 2);
        assert.ok(policy.Statement.every((s: { Effect: string }) => s.Effect === "Allow"));
    });

    it("still installs the device plugin when every GPU group is autoscaled, and no autoscaler when none is", async () => {
        const allAutoscaled = stackValues("cloud");
        allAutoscaled.aws.gpuNodeGroups = allAutoscaled.aws.gpuNodeGroups.slice(1);
        const only = await planValues("autoscaled-only", allAutoscaled);
        assert.equal(ofType(only, "kubernetes:helm.sh/v4:Chart").filter((r) => r.inputs.chart === "nvidia-device-plugin").length, 1);
        assert.equal(ofType(only, "kubernetes:helm.sh/v4:Chart").filter((r) => r.inputs.chart === "cluster-autoscaler").length, 1);

        const fixed = stackValues("cloud");
        delete fixed.aws.gpuNodeGroups[1].autoscaling;
        const none = await planValues("fixed-only", fixed);
        assert.equal(ofType(none, "kubernetes:helm.sh/v4:Chart").filter((r) => r.inputs.chart === "cluster-autoscaler").length, 0);
        assert.equal(ofType(none, "aws:iam/userPolicy:UserPolicy").filter((r) => r.name === "cluster-autoscaler").length, 0);
        assert.equal(named(none, "aws:ec2/instance:Instance", `${GROUP}-0`).inputs.instanceType, "g6.xlarge");
    });
});

describe("autoscaling config", () => {
    const cases: [string, "cloud" | "hybrid", (c: Record<string, any>) => void, string, string][] = [
        ["count beside autoscaling", "cloud", (c) => { c.aws.gpuNodeGroups[1].count = 1; },
            "groundwork:aws.gpuNodeGroups[1].count = 1:", "cannot be set with autoscaling: the cluster autoscaler owns the node count"],
        ["max below min", "cloud", (c) => { c.aws.gpuNodeGroups[1].autoscaling = { min: 3, max: 2 }; },
            "groundwork:aws.gpuNodeGroups[1].autoscaling.max = 2:", "is below autoscaling.min 3; max must be at least min"],
        ["max 0", "cloud", (c) => { c.aws.gpuNodeGroups[1].autoscaling = { min: 0, max: 0 }; },
            "groundwork:aws.gpuNodeGroups[1].autoscaling.max = 0:", "lets the group never have a node; set max to 1 or more (up to 20), or keep an empty group with count: 0"],
        ["a negative min", "cloud", (c) => { c.aws.gpuNodeGroups[1].autoscaling = { min: -1, max: 2 }; },
            "groundwork:aws.gpuNodeGroups[1].autoscaling.min = -1:", "must be at least 0"],
        ["autoscaling under wireguard-native", "hybrid", (c) => { delete c.aws.gpuNodeGroups[0].count; c.aws.gpuNodeGroups[0].autoscaling = { min: 0, max: 1 }; },
            "groundwork:aws.gpuNodeGroups[0].autoscaling", "cannot be used with overlay wireguard-native: autoscaled nodes have no Elastic IPs allocated beforehand"],
        ["autoscaled spot without a price cap", "cloud", (c) => { delete c.aws.gpuNodeGroups[1].spotMaxPricePerHour; },
            "groundwork:aws.gpuNodeGroups[1].spotMaxPricePerHour is not set:", "is required for spot capacity"],
    ];
    for (const [what, stack, edit, where, why] of cases) {
        it(`rejects ${what}`, () => {
            const values = stackValues(stack);
            edit(values);
            const found = problems(values);
            const problem = found.find((p) => p.startsWith(where));
            assert.ok(problem, `no problem at ${where}: ${found.join("\n")}`);
            assert.ok(problem.includes(why), problem);
        });
    }

    it("counts an autoscaled group at its max for GPU placement, and at none when its max is 0 nodes short", () => {
        const values = stackValues("cloud");
        values.aws.gpuNodeGroups = values.aws.gpuNodeGroups.slice(1);
        assert.deepEqual(parse(values).aws!.gpuNodeGroups[0].autoscaling, { min: 0, max: 2 });
        assert.equal(parse(values).aws!.gpuNodeGroups[0].count, undefined);
        values.aws.gpuNodeGroups[0].autoscaling = { min: 0, max: 0 };
        const found = problems(values);
        assert.ok(found.some((p) => p.startsWith("groundwork:placement.inference = \"gpu\":") && p.includes("cannot be satisfied")), found.join("\n"));
    });
});

describe("NVIDIA device plugin's API token", () => {
    it("is not mounted: the plugin calls no API, and the chart runs it as the namespace's default account (review s23 F9)", () => {
        const opts = {} as any;
        const template = { metadata: { labels: { "app.kubernetes.io/name": "nvidia-device-plugin" } }, spec: { containers: [{ name: "nvidia-device-plugin-ctr", image: "nvcr.io/nvidia/k8s-device-plugin:v0.18.2" }] } };
        const props = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "nvidia-device-plugin", namespace: "nvidia-device-plugin" }, spec: { selector: { matchLabels: template.metadata.labels }, template } };
        const rendered = devicePluginWithoutApiToken({ type: "kubernetes:apps/v1:DaemonSet", name: "nvidia-device-plugin", props, opts } as any) as any;
        assert.equal(rendered.props.spec.template.spec.automountServiceAccountToken, false);
        assert.deepEqual(rendered.props.spec.template.spec.containers, template.spec.containers, "the containers as rendered");
        assert.equal(rendered.opts, opts);
        new DaemonSet(rendered.props).validate();
        const mps = devicePluginWithoutApiToken({ type: "kubernetes:apps/v1:DaemonSet", name: "mps", props: { ...props, metadata: { name: "nvidia-device-plugin-mps-control-daemon" } }, opts } as any) as any;
        assert.equal(mps.props.spec.template.spec.automountServiceAccountToken, false, "the MPS control daemon too (review s24 N8)");
        // dcgm-exporter's DaemonSet reads a ConfigMap through its own account: left as rendered.
        assert.equal(devicePluginWithoutApiToken({ type: "kubernetes:apps/v1:DaemonSet", name: "dcgm-exporter", props: { ...props, metadata: { name: "dcgm-exporter" } }, opts } as any), undefined);
        const [daemonSet] = nvidiaDevicePluginModel.render({ name: "nvidia-device-plugin", namespace: "nvidia-device-plugin", values: {} } as any) as any[];
        assert.equal(daemonSet.spec.template.spec.automountServiceAccountToken, false);
    });
});
