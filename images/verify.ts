/**
 * `npm run images:verify [-- --image <repo:tag> ...]`: checks every digest in
 * components/image-digests.ts against its registry. For each tag it reads the manifest the registry
 * serves, hashes it, and reports one line:
 * - `ok` when the hash is the recorded digest, the manifest is a multi-platform index and it holds
 *   every platform the entry needs;
 * - `MOVED` when the tag now names another manifest (the new digest is printed: review the release
 *   before taking it);
 * - `NOT AN INDEX` / `MISSING <platform>` when a node of ours could not run the image;
 * - `ERROR` when the registry could not be read;
 * - for a tag with no entry (one about to be pinned), the digest and platforms the registry serves.
 * Exit 0 when every line is `ok`, 1 otherwise. Needs network, no credentials: CI's `image-digests`
 * job runs it; the offline plan and the tests never do.
 */
import { parseArgs } from "util";
import { IMAGE_DIGESTS, ImageDigest } from "../components/image-digests";
import { Fetch, fetchManifest, isIndexMediaType, parseImageName, registryApiBase, ServedManifest } from "./registry";

/** The verdict on one entry. */
export interface DigestCheck {
    image: string;
    ok: boolean;
    line: string;
}

/** Compares what the registry serves for a tag with the entry on record. */
export function judgeServedManifest(image: string, entry: ImageDigest, served: ServedManifest): DigestCheck {
    const problems: string[] = [];
    if (served.digest !== entry.digest) problems.push(`MOVED: the tag now names ${served.digest}, not ${entry.digest}`);
    if (!isIndexMediaType(served.mediaType)) {
        problems.push(`NOT AN INDEX: ${served.mediaType || "no media type"}; a single-platform manifest runs on one architecture`);
    } else {
        // An index may name arm64 with its variant (`linux/arm64/v8`); any variant of the platform serves.
        for (const p of entry.platforms) if (!served.platforms.some((s) => s === p || s.startsWith(`${p}/`))) problems.push(`MISSING ${p}: the index holds ${served.platforms.join(", ") || "no platform"}`);
    }
    return problems.length === 0
        ? { image, ok: true, line: `ok ${image}@${entry.digest} (${served.platforms.join(", ")})` }
        : { image, ok: false, line: `${image}: ${problems.join("; ")}` };
}

/** Checks the named entries (all of them by default) one after another, never throwing. */
export async function verifyImageDigests(images: string[], fetchFn?: Fetch, apiBase: (registry: string) => string = registryApiBase): Promise<DigestCheck[]> {
    const table: Record<string, ImageDigest> = IMAGE_DIGESTS;
    const checks: DigestCheck[] = [];
    for (const image of images) {
        const entry = table[image];
        const name = parseImageName(image);
        try {
            const served = await fetchManifest(name, name.tag ?? "latest", fetchFn, apiBase);
            checks.push(entry
                ? judgeServedManifest(image, entry, served)
                // A tag about to be pinned: what the registry serves, to review before it goes in the table.
                : { image, ok: false, line: `${image}: no entry in components/image-digests.ts; the registry serves ${served.digest} (${served.mediaType}${served.platforms.length ? `: ${served.platforms.join(", ")}` : ""})` });
        } catch (e) {
            // fetch's own message is "fetch failed"; the reason (ENOTFOUND, ECONNREFUSED, a timeout) is its cause.
            const cause = (e as { cause?: { code?: string; message?: string } }).cause;
            checks.push({ image, ok: false, line: `${image}: ERROR ${(e as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}` });
        }
    }
    return checks;
}

async function main(): Promise<number> {
    const { values } = parseArgs({ options: { image: { type: "string", multiple: true } } });
    const checks = await verifyImageDigests(values.image ?? Object.keys(IMAGE_DIGESTS));
    for (const c of checks) console.log(c.line);
    const failed = checks.filter((c) => !c.ok).length;
    console.log(`${checks.length - failed} of ${checks.length} digests verified`);
    return failed === 0 ? 0 : 1;
}

if (require.main === module) {
    main().then((code) => process.exit(code), (e) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(2);
    });
}
