import { strict as assert } from "assert";
import { meshServerPerPort } from "../../policies/security/mesh-servers";
import { messages, record } from "./harness";

const POLICY = "policy.linkerd.io";
const meshedNamespace = record("kubernetes:core/v1:Namespace", { metadata: { name: "apps", annotations: { "linkerd.io/inject": "enabled" } } }, "apps");
const api = (annotations: Record<string, string> = {}) => record("kubernetes:apps/v1:Deployment", {
    metadata: { name: "api", namespace: "apps" },
    spec: { template: { metadata: { labels: { app: "api" }, annotations }, spec: { containers: [{ name: "api", image: "api:1", ports: [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9100 }] }] } } },
}, "api");
const server = (name: string, port: string | number, extra: Record<string, unknown> = {}) => record(`kubernetes:${POLICY}/v1beta3:Server`, {
    metadata: { name, namespace: "apps", ...extra },
    spec: { podSelector: { matchLabels: { app: "api" } }, port, accessPolicy: "deny" },
}, name);
const authorization = (name: string, targetRef: Record<string, string>) => record(`kubernetes:${POLICY}/v1alpha1:AuthorizationPolicy`, {
    metadata: { name, namespace: "apps" },
    spec: { targetRef: { group: POLICY, ...targetRef }, requiredAuthenticationRefs: [{ group: POLICY, kind: "MeshTLSAuthentication", name: "clients" }] },
}, name);

