import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { isolateNamespaceEgress, NamespaceEgress } from "./egress";
import { isolateNamespace, MovedFrom, movedOpts, PodsApart } from "./network-isolation";

export interface NamespaceGuard {
    /** What its pods may reach beyond the cluster's pods (egress.ts); by default nothing. */
    egress?: NamespaceEgress;
    /** Where the namespace and its policies were declared before, when a component takes it over. */
    movedFrom?: MovedFrom;
    /** Pods its same-namespace allowance leaves out: they take only what allowances naming them admit. */
    podsApart?: PodsApart;
}

/**
 * A Namespace isolated below the mesh both ways (k3s enforces NetworkPolicies with its embedded
 * kube-router controller): its pods take no ingress but from each other and what explicit
 * allowances name (network-isolation.ts), and reach nothing but the cluster's pods and what the
 * guard's egress names (egress.ts). The instance metadata service is never among those unless an
 * allowance names it, which the security pack reports outside the namespaces it permits.
 */
export function guardedNamespace(name: string, args: k8s.core.v1.NamespaceArgs, opts: pulumi.CustomResourceOptions, guard: NamespaceGuard = {}): k8s.core.v1.Namespace {
    const moved = guard.movedFrom;
    const ns = new k8s.core.v1.Namespace(name, args, movedOpts(opts, "", moved));
    const childOpts = { ...opts, dependsOn: [ns], retainOnDelete: false };
    isolateNamespaceEgress(name, ns.metadata.name, guard.egress ?? {}, childOpts);
    isolateNamespace(name, ns.metadata.name, childOpts, moved, guard.podsApart);
    return ns;
}
