import { strict as assert } from "assert";
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
    return runEach(tool, args, [{ file, content }], (result) => [{ ok: result.status === 0, output: `${result.stdout}${result.stderr}` }])[0];
}

/** Writes each input to its own file in a fresh directory, runs the tool once over them all, and reads the verdicts. */
function runEach(tool: string, args: string[], inputs: { file: string; content: string }[], read: (result: { status: number | null; stdout: string; stderr: string }, targets: string[]) => Verdict[]): Verdict[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-validate-"));
    const targets = inputs.map(({ file, content }, i) => {
        const target = path.join(dir, inputs.length === 1 ? file : `${i}-${file}`);
        fs.writeFileSync(target, content);
        return target;
    });
    try {
        const result = spawnSync(tool, [...args, ...targets], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        if (result.error) {
            throw new Error(`${tool} could not run (${result.error.message}); .ci/run installs it: apt-get install cloud-init shellcheck`);
        }
        return read(result, targets);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Debian's `cloud-init schema`: validates a `#cloud-config` document against cloud-init's own schema. */
export function cloudInitSchema(userData: string): Verdict {
    return run("cloud-init", ["schema", "--config-file"], "user-data.yaml", userData);
}

/**
 * `cloud-init schema --config-file` for each document, in one Python start instead of one each
 * (a start costs 0.4 s): the same parser and `handle_schema_args` the `cloud-init schema`
 * subcommand calls (cloudinit/config/schema.py, Debian's cloud-init 22.4.2), once per file, its
 * exit status and what it printed captured per file.
 */
export function cloudInitSchemas(documents: string[]): Verdict[] {
    if (documents.length === 0) return [];
    const driver = [
        "import contextlib, io, json, sys",
        "from cloudinit.config import schema",
        "verdicts = []",
        "for config_file in sys.argv[1:]:",
        "    printed, status = io.StringIO(), 0",
        "    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):",
        "        try:",
        "            schema.handle_schema_args('cloudconfig-schema', schema.get_parser().parse_args(['--config-file', config_file]))",
        "        except SystemExit as e:",
        "            status = e.code if isinstance(e.code, int) else 1",
        "    verdicts.append({'ok': status == 0, 'output': printed.getvalue()})",
        "print(json.dumps(verdicts))",
    ].join("\n");
    return runEach(cloudInitPython(), ["-c", driver], documents.map((content) => ({ file: "user-data.yaml", content })), (result) => {
        if (result.status !== 0) throw new Error(`cloud-init's schema check could not run:\n${result.stderr}`);
        return JSON.parse(result.stdout) as Verdict[];
    });
}

/** The Python that `cloud-init` runs under (its shebang), which is the one with the `cloudinit` package. */
function cloudInitPython(): string {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const cli = path.join(dir, "cloud-init");
        if (fs.existsSync(cli)) return /^#!\s*(\S+)/.exec(fs.readFileSync(cli, "utf8").split("\n")[0])?.[1] ?? "python3";
    }
    throw new Error("cloud-init could not run (not on PATH); .ci/run installs it: apt-get install cloud-init shellcheck");
}

const dialectOf = (script: string) => (/^#![^\n]*\bbash\b/.test(script) ? "bash" : "sh");

/** Debian's `shellcheck`, with the dialect taken from the script's shebang. */
export function shellcheck(script: string): Verdict {
    return run("shellcheck", ["--shell", dialectOf(script), "--severity", "style"], "script.sh", script);
}

/** Fails the test with shellcheck's findings unless the script passes. */
export function assertShellcheckPasses(script: string): void {
    const verdict = shellcheck(script);
    assert.ok(verdict.ok, verdict.output);
}

/**
 * `shellcheck` over many scripts, one run per dialect instead of one per script: each verdict
 * lists its script's findings (gcc format, `line:column: level: message [SCnnnn]`) with the line
 * they are about.
 */
export function shellchecks(scripts: string[]): Verdict[] {
    const verdicts: Verdict[] = scripts.map(() => ({ ok: true, output: "" }));
    for (const dialect of ["sh", "bash"]) {
        const mine = scripts.map((script, i) => ({ script, i })).filter(({ script }) => dialectOf(script) === dialect);
        if (mine.length === 0) continue;
        runEach("shellcheck", ["--shell", dialect, "--severity", "style", "--format", "gcc"], mine.map(({ script }) => ({ file: "script.sh", content: script })), (result, targets) => {
            if (result.status !== 0 && result.status !== 1) throw new Error(`shellcheck failed (exit ${result.status}):\n${result.stderr}`);
            for (const line of result.stdout.split("\n").filter(Boolean)) {
                const at = targets.findIndex((t) => line.startsWith(`${t}:`));
                if (at < 0) throw new Error(`shellcheck printed a line about no script it was given: ${line}`);
                const { script, i } = mine[at];
                const finding = line.slice(targets[at].length + 1);
                const text = script.split("\n")[Number(finding.split(":")[0]) - 1] ?? "";
                verdicts[i] = { ok: false, output: `${verdicts[i].output}${finding}\n    ${text.trim()}\n` };
            }
            return [];
        });
    }
    return verdicts;
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
