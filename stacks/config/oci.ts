import { z } from "zod";
import * as crypto from "crypto";
import { ecdsaKeyIsWhole, ed25519KeyIsWhole, keyBlobMatchesType, rsaKeyBits, rsaKeyIsWhole, SSH_RSA_MINIMUM_BITS } from "./ssh-private-key";
import { A1_FLEX_LIMITS, A1NodeSize, alwaysFreeViolations, MAX_BOOT_VOLUME_GBS, MIN_BOOT_VOLUME_GBS } from "../../components/oci/always-free";
import { cidrContains, cidrsOverlap, parseIpv4Cidr } from "./cidr";
import { OCI_REGIONS } from "./oci-regions";
import { overlay } from "./overlay";
import { always, checkedSecret, cidrSized, isObject, labels, Loose, nodeName, noRepeats, operatorCidr, role, taints } from "./primitives";
import { configKey } from "./errors";

/** `groundwork:oci`: an Oracle Cloud site of Ampere A1 nodes, Always-Free by default. */

/** Words and marks of documentation placeholders (`ocid1.tenancy.oc1..<unique_ID>`, `...example`). */
const PLACEHOLDER = /[<>]|example|unique|your|placeholder|replace|changeme|xxxx/i;

/** An OCID of one of `kinds` (`ocid1.<kind>.<realm>.[region].<unique id>`), never a placeholder. */
const ocid = (kinds: string) =>
    z.string()
        .regex(new RegExp(`^ocid1\\.(?:${kinds})\\.oc\\d+\\.[a-z0-9-]*\\.[a-z0-9]+$`), {
            message: `must be an OCI ${kinds.replace("|", " or ")} OCID (ocid1.${kinds.split("|")[0]}.oc1..<id>)`,
        })
        .refine((v) => !PLACEHOLDER.test(v.split(".").pop() ?? ""), {
            message: "is a documentation placeholder, not a real OCID; copy the OCID from the OCI console (Identity > Compartments, or your user's page)",
        })
        .refine((v) => !/^ocid1\.[a-z]+\.oc\d+\./.test(v) || v.split(".")[2] === COMMERCIAL_REALM, {
            error: (issue) => `is in realm ${String(issue.input).split(".")[2]}, a government or sovereign one, but Groundwork's regions are all in the commercial realm ${COMMERCIAL_REALM}; use an OCID of your commercial tenancy`,
        });

/**
 * OCID and availability-domain names, read in Oracle's "Resource Identifiers"
 * (docs.oracle.com/iaas/Content/General/Concepts/identifiers.htm, read 2026-11-28): an OCID is
 * `ocid1.<type>.<realm>.[region].<unique id>`, realm oc1 the commercial one (oc2, oc3... government
 * and sovereign), region a three-letter key (phx, iad) for the first regions and the region's name
 * from Frankfurt on. AD names carry a tenancy prefix before the region's AD name
 * (`YXol:US-ASHBURN-AD-1`, terraform-provider-oci identity_availability_domain), and a region has
 * one to three.
 */
const COMMERCIAL_REALM = "oc1";
const REGION_KEYS: Record<string, string> = { "us-ashburn-1": "iad", "us-phoenix-1": "phx" };
const AD_NAME = /^[A-Za-z0-9]+:([A-Za-z0-9-]+)-AD-([1-3])$/i;

/** The region an OCID or AD name's region part names, where it names one Groundwork knows. */
function regionNamed(part: string): string | undefined {
    const p = part.toLowerCase();
    return OCI_REGIONS.find((r) => r === p || REGION_KEYS[r] === p || r.replace(/-\d+$/, "") === p);
}

/** Why an availability domain cannot be in `region`, or undefined. */
export function availabilityDomainProblem(name: string, region: unknown): string | undefined {
    const ad = AD_NAME.exec(name);
    const named = ad ? regionNamed(ad[1]) : undefined; // (the shape is the schema's to refuse)
    return typeof region === "string" && named !== undefined && named !== region ? `is an availability domain of ${named}, but the site is in ${region}; copy one of ${region}'s from \`oci iam availability-domain list\`` : undefined;
}

