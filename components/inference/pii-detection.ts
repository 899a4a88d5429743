import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Scheduling } from "../placement";
import { cpuMillis, Footprint, memoryMi } from "../platform/footprint";
import { meshed } from "../platform/linkerd-mesh";
import { meshedService } from "../platform/meshed-service";
import { serviceHost } from "../service-host";

/**
 * Microsoft Presidio 2.2.363, its official images (tag 2.2.363 of microsoft/presidio, 2026-06-28).
 * From this release they are published to GitHub's registry under data-privacy-stack, for
 * linux/amd64 and linux/arm64, tagged with the version in presidio-analyzer/pyproject.toml L7
 * (microsoft/presidio@2.2.363:.github/workflows/release.yml L8-10, L24-31, L137-150; CHANGELOG.md L7, L14:
 * "Moved container image publishing from Microsoft Container Registry to GitHub Container Registry").
 * Each image runs gunicorn as user 1001 on $PORT (3000) and answers GET /health
 * (presidio-analyzer/Dockerfile L13-14, L43-45; entrypoint.sh; app.py L19, L62-65).
 */
export const PRESIDIO_VERSION = "2.2.363";
export const PRESIDIO_PORT = 3000;
const UID = 1001;

/**
 * The upstream sample chart's sizes (docs/samples/deployments/k8s/charts/presidio/values.yaml L12-50 at
 * the tag): the analyzer asks 1.5 CPU, which would reserve much of a small cluster, so it requests
 * less and keeps the 2-CPU limit; memory as upstream (spaCy en_core_web_lg is loaded at start).
 */
const PARTS = {
    analyzer: { resources: { requests: { cpu: "250m", memory: "1500Mi" }, limits: { cpu: "2", memory: "3000Mi" } }, startSeconds: 300 },
    anonymizer: { resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } }, startSeconds: 60 },
} as const;

/**
 * Two of each: LiteLLM's Presidio guardrail fails the request when the analyzer cannot be reached
 * (research/litellm-hook.md §6), so one restarting pod would fail every guarded call.
 */
export const PRESIDIO_REPLICAS = 2;

/** Presidio's pods on the platform placement, with their mesh proxies. */
export function piiDetectionFootprint(): Footprint[] {
    return Object.entries(PARTS).map(([part, p]) => ({
        workload: `presidio-${part}`, pods: PRESIDIO_REPLICAS, perPod: meshed({ cpuMillis: cpuMillis(p.resources.requests.cpu), memoryMi: memoryMi(p.resources.requests.memory) }),
    }));
}

export interface PiiDetectionArgs {
    namespace: string;
    /** The meshed service accounts that may call it (`namespace/name`): the gateway's. */
    clients: string[];
    scheduling: Scheduling;
}

/**
 * Presidio's analyzer (finds personal data: spaCy's names and places, and pattern recognizers)
 * and anonymizer (replaces it), called by the gateway's PII guardrails. Each runs read-only as
 * Presidio's user, with writable /tmp (gunicorn's worker files) and home (poetry's cache),
 * probed on /health, and only the gateway admitted by the mesh.
 */
export class PiiDetection extends pulumi.ComponentResource {
    public readonly analyzerUrl: string;
    public readonly anonymizerUrl: string;

    constructor(name: string, args: PiiDetectionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:inference:PiiDetection", name, {}, opts);
        const parent = { parent: this };
        const url = (part: string) => `http://${serviceHost(`${name}-${part}`, args.namespace)}:${PRESIDIO_PORT}`;
        for (const [part, spec] of Object.entries(PARTS)) {
            const component = `${name}-${part}`;
            const labels = { "app.kubernetes.io/name": component, "app.kubernetes.io/component": "pii-detection", "app.kubernetes.io/version": PRESIDIO_VERSION };
            new k8s.core.v1.ServiceAccount(component, { metadata: { name: component, namespace: args.namespace, labels }, automountServiceAccountToken: false }, parent);
            new k8s.apps.v1.Deployment(component, {
                metadata: { name: component, namespace: args.namespace, labels },
                spec: {
                    replicas: PRESIDIO_REPLICAS,
                    selector: { matchLabels: { "app.kubernetes.io/name": component } },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels },
                        spec: {
                            serviceAccountName: component,
                            automountServiceAccountToken: false,
                            ...args.scheduling,
                            // On different nodes where there are several: one node's drain leaves the other.
                            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "app.kubernetes.io/name": component } } }],
                            securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, seccompProfile: { type: "RuntimeDefault" } },
                            containers: [{
                                name: part,
                                image: `ghcr.io/data-privacy-stack/presidio-${part}:${PRESIDIO_VERSION}`,
                                env: [{ name: "PORT", value: String(PRESIDIO_PORT) }, { name: "WORKERS", value: "1" }],
                                ports: [{ name: "http", containerPort: PRESIDIO_PORT }],
                                resources: spec.resources,
                                startupProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 5, failureThreshold: spec.startSeconds / 5 },
                                readinessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 10, timeoutSeconds: 3 },
                                livenessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, { name: "home", mountPath: "/home/presidio" }],
                            }],
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }, { name: "home", emptyDir: { sizeLimit: "64Mi" } }],
                        },
                    },
                },
            }, parent);
            meshedService(component, { namespace: args.namespace, labels, port: { name: "http", number: PRESIDIO_PORT }, clients: args.clients, proxyProtocol: "HTTP/1" }, parent);
        }
        this.analyzerUrl = url("analyzer");
        this.anonymizerUrl = url("anonymizer");
        this.registerOutputs({ analyzerUrl: this.analyzerUrl, anonymizerUrl: this.anonymizerUrl });
    }
}
