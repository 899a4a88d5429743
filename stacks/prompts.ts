import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PromptVersion } from "../components/inference/prompt-library";
import { RouteEvaluation } from "../components/inference/route-evaluations";
import { StackConfig } from "./config";
import { longestReachableContext, reachedHostedModels } from "./config/inference";
import { evaluationsForStack, evaluationsOfNoPrompt, evaluationsOfNoRoute, parseEvaluationFiles } from "./config/evaluation-files";
import { RepositoryFileError } from "./config/repository-files";
import { CONFIGMAP_MAX_BYTES, configMapBytes, promptLibraryData } from "../components/inference/prompt-library";
import { routeEvaluationsData } from "../components/inference/route-evaluations";
import { parsePromptFiles, promptsForStack } from "./config/prompt-files";

/** The project's directory: its stack files and the `prompts/` it provisions. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The project's stacks, from its `Pulumi.<stack>.yaml` files. */
export function projectStacks(dir: string = PROJECT_DIR): string[] {
    return fs.readdirSync(dir).map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
}

/**
 * The routes any of the project's stacks defines (`groundwork:inference.routes[].name` in each
 * stack file; route names are never encrypted). A stack file that does not parse names none here:
 * its own run reports it.
 */
export function projectRoutes(dir: string = PROJECT_DIR): string[] {
    const names = new Set<string>();
    for (const file of fs.readdirSync(dir).filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))) {
        let config: Record<string, any> | undefined;
        try {
            config = YAML.parse(fs.readFileSync(path.join(dir, file), "utf8"))?.config;
        } catch {
            continue;
        }
        const routes = config?.["groundwork:inference"]?.routes ?? config?.inference?.routes;
        for (const r of Array.isArray(routes) ? routes : []) if (typeof r?.name === "string") names.add(r.name);
    }
    return [...names].sort();
}

/** Every `*.yaml` under `<dir>/<folder>` (`prompts`, `evaluations`), with its path relative to `dir`. */
export function readYamlFiles(folder: string, dir: string = PROJECT_DIR): { path: string; text: string }[] {
    const root = path.join(dir, folder);
    if (!fs.existsSync(root)) return [];
    // `.YAML` as well as `.yaml`: a file the reader skipped would vanish without a word (sweep s26 W3).
    const walk = (at: string): string[] => fs.readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((e) => (e.isDirectory() ? walk(path.join(at, e.name)) : /\.ya?ml$/i.test(e.name) ? [path.join(at, e.name)] : []));
    const problems: string[] = [];
    const files = walk(root).flatMap((file) => {
        const shownPath = path.relative(dir, file);
        let bytes: Buffer;
        try {
            bytes = fs.readFileSync(file);
        } catch (err) {
            // A link to nothing or in a loop (sweep s26 W2), a folder, or no permission (review s24e 9).
            const code = (err as NodeJS.ErrnoException).code ?? "error";
            const why = code === "ENOENT" || code === "ELOOP" ? "a link to nothing or in a loop" : code === "EISDIR" ? "a folder named like a file" : code === "EACCES" ? "no permission to read it" : "an error reading it";
            problems.push(`${shownPath}: cannot be read (${code}: ${why}); remove it or make it a readable file`);
            return [];
        }
        // Strict UTF-8, so a Latin-1 file is not published with replacement characters (sweep s26 M2, W1),
        // and no NUL, which Langfuse's Postgres (jsonb) refuses (sweep s26 M5).
        let text: string;
        try {
            text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
            problems.push(`${shownPath}: is not UTF-8 text (another encoding, or a binary file); save it as UTF-8`);
            return [];
        }
        if (text.includes("\u0000")) {
            problems.push(`${shownPath}: holds a NUL character, which Langfuse's database refuses; remove it`);
            return [];
        }
        return [{ path: shownPath, text }];
    });
    if (problems.length > 0) throw new RepositoryFileError(folder === "prompts" ? "prompt" : "evaluation", problems);
    return files;
}

/** What a stack serves beside its config: the prompts labelled for it and the evaluations of its routes. */
export interface PromptsAndEvaluations {
    prompts: PromptVersion[];
    evaluations: RouteEvaluation[];
}

/**
 * The prompts stack `stack` serves and the evaluations it runs, read from `prompts/` and
 * `evaluations/` and checked before anything is registered: a bad file stops the run with every
 * problem named, as bad config does. None without inference.
 */
