import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isIpv4, parseIpv4Cidr, specialRangeHolding, withoutLeadingZeros } from "./cidr";
import { codePoint, editDistance, hasCredentialShape, hasSecretShapedRun, hasShortRandomRun } from "./errors";
import { EDGE_TAINT, GPU_COUNT_LABEL, GPU_MODEL_LABEL, GPU_PRESENT_LABEL, GPU_TAINT, PLACEMENT_LABEL, SITE_LABEL } from "../../components/placement";

/** Value types shared by every part of the stack config schema. */

/** Why a dotted quad or CIDR written with leading zeros is refused, naming its decimal reading. */
export const leadingZeroMessage = (decimal: string) =>
    `has a leading zero in a number, which some parsers read as octal (010 is 8) and others refuse (Go's, which k3s uses); write it in plain decimal: ${decimal}`;

export const cidr = z.string().superRefine((v, ctx) => {
    if (parseIpv4Cidr(v) !== undefined) return;
    const decimal = withoutLeadingZeros(v);
    ctx.addIssue({ code: "custom", message: decimal !== undefined ? leadingZeroMessage(decimal) : "must be an IPv4 network in CIDR notation with no host bits set, e.g. 10.0.0.0/16" });
});

/** An IPv4 range the cloud accepts only between two prefix lengths (a VPC, a VCN, their subnets). */
export const cidrSized = (largest: number, smallest: number, source: string) => cidr.refine((v) => {
    const prefix = parseIpv4Cidr(v)?.prefix;
    return prefix === undefined || (prefix >= largest && prefix <= smallest);
}, { message: `must be a /${largest} to /${smallest} (${source})` });

/**
 * A range allowed to reach an operator port (SSH, the API): never the whole internet, nor a share
 * of it no organisation holds. Two /1s are the whole internet, so anything wider than a /8 (the
 * largest block ever assigned to one holder) is refused.
 */
const prefixOf = (v: unknown) => parseIpv4Cidr(String(v))?.prefix;
export const operatorCidr = cidr.refine((v) => prefixOf(v) === 0 || specialRangeHolding(v) === undefined, {
    // No operator connects from there: loopback is each machine itself, link-local the cloud's own
    // services (the metadata address), multicast no one (sweep s22b13, s22b15).
    error: (issue) => `is in ${specialRangeHolding(String(issue.input))}, from which no operator connects; list the ranges operators reach the stack from (e.g. 203.0.113.0/24)`,
}).refine((v) => prefixOf(v) !== 0, {
    message: "opens the port to the whole internet; list the operators' own ranges (e.g. 203.0.113.0/24)",
}).refine((v) => { const p = prefixOf(v); return p === undefined || p === 0 || p > 7; }, {
    error: (issue) => {
        const blocks = 2 ** (8 - prefixOf(issue.input)!);
        return `opens the port to ${blocks} of the internet's 256 /8 blocks, wider than any one organisation holds; list the operators' own ranges (e.g. 203.0.113.0/24)`;
    },
});

/** Meshed service accounts, `namespace/name`, that a Linkerd policy admits. */
/**
 * People's notebook servers ran as their namespace's `default` account until they got their own
 * (components/apps/notebooks.ts NOTEBOOK_USER_ACCOUNT); `default` is now JupyterHub's proxy.
 */
export const NOTEBOOK_SERVERS = { before: "groundwork-notebooks/default", now: "groundwork-notebooks/notebook-user" } as const;

/**
 * The namespaces the stack makes whose names start `groundwork-` (test/config-impossible.test.ts
 * holds this list to the four plans' manifests). A client in a near miss of one of them is a typo
 * no pod has, so the store would admit nobody (sweep s21-26); other names are the operator's own.
 */
export const GROUNDWORK_NAMESPACES = ["groundwork-chat", "groundwork-data", "groundwork-inference", "groundwork-ingress", "groundwork-node-metrics", "groundwork-notebooks", "groundwork-observability", "groundwork-system"] as const;

const misspeltNamespace = (client: string): string | undefined => {
    const namespace = client.split("/")[0] ?? "";
    // A numbered sibling (groundwork-data2, groundwork-system-2) is the operator's own, not a typo (review s21c R2).
    if ((GROUNDWORK_NAMESPACES as readonly string[]).includes(namespace) || GROUNDWORK_NAMESPACES.some((known) => new RegExp(`^${known}-?\\d+$`).test(namespace))) return undefined;
    // One edit: two make other words of the operator's own (groundwork-beta is not groundwork-data; sweep s21r-06).
    return GROUNDWORK_NAMESPACES.find((known) => editDistance(known, namespace) <= 1);
};

