import type { StackValidationPolicy } from "@pulumi/policy";
import { AdmissionRequest, PROBE_NAMESPACE, admissionOutcome } from "./admission-policies";

/** A Service created in any namespace, with `externalIPs` or without. */
function serviceRequest(externalIPs: string[] | undefined): AdmissionRequest {
    return {
        group: "", version: "v1", resource: "services", operation: "CREATE", namespace: PROBE_NAMESPACE,
        object: { apiVersion: "v1", kind: "Service", metadata: { name: "probe", namespace: PROBE_NAMESPACE }, spec: { ports: [{ port: 80 }], ...(externalIPs ? { externalIPs } : {}) } },
    };
}

/**
 * A Service whose `externalIPs` names an address takes every pod's traffic to that address,
 * cluster-wide, and anyone who may create a Service in a namespace may set it (CVE-2020-8554,
 * kubernetes/kubernetes#97076). Kubernetes' DenyServiceExternalIPs plugin refuses it, and k3s does not
 * turn the plugin on, so the plan must hold an admission policy that does: this rule evaluates the
 * plan's ValidatingAdmissionPolicies for a Service with an external IP, and one without.
 */
export const serviceExternalIpsDenied: StackValidationPolicy = {
    name: "service-external-ips-denied",
    description: "A stack with a cluster holds a ValidatingAdmissionPolicy, with a Deny binding, that refuses a Service new spec.externalIPs in any namespace (CVE-2020-8554), and admits Services without them.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = args.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        if (namespaces.length === 0) return;
        if (!admissionOutcome(args.resources, serviceRequest(["203.0.113.10"])).denied) {
            report("nothing refuses a Service with spec.externalIPs: whoever may create a Service in any namespace could take every pod's traffic to an address of their choosing (CVE-2020-8554); add a ValidatingAdmissionPolicy with a Deny binding that refuses new external IPs on services, CREATE and UPDATE (components/k3s/service-external-ips.ts)", namespaces[0].urn);
        }
        const plain = admissionOutcome(args.resources, serviceRequest(undefined));
        if (plain.denied) {
            report(`ValidatingAdmissionPolicy ${plain.by} refuses a Service without external IPs ("${plain.message}"), so no Service could be created; refuse only new spec.externalIPs`, namespaces[0].urn);
        }
    },
};
