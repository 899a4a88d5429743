import * as pulumi from "@pulumi/pulumi";
import { byDigest, DigestPinnedImage } from "./image-digests";

/**
 * Images pinned by digest after a chart renders, for the charts whose templates leave no room for a
 * digest in their values. Qdrant's chart is one: it appends `-unprivileged` after the tag and runs
 * `semverCompare` on the tag for the readiness probe's path, so neither `tag@sha256:…` nor a
 * repository with a digest renders (qdrant/qdrant-helm@qdrant-1.18.2:charts/qdrant/templates/statefulset.yaml
 * L92, L147). Every other chart takes its digest through values (components/image-digests.ts).
 *
 * `pinnedRelease` applies these to every object the chart renders, as a Pulumi transform
 * (the Chart v4 component registers each object as a child; a `transforms` option on the
 * component reaches them: pulumi/pulumi-kubernetes@v4.32.0:provider/pkg/provider/yaml/v2/yaml.go
 * L335-407 registers each object with its fields as the inputs, and
 * tests/sdk/nodejs/testdata/await/cert-manager/index.ts L18-35 transforms them). The offline plan
 * applies the same pins to each chart's model (plan/rendered-workloads.ts).
 */

/** One container of a rendered workload, and the image that replaces its tag. */
export interface RenderedImagePin {
    /** Kind of the workload the chart renders. */
    kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob";
    /** The container's name in its pod template (containers and init containers alike). */
    container: string;
    /**
     * The image the chart renders for it with our values, exactly: the entry of IMAGE_DIGESTS whose
     * digest replaces it. A chart or value change that renders anything else stops the transform.
     */
    image: DigestPinnedImage;
}

/** Pins per chart name, for every release of that chart. */
export const CHART_IMAGE_PINS: Readonly<Record<string, readonly RenderedImagePin[]>> = {
    // components/platform/qdrant.ts: image v1.18.2 with useUnprivilegedImage (statefulset.yaml L92).
    qdrant: [{ kind: "StatefulSet", container: "qdrant", image: "docker.io/qdrant/qdrant:v1.18.2-unprivileged" }],
};

type Container = { name?: unknown; image?: unknown };

/** The pod spec inside a workload object, wherever its kind keeps it. */
function podSpecOf(object: any): { containers?: Container[]; initContainers?: Container[] } | undefined {
    return object?.kind === "CronJob" ? object?.spec?.jobTemplate?.spec?.template?.spec : object?.spec?.template?.spec;
}

/**
 * The object with each pinned container's image replaced by its reference by digest; other objects
 * come back unchanged. Throws when a pinned container renders another image than the pin names:
 * a chart upgrade or a changed value must come with a new entry, never silently fall back to a tag.
 */
export function pinRenderedImages<T>(chart: string, object: T, table: Readonly<Record<string, readonly RenderedImagePin[]>> = CHART_IMAGE_PINS): T {
    const pins = (table[chart] ?? []).filter((p) => p.kind === (object as any)?.kind);
    const podSpec = podSpecOf(object);
    if (pins.length === 0 || !podSpec) {
        return object;
    }
    const pinned = structuredClone(object);
    const pinnedSpec = podSpecOf(pinned)!;
    for (const pin of pins) {
        for (const list of [pinnedSpec.containers, pinnedSpec.initContainers]) {
            for (const c of list ?? []) {
                if (c.name !== pin.container || c.image === byDigest(pin.image)) {
                    continue;
                }
                if (c.image !== pin.image) {
                    const where = `${(object as any).kind} ${(object as any).metadata?.name}`;
                    throw new Error(`chart ${chart}: container "${pin.container}" of ${where} renders image "${String(c.image)}", but its digest pin is for "${pin.image}" ` +
                        `(components/chart-image-pins.ts). Record the new tag's digest in components/image-digests.ts ` +
                        `(npm run images:verify -- --image <repo:tag> prints it) and point the pin at it.`);
                }
                c.image = byDigest(pin.image);
            }
        }
    }
    return pinned;
}

/** The Pulumi transform that pins a chart's rendered images (for a Chart v4's `transforms` option). */
export function renderedImagePinTransform(chart: string): pulumi.ResourceTransform {
    return (args) => {
        const props = pinRenderedImages(chart, args.props);
        return props === args.props ? undefined : { props, opts: args.opts };
    };
}