export const meshClients = z.array(z.string()
    .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, { message: "must be namespace/serviceaccount" })
    // A namespace is a DNS label (63 characters), a service account a DNS subdomain (253).
    .refine((client) => (client.split("/")[0] ?? "").length <= 63, { message: "names a namespace longer than 63 characters, which Kubernetes refuses (a DNS label)" })
    // Linkerd's identity controller takes each part of system:serviceaccount:NS:SA only as a DNS label
    // (linkerd/linkerd2@edge-26.8.3 controller/identity/validator.go L84-88): a longer name never gets an identity (review s26 R4).
    .refine((client) => (client.split("/")[1] ?? "").length <= 63, { error: (issue) => `names a ServiceAccount of ${(String(issue.input).split("/")[1] ?? "").length} characters; Linkerd gives an identity only to one of at most 63 (a DNS label)` })
    .refine((client) => client !== NOTEBOOK_SERVERS.before, { message: `is JupyterHub's proxy, not people's notebook servers: name ${NOTEBOOK_SERVERS.now}` })
    // An identity that stands for more than one application (sweep s27 g10): every pod of the namespace
    // without an account of its own runs as `default`, and kube-system's are k3s's own.
    .refine((client) => client === NOTEBOOK_SERVERS.before || !client.endsWith("/default"), { message: `is the namespace's default ServiceAccount, which every pod there without an account of its own runs as, so the store would admit all of them; give the application its own ServiceAccount and name that` })
    .refine((client) => !client.startsWith("kube-system/"), { message: "is in kube-system, whose pods are k3s's own (CoreDNS, metrics-server, ServiceLB, local-path's helpers), never an application; name the application's own namespace and ServiceAccount" })
    .refine((client) => misspeltNamespace(client) === undefined, { error: (issue) => `names namespace ${String(issue.input).split("/")[0]}, which the stack does not make, so no pod has this identity and the store admits no one; did you mean ${misspeltNamespace(String(issue.input))}/${String(issue.input).split("/")[1]}?` }))
    .superRefine((items, ctx) => noRepeats("list each service account once")(items, ctx)).default([]);

export const ipv4 = z.string().refine(isIpv4, { message: "must be an IPv4 address, e.g. 203.0.113.10" });

/** The message for text of digits and dots that is no IPv4 address. */
export const NOT_AN_IPV4_ADDRESS = "looks like an IPv4 address but is not one (four numbers 0-255, e.g. 192.168.10.10)";

/**
 * Stand-ins for '-' and ' ' that word processors and chat clients type: a dash U+2010-2015 or
 * U+2212 within a word (between spaces, `AI Users — Data Science`, it is punctuation a directory's
 * name may hold: sweep s33 F2), and every space but the keyboard's (U+00A0, U+1680, U+2000-200A,
 * U+202F, U+205F, U+3000) and a tab (sweep s33 M3).
 */
// Script_Extensions takes in ー and the CJK punctuation and brackets; fullwidth forms and Bopomofo too (read-through s29 RT29-8).
const CJK = String.raw`\p{Script_Extensions=Han}\p{Script_Extensions=Hiragana}\p{Script_Extensions=Katakana}\p{Script_Extensions=Hangul}\p{Script_Extensions=Bopomofo}\u3001-\u303f\uff00-\uffef`;
// U+3000 is the space a Chinese, Japanese or Korean keyboard types beside those characters (false-refusal review s29 FR-4).
const LOOKALIKE_PUNCTUATION = new RegExp(String.raw`(?<! )[\u2010-\u2015\u2212]|[\u2010-\u2015\u2212](?! )|[\t\u00a0\u1680\u2000-\u200a\u202f\u205f]|(?<![${CJK}])\u3000(?![${CJK}])`, "u");
/** Typographic quotes a document puts around a name (U+2018-201F, « »; sweep s18 un03). */
const PASTED_QUOTES = /[\u2018-\u201f\u00ab\u00bb]/;
/**
 * Fullwidth ASCII forms (U+FF01-FF5E) in a name otherwise written in ASCII, as a CJK input method
 * types them into a Latin name; a Japanese or Chinese name may hold them (営業部（東京）: review s18b D3).
 */
