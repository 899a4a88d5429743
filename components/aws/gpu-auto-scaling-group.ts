import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as autoscaling from "@pulumi/aws/autoscaling";
import { k3sCloudInit, K3S_ROLE_TAG } from "../k3s/bootstrap";
import { parseTaint, taintsFor } from "../placement";
import { AgentJoin, gpuNodeLabels, newestGpuAmiId } from "./gpu-node-group";
import { INSTANCE_TYPES } from "./instance-types";

/**
 * Tags the cluster autoscaler reads on an Auto Scaling group: auto-discovery finds groups carrying
 * both tag keys (their values do not matter), and `node-template/...` describes the nodes a group
 * would add, so it can scale up from zero nodes with nothing to look at.
 * Source: kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md, "Auto-Discovery
 * Setup" (read 2026-11-25).
 */
export const AUTOSCALER_ENABLED_TAG = "k8s.io/cluster-autoscaler/enabled";
export const autoscalerClusterTag = (clusterName: string) => `k8s.io/cluster-autoscaler/${clusterName}`;
const NODE_TEMPLATE = "k8s.io/cluster-autoscaler/node-template";

/**
 * The label the autoscaler's AWS provider takes as "this node will have GPUs", so it does not scale
 * out again while the device plugin is still advertising them. Same source, "Special note on GPU
 * instances".
 */
export const AWS_ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator";

/** The root device of Ubuntu AMIs, the Deep Learning Base AMI included (AWS EC2 docs, "Root volumes"). */
const UBUNTU_ROOT_DEVICE = "/dev/sda1";

export interface AwsGpuAutoScalingGroupArgs {
    instanceType: string;
    /** Fewest and most nodes; the autoscaler sets the desired count in between. */
    minSize: number;
    maxSize: number;
    /** Spot capacity at this maximum price (USD an hour); on-demand when absent. */
    spotMaxPricePerHour?: number;
    rootVolumeGbs: number;
    /** The private subnets the group launches into, one per zone. */
    subnetIds: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    instanceProfileName: pulumi.Input<string>;
    /** The name the autoscaler discovers this cluster's groups by (`autoDiscovery.clusterName`). */
    clusterName: string;
    k3s: AgentJoin;
    labels: Record<string, string>;
    taints: string[];
    tags?: Record<string, string>;
}

/** The labels and taints every node of a GPU group joins with. */
export function autoscaledGpuNodeShape(instanceType: string, labels: Record<string, string>, taints: string[]): { labels: Record<string, string>; taints: string[] } {
    const spec = INSTANCE_TYPES[instanceType];
    return {
        labels: { ...gpuNodeLabels(instanceType), [AWS_ACCELERATOR_LABEL]: `nvidia-${(spec.gpuModel ?? "gpu").toLowerCase()}`, ...labels },
        taints: [...taintsFor("gpu"), ...taints],
    };
}

/**
 * The Auto Scaling group's tags for the autoscaler: discovery, and the node template (labels, taints
 * `key=value:Effect` as `<key>`: `value:Effect`, and the GPU count) the nodes will have.
 */
export function autoscalerGroupTags(clusterName: string, instanceType: string, labels: Record<string, string>, taints: string[]): Record<string, string> {
    const tags: Record<string, string> = { [AUTOSCALER_ENABLED_TAG]: "true", [autoscalerClusterTag(clusterName)]: "owned" };
    for (const [key, value] of Object.entries(labels)) {
        tags[`${NODE_TEMPLATE}/label/${key}`] = value;
    }
    for (const taint of taints) {
        const { key, value, effect } = parseTaint(taint);
        tags[`${NODE_TEMPLATE}/taint/${key}`] = `${value}:${effect}`;
    }
    tags[`${NODE_TEMPLATE}/resources/nvidia.com/gpu`] = String(INSTANCE_TYPES[instanceType].gpus);
    return tags;
}

