import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE_TYPES } from "../helm-releases";

/**
 * Where an identity provider signs in any account holder on the internet, a sign-in that admits
 * "everyone the issuer signs in" admits everyone (security review s17 H1). Their authorization
 * endpoints: Google (accounts.google.com/o/oauth2/v2/auth), GitLab.com (gitlab.com/oauth/authorize),
 * Entra's multi-tenant sign-ins (login.microsoftonline.com/common/ and /organizations/: any
 * organisation's accounts), Microsoft's personal accounts (login.microsoftonline.com/consumers/ or its tenant id
 * 9188040d-6c67-4c5b-b112-36a304b66dad: MicrosoftDocs/entra-docs id-token-claims-reference.md), Apple
 * (appleid.apple.com/auth/authorize). Read 2026-11-29.
 */
const ANY_ACCOUNT_AUTHORIZE = /^https:\/\/(accounts\.google\.com\/|gitlab\.com\/|login\.microsoftonline\.com\/(common|organizations|consumers|9188040d-6c67-4c5b-b112-36a304b66dad)\/|appleid\.apple\.com\/)/i;


interface SsoAdmissionConfig {
    /** The stack says its identity provider signs in only its organisation's accounts for this client. */
    restrictedClient: boolean;
}

const SCHEMA: PolicyConfigSchema = {
    properties: {
        restrictedClient: { type: "boolean", default: false, description: "The identity provider signs in only the organisation's accounts for this client (Google: consent screen Internal); from groundwork:access.sso.restrictedClient." },
    },
};

/**
 * JupyterHub's `allow_all` "Overrides all other `allow` configuration" and admits every user the
 * authenticator signs in (jupyterhub/oauthenticator@17.4.0 oauthenticator/oauth2.py L302-312,
 * L1497-1498). A notebook server runs any code in the cluster, so with an issuer that signs in any
 * account it is code execution for anyone on the internet.
 */
export const notebooksAdmitNamedPeople: ResourceValidationPolicy = {
    name: "notebooks-admit-named-people",
    description: "JupyterHub never admits everyone an identity provider signs in when that provider signs in any account on the internet (Google, GitLab.com, Microsoft personal accounts, Apple).",
    enforcementLevel: "mandatory",
    configSchema: SCHEMA,
    validateResource: (args, report) => {
        if (!HELM_RELEASE_TYPES.includes(args.type)) return;
        if (args.getConfig<SsoAdmissionConfig>().restrictedClient === true) return;
        const authenticators = args.props.values?.hub?.config;
        if (!authenticators || typeof authenticators !== "object") return;
        for (const [name, settings] of Object.entries(authenticators as Record<string, any>)) {
            if (!/OAuthenticator$/.test(name) || settings?.allow_all !== true) continue;
            const authorize = String(settings.authorize_url ?? "");
            if (!ANY_ACCOUNT_AUTHORIZE.test(authorize)) continue;
            report(`hub.config.${name}.allow_all is true with ${new URL(authorize).host}, which signs in any account on the internet: anyone could start a notebook server and run code in the cluster; admit a group (allowed_groups from groundwork:access.sso.usersGroup), or restrict the client at the identity provider and say so (access.sso.restrictedClient)`);
        }
    },
};