const fullwidthInLatinName = (v: string) => /[\uff01-\uff5e]/.test(v) && /[A-Za-z]/.test(v) && !/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(v);
/** A word that mixes Latin letters with Cyrillic or Greek ones, the confusables of UTS #39 (`ai-usеrs` with a Cyrillic е; sweep s18 un02). */
const MIXED_SCRIPT_WORD = /(?=[\p{L}\p{M}]*\p{Script=Latin})(?=[\p{L}\p{M}]*[\p{Script=Cyrillic}\p{Script=Greek}])[\p{L}\p{M}]+/u;

/**
 * The message for a secret's shape in a field written in plain text: what the field takes, where the
 * value would go, and what to do; the value itself is never shown (sweep s22 L2).
 */
export const SECRET_IN_PLAIN_FIELD = (what: string, where: string, shape = "a run of 40 or more key characters mixing upper case, lower case and digits"): string =>
    `has the shape of a client secret or API key (${shape}), not of ${what}, and ${where}; give ${what} here, keep any secret in its own encrypted key (pulumi config set --secret --path), and rotate this one, since the stack file is committed`;

/** The shape SECRET_IN_PLAIN_FIELD names for a value that holds a known API key, token or private key. */
export const KNOWN_KEY_SHAPE = "it holds what a known API key, token or private key looks like, such as glpat-, NRAK- or AGE-SECRET-KEY-, or a Telegram or Discord bot's token";

/** The shape SECRET_IN_PLAIN_FIELD names for a name holding a shorter random run (hasShortRandomRun). */
export const SHORT_RANDOM_SHAPE = "a run of 24 or more letters and digits mixing upper case, lower case and digits with few word-like pieces, as keys without a prefix are (Mistral's, Brave Search's)";

/** Which shape a name refused for a secret's shape has, for SECRET_IN_PLAIN_FIELD. */
export const nameSecretShape = (value: string): string | undefined =>
    hasCredentialShape(value) ? KNOWN_KEY_SHAPE : !hasSecretShapedRun(value) && hasShortRandomRun(value) ? SHORT_RANDOM_SHAPE : undefined;

/** The shape SECRET_IN_PLAIN_FIELD names for a value that starts like a known API key or token. */
export const TOKEN_PREFIX_SHAPE = "it starts as a known API key or token does, such as glpat- or sk-";

/** Where the stack writes e-mail addresses, all in plain text. */
const EMAIL_WRITTEN_TO = "e-mail addresses are written in plain text into cert-manager's, Langfuse's, Alertmanager's and the applications' settings";

/** An address's local part holds no secret's shape: a key pasted for a user name or address (sweep s23 L1). */
export const notSecretShapedAddress = (address: string) => {
    const local = address.split("@")[0] ?? "";
    // A known key's shape is judged in an address only (text without '@' is told it is none, and is never shown).
    return !hasSecretShapedRun(local) && !hasShortRandomRun(local) && !(address.includes("@") && hasCredentialShape(local));
};
/** The message for an address whose local part has a secret's shape, naming the shape. */
export const secretInAddress = (address: unknown) => SECRET_IN_PLAIN_FIELD("an e-mail address", EMAIL_WRITTEN_TO, nameSecretShape(String(address).split("@")[0] ?? ""));

/** An e-mail address, with no secret's shape in it. */
export const emailAddress = z.email({ message: "must be an e-mail address" }).refine(notSecretShapedAddress, { error: (issue) => secretInAddress(issue.input) });

/**
 * An identity provider's group name, as its token's groups claim carries it: not blank, not padded,
 * and without invisible format characters (a zero-width space pasted with the name matches no group).
 */
