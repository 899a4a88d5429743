import { OCI_REGIONS } from "./oci-regions";

/**
 * What the host of a public cloud's S3 endpoint says about the bucket behind it. Requests are
 * signed (SigV4) for the configured region, and a regional endpoint refuses a signature scoped to
 * another: AWS answers 400 AuthorizationHeaderMalformed, "the region 'us-east-1' is wrong; expecting
 * 'eu-west-1'" (seen in altinity/clickhouse-backup#15 and aws/aws-sdk-go#380, read 2026-11-28). So
 * every backup would fail, and only at the first one, long after `pulumi up`.
 */
interface EndpointFacts {
    provider: "AWS" | "OCI" | "Cloudflare R2";
    /** The region requests must be signed for; R2's `auto` also answers to us-east-1. */
    region: string;
    /** The bucket a virtual-hosted AWS endpoint names in its host. */
    bucket?: string;
}

/**
 * AWS: s3.<region>.amazonaws.com, s3-<region>…, s3.dualstack.<region>…, their FIPS forms
 * (s3-fips.<region>…, s3-fips.dualstack.<region>…; docs.aws.amazon.com general reference, S3
 * endpoints; sweep s25 M4), and <bucket>.s3.<region>… (virtual-hosted).
 */
const AWS_S3 = /^(?:(?<bucket>.+)\.)?s3(?:-fips)?(?:[.-]dualstack)?[.-](?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com$/;
/**
 * AWS's legacy global endpoint, s3.amazonaws.com (or <bucket>.s3.amazonaws.com): us-east-1's ("the legacy
 * global s3 endpoint for us-east-1", AWS SDK for .NET S3UsEast1RegionalEndpointValue; Signature V4 needs
 * the bucket region's own endpoint, Cloudera HDP 2.6.5 cloud data access, "Configuring per-bucket
 * settings"; read 2026-11-29; sweep s22b28).
 */
const AWS_S3_GLOBAL = /^(?:(?<bucket>.+)\.)?s3\.amazonaws\.com$/;
/** OCI's S3 compatibility API: <namespace>.compat.objectstorage.<region>.oraclecloud.com. */
const OCI_S3 = /^[a-z0-9-]+\.compat\.objectstorage\.(?<region>[a-z]+-[a-z]+-\d)\.oraclecloud\.com$/;

/**
 * Cloudflare R2: <account>.r2.cloudflarestorage.com, or under a jurisdiction (<account>.eu.r2...).
 * "When using the S3 API, the region for an R2 bucket is auto. For compatibility with tools that do
 * not allow you to specify a region, an empty value and us-east-1 will alias to the auto region"
 * (developers.cloudflare.com/r2/api/s3/api/, "Bucket region", read 2026-11-28).
 */
const R2_S3 = /^[a-z0-9]+(?:\.[a-z]+)?\.r2\.cloudflarestorage\.com$/;
const R2_REGIONS = ["auto", "us-east-1"];

/** Bucket name prefixes and suffixes S3 reserves (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
const RESERVED_BUCKET_AFFIX = /^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/;

/**
 * The widest bucket name every client here takes: minio-go's, which k3s's etcd snapshots use and
 * check with BucketExists when k3s makes its client (minio/minio-go@v7.1.0 pkg/s3utils/utils.go
 * L369-395: validBucketName, and no `..`, `.-`, `-.` or IP address form), without its `:`, which
 * botocore's (barman-cloud) refuses (review s24c F1).
 */
const CLIENT_BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$/;
const clientBucketProblem = (bucket: string): string | undefined =>
    /\.\.|\.-|-\./.test(bucket) ? "has '..', '.-' or '-.', which minio-go, the client of k3s's etcd snapshots, refuses"
    : /^(\d+\.){3}\d+$/.test(bucket) ? "is formatted as an IP address, which minio-go, the client of k3s's etcd snapshots, refuses"
    : undefined;

/**
 * Why a bucket from config cannot be the bucket its endpoint serves: each provider's own naming rule,
 * so that a typo is caught here rather than at the first backup. The bucket exists already, so an
 * unknown provider's rule is the clients' alone (sweep s22b F2: GCS allows `_`).
 * - AWS: 3-63 lower-case letters, digits, dots and hyphens, no `..`, no IP address form, no reserved
 *   affix (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html, read 2026-11-29).
 * - OCI: letters of either case, digits, hyphens, underscores and periods (CreateBucket's `name`,
 *   docs.oracle.com Object Storage API CreateBucketDetails, read 2026-11-29), within the clients' 63.
 * - Cloudflare R2: lower-case letters, digits and hyphens (Cloudflare API r2_bucket_name,
 *   `^[a-z0-9][a-z0-9-]*[a-z0-9]`, 3-64; sweep s22b M13).
 */
export function bucketNameProblem(bucket: string, endpointURL: string): string | undefined {
    const provider = endpointFacts(endpointURL)?.provider;
    if (provider === "Cloudflare R2") {
        return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket) ? undefined : "must be an R2 bucket name: 3-63 lower-case letters, digits and hyphens (R2 takes no dots or underscores)";
    }
    if (provider === "OCI" || provider === undefined) {
        if (CLIENT_BUCKET.test(bucket)) return clientBucketProblem(bucket);
        return `must be a bucket name${provider ? " OCI takes and" : ""} the backup clients take: 3-63 letters, digits, dots, hyphens and underscores, starting and ending with a letter or digit`;
    }
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return "must be an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens";
    if (bucket.includes("..")) return "has two periods in a row, which S3's bucket names may not";
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return "is formatted as an IP address, which S3's bucket names may not be";
    // What minio-go refuses, which k3s's etcd snapshots go through on AWS too (sweep s26 M10).
    const client = clientBucketProblem(bucket);
    if (client) return client;
    const reserved = RESERVED_BUCKET_AFFIX.exec(bucket);
    if (reserved) {
        return `${/^(xn--|sthree-|amzn-s3-demo-)/.test(bucket) ? "starts" : "ends"} with ${reserved[0]}, which S3 reserves (xn-- for internationalised names; sthree- and amzn-s3-demo- for S3 itself; -s3alias, --ol-s3, .mrap, --x-s3 and --table-s3 for access points, directory and table buckets); choose another name`;
    }
    return undefined;
}