/** Why an image OCID cannot be used in `region`, or undefined (a regional part Groundwork does not know passes). */
export function imageRegionProblem(id: string, region: unknown): string | undefined {
    const named = regionNamed(id.split(".")[3] ?? "");
    return typeof region === "string" && named !== undefined && named !== region ? `is an image of ${named}, but the site is in ${region}; image OCIDs are regional: take the same image's OCID in ${region}, or leave imageId out for the newest Ubuntu` : undefined;
}

const availabilityDomainName = z.string().regex(AD_NAME, {
    message: "must be an availability domain name, <tenancy prefix>:<region>-AD-<1 to 3> such as Uocm:EU-FRANKFURT-1-AD-1; copy it from `oci iam availability-domain list`",
});

/**
 * An authorized_keys line (sshd(8) AUTHORIZED_KEYS FILE FORMAT): optional options
 * (`from="10.0.0.0/8",no-pty`), a key type sshd knows, FIDO's `sk-` types among them (OpenSSH
 * 8.2+), its base64 data and an optional comment. cloud-init writes the line as given.
 */
const KEY_OPTIONS = String.raw`(?:[A-Za-z-]+(?:="(?:[^"\\]|\\.)*")?)(?:,[A-Za-z-]+(?:="(?:[^"\\]|\\.)*")?)*`;
const KEY_TYPES = String.raw`ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com`;
const AUTHORIZED_KEY = new RegExp(`^(?:${KEY_OPTIONS} )?(?:${KEY_TYPES}) [A-Za-z0-9+/=]+( .*)?$`);
/** The line from its key type on, for the checks that read the key itself. */
const keyPart = (line: string) => line.replace(new RegExp(`^${KEY_OPTIONS} (?=(?:${KEY_TYPES}) )`), "");

const ociNodeSchema = z.strictObject({
    name: nodeName.describe("Node name, instance name and hostname."),
    role: role.default("agent").describe("k3s role."),
    public: z.boolean().optional().describe("Public subnet with a public IP; default: servers, and every node under wireguard-native."),
    ocpus: z.number().int().min(1).max(A1_FLEX_LIMITS.maxOcpus).describe("A1 OCPUs; Always-Free allows 4 across all nodes."),
    memoryGbs: z.number().int().min(1).max(A1_FLEX_LIMITS.maxMemoryGbs).describe("Memory in GB, 1 to 64 per OCPU; Always-Free allows 24 across all nodes."),
    bootVolumeGbs: z.number().int().min(MIN_BOOT_VOLUME_GBS).max(MAX_BOOT_VOLUME_GBS).default(MIN_BOOT_VOLUME_GBS).describe("Boot volume size in GB (50 to 32768): the OS, k3s, the images and the platform's volumes (k3s local-path) live here; checked against the volumes asked for."),
    availabilityDomain: availabilityDomainName.optional().describe("Availability domain for this node; default: the site's."),
    labels: labels.default({}).describe("Extra Kubernetes node labels."),
    taints: taints.default([]).describe("Kubernetes node taints, `key[=value]:Effect`."),
}).superRefine((n, ctx) => {
    if (n.memoryGbs < n.ocpus) {
        ctx.addIssue({ code: "custom", path: ["memoryGbs"], message: `A1.Flex needs at least 1 GB of memory per OCPU (${n.ocpus} here)` });
    } else if (n.memoryGbs > n.ocpus * A1_FLEX_LIMITS.maxMemoryGbsPerOcpu) {
        ctx.addIssue({ code: "custom", path: ["memoryGbs"], message: `A1.Flex allows at most ${A1_FLEX_LIMITS.maxMemoryGbsPerOcpu} GB per OCPU (${n.ocpus * A1_FLEX_LIMITS.maxMemoryGbsPerOcpu} GB for ${n.ocpus})` });
    }
});

