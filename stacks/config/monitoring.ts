import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { internalRange, isIpv4, specialRange } from "./cidr";
import { loopbackOrLinkLocal, notSecretShapedAddress, plainUrl, secretInAddress, urlHost, urlString } from "./primitives";
import { hasCredentialShape, hasShortRandomRun } from "./errors";

/**
 * Whether a receiver's URL points where Alertmanager's pod never gets: loopback (its own pod), the
 * link-local metadata service (refused by every namespace's egress policy) and the like. Alerts
 * sent there would vanish without a word.
 */
const unreachable = (url: string) => {
    const host = urlHost(url);
    if (host === undefined) return false;
    return host === "localhost" || host.endsWith(".localhost") || host.startsWith("[") || (isIpv4(host) && specialRange(host) !== undefined);
};
const reachable = { message: "points at loopback, link-local (the metadata service), an IPv6 literal or another address Alertmanager's pod cannot send to, so every alert would vanish; give the receiver's own address" };

/**
 * Plain http leaving the cluster's networks: a public name or address, not a Service
 * (`*.svc`, `*.cluster.local`, a one-label name) or a private (RFC 1918, CGNAT) address (sweep
 * s21-28; the S3 endpoint check refuses the same, stacks/config/s3-endpoint.ts).
 */
export function plainHttpAcrossNetworks(url: string): boolean {
    let parsed: URL;
    try { parsed = new URL(url); } catch { return false; }
    // Loopback and link-local have their own message (unreachable).
    if (parsed.protocol !== "http:" || unreachable(url)) return false;
    const host = parsed.hostname.toLowerCase();
    // Names private networks use (RFC 8375 home.arpa, RFC 6762 .local, ICANN's reserved .internal, the common .lan) stay inside one (review s21c R1);
    // a tailnet's MagicDNS names (ts.net) travel inside WireGuard (sweep s21r-16).
    return !(host.endsWith(".svc") || host.endsWith(".cluster.local") || /\.(home\.arpa|internal|lan|local|ts\.net)$/.test(host) || !host.includes(".") || (isIpv4(host) && internalRange(host) !== undefined));
}

/** A receiver's secret URL: checked as a URL, then handed on only as a secret Output. */
/** Port 0 is no port a server listens on (the WHATWG URL parser takes it). */
const portZero = { message: "names port 0, which no server listens on; give the receiver's port, or none for the scheme's" };
const noPortZero = (v: string) => { try { return new URL(v).port !== "0"; } catch { return true; } };
const receiverUrl = urlString(/^https?$/, "must be an http(s) URL (the receiver's webhook endpoint)").refine((v) => !unreachable(v), reachable).refine(noPortZero, portZero);
/** What a URL's host is, by the first pattern of `kinds` it matches (undefined for none, or no URL). */
function hostOfKind(url: string, kinds: [RegExp, string][]): string | undefined {
    let host: string;
    try { host = new URL(url).hostname.toLowerCase(); } catch { return undefined; }
    return kinds.find(([pattern]) => pattern.test(host))?.[1];
}
const secretHttpsUrl = (what: string, wrongHosts: [RegExp, string][] = [], problem: (url: string) => string | undefined = () => undefined) => urlString(/^https$/, `must be the https URL of ${what}`).refine((v) => !unreachable(v), reachable).refine(noPortZero, portZero)
    // Another chat tool's webhook under this receiver (sweep s19-34): it refuses the body this receiver sends.
    .refine((v) => hostOfKind(v, wrongHosts) === undefined, { error: (issue) => `is ${hostOfKind(String(issue.input), wrongHosts)}` })
    .superRefine((v, ctx) => { const found = problem(v); if (found) ctx.addIssue({ code: "custom", message: found }); })
    .transform((v) => pulumi.secret(v));

