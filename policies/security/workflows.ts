import * as fs from "fs";
import * as path from "path";
import type { StackValidationPolicy } from "@pulumi/policy";
import * as YAML from "yaml";

/**
 * GitHub workflows that run a pull request's code. A `pull_request` job runs the PR's code;
 * a `pull_request_target` job runs in the base repository's context with its secrets, so checking
 * out the PR's head there hands them to the PR ("Keeping your GitHub Actions and workflows secure:
 * Preventing pwn requests", GitHub Security Lab; docs.github.com "Events that trigger workflows",
 * read 2026-11-27). A secret may reach a pull request's job only through a protected environment
 * (a reviewer approves before its secrets are released) in a job that never runs for forks.
 */

/** Triggers whose jobs run a pull request's code, with the repository's secrets for its own branches. */
const RUNS_PR_CODE = ["pull_request", "pull_request_review", "pull_request_review_comment"];
/**
 * Triggers that run the base branch's workflow with the repository's secrets and write token, for
 * events anyone can cause: checking out the pull request there runs its code with them.
 */
const RUNS_WITH_SECRETS = ["pull_request_target", "workflow_run", "issue_comment"];
/**
 * Every `${{ }}` expression, read to its closing `}}` outside string literals, as GitHub's parser
 * does: `format('{0}', secrets.X)` holds a `}`, and `format('}}{0}', secrets.X)` a `}}`.
 */
const EXPRESSION = /\$\{\{((?:'(?:[^']|'')*'|[^'}]|\}(?!\}))*)\}\}/g;
/** A string literal inside an expression: `'...'`, a quote doubled inside. */
const STRING_LITERAL = /'(?:[^']|'')*'/g;
/** The token GitHub scopes to the job (its `permissions`), not a credential of ours. */
const JOB_TOKEN = "GITHUB_TOKEN";
/**
 * Every secret: GitHub stores secret names in upper case and reads `secrets.name` case-insensitively
 * (docs.github.com "Using secrets in GitHub Actions", naming rules, read 2026-11-29), so names are
 * compared upper-cased.
 */
const ALL_SECRETS = "secrets.*";
const NOT_FORKS = /github\.event\.pull_request\.head\.repo\.full_name\s*==\s*github\.repository/;
/** A ref that names the pull request's code: its head, its merge ref, or the commit a workflow_run ran on. */
const PR_CODE_REF = /github\.event\.(pull_request|workflow_run|issue)\b[\w.]*\.(head|merge_commit_sha)|github\.head_ref|refs\/pull\/|\bpull\//;

/**
 * The secrets an object's expressions reach: `NAME` for `secrets.NAME`, `secrets.*` for anything
 * that hands over the whole context (`toJSON(secrets)`, `secrets[...]`), and `secrets: inherit`.
 */
function secretsIn(value: unknown): string[] {
    const found: string[] = [];
    // Through JSON, a quote inside the expression reads `\"`; `secrets['X']` keeps its single quotes.
    for (const [, expression] of JSON.stringify(withExpressionIfs(value) ?? "").matchAll(EXPRESSION)) {
        // The context, not a property named so (`steps.secrets.outputs`, `vars.SECRETS`) nor text in quotes (`hashFiles('secrets/**')`).
        const named = [...expression.matchAll(/(?<![.\w])secrets\s*(?:\.\s*(\w+)|\[\s*'(\w+)'\s*\])/gi)].map((m) => (m[1] ?? m[2]).toUpperCase());
        const whole = (expression.replace(STRING_LITERAL, "''").match(/(?<![.\w])secrets\b/gi) ?? []).length > named.length;
        found.push(...named.filter((n) => n !== JOB_TOKEN), ...(whole ? [ALL_SECRETS] : []));
    }
    return found;
}

/** The object with every `if:` written without `${{ }}` wrapped in it: GitHub evaluates an `if` as an expression either way. */
function withExpressionIfs(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withExpressionIfs);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "if" && typeof v === "string" && !v.includes("${{") ? `\${{ ${v} }}` : withExpressionIfs(v)]));
}

/** The production secrets among those a part of the workflow reaches: all of them where it reaches every secret. */
function productionAmong(reached: readonly string[], productionSecrets: readonly string[]): string[] {
    const wanted = productionSecrets.map((n) => n.toUpperCase());
    return [...new Set(reached.flatMap((n) => (n === ALL_SECRETS || n === INHERITED ? wanted : wanted.filter((w) => w === n))))];
}

/** A reusable workflow handed every secret the caller has. */
const INHERITED = "secrets: inherit";
/** The secrets a job's `secrets:` hands to the reusable workflow it calls, `inherit` included. */
const jobSecrets = (job: any): string[] => [...secretsIn(job), ...(job.secrets === "inherit" ? [INHERITED] : [])];

