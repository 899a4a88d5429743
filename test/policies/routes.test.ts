import { strict as assert } from "assert";
import { ingressReadsOwnNamespace } from "../../policies/security/ingress-secrets";
import { backendResolver } from "../../policies/security/route-backends";
import { adminNotPublic, pathPrefixesOf, publicRouteTls, uiRouteSignIn } from "../../policies/security/routes";
import { messages, record } from "./harness";

const ROUTE = "kubernetes:traefik.io/v1alpha1:IngressRoute";
const MIDDLEWARE = "kubernetes:traefik.io/v1alpha1:Middleware";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const SERVICE = "kubernetes:core/v1:Service";
const CHART = "kubernetes:helm.sh/v4:Chart";
const TRAEFIK_SERVICE = "kubernetes:traefik.io/v1alpha1:TraefikService";
/** An ExternalName Service in the routes' namespace. */
const alias = (name: string, externalName: string) => record(SERVICE, { metadata: { name, namespace: "apps" }, spec: { type: "ExternalName", externalName, ports: [{ name: "http", port: 8200 }] } }, `${name}-alias`);

/** An IngressRoute shaped like components/ingress/https-route.ts renders them. */
function route(name: string, spec: Record<string, any>, annotations: Record<string, string> = { "groundwork.dev/audience": "api" }) {
    return record(ROUTE, { apiVersion: "traefik.io/v1alpha1", kind: "IngressRoute", metadata: { name, namespace: "apps", annotations }, spec }, name);
}
const rule = (match: string, service = "chat", extra: Record<string, any> = {}) => ({ kind: "Rule", match, services: [{ kind: "Service", name: service, port: 80 }], ...extra });
const redirectRoute = (name: string, middleware = "to-https") => route(name, {
    entryPoints: ["web"],
    routes: [{ kind: "Rule", match: "Host(`chat.example.com`)", priority: 1, middlewares: [{ name: middleware }], services: [{ kind: "TraefikService", name: "noop@internal" }] }],
});
const redirect = (name: string, scheme: string) => record(MIDDLEWARE, { metadata: { name, namespace: "apps" }, spec: { redirectScheme: { scheme, permanent: true } } }, name);

