import { PolicyPack } from "@pulumi/policy";
import { reliabilityPolicies } from "./policies";

// Run with `pulumi preview --policy-pack policies/reliability` from the project root.
new PolicyPack("groundwork-reliability", { policies: reliabilityPolicies });
