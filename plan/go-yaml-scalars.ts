/**
 * Unquoted scalars the Pulumi CLI reads differently from this plan. The CLI (v3.248.0) reads stack
 * files with gopkg.in/yaml.v3 v3.0.1 (pulumi/pulumi@v3.248.0 sdk/go/common/encoding/marshal.go L27,
 * L111-124; sdk/go.mod), whose resolver (go-yaml/yaml@v3.0.1 resolve.go `resolve`) strips `_` and
 * parses integers with Go's base prefixes, and turns date-like text into a time.Time that Pulumi then
 * writes as Go's `2006-01-02 15:04:05 +0000 UTC` (config/object.go `unmarshalObject`). The plan reads
 * YAML 1.2's core schema. Where the two differ, the plan would show one value and `pulumi up` use
 * another, so such a value is refused until it is written one way both read alike.
 */

/** Whether Go's ParseInt/ParseUint with base 0, or yaml.v3's float pattern, reads the text as a number. */
function goReadsAsNumber(text: string): boolean {
    return /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.test(text)
        || /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text);
}

/** Why a plain (unquoted) scalar's text reads differently under the Pulumi CLI, or undefined. Never quotes the text. */
export function goYamlDivergence(source: string): string | undefined {
    // yaml.v3's resolve table: these exact spellings are floats there, and JSON cannot carry them.
    if (/^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/.test(source)) {
        return "an unquoted .inf or .nan, which no configuration value can carry (Pulumi stores config as JSON); give a number, or quote it if it is text";
    }
    // Only text starting with a digit or a sign goes on to the number and date parsers there.
    if (!/^[-+0-9]/.test(source)) return undefined;
    if (/^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?$/.test(source)) {
        return "an unquoted date or time, which the Pulumi CLI rewrites as Go's time format (2006-01-02 15:04:05 +0000 UTC); quote it";
    }
    if (source.includes("_") && goReadsAsNumber(source.replace(/_/g, ""))) {
        return "an unquoted number with '_' in it, which the Pulumi CLI reads as a number and this plan as text; drop the underscores, or quote it if it is text";
    }
    if (/^[-+]?0[bB][01]+$/.test(source)) {
        return "an unquoted 0b binary number, which the Pulumi CLI reads as a number and this plan as text; write it in decimal, or quote it if it is text";
    }
    const octal = /^[-+]?0([0-7]+)$/.exec(source);
    if (octal && parseInt(octal[1], 8) !== parseInt(octal[1], 10)) {
        return "an unquoted number with a leading zero, which the Pulumi CLI reads as octal and this plan as decimal; drop the leading zero, or quote it if it is text";
    }
    return undefined;
}
