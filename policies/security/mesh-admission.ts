import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { PodWorkload, podWorkload } from "../kubernetes-pods";

/**
 * Calls from outside the mesh into a meshed pod. Under `config.linkerd.io/default-inbound-policy:
 * all-authenticated` (or `cluster-authenticated`, `deny`), Linkerd's proxy refuses every inbound
 * connection without a mesh identity, except plain-HTTP kubelet probes on their exact paths, which
 * the policy controller authorizes by itself (linkerd/linkerd2@edge-26.8.3:
 * policy-controller/k8s/index/src/inbound/index.rs). An HTTPS or gRPC probe, the API server calling a
 * webhook and an unmeshed controller are all refused (linkerd/linkerd2#12806): the pod never
 * becomes Ready, or its operator never reaches it. A TCP probe passes (the proxy accepts the
 * connection). Such a port needs `config.linkerd.io/skip-inbound-ports` on the pod, or a Server
 * with an AuthorizationPolicy that admits a NetworkAuthentication.
 */

const INJECT = "linkerd.io/inject";
export const DEFAULT_POLICY = "config.linkerd.io/default-inbound-policy";
export const SKIP_INBOUND = "config.linkerd.io/skip-inbound-ports";
/** Written by the offline plan's models of chart-rendered workloads: `port=caller,caller;…` (no commas in a caller). */
export const OUTSIDE_CALLERS_ANNOTATION = "plan.groundwork.dev/outside-callers";
const REFUSING = new Set(["all-authenticated", "cluster-authenticated", "deny"]);

/** The pod's container ports by name, for probes and Servers that name their port. */
export function namedPorts(pod: PodWorkload): Map<string, number> {
    const named = new Map<string, number>();
    for (const c of pod.containers) for (const p of c.container.ports ?? []) if (p.name) named.set(p.name, p.containerPort);
    return named;
}

/** Ports a pod's probes reach in a way Linkerd does not authorize by itself, with who calls. */
export function outsideCalledPorts(pod: PodWorkload): Map<number, string[]> {
    const named = namedPorts(pod);
    const resolve = (port: unknown) => (typeof port === "number" ? port : named.get(String(port)) ?? Number(port));
    const out = new Map<number, string[]>();
    const add = (port: number, who: string) => out.set(port, [...new Set([...(out.get(port) ?? []), who])]);
    for (const c of pod.containers) {
        for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            const probe = c.container[kind];
            if (probe?.httpGet && String(probe.httpGet.scheme ?? "HTTP").toUpperCase() === "HTTPS") add(resolve(probe.httpGet.port), "kubelet (HTTPS probe)");
            if (probe?.grpc) add(resolve(probe.grpc.port), "kubelet (gRPC probe)");
        }
    }
    for (const entry of String(pod.objectAnnotations[OUTSIDE_CALLERS_ANNOTATION] ?? "").split(";").filter(Boolean)) {
        const [port, who] = entry.split("=");
        who.split(",").forEach((w) => add(Number(port), w));
    }
    return out;
}

export const portList = (value: unknown): number[] =>
    String(value ?? "").split(",").flatMap((part) => {
        const [from, to] = part.trim().split("-").map(Number);
        return Number.isInteger(from) ? Array.from({ length: (to || from) - from + 1 }, (_, i) => from + i) : [];
    });

/** The Linkerd Servers that select this pod on this port. */
function serversFor(resources: PolicyResource[], pod: PodWorkload, port: number): PolicyResource[] {
    const named = namedPorts(pod);
    return resources.filter((r) => r.type.endsWith(":Server") && r.type.includes("policy.linkerd.io") && (r.props.metadata?.namespace ?? "") === pod.namespace)
        .filter((r) => {
            const match: Record<string, string> = r.props.spec?.podSelector?.matchLabels ?? {};
            const p = r.props.spec?.port;
            return Object.entries(match).every(([k, v]) => pod.labels[k] === v) && (p === port || named.get(String(p)) === port);
        });
}

/** Whether an AuthorizationPolicy in the pod's namespace targets this kind and name and admits a NetworkAuthentication. */
const networkAuthorized = (resources: PolicyResource[], namespace: string, kind: string, name: string) =>
    resources.some((r) => r.type.endsWith(":AuthorizationPolicy") && (r.props.metadata?.namespace ?? "") === namespace
        && r.props.spec?.targetRef?.kind === kind && r.props.spec?.targetRef?.name === name
        && (r.props.spec?.requiredAuthenticationRefs ?? []).some((ref: { kind?: string }) => ref.kind === "NetworkAuthentication"));

