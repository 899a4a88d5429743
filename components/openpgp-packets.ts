import { createHash } from "crypto";

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

/** What a signature packet says about the key it binds: its type, creation, key flags and key expiry (seconds after the key's creation), and who made it. */
export interface OpenPgpSignature {
    type: number;
    createdAt?: number;
    keyFlags?: number;
    keyExpiresAfter?: number;
    /** Subpacket 16, lower-case hex, from either area. */
    issuerKeyId?: string;
    /** Subpacket 33 without its version octet, lower-case hex, from either area. */
    issuerFingerprint?: string;
}

/**
 * A v4 or v6 signature packet (tag 2), as far as a key's use goes (RFC 9580 section 5.2.3: the
 * subpacket areas' lengths are 2 octets in v4, 4 in v6; section 5.2.3.7 subpacket lengths; type 2
 * creation time, 9 key expiration time, 27 key flags from the hashed area; 16 issuer key ID and 33
 * issuer fingerprint from either). Undefined for other versions or a malformed packet.
 */
export function openPgpSignature(body: Buffer): OpenPgpSignature | undefined {
    const version = body[0];
    if (version !== 4 && version !== 6) return undefined;
    const lengthSize = version === 4 ? 2 : 4;
    const signature: OpenPgpSignature = { type: body[1] };
    const readArea = (start: number, hashed: boolean): number | undefined => {
        if (body.length < start + lengthSize) return undefined;
        const areaLength = lengthSize === 2 ? body.readUInt16BE(start) : body.readUInt32BE(start);
        const from = start + lengthSize;
        const end = from + areaLength;
        if (end > body.length) return undefined;
        for (let at = from; at < end;) {
            const first = body[at];
            let length: number, header: number;
            if (first < 192) [length, header] = [first, 1];
            else if (first < 255) [length, header] = [at + 1 < end ? ((first - 192) << 8) + body[at + 1] + 192 : Infinity, 2];
            else [length, header] = [at + 5 <= end ? body.readUInt32BE(at + 1) : Infinity, 5];
            if (length < 1 || at + header + length > end) return undefined;
            const kind = body[at + header] & 0x7f;
            const data = body.subarray(at + header + 1, at + header + length);
            if (hashed && kind === 2 && data.length === 4) signature.createdAt = data.readUInt32BE(0);
            if (hashed && kind === 9 && data.length === 4) signature.keyExpiresAfter = data.readUInt32BE(0);
            if (hashed && kind === 27 && data.length >= 1) signature.keyFlags = data[0];
            if (kind === 16 && data.length === 8) signature.issuerKeyId = data.toString("hex");
            if (kind === 33 && data.length > 1) signature.issuerFingerprint = data.subarray(1).toString("hex");
            at += header + length;
        }
        return end;
    };
    const hashedEnd = readArea(4, true);
    if (hashedEnd === undefined || readArea(hashedEnd, false) === undefined) return undefined;
    return signature;
}

/**
 * A v4 or v6 key's fingerprint and key ID, lower-case hex (RFC 9580 section 5.5.4: v4 is SHA-1 of
 * 0x99, a 2-octet length and the key packet's body, its ID the low 8 octets; v6 is SHA-256 of 0x9B,
 * a 4-octet length and the body, its ID the high 8 octets).
 */
export function keyFingerprint(body: Buffer): { fingerprint: string; keyId: string } | undefined {
    if (body[0] === 4) {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(body.length);
        const fingerprint = createHash("sha1").update(Buffer.from([0x99])).update(length).update(body).digest("hex");
        return { fingerprint, keyId: fingerprint.slice(-16) };
    }
    if (body[0] === 6) {
        const length = Buffer.alloc(4);
        length.writeUInt32BE(body.length);
        const fingerprint = createHash("sha256").update(Buffer.from([0x9b])).update(length).update(body).digest("hex");
        return { fingerprint, keyId: fingerprint.slice(0, 16) };
    }
    return undefined;
}
