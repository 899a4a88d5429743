import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { VAULT_NAMESPACE, VAULT_RELEASE } from "./vault";
import { keyFingerprint, OpenPgpPacket, openPgpPackets, OpenPgpSignature, openPgpSignature } from "../openpgp-packets";
import { RUN_ONCE_IGNORED_INPUTS } from "../run-once";

/**
 * The audience every Kubernetes service-account token sent to Vault's login carries, and each role
 * requires: a token the cluster issued for any other system (the API server's default audience, a
 * projected token for another service) is refused. The Kubernetes auth plugin checks the role's
 * `audience` against the token's, and asks the TokenReview for it
 * (hashicorp/vault-plugin-auth-kubernetes@v0.24.1 path_role.go L59-62, path_login.go L353-355,
 * token_review.go L103-115; the field exists since v0.10.0).
 */
export const VAULT_TOKEN_AUDIENCE = "vault";

/** The KV v2 engine that holds every platform secret, under `<mount>/<consumer>`. */
export const SECRETS_MOUNT = "groundwork";

/** Runs `vault` inside the first Vault pod, through k3s's kubectl on a server. */
const VAULT_EXEC = `sudo k3s kubectl -n ${VAULT_NAMESPACE} exec -i ${VAULT_RELEASE}-0 -c vault --`;

/**
 * Waits for Vault to answer, then initialises it once (auto-unseal: the recovery key in shares) and
 * prints Vault's init JSON; prints `{}` if Vault already was initialised. With `recoveryPgpKeys`
 * (base64 of binary OpenPGP public keys, one per share), each share comes back encrypted to its
 * key: the keys are written into the pod as binary files, as `-recovery-pgp-keys` takes them (a
 * comma-separated list of paths: hashicorp/vault command/operator_init.go; helper/pgpkeys/flag.go
 * `ReadPGPFile` reads an armored key, a base64 string, or binary, which it base64-encodes; read
 * 2026-11-28 in stored copies of the repository, not at the 2.0.4 tag, which is too large to
 * fetch here), and removed after.
 */
