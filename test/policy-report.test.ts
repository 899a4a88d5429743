import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Policy, StackValidationPolicy, ResourceValidationPolicy } from "@pulumi/policy";
import { RecordedResource } from "../plan/monitor";
import { costReport, costSummaryLine, renderCostFiles } from "../plan/cost-report";
import { monthlyBudgetOf, packConfigFor, readStackConfig, runPolicyConfigCli } from "../plan/policy-config";
import {
    evaluatePolicies, MANDATORY_VIOLATION_EXIT, PolicyReport, policyExitCode, policySummaryLine, renderPolicyReportFiles,
} from "../plan/policy-report";
import { planPolicyReport } from "../plan/rendered-workloads";
import { leakedSecrets, renderPlanFiles } from "../plan/report";
import { PlanResult } from "../plan/run";
import { POLICY_PACKS } from "../policies/packs";
import { ResourceRecord } from "../policies/policy-run";
import { PROJECT_DIR, stackValues, committedPlan, planCli, stackFileFor } from "./helpers";

const tsx = (script: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [require.resolve("tsx/cli"), script, ...args], { cwd: PROJECT_DIR, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-policy-"));
/** `npm run policy-config -- <args>` in this process (the test above runs the real command once). */
const policyConfig = (...args: string[]) => {
    let stdout = "";
    let stderr = "";
    const status = runPolicyConfigCli(args, { out: (t) => { stdout += t; }, err: (t) => { stderr += t; } });
    return { status, stdout, stderr };
};

describe("policy report and price beside the plan", function () {
    describe("the dev stack", function () {
        let plan: PlanResult;
        let files: Record<string, string>;
        let report: PolicyReport;

        before(async function () {
            plan = await committedPlan("dev");
            const config = readStackConfig({ projectDir: PROJECT_DIR, stack: "dev" });
            // As the plan CLI does: with the workloads modelled behind charts, CloudNativePG and k3s.
            report = await planPolicyReport("dev", plan.resources, config, POLICY_PACKS);
            const cost = costReport("dev", plan.resources, monthlyBudgetOf(packConfigFor(config, "cost")));
            files = renderPlanFiles(plan, { ...renderPolicyReportFiles(report), ...renderCostFiles(cost) });
        });

        it("writes policy-report.json listing every registered pack's policies, with no mandatory violation", () => {
            const json = JSON.parse(files["policy-report.json"]);
            assert.equal(json.stack, "dev");
            assert.ok(POLICY_PACKS.length > 0, "no policy pack is registered in policies/packs.ts");
            assert.deepEqual(json.packs.map((p: { pack: string }) => p.pack), POLICY_PACKS.map((p) => p.name).sort());
            for (const pack of POLICY_PACKS) {
                const listed = json.packs.find((p: { pack: string }) => p.pack === pack.name).policies.map((p: { name: string }) => p.name);
                assert.deepEqual(listed, pack.policies.map((p) => p.name).sort(), `${pack.name}: evaluated policies`);
            }
            assert.equal(json.summary.mandatory, 0, files["policy-report.md"]);
            assert.deepEqual(json.violations.filter((v: { level: string }) => v.level === "mandatory"), []);
            assert.equal(policyExitCode(report), 0);
            assert.match(policySummaryLine(report), /^policies: 0 mandatory, \d+ advisory violations$/);
        });

        it("lists, per chart, operator and k3s, the workloads it evaluated from their models", () => {
            const json = JSON.parse(files["policy-report.json"]);
            const by = (source: string) => json.rendered.find((r: { source: string }) => r.source === source);
            assert.deepEqual(by("chart qdrant@1.18.2").workloads, ["StatefulSet qdrant"]);
            assert.deepEqual(by("chart vault-secrets-operator@1.4.1").workloads, [
                "Deployment vault-secrets-operator-controller-manager", "Job pdcc-vault-secrets-operator", "Job upgrade-crds-vault-secrets-operator",
            ]);
            assert.deepEqual(by("chart langfuse@1.5.41").workloads, [
                "Deployment langfuse-web", "Deployment langfuse-worker", "StatefulSet langfuse-clickhouse-shard0", "StatefulSet langfuse-redis-primary",
            ]);
            assert.deepEqual(by("operator cloudnative-pg").workloads, ["Pod postgres-1"]);
            assert.deepEqual(by("k3s v1.34.9+k3s1").workloads, [
                "Deployment coredns", "Deployment local-path-provisioner", "Deployment metrics-server",
            ]);
            assert.deepEqual(by("chart linkerd-control-plane@2026.8.3").workloads, ["Deployment linkerd-identity", "Deployment linkerd-destination", "Deployment linkerd-proxy-injector"]);
            assert.ok(json.rendered.every((r: { workloads: unknown }) => r.workloads !== null), "every chart of the stack has a model at its pinned version");
            const md = files["policy-report.md"];
            assert.match(md, /^## Workloads evaluated from models$/m);
            assert.match(md, /^\| chart linkerd-control-plane@2026\.8\.3 \| linkerd-control-plane \| linkerd \| Deployment linkerd-identity, /m);
            assert.match(md, /^\| k3s v1\.34\.9\+k3s1 \| packaged components \| kube-system \| Deployment coredns, /m);
        });

        it("writes policy-report.md with the counts and every violation as a table row", () => {
            const md = files["policy-report.md"];
            const header = new RegExp(`^0 mandatory, ${report.summary.advisory} advisory violations; \\d+ policies evaluated in ${POLICY_PACKS.length} packs`, "m");
            assert.match(md, header);
            if (report.violations.length === 0) {
                assert.match(md, /^No violations\.$/m);
            } else {
                assert.match(md, /^\| pack \| policy \| level \| resource \| message \|$/m);
                assert.equal(md.split("\n").filter((l) => /^\| [a-z-]+ \| [a-z0-9-]+ \| (mandatory|advisory) \|/.test(l)).length, report.violations.length);
            }
        });

        it("prices dev at $0.00 a month within its $0 budget", () => {
            const cost = JSON.parse(files["cost.json"]);
            assert.equal(cost.monthlyUsd, 0);
            assert.equal(cost.budgetUsd, 0);
            assert.equal(cost.withinBudget, true);
            assert.ok(cost.lines.some((l: { type: string }) => l.type === "oci:Core/instance:Instance"), "the A1 instances get (free) lines");
            assert.match(files["cost.md"], /^Total \$0\.00 \/ month .*Budget \$0\.00 \/ month: \*\*pass\*\*\.$/m);
        });

        it("the reports go through the plan's leak check and contain no secret", () => {
            assert.deepEqual(Object.keys(files), ["resources.json", "manifests.yaml", "policy-report.json", "policy-report.md", "cost.json", "cost.md"]);
            assert.ok(plan.secretValues.length > 0);
            assert.deepEqual(leakedSecrets(Object.values(files), plan.secretValues), []);
        });

        it("is deterministic: evaluating again renders the same bytes", async () => {
            const config = readStackConfig({ projectDir: PROJECT_DIR, stack: "dev" });
            const again = await planPolicyReport("dev", plan.resources, config, POLICY_PACKS);
            assert.deepEqual(renderPolicyReportFiles(again), renderPolicyReportFiles(report));
        });
    });

    describe("a synthetic pack and records", function () {
        const bucket: ResourceRecord = {
            type: "aws:s3/bucket:Bucket", name: "public-data", urn: "urn:pulumi:t::groundwork::aws:s3/bucket:Bucket::public-data", props: { acl: "public-read" },
        };
        const queue: ResourceRecord = {
            type: "aws:sqs/queue:Queue", name: "jobs", urn: "urn:pulumi:t::groundwork::aws:sqs/queue:Queue::jobs", props: { delaySeconds: 900 },
        };
        const noPublicBucket: ResourceValidationPolicy = {
            name: "no-public-bucket",
            description: "Buckets are private.",
            enforcementLevel: "mandatory",
            validateResource: (args, report) => {
                if (args.type === bucket.type && args.props.acl === "public-read") report("acl is public-read | set acl to private");
            },
        };
        const maxDelay: ResourceValidationPolicy = {
            name: "max-delay",
            description: "Queues deliver promptly.",
            enforcementLevel: "advisory",
            configSchema: { properties: { maxSeconds: { type: "number", default: 60 } } },
            validateResource: (args, report) => {
                const { maxSeconds } = args.getConfig<{ maxSeconds: number }>();
                if (args.type === queue.type && args.props.delaySeconds > maxSeconds) report(`delaySeconds ${args.props.delaySeconds} is over ${maxSeconds}`);
            },
        };
        const oneQueue: StackValidationPolicy = {
            name: "one-queue",
            description: "At most one queue.",
            enforcementLevel: "advisory",
            validateStack: (args, report) => {
                if (args.resources.filter((r) => r.type === queue.type).length > 0) report("the stack has a queue");
            },
        };
        const pack = { name: "test", policies: [oneQueue, maxDelay, noPublicBucket] as Policy[] };

        it("lists the mandatory violation first, naming pack, policy, level, resource and message; the plan would exit 3", async () => {
            const report = await evaluatePolicies("t", [queue, bucket], [pack]);
            const md = renderPolicyReportFiles(report)["policy-report.md"];
            assert.match(md, /^1 mandatory, 2 advisory violations; 3 policies evaluated in 1 packs \(test\)\.$/m);
            const rows = md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| pack") && !l.startsWith("| ---"));
            assert.deepEqual(rows, [
                "| test | no-public-bucket | mandatory | `aws:s3/bucket:Bucket` public-data | acl is public-read \\| set acl to private |",
                "| test | max-delay | advisory | `aws:sqs/queue:Queue` jobs | delaySeconds 900 is over 60 |",
                "| test | one-queue | advisory | (stack) | the stack has a queue |",
            ]);
            const json = JSON.parse(renderPolicyReportFiles(report)["policy-report.json"]);
            assert.deepEqual(json.violations[0], {
                pack: "test", policy: "no-public-bucket", level: "mandatory",
                resource: { urn: bucket.urn, name: "public-data", type: "aws:s3/bucket:Bucket" }, message: "acl is public-read | set acl to private",
            });
            assert.deepEqual(json.packs, [{ pack: "test", policies: [
                { name: "max-delay", level: "advisory" }, { name: "no-public-bucket", level: "mandatory" }, { name: "one-queue", level: "advisory" },
            ], mandatory: 1, advisory: 2 }]);
            assert.equal(policyExitCode(report), MANDATORY_VIOLATION_EXIT);
            assert.equal(MANDATORY_VIOLATION_EXIT, 3);
            assert.equal(policySummaryLine(report), "policies: 1 mandatory, 2 advisory violations");
        });

        it("pack config sets levels (per policy over `all`) and passes policy config, like --policy-pack-config", async () => {
            const relaxed = await evaluatePolicies("t", [queue, bucket], [pack], { test: { "no-public-bucket": "advisory", "max-delay": { maxSeconds: 1000 } } });
            assert.deepEqual(relaxed.summary, { mandatory: 0, advisory: 2 });
            assert.equal(policyExitCode(relaxed), 0);
            assert.ok(!relaxed.violations.some((v) => v.policy === "max-delay"), "maxSeconds 1000 allows a 900 s delay");

            const off = await evaluatePolicies("t", [queue, bucket], [pack], { test: { all: { enforcementLevel: "disabled" }, "one-queue": { enforcementLevel: "mandatory" } } });
            assert.deepEqual(off.violations.map((v) => `${v.policy}/${v.level}`), ["one-queue/mandatory"]);
            const md = renderPolicyReportFiles(off)["policy-report.md"];
            assert.match(md, /^Disabled by configuration: test\/max-delay, test\/no-public-bucket\.$/m);

            const clean = await evaluatePolicies("t", [bucket], [pack], { test: { all: "disabled" } });
            assert.match(renderPolicyReportFiles(clean)["policy-report.md"], /^No violations\.$/m);
        });

        it("prices paid resources against the budget: fail when over, listing each line with its source", () => {
            const provider = { type: "pulumi:providers:aws", name: "aws", urn: "urn:pulumi:t::groundwork::pulumi:providers:aws::aws", inputs: { region: "us-east-1" } };
            const gpu = { type: "aws:ec2/instance:Instance", name: "gpu-0", urn: "urn:pulumi:t::groundwork::aws:ec2/instance:Instance::gpu-0", inputs: { instanceType: "g5.xlarge" },
                provider: `${provider.urn}::offline-id` };
            const cost = costReport("t", [provider, gpu].map((r) => ({ ...r, inputs: r.inputs as Record<string, unknown> }) as RecordedResource), 100);
            assert.ok(cost.monthlyUsd > 100, String(cost.monthlyUsd));
            assert.equal(cost.withinBudget, false);
            assert.match(costSummaryLine(cost), /^price: \$\d+\.\d\d \/ month \(budget \$100\.00, OVER BUDGET\)$/);
            const md = renderCostFiles(cost)["cost.md"];
            assert.match(md, /Budget \$100\.00 \/ month: \*\*fail\*\*, \$\d+\.\d\d over\./);
            assert.match(md, /^\| `aws:ec2\/instance:Instance` gpu-0 \| g5\.xlarge on-demand in us-east-1, 730 h \| 730 \| \$\d\.\d+ \/ hour \| \$\d+\.\d\d \|  \| https:\/\/\S+ \(\d{4}-\d\d-\d\d\) \|$/m);
            const withoutBudget = costReport("t", [], undefined);
            assert.equal(costSummaryLine(withoutBudget), "price: $0.00 / month (no budget)");
        });
    });

    describe("npm run policy-config and npm run plan", function () {
        it("derives the cost pack's monthly-budget and Always-Free rule from groundwork:cost", () => {
            const dev = { "monthly-budget": { monthlyBudgetUsd: 0 }, "always-free-within-limits": { alwaysFreeOnly: true } };
            assert.deepEqual(packConfigFor(readStackConfig({ projectDir: PROJECT_DIR, stack: "dev" }), "cost"), dev);
            assert.deepEqual(packConfigFor(readStackConfig({ projectDir: PROJECT_DIR, stack: "cloud" }), "cost"), { "monthly-budget": { monthlyBudgetUsd: 2500 } });
            // dev's Vault seals with OCI KMS: the metadata rule keeps its pods off the server. Its
            // server's SSH install is the one thing built from the server token.
            assert.deepEqual(packConfigFor(readStackConfig({ projectDir: PROJECT_DIR, stack: "dev" }), "security"), {
                "k3s-server-token-only-on-servers": { serverNodes: ["server-1-k3s-install"] },
                "metadata-egress-blocked": { metadataAllowedNamespaces: ["vault"], metadataServerNodes: ["server-1"] },
            });
            // Only dev's Vault seals with OCI KMS through instance principals: the others keep the rule's default, no namespace.
            for (const stack of ["cloud", "hybrid", "edge"]) {
                assert.equal(packConfigFor(readStackConfig({ projectDir: PROJECT_DIR, stack }), "security")["metadata-egress-blocked"], undefined, stack);
            }
            const out = path.join(tmp(), "cost.json");
            const run = tsx("plan/policy-config.ts", "--stack", "dev", "--out", out);
            assert.equal(run.status, 0, run.stderr);
            assert.deepEqual(JSON.parse(fs.readFileSync(out, "utf8")), dev);
        });

        it("writes one config per pack with --out-dir and refuses several packs without it", () => {
            const dir = tmp();
            const run = policyConfig("--stack", "dev", "--out-dir", dir, "--pack", "security", "--pack", "cost");
            assert.equal(run.status, 0, run.stderr);
            assert.deepEqual(fs.readdirSync(dir).sort(), ["cost.json", "security.json"]);
            // The workflows the security pack reads, absolute: the CLI runs a pack in the pack's own folder.
            assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "security.json"), "utf8")), {
                "pull-request-jobs-without-secrets": { workflowsDir: path.join(PROJECT_DIR, ".github", "workflows") },
                "k3s-server-token-only-on-servers": { serverNodes: ["server-1-k3s-install"] },
                "metadata-egress-blocked": { metadataAllowedNamespaces: ["vault"], metadataServerNodes: ["server-1"] },
            });
            // Beside the stack file where it has them, as CI's pull request checkout does; else the project's.
            const checkout = tmp();
            const elsewhere = path.join(checkout, "Pulumi.dev.yaml");
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), elsewhere);
            const workflowsDir = () => {
                assert.equal(policyConfig("--stack", "dev", "--stack-file", elsewhere, "--out-dir", dir, "--pack", "security").status, 0);
                return JSON.parse(fs.readFileSync(path.join(dir, "security.json"), "utf8"))["pull-request-jobs-without-secrets"].workflowsDir;
            };
            assert.equal(workflowsDir(), path.join(PROJECT_DIR, ".github", "workflows"));
            fs.mkdirSync(path.join(checkout, ".github", "workflows"), { recursive: true });
            assert.equal(workflowsDir(), path.join(checkout, ".github", "workflows"));
            const bad = policyConfig("--stack", "dev", "--pack", "security", "--pack", "cost");
            assert.equal(bad.status, 2);
            assert.match(bad.stderr, /several packs need --out-dir/);
        });

        it("the plan exits 3 on a stack over its budget, after writing the report that says why", async () => {
            const dir = tmp();
            const stackFile = path.join(dir, "Pulumi.over-budget.yaml");
            const values = { ...stackValues("cloud"), cost: { monthlyBudgetUsd: 100 } };
            fs.writeFileSync(stackFile, stackFileFor(values).text);
            const out = path.join(dir, "out");
            const run = await planCli("--stack", "over-budget", "--stack-file", stackFile, "--out", out);
            assert.equal(run.status, 3, run.stderr);
            assert.match(run.stdout, /^policies: [1-9]\d* mandatory, \d+ advisory violations$/m);
            assert.match(run.stdout, /^price: \$\d+\.\d\d \/ month, up to \$\d+\.\d\d at maximum scale \(budget \$100\.00, OVER BUDGET\)$/m);
            const md = fs.readFileSync(path.join(out, "policy-report.md"), "utf8");
            assert.match(md, /^\| cost \| monthly-budget \| mandatory \| \(stack\) \| The stack prices at \$\d+\.\d\d\/month at maximum scale \(\$\d+\.\d\d at minimum\), over the monthlyBudgetUsd of \$100\.00\./m);
            assert.equal(JSON.parse(fs.readFileSync(path.join(out, "cost.json"), "utf8")).withinBudget, false);
        });
    });
});
