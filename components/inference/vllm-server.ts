import * as pulumi from "@pulumi/pulumi";
import { byDigest } from "../image-digests";
import * as k8s from "@pulumi/kubernetes";
import { NO_BACKUP_ANNOTATION } from "../backups";
import { Scheduling } from "../placement";
import { Dtype, Quantization } from "./model-memory";
import { allowEgress, PUBLIC_HTTPS } from "../platform/egress";
import { meshedService } from "../platform/meshed-service";

/**
 * vLLM's OpenAI-compatible server images, pinned. The CUDA image for GPU nodes; the CPU image
 * (multi-arch: amd64 and arm64) for CPU placements such as the Always-Free A1 nodes.
 * Source: hub.docker.com/r/vllm/vllm-openai and vllm/vllm-openai-cpu tags v0.28.0 (2026-08-26);
 * vLLM docs, getting_started/installation/cpu.arm.inc.md "pre-built images" (read 2026-11-25).
 * The default GPU image of v0.28.0 is built for CUDA 13.0 (docker/Dockerfile `CUDA_VERSION=13.0.3`),
 * which needs an R580 driver; the release also publishes the CUDA 12.9 build as
 * `vllm/vllm-openai:<tag>-cu129` (its release script), which runs on the R575+ drivers of AWS's
 * Deep Learning Base OSS Nvidia Driver AMIs whichever branch they ship (checked 2026-11-27).
 */
export const VLLM_VERSION = "v0.28.0";
export const VLLM_GPU_IMAGE = byDigest(`vllm/vllm-openai:${VLLM_VERSION}-cu129`);
export const VLLM_CPU_IMAGE = `vllm/vllm-openai-cpu:${VLLM_VERSION}`;

/** vLLM's default port; serves the API, `/health` and Prometheus `/metrics`. */
export const VLLM_PORT = 8000;
/** Where the model cache volume is mounted; Hugging Face downloads land under it. */
export const MODEL_CACHE_PATH = "/models";
/** The label every vLLM pod carries, for the gateway's policies and the AI-use pack. */
export const VLLM_COMPONENT_LABEL = { "app.kubernetes.io/component": "vllm" };
/**
 * The GPU image's own user: `vllm`, UID 2000, group 0 (vllm-project/vllm docker/Dockerfile at
 * v0.28.0). A UID without a passwd entry breaks libraries that look the user up (getpass, torch's
 * compile cache). The CPU image has no such user, so it runs as 1000 with USER/LOGNAME set.
 */
const GPU_UID = 2000;
const CPU_UID = 1000;

export interface VllmServerArgs {
    namespace: pulumi.Input<string>;
    /** Hugging Face repository id, e.g. `Qwen/Qwen2.5-0.5B-Instruct`. */
    model: string;
    /** Commit of the repository (40 hex characters). */
    revision: string;
    /** Name the server answers to (`--served-model-name`); the gateway routes to it. */
    servedName: string;
    /** GPUs per replica = `--tensor-parallel-size`; 0 serves on the CPU backend. */
    gpus: number;
    maxModelLen: number;
    gpuMemoryUtilization: number;
    dtype: Dtype;
    quantization?: Quantization;
    prefixCaching: boolean;
    /** CPU request per replica, cores. */
    cpus: number;
    /** Memory per replica (request = limit), GiB. */
    memoryGbs: number;
    /** CPU backend: KV cache space, GiB (inside memoryGbs). */
    kvCacheGbs: number;
    /** Model cache volume, GB. */
    cacheGbs: number;
    /**
     * `claim` (default): a PersistentVolumeClaim kept across restarts and redeploys (and kept if the
     * stack is destroyed). `pod`: a generic ephemeral volume that lives as long as the pod, for
     * models that scale to zero: their node may be gone by the next start, and a node-local claim
     * would hold the pod to it.
     */
    cache?: "claim" | "pod";
    /** Replicas kept running, and the most the queue may scale to. */
    replicas: { min: number; max: number };
    /** Waiting requests per replica before another starts. */
    queueDepthTarget: number;
    /** When the model must be up (cron, KEDA's cron scaler); outside, it scales down to `replicas.min`. */
    activeHours?: { timezone: string; start: string; end: string };
    scheduling: Scheduling;
    /** Secret holding `HF_TOKEN` (synced from Vault); optional for ungated models. */
    huggingfaceTokenSecret?: string;
    /** Service account the pods run as. */
    serviceAccount: pulumi.Input<string>;
    /** Meshed service accounts (`namespace/name`) allowed to call the server: the gateway, the metrics scraper. */
    clients: string[];
    /** Prometheus that KEDA queries for the queue depth; without it the replica count stays at min. */
    prometheusUrl?: string;
}

