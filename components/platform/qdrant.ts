import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "./footprint";
import { meshed } from "./linkerd-mesh";
import { MeshAuthorization } from "./mesh-authorization";
import { VaultConsumer } from "./vault-bootstrap";
import { VaultConsumerAuth, VaultSyncedSecret } from "./vault-synced-secret";
import { QDRANT_SNAPSHOTS_ACCOUNT, QdrantSnapshots } from "./qdrant-snapshots";
import { SnapshotBucket } from "./snapshot-upload";

/**
 * Qdrant's chart and image, pinned. Chart version follows Qdrant's.
 * Evidence: qdrant/qdrant-helm@qdrant-1.18.2:charts/qdrant/Chart.yaml (`version: 1.18.2`,
 * `appVersion: v1.18.2`), listed in the gh-pages index.yaml (newest: 1.19.0); values keys from
 * charts/qdrant/values.yaml and templates/statefulset.yaml at that tag (checked 2026-11-27).
 */
export const QDRANT_CHART = { chart: "qdrant", repo: "https://qdrant.github.io/qdrant-helm", version: "1.18.2", evidence: "qdrant/qdrant-helm@qdrant-1.18.2:charts/qdrant/Chart.yaml" } as const;
export const QDRANT_IMAGE = { repository: "docker.io/qdrant/qdrant", tag: "v1.18.2" } as const;

/**
 * Qdrant calls no Kubernetes API, yet its chart mounts the ServiceAccount's token in every pod and has
 * no value to stop it (qdrant/qdrant-helm@qdrant-1.18.2:charts/qdrant/templates/statefulset.yaml L241,
 * templates/serviceaccount.yaml): the rendered ServiceAccount says not to, so a file read through a
 * snapshot bug finds no token (chart-models review s22 F4). Linkerd's proxy signs in with a projected
 * token of its own (audience identity.l5d.io), which this does not touch.
 */
export const qdrantWithoutApiToken: pulumi.ResourceTransform = (args) =>
    args.type === "kubernetes:core/v1:ServiceAccount" && args.props?.metadata?.name === QDRANT_RELEASE
        ? { props: { ...args.props, automountServiceAccountToken: false }, opts: args.opts }
        : undefined;

/** The release name, which the chart also gives its StatefulSet (fullname). */
export const QDRANT_RELEASE = "qdrant";

const QDRANT_RESOURCES: ContainerResources = { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } };

export function qdrantFootprint(replicas: number): Footprint[] {
    return [{ workload: "qdrant", pods: replicas, perPod: meshed(requestsOf(QDRANT_RESOURCES)) }];
}

export interface QdrantArgs {
    namespace: string;
    /** The Vault role Qdrant's API key (`<role>/api`) and the snapshots' bucket key (`<role>/bucket-key`) are read with. */
    vaultConsumer: VaultConsumer;
    replicas: number;
    storageGbs: number;
    /** Meshed service accounts (`namespace/name`) allowed to reach Qdrant's HTTP and gRPC ports. */
    clients: string[];
    /** Scheduled full-storage snapshots: when (five-field cron, UTC) and to which bucket, under `qdrant/`. */
    snapshots: { schedule: string; bucket: SnapshotBucket };
    scheduling?: Scheduling;
}

/**
 * Qdrant, the vector database: persistent storage retained on delete, its API key from Vault
 * (through VSO), and only named meshed clients let in.
 * Chosen over pgvector alone for collections too large or too hot for the Postgres instance the
 * rest of the platform shares; pgvector stays available for small, transactional embeddings.
 */
