import * as fs from "fs";
import * as YAML from "yaml";
import { isSecureValue, OFFLINE_PLACEHOLDER_PREFIX, securePathsIn } from "../stacks/config/encrypted-values";
import { codePoint, hiddenKeyName, shownKeyName } from "../stacks/config/errors";
import { goYamlLineBreaks } from "../stacks/config/yaml-line-breaks";
import { GO_FLOAT_TAG, GO_INT_TAG, goYamlDivergence, goYamlText } from "./go-yaml-scalars";

const STR_TAG = "tag:yaml.org,2002:str";
/** The core schema's tags, with `!!float` and `!!int` read as yaml.v3 reads them (GO_FLOAT_TAG, GO_INT_TAG). */
const EXPLICIT_TAGS = (tags: YAML.Tags) => [...tags, GO_FLOAT_TAG, GO_INT_TAG];

/** A stack's configuration as the Pulumi CLI would hand it to the program. */
export interface StackFileConfig {
    /** `namespace:key` → value text (JSON for structured values), as in `PULUMI_CONFIG`. */
    config: Record<string, string>;
    /** Top-level keys that hold a secret somewhere inside. */
    secretKeys: string[];
    /** Config paths whose `secure:` value could not be decrypted offline and got a placeholder. */
    placeholders: string[];
    /** Values supplied with `--secret`: they must never show up in anything the plan writes. */
    suppliedSecrets: string[];
    /** Every config path stored `secure:`, supplied or not (`namespace:key.path[0].leaf`). */
    securePaths: string[];
}

export class StackFileError extends Error {}

/** How deep yaml.v3 lets flow collections and indentation nest (scannerc.go `max_flow_level`, `max_indents`). */
const GO_YAML_MAX_DEPTH = 10000;

