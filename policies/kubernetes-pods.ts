import type { PolicyConfigSchema, ReportViolation, ResourceValidation } from "@pulumi/policy";

/**
 * Where the pod template lives in each Kubernetes workload type, so a pod rule is written once and
 * applies to Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and bare Pods alike. Paths follow
 * the Kubernetes API: workload controllers carry `spec.template`, a CronJob nests it one level deeper
 * in `spec.jobTemplate.spec.template`, and a Pod is its own template.
 */

/** Path segments from a workload's properties to its PodTemplateSpec (metadata + spec). */
const TEMPLATE_PATHS: Record<string, string[]> = {
    "kubernetes:apps/v1:Deployment": ["spec", "template"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template"],
    "kubernetes:batch/v1:Job": ["spec", "template"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
    "kubernetes:core/v1:Pod": [],
};

export const POD_WORKLOAD_TYPES: readonly string[] = Object.keys(TEMPLATE_PATHS);

/** One container of a pod, with the field path a violation message should name. */
export interface PodContainer {
    /** e.g. `spec.template.spec.containers[0]` */
    path: string;
    name: string;
    init: boolean;
    container: Record<string, any>;
}

export interface PodWorkload {
    /** The workload kind, e.g. `Deployment`. */
    kind: string;
    namespace: string;
    /** Path of the pod spec, e.g. `spec.template.spec` (`spec` for a Pod). */
    specPath: string;
    spec: Record<string, any>;
    /** Labels the pods will carry (what a PodDisruptionBudget or Service selects). */
    labels: Record<string, string>;
    /** Annotations the pods will carry (Linkerd's `config.linkerd.io/*` among them). */
    annotations: Record<string, string>;
    /** The workload object's own name and annotations. */
    name: string;
    objectAnnotations: Record<string, string>;
    /** initContainers first, then containers: every container that runs in the pod. */
    containers: PodContainer[];
}

function at(root: unknown, path: string[]): any {
    let value: any = root;
    for (const key of path) {
        if (value === null || typeof value !== "object") return undefined;
        value = value[key];
    }
    return value;
}

/** The pod a workload runs, or undefined when `type` is not a pod workload. */
export function podWorkload(type: string, props: Record<string, any>): PodWorkload | undefined {
    const templatePath = TEMPLATE_PATHS[type];
    if (templatePath === undefined) return undefined;
    const template = at(props, templatePath) ?? {};
    const specPath = [...templatePath, "spec"].join(".");
    const spec: Record<string, any> = template.spec ?? {};
    const list = (field: "initContainers" | "containers", init: boolean): PodContainer[] =>
        (Array.isArray(spec[field]) ? spec[field] : []).map((container: Record<string, any>, i: number) => ({
            path: `${specPath}.${field}[${i}]`,
            name: String(container?.name ?? `#${i}`),
            init,
            container: container ?? {},
        }));
    return {
        kind: type.slice(type.lastIndexOf(":") + 1),
        namespace: props.metadata?.namespace ?? "default",
        specPath,
        spec,
        labels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations ?? {},
        name: String(props.metadata?.name ?? ""),
        objectAnnotations: props.metadata?.annotations ?? {},
        containers: [...list("initContainers", true), ...list("containers", false)],
    };
}

/** How a message names a container: `spec.template.spec.containers[0] "vllm"`. */
export function containerLabel(c: PodContainer): string {
    return `${c.path} "${c.name}"`;
}

/** The tag of an image reference (`registry:5000/org/name:tag`), or its digest when pinned by one. */
export function imageReference(image: string): { tag?: string; digest?: string } {
    const at = image.indexOf("@");
    if (at >= 0) return { digest: image.slice(at + 1) };
    const lastSlash = image.lastIndexOf("/");
    const colon = image.indexOf(":", lastSlash + 1);
    return colon >= 0 ? { tag: image.slice(colon + 1) } : {};
}

/** Config every pod rule accepts: namespaces whose pods the rule leaves alone. */
export interface PodRuleConfig {
    excludedNamespaces: string[];
}

/**
 * JSON schema of `excludedNamespaces`: kube-system runs the distribution's own pods (k3s: coredns,
 * traefik, svclb), and the node agents' namespaces (the CNI installer writes CNI binaries and config
 * through hostPath; the GPU device plugin mounts the kubelet's device-plugin socket; kured shares the
 * host's PID namespace and reads the reboot sentinel through hostPath; node-exporter reads the
 * host's /proc, /sys and / through hostPath) are privileged by design, the same exemption
 * security/namespace-pod-security-enforced makes. Their pods still go through
 * pod-security-admission, placement and pod-host-network-only-k3s.
 */
export const EXCLUDED_NAMESPACES_SCHEMA: PolicyConfigSchema["properties"][string] = {
    type: "array",
    items: { type: "string" },
    default: ["kube-system", "linkerd-cni", "nvidia-device-plugin", "kured", "groundwork-node-metrics"],
    description: "Namespaces whose workloads this policy does not check.",
};

/**
 * A validateResource that calls `check` once for each pod workload outside the excluded
 * namespaces, and ignores every other resource type.
 */
export function validatePods<C extends PodRuleConfig>(check: (pod: PodWorkload, report: ReportViolation, config: C) => void): ResourceValidation {
    return (args, report) => {
        const pod = podWorkload(args.type, args.props);
        if (pod === undefined) return;
        const config = args.getConfig<C>();
        if ((config.excludedNamespaces ?? []).includes(pod.namespace)) return;
        check(pod, report, config);
    };
}
