import { PolicyPack } from "@pulumi/policy";
import { costPolicies } from "./policies";

// Constructing the pack starts the engine's analyzer server: only `pulumi preview --policy-pack` loads this file.
new PolicyPack("groundwork-cost", { policies: costPolicies });
