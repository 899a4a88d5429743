import { strict as assert } from "assert";
import { broadActions, broadOciStatements, cloudKeyJustified, everyResource } from "../../policies/security/cloud-keys";
import { toPolicyRecord } from "../../plan/policy-report";
import { committedPlan } from "../helpers";
import { messages, record } from "./harness";

const urn = (type: string, name: string) => `urn:pulumi:test::groundwork::${type}::${name}`;
const USER = "aws:iam/user:User";
const user = (name: string, tags?: Record<string, string>) => record(USER, { path: "/groundwork/", ...(tags && { tags }) }, name);
const key = (name: string, userName?: string) => record("aws:iam/accessKey:AccessKey", { user: `${name}-user` }, name, { dependencies: userName ? [urn(USER, userName)] : [] });
const policy = (name: string, userName: string, actions: string[]) => record("aws:iam/userPolicy:UserPolicy", {
    user: userName, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] }),
}, name, { dependencies: [urn(USER, userName)] });

describe("cloud-key-justified", () => {
    it("reads the broad actions of a policy document", () => {
        assert.deepEqual(broadActions(JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "iam:CreateUser"] }, { Effect: "Allow", Action: "*" }, { Effect: "Deny", Action: "*" }] })), ["iam:CreateUser", "*"]);
        assert.deepEqual(broadActions("not json"), []);
        // A whole service on every resource, and NotAction, which allows all it does not list.
        assert.deepEqual(broadActions({ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }, { Effect: "Allow", NotAction: "s3:GetObject", Resource: "*" }] }), ["s3:*", 'NotAction "s3:GetObject"']);
        assert.deepEqual(broadActions({ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::backups/postgres/*"] }] }), [], "a service on its own prefix is narrow");
    });

    it("reads a service's every resource in ARN form too (security review s12 M2)", () => {
        assert.deepEqual(["*", "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:aws:kms:*:*:key/*", "arn:aws:sqs:*:*:*"].map(everyResource), [true, true, true, true, true]);
        assert.deepEqual(["arn:aws:s3:::backups-cloud/*", "arn:aws:s3:::backups-cloud", "arn:aws:kms:us-east-1:123456789012:key/abcd"].map(everyResource), [false, false, false]);
        assert.deepEqual(broadActions({ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::*" }, { Effect: "Allow", Action: "kms:*", Resource: "arn:aws:kms:*:*:key/*" }] }), ["s3:*", "kms:*"]);
    });

    it("flags a policy attached to a workload user with the attachment that names users, and an OCI key user in a group the stack does not make", async () => {
        const tagged = user("backups", { "groundwork-no-role": "pods cannot reach the instance role" });
        const attachment = record("aws:iam/policyAttachment:PolicyAttachment", { users: ["backups"], policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }, "admin", { dependencies: [urn(USER, "backups")] });
        assert.deepEqual(await messages(cloudKeyJustified, [tagged, key("backups", "backups"), attachment]), [
            "AccessKey backups: user backups also gets rights through PolicyAttachment admin, which its inline policy does not show; give a workload's user one inline policy with only the actions it calls",
        ]);
        const records = (await committedPlan("dev")).resources.map(toPolicyRecord);
        const keyUser = records.find((r) => r.type === "oci:Identity/user:User")!;
        const admins = record("oci:Identity/userGroupMembership:UserGroupMembership", { userId: "offline-user", groupId: "ocid1.group.oc1..administrators" }, "admins", { dependencies: [keyUser.urn] });
        const found = await messages(cloudKeyJustified, [...records, admins]);
        assert.deepEqual(found, [`CustomerSecretKey ${keyUser.name}: user ${keyUser.name} is a member of a group the stack does not make ("ocid1.group.oc1..administrators"), whose rights it cannot read; put a workload's user only in a group the stack makes for it`]);
    });

    it("flags rights a workload user gets beside its inline policy: a managed policy, a group", async () => {
        const tagged = user("backups", { "groundwork-no-role": "pods cannot reach the instance role" });
        const attach = (type: string, name: string) => record(type, { user: "backups", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }, name, { dependencies: [urn(USER, "backups")] });
        const found = await messages(cloudKeyJustified, [tagged, key("backups", "backups"), attach("aws:iam/userPolicyAttachment:UserPolicyAttachment", "admin"), attach("aws:iam/userGroupMembership:UserGroupMembership", "admins")]);
        assert.deepEqual(found, [
            "AccessKey backups: user backups also gets rights through UserPolicyAttachment admin, which its inline policy does not show; give a workload's user one inline policy with only the actions it calls",
            "AccessKey backups: user backups also gets rights through UserGroupMembership admins, which its inline policy does not show; give a workload's user one inline policy with only the actions it calls",
        ]);
    });

    it("passes a key on a workload user that says why no role serves, with narrow rights", async () => {
        const records = [user("backups", { "groundwork-no-role": "pods cannot reach the instance role" }), key("backups", "backups"), policy("backups", "backups", ["s3:GetObject", "s3:PutObject"])];
        assert.deepEqual(await messages(cloudKeyJustified, records), []);
    });

    it("flags a key on a user the stack does not make, a user that gives no reason, and a broad policy", async () => {
        const records = [key("deployer"), user("ci"), key("ci", "ci"), policy("ci", "ci", ["*"])];
        assert.deepEqual(await messages(cloudKeyJustified, records), [
            "AccessKey deployer belongs to a user the stack does not make (a person's or the deployer's, with all their rights); make a user for the workload alone and give it the key, or use a role",
            "AccessKey ci is a long-lived key on user ci, which does not say why a role would not do; use an instance role, instance principal or OIDC, or tag the user groundwork-no-role: <why none can serve>",
            "AccessKey ci: user ci's policy ci allows *; a workload's key gets only the actions it calls",
        ]);
    });

    describe("on OCI, where a user's rights are its groups' policy statements", () => {
        const G = "groundwork-dev-backups-postgres";
        it("reads the broad parts of a group's statements, and only that group's", () => {
            const narrow = [
                `Allow group ${G} to read buckets in compartment id ocid1.compartment.oc1..x where target.bucket.name = 'backups-dev'`,
                `Allow group ${G} to manage objects in compartment id ocid1.compartment.oc1..x where all {target.bucket.name = 'backups-dev', target.object.name = 'postgres/*'}`,
                "Allow group someone-else to manage all-resources in tenancy",
                "Allow dynamic-group vault-unseal to use keys in compartment id x where target.key.id = 'k'",
            ];
            assert.deepEqual(broadOciStatements(narrow, G), []);
            const broad = [
                `Allow group ${G} to manage all-resources in compartment id ocid1.compartment.oc1..x`,
                `Allow group Administrators, ${G} to use groups in tenancy where request.user.name = 'x'`,
                `Allow group ${G} to read instances in tenancy`,
                `Allow group ${G} to manage object-family in compartment dev`,
                `Allow group ${G} to {OBJECT_READ} in compartment dev`,
                // Security review s12 M2: other subjects that name the group, other families, conditions that narrow nothing.
                "Allow group id ocid1.group.oc1..aaaa to manage all-resources in tenancy",
                `Allow group 'Default'/'${G}' to manage all-resources in tenancy`,
                "Allow any-user to manage all-resources in tenancy where request.user.name = 'x'",
                `Allow group ${G} to manage objects in tenancy where request.region = 'eu-frankfurt-1'`,
                `Allow group ${G} to manage key-family in compartment id ocid1.compartment.oc1..x`,
                `Allow group ${G} to manage secret-family in compartment id ocid1.compartment.oc1..x`,
                `Allow group ${G} to manage instance-family in compartment id ocid1.compartment.oc1..x`,
                `Allow group ${G} to manage buckets in compartment id x where request.permission != 'BUCKET_DELETE'`,
            ];
            assert.deepEqual(broadOciStatements(broad, G).map((b) => b.slice(b.lastIndexOf("("))), [
                "(every resource type)",
                "(use on groups, which reaches identity itself)",
                "(instances across the whole tenancy: no where condition on a target)",
                "(object-family across the whole compartment: no where condition on a target)",
                "(not a verb and resource type this rule reads)",
                "(every resource type)",
                "(every resource type)",
                "(every resource type)",
                "(objects across the whole tenancy: no where condition on a target)",
                "(key-family across the whole compartment: no where condition on a target)",
                "(secret-family across the whole compartment: no where condition on a target)",
                "(instance-family across the whole compartment: no where condition on a target)",
                "(buckets across the whole compartment: no where condition on a target)",
            ]);
            assert.deepEqual(broadOciStatements(["Allow group id ocid1.group.oc1..other to manage all-resources in tenancy"], { name: G, id: "ocid1.group.oc1..mine" }), [], "a known OCID that is another group's");
        });

        it("passes dev's bucket users, and flags one that may sign in to the console or whose group reaches every bucket", async () => {
            const records = (await committedPlan("dev")).resources.map(toPolicyRecord);
            assert.ok(records.some((r) => r.type === "oci:Identity/customerSecretKey:CustomerSecretKey"));
            assert.deepEqual(await messages(cloudKeyJustified, records), []);
            const capabilities = records.find((r) => r.type === "oci:Identity/userCapabilitiesManagement:UserCapabilitiesManagement")!;
            const policy = records.find((r) => r.type === "oci:Identity/policy:Policy" && r.name === capabilities.name)!;
            const widened = records.map((r) => r === capabilities ? { ...r, props: { ...r.props, canUseConsolePassword: true } }
                : r === policy ? { ...r, props: { ...r.props, statements: [...r.props.statements, `Allow group ${r.props.name} to manage objects in compartment id x`] } } : r);
            const found = await messages(cloudKeyJustified, widened);
            assert.equal(found.length, 2, found.join("\n"));
            assert.match(found[0], new RegExp(`^CustomerSecretKey ${capabilities.name}: user ${capabilities.name} may also hold a console password; give it a UserCapabilitiesManagement`));
            assert.match(found[1], /is allowed "Allow group \S+ to manage objects in compartment id x" \(objects across the whole compartment: no where condition on a target\)/);
            const without = records.filter((r) => r !== capabilities);
            assert.match((await messages(cloudKeyJustified, without))[0], /may also hold API signing keys, auth tokens, a console password, SMTP credentials/);
        });
    });

    it("holds in every stack, each key found on its own tagged user", async () => {
        let keys = 0;
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            const records = (await committedPlan(stack)).resources.map(toPolicyRecord);
            const found = records.filter((r) => r.type === "aws:iam/accessKey:AccessKey" || r.type === "oci:Identity/customerSecretKey:CustomerSecretKey");
            keys += found.length;
            for (const k of found) assert.ok((k.dependencies ?? []).some((d) => /:Identity\/user:User::|:iam\/user:User::/.test(d)), `${stack} ${k.name} has no user of its own`);
            assert.deepEqual(await messages(cloudKeyJustified, records), [], stack);
        }
        assert.ok(keys >= 9, `only ${keys} keys checked`);
    });
});
