import type { PolicyConfigSchema, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { podWorkload } from "../kubernetes-pods";

/**
 * NetworkPolicies below the mesh (networking.k8s.io/v1; k3s enforces them with its embedded
 * kube-router controller). Policies are additive: a pod is isolated for egress once any policy
 * with policyTypes Egress selects it, and may then reach what any of them allows
 * (kubernetes.io/docs/concepts/services-networking/network-policies, read 2026-11-27).
 */

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

interface NetworkPolicyConfig {
    excludedNamespaces: string[];
    metadataAddress: string;
    metadataPorts: number[];
    metadataAllowedNamespaces: string[];
    metadataServerNodes: string[];
}

const SCHEMA: PolicyConfigSchema = {
    properties: {
        excludedNamespaces: { type: "array", items: { type: "string" }, default: [], description: "Namespaces these rules skip (reviewed exceptions)." },
        metadataAddress: { type: "string", default: "169.254.169.254", description: "The cloud's instance metadata address (AWS EC2, OCI)." },
        metadataPorts: {
            type: "array",
            items: { type: "number" },
            default: [80],
            description: "The metadata service's ports: HTTP on both clouds. OCI's DNS resolver shares the address on 53, which CoreDNS must reach.",
        },
        metadataAllowedNamespaces: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "Namespaces whose pods may reach the metadata service: none unless configured; `vault` when Vault seals with OCI KMS through instance principals (npm run policy-config sets it).",
        },
        metadataServerNodes: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "The cluster's servers (npm run policy-config lists them): their user data holds their SSH host key (and, on servers made before the SSH install, the k3s server token), so the pods that may reach the metadata service must be kept off them. Without the list, only an affinity that excludes k3s's control-plane role keeps a pod off them.",
        },
    },
};

const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

/**
 * Whether a pod spec's required node affinity keeps it off every server: each of its terms (ORed)
 * excludes k3s's control-plane role (k3s labels servers node-role.kubernetes.io/control-plane=true,
 * and a kubelet cannot set that label on itself), or, where the servers are known, names hosts by
 * `kubernetes.io/hostname In`, none a server. Without a required term the pod may run anywhere.
 */
export function keptOffServers(spec: Record<string, any>, servers: string[]): boolean {
    const terms: any[] = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    if (terms.length === 0) return false;
    return terms.every((term) => (term?.matchExpressions ?? []).some((e: any) =>
        (e?.key === CONTROL_PLANE_LABEL && e.operator === "DoesNotExist")
        || (servers.length > 0 && e?.key === "kubernetes.io/hostname" && e.operator === "In" && Array.isArray(e.values) && e.values.length > 0 && !e.values.some((v: string) => servers.includes(v)))));
}

const ipv4 = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);

/** Whether an IPv4 CIDR (without its `except` ranges) contains the address. */
export function cidrContains(cidr: string, address: string): boolean {
    const [net, bits] = cidr.split("/");
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(net ?? "") || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
    const size = 2 ** (32 - Number(bits ?? 32));
    const start = Math.floor(ipv4(net) / size) * size;
    return ipv4(address) >= start && ipv4(address) < start + size;
}

/**
 * Whether one egress rule of a NetworkPolicy lets its pods reach the address, on one of `ports`
 * (TCP) when given. A rule without ports allows every port; a named port, which an address cannot
 * resolve, counts as allowing.
 */
export function egressRuleAllows(rule: any, address: string, ports?: number[]): boolean {
    const peers: any[] | undefined = rule?.to;
    // No `to` (or an empty one) matches every destination.
    const toAddress = !peers || peers.length === 0 ||
        peers.some((peer) => peer?.ipBlock?.cidr && cidrContains(peer.ipBlock.cidr, address) && !(peer.ipBlock.except ?? []).some((e: string) => cidrContains(e, address)));
    if (!toAddress || ports === undefined || !rule?.ports || rule.ports.length === 0) return toAddress;
    return rule.ports.some((p: any) => (p?.protocol ?? "TCP") === "TCP" &&
        (p?.port === undefined || typeof p.port === "string" || ports.some((wanted) => p.port <= wanted && wanted <= (p.endPort ?? p.port))));
}

export const policiesIn = (resources: PolicyResource[], namespace: string) =>
    resources.filter((r) => r.type === NETWORK_POLICY && r.props.metadata?.namespace === namespace);
const selectsAll = (r: PolicyResource) => Object.keys(r.props.spec?.podSelector?.matchLabels ?? {}).length === 0 && (r.props.spec?.podSelector?.matchExpressions ?? []).length === 0;
const namespaces = (resources: PolicyResource[], config: NetworkPolicyConfig) =>
    resources.filter((r) => r.type === NAMESPACE).map((r) => ({ r, name: String(r.props.metadata?.name ?? r.name) }))
        .filter((n) => !(config.excludedNamespaces ?? []).includes(n.name));

