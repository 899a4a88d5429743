import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHART_IMAGE_PINS, renderedImagePinTransform } from "./chart-image-pins";

/** A third-party chart at a pinned version, from its official repository. */
export interface PinnedChart {
    chart: string;
    repo: string;
    version: string;
    /**
     * Where the pinned version is shown to be published: `owner/repo@tag:path` of the release tag
     * (or chart index entry) whose Chart.yaml carries this version. Never a pull request's ref.
     */
    evidence: string;
    /**
     * Set, with the reason, for a chart whose templates generate data at render time (certificates,
     * random strings): a Chart v4 renders on every preview and `up`, so such a chart would change
     * and restart on every run. It is installed as a Helm release instead, rendered once per change
     * of its values; the offline plan still evaluates its model.
     */
    installAsHelmRelease?: string;
}

export interface PinnedReleaseArgs {
    /** Helm release name. */
    name: string;
    namespace: pulumi.Input<string>;
    values: pulumi.Inputs;
}

/**
 * A pinned chart, installed as a Helm Chart v4: rendered like `helm template --dry-run=server`
 * and each object deployed, diffed and awaited by Pulumi, so transformations and the policy packs
 * of a real `pulumi preview` see every object the chart renders (a helm.v3.Release hides them).
 * Trade-offs, in the README ("What a chart, an operator and k3s deploy"): no Helm hooks run, no
 * Helm release history (roll back with git and `pulumi up`), CRDs in crds/ are updated on upgrade.
 * `protect`, `retainOnDelete` and the provider reach the rendered objects (Pulumi CLI 3.158+).
 * A chart with images pinned after rendering (components/chart-image-pins.ts) gets the transform
 * that pins them. Every chart Groundwork installs goes through here.
 */
export function pinnedRelease(resourceName: string, chart: PinnedChart, args: PinnedReleaseArgs, opts: pulumi.ComponentResourceOptions): pulumi.Resource {
    const chartArgs = {
        name: args.name,
        namespace: args.namespace,
        chart: chart.chart,
        version: chart.version,
        repositoryOpts: { repo: chart.repo },
        values: args.values,
    };
    const pins = CHART_IMAGE_PINS[chart.chart];
    if (chart.installAsHelmRelease) {
        if (pins) {
            // A Helm release renders in the provider, where no transform reaches its objects.
            throw new Error(`chart ${chart.chart}: installed as a Helm release, so its images cannot be pinned after rendering (components/chart-image-pins.ts); pin them through its values instead`);
        }
        return new k8s.helm.v3.Release(resourceName, chartArgs, opts);
    }
    const transforms = pins ? { transforms: [...(opts.transforms ?? []), renderedImagePinTransform(chart.chart)] } : {};
    return new k8s.helm.v4.Chart(resourceName, chartArgs, { ...opts, ...transforms });
}
