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

/**
 * A RegularExpression path match for `path` in every spelling that decodes to it: each character
 * after the leading `/` as itself or percent-encoded (either case of hex digit). Linkerd's proxy
 * matches the raw path (linkerd2-proxy@release/v2.366.0 linkerd/http/route/src/http/match/path.rs
 * L22-55: `uri.path()`, a regex anchored at both ends, its length the whole path's, so it outranks
 * any prefix), while a Go server routes the decoded one: `/v1/sys/%6detrics` is `/v1/sys/metrics`
 * to Vault. The policy controller passes the regex on (linkerd2@edge-26.8.3
 * policy-controller/k8s/index/src/routes/http.rs L63-66).
 */
export function everySpellingOf(path: string): string {
    const hex = (c: string) => [...c.charCodeAt(0).toString(16).padStart(2, "0")].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join("");
    const literal = (c: string) => (/[.^$|?*+()[\]{}\\]/.test(c) ? `\\${c}` : c);
    return `/${[...path.slice(1)].map((c) => `(?:${literal(c)}|%${hex(c)})`).join("")}`;
}

/**
 * An HTTPRoute (`policy.linkerd.io/v1beta3`) on a Server, and the identities its policy admits.
 * How Linkerd matches them, read in linkerd/linkerd2@edge-26.8.3 and linkerd2-proxy@release/v2.366.0 (2026-11-27):
 * - routes attach to a Server by `parentRefs` naming `group: policy.linkerd.io, kind: Server`
 *   (policy-controller/k8s/api/src/policy/httproute.rs L228-239);
 * - the longest path match wins, an Exact path over a prefix (linkerd2-proxy http/match/path.rs L81-103);
 * - once a route is attached the automatic probe authorization is gone (inbound/index.rs L2014),
 *   so the kubelet's probe paths get their own route and a NetworkAuthentication for every address,
 *   as linkerd.io/2-edge/tasks/configuring-per-route-policy documents;
 * - a path no route matches answers 404, a route no policy admits 403.
 */
export interface PathGrant {
    /** Names the route `<authorization>-<id>`. */
    id: string;
    /** HTTPRoute matches (`path`, `method`). */
    matches: Record<string, unknown>[];
    /** Meshed service accounts (`namespace/name`) admitted; none: the route answers 403. */
    clients: string[];
}

/** The HTTPRoute of one grant on `server`, with its MeshTLSAuthentication and AuthorizationPolicy. */
function pathRoute(name: string, namespace: pulumi.Input<string>, server: string, grant: PathGrant, opts: pulumi.CustomResourceOptions): void {
    const routeName = `${name}-${grant.id}`;
    new k8s.apiextensions.CustomResource(routeName, {
        apiVersion: `${POLICY}/v1beta3`,
        kind: "HTTPRoute",
        metadata: { name: routeName, namespace },
        spec: { parentRefs: [{ group: POLICY, kind: "Server", name: server }], rules: [{ matches: grant.matches }] },
    }, opts);
    if (grant.clients.length > 0) {
        const identities = meshTlsAuthentication(`${routeName}-clients`, namespace, [...new Set(grant.clients)].sort(), opts);
        authorizationPolicy(`${routeName}-allow`, namespace, { kind: "HTTPRoute", name: routeName }, identities, opts);
    }
}