export const groupName = z.string().regex(/^\S(.*\S)?$/, {
    // `.` stops at a line break: say so rather than "padded" (sweep s33 W2).
    error: (issue) => /^\S[\s\S]*\S$/.test(String(issue.input)) && /[\r\n]/.test(String(issue.input)) ? "holds a line break (a YAML | block or a paste brings one), which no group name has; give the name on one line" : "must be a group name, not blank or padded with spaces",
})
    // A generated run, or a known token or key anywhere in it (`glpat-….admins`, `NRAK-…`: sweep s30 L3, L5).
    // A 32-character rule refused names people write (GRP2024Q3DataScienceTeamEU1Admins): 40, as elsewhere (false-refusal review s27).
    .refine((v) => !hasSecretShapedRun(v) && !hasShortRandomRun(v) && !hasCredentialShape(v), {
        error: (issue) => SECRET_IN_PLAIN_FIELD("a group name", "group names are written in plain text into the applications' and Vault's settings", nameSecretShape(String(issue.input))),
    })
    .refine((v) => !/\p{Cf}/u.test(v), { message: "holds an invisible character (such as a zero-width space), which no group the identity provider sends has; type the name again" })
    // Look-alike punctuation from a paste:
    // the token carries the name as the provider stores it, typed with the keyboard's characters.
    .refine((v) => !LOOKALIKE_PUNCTUATION.test(v), {
        error: (issue) => `holds ${[...new Set(String(issue.input).match(new RegExp(LOOKALIKE_PUNCTUATION, "gu")))].map((c) => `${codePoint(c)} (${c === "\t" ? "a tab" : /\s/.test(c) ? "a look-alike of a space" : "a look-alike of '-'"})`).join(", ")}, which a pasted name brings and no group the identity provider sends matches; type the name again with the keyboard's '-' and space`,
    })
    .refine((v) => !PASTED_QUOTES.test(v), {
        error: (issue) => `holds ${[...new Set(String(issue.input).match(new RegExp(PASTED_QUOTES, "g")))].map(codePoint).join(", ")}, typographic quotes a document adds around a name, which no group the identity provider sends has; type the name without them`,
    })
    .refine((v) => !fullwidthInLatinName(v), {
        error: (issue) => `holds ${[...new Set(String(issue.input).match(/[\uff01-\uff5e]/g))].map(codePoint).join(", ")}, fullwidth forms an input method types into a Latin name (a fullwidth '-' is U+FF0D), which no group the identity provider sends has; type the name again with the keyboard's characters (sweep s18 un01)`,
    })
    .refine((v) => !MIXED_SCRIPT_WORD.test(v), {
        error: (issue) => {
            const word = MIXED_SCRIPT_WORD.exec(String(issue.input))?.[0] ?? "";
            const lookalikes = [...word].filter((c) => /[\p{Script=Cyrillic}\p{Script=Greek}]/u.test(c)).map(codePoint).join(", ");
            return `mixes Latin letters with Cyrillic or Greek look-alikes in "${word}" (${lookalikes}), which no group the identity provider sends matches; type the name again`;
        },
    });

/**
 * A group the chat UI admits too (access.sso.usersGroup, operatorsGroup): Open WebUI reads its
 * allowed roles as a comma-separated list, JupyterHub, Grafana and Vault one name (sweep s18
 * ac45). A team's owners group reaches Vault alone, where a comma is a character (review s18b N4).
 */
export const appGroupName = groupName
    .refine((v) => !v.includes(","), { message: "holds ',', which the chat UI (Open WebUI's allowed roles) reads as a list of groups while notebooks, Grafana and Vault read one name; give one group, and make the others its members at the identity provider" });

/**
 * A short DNS label (RFC 1123): names become node names, Kubernetes object names and parts of
 * others, none of which may start with a digit here or end with '-' (Kubernetes refuses
 * `edge-server-`, so a node of that name never registers).
 */
export const SHORT_NAME = /^[a-z]([a-z0-9-]{0,29}[a-z0-9])?$/;
/** A Kubernetes node name that is also a hostname label. */
export const nodeName = z.string().regex(SHORT_NAME, {
    message: "must be a DNS label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit, at most 31 characters",
});

/** A label key: an optional DNS-subdomain prefix (labels of at most 63, 253 in all) and a name of at most 63 (Kubernetes IsQualifiedName). */
/**
 * Why a label key is too long, when that is why: its name part over 63 characters, its prefix over
 * 253, or a label of the prefix over 63 (kubernetes.io/docs/concepts/overview/working-with-objects/labels,
 * "Syntax and character set"; sweep s30 W1). Empty when its length is not the trouble.
 */
