import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Scheduling } from "../placement";
import { cpuMillis, Footprint, memoryMi } from "../platform/footprint";
import { meshed } from "../platform/linkerd-mesh";
import { meshedService } from "../platform/meshed-service";
import { serviceHost } from "../service-host";

/**
 * Valkey, the image Langfuse's Valkey already runs: repository bitnamilegacy/valkey from
 * langfuse/langfuse-k8s@langfuse-1.5.41:charts/langfuse/values.yaml L509-512, tag 8.0.2-debian-12-r2
 * from bitnami/charts@valkey/2.2.4:bitnami/valkey/values.yaml L110 (components/rendered/data-stores.ts).
 */
export const CACHE_IMAGE = "docker.io/bitnamilegacy/valkey:8.0.2-debian-12-r2";
export const CACHE_PORT = 6379;
/** The memory Valkey may fill before it evicts the least recently used answers. */
const MAX_MEMORY = "200mb";
const RESOURCES = { requests: { cpu: "25m", memory: "240Mi" }, limits: { memory: "320Mi" } };
/** Bitnami's user (the image's `USER 1001`; bitnami/charts@valkey/2.2.4 values.yaml containerSecurityContext). */
const UID = 1001;

/** The cache's pod on the platform placement, with its mesh proxy. */
export function responseCacheFootprint(): Footprint[] {
    return [{ workload: "response-cache", pods: 1, perPod: meshed({ cpuMillis: cpuMillis(RESOURCES.requests.cpu), memoryMi: memoryMi(RESOURCES.requests.memory) }) }];
}


export interface ResponseCacheArgs {
    namespace: string;
    /** The Secret (synced from Vault) whose `password` key Valkey requires. */
    passwordSecret: string;
    /** The meshed service accounts that may connect (`namespace/name`): the gateway's. */
    clients: string[];
    scheduling: Scheduling;
}

/**
 * The gateway's shared response cache: one Valkey with no persistence (a cache loses nothing it
 * cannot recompute), 200 MiB, least recently used out first, a password from Vault, and only the
 * gateway admitted by the mesh. Every gateway replica reads the same answers.
 *
 * Started as `valkey-server` itself, not the image's scripts: they write the password into
 * valkey.conf on a writable root. The password reaches Valkey on stdin (`-` reads config from
 * stdin; the options after it win), never on the command line (the chart's own start script
 * passes `--requirepass` as an argument: bitnami/charts@valkey/2.2.4 templates/scripts-configmap.yaml).
 * `--save ""` turns snapshots off, `appendonly no` the log (valkey-io/valkey 8.0 valkey.conf).
 * The readiness probe runs `valkey-cli -e ping` with REDISCLI_AUTH: `-e` makes an error reply
 * (NOAUTH) fail the probe. Sources: research/gateway-cache-valkey.md (2026-11-28).
 */
export class ResponseCache extends pulumi.ComponentResource {
    /** `host` and `port` the gateway connects to. */
    public readonly host: string;
    public readonly port = CACHE_PORT;

    constructor(name: string, args: ResponseCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:inference:ResponseCache", name, {}, opts);
        const parent = { parent: this };
        const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "response-cache" };
        const password = { valueFrom: { secretKeyRef: { name: args.passwordSecret, key: "password" } } };
        const ping = ["/opt/bitnami/valkey/bin/valkey-cli", "-e", "-h", "127.0.0.1", "-p", String(CACHE_PORT), "ping"];

        new k8s.core.v1.ServiceAccount(name, {
            metadata: { name, namespace: args.namespace, labels },
            automountServiceAccountToken: false,
        }, parent);
        new k8s.apps.v1.Deployment(name, {
            metadata: { name, namespace: args.namespace, labels },
            spec: {
                replicas: 1,
                // The new pod is ready before the old goes; it starts empty (answers are recomputed, not lost).
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                selector: { matchLabels: { "app.kubernetes.io/name": name } },
                template: {
                    metadata: { labels },
                    spec: {
                        serviceAccountName: name,
                        automountServiceAccountToken: false,
                        ...args.scheduling,
                        securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [{
                            name: "valkey",
                            image: CACHE_IMAGE,
                            command: ["/bin/bash", "-c"],
                            args: [`exec /opt/bitnami/valkey/bin/valkey-server - --port ${CACHE_PORT} --dir /tmp --maxmemory ${MAX_MEMORY} --maxmemory-policy allkeys-lru --save "" --appendonly no <<< "requirepass \${VALKEY_PASSWORD}"`],
                            env: [{ name: "VALKEY_PASSWORD", ...password }, { name: "REDISCLI_AUTH", ...password }],
                            ports: [{ name: "redis", containerPort: CACHE_PORT }],
                            resources: RESOURCES,
                            readinessProbe: { exec: { command: ping }, periodSeconds: 10, timeoutSeconds: 3 },
                            livenessProbe: { exec: { command: ping }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        }],
                        volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } }],
                    },
                },
            },
        }, parent);
        // Redis's protocol is not HTTP: the proxies carry it as opaque TCP, still mTLS.
        const service = meshedService(name, { namespace: args.namespace, labels, port: { name: "redis", number: CACHE_PORT }, clients: args.clients, proxyProtocol: "opaque" }, parent);
        this.host = serviceHost(name, args.namespace);
        this.registerOutputs({ host: this.host, service: service.metadata.name });
    }
}