export const namespaceNetworkPolicy: StackValidationPolicy = {
    name: "namespace-network-policy",
    description: "Every namespace the stack creates has a NetworkPolicy that selects all its pods.",
    enforcementLevel: "mandatory",
    configSchema: SCHEMA,
    validateStack: (args, report) => {
        const config = args.getConfig<NetworkPolicyConfig>();
        for (const { r, name } of namespaces(args.resources, config)) {
            if (!policiesIn(args.resources, name).some(selectsAll)) {
                report(`namespace ${name} has no NetworkPolicy selecting all its pods (podSelector: {}); add one (a default deny of ingress and of egress) so its pods are isolated below the mesh`, r.urn);
            }
        }
    },
};

export const metadataEgressBlocked: StackValidationPolicy = {
    name: "metadata-egress-blocked",
    description: "Pods cannot reach the cloud's instance metadata service, except in the namespaces listed (Vault's instance-principal seal), whose pods are kept off the servers.",
    enforcementLevel: "mandatory",
    configSchema: SCHEMA,
    validateStack: (args, report) => {
        const config = args.getConfig<NetworkPolicyConfig>();
        const address = config.metadataAddress ?? "169.254.169.254";
        const allowed = new Set([...(config.metadataAllowedNamespaces ?? []), ...(config.excludedNamespaces ?? [])]);
        // Every namespace that runs pods or that the stack creates (kube-system runs k3s's own).
        for (const [name, urn] of podNamespaces(args.resources, config)) {
            if (allowed.has(name)) continue;
            if (!policiesIn(args.resources, name).some((p) => selectsAll(p) && (p.props.spec?.policyTypes ?? []).includes("Egress"))) {
                report(`pods in namespace ${name} can reach the instance metadata service at ${address}: no NetworkPolicy isolates their egress; add one that allows egress to 0.0.0.0/0 except ${address}/32`, urn);
            }
        }
        // The pods that may reach it stay off servers, whose user data holds their SSH host key (and, on
        // servers made before the SSH install, the server token).
        for (const r of args.resources) {
            const pod = podWorkload(r.type, r.props);
            if (!pod || !(config.metadataAllowedNamespaces ?? []).includes(pod.namespace) || keptOffServers(pod.spec, config.metadataServerNodes ?? [])) continue;
            if (!reaches(policiesIn(args.resources, pod.namespace), pod.labels, address, config.metadataPorts ?? [80])) continue;
            report(`${pod.kind} ${pod.namespace}/${pod.name} may reach the instance metadata service (namespace ${pod.namespace} is allowed it) and may run on a server${(config.metadataServerNodes ?? []).length > 0 ? ` (${config.metadataServerNodes.join(", ")})` : ""}, whose user data holds its SSH host key (and, on servers made before they were installed over SSH, the k3s server token); keep it on agents with a required node affinity (kubernetes.io/hostname In <agents>, or ${CONTROL_PLANE_LABEL} DoesNotExist)`, r.urn);
        }
        // Every policy the stack writes, in whatever namespace, that reopens the address.
        for (const p of args.resources.filter((r) => r.type === NETWORK_POLICY && (r.props.spec?.policyTypes ?? []).includes("Egress"))) {
            const name = String(p.props.metadata?.namespace ?? "default");
            if (allowed.has(name)) continue;
            const open = (p.props.spec?.egress ?? []).findIndex((rule: any) => egressRuleAllows(rule, address, config.metadataPorts ?? [80]));
            if (open >= 0) {
                report(`NetworkPolicy ${name}/${p.props.metadata?.name} spec.egress[${open}] allows ${address}, the instance metadata service (policies add up, so this reopens it for the pods it selects); list it under ipBlock.except, or allow only other ports`, p.urn);
            }
        }
    },
};

/**
 * Whether a NetworkPolicy's podSelector selects pods with these labels. Expressions are read for
 * In, NotIn, Exists and DoesNotExist; any other operator counts as selecting (the rule errs on
 * the side of reporting).
 */
export function selects(policy: PolicyResource, labels: Record<string, string>): boolean {
    const selector = policy.props.spec?.podSelector ?? {};
    const matchLabels: Record<string, string> = selector.matchLabels ?? {};
    if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
    return (selector.matchExpressions ?? []).every((e: any) => {
        const has = e?.key in labels;
        switch (e?.operator) {
            case "In": return has && (e.values ?? []).includes(labels[e.key]);
            case "NotIn": return !has || !(e.values ?? []).includes(labels[e.key]);
            case "Exists": return has;
            case "DoesNotExist": return !has;
            default: return true;
        }
    });
}

/** Whether pods with these labels reach the address: no Egress policy isolates them, or one that selects them allows it. */
function reaches(policies: PolicyResource[], labels: Record<string, string>, address: string, ports: number[]): boolean {
    const egress = policies.filter((p) => (p.props.spec?.policyTypes ?? []).includes("Egress") && selects(p, labels));
    return egress.length === 0 || egress.some((p) => (p.props.spec?.egress ?? []).some((rule: any) => egressRuleAllows(rule, address, ports)));
}