describe("security pack: routes from outside", () => {
    describe("public-route-tls", () => {
        it("passes a TLS route on websecure and a port-80 route that redirects to HTTPS", async () => {
            const records = [
                route("chat", { entryPoints: ["websecure"], routes: [rule("Host(`chat.example.com`)")], tls: { secretName: "chat-tls" } }),
                redirectRoute("chat-http"),
                redirect("to-https", "https"),
                record(INGRESS, { metadata: { name: "ok", namespace: "apps" }, spec: { tls: [{ hosts: ["a.example.com"], secretName: "a" }], rules: [{ host: "a.example.com" }] } }),
            ];
            assert.deepEqual(await messages(publicRouteTls, records), []);
        });
        it("flags a TLS entrypoint without a certificate, port 80 serving content, and an Ingress host without TLS", async () => {
            const found = await messages(publicRouteTls, [
                route("no-cert", { entryPoints: ["websecure"], routes: [rule("Host(`chat.example.com`)")] }),
                redirectRoute("fake-redirect", "to-http"),
                redirect("to-http", "http"),
                route("all-entrypoints", { routes: [rule("Host(`b.example.com`)")], tls: { secretName: "b" } }),
                record(INGRESS, { metadata: { name: "bare", namespace: "apps" }, spec: { rules: [{ host: "c.example.com" }] } }),
            ]);
            assert.deepEqual(found, [
                "IngressRoute apps/no-cert serves websecure without spec.tls; set spec.tls.secretName to a cert-manager Certificate's secret",
                "IngressRoute apps/fake-redirect serves Host(`chat.example.com`) on plain-HTTP entrypoint web without redirecting to HTTPS; list only TLS entrypoints, or add a redirectScheme (scheme: https) Middleware",
                "IngressRoute apps/all-entrypoints serves Host(`b.example.com`) on every entrypoint (spec.entryPoints is empty), port 80 included without redirecting to HTTPS; list only TLS entrypoints, or add a redirectScheme (scheme: https) Middleware",
                "Ingress apps/bare serves c.example.com without TLS; add spec.tls with a secret for each host",
            ]);
        });
    });

    describe("ui-route-single-sign-on", () => {
        it("passes a UI that names its https issuer, an API route, and a UI's redirect-only route", async () => {
            assert.deepEqual(await messages(uiRouteSignIn, [
                route("chat", { entryPoints: ["websecure"], routes: [rule("Host(`chat.example.com`)")] }, { "groundwork.dev/audience": "ui", "groundwork.dev/sign-in": "https://id.example.com" }),
                route("api", { entryPoints: ["websecure"], routes: [rule("Host(`ai.example.com`)", "llm-gateway")] }),
                route("chat-http", redirectRoute("x").props.spec, { "groundwork.dev/audience": "ui" }),
            ]), []);
        });
        it("flags a UI without sign-in (or with a non-https issuer) and a route that does not say what it serves", async () => {
            const found = await messages(uiRouteSignIn, [
                route("open-chat", { entryPoints: ["websecure"], routes: [rule("Host(`chat.example.com`)")] }, { "groundwork.dev/audience": "ui" }),
                route("http-issuer", { entryPoints: ["websecure"], routes: [rule("Host(`chat.example.com`)")] }, { "groundwork.dev/audience": "ui", "groundwork.dev/sign-in": "http://id.example.com" }),
                route("unlabelled", { entryPoints: ["websecure"], routes: [rule("Host(`x.example.com`)")] }, {}),
            ]);
            assert.equal(found.length, 3);
            assert.match(found[0], /IngressRoute apps\/open-chat routes a UI without single sign-on \(metadata\.annotations\["groundwork\.dev\/sign-in"\] is "unset"\)/);
            assert.match(found[1], /"http:\/\/id\.example\.com"/);
            assert.match(found[2], /IngressRoute apps\/unlabelled has metadata\.annotations\["groundwork\.dev\/audience"\] "unset"; declare ui, api or admin/);
        });
    });

    describe("admin-endpoint-not-public", () => {
        it("passes admin routes on the operators entrypoint and the gateway's /v1 on the public one", async () => {
            assert.deepEqual(await messages(adminNotPublic, [
                route("vault", { entryPoints: ["operators"], routes: [rule("Host(`vault.example.com`)", "vault")] }, { "groundwork.dev/audience": "admin" }),
                route("gateway-admin", { entryPoints: ["operators"], routes: [rule("Host(`admin.example.com`)", "llm-gateway")] }, { "groundwork.dev/audience": "admin" }),
                route("gateway", { entryPoints: ["websecure"], routes: [rule("Host(`ai.example.com`) && PathPrefix(`/v1`)", "llm-gateway")] }),
                route("vault-http", redirectRoute("x").props.spec, { "groundwork.dev/audience": "admin" }),
            ]), []);
        });
        it("flags Vault, Grafana or Prometheus on a public entrypoint, an admin route there, and gateway paths beyond /v1", async () => {
            const found = await messages(adminNotPublic, [
                route("vault", { entryPoints: ["websecure"], routes: [rule("Host(`vault.example.com`)", "vault")] }),
                route("grafana", { routes: [rule("Host(`grafana.example.com`)", "grafana")] }, { "groundwork.dev/audience": "ui" }),
                route("declared-admin", { entryPoints: ["websecure"], routes: [rule("Host(`x.example.com`)", "anything")] }, { "groundwork.dev/audience": "admin" }),
                route("gateway-ui", { entryPoints: ["websecure"], routes: [rule("Host(`ai.example.com`) && PathPrefix(`/ui`)", "llm-gateway")] }),
                route("gateway-all", { entryPoints: ["websecure"], routes: [rule("Host(`ai.example.com`)", "llm-gateway")] }),
                // kube-prometheus-stack's Grafana and Prometheus, as the monitoring release names them.
                route("monitoring-grafana", { entryPoints: ["websecure"], routes: [rule("Host(`g.example.com`)", "monitoring-grafana")] }, { "groundwork.dev/audience": "ui" }),
                route("prometheus", { entryPoints: ["websecure"], routes: [rule("Host(`p.example.com`)", "monitoring-kube-prometheus-prometheus")] }),
            ]);
            assert.deepEqual(found, [
                "IngressRoute apps/vault routes Host(`vault.example.com`) to admin service vault on websecure; serve it only on operators",
                "IngressRoute apps/grafana routes Host(`grafana.example.com`) to admin service grafana on every entrypoint; serve it only on operators",
                "IngressRoute apps/declared-admin declares an admin audience but is served on websecure; serve it only on operators",
                "IngressRoute apps/gateway-ui routes /ui of llm-gateway on websecure, beyond its public API (/v1); match only those prefixes publicly, and serve it only on operators for the rest",
                "IngressRoute apps/gateway-all routes / of llm-gateway on websecure, beyond its public API (/v1); match only those prefixes publicly, and serve it only on operators for the rest",
                "IngressRoute apps/monitoring-grafana routes Host(`g.example.com`) to admin service monitoring-grafana on websecure; serve it only on operators",
                "IngressRoute apps/prometheus routes Host(`p.example.com`) to admin service monitoring-kube-prometheus-prometheus on websecure; serve it only on operators",
            ]);
        });
        it("judges a route to an ExternalName alias, or a TraefikService, by the Service it reaches", async () => {
            const records = [
                alias("docs", "vault.vault.svc.cluster.local"),
                alias("api", "llm-gateway.inference.svc.cluster.local"),
                // An alias of an alias, and a TraefikService that weighs one.
                alias("manual", "docs.apps.svc.cluster.local"),
                record(TRAEFIK_SERVICE, { metadata: { name: "weighted", namespace: "apps" }, spec: { weighted: { services: [{ name: "chat", port: 80 }, { name: "docs", port: 8200 }] } } }, "weighted"),
                route("docs", { entryPoints: ["websecure"], routes: [rule("Host(`docs.example.com`)", "docs")] }),
                route("api", { entryPoints: ["websecure"], routes: [rule("Host(`ai.example.com`)", "api")] }),
                route("api-v1", { entryPoints: ["websecure"], routes: [rule("Host(`ai.example.com`) && PathPrefix(`/v1`)", "api")] }),
                route("manual", { entryPoints: ["websecure"], routes: [rule("Host(`m.example.com`)", "manual")] }),
                route("weighted", { entryPoints: ["websecure"], routes: [{ kind: "Rule", match: "Host(`w.example.com`)", services: [{ kind: "TraefikService", name: "weighted" }] }] }),
                route("dashboard", { entryPoints: ["websecure"], routes: [{ kind: "Rule", match: "Host(`t.example.com`)", services: [{ kind: "TraefikService", name: "api@internal" }] }] }),
            ];
            assert.deepEqual(await messages(adminNotPublic, records), [
                "IngressRoute apps/docs routes Host(`docs.example.com`) to admin service vault (through the alias docs) on websecure; serve it only on operators",
                "IngressRoute apps/api routes / of llm-gateway (through the alias api) on websecure, beyond its public API (/v1); match only those prefixes publicly, and serve it only on operators for the rest",
                "IngressRoute apps/manual routes Host(`m.example.com`) to admin service vault (through the alias manual) on websecure; serve it only on operators",
                "IngressRoute apps/weighted routes Host(`w.example.com`) to admin service vault (through the alias weighted) on websecure; serve it only on operators",
                "IngressRoute apps/dashboard routes Host(`t.example.com`) to admin service Traefik's own api@internal on websecure; serve it only on operators",
            ]);
        });
        it("refuses a public route to what it cannot follow to one Service: short, per-pod or outside names, an address, a Service without a selector, an undeclared TraefikService", async () => {
            const found = await messages(adminNotPublic, [
                alias("short", "vault.vault"),
                alias("pod", "vault-0.vault-internal.vault.svc.cluster.local"),
                alias("outside", "vault.example.com"),
                alias("address", "10.43.0.12"),
                record(SERVICE, { metadata: { name: "handmade", namespace: "apps" }, spec: { ports: [{ port: 8200 }] } }, "handmade"),
                ...["short", "pod", "outside", "address", "handmade"].map((name) => route(name, { entryPoints: ["websecure"], routes: [rule(`Host(\`${name}.example.com\`)`, name)] })),
                route("undeclared", { entryPoints: ["websecure"], routes: [{ kind: "Rule", match: "Host(`u.example.com`)", services: [{ kind: "TraefikService", name: "elsewhere" }] }] }),
                // On the operators' entrypoint anything goes.
                route("short-operators", { entryPoints: ["operators"], routes: [rule("Host(`s.example.com`)", "short")] }, { "groundwork.dev/audience": "admin" }),
            ]);
            const cannot = "so this rule cannot tell what it exposes; route only to a Service with a selector, or to an alias of exactly <name>.<namespace>.svc.cluster.local, or serve it only on operators";
            assert.deepEqual(found, [
                `IngressRoute apps/short routes Host(\`short.example.com\`) to short, an ExternalName to vault.vault, which is not one cluster Service's full name (<name>.<namespace>.svc.cluster.local), on websecure, ${cannot}`,
                `IngressRoute apps/pod routes Host(\`pod.example.com\`) to pod, an ExternalName to vault-0.vault-internal.vault.svc.cluster.local, which is not one cluster Service's full name (<name>.<namespace>.svc.cluster.local), on websecure, ${cannot}`,
                `IngressRoute apps/outside routes Host(\`outside.example.com\`) to outside, an ExternalName to vault.example.com, which is not one cluster Service's full name (<name>.<namespace>.svc.cluster.local), on websecure, ${cannot}`,
                `IngressRoute apps/address routes Host(\`address.example.com\`) to address, an ExternalName to 10.43.0.12, which is not one cluster Service's full name (<name>.<namespace>.svc.cluster.local), on websecure, ${cannot}`,
                `IngressRoute apps/handmade routes Host(\`handmade.example.com\`) to handmade, a Service without a selector, whose endpoints anyone who may write EndpointSlices chooses, on websecure, ${cannot}`,
                `IngressRoute apps/undeclared routes Host(\`u.example.com\`) to elsewhere, a TraefikService the stack does not declare, on websecure, ${cannot}`,
            ]);
        });
        it("follows a chain of aliases only so far", () => {
            const loop = [alias("a", "b.apps.svc.cluster.local"), alias("b", "a.apps.svc.cluster.local")];
            assert.deepEqual(backendResolver(loop)("apps", { name: "a" }), [{ kind: "unknown", name: "a", why: "a chain of more than 8 aliases, which may not end" }]);
            assert.deepEqual(backendResolver([])("apps", { name: "rendered-by-a-chart" }), [{ kind: "service", name: "rendered-by-a-chart", via: undefined }]);
        });
        it("reads the path prefixes a Traefik rule is limited to", () => {
            assert.deepEqual(pathPrefixesOf("Host(`a`) && (PathPrefix(`/v1`) || PathPrefix(`/v2`))"), ["/v1", "/v2"]);
            assert.equal(pathPrefixesOf("Host(`a`)"), undefined);
            assert.equal(pathPrefixesOf("Host(`a`) && PathPrefix(`/v1`) || Host(`b`)"), undefined);
        });
    });
});

