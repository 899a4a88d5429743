import * as pulumi from "@pulumi/pulumi";
import { tagWithDigest } from "../image-digests";
import { ScheduledSnapshotArgs, SNAPSHOT_CONTAINER_SECURITY, SNAPSHOT_DIR, snapshotAccount, snapshotCronJob, snapshotUploadContainer } from "./snapshot-upload";

/**
 * The curl project's official image, pinned: curl/curl-container@8.21.0 (tagged 2026-06-24),
 * built for linux/amd64 and linux/arm64 among others (create_multi.sh L29) on alpine:3.24.1
 * (Makefile L8) and pushed to quay.io/curl/curl:<release> (.github/workflows/build_latest_release_multi.yml L136).
 * Qdrant's own image has no curl (qdrant/qdrant@v1.18.2:Dockerfile L181-186).
 */
export const CURL_IMAGE = { repository: "quay.io/curl/curl", tag: tagWithDigest("quay.io/curl/curl:8.21.0") } as const;

/** The folder Qdrant's snapshots go to in the bucket: `qdrant/<pod>/full-snapshot-<UTC time>.snapshot`. */
export const QDRANT_SNAPSHOT_PREFIX = "qdrant/";

/** The snapshot Job's account: Qdrant's HTTP port admits it in the mesh. */
export const QDRANT_SNAPSHOTS_ACCOUNT = "qdrant-snapshots";

/**
 * Takes a full-storage snapshot of each Qdrant pod in turn and leaves nothing behind on Qdrant's
 * disk. Facts from qdrant/qdrant@v1.18.2:
 * - `POST /snapshots?wait=true` needs the read-write key (lib/storage/src/content_manager/snapshots/mod.rs
 *   L104-105) in header `api-key` (lib/api/src/lib.rs L5), and answers `{"result":{"name",…,"checksum"}}`,
 *   a SHA-256 (lib/collection/src/operations/snapshot_ops.rs L96-104);
 * - a full snapshot first makes a snapshot of every collection, then moves each into the archive
 *   (snapshots/mod.rs L122-127, L183-211; lib/collection/src/common/snapshots_manager.rs
 *   L312-327 `move_file` for local storage), so nothing of them is left behind;
 * - a full snapshot is deleted with `DELETE /snapshots/<name>` (src/actix/api/snapshot_api.rs L343-356).
 * Each pod is reached by its own name through the chart's headless Service
 * (qdrant/qdrant-helm@qdrant-1.18.2:charts/qdrant/templates/service-headless.yaml).
 */
export function qdrantSnapshotScript(release: string, namespace: string, replicas: number): string {
    return `set -eu
umask 077
printf 'api-key: %s\\n' "$(cat /qdrant-key/apiKey)" > /tmp/headers
api() { curl -fsS --retry 3 --max-time 1800 -H @/tmp/headers "$@"; }
i=0
while [ "$i" -lt ${replicas} ]; do
  pod=${release}-$i
  qdrant="http://$pod.${release}-headless.${namespace}.svc.cluster.local:6333"
  answer=$(api -X POST "$qdrant/snapshots?wait=true")
  name=$(printf '%s' "$answer" | sed -n 's/.*"name":"\\([^"]*\\)".*/\\1/p')
  sum=$(printf '%s' "$answer" | sed -n 's/.*"checksum":"\\([0-9a-f]*\\)".*/\\1/p')
  case $name in
    full-snapshot-*.snapshot) ;;
    *) echo "qdrant-snapshots: $pod answered no snapshot name: $answer" >&2; exit 1 ;;
  esac
  mkdir -p "${SNAPSHOT_DIR}/$pod"
  file="${SNAPSHOT_DIR}/$pod/$name"
  api -o "$file" "$qdrant/snapshots/$name"
  if [ -n "$sum" ]; then echo "$sum  $file" | sha256sum -c - >/dev/null || { echo "qdrant-snapshots: $file does not match Qdrant's checksum" >&2; exit 1; }; fi
  api -o /dev/null -X DELETE "$qdrant/snapshots/$name?wait=true"
  echo "qdrant-snapshots: $pod: $name"
  i=$((i + 1))
done
`;
}

export interface QdrantSnapshotsArgs extends ScheduledSnapshotArgs {
    /** Qdrant's namespace and release (its StatefulSet's and headless Service's name). */
    namespace: string;
    release: string;
    replicas: number;
    /** The Secret holding Qdrant's read-write key (`apiKey`): only it may take snapshots. */
    apiKeySecret: string;
    /** The Secret holding the bucket key (`accessKeyId`, `secretAccessKey`), which may write `qdrant/` and never delete. */
    bucketKeySecret: string;
}

/**
 * Scheduled full-storage snapshots of Qdrant to the stack's bucket: a CronJob whose first
 * container (curl) has each pod snapshot itself, downloads and checks the file and deletes it from
 * Qdrant's disk; the second uploads the files with the AWS CLI. The bucket's lifecycle removes old
 * snapshots: the key cannot delete.
 */
export class QdrantSnapshots extends pulumi.ComponentResource {
    constructor(name: string, args: QdrantSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:QdrantSnapshots", name, {}, opts);
        const { labels, account } = snapshotAccount(name, { namespace: args.namespace, name: args.release }, QDRANT_SNAPSHOTS_ACCOUNT, { parent: this });
        snapshotCronJob(name, {
            namespace: args.namespace,
            labels,
            schedule: args.schedule,
            serviceAccountName: account.metadata.name,
            // Any user: curl's image runs as curl_user, and the files only need to be this pod's.
            runAs: { user: 1000, group: 1000 },
            initContainers: [{
                name: "snapshot",
                image: `${CURL_IMAGE.repository}:${CURL_IMAGE.tag}`,
                command: ["/bin/sh", "-c", qdrantSnapshotScript(args.release, args.namespace, args.replicas)],
                resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                securityContext: SNAPSHOT_CONTAINER_SECURITY,
                volumeMounts: [
                    { name: "snapshot", mountPath: SNAPSHOT_DIR },
                    { name: "credentials", mountPath: "/tmp" },
                    { name: "qdrant-key", mountPath: "/qdrant-key", readOnly: true },
                ],
            }],
            containers: [snapshotUploadContainer(args.bucket, QDRANT_SNAPSHOT_PREFIX, { secretName: args.bucketKeySecret })],
            uploadsTo: args.bucket.egress,
            // Every pod's snapshot is downloaded before the upload.
            scratchGbs: args.storageGbs * args.replicas,
            volumes: [{ name: "qdrant-key", secret: { secretName: args.apiKeySecret, items: [{ key: "apiKey", path: "apiKey" }] } }],
            scheduling: args.scheduling,
        }, { parent: this });
        this.registerOutputs({});
    }
}
