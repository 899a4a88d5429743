import { strict as assert } from "assert";
import { toPolicyRecord } from "../../plan/policy-report";
import { bucketVersionsKeptFromKeys, versionDeletingActions, versionDeletingStatements } from "../../policies/data/version-deletes";
import { committedPlan } from "../helpers";
import { messages, record } from "./harness";

const document = (statement: Record<string, unknown>) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const ociPolicy = (statements: string[]) => record("oci:Identity/policy:Policy", { name: "backups-langfuse", statements }, "backups-langfuse");
const MANAGE = "Allow group g to manage objects in compartment id c where all {target.bucket.name = 'b', target.object.name = 'langfuse/*'";

describe("bucket-versions-kept-from-keys", () => {
    it("passes every stack's plan: no key may destroy a version, on AWS or OCI", async () => {
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            const records = (await committedPlan(stack)).resources.map(toPolicyRecord);
            assert.deepEqual(await messages(bucketVersionsKeptFromKeys, records), [], stack);
        }
        // The plans do hold what the rule reads: OCI consumer statements (dev) and S3 user policies (cloud).
        const dev = (await committedPlan("dev")).resources.map(toPolicyRecord).filter((r) => r.type === "oci:Identity/policy:Policy");
        assert.ok(dev.flatMap((p) => p.props.statements as string[]).filter((s) => /manage objects/.test(s)).length >= 6);
        const cloud = (await committedPlan("cloud")).resources.map(toPolicyRecord).filter((r) => r.type === "aws:iam/userPolicy:UserPolicy");
        assert.ok(cloud.some((p) => /s3:DeleteObject"/.test(String(p.props.policy))), "a key that deletes (a marker), and passes");
    });

    it("flags an IAM Allow of s3:DeleteObjectVersion, by name, by wildcard or through NotAction", async () => {
        assert.deepEqual(versionDeletingActions(document({ Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: "arn:aws:s3:::b/langfuse/*" })), []);
        assert.deepEqual(versionDeletingActions(document({ Effect: "Allow", Action: ["s3:DeleteObjectVersion"], Resource: "arn:aws:s3:::b/*" })), ["s3:DeleteObjectVersion"]);
        assert.deepEqual(versionDeletingActions(document({ Effect: "Allow", Action: ["s3:delete*", "s3:*", "*"], Resource: "*" })), ["s3:delete*", "s3:*", "*"]);
        assert.deepEqual(versionDeletingActions(document({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })), ['NotAction "iam:*"']);
        assert.deepEqual(versionDeletingActions(document({ Effect: "Allow", NotAction: ["s3:DeleteObjectVersion", "iam:*"], Resource: "*" })), []);
        assert.deepEqual(versionDeletingActions(document({ Effect: "Deny", Action: "s3:DeleteObjectVersion", Resource: "*" })), []);
        assert.deepEqual(versionDeletingActions(document({ Effect: "Allow", Action: "*", Resource: "arn:aws:kms:eu-west-1:1:key/k" })), [], "no S3 object in reach");
        // `?` is a wildcard too, and an ARN with a wildcard partition or region, or an access point, reaches objects (final check s29 FC29-3).
        assert.deepEqual(versionDeletingActions(document({ Effect: "Allow", Action: "s3:DeleteObjectVersio?", Resource: "arn:*:s3:::b/*" })), ["s3:DeleteObjectVersio?"]);
        assert.deepEqual(versionDeletingActions(document({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:eu-west-1:123456789012:accesspoint/backups/object/*" })), ["s3:*"]);
        assert.deepEqual(versionDeletingActions(document({ Effect: "Allow", Action: "*", Resource: "arn:*:*:*:*:*" })), ["*"]);
        const attachment = record("aws:iam/userPolicyAttachment:UserPolicyAttachment", { user: "langfuse", policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" }, "langfuse-s3");
        assert.deepEqual(await messages(bucketVersionsKeptFromKeys, [attachment]), [
            "UserPolicyAttachment langfuse-s3 attaches arn:aws:iam::aws:policy/AmazonS3FullAccess, which allows s3:DeleteObjectVersion on every bucket, backups included; only the bucket's lifecycle may destroy a version. Attach a policy of the actions the workload calls.",
        ]);
        assert.deepEqual(await messages(bucketVersionsKeptFromKeys, [record("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "node", policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, "ssm")]), []);
        // A Role's own list and the exclusive attachments attach too (read-through s29 RT29-5).
        assert.equal((await messages(bucketVersionsKeptFromKeys, [record("aws:iam/role:Role", { managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] }, "ops")])).length, 1);
        assert.equal((await messages(bucketVersionsKeptFromKeys, [record("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", { roleName: "ops", policyArns: ["arn:aws:iam::aws:policy/AmazonS3FullAccess"] }, "ops-exclusive")])).length, 1);
        const userPolicy = record("aws:iam/userPolicy:UserPolicy", { user: "langfuse", policy: document({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/langfuse/*" }) }, "backups-langfuse");
        assert.deepEqual(await messages(bucketVersionsKeptFromKeys, [userPolicy]), [
            "UserPolicy backups-langfuse allows s3:*, which destroys object versions, backups included; only the bucket's lifecycle may. Grant s3:DeleteObject alone (a delete marker on a versioned bucket).",
        ]);
    });

    it("flags an OCI statement that manages objects without excluding OBJECT_VERSION_DELETE where it binds", async () => {
        assert.deepEqual(versionDeletingStatements([`${MANAGE}, request.permission != 'OBJECT_VERSION_DELETE'}`]), []);
        assert.deepEqual(versionDeletingStatements(["Allow group g to manage objects in tenancy where request.permission != 'OBJECT_VERSION_DELETE'"]), []);
        // Written over several lines, as a policy file may be (read-through s29 RT29-9).
        assert.deepEqual(versionDeletingStatements(["Allow group g\n  to manage objects in tenancy\n  where all {target.bucket.name = 'b',\n    request.permission != 'OBJECT_VERSION_DELETE'}"]), []);
        assert.deepEqual(versionDeletingStatements(["Allow group g to read objects in tenancy", "Allow group g to inspect objects in tenancy"]), []);
        // The lifecycle itself is the retention.
        assert.deepEqual(versionDeletingStatements(["Allow service objectstorage-eu-frankfurt-1 to manage object-family in compartment id c"]), []);
        // Oracle's write-only pattern names the permissions it allows, none of them this one (final check s29 FC29-2).
        assert.deepEqual(versionDeletingStatements([
            "Allow group g to manage objects in compartment c where all {target.bucket.name='BucketA', any {request.permission='OBJECT_CREATE', request.permission='OBJECT_INSPECT'}}",
            "Allow group g to manage objects in tenancy where request.permission = 'OBJECT_CREATE'",
            "Endorse group g to manage object-family in tenancy foreign",
            "Define tenancy foreign as ocid1.tenancy.oc1..x",
        ]), []);
        const open = [
            `${MANAGE}, request.operation != 'DeleteObjectVersion'}`,
            "Allow group uploaders to manage object-family in compartment id c",
            "Allow group admins to manage all-resources in tenancy",
            "Allow group g to manage objects in tenancy where any {request.permission != 'OBJECT_VERSION_DELETE', target.bucket.name = 'b'}",
            "Allow group g to manage objects in tenancy where all {target.bucket.name='b', any {target.object.name='x/*', request.permission != 'OBJECT_VERSION_DELETE'}}",
            "Allow group g to {OBJECT_VERSION_DELETE} in tenancy",
            "Admit group StorageAdmins of tenancy SourceTenancy to manage object-family in tenancy",
            "Allow group g to manage objects in tenancy where all {request.permission != 'OBJECT_VERSION_DELETE'",
        ];
        assert.deepEqual(versionDeletingStatements(open), open);
        assert.deepEqual(await messages(bucketVersionsKeptFromKeys, [ociPolicy([open[7]])]), [
            `Policy backups-langfuse has "${open[7]}", a grant this rule cannot read, so it cannot show that no key destroys object versions; write it as Allow <subject> to <verb> <resource> in <location> [where <condition>], with balanced braces.`,
        ]);
        assert.deepEqual(await messages(bucketVersionsKeptFromKeys, [ociPolicy([open[0]])]), [
            `Policy backups-langfuse lets "${open[0]}" destroy object versions (manage objects holds OBJECT_VERSION_DELETE); add request.permission != 'OBJECT_VERSION_DELETE' to its where clause (alone or in all {…}).`,
        ]);
    });
});
