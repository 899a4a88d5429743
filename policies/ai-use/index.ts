import { PolicyPack } from "@pulumi/policy";
import { aiUsePolicies } from "./policies";

// Run with `pulumi preview --policy-pack policies/ai-use` from the project root.
new PolicyPack("groundwork-ai-use", { policies: aiUsePolicies });
