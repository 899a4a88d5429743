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

/** Whether a Server selecting this pod and port is opened to unauthenticated networks by an AuthorizationPolicy. */
function admittedByPolicy(resources: PolicyResource[], pod: PodWorkload, port: number): boolean {
    const named = namedPorts(pod);
    const servers = resources.filter((r) => r.type.endsWith(":Server") && r.type.includes("policy.linkerd.io") && (r.props.metadata?.namespace ?? "") === pod.namespace)
        .filter((r) => {
            const match: Record<string, string> = r.props.spec?.podSelector?.matchLabels ?? {};
            const p = r.props.spec?.port;
            return Object.entries(match).every(([k, v]) => pod.labels[k] === v) && (p === port || named.get(String(p)) === port);
        })
        .map((r) => r.props.metadata?.name);
    return resources.some((r) => r.type.endsWith(":AuthorizationPolicy") && (r.props.metadata?.namespace ?? "") === pod.namespace
        && r.props.spec?.targetRef?.kind === "Server" && servers.includes(r.props.spec?.targetRef?.name)
        && (r.props.spec?.requiredAuthenticationRefs ?? []).some((ref: { kind?: string }) => ref.kind === "NetworkAuthentication"));
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
    description: "Ports of meshed pods that the kubelet (HTTPS/gRPC probes), the API server or unmeshed controllers call are admitted by the mesh.",
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
            for (const [port, callers] of outsideCalledPorts(pod)) {
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
