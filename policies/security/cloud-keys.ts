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
 * Whether an IAM Resource names every resource of its service: a lone wildcard, or an ARN whose
 * resource part is only a wildcard, alone or after a resource type (`arn:aws:s3:::*`, KMS's
 * `key/` followed by a wildcard). An S3 ARN's resource part is a bucket: `arn:aws:s3:::backups/`
 * and a wildcard is one bucket's objects, a wildcard bucket every bucket's
 * (docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html, read 2026-11-28).
 */
export function everyResource(resource: string): boolean {
    if (resource === "*") return true;
    const arn = /^arn:[a-z-]+:([a-z0-9-]+):[^:]*:[^:]*:(.*)$/i.exec(resource);
    if (!arn) return false;
    const [, service, part] = arn;
    return service.toLowerCase() === "s3" ? /^\*(\/\*)?$/.test(part) : /^([a-z0-9-]+[/:])?\*$/i.test(part);
}

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
        const everywhere = [s.Resource ?? []].flat().some((r: unknown) => typeof r === "string" && everyResource(r));
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

/** A group as statements may name it: by name (alone, quoted, or `'<domain>'/'<name>'`) or by OCID. */
export interface OciGroupRef {
    name: string;
    id?: string;
}

/**
 * Whether a statement's subject names the group: `any-user` and `any-group` name every group;
 * `group <list>` names it by name, `'<domain>'/'<name>'`, or `id <ocid>`. A `group id` whose OCID
 * is not known (offline, or a group made in the same run) is read as naming it: the rule errs on
 * the side of reporting (docs.oracle.com iaas/Content/Identity/Concepts/policysyntax.htm, "Subject").
 */
function namesGroup(statement: string, group: OciGroupRef): boolean {
    const subject = /^allow\s+(.+?)\s+to\s/i.exec(statement.trim())?.[1];
    if (!subject) return false;
    if (/^any-(user|group)\b/i.test(subject)) return true;
    const list = /^group\s+(.+)$/i.exec(subject)?.[1];
    if (!list) return false;
    return list.split(",").map((item) => item.trim()).some((item) => {
        const id = /^id\s+(\S+)$/i.exec(item)?.[1];
        if (id) return group.id === undefined || id === group.id;
        const name = item.replace(/^'[^']*'\s*\/\s*/, "").replace(/^'(.*)'$/, "$1");
        return name.toLowerCase() === group.name.toLowerCase();
    });
}

/**
 * What of the OCI policy statements that name a key user's group no workload's key should carry
 * (`Allow <subject> to <verb> <resource-type> in <location> [where ...]`): `all-resources`; any
 * identity resource above `inspect`; and any grant whose `where` does not constrain a target
 * (`target.bucket.name`, `target.key.id` ...), which reaches every resource of its type in the
 * compartment or tenancy, `manage key-family` or `secret-family` included. A condition on the
 * request alone (`request.region`) narrows nothing. A statement in the permissions form
 * (`to {OBJECT_READ}`) is read as broad: it is not parsed.
 */
export function broadOciStatements(statements: string[], group: OciGroupRef | string): string[] {
    const ref = typeof group === "string" ? { name: group } : group;
    return statements.filter((s) => namesGroup(s, ref)).flatMap((statement) => {
        const m = /\bto\s+(inspect|read|use|manage)\s+([a-z0-9-]+)\s+in\s+(tenancy|compartment\b[^]*?)(?:\s+where\s+(.+))?$/i.exec(statement.trim());
        if (!m) return [`"${statement}" (not a verb and resource type this rule reads)`];
        const [, verb, type, location, where] = m.map((x) => x?.toLowerCase());
        const scope = location === "tenancy" ? "tenancy" : "compartment";
        const why = type === "all-resources" ? "every resource type"
            : OCI_IDENTITY_TYPES.includes(type) && verb !== "inspect" ? `${verb} on ${type}, which reaches identity itself`
            : !/\btarget\./.test(where ?? "") ? `${type} across the whole ${scope}: no where condition on a target`
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
    const groups: PolicyResource[] = [];
    for (const membership of resources.filter((r) => r.type === "oci:Identity/userGroupMembership:UserGroupMembership" && dependsOn(r, user))) {
        const group = resources.find((g) => g.type === "oci:Identity/group:Group" && dependsOn(membership, g));
        if (group) {
            groups.push(group);
        } else {
            // A group the stack does not make (the tenancy's Administrators, by OCID): its rights are not in the stack to read.
            report(`${what}: user ${user.name} is a member of a group the stack does not make (${JSON.stringify(membership.props.groupId ?? "unknown")}), whose rights it cannot read; put a workload's user only in a group the stack makes for it`, membership.urn);
        }
    }
    for (const group of groups) {
        const ref = { name: String(group.props.name ?? group.name), id: typeof group.props.id === "string" ? group.props.id : undefined };
        for (const p of resources.filter((r) => r.type === "oci:Identity/policy:Policy")) {
            const broad = broadOciStatements([p.props.statements ?? []].flat().map(String), ref);
            if (broad.length > 0) report(`${what}: user ${user.name}'s group ${ref.name} is allowed ${broad.join("; ")} by policy ${p.name}; a workload's key gets only the resources it uses, each under a where condition on its target`, p.urn);
        }
    }
}

/** Resources that give a user rights beyond its own inline policies: managed policy attachments and groups. */
const GRANTS_BEYOND_INLINE = [
    "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment", "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
    "aws:iam/userGroupMembership:UserGroupMembership", "aws:iam/groupMembership:GroupMembership",
];

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
