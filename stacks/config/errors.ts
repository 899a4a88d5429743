import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Config keys live under the project's namespace: `groundwork:<key>`. */
export const NAMESPACE = "groundwork";

/** Paths (relative to `groundwork:`) whose values are secrets and are never echoed in an error. */
export type SecretPaths = (path: readonly PropertyKey[]) => boolean;

/** `["oci", "nodes", 1, "ocpus"]` → `groundwork:oci.nodes[1].ocpus`; a key name that may be a secret is not shown. */
export function configKey(path: readonly PropertyKey[]): string {
    const [top, ...rest] = path;
    let key = `${NAMESPACE}:${shownKeyName(String(top))}`;
    for (const part of rest) {
        key += typeof part === "number" ? `[${part}]` : `.${shownKeyName(String(part))}`;
    }
    return key;
}

/**
 * A key's name as a message may show it, or its length alone where it could be a secret: a
 * secret becomes a key's name when `pulumi config set --secret <value>` is run without the key
 * (the CLI takes the one argument for the name and prompts for the value), or a password is
 * written on a line of its own under a map (sweep s21-47, s21-07). Names people give keys (`ocpus`,
 * `groundwork.dev/pool`, `node.kubernetes.io/instance-type`, a team) are words: letters, digits,
 * dots, dashes, underscores and slashes, without a long run that mixes digits into letters of
 * both cases as generated secrets do.
 */
export function shownKeyName(name: string): string {
    const wordLike = /^[A-Za-z0-9]([A-Za-z0-9._/ -]{0,80}[A-Za-z0-9])?$/.test(name);
    // A camelCase key has a capital per word (p95LatencySeconds: 2 capitals, 2 digits, letters and
    // digits changing places twice); 32 random letters and digits have about 13 capitals and 5
    // digits, 40 hex digits about 25, and a password like Pl4nted5d21aPw changes six times (review s21c D3).
    const generated = name.split(/[._/ -]/).some((part) => (part.length >= 16 && (part.match(/[A-Z0-9]/g) ?? []).length >= 6)
        || (part.match(/[A-Za-z](?=\d)|\d(?=[A-Za-z])/g) ?? []).length >= 4);
    return wordLike && !generated && !looksLikeCredential(name) ? name : hiddenKeyName(name);
}

/** What a message says in place of a key's name it does not show: its length, and that it has no value when so. */
export function hiddenKeyName(name: string, noValue = false): string {
    return `[a key of ${name.length} characters${noValue ? " with no value" : ""}, not shown as it may be a secret]`;
}

/**
 * Characters that print as nothing (a zero-width space, a byte-order mark), and spaces that print
 * as a space but are none (a no-break space: sweep s21-14), escaped: otherwise a bad value would
 * look exactly like a good one, in the value shown and in any message that repeats it.
 */