/** The kubelet's probe paths (GET) as their own route, open to every address: the kubelet is not meshed. */
function probeRoute(name: string, namespace: pulumi.Input<string>, server: string, probePaths: string[], opts: pulumi.CustomResourceOptions): void {
    const routeName = `${name}-probes`;
    new k8s.apiextensions.CustomResource(routeName, {
        apiVersion: `${POLICY}/v1beta3`,
        kind: "HTTPRoute",
        metadata: { name: routeName, namespace },
        spec: { parentRefs: [{ group: POLICY, kind: "Server", name: server }], rules: [{ matches: probePaths.map((value) => ({ path: { type: "Exact", value }, method: "GET" })) }] },
    }, opts);
    new k8s.apiextensions.CustomResource(`${name}-kubelet`, {
        apiVersion: `${POLICY}/v1alpha1`,
        kind: "NetworkAuthentication",
        metadata: { name: `${name}-kubelet`, namespace },
        spec: { networks: [{ cidr: "0.0.0.0/0" }, { cidr: "::/0" }] },
    }, opts);
    authorizationPolicy(`${routeName}-allow`, namespace, { kind: "HTTPRoute", name: routeName }, { kind: "NetworkAuthentication", name: `${name}-kubelet` }, opts);
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
    /**
     * The clients' pods below the mesh, where their namespaces are too wide (a namespace whose other
     * pods must not reach these); default: every pod of each client's namespace.
     */
    clientPods?: k8s.types.input.networking.v1.NetworkPolicyPeer[];
    /**
     * An HTTP port split by path instead: each grant admits its clients to its paths alone
     * (`clients` is then unused and must be empty), and `probePaths` stay open to the kubelet.
     */
    paths?: {
        grants: PathGrant[];
        probePaths: string[];
        /** Who calls, for the NetworkPolicy's reason; default: the clients of the port, by path. */
        reason?: string;
    };
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
        authorizeMeshPort(name, args, { parent: this });
        this.registerOutputs({});
    }
}

/**
 * The objects of a MeshAuthorization, declared under `parent`: for a component that authorizes
 * one port as part of a larger concept (the gateway's routes) and keeps its own type.
 */
export function authorizeMeshPort(name: string, args: MeshAuthorizationArgs, parent: pulumi.CustomResourceOptions): void {
    if (args.paths && args.clients.length > 0) throw new Error(`MeshAuthorization ${name}: a port split by path names its clients per path`);
    if (!args.paths && args.clients.length === 0 && !args.noClients) throw new Error(`MeshAuthorization ${name}: a port without clients says why (noClients)`);
    new k8s.apiextensions.CustomResource(`${name}-server`, {
        apiVersion: `${POLICY}/v1beta3`,
        kind: "Server",
        metadata: { name: `${name}-server`, namespace: args.namespace, ...(!args.paths && args.clients.length === 0 ? { annotations: { [NO_CLIENTS_ANNOTATION]: args.noClients! } } : {}) },
        spec: { podSelector: { matchLabels: args.podSelector }, port: args.port, proxyProtocol: args.proxyProtocol ?? "unknown", accessPolicy: "deny" },
    }, parent);
    if (args.paths) {
        for (const grant of args.paths.grants) pathRoute(name, args.namespace, `${name}-server`, grant, parent);
        probeRoute(name, args.namespace, `${name}-server`, args.paths.probePaths, parent);
        const callers = args.paths.grants.flatMap((g) => g.clients);
        allowIngress(name, {
            namespace: args.namespace,
            podSelector: args.podSelector,
            ports: [args.port, LINKERD_INBOUND_PORT],
            from: callers.map((client) => client.split("/")[0]),
            reason: args.paths.reason ?? `the mesh's clients of port ${args.port}, by path: ${[...new Set(callers)].sort().join(", ")}`,
        }, parent);
    } else if (args.clients.length > 0) {
        const clients = meshTlsAuthentication(`${name}-clients`, args.namespace, args.clients, parent);
        authorizationPolicy(`${name}-allow`, args.namespace, { kind: "Server", name: `${name}-server` }, clients, parent);
        allowIngress(name, {
            namespace: args.namespace,
            podSelector: args.podSelector,
            ports: [args.port, LINKERD_INBOUND_PORT],
            from: args.clientPods ? { peers: args.clientPods } : args.clients.map((client) => client.split("/")[0]),
            reason: `the mesh's clients of port ${args.port}: ${args.clients.join(", ")}`,
        }, parent);
    }
}
