/** One OpenPGP packet: its tag, the whole packet as it stands in the file, and its body. */
export interface OpenPgpPacket {
    tag: number;
    bytes: Buffer;
    body: Buffer;
}

/**
 * An OpenPGP file's packets (RFC 9580 section 4.2: old and new format headers; partial lengths,
 * which keys never use, count as not OpenPGP); undefined if it is not OpenPGP.
 */
export function openPgpPackets(data: Buffer): OpenPgpPacket[] | undefined {
    const out: OpenPgpPacket[] = [];
    for (let at = 0; at < data.length;) {
        const first = data[at];
        if ((first & 0x80) === 0) return undefined;
        let tag: number, length: number, header: number;
        if (first & 0x40) {
            tag = first & 0x3f;
            const o1 = data[at + 1];
            if (o1 === undefined || (o1 >= 224 && o1 < 255)) return undefined;
            if (o1 < 192) [length, header] = [o1, 2];
            else if (o1 < 224) [length, header] = [((o1 - 192) << 8) + (data[at + 2] ?? 0) + 192, 3];
            else [length, header] = [at + 6 <= data.length ? data.readUInt32BE(at + 2) : Infinity, 6];
        } else {
            tag = (first >> 2) & 0x0f;
            const size = [1, 2, 4, 0][first & 0x03];
            if (size === 0 || at + 1 + size > data.length) return undefined;
            length = size === 1 ? data[at + 1] : size === 2 ? data.readUInt16BE(at + 1) : data.readUInt32BE(at + 1);
            header = 1 + size;
        }
        if (at + header + length > data.length) return undefined;
        out.push({ tag, bytes: data.subarray(at, at + header + length), body: data.subarray(at + header, at + header + length) });
        at += header + length;
    }
    return out.length > 0 ? out : undefined;
}

/** What a signature packet says about the key it binds: its type, creation, key flags and key expiry (seconds after the key's creation). */
export interface OpenPgpSignature {
    type: number;
    createdAt?: number;
    keyFlags?: number;
    keyExpiresAfter?: number;
}

/**
 * The hashed subpackets a v4 or v6 signature packet (tag 2) carries that bear on a key's use
 * (RFC 9580 section 5.2.3: the hashed area's length is 2 octets in v4, 4 in v6; section 5.2.3.7
 * subpacket lengths; type 2 creation time, 9 key expiration time, 27 key flags). Undefined for
 * other versions or a malformed packet.
 */
export function openPgpSignature(body: Buffer): OpenPgpSignature | undefined {
    const version = body[0];
    if (version !== 4 && version !== 6) return undefined;
    const lengthSize = version === 4 ? 2 : 4;
    if (body.length < 4 + lengthSize) return undefined;
    const hashedLength = lengthSize === 2 ? body.readUInt16BE(4) : body.readUInt32BE(4);
    const start = 4 + lengthSize;
    if (start + hashedLength > body.length) return undefined;
    const signature: OpenPgpSignature = { type: body[1] };
    for (let at = start; at < start + hashedLength;) {
        const first = body[at];
        let length: number, header: number;
        if (first < 192) [length, header] = [first, 1];
        else if (first < 255) [length, header] = [((first - 192) << 8) + body[at + 1] + 192, 2];
        else [length, header] = [body.readUInt32BE(at + 1), 5];
        if (length < 1 || at + header + length > start + hashedLength) return undefined;
        const kind = body[at + header] & 0x7f;
        const data = body.subarray(at + header + 1, at + header + length);
        if (kind === 2 && data.length === 4) signature.createdAt = data.readUInt32BE(0);
        if (kind === 9 && data.length === 4) signature.keyExpiresAfter = data.readUInt32BE(0);
        if (kind === 27 && data.length >= 1) signature.keyFlags = data[0];
        at += header + length;
    }
    return signature;
}

/** A public key or subkey packet's creation time, seconds since 1970 (RFC 9580 section 5.5.2: version, then 4 octets). */
export const keyCreatedAt = (body: Buffer): number => body.readUInt32BE(1);
