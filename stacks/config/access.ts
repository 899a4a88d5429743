import { domainToASCII, domainToUnicode } from "url";
import { z } from "zod";
import { codePoint, GREEK_OR_CYRILLIC, hasSecretShapedRun, hasShortRandomRun, hasTokenPrefix } from "./errors";
import { appGroupName, cidr, emailAddress, isObject, loopbackOrLinkLocal, nameSecretShape, operatorCidr, noRepeats, plainUrl, SECRET_IN_PLAIN_FIELD, secretToken, SHORT_NAME, TOKEN_PREFIX_SHAPE } from "./primitives";
import { keyAlias } from "../../components/inference/gateway-config";

/**
 * `groundwork:access`: the one way in. Hostnames inside one domain, who may reach them, where
 * their certificates come from, and the company's identity provider for single sign-on.
 * `groundwork:apps`: the applications people use through it.
 */

/**
 * For a name written with letters outside ASCII (Latin with accents; Cyrillic and Greek get their
 * look-alike hint from the error formatter): the first such letter, and the name's ASCII form,
 * which certificates, routes and DNS use (IDNA, RFC 5891; Node's url.domainToASCII).
 */
function internationalNameHint(name: string): string {
    const i = [...name].findIndex((c) => /[^\x00-\x7f]/.test(c));
    if (i < 0 || GREEK_OR_CYRILLIC.test(name)) return "";
    const ascii = domainToASCII(name.toLowerCase());
    const letter = [...name][i];
    return `: it holds ${JSON.stringify(letter)} (${codePoint(letter)}) at character ${i + 1}; ${ascii && HOSTNAME.test(ascii) ? `an international name is written in its ASCII form here, ${ascii}` : "an international name is written in its ASCII (xn--) form here"}`;
}

/** A DNS name of two labels or more, lower case (RFC 1123 labels). */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * What is wrong with a name that is nearly a host name, and the name to write: the absolute form's
 * final dot, a wildcard, capitals, alone or together (sweep s24 W2, review s24b F5).
 */
function nearHostnameHint(name: string): string {
    const fixes: string[] = [];
    let fixed = name;
    if (fixed.endsWith(".")) {
        fixed = fixed.slice(0, -1);
        fixes.push("the absolute form's final '.', which an Ingress host and a certificate name do not take");
    }
    const wildcard = fixed.startsWith("*.");
    if (wildcard) {
        fixed = fixed.slice(2);
        fixes.push("the wildcard '*.': each name here is one host, with a certificate of its own");
    }
    if (fixed !== fixed.toLowerCase()) {
        fixed = fixed.toLowerCase();
        fixes.push("capitals");
    }
    if (fixes.length === 0 || !HOSTNAME.test(fixed)) return internationalNameHint(name);
    return `: write ${wildcard ? `a name under ${fixed}, or ${fixed} itself` : fixed}, without ${fixes.join(", nor ")}`;
}
/**
 * The single labels a domain may be with the stack's own CA: ICANN's `internal` (Board resolution
 * 2024.07.29.06), RFC 2606's `test`, and the names networks commonly keep for themselves that are
 * not delegated (RFC 6762 Appendix G lists lan, home, corp, intranet, private). Not `local` (mDNS,
 * RFC 6762), `localhost` (RFC 6761), `invalid` or `example` (never resolve), nor a delegated TLD.
 */
const PRIVATE_USE_LABELS = ["internal", "lan", "home", "corp", "intranet", "private", "test"];
/** A domain may be one label, a top-level domain kept for private use such as ICANN's `internal`, with the stack's own CA (sweep s25 F3). */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// A name refused for its length alone says so: its value may be hidden (sweep s29 W3).
const tooLongForDns = (name: string) => (name.length > 253 ? `, at most 253 characters in all (this is ${name.length})` : "");
const dnsName = (pattern: RegExp, rule: string) => z.string().regex(pattern, { error: (issue) => `must be ${rule}${tooLongForDns(String(issue.input))}${nearHostnameHint(String(issue.input))}` })
    // RFC 3696 section 2: "a top-level domain ... cannot be all-numeric"; 10.0.0.1 is an address, not a name.
    .refine((name) => !/(^|\.)[0-9]+$/.test(name), { message: "ends in an all-numeric label, which no top-level domain is (RFC 3696, section 2); give a DNS name, since certificates and routes are issued for names, not addresses" })
    // Labels with '--' in their third and fourth characters are reserved for IDNA (RFC 5890 2.3.1,
    // "R-LDH"), and an xn-- label must be valid Punycode: Let's Encrypt refuses both ("invalid label in
    // a reserved format", "malformed punycode": letsencrypt/boulder policy/pa.go, code index; sweep s22b50, s22b51).
    .refine((name) => !name.split(".").some((label) => /^..--/.test(label) && !label.startsWith("xn--")), { message: "has a label with '--' in its third and fourth characters, a form reserved for internationalised names (RFC 5890, R-LDH), which Let's Encrypt refuses; rename it (chat-ai rather than ab--chat)" })
    .refine((name) => !name.split(".").some((label) => label.startsWith("xn--") && domainToUnicode(label) === ""), { message: "has an xn-- label that is not valid Punycode, so it names no internationalised name and no certificate is issued for it; give the name as domainToASCII writes it (punycode of the Unicode name)" });
const hostname = dnsName(HOSTNAME, "a lower-case DNS name of two or more labels, such as chat.example.com");
const domainName = dnsName(DOMAIN, "a lower-case DNS name such as example.com (one label, such as internal, only with tls.issuer private-ca)");

/** The services a host can be given to, and whether the world or only operators may reach it. */
export const PUBLIC_HOSTS = ["gateway", "langfuse", "chat", "notebooks"] as const;
/** Grafana reads every metric of the stack: an administration endpoint, as the security pack's route rules hold. */
export const OPERATOR_HOSTS = ["gatewayAdmin", "vault", "grafana"] as const;
export type HostRole = (typeof PUBLIC_HOSTS)[number] | (typeof OPERATOR_HOSTS)[number];

/** Let's Encrypt's production directory (letsencrypt.org/docs/acme-protocol-updates, read 2026-11-27). */
export const LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";

/**
 * Special-use names no public CA issues for and no public mail reaches (RFC 6761, RFC 6762 .local
 * and the private names of its appendix G: intranet, internal, private, corp, home, lan; RFC 8375
 * home.arpa; ICANN's .internal; localdomain, which systems give their own hostname).
 */
const NON_PUBLIC_NAME = /(^|\.)(internal|local|localhost|localdomain|test|invalid|home\.arpa|lan|corp|home|intranet|private)$/;

/**
 * ACME servers that open an account only with External Account Binding (a key ID and HMAC key from
 * the CA's account), which RFC 8555 section 7.3.4 lets a server require and cert-manager's issuer
 * here does not carry: ZeroSSL and Sectigo (golang/go#41430, "certificate authorities that require
 * the feature (Sectigo, zerossl, etc)", read 2026-11-28), and Google Trust Services, whose
 * accounts bind a key made with `gcloud publicca external-account-keys create`
 * (cloud.google.com/sdk/gcloud/reference/publicca/external-account-keys, read 2026-11-29), and
 * DigiCert ("Your ACME client must send the following EAB credentials", docs.digicert.com Trust
 * Lifecycle Manager, "ACME external account binding (EAB)", read 2026-11-29; sweep s18 ac48), and
 * SSL.com ("you will need to retrieve your Account Key and HMAC Key from your SSL.com account",
 * ssl.com/guide/ssl-tls-certificate-issuance-and-revocation-with-acme, read 2026-11-29; sweep s19-32).
 */
