import { looksLikeCredential } from "../stacks/config/errors";

/** What the plan's command-line tools share: their output, and how an error becomes an exit code. */

/** Where a command writes what a user reads. */
export interface CliOutput {
    out(text: string): void;
    err(text: string): void;
}

/** A wrong argument: reported with the command's usage line. */
export class UsageError extends Error {}

/**
 * Reports an error the way every command does and returns its exit code: 2 with the message for
 * bad input (arguments, config, stack file), 1 with the stack for anything else.
 */
export function reportCliError(err: unknown, usage: string, io: CliOutput): number {
    const e = err as Error & { code?: string };
    const argumentProblem = parseArgsProblem(e);
    if (argumentProblem !== undefined) {
        io.err(`error: ${argumentProblem}\n${usage}\n`);
        return 2;
    }
    const known = ["ConfigError", "RepositoryFileError", "StackFileError", "UsageError"].includes(e.constructor?.name);
    // The plan records no stack frames while the program runs (plan/run.ts programStackFrames).
    const where = /\n\s+at /.test(e.stack ?? "") ? "" : "(run again with GROUNDWORK_PLAN_STACK_TRACES=1 to see where)\n";
    io.err(known ? `error: ${e.message}\n${e instanceof UsageError ? usage + "\n" : ""}` : `error: ${e.stack ?? e}\n${where}`);
    return known ? 2 : 1;
}

/**
 * What Node's `util.parseArgs` refused, in words that never repeat an argument: its own messages
 * quote the argument (`Unexpected argument '<text>'`), and that text is a secret when `--secret`
 * was given its value after a space instead of an `=` (sweep s21-01), or a key file that starts
 * with `-----BEGIN` (s21-02). Codes: nodejs/node v20 lib/internal/util/parse_args/parse_args.js
 * (ERR_PARSE_ARGS_UNKNOWN_OPTION, ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL, ERR_PARSE_ARGS_INVALID_OPTION_VALUE).
 * Undefined for any other error.
 */
export function parseArgsProblem(e: Error & { code?: string }): string | undefined {
    switch (e.code) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
            // An option's name is shown when it reads as one (a typo such as --stak), never other text.
            const option = /^Unknown option '(--?[a-z][a-z-]{0,30})'/.exec(e.message)?.[1];
            return `${option && !looksLikeCredential(option) ? `unknown option ${option}` : "an unknown option (not shown, as it may be a secret)"}; the options are below`;
        }
        case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
            return "an argument (not shown, as it may be a secret) follows no option; give each value with its option, and a secret as one argument with an \"=\": --secret KEY=VALUE, not --secret KEY VALUE";
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
            return "an option has no value, or its value starts with \"-\" (as a key file's -----BEGIN line does); give a secret as one argument, the key first: --secret \"KEY=$(cat key-file)\"";
        default:
            return e.code?.startsWith("ERR_PARSE_ARGS_") ? "the arguments could not be read (not shown, as they may hold a secret)" : undefined;
    }
}
