/**
 * The digest of every image tag Groundwork pins by digest (issue 12, item 7: a tag can be moved to
 * another image, a digest cannot). Pods name an image as `repo:tag@sha256:...`: the kubelet pulls
 * by the digest, the tag stays for people reading.
 *
 * No registry is reachable where this is written, so each digest is the multi-platform index digest
 * that public files agree on for that tag (the evidence beside each). `npm run images:verify`, the
 * CI job `image-digests`, reads every tag from its registry, hashes the manifest it serves and fails
 * when the hash differs, when the tag no longer names a multi-platform index, or when the index
 * lacks a platform our nodes need. Run it before changing an entry; a tag without an entry here
 * stays a tag, and the security pack's advisory `pod-image-digest` lists it.
 */

/** `os/architecture` of our nodes: OCI's Ampere shapes are arm64, AWS's GPU nodes amd64, AWS servers and edge machines either. */
export type Platform = "linux/amd64" | "linux/arm64";

export interface ImageDigest {
    /** sha256 of the image index (manifest list) the tag names, `sha256:<64 hex>`. */
    digest: string;
    /** Platforms the index must hold: those of every node the image can be scheduled on. */
    platforms: readonly Platform[];
    /** Where the digest was read: files that carry it for this tag, with the date read. */
    evidence: string;
}

const BOTH: readonly Platform[] = ["linux/amd64", "linux/arm64"];

