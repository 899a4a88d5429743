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

/**
 * OCI resource types whose rights reach identity itself: a key holder who may change users, groups,
 * policies or compartments can give itself anything (docs.oracle.com iaas/Content/Identity/Reference/iampolicyreference.htm,
 * "Details for IAM without Identity Domains", read 2026-11-28).
 */
const OCI_IDENTITY_TYPES = ["users", "groups", "dynamic-groups", "policies", "compartments", "tenancies", "identity-providers", "domains", "tag-namespaces", "network-sources"];
/** OCI resource types that name every bucket or object of their location unless a condition narrows them. */
const OCI_STORAGE_TYPES = ["object-family", "buckets", "objects"];

/**
 * What of a group's OCI policy statements no workload's key should carry, for the statements that
 * name that group (`Allow group <name> to <verb> <resource-type> in <location> [where ...]`, the
 * syntax of docs.oracle.com iaas/Content/Identity/Concepts/policysyntax.htm, read 2026-11-28):
 * `all-resources`, any identity resource above `inspect`, the whole tenancy without a condition,
 * and buckets or objects without a condition (every bucket of the compartment). A statement in the
 * permissions form (`to {PERMISSION}`) is read as broad: it is not parsed.
 */
export function broadOciStatements(statements: string[], group: string): string[] {
    const subject = (s: string) => new RegExp(`^allow\\s+group\\s+(\\S+\\s*,\\s*)*'?${group.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}'?(\\s|,)`, "i").test(s.trim());
    return statements.filter(subject).flatMap((statement) => {
        const m = /\bto\s+(inspect|read|use|manage)\s+([a-z0-9-]+)\s+in\s+(tenancy|compartment\b[^]*?)(?:\s+where\s+(.+))?$/i.exec(statement.trim());
        if (!m) return [`"${statement}" (not a verb and resource type this rule reads)`];
        const [, verb, type, location, where] = m.map((x) => x?.toLowerCase());
        const why = type === "all-resources" ? "every resource type"
            : OCI_IDENTITY_TYPES.includes(type) && verb !== "inspect" ? `${verb} on ${type}, which reaches identity itself`
            : location === "tenancy" && !where ? "the whole tenancy, with no condition"
            : OCI_STORAGE_TYPES.includes(type) && !where ? `every bucket of the ${location === "tenancy" ? "tenancy" : "compartment"}, with no condition`
            : undefined;
        return why ? [`"${statement}" (${why})`] : [];
    });
}

/** What an OCI user may hold beside the key it was made for; a workload's user needs only that one kind. */
const OCI_CAPABILITIES: Record<string, string> = {
    canUseApiKeys: "API signing keys",
    canUseAuthTokens: "auth tokens",
    canUseConsolePassword: "a console password",
    canUseCustomerSecretKeys: "customer secret keys",
    canUseSmtpCredentials: "SMTP credentials",
};
/** The capability each OCI key type needs. */
const OCI_KEY_CAPABILITY: Record<string, string> = {
    "oci:Identity/customerSecretKey:CustomerSecretKey": "canUseCustomerSecretKeys",
    "oci:Identity/apiKey:ApiKey": "canUseApiKeys",
    "oci:Identity/authToken:AuthToken": "canUseAuthTokens",
};

/** An OCI workload user's problems: capabilities beyond its key, and broad rights through its groups. */
function ociUserProblems(resources: PolicyResource[], key: PolicyResource, user: PolicyResource, what: string, report: (message: string, urn?: string) => void): void {
    const dependsOn = (r: PolicyResource, target: PolicyResource) => r.dependencies.some((d) => d.urn === target.urn);
    const capabilities = resources.find((r) => r.type === "oci:Identity/userCapabilitiesManagement:UserCapabilitiesManagement" && dependsOn(r, user));
    // A new OCI user may use every credential type until its capabilities say otherwise.
    const extra = Object.keys(OCI_CAPABILITIES).filter((c) => c !== OCI_KEY_CAPABILITY[key.type] && (capabilities === undefined || capabilities.props[c] !== false));
    if (extra.length > 0) {
        report(`${what}: user ${user.name} may also hold ${extra.map((c) => OCI_CAPABILITIES[c]).join(", ")}; give it a UserCapabilitiesManagement that allows only the key it was made for`, (capabilities ?? user).urn);
    }
    const groups = resources.filter((r) => r.type === "oci:Identity/userGroupMembership:UserGroupMembership" && dependsOn(r, user))
        .flatMap((m) => resources.filter((g) => g.type === "oci:Identity/group:Group" && dependsOn(m, g)));
    for (const group of groups) {
        const name = String(group.props.name ?? group.name);
        for (const p of resources.filter((r) => r.type === "oci:Identity/policy:Policy")) {
            const broad = broadOciStatements([p.props.statements ?? []].flat().map(String), name);
            if (broad.length > 0) report(`${what}: user ${user.name}'s group ${name} is allowed ${broad.join("; ")} by policy ${p.name}; a workload's key gets only the resources it uses, each under a where condition`, p.urn);
        }
    }
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
            if (key.type.startsWith("oci:")) {
                ociUserProblems(args.resources, key, user, what, report);
                continue;
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
