import { ResourceValidationPolicy } from "@pulumi/policy";

/*
 * Only retention destroys a backup (issue 12, item 6): a key may delete an object, which on a
 * versioned bucket only hides it behind a marker, but never destroy a version, which is gone.
 * - AWS: the action is `s3:DeleteObjectVersion` (docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html,
 *   read 2026-11-30); a wildcard that matches it (`*`, `s3:*`, `s3:Delete*`) or a NotAction that
 *   leaves it out grants it too.
 * - OCI: the permission is OBJECT_VERSION_DELETE, apart from OBJECT_DELETE, and `manage objects`
 *   holds it ("Details for Object Storage and Archive Storage", docs.oracle.com
 *   iaas/Content/Identity/Reference/objectstoragepolicyreference.htm, updated 2025-02-21, L43 and
 *   L67-68 in the copy jacklty/oci_doc_crawler@8e7bbd7). So a statement that manages objects must
 *   keep it out in a condition that binds: `request.permission != 'OBJECT_VERSION_DELETE'` alone
 *   or in an `all {…}`, or only other permissions named (`request.permission = 'OBJECT_CREATE'`).
 *   The Object Storage service itself (`service objectstorage-<region>`) is the lifecycle, which is
 *   the retention. A granting statement the rule cannot read is reported, not passed.
 */

const VERSION_DELETE = "s3:DeleteObjectVersion";
const IAM_DOCUMENT_TYPES: Record<string, string> = {
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
};

/** Whether an IAM action pattern (`*` any run of characters, `?` any one; case-insensitive) matches `action`. */
export function actionMatches(pattern: string, action: string): boolean {
    const source = [...pattern].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("");
    return new RegExp(`^${source}$`, "i").test(action);
}

/**
 * Whether a statement's resources can be S3 objects: `*`, an ARN whose partition or service is S3's
 * or a wildcard (`arn:*`, `arn:aws:s3:*:…`, an access point's `arn:aws:s3:<region>:<account>:accesspoint/…`),
 * or a NotResource (final check s29 FC29-3).
 */
function reachesObjects(statement: Record<string, unknown>): boolean {
    if (statement.NotResource !== undefined) return true;
    return [statement.Resource ?? "*"].flat().some((r) => typeof r === "string" && (r === "*" || /^arn:[^:]*:(s3|s3-object-lambda|[^:]*[*?][^:]*)(:|$)/i.test(r) || /^arn:[^:]*[*?]/.test(r)));
}

/**
 * AWS managed policies that allow s3:DeleteObjectVersion on every bucket: AmazonS3FullAccess
 * (`s3:*`), AdministratorAccess (`*`), PowerUserAccess (everything but IAM, Organizations and
 * Account: NotAction) (docs.aws.amazon.com/aws-managed-policy/latest/reference, read 2026-11-30).
 */
const VERSION_DELETING_MANAGED_POLICIES = /:policy\/(AmazonS3FullAccess|AdministratorAccess|PowerUserAccess)$/;
const ATTACHMENT_TYPES = ["aws:iam/policyAttachment:PolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"];
/** Where else a managed policy's ARN is attached: a Role's own list, and the exclusive attachments (read-through s29 RT29-5). */
const ATTACHED_ARN_LISTS: Record<string, string> = {
    "aws:iam/role:Role": "managedPolicyArns",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
};

/** Each Allow statement of an IAM policy document that grants s3:DeleteObjectVersion, as the action it names. */
export function versionDeletingActions(document: unknown): string[] {
    let parsed: any = document;
    if (typeof document === "string") {
        try { parsed = JSON.parse(document); } catch { return []; }
    }
    const statements: Record<string, unknown>[] = [parsed?.Statement ?? []].flat();
    return statements.filter((s) => s?.Effect === "Allow" && reachesObjects(s)).flatMap((s) => {
        if (s.NotAction !== undefined) {
            const excluded = [s.NotAction].flat().some((a) => typeof a === "string" && actionMatches(a, VERSION_DELETE));
            return excluded ? [] : [`NotAction ${JSON.stringify(s.NotAction)}`];
        }
        return [s.Action ?? []].flat().filter((a): a is string => typeof a === "string" && actionMatches(a, VERSION_DELETE));
    });
}

// `Allow` grants in this tenancy, and so does `Admit` (another tenancy's group, here); `Endorse`
// grants elsewhere and `Define` names (docs.oracle.com iaas/Content/Identity/policieshow/iam-cross-domain.htm,
// in the copy jacklty/oci_doc_crawler@8e7bbd7 L9, L25-27, L40-42; final check s29 FC29-2).
const GRANT = /^\s*(allow|admit)\b/i;
const OCI_STATEMENT = /^\s*(?:allow|admit)\s+(.+?)\s+to\s+(\{[^}]*\}|[a-z-]+)\s+([a-z-]+)?\s*in\s+.+?(?:\s+where\s+(.+))?\s*$/i;

type Condition = string | { all: boolean; of: Condition[] };