const NEEDS_EXTERNAL_ACCOUNT = /(^|\.)(acme\.zerossl\.com|acme\.sectigo\.com|dv\.acme-v02\.api\.pki\.goog|dv\.acme-v02\.test-api\.pki\.goog|acme\.digicert\.com|acme\.ssl\.com)$/;

/** `client_id:client_secret` pasted whole: one ':' and, after it, 16 or more key characters with letters and digits (not a URL's `//`, which a client id may be). */
export const CLIENT_ID_WITH_SECRET = /^[^:]+:(?!\/\/)(?=[^:]*[A-Za-z])(?=[^:]*\d)[A-Za-z0-9._~+/=-]{16,}$/;

/** A tenant id: Entra's v2.0 tokens name the tenant by this GUID in `iss` (MicrosoftDocs/entra-docs identity-platform/id-token-claims-reference.md, `iss`, read 2026-11-29). */
const ENTRA_TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A URL's host name, or the text itself when it is not a URL. */
function hostOf(url: string): string {
    try {
        return new URL(url).hostname;
    } catch {
        return url;
    }
}

/** Whether an acmeServer value (unset: the default) is one of Let's Encrypt's directories. */
function isLetsEncrypt(server: unknown): boolean {
    if (server === undefined) return true;
    try {
        return typeof server === "string" && new URL(server).hostname.endsWith(".api.letsencrypt.org");
    } catch {
        return false;
    }
}

/**
 * Why an ACME account contact would be refused, or undefined. Let's Encrypt refuses the new
 * account, so no certificate is ever issued, when the address is not ASCII, its domain is not under
 * a public top-level domain, or is one of RFC 2606's example.com/.net/.org ("frequently used when
 * copy-pasting example configurations"): letsencrypt/boulder@v0.20260804.0 wfe2/wfe.go L690-735
 * (contactsToEmails) and policy/pa.go L371-403 (ValidEmail), read 2026-11-28.
 */
export function acmeContactProblem(email: string): string | undefined {
    if (!/^[\x21-\x7e]+$/.test(email)) return "has characters outside printable ASCII, which Let's Encrypt refuses in a contact; give a plain ASCII address";
    const domain = (email.split("@").pop() ?? "").toLowerCase();
    if (/^example\.(com|net|org)$/.test(domain)) {
        return `is at ${domain}, a documentation domain (RFC 2606) Let's Encrypt refuses as a contact, so the ACME account is never created; give the address that should get expiry notices`;
    }
    if (NON_PUBLIC_NAME.test(domain) || !domain.includes(".")) {
        return `is at ${domain}, not under a public top-level domain: Let's Encrypt refuses such a contact, so the ACME account is never created; give an address mail can reach`;
    }
    return undefined;
}

/** An issuer's endpoint: https, and never loopback or link-local, which is each application's own pod (sweep s21r-03). */
const endpointUrl = plainUrl(/^https$/, "must be an https URL")
    .refine((url) => !loopbackOrLinkLocal(url), { message: "points at loopback or link-local, which is each application's own pod (or the metadata service), never the identity provider; copy the endpoint from <issuer>/.well-known/openid-configuration" });

