import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { HttpsRoute, HttpsRouteArgs, RouteAudience, RoutePaths, routeUrl } from "../components/ingress/https-route";
import { INGRESS_CLASS, INGRESS_NAMESPACE, IngressController } from "../components/ingress/ingress-controller";
import { ingressBackend } from "../components/ingress/ingress-backend";
import { TlsIssuer } from "../components/ingress/tls-issuer";
import { IngressOpening, INGRESS_PORTS } from "../components/k3s/ports";
import { childrenDependOn } from "../components/ordering";
import { Scheduling } from "../components/placement";
import { CERT_MANAGER_NAMESPACE } from "../components/platform/cert-manager";
import { AccessConfig, HostRole, OPERATOR_HOSTS, PUBLIC_HOSTS } from "./config/access";

/** The stack's TlsIssuer: its ClusterIssuer is `<name>-acme` or `<name>-ca`. */
export const TLS_ISSUER = "groundwork";
import { EgressDestination } from "../components/platform/egress";

/**
 * Whether a host is served on the public entrypoint (443) or the operators' (9443). Langfuse is a
 * UI: without an identity provider to sign people in, it is for operators only.
 */
export function entryPointOf(role: HostRole, access: AccessConfig): "public" | "operators" {
    if ((OPERATOR_HOSTS as readonly string[]).includes(role)) return "operators";
    if (role === "langfuse" && !access.sso) return "operators";
    return "public";
}

/** Whether any host is routed on the public entrypoint, and any on the operators'. */
export function routedHosts(access?: AccessConfig): { public: boolean; operators: boolean } {
    const roles = [...PUBLIC_HOSTS, ...OPERATOR_HOSTS].filter((h) => access?.hosts[h] !== undefined);
    return {
        public: roles.some((r) => entryPointOf(r, access!) === "public"),
        operators: roles.some((r) => entryPointOf(r, access!) === "operators"),
    };
}

/**
 * What the cloud firewalls open to the ingress controller: nothing without a routed host. HTTPS
 * (443) to the public ranges and 9443 to the operator ranges, each only when a host uses it. Port
 * 80 only redirects and answers HTTP-01 challenges; with ACME it is open to everyone, because
 * Let's Encrypt validates from addresses it does not publish (letsencrypt.org/docs/faq, "What IP
 * addresses does Let's Encrypt use to validate my web server?", read 2026-11-27).
 */
export function ingressOpenings(access?: AccessConfig): IngressOpening[] {
    if (!access) return [];
    const routed = routedHosts(access);
    if (!routed.public && !routed.operators) return [];
    const httpFrom = access.tls.issuer === "acme" ? ["0.0.0.0/0"] : [...new Set([...(routed.public ? access.publicRanges : []), ...(routed.operators ? access.operatorRanges : [])])];
    return [
        { port: INGRESS_PORTS.http, cidrs: httpFrom, description: access.tls.issuer === "acme" ? "HTTP ingress: redirects to HTTPS and ACME HTTP-01 challenges only" : "HTTP ingress: redirects to HTTPS only" },
        ...(routed.public ? [{ port: INGRESS_PORTS.https, cidrs: access.publicRanges, description: "HTTPS ingress (public hosts)" }] : []),
        ...(routed.operators ? [{ port: INGRESS_PORTS.operators, cidrs: access.operatorRanges, description: "HTTPS ingress (operator hosts)" }] : []),
    ];
}

/** A service people or applications reach through the ingress. */
interface RoutedService {
    /** The backend Service's namespace; the route itself lives in the ingress namespace. */
    namespace: string;
    service: { name: string; port: number };
    audience: RouteAudience;
    paths?: RoutePaths;
    signInIssuer?: string;
    rateLimit?: HttpsRouteArgs["rateLimit"];
    stripRequestHeaders?: string[];
    headerPatterns?: HttpsRouteArgs["headerPatterns"];
    /** What must exist first: the backend's namespace and component. */
    after: pulumi.Resource[];
}

