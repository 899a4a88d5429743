import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { BACKUP_OF_LABEL } from "../backups";
import { byDigest } from "../image-digests";
import { BucketTarget, REQUIRED_CHECKSUMS_ONLY } from "../object-storage";
import { Scheduling } from "../placement";
import { allowEgress, EgressDestination } from "./egress";
import { NATIVE_SIDECAR_ANNOTATION } from "./linkerd-mesh";

/**
 * The AWS CLI's official image, pinned: aws/aws-cli@2.36.7:docker/Dockerfile (Amazon Linux 2023,
 * ENTRYPOINT aws, no USER; tag 2.36.7 dated 2026-07-23). Its botocore sends a CRC64NVME checksum on
 * every upload by default (awscli/botocore/httpchecksum.py L42 at that tag), which an Object Lock
 * bucket requires. Pulled by the digest on record (components/image-digests.ts), whose platforms CI's
 * images:verify checks (arm64 for OCI's nodes).
 */
export const AWS_CLI_IMAGE = "docker.io/amazon/aws-cli:2.36.7";

/** A snapshot's bucket, and whether its API wants the bucket in the path (OCI's S3-compatible API). */
export type SnapshotBucket = BucketTarget & { pathStyle: boolean };

/**
 * Where the upload finds its bucket key: a credentials file a first container wrote into the
 * pod's memory, or a Secret (keys `accessKeyId`, `secretAccessKey`) the Vault Secrets Operator syncs.
 */
export type UploadCredentials = { file: string } | { secretName: string };

/** The scratch volume a snapshot container writes into and the upload container reads. */
export const SNAPSHOT_DIR = "/snapshot";

/** Every snapshot container's security context: Pod Security `restricted`, nothing writable but its volumes. */
export const SNAPSHOT_CONTAINER_SECURITY = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/**
 * The container that uploads everything under `SNAPSHOT_DIR` to `s3://<bucket>/<prefix>`, keeping
 * the files' relative paths, with the AWS CLI.
 */
export function snapshotUploadContainer(bucket: SnapshotBucket, prefix: string, credentials: UploadCredentials): k8s.types.input.core.v1.Container {
    const key = "file" in credentials
        ? [{ name: "AWS_SHARED_CREDENTIALS_FILE", value: credentials.file }]
        : [
            { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: credentials.secretName, key: "accessKeyId" } } },
            { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: credentials.secretName, key: "secretAccessKey" } } },
        ];
    return {
        name: "upload",
        image: byDigest(AWS_CLI_IMAGE),
        command: ["/bin/sh", "-c", `set -eu\naws s3 cp --recursive --only-show-errors --endpoint-url "$ENDPOINT_URL" ${SNAPSHOT_DIR}/ "s3://$BUCKET/${prefix}"\n`],
        env: [
            { name: "ENDPOINT_URL", value: bucket.endpointURL },
            { name: "BUCKET", value: bucket.bucket },
            { name: "AWS_REGION", value: bucket.region },
            ...key,
            { name: "HOME", value: "/tmp" },
            // Outside AWS only the checksums an operation requires (BucketTarget.requiredChecksumsOnly;
            // boto/botocore@1.43.26 configprovider.py L195-206 for the settings).
            ...(bucket.requiredChecksumsOnly ? REQUIRED_CHECKSUMS_ONLY : []),
        ],
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
        securityContext: SNAPSHOT_CONTAINER_SECURITY,
        volumeMounts: [
            { name: "snapshot", mountPath: SNAPSHOT_DIR, readOnly: true },
            ...("file" in credentials ? [{ name: "credentials", mountPath: credentials.file.slice(0, credentials.file.lastIndexOf("/")), readOnly: true }] : []),
            { name: "tmp", mountPath: "/tmp" },
        ],
    };
}

/** What every scheduled snapshot takes from the stack. */
export interface ScheduledSnapshotArgs {
    /** When (five-field cron, UTC). */
    schedule: string;
    /** Where the snapshots go, each store under its own prefix. */
    bucket: SnapshotBucket;
    /** The store's volume, GB: the most one run's snapshot can take on the Job's scratch disk. */
    storageGbs: number;
    scheduling?: Scheduling;
}

/** The labels (naming the store it backs up) and account (no API token) a snapshot Job runs as. */
export function snapshotAccount(name: string, store: { namespace: string; name: string }, serviceAccount: string, opts: pulumi.CustomResourceOptions) {
    const namespace = store.namespace;
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "groundwork", [BACKUP_OF_LABEL]: store.name };
    const account = new k8s.core.v1.ServiceAccount(name, { metadata: { name: serviceAccount, namespace }, automountServiceAccountToken: false }, opts);
    return { labels, account };
}

export interface SnapshotCronJobArgs {
    namespace: string;
    labels: Record<string, string>;
    /** When (five-field cron, UTC). */
    schedule: string;
    serviceAccountName: pulumi.Input<string>;
    /** The pod's user and group, shared by its containers (the snapshot file is theirs). */
    runAs: { user: number; group: number };
    /** Take the snapshot into `SNAPSHOT_DIR`, in order. */
    initContainers?: k8s.types.input.core.v1.Container[];
    /** The upload, or a backup the store writes itself. */
    containers: k8s.types.input.core.v1.Container[];
    /** Where the containers upload to (the bucket's endpoint), allowed through the namespace's egress deny; none when the store writes the backup itself. */
    uploadsTo?: EgressDestination;
    /** The most one run's snapshots can take on the pod's scratch disk, GiB; none without a snapshot to hold. */
    scratchGbs?: number;
    /** Volumes beyond `snapshot`, `tmp` and (memory-backed) `credentials`. */
    volumes?: k8s.types.input.core.v1.Volume[];
    scheduling?: Scheduling;
}

/**
 * A meshed CronJob that takes a snapshot and uploads it: one run at a time, retried three times,
 * the Linkerd proxy as a native sidecar so the Job can complete, no API token mounted; its pods
 * may reach the bucket and nothing else outside the cluster.
 */
export function snapshotCronJob(name: string, args: SnapshotCronJobArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.CronJob {
    if (args.uploadsTo) {
        allowEgress(args.namespace, { name, podSelector: args.labels, to: [args.uploadsTo], reason: `${name} uploads its snapshots to the stack's bucket` }, opts);
    }
    return new k8s.batch.v1.CronJob(name, {
        metadata: { name, namespace: args.namespace, labels: args.labels },
        spec: {
            schedule: args.schedule,
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 3600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
                // On the Jobs too, so `kubectl get jobs -l app.kubernetes.io/name=<cronjob>` finds a run (README, the backup alerts).
                metadata: { labels: args.labels },
                spec: {
                    backoffLimit: 3,
                    activeDeadlineSeconds: 3600,
                    template: {
                        metadata: { labels: args.labels, annotations: { [NATIVE_SIDECAR_ANNOTATION]: "true" } },
                        spec: {
                            restartPolicy: "Never",
                            serviceAccountName: args.serviceAccountName,
                            automountServiceAccountToken: false,
                            ...args.scheduling,
                            securityContext: { runAsNonRoot: true, runAsUser: args.runAs.user, runAsGroup: args.runAs.group, seccompProfile: { type: "RuntimeDefault" } },
                            initContainers: args.initContainers,
                            containers: args.containers,
                            volumes: [
                                ...(args.scratchGbs ? [{ name: "snapshot", emptyDir: { sizeLimit: `${args.scratchGbs}Gi` } }] : []),
                                { name: "credentials", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                                ...(args.volumes ?? []),
                            ],
                        },
                    },
                },
            },
        },
    }, opts);
}
