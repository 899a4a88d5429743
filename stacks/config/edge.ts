import { isIpv4, specialRange } from "./cidr";
import { z } from "zod";
import { overlay } from "./overlay";
import * as pulumi from "@pulumi/pulumi";
import { ipv4, labels, nodeName, role, taints } from "./primitives";
import { sshPrivateKeyProblem } from "./ssh-private-key";

/** `groundwork:edge`: existing machines reached over SSH. */

/**
 * Whether an OpenSSH public key line's data is a key of the type the line names: the data starts
 * with the type as a length-prefixed string (RFC 4253 section 6.6), so `ssh-rsa` before an ed25519
 * key's data is a key no server will ever present. Lines that do not parse are left to the pattern.
 */
export function keyBlobMatchesType(line: string): boolean {
    const [type, data] = line.trim().split(/\s+/);
    if (!type || !data) return true;
    const blob = Buffer.from(data, "base64");
    if (blob.length < 4) return false;
    const length = blob.readUInt32BE(0);
    return blob.subarray(4, 4 + length).toString("latin1") === type;
}

/** A private key Pulumi's SSH client can read; its problems describe its shape, never its text. */
const sshPrivateKey = z.string().superRefine((v, ctx) => {
    const problem = v.trim().length === 0 ? "is blank; set the secret itself (pulumi config set --secret)" : sshPrivateKeyProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
}).transform((v) => pulumi.secret(v));

const host = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, {
    message: "must be an IPv4 address or a DNS name",
}).refine((v) => !/^[\d.]+$/.test(v) || isIpv4(v), {
    // All digits and dots is never a DNS name (a top-level domain is not numeric): it must be an address.
    message: "looks like an IPv4 address but is not one (four numbers 0-255, e.g. 192.168.10.10)",
});

const edgeMachineSchema = z.strictObject({
    name: nodeName.describe("Kubernetes node name."),
    host: host.describe("Address Pulumi reaches the machine at over SSH."),
    port: z.number().int().min(1).max(65535).default(22).describe("SSH port."),
    user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, { message: "must be a Unix user name" }).default("ubuntu")
        .describe("SSH user; needs passwordless sudo."),
    privateKey: sshPrivateKey.describe("OpenSSH private key for the user (secret: `pulumi config set --secret --path 'groundwork:edge.machines[N].privateKey' < key`)."),
    hostKey: z.string().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}$/, {
        message: "must be the machine's SSH host public key, as `ssh-keyscan -t ed25519 <host>` prints it after the host name (ssh-ed25519 AAAA...), read on a trusted path",
    }).refine((line) => keyBlobMatchesType(line), {
        message: "names one key type but holds another (the key data begins with its own type name); copy the whole line ssh-keyscan prints, unchanged",
    }).describe("The machine's SSH host public key, e.g. from `ssh-keyscan -t ed25519 <host>` run on a trusted path: every connection verifies it (no trust on first use)."),
    role: role.default("agent").describe("k3s role."),
    externalIp: ipv4.refine((v) => specialRange(v) === undefined, {
        error: (issue) => `is in ${specialRange(String(issue.input))}, which no other site can reach; give the address the other sites reach this machine at`,
    }).optional().describe("Address other sites reach the machine at; required under wireguard-native."),
    labels: labels.default({}).describe("Extra node labels."),
    taints: taints.default([]).describe("Extra node taints (groundwork.dev/edge is always set)."),
});

export const edgeSchema = z.strictObject({
    overlay,
    machines: z.array(edgeMachineSchema).min(1).describe("The machines."),
});

export type EdgeSiteConfig = z.output<typeof edgeSchema>;
