import { isIpv4, specialRange } from "./cidr";
import { z } from "zod";
import { K3S_CLUSTER_PORTS, K3S_LOCAL_PORTS } from "../../components/k3s/ports";
import { overlay } from "./overlay";
import { addressLookalikeProblem, checkedSecret, dnsNameProblem, ipv4, labels, nodeName, NOT_AN_IPV4_ADDRESS, role, taints } from "./primitives";
import { ecdsaKeyIsWhole, ed25519KeyIsWhole, keyBlobMatchesType, rsaKeyBits, rsaKeyIsWhole, SSH_RSA_MINIMUM_BITS, sshPrivateKeyProblem } from "./ssh-private-key";

/** An OpenSSH host public key line without its host: the type, then the base64 key data. */
const HOST_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}$/;
const HOST_KEY_WITH_COMMENT = /^((?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)) [A-Za-z0-9+/]+={0,3}) [^\s][^\n]*$/;

/** `groundwork:edge`: existing machines reached over SSH. */

// A DNS name may end with the root's dot, as an absolute name (RFC 1034 section 3.1); resolvers
// take it as written (sweep s20-37, a false refusal).
const host = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.?$/, {
    // A name refused for its length alone says so: its value may be hidden (sweep s29 W3).
    error: (issue) => `must be an IPv4 address or a DNS name${String(issue.input).replace(/\.$/, "").length > 253 ? `, at most 253 characters (this is ${String(issue.input).replace(/\.$/, "").length})` : ""}`,
}).refine((v) => !/^[\d.]+$/.test(v) || isIpv4(v), {
    // All digits and dots is never a DNS name (a top-level domain is not numeric): it must be an address.
    message: NOT_AN_IPV4_ADDRESS,
}).superRefine((v, ctx) => {
    if (/^[\d.]+$/.test(v)) return;
    const lookalike = addressLookalikeProblem(v);
    const problem = lookalike ?? dnsNameProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: lookalike ?? `${problem}, so no resolver finds it` });
});