export class Qdrant extends pulumi.ComponentResource {
    constructor(name: string, args: QdrantArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:Qdrant", name, {}, opts);
        const parent = { parent: this };
        const auth = new VaultConsumerAuth(`${name}-vault`, { consumer: args.vaultConsumer }, parent);
        // Qdrant reads its key from the environment at start; VSO restarts it when the key rotates.
        const apiKey = new VaultSyncedSecret(`${name}-api-key`, {
            auth,
            path: `${args.vaultConsumer.name}/api`,
            secretName: "qdrant-api-key",
            restartOnChange: [{ kind: "StatefulSet", name: QDRANT_RELEASE }],
        }, parent);
        pinnedRelease(name, QDRANT_CHART, {
            name: QDRANT_RELEASE,
            namespace: args.namespace,
            values: {
                replicaCount: args.replicas,
                // `<tag>-unprivileged`: built with USER_ID=1000 (qdrant/qdrant@v1.18.2:.github/workflows/docker-image.yml L73),
                // so /qdrant belongs to the user the pod runs as (the default image's is root).
                image: { ...QDRANT_IMAGE, pullPolicy: "IfNotPresent", useUnprivilegedImage: true },
                persistence: { accessModes: ["ReadWriteOnce"], size: `${args.storageGbs}Gi` },
                resources: QDRANT_RESOURCES,
                // Not the chart's `apiKey`: its valueFrom form copies the Secret through Helm
                // `lookup` at render time (charts/qdrant/templates/_helpers.tpl L82-90 at
                // qdrant-1.18.2), so a key VSO has not written yet renders empty and a rotation never
                // arrives. The environment (QDRANT__SERVICE__API_KEY: prefix QDRANT, separator "__",
                // qdrant/qdrant@v1.18.2:src/settings.rs) is read from the Secret at every start.
                env: [{ name: "QDRANT__SERVICE__API_KEY", valueFrom: { secretKeyRef: { name: apiKey.secretName, key: "apiKey" } } }],
                // The chart's ensure-dir-ownership init container runs `chown -R` as root with no
                // security context whenever this is on and runAsUser is set (templates/statefulset.yaml
                // L56-86); fsGroup already gives the volume to the pod's group.
                updateVolumeFsOwnership: false,
                livenessProbe: { enabled: true, initialDelaySeconds: 10 },
                readinessProbe: { enabled: true },
                podSecurityContext: { fsGroup: 3000, fsGroupChangePolicy: "OnRootMismatch", runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                containerSecurityContext: {
                    runAsNonRoot: true,
                    runAsUser: 1000,
                    runAsGroup: 2000,
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                },
                podDisruptionBudget: { enabled: args.replicas > 1, maxUnavailable: 1 },
                // The chart sets no affinity (charts/qdrant/values.yaml L127 at qdrant-1.18.2): peers
                // could share a node and fail with it. One per node, by the chart's selector labels
                // (templates/_helpers.tpl L48-52).
                ...(args.replicas > 1 && {
                    affinity: {
                        podAntiAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: [{
                                topologyKey: "kubernetes.io/hostname",
                                labelSelector: { matchLabels: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": QDRANT_RELEASE } },
                            }],
                        },
                    },
                }),
                config: { cluster: { enabled: args.replicas > 1 } },
                nodeSelector: args.scheduling?.nodeSelector,
                tolerations: args.scheduling?.tolerations,
            },
        }, { parent: this, dependsOn: [apiKey], retainOnDelete: true, transforms: [qdrantWithoutApiToken] });
        const bucketKey = new VaultSyncedSecret(`${name}-snapshot-bucket`, {
            auth,
            path: `${args.vaultConsumer.name}/bucket-key`,
            secretName: "qdrant-snapshot-bucket",
        }, parent);
        new QdrantSnapshots(`${name}-snapshots`, {
            namespace: args.namespace,
            release: QDRANT_RELEASE,
            replicas: args.replicas,
            apiKeySecret: apiKey.secretName,
            bucketKeySecret: bucketKey.secretName,
            bucket: args.snapshots.bucket,
            schedule: args.snapshots.schedule,
            storageGbs: args.storageGbs,
            scheduling: args.scheduling,
        }, { parent: this, dependsOn: [apiKey, bucketKey] });
        const podSelector = { "app.kubernetes.io/name": "qdrant" };
        for (const [port, proxyProtocol] of [["http", "HTTP/1"], ["grpc", "gRPC"]] as const) {
            new MeshAuthorization(`${name}-${port}`, {
                namespace: args.namespace,
                podSelector,
                port,
                // The snapshot Job calls the REST API only.
                clients: port === "http" ? [...args.clients, `${args.namespace}/${QDRANT_SNAPSHOTS_ACCOUNT}`] : args.clients,
                noClients: "no application is configured to use Qdrant (platform.vectorDb.clients)",
                proxyProtocol,
            }, parent);
        }
        // Peers replicate over `p2p` (6335) in cluster mode; the chart's service account is the release's name.
        new MeshAuthorization(`${name}-p2p`, {
            namespace: args.namespace,
            podSelector,
            port: "p2p",
            clients: args.replicas > 1 ? [`${args.namespace}/${QDRANT_RELEASE}`] : [],
            noClients: "one replica: cluster mode is off and no peer calls it",
        }, parent);
        this.registerOutputs({});
    }
}