export function vaultInitScript(recoveryPgpKeys: string[] = []): string {
    const keys = recoveryPgpKeys.length === 0 ? { write: "", flag: "" } : {
        // Each key is first encrypted to here, with the server's gpg: Vault checks only that a key
        // parses before it starts, and a key it cannot encrypt to (sign-only, expired, revoked) fails
        // init halfway, with no root token and no recovery key (hashicorp/vault vault/init.go).
        write: `if ! command -v gpg >/dev/null 2>&1; then
    echo "checking platform.vault.recoveryPgpKeys needs gpg on this server: apt-get install gpg, then pulumi up again; Vault was not initialised" >&2
    exit 1
fi
gpg_home="$(mktemp -d)"
trap 'rm -rf "$gpg_home"' EXIT
` + recoveryPgpKeys.map((key, i) => `printf '%s' '${key}' | base64 -d > "$gpg_home/recovery-${i + 1}.gpg"
if ! printf 'probe' | gpg --batch --quiet --homedir "$gpg_home" --trust-model always --encrypt --recipient-file "$gpg_home/recovery-${i + 1}.gpg" >/dev/null 2>&1; then
    echo "platform.vault.recoveryPgpKeys[${i}] cannot be encrypted to (no valid encryption subkey: sign-only, expired or revoked); give a key that can encrypt; Vault was not initialised" >&2
    exit 1
fi
`).join("") + `keys_dir="$(${VAULT_EXEC} mktemp -d)"
# The key files leave this server and the pod however the script ends.
trap '${VAULT_EXEC} rm -rf "$keys_dir"; rm -rf "$gpg_home"' EXIT
` + recoveryPgpKeys.map((_, i) => `# shellcheck disable=SC2024 # our own file, read as ourselves
${VAULT_EXEC} sh -c 'cat > "$1"' sh "$keys_dir/recovery-${i + 1}.gpg" <"$gpg_home/recovery-${i + 1}.gpg"\n`).join(""),
        flag: ` -recovery-pgp-keys="${recoveryPgpKeys.map((_, i) => `$keys_dir/recovery-${i + 1}.gpg`).join(",")}"`,
    };
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
${keys.write}${VAULT_EXEC} vault operator init -format=json -recovery-shares=${RECOVERY_SHARES} -recovery-threshold=${RECOVERY_THRESHOLD}${keys.flag}
`;
}

/** Public-key algorithms that can encrypt (RFC 9580 section 9.1). */
const ENCRYPTING_ALGORITHMS = new Set([1, 2, 16, 18, 25, 26]);

/**
 * Whether an OpenPGP public key has a key Vault can encrypt a share to, as ProtonMail/go-crypto
 * v1.x picks one (v1.4.1 `openpgp/keys.go` `EncryptionKey` L124-164; Vault's helper/pgpkeys calls
 * it through `openpgp.Encrypt`): the primary key needs a self-signature and no self-revocation
 * (0x20); then a subkey whose newest binding self-signature (0x18) has key flags with 0x04
 * (encrypt communications; 0x08 alone does not count) and no self-revocation (0x28), or else the
 * primary key itself with that flag in its newest self-certification; in both an algorithm that
 * can encrypt. Only the key's own signatures count (issuer fingerprint or key ID, subpackets 33
 * and 16): another person's certification carries no flags. Expiry is left to the server's gpg
 * probe before init, since the config is read on every `up`, long after the keys were used once
 * (review s18b R2). Throws nothing: a malformed signature is none.
 */
function encryptionKeyUse(packets: OpenPgpPacket[]): "usable" | "unsigned" | "revoked" | "flags" | "v5" {
    if (packets[0].body[0] === 5) return "v5";
    const primary = keyFingerprint(packets[0].body);
    const own = (s: OpenPgpSignature) => primary !== undefined && (s.issuerFingerprint === primary.fingerprint || s.issuerKeyId === primary.keyId);
    // Each key packet with its own signatures that follow it, up to the next key packet.
    const sections: { key: OpenPgpPacket; signatures: OpenPgpSignature[] }[] = [];
    for (const packet of packets) {
        if (packet.tag === 6 || packet.tag === 14) sections.push({ key: packet, signatures: [] });
        else if (packet.tag === 2 && sections.length > 0) {
            const signature = openPgpSignature(packet.body);
            if (signature && own(signature)) sections[sections.length - 1].signatures.push(signature);
        }
    }
    const newest = (sigs: OpenPgpSignature[]) => [...sigs].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0];
    const mayEncrypt = (key: OpenPgpPacket, sig: OpenPgpSignature | undefined) =>
        sig?.keyFlags !== undefined && (sig.keyFlags & 0x04) !== 0 && ENCRYPTING_ALGORITHMS.has(publicKeyAlgorithm(key.body));
    const [head, ...subkeys] = sections;
    if (head.signatures.some((s) => s.type === 0x20)) return "revoked";
    const selfSignature = newest(head.signatures.filter((s) => (s.type >= 0x10 && s.type <= 0x13) || s.type === 0x1f));
    if (selfSignature === undefined) return "unsigned";
    let revokedSubkey = false;
    for (const { key, signatures } of subkeys) {
        if (signatures.some((s) => s.type === 0x28)) { revokedSubkey = true; continue; }
        if (mayEncrypt(key, newest(signatures.filter((s) => s.type === 0x18)))) return "usable";
    }
    if (mayEncrypt(head.key, selfSignature)) return "usable";
    return revokedSubkey ? "revoked" : "flags";
}

/** A public-key or public-subkey packet's algorithm: after version and creation time, and v3's validity days (RFC 9580 sections 5.5.2). */
function publicKeyAlgorithm(body: Buffer): number {
    return body[0] === 3 || body[0] === 2 ? body[7] : body[5];
}

/**
 * What a list of recovery PGP keys cannot be: other than one per share, not base64, not one OpenPGP
 * public key (its first packet tag 6 and no other public key, RFC 9580 section 5.5.1), holding a
 * secret key anywhere (tags 5 and 7), a key no packet of which can encrypt, or the same key twice,
 * compared by its public-key packet.
 */
export function recoveryPgpKeyProblems(keys: string[]): { index?: number; message: string }[] {
    const problems: { index?: number; message: string }[] = [];
    if (keys.length !== RECOVERY_SHARES) {
        problems.push({ message: `has ${keys.length} key(s); give exactly ${RECOVERY_SHARES}, one per recovery share (any ${RECOVERY_THRESHOLD} of them regenerate a root token)` });
    }
    const primaries: string[] = [];
    keys.forEach((key, index) => {
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) {
            problems.push({ index, message: "is not base64; give the binary public key base64-encoded on one line: gpg --export <fingerprint> | base64 -w0" });
            return;
        }
        const packets = openPgpPackets(Buffer.from(key, "base64"));
        const tags = packets?.map((p) => p.tag) ?? [];
        const what = packets === undefined ? "not OpenPGP data"
            : tags.includes(5) || tags.includes(7) ? "or holds a secret key: never give a private key"
            : tags[0] !== 6 ? `OpenPGP packet tag ${tags[0]}, not a public key`
            : tags.filter((t) => t === 6).length > 1 ? "several public keys; give one person's key"
            : undefined;
        if (what) {
            problems.push({ index, message: `is ${what}; give a public key: gpg --export <fingerprint> | base64 -w0` });
            return;
        }
        // Vault encrypts each share to the key (helper/pgpkeys EncryptShares), which needs a key or
        // subkey whose algorithm can encrypt at all (RFC 9580 section 9.1: RSA 1 and 2, Elgamal 16,
        // ECDH 18, X25519 25, X448 26); a signer's EdDSA or ECDSA key alone has none (sweep s17 pf37).
        const keys = packets!.filter((p) => p.tag === 6 || p.tag === 14);
        if (!keys.some((p) => ENCRYPTING_ALGORITHMS.has(publicKeyAlgorithm(p.body)))) {
            problems.push({ index, message: "is a key that cannot encrypt (a signing key without an encryption subkey), so Vault could not encrypt a share to it; add one (gpg --quick-add-key <fingerprint> cv25519 encr) and export the key again" });
            return;
        }
        // Its own signatures' flags and revocations too (sweep s18 pf38): what Vault's OpenPGP
        // library reads before it encrypts, which the server's gpg probe would find only once the
        // cluster and Vault exist.
        const use = encryptionKeyUse(packets!);
        if (use !== "usable") {
            problems.push({ index, message: {
                v5: "is a v5 (LibrePGP) key, which Vault's OpenPGP library does not read (ProtonMail/go-crypto v1.4.1 packet/public_key.go, V5Disabled); export a v4 key",
                unsigned: "carries no self-signature of its primary key, without which Vault's OpenPGP library takes none of its keys; export the key as gpg made it (gpg --export <fingerprint>)",
                revoked: "is revoked (or its only encryption subkey is), so Vault could not encrypt a share to it; give the person's current key",
                flags: "is flagged for signing and certifying only (no key of it has the encrypt-communications flag in its own signature), so Vault could not encrypt a share to it; add an encryption subkey (gpg --quick-add-key <fingerprint> cv25519 encr) and export the key again",
            }[use] });
            return;
        }
        // The same key however it was exported: its public-key packet (RFC 9580 section 5.5.2).
        const primary = packets![0].body.toString("base64");
        const earlier = primaries.indexOf(primary);
        if (earlier !== -1) problems.push({ index, message: `is the same key as [${earlier}]; each share needs its own person's key` });
        primaries[index] = primary;
    });
    return problems;
}


