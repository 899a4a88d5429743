/**
 * Refuses a pull request whose dependencies would run its code while they install, before the
 * preview job installs them (security review s23 F3). `npm ci --ignore-scripts` runs no lifecycle
 * script, but npm still reads the project's `.npmrc`, whose `git` setting names the program it
 * runs for a git dependency: the review ran `git=./evil.sh` with npm 11.19.1 and saw it run. Code
 * run then sees the base branch's packs on disk before they judge it. So the base branch's copy of
 * this script, run first, refuses:
 * - a package manager's project settings (`.npmrc`, `.yarnrc`, `.yarnrc.yml`, `.pnpmfile.cjs`);
 * - a lockfile entry resolved anywhere but a registry tarball, or without its sha512 integrity hash
 *   (a git, file or link dependency; another registry).
 * The install itself then names the registry on its command line, which outranks any project
 * setting, and `--git=false`, which makes the program npm runs for git `false`, one that always fails
 * (preview.yml).
 *
 * It also refuses a project file that would have the CLI run a binary of the pull request's before
 * the packs judge it (upstream review s29 U29-2): `plugins` or `packages` in Pulumi.yaml, which the
 * CLI prefers to its own plugins, the Node.js host that runs the base branch's packs included
 * (pulumi/pulumi@v3.248.0 sdk/go/common/resource/plugin/host.go L226-260, analyzer_plugin.go
 * L150-159, langruntime_plugin.go L108-116); and a Pulumi.json or Pulumi.yml, which the CLI reads
 * before Pulumi.yaml (workspace/paths.go L307-316 over encoding/marshal.go L38-43).
 *
 * `npm run install-guard -- --project-dir DIR`
 * Exit 0 when the install may go ahead, 2 with each problem otherwise.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as YAML from "yaml";
import { GO_ONLY_LINE_BREAK } from "../stacks/config/yaml-line-breaks";
import { CliOutput, reportCliError, UsageError } from "./cli-errors";

/** The registry every dependency comes from (package-lock.json's `resolved`). */
export const REGISTRY = "https://registry.npmjs.org/";

/** Files through which a package manager runs a program of the project's while it installs. */
export const INSTALL_SETTINGS_FILES = [".npmrc", ".yarnrc", ".yarnrc.yml", ".pnpmfile.cjs", ".pnpmfile.mjs", "npm-shrinkwrap.json"] as const;

interface LockEntry { resolved?: string; integrity?: string; link?: boolean }

/** What in a project would run its code during `npm ci --ignore-scripts`: each problem in words. */
export function installProblems(projectDir: string): string[] {
    const problems = INSTALL_SETTINGS_FILES.filter((f) => fs.existsSync(path.join(projectDir, f)))
        .map((f) => f === "npm-shrinkwrap.json"
            // npm ci installs from it before package-lock.json (review s23 F3).
            ? `${f}: a lockfile npm ci prefers to package-lock.json, which this guard reads; pull requests may not add one`
            : `${f}: a package manager's settings file, which can name a program npm runs while installing (git=...); pull requests may not add one`);
    const lockFile = path.join(projectDir, "package-lock.json");
    if (!fs.existsSync(lockFile)) return [...problems, "package-lock.json: missing; npm ci needs it"];
    let lock: { lockfileVersion?: number; packages?: Record<string, LockEntry> };
    try {
        lock = JSON.parse(fs.readFileSync(lockFile, "utf8"));
    } catch {
        return [...problems, "package-lock.json: not JSON"];
    }
    // Version 1 lockfiles list dependencies without `packages`, which npm 7 and later rewrite (review s23 F3).
    if (typeof lock.packages !== "object" || lock.packages === null || (lock.lockfileVersion ?? 0) < 2) {
        return [...problems, "package-lock.json: no `packages` section (lockfileVersion 2 or 3), so its dependencies cannot be checked"];
    }
    for (const [where, entry] of Object.entries(lock.packages)) {
        if (where === "") continue; // The project itself.
        if (entry.link) {
            problems.push(`package-lock.json ${where}: a link to a folder, not a package from ${REGISTRY}`);
        } else if (entry.resolved !== undefined && !(entry.resolved.startsWith(REGISTRY) && /\.tgz$/.test(entry.resolved))) {
            problems.push(`package-lock.json ${where}: resolved ${JSON.stringify(entry.resolved)}, not a tarball from ${REGISTRY} (a git or file dependency runs code as it installs)`);
        } else if (!entry.integrity?.startsWith("sha512-")) {
            // A registry package always has one; a git dependency never does. Without `resolved`
            // (this project's lockfile omits it), npm fetches from the registry the command line names.
            problems.push(`package-lock.json ${where}: no sha512 integrity, so it is no registry tarball npm checks (a git dependency has none)`);
        }
    }
    return problems;
}

