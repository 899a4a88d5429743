/**
 * SSH keys as config gives them. What Pulumi's SSH connections can read as a private key. pulumi-command v1.2.1 parses the key
 * with golang.org/x/crypto/ssh `ParsePrivateKey`, or `ParsePrivateKeyWithPassphrase` only when a
 * password is given (pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/connection.go
 * L109-113), and we give none. At x/crypto v0.48.0 (its go.mod) ssh/keys.go L1277-1300 accepts
 * one PEM block of these types; an encrypted PEM block (L1283-1284) or an OpenSSH key whose cipher
 * or KDF is not "none" (L1385-1386) fails with "this private key is passphrase protected".
 */
const PEM_TYPES = ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY"];

/** Why a key with a passphrase will not do. */
const PASSPHRASE = "is encrypted with a passphrase, which the stack cannot give; store a key without one (ssh-keygen -p -N '' -f <copy>), kept only in the encrypted stack config";

/** The SSH wire format's string at `offset`: a big-endian uint32 length, then the bytes (RFC 4251 section 5). */
function sshString(data: Buffer, offset: number): string | undefined {
    if (data.length < offset + 4) return undefined;
    const length = data.readUInt32BE(offset);
    return data.subarray(offset + 4, offset + 4 + length).toString("latin1");
}

/** An OpenSSH key's body: "openssh-key-v1\0", then the cipher name as an SSH string (PROTOCOL.key). */
function openSshCipher(body: Buffer): string | undefined {
    const magic = "openssh-key-v1\0";
    if (body.subarray(0, magic.length).toString("latin1") !== magic) return undefined;
    return sshString(body, magic.length);
}

/** An OpenSSH key's type, read from its public key: magic, cipher, KDF, KDF options, the key count, then the public key blob, which starts with the type (PROTOCOL.key). */
function openSshKeyType(body: Buffer): string | undefined {
    let offset = "openssh-key-v1\0".length;
    for (let i = 0; i < 3; i++) {
        if (body.length < offset + 4) return undefined;
        offset += 4 + body.readUInt32BE(offset);
    }
    offset += 4; // the number of keys
    if (body.length < offset + 4) return undefined;
    return sshString(body, offset + 4);
}

/**
 * Why DSA will not do: OpenSSH servers refuse ssh-dss keys by default since 7.0 (2015) and removed
 * DSA in 10.0 (openssh.com/releasenotes.html, "OpenSSH 7.0", "OpenSSH 10.0", read 2026-11-29;
 * sweep s18 ed23). The stack's host and authorized keys refuse ssh-dss already.
 */
const DSA = "is a DSA key, which OpenSSH servers refuse by default since 2015 (OpenSSH 7.0) and no longer support at all (OpenSSH 10.0); make an ed25519 key (ssh-keygen -t ed25519), authorize it on the machine and set it here";

/**
 * Whether an OpenSSH public key line's data is a key of the type the line names: the data starts
 * with the type as an SSH string (RFC 4253 section 6.6), so `ssh-rsa` before an ed25519 key's data
 * is a key no server will ever present. Lines that do not parse are left to the pattern.
 */
export function keyBlobMatchesType(line: string): boolean {
    const [type, data] = line.trim().split(/\s+/);
    if (!type || !data) return true;
    return sshString(Buffer.from(data, "base64"), 0) === type;
}

/**
 * An ssh-rsa line's modulus length in bits (the blob is the type, then e and n as mpints: RFC 4253
 * section 6.6), or undefined for another type or a blob that does not parse. OpenSSH refuses RSA
 * keys under 1024 bits (`SSH_RSA_MINIMUM_MODULUS_SIZE`; OpenSSH 9.2p1's ssh-keygen says the file
 * "is not a public key file": sweep s20-07).
 */
export function rsaKeyBits(line: string): number | undefined {
    const [type, data] = line.trim().split(/\s+/);
    if (type !== "ssh-rsa" || !data) return undefined;
    const blob = Buffer.from(data, "base64");
    let offset = 0;
    const next = (): Buffer | undefined => {
        if (blob.length < offset + 4) return undefined;
        const length = blob.readUInt32BE(offset);
        const field = blob.subarray(offset + 4, offset + 4 + length);
        offset += 4 + length;
        return field.length === length ? field : undefined;
    };
    const [, , n] = [next(), next(), next()];
    if (!n) return undefined;
    const magnitude = n.subarray(n.findIndex((b) => b !== 0));
    return magnitude.length === 0 ? 0 : (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]));
}

