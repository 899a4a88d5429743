import * as fs from "fs";
import * as path from "path";
import { PromptVersion } from "../components/inference/prompt-library";
import { StackConfig } from "./config";
import { parsePromptFiles, promptsForStack } from "./config/prompt-files";

/** The project's directory: its stack files and the `prompts/` it provisions. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The project's stacks, from its `Pulumi.<stack>.yaml` files. */
export function projectStacks(dir: string = PROJECT_DIR): string[] {
    return fs.readdirSync(dir).map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
}

/** Every `*.yaml` under `<dir>/prompts`, with its path relative to `dir`. */
export function readPromptFiles(dir: string = PROJECT_DIR): { path: string; text: string }[] {
    const root = path.join(dir, "prompts");
    if (!fs.existsSync(root)) return [];
    const walk = (at: string): string[] => fs.readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((e) => (e.isDirectory() ? walk(path.join(at, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(at, e.name)] : []));
    return walk(root).map((file) => ({ path: path.relative(dir, file), text: fs.readFileSync(file, "utf8") }));
}

/**
 * The prompts stack `stack` serves, read and checked before anything is registered: a bad file
 * stops the run with every problem named, as bad config does. None without inference.
 */
export function loadPrompts(config: StackConfig, stack: string, dir: string = PROJECT_DIR): PromptVersion[] {
    const files = parsePromptFiles(readPromptFiles(dir), projectStacks(dir));
    return config.inference ? promptsForStack(files, stack, config.inference.routes.map((r) => r.name)) : [];
}
