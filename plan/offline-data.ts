import { createHash } from "crypto";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";

/**
 * What the offline plan assumes where a real run would ask a cloud: the answers of data sources
 * and the values providers compute on create. Every value is visibly a stand-in (documentation
 * address ranges, `offline` ids), and nothing here is a credential.
 */

function digest(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

/** A well-formed ED25519 public key in OpenSSH's form (RFC 8709 §4), stable per name; no private key exists for it. */
function offlineEd25519PublicKey(name: string): string {
    const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
    const blob = Buffer.concat([field(Buffer.from("ssh-ed25519")), field(createHash("sha256").update(name).digest())]);
    return `ssh-ed25519 ${blob.toString("base64")}`;
}

/** A stable address in TEST-NET-3 (RFC 5737), different per name. */
function documentationAddress(name: string): string {
    return `203.0.113.${(parseInt(digest(name).slice(0, 4), 16) % 250) + 1}`;
}

/** A stable private address for nodes that do not ask for one. */
function privateAddress(name: string): string {
    const n = parseInt(digest(name).slice(0, 4), 16);
    return `10.0.1.${(n % 200) + 20}`;
}

const OFFLINE_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: T0ZGTElORS1QTEFOLUNB
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    client-certificate-data: T0ZGTElORS1QTEFOLUNFUlQ=
    client-key-data: T0ZGTElORS1QTEFOLUtFWQ==
`;

type Invoke = (inputs: Record<string, any>) => Record<string, unknown>;

/** Data-source answers, by invoke token. A token missing here fails the plan loudly. */
export const OFFLINE_INVOKES: Record<string, Invoke> = {
    "oci:Identity/getAvailabilityDomains:getAvailabilityDomains": (inputs) => ({
        compartmentId: inputs.compartmentId,
        id: "offline-availability-domains",
        availabilityDomains: [1, 2, 3].map((n) => ({
            id: `offline-ad-${n}`,
            name: `OFFLINE:AD-${n}`,
            compartmentId: inputs.compartmentId,
        })),
    }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
        id: "offline-zones",
        names: ["offline-zone-a", "offline-zone-b", "offline-zone-c"],
        zoneIds: ["offline-az1", "offline-az2", "offline-az3"],
    }),
    "aws:ec2/getAmi:getAmi": (inputs) => ({
        id: `ami-offline${digest(JSON.stringify(inputs.filters)).slice(0, 9)}`,
        name: `${inputs.filters?.[0]?.values?.[0] ?? "image"} (offline stand-in)`,
        architecture: "x86_64",
    }),
    "oci:ObjectStorage/getNamespace:getNamespace": () => ({ id: "offline-namespace", namespace: "offlinenamespace" }),
    "oci:Core/getImages:getImages": (inputs) => ({
        ...inputs,
        id: "offline-images",
        images: [{
            id: "ocid1.image.oc1..offlineplanubuntu2404aarch64",
            displayName: "Canonical-Ubuntu-24.04-aarch64 (offline stand-in)",
            operatingSystem: inputs.operatingSystem,
            operatingSystemVersion: inputs.operatingSystemVersion,
        }],
    }),
};

type Computed = (name: string, inputs: Record<string, any>) => Record<string, unknown>;

/** Outputs that providers compute on create, by resource type. Inputs are echoed as well. */
export const OFFLINE_OUTPUTS: Record<string, Computed> = {
    "oci:Core/instance:Instance": (name, inputs) => ({
        privateIp: inputs.createVnicDetails?.privateIp ?? privateAddress(name),
        publicIp: inputs.createVnicDetails?.assignPublicIp === "true" ? documentationAddress(name) : "",
        state: "RUNNING",
    }),
    "oci:Core/natGateway:NatGateway": (name) => ({ natIp: documentationAddress(`oci-${name}`) }),
    "aws:ec2/eip:Eip": (name) => ({ publicIp: documentationAddress(`aws-${name}`), allocationId: `eipalloc-offline-${name}` }),
    "aws:ec2/instance:Instance": (name, inputs) => ({ privateIp: inputs.privateIp ?? privateAddress(`aws-${name}`).replace(/^10\.0\./, "10.1."), publicIp: "" }),
    "aws:iam/instanceProfile:InstanceProfile": (name) => ({ name: `${name}-offline`, arn: `arn:aws:iam::000000000000:instance-profile/${name}` }),
    "aws:iam/role:Role": (name) => ({ name: `${name}-offline`, arn: `arn:aws:iam::000000000000:role/${name}` }),
    "aws:ec2/keyPair:KeyPair": (name) => ({ keyName: `${name}-offline` }),
    "aws:s3/bucket:Bucket": (name) => ({ bucket: `${name}-offline`, arn: `arn:aws:s3:::${name}-offline` }),
    // Its id is the S3 access key id: a value of its own, not the `offline-<name>` its user would share.
    "oci:Identity/customerSecretKey:CustomerSecretKey": (name) => ({ id: `offline-csk-${digest(`${name}-id`).slice(0, 24)}`, key: `offline-${digest(`${name}-key`).slice(0, 40)}` }),
    "aws:kms/key:Key": (name) => ({ keyId: `offline-${name}`, arn: `arn:offline:${name}` }),
    "aws:iam/user:User": (name) => ({ name: `${name}-offline`, arn: `arn:aws:iam::000000000000:user/${name}` }),
    "aws:iam/accessKey:AccessKey": (name) => ({ id: `AKIAOFFLINE${digest(name).slice(0, 9).toUpperCase()}`, secret: `offline-${digest(`${name}-secret`).slice(0, 40)}` }),
    "oci:Kms/vault:Vault": (name) => ({ cryptoEndpoint: `https://offline-${name}-crypto.kms.example`, managementEndpoint: `https://offline-${name}-management.kms.example` }),
    "random:index/randomId:RandomId": (name, inputs) => ({ hex: digest(name).slice(0, (inputs.byteLength ?? 8) * 2), b64Std: digest(name).slice(0, 12) }),
    "random:index/randomPassword:RandomPassword": (name, inputs) => ({
        result: `offline-${digest(name)}`.slice(0, inputs.length ?? 32),
    }),
    "tls:index/privateKey:PrivateKey": (name) => ({
        privateKeyPem: `-----BEGIN PRIVATE KEY-----\noffline-plan-${digest(`${name}-pem`).slice(0, 24)}\n-----END PRIVATE KEY-----\n`,
        privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\noffline-plan-${digest(name).slice(0, 16)}\n-----END OPENSSH PRIVATE KEY-----\n`,
        publicKeyOpenssh: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${digest(name).slice(0, 43)} offline-plan\n`,
    }),
    "tls:index/selfSignedCert:SelfSignedCert": (name) => ({ certPem: `-----BEGIN CERTIFICATE-----\noffline-plan-self-signed-${name}\n-----END CERTIFICATE-----\n` }),
    "tls:index/certRequest:CertRequest": (name) => ({ certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\noffline-plan-${name}\n-----END CERTIFICATE REQUEST-----\n` }),
    "tls:index/locallySignedCert:LocallySignedCert": (name) => ({ certPem: `-----BEGIN CERTIFICATE-----\noffline-plan-signed-${name}\n-----END CERTIFICATE-----\n` }),
    // A time offset is taken when it is made: offline, from today's midnight UTC, stable within a day.
    "time:index/offset:Offset": (_name, inputs) => {
        const base = new Date(new Date().toISOString().slice(0, 10) + "T00:00:00Z");
        const at = new Date(base.getTime() + (inputs.offsetDays ?? 0) * 86_400_000);
        return { baseRfc3339: base.toISOString().replace(".000Z", "Z"), rfc3339: at.toISOString().replace(".000Z", "Z"), unix: at.getTime() / 1000 };
    },
    // Remote commands that print something the program reads: the kubeconfig, Vault's init JSON.
    "command:remote:Command": (name) => ({
        stdout: name.endsWith("-kubeconfig") ? OFFLINE_KUBECONFIG
            : name.endsWith("-init") ? JSON.stringify({ root_token: `hvs.offline${digest(name).slice(0, 24)}`, recovery_keys_b64: [1, 2, 3].map((i) => `b2ZmbGluZS1yZWNvdmVyeS${digest(`${name}${i}`).slice(0, 20)}`) })
            // Vault's handover prints Pulumi's own scoped token.
            : name.endsWith("-handover") ? `hvs.offlinepulumi${digest(name).slice(0, 24)}`
            // A node's host key handover prints the ED25519 public key it made.
            : name.endsWith("-ssh-host-key") ? `${offlineEd25519PublicKey(name)}\n`
            : "",
        stderr: "",
    }),
};

export function offlineInvoke(args: MockCallArgs): Record<string, unknown> {
    const answer = OFFLINE_INVOKES[args.token];
    if (!answer) {
        throw new Error(`the offline plan has no stand-in answer for data source ${args.token}; add one to plan/offline-data.ts`);
    }
    return answer(args.inputs);
}

export function offlineResource(args: MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const computed = OFFLINE_OUTPUTS[args.type]?.(args.name, args.inputs) ?? {};
    return {
        // A type that answers its own id (an access key's) keeps it; the rest are `offline-<name>`.
        id: args.custom ? (typeof computed.id === "string" ? computed.id : `offline-${args.name}`) : undefined,
        state: { ...args.inputs, ...computed },
    };
}
