import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { validateWorkflow, ValidationError } from "@action-validator/core";
import { POLICY_PACKS } from "../policies/packs";
import { pullRequestSecretProblems } from "../policies/security/workflows";
import { PROJECT_DIR } from "./helpers";

/** The GitHub workflows, checked offline against the workflow JSON schema and for what they must do. */

const WORKFLOWS = path.join(PROJECT_DIR, ".github/workflows");
const PACKS = ["security", "reliability", "data", "cost", "ai-use"];

const source = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const lines = (text: unknown) => String(text ?? "").split("\n").map((l) => l.trim()).filter(Boolean);

/** Every stack of the project: a Pulumi.<stack>.yaml beside Pulumi.yaml. */
const repoStacks = () => fs.readdirSync(PROJECT_DIR).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();

function describeErrors(errors: ValidationError[]): string {
    return errors.map((e) => `${"path" in e ? e.path : ""} ${e.title}: ${e.detail ?? JSON.stringify("states" in e ? e.states : "")}`).join("\n");
}

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Job { steps: Step[]; strategy?: { matrix?: { stack?: string[] } }; concurrency?: { group: string } }

describe("GitHub workflows", function () {
    for (const file of ["preview.yml", "ci.yml"]) {
        it(`${file} passes action-validator's workflow schema`, () => {
            const state = validateWorkflow(source(file));
            assert.equal(state.actionType, "workflow");
            assert.deepEqual(state.errors, [], describeErrors(state.errors));
        });
    }

    it("the validator rejects a broken workflow: a job without runs-on, a wrong permission, bad YAML", () => {
        const preview = source("preview.yml");
        const noRunner = preview.replace(/^ {4}runs-on: .*\n/m, "");
        assert.notEqual(noRunner, preview);
        assert.ok(validateWorkflow(noRunner).errors.length > 0, "a job without runs-on must be rejected");
        const badPermission = validateWorkflow(preview.replace("pull-requests: write", "pull-requests: admin")).errors;
        assert.ok(badPermission.some((e) => "path" in e && String(e.path).startsWith("/jobs/preview")), describeErrors(badPermission));
        const unparsable = validateWorkflow("on: [push\n").errors;
        assert.equal(unparsable[0]?.code, "parse_error");
    });

    it("preview.yml runs pulumi preview with the base branch's five policy packs on every stack and comments on the PR", () => {
        const workflow = YAML.parse(source("preview.yml"));
        assert.deepEqual(Object.keys(workflow.on), ["pull_request"]);
        assert.deepEqual(workflow.permissions, { contents: "read" });
        const job: Job & { environment?: string; if?: string; permissions?: Record<string, string> } = workflow.jobs.preview;
        assert.deepEqual([...job.strategy!.matrix!.stack!].sort(), repoStacks());
        assert.match(job.concurrency!.group, /github\.event\.pull_request\.number.*matrix\.stack/);
        // Credentials only after a reviewer approves, never for forks, AWS by OIDC to a read-only role.
        assert.equal(job.environment, "preview");
        assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
        assert.deepEqual(job.permissions, { contents: "read", "pull-requests": "write", "id-token": "write" });
        const aws = job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
        assert.equal(aws.with!["role-to-assume"], "${{ vars.AWS_PREVIEW_ROLE_ARN }}");
        assert.ok(!JSON.stringify(job).includes("AWS_SECRET_ACCESS_KEY"), "no stored AWS key");

        const pulumi = job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(pulumi.length, 1);
        const w = pulumi[0].with!;
        assert.equal(w.command, "preview");
        assert.equal(w["comment-on-pr"], true);
        assert.equal(w["stack-name"], "${{ matrix.stack }}");
        assert.equal(w["github-token"], "${{ secrets.GITHUB_TOKEN }}");
        // The rules that judge the pull request are the base branch's, moved out of the workspace.
        assert.deepEqual(lines(w.policyPacks), PACKS.map((p) => `\${{ runner.temp }}/base/policies/${p}`));
        const base = job.steps.find((s) => s.with?.path === ".base")!;
        assert.equal(base.with!.ref, "${{ github.event.pull_request.base.sha }}");
        const moved = job.steps.findIndex((s) => s.run === 'mv .base "$RUNNER_TEMP/base"');
        assert.ok(moved > job.steps.indexOf(base), "the base is moved out of the workspace after its checkout");
        // Installed and configured before the PR's dependencies, which install without their scripts.
        const baseInstall = job.steps.findIndex((s) => s.run === "npm ci" && (s as any)["working-directory"] === "${{ runner.temp }}/base");
        const prInstall = job.steps.findIndex((s) => s.run?.startsWith("npm ci") && !(s as any)["working-directory"]);
        assert.equal(job.steps[prInstall].run, "npm ci --ignore-scripts");
        assert.ok(moved < baseInstall && baseInstall < prInstall, "no code of the pull request runs before the base's packs are installed");
        assert.equal(job.steps.filter((s) => s.run?.startsWith("npm ci")).length, 2);
        // The CLI that starts the packs and runs the program: the SDK's own version, not whatever 3.x is newest.
        assert.equal(w["pulumi-version"], JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).dependencies["@pulumi/pulumi"]);
        // One config per pack, in the packs' order: the CLI pairs them by position.
        assert.deepEqual(lines(w.policyPackConfigs), PACKS.map((p) => `\${{ runner.temp }}/policy-config/${p}.json`));
        assert.equal(pulumi[0].env!.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        // Only the preview step sees credentials: not npm ci of the pull request's dependencies.
        for (const step of job.steps.filter((s) => s !== pulumi[0])) assert.ok(!/secrets\.(?!GITHUB_TOKEN)/.test(JSON.stringify(step)), JSON.stringify(step));

        // The config files come from the stack's config, by the base branch's script, before the preview runs.
        const configStep = job.steps.findIndex((s) => s.run?.includes("npm run policy-config"));
        assert.ok(configStep >= 0 && configStep < job.steps.indexOf(pulumi[0]) && configStep < prInstall);
        assert.equal((job.steps[configStep] as any)["working-directory"], "${{ runner.temp }}/base");
        const run = job.steps[configStep].run!;
        assert.match(run, /--stack \$\{\{ matrix\.stack \}\} --stack-file "\$\{\{ github\.workspace \}\}\/Pulumi\.\$\{\{ matrix\.stack \}\}\.yaml"/);
        assert.deepEqual([...run.matchAll(/--pack (\S+)/g)].map((m) => m[1]), PACKS);
        const node = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
        assert.equal(node?.with?.["node-version"], 20);
    });

    it("pins every action by commit, with its release tag beside it", () => {
        for (const file of ["preview.yml", "ci.yml"]) {
            const uses = [...source(file).matchAll(/uses: (\S+)(.*)$/gm)];
            assert.ok(uses.length >= 3);
            for (const [, ref, comment] of uses) {
                assert.match(ref, /^[\w-]+\/[\w-]+@[0-9a-f]{40}$/, `${file}: ${ref} is not pinned by commit`);
                assert.match(comment, /^ # v\d+\.\d+\.\d+$/, `${file}: ${ref} has no release tag beside it`);
            }
        }
    });

    it("gives no secret to a pull request's code (the security pack's rule passes both workflows)", () => {
        assert.deepEqual(pullRequestSecretProblems("preview.yml", source("preview.yml")), []);
        assert.deepEqual(pullRequestSecretProblems("ci.yml", source("ci.yml")), []);
    });

    it("the rule flags secrets in an unguarded pull-request job, workflow-wide env, and a pwn request", () => {
        const job = (extra: string) => `on: pull_request\njobs:\n  preview:\n    runs-on: ubuntu-latest\n${extra}    steps:\n      - run: echo \${{ secrets.AWS_SECRET_ACCESS_KEY }}\n`;
        assert.deepEqual(pullRequestSecretProblems("a.yml", job("")), [
            "a.yml: job preview gives secrets AWS_SECRET_ACCESS_KEY to pull-request code; run it in a protected environment (environment: preview) with if: github.event.pull_request.head.repo.full_name == github.repository, or use the offline plan",
        ]);
        assert.equal(pullRequestSecretProblems("b.yml", job("    environment: preview\n")).length, 1, "an environment alone still runs for forks' code once approved");
        assert.deepEqual(pullRequestSecretProblems("c.yml", job("    environment: preview\n    if: github.event.pull_request.head.repo.full_name == github.repository\n")), []);
        const wide = "on: [pull_request]\nenv:\n  TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\njobs: {}\n";
        assert.match(pullRequestSecretProblems("d.yml", wide)[0], /^d\.yml: env gives secrets PULUMI_ACCESS_TOKEN to every job/);
        const pwn = "on: pull_request_target\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n";
        assert.match(pullRequestSecretProblems("e.yml", pwn)[0], /^e\.yml: job build checks out the pull request's code under pull_request_target, which runs with the base repository's secrets/);
        assert.deepEqual(pullRequestSecretProblems("f.yml", "on: push\njobs:\n  x:\n    steps:\n      - run: echo ${{ secrets.X }}\n"), [], "push runs only reviewed code");
    });

    it("the rule sees secrets in any expression, inherited secrets and OIDC tokens, and a guard that is not one", () => {
        const job = (extra: string, step = "      - run: echo ok\n", on = "pull_request") => `on: ${on}\njobs:\n  preview:\n    runs-on: ubuntu-latest\n${extra}    steps:\n${step}`;
        const guarded = "    environment: preview\n    if: github.event.pull_request.head.repo.full_name == github.repository\n";
        const secretsOf = (text: string) => pullRequestSecretProblems("w.yml", text).map((p) => p.replace(/;.*/, ""));
        // The whole context, and a secret inside a larger expression.
        assert.deepEqual(secretsOf(job("", "      - run: echo '${{ toJSON(secrets) }}'\n")), ["w.yml: job preview gives secrets secrets.* to pull-request code"]);
        assert.deepEqual(secretsOf(job("", "      - run: echo ${{ secrets.FOO || 'x' }}\n")), ["w.yml: job preview gives secrets FOO to pull-request code"]);
        assert.deepEqual(secretsOf(job("", "      - run: echo ${{ secrets['FOO'] }}\n")), ["w.yml: job preview gives secrets secrets.* to pull-request code"]);
        assert.deepEqual(secretsOf("on: pull_request\njobs:\n  call:\n    uses: ./.github/workflows/deploy.yml\n    secrets: inherit\n"), ["w.yml: job call gives secrets secrets: inherit to pull-request code"]);
        // An OIDC token is a credential wherever a role trusts the repository.
        assert.deepEqual(secretsOf(job("    permissions:\n      id-token: write\n")), ["w.yml: job preview lets pull-request code mint a cloud OIDC token (permissions id-token: write)"]);
        assert.deepEqual(secretsOf("on: pull_request\npermissions: write-all\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"), ["w.yml: job x lets pull-request code mint a cloud OIDC token (permissions id-token: write)"]);
        assert.deepEqual(secretsOf(job(guarded + "    permissions:\n      id-token: write\n", "      - run: echo ${{ secrets.FOO }}\n")), [], "a guarded job may have both");
        // A guard that is not one: an environment nobody protects, a fork check that `|| true` defeats.
        const step = "      - run: echo ${{ secrets.FOO }}\n";
        assert.equal(secretsOf(job("    environment: scratch\n    if: github.event.pull_request.head.repo.full_name == github.repository\n", step)).length, 1);
        assert.equal(secretsOf(job("    environment: preview\n    if: github.event.pull_request.head.repo.full_name == github.repository || true\n", step)).length, 1);
        assert.equal(secretsOf(job("    environment:\n      name: preview\n    if: github.event.pull_request.head.repo.full_name == github.repository\n", step)).length, 0);
        assert.equal(pullRequestSecretProblems("w.yml", job("    environment: staging\n    if: github.event.pull_request.head.repo.full_name == github.repository\n", step), ["staging"]).length, 0, "environments from the pack's config");
        // Pull-request reviews run the pull request's code too.
        assert.equal(secretsOf(job("", step, "pull_request_review")).length, 1);
    });

    it("the rule flags the pull request's code checked out where the base's secrets are: workflow_run, comments, merge refs", () => {
        const checkout = (on: string, ref: string) => `on: ${on}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${ref}\n`;
        const flagged = (on: string, ref: string) => pullRequestSecretProblems("w.yml", checkout(on, ref)).some((p) => p.includes("checks out the pull request's code"));
        assert.ok(flagged("workflow_run", "${{ github.event.workflow_run.head_sha }}"));
        assert.ok(flagged("pull_request_target", "refs/pull/${{ github.event.number }}/merge"));
        assert.ok(flagged("issue_comment", "refs/pull/${{ github.event.issue.number }}/head"));
        assert.ok(flagged("pull_request_target", "${{ github.head_ref }}"));
        assert.ok(!flagged("pull_request_target", "${{ github.event.pull_request.base.sha }}"), "the base is the base repository's own code");
        assert.ok(!flagged("push", "${{ github.event.workflow_run.head_sha }}"), "push runs only reviewed code");
    });

    it("ci.yml tests on push, pull_request and weekly, plans every stack keeping out/ as an artifact, and verifies image digests", () => {
        const workflow = YAML.parse(source("ci.yml"));
        assert.deepEqual(Object.keys(workflow.on).sort(), ["pull_request", "push", "schedule"]);
        assert.deepEqual(workflow.jobs["image-digests"].steps.map((s: { run?: string }) => s.run).filter(Boolean), ["npm ci", "npm run images:verify"]);
        const test: Job = workflow.jobs.test;
        assert.ok(test.steps.some((s) => s.run === "npm ci && npm test"));
        const plan: Job = workflow.jobs.plan;
        assert.deepEqual([...plan.strategy!.matrix!.stack!].sort(), repoStacks());
        assert.ok(plan.steps.some((s) => s.run === "npm run plan -- --stack ${{ matrix.stack }}"));
        const upload = plan.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
        assert.equal(upload?.with?.path, "out/${{ matrix.stack }}/");
        assert.equal((upload as { if?: string }).if, "always()", "the report is kept when the plan fails on a mandatory violation");
    });

    it("names in preview.yml exactly the packs the plan evaluates, each runnable by the CLI", function () {
        assert.deepEqual([...PACKS].sort(), POLICY_PACKS.map((p) => p.name).sort());
        for (const pack of PACKS) {
            for (const file of ["PulumiPolicy.yaml", "package.json", "index.ts", "policies.ts"]) {
                assert.ok(fs.existsSync(path.join(PROJECT_DIR, "policies", pack, file)), `policies/${pack} lacks ${file}`);
            }
        }
    });
});