/** Whether a model's replica count moves: room to scale on its queue, or hours outside which it stops. */
export function scalesWithLoad(a: Pick<VllmServerArgs, "replicas" | "activeHours">): boolean {
    return a.replicas.max > a.replicas.min || a.activeHours !== undefined;
}

/** vLLM's command-line arguments for a model. Source: docs.vllm.ai "Engine Arguments" (read 2026-11-25). */
export function vllmArgs(a: Pick<VllmServerArgs, "model" | "revision" | "servedName" | "gpus" | "maxModelLen" | "gpuMemoryUtilization" | "dtype" | "quantization" | "prefixCaching">): string[] {
    return [
        "--model", a.model,
        "--revision", a.revision,
        "--served-model-name", a.servedName,
        "--host", "0.0.0.0",
        "--port", String(VLLM_PORT),
        "--download-dir", `${MODEL_CACHE_PATH}/hub`,
        "--max-model-len", String(a.maxModelLen),
        "--dtype", a.dtype,
        ...(a.gpus > 0 ? ["--tensor-parallel-size", String(a.gpus), "--gpu-memory-utilization", String(a.gpuMemoryUtilization)] : []),
        ...(a.quantization ? ["--quantization", a.quantization] : []),
        a.prefixCaching ? "--enable-prefix-caching" : "--no-enable-prefix-caching",
    ];
}

/**
 * One model served by vLLM: a Deployment on the model's placement, its cache on a persistent
 * volume (kept when the stack is destroyed: a re-download of tens of GB is not free), a
 * ClusterIP Service only the named clients may call (Linkerd), a disruption budget, and a KEDA
 * ScaledObject on `vllm:num_requests_waiting` when the replica bounds allow scaling.
 *
 * Our own Deployment rather than the `vllm-stack` chart: the chart brings its own router, which
 * LiteLLM already is here, and our objects are rendered and checked offline (schemas, policies)
 * where a chart's are not.
 */
