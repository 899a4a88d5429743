import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as tls from "@pulumi/tls";
import { CERT_MANAGER_NAMESPACE } from "./cert-manager";
import { ANCHOR_ISSUER_PREFIX, TrustAnchorAdmission } from "./trust-anchor-admission";

export const TRUST_ANCHOR_CN = "root.linkerd.cluster.local";
export const ISSUER_CN = "identity.linkerd.cluster.local";

/**
 * The Secret the identity controller reads its issuer from, whose name the chart fixes
 * (linkerd/linkerd2@edge-26.8.3:charts/linkerd-control-plane/templates/identity.yaml L264-267);
 * with scheme `kubernetes.io/tls` it reads `tls.crt` and `tls.key` (controller/cmd/identity/main.go L84-90).
 */
export const ISSUER_SECRET = "linkerd-identity-issuer";

/**
 * The issuer's lifetime and renewal, as Linkerd documents them with cert-manager: two days,
 * renewed 25 hours before the end, so every workload certificate it signed (24 h,
 * `identity.issuer.issuanceLifetime`) ends before it does
 * (linkerd/website@93f0017:linkerd.io/content/2-edge/tasks/automatically-rotating-control-plane-tls-credentials.md L289-358).
 */
export const ISSUER_DURATION = "48h0m0s";
export const ISSUER_RENEW_BEFORE = "25h0m0s";

/** Trust anchors live ten years: rotating one means restarting every meshed workload twice. */
const ANCHOR_HOURS = 87600;

/**
 * Which trust anchors exist: `generation` signs the issuer; `alsoTrust` are kept in the trust
 * bundle beside it during a rotation's overlap (README, "Rotating the mesh's trust anchor").
 */
export interface TrustAnchorGenerations {
    generation: number;
    alsoTrust: number[];
}

export interface MeshIdentityArgs {
    /** The control plane's namespace, where the issuer lives; the only one the trust anchor issues to. */
    namespace: pulumi.Input<string>;
    trustAnchors: TrustAnchorGenerations;
    /** cert-manager's release: its CRDs and webhook must serve before the Issuer and Certificate. */
    certManager: pulumi.Resource;
}

/**
 * Linkerd's identity: trust anchors made here (ECDSA P-256, ten years, one per generation), and an
 * issuer that cert-manager issues from the signing anchor and renews every day, the way Linkerd
 * documents it.
 *
 * The anchor's key stays out of the control plane's namespace: `linkerd-destination` caches every
 * Secret there through its unconditional Role `remote-discovery`
 * (linkerd/linkerd2@edge-26.8.3:charts/linkerd-control-plane/templates/destination-rbac.yaml L302-339,
 * controller/api/destination/watcher/cluster_store.go L89), and every meshed pod reaches it (security
 * audit s19 M1). So the anchor is a ClusterIssuer, whose CA Secret lives in cert-manager's namespace
 * (its `--cluster-resource-namespace`, the chart's default: deploy/charts/cert-manager/templates/deployment.yaml
 * L100-104 at v1.21.1), and an admission policy lets only the control plane's namespace name it
 * (`TrustAnchorAdmission`). The issuer's own key has to stay in `linkerd`: identity mounts it.
 */
export class MeshIdentity extends pulumi.ComponentResource {
    /** Every trusted anchor, the signing one first: the chart's `identityTrustAnchorsPEM`. */
    public readonly trustBundlePem: pulumi.Output<string>;
    /** The issuer Certificate, Ready once its Secret exists: the control plane waits for it. */
    public readonly issuer: pulumi.Resource;