/**
 * Why a text cannot be an OCI API signing key, or undefined. OCI signs API requests with an RSA
 * key (2048 bits or more) in PEM, whose public half is uploaded as the user's API key
 * (docs.oracle.com/iaas/Content/API/Concepts/apisigningkey.htm, "Required Keys and OCIDs", read
 * 2026-11-28); the stack has no field for a key's passphrase. Described by shape, never shown. A
 * text that does not parse is left to the provider: the offline plan's stand-in is one.
 */
export function ociSigningKeyProblem(text: string): string | undefined {
    if (/-----BEGIN OPENSSH PRIVATE KEY-----/.test(text)) {
        return "is an OpenSSH private key (ssh-keygen's format); OCI signs API requests with an RSA key in PEM: openssl genrsa -out oci_api_key.pem 2048, then upload its public half as the user's API key";
    }
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(text)) {
        return "is encrypted with a passphrase, and the stack has no field for one; give the key decrypted (openssl rsa -in oci_api_key.pem -out oci_api_key_plain.pem) and keep it only in the stack's encrypted config";
    }
    const header = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----/.exec(text);
    if (!header) return "is not a PEM private key (no BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY block; a public key's BEGIN PUBLIC KEY block is not the key OCI signs with); set the key file itself: pulumi config set --secret --path 'groundwork:oci.auth.privateKey' < oci_api_key.pem";
    if (header[1] !== "" && header[1] !== "RSA ") return `is a${/^[AEIOU]/.test(header[1]) ? "n" : ""} ${header[1].trim()} key; OCI's API signing keys are RSA (openssl genrsa -out oci_api_key.pem 2048)`;
    let key: crypto.KeyObject;
    try {
        key = crypto.createPrivateKey(text);
    } catch {
        return undefined;
    }
    if (key.asymmetricKeyType !== "rsa") return `is an ${String(key.asymmetricKeyType).toUpperCase()} key; OCI's API signing keys are RSA (openssl genrsa -out oci_api_key.pem 2048)`;
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits < 2048 ? `is an RSA key of ${bits} bits; OCI takes 2048 or more (openssl genrsa -out oci_api_key.pem 2048)` : undefined;
}

/**
 * OCI's fingerprint of an API signing key: the MD5 of its public half in DER, as
 * `openssl rsa -pubout -outform DER -in oci_api_key.pem | openssl md5 -c` prints it
 * (docs.oracle.com/iaas/private-cloud-appliance/pca/finding-an-spi-public-key-fingerprint.htm, read 2026-11-29).
 * OCI names the key by `<tenancy>/<user>/<fingerprint>` and checks each request's signature with it.
 */
export function ociKeyFingerprint(privateKeyPem: string): string | undefined {
    try {
        const der = crypto.createPublicKey(crypto.createPrivateKey(privateKeyPem)).export({ type: "spki", format: "der" });
        return crypto.createHash("md5").update(der).digest("hex").match(/../g)!.join(":");
    } catch {
        return undefined;
    }
}

const ociAuthSchema = z.strictObject({
    tenancyOcid: ocid("tenancy").describe("Tenancy OCID."),
    userOcid: ocid("user").describe("API user OCID."),
    fingerprint: z.string().regex(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/, { message: "must be an API key fingerprint, 16 hex pairs separated by ':'" })
        .describe("API key fingerprint."),
    privateKey: checkedSecret(ociSigningKeyProblem).describe("API signing key: RSA, PEM, without a passphrase (secret: `pulumi config set --secret --path oci.auth.privateKey < oci_api_key.pem`)."),
});

/**
 * The fingerprint names the key OCI checks signatures with: another key's makes every request fail
 * (sweep s20-05). Read from the raw `groundwork:oci`, as the key is a secret Output once parsed.
 */
