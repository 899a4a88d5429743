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
    const known = ["ConfigError", "RepositoryFileError", "StackFileError", "UsageError"].includes(e.constructor?.name) || e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION";
    // The plan records no stack frames while the program runs (plan/run.ts programStackFrames).
    const where = /\n\s+at /.test(e.stack ?? "") ? "" : "(run again with GROUNDWORK_PLAN_STACK_TRACES=1 to see where)\n";
    io.err(known ? `error: ${e.message}\n${e instanceof UsageError ? usage + "\n" : ""}` : `error: ${e.stack ?? e}\n${where}`);
    return known ? 2 : 1;
}
