import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import { Overlay, TailscaleJoin } from "../k3s/bootstrap";
import { GPU_COUNT_LABEL, GPU_MODEL_LABEL, GPU_PRESENT_LABEL, siteLabels, taintsFor } from "../placement";
import { AwsK3sInstance } from "./k3s-instance";
import { INSTANCE_TYPES } from "./instance-types";

/**
 * AWS's Deep Learning Base AMI: Ubuntu with the NVIDIA driver and the NVIDIA container toolkit,
 * which k3s detects and registers as the containerd runtime `nvidia`.
 * Sources: AWS DLAMI release notes, "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04)";
 * docs.k3s.io/advanced, "NVIDIA Container Runtime Support" (both read 2026-11-25).
 */
export const GPU_AMI_NAME = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *";

export interface AwsGpuNodeGroupArgs {
    instanceType: string;
    count: number;
    /** Spot capacity at this maximum price (USD an hour); on-demand when absent. */
    spotMaxPricePerHour?: number;
    rootVolumeGbs: number;
    /** Subnets to spread the nodes over, round robin. */
    subnetIds: pulumi.Input<string>[];
    /** One pre-allocated Elastic IP per node when other sites reach them over wireguard-native. */
    addresses?: ec2.Eip[];
    securityGroupId: pulumi.Input<string>;
    instanceProfileName: pulumi.Input<string>;
    /** An AMI to use instead of the newest Deep Learning Base AMI. */
    amiId?: pulumi.Input<string>;
    k3s: AgentJoin;
    labels: Record<string, string>;
    taints: string[];
    tags?: Record<string, string>;
}

/** How a GPU agent joins the cluster: k3s release, server, token and overlay. */
export interface AgentJoin {
    version: string;
    serverUrl: pulumi.Input<string>;
    token: pulumi.Input<string>;
    overlay: Overlay;
    tailscale?: TailscaleJoin;
}

/** The newest Deep Learning Base AMI (x86_64) in the provider's region. */
export function newestGpuAmiId(parent: pulumi.Resource): pulumi.Output<string> {
    return ec2.getAmiOutput({
        owners: ["amazon"],
        mostRecent: true,
        filters: [
            { name: "name", values: [GPU_AMI_NAME] },
            { name: "architecture", values: ["x86_64"] },
            { name: "state", values: ["available"] },
        ],
    }, { parent }).id;
}

/** The labels a GPU node carries, from its instance type. */
export function gpuNodeLabels(instanceType: string): Record<string, string> {
    const spec = INSTANCE_TYPES[instanceType];
    return siteLabels("aws", "gpu", {
        [GPU_PRESENT_LABEL]: "true",
        [GPU_MODEL_LABEL]: spec.gpuModel ?? "unknown",
        [GPU_COUNT_LABEL]: String(spec.gpus),
        "node.kubernetes.io/instance-type": instanceType,
    });
}

/**
 * GPU instances that join k3s as agents, labelled by GPU model and count and tainted
 * `nvidia.com/gpu=present:NoSchedule` so only GPU workloads land on them.
 */
export class AwsGpuNodeGroup extends pulumi.ComponentResource {
    public readonly nodes: AwsK3sInstance[];

    constructor(name: string, args: AwsGpuNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:GpuNodeGroup", name, {}, opts);
        const amiId = args.amiId ?? newestGpuAmiId(this);
        this.nodes = Array.from({ length: args.count }, (_, i) => new AwsK3sInstance(`${name}-${i}`, {
            instanceType: args.instanceType,
            amiId,
            subnetId: args.subnetIds[i % args.subnetIds.length],
            securityGroupIds: [args.securityGroupId],
            instanceProfileName: args.instanceProfileName,
            address: args.addresses?.[i],
            rootVolumeGbs: args.rootVolumeGbs,
            spotMaxPricePerHour: args.spotMaxPricePerHour,
            k3s: {
                version: args.k3s.version,
                role: "agent",
                nodeName: `${name}-${i}`,
                overlay: args.k3s.overlay,
                labels: { ...gpuNodeLabels(args.instanceType), ...args.labels },
                taints: [...taintsFor("gpu"), ...args.taints],
            },
            serverUrl: args.k3s.serverUrl,
            token: args.k3s.token,
            tailscale: args.k3s.tailscale,
            tags: args.tags,
        }, { parent: this }));
        this.registerOutputs({});
    }
}
