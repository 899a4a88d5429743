import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { validateWorkflow, ValidationError } from "@action-validator/core";
import { POLICY_PACKS } from "../policies/packs";
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
        assert.ok(badPermission.some((e) => "path" in e && e.path === "/permissions"), describeErrors(badPermission));
        const unparsable = validateWorkflow("on: [push\n").errors;
        assert.equal(unparsable[0]?.code, "parse_error");
    });

    it("preview.yml runs pulumi preview with all five policy packs on every stack and comments on the PR", () => {
        const workflow = YAML.parse(source("preview.yml"));
        assert.deepEqual(Object.keys(workflow.on), ["pull_request"]);
        assert.deepEqual(workflow.permissions, { contents: "read", "pull-requests": "write" });
        const job: Job = workflow.jobs.preview;
        assert.deepEqual([...job.strategy!.matrix!.stack!].sort(), repoStacks());
        assert.match(job.concurrency!.group, /github\.event\.pull_request\.number.*matrix\.stack/);

        const pulumi = job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(pulumi.length, 1);
        assert.equal(pulumi[0].uses, "pulumi/actions@v6");
        const w = pulumi[0].with!;
        assert.equal(w.command, "preview");
        assert.equal(w["comment-on-pr"], true);
        assert.equal(w["stack-name"], "${{ matrix.stack }}");
        assert.equal(w["github-token"], "${{ secrets.GITHUB_TOKEN }}");
        assert.deepEqual(lines(w.policyPacks), PACKS.map((p) => `policies/${p}`));
        // One config per pack, in the packs' order: the CLI pairs them by position.
        assert.deepEqual(lines(w.policyPackConfigs), PACKS.map((p) => `\${{ runner.temp }}/policy-config/${p}.json`));
        assert.equal(pulumi[0].env!.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");

        // The config files come from the stack's config, written before the preview runs.
        const configStep = job.steps.findIndex((s) => s.run?.includes("npm run policy-config"));
        assert.ok(configStep >= 0 && configStep < job.steps.indexOf(pulumi[0]));
        const run = job.steps[configStep].run!;
        assert.match(run, /--stack \$\{\{ matrix\.stack \}\} --out-dir "\$\{\{ runner\.temp \}\}\/policy-config"/);
        assert.deepEqual([...run.matchAll(/--pack (\S+)/g)].map((m) => m[1]), PACKS);
        assert.ok(job.steps.findIndex((s) => s.run === "npm ci") < configStep);
        const node = job.steps.find((s) => s.uses === "actions/setup-node@v4");
        assert.equal(node?.with?.["node-version"], 20);
    });

    it("ci.yml tests on push and pull_request and plans every stack, keeping out/ as an artifact", () => {
        const workflow = YAML.parse(source("ci.yml"));
        assert.deepEqual(Object.keys(workflow.on).sort(), ["pull_request", "push"]);
        const test: Job = workflow.jobs.test;
        assert.ok(test.steps.some((s) => s.run === "npm ci && npm test"));
        const plan: Job = workflow.jobs.plan;
        assert.deepEqual([...plan.strategy!.matrix!.stack!].sort(), repoStacks());
        assert.ok(plan.steps.some((s) => s.run === "npm run plan -- --stack ${{ matrix.stack }}"));
        const upload = plan.steps.find((s) => s.uses === "actions/upload-artifact@v4");
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
