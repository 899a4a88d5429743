import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { ImageDigest } from "../components/image-digests";
import { bearerChallenge, fetchManifest, indexPlatforms, parseImageName } from "../images/registry";
import { judgeServedManifest, verifyImageDigests } from "../images/verify";

/** An index for amd64 and arm64 plus an attestation, as BuildKit pushes them. */
const INDEX = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"a".repeat(64)}`, size: 1, platform: { os: "linux", architecture: "amd64" } },
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"b".repeat(64)}`, size: 1, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"c".repeat(64)}`, size: 1, platform: { os: "unknown", architecture: "unknown" } },
    ],
}, null, 3));
const INDEX_DIGEST = `sha256:${createHash("sha256").update(INDEX).digest("hex")}`;
const SINGLE = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: {}, layers: [] }));

/**
 * A registry on loopback that behaves as Docker Hub does for an anonymous client: the manifest
 * endpoint answers 401 with a bearer challenge, the token endpoint hands out a token for the scope,
 * and the manifest is served only with it.
 */
async function withRegistry(body: (base: string, requests: string[]) => Promise<void>): Promise<void> {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? "-"}`);
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const url = new URL(req.url!, base);
        if (url.pathname === "/token") {
            const scope = url.searchParams.get("scope");
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `t-${scope}` }));
            return;
        }
        const m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
        if (!m) return void res.writeHead(404).end();
        if (req.headers.authorization !== `Bearer t-repository:${m[1]}:pull`) {
            res.writeHead(401, { "www-authenticate": `Bearer realm="${base}/token",service="registry.test",scope="repository:${m[1]}:pull"` }).end();
            return;
        }
        assert.match(String(req.headers.accept), /application\/vnd\.oci\.image\.index\.v1\+json/);
        const served: Record<string, [string, Buffer]> = {
            "library/traefik:v3.7.11": ["application/vnd.oci.image.index.v1+json; charset=utf-8", INDEX],
            "vllm/vllm-openai:single": ["application/vnd.oci.image.manifest.v1+json", SINGLE],
        };
        const found = served[`${m[1]}:${m[2]}`];
        if (!found) return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": found[0] }).end(found[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
        await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests);
    } finally {
        await new Promise((resolve) => server.close(resolve));
    }
}

const entry = (digest: string, platforms: ImageDigest["platforms"] = ["linux/amd64", "linux/arm64"]): ImageDigest => ({ digest, platforms, evidence: "test" });

describe("reading a tag's digest from its registry (images/registry.ts)", () => {
    it("splits references the way container runtimes do", () => {
        assert.deepEqual(parseImageName("docker.io/traefik:v3.7.11"), { registry: "docker.io", repository: "library/traefik", tag: "v3.7.11", digest: undefined });
        assert.deepEqual(parseImageName("hashicorp/vault:2.0.4"), { registry: "docker.io", repository: "hashicorp/vault", tag: "2.0.4", digest: undefined });
        assert.deepEqual(parseImageName("quay.io/prometheus/prometheus:v3.14.0-distroless"), { registry: "quay.io", repository: "prometheus/prometheus", tag: "v3.14.0-distroless", digest: undefined });
        assert.deepEqual(parseImageName(`localhost:5000/a/b:1@sha256:${"d".repeat(64)}`), { registry: "localhost:5000", repository: "a/b", tag: "1", digest: `sha256:${"d".repeat(64)}` });
        assert.deepEqual(parseImageName("cr.l5d.io/linkerd/proxy"), { registry: "cr.l5d.io", repository: "linkerd/proxy", tag: undefined, digest: undefined });
    });

    it("parses a bearer challenge and refuses anything else", () => {
        assert.deepEqual(bearerChallenge(`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/traefik:pull"`),
            { realm: "https://auth.docker.io/token", params: { service: "registry.docker.io", scope: "repository:library/traefik:pull" } });
        // nvcr.io names two actions in one quoted scope: the comma is not a separator there.
        assert.deepEqual(bearerChallenge(`Bearer realm="https://nvcr.io/proxy_auth",scope="repository:nvidia/k8s-device-plugin:pull,push"`)?.params, { scope: "repository:nvidia/k8s-device-plugin:pull,push" });
        assert.equal(bearerChallenge(`Basic realm="x"`), undefined);
        assert.equal(bearerChallenge(null), undefined);
    });

    it("lists an index's platforms without its attestations", () => {
        assert.deepEqual(indexPlatforms(JSON.parse(INDEX.toString())), ["linux/amd64", "linux/arm64/v8"]);
    });

    it("answers the registry's challenge and hashes the exact bytes served", async () => {
        await withRegistry(async (base, requests) => {
            const served = await fetchManifest(parseImageName("docker.io/traefik:v3.7.11"), "v3.7.11", undefined, () => base);
            assert.deepEqual(served, { mediaType: "application/vnd.oci.image.index.v1+json", digest: INDEX_DIGEST, platforms: ["linux/amd64", "linux/arm64/v8"] });
            assert.deepEqual(requests.map((r) => r.replace(/%3A/g, ":").replace(/%2F/g, "/")), [
                "GET /v2/library/traefik/manifests/v3.7.11 -",
                "GET /token?service=registry.test&scope=repository:library/traefik:pull -",
                "GET /v2/library/traefik/manifests/v3.7.11 Bearer t-repository:library/traefik:pull",
            ]);
        });
    });

    it("follows a redirect to another registry and answers that registry's challenge (cr.l5d.io to ghcr.io)", async () => {
        await withRegistry(async (base, requests) => {
            const front = http.createServer((req, res) => res.writeHead(307, { location: `${base}${req.url!.replace("/linkerd/", "/library/").replace("/proxy/", "/traefik/")}` }).end());
            await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
            try {
                const frontBase = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
                const served = await fetchManifest(parseImageName("cr.l5d.io/linkerd/proxy:v3.7.11"), "v3.7.11", undefined, () => frontBase);
                assert.equal(served.digest, INDEX_DIGEST);
                assert.equal(requests.at(-1), "GET /v2/library/traefik/manifests/v3.7.11 Bearer t-repository:library/traefik:pull");
            } finally {
                await new Promise((resolve) => front.close(resolve));
            }
        });
    });

    it("names the URL and status when a tag is not served", async () => {
        await withRegistry(async (base) => {
            await assert.rejects(fetchManifest(parseImageName("docker.io/traefik:v9"), "v9", undefined, () => base), /\/v2\/library\/traefik\/manifests\/v9: answered 404/);
        });
    });
});