/**
 * Auto-unseal's recovery key, split: any 2 of 3 shares regenerate a root token
 * (`vault operator generate-root`). They leave Pulumi's state as one secret output: give each
 * share to a different person and delete them from wherever else they are (README, Vault).
 */
export const RECOVERY_SHARES = 3;
export const RECOVERY_THRESHOLD = 2;

/** Pulumi's periodic token: every configure run extends it another period. */
const RENEW_LINES = "vault token renew >/dev/null\n";

/** Where each team's own secrets live (`teams/<team>/*`): its owners read them, and they go with the team. */
export const TEAMS_PREFIX = "teams";

/** The policy of the token Pulumi configures Vault with once the root token is revoked. */
export const PULUMI_POLICY = "groundwork-pulumi";

/**
 * What Pulumi's own token may do: exactly what the configure script does (the KV engine, the
 * Kubernetes and OIDC auth methods and their roles, ACL policies, the platform's secrets) and
 * renew itself, and delete a removed team's secrets and owners' role. Enabling a secrets engine or
 * auth method needs `sudo` on its sys path (Vault API docs: /sys/mounts, /sys/auth). The most
 * specific path wins, an exact path over any glob (Vault's policy syntax; vault/acl.go checks
 * exact rules first), so the team paths repeat the broader rights, and Pulumi's own policy and
 * `default` (which every token Vault issues carries) are read-only: Vault refuses to rewrite only
 * `root` (vault/policy_store.go `immutablePolicies`, code-index copies), so with `update` on either
 * the token could grant itself `path "*"` in one call (security review s22 F1). A change to this
 * policy is applied with a root token (vaultPulumiPolicyLines).
 */
