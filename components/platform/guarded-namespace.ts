import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { isolateNamespace, MovedFrom, movedOpts } from "./network-isolation";

/**
 * The instance metadata service of AWS EC2 and OCI compute (both answer at 169.254.169.254:
 * docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html,
 * docs.oracle.com/iaas/Content/Compute/Tasks/gettingmetadata.htm, read 2026-11-27). OCI's v2
 * endpoint needs only a fixed header and has no hop limit: any pod could read its node's user
 * data and instance-principal credentials.
 */
export const INSTANCE_METADATA_CIDR = "169.254.169.254/32";

/** The NetworkPolicy every namespace gets: egress anywhere except the metadata service. */
export const METADATA_POLICY_NAME = "deny-instance-metadata";

export interface MetadataGuard {
    /**
     * The namespace's pods need the metadata service (Vault's OCI KMS seal authenticates as its
     * instance): its policy allows all egress instead, and says why.
     */
    allowMetadata?: string;
    /** Where the namespace and its policies were declared before, when a component takes it over. */
    movedFrom?: MovedFrom;
}

/**
 * A Namespace whose pods take no ingress but from each other and what explicit allowances name
 * (network-isolation.ts), with a NetworkPolicy on all its pods that refuses egress to the instance metadata
 * service (k3s enforces NetworkPolicies with its embedded kube-router controller). Policies only
 * add allowances, so a chart's own egress rules in the namespace can narrow nothing this allows
 * and widen nothing it refuses... except by allowing the address explicitly, which the security
 * pack reports.
 */
export function guardedNamespace(name: string, args: k8s.core.v1.NamespaceArgs, opts: pulumi.CustomResourceOptions, guard: MetadataGuard = {}): k8s.core.v1.Namespace {
    const moved = guard.movedFrom;
    const ns = new k8s.core.v1.Namespace(name, args, movedOpts(opts, "", moved));
    const allow = guard.allowMetadata;
    new k8s.networking.v1.NetworkPolicy(`${name}-metadata`, {
        metadata: {
            name: allow ? "allow-instance-metadata" : METADATA_POLICY_NAME,
            namespace: ns.metadata.name,
            ...(allow ? { annotations: { "groundwork.dev/reason": allow } } : {}),
        },
        spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: allow ? [{}] : [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [INSTANCE_METADATA_CIDR] } }] }],
        },
    }, movedOpts({ ...opts, dependsOn: [ns], retainOnDelete: false }, "-metadata", moved));
    isolateNamespace(name, ns.metadata.name, { ...opts, dependsOn: [ns], retainOnDelete: false }, moved);
    return ns;
}
