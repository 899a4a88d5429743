import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { validateWorkflow, ValidationError } from "@action-validator/core";
import { actionMatches } from "../policies/data/version-deletes";
import { POLICY_PACKS } from "../policies/packs";
import { pullRequestSecretProblems } from "../policies/security/workflows";
import { PROJECT_DIR } from "./helpers";
import { shellchecks } from "./validators";

/** The GitHub workflows, checked offline against the workflow JSON schema and for what they must do. */

const WORKFLOWS = path.join(PROJECT_DIR, ".github/workflows");
const PACKS = ["security", "reliability", "data", "cost", "ai-use"];
const WORKFLOW_FILES = ["preview.yml", "production-preview.yml", "ci.yml"];

const source = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");

/** Every stack of the project: a Pulumi.<stack>.yaml beside Pulumi.yaml. */
const repoStacks = () => fs.readdirSync(PROJECT_DIR).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();

function describeErrors(errors: ValidationError[]): string {
    return errors.map((e) => `${"path" in e ? e.path : ""} ${e.title}: ${e.detail ?? JSON.stringify("states" in e ? e.states : "")}`).join("\n");
}

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Job { steps: Step[]; strategy?: { matrix?: { stack?: string[] } }; concurrency?: { group: string } }

/**
 * The one step that installs the Pulumi CLI: `script` at the SDK's version, after cosign is
 * installed, and no pulumi/actions (which runs the archive unchecked).
 */
function cliInstalls(job: Job, script: string): Step {
    const sdk = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
    assert.ok(!job.steps.some((s) => s.uses?.startsWith("pulumi/actions@")), "pulumi/actions installs the CLI without a check");
    const installs = job.steps.filter((s) => s.run?.includes(".ci/pulumi-cli"));
    assert.equal(installs.length, 1);
    assert.equal(installs[0].run, `${script} ${sdk} "$RUNNER_TEMP/pulumi-cli"\n`);
    const cosign = job.steps.findIndex((s) => s.uses?.startsWith("sigstore/cosign-installer@"));
    assert.ok(cosign >= 0 && cosign < job.steps.indexOf(installs[0]), "cosign is installed first");
    return installs[0];
}