function escapeUnseen(text: string): string {
    return text.replace(/[\u007f-\u00a0\u00ad\u2007\u200b-\u200f\u2028-\u202f\u2060-\u2064\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function showValue(value: unknown): string {
    // Only a URL's query and fragment are taken out: `#` in a Slack channel is no fragment (sweep s23 W3).
    const text = escapeUnseen(JSON.stringify(typeof value === "string" && /^[a-z][a-z0-9+.-]*:/i.test(value) ? withoutUrlCredentials(value) : value));
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The prefixes of common API keys and tokens (which looksLikeCredential names), as a regular expression's alternatives. */
/**
 * Pulumi's access tokens are `pul-` and 40 hex, Databricks' `dapi` and 32 (gitleaks' `pulumi-api-token`
 * and `databricks-api-token` rules); GitLab's runner and deploy tokens `glrt-`, `gldt-` (sweep s20-24).
 * The hosted providers' own: Groq `gsk_` and 52, xAI `xai-` and 80, Replicate `r8_` and 37
 * (trufflesecurity/trufflehog pkg/detectors groq, xai, replicate, code index), Perplexity `pplx-`,
 * Fireworks `fw_`; Vault's batch and recovery tokens `hvb.`, `hvr.` beside its service tokens' `hvs.`
 * (sweep s22 L1, read 2026-11-29). Shopify's `shpat_`, `shpss_`, `shpca_`, `shppa_`, Mailgun's
 * `key-` and 32 hex (taken from 24 letters and digits on: `key-value` is prose), Sentry's `sntrys_` and Grafana Cloud's
 * `glc_` (gitleaks/gitleaks@v8.30.1 config/gitleaks.toml L2306, L2553, L2878, L2920-2943); Docker
 * Hub's access tokens `dckr_pat_`, `dckr_oat_`, Stripe's webhook secrets `whsec_` and Google's OAuth
 * access tokens `ya29.`, as those tokens are seen (no vendor document read here): sweep s29 L1, read 2026-11-29.
 * Slack's
 * configuration refresh tokens `xoxe-<digit>-` and 146 letters and digits (gitleaks/gitleaks@v8.30.1
 * config/gitleaks.toml L2988-2990; 100 or more taken, so `xoxe-1-PoolA-Workers` is a name).
 */
const TOKEN_PREFIXES = String.raw`dckr_pat_|dckr_oat_|whsec_|shpat_|shpss_|shpca_|shppa_|ya29\.|key-(?=[A-Za-z0-9]{24})|sntrys_|glc_|sk-|sk_live_|sk_test_|rk_live_|rk_test_|ghp_|gho_|ghs_|ghu_|ghr_|github_pat_|glpat-|glrt-|gldt-|xox[abprs]-|xoxe-(?=\d-[A-Za-z0-9]{100,})|xapp-|hf_|tskey-|hvs\.|hvb\.|hvr\.|gsk_|xai-|pplx-|r8_|fw_|AKIA|ASIA|AIza|GOCSPX-|npm_|glsa_|dop_v1_|SG\.|pul-(?=[0-9a-f]{40})|dapi(?=[0-9a-f]{32})`;
/** Prefixes of TOKEN_PREFIXES that no word, name or model id starts with (unlike `sk-`, `hf_`, `fw_`, `xai-`, `key-`). */
const DISTINCTIVE_PREFIX = /^(dckr_pat_|dckr_oat_|whsec_|shp(at|ss|ca|pa)_|ya29\.|sntrys_|sk_live_|sk_test_|rk_live_|rk_test_|gh[pousr]_|github_pat_|glpat-|glrt-|gldt-|xox[abeprs]-|tskey-|GOCSPX-|glsa_|dop_v1_)$/;
/** A `.pgpass` line, host:port:database:user:password (postgresql.org/docs/17/libpq-pgpass.html; sweep s21r-14). */
// The host has a letter, a dot or is *: a fingerprint's hex pairs (07:13:81:…) are no host.
// The password runs to the end of the line (it may hold spaces and quotes; review s21d R4).
// Not a fingerprint's run of hex pairs (aa:90:be:…), whose first pair can be letters.
const PGPASS_LINE = /(^|[\s"'=(\[,])(?!(?:[0-9a-fA-F]{2}:){4})[^\s:"'(\[,]*[A-Za-z.*][^\s:"']*:(\d{1,5}|\*):[^\s:"']+:[^\s:"']+:[^\n]+/g;
/** A JSON Web Token: three base64url segments, the first two JSON objects (`eyJ` is `{"` encoded). */
const JWT = String.raw`eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`;
/** User information written without a scheme (`user:password@host`), where a URL's would be removed. */
const BARE_USER_INFO = /(^|[\s"'(=])[^\s/@:"'()=]+:[^\s/@"']+@(?=[A-Za-z0-9[])/g;
/**
 * Webhook URLs whose path is the credential: whoever holds the URL posts to the channel. Slack's
 * incoming webhooks, workflow and trigger URLs (docs.slack.dev, java-slack-sdk guides/incoming-webhooks:
 * "As with tokens, we don't recommend embedding a webhook URL in your source code"), Discord's
 * `/api/webhooks/{id}/{token}` (discord.com/developers/docs/resources/webhook, execute webhook) and
 * Microsoft 365 connectors (`<tenant>.webhook.office.com/webhookb2/...`). Read 2026-11-29.
 */
const WEBHOOK_WITH_CREDENTIAL = String.raw`(https?:\/\/(?:hooks\.slack\.com\/(?:services|workflows|triggers)|(?:ptb\.|canary\.)?discord(?:app)?\.com\/api(?:\/v\d+)?\/webhooks|[A-Za-z0-9-]+\.webhook\.office\.com\/webhookb2))\/[^\s"'<>]+`;
/** Which chat tool's webhook, with its credential in the path, a text is; undefined when none. */
export function webhookWithCredential(text: string): "Slack" | "Discord" | "Microsoft 365" | undefined {
    const url = new RegExp(WEBHOOK_WITH_CREDENTIAL, "i").exec(text)?.[1].toLowerCase();
    return url === undefined ? undefined : url.includes("slack") ? "Slack" : url.includes("discord") ? "Discord" : "Microsoft 365";
}
/** A Microsoft Entra client secret: three characters, a digit, `Q~`, then the rest (seen in every secret Entra issues since 2021). */
const ENTRA_SECRET = String.raw`[A-Za-z0-9_-]{3}[0-9]Q~[A-Za-z0-9_.~-]{20,}`;
/** A URL parameter, in a query or a fragment, named like a credential, with its value. */
const CREDENTIAL_PARAMETER_VALUE = /([?&#][A-Za-z0-9_.-]*(?:token|secret|key|passw|sig|auth|credential)[A-Za-z0-9_.-]*=)[^&#\s"']+/gi;
/**
 * A password in a keyword/value connection string: libpq's `password=` (postgresql.org/docs/17/
 * libpq-connect.html, 32.1.1.1; quoted with single quotes when it holds spaces), ODBC's and
 * ADO.NET's `Password=`/`Pwd=` up to the next `;` (sweep s21-04).
 */
// Not after a dot: `email.password = [secret]` is a config key in a message, not a connection
// string; an environment line (DB_PASSWORD=, PGPASSWORD=) is one, and ODBC braces a value with ';' (review s21c R3).
const CONNECTION_STRING_PASSWORD = /((?<![.a-z0-9])(?:[A-Z0-9]+_?)?(?:password|passwd|pwd)\s*=\s*)(\{[^}]*\}|'(?:[^'\\]|\\.)*'|"[^"]*"|[^\s;'"]+)/gi;

/**
 * A long run that is a URL's path of lower-case words (`realms/groundwork/protocol/openid-connect/token`),
 * not a key: base64 keys with a '/' have capitals or digits in their parts (an AWS secret key's
 * `wJalrXUtnFEMI/K7MDENG/…`). Without this, every message about a Keycloak endpoint hid the URL (sweep s21, "also seen").
 */
function pathOfWords(run: string): boolean {
    // Only an identity provider's own paths: a lower-case secret can sit in another URL's path (review s21d R5).
    return /(^|\/)(realms\/[a-z0-9-]+\/protocol\/openid-connect|oauth2\/v[0-9.]+|\.well-known)(\/|$)/.test(run)
        && run.split("/").every((part) => part.length <= 32 && /^\.?[a-z]*(-[a-z]+)*[a-z0-9]?$/.test(part) && (part.match(/\d/g) ?? []).length <= 1);
}

/**
 * Text shaped like a credential, whatever key it was written under: a PEM or OpenSSH private key,
 * the prefixes of common API keys and tokens (OpenAI and Langfuse `sk-`, GitHub `ghp_`/`github_pat_`,
 * GitLab `glpat-`, Slack `xox?-`, Hugging Face `hf_`, Tailscale `tskey-`, AWS access key ids,
 * Google API keys `AIza` and OAuth client secrets `GOCSPX-`, Stripe `sk_live_`, SendGrid `SG.`),
 * a Vault token (`hvs.`), an Entra client secret, a JSON Web Token, `user:password@` written
 * without a scheme, or a long unbroken run of key-like characters.
 */
/** Whether a text holds a known API key or token prefix followed by a key character (no length or mix asked). */
export const hasTokenPrefix = (text: string): boolean => new RegExp(`(^|[^a-z0-9])(${TOKEN_PREFIXES})[A-Za-z0-9_-]`).test(text);

export function looksLikeCredential(text: string): boolean {
    if (/^ocid1\.[a-z0-9.-]+$/.test(text)) return false; // an OCI resource id: long, and public
    // hasCredentialShape's shapes, and the looser ones it leaves out (any known prefix, a bare
    // `PRIVATE KEY`, user information, connection strings, long runs).
    return hasCredentialShape(text) ||
        /PRIVATE KEY/.test(text) ||
        hasTokenPrefix(text) ||
        new RegExp(BARE_USER_INFO.source).test(text) ||
        new RegExp(CONNECTION_STRING_PASSWORD.source, "i").test(text) ||
        new RegExp(PGPASS_LINE.source).test(text) ||
        (text.match(/[A-Za-z0-9+/_=-]{40,}/g) ?? []).some((run) => !pathOfWords(run));
}

/**
 * Text no plain value has unless a credential was pasted into it: a private key (PEM, base64 or an
 * OpenSSH body), a known token prefix followed by 16 or more key characters, an age or New Relic
 * key, a chat bot's token, an Entra client secret, a JSON Web Token or a webhook URL whose path is
 * its token (not
 * the long-run and user-information shapes looksLikeCredential also counts, which public values
 * such as host keys can have).
 */
export function hasCredentialShape(text: string): boolean {
    return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) ||
        encodedPrivateKey(text) ||
        new RegExp(KEYS_WITHOUT_MIXED_BODY).test(text) ||
        hasChatBotToken(text) ||
        // The whole value, or one part of it: a key pasted after a provider (`openai/sk-...`) or a label (sweep s17 se25).
        // Each dot-separated piece too: a token before a domain (`glpat-….lab.example`) or a group's suffix (sweep s30 L5).
        // Only prefixes no word starts with: `Team.sk-Admins2024` is a group's name (false-refusal review s27).
        text.trim().split(/[\s/:=,;"'`@?&#()[\]{}<>|]+/).some((part) => tokenWithPrefix(part) || part.split(".").some((piece) => distinctiveToken(piece) || TAVILY_KEY.test(piece) || HEX_BODY_KEY.test(piece))) ||
        new RegExp(ENTRA_SECRET).test(text) ||
        new RegExp(JWT).test(text) ||
        webhookWithCredential(text) !== undefined;
}

/**
 * Keys whose body is upper case and digits only, so that TOKEN_PREFIXES' mixed-body rule misses
 * them: age's (and SOPS's) secret keys, `AGE-SECRET-KEY-1` and 58 of Bech32's upper-case alphabet
 * (C2SP age specification, "Native X25519 recipients and identities"), and New Relic's user API
 * keys, `NRAK-` and 27 (gitleaks/gitleaks@v8.30.1 config/gitleaks.toml `new-relic-user-api-key`);
 * sweep s30 L3, read 2026-11-30.
 */
const KEYS_WITHOUT_MIXED_BODY = String.raw`(^|[^A-Za-z0-9])(AGE-SECRET-KEY-1[0-9A-Z]{50,}|NRAK-[A-Z0-9]{27})(?![A-Za-z0-9])`;

// The chat bot token shapes below, compiled once: hasCredentialShape runs on every config value.
const NAME_WORD = /^(?:[A-Z]?[a-z]+\d*|[A-Z]{1,6}\d*|\d+[A-Za-z]{0,2}\d*)$/;
const TELEGRAM_TOKEN = /(?:^|[^A-Za-z0-9_:-]|\/bot)\d{5,16}:(AA[A-Za-z0-9_-]{31,33})(?![A-Za-z0-9_-])/g;
const DISCORD_TOKEN = /(?:^|[^A-Za-z0-9_-])([A-Za-z0-9_-]{23,27})\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}(?![A-Za-z0-9_-])/g;

/**
 * Whether a text holds a chat bot's token, which has no prefix but a fixed structure, and which
 * people who want alerts in those chats paste (sweep s31 L2, read 2026-11-30):
 * - Telegram's: the bot's id, `:A` and 34 more (gitleaks/gitleaks@v8.30.1
 *   cmd/generate/config/rules/telegram.go L15), every one seen starting `AA`; 33 to 35 after the
 *   colon taken, alone or in the Bot API's `/bot<id>:<token>/` path, with upper and lower case, and
 *   not a run of three words or more split by `-` or `_` (a group
 *   `12345:AAD-Sec-AI-Platform-Operators-EU2`: false-refusal review s28 FR1; final check s28 D2);
 * - Discord's: three dotted base64url pieces, the first the bot's numeric id encoded (a
 *   "snowflake" of 17 to 20 digits, so 23 to 27 characters), as the tokens are seen (no vendor
 *   document read here; final check s28 D4).
 * Group names of that length and dots are not refused: their first piece decodes to no number
 * (read-through s28 R3).
 */
function hasChatBotToken(text: string): boolean {
    const cased = (body: string) => /[A-Z]/.test(body) && /[a-z]/.test(body);
    // A body of words (`AAD-Sec-AI-Platform-Operators-EU2`) is a name after an id, not a token.
    const words = (body: string) => { const pieces = body.split(/[-_]/); return pieces.length >= 3 && pieces.every((w) => NAME_WORD.test(w)); };
    const telegram = [...text.matchAll(TELEGRAM_TOKEN)].some((m) => cased(m[1]) && !words(m[1]));
    const discord = [...text.matchAll(DISCORD_TOKEN)].some((m) => /^\d{17,20}$/.test(Buffer.from(m[1], "base64url").toString("latin1")));
    return telegram || discord;
}

/**
 * A private key written in base64, as a kubeconfig's `client-key-data` holds one (base64 of a PEM
 * whose `-----BEGIN` is `LS0tLS1CRUdJTi`, decoded to see that it is a private key and not a
 * certificate), or the body of an OpenSSH private key without its BEGIN line (`openssh-key-v1`,
 * base64 `b3BlbnNzaC1rZXktdjE`: openssh-portable PROTOCOL.key). Sweep s30 L3.
 */
function encodedPrivateKey(text: string): boolean {
    if (/b3BlbnNzaC1rZXktdjE/.test(text)) return true;
    return (text.match(/LS0tLS1CRUdJTi[A-Za-z0-9+/=]*/g) ?? []).some((run) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(Buffer.from(run, "base64").toString("latin1")));
}

/**
 * A literal password in a connection string (`Server=db;Password=...`, libpq `host=db password=...`)
 * or an environment variable named for one: not code such as `password = input()`, `; password = NULL;`
 * or `pwd = os.getcwd()`, which prompts about code hold, nor a placeholder (reviews s24e 1, s24f 1, 2, 4).
 */
function connectionStringPassword(text: string): boolean {
    // A connection string names where it connects (ADO/ODBC `Server=`, libpq `host=`), beside the password.
    const connects = /(?:^|[;\s])(?:server|host|hostaddr|data source|address|addr|database|dbname|initial catalog|uid|user id)\s*=/i.test(text);
    // Not an example's (`YourStrong@Passw0rd`, Microsoft's SQL Server docs; `ChangeMe1`): false-refusal review s27.
    const literal = (value: string) => value.length >= 4 && !PASSWORD_PLACEHOLDER.test(value) && !/[()[\]$`]|^(null|none|nil|true|false)$/i.test(value) && !/your|change_?me|example|sample|dummy/i.test(value);
    // `password=`/`pwd=` inside one, and an environment variable named for a password (`PGPASSWORD=`, `DB_PASSWORD=`).
    return (connects && [...text.matchAll(/(?:^|[;\s])(?:password|pwd)\s*=\s*([^;\s]+)/gi)].some((m) => literal(m[1])))
        || [...text.matchAll(/\b[A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD)=([^\s;]+)/g)].some((m) => literal(m[1]));
}

/**
 * A value random enough to be a generated secret rather than a name, a reference or a placeholder
 * (false-refusal review s27): 12 characters or more, letters and digits mixed, none of the
 * characters references and code carry (`/`, `:`, `@`, `.`, brackets, `$`: a path, an ARN,
 * `settings.DB_PASSWORD`, `os.Getenv(...)`, `@Microsoft.KeyVault(...)`), and no word that marks an
 * example (`YourStrong…`, `ChangeMe123`, `example`, `sample`, `dummy`, `placeholder`).
 */
export const generatedValue = (value: string) => value.length >= 12 && !PASSWORD_PLACEHOLDER.test(value)
    && !/[/:@.()[\]$`<>{}\\]/.test(value) && !/your|change|example|sample|dummy|placeholder|secret|passw|token|xxx/i.test(value)
    && /\d/.test(value) && /[A-Za-z]/.test(value);

/**
 * An HTTP `Authorization` value that carries a credential: a Bearer token of 20 or more token
 * characters mixing letters and digits (RFC 6750 2.1), or Basic credentials whose password, once
 * decoded, generatedValue takes (RFC 7617 2; its own example, `Aladdin:open sesame`, is prose).
 */
function authorizationCredential(text: string): boolean {
    return [...text.matchAll(/\bBearer[ \t]+([A-Za-z0-9._~+/=-]{20,})/g)].some((m) => /\d/.test(m[1]) && /[a-z]/.test(m[1]) && /[A-Z]/.test(m[1]) && !/your|example|token|xxx/i.test(m[1]))
        || [...text.matchAll(/\bBasic[ \t]+([A-Za-z0-9+/=]{12,})/g)].some((m) => {
            const decoded = Buffer.from(m[1], "base64").toString("utf8");
            const colon = decoded.indexOf(":");
            return colon > 0 && generatedValue(decoded.slice(colon + 1));
        });
}

/**
 * A credential written the way requests and environments carry one (sweep s30 L2): an HTTP
 * `Authorization` value, an environment variable named for a token, secret or key (`API_TOKEN=`,
 * `CLIENT_SECRET=`, `OPENAI_API_KEY=`), and a plain `password=` or `password:` on the same line;
 * each with a value generatedValue takes.
 */
function requestOrEnvironmentCredential(text: string): boolean {
    return authorizationCredential(text)
        || [...text.matchAll(/\b[A-Z][A-Z0-9_]*(?:TOKEN|SECRET|API_?KEY|ACCESS_KEY|PASSWORD|PASSWD)=([^\s;,'"()[\]{}<>]+)/g)].some((m) => generatedValue(m[1]))
        || [...text.matchAll(/\b(?:password|passwd|pwd)[ \t]*[:=][ \t]*([^\s;,'"()[\]{}<>]+)/gi)].some((m) => generatedValue(m[1]));
}

/** A password that stands in for one in examples and docs (`password`, `<your-password>`, `${DB_PASSWORD}`): no secret (reviews s24e 2, s24f 2, 3). */
const PASSWORD_PLACEHOLDER = /^(password|passwd|pass|pw|pwd|secret|changeme|guest|example|root|admin|test|my_?password|your[_-]?password|xxx+|\*+|\.{3,}|<[^>]*>|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{[^}]*\})$/i;

/**
 * Text a prompt or an evaluation item may hold in prose that is nonetheless a pasted credential
 * (sweep s26 L1): hasCredentialShape's, a URL's user information with a password
 * (`postgres://app:pw@db`; `mailto:` has no `//`), a connection string's password, and an AWS
 * secret access key's shape, 40 characters of base64 mixing cases and digits (a 40-hex commit id
 * has no capital). Not looksLikeCredential's long runs, which public ids in prose can have.
 */
export function hasPastedCredential(text: string): boolean {
    // An AWS secret key's 40 characters: with a '/' or '+' (base64's own), or beside an access key id
    // or its name, so that a camelCase name or a short base64 text is not one (review s24e 3).
    const awsContext = /(AKIA|ASIA)[A-Z0-9]{16}|secret_?access_?key|aws_?secret/i.test(text);
    return hasCredentialShape(text)
        || [...text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s/@:?#]*:([^\s/@?#]+)@/gi)].some((m) => !PASSWORD_PLACEHOLDER.test(m[1]))
        || connectionStringPassword(text)
        || requestOrEnvironmentCredential(text)
        || (text.match(/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])/g) ?? []).some((run) => /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run) && (/[/+]/.test(run) || awsContext));
}


/** A whole value that is a known prefix and 16 or more key characters, compiled once: tokenWithPrefix runs on every part of every value. */
const PREFIXED_TOKEN = new RegExp(`^(${TOKEN_PREFIXES})([A-Za-z0-9_-]{16,})$`);

/**
 * A Tavily search API key: `tvly-`, an optional `dev-` or `prod-`, then 30 to 40 letters and
 * digits with upper and lower case (sweep s31 L1, as its keys are seen, read 2026-11-30), and no
 * hyphen in the body, so `tvly-Search-Integration-Users` is a name (false-refusal review s28 FR2;
 * final check s28 D3).
 */
const TAVILY_KEY = /^tvly-(?:dev-|prod-)?(?=[A-Za-z0-9]*[A-Z])(?=[A-Za-z0-9]*[a-z])[A-Za-z0-9]{30,40}$/;

/**
 * Keys whose body is lower-case hex, which the mixed-body rule misses (sweep s33 L1, read 2026-11-30):
 * Firecrawl's, `fc-` and 32 hex digits ("Authorization: Bearer fc-123456789", docs.firecrawl.dev
 * api-reference/v2-introduction; "New API keys start with fc-", nango.dev docs/api-integrations/firecrawl),
 * taken as 32 to 40 lower-case letters and digits with eight digits or more, which a name after
 * `fc-` (a club's, a bucket's) does not have; and LangSmith's, `lsv2_pt_` (personal) or `lsv2_sk_`
 * (service), then 32 and 10 hex digits as its keys are seen (docs.langchain.com/langsmith/llm-gateway-authentication
 * names the prefixes), taken as any 24 or more lower-case letters, digits and '_' after the prefix.
 */
const HEX_BODY_KEY = /^(?:fc-(?=(?:[a-z]*\d){8})[0-9a-z]{32,40}|lsv2_(?:pt|sk)_[0-9a-z_]{24,})$/;

/**
 * Pieces of names that tokens of letters and digits split badly: Kubernetes' and clouds' short
 * names (K8s, K3s, Ec2, S3) and a region spelled as words (EuWest1, UsEast2, ApSoutheast1), which
 * random keys hardly hold (read-through s29 RT29-6).
 */
const NAME_LEXEMES = /K8s|K3s|Ec2|S3(?=[A-Z]|$)|(?:Eu|Us|Ap|Sa|Ca|Me|Af|Uk|Il|Mx)(?:North|South|East|West|Central)+(?:east|west)?\d?/g;

/**
 * Whether a name holds a run of 24 to 39 letters and digits drawn at random, as keys without a
 * prefix are (Mistral's 32, Brave Search's `BSA` and 28; sweep s33 L1): upper case, lower case and
 * digits, and less than 80% of it in word-like pieces: a word of three letters or more (a capital
 * and lower case, or lower case alone; abbreviations such as Grp, Llm, Aks count, so no vowel is
 * asked: false-refusal review s29 FR-1, FR-2), two acronyms of two to five capitals, numbers of two
 * to eight digits (a date: FR-3). So `GRP2024Q3DataScienceTeamEU1Admins`,
 * `TeamDeutschlandNachtschicht2024`, `AwsEksLlmOpsTeam2024Prod` and, with NAME_LEXEMES,
 * `K8sClusterAdminsEuWest1Prod2` stay names; about 1% of random 32-character keys pass (0.77% of
 * 100,000 here, 1.1% of 200,000 in read-through s29), and 2.2% of Brave-shaped ones (2026-11-30). For names
 * alone (groups, a claim, an SMTP user, labels): a client id may be such a run (Auth0's are 32).
 */
export function hasShortRandomRun(value: string): boolean {
    return (value.match(/[A-Za-z0-9]{24,39}/g) ?? []).some((run) => {
        if (!(/[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run))) return false;
        const lexemes = (run.match(NAME_LEXEMES) ?? []).reduce((n, t) => n + t.length, 0);
        let acronyms = 0;
        const wordy = (run.replace(NAME_LEXEMES, " ").match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+/g) ?? []).filter((t) => {
            if (/^[A-Z]?[a-z]+$/.test(t)) return t.length >= 3;
            if (/^[A-Z]{2,5}$/.test(t)) return acronyms++ < 2;
            return /^\d{2,8}$/.test(t);
        }).reduce((n, t) => n + t.length, 0);
        return lexemes + wordy < 0.8 * run.length;
    });
}

/** A piece of a dotted name that is tokenWithPrefix's and starts with a prefix no word starts with. */
function distinctiveToken(piece: string): boolean {
    const prefix = PREFIXED_TOKEN.exec(piece)?.[1];
    return prefix !== undefined && DISTINCTIVE_PREFIX.test(prefix) && tokenWithPrefix(piece);
}

/**
 * The whole value one token of a known prefix whose body mixes upper case, lower case and digits,
 * as generated keys do: not a host or node name (lower case, dots), not an AWS access key id (its
 * own key, public), not a FIDO key type (sk-ecdsa-...) (review s14b D1, D2, D4).
 */
function tokenWithPrefix(text: string): boolean {
    // SendGrid's keys are SG.<id>.<secret>, two dotted parts (sweep s18 se30).
    if (/^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/.test(text)) return true;
    const match = PREFIXED_TOKEN.exec(text);
    if (!match || /^(AKIA|ASIA)$/.test(match[1])) return false;
    const body = match[2];
    // Keys whose body is lower-case hex or a UUID: DeepSeek's `sk-<32 hex>`, Langfuse's
    // `sk-lf-<uuid>` (sweep s18 se31, se34); a host or FIDO key type is never 32 hex digits.
    if (match[1] === "sk-" && /^[0-9a-f]{32,}$/.test(body.replace(/^lf-/, "").replace(/-/g, ""))) return true;
    if ((match[1] === "pul-" && /^[0-9a-f]{40}$/.test(body)) || (match[1] === "dapi" && /^[0-9a-f]{32}(-\d)?$/.test(body))) return true;
    // Prefixes no word or name starts with: a body of capitals with lower case or digits, not one
    // character repeated (a canary's `dckr_pat_CANARYtok…`, a token whose random part drew no digit;
    // sweep s29 L1, q18), so a placeholder `ghp_XXXX…` stays text (review s26 R6).
    if (DISTINCTIVE_PREFIX.test(match[1]) && /[A-Z]/.test(body) && /[a-z0-9]/.test(body) && !/^(.)\1*$/.test(body)) return true;
    // Shopify's and Mailgun's are 32 hex digits (gitleaks@v8.30.1 config/gitleaks.toml L2553, L2920-2943).
    if (/^(shp(at|ss|ca|pa)_|key-)$/.test(match[1]) && /^[0-9a-fA-F]{32}$/.test(body)) return true;
    return /[A-Z]/.test(body) && /[a-z]/.test(body) && /\d/.test(body);
}

/**
 * A message with the credentials hasCredentialShape knows replaced (private keys, prefixed API keys
 * and tokens, Entra client secrets, JWTs), and nothing else: for text whose long runs are names
 * (`namespace/deployment`), as policy messages are, where redactCredentials would hide them.
 */
export function redactPrefixedCredentials(message: string): string {
    return message
        .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, "[private key not shown]")
        .replace(/[^\s/:=,;"'`@?&#()[\]{}<>|]+/g, (token) => (tokenWithPrefix(token) ? "[not shown]" : token))
        .replace(new RegExp(ENTRA_SECRET, "g"), "[not shown]")
        .replace(new RegExp(JWT, "g"), "[not shown]");
}

/**
 * Whether a value holds a run of 40 or more key characters as generated secrets are: upper case,
 * lower case and digits, the digits scattered through it (Auth0's client secrets are 64 of
 * [A-Za-z0-9_-], Okta's 40, SES SMTP passwords 44; sweep s22 L2). A random run of 40 from 62
 * characters changes between letter and digit about ten times; a name (`SG-Azure-AI-Platform-
 * Operators-Prod-Region01`, a Keycloak group path) once or twice, so six or more is the line (review
 * s22 F2). Google's client ids are lower case, Entra's GUIDs, OCIDs dotted, digests hex. Authentik's
 * client ids are 40 such characters too: the caller exempts its issuer (review s22 F1).
 */
export function hasSecretShapedRun(value: string): boolean {
    const changes = (run: string) => (run.match(/[A-Za-z](?=\d)|\d(?=[A-Za-z])/g) ?? []).length;
    return (value.replace(/ocid1\.[a-z0-9.-]+/g, "").match(/[A-Za-z0-9+/=_-]{40,}/g) ?? [])
        .some((run) => /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run) && changes(run) >= 6);
}

/**
 * A message with every credential-shaped run in it replaced, wherever the text came from: a key
 * path (`gateway.sk-…`), a name a check repeats (`names team "sk-…"`), a cron field. Private keys,
 * the token prefixes above, a URL's user information, and runs of 40 or more key-like characters
 * (not an OCID, and not a hex fingerprint or digest of 40 or 64 digits, which are public) go.
 */
export function redactCredentials(message: string): string {
    return message
        .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, "[private key not shown]")
        // A prefix named alone (a hint: "starts hf_", "hvs.…") is no credential (sweep s18 rerun se33).
        .replace(new RegExp(`(^|[^A-Za-z0-9])(${TOKEN_PREFIXES})[A-Za-z0-9_.+/=-]+`, "g"), "$1[not shown]")
        .replace(new RegExp(ENTRA_SECRET, "g"), "[not shown]")
        .replace(new RegExp(JWT, "g"), "[not shown]")
        .replace(CREDENTIAL_PARAMETER_VALUE, "$1[not shown]")
        .replace(CONNECTION_STRING_PASSWORD, "$1[not shown]")
        .replace(PGPASS_LINE, "$1[not shown]")
        .replace(new RegExp(WEBHOOK_WITH_CREDENTIAL, "gi"), "$1/[not shown]")
        .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"]*@/gi, "$1[credentials removed]@")
        .replace(BARE_USER_INFO, "$1[credentials removed]@")
        .replace(/(ocid1\.[a-z0-9.-]+)|[A-Za-z0-9+/_=-]{40,}/g, (run, ocid) => (ocid || /^([0-9a-f]{40}|[0-9a-f]{64}|[0-9A-F]{40}|[0-9A-F]{64})$/.test(run) || pathOfWords(run) ? run : "[not shown]"));
}

/** A URL with its user information, query and fragment removed: where tokens and passwords ride in a URL. */
function withoutUrlCredentials(text: string): string {
    return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, "$1[credentials removed]@")
        .replace(/#.*$/s, (f) => (f.length > 1 ? "#[fragment removed]" : f))
        .replace(/\?[^#]*/s, (q) => (q.length > 1 ? "?[query removed]" : q));
}

/** Key names under which a value is a credential, whatever the schema says of the key. */
const CREDENTIAL_KEY = /key|secret|token|passw|credential|auth/i;
/** A misspelt key's name that says it held a credential: narrower than CREDENTIAL_KEY, so `authorize_url` or a host key is no credential (review s18b N8). */
const CREDENTIAL_NAME = /secret|token|passw|credential|api_?key|access_?key|private_?key|(^|[_-])key$/i;

export function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
    let node: unknown = root;
    for (const part of path) {
        if (node === null || typeof node !== "object" || !(part in (node as object))) {
            return { found: false };
        }
        node = (node as Record<PropertyKey, unknown>)[part];
    }
    return { found: true, value: node };
}

/** Edit distance, for "did you mean" on unknown keys and names. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** The one of `known` close enough to `given` to be what was meant, if any. */
function nearestKey(given: string, known: string[]): string | undefined {
    const nearest = known
        .map((k) => ({ k, d: editDistance(given.toLowerCase(), k.toLowerCase()) }))
        .sort((x, y) => x.d - y.d)[0];
    return nearest && nearest.d <= Math.max(2, Math.floor(given.length / 3)) ? nearest.k : undefined;
}

/** `did you mean "x"? ` when one of `known` is close to `given`; empty otherwise. */
function suggestion(given: string, known: string[]): string {
    const near = nearestKey(given, known);
    return near ? `did you mean "${near}"? ` : "";
}

/**
 * Keys whose namespace is a misspelling of the project's (`groundworks:cost`, `Groundwork:cost`):
 * Pulumi hands another namespace's keys to the provider of that name, so nothing would read them
 * and their setting would be silently lost. Other namespaces (aws:, oci:, kubernetes:) pass.
 */
export function misspeltNamespaceProblems(keys: string[]): string[] {
    return keys.flatMap((full) => {
        const [namespace, key] = full.split(":", 2);
        // Two edits at most: a typo, not another tool's namespace (the plan's own groundwork-plan: among them).
        if (key === undefined || namespace === NAMESPACE || editDistance(namespace.toLowerCase(), NAMESPACE) > 2) return [];
        const shown = shownKeyName(key);
        return [`${namespace}:${shown}: the namespace "${namespace}" is not "${NAMESPACE}", so Groundwork never reads this key and its setting is lost; did you mean ${NAMESPACE}:${shown}?`];
    });
}

function unknownKeyHint(key: string, known: string[], topLevel: boolean): string {
    // `pulumi config set groundwork:a.b v` without --path stores a top-level key named `a.b`
    // (pulumi/pulumi@v3.248.0 pkg/cmd/pulumi/config/config.go L730-732: --path "The key contains a path to a property in a map or list to set").
    const [head, ...rest] = key.split(".");
    if (topLevel && rest.length > 0 && known.includes(head)) {
        return `is a top-level key named "${key}", which \`pulumi config set\` writes without --path, so Groundwork never reads it; set it again with --path (pulumi config set --path '${NAMESPACE}:${key}' <value>) and remove this one (pulumi config rm '${NAMESPACE}:${key}')`;
    }
    return `unknown key; ${suggestion(key, known)}valid keys here: ${known.join(", ")}`;
}

/** Strips defaults, optionals and pipes down to the structural schema. */
function unwrap(node: z.ZodType | undefined): z.ZodType | undefined {
    for (;;) {
        const def: any = (node as any)?._zod?.def;
        if (!def) return undefined;
        if (["default", "optional", "prefault", "nullable"].includes(def.type)) {
            node = def.innerType;
        } else if (def.type === "pipe") {
            node = def.in;
        } else {
            return node;
        }
    }
}

/** The schema of the value at `path`, or undefined where the path leaves the schema. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
    let node: z.ZodType | undefined = schema;
    for (const part of path) {
        const def: any = (unwrap(node) as any)?._zod.def;
        node = def?.type === "object" ? def.shape[part as string] : def?.type === "array" ? def.element : def?.type === "record" ? def.valueType : undefined;
    }
    return node;
}

/**
 * The schema's default at `path`, itself or inside a defaulted list or map above it (privateSubnetCidrs[0]):
 * what a check judged where the stack file gives nothing (sweep s27 W1).
 */
function defaultAt(schema: z.ZodType, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
    for (let i = path.length; i > 0; i--) {
        let node: any = schemaAt(schema, path.slice(0, i));
        while (node?._zod?.def && ["optional", "nullable", "pipe"].includes(node._zod.def.type)) node = node._zod.def.type === "pipe" ? node._zod.def.in : node._zod.def.innerType;
        if (node?._zod?.def?.type !== "default") continue;
        let value: unknown = node._zod.def.defaultValue;
        for (const part of path.slice(i)) {
            if (value === null || typeof value !== "object") return { found: false };
            value = (value as Record<PropertyKey, unknown>)[part];
        }
        return value === undefined ? { found: false } : { found: true, value };
    }
    return { found: false };
}

/** Whether any value the schema accepts at or under `path` is a secret (lists and maps probed with one entry). */
function schemaHoldsSecret(schema: z.ZodType, path: readonly PropertyKey[], isSecret: SecretPaths, depth = 0): boolean {
    if (isSecret(path)) return true;
    const def: any = (unwrap(schemaAt(schema, path)) as any)?._zod.def;
    if (depth > 8 || !def) return false;
    const children: PropertyKey[] = def.type === "object" ? Object.keys(def.shape) : def.type === "array" ? [0] : def.type === "record" ? ["*"] : [];
    return children.some((c) => schemaHoldsSecret(schema, [...path, c], isSecret, depth + 1));
}

/**
 * Plain keys whose wrong value is never echoed, as it is likely a secret: the server CA's hash is
 * read from a line that also holds the server token's password, and k3s's own passwords are 32
 * hex characters, like a digest (sweep s17 cl25).
 */
const NEVER_ECHOED = new Set(["cluster.serverCaHash"]);

/**
 * Whether a value can be echoed in an error: never a secret, never a list or map with a secret
 * somewhere inside, and never text where the schema expects a list or map that holds secrets (or
 * under an unknown key beside one), since that text may be the secret written the wrong way.
 */
function echoable(schema: z.ZodType, path: readonly PropertyKey[], value: unknown, isSecret: SecretPaths): boolean {
    // A misspelt key is judged as the key it is closest to (`api_key` as `apiKey`).
    const meant = meantPath(schema, path);
    if (isSecret(path) || (meant !== undefined && isSecret(meant))) return false;
    if (NEVER_ECHOED.has(path.join("."))) return false;
    // A client id with a ':' is client_id:client_secret pasted whole (sweep s18 se32).
    if (path.join(".") === "access.sso.clientId" && typeof value === "string" && /^[^:]+:(?!\/\/)[^:]{16,}$/.test(value)) return false;
    // A user name with a ':' is user:password, as sshpass and curl take it (sweep s21-08).
    if (/^(user|username)$/.test(String(path[path.length - 1])) && typeof value === "string" && /^[^:\s]+:(?!\/\/)\S+$/.test(value)) return false;
    if (value !== null && typeof value === "object") {
        // A map whose key may be a secret is not shown, keys and all (sweep s21-07); nor one with a key
        // that has no value, which is how YAML reads a password written on a line of its own (review s21c D3).
        if (!Array.isArray(value) && Object.entries(value).some(([k, v]) => shownKeyName(k) !== k || v === null)) return false;
        return Object.entries(value as object).every(([k, v]) => echoable(schema, [...path, Array.isArray(value) ? Number(k) : k], v, isSecret));
    }
    if (typeof value !== "string") return true;
    // A credential pasted into the wrong field, or under a key the schema does not know whose name says credential.
    // Shorter keys without a prefix too, 24 or more letters and digits mixing cases (Mistral's are 32; sweep s22 L4).
    if (looksLikeCredential(value) || value.split(/[^A-Za-z0-9]+/).some((part) => part.length >= 24 && /[A-Z]/.test(part) && /[a-z]/.test(part) && /\d/.test(part))) return false;
    const last = path[path.length - 1];
    if (typeof last === "string" && schemaAt(schema, path) === undefined && CREDENTIAL_KEY.test(last)) return false;
    const expected: any = meant && (unwrap(schemaAt(schema, meant)) as any)?._zod.def;
    if (expected && !["object", "array", "record"].includes(expected.type)) return true;
    // Text where the schema expects a structure, or under a key like none it knows: judged by the
    // nearest part of the path the schema knows.
    let known = meant ?? path;
    while (known.length > 0 && schemaAt(schema, known) === undefined) known = known.slice(0, -1);
    return !schemaHoldsSecret(schema, known, isSecret);
}

/** The path with each unknown key replaced by the known key nearest to it; undefined if one has none. */
function meantPath(schema: z.ZodType, path: readonly PropertyKey[]): PropertyKey[] | undefined {
    const out: PropertyKey[] = [];
    for (const part of path) {
        if (typeof part === "number" || schemaAt(schema, [...out, part]) !== undefined) {
            out.push(part);
            continue;
        }
        const near = nearestKey(String(part), knownKeysAt(schema, out));
        if (near === undefined) return undefined;
        out.push(near);
    }
    return out;
}

/** Whether a value is text or holds text anywhere inside. */
function holdsText(value: unknown): boolean {
    return typeof value === "string" || (value !== null && typeof value === "object" && Object.values(value as object).some(holdsText));
}

/** A value's shape, for one that cannot be echoed. */
function shapeOf(value: unknown): string {
    if (Array.isArray(value)) return `[a list of ${value.length} item(s), not shown as it may hold secrets]`;
    // Not even its keys: a secret can be written as a key.
    if (value !== null && typeof value === "object") return `[a map of ${Object.keys(value).length} key(s), not shown as it may hold secrets]`;
    return typeof value === "string" ? `[text of ${value.length} characters, not shown as it may hold a secret]` : "[secret]";
}

/** The keys an object schema accepts at `path`. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
    const def: any = (unwrap(schemaAt(schema, path)) as any)?._zod.def;
    if (def?.type === "record") {
        // A map whose keys are a fixed list (z.partialRecord over an enum): the list.
        const keys: any = (unwrap(def.keyType) as any)?._zod.def;
        return keys?.type === "enum" ? Object.values(keys.entries).map(String) : [];
    }
    return def?.type === "object" ? Object.keys(def.shape) : [];
}

/** What a missing key is for, from the schema's own description. */
function requiredHint(schema: z.ZodType, path: readonly PropertyKey[]): string {
    const description = schemaAt(schema, path)?.description;
    return description ? `it is required: ${description.replace(/\.$/, "")}` : "it is required";
}

/** What an issue asks for, in the words every config error uses (must be a list, must be at least 1...). */
export function describeIssue(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            // A schema's own message says why (vLLM reads the value with int(); GiB, not 6Gi); zod's default starts "Invalid input".
            if (issue.message && !/^Invalid input/.test(issue.message)) return issue.message;
            if (issue.expected === "int") return "must be a whole number";
            // An unquoted hash or version of digits alone is a number to YAML (sweep s23 W5).
            if (issue.expected === "string" && typeof (issue as { input?: unknown }).input === "number") return "must be a string; YAML read it as a number: put it in quotes";
            // A record is a map to someone writing YAML (sweep s25 W6).
            return `must be ${issue.expected === "array" ? "a list" : issue.expected === "object" || issue.expected === "record" ? "a map of keys" : `a ${issue.expected}`}`;
        case "too_small":
            // A schema's own message says why (an empty list that would lock everyone out); zod's default starts "Too small".
            if (issue.message && !/^Too small/.test(issue.message)) return issue.message;
            if ((issue.origin === "int" || issue.origin === "number") && issue.minimum === Number.MIN_SAFE_INTEGER) return SAFE_INTEGER_BOUND;
            return issue.origin === "array"
                ? `must list at least ${issue.minimum} item(s)`
                : issue.origin === "string"
                    ? `must be at least ${issue.minimum} character(s) long`
                    : issue.inclusive === false ? `must be greater than ${issue.minimum}` : `must be at least ${issue.minimum}`;
        case "too_big":
            if ((issue.origin === "int" || issue.origin === "number") && issue.maximum === Number.MAX_SAFE_INTEGER) return SAFE_INTEGER_BOUND;
            return issue.origin === "array"
                ? `must list at most ${issue.maximum} item(s)`
                : issue.origin === "string"
                    ? `must be at most ${issue.maximum} character(s) long`
                    : `must be at most ${issue.maximum}`;
        case "invalid_value": {
            const values = issue.values.map(String);
            if (values.length <= 8 || typeof issue.input !== "string") {
                return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
            }
            return `${suggestion(issue.input, values)}must be one of ${values.length} values: ${values.join(", ")}`;
        }
        case "not_multiple_of":
            return `must be a whole number${issue.divisor === 1 ? "" : ` multiple of ${issue.divisor}`}`;
        default:
            return issue.message;
    }
}

/**
 * zod's `.int()` bounds a number by JavaScript's exact integers (±(2^53 - 1)), which is no rule of
 * any key: said only where the key's own range says nothing (sweep s33 W3).
 */
const SAFE_INTEGER_BOUND = "is past the whole numbers this plan reads exactly (at most 9007199254740991 either side of 0); give the number the key needs";

/** One line per key: several problems with one value are joined with "; ". */
function mergeByKey(lines: string[]): string[] {
    const merged = new Map<string, string[]>();
    for (const line of lines) {
        const split = line.indexOf(": ");
        const subject = line.slice(0, split);
        merged.set(subject, [...(merged.get(subject) ?? []), line.slice(split + 2)]);
    }
    return [...merged].map(([subject, messages]) => {
        const own = messages.filter((m) => m !== SAFE_INTEGER_BOUND);
        return `${subject}: ${(own.length > 0 ? own : messages).join("; ")}`;
    });
}

/**
 * Turns schema issues into one line each: the full config key, the bad value and what is valid,
 * e.g. `groundwork:oci.nodes[1].ocpus = 3: the Always-Free A1 total is 4 OCPU ...`.
 */
export function formatIssues(schema: z.ZodType, input: unknown, issues: readonly z.core.$ZodIssue[], isSecret: SecretPaths, encrypted: SecretPaths = () => false): string[] {
    const lines: string[] = [];
    // Text under a key whose value was stored encrypted may be a secret at any path: never shown.
    const show = (path: readonly PropertyKey[], value: unknown) =>
        isSecret(path) ? "[secret]" : encrypted(path) && holdsText(value) ? shapeOf(value) : echoable(schema, path, value, isSecret) ? showValue(value) : shapeOf(value);
    for (const issue of issues) {
        if (issue.code === "invalid_key") {
            const parent = issue.path.slice(0, -1);
            const key = String(issue.path[issue.path.length - 1]);
            const noValue = valueAt(input, issue.path).value === null;
            const named = shownKeyName(key) === key && !noValue ? JSON.stringify(key) : hiddenKeyName(key, noValue);
            lines.push(`${configKey(parent)} = ${show(parent, valueAt(input, parent).value)}: key ${named} ${issue.issues.map(describeIssue).join("; ")}`);
            continue;
        }
        if (issue.code === "unrecognized_keys") {
            const known = knownKeysAt(schema, issue.path);
            for (const key of issue.keys) {
                const path = [...issue.path, key];
                const value = valueAt(input, path).value;
                // A credential under a misspelt key (`secret_key`) sits in plain text in the committed
                // file whatever key it moves to: say so (sweep s18 se34).
                const plainCredential = typeof value === "string" && !encrypted(path) && !isSecret(path) && (CREDENTIAL_NAME.test(key) || looksLikeCredential(value))
                    ? "; the value is in plain text in the stack file, which is committed with the code: if it is a credential, set it again encrypted (pulumi config set --secret --path) and rotate it"
                    : "";
                lines.push(`${configKey(path)} = ${show(path, value)}: ${unknownKeyHint(key, known, issue.path.length === 0)}${plainCredential}`);
            }
            continue;
        }
        const at = valueAt(input, issue.path);
        const shown = at.found && at.value !== undefined ? show(issue.path, at.value) : undefined;
        // A map's own key with no value is how YAML reads a password on a line of its own: its name is not shown (review s21c D3).
        const last = issue.path[issue.path.length - 1];
        const bareKey = at.found && at.value === null && typeof last === "string" && !knownKeysAt(schema, issue.path.slice(0, -1)).includes(last);
        const key = bareKey ? `${configKey(issue.path.slice(0, -1))}.${hiddenKeyName(String(last), true)}` : configKey(issue.path);
        const defaulted = !at.found && issue.code === "custom" ? defaultAt(schema, issue.path) : { found: false };
        const subject = shown !== undefined ? `${key} = ${shown}` : defaulted.found ? `${key} = ${show(issue.path, defaulted.value)} (its default: the stack file does not set it)` : `${key} is not set`;
        const described = at.found || issue.code !== "invalid_type" ? describeIssue(issue) : requiredHint(schema, issue.path);
        // A value the subject does not show is not shown by the message either, whatever check wrote it (sweep s19-40).
        const hidden = typeof at.value === "string" && at.value.trim().length >= 6 && shown !== showValue(at.value) ? [at.value, at.value.trim()] : [];
        const message = escapeUnseen(hidden.reduce((text, value) => text.split(value).join("[not shown]"), described));
        // A shown value that prints like a valid one may hold a letter of another alphabet.
        const lookalikes = typeof at.value === "string" && !isSecret(issue.path) && !encrypted(issue.path) ? lookalikeLetters(at.value) : "";
        // YAML reads `key: #platform-alerts` as a key with no value and a comment.
        // A secret given no value was never set, rather than cut by a comment (sweep s21-20).
        const emptied = !(at.found && at.value === null && issue.code === "invalid_type" && issue.expected === "string") ? ""
            : isSecret(issue.path) ? ` (the stack file gives it no value; set it encrypted: pulumi config set --secret --path '${configKey(issue.path)}' <value>)`
                : " (the stack file gives it no value: a value starting with # after a space is a YAML comment; quote it, as \"#platform-alerts\")";
        lines.push(`${subject}: ${message}${lookalikes}${emptied}`);
    }
    return mergeByKey(lines);
}

/** Greek and Cyrillic letters, some of which print like Latin ones. */
export const GREEK_OR_CYRILLIC = /[\u0370-\u03ff\u0400-\u04ff]/;

/** A character by its code point, as `U+0430`. */
export const codePoint = (c: string): string => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * Greek and Cyrillic letters in a value, which print like Latin ones (Cyrillic а, о, і; Greek ο)
 * and come with a pasted or autocorrected name: the hint names each by code point and position, or
 * is empty. A value in those alphabets on purpose is named too; the hint only says what is there.
 */
export function lookalikeLetters(value: string): string {
    const found = [...value].map((c, i) => ({ c, i })).filter(({ c }) => GREEK_OR_CYRILLIC.test(c));
    if (found.length === 0) return "";
    const named = found.slice(0, 3).map(({ c, i }) => `${codePoint(c)} (${/[\u0400-\u04ff]/.test(c) ? "Cyrillic" : "Greek"}) at character ${i + 1}`);
    return ` (it holds ${named.join(", ")}${found.length > 3 ? ", and more" : ""}, ${found.length === 1 ? "which prints like a Latin letter: retype it" : "which print like Latin letters: retype them"})`;
}

/**
 * Bad stack configuration. A `RunError` so that `pulumi preview`/`up` print the message alone,
 * without a stack trace, before any resource is registered.
 */
export class ConfigError extends pulumi.RunError {
    public readonly problems: string[];
    constructor(problems: string[]) {
        problems = problems.map(redactCredentials);
        super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`);
        this.problems = problems;
        this.name = "ConfigError";
    }
}