describe("judging a served manifest against the digest on record (images/verify.ts)", () => {
    const served = { mediaType: "application/vnd.oci.image.index.v1+json", digest: INDEX_DIGEST, platforms: ["linux/amd64", "linux/arm64"] };

    it("passes the recorded index holding every platform we need", () => {
        assert.deepEqual(judgeServedManifest("traefik:v3.7.11", entry(INDEX_DIGEST), served), { image: "traefik:v3.7.11", ok: true, line: `ok traefik:v3.7.11@${INDEX_DIGEST} (linux/amd64, linux/arm64)` });
    });

    it("fails a tag moved to another manifest, naming both digests", () => {
        const recorded = `sha256:${"e".repeat(64)}`;
        const check = judgeServedManifest("traefik:v3.7.11", entry(recorded), served);
        assert.equal(check.ok, false);
        assert.equal(check.line, `traefik:v3.7.11: MOVED: the tag now names ${INDEX_DIGEST}, not ${recorded}`);
    });

    it("fails a single-platform manifest and an index without an architecture of ours", () => {
        assert.match(judgeServedManifest("x:1", entry(INDEX_DIGEST), { ...served, mediaType: "application/vnd.oci.image.manifest.v1+json", platforms: [] }).line, /NOT AN INDEX: application\/vnd\.oci\.image\.manifest\.v1\+json/);
        assert.equal(judgeServedManifest("x:1", entry(INDEX_DIGEST), { ...served, platforms: ["linux/amd64"] }).line, "x:1: MISSING linux/arm64: the index holds linux/amd64");
        assert.equal(judgeServedManifest("x:1", entry(INDEX_DIGEST, ["linux/amd64"]), { ...served, platforms: ["linux/amd64"] }).ok, true);
        // arm64 listed with its variant, as Docker Hub's indexes do, is arm64.
        assert.equal(judgeServedManifest("x:1", entry(INDEX_DIGEST), { ...served, platforms: ["linux/amd64", "linux/arm64/v8"] }).ok, true);
        assert.equal(judgeServedManifest("x:1", entry(INDEX_DIGEST), { ...served, platforms: ["linux/amd64", "linux/arm/v7"] }).ok, false);
    });

    it("fails a single manifest fetched through the registry, end to end", async () => {
        await withRegistry(async (base) => {
            const manifest = await fetchManifest(parseImageName("vllm/vllm-openai:single"), "single", undefined, () => base);
            const check = judgeServedManifest("vllm/vllm-openai:single", entry(manifest.digest, ["linux/amd64"]), manifest);
            assert.equal(check.ok, false);
            assert.match(check.line, /NOT AN INDEX/);
        });
    });

    it("prints what the registry serves for a tag not yet in the table, and names an unreachable registry", async () => {
        await withRegistry(async (base) => {
            const [check] = await verifyImageDigests(["traefik:v3.7.11"], undefined, () => base);
            assert.deepEqual(check, { image: "traefik:v3.7.11", ok: false, line: `traefik:v3.7.11: no entry in components/image-digests.ts; the registry serves ${INDEX_DIGEST} (application/vnd.oci.image.index.v1+json: linux/amd64, linux/arm64/v8)` });
        });
        // A port that was just free: nothing listens there.
        const closed = http.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const port = (closed.address() as AddressInfo).port;
        await new Promise((resolve) => closed.close(resolve));
        const [down] = await verifyImageDigests(["quay.io/x/y:1"], undefined, () => `http://127.0.0.1:${port}`);
        assert.equal(down.ok, false);
        assert.match(down.line, /^quay\.io\/x\/y:1: ERROR fetch failed \(ECONNREFUSED\)$/);
    });
});