describe("GitHub workflows", function () {
    for (const file of WORKFLOW_FILES) {
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
        assert.ok(badPermission.some((e) => "path" in e && String(e.path).startsWith("/jobs/comment")), describeErrors(badPermission));
        const unparsable = validateWorkflow("on: [push\n").errors;
        assert.equal(unparsable[0]?.code, "parse_error");
    });

    it("preview.yml previews a throwaway stack of every stack with the base branch's five packs, no production credential anywhere", () => {
        const workflow = YAML.parse(source("preview.yml"));
        assert.deepEqual(Object.keys(workflow.on), ["pull_request"]);
        assert.deepEqual(workflow.permissions, { contents: "read" });
        // The Pulumi token decrypts every stack it reads: it is not in this file at all.
        assert.ok(!/PULUMI_ACCESS_TOKEN|api\.pulumi\.com|app\.pulumi\.com/.test(JSON.stringify(workflow)), "no Pulumi Cloud token or backend in a pull request's workflow");
        const job: Job & { environment?: string; if?: string; permissions?: Record<string, string> } = workflow.jobs.preview;
        assert.deepEqual([...job.strategy!.matrix!.stack!].sort(), repoStacks());
        assert.match(job.concurrency!.group, /github\.event\.pull_request\.number.*matrix\.stack/);
        // Cloud credentials only after a reviewer approves, never for forks, AWS by OIDC to a read-only role;
        // the token of the job that runs the PR's code only reads.
        assert.equal(job.environment, "preview");
        assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
        assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
        const aws = job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
        assert.equal(aws.with!["role-to-assume"], "${{ vars.AWS_PREVIEW_ROLE_ARN }}");
        assert.ok(!/secrets\.AWS_/i.test(JSON.stringify(job)), "no stored AWS key");

        // The CLI at the SDK's version, by the base branch's script, which checks its signature (test/pulumi-cli.test.ts).
        const install = cliInstalls(job, '"$RUNNER_TEMP/base/.ci/pulumi-cli"');
        const at = (pred: (s: Step) => boolean) => job.steps.findIndex(pred);
        const base = job.steps.find((s) => s.with?.path === ".base")!;
        assert.equal(base.with!.ref, "${{ github.event.pull_request.base.sha }}");
        const moved = at((s) => s.run === 'mv .base "$RUNNER_TEMP/base"');
        const inBase = (s: Step) => (s as any)["working-directory"] === "${{ runner.temp }}/base";
        const baseInstall = at((s) => s.run === "npm ci --ignore-scripts" && inBase(s));
        const policyConfig = at((s) => !!s.run?.includes("npm run policy-config") && inBase(s));
        const passphrase = at((s) => !!s.run?.includes("PULUMI_CONFIG_PASSPHRASE="));
        const previewStack = at((s) => !!s.run?.startsWith("npm run preview-stack") && inBase(s));
        const prInstall = at((s) => !!s.run?.startsWith("npm ci") && !inBase(s));
        const guard = at((s) => s.run === 'npm run --silent install-guard -- --project-dir "$GITHUB_WORKSPACE"' && inBase(s));
        const preview = at((s) => !!s.run?.includes("pulumi preview"));
        // The registry and git named on the command line, which outranks a project .npmrc (security review s23 F3).
        assert.equal(job.steps[prInstall].run, "npm ci --ignore-scripts --registry=https://registry.npmjs.org/ --git=false");
        assert.ok(baseInstall < guard && guard < prInstall, "the base branch's install guard runs before the PR's dependencies install");
        assert.equal(job.steps.filter((s) => s.run?.startsWith("npm ci")).length, 2);
        // The base's packs and scripts are installed and run before any of the pull request's code.
        assert.deepEqual([moved, baseInstall, policyConfig, passphrase, previewStack, prInstall, preview].map((i) => i >= 0), Array(7).fill(true));
        for (const [a, b] of [[moved, baseInstall], [baseInstall, policyConfig], [passphrase, previewStack], [previewStack, prInstall], [prInstall, preview], [at((s) => s === install), previewStack], [at((s) => s === aws), preview]]) {
            assert.ok(a < b, `step ${a} must come before step ${b}`);
        }
        assert.ok(prInstall < at((s) => s === aws), "the PR's dependencies install before any credential is in the job");
        // Then the plugins its packages declare are held to the base branch's, before the preview (final check s29 FC29-1).
        const pluginGuard = at((s) => s.run === 'npm run --silent install-guard -- --project-dir "$GITHUB_WORKSPACE" --installed' && inBase(s));
        assert.ok(prInstall < pluginGuard && pluginGuard < preview, "the plugin guard runs after the PR's install and before the preview");
        assert.equal(job.steps[preview].env!.PULUMI_BACKEND_URL, "file://${{ runner.temp }}/state", "the throwaway state, whatever the PR's Pulumi.yaml names");
        // The base's plugins are installed after the CLI and before the PR's packages; the preview fetches none (read-through s29 RT29-2).
        const basePlugins = at((s) => s.run === "npm run --silent install-guard -- --install-base-plugins" && inBase(s));
        assert.ok(at((s) => s === install) < basePlugins && basePlugins < prInstall, "the base's plugins are installed after the CLI, before the PR's packages");
        assert.equal(job.steps[preview].env!.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, "true");
        const stackRun = job.steps[previewStack].run!;
        assert.match(stackRun, /--stack "\$\{\{ matrix\.stack \}\}" --project-dir "\$GITHUB_WORKSPACE" --backend-dir "\$RUNNER_TEMP\/state"/);
        assert.match(job.steps[passphrase].run!, /openssl rand -hex 32/);
        assert.match(job.steps[passphrase].run!, /::add-mask::/);

        // The preview: the base's five packs, each with its config in the same position; credentials only in this step.
        const run = job.steps[preview].run!;
        assert.match(run, /^set -o pipefail$/m);
        assert.match(run, /for pack in (\S+( \S+)*); do/);
        assert.deepEqual(/for pack in ([^;]+);/.exec(run)![1].split(" "), PACKS);
        assert.match(run, /--policy-pack "\$RUNNER_TEMP\/base\/policies\/\$pack" --policy-pack-config "\$RUNNER_TEMP\/policy-config\/\$pack\.json"/);
        assert.match(run, /pulumi preview --stack "\$STACK" --non-interactive --color never "\$\{packs\[@\]\}"/);
        const redaction = at((s) => !!s.run?.includes("npm run --silent redact-output") && inBase(s));
        for (const step of job.steps.filter((_, i) => i !== preview && i !== redaction)) assert.ok(!/secrets\./.test(JSON.stringify(step)), `only the preview step holds a secret: ${JSON.stringify(step)}`);
        // Before the output leaves the job, every credential in it is replaced: the preview step's
        // secrets, the run's passphrase and the AWS session configure-aws-credentials exports.
        const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@")) as Step & { if?: string };
        assert.ok(preview < redaction && redaction < at((s) => s === upload), "redacted after the preview, before the upload");
        assert.equal((job.steps[redaction] as Step & { if?: string }).if, "always()");
        const redacted = [...job.steps[redaction].run!.matchAll(/--env (\w+)/g)].map((m) => m[1]);
        const held = Object.entries(job.steps[preview].env!).filter(([, v]) => String(v).includes("secrets.")).map(([k]) => k);
        assert.ok(held.length > 0);
        for (const name of [...held, "PULUMI_CONFIG_PASSPHRASE", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) assert.ok(redacted.includes(name), `${name} is redacted`);
        for (const name of held) assert.equal(job.steps[redaction].env![name], job.steps[preview].env![name], `${name} is the same secret in both steps`);
        const config = job.steps[policyConfig].run!;
        assert.match(config, /--stack \$\{\{ matrix\.stack \}\} --stack-file "\$\{\{ github\.workspace \}\}\/Pulumi\.\$\{\{ matrix\.stack \}\}\.yaml"/);
        assert.deepEqual([...config.matchAll(/--pack (\S+)/g)].map((m) => m[1]), PACKS);
        const node = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
        assert.equal(node?.with?.["node-version"], 20);
        // The result is kept, whatever the preview's outcome, for the comment job.
        assert.equal(upload.if, "always()");
        assert.equal(upload.with!.name, "preview-${{ matrix.stack }}");
        assert.equal(upload.with!.overwrite, true, "a re-run of a failed leg replaces its artifact instead of failing with 409");
    });

    it("preview.yml writes to the pull request only from a job that runs none of its code", () => {
        const workflow = YAML.parse(source("preview.yml"));
        assert.deepEqual(Object.keys(workflow.jobs).sort(), ["comment", "preview"]);
        const comment: Job & { needs?: string; if?: string; permissions?: Record<string, string> } = workflow.jobs.comment;
        assert.equal(comment.needs, "preview");
        assert.deepEqual(comment.permissions, { "pull-requests": "write" });
        assert.equal(comment.if, "${{ !cancelled() && github.event.pull_request.head.repo.full_name == github.repository }}");
        assert.ok(!comment.steps.some((s) => s.uses?.startsWith("actions/checkout@")), "no checkout: the pull request's code never runs with the write token");
        assert.ok(!comment.steps.some((s) => /(^|[;&|(]\s*)(npm|npx|node|tsx|pulumi|bash|sh|\.{0,2}\/)\b/m.test(s.run ?? "")), "nothing installed or run from the pull request");
        assert.equal(comment.steps[0].uses?.split("@")[0], "actions/download-artifact");
        assert.equal(comment.steps[0].with!.pattern, "preview-*");
        const post = comment.steps[1];
        assert.equal(post.env!.GH_TOKEN, "${{ github.token }}");
        // One comment, found by its marker among the bot's own and edited; the body from a file, never the command line.
        assert.match(post.run!, /select\(\.user\.login == \\"github-actions\[bot\]\\" and \(\.body \| startswith\(\\"\$marker\\"\)\)\)/);
        assert.match(post.run!, /gh api --method PATCH "repos\/\$REPO\/issues\/comments\/\$id" -F body=@body\.md/);
        assert.match(post.run!, /gh api --method POST "repos\/\$REPO\/issues\/\$PR\/comments" -F body=@body\.md/);
        // Run as the runner runs it, with a stand-in gh: output holding a fence of its own stays inside one.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "comment-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin/gh"), '#!/bin/sh\nprintf "%s\\n" "$*" >> "$GH_CALLS"\n', { mode: 0o755 });
        fs.mkdirSync(path.join(dir, "previews/preview-dev"), { recursive: true });
        fs.writeFileSync(path.join(dir, "previews/preview-dev/outcome"), "failure\n");
        fs.writeFileSync(path.join(dir, "previews/preview-dev/preview.txt"), "error: bad\n`````\n## injected heading\n");
        // What the PR's code could write instead: another outcome, a stack that is none.
        fs.mkdirSync(path.join(dir, "previews/preview-cloud"), { recursive: true });
        fs.writeFileSync(path.join(dir, "previews/preview-cloud/outcome"), "success</summary>\n## all packs passed\n");
        fs.mkdirSync(path.join(dir, "previews/preview-<b>x</b>"), { recursive: true });
        fs.writeFileSync(path.join(dir, "previews/preview-<b>x</b>/outcome"), "success\n");
        execFileSync("bash", ["-e", "-c", post.run!], { cwd: dir, env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, GH_CALLS: path.join(dir, "calls"), REPO: "o/r", PR: "7" } });
        const body = fs.readFileSync(path.join(dir, "body.md"), "utf8");
        assert.match(body, /^<!-- groundwork-preview -->\n/);
        assert.match(body, /<summary>dev: failure<\/summary>\n\n``````\nerror: bad\n`````\n## injected heading\n``````\n<\/details>/, "a fence one longer than the output's");
        assert.match(fs.readFileSync(path.join(dir, "calls"), "utf8"), /^api --method POST repos\/o\/r\/issues\/7\/comments -F body=@body\.md$/m);
        // Outside the fence only known words: an outcome that is none is "unknown", a stack that is none is left out.
        assert.match(body, /<summary>cloud: unknown<\/summary>/);
        assert.ok(!body.includes("all packs passed") && !body.includes("<b>x</b>"), body);
        const known = /case "\$stack" in ([^)]+)\)/.exec(post.run!)![1].split("|").sort();
        assert.deepEqual(known, repoStacks(), "the comment knows every stack");
        fs.rmSync(dir, { recursive: true });
        // Four stacks' tails stay under the API's 65,536 characters.
        const tail = Number(/tail -c (\d+)/.exec(post.run!)![1]);
        assert.ok(repoStacks().length * (tail + 200) + 200 < 65536, `${repoStacks().length} x ${tail} characters overflow a comment`);
    });

    it("production-preview.yml previews the production stacks from main only, in the environment that holds their token", () => {
        const workflow = YAML.parse(source("production-preview.yml"));
        assert.deepEqual(workflow.on, { push: { branches: ["main"] } });
        const job: Job & { environment?: string; permissions?: Record<string, string> } = workflow.jobs.preview;
        assert.equal(job.environment, "production");
        assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
        assert.deepEqual([...job.strategy!.matrix!.stack!].sort(), repoStacks());
        const preview = job.steps.find((s) => s.run?.includes("pulumi preview"))!;
        assert.ok(job.steps.indexOf(cliInstalls(job, ".ci/pulumi-cli")) < job.steps.indexOf(preview));
        // No dependency's install script runs in the job that holds the token (upstream review s29 U29-4).
        assert.deepEqual(job.steps.filter((s) => s.run?.startsWith("npm ci")).map((s) => s.run), ["npm ci --ignore-scripts"]);
        assert.equal(preview.env!.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        assert.deepEqual(/for pack in ([^;]+);/.exec(preview.run!)![1].split(" "), PACKS);
        // A stack in another organisation than the token's default is named <org>/<stack>.
        assert.equal(preview.env!.PULUMI_ORG, "${{ vars.PULUMI_ORG }}");
        const stackArg = /--stack ("[^"]+")/.exec(preview.run!)![1];
        const named = (org: string) => execFileSync("bash", ["-c", `printf '%s' ${stackArg}`], { env: { ...process.env, STACK: "cloud", PULUMI_ORG: org } }).toString();
        assert.deepEqual([named(""), named("acme")], ["cloud", "acme/cloud"]);
        assert.deepEqual(pullRequestSecretProblems("production-preview.yml", source("production-preview.yml")), [], "push runs only reviewed code");
    });

    it("OCI previews hold no OCI key: the provider exchanges the job's GitHub token for a session token (workload identity federation)", () => {
        for (const [file, script] of [["preview.yml", '"$RUNNER_TEMP/base/.ci/github-oidc-token"'], ["production-preview.yml", ".ci/github-oidc-token"]] as const) {
            const text = source(file);
            assert.ok(!/OCI_READONLY|TF_VAR_private_key|TF_VAR_user_ocid|TF_VAR_fingerprint/.test(text), `${file}: no OCI API key`);
            const job: Job = YAML.parse(text).jobs.preview;
            const preview = job.steps.find((s) => s.run?.includes("pulumi preview"))!;
            // The settings oracle/terraform-provider-oci@v8.23.0 reads from TF_VAR_<name> for this auth.
            assert.deepEqual({
                auth: preview.env!.TF_VAR_auth,
                requested: preview.env!.TF_VAR_token_exchange_requested_token_type,
                subject: preview.env!.TF_VAR_token_exchange_subject_token_type,
                domain: preview.env!.TF_VAR_token_exchange_domain_url,
                client: preview.env!.TF_VAR_token_exchange_client_id,
                secret: preview.env!.TF_VAR_token_exchange_client_secret,
                path: preview.env!.TF_VAR_workload_identity_token_path,
                audience: preview.env!.OCI_OIDC_AUDIENCE,
            }, {
                auth: "WorkloadIdentityFederation",
                requested: "urn:oci:token-type:oci-upst",
                subject: "jwt",
                domain: "${{ vars.OCI_DOMAIN_URL }}",
                client: "${{ vars.OCI_TOKEN_EXCHANGE_CLIENT_ID }}",
                secret: "${{ secrets.OCI_TOKEN_EXCHANGE_CLIENT_SECRET }}",
                path: "${{ runner.temp }}/oci/github-oidc.jwt",
                audience: "https://cloud.oracle.com",
            });
            // A token is there before the CLI starts, and a fresh one every minute while it runs
            // (a GitHub token lives five); the refresher stops with the step.
            const lines = preview.run!.split("\n");
            const first = lines.indexOf(`${script} "$OCI_OIDC_AUDIENCE" "$TF_VAR_workload_identity_token_path"`);
            const refresher = lines.indexOf(`${script} "$OCI_OIDC_AUDIENCE" "$TF_VAR_workload_identity_token_path" 60 &`);
            const cli = lines.findIndex((l) => l.includes("pulumi preview"));
            assert.ok(first >= 0 && first < refresher && refresher < cli, `${file}: token, refresher, then the preview`);
            assert.ok(lines.includes("trap 'kill \"$minter\" 2>/dev/null || true' EXIT"), `${file}: the refresher is stopped, and a refresher already gone fails nothing`);
            // The client secret never reaches the output: the redaction step replaces it.
            const redaction = job.steps.find((s) => s.run?.includes("redact-output"))!;
            assert.match(redaction.run!, /--env TF_VAR_token_exchange_client_secret/);
            assert.equal(redaction.env!.TF_VAR_token_exchange_client_secret, preview.env!.TF_VAR_token_exchange_client_secret);
        }
        // The production summary is redacted too, the Pulumi token included.
        const production: Job = YAML.parse(source("production-preview.yml")).jobs.preview;
        const redaction = production.steps.findIndex((s) => s.run?.includes("redact-output"));
        const summary = production.steps.findIndex((s) => s.run?.includes("GITHUB_STEP_SUMMARY"));
        assert.ok(redaction >= 0 && redaction < summary, "redacted before the summary");
        assert.match(production.steps[redaction].run!, /--env PULUMI_ACCESS_TOKEN/);
    });

    it("narrows every AWS session to what a preview calls: no user data, object, parameter, secret, log or item reads (upstream review s29 U29-3)", () => {
        const policies = ["preview.yml", "production-preview.yml"].map((file) => {
            const aws = (YAML.parse(source(file)).jobs.preview as Job).steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
            return String(aws.with!["inline-session-policy"]);
        });
        assert.equal(policies[0], policies[1], "both previews take the same session policy");
        assert.ok(policies[0].length < 2048, "STS takes a packed session policy of 2,048 characters at most");
        const policy = JSON.parse(policies[0]);
        const denied = policy.Statement.filter((st: { Effect: string }) => st.Effect === "Deny").flatMap((st: { Action: string[] }) => st.Action);
        for (const read of ["ec2:DescribeInstanceAttribute", "ec2:GetLaunchTemplateData", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeSpotInstanceRequests", "s3:GetObject", "s3:GetObjectVersion", "ssm:GetParameter", "ssm:GetParametersByPath", "secretsmanager:GetSecretValue", "kms:Decrypt", "kms:ReEncryptFrom", "logs:GetLogEvents", "logs:StartLiveTail", "dynamodb:Scan", "dynamodb:PartiQLSelect", "lambda:GetFunctionConfiguration",
            // A chained role's session is not bound by this one's policy (final check s29 FC29-4).
            "sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:GetFederationToken"]) {
            assert.ok(denied.some((p: string) => actionMatches(p, read)), `${read} is denied`);
        }
        // What a preview without --refresh calls: the provider's identity check and the program's two data sources.
        for (const call of ["sts:GetCallerIdentity", "ec2:DescribeImages", "ec2:DescribeAvailabilityZones", "s3:ListBucket", "iam:GetRole"]) {
            assert.ok(!denied.some((p: string) => actionMatches(p, call)), `${call} stays allowed`);
        }
        assert.deepEqual(policy.Statement.find((st: { Effect: string }) => st.Effect === "Allow"), { Effect: "Allow", Action: "*", Resource: "*" }, "the Allow is no grant: a session policy only narrows the role");
    });

    it("pins every action by commit, with its release tag beside it", () => {
        for (const file of WORKFLOW_FILES) {
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
        // The whole context, and a secret inside a larger expression. The whole context holds the production token.
        const everySecret = "w.yml: hands PULUMI_ACCESS_TOKEN to a pull-request workflow, whose code and workflow file the pull request controls";
        assert.deepEqual(secretsOf(job("", "      - run: echo '${{ toJSON(secrets) }}'\n")), [everySecret, "w.yml: job preview gives secrets secrets.* to pull-request code"]);
        assert.deepEqual(secretsOf(job("", "      - run: echo ${{ secrets.FOO || 'x' }}\n")), ["w.yml: job preview gives secrets FOO to pull-request code"]);
        assert.deepEqual(secretsOf(job("", "      - run: echo ${{ secrets['FOO'] }}\n")), ["w.yml: job preview gives secrets FOO to pull-request code"]);
        assert.deepEqual(secretsOf(job("", "      - run: echo ${{ secrets[format('{0}', 'FOO')] }}\n")), [everySecret, "w.yml: job preview gives secrets secrets.* to pull-request code"], "a computed name reaches any secret");
        // GitHub reads secret names case-insensitively, and an expression may hold a `}`.
        assert.deepEqual(secretsOf(job("", "      - run: echo ${{ secrets.foo }}\n")), ["w.yml: job preview gives secrets FOO to pull-request code"]);
        assert.deepEqual(secretsOf(job("", "      - run: echo ${{ format('{0}', secrets.FOO) }}\n")), ["w.yml: job preview gives secrets FOO to pull-request code"]);
        assert.deepEqual(secretsOf(job("", "      - run: echo ${{ secrets.github_token }}\n")), [], "the job's own token, in any case");
        assert.deepEqual(secretsOf("on: pull_request\njobs:\n  call:\n    uses: ./.github/workflows/deploy.yml\n    secrets: inherit\n"), [everySecret, "w.yml: job call runs the pull request's code with the repository's default token permissions, which may write", "w.yml: job call gives secrets secrets: inherit to pull-request code"]);
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
        const byHand = (on: string, run: string) => pullRequestSecretProblems("w.yml", `on: ${on}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${run}\n`).some((p) => p.includes("checks out the pull request's code"));
        assert.ok(byHand("pull_request_target", "gh pr checkout ${{ github.event.number }}"));
        assert.ok(byHand("issue_comment", "git fetch origin refs/pull/${{ github.event.issue.number }}/head && git checkout FETCH_HEAD"));
        assert.ok(!byHand("pull_request_target", "git fetch origin main"), "the base's own branch");
        assert.ok(byHand("pull_request_target", "git -C . fetch origin pull/${{ github.event.number }}/head"));
        assert.ok(flagged("pull_request_target", "${{ github.event.pull_request.merge_commit_sha }}"), "the merge commit is the PR's code");
        assert.ok(pullRequestSecretProblems("w.yml", "on: pull_request_target\njobs:\n  build:\n    uses: ./.github/workflows/build.yml\n    with:\n      ref: ${{ github.event.pull_request.head.sha }}\n").some((p) => p.includes("checks out the pull request's code")), "a called workflow handed the head");
        assert.ok(!flagged("push", "${{ github.event.workflow_run.head_sha }}"), "push runs only reviewed code");
    });

    it("the rule refuses the production Pulumi token in any pull-request job, guarded or not, and a write token beside the PR's code", () => {
        const guarded = "    environment: preview\n    if: github.event.pull_request.head.repo.full_name == github.repository\n";
        const job = (extra: string, steps: string, on = "pull_request") => `on: ${on}\njobs:\n  preview:\n    runs-on: ubuntu-latest\n${extra}    steps:\n${steps}`;
        const token = "      - run: pulumi preview\n        env:\n          PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n";
        // Approval does not make it safe: the pull request's program holds it, and its copy of the file is what runs.
        assert.deepEqual(pullRequestSecretProblems("p.yml", job(guarded, token)), [
            "p.yml: hands PULUMI_ACCESS_TOKEN to a pull-request workflow, whose code and workflow file the pull request controls; it decrypts every stack it can read, approval or not: preview a throwaway stack (npm run preview-stack) and keep it in an environment only the protected branch deploys from",
        ]);
        assert.equal(pullRequestSecretProblems("p.yml", `on: pull_request\nenv:\n  T: \${{ secrets.PULUMI_ACCESS_TOKEN }}\njobs: {}\n`).filter((p) => p.includes("hands PULUMI_ACCESS_TOKEN")).length, 1, "workflow-wide env too");
        assert.deepEqual(pullRequestSecretProblems("p.yml", job(guarded, token, "push")), [], "push runs only reviewed code");
        assert.equal(pullRequestSecretProblems("p.yml", job(guarded, token.replace(/PULUMI_ACCESS_TOKEN }}/, "PULUMI_PROD }}")), ["preview"], ["PULUMI_PROD"]).length, 1, "the list comes from the pack's config");
        assert.deepEqual(pullRequestSecretProblems("p.yml", job(guarded, token), ["preview"], []), [], "an empty list allows it");
        // However the workflow names it: by index, the whole context, lower case, inside format(), or inherited by a called workflow.
        const production = (steps: string, on = "pull_request") => pullRequestSecretProblems("p.yml", job(guarded, steps, on)).filter((p) => p.startsWith("p.yml: hands PULUMI_ACCESS_TOKEN to a pull-request workflow"));
        for (const named of ["secrets['PULUMI_ACCESS_TOKEN']", "toJSON(secrets)", "secrets.pulumi_access_token", "format('{0}', secrets.PULUMI_ACCESS_TOKEN)", "secrets[github.event.inputs.name]"]) {
            assert.equal(production(`      - run: pulumi preview\n        env:\n          ALL: \${{ ${named} }}\n`).length, 1, named);
        }
        assert.equal(pullRequestSecretProblems("p.yml", "on: pull_request\njobs:\n  call:\n    uses: ./.github/workflows/deploy.yml\n    secrets: inherit\n").filter((p) => p.includes("hands PULUMI_ACCESS_TOKEN")).length, 1, "secrets: inherit");
        assert.equal(production("      - run: echo ${{ secrets.AWS_ROLE }}\n").length, 0, "another secret, guarded");
        // On push and pull_request both, a push-only job still runs from the pull request's copy of the file (review s16).
        const both = pullRequestSecretProblems("p.yml", "on: [push, pull_request]\njobs:\n  deploy:\n    if: github.event_name == 'push'\n    environment: production\n    runs-on: ubuntu-latest\n    steps:\n      - run: pulumi up\n        env:\n          PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n");
        assert.match(both[0], /; a job meant for pushes belongs in a workflow file pull_request does not trigger, as a pull request runs its own copy of this one, if: included$/);
        // Review s16: a `}}` inside a string literal, an `if:` without braces.
        assert.equal(production("      - run: echo \"${{ format('}}{0}', secrets.PULUMI_ACCESS_TOKEN) }}\"\n").length, 1, "}} in a literal");
        assert.equal(production("      - run: echo hi\n        if: startsWith(secrets.PULUMI_ACCESS_TOKEN, 'pul-')\n").length, 1, "a brace-less if");
        // Not the secrets context: a property so named, a file pattern, a variable.
        for (const text of ["${{ hashFiles('secrets/**') }}", "${{ vars.SECRETS }}", "${{ matrix.secrets }}", "${{ steps.secrets.outputs.value }}"]) {
            assert.deepEqual(pullRequestSecretProblems("p.yml", job("", `      - run: echo ${text}\n`)), [], text);
        }

        // A token that writes beside the PR's code: the code can use it.
        const checkout = "      - uses: actions/checkout@v4\n      - run: npm test\n";
        const writes = (perms: string) => pullRequestSecretProblems("w.yml", job(`    permissions:\n${perms}`, checkout));
        assert.deepEqual(writes("      contents: read\n      pull-requests: write\n"), [
            "w.yml: job preview runs the pull request's code with a token that can write (pull-requests: write); write from a separate job that does not check the pull request out (needs: preview), and give this one read scopes only",
        ]);
        assert.match(writes("      contents: write\n      issues: write\n")[0], /\(contents: write, issues: write\)/);
        assert.match(pullRequestSecretProblems("w.yml", `on: pull_request\npermissions: write-all\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n${checkout}`)[0], /job t runs the pull request's code with a token that can write \(write-all\)/);
        assert.deepEqual(writes("      contents: read\n"), [], "read scopes");
        assert.deepEqual(pullRequestSecretProblems("w.yml", job("", checkout)), ["w.yml: job preview runs the pull request's code with the repository's default token permissions, which may write; set permissions: contents: read on the workflow or the job"]);
        assert.deepEqual(pullRequestSecretProblems("w.yml", `permissions:\n  contents: read\n${job("", checkout)}`), [], "set on the workflow");
        // Writing without the PR's code, or with the base branch's only, is how a comment is posted.
        assert.deepEqual(pullRequestSecretProblems("w.yml", job("    permissions:\n      pull-requests: write\n", "      - run: gh api repos/o/r/issues/1/comments -F body=@b.md\n")), []);
        assert.deepEqual(pullRequestSecretProblems("w.yml", job("    permissions:\n      pull-requests: write\n", "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.base.sha }}\n")), []);
        assert.deepEqual(pullRequestSecretProblems("w.yml", job("    permissions:\n      contents: write\n", checkout, "push")), [], "push runs only reviewed code");
        // The PR's code by other means: a reusable workflow, git or gh in a run step, a ref that only mentions the base.
        const writer = (body: string) => pullRequestSecretProblems("w.yml", `on: pull_request\njobs:\n  build:\n    permissions:\n      contents: write\n${body}`).filter((p) => p.includes("runs the pull request's code with a token that can write"));
        assert.equal(writer("    uses: ./.github/workflows/build.yml\n").length, 1, "a called workflow runs with the caller's token");
        assert.equal(writer("    uses: o/r/.github/workflows/build.yml@0123456789abcdef0123456789abcdef01234567\n").length, 1);
        for (const run of ["git clone https://github.com/${{ github.repository }} src", "gh pr checkout ${{ github.event.number }}", "git fetch origin pull/1/head && make"]) {
            assert.equal(writer(`    runs-on: ubuntu-latest\n    steps:\n      - run: ${run}\n`).length, 1, run);
        }
        assert.equal(writer("    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.base.sha && github.event.pull_request.head.sha }}\n").length, 1, "a ref that merely mentions the base");
        assert.equal(writer("    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.base_ref }}\n").length, 0, "the base branch itself");
        assert.equal(writer("    runs-on: ubuntu-latest\n    steps:\n      - run: gh api repos/o/r/issues/1/comments -F body=@b.md\n").length, 0, "gh without a checkout");
        assert.equal(writer("    runs-on: ubuntu-latest\n    steps:\n      - uses: Actions/Checkout@v4\n").length, 1, "names are case-insensitive");
        assert.equal(writer("    runs-on: ubuntu-latest\n    steps:\n      - run: git -C . fetch origin main\n").length, 1, "git with options before the command");
    });

    it("every run: block in the workflows passes shellcheck as the runner's bash runs it", () => {
        const blocks: { where: string; script: string }[] = [];
        for (const file of WORKFLOW_FILES) {
            for (const [name, job] of Object.entries<any>(YAML.parse(source(file)).jobs)) {
                (job.steps as Step[]).forEach((step, i) => {
                    if (typeof step.run !== "string") return;
                    // GitHub substitutes each expression before bash reads the script; here a word stands in.
                    const script = step.run.replace(/\$\{\{[^}]*\}\}/g, "GH_EXPRESSION");
                    // The runner exports the job's and the step's env: as assignments, so shellcheck knows them.
                    const exported = Object.keys({ ...job.env, ...step.env }).map((key) => `export ${key}=GH_EXPRESSION\n`).join("");
                    // Linux runners without `shell:` run `bash -e {0}` (GitHub, "Workflow syntax": defaults.run.shell).
                    blocks.push({ where: `${file} ${name} step ${i}`, script: `#!/bin/bash\nset -e\n${exported}${script}\n` });
                });
            }
        }
        assert.ok(blocks.length >= 12, `${blocks.length} run: blocks`);
        const verdicts = shellchecks(blocks.map((b) => b.script));
        const failed = blocks.map((b, i) => (verdicts[i].ok ? "" : `${b.where}:\n${verdicts[i].output}`)).filter(Boolean);
        assert.deepEqual(failed, []);
        // The check itself sees a broken block: an unquoted expansion of a path with spaces.
        assert.ok(!shellchecks(["#!/bin/bash\nset -e\nmkdir -p $RUNNER_TEMP/preview\n"])[0].ok);
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
