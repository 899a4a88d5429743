import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * The minimal identity a k3s node needs on AWS: Systems Manager, so operators reach nodes through
 * Session Manager instead of SSH. Nothing else: k3s and its workloads need no AWS API.
 */
export class AwsNodeInstanceProfile extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: { tags?: Record<string, string> }, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:NodeInstanceProfile", name, {}, opts);
        const role = new aws.iam.Role(name, {
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            description: "k3s nodes: Systems Manager only",
            tags: args.tags,
        }, { parent: this });
        new aws.iam.RolePolicyAttachment(`${name}-ssm`, {
            role: role.name,
            policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        }, { parent: this });
        const profile = new aws.iam.InstanceProfile(name, { role: role.name, tags: args.tags }, { parent: this });
        this.name = profile.name;
        this.registerOutputs({ name: this.name });
    }
}
