/**
 * Unquoted scalars the Pulumi CLI reads differently from this plan. The CLI (v3.248.0) reads stack
 * files with gopkg.in/yaml.v3 v3.0.1 (pulumi/pulumi@v3.248.0 sdk/go/common/encoding/marshal.go L27,
 * L111-124; sdk/go.mod), whose resolver (go-yaml/yaml@v3.0.1 resolve.go `resolve`, L158-275) strips
 * `_` and parses integers with Go's base prefixes (`strconv.ParseInt(plain, 0, 64)`), and turns
 * date-like text (`parseTimestamp`, L294-326) into a time.Time that Pulumi then writes as Go's
 * `2006-01-02 15:04:05 +0000 UTC` (config/object.go `unmarshalObject`). The plan reads YAML 1.2's
 * core schema. Where the two differ, the plan would show one value and `pulumi up` use another, so
 * such a value is refused until it is written one way both read alike.
 */

/** An integer in yaml.v3's spellings (Go's base prefixes, underscores already removed), or undefined. */
function goInteger(text: string): bigint | undefined {
    const int = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
    if (!int) return undefined;
    const [, sign, digits] = int;
    const value = /^0[xX]/.test(digits) ? BigInt(`0x${digits.slice(2)}`)
        : /^0[oObB]/.test(digits) ? BigInt(`0${digits[1].toLowerCase()}${digits.slice(2)}`)
            : digits.length > 1 && digits[0] === "0" ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
    return sign === "-" ? -value : value;
}

/**
 * Whether strconv.ParseInt or ParseUint takes the integer (64 bits: from -2^63 to 2^64 - 1). Past
 * that yaml.v3 tries a float, which takes decimal digits, and keeps the text of a 0x, 0o or 0b
 * spelling (go-yaml/yaml@v3.0.1 resolve.go L191-209, L264).
 */
const inGoRange = (value: bigint) => value >= -(2n ** 63n) && value <= 2n ** 64n - 1n;
const PREFIXED_INTEGER = /^[-+]?0[xXoObB]/;

/** A decimal float in yaml.v3's spelling (its yamlStyleFloat). */
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** The number yaml.v3 reads a plain scalar's text as (underscores already removed), or undefined for text. */
function goNumber(text: string): number | undefined {
    const int = goInteger(text);
    if (int !== undefined && inGoRange(int)) return Number(int);
    if (int !== undefined && PREFIXED_INTEGER.test(text)) return undefined;
    // yaml.v3's yamlStyleFloat, then strconv.ParseFloat, which fails out of float64's range (text then).
    const float = GO_FLOAT.test(text) ? Number(text) : undefined;
    return float !== undefined && Number.isFinite(float) ? float : undefined;
}

/**
 * The text yaml.v3 keeps where this plan's parser makes a number: one out of float64's range
 * (`1e309`, or a build id such as `2371e809`), on which strconv.ParseFloat fails, or an integer
 * past 64 bits (`0x1ffffffffffffffff`), which ParseInt and ParseUint refuse; yaml.v3 then returns
 * the scalar as a string (go-yaml/yaml@v3.0.1 resolve.go L191-209, L264). The plan reads it as that
 * string too, as `pulumi up` would (sweep s32 W1; false-refusal review s28 FR4; final check s28 D5).
 */
export function goYamlText(source: string, parsed: unknown): string | undefined {
    const plain = source.replace(/_/g, "");
    const spelledAsNumber = goInteger(plain) !== undefined || GO_FLOAT.test(plain);
    return typeof parsed === "number" && spelledAsNumber && goNumber(plain) === undefined ? source : undefined;
}

/** Whether yaml.v3's parseTimestamp turns the text into a time: one of its four Go layouts, with a real date and time. */
function goTimestamp(text: string): boolean {
    const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?$/.exec(text);
    if (!m) return false;
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
    const [hour, minute, second] = [m[4] ?? m[7], m[5] ?? m[8], m[6] ?? m[9]].map((v) => (v === undefined ? 0 : Number(v)));
    return hour <= 23 && minute <= 59 && second <= 59;
}

/**
 * Why a plain (unquoted) scalar reads differently under the Pulumi CLI, or undefined. `parsed` is
 * what this plan's parser made of it. Never quotes the text.
 */
export function goYamlDivergence(source: string, parsed: unknown): string | undefined {
    // yaml.v3's resolve table: these exact spellings are floats there, and JSON cannot carry them.
    if (/^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/.test(source)) {
        return "an unquoted .inf or .nan, which no configuration value can carry (Pulumi stores config as JSON); give a number, or quote it if it is text";
    }
    // Only text starting with a digit or a sign goes on to the number and date parsers there.
    if (!/^[-+0-9]/.test(source)) return undefined;
    if (goTimestamp(source)) {
        return "an unquoted date or time, which the Pulumi CLI rewrites as Go's time format (2006-01-02 15:04:05 +0000 UTC); quote it";
    }
    const go = goNumber(source.replace(/_/g, ""));
    if (go === undefined || parsed === go) return undefined;
    if (source.includes("_")) {
        return "an unquoted number with '_' in it, which the Pulumi CLI reads as a number and this plan as text; drop the underscores, or quote it if it is text";
    }
    if (/^[-+]?0[0-7]+$/.test(source)) {
        return "an unquoted number with a leading zero, which the Pulumi CLI reads as octal and this plan as decimal; drop the leading zero, or quote it if it is text";
    }
    return "an unquoted number the Pulumi CLI reads in a base this plan does not (0b binary, an upper-case 0X/0O/0B, or a sign before 0x/0o); write it in decimal, or quote it if it is text";
}

/**
 * `!!float` as yaml.v3 resolves it: any number spelling it reads, an integer made a float
 * (go-yaml/yaml@v3.0.1 resolve.go L131-150), and text refused ("cannot decode !!str as a !!float").
 * The plan's parser resolves only float spellings under the tag, and dropped `!!float 2` as an
 * unresolved tag (sweep s33 F1). For the parser's `customTags`: used for the explicit tag alone.
 */
export const GO_FLOAT_TAG = {
    tag: "tag:yaml.org,2002:float",
    resolve(source: string, onError: (message: string) => void): number | string {
        // yaml.v3 reads a number only from a first character of [-+0-9] (underscores then dropped) or
        // '.' (read as written): `_1` or `._5` is text to it (resolve.go resolveTable; read-through s29 RT29-7).
        const value = /^[-+0-9]/.test(source) ? goNumber(source.replace(/_/g, "")) : source.startsWith(".") ? goNumber(source) : undefined;
        if (value === undefined) onError("cannot be read as a !!float (the Pulumi CLI refuses it too); give a number, or drop the tag");
        return value ?? source;
    },
};

/**
 * `!!int` as yaml.v3 resolves it: every integer spelling it reads (Go's base prefixes, a sign,
 * underscores), and anything else refused, a float included ("cannot decode !!float as a !!int",
 * go-yaml/yaml@v3.0.1 resolve.go L131-150). The plan's parser dropped `!!int 0b101` or `!!int 1_0`
 * as an unresolved tag (final check s29 FC29-10).
 */
export const GO_INT_TAG = {
    tag: "tag:yaml.org,2002:int",
    resolve(source: string, onError: (message: string) => void): number | string {
        const plain = source.replace(/_/g, "");
        const int = /^[-+0-9]/.test(source) ? goInteger(plain) : undefined;
        if (int === undefined || !inGoRange(int)) onError("cannot be read as a !!int (the Pulumi CLI refuses it too); give a whole number, or drop the tag");
        return int !== undefined && inGoRange(int) ? Number(int) : source;
    },
};

