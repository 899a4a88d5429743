import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { VAULT_NAMESPACE, VAULT_RELEASE } from "./vault";

/** The KV v2 engine that holds every platform secret, under `<mount>/<consumer>`. */
export const SECRETS_MOUNT = "groundwork";

/** Runs `vault` inside the first Vault pod, through k3s's kubectl on a server. */
const VAULT_EXEC = `sudo k3s kubectl -n ${VAULT_NAMESPACE} exec -i ${VAULT_RELEASE}-0 -c vault --`;

/**
 * Waits for Vault to answer, then initialises it once (auto-unseal: one recovery share) and
 * prints Vault's init JSON; prints `{}` if Vault already was initialised.
 */
export function vaultInitScript(): string {
    return `#!/bin/sh
set -eu
status=""
for _ in $(seq 1 180); do
    rc=0
    status="$(${VAULT_EXEC} vault status -format=json 2>/dev/null)" || rc=$?
    # 0: unsealed, 2: sealed (and so possibly uninitialised); anything else: not up yet.
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]; then
        break
    fi
    status=""
    sleep 5
done
if [ -z "$status" ]; then
    echo "Vault did not answer within 15 minutes; see: k3s kubectl -n ${VAULT_NAMESPACE} describe pod ${VAULT_RELEASE}-0" >&2
    exit 1
fi
if printf '%s' "$status" | grep -q '"initialized": true'; then
    echo "Vault was already initialised outside this stack; set groundwork:platform.vault.token (secret) to let Pulumi configure it" >&2
    echo '{}'
    exit 0
fi
${VAULT_EXEC} vault operator init -format=json -recovery-shares=1 -recovery-threshold=1
`;
}

/** A workload allowed to read its own secrets, `<mount>/<name>/*`, through the Kubernetes auth method. */
export interface VaultConsumer {
    name: string;
    namespace: string;
    serviceAccount: string;
}

/** A Vault role people sign in to through OIDC: members of `group` get `policy`. */
export interface VaultPeopleRole {
    name: string;
    /** The identity provider's group (a value of the groups claim) bound to the role. */
    group: string;
    /** HCL of the role's policy (written under the role's name). */
    policy: string;
}

/** Single sign-on for people: Vault's OIDC auth method, one role per group. */
export interface VaultPeopleAuth {
    /** OIDC discovery URL (the issuer). */
    issuer: string;
    clientId: string;
    clientSecret: pulumi.Input<string>;
    groupsClaim: string;
    /** Vault UI callback(s) and the CLI's (`http://localhost:8250/oidc/callback`). */
    redirectUris: string[];
    /** The role `vault login -method=oidc` uses when none is named. */
    defaultRole: string;
    roles: VaultPeopleRole[];
}

/** Where the Vault CLI listens for the OIDC callback (`vault login -method=oidc`), per Vault's JWT/OIDC docs. */
export const VAULT_CLI_CALLBACK = "http://localhost:8250/oidc/callback";

/** Read access to the KV paths under `prefix` (KV v2: `data/` to read, `metadata/` to list). */
export function kvReadPolicy(prefix: string): string {
    return `path "${SECRETS_MOUNT}/data/${prefix}/*" {
  capabilities = ["read"]
}
path "${SECRETS_MOUNT}/metadata/${prefix}/*" {
  capabilities = ["read", "list"]
}
path "${SECRETS_MOUNT}/metadata/${prefix}" {
  capabilities = ["list"]
}
`;
}

/**
 * Operators' daily work without the root token: every platform secret (read, write, list, not
 * destroy), the auth methods' and policies' settings to read, health and seal status.
 */
