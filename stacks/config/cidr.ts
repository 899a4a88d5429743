import * as ipaddr from "ipaddr.js";
import { dottedQuad } from "../../components/ipv4-ranges";

/** An IPv4 range in CIDR notation, parsed. */
export interface Ipv4Cidr {
    base: number;
    prefix: number;
}

function toInt(address: ipaddr.IPv4): number {
    return address.toByteArray().reduce((n, byte) => n * 256 + byte, 0);
}

// Decimal numbers without a leading zero: ipaddr.js reads `010` as octal 8, Go's net.ParseCIDR
// (k3s's --cluster-cidr) refuses it, and a cloud API may read it either way (sweep s33 M1).
const OCTET = "(0|[1-9]\\d{0,2})";
const STRICT_CIDR = new RegExp(`^${OCTET}(\\.${OCTET}){3}\\/(0|[1-9]\\d?)$`);

/** Parses `a.b.c.d/n` strictly (decimal, no leading zeros; the address must be the network address); undefined if it is not one. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
    if (!STRICT_CIDR.test(text) || !ipaddr.IPv4.isValidCIDR(text)) {
        return undefined;
    }
    const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
    const base = toInt(address);
    const size = 2 ** (32 - prefix);
    return base % size === 0 ? { base, prefix } : undefined;
}

/**
 * `text` written without its leading zeros (`0.0.0.0/00` is `0.0.0.0/0`, `10.042.0.0/16` is
 * `10.42.0.0/16`), when it is a dotted quad or CIDR with at least one, each number in range; else undefined.
 */
export function withoutLeadingZeros(text: string): string | undefined {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(text);
    if (!m || !/(^|[./])0\d/.test(text)) return undefined;
    const octets = m[1].split(".").map((o) => parseInt(o, 10));
    const prefix = m[2] === undefined ? undefined : parseInt(m[2], 10);
    if (octets.some((o) => o > 255) || (prefix !== undefined && prefix > 32)) return undefined;
    return `${octets.join(".")}${prefix === undefined ? "" : `/${prefix}`}`;
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
    return dottedQuad(cidr.base + n);
}

/**
 * Ranges no cluster network or node address may use (RFC 6890): "this network", loopback,
 * link-local (the metadata service lives there), multicast and the reserved class E.
 */
const SPECIAL_RANGES: [string, string][] = [
    ["0.0.0.0/8", "\"this network\""], ["127.0.0.0/8", "loopback"], ["169.254.0.0/16", "link-local"],
    ["224.0.0.0/4", "multicast"], ["240.0.0.0/4", "reserved"],
];

/** The special-purpose range a network or address overlaps, described ("the loopback range 127.0.0.0/8"), or undefined. */
export function specialRange(text: string): string | undefined {
    const given = parseIpv4Cidr(text.includes("/") ? text : `${text}/32`);
    if (!given) return undefined;
    const hit = SPECIAL_RANGES.find(([range]) => cidrsOverlap(given, parseIpv4Cidr(range)!));
    return hit && `the ${hit[1]} range ${hit[0]}${hit[1] === "link-local" ? ", where the instance metadata service answers" : ""}`;
}

/** The special-purpose range that holds a whole network or address, described, or undefined (a wider range merely overlapping one is not in it). */
export function specialRangeHolding(text: string): string | undefined {
    const given = parseIpv4Cidr(text.includes("/") ? text : `${text}/32`);
    if (!given) return undefined;
    const hit = SPECIAL_RANGES.find(([range]) => cidrContains(parseIpv4Cidr(range)!, given));
    return hit && `the ${hit[1]} range ${hit[0]}${hit[1] === "link-local" ? ", where the instance metadata service answers" : ""}`;
}

/** Ranges routed only inside one network (RFC 1918, and RFC 6598's carrier-grade NAT space), named. */
const INTERNAL_RANGES: [string, string][] = [
    ["10.0.0.0/8", "private (RFC 1918)"], ["172.16.0.0/12", "private (RFC 1918)"], ["192.168.0.0/16", "private (RFC 1918)"],
    ["100.64.0.0/10", "carrier-grade NAT (RFC 6598)"],
];

/** The internal range an address lies in, described ("the private (RFC 1918) range 192.168.0.0/16"), or undefined. */
export function internalRange(address: string): string | undefined {
    const given = parseIpv4Cidr(`${address}/32`);
    const hit = given && INTERNAL_RANGES.find(([range]) => cidrContains(parseIpv4Cidr(range)!, given));
    return hit && `the ${hit[1]} range ${hit[0]}`;
}

/** Whether a network lies wholly inside one internal range (RFC 1918, or RFC 6598's carrier-grade NAT space). */
export function withinInternalRange(text: string): boolean {
    const given = parseIpv4Cidr(text);
    return given !== undefined && INTERNAL_RANGES.some(([range]) => cidrContains(parseIpv4Cidr(range)!, given));
}