/** What an endpoint's host says, or undefined for a host that is not a known public cloud's. */
export function endpointFacts(endpointURL: string): EndpointFacts | undefined {
    let host: string;
    try {
        host = new URL(endpointURL).hostname.toLowerCase();
    } catch {
        return undefined;
    }
    const aws = AWS_S3.exec(host);
    if (aws) return { provider: "AWS", region: aws.groups!.region, bucket: aws.groups!.bucket };
    const global = AWS_S3_GLOBAL.exec(host);
    if (global) return { provider: "AWS", region: "us-east-1", bucket: global.groups!.bucket };
    const oci = OCI_S3.exec(host);
    if (oci) return { provider: "OCI", region: oci.groups!.region };
    if (R2_S3.test(host)) return { provider: "Cloudflare R2", region: "auto" };
    return undefined;
}

/**
 * Why an S3 bucket's endpoint, region and bucket cannot work together, each problem with the key it
 * belongs to; empty when they can, or when the endpoint is not one whose rules are known here.
 */
export function s3EndpointProblems(s3: { endpointURL: string; bucket: string; region: string }): { key: "endpointURL" | "region"; message: string }[] {
    const facts = endpointFacts(s3.endpointURL);
    if (!facts) return [];
    const problems: { key: "endpointURL" | "region"; message: string }[] = [];
    // Path-style requests put the bucket after the endpoint themselves: a path here is sent before it.
    if (!["", "/"].includes(new URL(s3.endpointURL).pathname)) {
        problems.push({ key: "endpointURL", message: `has a path, but ${facts.provider}'s endpoint is the host alone: the bucket is its own key (bucket), and the folder is the backup's serverName; give https://${new URL(s3.endpointURL).host}` });
    }
    if (new URL(s3.endpointURL).protocol === "http:") {
        problems.push({ key: "endpointURL", message: `is plain http to ${facts.provider}'s object storage: every backup would cross the internet unencrypted; use https` });
    }
    if (facts.provider === "Cloudflare R2" && !R2_REGIONS.includes(s3.region)) {
        problems.push({ key: "region", message: "is not auto, the region R2 signs for (us-east-1 is its only alias); set region: auto" });
    } else if (facts.provider !== "Cloudflare R2" && facts.region !== s3.region) {
        problems.push({ key: "region", message: `is ${s3.region}, but the endpoint is ${facts.provider}'s in ${facts.region}, which refuses requests signed for another region; set region: ${facts.region}, or the endpoint of the bucket's own region` });
    }
    if (facts.provider === "OCI" && !(OCI_REGIONS as readonly string[]).includes(facts.region)) {
        problems.push({ key: "endpointURL", message: `names ${facts.region}, which is not an OCI region (${OCI_REGIONS.slice(0, 3).join(", ")}, ...)` });
    }
    if (facts.bucket !== undefined && facts.bucket !== s3.bucket) {
        problems.push({ key: "endpointURL", message: `names bucket ${facts.bucket} in its host, not ${s3.bucket}: the bucket is addressed on its own; give the regional endpoint https://s3.${facts.region}.amazonaws.com` });
    } else if (facts.bucket !== undefined) {
        // The clients add the bucket again, as a path (objects land under <bucket>/, outside each
        // consumer's prefix) or as a second label (a name that does not resolve): sweep s18 bk09,
        // boto3 presigning offline with this endpoint.
        problems.push({ key: "endpointURL", message: `names the bucket in its host, and the backup clients add it again (the objects would land under ${s3.bucket}/, outside each consumer's prefix, refused by its key); give the regional endpoint https://s3.${facts.region}.amazonaws.com` });
    }
    return problems;
}