export const OPERATOR_POLICY = `path "${SECRETS_MOUNT}/data/*" {
  capabilities = ["create", "read", "update", "list"]
}
path "${SECRETS_MOUNT}/metadata/*" {
  capabilities = ["read", "list"]
}
path "sys/policies/acl/*" {
  capabilities = ["read", "list"]
}
path "sys/auth" {
  capabilities = ["read"]
}
path "sys/mounts" {
  capabilities = ["read"]
}
path "sys/health" {
  capabilities = ["read", "sudo"]
}
path "sys/seal-status" {
  capabilities = ["read"]
}
`;

/**
 * Script lines that turn on OIDC for people (once) and write its config and roles: each role
 * binds one group of the groups claim (bound_claims) to one policy, with 8-hour tokens. Roles
 * and config go as JSON on stdin, so lists and maps keep their types. Vault JWT/OIDC auth API:
 * auth/<path>/config (oidc_discovery_url, oidc_client_id, oidc_client_secret, default_role) and
 * auth/<path>/role/<name> (role_type, user_claim, groups_claim, bound_claims,
 * allowed_redirect_uris, oidc_scopes, token_policies, token_ttl); hashicorp/vault-plugin-auth-jwt.
 */
export function vaultPeopleAuthLines(people: VaultPeopleAuth & { clientSecret: string }): string {
    const config = { oidc_discovery_url: people.issuer, oidc_client_id: people.clientId, oidc_client_secret: people.clientSecret, default_role: people.defaultRole };
    const roles = people.roles.map((r) => {
        const role = {
            role_type: "oidc",
            user_claim: "sub",
            groups_claim: people.groupsClaim,
            bound_claims: { [people.groupsClaim]: [r.group] },
            oidc_scopes: ["openid", "profile", "email"],
            allowed_redirect_uris: people.redirectUris,
            token_policies: [r.name],
            token_ttl: "8h",
            token_max_ttl: "8h",
        };
        return `vault policy write ${r.name} - <<'GROUNDWORK_POLICY'
${r.policy}GROUNDWORK_POLICY
vault write auth/oidc/role/${r.name} - <<'GROUNDWORK_ROLE'
${JSON.stringify(role)}
GROUNDWORK_ROLE
`;
    }).join("");
    return `vault auth list -format=json | grep -q '"oidc/"' || vault auth enable oidc
${roles}vault write auth/oidc/config - <<'GROUNDWORK_OIDC'
${JSON.stringify(config)}
GROUNDWORK_OIDC
`;
}

/**
 * The configuration run inside the Vault pod (fed on stdin): the KV engine and the Kubernetes
 * auth method (once), a read-only policy and role per consumer, the secrets themselves, and last
 * people's OIDC sign-in when configured (Vault fetches the issuer's discovery document when its
 * config is written: an unreachable issuer must not keep the platform's secrets from Vault). The token, the OIDC client secret and the secrets
 * are in this text: it travels only as a secret, on stdin.
 */
export function vaultConfigureScript(token: string, consumers: VaultConsumer[], secrets: Record<string, Record<string, string>>, people?: VaultPeopleAuth & { clientSecret: string }): string {
    const consumerLines = consumers.map((c) => `vault policy write ${c.name} - <<'GROUNDWORK_POLICY'
path "${SECRETS_MOUNT}/data/${c.name}/*" {
  capabilities = ["read"]
}
GROUNDWORK_POLICY
vault write auth/kubernetes/role/${c.name} bound_service_account_names=${c.serviceAccount} bound_service_account_namespaces=${c.namespace} token_policies=${c.name} token_ttl=1h
`).join("");
    const secretLines = Object.entries(secrets).map(([path, data]) => `cat > "$seed" <<'GROUNDWORK_SECRET'
${JSON.stringify(data)}
GROUNDWORK_SECRET
vault kv put -mount=${SECRETS_MOUNT} ${path} @"$seed" >/dev/null
`).join("");
    return `#!/bin/sh
set -eu
export VAULT_ADDR="http://127.0.0.1:8200"
export VAULT_TOKEN='${token}'
vault secrets list -format=json | grep -q '"${SECRETS_MOUNT}/"' || vault secrets enable -path=${SECRETS_MOUNT} -version=2 kv
vault auth list -format=json | grep -q '"kubernetes/"' || vault auth enable kubernetes
vault write auth/kubernetes/config kubernetes_host="https://kubernetes.default.svc"
${consumerLines}seed="$(mktemp)"
trap 'rm -f "$seed"' EXIT
${secretLines}${people ? vaultPeopleAuthLines(people) : ""}echo "configured ${Object.keys(secrets).length} secret paths and ${consumers.length} consumers"
`;
}

