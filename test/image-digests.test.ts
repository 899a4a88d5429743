import { strict as assert } from "assert";
import { IMAGE_DIGESTS, isSha256Digest, tagWithDigest, tagWithDigestWhenKnown, byDigest } from "../components/image-digests";
import { readStackConfig } from "../plan/policy-config";
import { policyInput } from "../plan/rendered-workloads";
import { imageReference } from "../policies/kubernetes-pods";
import { kubernetesDocuments } from "../plan/report";
import { committedPlan, PROJECT_DIR } from "./helpers";

/** Every container image of a stack's pods, ours and the modelled ones the charts, CNPG and k3s create. */
async function podImages(stack: string): Promise<Set<string>> {
    const { records } = policyInput((await committedPlan(stack)).resources, readStackConfig({ projectDir: PROJECT_DIR, stack }));
    const images = new Set<string>();
    const walk = (v: unknown): void => {
        if (Array.isArray(v)) return v.forEach(walk);
        if (v === null || typeof v !== "object") return;
        const o = v as Record<string, unknown>;
        for (const key of ["containers", "initContainers"]) {
            if (Array.isArray(o[key])) for (const c of o[key] as { image?: unknown }[]) if (typeof c?.image === "string") images.add(c.image);
        }
        Object.values(o).forEach(walk);
    };
    records.forEach((r) => walk(r.props));
    return images;
}

/**
 * Images a controller runs later, from a flag our values set, so no modelled pod carries them:
 * cert-manager's HTTP-01 solver (its controller's --acme-http01-solver-image).
 */
const CONTROLLER_CREATED = ["quay.io/jetstack/cert-manager-acmesolver:v1.21.1"];

describe("image digests (components/image-digests.ts)", () => {
    it("records each digest as sha256 with the platforms it must serve and where it was read", () => {
        for (const [image, entry] of Object.entries(IMAGE_DIGESTS)) {
            assert.ok(isSha256Digest(entry.digest), `${image}: ${entry.digest}`);
            assert.ok(entry.platforms.length > 0 && entry.evidence.length > 10, image);
            assert.ok(imageReference(image).tag, `${image} keeps its tag for people`);
        }
        assert.equal(isSha256Digest(`sha256:${"A".repeat(64)}`), false);
        assert.equal(isSha256Digest("sha256:abc"), false);
    });

    it("writes the reference and the chart tag forms from the one digest", () => {
        const image = "quay.io/jetstack/cert-manager-controller:v1.21.1";
        assert.equal(byDigest(image), `${image}@${IMAGE_DIGESTS[image].digest}`);
        assert.equal(tagWithDigest(image), `v1.21.1@${IMAGE_DIGESTS[image].digest}`);
        // A tag from config: pinned when it is the release on record, else the tag alone (the pack lists it).
        assert.equal(tagWithDigestWhenKnown("langfuse/langfuse:3.224.1"), `3.224.1@${IMAGE_DIGESTS["langfuse/langfuse:3.224.1"].digest}`);
        assert.equal(tagWithDigestWhenKnown("langfuse/langfuse:3.230.0"), "3.230.0");
    });

    it("every pod image with a digest, in every stack, takes it from the table, none with an entry runs by tag, and every entry runs somewhere", async () => {
        const table: Record<string, { digest: string }> = IMAGE_DIGESTS;
        const used = new Set<string>();
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            for (const image of await podImages(stack)) {
                const at = image.indexOf("@");
                // A tag the table has a digest for never runs by its tag alone.
                assert.ok(at >= 0 || !(image in table), `${stack}: ${image} runs by tag, though components/image-digests.ts has its digest`);
                if (at < 0) continue;
                const tagged = image.slice(0, at);
                assert.equal(image.slice(at + 1), table[tagged]?.digest, `${stack}: ${image} has a digest from outside components/image-digests.ts`);
                used.add(tagged);
            }
        }
        assert.deepEqual(Object.keys(IMAGE_DIGESTS).filter((i) => !used.has(i) && !CONTROLLER_CREATED.includes(i)), [], "entries no pod of any stack runs");
    });

    it("every digest a chart's values carry reaches a pod its model renders, so no model hides a pin", async () => {
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            const table: Record<string, { digest: string }> = IMAGE_DIGESTS;
            const images = [...await podImages(stack), ...CONTROLLER_CREATED.map((i) => `${i}@${table[i].digest}`)].join("\n");
            const releases = kubernetesDocuments((await committedPlan(stack)).resources).filter((d) => d.kind === "HelmRelease") as { spec: { chart: string; values?: unknown } }[];
            for (const r of releases) {
                for (const hex of JSON.stringify(r.spec.values ?? {}).match(/[0-9a-f]{64}/g) ?? []) {
                    assert.ok(images.includes(`@sha256:${hex}`), `${stack}: ${r.spec.chart}'s values pin sha256:${hex.slice(0, 12)}…, which no modelled pod runs`);
                }
            }
        }
    });
});