export function ociFingerprintProblems(rawOci: unknown): { path: (string | number)[]; message: string }[] {
    const auth = isObject(rawOci) ? rawOci.auth : undefined;
    if (!isObject(auth) || typeof auth.privateKey !== "string" || typeof auth.fingerprint !== "string") return [];
    const own = ociKeyFingerprint(auth.privateKey);
    return own !== undefined && own !== auth.fingerprint.toLowerCase()
        ? [{ path: ["oci", "auth", "fingerprint"], message: `is not the fingerprint of oci.auth.privateKey (${own}), so OCI would refuse every request it signs; give the fingerprint of the key you uploaded for this user, or that key` }]
        : [];
}

export const ociSchema = z.strictObject({
    region: z.enum(OCI_REGIONS).describe("OCI region; Always-Free A1 capacity exists only in the tenancy's home region."),
    compartmentId: ocid("compartment|tenancy").describe("Compartment for every resource."),
    tenancyOcid: ocid("tenancy").optional().describe("Tenancy OCID, for the dynamic group of Vault's OCI KMS auto-unseal and the backup bucket's users (default: auth.tenancyOcid)."),
    backupUserOcid: z.unknown().optional().superRefine((v, ctx) => {
        if (v !== undefined) ctx.addIssue({ code: "custom", message: "is no longer read: the stack makes each backup consumer its own OCI user, group and key (README, object storage); remove it, and delete that user's old Customer Secret Key" });
    }).describe("Retired: the stack makes each backup consumer's user."),
    auth: ociAuthSchema.optional().describe("API key auth; when absent the OCI provider reads ~/.oci/config or OCI_* variables."),
    availabilityDomain: availabilityDomainName.optional().describe("Availability domain name; default: the first one the region lists."),
    imageId: ocid("image").optional().describe("aarch64 image OCID; default: the newest Canonical Ubuntu 24.04 image for A1."),
    alwaysFree: z.boolean().default(true).describe("Enforce the Always-Free totals (4 OCPU, 24 GB, 200 GB block storage)."),
    // docs.oracle.com terraform-provider-oci core_vcn: "The CIDR blocks can range from /16 to /30" (read 2026-11-28).
    vcnCidr: cidrSized(16, 30, "OCI's VCN sizes").default("10.0.0.0/16").describe("VCN range."),
    publicSubnetCidr: cidrSized(16, 30, "a subnet inside an OCI VCN").default("10.0.0.0/24").describe("Public subnet (servers, ingress)."),
    privateSubnetCidr: cidrSized(16, 30, "a subnet inside an OCI VCN").default("10.0.1.0/24").describe("Private subnet (agents, NAT egress)."),
    sshAllowedCidrs: z.array(operatorCidr).min(1, { message: "must list at least one range: Pulumi itself reads the kubeconfig and bootstraps Vault over SSH, so with none it could not finish; give the ranges you run pulumi up from" }).superRefine(noRepeats("list each range once")).describe("Ranges allowed to reach SSH on public nodes. Required; never 0.0.0.0/0."),
    ingressAllowedCidrs: z.unknown().optional().refine((v) => v === undefined, {
        message: "has moved: who may reach HTTP/HTTPS is groundwork:access.publicRanges (and operatorRanges), and ports open only when a host is routed",
    }).describe("Replaced by groundwork:access.publicRanges."),
    sshAuthorizedKeys: z.array(z.string().regex(AUTHORIZED_KEY, {
        message: "must be an OpenSSH public key line (ssh-ed25519 AAAA... comment)",
    }).refine((line) => !AUTHORIZED_KEY.test(line) || keyBlobMatchesType(keyPart(line)), {
        message: "names one key type but holds another (the key data begins with its own type name), so sshd never matches it; copy the whole line of the .pub file, unchanged",
    }).refine((line) => !AUTHORIZED_KEY.test(line) || ed25519KeyIsWhole(keyPart(line)), {
        message: "is an ed25519 key cut short (its data is not the 32-byte key, RFC 8709), so sshd never matches it; copy the whole line of the .pub file, unchanged",
    }).refine((line) => !AUTHORIZED_KEY.test(line) || !keyBlobMatchesType(keyPart(line)) || ecdsaKeyIsWhole(keyPart(line)), {
        message: "is an ECDSA key cut short, or naming another curve than its type (RFC 5656 3.1), so sshd never matches it; copy the whole line of the .pub file, unchanged",
    }).refine((line) => !AUTHORIZED_KEY.test(line) || !keyBlobMatchesType(keyPart(line)) || rsaKeyIsWhole(keyPart(line)), {
        message: "is an RSA key cut short (its data does not hold the exponent and modulus whole, RFC 4253 6.6), so sshd never matches it; copy the whole line of the .pub file, unchanged",
    }).refine((line) => !AUTHORIZED_KEY.test(line) || (rsaKeyBits(keyPart(line)) ?? SSH_RSA_MINIMUM_BITS) >= SSH_RSA_MINIMUM_BITS, {
        error: (issue) => `is an RSA key of ${rsaKeyBits(keyPart(String(issue.input)))} bits, and OpenSSH refuses RSA keys under ${SSH_RSA_MINIMUM_BITS}, so sshd never accepts it; use an ssh-ed25519 key (ssh-keygen -t ed25519)`,
    })).superRefine((lines, ctx) => {
        // One key once, whatever comment or options its lines carry: a repeat is a paste twice (sweep s22 M26).
        const key = (line: string) => (AUTHORIZED_KEY.test(line) ? keyPart(line).split(/\s+/).slice(0, 2).join(" ") : line);
        lines.forEach((line, i) => {
            const first = lines.findIndex((other) => key(other) === key(line));
            if (first < i) ctx.addIssue({ code: "custom", path: [i], message: `is item [${first}]'s key again; list each key once` });
        });
    }).default([]).describe("Operators' SSH public keys for the `ubuntu` user (Pulumi adds its own generated key)."),
    overlay,
    nodes: z.array(ociNodeSchema).min(1).describe("A1 instances."),
});

