import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { authorizationPolicy, meshTlsAuthentication, PolicyRef } from "../platform/mesh-authorization";
import { allowIngress, LINKERD_INBOUND_PORT } from "../platform/network-isolation";

export interface GatewayAuthorizationArgs {
    namespace: pulumi.Input<string>;
    /** The gateway's pods. */
    podSelector: Record<string, string>;
    /** The gateway's container port name. */
    port: string;
    /** Meshed service accounts (`namespace/name`) that call the OpenAI-compatible API under `/v1`. */
    apiClients: string[];
    /** Meshed service accounts that call everything else: the admin API and UI (`/key/*`, `/team/*`, `/ui`...). */
    adminClients: string[];
    /** The kubelet's probe paths (GET), which must stay open once routes exist. */
    probePaths: string[];
    /** Meshed service accounts that scrape `/metrics` (GET; LiteLLM serves it without a key). */
    metricsClients: string[];
}

const POLICY = "policy.linkerd.io";

/**
 * The gateway's port, split by path in the mesh: `/v1` for the applications, every other path
 * (LiteLLM's admin API and UI) for the admins alone, and the probe paths for the kubelet.
 *
 * How Linkerd does it, read in linkerd/linkerd2@edge-26.8.3 and linkerd2-proxy@release/v2.366.0 (2026-11-27):
 * - HTTPRoutes of `policy.linkerd.io/v1beta3` attach to a Server by `parentRefs` naming
 *   `group: policy.linkerd.io, kind: Server` (policy-controller/k8s/api/src/policy/httproute.rs L228-239);
 * - the longest path match wins, `/v1` over `/`, an Exact probe path over `/` (linkerd2-proxy http/match/path.rs L81-103);
 * - once a route is attached the automatic probe authorization is gone (inbound/index.rs L2014),
 *   so the probe paths get their own route and a NetworkAuthentication for every address, as
 *   linkerd.io/2-edge/tasks/configuring-per-route-policy documents;
 * - a path no route matches answers 404, a route no policy admits 403.
 * `/metrics` is its own route, for the scraper alone: LiteLLM serves it without a key.
 * Each request matches one route, so the ingress, which serves `/v1` publicly and the admin API
 * on the operators' port, is named on both lists when it serves both.
 */
export class GatewayAuthorization extends pulumi.ComponentResource {
    constructor(name: string, args: GatewayAuthorizationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:inference:GatewayAuthorization", name, {}, opts);
        const parent = { parent: this };
        const namespace = args.namespace;
        const server = `${name}-server`;
        new k8s.apiextensions.CustomResource(server, {
            apiVersion: `${POLICY}/v1beta3`,
            kind: "Server",
            metadata: { name: server, namespace },
            spec: { podSelector: { matchLabels: args.podSelector }, port: args.port, proxyProtocol: "HTTP/1", accessPolicy: "deny" },
        }, parent);

        const route = (id: string, rules: Record<string, unknown>[]) => {
            new k8s.apiextensions.CustomResource(`${name}-${id}`, {
                apiVersion: `${POLICY}/v1beta3`,
                kind: "HTTPRoute",
                metadata: { name: `${name}-${id}`, namespace },
                spec: { parentRefs: [{ group: POLICY, kind: "Server", name: server }], rules },
            }, parent);
            return `${name}-${id}`;
        };
        const authorize = (routeName: string, authentication: PolicyRef) =>
            authorizationPolicy(`${routeName}-allow`, namespace, { kind: "HTTPRoute", name: routeName }, authentication, parent);
        const identities = (id: string, clients: string[]) => meshTlsAuthentication(`${name}-${id}-clients`, namespace, [...new Set(clients)].sort(), parent);

        const api = route("openai-api", [{ matches: [{ path: { type: "PathPrefix", value: "/v1" } }] }]);
        if (args.apiClients.length > 0) authorize(api, identities("openai-api", args.apiClients));
        const admin = route("admin", [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }]);
        if (args.adminClients.length > 0) authorize(admin, identities("admin", args.adminClients));
        // Prefix, as the Prometheus app LiteLLM mounts at /metrics may answer under /metrics/.
        const metrics = route("metrics", [{ matches: [{ path: { type: "PathPrefix", value: "/metrics" }, method: "GET" }] }]);
        if (args.metricsClients.length > 0) authorize(metrics, identities("metrics", args.metricsClients));
        const probes = route("probes", [{ matches: args.probePaths.map((value) => ({ path: { type: "Exact", value }, method: "GET" })) }]);
        new k8s.apiextensions.CustomResource(`${name}-kubelet`, {
            apiVersion: `${POLICY}/v1alpha1`,
            kind: "NetworkAuthentication",
            metadata: { name: `${name}-kubelet`, namespace },
            spec: { networks: [{ cidr: "0.0.0.0/0" }, { cidr: "::/0" }] },
        }, parent);
        authorize(probes, { kind: "NetworkAuthentication", name: `${name}-kubelet` });

        // Below the mesh, the callers' namespaces reach the port (the kubelet's probes come from the node itself).
        const callers = [...args.apiClients, ...args.adminClients, ...args.metricsClients].map((client) => client.split("/")[0]);
        allowIngress(name, {
            namespace, podSelector: args.podSelector, ports: [args.port, LINKERD_INBOUND_PORT], from: callers,
            reason: `the gateway's callers: ${[...new Set([...args.apiClients, ...args.adminClients, ...args.metricsClients])].sort().join(", ")}`,
        }, parent);
        this.registerOutputs({});
    }
}
