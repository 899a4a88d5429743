import { ControllerFence } from "../admission-policy";

/**
 * What Linkerd's destination controller is let write, at edge-26.8.3. Its chart lets its account
 * write EndpointSlices and Leases in every namespace (linkerd/linkerd2@edge-26.8.3
 * charts/linkerd-control-plane/templates/destination-rbac.yaml L29-35, bound cluster-wide L38-53), and
 * every meshed pod talks to it: a thief of its token could point any Service at an address of its
 * own, or hold kube-system's leader leases (controller RBAC review s23 F6). It writes EndpointSlices
 * only for Services that select ExternalWorkloads (controller/api/destination/external-workload,
 * endpoints_reconciler.go), which this stack has none of, and Leases only in its own namespace:
 * `linkerd-destination-endpoint-write` (endpoints_controller.go L28, L128-132) and the policy
 * controller's `policy-controller-write` (policy-controller/runtime/src/lease.rs L9, L86).
 */
export function destinationRule(namespace: string): string {
    return `request.resource.resource == 'leases' && request.namespace == '${namespace}'`;
}

export interface LinkerdDestinationAdmissionArgs {
    /** Linkerd's namespace. */
    namespace: string;
    /** The destination controller's ServiceAccount (fixed by the chart: `linkerd-destination`). */
    serviceAccount: string;
}

/** The fence holding the destination controller's writes to destinationRule: no EndpointSlice, Leases at home. */
export function linkerdDestinationFence(args: LinkerdDestinationAdmissionArgs): ControllerFence {
    return {
        policyName: "groundwork-linkerd-destination",
        account: { namespace: args.namespace, name: args.serviceAccount },
        resourceRules: [
            { apiGroups: ["discovery.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["endpointslices"] },
            { apiGroups: ["coordination.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["leases"] },
        ],
        validations: [{
            expression: destinationRule(args.namespace),
            message: `Linkerd's destination controller may write Leases only in ${args.namespace}, and no EndpointSlice (this stack has no ExternalWorkload for it to publish)`,
        }],
    };
}
