import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { pathRoute, probeRoute } from "../platform/mesh-authorization";
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
 * The gateway's port, split by path in the mesh (mesh-authorization.ts `PathGrant` for how Linkerd
 * matches routes): `/v1` for the applications, every other path (LiteLLM's admin API and UI) for
 * the admins alone, `/metrics` (which LiteLLM serves without a key) for the scraper alone, and the
 * probe paths for the kubelet. Each request matches one route, so the ingress, which serves `/v1`
 * publicly and the admin API on the operators' port, is named on both lists when it serves both.
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

        pathRoute(name, namespace, server, { id: "openai-api", matches: [{ path: { type: "PathPrefix", value: "/v1" } }], clients: args.apiClients }, parent);
        pathRoute(name, namespace, server, { id: "admin", matches: [{ path: { type: "PathPrefix", value: "/" } }], clients: args.adminClients }, parent);
        // Prefix, as the Prometheus app LiteLLM mounts at /metrics may answer under /metrics/.
        pathRoute(name, namespace, server, { id: "metrics", matches: [{ path: { type: "PathPrefix", value: "/metrics" }, method: "GET" }], clients: args.metricsClients }, parent);
        probeRoute(name, namespace, server, args.probePaths, parent);

        // Below the mesh, the callers' namespaces reach the port (the kubelet's probes come from the node itself).
        const callers = [...args.apiClients, ...args.adminClients, ...args.metricsClients].map((client) => client.split("/")[0]);
        allowIngress(name, {
            namespace, podSelector: args.podSelector, ports: [args.port, LINKERD_INBOUND_PORT], from: callers,
            reason: `the gateway's callers: ${[...new Set([...args.apiClients, ...args.adminClients, ...args.metricsClients])].sort().join(", ")}`,
        }, parent);
        this.registerOutputs({});
    }
}