/** Whether a Server selecting this pod and port is opened to unauthenticated networks by an AuthorizationPolicy. */
function admittedByPolicy(resources: PolicyResource[], pod: PodWorkload, port: number): boolean {
    return serversFor(resources, pod, port).some((s) => networkAuthorized(resources, pod.namespace, "Server", s.props.metadata?.name));
}

/**
 * How much of `path` an HTTPRoute path match holds, or -1 if it does not match: the longest wins, an
 * Exact path and a prefix counting their own length, a regular expression, which must match the
 * whole path, all of it (linkerd2-proxy release/v2.366.0 linkerd/http/route/src/http/match/path.rs).
 * No `path` is the prefix `/`.
 */
export function pathMatchLength(p: { type?: string; value?: string } | undefined, path: string): number {
    if (!p) return pathMatchLength({ type: "PathPrefix", value: "/" }, path);
    if (p.type === "Exact") return p.value === path ? path.length : -1;
    if (p.type === "RegularExpression") {
        try { return new RegExp(`^(?:${p.value})$`).test(path) ? path.length : -1; } catch { return path.length; }
    }
    const prefix = String(p.value ?? "/").replace(/\/$/, "");
    const rest = path.replace(/\/$/, "").startsWith(prefix) ? path.replace(/\/$/, "").slice(prefix.length) : undefined;
    return rest === "" || rest?.startsWith("/") ? Math.max(prefix.length, 1) : -1;
}

/** pathMatchLength for a kubelet probe's `GET path`: it sends no header or query a route could ask for (review s26 R3). */
function matchRank(match: any, path: string): number {
    if ((match?.method && match.method !== "GET") || (match?.headers ?? []).length > 0 || (match?.queryParams ?? []).length > 0) return -1;
    return pathMatchLength(match?.path, path);
}

/**
 * Plain-HTTP kubelet probes that Linkerd does not authorize by itself. Its probe route exists only
 * on a Server without routes of its own (linkerd/linkerd2@edge-26.8.3
 * policy-controller/k8s/index/src/inbound/index.rs L1997-2017, L2241-2300): on an `opaque`, `TLS` or
 * gRPC Server, or where HTTPRoutes attach to the Server, the probe needs the route it matches best to
 * be authorized for a NetworkAuthentication, by the route's AuthorizationPolicy or the Server's (the
 * proxy adds the Server's to every route's: linkerd2-proxy release/v2.366.0
 * linkerd/proxy/server-policy/src/authz.rs L80-89) (callers review s26 L2). A probe no route
 * matches is answered 404 whatever the authorizations (`mk_route_not_found`, inbound
 * src/policy/http.rs L219): `unrouted` (review s26 R3). A route with hostnames matches no probe,
 * whose Host is the pod's address.
 */
export function probesNeedingPolicy(resources: PolicyResource[], pod: PodWorkload): { needPolicy: Map<number, string[]>; unrouted: Map<number, string[]> } {
    const named = namedPorts(pod);
    const out = new Map<number, string[]>();
    const unrouted = new Map<number, string[]>();
    for (const c of pod.containers) {
        for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            const probe = c.container[kind]?.httpGet;
            if (!probe || String(probe.scheme ?? "HTTP").toUpperCase() !== "HTTP") continue;
            const port = typeof probe.port === "number" ? probe.port : named.get(String(probe.port)) ?? Number(probe.port);
            // A route matches the path without its query (Gateway API HTTPPathMatch).
            const path = String(probe.path ?? "/").split("?")[0];
            for (const server of serversFor(resources, pod, port)) {
                const name = server.props.metadata?.name;
                const protocol = String(server.props.spec?.proxyProtocol ?? "unknown");
                const attached = resources.filter((r) => r.type.endsWith(":HTTPRoute") && (r.props.metadata?.namespace ?? "") === pod.namespace
                    && (r.props.spec?.parentRefs ?? []).some((ref: any) => ref?.kind === "Server" && ref?.name === name));
                const routes = attached.filter((r) => (r.props.spec?.hostnames ?? []).length === 0);
                let why: string | undefined;
                if (["opaque", "TLS", "gRPC"].includes(protocol)) why = `on Server ${name}, whose protocol ${protocol} has no probe route`;
                else if (attached.length > 0) {
                    const ranked = routes.map((r) => ({ r, rank: Math.max(-1, ...(r.props.spec?.rules ?? []).flatMap((rule: any) => (rule.matches ?? [{}]).map((m: any) => matchRank(m, path)))) }))
                        .filter((x) => x.rank >= 0).sort((a, b) => b.rank - a.rank);
                    if (ranked.length === 0) {
                        unrouted.set(port, [...new Set([...(unrouted.get(port) ?? []), `kubelet (HTTP probe ${path}, which no HTTPRoute of Server ${name} matches)`])]);
                    } else if (!networkAuthorized(resources, pod.namespace, "HTTPRoute", ranked[0].r.props.metadata?.name)) why = `on HTTPRoute ${ranked[0].r.props.metadata?.name}, which admits no NetworkAuthentication`;
                }
                if (why) out.set(port, [...new Set([...(out.get(port) ?? []), `kubelet (HTTP probe ${path} ${why})`])]);
            }
        }
    }
    return { needPolicy: out, unrouted };
}