function labelKeyLength(key: string, whose = "its", before = ": "): string {
    const slash = key.lastIndexOf("/");
    const [prefix, name] = slash < 0 ? ["", key] : [key.slice(0, slash), key.slice(slash + 1)];
    if (name.length > 63) return `${before}${whose} name part is ${name.length} characters, and Kubernetes takes at most 63`;
    if (prefix.length > 253) return `${before}${whose} prefix is ${prefix.length} characters, and Kubernetes takes at most 253`;
    const long = prefix.split(".").find((label) => label.length > 63);
    return long ? `${before}a label of ${whose} prefix is ${long.length} characters, and each may be at most 63` : "";
}
const labelKey = /^((?=[a-z0-9.-]{1,253}\/)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/**
 * Node labels a node's config may not set. Kubernetes keeps `kubernetes.io` and `k8s.io` (and
 * their subdomains) for itself: the kubelet refuses most such labels at start, and the few it takes
 * (`kubernetes.io/hostname`, `kubernetes.io/arch`, `topology.kubernetes.io/zone` ...,
 * kubernetes/kubernetes pkg/kubelet/apis/well_known_labels.go) would let one node pose as another
 * to every affinity that names them, Vault's included. The stack sets its own placement labels
 * (components/placement.ts, components/aws/gpu-node-group.ts), and a node's config must not
 * overwrite them.
 */
const RESERVED_LABEL_NAMESPACE = /^([a-z0-9-]+\.)*(kubernetes\.io|k8s\.io)\//;
/** Whether a taint keeps off pods that do not tolerate it (PreferNoSchedule only discourages them). */
export const keepsPodsOff = (taint: string) => /:(NoSchedule|NoExecute)$/.test(taint);

/** Taint keys the stack sets itself. */
const STACK_TAINT_KEYS = [GPU_TAINT.key, EDGE_TAINT.key];
const STACK_NODE_LABELS = [SITE_LABEL, PLACEMENT_LABEL, GPU_MODEL_LABEL, GPU_COUNT_LABEL, EDGE_TAINT.key, GPU_PRESENT_LABEL];

/** Node labels and taints are read by anyone who may list nodes: no secret's shape in them (sweep s23 M7); the shape named as it is. */
const SECRET_ON_A_NODE = { error: (issue: { input?: unknown }) => SECRET_IN_PLAIN_FIELD("a label or taint", "nodes' labels and taints are readable by anyone who may list nodes, and go into each node's user data", nameSecretShape(String(issue.input))) };
/**
 * Words joined by '-', '_' or '.', three or more and none over 12 characters
 * (GpuPool1-A10G-24GB-Spot-UsEast1a): a name people wrote, not a generated secret (review s23b F5).
 */
const joinedWords = (v: string) => { const parts = v.split(/[-_./=:]/).filter((p) => p !== ""); return parts.length >= 3 && parts.every((p) => p.length <= 12); };
// A known token or key (`NRAK-…`, `glpat-….v1`) is one whatever its words (sweep s30 M4).
const notSecretOnANode = (v: string) => !hasCredentialShape(v) && (joinedWords(v) || (!hasSecretShapedRun(v) && !hasShortRandomRun(v)));

export const labels = z.record(
    z.string().regex(labelKey, { error: (issue) => `must be a Kubernetes label key (prefix/name)${labelKeyLength(String(issue.input))}` })
        .refine((key) => !RESERVED_LABEL_NAMESPACE.test(key), { message: "is in a namespace Kubernetes keeps for itself (kubernetes.io, k8s.io); the kubelet refuses most such labels, and the rest would let a node pose as another; use a prefix of your own, such as example.com/role" })
        .refine((key) => !STACK_NODE_LABELS.includes(key), { message: `is a label the stack sets itself for placement (${STACK_NODE_LABELS.join(", ")}); use a key of your own` })
        .refine(notSecretOnANode, SECRET_ON_A_NODE),
    z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, { message: "must be a Kubernetes label value (at most 63 characters)" })
        .refine(notSecretOnANode, SECRET_ON_A_NODE),
);

/**
 * A taint, `key[=value]:Effect`: the key a label key, the value a label value (Kubernetes validates
 * both so: kubernetes/kubernetes pkg/apis/core/validation/validation.go validateTaints).
 */
export const taint = z.string().regex(new RegExp(`^${labelKey.source.slice(1, -1)}(=([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?)?:(NoSchedule|PreferNoSchedule|NoExecute)$`), {
    // Its key's length named where that is the trouble (sweep s30 W1, z18).
    error: (issue) => `must be a taint: key[=value]:NoSchedule|PreferNoSchedule|NoExecute, the key a label key and the value at most 63 letters, digits, '-', '_' or '.'${labelKeyLength(String(issue.input).split(/[=:]/)[0], "its key's", "; ")}`,
}).refine(notSecretOnANode, SECRET_ON_A_NODE);

/**
 * A node's own taints: Kubernetes refuses two with one key and effect ("taints must be unique by
 * key and effect pair", validation.go validateNodeTaints), and the stack sets its GPU and edge
 * taints itself, which the platform's tolerations are written for.
 */
