import type { PolicyConfigSchema, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Backend, backendResolver, ServiceRef } from "./route-backends";

/**
 * Routes from outside the cluster: Traefik IngressRoutes (traefik.io/v1alpha1; fields from
 * traefik/traefik-helm-chart@v41.3.0:traefik/crds/traefik.io_ingressroutes.yaml) and Kubernetes
 * Ingresses. An IngressRoute without `entryPoints` is served on every entrypoint, the plain-HTTP
 * one included (doc.traefik.io/traefik/v3.7 routing/providers/kubernetes-crd, "entryPoints").
 *
 * Every route says what it serves in `groundwork.dev/audience` (ui, api, admin) and, for a UI,
 * the OIDC issuer people sign in with in `groundwork.dev/sign-in`; the rules below hold routes to
 * what they declare and to the backends they name.
 */

const INGRESS_ROUTE = "kubernetes:traefik.io/v1alpha1:IngressRoute";
const MIDDLEWARE = "kubernetes:traefik.io/v1alpha1:Middleware";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const INGRESS_ROUTE_TCP = "kubernetes:traefik.io/v1alpha1:IngressRouteTCP";
const AUDIENCE = "groundwork.dev/audience";
const SIGN_IN = "groundwork.dev/sign-in";

export interface RouteRulesConfig {
    /** Entrypoints without TLS, on which a route may only redirect to HTTPS. */
    plainEntrypoints: string[];
    /** Entrypoints only operators reach (the firewall and ServiceLB hold them to operator ranges). */
    operatorEntrypoints: string[];
    /** Backends that are administration endpoints wherever they are routed. */
    adminServices: string[];
    /** Backends that are APIs with admin routes beside them: only these path prefixes may be public. */
    apiPathPrefixes: Record<string, string[]>;
}

const ROUTE_RULES_SCHEMA: PolicyConfigSchema = {
    properties: {
        plainEntrypoints: { type: "array", items: { type: "string" }, default: ["web"], description: "Traefik entrypoints without TLS (port 80)." },
        operatorEntrypoints: { type: "array", items: { type: "string" }, default: ["operators"], description: "Traefik entrypoints only operator ranges reach." },
        adminServices: {
            type: "array",
            items: { type: "string" },
            // kube-prometheus-stack 88.5.3's Services for release `monitoring` (research/kps-render.md).
            default: ["vault", "vault-ui", "vault-active", "vault-standby", "vault-internal", "grafana", "monitoring-grafana", "monitoring-kube-prometheus-prometheus", "monitoring-kube-prometheus-alertmanager"],
            description: "Service names that are administration endpoints (Vault, Prometheus, Grafana, dashboards).",
        },
        apiPathPrefixes: {
            type: "object",
            additionalProperties: { type: "array", items: { type: "string" } },
            default: { "llm-gateway": ["/v1"] },
            description: "Services whose public routes may carry only these path prefixes (LiteLLM: the OpenAI API under /v1; its key, team, model and UI routes are admin).",
        },
    },
};

interface Route {
    urn: string;
    name: string;
    namespace: string;
    entryPoints: string[] | undefined;
    annotations: Record<string, string>;
    routes: { match: string; services: { name: string; kind?: string; namespace?: string }[]; middlewares: { name: string; namespace?: string }[] }[];
    tls: boolean;
}

function ingressRoutes(resources: PolicyResource[]): Route[] {
    return resources.filter((r) => r.type === INGRESS_ROUTE).map((r) => ({
        urn: r.urn,
        name: String(r.props.metadata?.name ?? r.name),
        namespace: String(r.props.metadata?.namespace ?? "default"),
        entryPoints: Array.isArray(r.props.spec?.entryPoints) && r.props.spec.entryPoints.length > 0 ? r.props.spec.entryPoints : undefined,
        annotations: r.props.metadata?.annotations ?? {},
        routes: (r.props.spec?.routes ?? []).map((route: any) => ({ match: String(route.match ?? ""), services: route.services ?? [], middlewares: route.middlewares ?? [] })),
        tls: Boolean(r.props.spec?.tls?.secretName || r.props.spec?.tls?.certResolver),
    }));
}

/** A route that only answers with a redirect (Traefik's `noop@internal` service behind a redirect middleware). */
const redirectOnly = (routes: { services: { name: string; kind?: string }[] }[]) =>
    routes.length > 0 && routes.every((r) => r.services.length > 0 && r.services.every((s) => s.kind === "TraefikService" && s.name === "noop@internal"));
const isOperatorsOnly = (route: Route, config: RouteRulesConfig) =>
    route.entryPoints !== undefined && route.entryPoints.every((e) => (config.operatorEntrypoints ?? []).includes(e));

/**
 * The path prefixes a Traefik rule is limited to; none when the rule may match other paths: no
 * Path matcher, an alternative host, a negation (`!PathPrefix(...)` matches everything else) or a
 * path regexp.
 */