/** The job's environment name, whether written as a name or as `{ name, url }`. */
const environmentOf = (job: any): string | undefined => (typeof job.environment === "object" ? job.environment?.name : job.environment);

/** A job a reviewer must approve and that never runs for forks: a protected environment and the fork check, not weakened by `||`. */
function isGuarded(job: any, protectedEnvironments: readonly string[]): boolean {
    const condition = String(job.if ?? "");
    return protectedEnvironments.includes(String(environmentOf(job))) && NOT_FORKS.test(condition) && !/\|\||always\(\)/.test(condition);
}

/**
 * Secrets no pull request's job may hold, approved or not: the Pulumi token decrypts and exports
 * every stack it reads (Pulumi Cloud's `Stack Read` includes `stack:decrypt` and `stack:export`:
 * pulumi.com/docs/administration/access-identity/rbac/permission-sets, read 2026-11-28).
 */
export const PRODUCTION_SECRETS = ["PULUMI_ACCESS_TOKEN"];

/** Token scopes that write; `id-token` only mints OIDC tokens, judged on its own. */
function writeScopes(permissions: unknown): string[] {
    if (permissions === "write-all") return ["write-all"];
    if (permissions === null || typeof permissions !== "object") return [];
    return Object.entries(permissions).filter(([scope, level]) => scope !== "id-token" && level === "write").map(([scope]) => `${scope}: write`);
}

/** A ref that is the base branch's code and nothing else: one expression naming the base. */
const BASE_REF = /^\s*\$\{\{\s*(github\.event\.pull_request\.base\.(sha|ref)|github\.base_ref)\s*\}\}\s*$/;
/** Commands that fetch a repository's code from a `run:` step: git itself, or GitHub's CLI. */
const FETCHES_CODE = /\bgit\b[^\n;&|]*?\s(clone|fetch|pull|checkout|switch|worktree)\b|\bgh\s+(pr\s+checkout|repo\s+clone)\b/;
/** actions/checkout, however its owner and name are cased (GitHub's names are case-insensitive). */
const isCheckout = (step: any): boolean => String(step.uses ?? "").toLowerCase().startsWith("actions/checkout@");

/**
 * A job that runs the pull request's code, in a workflow a pull request triggers: it checks out any
 * ref but the base's (no ref is the PR's merge commit), fetches code from a `run:` step, or calls a
 * reusable workflow, which runs with the caller's token and may check out whatever it likes.
 */
const runsPullRequestCode = (job: any): boolean => job.uses !== undefined || (job.steps ?? []).some((s: any) =>
    (isCheckout(s) && !BASE_REF.test(String(s.with?.ref ?? ""))) || FETCHES_CODE.test(String(s.run ?? "")));

/** A job that checks out the pull request's head or merge ref, by actions/checkout or by hand. */
const checksOutPullRequestRef = (job: any): boolean => (job.steps ?? []).some((s: any) =>
    (isCheckout(s) && PR_CODE_REF.test(JSON.stringify(s.with ?? {}))) ||
    (FETCHES_CODE.test(String(s.run ?? "")) && (PR_CODE_REF.test(String(s.run)) || /\bgh\s+pr\s+checkout\b/.test(String(s.run))))) ||
    (job.uses !== undefined && PR_CODE_REF.test(JSON.stringify(job.with ?? {})));

