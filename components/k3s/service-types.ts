import * as pulumi from "@pulumi/pulumi";
import { celStrings, denyingAdmissionPolicy } from "../admission-policy";

/**
 * CEL: a Service is ClusterIP (or headless, or ExternalName) unless it is in one of `namespaces`.
 * k3s's ServiceLB answers every LoadBalancer Service with a DaemonSet in kube-system whose pods hold
 * each port as a hostPort on every node, servers included (k3s pkg/cloudprovider/servicelb.go
 * newDaemonSet, code index copy): a Service on 6443, 2380 or 10250 would take that port from the
 * API server, etcd or the kubelet on every node, and any other port becomes a listener on every
 * node's addresses. A NodePort opens its port on every node too. The security pack's
 * `service-exposed-only-by-ingress` holds the plan to the same rule; this holds every token that
 * may write Services at run time (JupyterHub's hub, the prometheus-operator, the CloudNativePG
 * operator: controller RBAC review s25 F1).
 */
export function exposedOnlyIn(namespaces: string[]): string {
    return `!has(object.spec.type) || !(object.spec.type in ['LoadBalancer', 'NodePort']) || request.namespace in ${celStrings(namespaces)}`;
}

export interface ServiceTypeAdmissionArgs {
    /** The ingress controller's namespaces: the only ones whose Services may be LoadBalancer or NodePort. */
    ingressNamespaces: string[];
}

/** A ValidatingAdmissionPolicy and its Deny binding holding every Service, whoever writes it, to exposedOnlyIn. */
export class ServiceTypeAdmission extends pulumi.ComponentResource {
    constructor(name: string, args: ServiceTypeAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:ServiceTypeAdmission", name, {}, opts);
        denyingAdmissionPolicy(name, "groundwork-service-types", {
            failurePolicy: "Fail",
            matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["services"] }] },
            validations: [{
                expression: exposedOnlyIn(args.ingressNamespaces),
                message: `a LoadBalancer or NodePort Service opens its ports on every node (k3s's ServiceLB holds them as host ports, which take them from the API server, etcd or the kubelet); only the ingress (${args.ingressNamespaces.join(", ")}) may have one: use ClusterIP and route through the ingress`,
                reason: "Forbidden",
            }],
        }, { parent: this });
        this.registerOutputs({});
    }
}
