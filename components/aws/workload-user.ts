import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import { NO_ROLE_TAG } from "../workload-credentials";

/**
 * A long-lived access key for one workload: an IAM user under /groundwork/ with one inline policy,
 * tagged with why a role would not do (the security pack's `cloud-key-justified` reads it). The key
 * never leaves Pulumi's state and Vault.
 */
export function workloadIamUser(name: string, args: { policy: pulumi.Input<string>; noRoleBecause: string }, opts: pulumi.CustomResourceOptions): { arn: pulumi.Output<string>; accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> } {
    const user = new iam.User(name, { path: "/groundwork/", tags: { [NO_ROLE_TAG]: args.noRoleBecause } }, opts);
    new iam.UserPolicy(name, { user: user.name, policy: args.policy }, opts);
    const key = new iam.AccessKey(name, { user: user.name }, opts);
    return { arn: user.arn, accessKeyId: key.id, secretAccessKey: pulumi.secret(key.secret) };
}
