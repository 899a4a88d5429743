import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { availabilityPolicies } from "./availability";
import { awsReliabilityPolicies } from "./aws";
import { podHealthPolicies } from "./pod-health";
import { podPlacementSchedulable } from "./placement";
import { monitoringPolicies } from "./monitoring";

/** The reliability pack's policies, importable without starting the PolicyPack's gRPC server. */
export const reliabilityPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    ...podHealthPolicies,
    ...availabilityPolicies,
    ...awsReliabilityPolicies,
    podPlacementSchedulable,
    ...monitoringPolicies,
];
