import { z } from "zod";
import { SHORT_NAME } from "./primitives";
import { RouteEvaluation } from "../../components/inference/route-evaluations";
import { PromptVersion } from "../../components/inference/prompt-library";
import { Classification, mayCarry } from "./inference";
import { credentialFields, parseYamlFile, RepositoryFileError, shown } from "./repository-files";

/**
 * Evaluations as code: one YAML file per route under `evaluations/`, a dataset and the evaluators
 * that score the route's answers to it. Each stack that has the route runs it after every deploy
 * that changes what the route answers (components/inference/route-evaluations.ts); the scores land
 * in Langfuse on the calls' traces and as a dataset run.
 */

const routeName = z.string().regex(SHORT_NAME, { message: "must be a route's name: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit" });
const evaluatorName = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, { message: "must be lower-case letters, digits and '-', starting with a letter (it names the score in Langfuse)" });
const itemId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/, { message: "must be lower-case letters, digits and '-'" });

/**
 * A pattern as JavaScript can check it for Python's re: inline flags, which Python takes at the start
 * (`(?i)paris`) or scoped (`(?i:...)`) and JavaScript does not, are taken out first (sweep s26 F2).
 */
// Python's flags go, leading or scoped, and `(?#...)` comments; `L` (bytes only) and `a` with `u`,
// which Python refuses on a text pattern, are left for JavaScript to refuse too (reviews s24e 6, s24f 6).
const forJavaScript = (v: string) => {
    const flags = [...v.matchAll(/\(\?([aiLmsux-]+)[:)]/g)].map((m) => m[1]);
    if (flags.some((f) => f.includes("L") || (f.includes("a") && f.includes("u")))) return "(";
    return v.replace(/\(\?#[^)]*\)/g, "").replace(/^(?:\(\?[aimsux]+\))+/, "").replace(/\(\?[aimsux-]+:/g, "(?:");
};
/** A pattern Python's `re` and JavaScript both read the same way for what we allow: no lookbehind or named groups. */
const pattern = z.string().min(1).refine((v) => { try { new RegExp(forJavaScript(v)); return !/\(\?<|\(\?P/.test(v); } catch { return false; } }, { message: "is not a regular expression (without lookbehind or named groups)" })
    // `\u{...}`, which JavaScript reads as a repeated u and Python's re refuses ("incomplete escape"; sweep s26 M4).
    .refine((v) => !/\\u\{/.test(v), { message: "uses \\u{...}, which Python's re, the evaluation Job's, refuses; write the character itself, or \\uXXXX with four hex digits" })
    // Unicode property classes: Python's re, which the evaluation Job runs, has none ("bad escape \p"; sweep s22b85).
    .refine((v) => !/\\[pP]\{/.test(v), { message: "uses a Unicode property class (\\p{...}), which Python's re, the evaluation Job's, refuses; spell the characters out, such as [A-Za-zÀ-ÿ]" });

const evaluatorSchema = z.discriminatedUnion("type", [
    z.strictObject({ name: evaluatorName, type: z.literal("contains-expected").describe("1 when the answer contains the item's expectedOutput (case-insensitive), else 0.") }),
    z.strictObject({ name: evaluatorName, type: z.literal("matches"), pattern: pattern.describe("1 when the answer matches this regular expression.") }),
    z.strictObject({ name: evaluatorName, type: z.literal("not-matches"), pattern: pattern.describe("1 when the answer does not match (e.g. an e-mail address).") }),
    z.strictObject({ name: evaluatorName, type: z.literal("max-length"), maxCharacters: z.number().int().min(1).max(100_000).describe("1 when the answer is at most this long.") }),
    z.strictObject({
        name: evaluatorName,
        type: z.literal("llm-judge"),
        judgeRoute: routeName.describe("The route that judges, through the gateway like any call."),
        criteria: z.string().min(10).describe("What a passing answer does; the judge answers PASS or FAIL with a reason."),
    }),
], { error: () => ({ message: "must have a type of contains-expected, matches, not-matches, max-length or llm-judge" }) });

const itemSchema = z.strictObject({
    id: itemId.optional().describe("Stable id of the item (default its position); Langfuse keeps one item per id."),
    // A number or true that YAML read from unquoted text is named, with the fix (sweep s26 W4).
    input: z.union([z.string().min(1), z.record(z.string(), z.string())], {
        error: (issue) => {
            const input = (issue as { input?: unknown }).input;
            const unquoted = typeof input === "number" || typeof input === "boolean" || (input !== null && typeof input === "object" && Object.values(input).some((v) => typeof v === "number" || typeof v === "boolean"));
            // An empty value is YAML's null (review s24e 11).
            const empty = input === null || (input !== null && typeof input === "object" && Object.values(input).some((v) => v === null));
            return { message: `must be the user's message, or the prompt's variables as a map of strings${unquoted ? "; YAML read a value as a number or true/false: put it in quotes" : empty ? "; a value is empty (YAML's null): give it, or \"\" for an empty text" : ""}` };
        },
    })
        .describe("The user's message, or, with `prompt`, the values of the prompt's {{variables}}."),
    expectedOutput: z.string().optional().describe("What the answer should say, for `contains-expected` and the judge."),
});

export const evaluationFileSchema = z.strictObject({
    route: routeName.describe("The route evaluated."),
    prompt: z.string().optional().describe("A prompt (by name) the items fill in; without it each item's input is the user's message."),
    items: z.array(itemSchema).min(1, { message: "must hold at least one item" }).describe("The dataset."),
    evaluators: z.array(evaluatorSchema).min(1, { message: "must name at least one evaluator" }).describe("What scores each answer."),
});

export type EvaluationFile = z.output<typeof evaluationFileSchema>;

const variables = (messages: PromptVersion["prompt"]) => [...new Set([...(typeof messages === "string" ? messages : messages.map((m) => m.content).join("\n")).matchAll(/\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g)].map((m) => m[1]))];

/** Parses every evaluation file: each problem names the file, the field, the value and what is valid. */
export function parseEvaluationFiles(files: { path: string; text: string }[]): { file: string; evaluation: EvaluationFile }[] {
    const problems: string[] = [];
    const parsed: { file: string; evaluation: EvaluationFile }[] = [];
    const byRoute = new Map<string, string>();
    for (const file of files) {
        const { path } = file;
        const evaluation = parseYamlFile(file, evaluationFileSchema, problems);
        if (evaluation === undefined) continue;
        // Items and criteria go to Langfuse as datasets and judge prompts (sweep s22b80).
        for (const field of credentialFields(evaluation)) {
            problems.push(`${path}: ${field} holds text shaped like a credential (an API key or token, a private key), and an evaluation's items are published to Langfuse for everyone in the project to read and written into the plan; remove it, and rotate it if it is one`);
        }
        const ids = new Map<string, number>();
        evaluation.items.forEach((item, i) => {
            const id = item.id ?? String(i + 1);
            if (ids.has(id)) problems.push(`${path}: items[${i}].id = ${shown(id)} is also items[${ids.get(id)}]'s id; each item needs its own`);
            ids.set(id, i);
            if (typeof item.input !== "string" && evaluation.prompt === undefined) problems.push(`${path}: items[${i}].input is a map of variables, but the file names no prompt; set prompt, or give the user's message as text`);
            if (evaluation.evaluators.some((e) => e.type === "contains-expected") && item.expectedOutput === undefined) {
                problems.push(`${path}: items[${i}] has no expectedOutput, which the contains-expected evaluator compares the answer with`);
            }
        });
        const names = evaluation.evaluators.map((e) => e.name);
        names.forEach((n, i) => { if (names.indexOf(n) !== i) problems.push(`${path}: evaluators[${i}].name = ${shown(n)} is also evaluators[${names.indexOf(n)}]'s; each names its own score`); });
        const earlier = byRoute.get(evaluation.route);
        if (earlier !== undefined) problems.push(`${path}: route ${evaluation.route} is already evaluated by ${earlier}; one file per route`);
        byRoute.set(evaluation.route, path);
        parsed.push({ file: path, evaluation });
    }
    if (problems.length > 0) throw new RepositoryFileError("evaluation", problems);
    return parsed;
}

/**
 * Every evaluation that fills in a prompt no prompt file defines, for any stack: it would never
 * run anywhere, and only the ai-use pack's "no evaluation" would say so, about the wrong file.
 */
export function evaluationsOfNoPrompt(files: { file: string; evaluation: EvaluationFile }[], promptNames: readonly string[]): string[] {
    return files.filter(({ evaluation }) => evaluation.prompt !== undefined && !promptNames.includes(evaluation.prompt))
        .map(({ file, evaluation }) => `${file}: prompt = ${shown(evaluation.prompt)} is in no file of prompts/ (prompts: ${[...promptNames].sort().join(", ") || "none"}); name one of those, or add it`);
}

/**
 * Evaluations of a route no stack of the project has (a misspelt name): they would never run, and
 * no stack would say so, since each skips the routes it does not have.
 */
export function evaluationsOfNoRoute(files: { file: string; evaluation: EvaluationFile }[], routes: readonly string[]): string[] {
    return files.filter(({ evaluation }) => !routes.includes(evaluation.route))
        .map(({ file, evaluation }) => `${file}: route = ${shown(evaluation.route)} is a route of no stack of this project (routes: ${routes.join(", ") || "none"}); name one of those, or add the route to a stack's groundwork:inference.routes`);
}

/**
 * The evaluations stack `stack` runs: those whose route it has and, for one that fills in a
 * prompt, whose prompt it serves. Checked against the stack's routes and prompts.
 */
export function evaluationsForStack(files: { file: string; evaluation: EvaluationFile }[], routes: string[], prompts: PromptVersion[], classes: Record<string, Classification> = {}): RouteEvaluation[] {
    const problems: string[] = [];
    const runs: RouteEvaluation[] = [];
    for (const { file, evaluation } of files) {
        if (!routes.includes(evaluation.route)) continue;
        const prompt = evaluation.prompt === undefined ? undefined : prompts.find((p) => p.name === evaluation.prompt);
        if (evaluation.prompt !== undefined && !prompt) continue;
        if (prompt && prompt.route !== evaluation.route) {
            problems.push(`${file}: prompt ${prompt.name} is written for route ${prompt.route}, not ${evaluation.route}; evaluate it in ${prompt.route}'s file`);
            continue;
        }
        const needed = prompt ? variables(prompt.prompt) : [];
        evaluation.items.forEach((item, i) => {
            const given = typeof item.input === "string" ? [] : Object.keys(item.input);
            const missing = needed.filter((v) => !given.includes(v));
            if (prompt && missing.length > 0) problems.push(`${file}: items[${i}].input lacks ${missing.join(", ")}, which prompt ${prompt.name} fills in`);
            // A value no {{variable}} takes is a typo on one side (sweep s29 M2): the model never sees it.
            const unused = prompt ? given.filter((v) => !needed.includes(v)) : [];
            if (unused.length > 0) problems.push(`${file}: items[${i}].input.${unused.join(", ")} ${unused.length === 1 ? "is" : "are"} used by no {{variable}} of prompt ${prompt!.name} (its variables: ${needed.join(", ") || "none"}); rename or remove ${unused.length === 1 ? "it" : "them"}`);
        });
        evaluation.evaluators.forEach((e, i) => {
            if (e.type === "llm-judge" && !routes.includes(e.judgeRoute)) {
                problems.push(`${file}: evaluators[${i}].judgeRoute = ${shown(e.judgeRoute)} is not a route of this stack (routes: ${routes.join(", ")})`);
            } else if (e.type === "llm-judge" && classes[e.judgeRoute] && classes[evaluation.route] && !mayCarry(classes[e.judgeRoute], classes[evaluation.route])) {
                // The judge reads the route's answers: they must not go somewhere the route's data may not.
                problems.push(`${file}: evaluators[${i}].judgeRoute = ${shown(e.judgeRoute)} is a ${classes[e.judgeRoute]} route, but ${evaluation.route} carries ${classes[evaluation.route]} data, which the judge would read; judge with a route classified ${classes[evaluation.route]} or more`);
            }
        });
        runs.push({
            route: evaluation.route,
            dataset: `evaluation/${evaluation.route}`,
            prompt: prompt ? { name: prompt.name, messages: typeof prompt.prompt === "string" ? [{ role: "user", content: prompt.prompt }] : prompt.prompt, config: prompt.config } : undefined,
            items: evaluation.items.map((item, i) => ({ id: `${evaluation.route}-${item.id ?? String(i + 1)}`, input: item.input, expectedOutput: item.expectedOutput })),
            evaluators: evaluation.evaluators,
        });
    }
    if (problems.length > 0) throw new RepositoryFileError("evaluation", problems);
    return runs;
}
