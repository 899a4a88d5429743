import { strict as assert } from "assert";
import { adminNotPublic, pathPrefixesOf, publicRouteTls, uiRouteSignIn } from "../../policies/security/routes";
import { messages, record } from "./harness";

const ROUTE = "kubernetes:traefik.io/v1alpha1:IngressRoute";
const MIDDLEWARE = "kubernetes:traefik.io/v1alpha1:Middleware";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

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
