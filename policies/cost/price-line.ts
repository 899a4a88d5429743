/**
 * One line of a stack's monthly price.
 * - priced: a list price times a quantity;
 * - free: within a free allowance (Oracle Always Free) or free by price list;
 * - usage-based: depends on usage the plan cannot know (S3 GB stored, NAT GB processed): $0 here, with a note;
 * - unpriced: no published price in our tables; not in the total, listed so nobody mistakes it for free.
 */
export type PriceStatus = "priced" | "free" | "usage-based" | "unpriced";

export interface PriceLine {
    urn: string;
    name: string;
    type: string;
    /** What is being paid for, e.g. "g5.xlarge spot at max price $1.2000/h (ceiling), 730 h". */
    item: string;
    quantity: number;
    unit: string;
    unitUsd: number;
    monthlyUsd: number;
    status: PriceStatus;
    /** For what scales (an Auto Scaling group): the monthly price at its maximum size; `monthlyUsd` is at its minimum. */
    ceilingUsd?: number;
    /** Where the unit price was read ("" for unpriced lines). */
    source: string;
    asOf: string;
    note?: string;
}

/** The smallest record the price model needs; resources.json records and policy resources both fit. */
export interface PricedResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, any>;
    /** Provider reference (`<provider urn>::<id>`), as resources.json records carry it. */
    provider?: string;
    /** Parent URN and dependency URNs, to find what belongs together (a launch template and its group). */
    parent?: string;
    dependencies?: string[];
}

export interface StackPrice {
    lines: PriceLine[];
    /** Sum of every line, rounded to cents. Unpriced lines count $0 and are listed in `unpriced`. */
    monthlyUsd: number;
    /** The same with every Auto Scaling group at its maximum size: the most the stack can cost. */
    ceilingUsd: number;
    unpriced: PriceLine[];
}

export const roundCents = (usd: number): number => Math.round(usd * 100) / 100;
