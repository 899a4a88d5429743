import * as pulumi from "@pulumi/pulumi";
import { VaultConsumer } from "../platform/vault-bootstrap";
import { VaultConsumerAuth, VaultSyncedSecret } from "../platform/vault-synced-secret";
import { ETCD_S3_CONFIG_SECRET } from "./bootstrap";

/** Where k3s writes its etcd snapshots: the bucket, and a key unless the servers' IAM role writes. */
export interface EtcdSnapshotBucket {
    endpointURL: pulumi.Input<string>;
    bucket: pulumi.Input<string>;
    region: string;
    /** The bucket is named in the path (OCI's S3-compatible API), not in the host. */
    pathStyle: boolean;
    /** The key (secret); absent when the servers' instance role may write (AWS). */
    key?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
}

/** The folder k3s writes under: snapshots are `etcd/<name>-<node>-<unix time>`. */
export const ETCD_SNAPSHOT_FOLDER = "etcd";

/**
 * The Secret's data k3s reads its S3 settings from, with the key names k3s reads
 * (k3s-io/k3s@v1.34.9+k3s1 (5f72184f): pkg/etcd/s3/config_secret.go L42-124). `etcd-s3-endpoint` is
 * a host, not a URL; an `http://` endpoint sets `etcd-s3-insecure`. `etcd-s3-retention` counts
 * snapshots across every server, as k3s prunes the folder as a whole (pkg/etcd/s3/s3.go L395-438).
 * Without a key, k3s's credential chain reaches the instance role through IMDSv2 (pkg/etcd/s3/s3.go L210-225).
 */
export function etcdS3Settings(target: EtcdSnapshotBucket, retention: number): Record<string, pulumi.Output<string>> {
    const endpoint = pulumi.output(target.endpointURL).apply((url) => new URL(url));
    return {
        "etcd-s3-endpoint": endpoint.apply((url) => url.host),
        "etcd-s3-region": pulumi.output(target.region),
        "etcd-s3-bucket": pulumi.output(target.bucket),
        "etcd-s3-folder": pulumi.output(ETCD_SNAPSHOT_FOLDER),
        "etcd-s3-retention": pulumi.output(String(retention)),
        "etcd-s3-bucket-lookup-type": pulumi.output(target.pathStyle ? "path" : "auto"),
        "etcd-s3-insecure": endpoint.apply((url) => String(url.protocol === "http:")),
        ...(target.key && { "etcd-s3-access-key": target.key.accessKeyId, "etcd-s3-secret-key": target.key.secretAccessKey }),
    };
}

export interface EtcdSnapshotTargetArgs {
    /** Vault's role for the settings (`etcd/s3`), bound to a service account in kube-system. */
    vaultConsumer: VaultConsumer;
}

/**
 * The kube-system Secret k3s reads its etcd snapshot settings from (`ETCD_S3_CONFIG_SECRET`),
 * kept in sync with Vault's `etcd/s3` by the Vault Secrets Operator. k3s reads it before every
 * snapshot and prune, so a rotated key needs no restart; until it exists, snapshots stay on the
 * servers' disks and k3s logs a warning (pkg/etcd/snapshot.go L357-374).
 */
export class EtcdSnapshotTarget extends pulumi.ComponentResource {
    constructor(name: string, args: EtcdSnapshotTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:EtcdSnapshotTarget", name, {}, opts);
        if (args.vaultConsumer.namespace !== "kube-system") {
            throw new Error(`EtcdSnapshotTarget ${name}: k3s reads ${ETCD_S3_CONFIG_SECRET} from kube-system only, not ${args.vaultConsumer.namespace}`);
        }
        const auth = new VaultConsumerAuth(name, { consumer: args.vaultConsumer }, { parent: this });
        new VaultSyncedSecret(`${name}-s3`, { auth, path: `${args.vaultConsumer.name}/s3`, secretName: ETCD_S3_CONFIG_SECRET }, { parent: this });
        this.registerOutputs({});
    }
}
