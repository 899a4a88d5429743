import type { StackValidationPolicy } from "@pulumi/policy";
import { admissionOutcome } from "./admission-policies";

/**
 * A pod that opts out of the mesh (`linkerd.io/inject: disabled`) in a namespace Linkerd meshes is out
 * of every Server and AuthorizationPolicy there, and reaches its neighbours below the mesh (issue 12
 * item 2, "in the mesh, fail closed"; issue 12 audit s26). This rule asks for the admission policy
 * that refuses it, whoever creates the pod, by evaluating the plan's ValidatingAdmissionPolicies for
 * such a pod in each meshed namespace of the plan.
 */
export const meshOptOutDenied: StackValidationPolicy = {
    name: "mesh-opt-out-denied",
    description: "A stack whose namespaces Linkerd meshes holds a ValidatingAdmissionPolicy, with a Deny binding, that refuses a pod opting out of the mesh there, whoever creates it.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const meshed = args.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.props.metadata?.annotations?.["linkerd.io/inject"] === "enabled");
        for (const ns of meshed) {
            const namespace = String(ns.props.metadata?.name ?? ns.name);
            const outcome = admissionOutcome(args.resources, {
                group: "", version: "v1", resource: "pods", operation: "CREATE", namespace, name: "probe", username: "system:serviceaccount:kube-system:replicaset-controller",
                namespaceAnnotations: ns.props.metadata?.annotations ?? {},
                object: { apiVersion: "v1", kind: "Pod", metadata: { name: "probe", namespace, annotations: { "linkerd.io/inject": "disabled" } }, spec: { containers: [{ name: "app", image: "app:1" }] } },
            });
            if (!outcome.denied) {
                report(`nothing refuses a pod that opts out of the mesh (linkerd.io/inject: disabled) in namespace ${namespace}, which Linkerd meshes: such a pod is out of every Server and AuthorizationPolicy there; add a ValidatingAdmissionPolicy with a Deny binding that refuses it (components/platform/mesh-opt-out-admission.ts)`, ns.urn);
            }
        }
    },
};