export const IMAGE_DIGESTS = {
    // CloudNativePG's own image catalog: cloudnative-pg/artifacts@ce5057c5 (2026-08-17)
    // image-catalogs/catalog-standard-trixie.yaml L21-22, read 2026-11-28 (components/platform/postgres-vector.ts).
    "ghcr.io/cloudnative-pg/postgresql:17.11-202608170816-standard-trixie": { digest: "sha256:91e0de662d53895a45f1396f4ee1a75daeb0c26fc87853afc9c8f43e01fdaa21", platforms: BOTH, evidence: "cloudnative-pg/artifacts@ce5057c5:image-catalogs/catalog-standard-trixie.yaml L21-22" },
    // cert-manager v1.21.1: the index digests a provenance record read from quay.io's v2 API
    // (docker-content-digest of each tag's manifest list) and nine other public pins agree on; the
    // per-platform children differ, as cert-manager/makefile-modules@caf24f9:modules/cert-manager/00_mod.mk
    // lists them (`crane digest --platform`). Read 2026-11-28, research/digests-group2.md rows 5-8.
    "quay.io/jetstack/cert-manager-controller:v1.21.1": { digest: "sha256:416a2d76870d996460e62bd7f521bf14fa017be9e3e904aab92163a331fcb61a", platforms: BOTH, evidence: "index per a quay.io v2 API provenance record and 9 public pins; amd64 child 4c2b5201… per cert-manager/makefile-modules@caf24f9" },
    "quay.io/jetstack/cert-manager-cainjector:v1.21.1": { digest: "sha256:ccf6b919ec0500745a47a910118f834f9636d0aac1ff221245cd2557ed8c7c98", platforms: BOTH, evidence: "index per the same provenance record and 10 public pins; amd64 child 1910ad7e… per makefile-modules@caf24f9" },
    "quay.io/jetstack/cert-manager-webhook:v1.21.1": { digest: "sha256:d8b3961b51c8c7320633f8208dc46bf88aa13804d0f7cbe48a096b2c523cee42", platforms: BOTH, evidence: "index per the same provenance record and 10 public pins; amd64 child 74108429… per makefile-modules@caf24f9" },
    "quay.io/jetstack/cert-manager-startupapicheck:v1.21.1": { digest: "sha256:d8ab6416e6e7303a86fa0a8daa82c94a8001f21c9d78eb2e7db20534e5d07ae8", platforms: BOTH, evidence: "6 public pins agree; neither platform child of makefile-modules@caf24f9 (15cafecd…, 70a55b1c…)" },
    "quay.io/jetstack/cert-manager-acmesolver:v1.21.1": { digest: "sha256:dbc7cc1354f603918e7c5af7f55a0a620537394452c93a565bde75c6f48e8837", platforms: BOTH, evidence: "3 public pins agree, the same files whose other cert-manager digests are the indexes above" },
    // CloudNativePG: index digests several public lock files record beside their amd64/arm64
    // children. The OLM bundle's digest (cloudnative-pg/artifacts bundles/1.30.0) is the -ubi9
    // variant, not this tag. Read 2026-11-28, research/digests-group2.md rows 9-11.
    "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0": { digest: "sha256:a2701eb97cdd2a34b1fdb2cb51987f544b706e40bec72ae7146cd8580efefebb", platforms: BOTH, evidence: "index per 10+ public files (a cosign verify, a test asserting immutable multi-arch indexes); amd64 child 091d3069…, arm64 6c792614…" },
    "ghcr.io/cloudnative-pg/plugin-barman-cloud:v0.13.0": { digest: "sha256:71589dbac582333442812b07b31f7ea4d00324a8358aac7ca507dabf9f4b6c96", platforms: BOTH, evidence: "index per 10+ public files; amd64 child 417449fe…, arm64 de612e3a…" },
    "ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v0.13.0": { digest: "sha256:990361af3319f9e23aafa0f6d7981f99bf1f69b4e6a85cf1bc7d71d6f09bb288", platforms: BOTH, evidence: "index per 10+ public files; amd64 child 15cb1a01…, arm64 f53e168e…" },
    // The Prometheus stack: index digests public files record beside their amd64 children (one of
    // them read with `docker buildx imagetools inspect --raw`), or as Kubernetes imageIDs.
    // Read 2026-11-28, research/digests-group2.md rows 12-16 and 25.
    "quay.io/prometheus/prometheus:v3.14.0-distroless": { digest: "sha256:50c707e96da5ade383cb1707790576480485e93de06aa60ad8802cb5f744bd0a", platforms: BOTH, evidence: "index per 4+ public files and many prom/prometheus pins; amd64 child 934c331c…" },
    "quay.io/prometheus/alertmanager:v0.34.0": { digest: "sha256:690c7b525f4367aa91f73e2f91c632206d32e97c6384bdbf2fb7a861b420340d", platforms: BOTH, evidence: "index (\"manifest-list digest\") per 4+ public files and many prom/alertmanager pins; amd64 child 268d4bf0…" },
    "quay.io/prometheus-operator/prometheus-operator:v0.93.1": { digest: "sha256:e52bb28fd41c98dd407c7a8cba8bdcfe7eabd7447e250afaf1fe7bb816dedbff", platforms: BOTH, evidence: "index per 3 public files, one a Kubernetes imageID; amd64 child 43b87fc9…" },
    "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1": { digest: "sha256:428f088fe6fe07ab138bda92113664b04848a1dc408e4d3680a60ecdb55d1a65", platforms: BOTH, evidence: "index per 3 public files, one a Kubernetes imageID; amd64 child a8ef925b…" },
    "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0": { digest: "sha256:42cfe3723a5f058171c627537fb57a3ea0f26e4380fa18555a95cb1a1b4cfc5b", platforms: BOTH, evidence: "index per kkonstantin08/trafficops (imagetools inspect --raw) and 6 more; amd64 child 01171220…, arm64 92b46557…" },
    "quay.io/prometheus/node-exporter:v1.12.1-distroless": { digest: "sha256:8c9bac11973b94b59be88d6e11fee4429aa743c8846cdc75d65b18db33f6a106", platforms: BOTH, evidence: "per 3+ public files naming the -distroless tag (the plain v1.12.1 index is 1b4e4438…)" },
    // Vault: one public note calls it the multi-arch index (its arm64 nodes run it, 2026-09-14),
    // another read it with `docker image inspect` after a pull; 8 more pins and Dockerfiles agree.
    // Read 2026-11-28 (find_string on the digest).
    "hashicorp/vault:2.0.4": { digest: "sha256:5be49781ecf78bfe775c5309c6a4d9f4e9e040b6c885c99eb2b12fb69855e1a2", platforms: BOTH, evidence: "index per a public note run on arm64 and a docker image inspect; 8 more public pins agree" },
    // Grafana: 7 public pins agree, one beside a `docker buildx imagetools inspect`. Read 2026-11-28.
    "docker.io/grafana/grafana:13.2.0": { digest: "sha256:3fd54ae1214669f8355f065ec9f6445d5279a3d77095ab048ca045685272429b", platforms: BOTH, evidence: "index (imageIndex, platforms amd64+arm64) per 2 public files, 8 more pins agree; amd64 child 95a8098f…" },
    // k8s-sidecar: kiwigrid/k8s-sidecar@a61c7ac3:.github/workflows/release.yaml pushes one
    // multi-platform build to docker.io, quay.io and ghcr.io; 3 public files agree on the digest.
    "quay.io/kiwigrid/k8s-sidecar:2.10.1": { digest: "sha256:7eac5c4fed714a18d038fc9fea57d8744d113367935dac0ea4eb6a87cef704a3", platforms: BOTH, evidence: "3 public files agree (one a kube-prometheus-stack image lock); one multi-platform push per release upstream" },
    // Traefik: Docker's own record of the official image. Read 2026-11-28.
    "docker.io/traefik:v3.7.11": { digest: "sha256:5203c3f39ca70de6790d964624e042463ffbd57715bc82be155cf224c0dd5144", platforms: BOTH, evidence: "docker-library/repo-info@7c46c3cd:repos/traefik/remote/v3.7.11.md (OCI image index, 12 platforms); 8 public pins agree" },
    // curl: curl/curl-container@96c8e58a:.github/workflows/build_latest_release_multi.yml L105, L136
    // push one manifest list to docker.io/curlimages/curl and quay.io/curl/curl; a public file lists
    // this index with its children (amd64 1ab04d02…, arm64 56bc0130…), many curlimages pins agree.
    "quay.io/curl/curl:8.21.0": { digest: "sha256:7c12af72ceb38b7432ab85e1a265cff6ae58e06f95539d539b654f2cfa64bb13", platforms: BOTH, evidence: "index with its amd64/arm64 children per a public file; 9+ curlimages/curl pins agree; one push to both registries upstream" },
    // Open WebUI: public files name it the OCI index (one after `docker manifest inspect`: amd64 + arm64).
    "ghcr.io/open-webui/open-webui:0.11.0": { digest: "sha256:72c0ba641ba75e7aa52655cb242570906ececd09b1140fb736483038a22b3228", platforms: BOTH, evidence: "index per 4 public files, one from docker manifest inspect; 7 more pins agree" },
    // The cluster autoscaler: the Kubernetes image promoter's manifest, which maps each digest it
    // copies to registry.k8s.io to its tags (for this multi-arch name, the manifest list; -amd64 and
    // -arm64 are other repositories): registry.k8s.io/images/k8s-staging-autoscaling/images.yaml,
    // read from soltysh/k8s.io@2d7cc8e8, a fork of kubernetes/k8s.io that agrees with upstream
    // 03d2ebb2 on every older version checked (upstream's stored copy stops at v1.33.1). Read
    // 2026-11-28, research/digests-group3.md row 7. Runs on AWS servers, amd64 or arm64.
    "registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.2": { digest: "sha256:76a7eb96cd9d9570ce768184c43a98f71723a6f48cb27f10c293d2ed9b1743b6", platforms: BOTH, evidence: "kubernetes/k8s.io promoter manifest registry.k8s.io/images/k8s-staging-autoscaling/images.yaml, via the fork soltysh/k8s.io@2d7cc8e8" },
    // Qdrant: one multi-platform push per tag, linux/amd64 and linux/arm64
    // (qdrant/qdrant@v1.18.2:.github/workflows/docker-image.yml L64-73). Three public projects pin
    // this digest for the tag, one read with `skopeo inspect --raw | sha256sum` and called the
    // manifest list; one early note of that project gives 9f7a0450…, which none repeats. Read
    // 2026-11-28, research/digests-group1.md row 14. Pinned after rendering (components/chart-image-pins.ts).
    "docker.io/qdrant/qdrant:v1.18.2-unprivileged": { digest: "sha256:b79aaa49ce7a7e5b7e9cf3fe76be400c911457084b4b7af47487c1c9ae5962e5", platforms: BOTH, evidence: "index per 3 public projects, one from skopeo inspect --raw | sha256sum; an early note of one gives 9f7a0450…" },
    // vLLM's CUDA build runs on AWS's amd64 GPU nodes only: a public file names this the
    // multi-platform index (amd64 child 50509e70…), a `docker pull` log shows it. Read 2026-11-28.
    "vllm/vllm-openai:v0.28.0-cu129": { digest: "sha256:ac259a0111c6cf462a72e449962b84f7a624b5cbec24bd7d9ec3b67d40ffd1bf", platforms: ["linux/amd64"], evidence: "index per a public file naming its amd64 child; a docker pull log and 2 more files agree" },
    // system-upgrade-controller: one public record of a registry read, method and platforms given
    // (joshua92y/platform-gitops@16ae11ff platform/system-upgrade/README.md, "upstream check, images
    // (read 2026-09-07)": the Docker Hub v2 manifest list, its body's sha256 = Docker-Content-Digest,
    // amd64, arm64, arm/v7), pinned in the same repository's controller.yaml (594bbbdf). One source:
    // CI's images:verify is its second. Runs on servers, arm64 on OCI. Read 2026-11-28, research/digests-s13.md row 7.
    "docker.io/rancher/system-upgrade-controller:v0.20.1": { digest: "sha256:aaf4dbf640579a6abfa6390aab927ee664f06814e33c371e69df9dd451ca153a", platforms: BOTH, evidence: "index per a public registry read (Docker-Content-Digest; amd64, arm64, arm/v7): joshua92y/platform-gitops@16ae11ff platform/system-upgrade/README.md" },
    // The AWS CLI: two unrelated projects pin this digest beside the tag (a jsonnet Job, a dotenv of
    // reviewed images), the form Renovate and `imagetools` write for an index; neither names the
    // platforms, so arm64 (the snapshot uploads on OCI) rests on images:verify. Read 2026-11-28, research/digests-s13.md row 4.
    "docker.io/amazon/aws-cli:2.36.7": { digest: "sha256:5b76c069e37cfa091ec6398dc683c09e0c9ef8ae2e557b0a36d931df34011227", platforms: BOTH, evidence: "2 public pins agree (as weak as the device plugin's: neither says index or platform)" },
    // The Vault Secrets Operator: one project pins it (pawbridge/pawbridge-infra-k8s@0dcfaa61
    // gitops/security/community-youtube-vso/README.md, "VSO 1.4.1", and d17b9685
    // infra/vault/tests/community_youtube_vso_integration.py), beside Vault 2.0.4 at the index digest
    // above, so it records index digests. hashicorp/vault-secrets-operator@v1.4.1
    // .github/workflows/build.yaml L125, L167 build amd64 and arm64. One source: CI's images:verify is
    // its second. Read 2026-11-29, research/image-digests-s26.md row 16.
    "hashicorp/vault-secrets-operator:1.4.1": { digest: "sha256:1314beb4df53650d1a8c0f70eab1de516e4362329a541156fef5acefbdc18cc8", platforms: BOTH, evidence: "1 project's pins, its Vault pin the index above; images:verify the second" },
    // Langfuse's web and worker: one project pins both (manhquydev/sentinel-security-platform@577edf6c
    // infra/langfuse/docker-compose.yml, fb5a9b79 infra/langfuse/README.md "Pinned images", verified
    // against 3.224.1); its minio pin there is the index digest ten other projects pin. Platforms not
    // stated: arm64 (dev's nodes) rests on images:verify, its second source. Read 2026-11-29, research/image-digests-s26.md rows 9-10.
    "langfuse/langfuse:3.224.1": { digest: "sha256:576132f792276d07380f46a6958877a38a51d20a94e42fa9b3cb096d76db1d9c", platforms: BOTH, evidence: "1 project's compose file and README; images:verify the second" },
    "langfuse/langfuse-worker:3.224.1": { digest: "sha256:d517aad54f7030a104b6e32c52bbd998cae7e12777d23eb9cdbc9ed3f1a1fdf9", platforms: BOTH, evidence: "1 project's compose file and README; images:verify the second" },
    // ClickHouse for Langfuse (its subchart) and its backups: one script records it from `docker image
    // inspect`'s RepoDigests after running the tag, the digest the registry served for the tag
    // (traceroot-ai/traceroot@3e556864 scripts/spikes/clickhouse_sql_security_24_3.sh L20-22).
    // Platforms not stated: arm64 rests on images:verify, its second source. Read 2026-11-29, research/image-digests-s26.md row 5.
    "docker.io/bitnamilegacy/clickhouse:25.2.1-debian-12-r0": { digest: "sha256:3c1f49548968dce24832ea2487647fe80dcfbd832d2dbb2e9e735629d7c7fc31", platforms: BOTH, evidence: "1 script's RepoDigests read; images:verify the second" },
    // NVIDIA's GPU agents run on AWS's amd64 GPU nodes only. Read 2026-11-28, research/digests-group2.md rows 23-24.
    "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless": { digest: "sha256:60d3b00ac80b4ae77f94dae2f943685605585ad9e92fdccda3154d009ae317cc", platforms: ["linux/amd64"], evidence: "6+ public pins agree, one in a multi-arch Dockerfile" },
    "nvcr.io/nvidia/k8s-device-plugin:v0.18.2": { digest: "sha256:b5788e29e7ae5272de8de863ebe386d6611e608421a6ecc5b4e7d5952aba637f", platforms: ["linux/amd64"], evidence: "2 public pins agree (the weakest entry: neither says index or platform)" },
} as const satisfies Record<string, ImageDigest>;

