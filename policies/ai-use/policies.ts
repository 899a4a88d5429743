import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { dataResidencyPolicies } from "./data-residency";
import { gatewayAccessPolicies } from "./gateway-access";
import { gatewayConfigPolicies } from "./gateway-config-rules";
import { gatewayCoveragePolicies } from "./gateway-coverage";
import { gatewayDataClassPolicies } from "./gateway-data-classes";
import { gatewayObservabilityPolicies } from "./gateway-observability";
import { gatewayRequestControlPolicies } from "./gateway-request-controls";
import { modelServerPolicies } from "./model-servers";
import { promptEvaluationPolicies } from "./prompt-evaluations";
import { teamProjectPolicies } from "./team-projects";

/** The AI-use pack's policies, importable without starting the PolicyPack's gRPC server. */
export const aiUsePolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    ...modelServerPolicies,
    ...gatewayObservabilityPolicies,
    ...gatewayAccessPolicies,
    ...dataResidencyPolicies,
    ...gatewayConfigPolicies,
    ...gatewayCoveragePolicies,
    ...gatewayDataClassPolicies,
    ...promptEvaluationPolicies,
    ...gatewayRequestControlPolicies,
    ...teamProjectPolicies,
];
