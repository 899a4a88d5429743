import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/**
 * A ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA since Kubernetes 1.30) named
 * `policyName`, and the binding that makes it deny (`validationActions: [Deny]`) on every request it
 * matches. Returns the binding: what must wait for the rule to be in force.
 */
export function denyingAdmissionPolicy(resourceName: string, policyName: string, spec: pulumi.Input<k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicySpec>, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(resourceName, { metadata: { name: policyName }, spec }, opts);
    return new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(resourceName, {
        metadata: { name: policyName },
        spec: { policyName: policy.metadata.name, validationActions: ["Deny"] },
    }, opts);
}