const edgeMachineSchema = z.strictObject({
    name: nodeName.describe("Kubernetes node name."),
    host: host.refine((v) => !isIpv4(v) || specialRange(v) === undefined || specialRange(v)!.includes("loopback"), {
        // Loopback stays: a machine reached through an SSH tunnel is at 127.0.0.1 on a port of its own.
        error: (issue) => `is in ${specialRange(String(issue.input))}, which is never a machine's SSH address; give the address Pulumi reaches the machine at`,
    }).describe("Address Pulumi reaches the machine at over SSH."),
    port: z.number().int().min(1).max(65535).default(22).describe("SSH port."),
    // shadow-utils' is_valid_name: letters of either case, digits, _ . and -, not first, not all
    // digits, not . or .. (lib/chkname.c; dotted names are common where machines join a
    // directory, sweep s21-32); 32 at most, as utmp holds.
    // SSSD and realmd name directory users user@domain (Red Hat's SSSD guide, via sweep s21r-04).
    user: z.string().regex(/^(?!\d+$)(?!\.\.?$)[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}(@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,63})?$/i, { message: "must be a Unix user name: letters, digits, _ . and - (not first), at most 32, not all digits; a user:password pair is not taken, the key is given as privateKey" }).default("ubuntu")
        .describe("SSH user; needs passwordless sudo."),
    privateKey: checkedSecret(sshPrivateKeyProblem).describe("OpenSSH private key for the user (secret: `pulumi config set --secret --path 'groundwork:edge.machines[N].privateKey' < key`)."),
    // A comment after the key (`root@edge-1`, as /etc/ssh/ssh_host_ed25519_key.pub has it) is dropped:
    // the key alone is what each connection compares (sweep s22b04).
    hostKey: z.preprocess((v) => (typeof v === "string" ? v.replace(HOST_KEY_WITH_COMMENT, "$1") : v), z.string()).refine((v) => HOST_KEY.test(v.replace(/\s+$/, "")), {
        // ssh-keyscan prints the host first: the line pasted whole (sweep s18 ed20).
        error: (issue) => (HOST_KEY.test(String(issue.input).trim().replace(/^\S+\s+/, ""))
            ? "starts with the host name ssh-keyscan prints first; give the rest of the line (ssh-ed25519 AAAA...)"
            : "must be the machine's SSH host public key, as `ssh-keyscan -t ed25519 <host>` prints it after the host name (ssh-ed25519 AAAA...), read on a trusted path"),
    }).refine((v) => !/\s$/.test(v), {
        // YAML's `|` block keeps the last line break; `|-` or a one-line value does not.
        message: "ends with a line break or a space, which the key compared on every connection has not: write it on one line, or with |- instead of |",
    }).refine((line) => !HOST_KEY.test(line) || keyBlobMatchesType(line), {
        message: "names one key type but holds another (the key data begins with its own type name); copy the whole line ssh-keyscan prints, unchanged",
    }).refine((line) => !/^ssh-ed25519 [A-Za-z0-9+/]+={0,3}$/.test(line) || ed25519KeyIsWhole(line), {
        message: "is an ed25519 key cut short (its data is not the 32-byte key, RFC 8709); copy the whole line ssh-keyscan prints, unchanged",
    }).refine((line) => !HOST_KEY.test(line) || !keyBlobMatchesType(line) || ecdsaKeyIsWhole(line), {
        message: "is an ECDSA key cut short, or naming another curve than its type (its data is not the type, the curve and the whole point, RFC 5656 3.1); copy the whole line ssh-keyscan prints, unchanged",
    }).refine((line) => !HOST_KEY.test(line) || !keyBlobMatchesType(line) || rsaKeyIsWhole(line), {
        message: "is an RSA key cut short (its data does not hold the exponent and modulus whole, RFC 4253 6.6); copy the whole line ssh-keyscan prints, unchanged",
    }).refine((line) => !HOST_KEY.test(line) || (rsaKeyBits(line) ?? SSH_RSA_MINIMUM_BITS) >= SSH_RSA_MINIMUM_BITS, {
        error: (issue) => `is an RSA key of ${rsaKeyBits(String(issue.input))} bits, which OpenSSH refuses (under ${SSH_RSA_MINIMUM_BITS}); give the machine's ed25519 host key (ssh-keyscan -t ed25519 <host>)`,
    }).refine((line) => !(HOST_KEY.test(line) && line.startsWith("ssh-rsa ") && keyBlobMatchesType(line) && rsaKeyIsWhole(line) && (rsaKeyBits(line) ?? 0) >= SSH_RSA_MINIMUM_BITS), {
        // pulumi-command offers only the key's type as the host key algorithm (pulumi/pulumi-command@v1.2.1
        // provider/pkg/provider/remote/connection.go L93-94): for RSA that is ssh-rsa, SHA-1 signatures,
        // which OpenSSH 8.8 and later no longer offer, so no connection is ever made (security review s23 F7).
        message: "is an RSA host key, which Pulumi's SSH client can check only with SHA-1 signatures (ssh-rsa), and OpenSSH 8.8 and later no longer offer those, so no connection would be made; give the machine's ed25519 host key (ssh-keyscan -t ed25519 <host>), or its ECDSA one",
    }).describe("The machine's SSH host public key, e.g. from `ssh-keyscan -t ed25519 <host>` run on a trusted path: every connection verifies it (no trust on first use)."),
    role: role.default("agent").describe("k3s role."),
    externalIp: ipv4.refine((v) => specialRange(v) === undefined, {
        error: (issue) => `is in ${specialRange(String(issue.input))}, which no other site can reach; give the address the other sites reach this machine at`,
    }).optional().describe("Address other sites reach the machine at; required under wireguard-native."),
    labels: labels.default({}).describe("Extra node labels."),
    taints: taints.default([]).describe("Extra node taints (groundwork.dev/edge is always set)."),
}).superRefine((m, ctx) => {
    // k3s binds these on the machine itself (components/k3s/ports.ts, docs.k3s.io "Inbound Rules"):
    // sshd on one of them makes one of the two fail to start. A loopback host is a tunnel's end,
    // whose port is not the machine's.
    const taken = k3sPortOn(m.port, m.role);
    if (taken !== undefined && !isTunnelEnd(m.host)) {
        ctx.addIssue({ code: "custom", path: ["port"], message: `is a port k3s listens on at this ${m.role} (${taken}): sshd and k3s cannot both bind it; move sshd to another port (22, or e.g. 2222)` });
    }
});

/** Whether an edge machine's SSH host is loopback, the near end of a tunnel, whose ports are not the machine's. Host names are case-insensitive. */
export function isTunnelEnd(host: unknown): boolean {
    return typeof host === "string" && /^(localhost|127\.\S*|::1)$/i.test(host);
}

/** What of k3s listens on a TCP port of a node of this role (every server runs embedded etcd), if anything. */
function k3sPortOn(port: number, role: string): string | undefined {
    return [...K3S_CLUSTER_PORTS, ...K3S_LOCAL_PORTS].find((p) => p.protocol === "tcp" && port >= p.from && port <= p.to && (p.on === "all" || role === "server"))?.description;
}

export const edgeSchema = z.strictObject({
    overlay,
    machines: z.array(edgeMachineSchema).min(1).describe("The machines."),
});

export type EdgeSiteConfig = z.output<typeof edgeSchema>;