export interface VaultBootstrapArgs {
    /** SSH access to a k3s server, which runs `kubectl exec` into Vault. */
    server: { address: pulumi.Input<string>; port: number; user: string; privateKey: pulumi.Input<string> };
    /** Initialise Vault here (auto-unseal), or use an operator's token (manual unseal). */
    init: boolean;
    /** With manual unseal: a token the operator created after unsealing (secret). */
    token?: pulumi.Input<string>;
    consumers: VaultConsumer[];
    /** Secrets by path under the mount, e.g. `postgres/app` → `{ password }`. */
    secrets: Record<string, Record<string, pulumi.Input<string>>>;
    /** What must exist before Vault can be reached (the cluster's access, Vault's release). */
    after: pulumi.Resource[];
    /** People's single sign-on (OIDC), when the stack has an identity provider. */
    people?: VaultPeopleAuth;
}

/**
 * Initialises Vault once (keeping the root token and recovery key as secrets in Pulumi's state)
 * and writes its engines, auth, policies and every platform secret, again whenever they change.
 */
export class VaultBootstrap extends pulumi.ComponentResource {
    /** Vault's recovery key (secret): needed to regenerate a root token. */
    public readonly recoveryKey: pulumi.Output<string | undefined>;

    constructor(name: string, args: VaultBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:VaultBootstrap", name, {}, opts);
        const connection = { host: args.server.address, port: args.server.port, user: args.server.user, privateKey: args.server.privateKey, dialErrorLimit: 30 };

        let token: pulumi.Output<string | undefined> = pulumi.output(args.token);
        let dependsOn: pulumi.Resource[] = args.after;
        if (args.init) {
            const init = new command.remote.Command(`${name}-init`, {
                connection,
                create: vaultInitScript(),
                logging: "none",
            }, { parent: this, additionalSecretOutputs: ["stdout"], dependsOn: args.after });
            const result = init.stdout.apply((out) => JSON.parse(out) as { root_token?: string; recovery_keys_b64?: string[] });
            token = pulumi.secret(result.apply((r) => r.root_token ?? args.token));
            this.recoveryKey = pulumi.secret(result.apply((r) => r.recovery_keys_b64?.[0]));
            dependsOn = [...args.after, init];
        } else {
            this.recoveryKey = pulumi.output(undefined);
        }

        if (!args.init && args.token === undefined) {
            // Manual unseal: Vault has no token for Pulumi until an operator initialises it.
            pulumi.log.warn("Vault is not configured yet: initialise and unseal it, set groundwork:platform.vault.token, then run pulumi up again (README, Vault)", this);
            this.registerOutputs({ recoveryKey: this.recoveryKey });
            return;
        }
        const script = pulumi.all([token, pulumi.output(args.secrets), pulumi.output(args.people?.clientSecret)]).apply(([t, s, clientSecret]) =>
            vaultConfigureScript(t!, args.consumers, s as Record<string, Record<string, string>>, args.people && { ...args.people, clientSecret: clientSecret! }));
        new command.remote.Command(`${name}-configure`, {
            connection,
            create: `${VAULT_EXEC} sh -s`,
            update: `${VAULT_EXEC} sh -s`,
            stdin: pulumi.secret(script),
            logging: "stderr",
        }, { parent: this, dependsOn });
        this.registerOutputs({ recoveryKey: this.recoveryKey });
    }
}