const ssoSchema = z.strictObject({
    issuer: plainUrl(/^https$/, "must be the identity provider's https issuer URL, e.g. https://accounts.google.com")
        // OpenID Connect Core 1.0 section 2: the issuer is an https URL "with no query or fragment components".
        .refine((url) => !/[?#]/.test(url), { message: "has a query or fragment, which an OIDC issuer never has (OpenID Connect Core 1.0, section 2); give the issuer as its discovery document names it" })
        // Tokens carry the issuer exactly as the discovery document names it, and applications compare it
        // whole: Google's has no trailing slash, and Entra's multi-tenant endpoints name a {tenantid} template.
        .refine((url) => url !== "https://accounts.google.com/", { message: "has a trailing slash, which Google's issuer has not; give https://accounts.google.com" })
        // An ID token's iss is compared with the issuer character for character (OpenID Connect
        // Discovery 1.0 section 4.3): Google's is lower case, and Entra's v2.0 ends without a slash.
        .refine((url) => !/^https:\/\/accounts\.google\.com\/?$/i.test(url) || url.startsWith("https://accounts.google.com"), { message: "spells Google's issuer with capitals; every token says https://accounts.google.com, and the issuer is compared exactly" })
        .refine((url) => !/^https:\/\/login\.microsoftonline\.com\/[^/]+\/v2\.0\/$/.test(url), { message: "ends with a slash, which Entra's v2.0 issuer has not; give https://login.microsoftonline.com/<tenant id>/v2.0" })
        // Keycloak's issuer is <base>/realms/<realm>, with no slash after it (keycloak/keycloak
        // services/src/main/java/org/keycloak/services/Urls.java `realmIssuer`, code index at 06602a51),
        // and Vault checks the discovery document's issuer exactly when its OIDC config is written (sweep s20-09).
        .refine((url) => !/\/realms\/[^/]+\/$/.test(url), { error: (issue) => `ends with a slash, which Keycloak's issuer has not, and Vault refuses an issuer its discovery document does not name exactly; give ${String(issue.input).replace(/\/+$/, "")}` })
        .refine((url) => !/^https:\/\/login\.microsoftonline\.com\/(common|organizations|consumers)\//.test(url), { message: "is one of Entra's multi-tenant endpoints, whose discovery document names a {tenantid} template that no token's issuer matches; give https://login.microsoftonline.com/<your tenant id>/v2.0" })
        .refine((url) => { const tenant = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/.exec(url)?.[1]; return tenant === undefined || /^(common|organizations|consumers)$/.test(tenant) || ENTRA_TENANT_ID.test(tenant); },
            { message: "names the Entra tenant by its domain; Entra's tokens name it by its tenant id, and the issuer is compared exactly: give https://login.microsoftonline.com/<tenant id, a GUID, from the tenant's Overview>/v2.0" })
        // The discovery document's own URL pasted: every application appends the path again (OpenID Connect Discovery 1.0, section 4).
        .refine((url) => !/\/\.well-known\/(openid-configuration|oauth-authorization-server)\/?$/.test(url), {
            error: (issue) => `is the discovery document's URL, not the issuer; give ${String(issue.input).replace(/\/\.well-known\/.*$/, "")} (each application appends /.well-known/openid-configuration itself)`,
        })
        // Each application fetches the issuer from its own pod: loopback is that pod, link-local the
        // metadata service (sweep s21-25).
        .refine((url) => !loopbackOrLinkLocal(url), { message: "points at loopback or link-local, which is each application's own pod (or the metadata service), never the identity provider; give the issuer's address as the applications reach it" })
        // A written :443 or capitals in the host are gone from the parsed URL's origin, and a token's
        // iss is the issuer exactly as the discovery document writes it, which never has them
        // (OpenID Connect Discovery 1.0, 4.3: "MUST be identical"; sweep s21-30, s21-31).
        // A host outside ASCII: the parser turns it into punycode, which tokens carry (sweep s21r-11).
        .refine((url) => !/^[a-z]+:\/\/[^/]*[^\x00-\x7f]/i.test(url), { error: (issue) => { let origin = ""; try { origin = new URL(String(issue.input)).origin; } catch { /* z.url reports it */ } return `has a host outside ASCII, which the issuer's discovery document and its tokens write in punycode, and Vault and the applications compare the issuer exactly; give it as ${origin}${String(issue.input).replace(/^[a-z]+:\/\/[^/]*/i, "")}`; } })
        .refine((url) => { try { const origin = new URL(url).origin; return /^[a-z]+:\/\/[^/]*[^\x00-\x7f]/i.test(url) || (url.startsWith(origin) && /^(\/|$)/.test(url.slice(origin.length))); } catch { return true; } }, {
            error: (issue) => { const text = String(issue.input); let origin = ""; try { origin = new URL(text).origin; } catch { /* z.url reports it */ } return `spells its host with capitals or names the default port (:443), which the issuer in the provider's discovery document and in every token does not, and Vault and the applications compare it exactly; give ${origin}${text.replace(/^[a-z]+:\/\/[^/]*/i, "")}`; },
        })
        .describe("OIDC issuer (its /.well-known/openid-configuration is read by every application)."),
    clientId: z.string().regex(/^[\x21-\x7e]+$/, { message: "must be the OIDC client id: printable ASCII, not blank, without spaces or invisible characters" })
        // `id:secret` is HTTP basic authentication's form: the secret would be written into four apps'
        // values (sweep s18 se32). A client id may hold colons itself (a URN): only one colon before
        // a secret's shape counts (review s18b R3).
        .refine((id) => !CLIENT_ID_WITH_SECRET.test(id), { message: "is client_id:client_secret, the id and a secret's shape after one ':'; give the client id alone, set the secret with pulumi config set --secret --path 'groundwork:access.sso.clientSecret', and rotate that secret (it is in the stack file's history)" })
        .describe("OIDC client id registered for this stack."),
    clientSecret: secretToken.describe("OIDC client secret (secret); stored in Vault at `sso/oidc`, never in a manifest."),
    kubernetesClientId: z.string().regex(/^[\x21-\x7e]+$/, { message: "must be an OIDC client id: printable ASCII, not blank" }).optional()
        .describe("A public client (no secret, PKCE) at the same issuer for kubectl: with it, operators sign in to the API server as themselves (kubelogin), and the operators' group is cluster-admin. Its own client, not clientId: the applications hold people's ID tokens for clientId, which the API server would then take."),
    groupsClaim: z.string().regex(/^[A-Za-z0-9_.:/-]+$/, { message: "must be a claim name such as groups" })
        .refine((v) => !hasSecretShapedRun(v) && !hasShortRandomRun(v), { error: (issue) => SECRET_IN_PLAIN_FIELD("a claim name", "the claim's name is written in plain text into Grafana's, JupyterHub's, the chat UI's and Vault's settings", nameSecretShape(String(issue.input))) })
        // JupyterHub's OAuthenticator reads a dotted key as nested keys (jupyterhub/oauthenticator@17.4.0
        // oauth2.py L389-399, L1242 `reduce(dict.get, key.split("."))`), as Open WebUI does with its
        // roles claim, while Grafana (the quoted JMESPath name, monitoring.ts) and Vault (groups_claim)
        // read one claim of that name: a URL-named claim (Auth0's) or a path (Keycloak's
        // realm_access.roles) is found by one half and not the other (sweep s18 ac44).
        .refine((claim) => !claim.includes("."), { message: "holds '.', which notebooks (JupyterHub's OAuthenticator) and the chat UI read as a path of nested keys while Grafana and Vault read one claim of that name, so one or the other finds no groups; have the identity provider send the groups as a top-level claim without dots, such as groups" })
        .default("groups")
        .describe("ID-token claim that lists a person's groups."),
    usersGroup: appGroupName.optional().describe("Group whose members may use the chat UI and notebooks (with the operators); without it, everyone the issuer signs in for this client may, so restrict the client at the identity provider."),
    allowedDomains: z.array(z.string().regex(HOSTNAME, {
        // A domain with capitals is one; the hosts say the same (sweep s33 W2).
        error: (issue) => HOSTNAME.test(String(issue.input).toLowerCase()) ? `has capital letters; write the domain in lower case: ${String(issue.input).toLowerCase()}` : "must be an e-mail domain such as example.com",
    })).min(1).superRefine(noRepeats("list each domain once")).optional()
        .describe("E-mail domains the chat UI accepts (Open WebUI OAUTH_ALLOWED_DOMAINS); with a public issuer such as Google, set it. It trusts the address the issuer vouches for: a personal Google account can be made for any address its owner receives mail at, so it admits whoever reads mail at your domain; a group (usersGroup) or a client the provider limits to your organisation (restrictedClient) is stricter."),
    operatorsGroup: appGroupName.describe("Group whose members operate the platform: Vault's operator role, and administrators in Langfuse, the chat UI and notebooks."),
    administrators: z.array(emailAddress).min(1)
        // Addresses are matched without case by the identity provider's sign-in: one person, once.
        .superRefine((list, ctx) => list.forEach((address, i) => {
            const first = list.findIndex((other) => other.toLowerCase() === address.toLowerCase());
            if (first < i) ctx.addIssue({ code: "custom", path: [i], message: `is administrators[${first}] again (addresses compare without case); list each administrator once` });
        }))
        .describe("E-mail addresses of the first administrators: the first is Langfuse's owner; all are notebook admins. They sign in through the identity provider."),
    oauthEndpoints: z.strictObject({
        authorizeUrl: endpointUrl.describe("The issuer's authorization endpoint."),
        tokenUrl: endpointUrl.describe("The issuer's token endpoint."),
        userinfoUrl: endpointUrl
            // Graph's user resource has `mail` and `userPrincipalName` but no `email`, which notebooks name people by;
            // Entra's userinfo endpoint returns the OpenID claims (sweep s20-39).
            .refine((url) => !/^https:\/\/graph\.microsoft\.com\/(v1\.0|beta)\/me\/?$/i.test(url), { message: "is Microsoft Graph's user resource, which has no email claim, so notebooks could name no one; give Entra's userinfo endpoint, https://graph.microsoft.com/oidc/userinfo" })
            .describe("The issuer's userinfo endpoint."),
    }).optional().describe("The issuer's endpoints, as its discovery document lists them; required for notebooks (JupyterHub's OAuthenticator reads no discovery document)."),
    langfuseSignUp: z.boolean().default(false)
        .describe("Let anyone the identity provider signs in make a Langfuse account, with no access until an owner gives them a role; otherwise only the administrator (and people an owner adds) sign in."),
    restrictedClient: z.boolean().default(false)
        .describe("Say that the identity provider signs in only your organisation's accounts for this client (Google: the OAuth consent screen's user type is Internal). Read only with an issuer that otherwise signs in any account (Google, GitLab.com, Microsoft personal accounts, Apple): there, without it, notebooks need `usersGroup`, the chat UI `usersGroup` or `allowedDomains`, and `langfuseSignUp` is refused."),
}).refine((sso) => sso.kubernetesClientId === undefined || sso.kubernetesClientId !== sso.clientId, {
    path: ["kubernetesClientId"],
    message: "is clientId, the applications' client: they keep people's ID tokens for it (Open WebUI stores them and hands them to tools), and the API server would take any of them as that person; register a separate public client for kubectl",
}).refine((sso) => sso.usersGroup === undefined || sso.usersGroup !== sso.operatorsGroup, {
    path: ["usersGroup"],
    message: "is also operatorsGroup: everyone who may use the chat UI and notebooks would operate the platform (Vault's operator role, administrator in Langfuse, the chat UI and notebooks); name a group of users without those rights, or leave usersGroup unset and restrict the client at the identity provider",
}).describe("Single sign-on through any OIDC issuer.");

const requestsPerSecond = z.number().int().min(1).max(100_000);

const rateLimit = z.strictObject({
    average: requestsPerSecond.default(20).describe("Requests per second per API key (each `Authorization` value), on average."),
    burst: requestsPerSecond.default(40).describe("Requests one key may send at once above the average."),
    allCallers: z.strictObject({
        average: requestsPerSecond.optional().describe("Requests per second, on average."),
        burst: requestsPerSecond.optional().describe("Requests at once above the average."),
    }).optional().describe("Ceiling for all callers together, per node that takes the traffic in and per ingress replica: a caller sending a new made-up key with every request has a fresh per-key allowance each time, and this is what stops it. Default: 200 a second with bursts of 400, or the per-key limit where that is higher."),
}).refine((limit) => (limit.allCallers?.average ?? Infinity) >= limit.average && (limit.allCallers?.burst ?? Infinity) >= limit.burst, {
    path: ["allCallers"],
    error: (issue) => { const l = issue.input as { average: number; burst: number }; return `is below the per-key limit (average ${l.average}, burst ${l.burst}): one key alone would be held to it, and the per-key limit could never be reached; give allCallers at least those, or leave it out for the default`; },
// Left out, the ceiling is 200/400, or the per-key limit where that is higher (sweep s21r-07).
}).transform((limit) => ({ ...limit, allCallers: { average: limit.allCallers?.average ?? Math.max(200, limit.average), burst: limit.allCallers?.burst ?? Math.max(400, limit.burst) } }));

export const accessSchema = z.strictObject({
    domain: domainName.describe("Every hostname lies inside this domain. One label (such as `internal`, which ICANN keeps for private use) only with tls.issuer private-ca."),
    publicRanges: z.array(cidr).min(1, { message: "must list at least one range: with none, no one could reach the public hosts; leave it out for everyone (0.0.0.0/0), or give the ranges that may" }).superRefine(noRepeats("list each range once")).default(["0.0.0.0/0"])
        .describe("Who may reach the public hosts (HTTPS 443, and HTTP 80 that only redirects and answers ACME challenges; with tls.issuer acme, 80 is open to everyone, as Let's Encrypt validates from addresses it does not publish)."),
    operatorRanges: z.array(operatorCidr).min(1).superRefine(noRepeats("list each range once"))
        .describe("Who may reach the operator hosts (gateway admin, Vault UI) on port 9443. Required; never 0.0.0.0/0."),
    tls: z.strictObject({
        issuer: z.enum(["acme", "private-ca"]).describe("`acme`: public certificates by HTTP-01 (hosts must resolve to the ingress); `private-ca`: the stack's own CA, for names no public resolver knows."),
        acmeEmail: emailAddress.optional().describe("Contact for the ACME account; required with `acme`."),
        // No user name, password or credential parameter: the URL is written into the ClusterIssuer (sweep s18 ac47).
        acmeServer: plainUrl(/^https$/, "must be an https ACME directory URL")
            // cert-manager calls it from its own pod (sweep s27 M3).
            .refine((url) => !loopbackOrLinkLocal(url), { message: "points at loopback or link-local, which is cert-manager's own pod (or the metadata service), never an ACME server; give the directory's address as the cluster reaches it" })
            // Let's Encrypt serves its directory at /directory only (acme-v02 and acme-staging-v02).
            .refine((url) => !isLetsEncrypt(url) || new URL(url).pathname === "/directory", { message: "is a Let's Encrypt host without its directory path; give https://acme-v02.api.letsencrypt.org/directory (or acme-staging-v02 while testing)" })
            // Let's Encrypt turned ACMEv1 off in June 2021 (community.letsencrypt.org/t/end-of-life-plan-for-acmev1/88430); cert-manager speaks ACMEv2 (RFC 8555) only.
            .refine((url) => !isLetsEncrypt(url) || /^acme-(staging-)?v02\.api\.letsencrypt\.org$/.test(new URL(url).hostname), { message: "is a Let's Encrypt host other than its ACMEv2 directories (ACMEv1 was turned off in June 2021); give https://acme-v02.api.letsencrypt.org/directory, or acme-staging-v02 while testing" })
            .refine((url) => { try { return !NEEDS_EXTERNAL_ACCOUNT.test(new URL(url).hostname); } catch { return true; } }, {
                message: "is a CA that opens an ACME account only with External Account Binding (a key ID and HMAC key from its dashboard), which this stack's issuer does not carry, so no certificate would be issued; use Let's Encrypt (the default), or access.tls.issuer: private-ca",
            })
            .default(LETS_ENCRYPT)
            .describe("ACME directory; Let's Encrypt's staging directory while testing."),
    }).describe("Where certificates come from (cert-manager issues and renews them)."),
    hosts: z.strictObject({
        gateway: hostname.optional().describe("OpenAI-compatible API (chat, completions, embeddings and the model list under `/v1`), for applications outside the cluster."),
        gatewayAdmin: hostname.optional().describe("The gateway's admin API and UI; operator ranges only."),
        langfuse: hostname.optional().describe("Langfuse."),
        vault: hostname.optional().describe("Vault's UI and API; operator ranges only."),
        chat: hostname.optional().describe("The chat UI (groundwork:apps.chat)."),
        notebooks: hostname.optional().describe("Notebooks (groundwork:apps.notebooks)."),
        grafana: hostname.optional().describe("Grafana's dashboards; operator ranges only, on 9443. With access.sso and its oauthEndpoints, people sign in through SSO (operators as Admins)."),
    }).default({}).describe("A hostname per service; a service without one is not routed."),
    replicas: z.number().int().min(1).max(5).default(1).describe("Ingress controller replicas; 2 or more keep the way in up while a node drains."),
    gatewayRateLimit: rateLimit.default({ average: 20, burst: 40, allCallers: { average: 200, burst: 400 } }).describe("Rate limits at the edge for the public gateway host, per key and for all callers together (LiteLLM's per-key limits and budgets apply behind them)."),
    sso: ssoSchema.optional(),
});

export type AccessConfig = z.output<typeof accessSchema>;
export type SsoConfig = NonNullable<AccessConfig["sso"]>;

const size = {
    cpus: z.number().min(0.05).max(64).describe("CPU request, cores."),
    memoryGbs: z.number().min(0.25).max(512).describe("Memory request, GiB."),
};

/** A team an application's calls count against: a team's name, so any other text is refused by shape, never repeated (sweep s22 L4). */
const APP_TEAM = z.string().regex(SHORT_NAME, { message: "must be a team's name from groundwork:inference.teams: lower-case letters, digits and '-', starting with a letter, at most 31 characters" });

export const appsSchema = z.strictObject({
    chat: z.strictObject({
        enabled: z.boolean().default(true),
        cpus: size.cpus.default(0.1),
        memoryGbs: size.memoryGbs.default(1),
        storageGbs: z.number().int().min(1).max(1000).default(5).describe("Chat history and uploads, GB."),
        team: APP_TEAM.optional().describe("The groundwork:inference team whose budget people's chats count against; default: the first team."),
    }).optional().describe("A chat UI (Open WebUI) on the gateway, signed in through SSO."),
    notebooks: z.strictObject({
        enabled: z.boolean().default(true),
        cpus: size.cpus.default(0.1).describe("CPU request of each person's notebook server, cores."),
        memoryGbs: size.memoryGbs.default(1).describe("Memory of each person's notebook server (request = limit), GiB."),
        storageGbs: z.number().int().min(1).max(1000).default(5).describe("Each person's home volume, GB."),
        concurrentUsers: z.number().int().min(1).max(500).default(1).describe("Servers the stack must have room for at once (the capacity check counts them)."),
        team: APP_TEAM.optional().describe("The groundwork:inference team whose key notebooks call the gateway with; default: the first team."),
    }).optional().describe("JupyterHub notebooks, signed in through SSO."),
}).default({});

export type AppsConfig = z.output<typeof appsSchema>;

/**
 * Issuers that sign in any account holder, not one organisation's people: Google (any Google
 * account, unless the client's consent screen is Internal), GitLab.com, Microsoft's tenant of
 * personal accounts (9188040d-6c67-4c5b-b112-36a304b66dad, MicrosoftDocs/entra-docs
 * id-token-claims-reference.md: the `tid` of every personal account), and Apple. With one of them,
 * "everyone the issuer signs in" is everyone on the internet (security review s17 H1).
 */
export const ANY_ACCOUNT_ISSUERS: Readonly<Record<string, string>> = {
    "https://accounts.google.com": "Google signs in any Google account",
    "https://gitlab.com": "GitLab.com signs in any GitLab.com account",
    "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0": "this is Microsoft's tenant of personal accounts, which signs in any Microsoft account",
    "https://appleid.apple.com": "Apple signs in any Apple Account",
};

/**
 * Why people sign in through an identity provider that signs in any account, from the issuer
 * (compared without case or a trailing slash, as its users may write it) or from the authorization
 * endpoint notebooks send people to: Entra's `common`, `organizations` and `consumers` sign-ins
 * take any Microsoft account whatever the issuer (review s17b). Undefined for one organisation's.
 */
export function anyAccountSignIn(issuer: unknown, authorizeUrl: unknown): string | undefined {
    const normal = (url: unknown) => (typeof url === "string" ? url.replace(/\/+$/, "").toLowerCase() : "");
    const byIssuer = Object.entries(ANY_ACCOUNT_ISSUERS).find(([known]) => known.toLowerCase() === normal(issuer))?.[1];
    if (byIssuer) return byIssuer;
    const authorize = normal(authorizeUrl);
    if (/^https:\/\/login\.microsoftonline\.com\/(common|organizations|consumers|9188040d-6c67-4c5b-b112-36a304b66dad)\//.test(authorize)) {
        return "notebooks would sign people in at Entra's multi-tenant endpoint, which signs in any Microsoft account";
    }
    const host = Object.keys(ANY_ACCOUNT_ISSUERS).find((known) => authorize.startsWith(`${known.toLowerCase()}/`) && !known.includes("microsoftonline"));
    return host ? `notebooks would sign people in at ${new URL(host).host}, which signs in any account` : undefined;
}

/**
 * Mail domains anyone can have an address at, so an `allowedDomains` entry admits everyone: the
 * consumer mail of the any-account issuers (Google's gmail.com and googlemail.com, Microsoft's
 * outlook.com, hotmail.com and live.com, Apple's icloud.com and me.com) (sweep s18 ac41).
 */
export const PUBLIC_MAIL_DOMAINS: Readonly<Record<string, string>> = {
    "gmail.com": "Google", "googlemail.com": "Google", "outlook.com": "Microsoft", "hotmail.com": "Microsoft", "live.com": "Microsoft",
    "icloud.com": "Apple", "me.com": "Apple",
};

/** The tenant an Entra v2.0 issuer names (`https://login.microsoftonline.com/<tenant>/v2.0`), or undefined. */
export function entraTenant(issuer: unknown): string | undefined {
    return typeof issuer === "string" ? /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0\/*$/i.exec(issuer)?.[1] : undefined;
}

/**
 * The SSO client secret checked against the client id and the issuer, as the stack file has it
 * (parsed, it is a secret): never the id again, and, with Entra, never a GUID, which is the
 * secret's "Secret ID" column, not its value, so every token request would fail (AADSTS7000215;
 * sweep s18 se35). Never names the secret.
 */
export function ssoSecretProblems(rawAccess: unknown): { path: (string | number)[]; message: string }[] {
    const sso = isObject(rawAccess) && isObject(rawAccess.sso) ? rawAccess.sso : undefined;
    // The client id pasted into the secret too (sweep s19-30): no issuer's client has its id as its secret.
    if (sso && typeof sso.clientSecret === "string" && typeof sso.clientId === "string" && sso.clientSecret.trim() !== "" && sso.clientSecret.trim() === sso.clientId.trim()) {
        return [{ path: ["access", "sso", "clientSecret"], message: "is access.sso.clientId again, the id pasted twice; give the client's secret, which the identity provider shows beside the id (in Entra, the secret's Value)" }];
    }
    // Keycloak generates a client's secret as random letters and digits: 32 (keycloak/keycloak
    // common/src/main/java/org/keycloak/common/util/SecretGenerator.java randomString, code index,
    // read 2026-11-29), 86 in newer releases (keycloak/keycloak#50083, review s21c R4); its client
    // ids are names (sweep s21-05b). Older releases generated UUIDs, which upgrades keep, so a
    // UUID secret is not refused (review s21c D2). Auth0's ids are 32 letters and digits too:
    // Keycloak's issuers alone.
    if (sso && typeof sso.issuer === "string" && /\/realms\/[^/]+$/.test(sso.issuer)) {
        if (typeof sso.clientId === "string" && /^[A-Za-z0-9]{32,128}$/.test(sso.clientId) && /\d/.test(sso.clientId) && /[A-Z]/.test(sso.clientId) && /[a-z]/.test(sso.clientId)) {
            return [{ path: ["access", "sso", "clientId"], message: "has the shape of a Keycloak client secret (32 or more random letters and digits, as Keycloak generates them), not of a client id, and a client id is written in plain text into four applications' settings; the pair looks swapped: give the client's name (Clients, Client ID) here and the secret, encrypted, in clientSecret; rotate the secret (Credentials, Regenerate)" }];
        }
    }
    // Any other issuer's generated secret: Auth0's are 64 letters, digits, '-' and '_' (sweep s22 L2).
    // Not on Authentik, whose client ids are 40 random letters and digits themselves
    // (goauthentik/authentik authentik/providers/oauth2/generators.py generate_client_id; review s22 F1).
    const authentik = typeof sso?.issuer === "string" && /\/application\/o\/[^/]+\/?$/.test(sso.issuer);
    for (const [key, what] of [["clientId", "a client id is written in plain text into four applications' settings: the pair looks swapped; the secret goes in clientSecret"], ["kubernetesClientId", "the API server's flags carry it in plain text"]] as const) {
        const id = sso?.[key];
        // A known token prefix is no client id on any issuer (sweep s29 M12).
        if (typeof id === "string" && !(key === "clientId" && CLIENT_ID_WITH_SECRET.test(id)) && (hasTokenPrefix(id) || (!authentik && hasSecretShapedRun(id)))) {
            return [{ path: ["access", "sso", key], message: SECRET_IN_PLAIN_FIELD("a client id", what, hasTokenPrefix(id) ? TOKEN_PREFIX_SHAPE : undefined) }];
        }
        // Authentik's ids are 40 random characters and its secrets 128 (goauthentik/authentik
        // authentik/providers/oauth2/generators.py, as sweep s30 L1 read it at d1e3a9c9): a longer run is its secret.
        // 100 or more: an id of Authentik's 40 with a suffix of one's own is still an id (false-refusal review s27).
        if (typeof id === "string" && authentik && id.trim().length >= 100 && hasSecretShapedRun(id)) {
            const instead = key === "clientId" ? "a client id is written in plain text into four applications' settings: the pair looks swapped; give the Client ID here and the secret, encrypted, in clientSecret" : "the API server's flags carry it in plain text; give the Kubernetes client's Client ID here";
            return [{ path: ["access", "sso", key], message: `has the shape of an Authentik client secret (${id.trim().length} random characters; Authentik's client ids are 40), not of a client id, and ${instead}; rotate the secret in Authentik` }];
        }
    }
    if (!sso || entraTenant(sso.issuer) === undefined || typeof sso.clientSecret !== "string" || !ENTRA_TENANT_ID.test(sso.clientSecret)) return [];
    return [{ path: ["access", "sso", "clientSecret"], message: "has the shape of a GUID, which in Entra is the secret's \"Secret ID\" column; give its \"Value\" (shown once, when the secret is made: Certificates & secrets)" }];
}

/** The virtual key each application gets in its team (its name is taken there). */
export const APP_KEY_NAMES = { chat: "chat-ui", notebooks: "notebooks" } as const;

/** The host each enabled application needs. */
const APP_HOSTS = { chat: "chat", notebooks: "notebooks" } as const;

/**
 * Cross-checks of `access` and `apps` (on the raw input, so every problem is reported at once):
 * hostnames inside the domain and not shared, ACME's contact, hosts for every application,
 * SSO for every application, and applications that need the gateway.
 */
export function accessIssues(access: unknown, apps: unknown, inference: unknown): { path: PropertyKey[]; message: string }[] {
    const issues: { path: PropertyKey[]; message: string }[] = [];
    const a = isObject(access) ? access : undefined;
    const hosts = a && isObject(a.hosts) ? a.hosts : {};
    const domain = a && typeof a.domain === "string" ? a.domain : undefined;
    const seen = new Map<string, string>();
    for (const [role, host] of Object.entries(hosts)) {
        if (typeof host !== "string" || !HOSTNAME.test(host)) continue;
        if (domain && DOMAIN.test(domain) && host !== domain && !host.endsWith(`.${domain}`)) {
            issues.push({ path: ["access", "hosts", role], message: `is outside groundwork:access.domain ${domain}; use a name ending in .${domain}, such as ${role.toLowerCase()}.${domain}` });
        }
        const other = seen.get(host);
        if (other) {
            issues.push({ path: ["access", "hosts", role], message: `is also access.hosts.${other}; every service needs its own hostname` });
        }
        seen.set(host, role);
    }
    // Open WebUI refuses sign-ins from other domains (OAUTH_ALLOWED_DOMAINS): the administrators must be inside.
    const sso = a && isObject(a.sso) ? a.sso : undefined;
    if (sso && Array.isArray(sso.allowedDomains) && Array.isArray(sso.administrators) && sso.administrators.length > 0) {
        // Domain names are case-insensitive (RFC 4343): Admin@Groundwork.Example is in groundwork.example.
        const allowed = sso.allowedDomains.map((d) => String(d).toLowerCase());
        if (!sso.administrators.some((e) => allowed.includes((String(e).split("@")[1] ?? "").toLowerCase()))) {
            issues.push({ path: ["access", "sso", "allowedDomains"], message: `lets none of the administrators (${sso.administrators.map(String).join(", ")}) sign in to the chat UI; add their domain` });
        }
    }
    // Read only by the ACME issuer: with the stack's own CA it would be silently ignored (sweep s20-34).
    // (acmeServer has a default, so a given one cannot be told from it here.)
    if (a && isObject(a.tls) && a.tls.issuer === "private-ca" && a.tls.acmeEmail !== undefined) {
        issues.push({ path: ["access", "tls", "acmeEmail"], message: "is read only with tls.issuer acme, and this stack's certificates come from its own CA (private-ca), so it would be ignored; remove it, or set tls.issuer: acme" });
    }
    if (a && isObject(a.tls) && a.tls.issuer === "acme" && a.tls.acmeEmail === undefined) {
        issues.push({ path: ["access", "tls", "acmeEmail"], message: "is required with tls.issuer acme: the ACME account needs a contact address for expiry notices" });
    }
    if (a && isObject(a.tls) && a.tls.issuer === "acme" && typeof a.tls.acmeEmail === "string" && isLetsEncrypt(a.tls.acmeServer)
        && z.email().safeParse(a.tls.acmeEmail).success) {
        const problem = acmeContactProblem(a.tls.acmeEmail);
        if (problem) issues.push({ path: ["access", "tls", "acmeEmail"], message: problem });
    }
    const publicName = a && typeof a.domain === "string" ? a.domain : undefined;
    // One label, with the stack's own CA, only where it is kept for private use: `localhost` is each
    // browser's own machine (RFC 6761 6.3), and a delegated top-level domain (`com`) makes every host
    // someone else's name (sweep s28 M4).
    const singleLabel = publicName !== undefined && DOMAIN.test(publicName) && !publicName.includes(".");
    const acme = isObject(a?.tls) && a!.tls.issuer === "acme";
    if (singleLabel && !PRIVATE_USE_LABELS.includes(publicName!) && !acme) {
        issues.push({ path: ["access", "domain"], message: `${JSON.stringify(publicName)} is a single label but not one kept for private use, so every host under it is ${publicName === "localhost" ? "each browser's own machine (RFC 6761)" : publicName === "local" ? "resolved by multicast DNS on each person's own network, not by your DNS (RFC 6762)" : ["invalid", "example", "localdomain"].includes(publicName) ? "a name no DNS answers (RFC 6761)" : "a name in a public top-level domain, someone else's"}; give ${PRIVATE_USE_LABELS.slice(0, 4).join(", ")} or another name kept for private use, or your own domain, such as ai.example.com` });
    }
    // A top-level domain alone is no name anyone can prove to own to a public CA (sweep s25 F3).
    if (singleLabel && !NON_PUBLIC_NAME.test(publicName!) && acme) {
        issues.push({ path: ["access", "domain"], message: `${JSON.stringify(publicName)} is a single label (a top-level domain), which no one can prove to own to a public CA, so tls.issuer acme gets no certificate; give your domain, such as ai.example.com, or use tls.issuer private-ca` });
    }
    if (publicName && isObject(a!.tls) && a!.tls.issuer === "acme" && NON_PUBLIC_NAME.test(publicName)) {
        const acmeHost = typeof a!.tls.acmeServer === "string" ? hostOf(a!.tls.acmeServer) : undefined;
        const server = acmeHost !== undefined && NON_PUBLIC_NAME.test(acmeHost) ? acmeHost : undefined;
        issues.push({ path: ["access", "tls", "issuer"], message: server
            // An ACME server inside the network (step-ca) could validate such names, but its certificate is the
            // network's own CA's, and this stack's ACME issuer carries no caBundle for it (sweep s17 ac38).
            ? `is acme, but ${publicName} is not a public name, and the ACME server ${server} is one inside your network, whose own CA cert-manager is not given to trust; use private-ca, which issues from the stack's own CA`
            : `is acme, but ${publicName} is not a public name: a public CA validates only names it can resolve and reach; use private-ca` });
    }
    const appsInput = isObject(apps) ? apps : {};
    const notebooksOn = isObject(appsInput.notebooks) && appsInput.notebooks.enabled !== false;
    const chatOn = isObject(appsInput.chat) && appsInput.chat.enabled !== false;
    // A team's owners read its keys in Vault, the chat UI's (which may name any user) included: not everyone who may chat (sweep s18 in67).
    if (sso && typeof sso.usersGroup === "string" && isObject(inference) && Array.isArray(inference.teams)) {
        inference.teams.forEach((team, t) => {
            if (isObject(team) && team.ownersGroup === sso.usersGroup) {
                issues.push({ path: ["inference", "teams", t, "ownersGroup"], message: `is also access.sso.usersGroup: everyone who may use the chat UI and notebooks could sign in to Vault as this team's owner and read its gateway keys, the chat UI's own (whose calls may name any user) included; give the team's owners a group of their own` });
            }
        });
    }
    // One groups claim sends every group the same way: Keycloak's group membership mapper writes
    // full paths ("/platform-operators") or plain names for all of them, by its "Full group path"
    // switch (keycloak/keycloak protocol/oidc/mappers/GroupMembershipMapper.java, `full.path`, default
    // true; read in the code index 2026-11-29), and no other issuer starts a name
    // with "/". A mix leaves some group never matched (sweep s18 ac46).
    // The first group named is the reference, whichever it is (review s19b N13).
    if (sso) {
        const named: [(string | number)[], string][] = [];
        if (typeof sso.operatorsGroup === "string") named.push([["access", "sso", "operatorsGroup"], sso.operatorsGroup]);
        if (typeof sso.usersGroup === "string") named.push([["access", "sso", "usersGroup"], sso.usersGroup]);
        if (isObject(inference) && Array.isArray(inference.teams)) {
            inference.teams.forEach((team, t) => { if (isObject(team) && typeof team.ownersGroup === "string") named.push([["inference", "teams", t, "ownersGroup"], team.ownersGroup]); });
        }
        const isPath = (group: string) => group.startsWith("/");
        const [referencePath, reference] = named[0] ?? [[], ""];
        for (const [path, group] of named.slice(1).filter(([, g]) => isPath(g) !== isPath(reference))) {
            const form = (g: string) => (isPath(g) ? "a full group path" : "a plain group name");
            const fixed = isPath(reference) ? `/${group}` : group.replace(/^\/+/, "").split("/").pop();
            issues.push({ path, message: `is ${group}, ${form(group)}, but ${referencePath.join(".")} is ${reference}, ${form(reference)}: the issuer sends every group in one form (Keycloak: the group mapper's "Full group path" switch), so one of them never matches; write both as the claim carries them (here ${fixed})` });
        }
    }
    const endpoints = sso && isObject(sso.oauthEndpoints) ? sso.oauthEndpoints : undefined;
    // A Keycloak realm's endpoints are under <issuer>/protocol/openid-connect/ (keycloak/keycloak
    // services/src/main/java/org/keycloak/services/Urls.java `tokenBase`, code index at 06602a51):
    // another realm's has no such client, so no one signs in (sweep s20-10). Only where the endpoints
    // are Keycloak's (ForgeRock and PingAM issuers end in /realms/<name> too, with other paths:
    // review s20b D1). Judged on the issuer's host, or where an endpoint names a realm: the
    // server-side endpoints may be reached at an address of the cluster's own.
    const issuerUrl = sso && typeof sso.issuer === "string" && URL.canParse(sso.issuer) ? new URL(sso.issuer) : undefined;
    const realm = issuerUrl?.protocol === "https:" && !issuerUrl.search && !issuerUrl.hash ? /\/realms\/([^/]+)$/.exec(issuerUrl.pathname)?.[1] : undefined;
    const keycloakEndpoints = endpoints !== undefined && Object.values(endpoints).some((url) => typeof url === "string" && url.includes("/protocol/openid-connect/"));
    if (endpoints && keycloakEndpoints && issuerUrl && realm !== undefined) {
        for (const name of ["authorizeUrl", "tokenUrl", "userinfoUrl"] as const) {
            const url = endpoints[name];
            if (typeof url !== "string" || !url.startsWith("https://") || !URL.canParse(url)) continue;
            const parsed = new URL(url);
            const named = /\/realms\/([^/]+)\//.exec(parsed.pathname)?.[1];
            // URL() lower-cases the host and drops a default port, so `ID.example:443` is the issuer's host.
            if ((named !== undefined && named !== realm) || (parsed.host === issuerUrl.host && !parsed.pathname.startsWith(`${issuerUrl.pathname}/protocol/openid-connect/`))) {
                issues.push({ path: ["access", "sso", "oauthEndpoints", name], message: `is not under the issuer's realm (<issuer>/protocol/openid-connect/): Keycloak's clients belong to one realm, and another realm's endpoint knows no client ${typeof sso?.clientId === "string" ? sso.clientId : "of this stack"}; copy it from <issuer>/.well-known/openid-configuration` });
            }
        }
    }
    // Two of the issuer's endpoints given as one URL (sweep s19-29): each does one thing.
    if (endpoints) {
        const names = ["authorizeUrl", "tokenUrl", "userinfoUrl"] as const;
        names.forEach((name, i) => {
            const earlier = names.slice(0, i).find((other) => typeof endpoints[name] === "string" && endpoints[name] === endpoints[other]);
            if (earlier) issues.push({ path: ["access", "sso", "oauthEndpoints", name], message: `is oauthEndpoints.${earlier} too; the issuer's discovery document (<issuer>/.well-known/openid-configuration) lists a different URL for each: copy ${name === "tokenUrl" ? "token_endpoint" : "userinfo_endpoint"} from it` });
        });
    }
    // Entra's Overview page shows the tenant id beside the application id (sweep s18 ac49).
    const tenant = sso ? entraTenant(sso.issuer) : undefined;
    if (sso && tenant !== undefined && typeof sso.clientId === "string" && sso.clientId.toLowerCase() === tenant.toLowerCase()) {
        issues.push({ path: ["access", "sso", "clientId"], message: "is the tenant id in access.sso.issuer, not the application's; copy \"Application (client) ID\" from the app registration's Overview" });
    }
    // Entra's endpoints are the issuer's tenant's, v2.0 (sweep s27 M1): an app registration lives in one
    // tenant, and another's authorize endpoint answers AADSTS700016 (no such application in that
    // directory); a v1 endpoint's tokens name https://sts.windows.net/<tenant>/ as their issuer.
    // Entra's discovery documents, and so its tokens' iss, write the tenant id in lower case, and the issuer is compared exactly (sweep s28 M2).
    if (sso && tenant !== undefined && ENTRA_TENANT_ID.test(tenant) && tenant !== tenant.toLowerCase()) {
        issues.push({ path: ["access", "sso", "issuer"], message: "names the tenant in capitals, but Entra's tokens write its id in lower case and the issuer is compared exactly; write the tenant id in lower case, as <issuer>/.well-known/openid-configuration does" });
    }
    if (sso && tenant !== undefined && ENTRA_TENANT_ID.test(tenant) && endpoints) {
        for (const name of ["authorizeUrl", "tokenUrl", "userinfoUrl"] as const) {
            const url = endpoints[name];
            // login.windows.net is the service's older name; the other clouds' hosts (.us, .cn) hold no commercial app (sweep s28 M2).
            const host = typeof url === "string" && URL.canParse(url) ? new URL(url).hostname : "";
            if (/^login\.(microsoftonline\.(us|de)|partner\.microsoftonline\.cn|chinacloudapi\.cn)$/.test(host)) {
                issues.push({ path: ["access", "sso", "oauthEndpoints", name], message: `is on ${host}, another Entra cloud than access.sso.issuer's (login.microsoftonline.com), where this tenant's app registration does not exist; copy it from <issuer>/.well-known/openid-configuration` });
                continue;
            }
            if (host !== "login.microsoftonline.com" && host !== "login.windows.net") continue;
            // v1's userinfo is /<tenant>/openid/userinfo, and names a tenant too.
            const [, named, v2] = /^\/([^/]+)\/(?:oauth2|openid)\/(v2\.0\/)?/i.exec(new URL(url as string).pathname) ?? [];
            // Entra's multi-tenant endpoints are judged with the issuers that sign in any account (below).
            // A tenant named by a domain (contoso.onmicrosoft.com, or a verified one) may be this one: only ids are compared (review s25 R4).
            if (named === undefined || /^(common|organizations|consumers)$/i.test(named)) continue;
            if (ENTRA_TENANT_ID.test(named) && named.toLowerCase() !== tenant.toLowerCase()) {
                issues.push({ path: ["access", "sso", "oauthEndpoints", name], message: `names tenant ${named}, but access.sso.issuer is tenant ${tenant}: an app registration lives in one tenant, and another's endpoint answers AADSTS700016 (no such application there); copy it from <issuer>/.well-known/openid-configuration` });
            } else if (v2 === undefined) {
                issues.push({ path: ["access", "sso", "oauthEndpoints", name], message: `is Entra's v1 endpoint (no /v2.0/), whose tokens name https://sts.windows.net/<tenant id>/ as their issuer, not access.sso.issuer; use the endpoint <issuer>/.well-known/openid-configuration lists${name === "userinfoUrl" ? " (https://graph.microsoft.com/oidc/userinfo)" : " (/oauth2/v2.0/...)"}` });
            }
        }
    }
    // Whether the issuer signs in any account, and why (undefined for one organisation's).
    const issuerAnyAccount = sso ? anyAccountSignIn(sso.issuer, undefined) : undefined;
    // Only a Google client can be limited to one organisation (its consent screen's user type,
    // Internal); the other any-account issuers have no organisation to limit it to (sweep s18 ac43).
    const unrestrictable = sso && sso.restrictedClient === true ? issuerAnyAccount : undefined;
    if (sso && unrestrictable && !/^https:\/\/accounts\.google\.com\/*$/i.test(String(sso.issuer))) {
        issues.push({ path: ["access", "sso", "restrictedClient"], message: `is true, but ${unrestrictable}, and it has no organisation to limit a client to (only a Google client can be, by an Internal consent screen); set usersGroup (and allowedDomains for the chat UI), or use your organisation's own issuer (Entra: your tenant's id in the issuer)` });
    }
    // A consumer mail domain in allowedDomains admits everyone with a mailbox there (sweep s18 ac41).
    if (sso && issuerAnyAccount && Array.isArray(sso.allowedDomains)) {
        sso.allowedDomains.forEach((domain, i) => {
            const provider = PUBLIC_MAIL_DOMAINS[String(domain).toLowerCase()];
            if (provider) issues.push({ path: ["access", "sso", "allowedDomains", i], message: `is ${provider}'s mail domain for the public: with this issuer it admits every account holder there to the chat UI; list your organisation's own domain, or set usersGroup` });
        });
    }
    // The chat UI and Langfuse sign in through the issuer's discovery; notebooks at oauthEndpoints.
    const anyAccount = sso && sso.restrictedClient !== true ? issuerAnyAccount : undefined;
    const notebooksAnyAccount = sso && sso.restrictedClient !== true ? anyAccountSignIn(sso.issuer, isObject(sso.oauthEndpoints) ? sso.oauthEndpoints.authorizeUrl : undefined) : undefined;
    const restrict = "or, if the identity provider signs in only your organisation's accounts for this client (Google: consent screen Internal), set access.sso.restrictedClient: true";
    if (sso && notebooksAnyAccount && notebooksOn && sso.usersGroup === undefined) {
        issues.push({ path: ["access", "sso", "usersGroup"], message: `is needed while apps.notebooks is on, and ${notebooksAnyAccount}: JupyterHub would start a server, which runs any code in the cluster with the team's gateway key, for anyone with such an account; name the group whose members may use notebooks (sent in the ${typeof sso.groupsClaim === "string" ? sso.groupsClaim : "groups"} claim), ${restrict}` });
    }
    if (sso && anyAccount) {
        if (chatOn && sso.usersGroup === undefined && sso.allowedDomains === undefined) {
            issues.push({ path: ["access", "sso", "allowedDomains"], message: `is needed, or usersGroup, while apps.chat is on, and ${anyAccount}: anyone with such an account could chat on the chat UI's key and budget; list your e-mail domains, or set usersGroup, ${restrict}` });
        }
        if (sso.langfuseSignUp === true) {
            issues.push({ path: ["access", "sso", "langfuseSignUp"], message: `is true, and ${anyAccount}: anyone with such an account could make a Langfuse account (Langfuse checks no group), one role given by mistake from every team's traces, prompts and answers included, and open-source Langfuse lets any signed-in person make organisations; set it false and add people in Langfuse, ${restrict}` });
        }
    }
    if (notebooksOn && a && isObject(a.sso) && a.sso.oauthEndpoints === undefined) {
        issues.push({ path: ["access", "sso", "oauthEndpoints"], message: "must be set: apps.notebooks is on, and JupyterHub reads no discovery document; copy authorization_endpoint, token_endpoint and userinfo_endpoint from <issuer>/.well-known/openid-configuration" });
    }
    for (const [app, hostKey] of Object.entries(APP_HOSTS)) {
        const entry = appsInput[app];
        if (!isObject(entry) || entry.enabled === false) continue;
        if (!a) {
            issues.push({ path: ["apps", app, "enabled"], message: `turns ${app} on, but the stack has no groundwork:access: set access.domain, access.hosts.${hostKey} and access.sso, or set apps.${app}.enabled: false` });
            continue;
        }
        if (hosts[hostKey] === undefined) {
            issues.push({ path: ["access", "hosts", hostKey], message: `must be set: apps.${app} is on, and an application without a host is not reachable; set a hostname such as ${hostKey}.${domain ?? "example.com"}, or set apps.${app}.enabled: false` });
        }
        if (a.sso === undefined) {
            issues.push({ path: ["access", "sso"], message: `must be set: apps.${app} is on, and applications are only served with single sign-on; configure an OIDC issuer, or set apps.${app}.enabled: false` });
        }
        if (!isObject(inference)) {
            issues.push({ path: ["apps", app, "enabled"], message: `turns ${app} on, but the stack has no groundwork:inference gateway for it to call; add models and routes, or set apps.${app}.enabled: false` });
        } else {
            const teams = Array.isArray(inference.teams) ? inference.teams.filter(isObject) : [];
            const team = typeof entry.team === "string" ? teams.find((t) => t.name === entry.team) : teams[0];
            const keyName = APP_KEY_NAMES[app as keyof typeof APP_KEY_NAMES];
            const index = team && Array.isArray(team.keys) ? team.keys.findIndex((k) => isObject(k) && k.name === keyName) : -1;
            if (team && index >= 0) {
                issues.push({ path: ["inference", "teams", teams.indexOf(team), "keys", index, "name"], message: `is "${keyName}", the name of the key apps.${app} gets in team ${String(team.name)}; rename this key` });
            }
            // Aliases are <team>-<key>: another team's key can make the same one (team product-chat, key ui; sweep s18 in65).
            const appAlias = team ? keyAlias(String(team.name), keyName) : undefined;
            teams.forEach((other, t) => (Array.isArray(other.keys) ? other.keys : []).forEach((k, j) => {
                if (other !== team && isObject(k) && appAlias !== undefined && keyAlias(String(other.name), String(k.name)) === appAlias) {
                    issues.push({ path: ["inference", "teams", t, "keys", j, "name"], message: `makes the key alias ${appAlias}, which the key apps.${app} gets in team ${String(team!.name)} has (aliases are <team>-<key>); rename the team or the key` });
                }
            }));
        }
        // A value that is no team's name by its shape is refused by the schema, without being repeated here.
        if (isObject(inference) && typeof entry.team === "string" && SHORT_NAME.test(entry.team) && !(Array.isArray(inference.teams) && inference.teams.some((t) => isObject(t) && t.name === entry.team))) {
            const names = Array.isArray(inference.teams) ? inference.teams.filter(isObject).map((t) => String(t.name)).join(", ") : "";
            issues.push({ path: ["apps", app, "team"], message: `names team ${JSON.stringify(entry.team)}, which groundwork:inference.teams does not define${names ? ` (teams: ${names})` : ""}` });
        }
    }
    for (const [app, hostKey] of Object.entries(APP_HOSTS)) {
        const entry = appsInput[app];
        if (hosts[hostKey] !== undefined && !(isObject(entry) && entry.enabled !== false)) {
            issues.push({ path: ["access", "hosts", hostKey], message: `names a host for ${app}, but groundwork:apps.${app} is not on; turn it on (apps.${app}: {}) or remove the host` });
        }
    }
    if (hosts.gateway !== undefined && !isObject(inference)) {
        issues.push({ path: ["access", "hosts", "gateway"], message: "routes the gateway, but the stack has no groundwork:inference; remove the host or configure inference" });
    }
    if (hosts.gatewayAdmin !== undefined && !isObject(inference)) {
        issues.push({ path: ["access", "hosts", "gatewayAdmin"], message: "routes the gateway's admin, but the stack has no groundwork:inference; remove the host or configure inference" });
    }
    return issues;
}
