import * as pulumi from "@pulumi/pulumi";
import { ScheduledSnapshotArgs, SNAPSHOT_CONTAINER_SECURITY, SNAPSHOT_DIR, snapshotAccount, snapshotCronJob, snapshotUploadContainer } from "./snapshot-upload";
import { VAULT_ADDRESS, VAULT_IMAGE, VAULT_RELEASE } from "./vault";
import { SECRETS_MOUNT, VAULT_TOKEN_AUDIENCE, VaultConsumer } from "./vault-bootstrap";

/** The policy a snapshot needs beyond reading its own key: `vault operator raft snapshot save` is a read of this path (hashicorp/vault api/sys_raft.go, vault/logical_system_raft.go). */
export const RAFT_SNAPSHOT_POLICY = `path "sys/storage/raft/snapshot" {
  capabilities = ["read"]
}
`;

/** Vault's image's user (the chart's uid and gid, vault-helm@v0.34.1 templates/_helpers.tpl L584-587); both containers share it, as the snapshot file is 0600. */
const VAULT_UID = 100;
const VAULT_GID = 1000;
const TOKEN_PATH = "/var/run/secrets/vault/token";
/** The bucket key, in the pod's memory only. */
const CREDENTIALS_FILE = "/credentials/aws";

export interface VaultSnapshotsArgs extends ScheduledSnapshotArgs {
    /** Vault's role: its service account logs in with it, reads `<name>/bucket-key` and takes the snapshot. */
    vaultConsumer: VaultConsumer;
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
        const { labels, account } = snapshotAccount(name, { namespace, name: VAULT_RELEASE }, serviceAccount, { parent: this });
        const snapshot = `set -eu
VAULT_TOKEN="$(vault write -field=token auth/kubernetes/login role=${role} jwt=@${TOKEN_PATH})"
export VAULT_TOKEN
vault operator raft snapshot save "${SNAPSHOT_DIR}/raft-$(date -u +%Y%m%dT%H%M%SZ).snap"
umask 077
printf '[default]\\naws_access_key_id = %s\\naws_secret_access_key = %s\\n' \\
  "$(vault kv get -mount=${SECRETS_MOUNT} -field=accessKeyId ${role}/bucket-key)" \\
  "$(vault kv get -mount=${SECRETS_MOUNT} -field=secretAccessKey ${role}/bucket-key)" > ${CREDENTIALS_FILE}
vault token revoke -self
`;
        snapshotCronJob(name, {
            namespace,
            labels,
            schedule: args.schedule,
            serviceAccountName: account.metadata.name,
            runAs: { user: VAULT_UID, group: VAULT_GID },
            initContainers: [{
                name: "snapshot",
                image: `${VAULT_IMAGE.repository}:${VAULT_IMAGE.tag}`,
                command: ["/bin/sh", "-c", snapshot],
                env: [{ name: "VAULT_ADDR", value: VAULT_ADDRESS }, { name: "HOME", value: "/tmp" }],
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: SNAPSHOT_CONTAINER_SECURITY,
                volumeMounts: [
                    { name: "snapshot", mountPath: SNAPSHOT_DIR },
                    { name: "credentials", mountPath: "/credentials" },
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "vault-token", mountPath: "/var/run/secrets/vault", readOnly: true },
                ],
            }],
            containers: [snapshotUploadContainer(args.bucket, "vault/", { file: CREDENTIALS_FILE })],
            uploadsTo: args.bucket.egress,
            scratchGbs: args.storageGbs,
            // A short-lived token for Vault's Kubernetes login, only in the first container.
            volumes: [{ name: "vault-token", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 600, audience: VAULT_TOKEN_AUDIENCE } }] } }],
            scheduling: args.scheduling,
        }, { parent: this });
        this.registerOutputs({});
    }
}
