import { Policy } from "@pulumi/policy";
import { aiUsePolicies } from "./ai-use/policies";
import { costPolicies } from "./cost/policies";
import { dataPolicies } from "./data/policies";
import { reliabilityPolicies } from "./reliability/policies";
import { securityPolicies } from "./security/policies";

/**
 * Every policy pack the offline plan evaluates, by directory name under policies/. Imports only
 * each pack's policies.ts: its index.ts constructs the PolicyPack, which starts the engine's gRPC
 * server. `pulumi preview --policy-pack policies/<name>` runs the same arrays.
 */
export interface RegisteredPack {
    /** Directory under policies/; the PolicyPack itself is `groundwork-<name>`. */
    name: string;
    policies: Policy[];
}

export const POLICY_PACKS: RegisteredPack[] = [
    { name: "security", policies: securityPolicies },
    { name: "reliability", policies: reliabilityPolicies },
    { name: "data", policies: dataPolicies },
    { name: "cost", policies: costPolicies },
    { name: "ai-use", policies: aiUsePolicies },
];