/**
 * A Workflows (Logic Apps, Power Automate) HTTP trigger's URL authorises each call by the shared
 * access signature in its query (`sp`, `sv`, `sig`); cut before it, every post is refused (sweep
 * s20-42). A trigger that takes Entra tokens instead has none, and Alertmanager sends no token either.
 */
export function workflowsUrlProblem(url: string): string | undefined {
    let parsed: URL;
    try { parsed = new URL(url); } catch { return undefined; }
    if (!/(^|\.)(logic\.azure\.com|powerplatform\.com)$/i.test(parsed.hostname) || parsed.searchParams.has("sig")) return undefined;
    return "is a Workflows URL without its sig= query parameter, the signature that authorises each post, so every alert would be refused: copy the whole URL the Workflows trigger shows";
}
/**
 * A Discord webhook takes Slack's message JSON only at its Slack-compatible form, the same URL ending
 * in `/slack` (discord.com/developers/docs/resources/webhook, "Execute Slack-Compatible Webhook");
 * at the plain one every alert is refused (sweep s29 M8).
 */
export function discordWithoutSlackPath(url: string): string | undefined {
    let parsed: URL;
    try { parsed = new URL(url); } catch { return undefined; }
    if (!/^((ptb|canary)\.)?discord(app)?\.com$/i.test(parsed.hostname) || /\/slack\/?$/.test(parsed.pathname)) return undefined;
    return "is a Discord webhook without /slack at its end, where Discord refuses the Slack message Alertmanager posts: use the same URL ending in /slack, Discord's Slack-compatible form";
}
/** An SMTP server's host: RFC 1123 labels, none empty, none starting or ending with a hyphen. */
const SMTP_HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/**
 * The SMTP password: Alertmanager reads it from the file the stack mounts and trims its ends
 * (prometheus/alertmanager@v0.34.0 notify/email/email.go getPassword, `strings.TrimSpace`; review
 * s26 R2), so a newline a file adds is harmless; a line break inside is sent, and fails every login
 * (sweep s29 M9). Spaces inside stay: Gmail shows app passwords in groups of four.
 */
const smtpPassword = z.string().min(1)
    .refine((v) => !/[\r\n]/.test(v.trim()), { message: "has a line break inside it, which Alertmanager sends as part of the password, so the server refuses every login; set the password alone, on one line" })
    .transform((v) => pulumi.secret(v));

/**
 * Alertmanager v0.34.0 parses `from` when it sends, with Go's mail.ParseAddressList, and needs
 * exactly one address; the envelope gets the bare address and the From header the whole text,
 * which its QEncoding leaves unchanged when ASCII (prometheus/alertmanager@v0.34.0
 * notify/email/email.go L60-62, L229-238, L264-271). So a display name works: ASCII words, no
 * comma (two addresses) and none of RFC 5322's specials unquoted.
 */
