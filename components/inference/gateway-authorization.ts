import * as pulumi from "@pulumi/pulumi";
import { authorizeMeshPort, everySpellingOf } from "../platform/mesh-authorization";

/**
 * The OpenAI API endpoints the gateway serves applications, in the mesh and through the ingress:
 * those whose body the request-policy hook reads (chat messages, a completion prompt, embedding
 * input: request-policy-hook.ts `texts`), and the model list. Nothing else under `/v1`: LiteLLM's
 * file upload calls no pre-call hook and may upload with a model's own credentials, and batches
 * are built from such files (BerriAI/litellm `litellm/proxy/openai_files_endpoints/files_endpoints.py`
 * `create_file`, read in a newer copy than v1.85.0 by security review s17 M1); the hook does not read
 * a `/v1/responses` request's input items; audio and images carry no text it checks. Each would let a
 * key send data past the data classes and the PII guardrails.
 */
export const OPENAI_API_ENDPOINTS = {
    // Exact paths only: a prefix would let an encoded slash (`/v1/models/x%2F..%2Ffiles`, which
    // Traefik v3.7 allows by default: traefik/traefik@v3.7.9 pkg/config/static/entrypoints.go
    // L105-114) reach past it (review s17b). One model's entry, `/v1/models/<id>`, is left out.
    exact: ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models"],
} as const;

/**
 * Every path the Prometheus app LiteLLM mounts at `/metrics` answers, in every spelling: Starlette
 * routes the decoded path to the mount and under it (`/metrics/`, `/metrics/x`), and the app
 * answers any method (prometheus/client_python `asgi.py` reads no method). Linkerd's proxy matches
 * the raw path, so a prefix `/metrics` by GET left `POST /metrics` and `/%6detrics` to the admin
 * route, which admits the ingress (security review s22 F3). A regex matches the whole path and so
 * outranks the admin prefix `/` (mesh-authorization.ts `everySpellingOf`).
 */
export const METRICS_PATHS = `${everySpellingOf("/metrics")}(?:(?:/|%2[fF]).*)?`;

export interface GatewayAuthorizationArgs {
    namespace: pulumi.Input<string>;
    /** The gateway's pods. */
    podSelector: Record<string, string>;
    /** The gateway's container port name. */
    port: string;
    /** Meshed service accounts (`namespace/name`) that call the OpenAI-compatible API (`OPENAI_API_ENDPOINTS`). */
    apiClients: string[];
    /** Meshed service accounts that call everything else: the admin API and UI (`/key/*`, `/team/*`, `/ui`...). */
    adminClients: string[];
    /** The kubelet's probe paths (GET), which must stay open once routes exist. */
    probePaths: string[];
    /** Meshed service accounts that scrape `/metrics` (which LiteLLM serves without a key: gateway-config.ts). */
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
                    {
                        id: "openai-api",
                        matches: OPENAI_API_ENDPOINTS.exact.map((value) => ({ path: { type: "Exact", value } })),
                        clients: args.apiClients,
                    },
                    { id: "admin", matches: [{ path: { type: "PathPrefix", value: "/" } }], clients: args.adminClients },
                    { id: "metrics", matches: [{ path: { type: "RegularExpression", value: METRICS_PATHS } }], clients: args.metricsClients },
                ],
                probePaths: args.probePaths,
                reason: `the gateway's callers: ${callers.join(", ")}`,
            },
        }, { parent: this });
        this.registerOutputs({});
    }
}
