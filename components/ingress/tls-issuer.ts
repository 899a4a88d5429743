import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Where the stack's certificates come from. */
export type TlsIssuerArgs =
    | {
        kind: "acme";
        /** ACME directory URL (Let's Encrypt by default). */
        server: string;
        /** Contact for the ACME account. */
        email: string;
        /** The ingress class (annotation) whose controller serves HTTP-01 challenges on port 80. */
        ingressClass: string;
    }
    | {
        kind: "private-ca";
        /** cert-manager's namespace: a ClusterIssuer's CA secret lives there. */
        certManagerNamespace: string;
    };

/** The private CA's Secret (ca.crt, tls.crt, tls.key), in cert-manager's namespace. */
export const PRIVATE_CA_SECRET = "groundwork-private-ca";

/**
 * HTTP-01 solver pods run in the namespace of the Certificate they answer for, the ingress
 * controller's. It is meshed, and a solver behind a proxy that is not yet ready fails the
 * challenge: Linkerd's injector skips pods annotated `linkerd.io/inject: disabled`
 * (linkerd/linkerd2@edge-26.8.3 controller/proxy-injector). The solver's pod passes Pod Security
 * "restricted" (non-root, RuntimeDefault, no privilege escalation, drop ALL, read-only root:
 * cert-manager/cert-manager@v1.21.1 pkg/issuer/acme/http/pod.go `buildDefaultPod`). Its Ingress
 * carries the class as the `kubernetes.io/ingress.class` annotation (`class`; `ingressClassName`
 * would need an IngressClass Traefik no longer reads: pkg/issuer/acme/http/ingress.go L162-171)
 * and answers only on the `web` entrypoint.
 * Solver fields: cert-manager.io_ClusterIssuer_v1 (`spec.acme.solvers[].http01.ingress`).
 */
export function acmeSolver(ingressClass: string) {
    return {
        http01: {
            ingress: {
                class: ingressClass,
                // The solver's Service is NodePort by default (cert-manager types_issuer.go serviceType).
                serviceType: "ClusterIP",
                podTemplate: { metadata: { annotations: { "linkerd.io/inject": "disabled" } } },
                ingressTemplate: { metadata: { annotations: { "traefik.ingress.kubernetes.io/router.entrypoints": "web" } } },
            },
        },
    };
}

/**
 * One cert-manager ClusterIssuer for every route's certificate: ACME (HTTP-01 through the ingress
 * controller) for public names, or a private CA the stack creates (a self-signed root, ECDSA
 * P-256, ten years, renewed by cert-manager a year before it ends) for names no public resolver
 * knows. The README says how to trust the private CA.
 */
/** The Secret, in cert-manager's namespace, an ACME ClusterIssuer made by `TlsIssuer(name)` keeps its account key in. */
export const acmeAccountKeySecret = (name: string): string => `${name}-acme-account`;

export class TlsIssuer extends pulumi.ComponentResource {
    /** The ClusterIssuer's name, for Certificates' `issuerRef`. */
    public readonly issuerName: string;
    public readonly issuer: k8s.apiextensions.CustomResource;

    constructor(name: string, args: TlsIssuerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:ingress:TlsIssuer", name, {}, opts);
        const parent = { parent: this };
        if (args.kind === "acme") {
            this.issuerName = `${name}-acme`;
            this.issuer = new k8s.apiextensions.CustomResource(this.issuerName, {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: this.issuerName },
                spec: {
                    acme: {
                        server: args.server,
                        email: args.email,
                        privateKeySecretRef: { name: acmeAccountKeySecret(name) },
                        solvers: [acmeSolver(args.ingressClass)],
                    },
                },
            }, parent);
        } else {
            const root = new k8s.apiextensions.CustomResource(`${name}-self-signed`, {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: `${name}-self-signed` },
                spec: { selfSigned: {} },
            }, parent);
            const ca = new k8s.apiextensions.CustomResource(`${name}-ca`, {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: PRIVATE_CA_SECRET, namespace: args.certManagerNamespace },
                spec: {
                    isCA: true,
                    commonName: "Groundwork private CA",
                    secretName: PRIVATE_CA_SECRET,
                    duration: "87600h",
                    renewBefore: "8760h",
                    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" },
                    issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: `${name}-self-signed` },
                },
            }, { parent: this, dependsOn: [root] });
            this.issuerName = `${name}-private-ca`;
            this.issuer = new k8s.apiextensions.CustomResource(this.issuerName, {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: this.issuerName },
                spec: { ca: { secretName: PRIVATE_CA_SECRET } },
            }, { parent: this, dependsOn: [ca] });
        }
        this.registerOutputs({ issuerName: this.issuerName });
    }
}