/** What is wrong with one workflow file, as messages naming the file, the job and the fix. */
export function pullRequestSecretProblems(file: string, text: string, protectedEnvironments: readonly string[] = ["preview"], productionSecrets: readonly string[] = PRODUCTION_SECRETS): string[] {
    const workflow = YAML.parse(text) ?? {};
    const on = workflow.on ?? workflow[true as unknown as string];
    const triggers: string[] = typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
    const runsPrCode = triggers.some((t) => RUNS_PR_CODE.includes(t));
    const runsWithSecrets = triggers.filter((t) => RUNS_WITH_SECRETS.includes(t));
    if (!runsPrCode && runsWithSecrets.length === 0) return [];
    const guard = `run it in a protected environment (environment: ${protectedEnvironments.join(" or ")}) with if: github.event.pull_request.head.repo.full_name == github.repository, or use the offline plan`;
    const problems: string[] = [];
    const workflowSecrets = secretsIn(workflow.env);
    if (runsPrCode && workflowSecrets.length > 0) {
        problems.push(`${file}: env gives secrets ${workflowSecrets.join(", ")} to every job of a pull-request workflow; move them into a job in a protected environment`);
    }
    const workflowIdToken = workflow.permissions === "write-all" || workflow.permissions?.["id-token"] === "write";
    const production = runsPrCode ? productionAmong([...secretsIn(workflow), ...Object.values<any>(workflow.jobs ?? {}).flatMap(jobSecrets)], productionSecrets) : [];
    if (production.length > 0) {
        problems.push(`${file}: hands ${production.join(", ")} to a pull-request workflow, whose code and workflow file the pull request controls; ` +
            "it decrypts every stack it can read, approval or not: preview a throwaway stack (npm run preview-stack) and keep it in an environment only the protected branch deploys from" +
            // A push job beside pull_request runs from the pull request's copy of this file, its `if:` included.
            (triggers.includes("push") ? "; a job meant for pushes belongs in a workflow file pull_request does not trigger, as a pull request runs its own copy of this one, if: included" : ""));
    }
    for (const [name, job] of Object.entries<any>(workflow.jobs ?? {})) {
        const guarded = isGuarded(job, protectedEnvironments);
        const permissions = job.permissions ?? workflow.permissions;
        const writes = writeScopes(permissions);
        const runsItsCode = runsPrCode && runsPullRequestCode(job);
        if (runsItsCode && writes.length > 0) {
            problems.push(`${file}: job ${name} runs the pull request's code with a token that can write (${writes.join(", ")}); ` +
                "write from a separate job that does not check the pull request out (needs: " + name + "), and give this one read scopes only");
        } else if (runsItsCode && permissions === undefined) {
            // Unset, the token gets the repository's or organisation's default, which may be read and write
            // (docs.github.com "Controlling permissions for GITHUB_TOKEN", read 2026-11-28).
            problems.push(`${file}: job ${name} runs the pull request's code with the repository's default token permissions, which may write; set permissions: contents: read on the workflow or the job`);
        }
        if (runsPrCode && !guarded) {
            const used = [...new Set(jobSecrets(job))];
            if (used.length > 0) {
                problems.push(`${file}: job ${name} gives secrets ${used.join(", ")} to pull-request code; ${guard}`);
            }
            const idToken = job.permissions === undefined ? workflowIdToken : job.permissions === "write-all" || job.permissions?.["id-token"] === "write";
            if (idToken) {
                problems.push(`${file}: job ${name} lets pull-request code mint a cloud OIDC token (permissions id-token: write); ${guard}`);
            }
        }
        if (runsWithSecrets.length > 0 && checksOutPullRequestRef(job)) {
            problems.push(`${file}: job ${name} checks out the pull request's code under ${runsWithSecrets.join(", ")}, which runs with the base repository's secrets and write token; use pull_request instead`);
        }
    }
    return problems;
}

interface WorkflowConfig {
    workflowsDir?: string;
    protectedEnvironments?: string[];
    productionSecrets?: string[];
}

export const pullRequestJobsWithoutSecrets: StackValidationPolicy = {
    name: "pull-request-jobs-without-secrets",
    description: "GitHub workflows give no secret to a pull request's code, except through a protected environment never used for forks.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            // The CLI runs a pack in the pack's own folder (pulumi/pulumi@v3.248.0
            // sdk/go/common/resource/plugin/analyzer_plugin.go NewPolicyAnalyzer: `pwd := policyPackPath`),
            // so `npm run policy-config` gives the repository's folder as an absolute path.
            workflowsDir: { type: "string", description: "The repository's workflows folder, absolute (npm run policy-config sets it beside the stack file). Unset: .github/workflows under the folder the pack runs in, if there is one." },
            productionSecrets: {
                type: "array",
                items: { type: "string" },
                default: PRODUCTION_SECRETS,
                description: "Secrets no pull-request workflow may name, in any job: production credentials.",
            },
            protectedEnvironments: {
                type: "array",
                items: { type: "string" },
                default: ["preview"],
                description: "GitHub environments whose deployment protection rules make a reviewer approve a run before its secrets are released.",
            },
        },
    },
    validateStack: (args, report) => {
        const config = args.getConfig<WorkflowConfig>();
        const dir = path.resolve(config.workflowsDir ?? ".github/workflows");
        if (!fs.existsSync(dir)) {
            // A folder given and not there: the rule would check nothing and pass.
            if (config.workflowsDir !== undefined) report(`workflowsDir ${dir} does not exist, so no workflow was checked; give the repository's .github/workflows (npm run policy-config --stack-file sets it)`);
            return;
        }
        for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
            const text = fs.readFileSync(path.join(dir, file), "utf8");
            for (const problem of pullRequestSecretProblems(file, text, config.protectedEnvironments ?? ["preview"], config.productionSecrets ?? PRODUCTION_SECRETS)) report(problem);
        }
    },
};
