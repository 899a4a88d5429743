/**
 * Removes the preview job's credentials from its output before that output leaves the job as an
 * artifact and a pull-request comment (review s15, risk 13). GitHub masks a secret in the job's
 * log only ("Using secrets in GitHub Actions": masking applies to logs, read 2026-11-29); a file
 * written by `tee` keeps whatever a provider error printed, and a comment keeps it for good.
 *
 * `npm run redact-output -- --file F --env NAME [--env NAME ...]`
 *
 * Each named environment variable's value is replaced by `***` wherever it appears: whole, each of
 * its lines (a PEM key is printed line by line as often as whole), and its JSON-escaped form; so is
 * every JSON Web Token. An
 * unset variable is skipped. Fragments shorter than {@link MIN_FRAGMENT} characters are left, so a
 * short value cannot shred the output; every credential the job holds is longer.
 *
 * This guards against accidents only. A pull request's program runs in the same job and can send
 * the credentials anywhere; that is why they are read-only and released after approval.
 * Exit 0 on success (the count of replacements on stdout, never a value), 2 on bad arguments.
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { CliOutput, reportCliError, UsageError } from "./cli-errors";

/** The shortest fragment of a secret that is replaced: shorter ones are common words and numbers. */
export const MIN_FRAGMENT = 12;
export const REDACTED = "***";

/** The strings to replace for one secret value, longest first so a line inside the whole value goes with it. */
export function secretFragments(value: string): string[] {
    const fragments = [value, JSON.stringify(value).slice(1, -1), ...value.split(/\r?\n/).map((line) => line.trim())];
    return [...new Set(fragments.filter((f) => f.length >= MIN_FRAGMENT))].sort((a, b) => b.length - a.length);
}

/**
 * A JSON Web Token: three base64url parts, the first two JSON objects (`eyJ` is `{"`). GitHub's
 * OIDC tokens, which the preview job mints for the OCI exchange, are masked in the log only (review
 * s18 N8); they expire in minutes, but nothing needs them in the output.
 */
const JWT = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

/** The text with every fragment of every secret, and every JSON Web Token, replaced, and how many replacements were made. */
export function redact(text: string, secrets: readonly string[]): { text: string; replaced: number } {
    let replaced = 0;
    text = text.replace(JWT, () => {
        replaced++;
        return REDACTED;
    });
    const fragments = [...new Set(secrets.flatMap(secretFragments))].sort((a, b) => b.length - a.length);
    for (const fragment of fragments) {
        const parts = text.split(fragment);
        replaced += parts.length - 1;
        text = parts.join(REDACTED);
    }
    return { text, replaced };
}

const ordinal = (n: number): string => `${n}${n % 100 >= 11 && n % 100 <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] ?? "th"}`;

const USAGE = "usage: npm run redact-output -- --file F --env NAME [--env NAME ...]";

/** Runs `npm run redact-output`; returns its exit code. The tests call it in-process. */
export function runRedactOutputCli(argv: string[], io: CliOutput, env: NodeJS.ProcessEnv = process.env): number {
    try {
        const { values } = parseArgs({ args: argv, options: { file: { type: "string" }, env: { type: "string", multiple: true } }, strict: true });
        if (!values.file) throw new UsageError("--file: required, the output to redact in place");
        if (!values.env?.length) throw new UsageError("--env: required at least once, the name of a variable holding a secret");
        // Never shown: what is not a name may be the secret itself.
        const bad = values.env.findIndex((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
        if (bad >= 0) throw new UsageError(`--env: the ${ordinal(bad + 1)} value is not a variable name (letters, digits and '_'); give the variable's name, never its value`);
        if (!fs.existsSync(values.file)) throw new UsageError(`--file: ${values.file} does not exist`);
        const secrets = values.env.map((name) => env[name]).filter((v): v is string => v !== undefined && v !== "");
        const { text, replaced } = redact(fs.readFileSync(values.file, "utf8"), secrets);
        fs.writeFileSync(values.file, text);
        io.out(`${values.file}: ${replaced} replacement(s) of ${secrets.length} secret(s)\n`);
        return 0;
    } catch (err) {
        return reportCliError(err, USAGE, io);
    }
}

if (require.main === module) {
    process.exit(runRedactOutputCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }));
}