describe("security pack: routes that other kinds carry", () => {
    it("flags an Ingress or raw TCP route to an admin service, a TCP route without TLS, and a negated path to the gateway", async () => {
        const ingress = record(INGRESS, { metadata: { name: "vault-ui", namespace: "vault" }, spec: { tls: [{ hosts: ["v.example.com"] }], rules: [{ host: "v.example.com", http: { paths: [{ path: "/", backend: { service: { name: "vault", port: { number: 8200 } } } }] } }] } }, "vault-ui");
        const tcp = record("kubernetes:traefik.io/v1alpha1:IngressRouteTCP", { metadata: { name: "vault-tcp", namespace: "vault" }, spec: { entryPoints: ["websecure"], routes: [{ match: "HostSNI(`*`)", services: [{ name: "vault", port: 8200 }] }] } }, "vault-tcp");
        const negated = route("gateway-negated", { entryPoints: ["websecure"], routes: [rule("Host(`ai.example.com`) && !PathPrefix(`/v1`)", "llm-gateway")] });
        const admin = await messages(adminNotPublic, [ingress, tcp, negated]);
        assert.deepEqual(admin, [
            "Ingress vault/vault-ui exposes admin service vault beyond the operator entrypoints; route it with an IngressRoute on operators",
            "IngressRouteTCP vault/vault-tcp exposes admin service vault beyond the operator entrypoints; route it with an IngressRoute on operators",
            "IngressRoute apps/gateway-negated routes / of llm-gateway on websecure, beyond its public API (/v1); match only those prefixes publicly, and serve it only on operators for the rest",
        ]);
        const [tlsMessage, ...more] = await messages(publicRouteTls, [tcp]);
        assert.equal(more.length, 0);
        assert.match(tlsMessage, /^IngressRouteTCP vault\/vault-tcp has no spec\.tls: raw TCP from outside travels in the clear/);
    });
});