/** Each Namespace resource's annotations, by name (Linkerd reads its injection and policy defaults there). */
export function namespaceAnnotations(resources: PolicyResource[]): Map<string, Record<string, string>> {
    return new Map(resources.filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .map((r) => [String(r.props.metadata?.name ?? r.name), r.props.metadata?.annotations ?? {}]));
}

/** The pod's default inbound policy: its own annotation, else its namespace's (undefined: Linkerd's cluster default). */
export const defaultInboundPolicy = (pod: PodWorkload, namespace: Record<string, string>): string | undefined => pod.annotations[DEFAULT_POLICY] ?? namespace[DEFAULT_POLICY];

/** Whether the proxy injector meshes the pod: its own annotation, else its namespace's. */
export const isMeshed = (pod: PodWorkload, namespace: Record<string, string>) => (pod.annotations[INJECT] ?? namespace[INJECT]) === "enabled";

export const meshAdmitsOutsideCallers: StackValidationPolicy = {
    name: "mesh-admits-outside-callers",
    description: "Ports of meshed pods that the kubelet (HTTPS/gRPC probes, and HTTP probes Linkerd's probe route does not cover), the API server or unmeshed controllers call are admitted by the mesh.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = namespaceAnnotations(args.resources);
        for (const r of args.resources) {
            const pod = podWorkload(r.type, r.props);
            if (pod === undefined) continue;
            const ns = namespaces.get(pod.namespace) ?? {};
            const meshed = isMeshed(pod, ns);
            const policy = defaultInboundPolicy(pod, ns);
            if (!meshed || policy === undefined || !REFUSING.has(policy)) continue;
            const skipped = portList(pod.annotations[SKIP_INBOUND] ?? ns[SKIP_INBOUND]);
            const called = outsideCalledPorts(pod);
            const probes = probesNeedingPolicy(args.resources, pod);
            for (const [port, callers] of probes.needPolicy) called.set(port, [...new Set([...(called.get(port) ?? []), ...callers])]);
            // No authorization helps a request no route takes: Linkerd answers 404.
            for (const [port, callers] of probes.unrouted) {
                if (skipped.includes(port)) continue;
                report(`port ${port} of ${pod.kind} ${pod.namespace}/${pod.name || r.name} is called by ${callers.join(" and ")}, so Linkerd answers it 404 and the pod never becomes ready; ` +
                    `add an HTTPRoute for the probe's path (GET, no headers) with an AuthorizationPolicy admitting a NetworkAuthentication, or ${SKIP_INBOUND}: "${port}"`, r.urn);
            }
            for (const [port, callers] of called) {
                if (skipped.includes(port) || admittedByPolicy(args.resources, pod, port)) continue;
                report(
                    `port ${port} of ${pod.kind} ${pod.namespace}/${pod.name || r.name} is called by ${callers.join(" and ")}, ` +
                        `which default-inbound-policy ${policy} refuses; add ${SKIP_INBOUND}: "${port}" to the pod template, ` +
                        `or a Server for it with an AuthorizationPolicy admitting a NetworkAuthentication`,
                    r.urn,
                );
            }
        }
    },
};
