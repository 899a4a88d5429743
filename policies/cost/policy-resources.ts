import { PolicyResource } from "@pulumi/policy";
import { PricedResource } from "./price-line";

/**
 * The stack's resources as the price model takes them. The engine gives each resource its
 * provider (`resource.provider`); providers are added to the list so regions resolve either way.
 */
export function pricedResources(resources: PolicyResource[]): PricedResource[] {
    const out: PricedResource[] = [];
    const seen = new Set<string>();
    const add = (r: PricedResource) => {
        if (!seen.has(r.urn)) {
            seen.add(r.urn);
            out.push(r);
        }
    };
    for (const r of resources) {
        const provider = (r as { provider?: { urn: string; type: string; name: string; props: Record<string, any> } }).provider;
        if (provider?.urn) add({ type: provider.type, name: provider.name, urn: provider.urn, props: provider.props ?? {} });
        add({ type: r.type, name: r.name, urn: r.urn, props: r.props ?? {}, provider: provider?.urn, parent: r.parent?.urn, dependencies: r.dependencies?.map((d) => d.urn) });
    }
    return out;
}