export function pathPrefixesOf(match: string): string[] | undefined {
    const prefixes = [...match.matchAll(/Path(?:Prefix)?\(`([^`]*)`\)/g)].map((m) => m[1]);
    const unbounded = /\|\|\s*Host\(/.test(match) || match.includes("!") || /PathRegexp\(/.test(match);
    return prefixes.length > 0 && !unbounded ? prefixes : undefined;
}

export const publicRouteTls: StackValidationPolicy = {
    name: "public-route-tls",
    description: "No route from outside without TLS: plain HTTP only redirects to HTTPS, and every Ingress host has a certificate.",
    enforcementLevel: "mandatory",
    configSchema: ROUTE_RULES_SCHEMA,
    validateStack: (args, report) => {
        const config = args.getConfig<RouteRulesConfig>();
        const plain = config.plainEntrypoints ?? [];
        const middlewares = new Map(args.resources.filter((r) => r.type === MIDDLEWARE)
            .map((r) => [`${r.props.metadata?.namespace}/${r.props.metadata?.name}`, r.props.spec ?? {}]));
        const redirectsToHttps = (namespace: string, ref: { name: string; namespace?: string }) =>
            middlewares.get(`${ref.namespace ?? namespace}/${ref.name}`)?.redirectScheme?.scheme === "https";
        for (const route of ingressRoutes(args.resources)) {
            const onPlain = route.entryPoints === undefined || route.entryPoints.some((e) => plain.includes(e));
            const onTls = route.entryPoints === undefined || route.entryPoints.some((e) => !plain.includes(e));
            if (onTls && !route.tls) {
                report(`IngressRoute ${route.namespace}/${route.name} serves ${(route.entryPoints ?? ["every entrypoint"]).join(", ")} without spec.tls; set spec.tls.secretName to a cert-manager Certificate's secret`, route.urn);
            }
            if (onPlain) {
                const open = route.routes.filter((r) => !r.middlewares.some((m) => redirectsToHttps(route.namespace, m)));
                if (open.length > 0) {
                    const where = route.entryPoints === undefined ? "every entrypoint (spec.entryPoints is empty), port 80 included" : `plain-HTTP entrypoint ${route.entryPoints.filter((e) => plain.includes(e)).join(", ")}`;
                    report(`IngressRoute ${route.namespace}/${route.name} serves ${open.map((r) => r.match).join(", ")} on ${where} without redirecting to HTTPS; list only TLS entrypoints, or add a redirectScheme (scheme: https) Middleware`, route.urn);
                }
            }
        }
        for (const r of args.resources.filter((x) => x.type === INGRESS_ROUTE_TCP)) {
            const tls = r.props.spec?.tls;
            if (!(tls?.secretName || tls?.certResolver || tls?.passthrough)) {
                report(`IngressRouteTCP ${r.props.metadata?.namespace}/${r.props.metadata?.name ?? r.name} has no spec.tls: raw TCP from outside travels in the clear; set spec.tls.secretName (or passthrough to a TLS backend)`, r.urn);
            }
        }
        for (const r of args.resources.filter((x) => x.type === INGRESS)) {
            const covered = new Set<string>((r.props.spec?.tls ?? []).flatMap((t: any) => t.hosts ?? []));
            const hosts: string[] = (r.props.spec?.rules ?? []).map((rule: any) => rule.host ?? "*");
            const bare = hosts.filter((h) => !covered.has(h));
            if (bare.length > 0 || hosts.length === 0) {
                report(`Ingress ${r.props.metadata?.namespace}/${r.props.metadata?.name ?? r.name} serves ${bare.join(", ") || "every host"} without TLS; add spec.tls with a secret for each host`, r.urn);
            }
        }
    },
};

export const uiRouteSignIn: ResourceValidationPolicy = {
    name: "ui-route-single-sign-on",
    description: "Every route says what it serves; a route to a UI names the OIDC issuer its application signs people in with.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== INGRESS_ROUTE) return;
        const annotations = args.props.metadata?.annotations ?? {};
        const audience = annotations[AUDIENCE];
        const name = `${args.props.metadata?.namespace}/${args.props.metadata?.name ?? args.name}`;
        if (!["ui", "api", "admin"].includes(audience)) {
            report(`IngressRoute ${name} has metadata.annotations["${AUDIENCE}"] ${JSON.stringify(audience ?? "unset")}; declare ui, api or admin so reviewers and these rules know what it exposes`);
            return;
        }
        const issuer = annotations[SIGN_IN];
        const routes = (args.props.spec?.routes ?? []).map((r: any) => ({ services: r.services ?? [] }));
        if (audience === "ui" && !redirectOnly(routes) && !(typeof issuer === "string" && /^https:\/\/\S+$/.test(issuer))) {
            report(`IngressRoute ${name} routes a UI without single sign-on (metadata.annotations["${SIGN_IN}"] is ${JSON.stringify(issuer ?? "unset")}); configure the application's OIDC sign-in with groundwork:access.sso and name its https issuer`);
        }
    },
};