/** Project file sections through which the CLI runs the project's own plugin binaries. */
export const PROJECT_PLUGIN_KEYS = ["plugins", "packages"] as const;

/** Project file settings that say nothing about what runs: a pull request may change them. */
const DESCRIPTIVE_KEYS = ["name", "description", "config", "template", "author", "license", "website"];

/** The checkout this script belongs to: in the preview job, the base branch's. */
export const BASE_PROJECT_DIR = path.resolve(__dirname, "..");

/** A value written the same whatever its keys' order, to compare two project files. */
const canonical = (value: unknown): string => JSON.stringify(value, (_, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

function readProject(file: string): { project?: Record<string, unknown>; problem?: string } {
    const text = fs.readFileSync(file, "utf8");
    // go-yaml breaks lines at a lone CR, NEL, LS and PS, which this reader does not: a comment here
    // would be a setting there (read-through s29 RT29-1). No project file needs them.
    const linebreak = GO_ONLY_LINE_BREAK.exec(text)?.[0];
    if (linebreak !== undefined) return { problem: `holds U+${linebreak.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}, a line break to the Pulumi CLI's YAML reader and not to this guard's; write the file with plain line breaks` };
    let doc: YAML.Document;
    try {
        // yaml.v3, which the CLI reads it with, applies `<<` merge keys.
        doc = YAML.parseDocument(text, { merge: true, uniqueKeys: true });
        if (doc.errors.length > 0) throw doc.errors[0];
    } catch (err) {
        return { problem: `not YAML the guard can read (${(err as Error).message.split("\n")[0]})` };
    }
    // A tag this reader drops with a warning (`!!merge`), or reads otherwise than go-yaml, hides a
    // setting (RT29-4): a project file needs no tag.
    let tagged = doc.warnings.length > 0;
    YAML.visit(doc, { Node(_, node) { if ((YAML.isScalar(node) || YAML.isCollection(node)) && node.tag !== undefined) tagged = true; } });
    if (tagged) return { problem: "holds a YAML tag (!!…), which the Pulumi CLI's reader and this guard's may read apart; write the settings without tags" };
    const project = doc.toJS({ maxAliasCount: 100 });
    return typeof project === "object" && project !== null && !Array.isArray(project) ? { project: project as Record<string, unknown> } : { problem: "not a map of settings" };
}

/**
 * What in the project file would have the CLI run something of the pull request's before the packs
 * judge it, or read files the base branch's scripts did not prepare: each problem in words.
 * - `plugins` or `packages`: plugin binaries the CLI prefers to its own, the Node.js host that
 *   runs the base's packs included (pulumi/pulumi@v3.248.0 sdk/go/common/resource/plugin/host.go
 *   L226-260, analyzer_plugin.go L150-159; upstream review s29 U29-2);
 * - every other setting but the descriptive ones (and `config` written as a folder, the old
 *   spelling of `stackConfigDir`: sdk/go/common/workspace/project.go L431-448) must be the base
 *   branch's: `runtime` picks the
 *   language host, which installs the program's packages before the packs load (pkg/engine/update.go
 *   L854-905: Python's runs `pip install` or the venv's own python), `main` the folder whose
 *   node_modules it reads, `stackConfigDir` the stack file (sdk/go/common/workspace/paths.go
 *   L113-121), which preview-stack sanitised at the root, and `backend` the state's home (final
 *   check s29 FC29-1, FC29-5);
 * - a Pulumi.json or Pulumi.yml, which the CLI reads before Pulumi.yaml (workspace/paths.go
 *   L307-316 over encoding/marshal.go L38-43).
 */
export function projectFileProblems(projectDir: string, baseDir = BASE_PROJECT_DIR): string[] {
    const problems = ["Pulumi.json", "Pulumi.yml"].filter((f) => fs.existsSync(path.join(projectDir, f)))
        .map((f) => `${f}: a project file the CLI reads before Pulumi.yaml; pull requests may not add one`);
    const file = path.join(projectDir, "Pulumi.yaml");
    if (!fs.existsSync(file)) return problems;
    const { project, problem } = readProject(file);
    if (!project) return [...problems, `Pulumi.yaml: ${problem}`];
    const base = readProject(path.join(baseDir, "Pulumi.yaml")).project ?? {};
    for (const key of [...new Set([...Object.keys(project), ...Object.keys(base)])]) {
        if ((PROJECT_PLUGIN_KEYS as readonly string[]).includes(key.toLowerCase())) {
            problems.push(`Pulumi.yaml: \`${key}\` names plugin binaries the CLI would run in place of its own, the host of the base branch's packs included; pull requests may not set it`);
        } else if ((!DESCRIPTIVE_KEYS.includes(key) || (key === "config" && typeof project[key] === "string")) && canonical(project[key]) !== canonical(base[key])) {
            problems.push(`Pulumi.yaml: \`${key}\` differs from the base branch's; it decides what the CLI runs or reads (the language host and its options, the program's folder, the stack file's folder, the backend) before the packs judge the pull request; change it in a pull request of its own, whose code the production preview on main judges after merge`);
        }
    }
    return problems;
}

/** The folders directly in `dir`, but .git, and not through links. */
const subfolders = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== ".git").map((entry) => path.join(dir, entry.name));

/** Every folder named node_modules under `dir` but the root one, at any depth. */
function nestedNodeModules(dir: string, root = dir, found: string[] = []): string[] {
    for (const full of subfolders(dir)) {
        if (path.basename(full) === "node_modules") {
            // npm ci replaces the root one, which holds what it installs.
            if (dir !== root) found.push(full);
            continue;
        }
        nestedNodeModules(full, root, found);
    }
    return found;
}

/** A `node_modules` below the root that the pull request commits: npm ci replaces the root one only, and the CLI reads them all. */
export function committedNodeModules(projectDir: string): string[] {
    return nestedNodeModules(projectDir)
        .map((d) => `${path.relative(projectDir, d)}: a node_modules folder in the pull request, whose packages the CLI would read for plugins to download and install; pull requests may not commit one`);
}

/**
 * The Pulumi plugins the packages under `dir` declare, as the Node.js language host reports them
 * from every package.json in a node_modules folder at any depth (`"pulumi": {"resource": true,
 * "name", "version", "server"}`: pulumi/pulumi@v3.248.0 sdk/nodejs/cmd/pulumi-language-nodejs/main.go
 * L470-486, L579-639), each `name version server`, with where it was found.
 */
export interface PluginDeclaration { where: string; name: string; version: string; server?: string }

export function pluginDeclarations(dir: string): Map<string, PluginDeclaration> {
    const declared = new Map<string, PluginDeclaration>();
    const visit = (folder: string) => {
        for (const full of subfolders(folder)) {
            const manifest = path.join(full, "package.json");
            if (path.basename(folder) === "node_modules" || path.basename(path.dirname(folder)) === "node_modules") {
                try {
                    const pkg = JSON.parse(fs.readFileSync(manifest, "utf8"));
                    const plugin = pkg?.pulumi;
                    if (plugin && typeof plugin === "object" && plugin.resource === true) {
                        const name = String(plugin.name ?? pkg.name).replace(/^@pulumi\//, "");
                        const version = String(plugin.version ?? pkg.version);
                        const key = `${name} ${version} ${plugin.server ?? "(Pulumi's own)"}`;
                        if (!declared.has(key)) declared.set(key, { where: path.relative(dir, manifest), name, version, ...(plugin.server && { server: String(plugin.server) }) });
                    }
                } catch { /* no package here */ }
            }
            visit(full);
        }
    };
    visit(dir);
    return declared;
}

/**
 * The plugins the pull request's installed packages declare that the base branch's do not: the
 * CLI downloads each from its `server` and installs it, running its dependencies' install scripts
 * (pkg/engine/plugins.go L459-528; pkg/workspace/plugin.go L191-267), before the packs load (final
 * check s29 FC29-1).
 */
export function newPluginProblems(projectDir: string, baseDir = BASE_PROJECT_DIR): string[] {
    const base = pluginDeclarations(baseDir);
    return [...pluginDeclarations(projectDir)].filter(([key]) => !base.has(key))
        .map(([key, { where }]) => `${where}: declares the Pulumi plugin ${key}, which the base branch's packages do not; the CLI would download and install it before the packs judge the pull request; a change of plugins is previewed on main, after merge`);
}

/**
 * The `pulumi plugin install` commands that put the base branch's plugins in place, so that the
 * preview can run with automatic plugin acquisition off (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:
 * pulumi/pulumi@v3.248.0 pkg/engine/plugins.go L514-519). Then no plugin a pull request's packages
 * declare is downloaded, however it is declared (read-through s29 RT29-2: Go reads `"Pulumi"` and a
 * duplicated key, which the scan above does not); `--server` as pkg/cmd/pulumi/plugin/plugin_install.go L86.
 */
export function basePluginInstalls(baseDir = BASE_PROJECT_DIR): string[][] {
    return [...pluginDeclarations(baseDir).values()]
        .map((p) => ["plugin", "install", "resource", p.name, p.version, ...(p.server ? ["--server", p.server] : [])]);
}

const USAGE = "usage: npm run install-guard -- --project-dir DIR [--installed | --install-base-plugins]";

/** Runs the Pulumi CLI, its output passed through; throws when it fails. */
const defaultRunPulumi = (args: string[]) => { execFileSync("pulumi", args, { stdio: "inherit" }); };

/** Runs `npm run install-guard`; returns its exit code. The tests call it in-process, with their own `runPulumi`. */
export function runInstallGuardCli(argv: string[], io: CliOutput, runPulumi: (args: string[]) => void = defaultRunPulumi): number {
    try {
        const { values } = parseArgs({ args: argv, options: { "project-dir": { type: "string" }, installed: { type: "boolean" }, "install-base-plugins": { type: "boolean" } }, strict: true });
        if (values["install-base-plugins"]) {
            for (const args of basePluginInstalls()) {
                io.out(`pulumi ${args.join(" ")}\n`);
                runPulumi(args);
            }
            return 0;
        }
        const dir = values["project-dir"];
        if (!dir) throw new UsageError("--project-dir: required, the pull request's checkout");
        if (!fs.existsSync(path.join(dir, "package.json"))) throw new UsageError(`--project-dir: ${dir} holds no package.json`);
        if (values.installed) {
            // After `npm ci --ignore-scripts`: the plugins the installed packages would have the CLI fetch.
            const problems = newPluginProblems(dir);
            if (problems.length > 0) {
                io.err(`error: the pull request's packages would have the CLI install plugins the base branch does not use, before the packs judge it:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
                return 2;
            }
            io.out(`${dir}: every Pulumi plugin its packages declare is one the base branch's declare\n`);
            return 0;
        }
        const problems = [...installProblems(dir), ...projectFileProblems(dir), ...committedNodeModules(dir)];
        if (problems.length > 0) {
            io.err(`error: the pull request would run its code before the packs judge it; nothing was installed:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
            return 2;
        }
        io.out(`${dir}: every dependency is a registry tarball with its hash, no install settings file, no node_modules, and the base branch's project settings\n`);
        return 0;
    } catch (err) {
        return reportCliError(err, USAGE, io);
    }
}

if (require.main === module) {
    process.exit(runInstallGuardCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }));
}
