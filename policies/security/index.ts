import { PolicyPack } from "@pulumi/policy";
import { securityPolicies } from "./policies";

// Run with `pulumi preview --policy-pack policies/security` from the project root.
new PolicyPack("groundwork-security", { policies: securityPolicies });
