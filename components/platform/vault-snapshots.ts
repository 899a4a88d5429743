import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NATIVE_SIDECAR_ANNOTATION } from "../inference/llm-gateway";
import { BucketTarget } from "../object-storage";
import { Scheduling } from "../placement";
import { VAULT_ADDRESS, VAULT_IMAGE } from "./vault";
import { SECRETS_MOUNT, VaultConsumer } from "./vault-bootstrap";

/**
 * The AWS CLI's official image, pinned: aws/aws-cli@2.36.7:docker/Dockerfile (Amazon Linux 2023,
 * ENTRYPOINT aws, no USER; tag 2.36.7 dated 2026-07-23). Its botocore sends a CRC64NVME checksum on
 * every upload by default (awscli/botocore/httpchecksum.py L42 at that tag), which an Object Lock
 * bucket requires. That Docker Hub carries an arm64 manifest for the tag is not verified here.
 */
export const AWS_CLI_IMAGE = { repository: "docker.io/amazon/aws-cli", tag: "2.36.7" } as const;

/** The policy a snapshot needs beyond reading its own key: `vault operator raft snapshot save` is a read of this path (hashicorp/vault api/sys_raft.go, vault/logical_system_raft.go). */
export const RAFT_SNAPSHOT_POLICY = `path "sys/storage/raft/snapshot" {
  capabilities = ["read"]
}
`;

/** Vault's image's user (the chart's uid and gid, vault-helm@v0.34.1 templates/_helpers.tpl L584-587); both containers share it, as the snapshot file is 0600. */
const VAULT_UID = 100;
const VAULT_GID = 1000;
const TOKEN_PATH = "/var/run/secrets/vault/token";

export interface VaultSnapshotsArgs {
    /** Vault's role: its service account logs in with it, reads `<name>/bucket-key` and takes the snapshot. */
    vaultConsumer: VaultConsumer;
    /** When (five-field cron, UTC). */
    schedule: string;
    /** Where the snapshots go, under `vault/`. */
    bucket: BucketTarget & { pathStyle: boolean };
    /** Vault's Raft volume, GB: the most a snapshot can take on the pod's scratch disk. */
    storageGbs: number;
    scheduling?: Scheduling;
}

/**
 * Scheduled Raft snapshots of Vault to the stack's bucket: a CronJob whose first container logs in
 * to Vault with its own service account, saves a snapshot (`vault operator raft snapshot save`, in
 * Vault's own image) and reads its bucket key; the second uploads it with the AWS CLI as
 * `vault/raft-<UTC time>.snap`. The key never leaves the pod's memory. The bucket's lifecycle
 * removes old snapshots: the key cannot delete.
 */
export class VaultSnapshots extends pulumi.ComponentResource {
    constructor(name: string, args: VaultSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:VaultSnapshots", name, {}, opts);
        const { namespace, serviceAccount, name: role } = args.vaultConsumer;
        const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "groundwork" };
        const account = new k8s.core.v1.ServiceAccount(name, { metadata: { name: serviceAccount, namespace }, automountServiceAccountToken: false }, { parent: this });
        const snapshot = `set -eu
VAULT_TOKEN="$(vault write -field=token auth/kubernetes/login role=${role} jwt=@${TOKEN_PATH})"
export VAULT_TOKEN
vault operator raft snapshot save /snapshot/vault.snap
umask 077
printf '[default]\\naws_access_key_id = %s\\naws_secret_access_key = %s\\n' \\
  "$(vault kv get -mount=${SECRETS_MOUNT} -field=accessKeyId ${role}/bucket-key)" \\
  "$(vault kv get -mount=${SECRETS_MOUNT} -field=secretAccessKey ${role}/bucket-key)" > /credentials/aws
vault token revoke -self
`;
        const upload = `set -eu
aws s3 cp --only-show-errors --endpoint-url "$ENDPOINT_URL" /snapshot/vault.snap "s3://$BUCKET/vault/raft-$(date -u +%Y%m%dT%H%M%SZ).snap"
`;
        const container = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
        new k8s.batch.v1.CronJob(name, {
            metadata: { name, namespace, labels },
            spec: {
                schedule: args.schedule,
                timeZone: "Etc/UTC",
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: 3600,
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    spec: {
                        backoffLimit: 3,
                        activeDeadlineSeconds: 1800,
                        template: {
                            metadata: { labels, annotations: { [NATIVE_SIDECAR_ANNOTATION]: "true" } },
                            spec: {
                                restartPolicy: "Never",
                                serviceAccountName: account.metadata.name,
                                automountServiceAccountToken: false,
                                ...args.scheduling,
                                securityContext: { runAsNonRoot: true, runAsUser: VAULT_UID, runAsGroup: VAULT_GID, seccompProfile: { type: "RuntimeDefault" } },
                                initContainers: [{
                                    name: "snapshot",
                                    image: `${VAULT_IMAGE.repository}:${VAULT_IMAGE.tag}`,
                                    command: ["/bin/sh", "-c", snapshot],
                                    env: [{ name: "VAULT_ADDR", value: VAULT_ADDRESS }, { name: "HOME", value: "/tmp" }],
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                                    securityContext: container,
                                    volumeMounts: [
                                        { name: "snapshot", mountPath: "/snapshot" },
                                        { name: "credentials", mountPath: "/credentials" },
                                        { name: "tmp", mountPath: "/tmp" },
                                        { name: "vault-token", mountPath: "/var/run/secrets/vault", readOnly: true },
                                    ],
                                }],
                                containers: [{
                                    name: "upload",
                                    image: `${AWS_CLI_IMAGE.repository}:${AWS_CLI_IMAGE.tag}`,
                                    command: ["/bin/sh", "-c", upload],
                                    env: [
                                        { name: "ENDPOINT_URL", value: args.bucket.endpointURL },
                                        { name: "BUCKET", value: args.bucket.bucket },
                                        { name: "AWS_REGION", value: args.bucket.region },
                                        { name: "AWS_SHARED_CREDENTIALS_FILE", value: "/credentials/aws" },
                                        { name: "HOME", value: "/tmp" },
                                        // Outside AWS (OCI's S3-compatible API) only the checksums an operation
                                        // requires: OCI is reported to refuse aws-chunked uploads (botocore
                                        // configprovider.py L173-184 for the settings).
                                        ...(args.bucket.pathStyle ? [
                                            { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
                                            { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
                                        ] : []),
                                    ],
                                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                                    securityContext: container,
                                    volumeMounts: [
                                        { name: "snapshot", mountPath: "/snapshot", readOnly: true },
                                        { name: "credentials", mountPath: "/credentials", readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                }],
                                volumes: [
                                    { name: "snapshot", emptyDir: { sizeLimit: `${args.storageGbs}Gi` } },
                                    { name: "credentials", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                                    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                                    // A short-lived token for Vault's Kubernetes login, only in the first container.
                                    { name: "vault-token", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 600 } }] } },
                                ],
                            },
                        },
                    },
                },
            },
        }, { parent: this });
        this.registerOutputs({});
    }
}
