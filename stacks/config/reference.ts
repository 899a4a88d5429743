/**
 * Renders the config reference (every key, type, default, description) from the schema itself,
 * so the README cannot drift from what the program accepts. `npm run docs:config` rewrites the
 * README's block; a test fails when the block is stale.
 */
import * as fs from "fs";
import { z } from "zod";
import { NAMESPACE } from "./errors";
import { stackConfigSchema } from ".";

export const BEGIN = "<!-- config-reference:begin (npm run docs:config) -->";
export const END = "<!-- config-reference:end -->";

interface JsonSchema {
    type?: string;
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
    additionalProperties?: JsonSchema | boolean;
    enum?: unknown[];
    default?: unknown;
    description?: string;
    minimum?: number;
    maximum?: number;
    minItems?: number;
    anyOf?: JsonSchema[];
}

function typeOf(s: JsonSchema): string {
    if (s.enum && s.enum.every((v) => typeof v === "number")) return `one of ${s.enum.join(", ")}`;
    if (s.enum) return s.enum.length > 6 ? `one of ${s.enum.length} names` : s.enum.map((v) => `\`${v}\``).join(" \\| ");
    if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "values"}`;
    if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") return "map of string";
    if (s.type === "object") return "object";
    if (s.type === "integer") {
        const range = s.minimum !== undefined && s.maximum !== undefined && s.maximum < 1e9 ? ` ${s.minimum}–${s.maximum}` : s.minimum !== undefined ? ` ≥ ${s.minimum}` : "";
        return `integer${range}`;
    }
    return s.type ?? "value";
}

function rows(schema: JsonSchema, key: string, required: boolean, out: string[][]): void {
    const s = schema.anyOf?.find((x) => x.type !== "null") ?? schema;
    const fallback = s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : required ? "required" : "optional";
    out.push([`\`${key}\``, typeOf(s), fallback, (s.description ?? "").replace(/\|/g, "\\|")]);
    const nested = s.type === "array" ? s.items : s;
    if (nested?.type === "object" && nested.properties) {
        const prefix = s.type === "array" ? `${key}[]` : key;
        for (const [name, child] of Object.entries(nested.properties)) {
            rows(child, `${prefix}.${name}`, nested.required?.includes(name) ?? false, out);
        }
    }
}

/** The Markdown table of every config key. */
export function configReference(): string {
    const json = z.toJSONSchema(stackConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const out: string[][] = [];
    for (const [name, child] of Object.entries(json.properties ?? {})) {
        rows(child, `${NAMESPACE}:${name}`, json.required?.includes(name) ?? false, out);
    }
    return [
        "| key | type | default | description |",
        "| --- | --- | --- | --- |",
        ...out.map((cells) => `| ${cells.join(" | ")} |`),
    ].join("\n");
}

/** The README with its config reference block replaced by the current one. */
export function withConfigReference(readme: string): string {
    const begin = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    if (begin < 0 || end < begin) {
        throw new Error(`README has no ${BEGIN} ... ${END} block`);
    }
    return `${readme.slice(0, begin + BEGIN.length)}\n${configReference()}\n${readme.slice(end)}`;
}

if (require.main === module) {
    const file = process.argv[process.argv.indexOf("--write") + 1] ?? "README.md";
    fs.writeFileSync(file, withConfigReference(fs.readFileSync(file, "utf8")));
    process.stdout.write(`updated the config reference in ${file}\n`);
}
