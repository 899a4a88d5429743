import * as pulumi from "@pulumi/pulumi";
import { authorizeMeshPort } from "../platform/mesh-authorization";

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
        const callers = [...new Set([...args.apiClients, ...args.adminClients, ...args.metricsClients])].sort();
        authorizeMeshPort(name, {
            namespace: args.namespace,
            podSelector: args.podSelector,
            port: args.port,
            clients: [],
            proxyProtocol: "HTTP/1",
            paths: {
                grants: [
                    { id: "openai-api", matches: [{ path: { type: "PathPrefix", value: "/v1" } }], clients: args.apiClients },
                    { id: "admin", matches: [{ path: { type: "PathPrefix", value: "/" } }], clients: args.adminClients },
                    // Prefix, as the Prometheus app LiteLLM mounts at /metrics may answer under /metrics/.
                    { id: "metrics", matches: [{ path: { type: "PathPrefix", value: "/metrics" }, method: "GET" }], clients: args.metricsClients },
                ],
                probePaths: args.probePaths,
                reason: `the gateway's callers: ${callers.join(", ")}`,
            },
        }, { parent: this });
        this.registerOutputs({});
    }
}
