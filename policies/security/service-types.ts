import type { StackValidationPolicy } from "@pulumi/policy";
import { PROBE_NAMESPACE, admissionOutcome } from "./admission-policies";

/**
 * k3s's ServiceLB answers a LoadBalancer Service with host ports on every node, servers included, and
 * a NodePort opens its port on every node too: `service-exposed-only-by-ingress` holds the plan's own
 * Services to the ingress, and this rule asks for the admission policy that holds every writer at
 * run time (a chart's controller: controller RBAC review s25 F1), by evaluating the plan's
 * ValidatingAdmissionPolicies for a LoadBalancer and a NodePort Service in another namespace.
 */
export const serviceTypesDenied: StackValidationPolicy = {
    name: "service-types-denied",
    description: "A stack with a cluster holds a ValidatingAdmissionPolicy, with a Deny binding, that refuses a LoadBalancer or NodePort Service outside the ingress's namespace, whoever writes it.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = args.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        if (namespaces.length === 0) return;
        for (const type of ["LoadBalancer", "NodePort"]) {
            const outcome = admissionOutcome(args.resources, {
                group: "", version: "v1", resource: "services", operation: "CREATE", namespace: PROBE_NAMESPACE, name: "probe", username: `system:serviceaccount:${PROBE_NAMESPACE}:controller`,
                object: { apiVersion: "v1", kind: "Service", metadata: { name: "probe", namespace: PROBE_NAMESPACE }, spec: { type, ports: [{ port: 6443 }] } },
            });
            if (!outcome.denied) {
                report(`nothing refuses a ${type} Service outside the ingress's namespace: whoever may write a Service (a chart's controller) could open a port on every node, or take 6443, 2380 or 10250 from the API server, etcd or the kubelet (k3s's ServiceLB holds a LoadBalancer's ports as host ports); add a ValidatingAdmissionPolicy with a Deny binding that refuses them outside the ingress (components/k3s/service-types.ts)`, namespaces[0].urn);
            }
        }
    },
};