export const taints = z.array(taint).superRefine((list, ctx) => {
    const keyAndEffect = (t: string) => `${t.split(/[=:]/)[0]}:${t.slice(t.lastIndexOf(":") + 1)}`;
    list.forEach((t, i) => {
        const first = list.findIndex((x) => keyAndEffect(x) === keyAndEffect(t));
        if (first < i) ctx.addIssue({ code: "custom", path: [i], message: `has the key and effect of item [${first}]; Kubernetes refuses two taints with one key and effect` });
        if (STACK_TAINT_KEYS.includes(t.split(/[=:]/)[0])) ctx.addIssue({ code: "custom", path: [i], message: `uses ${t.split(/[=:]/)[0]}, a taint the stack sets itself on the nodes that need it; use a key of your own` });
        // The node controller's own taints (not-ready, unschedulable, disk-pressure...: kubernetes.io/docs
        // concepts/scheduling-eviction/taint-and-toleration, "taints are built in"): it adds and removes
        // them by the node's state, so one set here says nothing lasting (sweep s22b41).
        if (/^node\.(cloudprovider\.)?kubernetes\.io\//.test(t)) ctx.addIssue({ code: "custom", path: [i], message: `uses ${t.split(/[=:]/)[0]}, a key Kubernetes' node controller sets and clears by the node's state; use a key of your own, such as example.com/dedicated` });
    });
});

/**
 * A secret: parsed as text, handed to components only as a secret Output. Blank text is none;
 * `problem` checks the text's shape (its message must describe the shape, never the text).
 */
export function checkedSecret(problem: (text: string) => string | undefined = () => undefined) {
    return z.string().superRefine((v, ctx) => {
        const found = v.trim().length === 0 ? "is blank; set the secret itself (pulumi config set --secret)" : problem(v);
        if (found) ctx.addIssue({ code: "custom", message: found });
    }).transform((v) => pulumi.secret(v));
}
export const secret = checkedSecret();
/**
 * A key or token, one word: it goes into an HTTP header (`Authorization: Bearer`, `x-api-key`), a
 * signed request or a config line, where a space or a line break (a key pasted with its newline)
 * breaks every call. Described by shape, never shown.
 */
export const tokenProblem = (text: string): string | undefined => {
    if (/\s/.test(text)) return "holds a space or a line break, which no key or token has (it is sent in an HTTP header or a signed request); set the key alone, without the newline a file or a paste adds";
    // Quotes as a .env file or client_secret.json has them around the value (sweep s21-41, s21-42; s20-18).
    if (/^["'`].*["'`]$/s.test(text)) return "is wrapped in quotes, as a .env or JSON file writes the value; give the key without them";
    // A zero-width space or a look-alike letter pasted with the key: HTTP headers carry ASCII only
    // (RFC 9110 5.5, field values; httpx refuses other characters), and no key has them (sweep s21-40, s21-48).
    const other = [...text].find((c) => c < "!" || c > "~");
    if (other !== undefined) return `holds ${codePoint(other)}, a character outside printable ASCII, which no key or token has and an HTTP header cannot carry (a zero-width space or a look-alike letter a paste brings); type or copy the key again`;
    // A whole line of an environment file, OPENAI_API_KEY=sk-... (sweep s20-16).
    if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+=/.test(text)) return "is a NAME=value line of an environment file, not the key alone; give only the value after the =";
    return undefined;
};
export const secretToken = checkedSecret(tokenProblem);

export const role = z.enum(["server", "agent"]);

/**
 * Cross-field checks run even when a field failed its own check (zod skips them by default), so
 * one run reports every problem. They see the input as it is: `Loose` says so, and each check
 * looks only at values that parsed.
 */
export const always = { when: () => true };
export type Loose<T> = { [K in keyof T]?: unknown };

export function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The items of a list that are objects, with their indexes; none if it is not a list. */
export function objectItems(v: unknown): [Record<string, unknown>, number][] {
    return Array.isArray(v) ? v.map((x, i) => [x, i] as [unknown, number]).filter((p): p is [Record<string, unknown>, number] => isObject(p[0])) : [];
}

/** Query parameters whose names say they carry a credential (`?private_token=`, `?client_secret=`, `?sig=`). */
const CREDENTIAL_PARAMETER = /token|secret|key|passw|sig|auth|credential/i;

/**
 * Whether a URL is free of whitespace and control characters. The URL parser removes tabs and line
 * breaks anywhere and spaces at the ends (url.spec.whatwg.org, "basic URL parser", read 2026-11-29),
 * so a URL pasted with the next line joined on passes as a URL of another path, and the stack would
 * write that next line (a key, as often as not) wherever the URL goes (sweep s20-25).
 */
const BLANK = /[\s\u0000-\u001f\u007f]/;

/** Characters that print as nothing (zero-width spaces and joiners, direction marks, a byte-order mark): the URL parser keeps them, percent-encoded, so the URL names another resource (sweep s21-11, s21-12). */
const INVISIBLE = /\p{Cf}/u; // every format character: zero-width, direction marks and isolates (U+2066-2069, sweep s21r-15), BOM

/**
 * Why a host written as a name is really an IPv4 address, or a mistyped one, or undefined: what
 * resolvers take for an address (glibc's inet_aton reads hex, and octal for a leading zero, which
 * the URL parser does too), and an address with a letter typed for a digit (sweep s33 M1, M2).
 */
export function addressLookalikeProblem(host: string): string | undefined {
    const name = host.replace(/\.$/, "");
    if (isIpv4(name)) return undefined;
    if (/^[\d.]+$/.test(name)) {
        const decimal = withoutLeadingZeros(name);
        if (decimal !== undefined) return `is an IPv4 address with a leading zero, which resolvers and URL parsers read as octal (010 is 8); write it in plain decimal: ${decimal}`;
    }
    // Every inet_aton form: one to four parts, each decimal, octal (leading 0) or hex (0x), such as 0x7f.1 (final check s29 FC29-8).
    if (/^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+)){0,3}$/i.test(name)) {
        // The WHATWG URL parser's reading, which is inet_aton's: 2130706433 and 0x7f000001 are 127.0.0.1.
        const read = URL.canParse(`http://${name}/`) ? new URL(`http://${name}/`).hostname : undefined;
        return read !== undefined && isIpv4(read)
            ? `is a number that resolvers and URL parsers read as the IPv4 address ${read}, and Go's programs look up as a name; write the address in dotted decimal: ${read}`
            : NOT_AN_IPV4_ADDRESS;
    }
    const labels = name.split(".");
    if (labels.length === 4 && /\d/.test(name) && labels.every((l) => /^[\dOoIl]{1,3}$/.test(l))) {
        const digits = name.replace(/[Oo]/g, "0").replace(/[Il]/g, "1");
        if (isIpv4(digits)) return `looks like the IPv4 address ${digits} with a letter typed for a digit; write the address`;
    }
    return undefined;
}

