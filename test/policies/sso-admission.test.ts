import { strict as assert } from "assert";
import { notebooksAdmitNamedPeople } from "../../policies/security/sso-admission";
import { NOTEBOOK_SSO_POLICY, packConfigFor } from "../../plan/policy-config";
import { messages, record } from "./harness";
import { parse, problems, stackValues } from "../helpers";
import { anyAccountSignIn } from "../../stacks/config/access";

const CHART = "kubernetes:helm.sh/v4:Chart";
/** JupyterHub's chart values as notebooks.ts renders them, with the given authenticator settings. */
const hub = (settings: Record<string, unknown>) => record(CHART, { chart: "jupyterhub", values: { hub: { config: { JupyterHub: { authenticator_class: "generic-oauth" }, GenericOAuthenticator: settings } } } }, "notebooks");
const GOOGLE = "https://accounts.google.com/o/oauth2/v2/auth";

describe("notebooks-admit-named-people", () => {
    it("passes a group-restricted hub with Google, and allow_all with an issuer of one organisation", async () => {
        assert.deepEqual(await messages(notebooksAdmitNamedPeople, [
            hub({ authorize_url: GOOGLE, allowed_groups: ["ai-users"] }),
            hub({ authorize_url: "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/v2.0/authorize", allow_all: true }),
            hub({ authorize_url: "https://id.groundwork.example/realms/groundwork/protocol/openid-connect/auth", allow_all: true }),
        ]), []);
    });

    it("flags allow_all with an issuer that signs in any account: Google, Microsoft personal accounts, GitLab.com", async () => {
        const found = await messages(notebooksAdmitNamedPeople, [
            hub({ authorize_url: GOOGLE, allow_all: true }),
            hub({ authorize_url: "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize", allow_all: true }),
            hub({ authorize_url: "https://gitlab.com/oauth/authorize", allow_all: true }),
            hub({ authorize_url: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize", allow_all: true }),
        ]);
        assert.equal(found.length, 4);
        assert.equal(found[0], "hub.config.GenericOAuthenticator.allow_all is true with accounts.google.com, which signs in any account on the internet: anyone could start a notebook server and run code in the cluster; admit a group (allowed_groups from groundwork:access.sso.usersGroup), or restrict the client at the identity provider and say so (access.sso.restrictedClient)");
        assert.match(found[1], /with login\.microsoftonline\.com, which signs in any account/);
        assert.match(found[2], /with gitlab\.com, which signs in any account/);
    });

    it("takes the stack's word that its client is restricted, from access.sso.restrictedClient", async () => {
        assert.deepEqual(await messages(notebooksAdmitNamedPeople, [hub({ authorize_url: GOOGLE, allow_all: true })], { restrictedClient: true }), []);
        const v = stackValues("hybrid");
        v.access.sso.restrictedClient = true;
        assert.deepEqual(packConfigFor(parse(v), "security")[NOTEBOOK_SSO_POLICY], { restrictedClient: true });
        assert.equal(packConfigFor(parse(stackValues("hybrid")), "security")[NOTEBOOK_SSO_POLICY], undefined);
    });
});

describe("access.sso with an issuer that signs in any account (security review s17 H1)", () => {
    /** The hybrid stack (Google, no usersGroup, allowedDomains for the chat UI) with notebooks on. */
    const googleStack = () => {
        const v = stackValues("hybrid");
        v.access.sso.oauthEndpoints = { authorizeUrl: GOOGLE, tokenUrl: "https://oauth2.googleapis.com/token", userinfoUrl: "https://openidconnect.googleapis.com/v1/userinfo" };
        v.access.hosts.notebooks = `notebooks.${v.access.domain}`;
        v.apps = { ...v.apps, notebooks: { enabled: true } };
        return v;
    };
    const ssoProblems = (v: Record<string, any>) => {
        try {
            parse(v);
            return [];
        } catch {
            return problems(v).filter((p) => p.startsWith("groundwork:access.sso"));
        }
    };

    it("refuses notebooks without usersGroup, naming the claim and the way to say the client is restricted", () => {
        const found = ssoProblems(googleStack());
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /^groundwork:access\.sso\.usersGroup is not set: is needed while apps\.notebooks is on, and Google signs in any Google account: JupyterHub would start a server, which runs any code in the cluster with the team's gateway key, for anyone with such an account; name the group whose members may use notebooks \(sent in the groups claim\), or, if the identity provider signs in only your organisation's accounts for this client \(Google: consent screen Internal\), set access\.sso\.restrictedClient: true/);
    });

    it("accepts notebooks with a users group, or a client the stack says is restricted", () => {
        const grouped = googleStack();
        grouped.access.sso.usersGroup = "ai-users";
        assert.deepEqual(ssoProblems(grouped), []);
        const restricted = googleStack();
        restricted.access.sso.restrictedClient = true;
        assert.deepEqual(ssoProblems(restricted), []);
    });

    it("refuses Langfuse sign-up for any account, and the chat UI with neither domains nor a group", () => {
        const v = stackValues("hybrid");
        v.access.sso.langfuseSignUp = true;
        delete v.access.sso.allowedDomains;
        const found = ssoProblems(v);
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(found.find((p) => p.includes("allowedDomains"))!, /is needed, or usersGroup, while apps\.chat is on, and Google signs in any Google account: anyone with such an account could chat on the chat UI's key and budget/);
        assert.match(found.find((p) => p.includes("langfuseSignUp"))!, /is true, and Google signs in any Google account: anyone with such an account could make a Langfuse account \(Langfuse checks no group\), one role given by mistake from every team's traces/);
    });

    it("reads the issuer as its users write it, and notebooks' sign-in endpoint too (review s17b)", () => {
        for (const issuer of ["https://gitlab.com/", "https://GitLab.com", "https://appleid.apple.com/", "https://login.microsoftonline.com/9188040D-6C67-4C5B-B112-36A304B66DAD/v2.0"]) {
            assert.ok(anyAccountSignIn(issuer, undefined), issuer);
        }
        assert.equal(anyAccountSignIn("https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0", "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/v2.0/authorize"), undefined);
        // Your own tenant as the issuer, but notebooks sent to Entra's multi-tenant sign-in.
        const v = stackValues("cloud");
        v.access.sso.oauthEndpoints.authorizeUrl = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize";
        v.access.hosts.notebooks = `notebooks.${v.access.domain}`;
        v.apps = { ...v.apps, notebooks: { enabled: true } };
        const found = ssoProblems(v);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /usersGroup is not set: is needed while apps\.notebooks is on, and notebooks would sign people in at Entra's multi-tenant endpoint, which signs in any Microsoft account/);
    });

    it("leaves an issuer of one organisation alone: Entra with its tenant id admits the tenant's people", () => {
        const v = stackValues("cloud");
        v.access.sso.langfuseSignUp = true;
        assert.deepEqual(ssoProblems(v), []);
    });
});
