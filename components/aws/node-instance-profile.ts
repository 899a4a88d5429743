import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";

/**
 * The minimal identity a k3s node needs on AWS: Systems Manager, so operators reach nodes through
 * Session Manager instead of SSH. Servers get one of their own, to which the stack's bucket adds
 * writing their etcd snapshots; agents and their workloads need no AWS API.
 */
export class AwsNodeInstanceProfile extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;
    /** The role, for policies added where the resource they reach is made. */
    public readonly roleName: pulumi.Output<string>;

    /**
     * @param args.description what the nodes use the role for (the role's description).
     */
    constructor(name: string, args: { description: string; tags?: Record<string, string> }, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:NodeInstanceProfile", name, {}, opts);
        const role = new iam.Role(name, {
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            description: args.description,
            tags: args.tags,
        }, { parent: this });
        new iam.RolePolicyAttachment(`${name}-ssm`, {
            role: role.name,
            policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        }, { parent: this });
        const profile = new iam.InstanceProfile(name, { role: role.name, tags: args.tags }, { parent: this });
        this.name = profile.name;
        this.roleName = role.name;
        this.registerOutputs({ name: this.name, roleName: this.roleName });
    }
}
