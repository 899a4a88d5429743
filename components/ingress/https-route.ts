import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { INGRESS_PORTS } from "../k3s/ports";

/**
 * Traefik's entrypoints (IngressRoute `entryPoints`): `web` on 80 only redirects and answers ACME
 * challenges, `websecure` on 443 serves the public hosts, `operators` on 9443 the operator hosts,
 * which the firewalls and ServiceLB open only to the operators' ranges.
 */
export const ENTRYPOINTS = { http: "web", public: "websecure", operators: "operators" } as const;

/**
 * What a route serves, for reviewers and the security pack: `ui` (people sign in), `api`
 * (callers present a key), `admin` (operators only).
 */
export type RouteAudience = "ui" | "api" | "admin";

/** Annotations the security pack reads on every IngressRoute. */
export const ROUTE_ANNOTATIONS = {
    audience: "groundwork.dev/audience",
    /** The OIDC issuer people sign in with, on a `ui` route. */
    signIn: "groundwork.dev/sign-in",
} as const;

export interface HttpsRouteArgs {
    /** The hostname, served with a certificate for exactly this name. */
    host: string;
    /**
     * The ingress controller's namespace: the route, its certificate and middlewares live there,
     * the only namespace whose Secrets the controller reads.
     */
    namespace: pulumi.Input<string>;
    /** The Service in that namespace the route reaches, and its port (an ingressBackend alias). */
    service: { name: string; port: number };
    audience: RouteAudience;
    /** `public` (443, the public ranges) or `operators` (9443, the operator ranges). */
    entryPoint: "public" | "operators";
    /** Only these paths are routed (an API's endpoints); default everything. */
    paths?: RoutePaths;
    /**
     * Only requests whose header (by name) has a value matching the pattern (Go regexp, Traefik's
     * `HeaderRegexp`: any of its values, traefik/traefik@v3.7.9 pkg/muxer/http/matcher.go L200-213)
     * are routed; the rest answer 404 at the edge.
     */
    headerPatterns?: Record<string, string>;
    /** The OIDC issuer a `ui` route's application signs people in with. */
    signInIssuer?: string;
    /**
     * The ClusterIssuer that issues the certificate. An ACME issuer's HTTP-01 solver pods run in
     * the Certificate's namespace, the controller's own, which its default deny lets them reach.
     */
    issuerName: string;
    /**
     * Requests per second allowed at the edge, per value of `perHeader` (e.g. each API key's
     * `Authorization`): ServiceLB masquerades clients, so Traefik sees one source address
     * (k3s-io/klipper-lb@v0.4.17:entry), and a per-address limit would be one shared bucket.
     * Every distinct value gets its own full bucket (traefik v3.7.9 pkg/middlewares/ratelimiter/
     * rate_limiter.go L149-150), so a caller making up a value per request is never held by it;
     * `allCallers` is the ceiling that holds it, one bucket per source address, which is that one
     * shared bucket per node that takes traffic in. It is keyed on the address rather than the
     * request's host, because the host a caller sends can be spelt many ways one route matches
     * (case, a port) and each spelling would be a bucket (extractor.go L56-59, `request.host`).
     */
    rateLimit?: { average: number; burst: number; perHeader: string; allCallers: { average: number; burst: number } };
    /**
     * Request headers removed at the edge: ones the backend trusts from applications inside the
     * cluster (an empty value removes a header: Traefik headers middleware, customRequestHeaders).
     */
    stripRequestHeaders?: string[];
}

/** The URL a host is served at: 443 needs no port, the operators' entrypoint says 9443. */
export function routeUrl(host: string, entryPoint: "public" | "operators"): string {
    return entryPoint === "public" ? `https://${host}` : `https://${host}:${INGRESS_PORTS.operators}`;
}

/** Paths a route is limited to: each exactly, or everything under a prefix. */
export interface RoutePaths {
    exact?: string[];
    prefixes?: string[];
}

/** A Traefik rule matching the host, if given any of the paths (Traefik's `Path` and `PathPrefix` matchers), and each header pattern. */
export function routeMatch(host: string, paths?: RoutePaths, headerPatterns: Record<string, string> = {}): string {
    const hostRule = `Host(\`${host}\`)`;
    const matchers = [...(paths?.exact ?? []).map((p) => `Path(\`${p}\`)`), ...(paths?.prefixes ?? []).map((p) => `PathPrefix(\`${p}\`)`)];
    const headers = Object.entries(headerPatterns).map(([name, pattern]) => ` && HeaderRegexp(\`${name}\`, \`${pattern}\`)`).join("");
    if (matchers.length === 0) return `${hostRule}${headers}`;
    return (matchers.length > 1 ? `${hostRule} && (${matchers.join(" || ")})` : `${hostRule} && ${matchers[0]}`) + headers;
}

/**
 * Response headers every HTTPS route sends (Traefik's headers middleware): HSTS for a year, so a
 * browser that has been here once never again asks over plain HTTP, where the first request of a
 * visit could be taken on a hostile network; no MIME sniffing; no full URL in the Referer sent to
 * other sites; and no framing by another site's page, the way clickjacking reaches a signed-in
 * session. SAMEORIGIN rather than DENY: JupyterLab frames its own pages. Fields:
 * traefik.io_Middleware_v1alpha1 `headers` (stsSeconds, stsIncludeSubdomains, contentTypeNosniff,
 * referrerPolicy, customFrameOptionsValue).
 */
