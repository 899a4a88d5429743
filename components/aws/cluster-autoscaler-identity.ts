import * as pulumi from "@pulumi/pulumi";
import { POD_NO_ROLE } from "../workload-credentials";
import { workloadIamUser } from "./workload-user";
import { autoscalerClusterTag } from "./gpu-auto-scaling-group";

/**
 * What the cluster autoscaler may do in AWS: read Auto Scaling groups, launch templates and instance
 * types (these reads take no resource-level conditions), and resize or shrink only the groups
 * tagged as this cluster's.
 * Source: kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md, "Full Cluster
 * Autoscaler Features Policy" without the EKS action; the tag condition per AWS EC2 Auto Scaling
 * user guide, "Identity-based policy examples" (`autoscaling:ResourceTag/<key>`) (read 2026-11-25).
 */
export function clusterAutoscalerPolicy(clusterName: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "Discover",
                Effect: "Allow",
                Action: [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ],
                Resource: "*",
            },
            {
                Sid: "ScaleThisClustersGroups",
                Effect: "Allow",
                Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                Resource: "*",
                Condition: { StringEquals: { [`autoscaling:ResourceTag/${autoscalerClusterTag(clusterName)}`]: "owned" } },
            },
        ],
    });
}

/**
 * An IAM user for the cluster autoscaler, allowed only `clusterAutoscalerPolicy`. k3s on EC2 has no
 * IAM roles for service accounts, and an instance profile would not reach the pod: IMDSv2's hop
 * limit of 1 keeps every pod from the node's credentials (on purpose). So the autoscaler gets keys
 * of its own, as Vault's KMS unseal does (`AwsVaultUnsealKey`), and can run on any node.
 */
export class AwsClusterAutoscalerIdentity extends pulumi.ComponentResource {
    public readonly accessKeyId: pulumi.Output<string>;
    public readonly secretAccessKey: pulumi.Output<string>;

    constructor(name: string, args: { clusterName: string }, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:ClusterAutoscalerIdentity", name, {}, opts);
        const key = workloadIamUser(name, { policy: clusterAutoscalerPolicy(args.clusterName), noRoleBecause: POD_NO_ROLE }, { parent: this });
        this.accessKeyId = key.accessKeyId;
        this.secretAccessKey = key.secretAccessKey;
        this.registerOutputs({});
    }
}