/** An OCI `where` clause as a tree: `all {…}`/`any {…}`, nested, of single conditions; undefined if unbalanced. */
function parseCondition(text: string): Condition | undefined {
    const clause = text.trim();
    const group = /^(all|any)\s*\{([\s\S]*)\}$/i.exec(clause);
    if (!group) return /[{}]/.test(clause) ? undefined : clause;
    const parts: string[] = [];
    let depth = 0, from = 0;
    for (let i = 0; i < group[2].length; i++) {
        const c = group[2][i];
        if (c === "{") depth++;
        else if (c === "}" && --depth < 0) return undefined;
        else if (c === "," && depth === 0) { parts.push(group[2].slice(from, i)); from = i + 1; }
    }
    if (depth !== 0) return undefined;
    const of = [...parts, group[2].slice(from)].map(parseCondition);
    return of.some((c) => c === undefined) ? undefined : { all: group[1].toLowerCase() === "all", of: of as Condition[] };
}

/**
 * Whether a condition keeps the permission from being OBJECT_VERSION_DELETE: `!=` it, or `=` another
 * permission (Oracle's write-only pattern, `any {request.permission='OBJECT_CREATE', …}`); in
 * `all {…}` one such is enough, in `any {…}` every branch needs one.
 */
function excludesVersionDelete(condition: Condition): boolean {
    if (typeof condition !== "string") return condition.all ? condition.of.some(excludesVersionDelete) : condition.of.every(excludesVersionDelete);
    const m = /^request\.permission\s*(!=|=)\s*'([A-Z_]+)'$/i.exec(condition.trim());
    return m !== null && (m[1] === "!=" ? m[2].toUpperCase() === "OBJECT_VERSION_DELETE" : m[2].toUpperCase() !== "OBJECT_VERSION_DELETE");
}

/**
 * The OCI policy statements that let someone other than Object Storage's lifecycle destroy object
 * versions, and those granting in this tenancy that cannot be read (refused, not passed).
 */
export function versionDeletingStatements(statements: string[]): string[] {
    // A statement may be written over several lines (read-through s29 RT29-9).
    return statements.filter((written) => {
        const statement = written.replace(/\s+/g, " ");
        if (!GRANT.test(statement)) return false;
        const m = OCI_STATEMENT.exec(statement);
        if (!m) return true;
        const [, subject, verb, resource, where] = m;
        if (/^service\s+objectstorage-[a-z0-9-]+$/i.test(subject.trim())) return false;
        const grants = verb.startsWith("{")
            ? /\bOBJECT_VERSION_DELETE\b/i.test(verb)
            : verb.toLowerCase() === "manage" && ["objects", "object-family", "all-resources"].includes((resource ?? "").toLowerCase());
        if (!grants) return false;
        const condition = where === undefined ? undefined : parseCondition(where);
        return condition === undefined || !excludesVersionDelete(condition);
    });
}

export const bucketVersionsKeptFromKeys: ResourceValidationPolicy = {
    name: "bucket-versions-kept-from-keys",
    description: "No key or principal but the bucket's own lifecycle may destroy an object version: no IAM Allow of s3:DeleteObjectVersion, and every OCI statement that manages objects excludes OBJECT_VERSION_DELETE.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const field = IAM_DOCUMENT_TYPES[args.type];
        if (field !== undefined) {
            for (const action of versionDeletingActions(args.props[field])) {
                report(`${args.type.split(":").pop()} ${args.name} allows ${action}, which destroys object versions, backups included; only the bucket's lifecycle may. Grant s3:DeleteObject alone (a delete marker on a versioned bucket).`);
            }
        }
        if (ATTACHMENT_TYPES.includes(args.type) && VERSION_DELETING_MANAGED_POLICIES.test(String(args.props.policyArn ?? ""))) {
            report(`${args.type.split(":").pop()} ${args.name} attaches ${args.props.policyArn}, which allows s3:DeleteObjectVersion on every bucket, backups included; only the bucket's lifecycle may destroy a version. Attach a policy of the actions the workload calls.`);
        }
        for (const arn of ATTACHED_ARN_LISTS[args.type] ? [args.props[ATTACHED_ARN_LISTS[args.type]] ?? []].flat() : []) {
            if (VERSION_DELETING_MANAGED_POLICIES.test(String(arn))) {
                report(`${args.type.split(":").pop()} ${args.name} attaches ${arn}, which allows s3:DeleteObjectVersion on every bucket, backups included; only the bucket's lifecycle may destroy a version. Attach a policy of the actions the workload calls.`);
            }
        }
        if (args.type === "aws:iam/role:Role") {
            for (const inline of args.props.inlinePolicies ?? []) {
                for (const action of versionDeletingActions(inline?.policy)) {
                    report(`Role ${args.name}'s inline policy ${inline?.name ?? ""} allows ${action}, which destroys object versions, backups included; only the bucket's lifecycle may. Grant s3:DeleteObject alone.`);
                }
            }
        }
        if (args.type === "oci:Identity/policy:Policy") {
            for (const written of versionDeletingStatements(args.props.statements ?? [])) {
                const statement = written.replace(/\s+/g, " ");
                const condition = OCI_STATEMENT.exec(statement)?.[4];
                report(!OCI_STATEMENT.test(statement) || (condition !== undefined && parseCondition(condition) === undefined)
                    ? `Policy ${args.props.name ?? args.name} has "${statement}", a grant this rule cannot read, so it cannot show that no key destroys object versions; write it as Allow <subject> to <verb> <resource> in <location> [where <condition>], with balanced braces.`
                    : `Policy ${args.props.name ?? args.name} lets "${statement}" destroy object versions (manage objects holds OBJECT_VERSION_DELETE); add request.permission != 'OBJECT_VERSION_DELETE' to its where clause (alone or in all {…}).`);
            }
        }
    },
};
