import * as pulumi from "@pulumi/pulumi";
import { kvReadPolicy, OPERATOR_POLICY, VAULT_CLI_CALLBACK, VaultPeopleAuth } from "../components/platform/vault-bootstrap";
import { INGRESS_PORTS } from "../components/k3s/ports";
import { SsoConfig } from "./config/access";
import { InferenceConfig } from "./config/inference";
import { PlatformSecrets } from "./platform-secrets";

/** The Vault role operators sign in to; `vault login -method=oidc` uses it when none is named. */
export const OPERATOR_ROLE = "operator";
/** A team's owners sign in to this Vault role and read `teams/<team>/*` only. */
export const teamRole = (team: string) => `team-${team}`;

/**
 * The OIDC client secret, copied under each consumer's own Vault path (`<consumer>/sso`), since a
 * consumer reads only its own prefix.
 */
export function ssoSecrets(sso: SsoConfig, consumers: string[]): PlatformSecrets {
    return Object.fromEntries(consumers.map((c) => [`${c}/sso`, { clientSecret: pulumi.output(sso.clientSecret) }]));
}

/**
 * People's sign-in to Vault: operators (the operators group) and each team's owners (its
 * `ownersGroup`), by the groups claim. Redirects: the CLI's local callback, and the UI's on the
 * operator entrypoint when Vault has a host. Vault documents the UI callback as
 * https://<host>/ui/vault/auth/<path>/oidc/callback (developer.hashicorp.com/vault/docs/auth/jwt, read 2026-11-27).
 */
export function peopleAuth(sso: SsoConfig, teams: InferenceConfig["teams"], vaultHost?: string): VaultPeopleAuth {
    const ui = vaultHost ? [`https://${vaultHost}:${INGRESS_PORTS.operators}/ui/vault/auth/oidc/oidc/callback`] : [];
    return {
        issuer: sso.issuer,
        clientId: sso.clientId,
        clientSecret: sso.clientSecret,
        groupsClaim: sso.groupsClaim,
        redirectUris: [...ui, VAULT_CLI_CALLBACK],
        defaultRole: OPERATOR_ROLE,
        roles: [
            { name: OPERATOR_ROLE, group: sso.operatorsGroup, policy: OPERATOR_POLICY },
            ...teams.filter((t) => t.ownersGroup).map((t) => ({ name: teamRole(t.name), group: t.ownersGroup!, policy: kvReadPolicy(`teams/${t.name}`) })),
        ],
    };
}
