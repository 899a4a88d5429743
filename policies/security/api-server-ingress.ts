import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { PodWorkload, podWorkload } from "../kubernetes-pods";
import { OUTSIDE_CALLERS_ANNOTATION } from "./mesh-admission";
import { policiesIn, selects } from "./network-policies";

/**
 * The API server calls admission webhooks and aggregated APIs in pods. It is no pod: from its own
 * node kube-router accepts it before any policy (cloudnativelabs/kube-router@v2.6.3-k3s1
 * pkg/controllers/netpol/pod.go L230-233), from another node it arrives from that node's address
 * (flannel's `.0` of the node's pod range, or the node's own). So a NetworkPolicy that isolates the
 * pod's ingress must admit the port from an ipBlock, or from everywhere: a rule naming namespaces or
 * pods never matches it, and the webhook times out for every API server but the one on the pod's
 * node (callers review s26 L3).
 */
export const API_SERVER_CALLER = "kube-apiserver";

/** Ports of a pod that the API server calls, from the plan's models of chart-rendered workloads. */
export function apiServerCalledPorts(pod: PodWorkload): number[] {
    return String(pod.objectAnnotations[OUTSIDE_CALLERS_ANNOTATION] ?? "").split(";").filter(Boolean)
        .map((entry) => entry.split("="))
        .filter(([, who]) => (who ?? "").split(",").includes(API_SERVER_CALLER))
        .map(([port]) => Number(port));
}

/** Whether an ingress rule's ports take `port`: no ports is every port; a name is read from regular containers only, as kube-router reads it (policy.go L879-894). */
function rulePortCovers(rule: any, port: number, pod: PodWorkload): boolean {
    const ports: any[] = rule?.ports ?? [];
    if (ports.length === 0) return true;
    const named = new Map<string, number>();
    for (const c of pod.containers) if (!c.init) for (const p of c.container.ports ?? []) if (p.name) named.set(p.name, p.containerPort);
    return ports.some((p) => {
        if ((p?.protocol ?? "TCP") !== "TCP") return false;
        if (p?.port === undefined) return true;
        const start = typeof p.port === "number" ? p.port : named.get(String(p.port));
        return start !== undefined && port >= start && port <= (p.endPort ?? start);
    });
}

/**
 * Whether an ingress rule can admit a caller that is no pod: no `from`, an empty one, or an ipBlock.
 * Any ipBlock counts: the pack does not know the nodes' addresses or the pod network, so a block
 * that names the wrong range passes here (review s26 R7); the stack's own are nodeSourcePeers.
 */
const admitsAddresses = (rule: any) => (rule?.from ?? []).length === 0 || (rule.from as any[]).some((peer) => peer?.ipBlock?.cidr);

/** The NetworkPolicies that isolate the pod's ingress (they select it and list Ingress). */
const isolatingIngress = (resources: PolicyResource[], pod: PodWorkload) =>
    policiesIn(resources, pod.namespace).filter((p) => (p.props.spec?.policyTypes ?? []).includes("Ingress") && selects(p, pod.labels));

export const apiServerReachesWebhooks: StackValidationPolicy = {
    name: "api-server-reaches-webhooks",
    description: "A port the API server calls (an admission webhook, an aggregated API) is admitted by the NetworkPolicies that isolate its pod, from node addresses.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const r of args.resources) {
            const pod = podWorkload(r.type, r.props);
            if (!pod) continue;
            const ports = apiServerCalledPorts(pod);
            if (ports.length === 0) continue;
            const policies = isolatingIngress(args.resources, pod);
            if (policies.length === 0) continue;
            for (const port of ports) {
                if (policies.some((p) => (p.props.spec?.ingress ?? []).some((rule: any) => rulePortCovers(rule, port, pod) && admitsAddresses(rule)))) continue;
                report(
                    `port ${port} of ${pod.kind} ${pod.namespace}/${pod.name || r.name} is called by the API server (a webhook or an aggregated API), but the NetworkPolicies that isolate its ingress ` +
                        `(${policies.map((p) => p.props.metadata?.name).join(", ")}) admit it from no address: an API server on another node arrives from that node's address, never from a pod; ` +
                        `allow port ${port} from ipBlocks of the nodes' addresses and their pod ranges' .0 addresses`,
                    r.urn,
                );
            }
        }
    },
};