    constructor(name: string, args: MeshIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:MeshIdentity", name, {}, opts);
        const afterCertManager = { parent: this, dependsOn: [args.certManager] };
        // Generation 1 was made directly under the mesh component before this one existed.
        const formerParent = opts?.parent ? [{ parent: opts.parent }] : [];
        const anchors = new Map([args.trustAnchors.generation, ...args.trustAnchors.alsoTrust].map((generation) => {
            // The first generation keeps the names it had before generations existed.
            const id = generation === 1 ? "linkerd-trust-anchor" : `linkerd-trust-anchor-${generation}`;
            const keep = { parent: this, aliases: generation === 1 ? formerParent : [] };
            const key = new tls.PrivateKey(id, { algorithm: "ECDSA", ecdsaCurve: "P256" }, keep);
            const cert = new tls.SelfSignedCert(id, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: TRUST_ANCHOR_CN },
                isCaCertificate: true,
                validityPeriodHours: ANCHOR_HOURS,
                // Generation 1 keeps the setting it was created with; later ones are never
                // replaced by a `pulumi up`, only by a new generation.
                earlyRenewalHours: generation === 1 ? 8760 : 0,
                allowedUses: ["cert_signing", "crl_signing"],
            }, keep);
            return [generation, { key, cert }] as const;
        }));
        const signing = anchors.get(args.trustAnchors.generation)!;
        this.trustBundlePem = pulumi.all([...anchors.values()].map((a) => a.cert.certPem)).apply((pems) => pems.map((p) => p.trim()).join("\n") + "\n");

        // The signing anchor's key, where only cert-manager (and the controllers that read every
        // Secret) can read it.
        const caName = `${ANCHOR_ISSUER_PREFIX}${args.trustAnchors.generation}`;
        const ca = new k8s.core.v1.Secret(`${name}-trust-anchor`, {
            metadata: { name: caName, namespace: CERT_MANAGER_NAMESPACE },
            type: "kubernetes.io/tls",
            stringData: { "tls.crt": signing.cert.certPem, "tls.key": pulumi.secret(signing.key.privateKeyPem) },
        }, afterCertManager);
        const admission = new TrustAnchorAdmission(`${name}-trust-anchor-admission`, { controlPlaneNamespace: args.namespace }, { parent: this });
        // Named by generation, so a new one changes the Certificate's issuerRef and cert-manager
        // issues from the new anchor at once.
        const issuer = new k8s.apiextensions.CustomResource(`${name}-trust-anchor-issuer`, {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: caName },
            spec: { ca: { secretName: ca.metadata.name } },
        }, { parent: this, dependsOn: [args.certManager, admission.binding] });
        this.issuer = new k8s.apiextensions.CustomResource(`${name}-issuer`, {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: {
                name: ISSUER_SECRET,
                namespace: args.namespace,
                // The identity controller exits without its issuer: Pulumi waits until it exists.
                annotations: { "pulumi.com/waitFor": "condition=Ready" },
            },
            spec: {
                secretName: ISSUER_SECRET,
                issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: issuer.metadata.name },
                isCA: true,
                commonName: ISSUER_CN,
                dnsNames: [ISSUER_CN],
                duration: ISSUER_DURATION,
                renewBefore: ISSUER_RENEW_BEFORE,
                // P-256 signed with SHA-256, as Linkerd requires of an issuer (pkg/issuercerts/issuercerts.go L140-151).
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                usages: ["cert sign", "crl sign", "server auth", "client auth"],
            },
        }, afterCertManager);
        this.registerOutputs({ trustBundlePem: this.trustBundlePem });
    }
}

/** Problems with a set of anchor generations, each naming the key and the fix. */
export function trustAnchorProblems(anchors: TrustAnchorGenerations): string[] {
    const problems: string[] = [];
    if (anchors.alsoTrust.includes(anchors.generation)) {
        problems.push(`alsoTrust lists ${anchors.generation}, the signing generation; list only the other anchors kept during a rotation`);
    }
    if (new Set(anchors.alsoTrust).size !== anchors.alsoTrust.length) {
        problems.push(`alsoTrust lists a generation twice: ${anchors.alsoTrust.join(", ")}`);
    }
    return problems;
}
