import { describeIssue, generatedValue, hasPastedCredential, looksLikeCredential, redactCredentials, shownKeyName } from "./errors";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { z } from "zod";

/** What the prompt and evaluation files share: their error, and reading one file against its schema. */

/** Bad prompt or evaluation files: reported like bad config, every problem at once, before anything is registered. */
export class RepositoryFileError extends pulumi.RunError {
    public readonly problems: string[];
    constructor(what: string, problems: string[]) {
        problems = problems.map(redactCredentials);
        super(`invalid ${what} files (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`);
        this.problems = problems;
        this.name = "RepositoryFileError";
    }
}

/** A value as a message shows it: JSON, cut at 60 characters. */
/** A value in a message: never one shaped like a credential, even cut short (review s24e 4). */
export const shown = (v: unknown) => {
    const t = JSON.stringify(v);
    if (t === undefined) return "nothing";
    if (typeof v === "string" && (hasPastedCredential(v) || looksLikeCredential(v))) return `[text of ${v.length} characters, not shown as it may hold a secret]`;
    if (v !== null && typeof v === "object" && credentialFields(v).length > 0) return "[a value not shown as it may hold a secret]";
    return t.length > 60 ? `${t.slice(0, 57)}...` : t;
};
const at = (path: PropertyKey[]) => path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");

/**
 * One YAML file read against `schema`: the parsed value, or undefined with each problem pushed,
 * naming the file, the field, the value and what the schema wants.
 */
export function parseYamlFile<S extends z.ZodType>(file: { path: string; text: string }, schema: S, problems: string[]): z.output<S> | undefined {
    let raw: unknown;
    try {
        raw = YAML.parse(file.text);
    } catch (e) {
        // Two documents in one file: yaml's words are advice to its own callers (sweep s26 W5).
        if ((e as { code?: string }).code === "MULTIPLE_DOCS") {
            problems.push(`${file.path}: holds more than one YAML document (a second '---'); put each prompt or evaluation in a file of its own`);
            return undefined;
        }
        // The parser's own words only: what it quotes after a colon (an alias's name, a tag) is the value as written.
        problems.push(`${file.path}: is not YAML (${(e as Error).message.split("\n")[0].split(": ")[0]})`);
        return undefined;
    }
    const result = schema.safeParse(raw ?? {});
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
        const field = at(issue.path);
        const value = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown> | undefined)?.[key], raw);
        if (issue.code === "unrecognized_keys") {
            const shape = (schemaAtPath(schema, issue.path) as z.ZodObject | undefined)?.shape;
            // A key shaped like a secret is named by its length, as the stack config names one (sweep s30 L4).
            problems.push(`${file.path}: ${field ? `${field}: ` : ""}unknown key(s) ${issue.keys.map(shownKeyName).join(", ")}${shape ? `; valid keys: ${Object.keys(shape).join(", ")}` : ""}`);
        } else if (value === undefined) {
            problems.push(`${file.path}: ${field} is required`);
        } else {
            // In the words the stack config's errors use ("must be a list"), never zod's own.
            problems.push(field ? `${file.path}: ${field} = ${shown(value)} ${describeIssue(issue)}` : `${file.path}: must be a map of keys, not ${Array.isArray(value) ? "a list" : typeof value}`);
        }
    }
    return undefined;
}

/** The object schema at a path, through arrays and defaults (for listing valid keys). */
function schemaAtPath(schema: z.ZodType, path: PropertyKey[]): z.ZodType | undefined {
    let node: any = schema;
    for (const part of path) {
        while (node?._zod?.def && ["default", "optional"].includes(node._zod.def.type)) node = node._zod.def.innerType;
        const def = node?._zod?.def;
        node = def?.type === "object" ? def.shape[part as string] : def?.type === "array" ? def.element : undefined;
    }
    while (node?._zod?.def && ["default", "optional"].includes(node._zod.def.type)) node = node._zod.def.innerType;
    return node?._zod?.def?.type === "object" ? node : undefined;
}

/**
 * The fields of a parsed file that hold text shaped like a credential (a private key, a prefixed
 * API key or token, an Entra client secret, a JWT, a webhook URL, a URL's or connection string's
 * password, an AWS secret key): prompts and evaluation items are published to Langfuse for everyone
 * in the project, and written into the plan (sweep s22b80, s26 L1). Map keys count too, named by
 * their place (sweep s26 L2). Fields by path (`messages[1].content`); values never.
 */
export function credentialFields(value: unknown, at = ""): string[] {
    if (typeof value === "string") return hasPastedCredential(value) ? [at || "(the value)"] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => credentialFields(v, `${at}[${i}]`));
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v], i) => hasPastedCredential(k)
            ? [`${at ? `${at}.` : ""}[key ${i + 1}, not shown]`]
            // A generated value under a key named for a credential (`x-api-key`, `Authorization`), at any depth (sweep s30 L2).
            : typeof v === "string" && CREDENTIAL_KEY.test(k) && generatedValue(v.replace(/^(Bearer|Basic|Token)\s+/i, "")) ? [at ? `${at}.${k}` : k]
            : credentialFields(v, at ? `${at}.${k}` : k));
    }
    return [];
}

/** A map key that is a credential's name, whole (`x-api-key`, `api_key`, `Authorization`; not `ticket_key`, `auth_method` or `max_tokens`: false-refusal review s27). */
const CREDENTIAL_KEY = /^(x-)?(api[_-]?key|apikey|authorization|access[_-]?token|auth[_-]?token|client[_-]?secret|secret|password|passwd|token|bearer)$/i;

