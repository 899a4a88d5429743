import * as pulumi from "@pulumi/pulumi";
import { byDigest, DigestPinnedImage, tagWithDigest } from "../image-digests";
import { Scheduling } from "../placement";
import { SNAPSHOT_CONTAINER_SECURITY, snapshotAccount, snapshotCronJob } from "./snapshot-upload";

/**
 * Langfuse's ClickHouse, as its chart runs it: bitnami/charts@clickhouse/8.0.5 values.yaml L92-95
 * (tag 25.2.1-debian-12-r0) with langfuse/langfuse-k8s@langfuse-1.5.41 charts/langfuse/values.yaml
 * L585-588 (repository bitnamilegacy/clickhouse); the image carries clickhouse-client and runs as
 * uid 1001. The backup Job runs the same image, so client and server are one version; both by digest.
 */
export const CLICKHOUSE_IMAGE: DigestPinnedImage = "docker.io/bitnamilegacy/clickhouse:25.2.1-debian-12-r0";
/**
 * The subchart's `image.tag`: `tag@sha256:…`, which bitnami/charts@common/2.30.0 templates/_images.tpl
 * L12-31 renders as `docker.io/bitnamilegacy/clickhouse:<tag>@sha256:…` (its own `image.digest` would
 * drop the tag). A changed tag is only "retagged" to the chart's image check, a warning
 * (_errors.tpl insecureImages), and langfuse's values allow its legacy repository (values.yaml L3-6).
 */
export const CLICKHOUSE_IMAGE_TAG = tagWithDigest(CLICKHOUSE_IMAGE);
const CLICKHOUSE_UID = 1001;

/** The named collection the server reads the bucket and key from; no key ever appears in SQL. */
export const CLICKHOUSE_BACKUP_COLLECTION = "groundwork_backups";
/** Folder in the bucket: a full backup per run, `clickhouse/<UTC time>/`. */
export const CLICKHOUSE_BACKUP_PREFIX = "clickhouse/";
const KEY_ID_ENV = "GROUNDWORK_BACKUP_KEY_ID";
const SECRET_ENV = "GROUNDWORK_BACKUP_SECRET";

/** The folder's URL: virtual-hosted on AWS, the bucket in the path elsewhere (OCI's S3-compatible API). */
export function clickhouseBackupUrl(endpointURL: string, bucket: string, pathStyle: boolean): string {
    const endpoint = new URL(endpointURL);
    return pathStyle
        ? `${endpoint.origin}/${bucket}/${CLICKHOUSE_BACKUP_PREFIX}`
        : `${endpoint.protocol}//${bucket}.${endpoint.host}/${CLICKHOUSE_BACKUP_PREFIX}`;
}

/**
 * The ClickHouse server's part: the bucket as a named collection in config, its key read from the
 * environment and kept out of the preprocessed copy ClickHouse writes to its volume, and the
 * region for that URL. Facts (ClickHouse 25.2; research/clickhouse-backup.md has the sources):
 * the S3 backup engine reads `url`, `access_key_id`, `secret_access_key` from
 * `named_collections.<name>` in the server config and appends the query's second argument
 * (src/Backups/registerBackupEngineS3.cpp); `from_env` fills an element from the environment;
 * `hide_in_preprocessed` drops it from preprocessed_configs (ClickHouse#53818); `<s3><name>`
 * endpoint settings apply to URLs they prefix. The variables are not `AWS_*`, which the server's
 * default environment credentials would hand to every S3 access.
 */
export function clickhouseBackupValues(url: pulumi.Input<string>, region: string, keySecret: string) {
    return {
        extraEnvVars: [
            { name: KEY_ID_ENV, valueFrom: { secretKeyRef: { name: keySecret, key: "accessKeyId" } } },
            { name: SECRET_ENV, valueFrom: { secretKeyRef: { name: keySecret, key: "secretAccessKey" } } },
        ],
        extraOverrides: pulumi.output(url).apply((u) => clickhouseBackupConfig(u, region)),
    };
}