/**
 * What keeps a host name from resolving, or undefined: a DNS name is at most 253 characters, in
 * labels of 1 to 63 (RFC 1035 section 2.3.4), none starting or ending with '-' (RFC 1123 section
 * 2.1); Go's resolver, which pulumi-command's SSH, barman's and the Go applications use, refuses
 * such a name before any lookup (sweep s29 M4). An address, or a name ending with the root's dot, is taken.
 */
export function dnsNameProblem(host: string): string | undefined {
    const name = host.replace(/\.$/, "");
    if (isIpv4(name) || name.startsWith("[")) return undefined;
    if (name.length > 253) return `is ${name.length} characters long; a DNS name is at most 253`;
    const labels = name.split(".");
    if (labels.some((l) => l.length === 0)) return "has an empty label (two dots together, or a dot first)";
    const long = labels.find((l) => l.length > 63);
    if (long !== undefined) return `has a label of ${long.length} characters; each label of a DNS name is 1 to 63`;
    if (labels.some((l) => l.startsWith("-") || l.endsWith("-"))) return "has a label starting or ending with '-', which no DNS name has";
    return undefined;
}

/**
 * A URL of one of `protocol`'s schemes, checked as written: z.url hands on the parsed URL, from
 * which the parser has already dropped blanks, so they are refused before it runs. Text that is a
 * URL once its blanks are gone is told so; other text is told what `message` says.
 */
const MAX_URL_LENGTH = 8000;

