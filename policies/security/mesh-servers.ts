import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { podWorkload } from "../kubernetes-pods";
import { isMeshed, namedPorts, namespaceAnnotations, portList, SKIP_INBOUND } from "./mesh-admission";

/**
 * Every port a meshed pod listens on fails closed by name: a Linkerd `Server` selecting it with
 * `accessPolicy: deny`, and an `AuthorizationPolicy` naming who may call it (on the Server or on
 * one of its HTTPRoutes). Without a Server, a port takes whatever the namespace's default inbound
 * policy admits (every meshed identity of the cluster, under `all-authenticated`). The ports are
 * those the pod's containers declare and those a Service selecting the pod sends to: a container
 * need not declare a port for a Service's numeric targetPort to reach it (security review s29 S29-1).
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
/** An object's namespace as the API server fills it in: `default` when none is written (as podWorkload reads pods'; final check s29 FC29-6). */
const namespaceOf = (r: PolicyResource): string => r.props.metadata?.namespace ?? "default";

/** Names of the Servers in the pod's namespace that select the pod and this port. */
function serversOf(resources: PolicyResource[], namespace: string, labels: Record<string, string>, port: number, named: Map<string, number>): PolicyResource[] {
    return resources.filter(SERVER).filter((r) => namespaceOf(r) === namespace).filter((r) => {
        const match: Record<string, string> = r.props.spec?.podSelector?.matchLabels ?? {};
        const p = r.props.spec?.port;
        return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v) && (p === port || named.get(String(p)) === port);
    });
}

/** Whether an AuthorizationPolicy targets the Server, directly or through an HTTPRoute whose parent it is. */
function authorized(resources: PolicyResource[], namespace: string, server: string): boolean {
    const inNs = (r: PolicyResource) => namespaceOf(r) === namespace;
    const routes = resources.filter((r) => inNs(r) && r.type.endsWith(":HTTPRoute")
        && (r.props.spec?.parentRefs ?? []).some((p: { kind?: string; name?: string }) => p.kind === "Server" && p.name === server))
        .map((r) => String(r.props.metadata?.name));
    return resources.some((r) => inNs(r) && r.type.includes("policy.linkerd.io") && r.type.endsWith(":AuthorizationPolicy") && (() => {
        const target = r.props.spec?.targetRef ?? {};
        return (target.kind === "Server" && target.name === server) || (target.kind === "HTTPRoute" && routes.includes(target.name));
    })());
}

/** A Service's TCP ports, each with the target port it sends to (a number, or a container port's name). */
function serviceTargets(service: PolicyResource): { port: number; target: number | string }[] {
    return (service.props.spec?.ports ?? [])
        .filter((p: { protocol?: string }) => (p.protocol ?? "TCP") === "TCP")
        .map((p: { port: number; targetPort?: number | string }) => ({ port: Number(p.port), target: p.targetPort ?? Number(p.port) }));
}

export const meshServerPerPort: StackValidationPolicy = {
    name: "mesh-server-per-port",
    description: "Every TCP port of a meshed pod, declared on its containers or sent to by a Service, has a Linkerd Server that denies by default and an AuthorizationPolicy naming its clients (UDP and init containers' ports are the NetworkPolicies' to guard).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = namespaceAnnotations(args.resources);
        const services = args.resources.filter((r) => r.type === "kubernetes:core/v1:Service" && Object.keys(r.props.spec?.selector ?? {}).length > 0);
        for (const r of args.resources) {
            const pod = podWorkload(r.type, r.props);
            if (pod === undefined || pod.kind === "Job" || pod.kind === "CronJob") continue;
            const ns = namespaces.get(pod.namespace) ?? {};
            if (!isMeshed(pod, ns)) continue;
            const skipped = portList(pod.annotations[SKIP_INBOUND] ?? ns[SKIP_INBOUND]);
            const named = namedPorts(pod);
            const where = `${pod.kind} ${pod.namespace}/${pod.name || r.name}`;
            const judge = (port: number, label: string) => {
                if (PROXY_PORTS.has(port) || skipped.includes(port)) return;
                const servers = serversOf(args.resources, pod.namespace, pod.labels, port, named);
                if (servers.length === 0) {
                    report(`port ${label} of ${where} has no Linkerd Server: any meshed identity may call it; add a Server (accessPolicy: deny) with an AuthorizationPolicy naming its clients`, r.urn);
                    return;
                }
                for (const s of servers) {
                    const name = String(s.props.metadata?.name);
                    if (s.props.spec?.accessPolicy !== "deny") {
                        report(`Server ${pod.namespace}/${name} for port ${label} of ${where} has accessPolicy ${s.props.spec?.accessPolicy ?? "(unset, the namespace default)"}; set "deny" and name the clients in an AuthorizationPolicy`, s.urn);
                    } else if (!authorized(args.resources, pod.namespace, name) && !s.props.metadata?.annotations?.[NO_CLIENTS_ANNOTATION]) {
                        report(`Server ${pod.namespace}/${name} for port ${label} of ${where} has no AuthorizationPolicy; name its clients in one, or annotate the Server ${NO_CLIENTS_ANNOTATION}: <why nothing calls it>`, s.urn);
                    }
                }
            };
            const declared = new Set<number>();
            // Init containers' ports have closed before the pod serves, but a native sidecar's (restartPolicy: Always) stay open.
            for (const c of pod.containers.filter((x) => (!x.init || x.container.restartPolicy === "Always") && x.name !== "linkerd-proxy")) {
                for (const p of (c.container.ports ?? []).filter((x: { protocol?: string }) => (x.protocol ?? "TCP") === "TCP")) {
                    const port = Number(p.containerPort);
                    declared.add(port);
                    judge(port, p.name ? `${port} (${p.name})` : `${port}`);
                }
            }
            // A container need not declare the port it listens on: a Service's numeric targetPort
            // reaches it all the same (a name reaches only a declared port, judged above).
            for (const service of services.filter((s) => namespaceOf(s) === pod.namespace)) {
                const selector: Record<string, string> = service.props.spec.selector;
                if (!Object.entries(selector).every(([k, v]) => pod.labels[k] === v)) continue;
                for (const { port, target } of serviceTargets(service)) {
                    if (typeof target === "string" && !/^\d+$/.test(target)) continue;
                    const number = Number(target);
                    if (declared.has(number)) continue;
                    declared.add(number);
                    judge(number, `${number} (undeclared, the target of Service ${pod.namespace}/${service.props.metadata?.name}'s port ${port})`);
                }
            }
        }
    },
};