export const PULUMI_POLICY_HCL = `path "sys/mounts" {
  capabilities = ["read"]
}
path "sys/mounts/${SECRETS_MOUNT}" {
  capabilities = ["create", "read", "update", "sudo"]
}
path "sys/auth" {
  capabilities = ["read"]
}
path "sys/auth/kubernetes" {
  capabilities = ["create", "read", "update", "sudo"]
}
path "sys/auth/oidc" {
  capabilities = ["create", "read", "update", "sudo"]
}
path "auth/kubernetes/*" {
  capabilities = ["create", "read", "update", "list"]
}
path "auth/oidc/*" {
  capabilities = ["create", "read", "update", "list"]
}
path "sys/policies/acl/*" {
  capabilities = ["create", "read", "update", "list"]
}
path "sys/policies/acl/${PULUMI_POLICY}" {
  capabilities = ["read"]
}
path "sys/policies/acl/default" {
  capabilities = ["read"]
}
path "${SECRETS_MOUNT}/data/*" {
  capabilities = ["create", "read", "update"]
}
path "${SECRETS_MOUNT}/metadata/*" {
  capabilities = ["read", "list"]
}
path "${SECRETS_MOUNT}/metadata/${TEAMS_PREFIX}/*" {
  capabilities = ["read", "list", "delete"]
}
path "auth/oidc/role/team-*" {
  capabilities = ["create", "read", "update", "list", "delete"]
}
path "sys/policies/acl/team-*" {
  capabilities = ["create", "read", "update", "list", "delete"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "sys/audit" {
  capabilities = ["read", "sudo"]
}
path "sys/audit/file" {
  capabilities = ["create", "read", "update", "sudo"]
}
`;

/**
 * Lines that hold Vault's `groundwork-pulumi` policy to this version's, compared without white space
 * (an operator may paste it back with other line ends or indents; review s22 F4): when it differs they try to
 * write it, which a root token can (an operator's, with manual unseal) and so could Pulumi's under
 * the policies before security review s22 F1, whose Vaults take the new one this way once. Under
 * this policy the write is refused, and the run stops before changing anything, saying how an
 * operator applies it (README, Vault, "Pulumi's policy changed") and printing it: it holds no secret.
 */
export function vaultPulumiPolicyLines(): string {
    // Unquoted: an assignment is not split, and dash misreads a here-document inside "$(...)".
    return `want_policy=$(cat <<'GROUNDWORK_POLICY'
${PULUMI_POLICY_HCL}GROUNDWORK_POLICY
)
have_policy=$(vault read -field=policy sys/policies/acl/${PULUMI_POLICY} 2>/dev/null || true)
if [ "$(printf '%s' "$have_policy" | tr -d ' \t\r\n')" != "$(printf '%s' "$want_policy" | tr -d ' \t\r\n')" ]; then
  if printf '%s\\n' "$want_policy" | vault policy write ${PULUMI_POLICY} - >/dev/null 2>&1; then
    echo "updated policy ${PULUMI_POLICY}"
  else
    echo "Vault's policy ${PULUMI_POLICY} is not this version's, and Pulumi's token may not rewrite its own policy: generate a root token with the recovery shares (vault operator generate-root), write the policy below with it (vault policy write ${PULUMI_POLICY} -), revoke it, and run pulumi up again (README, Vault, \\"Pulumi's policy changed\\")" >&2
    printf '%s\\n' "$want_policy" >&2
    exit 1
  fi
fi
`;
}

