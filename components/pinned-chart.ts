import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** A third-party chart at a pinned version, from its official repository. */
export interface PinnedChart {
    chart: string;
    repo: string;
    version: string;
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