/** The server config (`extraOverrides`, rendered by the chart as conf.d/01_extra_overrides.xml). */
export function clickhouseBackupConfig(url: string, region: string): string {
    return `<clickhouse>
  <named_collections>
    <${CLICKHOUSE_BACKUP_COLLECTION}>
      <url>${url}</url>
      <access_key_id from_env="${KEY_ID_ENV}" hide_in_preprocessed="true"/>
      <secret_access_key from_env="${SECRET_ENV}" hide_in_preprocessed="true"/>
    </${CLICKHOUSE_BACKUP_COLLECTION}>
  </named_collections>
  <s3>
    <${CLICKHOUSE_BACKUP_COLLECTION}>
      <endpoint>${url}</endpoint>
      <region>${region}</region>
    </${CLICKHOUSE_BACKUP_COLLECTION}>
  </s3>
</clickhouse>
`;
}

/**
 * The Job's script: a full backup of Langfuse's database into `clickhouse/<UTC time>/`, started
 * ASYNC and polled in `system.backups` until it is BACKUP_CREATED. Full backups only: the
 * lifecycle expires each by age, which would break an incremental chain.
 */
export function clickhouseBackupScript(host: string): string {
    return `set -eu
at=$(date -u +%Y%m%dT%H%M%SZ)
id="groundwork-$at"
ch() { clickhouse-client --host ${host} --port 9000 "$@"; }
ch --query "BACKUP DATABASE default TO S3(${CLICKHOUSE_BACKUP_COLLECTION}, '$at/') SETTINGS id = '$id' ASYNC" >/dev/null
while :; do
  status=$(ch --param_id="$id" --query "SELECT status FROM system.backups WHERE id = {id:String}")
  case $status in
    BACKUP_CREATED) echo "clickhouse-backups: ${CLICKHOUSE_BACKUP_PREFIX}$at/"; exit 0 ;;
    CREATING_BACKUP) sleep 15 ;;
    *) echo "clickhouse-backups: backup $id is \${status:-gone}: $(ch --param_id="$id" --query "SELECT error FROM system.backups WHERE id = {id:String}" || true)" >&2; exit 1 ;;
  esac
done
`;
}

export interface ClickhouseBackupsArgs {
    /** Langfuse's namespace and ClickHouse's Service (`<release>-clickhouse`). */
    namespace: string;
    host: string;
    /** The release the backups cover, named in the Job's backup-of label. */
    release: string;
    /** The Secret with the `default` user's password (`password`), which may BACKUP. */
    passwordSecret: string;
    /** The account the Job runs as: ClickHouse's native port admits it in the mesh. */
    serviceAccount: string;
    schedule: string;
    scheduling?: Scheduling;
}

/**
 * Scheduled full backups of Langfuse's ClickHouse: the server itself writes to the bucket (named
 * collection `groundwork_backups`, from `clickhouseBackupValues`); a CronJob only sends the SQL.
 */
export class ClickhouseBackups extends pulumi.ComponentResource {
    constructor(name: string, args: ClickhouseBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:ClickhouseBackups", name, {}, opts);
        const { labels, account } = snapshotAccount(name, { namespace: args.namespace, name: args.release }, args.serviceAccount, { parent: this });
        snapshotCronJob(name, {
            namespace: args.namespace,
            labels,
            schedule: args.schedule,
            serviceAccountName: account.metadata.name,
            runAs: { user: CLICKHOUSE_UID, group: CLICKHOUSE_UID },
            containers: [{
                name: "backup",
                image: byDigest(CLICKHOUSE_IMAGE),
                command: ["/bin/sh", "-c", clickhouseBackupScript(args.host)],
                // clickhouse-client reads the user and password from these (ClickHouse#34947).
                env: [
                    { name: "CLICKHOUSE_USER", value: "default" },
                    { name: "CLICKHOUSE_PASSWORD", valueFrom: { secretKeyRef: { name: args.passwordSecret, key: "password" } } },
                    { name: "HOME", value: "/tmp" },
                ],
                resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: SNAPSHOT_CONTAINER_SECURITY,
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            }],
            scheduling: args.scheduling,
        }, { parent: this });
        this.registerOutputs({});
    }
}
