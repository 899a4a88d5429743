import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/**
 * A long-lived cloud key (an AWS IAM access key, an OCI Customer Secret Key, API key or auth
 * token) is a credential that works from anywhere until someone deletes it. Where a role can
 * serve (an instance profile or instance principal for a process on the node, GitHub OIDC for
 * CI), use the role. Where none can, the key belongs to a user the stack makes for that one
 * workload, which says why on itself (`groundwork-no-role`), and whose policy grants no `*` and no
 * IAM action: never a person's user, never an administrator.
 */

/** components/workload-credentials.ts NO_ROLE_TAG. */
const NO_ROLE_TAG = "groundwork-no-role";

const KEYS: Record<string, string> = {
    "aws:iam/accessKey:AccessKey": "aws:iam/user:User",
    "oci:Identity/customerSecretKey:CustomerSecretKey": "oci:Identity/user:User",
    "oci:Identity/apiKey:ApiKey": "oci:Identity/user:User",
    "oci:Identity/authToken:AuthToken": "oci:Identity/user:User",
};

/**
 * What of an IAM policy document no workload's key should carry: everything (`*`), IAM itself, a
 * whole service on every resource (`s3:*` on `*`), or `NotAction` under Allow, which allows all
 * but what it lists (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html).
 */
export function broadActions(document: unknown): string[] {
    let parsed: any = document;
    if (typeof document === "string") {
        try { parsed = JSON.parse(document); } catch { return []; }
    }
    const statements: any[] = [parsed?.Statement ?? []].flat();
    return statements.filter((s) => s?.Effect === "Allow").flatMap((s) => {
        const everywhere = [s.Resource ?? []].flat().includes("*");
        const actions = [s.Action ?? []].flat().filter((a: unknown) => typeof a === "string" &&
            (a === "*" || /^iam:/i.test(a) || (everywhere && /^[a-z0-9-]+:\*$/i.test(a))));
        return s.NotAction !== undefined ? [...actions, `NotAction ${JSON.stringify(s.NotAction)}`] : actions;
    });
}

/** Resources that give a user rights beyond its own inline policies: managed policy attachments and groups. */
const GRANTS_BEYOND_INLINE = ["aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/userGroupMembership:UserGroupMembership", "aws:iam/groupMembership:GroupMembership"];

export const cloudKeyJustified: StackValidationPolicy = {
    name: "cloud-key-justified",
    description: "No long-lived cloud key where a role would do: every access key belongs to a workload user the stack makes, which says why no role serves and holds no broad rights.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const key of args.resources.filter((r) => r.type in KEYS)) {
            const user = key.dependencies.find((d) => d.type === KEYS[key.type]);
            const what = `${key.type.split(":").pop()} ${key.name}`;
            if (!user) {
                report(`${what} belongs to a user the stack does not make (a person's or the deployer's, with all their rights); make a user for the workload alone and give it the key, or use a role`, key.urn);
                continue;
            }
            const tags = user.props.tags ?? user.props.freeformTags ?? {};
            if (!String(tags[NO_ROLE_TAG] ?? "").trim()) {
                report(`${what} is a long-lived key on user ${user.name}, which does not say why a role would not do; use an instance role, instance principal or OIDC, or tag the user ${NO_ROLE_TAG}: <why none can serve>`, key.urn);
            }
            const policies = args.resources.filter((p: PolicyResource) => p.type === "aws:iam/userPolicy:UserPolicy" && p.dependencies.some((d) => d.urn === user.urn));
            for (const p of policies) {
                const broad = broadActions(p.props.policy);
                if (broad.length > 0) report(`${what}: user ${user.name}'s policy ${p.name} allows ${broad.join(", ")}; a workload's key gets only the actions it calls`, p.urn);
            }
            // Rights the user's own policy does not show: a managed policy, or a group's.
            for (const g of args.resources.filter((r) => GRANTS_BEYOND_INLINE.includes(r.type) && r.dependencies.some((d) => d.urn === user.urn))) {
                report(`${what}: user ${user.name} also gets rights through ${g.type.split(":").pop()} ${g.name}, which its inline policy does not show; give a workload's user one inline policy with only the actions it calls`, g.urn);
            }
        }
    },
};
