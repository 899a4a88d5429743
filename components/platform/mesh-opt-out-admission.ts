import * as pulumi from "@pulumi/pulumi";
import { denyingAdmissionPolicy } from "../admission-policy";

/** The annotation Linkerd's proxy injector reads on a namespace and on a pod (linkerd/linkerd2@edge-26.8.3 controller/proxy-injector). */
const INJECT = "linkerd.io/inject";
/** The label cert-manager puts on its HTTP-01 solver pods (cert-manager/cert-manager@v1.21.1 pkg/issuer/acme/http/pod.go). */
const SOLVER_LABEL = "acme.cert-manager.io/http01-solver";

const annotation = (of: string, key: string) => `(has(${of}.metadata.annotations) && '${key}' in ${of}.metadata.annotations ? ${of}.metadata.annotations['${key}'] : '')`;
const hasLabel = (key: string) => `(has(object.metadata.labels) && '${key}' in object.metadata.labels)`;

/**
 * Labels the proxy injector's webhook never sees a pod with (its `objectSelector`:
 * linkerd/linkerd2@edge-26.8.3 charts/linkerd-control-plane/values.yaml L536-541).
 */
const INJECTOR_SKIPS = ["linkerd.io/control-plane-component", "linkerd.io/cni-resource"];

/**
 * CEL: a pod in a namespace the injector meshes does not opt out of the mesh: its
 * `linkerd.io/inject` is absent, `enabled` or `ingress`, since `disabled` and any value the injector
 * does not know skip it (pkg/inject/report.go L41-46, L205-228; mesh opt-out review s26), and it
 * carries no label the injector's webhook skips. Unless it is one of cert-manager's HTTP-01 solver pods, made by
 * cert-manager's controller, which must answer the challenge without a proxy (components/ingress/tls-issuer.ts).
 * A pod out of the mesh in a meshed namespace is out of every Server and AuthorizationPolicy there,
 * and calls the namespace's neighbours below the mesh (issue 12 item 2, "in the mesh, fail closed";
 * issue 12 audit s26).
 */
export function staysInMesh(certManagerAccount: string): string {
    return `${annotation("namespaceObject", INJECT)} != 'enabled' || (${annotation("object", INJECT)} in ['', 'enabled', 'ingress'] && !(${INJECTOR_SKIPS.map(hasLabel).join(" || ")}) && ${noForeignSidecar()})`
        + ` || (request.userInfo.username == 'system:serviceaccount:${certManagerAccount}' && ${hasLabel(SOLVER_LABEL)})`;
}

/**
 * CEL: the pod carries none of the sidecars the injector takes for an existing proxy and then
 * leaves alone (linkerd/linkerd2@edge-26.8.3 pkg/healthcheck/sidecar.go L12-33, pkg/inject/report.go
 * L105), but Linkerd's own proxy: Istio's proxy or init container, or Linkerd's `linkerd-init`,
 * which the injector never adds here, since the stack runs Linkerd's CNI plugin and injects
 * `linkerd-network-validator` instead (charts/partials/templates/_network-validator.tpl L2,
 * _proxy-init.tpl L52). A container named `linkerd-proxy` passes: after injection a real proxy
 * looks the same (security review s27 F3).
 */
function noForeignSidecar(): string {
    const containers = "((has(object.spec.initContainers) ? object.spec.initContainers : []) + object.spec.containers)";
    const foreign = "(c.name in ['istio-proxy', 'istio-init', 'linkerd-init'] || (has(c.image) && (c.image.startsWith('gcr.io/istio-release/') || c.image.startsWith('cr.l5d.io/linkerd/proxy-init:'))))";
    return `!${containers}.exists(c, ${foreign})`;
}

export interface MeshOptOutAdmissionArgs {
    /** cert-manager's controller, `namespace/name`: the one writer whose solver pods stay out of the mesh. */
    certManagerAccount: string;
}

/** A ValidatingAdmissionPolicy and its Deny binding holding every pod, whoever creates it, to staysInMesh. */
export class MeshOptOutAdmission extends pulumi.ComponentResource {
    constructor(name: string, args: MeshOptOutAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:MeshOptOutAdmission", name, {}, opts);
        const account = args.certManagerAccount.replace("/", ":");
        denyingAdmissionPolicy(name, "groundwork-mesh-opt-out", {
            failurePolicy: "Fail",
            matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }] },
            validations: [{
                expression: staysInMesh(account),
                message: `a pod in a namespace Linkerd meshes may not opt out (${INJECT} other than enabled or ingress, a label the injector skips: ${INJECTOR_SKIPS.join(", ")}, or a sidecar it takes for a proxy of its own: istio-proxy, istio-init, linkerd-init): it would be out of every Server and AuthorizationPolicy there; run it in a namespace that is not meshed`,
                reason: "Forbidden",
            }],
        }, { parent: this });
        this.registerOutputs({});
    }
}
