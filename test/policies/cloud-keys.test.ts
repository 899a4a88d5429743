import { strict as assert } from "assert";
import { broadActions, broadOciStatements, cloudKeyJustified } from "../../policies/security/cloud-keys";
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
                `Allow group ${G} to inspect users in compartment id ocid1.compartment.oc1..x`,
            ];
            assert.deepEqual(broadOciStatements(narrow, G), []);
            const broad = [
                `Allow group ${G} to manage all-resources in compartment id ocid1.compartment.oc1..x`,
                `Allow group Administrators, ${G} to use groups in tenancy where request.user.name = 'x'`,
                `Allow group ${G} to read instances in tenancy`,
                `Allow group ${G} to manage object-family in compartment dev`,
                `Allow group ${G} to {OBJECT_READ} in compartment dev`,
                "Allow group someone-else to manage all-resources in tenancy",
            ];
            assert.deepEqual(broadOciStatements(broad, G).map((b) => b.slice(b.lastIndexOf("("))), [
                "(every resource type)",
                "(use on groups, which reaches identity itself)",
                "(the whole tenancy, with no condition)",
                "(every bucket of the compartment, with no condition)",
                "(not a verb and resource type this rule reads)",
            ]);
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
            assert.match(found[1], /is allowed "Allow group \S+ to manage objects in compartment id x" \(every bucket of the compartment, with no condition\)/);
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
