import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Every trust anchor's ClusterIssuer is named `<prefix><generation>`. */
export const ANCHOR_ISSUER_PREFIX = "linkerd-trust-anchor-";

/**
 * The rule the API server holds every cert-manager Certificate and CertificateRequest to: one that
 * names a trust anchor's ClusterIssuer is admitted only in the control plane's namespace.
 *
 * Why it is needed: a ClusterIssuer serves any namespace, and cert-manager approves every
 * CertificateRequest to a cert-manager ClusterIssuer by default (`approveSignerNames`
 * `clusterissuers.cert-manager.io/*`, cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager/values.yaml
 * L345-360). The chart's `cert-manager-edit` ClusterRole, aggregated into `edit` and `admin`, lets
 * anyone holding those in a namespace create Certificates there (templates/rbac.yaml L452-469). Without
 * this rule such a user could be issued a certificate under the mesh's root (a CA, or a leaf naming any
 * workload's identity), which any meshed peer would accept.
 *
 * `issuerRef.kind` is matched exactly, as cert-manager matches it (pkg/issuer/helper.go L57-73 at
 * v1.21.1: `ClusterIssuer`, or an Issuer in the request's namespace for `Issuer` or none). Kubernetes'
 * CertificateSigningRequests are not signed by cert-manager unless its alpha
 * `ExperimentalCertificateSigningRequestControllers` gate is on (internal/controller/feature/features.go L224).
 */
export function anchorIssuerConfinement(controlPlaneNamespace: string): string {
    return `!(has(object.spec.issuerRef.kind) && object.spec.issuerRef.kind == 'ClusterIssuer' && object.spec.issuerRef.name.startsWith('${ANCHOR_ISSUER_PREFIX}')) || request.namespace == '${controlPlaneNamespace}'`;
}

export interface TrustAnchorAdmissionArgs {
    /** The Linkerd control plane's namespace: the only one whose Certificates may name a trust anchor. */
    controlPlaneNamespace: pulumi.Input<string>;
}

/**
 * A ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA since Kubernetes 1.30) and its
 * binding that deny, on create and update, any Certificate or CertificateRequest outside the
 * control plane's namespace naming a trust anchor's ClusterIssuer. A failure to evaluate denies too
 * (`failurePolicy: Fail`).
 */
export class TrustAnchorAdmission extends pulumi.ComponentResource {
    /** The binding: the anchor's ClusterIssuer is made only after it, so there is no window without the rule. */
    public readonly binding: pulumi.Resource;

    constructor(name: string, args: TrustAnchorAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:TrustAnchorAdmission", name, {}, opts);
        const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(name, {
            metadata: { name: "groundwork-mesh-trust-anchor" },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: {
                    resourceRules: [{ apiGroups: ["cert-manager.io"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: ["certificates", "certificaterequests"] }],
                },
                validations: [pulumi.output(args.controlPlaneNamespace).apply((namespace) => ({
                    expression: anchorIssuerConfinement(namespace),
                    message: `only ${namespace} may be issued a certificate by the mesh's trust anchor (a ClusterIssuer named ${ANCHOR_ISSUER_PREFIX}<generation>): it would sign for any mesh identity`,
                    reason: "Forbidden",
                }))],
            },
        }, { parent: this });
        this.binding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(name, {
            metadata: { name: "groundwork-mesh-trust-anchor" },
            spec: { policyName: policy.metadata.name, validationActions: ["Deny"] },
        }, { parent: this });
        this.registerOutputs({});
    }
}