export class VllmServer extends pulumi.ComponentResource {
    /** In-cluster base URL of the OpenAI-compatible API. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: VllmServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:inference:VllmServer", name, {}, opts);
        const parent = { parent: this };
        const labels = { "app.kubernetes.io/name": name, ...VLLM_COMPONENT_LABEL, "groundwork.dev/model": args.servedName };
        // The model's weights come from the Hugging Face Hub on first start (into the cache volume).
        allowEgress(args.namespace, { name: `${name}-model-hub`, podSelector: { "app.kubernetes.io/name": name }, to: [PUBLIC_HTTPS], reason: "vLLM downloads the model's weights from the Hugging Face Hub" }, { parent: this });
        const gpu = args.gpus > 0;
        const memory = `${args.memoryGbs}Gi`;
        const scaled = args.prometheusUrl !== undefined && scalesWithLoad(args);

        const claimSpec = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${args.cacheGbs}Gi` } } };
        const cacheVolume: k8s.types.input.core.v1.Volume = args.cache === "pod"
            ? { name: "cache", ephemeral: { volumeClaimTemplate: { metadata: { labels }, spec: claimSpec } } }
            : {
                name: "cache",
                persistentVolumeClaim: {
                    claimName: new k8s.core.v1.PersistentVolumeClaim(`${name}-cache`, {
                        metadata: {
                            name: `${name}-cache`, namespace: args.namespace, labels,
                            annotations: { [NO_BACKUP_ANNOTATION]: "model weights and compiled kernels, downloaded and built again at start" },
                        },
                        spec: claimSpec,
                    }, { ...parent, retainOnDelete: true }).metadata.name,
                },
            };

        const env: k8s.types.input.core.v1.EnvVar[] = [
            { name: "HF_HOME", value: `${MODEL_CACHE_PATH}/huggingface` },
            { name: "VLLM_CACHE_ROOT", value: `${MODEL_CACHE_PATH}/vllm` },
            { name: "HOME", value: "/tmp" },
            ...(gpu ? [] : [{ name: "USER", value: "vllm" }, { name: "LOGNAME", value: "vllm" }]),
            { name: "VLLM_NO_USAGE_STATS", value: "1" },
            ...(gpu ? [] : [{ name: "VLLM_CPU_KVCACHE_SPACE", value: String(args.kvCacheGbs) }]),
            ...(args.huggingfaceTokenSecret ? [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: args.huggingfaceTokenSecret, key: "token" } } }] : []),
        ];
        const health = (path: string) => ({ httpGet: { path, port: "http" } });
        const deployment = new k8s.apps.v1.Deployment(name, {
            metadata: { name, namespace: args.namespace, labels },
            spec: {
                replicas: args.replicas.min,
                selector: { matchLabels: { "app.kubernetes.io/name": name } },
                // A new replica is ready before an old one goes: the last ready replica is never dropped.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: {
                        labels,
                        annotations: {
                            "prometheus.io/scrape": "true",
                            "prometheus.io/port": String(VLLM_PORT),
                            "prometheus.io/path": "/metrics",
                        },
                    },
                    spec: {
                        serviceAccountName: args.serviceAccount,
                        automountServiceAccountToken: false,
                        ...args.scheduling,
                        securityContext: gpu
                            ? { runAsNonRoot: true, runAsUser: GPU_UID, runAsGroup: 0, fsGroup: GPU_UID, seccompProfile: { type: "RuntimeDefault" } }
                            : { runAsNonRoot: true, runAsUser: CPU_UID, runAsGroup: CPU_UID, fsGroup: CPU_UID, seccompProfile: { type: "RuntimeDefault" } },
                        // Loading a large model takes minutes; in-flight requests get time to finish.
                        terminationGracePeriodSeconds: 120,
                        containers: [{
                            name: "vllm",
                            image: gpu ? VLLM_GPU_IMAGE : VLLM_CPU_IMAGE,
                            args: vllmArgs(args),
                            ports: [{ name: "http", containerPort: VLLM_PORT }],
                            env,
                            resources: {
                                requests: { cpu: String(args.cpus), memory, ...(gpu && { "nvidia.com/gpu": String(args.gpus) }) },
                                limits: { memory, ...(gpu && { "nvidia.com/gpu": String(args.gpus) }) },
                            },
                            // Download and load may take long: 30 minutes before liveness takes over.
                            startupProbe: { ...health("/health"), periodSeconds: 10, failureThreshold: 180 },
                            readinessProbe: { ...health("/health"), periodSeconds: 5, failureThreshold: 3 },
                            livenessProbe: { ...health("/health"), periodSeconds: 15, failureThreshold: 4, timeoutSeconds: 5 },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                            volumeMounts: [
                                { name: "cache", mountPath: MODEL_CACHE_PATH },
                                { name: "tmp", mountPath: "/tmp" },
                                { name: "shm", mountPath: "/dev/shm" },
                            ],
                        }],
                        volumes: [
                            cacheVolume,
                            { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
                            // PyTorch shares tensors between workers through /dev/shm (vLLM docs: `--shm-size`/`--ipc=host`).
                            { name: "shm", emptyDir: { medium: "Memory", sizeLimit: gpu ? "8Gi" : "1Gi" } },
                        ],
                    },
                },
            },
        }, { ...parent, ...(scaled ? { ignoreChanges: ["spec.replicas"] } : {}) });

        const service = meshedService(name, { namespace: args.namespace, labels, port: { name: "http", number: VLLM_PORT }, clients: args.clients, proxyProtocol: "HTTP/1" }, parent);

        if (scaled) {
            new k8s.apiextensions.CustomResource(name, {
                apiVersion: "keda.sh/v1alpha1",
                kind: "ScaledObject",
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    scaleTargetRef: { name: deployment.metadata.name },
                    minReplicaCount: args.replicas.min,
                    maxReplicaCount: args.replicas.max,
                    pollingInterval: 15,
                    // Model load is slow: a replica stays 10 minutes after the queue empties. KEDA's
                    // cooldownPeriod covers the step to zero; the HPA's window covers every other step down.
                    cooldownPeriod: 600,
                    advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 600 } } } },
                    // KEDA takes the largest answer: the queue, and during active hours at least one replica.
                    triggers: [{
                        type: "prometheus",
                        metadata: {
                            serverAddress: args.prometheusUrl!,
                            query: `sum(vllm:num_requests_waiting{model_name="${args.servedName}"})`,
                            threshold: String(args.queueDepthTarget),
                        },
                    }, ...(args.activeHours ? [{
                        type: "cron",
                        metadata: { ...args.activeHours, desiredReplicas: String(Math.max(1, args.replicas.min)) },
                    }] : [])],
                },
            }, parent);
        }

        this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${VLLM_PORT}/v1`;
        this.registerOutputs({ url: this.url });
    }
}
