import * as fs from "fs";
import * as YAML from "yaml";

/** A stack's configuration as the Pulumi CLI would hand it to the program. */
export interface StackFileConfig {
    /** `namespace:key` → value text (JSON for structured values), as in `PULUMI_CONFIG`. */
    config: Record<string, string>;
    /** Top-level keys that hold a secret somewhere inside. */
    secretKeys: string[];
    /** Config paths whose `secure:` value could not be decrypted offline and got a placeholder. */
    placeholders: string[];
    /** Values supplied with `--secret`: they must never show up in anything the plan writes. */
    suppliedSecrets: string[];
}

export class StackFileError extends Error {}

/** The stand-in for an encrypted value nobody supplied. Visibly fake; satisfies "non-empty". */
export function placeholderFor(path: string): string {
    return `offline-placeholder-for-${path}`;
}

/**
 * Reads `Pulumi.<stack>.yaml`. Values the CLI stores encrypted (`secure: v1:...`) cannot be
 * decrypted without the stack's secrets provider: each becomes a placeholder, unless `secrets`
 * (from `--secret key.path=value`) supplies it. Every such key is treated as secret.
 */
export function readStackFile(file: string, project: string, secrets: Record<string, string> = {}): StackFileConfig {
    if (!fs.existsSync(file)) {
        throw new StackFileError(`no stack file ${file}; stacks are Pulumi.<stack>.yaml files beside Pulumi.yaml`);
    }
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    const entries: Record<string, unknown> = doc.config ?? {};
    const result: StackFileConfig = { config: {}, secretKeys: [], placeholders: [], suppliedSecrets: [] };
    const used = new Set<string>();

    const resolve = (value: unknown, path: string, onSecret: () => void): unknown => {
        if (Array.isArray(value)) {
            return value.map((v, i) => resolve(v, `${path}[${i}]`, onSecret));
        }
        if (value === null || typeof value !== "object") {
            return value;
        }
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
            onSecret();
            if (path in secrets) {
                used.add(path);
                result.suppliedSecrets.push(secrets[path]);
                return secrets[path];
            }
            result.placeholders.push(path);
            return placeholderFor(path);
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolve(v, `${path}.${k}`, onSecret)]));
    };

    for (const [rawKey, value] of Object.entries(entries)) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        let secret = false;
        const resolved = resolve(value, key, () => (secret = true));
        result.config[key] = typeof resolved === "string" ? resolved : JSON.stringify(resolved);
        if (secret) {
            result.secretKeys.push(key);
        }
    }
    const unused = Object.keys(secrets).filter((k) => !used.has(k));
    if (unused.length > 0) {
        throw new StackFileError(
            `--secret ${unused.join(", ")}: no such secure value in ${file}; ` +
            `secure values there: ${[...used, ...result.placeholders].join(", ") || "none"}`,
        );
    }
    return result;
}