export function urlString(protocol: RegExp, message: string) {
    return z.string({ error: message }).superRefine((text, ctx) => {
        // RFC 9110 section 4.1 asks every party to take URIs of 8,000 octets; a longer one, repeated in
        // every alert rule (runbookUrl), can make an object etcd refuses (sweep s25 M5).
        if (text.length > MAX_URL_LENGTH) {
            ctx.addIssue({ code: "custom", message: `is longer than the ${MAX_URL_LENGTH} characters a URL here may be (RFC 9110, section 4.1); give the address itself` });
            return;
        }
        const invisible = INVISIBLE.exec(text)?.[0];
        if (invisible !== undefined) {
            ctx.addIssue({ code: "custom", message: `holds ${codePoint(invisible)}, a character that prints as nothing, which the URL parser keeps (percent-encoded), so the URL names another address than it shows; type the URL again, or copy it from the address bar` });
            return;
        }
        if (!BLANK.test(text)) {
            // The host only: a URL's path or query may be a credential, the host never is. Judged
            // as written, before the URL parser turns `192.168.010.20` into 192.168.8.20 (sweep s33 M1).
            const written = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#]*)/.exec(text)?.[1];
            const host = URL.canParse(text) ? (written || new URL(text).hostname) : undefined;
            const lookalike = host ? addressLookalikeProblem(host) : undefined;
            const problem = host && !lookalike ? dnsNameProblem(host) : undefined;
            if (lookalike) ctx.addIssue({ code: "custom", message: `names a host that ${lookalike}` });
            if (problem) ctx.addIssue({ code: "custom", message: `names a host that ${problem}, so it cannot resolve` });
            return;
        }
        const joined = URL.canParse(text.replace(new RegExp(BLANK.source, "g"), ""));
        ctx.addIssue({ code: "custom", message: joined ? "holds a space, tab, line break or other control character, which the URL parser drops, joining whatever follows into the URL; give the URL alone, on one line" : message });
    }).pipe(z.url({ protocol, message }));
}

/**
 * A URL the stack writes in plain text (Kubernetes objects, alert annotations, state): it may
 * carry no user information and no query parameter named like a credential, which would be
 * written with it. `protocol` as z.url takes it; `message` says what the URL is.
 */
export function plainUrl(protocol: RegExp, message: string) {
    return urlString(protocol, message).superRefine((url, ctx) => {
        let parsed: URL;
        try { parsed = new URL(url); } catch { return; }
        if (parsed.username || parsed.password) {
            ctx.addIssue({ code: "custom", message: "carries a user name or password, which would be written in plain text wherever the URL is; give the URL without them" });
        }
        const named = [...parsed.searchParams.keys()].filter((k) => CREDENTIAL_PARAMETER.test(k));
        if (named.length > 0) {
            ctx.addIssue({ code: "custom", message: `carries ${named.map((k) => `?${k}=`).join(", ")} in its query, which would be written in plain text wherever the URL is; give a URL that needs no credential in it` });
        }
        // An OAuth implicit-flow fragment (`#access_token=...`) is a credential too.
        const fragment = [...new URLSearchParams(parsed.hash.slice(1)).keys()].filter((k) => CREDENTIAL_PARAMETER.test(k));
        if (fragment.length > 0) {
            ctx.addIssue({ code: "custom", message: `carries ${fragment.map((k) => `#${k}=`).join(", ")} in its fragment, which would be written in plain text wherever the URL is; give the URL without it` });
        }
    });
}

/**
 * A list check: an item given twice is refused at the second, naming the first. `why` says what
 * a repeat breaks (EC2 refuses two identical rules in one security group; LiteLLM would try one
 * fallback twice).
 */
export function noRepeats(why: string) {
    return (items: unknown[], ctx: z.RefinementCtx) => {
        items.forEach((item, i) => {
            const first = items.findIndex((x) => JSON.stringify(x) === JSON.stringify(item));
            if (first < i) ctx.addIssue({ code: "custom", path: [i], message: `is also item [${first}]; ${why}` });
        });
    };
}

/** A URL's host as the system resolves it: lower case, a name's absolute form (`localhost.`) the same host; undefined if no URL. */
export function urlHost(url: string): string | undefined {
    try { return new URL(url).hostname.toLowerCase().replace(/\.$/, ""); } catch { return undefined; }
}

/** Whether a URL's host is loopback or link-local: `localhost`, 127/8, ::1, 0.0.0.0, 169.254/16 or fe80::/10. */
export function loopbackOrLinkLocal(url: string): boolean {
    const host = urlHost(url);
    if (host === undefined) return false;
    // IPv4-mapped IPv6 too ([::ffff:127.0.0.1], which the URL parser writes as [::ffff:7f00:1]; review s21c N6).
    // Debian's and others' /etc/hosts names for loopback too (sweep s28 M1).
    return host === "localhost" || host.endsWith(".localhost") || ["ip6-localhost", "ip6-loopback", "localhost.localdomain", "localhost6", "localhost6.localdomain6"].includes(host) || /^127\./.test(host) || host === "0.0.0.0" || /^169\.254\./.test(host) || host === "[::1]" || /^\[fe[89ab]/.test(host) || /^\[::ffff:(7f|a9fe:)/.test(host) || host === "[::]";
}
