import { Policy } from "@pulumi/policy";
import { ResourceRecord, runPolicy } from "../../policies/policy-run";

/** A resource record as the plan records it, with a URN shaped like the engine's. */
export function record(type: string, props: Record<string, any>, name = "example", extra: Partial<ResourceRecord> = {}): ResourceRecord {
    return { type, name, urn: `urn:pulumi:test::groundwork::${type}::${name}`, props, ...extra };
}

/** The messages one policy reports over the records (config defaults applied as the CLI does). */
export async function messages(policy: Policy, records: ResourceRecord[], config?: Record<string, unknown>): Promise<string[]> {
    return (await runPolicy(policy, records, config)).map((v) => v.message);
}

/**
 * Pod workload fixtures for the policy tests, shaped like the plan's recorded inputs
 * (out/cloud/resources.json: the llm-gateway Deployment). `compliantPod` passes every security and
 * reliability rule; tests break one field at a time.
 */

export function compliantContainer(): Record<string, any> {
    return {
        name: "litellm",
        image: "ghcr.io/berriai/litellm-non_root:v1.83.14-stable",
        ports: [{ containerPort: 4000, name: "http" }],
        env: [
            { name: "LITELLM_MASTER_KEY", valueFrom: { secretKeyRef: { key: "masterKey", name: "llm-gateway-keys" } } },
            { name: "DATABASE_HOST", value: "postgres-rw.groundwork-data.svc.cluster.local:5432" },
        ],
        readinessProbe: { httpGet: { path: "/health/readiness", port: "http" }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: "/health/liveliness", port: "http" }, periodSeconds: 15 },
        resources: { limits: { memory: "1536Mi" }, requests: { cpu: "200m", memory: "768Mi" } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
    };
}

export function compliantPod(): Record<string, any> {
    return {
        automountServiceAccountToken: false,
        serviceAccountName: "llm-gateway",
        containers: [compliantContainer()],
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        volumes: [{ name: "config", configMap: { name: "llm-gateway" } }],
    };
}

export const LABELS = { "app.kubernetes.io/component": "llm-gateway", "app.kubernetes.io/name": "llm-gateway" };

export function deployment(pod: Record<string, any> = compliantPod(), spec: Record<string, any> = {}): Record<string, any> {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "llm-gateway", namespace: "groundwork-inference", labels: LABELS },
        spec: {
            replicas: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "llm-gateway" } },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
            template: { metadata: { labels: LABELS }, spec: pod },
            ...spec,
        },
    };
}

export function cronJob(pod: Record<string, any> = compliantPod()): Record<string, any> {
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: "key-rotation", namespace: "groundwork-inference" },
        spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { metadata: { labels: LABELS }, spec: { ...pod, restartPolicy: "OnFailure" } } } } },
    };
}

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
export const CRON_JOB = "kubernetes:batch/v1:CronJob";
export const POD = "kubernetes:core/v1:Pod";
export const JOB = "kubernetes:batch/v1:Job";
export const DAEMON_SET = "kubernetes:apps/v1:DaemonSet";
