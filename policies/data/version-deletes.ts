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
 *   exclude it with `request.permission != 'OBJECT_VERSION_DELETE'` in a condition that binds
 *   (alone, or in an `all {…}`). The Object Storage service itself (`service objectstorage-<region>`)
 *   is the lifecycle, which is the retention.
 */

const VERSION_DELETE = "s3:DeleteObjectVersion";
const IAM_DOCUMENT_TYPES: Record<string, string> = {
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
};

/** Whether an IAM action pattern (`*` any run of characters, case-insensitive) matches `action`. */
function actionMatches(pattern: string, action: string): boolean {
    const source = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
    return new RegExp(`^${source}$`, "i").test(action);
}

/** Whether a statement's resources can be S3 objects: `*`, an S3 ARN, or a NotResource. */
function reachesObjects(statement: Record<string, unknown>): boolean {
    if (statement.NotResource !== undefined) return true;
    return [statement.Resource ?? "*"].flat().some((r) => typeof r === "string" && (r === "*" || /^arn:[a-z-]+:s3:::/i.test(r)));
}

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

const OCI_STATEMENT = /^\s*allow\s+(.+?)\s+to\s+(\{[^}]*\}|[a-z-]+)\s+([a-z-]+)?\s*in\s+.+?(?:\s+where\s+(.+))?\s*$/i;
const EXCLUDES_VERSION_DELETE = /request\.permission\s*!=\s*'OBJECT_VERSION_DELETE'/i;

/** Whether an OCI `where` clause binds `request.permission != 'OBJECT_VERSION_DELETE'`: alone, or inside `all {…}`. */
function excludesVersionDelete(where: string | undefined): boolean {
    if (where === undefined) return false;
    const clause = where.trim();
    const all = /^all\s*\{(.*)\}$/is.exec(clause);
    if (all) return all[1].split(",").some((c) => EXCLUDES_VERSION_DELETE.test(c) && /^\s*request\.permission\s*!=/i.test(c));
    return /^request\.permission\s*!=\s*'OBJECT_VERSION_DELETE'$/i.test(clause);
}

/** The OCI policy statements that let someone other than Object Storage's lifecycle destroy object versions. */
export function versionDeletingStatements(statements: string[]): string[] {
    return statements.filter((statement) => {
        const m = OCI_STATEMENT.exec(statement);
        if (!m) return false;
        const [, subject, verb, resource, where] = m;
        if (/^service\s+objectstorage-[a-z0-9-]+$/i.test(subject.trim())) return false;
        const grants = verb.startsWith("{")
            ? /\bOBJECT_VERSION_DELETE\b/i.test(verb)
            : verb.toLowerCase() === "manage" && ["objects", "object-family", "all-resources"].includes((resource ?? "").toLowerCase());
        return grants && !excludesVersionDelete(where);
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
        if (args.type === "aws:iam/role:Role") {
            for (const inline of args.props.inlinePolicies ?? []) {
                for (const action of versionDeletingActions(inline?.policy)) {
                    report(`Role ${args.name}'s inline policy ${inline?.name ?? ""} allows ${action}, which destroys object versions, backups included; only the bucket's lifecycle may. Grant s3:DeleteObject alone.`);
                }
            }
        }
        if (args.type === "oci:Identity/policy:Policy") {
            for (const statement of versionDeletingStatements(args.props.statements ?? [])) {
                report(`Policy ${args.props.name ?? args.name} lets "${statement}" destroy object versions (manage objects holds OBJECT_VERSION_DELETE); add request.permission != 'OBJECT_VERSION_DELETE' to its where clause (alone or in all {…}).`);
            }
        }
    },
};
