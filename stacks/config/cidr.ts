import * as ipaddr from "ipaddr.js";

/** An IPv4 range in CIDR notation, parsed. */
export interface Ipv4Cidr {
    base: number;
    prefix: number;
}

function toInt(address: ipaddr.IPv4): number {
    return address.toByteArray().reduce((n, byte) => n * 256 + byte, 0);
}

/** Parses `a.b.c.d/n` strictly (the address must be the network address); undefined if it is not one. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) || !ipaddr.IPv4.isValidCIDR(text)) {
        return undefined;
    }
    const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
    const base = toInt(address);
    const size = 2 ** (32 - prefix);
    return base % size === 0 ? { base, prefix } : undefined;
}

/** True if `text` is an IPv4 address in dotted-quad form. */
export function isIpv4(text: string): boolean {
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(text) && ipaddr.IPv4.isValidFourPartDecimal(text);
}

function size(c: Ipv4Cidr): number {
    return 2 ** (32 - c.prefix);
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
    return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
    return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The n-th address of a range, e.g. hostAddress("10.0.0.0/24", 10) = "10.0.0.10". */
export function hostAddress(cidr: Ipv4Cidr, n: number): string {
    const value = cidr.base + n;
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}
