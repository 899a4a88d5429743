import { PricedResource } from "./price-line";

const AWS_PROVIDER = "pulumi:providers:aws";

/**
 * The AWS region a resource is created in: the `region` of its provider. A provider reference is
 * `<provider urn>::<provider id>`; without one (default provider) or when the provider cannot be
 * found, the single AWS provider in the list is used, else `fallback`.
 */
export function awsRegionOf(resource: PricedResource, all: PricedResource[], fallback?: string): string | undefined {
    const providers = all.filter((r) => r.type === AWS_PROVIDER);
    const ref = resource.provider;
    const named = ref ? providers.find((p) => ref === p.urn || ref.startsWith(`${p.urn}::`)) : undefined;
    const chosen = named ?? (providers.length === 1 ? providers[0] : undefined);
    const region = chosen?.props?.region;
    return typeof region === "string" && region !== "" ? region : fallback;
}
