import { awsLines } from "./aws-lines";
import { awsRegionOf } from "./aws-region";
import { ociLines } from "./oci-lines";
import { PricedResource, roundCents, StackPrice } from "./price-line";

export interface PriceOptions {
    /** AWS region for resources whose provider record is not in the list. */
    awsRegion?: string;
}

/**
 * A stack's monthly price from its planned resources: list prices times 730 hours, Oracle Always
 * Free allowances applied across the stack, spot instances at their max price (the ceiling).
 * Owned edge hardware (command:remote:Command) and Kubernetes objects cost nothing and get no line.
 */
export function priceStack(resources: PricedResource[], options: PriceOptions = {}): StackPrice {
    const lines = [
        ...resources.filter((r) => r.type.startsWith("aws:")).flatMap((r) => awsLines(r, awsRegionOf(r, resources, options.awsRegion), resources)),
        ...ociLines(resources.filter((r) => r.type.startsWith("oci:"))),
    ].map((l) => ({ ...l, monthlyUsd: roundCents(l.monthlyUsd), ...(l.ceilingUsd !== undefined ? { ceilingUsd: roundCents(l.ceilingUsd) } : {}) }));
    return {
        lines,
        monthlyUsd: roundCents(lines.reduce((sum, l) => sum + l.monthlyUsd, 0)),
        ceilingUsd: roundCents(lines.reduce((sum, l) => sum + (l.ceilingUsd ?? l.monthlyUsd), 0)),
        unpriced: lines.filter((l) => l.status === "unpriced"),
    };
}

/** The most expensive lines first (at maximum scale). */
export const topLines = (price: StackPrice, n: number) => [...price.lines].sort((a, b) => (b.ceilingUsd ?? b.monthlyUsd) - (a.ceilingUsd ?? a.monthlyUsd)).slice(0, n);
