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

const SECRET = /\$\{\{\s*secrets\.(\w+)\s*\}\}/g;
/** The token GitHub scopes to the job (its `permissions`), not a credential of ours. */
const JOB_TOKEN = "GITHUB_TOKEN";
const NOT_FORKS = /github\.event\.pull_request\.head\.repo\.full_name\s*==\s*github\.repository/;
const PR_HEAD = /github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref/;

const secretsIn = (value: unknown): string[] => [...JSON.stringify(value ?? "").matchAll(SECRET)].map((m) => m[1]).filter((s) => s !== JOB_TOKEN);

/** What is wrong with one workflow file, as messages naming the file, the job and the fix. */
export function pullRequestSecretProblems(file: string, text: string): string[] {
    const workflow = YAML.parse(text) ?? {};
    const on = workflow.on ?? workflow[true as unknown as string];
    const triggers = typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
    const forPullRequests = triggers.includes("pull_request") || triggers.includes("pull_request_target");
    if (!forPullRequests) return [];
    const target = triggers.includes("pull_request_target");
    const problems: string[] = [];
    const workflowSecrets = secretsIn(workflow.env);
    if (workflowSecrets.length > 0) {
        problems.push(`${file}: env gives secrets ${workflowSecrets.join(", ")} to every job of a pull-request workflow; move them into a job in a protected environment`);
    }
    for (const [name, job] of Object.entries<any>(workflow.jobs ?? {})) {
        const used = secretsIn(job);
        const guarded = typeof job.environment !== "undefined" && NOT_FORKS.test(String(job.if ?? ""));
        if (used.length > 0 && !guarded) {
            problems.push(`${file}: job ${name} gives secrets ${[...new Set(used)].join(", ")} to pull-request code; run it in a protected environment (environment:) with if: github.event.pull_request.head.repo.full_name == github.repository, or use the offline plan`);
        }
        if (target && (job.steps ?? []).some((s: any) => String(s.uses ?? "").startsWith("actions/checkout@") && PR_HEAD.test(JSON.stringify(s.with ?? {})))) {
            problems.push(`${file}: job ${name} checks out the pull request's head under pull_request_target, which runs with the base repository's secrets; use pull_request instead`);
        }
    }
    return problems;
}

interface WorkflowConfig {
    workflowsDir: string;
}

export const pullRequestJobsWithoutSecrets: StackValidationPolicy = {
    name: "pull-request-jobs-without-secrets",
    description: "GitHub workflows give no secret to a pull request's code, except through a protected environment never used for forks.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            workflowsDir: { type: "string", default: ".github/workflows", description: "The workflows, relative to the project directory the packs run in." },
        },
    },
    validateStack: (args, report) => {
        const dir = path.resolve(args.getConfig<WorkflowConfig>().workflowsDir ?? ".github/workflows");
        if (!fs.existsSync(dir)) return;
        for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
            for (const problem of pullRequestSecretProblems(file, fs.readFileSync(path.join(dir, file), "utf8"))) report(problem);
        }
    },
};
