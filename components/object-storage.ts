import * as pulumi from "@pulumi/pulumi";
import { EgressDestination } from "./platform/egress";

/**
 * One writer of a backup or blob bucket. Each gets its own credential, limited to its prefix, so a
 * leaked key of one consumer reads nothing of another's.
 */
export interface BucketConsumer {
    /** Names the consumer's user, group and key (`postgres`, `etcd`, `vault`, `qdrant`, `langfuse`). */
    name: string;
    /** Its objects' key prefix, ending in `/` (`postgres/`). */
    prefix: string;
    /**
     * Who removes its old objects:
     * - `"own"`: the consumer's own retention (barman's recovery window, k3s's snapshot count), so
     *   its key may delete under the prefix. On a versioned bucket a delete only hides a version
     *   behind a marker; the bucket's lifecycle removes the version later.
     * - `{ days }`: the bucket's lifecycle expires each object `days` after it was written, and the
     *   key may only write: a stolen key cannot even hide a backup.
     * - `{ days, deletes }`: expired by the lifecycle as well, but the writer removes objects of its
     *   own making under the prefix that end in `deletes` (ClickHouse's backup `.lock`), and
     *   fails if it cannot. AWS scopes that right to those names; OCI's policy language cannot, so
     *   there the key may delete under its prefix, which on a versioned bucket only hides a version.
     */
    retention: "own" | { days: number; deletes?: string };
}


/** Where a consumer writes: an S3-compatible endpoint and bucket (its key reaches the consumer through Vault). */
export interface BucketTarget {
    endpointURL: pulumi.Input<string>;
    bucket: pulumi.Input<string>;
    /** Region for request signing. */
    region: string;
    /** Where the endpoint is, for its consumers' egress allowances. */
    egress: EgressDestination;
    /**
     * Whether writers must send only the checksums an operation requires (AWS SDKs'
     * `when_required`). AWS SDKs since boto3 1.36 and aws-sdk-js 3.729 stream uploads with an
     * aws-chunked checksum trailer by default, which OCI's S3-compatible API refuses ("AWS chunked
     * encoding not supported", activepieces/activepieces#14110, 2026-07; lakeFS#2527) and some other
     * S3-compatible stores too (cloudnative-pg/plugin-barman-cloud@v0.13.0 web/docs/object_stores.md
     * L150-179). AWS itself keeps the default: S3 Object Lock needs the checksum.
     */
    requiredChecksumsOnly: boolean;
}

/**
 * The AWS SDK settings of BucketTarget.requiredChecksumsOnly, as container environment: botocore
 * and the AWS CLI read them (boto/botocore@1.43.26 configprovider.py L195-206, the sidecar's version).
 */
export const REQUIRED_CHECKSUMS_ONLY = [
    { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
    { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
];
