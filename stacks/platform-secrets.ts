import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** Vault paths (under the `groundwork` KV mount) → keys → values: every secret the platform needs. */
export type PlatformSecrets = Record<string, Record<string, pulumi.Output<string>>>;

const password = (name: string, length = 32) => new random.RandomPassword(name, { length, special: false }).result;

/**
 * Generates every secret the platform's services need, once; Pulumi keeps them (encrypted) in
 * the stack's state and Vault serves them to workloads. Nothing here is ever a plain input.
 * `extra` adds secrets made elsewhere (cloud credentials for backups).
 */
export function platformSecrets(extra: PlatformSecrets = {}): PlatformSecrets {
    // One password, two readers: Postgres sets the role's password, Langfuse logs in with it.
    const langfuseDb = password("langfuse-db");
    const generated: PlatformSecrets = {
        "postgres/superuser": { username: pulumi.secret(pulumi.output("postgres")), password: password("postgres-superuser") },
        "postgres/app": { username: pulumi.secret(pulumi.output("app")), password: password("postgres-app") },
        "postgres/langfuse": { username: pulumi.secret(pulumi.output("langfuse")), password: langfuseDb },
        "qdrant/api": { apiKey: password("qdrant-api-key", 48) },
        "langfuse/app": {
            salt: password("langfuse-salt"),
            nextauthSecret: password("langfuse-nextauth", 48),
            // Langfuse wants 256 bits as 64 hex characters.
            encryptionKey: pulumi.secret(new random.RandomId("langfuse-encryption-key", { byteLength: 32 }, {
                additionalSecretOutputs: ["hex", "b64Std", "b64Url", "dec"],
            }).hex),
        },
        "langfuse/db": { password: langfuseDb },
        "langfuse/admin": { password: password("langfuse-admin", 24) },
        "langfuse/clickhouse": { password: password("langfuse-clickhouse") },
        "langfuse/redis": { password: password("langfuse-redis") },
        "langfuse/api-keys": {
            publicKey: pulumi.interpolate`pk-lf-${password("langfuse-public-key", 24)}`,
            secretKey: pulumi.interpolate`sk-lf-${password("langfuse-secret-key", 40)}`,
        },
        "gateway/keys": {
            masterKey: pulumi.interpolate`sk-${password("gateway-master-key", 48)}`,
            saltKey: password("gateway-salt-key", 48),
        },
    };
    return { ...generated, ...extra };
}