describe("mesh-server-per-port", () => {
    it("passes ports with a deny Server and an AuthorizationPolicy (on the Server or one of its routes), a Server that says why nobody calls it, and skipped ports", async () => {
        const route = record(`kubernetes:${POLICY}/v1beta3:HTTPRoute`, { metadata: { name: "api-v1", namespace: "apps" }, spec: { parentRefs: [{ group: POLICY, kind: "Server", name: "api-http" }] } }, "api-v1");
        assert.deepEqual(await messages(meshServerPerPort, [
            meshedNamespace, api(), server("api-http", "http"), route, authorization("api-v1-allow", { kind: "HTTPRoute", name: "api-v1" }),
            server("api-metrics", 9100, { annotations: { "groundwork.dev/no-clients": "nothing scrapes it" } }),
        ]), []);
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, api({ "config.linkerd.io/skip-inbound-ports": "8080,9100" })]), [], "ports outside the mesh are the NetworkPolicies' to guard");
        // A UDP port (gossip) is not Linkerd's to authorize; the same port over TCP is.
        const gossip = record("kubernetes:apps/v1:Deployment", {
            metadata: { name: "api", namespace: "apps" },
            spec: { template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "api", image: "api:1", ports: [{ name: "gossip-udp", containerPort: 9094, protocol: "UDP" }] }] } } },
        }, "api");
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, gossip]), [], "UDP is not proxied");
        assert.equal((await messages(meshServerPerPort, [meshedNamespace, { ...gossip, props: { ...gossip.props, spec: { template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "api", image: "api:1", ports: [{ name: "gossip-tcp", containerPort: 9094 }] }] } } } } }])).length, 1, "the TCP one needs its Server");
        const unmeshed = record("kubernetes:core/v1:Namespace", { metadata: { name: "apps" } }, "apps");
        assert.deepEqual(await messages(meshServerPerPort, [unmeshed, api()]), []);
    });

    it("flags a port without a Server, a Server that does not deny, and one without an AuthorizationPolicy or a reason", async () => {
        const open = record(`kubernetes:${POLICY}/v1beta3:Server`, { metadata: { name: "api-http", namespace: "apps" }, spec: { podSelector: { matchLabels: { app: "api" } }, port: 8080, accessPolicy: "all-authenticated" } }, "api-http");
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, api(), open, authorization("api-http-allow", { kind: "Server", name: "api-http" })]), [
            'Server apps/api-http for port 8080 (http) of Deployment apps/api has accessPolicy all-authenticated; set "deny" and name the clients in an AuthorizationPolicy',
            "port 9100 (metrics) of Deployment apps/api has no Linkerd Server: any meshed identity may call it; add a Server (accessPolicy: deny) with an AuthorizationPolicy naming its clients",
        ]);
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, api(), server("api-http", "http"), server("api-metrics", "metrics")]), [
            "Server apps/api-http for port 8080 (http) of Deployment apps/api has no AuthorizationPolicy; name its clients in one, or annotate the Server groundwork.dev/no-clients: <why nothing calls it>",
            "Server apps/api-metrics for port 9100 (metrics) of Deployment apps/api has no AuthorizationPolicy; name its clients in one, or annotate the Server groundwork.dev/no-clients: <why nothing calls it>",
        ]);
    });

    it("judges the port a Service sends to even when no container declares it (security review s29 S29-1)", async () => {
        const bare = record("kubernetes:apps/v1:Deployment", {
            metadata: { name: "api", namespace: "apps" },
            spec: { template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "api", image: "api:1" }] } } },
        }, "api");
        const service = (targetPort: number | string) => record("kubernetes:core/v1:Service", {
            metadata: { name: "api", namespace: "apps" },
            spec: { selector: { app: "api" }, ports: [{ port: 80, targetPort }] },
        }, "api-service");
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, bare, service(8080)]), [
            "port 8080 (undeclared, the target of Service apps/api's port 80) of Deployment apps/api has no Linkerd Server: any meshed identity may call it; add a Server (accessPolicy: deny) with an AuthorizationPolicy naming its clients",
        ]);
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, bare, service(8080), server("api-8080", 8080)]), [
            "Server apps/api-8080 for port 8080 (undeclared, the target of Service apps/api's port 80) of Deployment apps/api has no AuthorizationPolicy; name its clients in one, or annotate the Server groundwork.dev/no-clients: <why nothing calls it>",
        ]);
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, bare, service(8080), server("api-8080", 8080), authorization("api-8080-allow", { kind: "Server", name: "api-8080" })]), []);
        // No targetPort: the Service's own port. A name no container declares reaches no endpoint.
        const portOnly = record("kubernetes:core/v1:Service", { metadata: { name: "api", namespace: "apps" }, spec: { selector: { app: "api" }, ports: [{ port: 9000 }] } }, "api-service");
        assert.equal((await messages(meshServerPerPort, [meshedNamespace, bare, portOnly]))[0], "port 9000 (undeclared, the target of Service apps/api's port 9000) of Deployment apps/api has no Linkerd Server: any meshed identity may call it; add a Server (accessPolicy: deny) with an AuthorizationPolicy naming its clients");
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, bare, service("http")]), []);
        // A declared port is judged once; a Service of another namespace or selecting other pods, or a skipped port, adds nothing.
        assert.equal((await messages(meshServerPerPort, [meshedNamespace, api(), server("api-http", "http"), authorization("a", { kind: "Server", name: "api-http" }), service(8080)])).length, 1, "only 9100 (metrics), once");
        const elsewhere = record("kubernetes:core/v1:Service", { metadata: { name: "api", namespace: "other" }, spec: { selector: { app: "api" }, ports: [{ port: 80, targetPort: 8080 }] } }, "other-api");
        const otherPods = record("kubernetes:core/v1:Service", { metadata: { name: "web", namespace: "apps" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } }, "web");
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, bare, elsewhere, otherPods]), []);
        const skipping = record("kubernetes:apps/v1:Deployment", {
            metadata: { name: "api", namespace: "apps" },
            spec: { template: { metadata: { labels: { app: "api" }, annotations: { "config.linkerd.io/skip-inbound-ports": "8080" } }, spec: { containers: [{ name: "api", image: "api:1" }] } } },
        }, "api");
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, skipping, service(8080)]), []);
    });

    it("reads a namespace left out as the API server does, and judges a native sidecar's ports (final check s29 FC29-6)", async () => {
        const defaultNs = record("kubernetes:core/v1:Namespace", { metadata: { name: "default", annotations: { "linkerd.io/inject": "enabled" } } }, "default");
        const bare = record("kubernetes:apps/v1:Deployment", { metadata: { name: "api" }, spec: { template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "api", image: "api:1" }] } } } }, "api");
        const service = record("kubernetes:core/v1:Service", { metadata: { name: "api" }, spec: { selector: { app: "api" }, ports: [{ port: 80, targetPort: 8080 }] } }, "api-service");
        assert.deepEqual(await messages(meshServerPerPort, [defaultNs, bare, service]), [
            "port 8080 (undeclared, the target of Service default/api's port 80) of Deployment default/api has no Linkerd Server: any meshed identity may call it; add a Server (accessPolicy: deny) with an AuthorizationPolicy naming its clients",
        ]);
        const sidecar = record("kubernetes:apps/v1:Deployment", {
            metadata: { name: "api", namespace: "apps" },
            spec: { template: { metadata: { labels: { app: "api" } }, spec: {
                initContainers: [{ name: "migrate", image: "m:1", ports: [{ containerPort: 7000 }] }, { name: "log-shipper", image: "l:1", restartPolicy: "Always", ports: [{ name: "admin", containerPort: 9901 }] }],
                containers: [{ name: "api", image: "api:1" }],
            } } },
        }, "api");
        assert.deepEqual(await messages(meshServerPerPort, [meshedNamespace, sidecar]), [
            "port 9901 (admin) of Deployment apps/api has no Linkerd Server: any meshed identity may call it; add a Server (accessPolicy: deny) with an AuthorizationPolicy naming its clients",
        ]);
    });
});
