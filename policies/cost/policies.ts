import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isSpot, onDemandPrice, spotMaxPrice } from "./aws-lines";
import { awsRegionOf } from "./aws-region";
import { a1Shape, bootVolumeGb } from "./oci-lines";
import { A1_FREE_GB_HOURS, A1_FREE_OCPU_HOURS, A1_SHAPE, FREE_BLOCK_GB } from "./oci-prices";
import { HOURS_PER_MONTH } from "./price-entry";
import { pricedResources } from "./policy-resources";
import { priceStack, topLines } from "./stack-price";

/*
 * Cost policies. Prices come from the tables in this folder (each entry cites its source);
 * a spot instance counts at its max price, the most it can cost.
 */

const usd = (n: number) => `$${n.toFixed(2)}`;
const INSTANCE = "aws:ec2/instance:Instance";
/** What launches EC2 capacity: instances, and launch templates for Auto Scaling groups. */
const LAUNCHABLE = [INSTANCE, "aws:ec2/launchTemplate:LaunchTemplate"];
const GPU_FAMILY = /^(g|p)\d/; // g4dn, g5, g6, g6e, p4d, p5 …

export const monthlyBudget: StackValidationPolicy = {
    name: "monthly-budget",
    description: "The stack's monthly list price (730 h, spot at max price, autoscaling groups at their maximum, Oracle Always Free applied) stays within the configured budget.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { monthlyBudgetUsd: { type: "number", minimum: 0, description: "Ceiling for the stack's monthly price in USD; without it the policy does not apply." } },
    },
    validateStack: (args, reportViolation) => {
        const budget = args.getConfig<{ monthlyBudgetUsd?: number }>().monthlyBudgetUsd;
        if (budget === undefined) return args.notApplicable("no monthlyBudgetUsd configured");
        const price = priceStack(pricedResources(args.resources));
        // What autoscaling may spend counts: the budget holds at every group's maximum size.
        if (price.ceilingUsd > budget) {
            const top = topLines(price, 3).map((l) => `${l.name} ${l.item} ${usd(l.ceilingUsd ?? l.monthlyUsd)}`).join("; ");
            const scaled = price.ceilingUsd > price.monthlyUsd ? ` at maximum scale (${usd(price.monthlyUsd)} at minimum)` : "";
            reportViolation(`The stack prices at ${usd(price.ceilingUsd)}/month${scaled}, over the monthlyBudgetUsd of ${usd(budget)}. Largest lines: ${top}. ` +
                "Use smaller or spot instances, lower spot max prices or autoscaling maximums, or raise the budget in the policy config.");
        }
    },
};

export const pricedInstanceTypes: StackValidationPolicy = {
    name: "priced-instance-types",
    description: "Every EC2 instance type in the stack has a published price in the price tables, so the budget check sees it.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const all = pricedResources(args.resources);
        for (const r of all.filter((x) => x.type === INSTANCE)) {
            const region = awsRegionOf(r, all);
            if (!onDemandPrice(String(r.props.instanceType), region)) {
                reportViolation(`instanceType ${r.props.instanceType} in ${region ?? "an unknown region"} has no price in policies/cost/aws-prices.ts, so the stack's price leaves it out. ` +
                    "Add the published on-demand price with its source, or pick a priced type.", r.urn);
            }
        }
    },
};

export const spotMaxPriceAtMostOnDemand: StackValidationPolicy = {
    name: "spot-cap-below-on-demand",
    description: "A spot instance's or launch template's spotOptions.maxPrice is no higher than the on-demand price of its type and region.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const all = pricedResources(args.resources);
        // A missing cap is reliability/aws-spot-max-price's to report; this rule judges the cap's level.
        for (const r of all.filter((x) => LAUNCHABLE.includes(x.type) && isSpot(x.props))) {
            const max = spotMaxPrice(r.props);
            const region = awsRegionOf(r, all);
            const onDemand = onDemandPrice(String(r.props.instanceType), region);
            if (max !== undefined && onDemand && max > onDemand.usd) {
                reportViolation(`Spot instance ${r.name} (${r.props.instanceType}) sets spotOptions.maxPrice $${max}/h, above the on-demand $${onDemand.usd}/h in ${region} (${onDemand.source}); ` +
                    "spot above on-demand buys nothing: lower maxPrice or use on-demand.", r.urn);
            }
        }
    },
};

export const DEFAULT_GPU_TYPES = ["g4dn.xlarge", "g5.xlarge", "g5.2xlarge", "g6.xlarge", "g6.2xlarge", "g6e.xlarge"];

