/**
 * Line breaks as the Pulumi CLI's YAML reader counts them. go-yaml/yaml@v3.0.1 takes CR, LF, CR LF,
 * NEL (U+0085), LS (U+2028) and PS (U+2029) each as a line break (yamlprivateh.go `is_break`
 * L124-130; scannerc.go `read_line` L568-598), where the YAML 1.2 reader here takes only CR LF and
 * LF: a file saved with classic Mac line ends, or a line separator pasted from a web page after a
 * value, reads differently. Each is made a LF before parsing, so keys, values and line numbers are
 * the CLI's. (Inside a multi-line scalar yaml.v3 keeps LS and PS themselves; no config value here
 * spans lines with them.)
 */
export function goYamlLineBreaks(text: string): string {
    return text.replace(new RegExp(`\r\n|${GO_ONLY_LINE_BREAK.source}`, "g"), "\n");
}

/** The line breaks go-yaml takes and the YAML reader here does not: a lone CR, NEL, LS and PS. */
export const GO_ONLY_LINE_BREAK = /\r(?!\n)|[\u0085\u2028\u2029]/;