/** An image with a digest on record. */
export type DigestPinnedImage = keyof typeof IMAGE_DIGESTS;

/** The digest on record for an image tag, `sha256:<hex>`. */
export function digestOf(image: DigestPinnedImage): string {
    return IMAGE_DIGESTS[image].digest;
}

/** `repo:tag@sha256:<hex>`: the reference a pod names, the tag kept for people. */
export function byDigest(image: DigestPinnedImage): string {
    return `${image}@${digestOf(image)}`;
}

/**
 * `tag@sha256:<hex>`: the value a chart without a digest key takes as its tag, so that its
 * `repository:tag` template renders the reference by digest.
 */
export function tagWithDigest(image: DigestPinnedImage): string {
    return `${tagOf(image)}@${digestOf(image)}`;
}

/**
 * `tag@sha256:<hex>` when the table has a digest for `repo:tag`, else the tag alone: for an image
 * whose tag comes from config (a Langfuse release), pinned when it is the release on record. A tag
 * without an entry is listed by the security pack's advisory `pod-image-digest`.
 */
export function tagWithDigestWhenKnown(image: string): string {
    return image in IMAGE_DIGESTS ? tagWithDigest(image as DigestPinnedImage) : tagOf(image);
}

/** The tag of an image (an entry's is given to a chart beside its digest, so that the two come from one place). */
export function tagOf(image: string): string {
    return image.slice(image.lastIndexOf(":") + 1);
}

/** Whether a string has the shape of a sha256 digest. */
export function isSha256Digest(digest: string): boolean {
    return /^sha256:[0-9a-f]{64}$/.test(digest);
}