describe("ingress-reads-own-namespace (security pack)", () => {
    const traefik = (values: Record<string, any>, namespace = "ingress") => record(CHART, { chart: "traefik", version: "41.3.0", name: "traefik", namespace, values }, "traefik");
    const inIngress = (r: ReturnType<typeof record>) => ({ ...r, props: { ...r.props, metadata: { ...r.props.metadata, namespace: "ingress" } } });
    const solverIngress = (namespace: string) => record(INGRESS, { metadata: { name: "cm-acme-http-solver-x", namespace, annotations: { "kubernetes.io/ingress.class": "groundwork" } }, spec: {} }, `solver-${namespace}`);

    it("passes Traefik with namespaced RBAC whose routes, middlewares and solver Ingresses live in its namespace", async () => {
        assert.deepEqual(await messages(ingressReadsOwnNamespace, [
            traefik({ rbac: { namespaced: true }, providers: { kubernetesCRD: { enabled: true }, kubernetesIngress: { enabled: true, ingressClass: "groundwork" } } }),
            inIngress(route("chat", { entryPoints: ["websecure"], routes: [rule("Host(`chat.example.com`)")], tls: { secretName: "chat-tls" } })),
            inIngress(redirect("to-https", "https")),
            solverIngress("ingress"),
            // Another controller's Ingress elsewhere is not Traefik's.
            record(INGRESS, { metadata: { name: "other", namespace: "apps" }, spec: { ingressClassName: "nginx" } }, "other"),
        ]), []);
    });
    it("flags rbac turned off, namespaces the NGINX and Hub providers watch, other bindings of its account, and an OCI chart reference", async () => {
        const oci = record(CHART, { chart: "oci://ghcr.io/traefik/helm/traefik", version: "41.3.0", name: "edge", namespace: "ingress", values: { rbac: { enabled: false }, providers: { kubernetesIngressNGINX: { enabled: true, watchNamespace: "apps" } }, hub: { namespaces: ["tenants"] } } }, "edge");
        const binding = (type: string, namespace: string | undefined) => record(`kubernetes:rbac.authorization.k8s.io/v1:${type}`, {
            metadata: { name: "traefik-extra", ...(namespace ? { namespace } : {}) },
            roleRef: { kind: "ClusterRole", name: "view" },
            subjects: [{ kind: "ServiceAccount", name: "edge-traefik", namespace: "ingress" }],
        }, `${type}-${namespace}`);
        assert.deepEqual(await messages(ingressReadsOwnNamespace, [oci, binding("ClusterRoleBinding", undefined), binding("RoleBinding", "apps"), binding("RoleBinding", "ingress")]), [
            "Traefik release edge in ingress has rbac.enabled false: the chart binds nothing, and whatever binding Traefik is given instead decides which Secrets it reads; set rbac.enabled and rbac.namespaced to true",
            "Traefik release edge in ingress also watches apps, tenants (providers.*.namespaces, providers.kubernetesIngressNGINX.watchNamespace or hub.namespaces), and so reads every Secret there; remove them and route to their Services through ExternalName aliases in ingress",
            "ClusterRoleBinding traefik-extra binds ingress/edge-traefik, Traefik release edge in ingress's ServiceAccount, cluster-wide; the internet-facing ingress gets rights only in its own namespace, through the chart's Role",
            "RoleBinding apps/traefik-extra binds ingress/edge-traefik, Traefik release edge in ingress's ServiceAccount, in apps; the internet-facing ingress gets rights only in its own namespace, through the chart's Role",
        ]);
    });
    it("flags an Ingress or an ACME solver that names the class by ingressClassName, which namespaced Traefik never reads", async () => {
        const found = await messages(ingressReadsOwnNamespace, [
            traefik({ rbac: { namespaced: true }, providers: { kubernetesIngress: { enabled: true, ingressClass: "groundwork" } } }),
            record(INGRESS, { metadata: { name: "by-field", namespace: "ingress" }, spec: { ingressClassName: "groundwork" } }, "by-field"),
            record("kubernetes:cert-manager.io/v1:ClusterIssuer", { metadata: { name: "acme" }, spec: { acme: { solvers: [{ http01: { ingress: { class: "groundwork" } } }, { http01: { ingress: { ingressClassName: "groundwork" } } }] } } }, "acme"),
        ]);
        assert.deepEqual(found, [
            "Ingress ingress/by-field names its class in spec.ingressClassName (groundwork); Traefik with namespaced RBAC reads no IngressClass and never serves it: set the kubernetes.io/ingress.class annotation instead",
            "ClusterIssuer acme solvers[1].http01.ingress.ingressClassName is groundwork: its challenge Ingresses name the class by a field Traefik with namespaced RBAC never reads, so no certificate is issued; set http01.ingress.class",
        ]);
    });
    it("passes a stack without Traefik, whatever its routes", async () => {
        assert.deepEqual(await messages(ingressReadsOwnNamespace, [route("chat", { routes: [rule("Host(`chat.example.com`)")] })]), []);
    });
    it("flags the chart's ClusterRole, other watched namespaces, and routes, middlewares and solver Ingresses beside their backends", async () => {
        const found = await messages(ingressReadsOwnNamespace, [
            traefik({ rbac: { namespaced: false }, providers: { kubernetesCRD: { namespaces: ["apps", "ingress"] }, kubernetesIngress: { ingressClass: "groundwork", namespaces: ["apps"] } } }),
            route("chat", { routes: [rule("Host(`chat.example.com`)")] }),
            redirect("to-https", "https"),
            solverIngress("apps"),
        ]);
        assert.deepEqual(found, [
            "Traefik release traefik in ingress reads every Secret in the cluster (without rbac.namespaced the chart binds a ClusterRole that reads Secrets everywhere, and Traefik caches those of every namespace it watches); set rbac.namespaced: true and keep its routes, certificates and backend aliases in ingress",
            "Traefik release traefik in ingress also watches apps (providers.*.namespaces, providers.kubernetesIngressNGINX.watchNamespace or hub.namespaces), and so reads every Secret there; remove them and route to their Services through ExternalName aliases in ingress",
            "IngressRoute apps/chat is outside the ingress controller's namespace, the only one it reads; Traefik never serves it: put it in ingress, with its certificate, and reach a backend elsewhere through an ExternalName Service there",
            "Middleware apps/to-https is outside the ingress controller's namespace, the only one it reads; Traefik never serves it: put it in ingress, with its certificate, and reach a backend elsewhere through an ExternalName Service there",
            "Ingress apps/cm-acme-http-solver-x names the ingress class groundwork outside the ingress controller's namespace, the only one it reads; Traefik never serves it: put it in ingress, with its certificate, and reach a backend elsewhere through an ExternalName Service there",
        ]);
    });
});