export function loadPromptsAndEvaluations(config: StackConfig, stack: string, dir: string = PROJECT_DIR): PromptsAndEvaluations {
    const prompts = parsePromptFiles(readYamlFiles("prompts", dir), projectStacks(dir));
    const evaluations = parseEvaluationFiles(readYamlFiles("evaluations", dir));
    const orphans = [...evaluationsOfNoPrompt(evaluations, prompts.map((p) => p.prompt.name)), ...evaluationsOfNoRoute(evaluations, projectRoutes(dir))];
    if (orphans.length > 0) throw new RepositoryFileError("evaluation", orphans);
    if (!config.inference) return { prompts: [], evaluations: [] };
    const routes = config.inference.routes.map((r) => r.name);
    const served = promptsForStack(prompts, stack, routes);
    const fileOf = (p: PromptVersion) => prompts.find((f) => f.prompt.name === p.name)?.file ?? "prompts/";
    // A prompt's max_tokens past the longest context its route's calls can reach leaves no room for
    // the prompt: vLLM refuses every call on every hop (sweep s26 M3, review s24f 9); below 1, always.
    const tooLong = served.flatMap((p) => {
        // Either name vLLM's OpenAI API takes, and a number written as text (review s24f 11).
        // max_completion_tokens first, as vLLM's request reads them (`max_completion_tokens or max_tokens`: sweep s28 M5).
        const settings = p.config as Record<string, unknown>;
        // `or`: a 0 or empty max_completion_tokens falls to max_tokens (review s25c C3).
        const name = settings.max_completion_tokens ? "max_completion_tokens" : "max_tokens";
        const given = settings[name];
        const maxTokens = typeof given === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(given) ? Number(given) : given;
        const file = fileOf(p);
        if (given !== undefined && given !== null && typeof maxTokens !== "number") return [`${file}: config.${name} must be a whole number of tokens, 1 or more; vLLM refuses ${JSON.stringify(given)}`];
        if (typeof maxTokens !== "number") return [];
        if (!Number.isInteger(maxTokens) || maxTokens < 1) return [`${file}: config.${name} = ${maxTokens} must be a whole number of tokens, 1 or more`];
        const route = config.inference!.routes.find((r) => r.name === p.route)!;
        const longest = longestReachableContext(route.name, config.inference!);
        if (longest === undefined || maxTokens < longest) return [];
        const model = config.inference!.models.find((m) => m.name === route.target)!;
        const hops = route.fallbacks.length + route.contextWindowFallbacks.length > 0 ? `, nor any model its fallbacks reach (the longest context among them is ${longest} tokens)` : "";
        return [`${file}: config.${name} = ${maxTokens} is at least the ${model.maxModelLen}-token context of ${model.name}, which serves route ${route.name} in stack ${stack}${hops}, so it leaves no room for the prompt and vLLM refuses every call; give fewer, or raise that model's maxModelLen`];
    });
    // OpenAI's API takes at most 4 stop sequences (its reference, via sweep s29 M1 p29): a prompt whose
    // route can reach an OpenAI or Azure OpenAI model fails there with more.
    const tooManyStops = served.flatMap((p) => {
        const stop = (p.config as Record<string, unknown>).stop;
        if (!Array.isArray(stop) || stop.length <= 4) return [];
        const openai = reachedHostedModels(p.route, config.inference!).find((h) => /^(openai|azure)\//.test(h.model));
        if (!openai) return [];
        const file = fileOf(p);
        return [`${file}: config.stop has ${stop.length} sequences, and route ${p.route} can reach ${openai.name} (${openai.model}) in stack ${stack}, whose API takes at most 4, so every call there fails; keep 4`];
    });
    if (tooLong.length + tooManyStops.length > 0) throw new RepositoryFileError("prompt", [...tooLong, ...tooManyStops]);
    const classes = Object.fromEntries(config.inference.routes.map((r) => [r.name, r.classification]));
    const evaluated = evaluationsForStack(evaluations, routes, served, classes);
    // Each goes to the cluster in one ConfigMap, which the API server takes up to 1 MiB (sweep s26 M1).
    const tooLarge = ([what, folder, data]: [string, string, Record<string, string>]) => configMapBytes(data) > CONFIGMAP_MAX_BYTES
        ? [`${folder}/: the ${what} stack ${stack} serves come to ${Math.ceil(configMapBytes(data) / 1024)} KiB in the ConfigMap that carries them, over the 1,024 KiB the API server takes; shorten them, or label fewer for this stack`]
        : [];
    const sizes = ([["prompts", "prompts", promptLibraryData(served)], ["evaluations", "evaluations", routeEvaluationsData(evaluated)]] as [string, string, Record<string, string>][]).flatMap(tooLarge);
    if (sizes.length > 0) throw new RepositoryFileError("prompt or evaluation", sizes);
    return { prompts: served, evaluations: evaluated };
}