/**
 * Run once with the root token, right after init: writes Pulumi's policy, creates Pulumi's token
 * (orphan, periodic: 32 days, renewed by every configure run), revokes the root token, and prints
 * the new token. From then on nobody, Pulumi included, holds a root token; an operator regenerates
 * one with the recovery shares when they must (README, Vault). With an audit log, its device is
 * enabled first, so the root token's own calls are in it (issue 12 audit s26); the configure run
 * enables it too, for Vaults made before this.
 */
export function vaultHandoverScript(rootToken: string, auditLog?: string): string {
    return `#!/bin/sh
set -eu
export VAULT_ADDR="http://127.0.0.1:8200"
export VAULT_TOKEN='${rootToken}'
${auditLog ? `vault audit list -format=json 2>/dev/null | grep -q '"file/"' || vault audit enable file file_path=${auditLog} >/dev/null
` : ""}vault policy write ${PULUMI_POLICY} - >/dev/null <<'GROUNDWORK_POLICY'
${PULUMI_POLICY_HCL}GROUNDWORK_POLICY
token="$(vault token create -orphan -policy=${PULUMI_POLICY} -period=768h -display-name=pulumi -field=token)"
vault token revoke -self >/dev/null
printf '%s' "$token"
`;
}

/** A workload allowed to read its own secrets, `<mount>/<name>/*`, through the Kubernetes auth method. */
export interface VaultConsumer {
    name: string;
    namespace: string;
    serviceAccount: string;
    /** More rights (HCL) in the same policy, beyond reading its own secrets: e.g. taking a Raft snapshot. */
    policy?: string;
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
export interface VaultConfigureOptions {
    /** People's OIDC sign-in, with the client secret. */
    people?: VaultPeopleAuth & { clientSecret: string };
    /** Renew Pulumi's own periodic token (auto-unseal: Pulumi holds it). */
    renew?: boolean;
    /** Where the file audit device writes. */
    audit?: string;
    /**
     * The gateway's teams (none without the gateway), and those whose owners sign in (`ownersGroup`,
     * with SSO): any other team's secrets under `teams/` and its policy are deleted, and any other
     * team's owners' role.
     */
    teams?: { names: string[]; owned: string[] };
}

/**
 * A removed team's secrets (`teams/<team>/*`, every version: `kv metadata delete`) and its policy
 * go with it, and the owners' sign-in role of every team that is gone or no longer has owners.
 * Team names are DNS labels, so they split safely on whitespace; `vault ... list -format=json`
 * prints a JSON array, or `{}` for nothing (stripped to an empty word list).
 */
function retiredTeamLines(teams: { names: string[]; owned: string[] }): string {
    return `# Teams no longer in config: their keys, their project keys and their policy go with them.
kept=" ${teams.names.join(" ")} "
for team in $(vault kv list -mount=${SECRETS_MOUNT} -format=json ${TEAMS_PREFIX} 2>/dev/null | tr -d '[]{}", ' | sed 's#/$##'); do
  case "$kept" in
    *" $team "*) ;;
    *)
      for key in $(vault kv list -mount=${SECRETS_MOUNT} -format=json "${TEAMS_PREFIX}/$team" 2>/dev/null | tr -d '[]{}", '); do
        vault kv metadata delete -mount=${SECRETS_MOUNT} "${TEAMS_PREFIX}/$team/$key" >/dev/null
      done
      vault policy delete "team-$team" >/dev/null 2>&1 || true
      echo "retired team $team"
      ;;
  esac
done
# Owners' roles of teams that are gone or have no owners group now: that group reads nothing more.
owned=" ${teams.owned.join(" ")} "
for role in $(vault list -format=json auth/oidc/role 2>/dev/null | tr -d '[]{}", '); do
  case "$role" in
    team-*)
      case "$owned" in
        *" \${role#team-} "*) ;;
        *) vault delete "auth/oidc/role/$role" >/dev/null; echo "removed role $role" ;;
      esac
      ;;
  esac
done
`;
}

/**
 * A team's path holds only what this run writes: its owners read every version they are not denied,
 * so a value taken off the path (the applications' keys, security review s24 S1; review s24c F2)
 * would stay readable in the older ones. The path's metadata, every version with it, is deleted
 * before the write (KV v2 `metadata delete` destroys them), which Pulumi's policy already allows for
 * retired teams, so no policy change, and no root token, is needed (review s24d F3). Owners see no
 * history; nothing else reads these paths.
 */
function oneVersionLine(path: string): string {
    return `vault kv metadata delete -mount=${SECRETS_MOUNT} ${path} >/dev/null
`;
}

export function vaultConfigureScript(token: string, consumers: VaultConsumer[], secrets: Record<string, Record<string, string>>, options: VaultConfigureOptions = {}): string {
    const { people, renew = false, audit, teams } = options;
    const consumerLines = consumers.map((c) => `vault policy write ${c.name} - <<'GROUNDWORK_POLICY'
path "${SECRETS_MOUNT}/data/${c.name}/*" {
  capabilities = ["read"]
}
${c.policy ?? ""}GROUNDWORK_POLICY
vault write auth/kubernetes/role/${c.name} bound_service_account_names=${c.serviceAccount} bound_service_account_namespaces=${c.namespace} audience=${VAULT_TOKEN_AUDIENCE} token_policies=${c.name} token_ttl=1h
`).join("");
    const secretLines = Object.entries(secrets).map(([path, data]) => `${path.startsWith(`${TEAMS_PREFIX}/`) ? oneVersionLine(path) : ""}cat > "$seed" <<'GROUNDWORK_SECRET'
${JSON.stringify(data)}
GROUNDWORK_SECRET
vault kv put -mount=${SECRETS_MOUNT} ${path} @"$seed" >/dev/null
`).join("");
    return `#!/bin/sh
set -eu
export VAULT_ADDR="http://127.0.0.1:8200"
export VAULT_TOKEN='${token}'
${renew ? RENEW_LINES : ""}${vaultPulumiPolicyLines()}vault secrets list -format=json | grep -q '"${SECRETS_MOUNT}/"' || vault secrets enable -path=${SECRETS_MOUNT} -version=2 kv
vault auth list -format=json | grep -q '"kubernetes/"' || vault auth enable kubernetes
${audit ? `vault audit list -format=json 2>/dev/null | grep -q '"file/"' || vault audit enable file file_path=${audit}
` : ""}
vault write auth/kubernetes/config kubernetes_host="https://kubernetes.default.svc"
${consumerLines}seed="$(mktemp)"
trap 'rm -f "$seed"' EXIT
${secretLines}${teams ? retiredTeamLines(teams) : ""}${people ? vaultPeopleAuthLines(people) : ""}echo "configured ${Object.keys(secrets).length} secret paths and ${consumers.length} consumers"
`;
}

export interface VaultBootstrapArgs {
    /** SSH access to a k3s server, which runs `kubectl exec` into Vault. */
    server: { address: pulumi.Input<string>; port: number; user: string; privateKey: pulumi.Input<string>; hostKey?: pulumi.Input<string> };
    /** Initialise Vault here (auto-unseal), or use an operator's token (manual unseal). */
    init: boolean;
    /** A token the operator made (secret): with manual unseal, the only one; with auto-unseal, it replaces the one the handover made (lapsed, or restored over). */
    token?: pulumi.Input<string>;
    consumers: VaultConsumer[];
    /** Secrets by path under the mount, e.g. `postgres/app` → `{ password }`. */
    secrets: Record<string, Record<string, pulumi.Input<string>>>;
    /** What must exist before Vault can be reached (the cluster's access, Vault's release). */
    after: pulumi.Resource[];
    /** People's single sign-on (OIDC), when the stack has an identity provider. */
    people?: VaultPeopleAuth;
    /** Where Vault's file audit device writes (on its audit volume). */
    auditLog?: string;
    /**
     * OpenPGP public keys (base64 of the binary key), one per recovery share, each share returned
     * encrypted to its key (`recoveryPgpKeyProblems` says what is refused). Read only when Vault is
     * initialised; none: the shares come back in the clear, as secret outputs.
     */
    recoveryPgpKeys?: string[];
    /** The gateway's teams (none without it) and those with owners: a team taken out loses its secrets, policy and owners' role. */
    teams?: { names: string[]; owned: string[] };
}

/**
 * Initialises Vault once (the recovery key split in shares, kept as a secret output), hands it
 * from the root token, which it revokes, to a scoped periodic token of Pulumi's own, and writes
 * its engines, auth, policies and every platform secret with that token, again whenever they change.
 */
export class VaultBootstrap extends pulumi.ComponentResource {
    /** Vault's recovery key shares (secret): 2 of 3 regenerate a root token. */
    public readonly recoveryKeys: pulumi.Output<string[] | undefined>;

