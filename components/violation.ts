/**
 * A problem a check found in the arguments it was given. `path` is relative to the value the check
 * was handed; whoever owns the config prefixes it with the config key when it reports.
 */
export interface Violation {
    path: (string | number)[];
    message: string;
}
