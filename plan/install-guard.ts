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
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as YAML from "yaml";
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

/** What in the project file would have the CLI run a program of the pull request's before the packs: each problem in words. */
export function projectFileProblems(projectDir: string): string[] {
    const problems = ["Pulumi.json", "Pulumi.yml"].filter((f) => fs.existsSync(path.join(projectDir, f)))
        .map((f) => `${f}: a project file the CLI reads before Pulumi.yaml; pull requests may not add one`);
    const file = path.join(projectDir, "Pulumi.yaml");
    if (!fs.existsSync(file)) return problems;
    let project: unknown;
    try {
        // yaml.v3, which the CLI reads it with, applies `<<` merge keys.
        project = YAML.parse(fs.readFileSync(file, "utf8"), { merge: true });
    } catch (err) {
        return [...problems, `Pulumi.yaml: not YAML the guard can read (${(err as Error).message.split("\n")[0]})`];
    }
    if (typeof project !== "object" || project === null || Array.isArray(project)) return [...problems, "Pulumi.yaml: not a map of settings"];
    for (const key of Object.keys(project)) {
        if ((PROJECT_PLUGIN_KEYS as readonly string[]).includes(key.toLowerCase())) {
            problems.push(`Pulumi.yaml: \`${key}\` names plugin binaries the CLI would run in place of its own, the host of the base branch's packs included; pull requests may not set it`);
        }
    }
    return problems;
}

const USAGE = "usage: npm run install-guard -- --project-dir DIR";

/** Runs `npm run install-guard`; returns its exit code. The tests call it in-process. */
export function runInstallGuardCli(argv: string[], io: CliOutput): number {
    try {
        const { values } = parseArgs({ args: argv, options: { "project-dir": { type: "string" } }, strict: true });
        const dir = values["project-dir"];
        if (!dir) throw new UsageError("--project-dir: required, the pull request's checkout");
        if (!fs.existsSync(path.join(dir, "package.json"))) throw new UsageError(`--project-dir: ${dir} holds no package.json`);
        const problems = [...installProblems(dir), ...projectFileProblems(dir)];
        if (problems.length > 0) {
            io.err(`error: the pull request would run its code before the packs judge it; nothing was installed:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
            return 2;
        }
        io.out(`${dir}: every dependency is a registry tarball with its hash, no install settings file, and no plugin of the project's own\n`);
        return 0;
    } catch (err) {
        return reportCliError(err, USAGE, io);
    }
}

if (require.main === module) {
    process.exit(runInstallGuardCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }));
}
