import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

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
}

export interface PinnedReleaseArgs {
    /** Helm release name. */
    name: string;
    namespace: pulumi.Input<string>;
    values: pulumi.Inputs;
}

/** A Helm release of a pinned chart; every chart Groundwork installs goes through here. */
export function pinnedRelease(resourceName: string, chart: PinnedChart, args: PinnedReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(resourceName, {
        name: args.name,
        namespace: args.namespace,
        chart: chart.chart,
        version: chart.version,
        repositoryOpts: { repo: chart.repo },
        values: args.values,
    }, opts);
}
