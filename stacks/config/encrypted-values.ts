import * as fs from "fs";
import * as YAML from "yaml";
import { configKey } from "./errors";
import { goYamlLineBreaks } from "./yaml-line-breaks";

/**
 * Values a stack file stores `secure:` where no credential is expected. The Pulumi CLI marks a
 * structured key secret as a whole, never the leaf (pulumi/pulumi@v3.248.0
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go L887-895 hands the program top-level keys only), so
 * the program cannot tell such a value from its plain neighbours and would write it in plain text
 * (Kubernetes objects, outputs, state). Only the stack file says which leaf was encrypted.
 */

/**
 * The config key through which the offline plan hands the program the leaves its stack file
 * encrypts (the plan may read a stack file other than `Pulumi.<stack>.yaml`); `pulumi up` has no
 * such key, and the program reads the file.
 */
export const PLAN_SECURE_PATHS_KEY = "groundwork-plan:securePaths";

/**
 * How the offline plan's stand-in for an encrypted value nobody supplied begins (plan/stack-file.ts
 * `placeholderFor`): visibly fake, and no credential of any provider. Checks that judge a key by its
 * provider's prefix leave it alone, so the committed stacks plan without their secrets.
 */
export const OFFLINE_PLACEHOLDER_PREFIX = "offline-placeholder-for-";

/** A stack-file value the CLI stores encrypted: a map holding `secure: <ciphertext>` and nothing else. */
export function isSecureValue(value: unknown): value is { secure: string } {
    return value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
}

/** Every path stored `secure:` in a stack file's `config:` map, as `ns:key.a[0].b` (bare keys get `project`). */
export function securePathsIn(config: Record<string, unknown>, project: string): string[] {
    const found: string[] = [];
    const walk = (value: unknown, at: string): void => {
        if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, `${at}[${i}]`));
        } else if (isSecureValue(value)) {
            found.push(at);
        } else if (value !== null && typeof value === "object") {
            Object.entries(value as Record<string, unknown>).forEach(([k, v]) => walk(v, `${at}.${k}`));
        }
    };
    for (const [key, value] of Object.entries(config)) walk(value, key.includes(":") ? key : `${project}:${key}`);
    return found;
}

/** A config path (`ns:key.a[0].b`) split after its namespace: ["key", "a", 0, "b"]. */
export function configPathParts(configPath: string): (string | number)[] {
    const rest = configPath.slice(configPath.indexOf(":") + 1);
    return [...rest.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}

/**
 * What to store in plain text where a secret may have been stored instead: the server CA's hash
 * sits on one line with the server token's password (sweep s17 cl28).
 */
const PLAIN_VALUE_HINTS: Readonly<Record<string, string>> = {
    "cluster.serverCaHash": ", only the 64 hex characters after K10 in the server's token file (sudo cut -c4-67 /var/lib/rancher/k3s/server/token); if the value stored holds the whole token, its password is in the stack file's history: rotate it (k3s token rotate)",
};

/**
 * The problem with each path stored encrypted that is not a credential; the value is never shown.
 * A top-level key Groundwork does not know is most often a secret taken for a key's name (`pulumi
 * config set --secret <value>` without the key), so its name is not shown either (sweep s21-47).
 */
export function encryptedNonCredentials(securePaths: string[], project: string, isCredential: (path: readonly PropertyKey[]) => boolean, knownTopLevel?: readonly string[]): string[] {
    return securePaths
        .filter((p) => p.startsWith(`${project}:`) && !isCredential(configPathParts(p)))
        .map((p) => {
            const parts = configPathParts(p);
            if (knownTopLevel && !knownTopLevel.includes(String(parts[0]))) {
                return `${project}:[a top-level key of ${String(parts[0]).length} characters, not shown] = [secret]: is stored encrypted, and Groundwork has no such key; ` +
                    "if its name is a secret, `pulumi config set --secret` was given the value without the key and took it for the name: delete the entry from the stack file and rotate that secret, since the name is in plain text in a committed file";
            }
            return `${configKey(parts)} = [secret]: is stored encrypted, but it is not a credential, and the stack writes it in plain text (Kubernetes objects and state); ` +
                `store it in plain text: pulumi config set --path '${configKey(parts)}' <value>${PLAIN_VALUE_HINTS[parts.join(".")] ?? ""}`;
        });
}

/**
 * The encrypted paths of `Pulumi.<stack>.yaml` in `dir`, or undefined when the file is not there
 * or does not parse (config from an ESC environment, a stack file elsewhere, or one the CLI has
 * already refused): then only the CLI's top-level secret keys are known.
 */
export function stackFileSecurePaths(dir: string, stack: string, project: string): string[] | undefined {
    for (const file of [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => `${dir}/${f}`)) {
        if (!fs.existsSync(file)) continue;
        try {
            const config = YAML.parse(goYamlLineBreaks(fs.readFileSync(file, "utf8")), { merge: true })?.config;
            return config && typeof config === "object" ? securePathsIn(config, project) : [];
        } catch {
            return undefined;
        }
    }
    return undefined;
}
