import * as path from "path";
import { readStackFile } from "../plan/stack-file";
import { ConfigError } from "../stacks/config/errors";
import { parseStackConfig, StackConfig } from "../stacks/config";

export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The raw `groundwork:*` values of a committed stack file, as plain objects to edit in a test. */
export function stackValues(stack: string): Record<string, any> {
    const { config } = readStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "groundwork");
    return Object.fromEntries(
        Object.entries(config)
            .filter(([k]) => k.startsWith("groundwork:"))
            .map(([k, v]) => [k.slice("groundwork:".length), JSON.parse(v)]),
    );
}

/** Parses edited values the way the Pulumi CLI hands them to the program. */
export function parse(values: Record<string, unknown>): StackConfig {
    return parseStackConfig(Object.fromEntries(Object.entries(values).map(([k, v]) => [`groundwork:${k}`, JSON.stringify(v)])));
}

/** The problems a config has; fails the test if it has none. */
export function problems(values: Record<string, unknown>): string[] {
    try {
        parse(values);
    } catch (err) {
        if (err instanceof ConfigError) {
            return err.problems;
        }
        throw err;
    }
    throw new Error("expected the configuration to be rejected, but it parsed");
}
