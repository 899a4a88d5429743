import * as pulumi from "@pulumi/pulumi";
import { denyingAdmissionPolicy } from "../admission-policy";

/**
 * A Service's `externalIPs` may only keep addresses it already had: none on create, no new one on
 * update. The rule of Kubernetes' own DenyServiceExternalIPs admission plugin
 * (kubernetes/kubernetes plugin/pkg/admission/network/denyserviceexternalips/admission.go `isSubset`,
 * code index, read 2026-11-29), which k3s does not turn on. Without it, anyone who may create a
 * Service in any namespace (a chart's controller: JupyterHub's hub creates Services) can claim an
 * address and take every pod's traffic to it, cluster-wide (CVE-2020-8554, kubernetes/kubernetes#97076;
 * chart-models review s22 F2).
 */
export const EXTERNAL_IPS_UNCHANGED = "!has(object.spec) || !has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0 || "
    + "(oldObject != null && has(oldObject.spec.externalIPs) && object.spec.externalIPs.all(ip, ip in oldObject.spec.externalIPs))";

/**
 * A ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) and its Deny binding holding every
 * Service to EXTERNAL_IPS_UNCHANGED. Groundwork's Services use ClusterIP and ServiceLB's
 * LoadBalancer status, never `externalIPs`. A failure to evaluate denies (`failurePolicy: Fail`).
 */
export class ServiceExternalIpsAdmission extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:ServiceExternalIpsAdmission", name, {}, opts);
        denyingAdmissionPolicy(name, "groundwork-service-external-ips", {
            failurePolicy: "Fail",
            matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["services"] }] },
            validations: [{
                expression: EXTERNAL_IPS_UNCHANGED,
                message: "spec.externalIPs may not gain an address: a Service with external IPs takes every pod's traffic to them, cluster-wide (CVE-2020-8554); use a LoadBalancer Service",
                reason: "Forbidden",
            }],
        }, { parent: this });
        this.registerOutputs({});
    }
}
