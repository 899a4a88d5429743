import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import Ajv, { ValidateFunction } from "ajv";

/** Result of an external validator: ok, and what it printed. */
export interface Verdict {
    ok: boolean;
    output: string;
}

function run(tool: string, args: string[], file: string, content: string): Verdict {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-validate-"));
    const target = path.join(dir, file);
    fs.writeFileSync(target, content);
    try {
        const result = spawnSync(tool, [...args, target], { encoding: "utf8" });
        if (result.error) {
            throw new Error(`${tool} could not run (${result.error.message}); .ci/run installs it: apt-get install cloud-init shellcheck`);
        }
        return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Debian's `cloud-init schema`: validates a `#cloud-config` document against cloud-init's own schema. */
export function cloudInitSchema(userData: string): Verdict {
    return run("cloud-init", ["schema", "--config-file"], "user-data.yaml", userData);
}

/** Debian's `shellcheck`, with the dialect taken from the script's shebang. */
export function shellcheck(script: string): Verdict {
    const shell = /^#!\s*\S*\bbash\b/.test(script) ? "bash" : "sh";
    return run("shellcheck", ["--shell", shell, "--severity", "style"], "script.sh", script);
}

/** The shell scripts inside a cloud-config document: files with a shebang, and `runcmd` as one script. */
export function scriptsIn(userData: string): { name: string; script: string }[] {
    const doc = YAML.parse(userData) ?? {};
    const scripts = (doc.write_files ?? [])
        .filter((f: { content?: string }) => typeof f.content === "string" && f.content.startsWith("#!"))
        .map((f: { path: string; content: string }) => ({ name: f.path, script: f.content }));
    if (Array.isArray(doc.runcmd) && doc.runcmd.length > 0) {
        const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'"'"'`)}'`);
        const lines = doc.runcmd.map((c: string | string[]) => (Array.isArray(c) ? c.map(quote).join(" ") : c));
        scripts.push({ name: "runcmd", script: `#!/bin/sh\nset -eu\n${lines.join("\n")}\n` });
    }
    return scripts;
}

/**
 * Prometheus's own PromQL grammar (@prometheus-io/lezer-promql, published from
 * prometheus/prometheus web/ui/module/lezer-promql; 0.315.0 on npm, 2026-09-26): `ok` when the
 * expression parses without an error node, with the text around each error.
 */
export function promql(expression: string): Verdict {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parser } = require("@prometheus-io/lezer-promql") as { parser: { parse(text: string): { iterate(spec: { enter(node: { type: { isError: boolean }; from: number; to: number }): void }): void } } };
    const errors: string[] = [];
    parser.parse(expression).iterate({ enter: (node) => {
        if (node.type.isError) errors.push(`at ${node.from}: "${expression.slice(Math.max(0, node.from - 10), node.to + 10)}"`);
    } });
    return { ok: expression.trim().length > 0 && errors.length === 0, output: errors.join("; ") };
}

/**
 * Every custom resource the stacks render, validated against the upstream CRD's openAPIV3Schema
 * (`../shared/upstream/crds/<group>_<Kind>_<version>.json`, sources in its SOURCES.md). The API
 * server prunes fields a structural schema does not declare, so an unknown field is an error here:
 * every object schema without `x-kubernetes-preserve-unknown-fields` or `additionalProperties`
 * is closed before compiling.
 */
export const CRD_DIR = path.resolve(__dirname, "..", "..", "shared", "upstream", "crds");

/** Closes every object schema that lists its properties, as structural pruning does. */
export function closeUnknownFields(schema: any): any {
    if (Array.isArray(schema)) return schema.map(closeUnknownFields);
    if (schema === null || typeof schema !== "object") return schema;
    const out: any = {};
    for (const [k, v] of Object.entries(schema)) {
        // Kubernetes extensions and formats Ajv does not know are dropped; `format` is advisory in CRDs.
        if (k.startsWith("x-kubernetes-") || k === "format") continue;
        out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeUnknownFields(s)])) : closeUnknownFields(v);
    }
    if (schema.properties && schema.additionalProperties === undefined && !schema["x-kubernetes-preserve-unknown-fields"]) {
        out.additionalProperties = false;
    }
    return out;
}

/**
 * CRD patterns are Go regular expressions (RE2): a leading `(?i)` flag group (after `^` or not), as prometheus-operator's
 * PrometheusRule uses, becomes JavaScript's `i` flag; anything else JavaScript cannot compile fails the test.
 */
function goRegExp(pattern: string, flags: string): RegExp {
    const caseless = /^(\^?)\(\?i\)/.exec(pattern);
    return caseless ? new RegExp(caseless[1] + pattern.slice(caseless[0].length), `${flags}i`) : new RegExp(pattern, flags);
}

export const crdAjv = new Ajv({ allErrors: true, strict: false, code: { regExp: goRegExp as any } });
const validators = new Map<string, ValidateFunction>();

export function crdValidatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const [group, version] = apiVersion.split("/");
    const file = path.join(CRD_DIR, `${group}_${kind}_${version}.json`);
    if (!validators.has(file)) {
        if (!fs.existsSync(file)) return undefined;
        const schema = closeUnknownFields(JSON.parse(fs.readFileSync(file, "utf8")));
        // apiVersion, kind and metadata are the API server's, not the CRD's, to check.
        schema.properties = { ...schema.properties, apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } };
        validators.set(file, crdAjv.compile(schema));
    }
    return validators.get(file);
}

/** A custom resource against its upstream CRD schema: ok, or the schema's complaints. */
export function upstreamCrd(doc: { apiVersion: string; kind: string }): Verdict {
    const validate = crdValidatorFor(doc.apiVersion, doc.kind);
    if (!validate) return { ok: false, output: `${doc.apiVersion} ${doc.kind}: no upstream schema in ${CRD_DIR}` };
    const ok = validate(doc) as boolean;
    return { ok, output: ok ? "" : crdAjv.errorsText(validate.errors) };
}
