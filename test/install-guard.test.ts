import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { basePluginInstalls, committedNodeModules, installProblems, newPluginProblems, pluginDeclarations, projectFileProblems, runInstallGuardCli } from "../plan/install-guard";
import { PROJECT_DIR } from "./helpers";

/** The preview job's guard: a pull request whose install would run its code is refused before npm ci (security review s23 F3). */
describe("install-guard", () => {
    const project = (lock: object, extra: Record<string, string> = {}) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "install-guard-"));
        fs.writeFileSync(path.join(dir, "package.json"), "{}");
        fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, ...lock }));
        for (const [file, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, file), text);
        return dir;
    };
    const run = (dir: string) => {
        const io = { out: "", err: "" };
        const code = runInstallGuardCli(["--project-dir", dir], { out: (t) => { io.out += t; }, err: (t) => { io.err += t; } });
        return { code, ...io };
    };
    const registryPackage = { version: "1.0.0", resolved: "https://registry.npmjs.org/left-pad/-/left-pad-1.0.0.tgz", integrity: "sha512-abc" };

    it("passes this repository, whose lockfile names registry packages by their hashes", () => {
        assert.deepEqual(installProblems(PROJECT_DIR), []);
        assert.equal(run(PROJECT_DIR).code, 0);
        assert.equal(run(project({ packages: { "": {}, "node_modules/left-pad": registryPackage, "node_modules/x": { version: "2.0.0", integrity: "sha512-def" } } })).code, 0);
    });

    it("refuses an .npmrc, a git, file or link dependency, another registry and a package with no hash, naming each", () => {
        const dir = project({
            packages: {
                "": {},
                "node_modules/ok": registryPackage,
                "node_modules/from-git": { version: "1.0.0", resolved: "git+ssh://git@github.com/o/r.git#0123456789abcdef0123456789abcdef01234567" },
                "node_modules/from-folder": { resolved: "tools/pkg", link: true },
                "node_modules/elsewhere": { version: "1.0.0", resolved: "https://npm.evil.example/x/-/x-1.0.0.tgz", integrity: "sha512-x" },
                "node_modules/unhashed": { version: "1.0.0" },
            },
        }, { ".npmrc": "git=./tools/g.sh\n" });
        const result = run(dir);
        assert.equal(result.code, 2);
        assert.match(result.err, /^error: the pull request would run its code before the packs judge it; nothing was installed:\n/);
        assert.match(result.err, /^ {2}\.npmrc: a package manager's settings file, which can name a program npm runs while installing \(git=\.\.\.\); pull requests may not add one$/m);
        assert.match(result.err, /^ {2}package-lock\.json node_modules\/from-git: resolved "git\+ssh:\/\/git@github\.com\/o\/r\.git#0123456789abcdef0123456789abcdef01234567", not a tarball from https:\/\/registry\.npmjs\.org\//m);
        assert.match(result.err, /^ {2}package-lock\.json node_modules\/from-folder: a link to a folder/m);
        assert.match(result.err, /^ {2}package-lock\.json node_modules\/elsewhere: resolved "https:\/\/npm\.evil\.example/m);
        assert.match(result.err, /^ {2}package-lock\.json node_modules\/unhashed: no sha512 integrity/m);
        assert.ok(!/node_modules\/ok/.test(result.err));
    });

    it("refuses a shrinkwrap, which npm ci prefers, and a lockfile without packages (review s23 F3)", () => {
        const shrinkwrapped = run(project({ packages: { "": {} } }, { "npm-shrinkwrap.json": "{}" }));
        assert.equal(shrinkwrapped.code, 2);
        assert.match(shrinkwrapped.err, /^ {2}npm-shrinkwrap\.json: a lockfile npm ci prefers to package-lock\.json/m);
        const old = project({ lockfileVersion: 1, dependencies: {} });
        assert.match(run(old).err, /package-lock\.json: no `packages` section/);
    });

    it("refuses a missing lockfile and a missing project, as bad input", () => {
        const dir = project({});
        fs.rmSync(path.join(dir, "package-lock.json"));
        assert.match(run(dir).err, /package-lock\.json: missing/);
        const none = run(path.join(dir, "nowhere"));
        assert.equal(none.code, 2);
        assert.match(none.err, /--project-dir: .* holds no package\.json/);
    });

    it("refuses a project file that has the CLI run the pull request's own plugin binaries, the packs' host included (upstream review s29 U29-2)", () => {
        const lock = { packages: { "": {} } };
        // The base branch's own project file (the repository's), with another name and description: descriptive settings may differ.
        const base = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8").replace(/^name: .*$/m, "name: groundwork-pr").replace(/^description: .*$/m, "description: changed");
        assert.deepEqual(projectFileProblems(PROJECT_DIR), [], "this repository's Pulumi.yaml");
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": base })), []);
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}plugins:\n  languages:\n    - name: nodejs\n      path: ./tools\n` })), [
            "Pulumi.yaml: `plugins` names plugin binaries the CLI would run in place of its own, the host of the base branch's packs included; pull requests may not set it",
        ]);
        assert.match(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}packages:\n  evil: ./tools/evil\n` }))[0], /^Pulumi\.yaml: `packages` names plugin binaries/);
        // A merge key hides nothing: yaml.v3 applies it, and so does the guard.
        assert.ok(projectFileProblems(project(lock, { "Pulumi.yaml": `x: &p\n  plugins: { analyzers: [{ name: policy, path: ./a }] }\n<<: *p\n${base}` })).some((p) => /^Pulumi\.yaml: `plugins`/.test(p)));
        assert.match(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}Plugins: {}\n` }))[0], /^Pulumi\.yaml: `Plugins`/);
        // The CLI reads Pulumi.json, then Pulumi.yaml, then Pulumi.yml.
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": base, "Pulumi.json": "{}", "Pulumi.yml": base })), [
            "Pulumi.json: a project file the CLI reads before Pulumi.yaml; pull requests may not add one",
            "Pulumi.yml: a project file the CLI reads before Pulumi.yaml; pull requests may not add one",
        ]);
        assert.match(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}name: twice\n` }))[0], /^Pulumi\.yaml: not YAML the guard can read \(/);
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": "- a list\n" })), ["Pulumi.yaml: not a map of settings"]);
        const refused = run(project(lock, { "Pulumi.yaml": `${base}plugins: {}\n` }));
        assert.equal(refused.code, 2);
        assert.match(refused.err, /\n {2}Pulumi\.yaml: `plugins` names plugin binaries/);
    });

    it("holds a pull request to the base branch's runtime, program folder, stack folder and backend, and refuses committed node_modules (final check s29 FC29-1, FC29-5)", () => {
        const lock = { packages: { "": {} } };
        const base = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8");
        const differs = (key: string) => `Pulumi.yaml: \`${key}\` differs from the base branch's; it decides what the CLI runs or reads (the language host and its options, the program's folder, the stack file's folder, the backend) before the packs judge the pull request; change it in a pull request of its own, whose code the production preview on main judges after merge`;
        // Python's host runs pip or the venv's own python before the packs load.
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": base.replace(/runtime:[\s\S]*?(?=\nmain:)/, "runtime:\n  name: python\n  options:\n    virtualenv: venv") })), [differs("runtime")]);
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": base.replace("typescript: true", "typescript: true\n    nodeargs: --require ./evil.js") })), [differs("runtime")]);
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": base.replace(/^main: .*$/m, "main: tools/") })), [differs("main")]);
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}stackConfigDir: config/\nbackend:\n  url: file:///tmp/elsewhere\n` })), [differs("stackConfigDir"), differs("backend")]);
        // The same settings in another order are the same.
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": `main: stacks/index.ts\nruntime: { options: { typescript: true }, name: nodejs }\nname: groundwork\n` })), []);
        // A node_modules below the root, which npm ci leaves, is refused; the root one is npm's.
        const dir = project(lock, { "Pulumi.yaml": base });
        fs.mkdirSync(path.join(dir, "tools/node_modules/x"), { recursive: true });
        fs.mkdirSync(path.join(dir, "node_modules/y/node_modules/z"), { recursive: true });
        assert.deepEqual(committedNodeModules(dir), ["tools/node_modules: a node_modules folder in the pull request, whose packages the CLI would read for plugins to download and install; pull requests may not commit one"]);
        assert.match(run(dir).err, /\n {2}tools\/node_modules: a node_modules folder in the pull request/);
    });

    it("after the install, refuses a Pulumi plugin the base branch's packages do not declare (final check s29 FC29-1)", () => {
        const tree = (plugins: Record<string, object>) => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "install-guard-plugins-"));
            fs.writeFileSync(path.join(dir, "package.json"), "{}");
            for (const [where, pkg] of Object.entries(plugins)) {
                fs.mkdirSync(path.join(dir, where), { recursive: true });
                fs.writeFileSync(path.join(dir, where, "package.json"), JSON.stringify(pkg));
            }
            return dir;
        };
        const aws = { name: "@pulumi/aws", version: "7.48.0", pulumi: { resource: true, name: "aws", version: "7.48.0" } };
        const time = { name: "@pulumiverse/time", version: "0.1.1", pulumi: { resource: true, name: "time", server: "github://api.github.com/pulumiverse/pulumi-time" } };
        const baseDir = tree({ "node_modules/@pulumi/aws": aws, "node_modules/@pulumiverse/time": time, "node_modules/left-pad": { name: "left-pad", version: "1.0.0" } });
        assert.deepEqual([...pluginDeclarations(baseDir).keys()].sort(), ["aws 7.48.0 (Pulumi's own)", "time 0.1.1 github://api.github.com/pulumiverse/pulumi-time"]);
        assert.deepEqual(newPluginProblems(tree({ "node_modules/@pulumi/aws": aws, "node_modules/@pulumiverse/time": time }), baseDir), []);
        const evil = { name: "helper", version: "1.0.0", pulumi: { resource: true, name: "helper", version: "1.0.0", server: "https://evil.example/plugins" } };
        assert.deepEqual(newPluginProblems(tree({ "node_modules/@pulumi/aws": aws, "node_modules/a/node_modules/helper": evil }), baseDir), [
            "node_modules/a/node_modules/helper/package.json: declares the Pulumi plugin helper 1.0.0 https://evil.example/plugins, which the base branch's packages do not; the CLI would download and install it before the packs judge the pull request; a change of plugins is previewed on main, after merge",
        ]);
        assert.match(newPluginProblems(tree({ "node_modules/@pulumi/aws": { ...aws, pulumi: { ...aws.pulumi, version: "7.49.0" } } }), baseDir)[0], /declares the Pulumi plugin aws 7\.49\.0 \(Pulumi's own\)/);
        // This repository's installed packages are its own base.
        assert.deepEqual(newPluginProblems(PROJECT_DIR, PROJECT_DIR), []);
        const io = { out: "", err: "" };
        assert.equal(runInstallGuardCli(["--project-dir", PROJECT_DIR, "--installed"], { out: (t) => { io.out += t; }, err: (t) => { io.err += t; } }), 0, io.err);
    });

    it("installs the base branch's plugins ahead, for a preview that fetches none, and reads the project file as the CLI would (read-through s29 RT29-1 to RT29-4)", () => {
        const installs = basePluginInstalls(PROJECT_DIR);
        assert.ok(installs.some((a) => a.join(" ") === "plugin install resource aws 7.48.0"), JSON.stringify(installs));
        assert.ok(installs.some((a) => a.slice(0, 4).join(" ") === "plugin install resource time" && a.includes("--server") && a[a.indexOf("--server") + 1] === "github://api.github.com/pulumiverse/pulumi-time"));
        const ran: string[][] = [];
        const io = { out: "", err: "" };
        assert.equal(runInstallGuardCli(["--install-base-plugins"], { out: (t) => { io.out += t; }, err: (t) => { io.err += t; } }, (args) => { ran.push(args); }), 0, io.err);
        assert.deepEqual(ran, basePluginInstalls());
        const lock = { packages: { "": {} } };
        const base = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8");
        // A line break go-yaml honours and this reader does not turns a comment into a setting.
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}# x\u0085plugins: {}\n` })), ["Pulumi.yaml: holds U+0085, a line break to the Pulumi CLI's YAML reader and not to this guard's; write the file with plain line breaks"]);
        // A lone CR too, which go-yaml takes as a line break and this reader does not.
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}# x\rplugins: {}\n` })), ["Pulumi.yaml: holds U+000D, a line break to the Pulumi CLI's YAML reader and not to this guard's; write the file with plain line breaks"]);
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}stackConfigDir: !!merge dir\n` })), ["Pulumi.yaml: holds a YAML tag (!!…), which the Pulumi CLI's reader and this guard's may read apart; write the settings without tags"]);
        // `config` written as a folder is the old spelling of stackConfigDir.
        assert.match(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}config: ./elsewhere\n` }))[0], /^Pulumi\.yaml: `config` differs from the base branch's/);
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}config:\n  groundwork:tier:\n    type: string\n` })), []);
    });
});