/** The config key a YAML position falls under: the last `namespace:key` line at or before it. */
function keyAt(text: string, line: number): string | undefined {
    const lines = text.split("\n").slice(0, line);
    for (let i = lines.length - 1; i >= 0; i--) {
        const m = /^ {2}([A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+):/.exec(lines[i]);
        // Named as configKey names it: a key that may be a secret by its length only (sweep s25 W4).
        if (m) return shownConfigPath(m[1]);
    }
    return undefined;
}

/**
 * The config key a YAML value sits at, from its ancestors in the document (`groundwork:platform.postgres.restore.targetTime`,
 * a list item as `[i]`), named as shownConfigPath names it; undefined outside `config:` (sweep s27 W2).
 */
function configKeyOf(ancestors: readonly unknown[], node: unknown): string | undefined {
    const chain = [...ancestors, node];
    const parts: string[] = [];
    chain.forEach((n, i) => {
        if (YAML.isPair(n)) parts.push(String(YAML.isScalar(n.key) ? n.key.value : n.key));
        else if (YAML.isSeq(n) && i + 1 < chain.length) parts.push(`[${n.items.indexOf(chain[i + 1] as never)}]`);
    });
    if (parts[0] !== "config" || parts.length < 2 || !parts[1].includes(":")) return undefined;
    return shownConfigPath(parts.slice(1).reduce((key, part) => (part.startsWith("[") ? `${key}${part}` : key === "" ? part : `${key}.${part}`), ""));
}

/**
 * Parses a stack file, turning YAML errors (bad indentation, an unclosed bracket, a key given
 * twice, an alias to nothing) into a StackFileError that names the file, the line and the config
 * key it sits under. The source is never quoted: the line may hold a secret.
 */
function parseYaml(file: string, text: string): Record<string, any> {
    // A byte-order mark inside the file (two files joined) is invisible and breaks the indentation;
    // a leading one was dropped when the file was decoded (sweep s17 ya15).
    const bom = text.indexOf("\uFEFF");
    if (bom >= 0) {
        const before = text.slice(0, bom);
        const line = before.split("\n").length;
        // The key on the mark's own line counts: read the line without it.
        const key = keyAt(text.replace(/\uFEFF/g, ""), line);
        throw new StackFileError(`${file}:${line}:${bom - before.lastIndexOf("\n")}: ${key ? `near ${key}: ` : ""}holds a byte-order mark (U+FEFF), an invisible character left where two files were joined, which the Pulumi CLI refuses too; delete it`);
    }
    // Indentation of no-break or other Unicode spaces (a web page's copy) is no indentation to YAML:
    // yaml.v3 refuses the line far from the cause, this parser reads it as another key (sweep s18
    // ya20). Named where the line is a key or a list item; a line of prose in a block scalar may
    // start with such a space as content (review s18b N7).
    const pastedIndentation = (): StackFileError | undefined => {
        const indents = text.split(/\r\n|\n|\r/).map((line) => ({ line, indent: /^\s*/.exec(line)![0] }));
        const pasted = indents.findIndex(({ line, indent }) => /[^\S \t]/.test(indent) && /^([^\s#"'][^:#]*:(\s|$)|-\s)/.test(line.slice(indent.length)));
        if (pasted < 0) return undefined;
        const spaces = [...new Set(indents[pasted].indent.match(/[^\S \t]/g))].map(codePoint);
        const key = keyAt(text, pasted + 1);
        return new StackFileError(`${file}:${pasted + 1}:1: ${key ? `near ${key}: ` : ""}is indented with ${spaces.join(", ")} (no-break or other Unicode spaces, which a copy from a web page brings); YAML indents with spaces only: retype the indentation`);
    };
    // The parser recurses once per level and runs out of stack at about 800 (sweep s17 ya14).
    const tooDeep = (pos: { line: number; col: number } | undefined, key: string | undefined) => new StackFileError(`${file}${pos ? `:${pos.line}:${pos.col}` : ""}: ${key ? `near ${key}: ` : ""}nests values hundreds of levels deep, past what this plan's YAML reader follows and far past any configuration key (none nests ten); remove the nesting (the Pulumi CLI itself stops at ${GO_YAML_MAX_DEPTH}: "exceeded max depth of ${GO_YAML_MAX_DEPTH}", go-yaml/yaml@v3.0.1 scannerc.go L955-973, L989-1007)`);
    // Merge keys (`<<: *base`) as the Pulumi CLI's gopkg.in/yaml.v3 applies them.
    const lineCounter = new YAML.LineCounter();
    let docs: ReturnType<typeof YAML.parseAllDocuments>;
    try {
        docs = YAML.parseAllDocuments(text, { uniqueKeys: true, merge: true, lineCounter, customTags: EXPLICIT_TAGS });
    } catch (err) {
        if (err instanceof RangeError) throw tooDeep(undefined, undefined);
        throw err;
    }
    const doc = Array.isArray(docs) && docs.length > 0 ? docs[0] : YAML.parseDocument(text, { uniqueKeys: true, merge: true, lineCounter, customTags: EXPLICIT_TAGS });
    const fail = (err: { message: string; code?: string; linePos?: { line: number; col: number }[] }) => {
        const pos = err.linePos?.[0];
        const key = pos ? keyAt(text, pos.line) : undefined;
        if (/Maximum call stack size exceeded/.test(err.message)) return tooDeep(pos, key);
        // The message's own words only: what yaml quotes after a colon (an alias's name, a block
        // header, a tag) is the value as written, which may be a secret.
        // yaml's own words for a key past 1,024 characters hold ": " themselves (sweep s25 W4).
        const what = err.code === "KEY_OVER_1024_CHARS"
            ? "has a key longer than the 1,024 characters YAML allows a key written on one line"
            : err.message.split(" at line")[0].split(":\n")[0].split(": ")[0];
        return new StackFileError(`${file}${pos ? `:${pos.line}:${pos.col}` : ""}: ${key ? `near ${key}: ` : ""}${what}; fix the YAML (a value with ':' or '#' needs quotes)`);
    };
    // The CLI's yaml.v3 Unmarshal "decodes the first document" and ignores the rest without a word
    // (go-yaml/yaml@v3.0.1 yaml.go L54).
    // An empty document after a closing `---` holds nothing to ignore.
    const empty = (d: YAML.Document) => d.contents === null || (YAML.isScalar(d.contents) && d.contents.value === null);
    const ignored = Array.isArray(docs) ? docs.slice(1).find((d) => !empty(d) || d.errors.length > 0) : undefined;
    if (ignored) {
        const pos = ignored.range ? lineCounter.linePos(ignored.range[0]) : undefined;
        throw new StackFileError(`${file}${pos ? `:${pos.line}:${pos.col}` : ""}: holds a second YAML document (after ---), which the Pulumi CLI would ignore; keep one document, with every key under its config:`);
    }
    const pasted = pastedIndentation();
    if (pasted) throw pasted;
    if (doc.errors.length > 0) throw fail(doc.errors[0]);
    // An unquoted value starting with `!` is read as a tag and dropped (yaml warns, "Unresolved tag").
    if (doc.warnings.length > 0) throw fail(doc.warnings[0]);
    YAML.visit(doc, {
        // A key written as an alias (`*name: …`) escapes both readers' duplicate-key check, which
        // compares the alias's name, not the key it stands for (go-yaml/yaml@v3.0.1 decode.go
        // `mapping`, uniqueKeys; sweep s17 ya13): one key given twice, the later silently winning.
        Pair(_, pair) {
            if (!YAML.isAlias(pair.key) || !pair.key.range) return;
            const pos = lineCounter.linePos(pair.key.range[0]);
            const near = keyAt(text, pos.line);
            throw new StackFileError(`${file}:${pos.line}:${pos.col}: ${near ? `near ${near}: ` : ""}a key is written as an alias (*name), which hides a key given twice from the duplicate-key check; write the key itself`);
        },
        Scalar(key, node, ancestors) {
            // Named by the whole key where the value sits under config:, else by the nearest top key.
            const where = (line: number) => { const at = key === "key" ? undefined : configKeyOf(ancestors, node); const near = keyAt(text, line); return at ? `${at}: ` : near ? `near ${near}: ` : ""; };
            // yaml decodes `!!binary` into bytes, which error messages would print as character
            // codes; the Pulumi CLI's yaml.v3 decodes it into text (sweep s23 L3).
            if (node.tag === "tag:yaml.org,2002:binary" && node.range) {
                const pos = lineCounter.linePos(node.range[0]);
                throw new StackFileError(`${file}:${pos.line}:${pos.col}: ${where(pos.line)}is tagged !!binary, which the Pulumi CLI reads as the decoded text and this plan as bytes; write the text itself (pulumi config set --secret for a secret)`);
            }
            // `!!str` keeps the text in both readers (sweep s33 F1); an untagged or number-tagged scalar is compared.
            const plain = key !== "key" && node.type === "PLAIN" && typeof node.source === "string" && node.tag !== STR_TAG ? node.source : undefined;
            // yaml.v3 keeps a number out of float64's range as text: so does this plan.
            const keptAsText = plain === undefined ? undefined : goYamlText(plain, node.value);
            if (keptAsText !== undefined) {
                node.value = keptAsText;
                return;
            }
            const problem = plain === undefined ? undefined : goYamlDivergence(plain, node.value);
            if (!problem || !node.range) return;
            const pos = lineCounter.linePos(node.range[0]);
            throw new StackFileError(`${file}:${pos.line}:${pos.col}: ${where(pos.line)}holds ${problem}`);
        },
    });
    try {
        const value = doc.toJS({ maxAliasCount: 100 }) ?? {};
        if (typeof value !== "object" || Array.isArray(value)) throw new StackFileError(`${file}: must be a YAML map with a config: entry`);
        return value;
    } catch (err) {
        if (err instanceof StackFileError) throw err;
        throw fail({ message: (err as Error).message });
    }
}

/**
 * The stand-in for an encrypted value nobody supplied. Visibly fake; satisfies "non-empty", and
 * a key named as a URL (`url`, `webhookUrl`) gets one in the reserved `.invalid` domain (RFC 2606).
 */
export function placeholderFor(path: string): string {
    // OCI's API signing key is PEM (stacks/config/oci.ts ociSigningKeyProblem); SSH keys are OpenSSH's.
    if (/:oci\.auth\.privateKey$/.test(path)) return ["-----BEGIN PRIVATE KEY-----", Buffer.from(`${OFFLINE_PLACEHOLDER_PREFIX}${path}`).toString("base64"), "-----END PRIVATE KEY-----", ""].join("\n");
    if (/privateKey$/.test(path)) return placeholderPrivateKey(path);
    return /url$/i.test(path) ? `https://offline-placeholder.invalid/${encodeURIComponent(path)}` : `${OFFLINE_PLACEHOLDER_PREFIX}${path}`;
}

/**
 * A private key's stand-in: shaped as an unencrypted OpenSSH key (the magic, cipher and KDF
 * "none", as golang.org/x/crypto/ssh reads them) so the config's shape check passes, with the
 * placeholder text where the key would be. No SSH client could use it.
 */
function placeholderPrivateKey(path: string): string {
    const str = (s: string) => {
        const length = Buffer.alloc(4);
        length.writeUInt32BE(s.length);
        return Buffer.concat([length, Buffer.from(s, "latin1")]);
    };
    const body = Buffer.concat([Buffer.from("openssh-key-v1\0", "latin1"), str("none"), str("none"), str(""), Buffer.from(`${OFFLINE_PLACEHOLDER_PREFIX}${path}`, "latin1")]);
    const lines = body.toString("base64").match(/.{1,70}/g)!;
    return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}

/**
 * The file's text, refused where it is not UTF-8: the CLI's yaml.v3 reader stops at the first byte
 * that is not ("invalid leading UTF-8 octet", go-yaml/yaml@v3.0.1 readerc.go L205-250), so a file
 * saved as Latin-1 reads here but not for `pulumi up`. Names the position and the byte, never the text.
 */
export function utf8Text(file: string, bytes: Buffer): string {
    // UTF-16 with its byte-order mark, which yaml.v3 reads too (readerc.go yaml_parser_determine_encoding).
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        // The first byte at which the bytes stop being UTF-8, fed one at a time to a streaming
        // decoder: the start of a sequence left unfinished, or the byte refused itself.
        const stream = new TextDecoder("utf-8", { fatal: true });
        let bad = bytes.length;
        let pending = -1;
        try {
            for (let i = 0; i < bytes.length; i++) {
                bad = pending >= 0 ? pending : i;
                const decoded = stream.decode(bytes.subarray(i, i + 1), { stream: true });
                pending = decoded.length > 0 ? -1 : pending >= 0 ? pending : i;
            }
            bad = pending;
            stream.decode();
        } catch { /* bad is where it stopped */ }
        const before = bytes.subarray(0, bad).toString("utf8");
        const line = before.split("\n").length;
        const col = before.length - before.lastIndexOf("\n");
        throw new StackFileError(`${file}:${line}:${col}: is not valid UTF-8 (byte 0x${bytes[bad].toString(16).toUpperCase().padStart(2, "0")}), which the Pulumi CLI refuses to read; save the file as UTF-8`);
    }
}

/**
 * Reads `Pulumi.<stack>.yaml`. Values the CLI stores encrypted (`secure: v1:...`) cannot be
 * decrypted without the stack's secrets provider: each becomes a placeholder, unless `secrets`
 * (from `--secret key.path=value`) supplies it. Every such key is treated as secret.
 */
export function readStackFile(file: string, project: string, secrets: Record<string, string> = {}): StackFileConfig {
    if (!fs.existsSync(file)) {
        throw new StackFileError(`no stack file ${file}; stacks are Pulumi.<stack>.yaml files beside Pulumi.yaml`);
    }
    // A folder, or a device, is no stack file: reading it would end in an errno and a stack trace (sweep s27 C1).
    if (!fs.statSync(file).isFile()) {
        throw new StackFileError(`${file} is not a file (a folder or a device); give the stack's YAML file, such as Pulumi.dev.yaml`);
    }
    const doc = parseYaml(file, goYamlLineBreaks(utf8Text(file, fs.readFileSync(file))));
    const entries: Record<string, unknown> = doc.config ?? {};
    if (entries === null || typeof entries !== "object" || Array.isArray(entries)) {
        throw new StackFileError(`${file}: config must be a map of namespace:key entries (e.g. groundwork:cluster:), not ${Array.isArray(entries) ? "a list" : typeof entries}`);
    }
    const result: StackFileConfig = { config: {}, secretKeys: [], placeholders: [], suppliedSecrets: [], securePaths: securePathsIn(entries, project) };
    const used = new Set<string>();

    const resolve = (value: unknown, path: string, onSecret: () => void): unknown => {
        if (Array.isArray(value)) {
            return value.map((v, i) => resolve(v, `${path}[${i}]`, onSecret));
        }
        if (value === null || typeof value !== "object") {
            return value;
        }
        const obj = value as Record<string, unknown>;
        if (isSecureValue(obj)) {
            onSecret();
            if (path in secrets) {
                used.add(path);
                result.suppliedSecrets.push(secrets[path]);
                return secrets[path];
            }
            result.placeholders.push(path);
            return placeholderFor(path);
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolve(v, `${path}.${k}`, onSecret)]));
    };

    const written = new Map<string, string>();
    for (const [rawKey, value] of Object.entries(entries)) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        // The CLI gives a key without a namespace the project's: `cost:` is `groundwork:cost`, and
        // one of the two would silently replace the other.
        if (written.has(key)) {
            throw new StackFileError(`${file}: config keys ${written.get(key)} and ${rawKey} are both ${key} (a key without a namespace takes the project's); keep one`);
        }
        written.set(key, rawKey);
        let secret = false;
        const resolved = resolve(value, key, () => (secret = true));
        result.config[key] = typeof resolved === "string" ? resolved : JSON.stringify(resolved);
        if (secret) {
            result.secretKeys.push(key);
        }
    }
    const unused = Object.keys(secrets).filter((k) => !used.has(k));
    if (unused.length > 0) {
        // A key in none of the file's namespaces may be a value given without its key whose own text
        // has a colon and an = (`user:password=...`): it is counted, never shown (review s20b N5).
        const namespaces = new Set([project, ...Object.keys(result.config).map((k) => k.split(":")[0])]);
        const shown = unused.filter((k) => namespaces.has(k.split(":")[0])).map(shownConfigPath);
        const hidden = unused.length - shown.length;
        throw new StackFileError(
            `--secret ${[...shown, ...(hidden > 0 ? [`${hidden} argument(s) whose key is in no namespace of the file (not shown)`] : [])].join(", ")}: no such secure value in ${file}; ` +
            `secure values there: ${[...used, ...result.placeholders].map(shownConfigPath).join(", ") || "none"}`,
        );
    }
    return result;
}

/**
 * A config path (`groundwork:edge.machines[7].privateKey`) as configKey shows it: a key's name that
 * may be a secret (a secret set with --path 'key=value', which writes it into the name) by its length
 * only (sweep s21r-23), and from the first such part on nothing (a token's own dots split it). An
 * index (`[7]`) is no part of a name (sweep s24 W1).
 */
export function shownConfigPath(path: string): string {
    const parts = path.slice(path.indexOf(":") + 1).split(".");
    const named = (part: string) => part.replace(/(\[\d+\])+$/, "");
    const first = parts.findIndex((p) => shownKeyName(named(p)) !== named(p));
    const rest = parts.slice(first).join(".");
    return `${path.split(":")[0]}:${first < 0 ? parts.join(".") : [...parts.slice(0, first), hiddenKeyName(rest)].join(".")}`;
}
