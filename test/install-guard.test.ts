import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installProblems, projectFileProblems, runInstallGuardCli } from "../plan/install-guard";
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
        const base = "name: groundwork\nruntime: nodejs\ndescription: AI platform\n";
        assert.deepEqual(projectFileProblems(PROJECT_DIR), [], "this repository's Pulumi.yaml");
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": base })), []);
        assert.deepEqual(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}plugins:\n  languages:\n    - name: nodejs\n      path: ./tools\n` })), [
            "Pulumi.yaml: `plugins` names plugin binaries the CLI would run in place of its own, the host of the base branch's packs included; pull requests may not set it",
        ]);
        assert.match(projectFileProblems(project(lock, { "Pulumi.yaml": `${base}packages:\n  evil: ./tools/evil\n` }))[0], /^Pulumi\.yaml: `packages` names plugin binaries/);
        // A merge key hides nothing: yaml.v3 applies it, and so does the guard.
        assert.match(projectFileProblems(project(lock, { "Pulumi.yaml": `x: &p\n  plugins: { analyzers: [{ name: policy, path: ./a }] }\n<<: *p\n${base}` }))[0], /^Pulumi\.yaml: `plugins`/);
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
});
