/**
 * Just enough of the OCI Distribution API to read what a tag points at: the manifest's bytes, from
 * which the digest is computed, and the platforms an image index holds. Anonymous pulls only: every
 * registry Groundwork pulls from serves public images to a bearer token got without credentials.
 *
 * Sources (read 2026-11-28):
 * - opencontainers/distribution-spec@v1.1.1:spec.md L147-180, "Pulling manifests": GET
 *   /v2/<name>/manifests/<reference>, an Accept header, the type in Content-Type;
 * - opencontainers/image-spec@v1.1.1:descriptor.md L114 (a digest is the hash of the exact bytes)
 *   and image-index.md L32-55 (`manifests[].platform`);
 * - distribution/distribution@01b4555d:docs/content/spec/auth/token.md, "How to authenticate" and
 *   "Token Response Fields": a 401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=...`,
 *   then GET realm?service=&scope= for `{"token"}` or `{"access_token"}`.
 * Docker Hub's API host is registry-1.docker.io and one-part names live under `library/`
 * (distribution/reference normalize.go, `splitDockerDomain`).
 */
import { createHash } from "crypto";

/** The media types a multi-platform image is served as. */
export const INDEX_MEDIA_TYPES = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
] as const;
/** Whether a manifest's media type is a multi-platform index. */
export function isIndexMediaType(mediaType: string): boolean {
    return (INDEX_MEDIA_TYPES as readonly string[]).includes(mediaType);
}
const SINGLE_MEDIA_TYPES = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"];

/** An image reference split into the parts the API needs. */
export interface ImageName {
    /** The registry's host as written in the reference (`docker.io` when none is). */
    registry: string;
    /** The repository path on the registry (`library/traefik` for Docker Hub's `traefik`). */
    repository: string;
    /** The tag, or undefined for a reference by digest only. */
    tag?: string;
    /** The digest, `sha256:<64 hex>`, if the reference carries one. */
    digest?: string;
}

/** Splits `[registry/]path[:tag][@sha256:hex]` the way container runtimes do. */
export function parseImageName(image: string): ImageName {
    const [withoutDigest, digest] = image.split("@", 2);
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.indexOf(":", lastSlash + 1);
    const path = colon >= 0 ? withoutDigest.slice(0, colon) : withoutDigest;
    const tag = colon >= 0 ? withoutDigest.slice(colon + 1) : undefined;
    const first = path.split("/")[0];
    const hasRegistry = path.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    const registry = hasRegistry ? first : "docker.io";
    let repository = hasRegistry ? path.slice(first.length + 1) : path;
    if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
    return { registry, repository, tag, digest };
}

/** The base URL of a registry's API; Docker Hub's differs from its name. */
export function registryApiBase(registry: string): string {
    return registry === "docker.io" ? "https://registry-1.docker.io" : `https://${registry}`;
}

/** `sha256:<hex>` of a manifest's bytes: its digest (distribution-spec "Content Digests"). */
export function manifestDigest(body: Buffer): string {
    return `sha256:${createHash("sha256").update(body).digest("hex")}`;
}

/** The parts of `WWW-Authenticate: Bearer realm="...",service="...",scope="..."`. */
export function bearerChallenge(header: string | null): { realm: string; params: Record<string, string> } | undefined {
    const m = /^\s*Bearer\s+(.*)$/i.exec(header ?? "");
    if (!m) return undefined;
    const params: Record<string, string> = {};
    for (const p of m[1].matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[p[1].toLowerCase()] = p[2];
    if (!params.realm) return undefined;
    const { realm, ...rest } = params;
    return { realm, params: rest };
}

/** What a registry serves for a tag. */
export interface ServedManifest {
    mediaType: string;
    digest: string;
    /** `os/architecture[/variant]` of each image in an index; empty for a single-platform manifest. */
    platforms: string[];
}

/** Reads the platforms out of an index's JSON; attestation manifests (`unknown/unknown`) are left out. */
export function indexPlatforms(manifest: { manifests?: { platform?: { os?: string; architecture?: string; variant?: string } }[] }): string[] {
    return (manifest.manifests ?? [])
        .map((m) => m.platform)
        .filter((p): p is { os: string; architecture: string; variant?: string } => !!p?.os && !!p?.architecture && p.os !== "unknown")
        .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join("/"));
}

export type Fetch = (url: string, init?: { headers?: Record<string, string>; redirect?: "manual"; signal?: AbortSignal }) => Promise<{ status: number; headers: { get(name: string): string | null }; arrayBuffer(): Promise<ArrayBuffer> }>;

/** How long one request may take before the check reports the registry as unreachable. */
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

/** Asks the challenge's realm for an anonymous pull token. */
async function bearerToken(challenge: { realm: string; params: Record<string, string> }, fetchFn: Fetch): Promise<string> {
    const tokenUrl = new URL(challenge.realm);
    for (const [k, v] of Object.entries(challenge.params)) tokenUrl.searchParams.set(k, v);
    const tokenResponse = await fetchFn(tokenUrl.toString(), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (tokenResponse.status !== 200) throw new Error(`${tokenUrl.origin}${tokenUrl.pathname}: token request answered ${tokenResponse.status}`);
    const body = JSON.parse(Buffer.from(await tokenResponse.arrayBuffer()).toString("utf8")) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`${tokenUrl.origin}${tokenUrl.pathname}: no token in the answer`);
    return token;
}

/**
 * GETs the manifest a reference names. Redirects are followed here, not by fetch: a registry may
 * send the client to another one (cr.l5d.io to ghcr.io, linkerd/linkerd2#5756), whose own bearer
 * challenge is then answered, once per host. `apiBase` maps a registry to its API's URL (tests
 * point it at loopback).
 */
export async function fetchManifest(name: ImageName, reference: string, fetchFn: Fetch = fetch as unknown as Fetch, apiBase: (registry: string) => string = registryApiBase): Promise<ServedManifest> {
    const accept = [...INDEX_MEDIA_TYPES, ...SINGLE_MEDIA_TYPES].join(", ");
    const tokens = new Map<string, string>();
    // One GET, answering the host's bearer challenge the first time it asks.
    const get = async (target: string) => {
        const host = new URL(target).host;
        const request = () => fetchFn(target, {
            headers: { Accept: accept, ...(tokens.has(host) && { Authorization: `Bearer ${tokens.get(host)}` }) },
            redirect: "manual",
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const first = await request();
        if (first.status !== 401 || tokens.has(host)) return first;
        const challenge = bearerChallenge(first.headers.get("www-authenticate"));
        if (!challenge) throw new Error(`${target}: 401 without a bearer challenge`);
        tokens.set(host, await bearerToken(challenge, fetchFn));
        return request();
    };
    let url = `${apiBase(name.registry)}/v2/${name.repository}/manifests/${reference}`;
    let response = await get(url);
    for (let hop = 0; hop < MAX_REDIRECTS && response.status >= 300 && response.status <= 399 && response.headers.get("location"); hop++) {
        url = new URL(response.headers.get("location")!, url).toString();
        response = await get(url);
    }
    if (response.status !== 200) throw new Error(`${url}: answered ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const json = JSON.parse(bytes.toString("utf8")) as { mediaType?: string; manifests?: [] };
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0].trim() || (json.mediaType ?? "");
    return { mediaType, digest: manifestDigest(bytes), platforms: isIndexMediaType(mediaType) ? indexPlatforms(json) : [] };
}