export const gpuInstanceAllowList: ResourceValidationPolicy = {
    name: "gpu-instance-allow-list",
    description: "GPU instances (g*/p* families) use an allowed type; multi-GPU and p-family machines cost tens of dollars an hour and need an explicit allow.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { allowedGpuInstanceTypes: { type: "array", items: { type: "string" }, default: DEFAULT_GPU_TYPES } },
    },
    validateResource: (args, reportViolation) => {
        if (!LAUNCHABLE.includes(args.type)) return;
        const type = String(args.props.instanceType ?? "");
        if (!GPU_FAMILY.test(type)) return;
        const allowed = args.getConfig<{ allowedGpuInstanceTypes: string[] }>().allowedGpuInstanceTypes ?? DEFAULT_GPU_TYPES;
        if (!allowed.includes(type)) {
            reportViolation(`instanceType ${type} is not in allowedGpuInstanceTypes (${allowed.join(", ")}). Pick an allowed GPU type or add ${type} to the policy config deliberately.`);
        }
    },
};

export const alwaysFreeWithinLimits: StackValidationPolicy = {
    name: "always-free-within-limits",
    description: "With alwaysFreeOnly, the stack stays inside Oracle Always Free (A1 total ≤ 4 OCPU / 24 GB, ≤ 200 GB boot volumes) and prices at $0.00.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { alwaysFreeOnly: { type: "boolean", default: false, description: "Require the stack to cost nothing (a free-tier dev stack)." } },
    },
    validateStack: (args, reportViolation) => {
        if (!args.getConfig<{ alwaysFreeOnly: boolean }>().alwaysFreeOnly) return args.notApplicable("alwaysFreeOnly is false");
        const all = pricedResources(args.resources);
        const a1 = all.filter((r) => r.type === "oci:Core/instance:Instance" && r.props.shape === A1_SHAPE);
        const ocpus = a1.reduce((s, r) => s + a1Shape(r.props).ocpus, 0);
        const memory = a1.reduce((s, r) => s + a1Shape(r.props).memoryGb, 0);
        const boot = all.filter((r) => r.type === "oci:Core/instance:Instance").reduce((s, r) => s + bootVolumeGb(r.props), 0);
        if (ocpus * HOURS_PER_MONTH > A1_FREE_OCPU_HOURS.usd || memory * HOURS_PER_MONTH > A1_FREE_GB_HOURS.usd) {
            reportViolation(`${A1_SHAPE} instances total ${ocpus} OCPU / ${memory} GB (shapeConfig.ocpus / memoryInGbs); Always Free covers 4 OCPU / 24 GB across the tenancy (${A1_FREE_OCPU_HOURS.source}). Shrink the shapes or drop an instance.`);
        }
        if (boot > FREE_BLOCK_GB.usd) {
            reportViolation(`Boot volumes total ${boot} GB (sourceDetails.bootVolumeSizeInGbs); Always Free covers ${FREE_BLOCK_GB.usd} GB. Shrink bootVolumeSizeInGbs.`);
        }
        const paid = priceStack(all).lines.filter((l) => l.monthlyUsd > 0);
        if (paid.length > 0) {
            reportViolation(`alwaysFreeOnly is set but the stack prices at $${paid.reduce((s, l) => s + l.monthlyUsd, 0).toFixed(2)}/month: ${paid.map((l) => `${l.name} ${l.item} $${l.monthlyUsd.toFixed(2)}`).join("; ")}. Remove the paid resources or turn alwaysFreeOnly off.`);
        }
    },
};

const EIP = "aws:ec2/eip:Eip";

/** True if something uses the address: an association, a NAT gateway, or the Eip's own instance/ENI. */
function eipInUse(eip: PolicyResource, all: PolicyResource[]): boolean {
    if (eip.props.instance || eip.props.networkInterface) return true;
    return all.some((r) => {
        if (r.type !== "aws:ec2/eipAssociation:EipAssociation" && r.type !== "aws:ec2/natGateway:NatGateway") return false;
        if ((r.dependencies ?? []).some((d) => d.urn === eip.urn)) return true;
        const allocation = r.props.allocationId;
        // Offline plans and real previews differ: ids are "offline-<name>" or unknown; the logical name is stable.
        return r.name === eip.name || (typeof allocation === "string" && (allocation === eip.props.allocationId || allocation.endsWith(eip.name)));
    });
}

export const eipAttached: StackValidationPolicy = {
    name: "eip-attached",
    description: "Every Elastic IP is used by an instance, association or NAT gateway: idle public IPv4 addresses cost $3.65/month each.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        for (const eip of args.resources.filter((r) => r.type === EIP)) {
            if (!eipInUse(eip, args.resources)) {
                reportViolation(`Elastic IP ${eip.name} is not attached (no EipAssociation, NatGateway allocationId or instance uses it) and still costs $0.005/h. Attach it or remove it.`, eip.urn);
            }
        }
    },
};

export const costPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    monthlyBudget,
    pricedInstanceTypes,
    spotMaxPriceAtMostOnDemand,
    gpuInstanceAllowList,
    alwaysFreeWithinLimits,
    eipAttached,
];