/**
 * Whether an ssh-rsa line's data is whole: the type string, the exponent and the modulus as SSH
 * strings (RFC 4253 section 6.6), and nothing after them. A line cut short in a copy is a key no
 * server presents (sweep s22b05). Other types are left to their own checks.
 */
export function rsaKeyIsWhole(line: string): boolean {
    const [type, data] = line.trim().split(/\s+/);
    if (type !== "ssh-rsa") return true;
    const blob = Buffer.from(data ?? "", "base64");
    let offset = 0;
    for (let field = 0; field < 3; field++) {
        if (blob.length < offset + 4) return false;
        offset += 4 + blob.readUInt32BE(offset);
        if (offset > blob.length) return false;
    }
    return offset === blob.length;
}

/** OpenSSH's smallest RSA key (sshkey.h `SSH_RSA_MINIMUM_MODULUS_SIZE`). */
export const SSH_RSA_MINIMUM_BITS = 1024;

/**
 * Whether an ssh-ed25519 line's data is whole: the type string, then the 32-byte public key as an
 * SSH string (RFC 8709 section 4), and nothing else. A line cut short in a copy is a key no server
 * presents and no client accepts. Other types are left to the type check.
 */
export function ed25519KeyIsWhole(line: string): boolean {
    const [type, data] = line.trim().split(/\s+/);
    if (type !== "ssh-ed25519" || !data) return true;
    const blob = Buffer.from(data, "base64");
    return blob.length === 4 + type.length + 4 + 32 && blob.readUInt32BE(4 + type.length) === 32;
}

/** The uncompressed point of each curve OpenSSH names: 0x04, then x and y (RFC 5656 section 3.1 for the layout; OpenSSH reads only uncompressed points, review s26 N3). */
const ECDSA_POINT_BYTES: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };

/**
 * Whether an ecdsa-sha2-nistp* line holds its whole key (RFC 5656 section 3.1: the type, the curve's
 * name, which must be the type's, and the point, here uncompressed as OpenSSH writes and reads it,
 * nothing after); true for other types.
 * `ssh-keygen -l` refuses a key cut short or naming another curve (sweep s29 M3).
 */
export function ecdsaKeyIsWhole(line: string): boolean {
    const [type, data] = line.trim().split(/\s+/);
    const curve = /^ecdsa-sha2-(nistp(?:256|384|521))$/.exec(type ?? "")?.[1];
    if (!curve || !data) return true;
    const blob = Buffer.from(data, "base64");
    let offset = 0;
    const field = (): Buffer | undefined => {
        if (blob.length < offset + 4) return undefined;
        const length = blob.readUInt32BE(offset);
        if (blob.length < offset + 4 + length) return undefined;
        const value = blob.subarray(offset + 4, offset + 4 + length);
        offset += 4 + length;
        return value;
    };
    const [name, keyCurve, point] = [field(), field(), field()];
    return name?.toString() === type && keyCurve?.toString() === curve && point?.length === ECDSA_POINT_BYTES[curve] && point[0] === 0x04 && offset === blob.length;
}

/**
 * Why a secret is not a private key Pulumi can use over SSH, or undefined when it is. The message
 * describes the key's shape, never its text.
 */
export function sshPrivateKeyProblem(text: string): string | undefined {
    const pem = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
    if (!pem) {
        return "is not a PEM private key (no BEGIN ... PRIVATE KEY block; a public key is not the key SSH signs with); set the key file itself: pulumi config set --secret --path 'groundwork:edge.machines[N].privateKey' < ~/.ssh/id_ed25519";
    }
    const type = pem[1];
    if (!PEM_TYPES.includes(type)) {
        return `is a PEM block of type "${type}", which Pulumi's SSH client cannot use; give one of: ${PEM_TYPES.join(", ")} (an OpenSSH key from ssh-keygen is OPENSSH PRIVATE KEY)`;
    }
    if (type === "DSA PRIVATE KEY") return DSA;
    const headers = pem[2].split(/\r?\n/).filter((l) => l.includes(":"));
    if (headers.some((l) => /^Proc-Type:\s*4,ENCRYPTED/i.test(l))) {
        return PASSPHRASE;
    }
    if (type === "OPENSSH PRIVATE KEY") {
        const body = Buffer.from(pem[2].split(/\r?\n/).filter((l) => !l.includes(":")).join(""), "base64");
        const cipher = openSshCipher(body);
        if (cipher === undefined) return "is an OPENSSH PRIVATE KEY block whose body is not an OpenSSH key (no openssh-key-v1 header); set the key file itself, unchanged";
        if (cipher !== "none") return PASSPHRASE;
        if (openSshKeyType(body) === "ssh-dss") return DSA;
    }
    return undefined;
}