const DISPLAY_NAME_FROM = /^(?:[A-Za-z0-9][A-Za-z0-9 ._'&!-]*|"[\x20\x21\x23-\x5b\x5d-\x7e]*")? ?<([^<>\s]+)>$/;
const addressOf = (v: string) => DISPLAY_NAME_FROM.exec(v)?.[1] ?? v;
const withName = (message: string) => z.string()
    .refine((v) => z.email().safeParse(addressOf(v)).success, { message })
    .refine((v) => notSecretShapedAddress(addressOf(v)), { error: (issue) => secretInAddress(addressOf(String(issue.input))) });
const sender = withName("must be an e-mail address, or one in <> after a display name of ASCII letters, digits, spaces and . _ ' & ! - (or any ASCII in double quotes), such as Groundwork Alerts <alerts@example.com>: an unquoted comma makes it two addresses, which Alertmanager refuses at send time");
/** One recipient: Alertmanager parses `to` as an address list (email.go L239-246), so one entry is one address, named or not. */
const recipient = withName("must be one e-mail address, or one in <> after a display name of ASCII letters, digits, spaces and . _ ' & ! - (or any ASCII in double quotes), such as On-call <oncall@example.com>; list each recipient on its own");

/**
 * Chat tools' webhooks, which take their own JSON and refuse Alertmanager's generic webhook body
 * (a `version`, `status` and `alerts`, no message text: prometheus/alertmanager@v0.34.0
 * notify/webhook/webhook.go L61-68 `Message`, with template.Data): Slack answers `400 no_text`, Discord `400` "Cannot send an
 * empty message". Each has its own receiver, or none here. (A Logic Apps or Power Automate flow
 * takes any JSON its trigger is given, so it stays a valid relay.)
 */
const CHAT_TOOL_HOSTS: [RegExp, string][] = [
    [/^hooks\.slack\.com$/, "a Slack webhook; Slack refuses Alertmanager's webhook JSON (no text): set receiver.slack.url instead"],
    [/(^|\.)webhook\.office\.com$/, "a Microsoft 365 connector webhook, which takes a MessageCard, not Alertmanager's webhook JSON: create a Teams Workflows webhook and set receiver.teams.url"],
    [/^((ptb|canary)\.)?discord(app)?\.com$/, "a Discord webhook, which refuses Alertmanager's webhook JSON (no content): use Discord's Slack-compatible form (the same URL ending in /slack) as receiver.slack.url"],
];
const chatToolOf = (url: string): string | undefined => hostOfKind(url, CHAT_TOOL_HOSTS);
/**
 * Incident tools' own APIs under the generic webhook (sweep s29 M8): Alertmanager's webhook JSON is
 * neither PagerDuty's Events API event (routing_key, event_action, payload) nor Opsgenie's alert with
 * its GenieKey header, so every alert would be refused. Only those paths: PagerDuty's Custom Event
 * Transformer URLs on the same host take any JSON (review s26 R5).
 */
function incidentApiProblem(url: string): string | undefined {
    let parsed: URL;
    try { parsed = new URL(url); } catch { return undefined; }
    const host = parsed.hostname.toLowerCase();
    if (/^events\.(eu\.)?pagerduty\.com$/.test(host) && /^\/(v2\/enqueue|generic\/)/.test(parsed.pathname)) {
        return "is PagerDuty's Events API, which takes its own event (routing_key, event_action, payload), not Alertmanager's webhook JSON, so every alert would be refused; Groundwork has no PagerDuty receiver yet: use a Custom Event Transformer's URL, or a relay";
    }
    if (/^api\.(eu\.)?opsgenie\.com$/.test(host) && /^\/v2\/alerts/.test(parsed.pathname)) {
        return "is Opsgenie's Alert API, which needs a GenieKey Authorization header and its own alert JSON, neither of which Alertmanager's webhook sends, so every alert would be refused; Groundwork has no Opsgenie receiver yet: use a relay";
    }
    return undefined;
}

const chatToolMessage = (url: string) => `is ${chatToolOf(url)}`;

/** The receivers Alertmanager v0.34.0 can read a secret for from a file (config/notifiers.go L321, notify/msteamsv2/config.go L36, notify/webhook/config.go L32-51). */
export const RECEIVER_KINDS = ["webhook", "slack", "teams", "email"] as const;

const receiverSchema = z.strictObject({
    webhook: z.strictObject({
        url: receiverUrl.refine((v) => chatToolOf(v) === undefined, { error: (issue) => chatToolMessage(String(issue.input)) })
            .superRefine((v, ctx) => { const found = incidentApiProblem(v); if (found) ctx.addIssue({ code: "custom", message: found }); })
            .refine((v) => !plainHttpAcrossNetworks(v), { message: "is plain http to a public name or address: the alert, and the token such URLs carry, would cross networks unencrypted; use https, or plain http only to a Service in the cluster or a private address" })
            .transform((v) => pulumi.secret(v)).describe("Where Alertmanager POSTs its own JSON (secret, as such URLs carry a token). Stored in Vault at `monitoring/alert-receiver`."),
    }).optional().describe("Alertmanager's generic webhook, for tools that take its JSON (an incident tool, a relay); chat tools need `slack` or `teams`."),
    slack: z.strictObject({
        url: secretHttpsUrl("a Slack incoming webhook, https://hooks.slack.com/services/...", [
            [/(^|\.)(webhook\.office\.com|logic\.azure\.com|powerplatform\.com)$/, "a Microsoft Teams or Power Automate webhook, which does not read Slack's message JSON: set receiver.teams.url instead"],
        ], discordWithoutSlackPath).describe("The incoming webhook (secret). Stored in Vault at `monitoring/alert-receiver`."),
        channel: z.string().regex(/^[#@]?[a-z0-9._-]{1,80}$/, { error: (issue) => `must be a channel such as #platform-alerts: lower-case letters, digits, '-', '_' and '.', no spaces, at most 80 characters (Slack's channel names)${String(issue.input).replace(/^[#@]/, "").length > 80 ? `; this is ${String(issue.input).replace(/^[#@]/, "").length}` : ""}` }).optional().describe("Channel, if the webhook may post to others than its own."),
    }).optional().describe("A Slack channel, through an incoming webhook."),
    teams: z.strictObject({
        url: secretHttpsUrl("a Microsoft Teams Workflows webhook", [
            [/^hooks\.slack\.com$/, "a Slack webhook, which refuses the Teams card Alertmanager's msteamsv2 receiver posts: set receiver.slack.url instead"],
            [/^((ptb|canary)\.)?discord(app)?\.com$/, "a Discord webhook, which refuses the Teams card Alertmanager's msteamsv2 receiver posts: use its Slack-compatible form (the same URL ending in /slack) as receiver.slack.url"],
        ], workflowsUrlProblem).describe("The Teams Workflows (Power Automate) webhook that posts to the channel (secret). Stored in Vault at `monitoring/alert-receiver`."),
    }).optional().describe("A Microsoft Teams channel (Alertmanager's msteamsv2 receiver, for Teams Workflows webhooks)."),
    email: z.strictObject({
        // Each address once: Alertmanager sends to the list as written, and a repeat mails it twice (sweep s22 M25).
        to: z.array(recipient).min(1).superRefine((list, ctx) => {
            const address = (v: string) => (/<([^>]+)>\s*$/.exec(v)?.[1] ?? v).trim().toLowerCase();
            list.forEach((v, i) => {
                const first = list.findIndex((w) => address(w) === address(v));
                if (first < i) ctx.addIssue({ code: "custom", path: [i], message: `is item [${first}]'s address again; list each recipient once, or each receives every alert twice` });
            });
        }).describe("Who receives alerts: addresses, or `Display Name <address>` (Alertmanager parses `to` as an address list, as it does `from`)."),
        from: sender.describe("The sender: an address, or `Display Name <address>`."),
        smarthost: z.string().refine((v) => !v.includes("@"), { message: "holds user information (user:password@), which is never shown: give only host:port here, the user in username and the password in password" })
            .refine((v) => v.includes("@") || /^[A-Za-z0-9.-]+:\d{1,5}$/.test(v), { message: "must be host:port of the SMTP server, such as smtp.example.com:587" })
            .refine((v) => !/^[A-Za-z0-9.-]+:\d+$/.test(v) || (Number(v.split(":")[1]) >= 1 && Number(v.split(":")[1]) <= 65535), { message: "has a port outside 1-65535; SMTP submission is usually 587" })
            .refine((v) => SMTP_HOST.test(v.split(":")[0]), { message: "has a host that is not a DNS name or IPv4 address: each dot-separated label is 1-63 letters, digits or inner hyphens (RFC 1123), e.g. smtp.example.com:587" })
            .refine((v) => !unreachable(`smtp://${v}`), reachable)
            // Alertmanager wraps the connection in TLS only on 465 and speaks STARTTLS on any other port
            // (prometheus/alertmanager@v0.34.0 notify/email/email.go L133-139, L185-199); 2465 is SES's
            // other TLS-wrapper port, whose server never sends the plain greeting STARTTLS waits for
            // (docs.aws.amazon.com/ses/latest/dg/smtp-connect.html, via sweep s20-21).
            .refine((v) => v.split(":")[1] !== "2465", { message: "is port 2465, a TLS-wrapper port (SES's), but Alertmanager wraps only port 465 in TLS unless told otherwise (force_implicit_tls, which this stack does not set) and speaks STARTTLS on any other, so no mail would go out; use 587 or 2587 (STARTTLS), or 465" })
            .describe("SMTP server, host:port (STARTTLS is required)."),
        // An SMTP user name is an address or a short id (SES's is an AKIA… access key id; OCI Email
        // Delivery's is <user OCID>@<tenancy OCID>, whose OCIDs are long runs themselves: review s20b D2);
        // 40 or more key characters in a row besides those is a password pasted into the plain field (sweep s20-23).
        username: z.string().min(1)
            // Alertmanager hands the name to PLAIN authentication as written (notify/email/email.go L74, L107; sweep s21-13).
            .refine((v) => v === v.trim() && !/[\u0000-\u001f\u007f]|\p{Cf}/u.test(v), { message: "has a space or line break at an end, or a control or invisible character (a YAML | block keeps the final newline; a paste brings zero-width spaces), which Alertmanager sends as part of the name, so the server refuses every login; give the name alone" })
            .refine((v) => !/[A-Za-z0-9+/=]{40,}/.test(v.replace(/ocid1\.[a-z0-9.-]+/g, "")), { message: "has the shape of an SMTP password (40 or more key characters in a row, as SES makes them), not a user name, and it would be written in plain text; the pair looks swapped: give the user name here (SES: the AKIA… SMTP user) and the password, as a secret, in password; rotate the password" })
            // A known API key or bot token is no user name either (sweep s31 L1, L2).
            .refine((v) => !hasCredentialShape(v) && !hasShortRandomRun(v.split("@")[0]), { message: "has the shape of an API key or token, not a user name, and it would be written in plain text into Alertmanager's settings; give the SMTP user here and the password, as a secret, in password; rotate this credential" }).describe("SMTP user."),
        password: smtpPassword.describe("SMTP password (secret). Stored in Vault at `monitoring/alert-receiver`."),
    }).optional().describe("E-mail through an SMTP server."),
}).superRefine((r, ctx) => {
    const set = RECEIVER_KINDS.filter((k) => r[k] !== undefined);
    if (set.length !== 1) {
        ctx.addIssue({ code: "custom", message: set.length === 0 ? "must name one receiver: slack (url), teams (url), webhook (url) or email (to, from, smarthost, username, password)" : `names ${set.join(" and ")}; choose one` });
    }
});

/** The gateway latency alert's threshold when p95LatencySeconds is not set. */
export const P95_LATENCY_DEFAULT_SECONDS = 30;

/**
 * An SMTP user name that is the password too, as the stack file has it (parsed, the password is a
 * secret): Postmark's server API token "acts as both a username and password" on its SMTP page
 * (postmarkapp.com/developer/user-guide/send-email-with-smtp, via sweep s21-06), but the user name
 * is written in plain text into Alertmanager's settings, so the token would be too.
 */
export function smtpCredentialProblems(rawMonitoring: unknown): { path: (string | number)[]; message: string }[] {
    const email = (rawMonitoring as { alerts?: { receiver?: { email?: { username?: unknown; password?: unknown } } } } | undefined)?.alerts?.receiver?.email;
    if (typeof email?.username !== "string" || typeof email.password !== "string" || email.username.trim() === "" || email.username.trim() !== email.password.trim()) return [];
    return [{ path: ["monitoring", "alerts", "receiver", "email", "username"], message: "is the password too, and a user name is written in plain text into Alertmanager's settings, so the password would be; give a user name that is not a credential (Postmark: make an SMTP token, whose Access Key is the user name and Secret Key the password, instead of the server API token), and rotate this one" }];
}

const ratio = (what: string, fallback: number) => z.number().refine((v) => v > 0 && v < 1, { message: "is a ratio, above 0 and below 1 (0.05 is 5%)" }).default(fallback).describe(what);

export const monitoringSchema = z.strictObject({
    retentionDays: z.number().int().min(1).max(90).default(7).describe("Days of metrics Prometheus keeps."),
    storageGbs: z.number().int().min(2).max(500).default(8).describe("Prometheus's volume, GB; it also stops keeping data at 80% of it."),
    alerts: z.strictObject({
        receiver: receiverSchema.describe("Where alerts go (one receiver)."),
        runbookUrl: plainUrl(/^https$/, "must be the https URL of this repository's README, e.g. https://github.com/acme/platform/blob/main/README.md")
            // Every alert appends its own `#<section>`: a fragment here would make the link `#a#b`.
            .refine((url) => !url.includes("#"), { message: "has a #fragment, but every alert appends its own section (#<alert section>); give the README's URL without one" })
            // Opened by whoever is on call, from their own machine (sweep s27 M8).
            .refine((url) => !loopbackOrLinkLocal(url), { message: "points at loopback or link-local, which is the on-call person's own machine when they open an alert; give the README's address on your repository host" })
            .describe("The README every alert's runbook_url points into (`<url>#<alert section>`): the copy your on-call people read."),
        gateway: z.strictObject({
            errorRatio: ratio("Share of the gateway's requests that fail, over 10 minutes, before an alert.", 0.05),
            // Through LiteLLM no answer, an embedding or a cache hit included, comes back in under 50 ms: a lower
            // threshold fires on every call (sweep s29 M10; not 1 s, which embeddings and cache hits beat: review s26 N4).
            p95LatencySeconds: z.number().min(0.05, { message: "must be at least 0.05 seconds: no answer through the gateway, an embedding or a cache hit included, comes back faster, so the alert would fire all the time" }).max(600).default(P95_LATENCY_DEFAULT_SECONDS).describe("The gateway's 95th-percentile request time, over 10 minutes, before an alert (whole LLM answers, not first tokens)."),
        }).default({ errorRatio: 0.05, p95LatencySeconds: P95_LATENCY_DEFAULT_SECONDS }),
        gpuIdle: z.strictObject({
            minutes: z.number().int().min(15).max(1440).default(60).describe("How long a GPU stays below `utilizationPercent` before it is reported idle."),
            // The rule fires below this (alert-rules.ts `< utilizationPercent`): 0 would never fire.
            // DCGM_FI_DEV_GPU_UTIL is a whole percent, 0-100 (NVIDIA/dcgm-exporter@4.5.3-4.8.2
            // etc/default-counters.csv L23 "GPU utilization (in %)"; DCGM v4.5.3 field 203, DCGM_FT_INT64).
            utilizationPercent: z.number().max(100).refine((v) => v > 0, { message: "must be above 0: the alert fires when utilisation is below it, and it never is below 0" })
                .refine((v) => v < 100, { message: "must be below 100: the alert fires when utilisation is below it, so every GPU not fully busy for the whole window would be reported idle (sweep s29 M10); 5 is the default" })
                .refine((v) => v <= 0 || v >= 1, { message: "is below 1, as a ratio would be, but DCGM reports utilisation in whole percents (0-100), so the alert would fire only at 0%; write 5 for 5%" }).default(5).describe("GPU utilisation (DCGM_FI_DEV_GPU_UTIL) under which it counts as idle."),
        }).default({ minutes: 60, utilizationPercent: 5 }).describe("A paid GPU node doing nothing."),
    }).describe("Alert rules and where they are sent."),
}).describe("Prometheus, Alertmanager and Grafana: metrics of every layer, alerts with runbooks, dashboards.");

export type MonitoringConfig = z.output<typeof monitoringSchema>;
