import { z } from "zod";
import { noRepeats, SHORT_NAME } from "./primitives";
import { PromptVersion } from "../../components/inference/prompt-library";
import { hasPastedCredential, looksLikeCredential, shownKeyName } from "./errors";
import { credentialFields, parseYamlFile, RepositoryFileError, shown } from "./repository-files";
import { samplingParamProblems } from "./sampling-params";

/**
 * Prompts as code: one YAML file per prompt under `prompts/`, reviewed like any other change.
 * Each stack provisions the prompts labelled with its name into its own Langfuse, as a new version
 * labelled `<stack>` and `production` whenever the file changes (components/inference/prompt-library.ts).
 *
 * Langfuse's own rules, which the files are held to so a bad one fails the plan rather than the
 * deploy (langfuse/langfuse@v3.224.1, read 2026-11-28):
 * - names: not empty, no `|`, not `new`, no leading, trailing or doubled `/` (folders), no HTML
 *   (packages/shared/src/features/prompts/validation.ts, constants.ts L7-11, features/folders/validation.ts);
 * - labels: 1-36 characters of `[a-z0-9_\-.]` (prompts/constants.ts L13-16, types.ts L22-26);
 * - a chat prompt is a list of `{role, content}` strings (server/llm/types.ts PromptChatMessageSchema);
 * - a prompt's type cannot change between versions (web/src/features/prompts/server/actions/createPrompt.ts L93-97).
 */

/** Langfuse's label rule: a stack's name becomes a label, so it must be one. */
export const LANGFUSE_LABEL = /^[a-z0-9_\-.]{1,36}$/;

const routeName = z.string().regex(SHORT_NAME, { message: "must be a route's name: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit" });

const message = z.strictObject({
    role: z.enum(["system", "developer", "user", "assistant"]).describe("Who says it."),
    content: z.string().min(1, { message: "must not be empty" }).describe("The text, with {{variables}} the application fills in."),
});

export const promptFileSchema = z.strictObject({
    name: z.string()
        .regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, { message: "must be lower-case letters, digits, '.', '_' and '-', with '/' between folders, e.g. support/answer" })
        .max(200)
        .refine((v) => v !== "new", { message: "is reserved by Langfuse's UI; choose another name" })
        .describe("The name applications fetch the prompt by."),
    route: routeName.describe("The gateway route it is written for: each stack it is labelled for must have this route, and the prompt's config names it as `model`."),
    labels: z.array(z.string()).min(1, { message: "must name at least one stack" }).superRefine(noRepeats("list each stack once")).describe("The stacks that serve this version (each becomes a label in that stack's Langfuse, with `production`)."),
    text: z.string().min(1).optional().describe("A text prompt."),
    messages: z.array(message).min(1).optional().describe("A chat prompt."),
    config: z.record(z.string(), z.unknown()).default({}).describe("Model parameters the application passes on (temperature, max_tokens, ...)."),
    description: z.string().optional().describe("What the prompt is for (kept in the file; not sent)."),
});

export type PromptFile = z.output<typeof promptFileSchema>;


/**
 * Parses every prompt file and checks it against the project's stacks: each problem names the
 * file, the field, the value and what would be valid. Files are `{ path, text }` (path relative
 * to the project, for the messages); `stacks` are the project's stack names.
 */