/**
 * Whether an OCI node is in the public subnet, with a public address Pulumi reaches it at over
 * SSH: as it says, else servers, and every node under wireguard-native.
 */
export function ociNodeIsPublic(node: { public?: unknown; role?: unknown }, overlay: unknown): boolean {
    return typeof node.public === "boolean" ? node.public : node.role === "server" || overlay === "wireguard-native";
}

/** Servers take fixed addresses from this host of the public subnet up, so agents can join before a server exists. */
export const FIRST_SERVER_HOST = 10;

/**
 * Addresses OCI keeps in every subnet: "The first two IPv4 addresses and the last in the subnet's CIDR
 * are reserved by the Networking service" (docs.cloud.oracle.com/iaas/Content/Network/Tasks/managingVCNs.htm,
 * read 2026-11-29).
 */
const OCI_RESERVED_PER_SUBNET = 3;

function checkOciSite(oci: Loose<z.output<typeof ociSchema>>, ctx: z.RefinementCtx): void {
    // `groundwork:oci:` with every line under it commented out is null: the schema says so, and there is nothing to check here (sweep s32 C1).
    if (!isObject(oci)) return;
    const text = (v: unknown) => (typeof v === "string" ? v : "");
    const vcn = parseIpv4Cidr(text(oci.vcnCidr));
    const pub = parseIpv4Cidr(text(oci.publicSubnetCidr));
    const priv = parseIpv4Cidr(text(oci.privateSubnetCidr));
    for (const [key, subnet] of [["publicSubnetCidr", pub], ["privateSubnetCidr", priv]] as const) {
        if (vcn && subnet && !cidrContains(vcn, subnet)) {
            ctx.addIssue({ code: "custom", path: [key], message: `must lie inside vcnCidr ${text(oci.vcnCidr)}` });
        }
    }
    if (pub && priv && cidrsOverlap(pub, priv)) {
        // Either may be the one changed: both are named, each with the other's range.
        ctx.addIssue({ code: "custom", path: ["publicSubnetCidr"], message: `overlaps privateSubnetCidr ${text(oci.privateSubnetCidr)}; the two subnets must be disjoint ranges inside vcnCidr` });
        ctx.addIssue({ code: "custom", path: ["privateSubnetCidr"], message: `overlaps publicSubnetCidr ${text(oci.publicSubnetCidr)}; the two subnets must be disjoint ranges inside vcnCidr` });
    }
    const located = (key: PropertyKey[], value: unknown, problem: (v: string, region: unknown) => string | undefined) => {
        const found = typeof value === "string" ? problem(value, oci.region) : undefined;
        if (found) ctx.addIssue({ code: "custom", path: key, message: found });
    };
    located(["availabilityDomain"], oci.availabilityDomain, availabilityDomainProblem);
    located(["imageId"], oci.imageId, imageRegionProblem);
    if (!Array.isArray(oci.nodes) || !oci.nodes.every((n) => n !== null && typeof n === "object")) {
        return;
    }
    oci.nodes.forEach((n, i) => located(["nodes", i, "availabilityDomain"], (n as Record<string, unknown>).availabilityDomain, availabilityDomainProblem));
    // An AD's name begins with the tenancy's own prefix (`Uocm:PHX-AD-1`): one stack is one tenancy,
    // so two prefixes mean one was copied from another tenancy (sweep s26 M8).
    // Compared in lower case, as the AD name itself is (review s24e 8).
    const prefixOf = (v: unknown) => (typeof v === "string" && v.includes(":") ? v.split(":")[0].toLowerCase() : undefined);
    const named: [PropertyKey[], string][] = [
        ...(prefixOf(oci.availabilityDomain) ? [[["availabilityDomain"], prefixOf(oci.availabilityDomain)!] as [PropertyKey[], string]] : []),
        ...oci.nodes.flatMap((n, i) => { const p = prefixOf((n as Record<string, unknown>).availabilityDomain); return p ? [[["nodes", i, "availabilityDomain"], p] as [PropertyKey[], string]] : []; }),
    ];
    const [, firstPrefix] = named[0] ?? [];
    for (const [key, prefix] of named.filter(([, p]) => p !== firstPrefix)) {
        ctx.addIssue({ code: "custom", path: key, message: `begins with the tenancy prefix ${prefix}, but ${configKey(["oci", ...named[0][0]])} begins with ${firstPrefix}: a stack is one tenancy, whose availability domains share one prefix; copy it from \`oci iam availability-domain list\`` });
    }
    const nodes = oci.nodes as Loose<z.output<typeof ociNodeSchema>>[];
    checkSubnetRoom(oci, nodes, pub, priv, ctx);
    checkTenancy(oci, ctx);
    const sizes = nodes.map((n) => ({ ocpus: n.ocpus, memoryGbs: n.memoryGbs, bootVolumeGbs: n.bootVolumeGbs ?? MIN_BOOT_VOLUME_GBS }));
    const sized = sizes.every((n) => Object.values(n).every(Number.isInteger));
    if (oci.alwaysFree !== false && sized) {
        for (const v of alwaysFreeViolations(sizes as A1NodeSize[])) {
            ctx.addIssue({ code: "custom", path: ["nodes", ...v.path], message: v.message });
        }
    }
}

