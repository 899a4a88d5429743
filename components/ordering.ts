import * as pulumi from "@pulumi/pulumi";

/**
 * A transformation that makes a component's children wait for `resources` too. A component's
 * own `dependsOn` does not reach its children, which register on their own: without this, a
 * chart could be installed before the namespace it goes into exists.
 */
export function childrenDependOn(resources: pulumi.Resource[]): pulumi.ResourceTransformation {
    return (args) => ({ props: args.props, opts: pulumi.mergeOptions(args.opts, { dependsOn: resources }) });
}
