import { shown } from "./repository-files";

/**
 * A prompt's sampling parameters as the model servers take them. The evaluation Job and the
 * applications send a prompt's `config` with every call, so a value the server refuses fails every
 * call (sweep s29 M1). The ranges are vLLM's own, which refuses a request outside them:
 * vllm-project/vllm `vllm/sampling_params.py` `SamplingParams._verify_args` (read in the code index's
 * copy at 00388f6, not at the pinned v0.28.0 tag; 2026-11-29); OpenAI's API takes the same for the
 * keys it shares (temperature 0-2, top_p, the penalties -2-2).
 */

interface Range {
    /** Whether the value must be a whole number. */
    integer?: boolean;
    min?: number;
    /** The lower bound is excluded (top_p > 0, repetition_penalty > 0). */
    minExclusive?: boolean;
    max?: number;
    /** How vLLM states the range, for the message. */
    says: string;
}

const RANGES: Record<string, Range> = {
    temperature: { min: 0, max: 2, says: "in [0, 2]" },
    top_p: { min: 0, minExclusive: true, max: 1, says: "in (0, 1]" },
    presence_penalty: { min: -2, max: 2, says: "in [-2, 2]" },
    frequency_penalty: { min: -2, max: 2, says: "in [-2, 2]" },
    repetition_penalty: { min: 0, minExclusive: true, says: "greater than zero" },
    min_p: { min: 0, max: 1, says: "in [0, 1]" },
    // -1 is taken quietly as "disabled", as 0 is.
    top_k: { integer: true, min: -1, says: "0 (disable), or at least 1" },
    n: { integer: true, min: 1, says: "at least 1" },
    min_tokens: { integer: true, min: 0, says: "0 or more" },
    seed: { integer: true, says: "any" },
    // OpenAI's range, and vLLM's own cap unless the server is started with a larger --max-logprobs,
    // which this stack does not (ModelConfig.max_logprobs, default 20; code-index copies, sweep s29 p09).
    top_logprobs: { integer: true, min: 0, max: 20, says: "0 to 20" },
};

/** A number written as text as the number (the OpenAI server's request model reads it so), anything else as given. */
const numberOrText = (given: unknown): unknown => (typeof given === "string" && given.trim() !== "" && Number.isFinite(Number(given)) ? Number(given) : given);

/** What vLLM would refuse in a prompt's config, one message per key (`file: config.key = value ...`). */
export function samplingParamProblems(file: string, config: Record<string, unknown>): string[] {
    const problems: string[] = [];
    for (const [key, range] of Object.entries(RANGES)) {
        if (!(key in config) || config[key] === null) continue;
        // A number written as text is taken: the OpenAI server's request model reads it as the number.
        const given = config[key];
        const value = numberOrText(given);
        // Never a credential pasted here, whatever key holds it (repository-files.ts shown).
        const shownValue = shown(given);
        if (typeof value !== "number" || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
            problems.push(`${file}: config.${key} = ${shownValue} must be ${range.integer ? "a whole number" : "a number"}${range.says === "any" ? "" : `, ${range.says}`}; vLLM refuses every call with it`);
            continue;
        }
        const low = range.min === undefined || (range.minExclusive ? value > range.min : value >= range.min);
        const high = range.max === undefined || value <= range.max;
        if (!low || !high) problems.push(`${file}: config.${key} = ${shownValue} is outside what vLLM takes (${key} must be ${range.says}), so it refuses every call with it; give a value in that range`);
    }
    const minTokens = numberOrText(config.min_tokens);
    const maxTokens = numberOrText(config.max_completion_tokens || config.max_tokens);
    if (typeof minTokens === "number" && typeof maxTokens === "number" && minTokens > maxTokens) {
        problems.push(`${file}: config.min_tokens = ${minTokens} is more than ${config.max_completion_tokens ? "max_completion_tokens" : "max_tokens"} = ${maxTokens}, which vLLM refuses ("min_tokens must be less than or equal to max_tokens"); lower it`);
    }
    // A known parameter in other letter case is none: the server reads `temperature`, not `Temperature`, and ignores or refuses the other (sweep s29 p15).
    const known = [...Object.keys(RANGES), "max_tokens", "max_completion_tokens", "stop"];
    for (const key of Object.keys(config)) {
        const meant = known.find((k) => k !== key && k.toLowerCase() === key.toLowerCase());
        if (meant) problems.push(`${file}: config.${key} is not a parameter the model server reads; write it ${meant}`);
    }
    if ("stop" in config && config.stop !== null) {
        const stop = config.stop;
        const list = typeof stop === "string" ? [stop] : Array.isArray(stop) ? stop : undefined;
        if (list === undefined || list.some((s) => typeof s !== "string")) problems.push(`${file}: config.stop must be a string or a list of strings`);
        else if (list.some((s) => s === "")) problems.push(`${file}: config.stop holds an empty string, which vLLM refuses ("stop cannot contain an empty string"); remove it`);
    }
    return problems;
}