export const adminNotPublic: StackValidationPolicy = {
    name: "admin-endpoint-not-public",
    description: "Administration endpoints (gateway admin, Vault, Prometheus, Grafana) are routed only on operator entrypoints.",
    enforcementLevel: "mandatory",
    configSchema: ROUTE_RULES_SCHEMA,
    validateStack: (args, report) => {
        const config = args.getConfig<RouteRulesConfig>();
        const adminServices = new Set(config.adminServices ?? []);
        const apiPrefixes = config.apiPathPrefixes ?? {};
        const backendsOf = backendResolver(args.resources);
        const isAdmin = (b: Backend) => b.kind === "traefik-internal" || (b.kind === "service" && adminServices.has(b.name));
        /** How a message names a backend: Traefik's own API, a Service (and the alias it was reached by). */
        const described = (b: Backend) => b.kind === "traefik-internal" ? `Traefik's own ${b.name}` : `${b.name}${b.kind === "service" && b.via ? ` (through the alias ${b.via})` : ""}`;
        const unknownFix = `route only to a Service with a selector, or to an alias of exactly <name>.<namespace>.svc.cluster.local, or serve it only on ${(config.operatorEntrypoints ?? []).join(", ")}`;
        // Ingress objects are served on every entrypoint of their class; IngressRouteTCP on theirs.
        for (const r of args.resources.filter((x) => x.type === INGRESS || x.type === INGRESS_ROUTE_TCP)) {
            const entryPoints: string[] | undefined = r.props.spec?.entryPoints;
            if (r.type === INGRESS_ROUTE_TCP && entryPoints?.length && entryPoints.every((e) => (config.operatorEntrypoints ?? []).includes(e))) continue;
            const namespace = String(r.props.metadata?.namespace ?? "default");
            const refs: ServiceRef[] = (r.type === INGRESS
                ? [r.props.spec?.defaultBackend?.service?.name, ...(r.props.spec?.rules ?? []).flatMap((rule: any) => (rule.http?.paths ?? []).map((p: any) => p.backend?.service?.name))]
                    .filter((n: unknown): n is string => typeof n === "string").map((name: string) => ({ name }))
                : (r.props.spec?.routes ?? []).flatMap((route: any) => route.services ?? []).filter((x: any) => typeof x?.name === "string"));
            const kind = r.type === INGRESS ? "Ingress" : "IngressRouteTCP";
            const what = `${kind} ${namespace}/${r.props.metadata?.name ?? r.name}`;
            for (const b of refs.flatMap((ref) => backendsOf(namespace, ref))) {
                if (b.kind === "unknown") report(`${what} routes to ${b.name}, ${b.why}, beyond the operator entrypoints, so this rule cannot tell what it exposes; ${unknownFix}`, r.urn);
                else if (isAdmin(b) || (b.kind === "service" && apiPrefixes[b.name] !== undefined)) {
                    report(`${what} exposes admin service ${described(b)} beyond the operator entrypoints; route it with an IngressRoute on ${(config.operatorEntrypoints ?? []).join(", ")}`, r.urn);
                }
            }
        }
        for (const route of ingressRoutes(args.resources)) {
            if (isOperatorsOnly(route, config) || redirectOnly(route.routes)) continue;
            const where = (route.entryPoints ?? ["every entrypoint"]).join(", ");
            const fix = `serve it only on ${(config.operatorEntrypoints ?? []).join(", ")}`;
            if (route.annotations[AUDIENCE] === "admin") {
                report(`IngressRoute ${route.namespace}/${route.name} declares an admin audience but is served on ${where}; ${fix}`, route.urn);
                continue;
            }
            for (const r of route.routes) {
                for (const b of r.services.flatMap((ref) => backendsOf(route.namespace, ref))) {
                    if (b.kind === "unknown") {
                        report(`IngressRoute ${route.namespace}/${route.name} routes ${r.match} to ${b.name}, ${b.why}, on ${where}, so this rule cannot tell what it exposes; ${unknownFix}`, route.urn);
                        continue;
                    }
                    if (isAdmin(b)) {
                        report(`IngressRoute ${route.namespace}/${route.name} routes ${r.match} to admin service ${described(b)} on ${where}; ${fix}`, route.urn);
                    }
                    if (b.kind !== "service") continue;
                    const name = b.name;
                    const via = b.via ? ` (through the alias ${b.via})` : "";
                    const allowed = apiPrefixes[name];
                    if (allowed) {
                        const prefixes = pathPrefixesOf(r.match);
                        const outside = prefixes === undefined ? ["/"] : prefixes.filter((p) => !allowed.some((a) => p === a || p.startsWith(`${a}/`)));
                        if (outside.length > 0) {
                            report(`IngressRoute ${route.namespace}/${route.name} routes ${outside.join(", ")} of ${name}${via} on ${where}, beyond its public API (${allowed.join(", ")}); match only those prefixes publicly, and ${fix} for the rest`, route.urn);
                        }
                    }
                }
            }
        }
    },
};

export const routePolicies = [publicRouteTls, uiRouteSignIn, adminNotPublic];
