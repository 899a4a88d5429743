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
