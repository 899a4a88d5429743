import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { AdmissionRequest, admissionOutcome } from "./admission-policies";

/**
 * Linkerd's identity issuer is a CA signed by the mesh's trust anchor, and whoever holds the anchor's
 * key can mint any mesh identity. With cert-manager, the anchor is the CA Secret of the issuer named
 * by the Certificate whose Secret is `linkerd-identity-issuer`, the name the chart fixes
 * (linkerd/linkerd2@edge-26.8.3:charts/linkerd-control-plane/templates/identity.yaml L264-267).
 *
 * - A namespaced Issuer keeps that Secret in the control plane's namespace, where `linkerd-destination`
 *   caches every Secret through its unconditional Role `remote-discovery` (destination-rbac.yaml
 *   L302-339; controller/api/destination/watcher/cluster_store.go L89) and every meshed pod reaches it.
 * - A ClusterIssuer keeps it in cert-manager's namespace, but serves Certificates in any namespace,
 *   and cert-manager approves every request to it by default (cert-manager/cert-manager@v1.21.1
 *   deploy/charts/cert-manager/values.yaml L345-360). So an admission policy must deny its use
 *   anywhere but the control plane's namespace; this rule evaluates the plan's policies to see that it does.
 */

const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const ISSUER_SECRET = "linkerd-identity-issuer";
/** A namespace that exists in no plan, standing for "any other namespace". */
const ELSEWHERE = "groundwork-policy-probe";

interface IssuerRef { name: string; kind?: string; group?: string }

const refOf = (r: PolicyResource): IssuerRef | undefined => r.props.spec?.issuerRef;
const namespaceOf = (r: PolicyResource): string => r.props.metadata?.namespace ?? "default";
const isClusterIssuer = (ref: IssuerRef | undefined) => ref?.kind === "ClusterIssuer";

/** A request for a CA certificate from `ref`, as a user or cert-manager would make it. */
function requestFor(ref: IssuerRef, namespace: string, resource: "certificates" | "certificaterequests"): AdmissionRequest {
    const spec = resource === "certificates" ? { secretName: "probe", isCA: true, commonName: "probe", issuerRef: ref } : { request: "", isCA: true, issuerRef: ref };
    return {
        group: "cert-manager.io", version: "v1", resource, operation: "CREATE", namespace,
        object: { apiVersion: "cert-manager.io/v1", kind: resource === "certificates" ? "Certificate" : "CertificateRequest", metadata: { name: "probe", namespace }, spec },
    };
}

export const meshTrustAnchorConfined: StackValidationPolicy = {
    name: "mesh-trust-anchor-confined",
    description: "The mesh's trust anchor signs Linkerd's identity issuer and nothing else: its key is kept out of the control plane's namespace (a ClusterIssuer), and an admission policy lets no other namespace name it.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const certificates = args.resources.filter((r) => r.type === CERTIFICATE);
        for (const identity of certificates.filter((c) => c.props.spec?.secretName === ISSUER_SECRET)) {
            const controlPlane = namespaceOf(identity);
            const ref = refOf(identity);
            if (!ref) continue;
            const where = `Certificate ${controlPlane}/${identity.props.metadata?.name ?? identity.name}`;
            if (!isClusterIssuer(ref)) {
                report(`${where} issues Linkerd's identity issuer from the namespaced Issuer ${ref.name}, so the trust anchor's key is a Secret in ${controlPlane}, where linkerd-destination caches every Secret and every meshed pod reaches it; make ${ref.name} a ClusterIssuer (its CA Secret then lives in cert-manager's namespace) and add a ValidatingAdmissionPolicy that lets only ${controlPlane} name it`, identity.urn);
                continue;
            }
            for (const other of certificates.filter((c) => c !== identity && isClusterIssuer(refOf(c)) && refOf(c)!.name === ref.name && namespaceOf(c) !== controlPlane)) {
                report(`Certificate ${namespaceOf(other)}/${other.props.metadata?.name ?? other.name} is issued by the mesh's trust anchor (ClusterIssuer ${ref.name}), which would make it a CA for any mesh identity; only ${controlPlane} may name it`, other.urn);
            }
            for (const resource of ["certificates", "certificaterequests"] as const) {
                if (!admissionOutcome(args.resources, requestFor(ref, ELSEWHERE, resource)).denied) {
                    report(`nothing stops another namespace from being issued a CA by the mesh's trust anchor: no ValidatingAdmissionPolicy with a Deny binding refuses ${resource} in any namespace but ${controlPlane} that name ClusterIssuer ${ref.name} (cert-manager approves such requests by default); add one matching cert-manager.io ${resource} on CREATE and UPDATE`, identity.urn);
                }
                const own = admissionOutcome(args.resources, requestFor(ref, controlPlane, resource));
                if (own.denied) {
                    report(`ValidatingAdmissionPolicy ${own.by} refuses ${resource} in ${controlPlane} that name ClusterIssuer ${ref.name} ("${own.message}"), so cert-manager cannot issue or renew Linkerd's identity issuer; let the control plane's namespace through`, identity.urn);
                }
            }
        }
    },
};