export interface IngressDeps {
    provider: k8s.Provider;
    /** cert-manager (Certificate and ClusterIssuer CRDs). */
    certManager: pulumi.Resource;
    /** The mesh, which everything meshed waits for. */
    mesh: pulumi.Resource;
    scheduling?: Scheduling;
    replicas: number;
    /** The pod network (k3s `cluster-cidr`). */
    podCidr: string;
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt). */
    apiServer: EgressDestination;
}

/** The ingress controller, the certificates' issuer, and a route per configured host. */
export class StackIngress {
    public readonly issuerName: string;
    private readonly controller: IngressController;
    private readonly issuer: TlsIssuer;
    public readonly urls: Record<string, string> = {};
    /** The ingress namespace's alias of each routed backend, by its name there. */
    private readonly backends = new Map<string, { namespace: string; port: number; alias: k8s.core.v1.Service }>();

    constructor(private readonly access: AccessConfig, private readonly deps: IngressDeps) {
        const opts = { provider: deps.provider, transformations: [childrenDependOn([deps.mesh])] };
        this.controller = new IngressController("ingress", { replicas: deps.replicas, openings: ingressOpenings(access), scheduling: deps.scheduling, podCidr: deps.podCidr, apiServer: deps.apiServer }, opts);
        this.issuer = new TlsIssuer(TLS_ISSUER, access.tls.issuer === "acme"
            ? { kind: "acme", server: access.tls.acmeServer, email: access.tls.acmeEmail!, ingressClass: INGRESS_CLASS }
            : { kind: "private-ca", certManagerNamespace: CERT_MANAGER_NAMESPACE }, { provider: deps.provider, dependsOn: [deps.certManager] });
        this.issuerName = this.issuer.issuerName;
    }

    /** Routes `role`'s host, if configured, to the service; returns its URL. */
    route(role: HostRole, routed: RoutedService): string | undefined {
        const host = this.access.hosts[role];
        if (!host) return undefined;
        const backend = this.backendAlias(routed);
        const route = new HttpsRoute(role.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), {
            host,
            namespace: INGRESS_NAMESPACE,
            service: routed.service,
            audience: routed.audience,
            entryPoint: entryPointOf(role, this.access),
            paths: routed.paths,
            signInIssuer: routed.signInIssuer,
            issuerName: this.issuerName,
            rateLimit: routed.rateLimit,
            stripRequestHeaders: routed.stripRequestHeaders,
            headerPatterns: routed.headerPatterns,
        }, { provider: this.deps.provider, dependsOn: [this.controller, this.issuer, backend, ...routed.after] });
        this.urls[role] = route.url;
        return route.url;
    }

    /**
     * The ingress namespace's ExternalName alias of the routed Service, made once per Service (the
     * gateway's public and admin routes share one). Aliases take the backend's name, which the
     * security pack's route rules read, so two backends of one name in different namespaces cannot
     * both be routed.
     */
    private backendAlias(routed: RoutedService): k8s.core.v1.Service {
        const { name, port } = routed.service;
        const known = this.backends.get(name);
        if (known && known.namespace !== routed.namespace) {
            throw new Error(`the ingress routes two Services named ${name}, in ${known.namespace} and ${routed.namespace}; their aliases in ${INGRESS_NAMESPACE} would collide: rename one`);
        }
        if (known && known.port !== port) {
            throw new Error(`the ingress routes ${routed.namespace}/${name} on ports ${known.port} and ${port}; its alias in ${INGRESS_NAMESPACE} carries one port: route one`);
        }
        if (known) return known.alias;
        const alias = ingressBackend(`ingress-backend-${routed.namespace}-${name}`, {
            ingressNamespace: INGRESS_NAMESPACE,
            service: { name, namespace: routed.namespace, port },
        }, { provider: this.deps.provider, dependsOn: [this.controller] });
        this.backends.set(name, { namespace: routed.namespace, port, alias });
        return alias;
    }

    /** The URL a host would be served at, before its route exists. */
    urlOf(role: HostRole): string | undefined {
        const host = this.access.hosts[role];
        if (!host) return undefined;
        return routeUrl(host, entryPointOf(role, this.access));
    }
}