/**
 * GPU agents in an EC2 Auto Scaling group that the Kubernetes cluster autoscaler sizes between
 * `minSize` and `maxSize`. The launch template is the AwsK3sInstance's settings for a node without
 * a name: the same AMI and k3s bootstrap (each node names itself after its instance at boot),
 * IMDSv2 only with a hop limit of 1, an encrypted gp3 root, the node instance profile, and spot
 * capacity capped at a price.
 */
export class AwsGpuAutoScalingGroup extends pulumi.ComponentResource {
    public readonly groupName: pulumi.Output<string>;
    public readonly launchTemplateId: pulumi.Output<string>;

    constructor(name: string, args: AwsGpuAutoScalingGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:GpuAutoScalingGroup", name, {}, opts);
        const { labels, taints } = autoscaledGpuNodeShape(args.instanceType, args.labels, args.taints);
        const userData = pulumi
            .all([args.k3s.serverUrl, args.k3s.token, args.k3s.tailscale?.authKey])
            .apply(([serverUrl, token, tailscaleAuthKey]) => Buffer.from(k3sCloudInit({
                version: args.k3s.version,
                role: "agent",
                nodeName: name,
                awsInstanceIdentity: true,
                serverUrl,
                token,
                overlay: args.k3s.overlay,
                tailscaleAuthKey,
                tailscaleVersion: args.k3s.tailscale?.version,
                labels,
                taints,
            })).toString("base64"));
        const instanceTags = { ...args.tags, Name: name, [K3S_ROLE_TAG]: "agent" };

        const template = new ec2.LaunchTemplate(name, {
            description: `k3s GPU agents of ${name} (${args.instanceType}), sized by the cluster autoscaler`,
            imageId: newestGpuAmiId(this),
            instanceType: args.instanceType,
            iamInstanceProfile: { name: args.instanceProfileName },
            vpcSecurityGroupIds: [args.securityGroupId],
            userData: pulumi.secret(userData),
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                // One hop: the node itself. The autoscaler runs elsewhere, with its own keys.
                httpPutResponseHopLimit: 1,
            },
            blockDeviceMappings: [{
                deviceName: UBUNTU_ROOT_DEVICE,
                ebs: { volumeType: "gp3", volumeSize: args.rootVolumeGbs, encrypted: "true", deleteOnTermination: "true" },
            }],
            // Auto Scaling launches spot as one-time requests that terminate on interruption
            // (persistent requests and stop are for standalone instances); the group replaces them.
            instanceMarketOptions: args.spotMaxPricePerHour === undefined ? undefined : {
                marketType: "spot",
                spotOptions: {
                    maxPrice: args.spotMaxPricePerHour.toFixed(4),
                    spotInstanceType: "one-time",
                    instanceInterruptionBehavior: "terminate",
                },
            },
            tagSpecifications: [
                { resourceType: "instance", tags: instanceTags },
                { resourceType: "volume", tags: instanceTags },
            ],
            updateDefaultVersion: true,
            tags: { ...args.tags, Name: name },
        }, { parent: this });

        const groupTags = { ...autoscalerGroupTags(args.clusterName, args.instanceType, labels, taints), Name: name };
        const group = new autoscaling.Group(name, {
            minSize: args.minSize,
            maxSize: args.maxSize,
            // The starting size; from then on the autoscaler owns it (ignoreChanges below).
            desiredCapacity: args.minSize,
            vpcZoneIdentifiers: args.subnetIds,
            launchTemplate: { id: template.id, version: "$Latest" },
            healthCheckType: "EC2",
            // The autoscaler's discovery and node-template tags describe the group, not instances.
            tags: Object.entries(groupTags).map(([key, value]) => ({ key, value, propagateAtLaunch: key === "Name" })),
        }, { parent: this, ignoreChanges: ["desiredCapacity"] });

        this.groupName = group.name;
        this.launchTemplateId = template.id;
        this.registerOutputs({ groupName: this.groupName, launchTemplateId: this.launchTemplateId });
    }
}
