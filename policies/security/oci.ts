import type { ResourceValidationPolicy } from "@pulumi/policy";
import { adminPortsIn, FIX_HINT, isWorldOpen, PUBLIC_INGRESS_SCHEMA, PublicIngressConfig } from "./public-ingress";

/** OCI rules. Type tokens are compared as strings so the pack never loads @pulumi/oci. */

// Source: CIS OCI Foundations Benchmark v2.0.0 3.1 "Ensure Compute Instance Legacy Metadata
// service endpoint is disabled" (hub.powerpipe.io control cis_v200_3_1, read 2026-11-25): the
// default serves IMDSv1 and v2; instanceOptions.areLegacyImdsEndpointsDisabled = true is v2 only.
export const ociLegacyImdsDisabled: ResourceValidationPolicy = {
    name: "oci-legacy-imds-disabled",
    description: "OCI compute instances serve only the v2 instance metadata endpoints.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== "oci:Core/instance:Instance") return;
        const disabled = args.props.instanceOptions?.areLegacyImdsEndpointsDisabled;
        if (disabled === true || disabled === "true") return;
        report("instanceOptions.areLegacyImdsEndpointsDisabled must be true; set instanceOptions: { areLegacyImdsEndpointsDisabled: true } (IMDSv2 only)");
    },
};

/** TCP "6", UDP "17" or "all"; the port range sits in tcpOptions/udpOptions, absent = every port. */
function ruleAdminPorts(rule: Record<string, any>, config: PublicIngressConfig, nsg: boolean): number[] {
    const protocol = String(rule.protocol ?? "");
    if (protocol === "all") return config.adminPorts ?? [];
    const options = protocol === "6" ? rule.tcpOptions : protocol === "17" ? rule.udpOptions : undefined;
    if (protocol !== "6" && protocol !== "17") return [];
    // Security lists put the destination range at tcpOptions.{min,max}; NSG rules at tcpOptions.destinationPortRange.
    const range = nsg ? options?.destinationPortRange : options;
    return range === undefined ? config.adminPorts ?? [] : adminPortsIn(range.min, range.max, config);
}

// Source: CIS OCI Foundations Benchmark v2.0.0 2.1/2.3 "Ensure no security lists / network
// security groups allow ingress from 0.0.0.0/0 to port 22" (and 2.2/2.4 for RDP); 6443 added as
// the k3s API (see public-ingress.ts).
export const ociNoPublicAdminIngress: ResourceValidationPolicy = {
    name: "oci-no-public-admin-ingress",
    description: "OCI security lists and NSG rules do not admit 0.0.0.0/0 or ::/0 to administration ports (SSH, Kubernetes API).",
    enforcementLevel: "mandatory",
    configSchema: PUBLIC_INGRESS_SCHEMA,
    validateResource: (args, report) => {
        const config = args.getConfig<PublicIngressConfig>();
        if (args.type === "oci:Core/securityList:SecurityList") {
            (args.props.ingressSecurityRules ?? []).forEach((rule: Record<string, any>, i: number) => {
                const ports = ruleAdminPorts(rule, config, false);
                if (isWorldOpen(rule.source, config) && ports.length > 0) {
                    report(`ingressSecurityRules[${i}] ("${rule.description ?? ""}") admits ${rule.source} to port(s) ${ports.join(", ")}; ${FIX_HINT}`);
                }
            });
        } else if (args.type === "oci:Core/networkSecurityGroupSecurityRule:NetworkSecurityGroupSecurityRule") {
            const rule = args.props;
            if (rule.direction !== "INGRESS") return;
            const ports = ruleAdminPorts(rule, config, true);
            if (isWorldOpen(rule.source, config) && ports.length > 0) {
                report(`source ${rule.source} is admitted to port(s) ${ports.join(", ")}; ${FIX_HINT}`);
            }
        }
    },
};

export const ociPolicies = [ociLegacyImdsDisabled, ociNoPublicAdminIngress];
