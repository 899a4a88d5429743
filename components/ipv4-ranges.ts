/**
 * IPv4 ranges as numbers, for the NetworkPolicies and LoadBalancer source ranges built from the
 * cluster's networks. Ranges here are always network-aligned (config checks them).
 */

/** An IPv4 range as its first address and prefix length. */
export const rangeOf = (cidr: string): [number, number] => {
    const [address, bits] = cidr.split("/");
    return [address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0), Number(bits)];
};

/** An address, as a number, in dotted-quad form. */
export const dottedQuad = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");

/**
 * Address ranges with another range taken out, as CIDRs: a range holding it is split into halves
 * until none overlaps. A LoadBalancer's source ranges have no `except`, so an operator range that
 * holds the pod network (10.0.0.0/8) would let pods in by a node's address (review s16).
 */
export function rangesWithout(cidrs: string[], excluded: string): string[] {
    const [xBase, xPrefix] = rangeOf(excluded);
    const xEnd = xBase + 2 ** (32 - xPrefix);
    const split = ([base, prefix]: [number, number]): [number, number][] => {
        const end = base + 2 ** (32 - prefix);
        if (end <= xBase || base >= xEnd) return [[base, prefix]]; // apart
        if (base >= xBase && end <= xEnd) return []; // inside the excluded range
        const half = 2 ** (31 - prefix);
        return [...split([base, prefix + 1]), ...split([base + half, prefix + 1])];
    };
    return [...new Set(cidrs.flatMap((c) => split(rangeOf(c)).map(([b, p]) => `${dottedQuad(b)}/${p}`)))];
}