export const ociSiteSchema = ociSchema.superRefine(checkOciSite, always);

export type OciSiteConfig = z.output<typeof ociSchema>;

/**
 * Each subnet holds its nodes: every node but OCI's three reserved addresses, and the servers'
 * fixed addresses (FIRST_SERVER_HOST up) inside the public subnet, short of its last address. A
 * server is always public: its fixed address is the public subnet's (sweep s22 M5).
 */
function checkSubnetRoom(oci: Loose<z.output<typeof ociSchema>>, nodes: Loose<z.output<typeof ociNodeSchema>>[], pub: ReturnType<typeof parseIpv4Cidr>, priv: ReturnType<typeof parseIpv4Cidr>, ctx: z.RefinementCtx): void {
    nodes.forEach((n, i) => {
        if (n.role === "server" && n.public === false && i !== nodes.findIndex((m) => m.role === "server")) {
            ctx.addIssue({ code: "custom", path: ["nodes", i, "public"], message: `is false on ${String(n.name)}, a server, but servers take fixed addresses in the public subnet (from host ${FIRST_SERVER_HOST} up), which OCI refuses for a node in the private one, and Pulumi installs k3s on every server over SSH at its public address; leave it public, as servers are by default` });
        }
    });
    const isPublic = (n: Loose<z.output<typeof ociNodeSchema>>) => ociNodeIsPublic(n, oci.overlay);
    const servers = nodes.filter((n) => n.role === "server").length;
    for (const [key, subnet, count] of [["publicSubnetCidr", pub, nodes.filter(isPublic).length], ["privateSubnetCidr", priv, nodes.filter((n) => !isPublic(n)).length]] as const) {
        if (!subnet || count === 0) continue;
        const size = 2 ** (32 - subnet.prefix);
        const lastServerHost = FIRST_SERVER_HOST + servers - 1;
        if (key === "publicSubnetCidr" && servers > 0 && lastServerHost > size - 2) {
            const prefix = 32 - Math.ceil(Math.log2(lastServerHost + 2));
            ctx.addIssue({ code: "custom", path: [key], message: `is a /${subnet.prefix} of ${size} addresses, but the servers take fixed addresses in it, ${servers === 1 ? `host ${FIRST_SERVER_HOST}` : `hosts ${FIRST_SERVER_HOST} to ${lastServerHost}`}, short of its last; use a /${prefix} or larger` });
        } else if (count > size - OCI_RESERVED_PER_SUBNET) {
            const prefix = 32 - Math.ceil(Math.log2(count + OCI_RESERVED_PER_SUBNET));
            ctx.addIssue({ code: "custom", path: [key], message: `is a /${subnet.prefix}, whose ${size} addresses leave ${Math.max(0, size - OCI_RESERVED_PER_SUBNET)} for nodes once OCI keeps its first two and its last, but ${count} node(s) go in it; use a /${prefix} or larger` });
        }
    }
}