export function parsePromptFiles(files: { path: string; text: string }[], stacks: string[]): { file: string; prompt: PromptFile }[] {
    const problems: string[] = [];
    const parsed: { file: string; prompt: PromptFile }[] = [];
    const byName = new Map<string, string>();
    for (const file of files) {
        const { path } = file;
        const prompt = parseYamlFile(file, promptFileSchema, problems);
        if (prompt === undefined) continue;
        if ((prompt.text === undefined) === (prompt.messages === undefined)) {
            problems.push(`${path}: needs exactly one of text (a text prompt) or messages (a chat prompt)`);
        }
        prompt.labels.forEach((label, i) => {
            if (!stacks.includes(label)) {
                problems.push(`${path}: labels[${i}] = ${shown(label)} is not a stack of this project; labels are stacks: ${stacks.join(", ")}`);
            } else if (!LANGFUSE_LABEL.test(label)) {
                // Only a stack a prompt is labelled for must be a Langfuse label: another stack's name is no
                // prompt's business, and Pulumi allows capitals in it (sweep s24 F1).
                problems.push(`${path}: labels[${i}] = ${shown(label)}: stack ${label} cannot be a Langfuse label (1-36 of a-z, 0-9, '_', '-', '.'); rename the stack in lower case to provision prompts into it, or take it out of labels`);
            }
        });
        if ("model" in prompt.config) {
            problems.push(`${path}: config.model is set from route (${prompt.route}); remove it`);
        }
        problems.push(...samplingParamProblems(path, prompt.config));
        // Its text and messages too: published to Langfuse as they are (sweep s22b80).
        // Its name and whole config too, nested values and keys included (sweep s26 L1, L2).
        const reported = new Set<string>();
        // A prompt's config is published to Langfuse, readable by everyone in the project, and is in the plan.
        for (const [key, value] of Object.entries(prompt.config)) {
            // Named like a credential (`api_key`, `access_token`; not a count such as `max_tokens`), or shaped like one.
            // (A value credentialFields below reports is not reported twice: review s24e 10.)
            // By whole words of its name: `author` and vLLM's `stop_token_ids` are no credential (review s24f 13).
            const credentialName = /(^|[_-])(api[_-]?key|key|secret|password|passwd|credentials?|auth|token|bearer)([_-]|$)/i.test(key) && !/(token_ids|tokens)$/i.test(key);
            if (credentialName || (typeof value === "string" && looksLikeCredential(value) && !hasPastedCredential(value))) {
                problems.push(`${path}: config.${shownKeyName(key)} looks like a credential, and a prompt's config is published to Langfuse for everyone in the project to read; the gateway holds the keys, so remove it`);
                reported.add(`config.${key}`);
            }
        }
        // Not twice: a config key reported above by its name is left out here.
        const shaped = credentialFields({ name: prompt.name, text: prompt.text, messages: prompt.messages, config: prompt.config }).filter((field) => !reported.has(field));
        for (const field of shaped) {
            problems.push(`${path}: ${field} holds text shaped like a credential (an API key or token, a private key), and a prompt is published to Langfuse for everyone in the project to read and written into the plan; remove it, and rotate it if it is one`);
        }
        const earlier = byName.get(prompt.name);
        if (earlier !== undefined) problems.push(`${path}: name ${prompt.name} is also the name in ${earlier}; each prompt needs its own name`);
        byName.set(prompt.name, path);
        parsed.push({ file: path, prompt });
    }
    if (problems.length > 0) throw new RepositoryFileError("prompt", problems);
    return parsed;
}

/**
 * The prompts stack `stack` serves, checked against its routes: a prompt labelled for a stack
 * that lacks its route would hand applications a model name the gateway refuses.
 */
export function promptsForStack(files: { file: string; prompt: PromptFile }[], stack: string, routes: string[]): PromptVersion[] {
    const problems: string[] = [];
    const versions: PromptVersion[] = [];
    for (const { file, prompt } of files) {
        if (!prompt.labels.includes(stack)) continue;
        if (!routes.includes(prompt.route)) {
            problems.push(`${file}: route = ${shown(prompt.route)} is not a route of stack ${stack} (routes: ${routes.join(", ") || "none"}); add the route to groundwork:inference.routes or remove ${stack} from labels`);
            continue;
        }
        versions.push({
            name: prompt.name,
            type: prompt.messages ? "chat" : "text",
            prompt: prompt.messages ?? prompt.text!,
            config: { model: prompt.route, ...prompt.config },
            route: prompt.route,
        });
    }
    if (problems.length > 0) throw new RepositoryFileError("prompt", problems);
    return versions;
}