    constructor(name: string, args: VaultBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:VaultBootstrap", name, {}, opts);
        const connection = { host: args.server.address, port: args.server.port, user: args.server.user, privateKey: args.server.privateKey, hostKey: args.server.hostKey, dialErrorLimit: 30 };

        let token: pulumi.Output<string | undefined> = pulumi.output(args.token);
        let dependsOn: pulumi.Resource[] = args.after;
        if (args.init) {
            // Init runs once: a later change to its script (new recovery keys, a new version of this
            // code) or to how it reaches the server (a new host key or address) must not run it
            // again, which would find Vault initialised, print {} and lose the recovery keys and
            // Pulumi's token from the state; nor may an update dial the host key it was made with,
            // a boot key in an older stack (RUN_ONCE_IGNORED_INPUTS; review s28 F4).
            const init = new command.remote.Command(`${name}-init`, {
                connection,
                create: vaultInitScript(args.recoveryPgpKeys),
                logging: "none",
            }, { parent: this, additionalSecretOutputs: ["stdout"], dependsOn: args.after, ignoreChanges: RUN_ONCE_IGNORED_INPUTS });
            const result = init.stdout.apply((out) => JSON.parse(out) as { root_token?: string; recovery_keys_b64?: string[] });
            this.recoveryKeys = pulumi.secret(result.apply((r) => r.recovery_keys_b64));
            const root = pulumi.secret(result.apply((r) => r.root_token));
            // The root token is used once: to hand Vault to a scoped, renewable token of Pulumi's own.
            const handover = new command.remote.Command(`${name}-handover`, {
                connection,
                create: `${VAULT_EXEC} sh -s`,
                stdin: pulumi.secret(root.apply((t) => (t ? vaultHandoverScript(t, args.auditLog) : "printf ''"))),
                logging: "none",
            }, {
                parent: this,
                additionalSecretOutputs: ["stdout"],
                dependsOn: [...args.after, init],
                // Once, like init: run again, it would use the root token it revoked and fail. Later
                // audit or policy changes are the configure step's.
                ignoreChanges: RUN_ONCE_IGNORED_INPUTS,
            });
            // A token the operator gives wins: it is how a lapsed or restored-over token is replaced
            // (README, Vault recovery; the state keeps the handover's output for ever).
            token = pulumi.secret(pulumi.all([handover.stdout, pulumi.output(args.token)]).apply(([handed, given]) => (given ? given : handed)));
            dependsOn = [...args.after, init, handover];
        } else {
            this.recoveryKeys = pulumi.output(undefined);
        }

        if (!args.init && args.token === undefined) {
            // Manual unseal: Vault has no token for Pulumi until an operator initialises it.
            pulumi.log.warn("Vault is not configured yet: initialise and unseal it, set groundwork:platform.vault.token, then run pulumi up again (README, Vault)", this);
            this.registerOutputs({ recoveryKeys: this.recoveryKeys });
            return;
        }
        const script = pulumi.all([token, pulumi.output(args.secrets), pulumi.output(args.people?.clientSecret)]).apply(([t, s, clientSecret]) =>
            vaultConfigureScript(t!, args.consumers, s as Record<string, Record<string, string>>, {
                people: args.people && { ...args.people, clientSecret: clientSecret! }, renew: args.init, audit: args.auditLog, teams: args.teams,
            }));
        new command.remote.Command(`${name}-configure`, {
            connection,
            create: `${VAULT_EXEC} sh -s`,
            update: `${VAULT_EXEC} sh -s`,
            stdin: pulumi.secret(script),
            logging: "stderr",
        }, { parent: this, dependsOn });
        this.registerOutputs({ recoveryKeys: this.recoveryKeys });
    }
}