/**
 * One tenancy: the API key signs for one, so its dynamic group and users cannot be made in another,
 * and a compartment given as a tenancy's OCID is that tenancy's root (sweep s22 M4).
 */
function checkTenancy(oci: Loose<z.output<typeof ociSchema>>, ctx: z.RefinementCtx): void {
    const auth = isObject(oci.auth) ? oci.auth : undefined;
    if (typeof oci.tenancyOcid === "string" && typeof auth?.tenancyOcid === "string" && oci.tenancyOcid !== auth.tenancyOcid) {
        ctx.addIssue({ code: "custom", path: ["tenancyOcid"], message: `is not auth.tenancyOcid (${auth.tenancyOcid}), the tenancy the API key signs for, in which the stack makes Vault's dynamic group and the backup users; give that tenancy, or leave tenancyOcid out` });
    }
    const tenancy = typeof oci.tenancyOcid === "string" ? oci.tenancyOcid : typeof auth?.tenancyOcid === "string" ? auth.tenancyOcid : undefined;
    if (typeof oci.compartmentId === "string" && oci.compartmentId.startsWith("ocid1.tenancy.") && tenancy !== undefined && oci.compartmentId !== tenancy) {
        ctx.addIssue({ code: "custom", path: ["compartmentId"], message: `is another tenancy's root compartment than ${tenancy}, where the stack makes its identity resources; give a compartment of ${tenancy}, or ${tenancy} itself` });
    }
}
