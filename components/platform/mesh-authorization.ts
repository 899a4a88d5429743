import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { allowIngress, LINKERD_INBOUND_PORT } from "./network-isolation";

/** Read by the security pack's mesh-server-per-port rule on a Server nobody may call. */
export const NO_CLIENTS_ANNOTATION = "groundwork.dev/no-clients";

const POLICY = "policy.linkerd.io";

/** A reference to a Linkerd policy object (`requiredAuthenticationRefs`, `targetRef`). */
export interface PolicyRef {
    kind: string;
    name: string;
}

/** A MeshTLSAuthentication naming the meshed service accounts (`namespace/name`) it admits, in their order. */
export function meshTlsAuthentication(name: string, namespace: pulumi.Input<string>, clients: string[], opts: pulumi.CustomResourceOptions): PolicyRef {
    new k8s.apiextensions.CustomResource(name, {
        apiVersion: `${POLICY}/v1alpha1`,
        kind: "MeshTLSAuthentication",
        metadata: { name, namespace },
        spec: {
            identityRefs: clients.map((client) => {
                const [clientNamespace, serviceAccount] = client.split("/");
                return { kind: "ServiceAccount", name: serviceAccount, namespace: clientNamespace };
            }),
        },
    }, opts);
    return { kind: "MeshTLSAuthentication", name };
}

/** An AuthorizationPolicy admitting the authentication to the target (a Server or one of its HTTPRoutes). */
export function authorizationPolicy(name: string, namespace: pulumi.Input<string>, target: PolicyRef, authentication: PolicyRef, opts: pulumi.CustomResourceOptions): void {
    new k8s.apiextensions.CustomResource(name, {
        apiVersion: `${POLICY}/v1alpha1`,
        kind: "AuthorizationPolicy",
        metadata: { name, namespace },
        spec: {
            targetRef: { group: POLICY, ...target },
            requiredAuthenticationRefs: [{ group: POLICY, ...authentication }],
        },
    }, opts);
}

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
        new k8s.apiextensions.CustomResource(`${name}-server`, {
            apiVersion: `${POLICY}/v1beta3`,
            kind: "Server",
            metadata: { name: `${name}-server`, namespace: args.namespace, ...(args.clients.length === 0 ? { annotations: { [NO_CLIENTS_ANNOTATION]: args.noClients! } } : {}) },
            spec: { podSelector: { matchLabels: args.podSelector }, port: args.port, proxyProtocol: args.proxyProtocol ?? "unknown", accessPolicy: "deny" },
        }, parent);
        if (args.clients.length > 0) {
            const clients = meshTlsAuthentication(`${name}-clients`, args.namespace, args.clients, parent);
            authorizationPolicy(`${name}-allow`, args.namespace, { kind: "Server", name: `${name}-server` }, clients, parent);
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
