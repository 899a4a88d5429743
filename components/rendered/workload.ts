/**
 * A typed model of what a chart (or k3s, or an operator) renders, computed from the values we pass:
 * each workload as a Kubernetes object carrying the fields our policies read (namespace, pod and
 * container security contexts, tolerations and node selectors, hook annotations, service account,
 * ports and probes), plus who calls each port from outside the mesh. The offline plan sees a Helm
 * chart as one resource; these models are how its pods reach the policy packs there. In a real
 * `pulumi preview` the Chart v4 resource renders the objects themselves and the packs see those.
 *
 * Each model cites the chart's templates at the pinned tag (`repo@tag:path`) beside every fact.
 */

/**
 * Annotation on a modelled workload: `port=caller,caller;port=caller` (model-only, never deployed);
 * the security pack's mesh-admits-outside-callers reads it (policies/security/mesh-admission.ts).
 */
export const OUTSIDE_CALLERS_ANNOTATION = "plan.groundwork.dev/outside-callers";
/** Annotation naming the model's source (`repo@tag:path`). */
export const MODEL_SOURCE_ANNOTATION = "plan.groundwork.dev/source";

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod";

const API_VERSIONS: Record<WorkloadKind, string> = {
    Deployment: "apps/v1",
    StatefulSet: "apps/v1",
    DaemonSet: "apps/v1",
    Job: "batch/v1",
    CronJob: "batch/v1",
    Pod: "v1",
};

/** A container as the chart renders it (the fields the rules read). */
export interface RenderedContainer {
    name: string;
    image: string;
    securityContext?: Record<string, unknown>;
    resources?: Record<string, unknown>;
    env?: Record<string, unknown>[];
    ports?: { name?: string; containerPort: number; protocol?: string; hostPort?: number }[];
    readinessProbe?: Record<string, unknown>;
    livenessProbe?: Record<string, unknown>;
    startupProbe?: Record<string, unknown>;
}

export interface RenderedWorkloadArgs {
    kind: WorkloadKind;
    name: string;
    namespace: string;
    /** `repo@tag:path` of the template this object comes from. */
    source: string;
    /** Helm hook (`helm.sh/hook`), for hook Jobs. */
    hook?: string;
    podLabels?: Record<string, string>;
    podAnnotations?: Record<string, string>;
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
    securityContext?: Record<string, unknown>;
    nodeSelector?: Record<string, string>;
    tolerations?: Record<string, unknown>[];
    affinity?: Record<string, unknown>;
    initContainers?: RenderedContainer[];
    containers: RenderedContainer[];
    volumes?: Record<string, unknown>[];
    hostNetwork?: boolean;
    hostPID?: boolean;
    /** Ports called by something that is not a meshed workload: the kubelet, the API server, unmeshed controllers. */
    outsideCallers?: Record<number, string[]>;
}

/** A Kubernetes workload object, in the shape the API (and so every pod rule) expects. */
export interface RenderedWorkload {
    apiVersion: string;
    kind: WorkloadKind;
    metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations: Record<string, string> };
    spec: Record<string, any>;
}

const dropUndefined = <T extends Record<string, unknown>>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as T;

/** Builds the workload object for a model. */
export function renderedWorkload(args: RenderedWorkloadArgs): RenderedWorkload {
    const annotations: Record<string, string> = { [MODEL_SOURCE_ANNOTATION]: args.source };
    if (args.hook) annotations["helm.sh/hook"] = args.hook;
    const callers = Object.entries(args.outsideCallers ?? {});
    if (callers.length > 0) annotations[OUTSIDE_CALLERS_ANNOTATION] = callers.map(([port, who]) => `${port}=${who.join(",")}`).join(";");
    const podSpec = dropUndefined({
        serviceAccountName: args.serviceAccountName,
        automountServiceAccountToken: args.automountServiceAccountToken,
        securityContext: args.securityContext,
        nodeSelector: args.nodeSelector && Object.keys(args.nodeSelector).length > 0 ? args.nodeSelector : undefined,
        tolerations: args.tolerations,
        affinity: args.affinity,
        hostNetwork: args.hostNetwork,
        hostPID: args.hostPID,
        initContainers: args.initContainers?.map((c) => dropUndefined({ ...c })),
        containers: args.containers.map((c) => dropUndefined({ ...c })),
        volumes: args.volumes,
    });
    const template = { metadata: dropUndefined({ labels: args.podLabels ?? {}, annotations: args.podAnnotations }), spec: podSpec };
    const spec = args.kind === "Pod" ? podSpec
        : args.kind === "CronJob" ? { jobTemplate: { spec: { template } } }
        : { template };
    // A bare Pod is its own template: its labels and annotations are the object's.
    const metadata = args.kind === "Pod"
        ? { name: args.name, namespace: args.namespace, labels: args.podLabels ?? {}, annotations: { ...args.podAnnotations, ...annotations } }
        : { name: args.name, namespace: args.namespace, annotations };
    return { apiVersion: API_VERSIONS[args.kind], kind: args.kind, metadata, spec };
}

/** What a chart release looks like to a model: its values as recorded, and where it goes. */
export interface ChartRelease {
    /** Helm release name. */
    name: string;
    namespace: string;
    values: Record<string, any>;
}

/** A model of one chart at one pinned version. */
export interface ChartModel {
    chart: string;
    version: string;
    render(release: ChartRelease): RenderedWorkload[];
    /**
     * Value paths the chart's templates read (values.yaml at the pinned tag) that shape no
     * workload field the model carries: secrets, config, storage. With what `render` reads, every
     * value we pass must be one of them, so a misspelt key fails a test instead of being ignored by Helm.
     */
    otherValues?: string[];
}

/**
 * `repository:tag`, then `@digest` when the chart is given one: how a chart with a digest value
 * composes the image (the tag kept for people, the digest for the kubelet).
 */
export function chartImage(repository: string, tag: string, digest?: string): string {
    return digest ? `${repository}:${tag}@${digest}` : `${repository}:${tag}`;
}

/** `values[a][b]…`, or undefined. */
export function valueAt(values: Record<string, any> | undefined, ...path: string[]): any {
    return path.reduce<any>((v, k) => (v !== null && typeof v === "object" ? v[k] : undefined), values);
}

/**
 * The value paths a model reads while rendering a release, recorded through a proxy. A path read
 * with none of its children read was taken whole (a toleration list, a resources block).
 */
export function valuePathsRead(model: ChartModel, release: ChartRelease): Set<string> {
    const read = new Set<string>();
    const wrap = (value: any, path: string): any =>
        value === null || typeof value !== "object"
            ? value
            : new Proxy(value, {
                get(target, key, receiver) {
                    const child = Reflect.get(target, key, receiver);
                    if (typeof key !== "string" || Array.isArray(target)) return child;
                    const at = path ? `${path}.${key}` : key;
                    read.add(at);
                    return wrap(child, at);
                },
            });
    model.render({ ...release, values: wrap(release.values, "") });
    return read;
}
