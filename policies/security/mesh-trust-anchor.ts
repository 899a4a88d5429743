import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { nameOf, namespaceOf } from "../resource-names";
import { AdmissionRequest, PROBE_NAMESPACE, admissionOutcome } from "./admission-policies";

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
const ISSUER = "kubernetes:cert-manager.io/v1:Issuer";
const CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const SECRET = "kubernetes:core/v1:Secret";
const ISSUER_SECRET = "linkerd-identity-issuer";

interface IssuerRef { name: string; kind?: string; group?: string }
type Resource = "certificates" | "certificaterequests";

const refOf = (r: PolicyResource): IssuerRef | undefined => r.props.spec?.issuerRef;
const isClusterIssuer = (ref: IssuerRef | undefined) => ref?.kind === "ClusterIssuer";

/** A request for a certificate from `ref`, as a user or cert-manager would make it. */
function requestFor(ref: IssuerRef, namespace: string, resource: Resource, isCA: boolean): AdmissionRequest {
    const spec = resource === "certificates" ? { secretName: "probe", isCA, commonName: "probe", issuerRef: ref } : { request: "", isCA, issuerRef: ref };
    return {
        group: "cert-manager.io", version: "v1", resource, operation: "CREATE", namespace,
        object: { apiVersion: "cert-manager.io/v1", kind: resource === "certificates" ? "Certificate" : "CertificateRequest", metadata: { name: "probe", namespace }, spec },
    };
}

/**
 * The requests another namespace could make for the anchor: with `issuerRef.group` given or left
 * out (cert-manager serves both, review s20 R2), for a CA or a leaf (a leaf under the mesh's root
 * is a mesh identity too).
 */
function foreignRequests(ref: IssuerRef, resource: Resource): AdmissionRequest[] {
    const { group: _group, ...withoutGroup } = ref;
    return [{ ...ref, group: "cert-manager.io" }, withoutGroup].flatMap((r) => [true, false].map((isCA) => requestFor(r, PROBE_NAMESPACE, resource, isCA)));
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
            const where = `Certificate ${controlPlane}/${nameOf(identity)}`;
            if (!isClusterIssuer(ref)) {
                // A namespaced issuer other than a CA (Vault, an external one) keeps no key here, and serves this namespace alone.
                const issuer = args.resources.find((r) => r.type === ISSUER && nameOf(r) === ref.name && namespaceOf(r) === controlPlane);
                if (issuer && !issuer.props.spec?.ca) continue;
                report(`${where} issues Linkerd's identity issuer from the namespaced Issuer ${ref.name}, so the trust anchor's key is a Secret in ${controlPlane}, where linkerd-destination caches every Secret and every meshed pod reaches it; make ${ref.name} a ClusterIssuer (its CA Secret then lives in cert-manager's namespace) and add a ValidatingAdmissionPolicy that lets only ${controlPlane} name it`, identity.urn);
                continue;
            }
            for (const other of certificates.filter((c) => c !== identity && isClusterIssuer(refOf(c)) && refOf(c)!.name === ref.name && namespaceOf(c) !== controlPlane)) {
                report(`Certificate ${namespaceOf(other)}/${nameOf(other)} is issued by the mesh's trust anchor (ClusterIssuer ${ref.name}), and any certificate under the mesh's root can pose as a mesh identity; only ${controlPlane} may name it`, other.urn);
            }
            reportOtherIssuersOfTheKey(args.resources, ref.name, report);
            for (const resource of ["certificates", "certificaterequests"] as const) {
                if (foreignRequests(ref, resource).some((request) => !admissionOutcome(args.resources, request).denied)) {
                    report(`nothing stops another namespace from being issued a certificate by the mesh's trust anchor: no ValidatingAdmissionPolicy with a Deny binding refuses every ${resource} outside ${controlPlane} that names ClusterIssuer ${ref.name} (with or without issuerRef.group, CA or not; cert-manager approves such requests by default); add one matching cert-manager.io ${resource} on CREATE and UPDATE`, identity.urn);
                }
                const own = admissionOutcome(args.resources, requestFor(ref, controlPlane, resource, identity.props.spec?.isCA === true));
                if (own.denied) {
                    report(`ValidatingAdmissionPolicy ${own.by} refuses ${resource} in ${controlPlane} that name ClusterIssuer ${ref.name} ("${own.message}"), so cert-manager cannot issue or renew Linkerd's identity issuer; let the control plane's namespace through`, identity.urn);
                }
            }
        }
    },
};

/**
 * The admission policy confines the anchor by its issuer's name, so no other issuer may sign with
 * its key: no other ClusterIssuer naming the same CA Secret, and no Issuer in the namespace that
 * Secret lives in (cert-manager's cluster resource namespace), where a namespaced Issuer reads it too
 * (cert-manager/cert-manager@v1.21.1 pkg/controller/helper.go L26-31; review s20 R3).
 */
function reportOtherIssuersOfTheKey(resources: PolicyResource[], anchorIssuer: string, report: (message: string, urn?: string) => void): void {
    const anchor = resources.find((r) => r.type === CLUSTER_ISSUER && nameOf(r) === anchorIssuer);
    const secretName: unknown = anchor?.props.spec?.ca?.secretName;
    if (typeof secretName !== "string") return;
    const keyNamespaces = resources.filter((r) => r.type === SECRET && nameOf(r) === secretName).map(namespaceOf);
    for (const issuer of resources.filter((r) => r !== anchor && r.props.spec?.ca?.secretName === secretName)) {
        if (issuer.type === CLUSTER_ISSUER) {
            report(`ClusterIssuer ${nameOf(issuer)} signs with the mesh's trust anchor (ca.secretName ${secretName}, ClusterIssuer ${anchorIssuer}'s key) under a name the admission policy does not confine; only ${anchorIssuer} may use that Secret`, issuer.urn);
        } else if (issuer.type === ISSUER && keyNamespaces.includes(namespaceOf(issuer))) {
            report(`Issuer ${namespaceOf(issuer)}/${nameOf(issuer)} signs with the mesh's trust anchor (ca.secretName ${secretName} in ${namespaceOf(issuer)}, ClusterIssuer ${anchorIssuer}'s key), which the admission policy does not confine; only ${anchorIssuer} may use that Secret`, issuer.urn);
        }
    }
}