/** Namespaces that run pods (any workload in them) or that the stack creates. */
function podNamespaces(resources: PolicyResource[], config: NetworkPolicyConfig): Map<string, string> {
    const declared = new Map(namespaces(resources, config).map(({ r, name }) => [name, r.urn]));
    const running = new Map<string, string>();
    for (const r of resources) {
        const pod = podWorkload(r.type, r.props);
        if (pod && !running.has(pod.namespace)) running.set(pod.namespace, r.urn);
    }
    const excluded = new Set(config.excludedNamespaces ?? []);
    return new Map([...new Map([...running, ...declared])].filter(([name]) => !excluded.has(name)));
}

type Direction = "Ingress" | "Egress";

/** Whether a policy selects every pod, isolates them in `direction`, and allows nothing. */
const deniesAll = (p: PolicyResource, direction: Direction) =>
    selectsAll(p) && (p.props.spec?.policyTypes ?? []).includes(direction) && (p.props.spec?.[direction === "Ingress" ? "ingress" : "egress"] ?? []).length === 0;

/** Each rule of the policies, in `direction`, that allows everyone on every port: the policy and the rule's index. */
function openRules(policies: PolicyResource[], direction: Direction, everyone: (rule: any) => boolean): [PolicyResource, number][] {
    const key = direction === "Ingress" ? "ingress" : "egress";
    return policies.flatMap((p) => (p.props.spec?.[key] ?? []).flatMap((rule: any, i: number): [PolicyResource, number][] => (everyone(rule) && (rule.ports ?? []).length === 0 ? [[p, i]] : [])));
}

/** Whether an ingress rule admits every source: no `from`, an empty one, every namespace, or 0.0.0.0/0. */
function fromEverywhere(rule: any): boolean {
    const peers: any[] | undefined = rule?.from;
    if (!peers || peers.length === 0) return true;
    return peers.some((peer) => (peer?.ipBlock?.cidr === "0.0.0.0/0" && (peer.ipBlock.except ?? []).length === 0)
        || (peer?.namespaceSelector && Object.keys(peer.namespaceSelector).length === 0 && !peer.podSelector));
}

export const namespaceDefaultDenyIngress: StackValidationPolicy = {
    name: "namespace-default-deny-ingress",
    description: "Every namespace that runs pods denies ingress by default, and no allowance opens every port to every source.",
    enforcementLevel: "mandatory",
    configSchema: SCHEMA,
    validateStack: (args, report) => {
        const config = args.getConfig<NetworkPolicyConfig>();
        for (const [name, urn] of podNamespaces(args.resources, config)) {
            const policies = policiesIn(args.resources, name);
            if (!policies.some((p) => deniesAll(p, "Ingress"))) {
                report(`namespace ${name} takes ingress from anywhere: no NetworkPolicy denies it by default; add one with podSelector: {}, policyTypes: [Ingress] and no rules, then allow each caller explicitly`, urn);
            }
            for (const [p, i] of openRules(policies, "Ingress", fromEverywhere)) {
                report(`NetworkPolicy ${name}/${p.props.metadata?.name} spec.ingress[${i}] admits every source on every port, which undoes the default deny; name the ports, or the namespaces it admits`, p.urn);
            }
        }
    },
};

/** Whether an egress rule reaches every destination: no `to`, an empty one, or 0.0.0.0/0 with nothing excepted. */
function toEverywhere(rule: any): boolean {
    const peers: any[] | undefined = rule?.to;
    if (!peers || peers.length === 0) return true;
    return peers.some((peer) => peer?.ipBlock?.cidr === "0.0.0.0/0" && (peer.ipBlock.except ?? []).length === 0);
}

export const namespaceDefaultDenyEgress: StackValidationPolicy = {
    name: "namespace-default-deny-egress",
    description: "Every namespace that runs pods denies egress by default, and no allowance opens every destination on every port.",
    enforcementLevel: "mandatory",
    configSchema: SCHEMA,
    validateStack: (args, report) => {
        const config = args.getConfig<NetworkPolicyConfig>();
        for (const [name, urn] of podNamespaces(args.resources, config)) {
            const policies = policiesIn(args.resources, name);
            if (!policies.some((p) => deniesAll(p, "Egress"))) {
                report(`pods in namespace ${name} may connect anywhere: no NetworkPolicy denies egress by default; add one with podSelector: {}, policyTypes: [Egress] and no rules, then allow each destination explicitly`, urn);
            }
            // Only Egress policies have egress rules that count (an Ingress-only policy's are ignored).
            for (const [p, i] of openRules(policies.filter((x) => (x.props.spec?.policyTypes ?? []).includes("Egress")), "Egress", toEverywhere)) {
                report(`NetworkPolicy ${name}/${p.props.metadata?.name} spec.egress[${i}] allows every destination on every port, which undoes the default deny; name the ports, or the pods, namespaces or address ranges it allows`, p.urn);
            }
        }
    },
};

export const networkPolicies = [namespaceNetworkPolicy, namespaceDefaultDenyIngress, namespaceDefaultDenyEgress, metadataEgressBlocked];
