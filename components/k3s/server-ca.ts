import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { createHash } from "crypto";

/**
 * Why joins pin the server CA. A bare token makes a joining node trust whatever CA the server it
 * reaches presents on first contact, and send its token there (docs.k3s.io/cli/token, "Secure and
 * short tokens"); in hybrid and wireguard-native stacks that contact crosses the internet. A
 * token `K10<sha256 of the CA>::<user>:<password>` makes the node check the CA first and refuse a
 * mismatch. Everything below was read in k3s-io/k3s@v1.34.9+k3s1 (commit 5f72184f, through the
 * fork vitorsavian/k3s, the upstream snapshot being too large to fetch; read 2026-11-29):
 * - the node GETs `/cacerts`, which serves `server/tls/server-ca.crt` byte for byte
 *   (pkg/server/handlers/handlers.go L36-50), and for a file of one certificate hashes those bytes,
 *   comparing lower-case hex with `==` (pkg/clientaccess/token.go L154-162, L193-194, L403);
 * - k3s keeps a server CA pair it finds on disk and generates only what is missing
 *   (pkg/daemons/control/deps/deps.go L727-755), so one placed before its first start is the
 *   cluster's for good; joining servers copy it byte for byte from the datastore
 *   (pkg/bootstrap/bootstrap.go L61-85), and restarts never regenerate it;
 * - its own CAs are ECDSA P-256, ten years (rancher/dynamiclistener@v0.7.5 cert/cert.go L74-99).
 */
export const K3S_SERVER_DATA_DIR = "/var/lib/rancher/k3s/server";
const SERVER_CA_DIR = `${K3S_SERVER_DATA_DIR}/tls`;
export const SERVER_CA_CERT_PATH = `${SERVER_CA_DIR}/server-ca.crt`;
export const SERVER_CA_KEY_PATH = `${SERVER_CA_DIR}/server-ca.key`;

/** A server CA hash as k3s writes and compares it: sha256, 64 lower-case hex characters. */
export const SERVER_CA_HASH = /^[0-9a-f]{64}$/;

/** The files the first server starts with, so the cluster's CA is the one the tokens pin. */
export interface ServerCaFiles {
    certPem: string;
    /** The CA's private key (secret). */
    keyPem: string;
}

/** The hash a joining node compares with the CA it is served: sha256 of the file's bytes. */
export function serverCaHash(certPem: string): string {
    return createHash("sha256").update(certPem, "utf8").digest("hex");
}

/**
 * The token a joining node is given: k3s's secure form. The user must be exactly `server` or
 * `node`: a server stores as its password what follows `::<user>:` only for those spellings, and
 * any other keeps the whole string as the password, which no node would then match
 * (pkg/passwd/passwd.go L62-67; users in pkg/daemons/control/deps/deps.go L263-269).
 */
export function secureJoinToken(caHash: string, user: "server" | "node", password: string): string {
    if (!SERVER_CA_HASH.test(caHash)) throw new Error(`the server CA hash must be 64 lower-case hex characters (k3s compares it as written); got ${caHash.length} characters`);
    if (password.length === 0 || password.includes("::")) throw new Error("a k3s join password is non-empty and holds no \"::\"");
    return `K10${caHash}::${user}:${password}`;
}

/**
 * Why a value cannot be `cluster.serverCaHash`, never repeating it: a whole token pasted there
 * carries the server's join password. Undefined when it fits.
 */
export function serverCaHashProblem(value: string): string | undefined {
    // One character 64 times (all zeros, a template's stand-in) is no certificate's sha256: every join would fail (sweep s29 M11).
    if (/^(.)\1{63}$/.test(value)) return "is a placeholder (one character 64 times), not the sha256 of a CA, so every node's join would fail; read the hash on the first server: sudo cut -c4-67 /var/lib/rancher/k3s/server/token";
    if (SERVER_CA_HASH.test(value)) return undefined;
    if (/^K10[0-9a-fA-F]*::/.test(value)) {
        return "is a whole k3s token, which holds a join password: give only the 64 hex characters after K10 (sudo cut -c4-67 /var/lib/rancher/k3s/server/token), and since the token is now in the stack file's history, rotate it (k3s token rotate)";
    }
    if (/^[0-9A-Fa-f]{64}$/.test(value)) return "must be written in lower case: k3s compares the hash as written (pkg/clientaccess/token.go L154-157)";
    return `must be the sha256 of the cluster's server CA, 64 lower-case hex characters (sudo cut -c4-67 /var/lib/rancher/k3s/server/token on the first server); this is ${value.length} characters${/[^0-9a-fA-F]/.test(value) ? " and not all hex" : ""}`;
}

/** The CA hash a secure token pins, or undefined for a bare token. */
export function pinnedCaHash(token: string): string | undefined {
    return /^K10([0-9a-f]{64})::/.exec(token)?.[1];
}

export interface K3sServerCaArgs {
    /**
     * The hash of the CA an existing cluster already has, for clusters whose first server was
     * built before Groundwork made the CA (`sudo cut -c4-67 /var/lib/rancher/k3s/server/token`
     * on it). Given, no CA is made and the first server gets no CA files.
     */
    existingHash?: string;
}

/**
 * The cluster's k3s server CA: made here (ECDSA P-256, ten years, like k3s's own) and placed on
 * the first server before k3s first starts, or, for an older cluster, only the hash of the one it
 * has. Joining nodes pin `hash` in their tokens.
 */
export class K3sServerCa extends pulumi.ComponentResource {
    /** sha256 of the CA file the servers serve: what every joining node's token pins. */
    public readonly hash: pulumi.Output<string>;
    /** The first server's CA files; absent for a cluster that keeps the CA it made itself. */
    public readonly files?: pulumi.Output<ServerCaFiles>;

    constructor(name: string, args: K3sServerCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:ServerCa", name, {}, opts);
        if (args.existingHash !== undefined) {
            this.hash = pulumi.output(args.existingHash);
        } else {
            // A new key or certificate is a new CA the running cluster does not have, so neither is
            // ever replaced by an `up`: protected, and no early renewal (README, "Joins pin the server CA").
            const keep = { parent: this, protect: true };
            const key = new tls.PrivateKey(name, { algorithm: "ECDSA", ecdsaCurve: "P256" }, keep);
            const cert = new tls.SelfSignedCert(name, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: "k3s-server-ca" },
                isCaCertificate: true,
                validityPeriodHours: 10 * 8760,
                earlyRenewalHours: 0,
                // k3s's own server CA's uses, and no extended ones (dynamiclistener cert/cert.go L74-99).
                allowedUses: ["cert_signing", "digital_signature", "key_encipherment"],
            }, keep);
            // The hash is of the very string written to the server (never trimmed).
            this.hash = cert.certPem.apply(serverCaHash);
            this.files = pulumi.secret(pulumi.all([cert.certPem, key.privateKeyPem]).apply(([certPem, keyPem]) => ({ certPem, keyPem })));
        }
        this.registerOutputs({ hash: this.hash });
    }
}
