import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { podWorkload } from "../kubernetes-pods";
import { isMeshed, namedPorts, namespaceAnnotations, portList, SKIP_INBOUND } from "./mesh-admission";

/**
 * Every port a meshed pod listens on fails closed by name: a Linkerd `Server` selecting it with
 * `accessPolicy: deny`, and an `AuthorizationPolicy` naming who may call it (on the Server or on
 * one of its HTTPRoutes). Without a Server, a port takes whatever the namespace's default inbound
 * policy admits (every meshed identity of the cluster, under `all-authenticated`).
 * Source: linkerd.io/2-edge/reference/authorization-policy (read 2026-11-27); CRD fields from
 * linkerd/linkerd2@edge-26.8.3:charts/linkerd-crds/templates/policy/.
 *
 * A Server without clients is allowed when it says so (`groundwork.dev/no-clients: <why>`), for a
 * port nothing calls yet (a metrics port nobody scrapes). Ports the pod keeps out of the mesh
 * (`config.linkerd.io/skip-inbound-ports`) are the NetworkPolicies' to guard, and the proxy's own
 * ports (4143 inbound, 4191 admin) are Linkerd's. So are UDP ports (Alertmanager's and Grafana's
 * gossip on 9094), since what Linkerd proxies, and so authorizes, is TCP ("capable of proxying all
 * TCP traffic", linkerd.io/2-edge/features/protocol-detection, read 2026-11-29); and init
 * containers' ports, which have closed before the pod serves (security review s17 NIT2).
 */

export const NO_CLIENTS_ANNOTATION = "groundwork.dev/no-clients";
const PROXY_PORTS = new Set([4143, 4191]);
const SERVER = (r: PolicyResource) => r.type.includes("policy.linkerd.io") && r.type.endsWith(":Server");

/** Names of the Servers in the pod's namespace that select the pod and this port. */
function serversOf(resources: PolicyResource[], namespace: string, labels: Record<string, string>, port: number, named: Map<string, number>): PolicyResource[] {
    return resources.filter(SERVER).filter((r) => (r.props.metadata?.namespace ?? "") === namespace).filter((r) => {
        const match: Record<string, string> = r.props.spec?.podSelector?.matchLabels ?? {};
        const p = r.props.spec?.port;
        return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v) && (p === port || named.get(String(p)) === port);
    });
}

/** Whether an AuthorizationPolicy targets the Server, directly or through an HTTPRoute whose parent it is. */
function authorized(resources: PolicyResource[], namespace: string, server: string): boolean {
    const inNs = (r: PolicyResource) => (r.props.metadata?.namespace ?? "") === namespace;
    const routes = resources.filter((r) => inNs(r) && r.type.endsWith(":HTTPRoute")
        && (r.props.spec?.parentRefs ?? []).some((p: { kind?: string; name?: string }) => p.kind === "Server" && p.name === server))
        .map((r) => String(r.props.metadata?.name));
    return resources.some((r) => inNs(r) && r.type.includes("policy.linkerd.io") && r.type.endsWith(":AuthorizationPolicy") && (() => {
        const target = r.props.spec?.targetRef ?? {};
        return (target.kind === "Server" && target.name === server) || (target.kind === "HTTPRoute" && routes.includes(target.name));
    })());
}

export const meshServerPerPort: StackValidationPolicy = {
    name: "mesh-server-per-port",
    description: "Every TCP port of a meshed pod's containers has a Linkerd Server that denies by default and an AuthorizationPolicy naming its clients (UDP and init containers' ports are the NetworkPolicies' to guard).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = namespaceAnnotations(args.resources);
        for (const r of args.resources) {
            const pod = podWorkload(r.type, r.props);
            if (pod === undefined || pod.kind === "Job" || pod.kind === "CronJob") continue;
            const ns = namespaces.get(pod.namespace) ?? {};
            if (!isMeshed(pod, ns)) continue;
            const skipped = portList(pod.annotations[SKIP_INBOUND] ?? ns[SKIP_INBOUND]);
            const named = namedPorts(pod);
            const where = `${pod.kind} ${pod.namespace}/${pod.name || r.name}`;
            for (const c of pod.containers.filter((x) => !x.init && x.name !== "linkerd-proxy")) {
                for (const p of (c.container.ports ?? []).filter((x: { protocol?: string }) => (x.protocol ?? "TCP") === "TCP")) {
                    const port = Number(p.containerPort);
                    if (PROXY_PORTS.has(port) || skipped.includes(port)) continue;
                    const label = p.name ? `${port} (${p.name})` : `${port}`;
                    const servers = serversOf(args.resources, pod.namespace, pod.labels, port, named);
                    if (servers.length === 0) {
                        report(`port ${label} of ${where} has no Linkerd Server: any meshed identity may call it; add a Server (accessPolicy: deny) with an AuthorizationPolicy naming its clients`, r.urn);
                        continue;
                    }
                    for (const s of servers) {
                        const name = String(s.props.metadata?.name);
                        if (s.props.spec?.accessPolicy !== "deny") {
                            report(`Server ${pod.namespace}/${name} for port ${label} of ${where} has accessPolicy ${s.props.spec?.accessPolicy ?? "(unset, the namespace default)"}; set "deny" and name the clients in an AuthorizationPolicy`, s.urn);
                        } else if (!authorized(args.resources, pod.namespace, name) && !s.props.metadata?.annotations?.[NO_CLIENTS_ANNOTATION]) {
                            report(`Server ${pod.namespace}/${name} for port ${label} of ${where} has no AuthorizationPolicy; name its clients in one, or annotate the Server ${NO_CLIENTS_ANNOTATION}: <why nothing calls it>`, s.urn);
                        }
                    }
                }
            }
        }
    },
};
