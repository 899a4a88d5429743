import type { ResourceValidationPolicy } from "@pulumi/policy";
import { flagValue, isVllmDeployment, objectLabel, vllmContainers } from "./gateway-objects";

/** What a vLLM server may load: an approved model, at a fixed commit. */

/**
 * Hugging Face organisations (and model families) whose open-weight models the platform has
 * reviewed for licence and provenance. Repository ids are `org/name` (huggingface.co/docs/hub/repositories,
 * read 2026-11-25); a glob `*` matches any run of characters.
 */
export const DEFAULT_ALLOWED_MODELS = [
    "Qwen/*",
    "meta-llama/*",
    "mistralai/*",
    "google/gemma-*",
    "microsoft/Phi-*",
    "ibm-granite/*",
    "deepseek-ai/*",
];

/** A glob (only `*` is special) as a whole-string, case-insensitive match: the Hub resolves repo ids case-insensitively. */
export function globMatches(pattern: string, value: string): boolean {
    const source = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
    return new RegExp(`^${source}$`, "i").test(value);
}

interface ModelAllowListConfig {
    allowedModels: string[];
}

// An unreviewed model is an unreviewed licence (some forbid commercial use or some users) and an
// unreviewed supply chain (weights and tokenizer files are downloaded at start).
export const modelAllowList: ResourceValidationPolicy = {
    name: "model-allow-list",
    description: "vLLM servers load only Hugging Face models (and tokenizers) from the reviewed allow-list.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedModels: {
                type: "array",
                items: { type: "string" },
                minItems: 1,
                default: DEFAULT_ALLOWED_MODELS,
                description: "Glob patterns of Hugging Face repository ids a vLLM server may load, e.g. \"Qwen/*\", \"google/gemma-*\".",
            },
        },
    },
    validateResource: (args, report) => {
        if (!isVllmDeployment(args.type, args.props)) return;
        const allowed = args.getConfig<ModelAllowListConfig>().allowedModels ?? DEFAULT_ALLOWED_MODELS;
        const name = objectLabel(args.props, args.name);
        const containers = vllmContainers(args.type, args.props);
        if (containers.length === 0) {
            report(`${name}: no container passes --model; name the Hugging Face repository the server loads with "--model <org/name>"`);
            return;
        }
        for (const c of containers) {
            if (!c.model) {
                report(`${name}: ${c.path} passes no --model; name the Hugging Face repository the server loads with "--model <org/name>"`);
                continue;
            }
            const repos: [string, string][] = [["--model", c.model]];
            const tokenizer = flagValue(c.argv, "--tokenizer");
            if (tokenizer && tokenizer !== c.model) repos.push(["--tokenizer", tokenizer]);
            for (const [flag, repo] of repos) {
                if (allowed.some((p) => globMatches(p, repo))) continue;
                report(
                    `${name}: ${c.path} ${flag} "${repo}" is not on the model allow-list (${allowed.join(", ")}); ` +
                        `serve an approved model, or have the model reviewed and add its repository to the policy's allowedModels`,
                );
            }
        }
    },
};

/** A Hugging Face commit: a full 40-hex SHA-1. Branches (`main`) and tags move; a commit does not. */
export const COMMIT = /^[0-9a-f]{40}$/;

// vLLM downloads `--revision` of the repository (default: the `main` branch). Without a commit,
// a push to the repository changes what the next pod start serves, unreviewed (docs.vllm.ai
// "Engine Arguments": --revision, --tokenizer-revision, read 2026-11-25).
export const modelRevisionPinned: ResourceValidationPolicy = {
    name: "model-revision-pinned",
    description: "vLLM servers pin the model (and a separate tokenizer) to a 40-hex Hugging Face commit with --revision.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isVllmDeployment(args.type, args.props)) return;
        const name = objectLabel(args.props, args.name);
        for (const c of vllmContainers(args.type, args.props)) {
            const checks: [string, string | undefined, string | undefined][] = [["--revision", c.model, c.revision]];
            const tokenizer = flagValue(c.argv, "--tokenizer");
            if (tokenizer && tokenizer !== c.model) checks.push(["--tokenizer-revision", tokenizer, flagValue(c.argv, "--tokenizer-revision")]);
            for (const [flag, repo, revision] of checks) {
                if (revision !== undefined && COMMIT.test(revision)) continue;
                const what = revision === undefined ? `has no ${flag} (vLLM then loads the moving "main" branch)` : `${flag} "${revision}" is a branch or tag, not a commit`;
                report(`${name}: ${c.path} ${what} for "${repo ?? "?"}"; pin ${flag} to the 40-hex commit SHA from the model's Hugging Face "Files and versions" history`);
            }
        }
    },
};

export const modelServerPolicies = [modelAllowList, modelRevisionPinned];