export const SECURITY_HEADERS = {
    stsSeconds: 31_536_000,
    // Not its sub-domains: a host may be the domain's apex (access.domain), whose sibling sites are not ours (review s21c R6).
    stsIncludeSubdomains: false,
    contentTypeNosniff: true,
    referrerPolicy: "strict-origin-when-cross-origin",
    customFrameOptionsValue: "SAMEORIGIN",
} as const;

/**
 * One hostname served over HTTPS: a cert-manager Certificate for it, an IngressRoute on its
 * entrypoint that terminates TLS with that certificate, and an HTTP route on port 80 that only
 * redirects to HTTPS (lowest priority, so cert-manager's HTTP-01 solver routes win).
 * Fields: traefik.io_IngressRoute_v1alpha1 and traefik.io_Middleware_v1alpha1
 * (traefik/traefik-helm-chart@v41.3.0:traefik/crds/), cert-manager.io_Certificate_v1.
 */
export class HttpsRoute extends pulumi.ComponentResource {
    public readonly url: string;

    constructor(name: string, args: HttpsRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:ingress:HttpsRoute", name, {}, opts);
        const parent = { parent: this };
        const port = args.entryPoint === "public" ? INGRESS_PORTS.https : INGRESS_PORTS.operators;
        this.url = routeUrl(args.host, args.entryPoint);
        const secretName = `${name}-tls`;
        const annotations = {
            [ROUTE_ANNOTATIONS.audience]: args.audience,
            ...(args.signInIssuer ? { [ROUTE_ANNOTATIONS.signIn]: args.signInIssuer } : {}),
        };
        new k8s.apiextensions.CustomResource(`${name}-certificate`, {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name, namespace: args.namespace },
            spec: {
                secretName,
                dnsNames: [args.host],
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: args.issuerName },
            },
        }, parent);
        const middlewares: pulumi.Resource[] = [];
        const middleware = (suffix: string, spec: Record<string, unknown>) => middlewares.push(new k8s.apiextensions.CustomResource(`${name}-${suffix}`, {
            apiVersion: "traefik.io/v1alpha1",
            kind: "Middleware",
            metadata: { name: `${name}-${suffix}`, namespace: args.namespace },
            spec,
        }, parent));
        if (args.rateLimit) {
            const { average, burst, perHeader, allCallers } = args.rateLimit;
            middleware("rate-limit", { rateLimit: { average, burst, period: "1s", sourceCriterion: { requestHeaderName: perHeader } } });
            // Keyed on the request's source address, Traefik's default made explicit (extractor.go L32-37).
            middleware("all-callers", { rateLimit: { ...allCallers, period: "1s", sourceCriterion: { ipStrategy: {} } } });
        }
        if (args.stripRequestHeaders && args.stripRequestHeaders.length > 0) {
            middleware("strip-headers", { headers: { customRequestHeaders: Object.fromEntries(args.stripRequestHeaders.map((h) => [h, ""])) } });
        }
        middleware("security-headers", { headers: SECURITY_HEADERS });
        new k8s.apiextensions.CustomResource(`${name}-https`, {
            apiVersion: "traefik.io/v1alpha1",
            kind: "IngressRoute",
            metadata: { name, namespace: args.namespace, annotations },
            spec: {
                entryPoints: [ENTRYPOINTS[args.entryPoint]],
                routes: [{
                    kind: "Rule",
                    match: routeMatch(args.host, args.paths, args.headerPatterns),
                    // The per-key limit first: a key over its own limit is refused before it
                    // spends the allowance all callers share.
                    middlewares: [
                        { name: `${name}-security-headers` },
                        ...(args.stripRequestHeaders?.length ? [{ name: `${name}-strip-headers` }] : []),
                        ...(args.rateLimit ? [{ name: `${name}-rate-limit` }, { name: `${name}-all-callers` }] : []),
                    ],
                    services: [{ kind: "Service", name: args.service.name, port: args.service.port }],
                }],
                tls: { secretName },
            },
        }, { parent: this, dependsOn: middlewares });
        const redirect = new k8s.apiextensions.CustomResource(`${name}-to-https`, {
            apiVersion: "traefik.io/v1alpha1",
            kind: "Middleware",
            metadata: { name: `${name}-to-https`, namespace: args.namespace },
            spec: { redirectScheme: { scheme: "https", permanent: true, ...(port === INGRESS_PORTS.https ? {} : { port: String(port) }) } },
        }, parent);
        new k8s.apiextensions.CustomResource(`${name}-http`, {
            apiVersion: "traefik.io/v1alpha1",
            kind: "IngressRoute",
            metadata: { name: `${name}-http`, namespace: args.namespace, annotations: { [ROUTE_ANNOTATIONS.audience]: args.audience } },
            spec: {
                entryPoints: [ENTRYPOINTS.http],
                routes: [{
                    kind: "Rule",
                    match: `Host(\`${args.host}\`)`,
                    priority: 1,
                    middlewares: [{ name: `${name}-to-https` }],
                    // Never reached: the redirect answers first. Traefik needs a service on a route.
                    services: [{ kind: "TraefikService", name: "noop@internal" }],
                }],
            },
        }, { parent: this, dependsOn: [redirect] });
        this.registerOutputs({ url: this.url });
    }
}
