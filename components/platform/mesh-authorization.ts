import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { allowIngress, LINKERD_INBOUND_PORT } from "./network-isolation";

/** Read by the security pack's mesh-server-per-port rule on a Server nobody may call. */
export const NO_CLIENTS_ANNOTATION = "groundwork.dev/no-clients";

export interface MeshAuthorizationArgs {
    namespace: pulumi.Input<string>;
    /** Pods of the protected server. */
    podSelector: Record<string, string>;
    /** Container port name or number. */
    port: string | number;
    /** The meshed service accounts allowed in, as `namespace/name`; none denies everyone. */
    clients: string[];
    /** Why no client is named, when `clients` is empty (the security pack reads it). */
    noClients?: string;
    proxyProtocol?: "HTTP/1" | "HTTP/2" | "gRPC" | "opaque" | "TLS" | "unknown";
}

/**
 * Only the named, meshed service accounts may reach a port: a Linkerd `Server` that denies by
 * default, and (when there are clients) a `MeshTLSAuthentication` naming them and the
 * `AuthorizationPolicy` joining the two. Below the mesh, a NetworkPolicy lets the clients'
 * namespaces reach the port (and Linkerd's inbound port, which their proxies may use instead)
 * through the namespace's default deny.
 * Source: linkerd.io/2-edge/reference/authorization-policy; CRD versions from linkerd2
 * charts/linkerd-crds/templates/policy (read 2026-11-25).
 */
export class MeshAuthorization extends pulumi.ComponentResource {
    constructor(name: string, args: MeshAuthorizationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:MeshAuthorization", name, {}, opts);
        if (args.clients.length === 0 && !args.noClients) throw new Error(`MeshAuthorization ${name}: a port without clients says why (noClients)`);
        const parent = { parent: this };
        const meta = (suffix: string) => ({ name: `${name}-${suffix}`, namespace: args.namespace });
        new k8s.apiextensions.CustomResource(`${name}-server`, {
            apiVersion: "policy.linkerd.io/v1beta3",
            kind: "Server",
            metadata: { ...meta("server"), ...(args.clients.length === 0 ? { annotations: { [NO_CLIENTS_ANNOTATION]: args.noClients! } } : {}) },
            spec: { podSelector: { matchLabels: args.podSelector }, port: args.port, proxyProtocol: args.proxyProtocol ?? "unknown", accessPolicy: "deny" },
        }, parent);
        if (args.clients.length > 0) {
            new k8s.apiextensions.CustomResource(`${name}-clients`, {
                apiVersion: "policy.linkerd.io/v1alpha1",
                kind: "MeshTLSAuthentication",
                metadata: meta("clients"),
                spec: {
                    identityRefs: args.clients.map((client) => {
                        const [namespace, serviceAccount] = client.split("/");
                        return { kind: "ServiceAccount", name: serviceAccount, namespace };
                    }),
                },
            }, parent);
            new k8s.apiextensions.CustomResource(`${name}-allow`, {
                apiVersion: "policy.linkerd.io/v1alpha1",
                kind: "AuthorizationPolicy",
                metadata: meta("allow"),
                spec: {
                    targetRef: { group: "policy.linkerd.io", kind: "Server", name: `${name}-server` },
                    requiredAuthenticationRefs: [{ group: "policy.linkerd.io", kind: "MeshTLSAuthentication", name: `${name}-clients` }],
                },
            }, parent);
            allowIngress(name, {
                namespace: args.namespace,
                podSelector: args.podSelector,
                ports: [args.port, LINKERD_INBOUND_PORT],
                from: args.clients.map((client) => client.split("/")[0]),
                reason: `the mesh's clients of port ${args.port}: ${args.clients.join(", ")}`,
            }, parent);
        }
        this.registerOutputs({});
    }
}
