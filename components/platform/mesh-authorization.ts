import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export interface MeshAuthorizationArgs {
    namespace: pulumi.Input<string>;
    /** Pods of the protected server. */
    podSelector: Record<string, string>;
    /** Container port name or number. */
    port: string | number;
    /** The meshed service accounts allowed in, as `namespace/name`; none denies everyone. */
    clients: string[];
    proxyProtocol?: "HTTP/1" | "HTTP/2" | "gRPC" | "opaque" | "TLS" | "unknown";
}

/**
 * Only the named, meshed service accounts may reach a port: a Linkerd `Server` that denies by
 * default, and (when there are clients) a `MeshTLSAuthentication` naming them and the
 * `AuthorizationPolicy` joining the two.
 * Source: linkerd.io/2-edge/reference/authorization-policy; CRD versions from linkerd2
 * charts/linkerd-crds/templates/policy (read 2026-11-25).
 */
export class MeshAuthorization extends pulumi.ComponentResource {
    constructor(name: string, args: MeshAuthorizationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:MeshAuthorization", name, {}, opts);
        const parent = { parent: this };
        const meta = (suffix: string) => ({ name: `${name}-${suffix}`, namespace: args.namespace });
        new k8s.apiextensions.CustomResource(`${name}-server`, {
            apiVersion: "policy.linkerd.io/v1beta3",
            kind: "Server",
            metadata: meta("server"),
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
        }
        this.registerOutputs({});
    }
}
