import { z } from "zod";
import { AWS_REGIONS, FAMILY_REGIONS, familyOf, INSTANCE_TYPES, offeredIn } from "../../components/aws/instance-types";
import { cidrContains, cidrsOverlap, parseIpv4Cidr } from "./cidr";
import { overlay } from "./overlay";
import { always, cidrSized, isObject, labels, Loose, nodeName, noRepeats, objectItems, operatorCidr, taints } from "./primitives";

/** `groundwork:aws`: an AWS site of GPU agents, and optionally the cluster's servers. */

const GPU_TYPES = Object.entries(INSTANCE_TYPES).filter(([, t]) => t.gpus > 0).map(([n]) => n);
const CPU_TYPES = Object.entries(INSTANCE_TYPES).filter(([, t]) => t.gpus === 0).map(([n]) => n);

const gpuNodeGroupSchema = z.strictObject({
    name: nodeName.describe("Group name; nodes are named `<name>-<n>`."),
    instanceType: z.string().describe(`GPU instance type: ${GPU_TYPES.join(", ")}.`),
    count: z.number().int().min(0).max(20).optional()
        .describe("Number of instances, default 1 (0 keeps the group defined but empty); not with autoscaling, whose nodes the cluster autoscaler counts."),
    capacity: z.enum(["on-demand", "spot"]).default("on-demand").describe("On-demand or spot capacity."),
    spotMaxPricePerHour: z.number().positive().optional().describe("Highest spot price to pay, USD per instance-hour; required for spot."),
    rootVolumeGbs: z.number().int().min(50).max(16384).default(200).describe("Encrypted gp3 root volume (the model cache lives here)."),
    labels: labels.default({}).describe("Extra node labels."),
    taints: taints.default([]).describe("Extra node taints (nvidia.com/gpu is always set)."),
    autoscaling: z.strictObject({
        min: z.number().int().min(0).max(20).describe("Fewest nodes; 0 lets the group scale to zero when no GPU pod waits."),
        max: z.number().int().min(0).max(20)
            .describe("Most nodes the cluster autoscaler may start."),
    }).optional().describe("An EC2 Auto Scaling group between min and max nodes, sized by the Kubernetes cluster autoscaler, instead of a fixed count of instances."),
});

/** The node (and instance) name of the AWS site's `i`th server, counted from 0. */
export const awsServerName = (i: number) => `aws-server-${i}`;

/** How many instances a fixed-count group runs (autoscaled groups have none of their own). */
export function fixedCount(group: { count?: number; autoscaling?: unknown }): number {
    return group.autoscaling ? 0 : group.count ?? 1;
}

export const awsSchema = z.strictObject({
    region: z.enum(AWS_REGIONS).describe("AWS region."),
    overlay,
    // docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html: "between a /16 netmask ... and /28 netmask" for VPCs and subnets.
    vpcCidr: cidrSized(16, 28, "AWS's VPC sizes").default("10.1.0.0/16").describe("VPC range."),
    publicSubnetCidrs: z.array(cidrSized(16, 28, "AWS's subnet sizes")).min(1).max(3).default(["10.1.0.0/24", "10.1.1.0/24"]).describe("Public subnets, one per availability zone."),
    privateSubnetCidrs: z.array(cidrSized(16, 28, "AWS's subnet sizes")).min(1).max(3).default(["10.1.100.0/24", "10.1.101.0/24"]).describe("Private subnets, one per availability zone (same count)."),
    existingVpc: z.strictObject({
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: "must be a VPC id (vpc-0123456789abcdef0)" }).describe("The VPC."),
        publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet id (subnet-0123...)" })).min(1)
            .superRefine(noRepeats("list each subnet once: one per availability zone")).describe("Its public subnets, in the order of publicSubnetCidrs."),
        privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet id (subnet-0123...)" })).min(1)
            .superRefine(noRepeats("list each subnet once: one per availability zone")).describe("Its private subnets (with egress), in the order of privateSubnetCidrs."),
    }).optional().describe("Use an existing VPC: vpcCidr and the subnet CIDRs then describe it, and only the security group is created."),
    sshAllowedCidrs: z.array(operatorCidr).superRefine(noRepeats("list each range once: EC2 refuses two identical rules in one security group")).default([]).describe("Ranges allowed to reach SSH on AWS servers (for the kubeconfig). Never 0.0.0.0/0."),
    allowUnlistedOffering: z.boolean().default(false).describe("Accept instance types Groundwork's table does not list for this region."),
    servers: z.strictObject({
        instanceType: z.string().default("m7i.xlarge").describe(`CPU instance type (4 vCPU / 16 GiB by default: the platform with the LLM gateway and autoscaler needs more than 2 cores): ${CPU_TYPES.join(", ")}.`),
        count: z.number().int().min(1).max(5).default(1).describe("Number of servers (odd: embedded etcd quorum)."),
        rootVolumeGbs: z.number().int().min(20).max(16384).default(100).describe("Encrypted gp3 root volume: etcd, the images and the platform's volumes (k3s local-path) live here; checked against the volumes asked for."),
    }).optional().describe("k3s servers in this site (the cloud stack); absent when the servers live elsewhere."),
    gpuNodeGroups: z.array(gpuNodeGroupSchema).default([]).describe("GPU agents."),
});

function checkAwsSite(aws: Loose<z.output<typeof awsSchema>>, ctx: z.RefinementCtx): void {
    // `groundwork:aws:` with every line under it commented out is null: the schema says so, and there is nothing to check here (sweep s32 C1).
    if (!isObject(aws)) return;
    // Only a region the schema accepts: a misspelt one is reported once, by the region check.
    const region = typeof aws.region === "string" && (AWS_REGIONS as readonly string[]).includes(aws.region) ? aws.region : undefined;
    const vpc = typeof aws.vpcCidr === "string" ? parseIpv4Cidr(aws.vpcCidr) : undefined;
    const subnets = (["publicSubnetCidrs", "privateSubnetCidrs"] as const).flatMap((key) =>
        (Array.isArray(aws[key]) ? (aws[key] as unknown[]) : []).map((c, i) => ({ key, i, c: typeof c === "string" ? parseIpv4Cidr(c) : undefined, text: c })));
    subnets.forEach((s, n) => {
        if (vpc && s.c && !cidrContains(vpc, s.c)) {
            ctx.addIssue({ code: "custom", path: [s.key, s.i], message: `must lie inside vpcCidr ${String(aws.vpcCidr)}` });
        }
        const earlier = subnets.slice(0, n).find((o) => o.c && s.c && cidrsOverlap(o.c, s.c));
        if (earlier) {
            ctx.addIssue({ code: "custom", path: [s.key, s.i], message: `overlaps ${earlier.key}[${earlier.i}] ${String(earlier.text)}` });
        }
    });
    if (Array.isArray(aws.publicSubnetCidrs) && Array.isArray(aws.privateSubnetCidrs) && aws.publicSubnetCidrs.length !== aws.privateSubnetCidrs.length) {
        ctx.addIssue({ code: "custom", path: ["privateSubnetCidrs"], message: `lists ${aws.privateSubnetCidrs.length} subnets and publicSubnetCidrs ${aws.publicSubnetCidrs.length}; give one of each per availability zone` });
    }
    if (isObject(aws.existingVpc)) {
        const publicIds = Array.isArray(aws.existingVpc.publicSubnetIds) ? aws.existingVpc.publicSubnetIds : [];
        (Array.isArray(aws.existingVpc.privateSubnetIds) ? aws.existingVpc.privateSubnetIds : []).forEach((id, i) => {
            if (publicIds.includes(id)) {
                ctx.addIssue({ code: "custom", path: ["existingVpc", "privateSubnetIds", i], message: `is also in publicSubnetIds; a subnet is public (routed to an internet gateway) or private (routed to a NAT), not both: list each subnet once, where its route table puts it` });
            }
        });
        for (const [ids, cidrs] of [["publicSubnetIds", "publicSubnetCidrs"], ["privateSubnetIds", "privateSubnetCidrs"]] as const) {
            const given = aws.existingVpc[ids];
            const ranges = aws[cidrs];
            if (Array.isArray(given) && Array.isArray(ranges) && given.length !== ranges.length) {
                ctx.addIssue({ code: "custom", path: ["existingVpc", ids], message: `lists ${given.length} subnets but ${cidrs} lists ${ranges.length}; give each existing subnet's range, in the same order` });
            }
        }
    }
    const offering = (type: string, path: PropertyKey[]) => {
        if (region && aws.allowUnlistedOffering !== true && INSTANCE_TYPES[type] && !offeredIn(type, region)) {
            const where = FAMILY_REGIONS[familyOf(type)] ?? [];
            ctx.addIssue({ code: "custom", path, message: `is not offered in ${region} as far as Groundwork knows (offered in: ${where.join(", ")}); pick another type or region, or set allowUnlistedOffering: true after checking \`aws ec2 describe-instance-type-offerings\`` });
        }
    };
    if (isObject(aws.servers) && typeof aws.servers.instanceType === "string") {
        const type = aws.servers.instanceType;
        const spec = INSTANCE_TYPES[type];
        if (!spec) {
            ctx.addIssue({ code: "custom", path: ["servers", "instanceType"], message: `is not an instance type Groundwork knows; CPU types: ${CPU_TYPES.join(", ")}` });
        } else if (spec.gpus > 0) {
            ctx.addIssue({ code: "custom", path: ["servers", "instanceType"], message: `has ${spec.gpus} GPU(s); servers run the control plane, use a CPU type: ${CPU_TYPES.join(", ")}` });
        }
        offering(type, ["servers", "instanceType"]);
    }
    if (isObject(aws.servers) && Array.isArray(aws.sshAllowedCidrs) && aws.sshAllowedCidrs.length === 0) {
        ctx.addIssue({ code: "custom", path: ["sshAllowedCidrs"], message: "is empty, but the servers run here and Pulumi reads the kubeconfig from the first one over SSH; list the range Pulumi runs from" });
    }
    if (isObject(aws.servers) && typeof aws.servers.count === "number" && aws.servers.count % 2 === 0) {
        ctx.addIssue({ code: "custom", path: ["servers", "count"], message: "makes an even number of servers; embedded etcd needs an odd number (1, 3, 5) to keep quorum" });
    }
    for (const [group, i] of objectItems(aws.gpuNodeGroups)) {
        // A group is a component named by it: two of one name are one URN, which the engine refuses at
        // preview, with nodes or without (a count-0 group makes none for the node-name check; sweep s22 M7).
        const first = objectItems(aws.gpuNodeGroups).find(([other]) => typeof group.name === "string" && other.name === group.name)?.[1];
        if (first !== undefined && first < i) {
            ctx.addIssue({ code: "custom", path: ["gpuNodeGroups", i, "name"], message: `is also gpuNodeGroups[${first}]'s name; each group needs its own (it names the group's resources and nodes)` });
        }
        if (typeof group.instanceType === "string") {
            const spec = INSTANCE_TYPES[group.instanceType];
            if (!spec) {
                ctx.addIssue({ code: "custom", path: ["gpuNodeGroups", i, "instanceType"], message: `is not a GPU instance type Groundwork knows; GPU types: ${GPU_TYPES.join(", ")}` });
            } else if (spec.gpus === 0) {
                ctx.addIssue({ code: "custom", path: ["gpuNodeGroups", i, "instanceType"], message: `has no GPU; GPU types: ${GPU_TYPES.join(", ")}` });
            }
            offering(group.instanceType, ["gpuNodeGroups", i, "instanceType"]);
        }
        if (group.capacity === "spot" && group.spotMaxPricePerHour === undefined) {
            ctx.addIssue({ code: "custom", path: ["gpuNodeGroups", i, "spotMaxPricePerHour"], message: "is required for spot capacity: the most to pay per instance-hour in USD (e.g. the on-demand price), so a price spike stops the node instead of the bill" });
        }
        if (isObject(group.autoscaling)) {
            const { min, max } = group.autoscaling;
            if (group.count !== undefined) {
                ctx.addIssue({ code: "custom", path: ["gpuNodeGroups", i, "count"], message: "cannot be set with autoscaling: the cluster autoscaler owns the node count, between autoscaling.min and autoscaling.max; remove count" });
            }
            if (max === 0) {
                ctx.addIssue({ code: "custom", path: ["gpuNodeGroups", i, "autoscaling", "max"], message: "lets the group never have a node; set max to 1 or more (up to 20), or keep an empty group with count: 0 and no autoscaling" });
            } else if (typeof min === "number" && typeof max === "number" && max < min) {
                ctx.addIssue({ code: "custom", path: ["gpuNodeGroups", i, "autoscaling", "max"], message: `is below autoscaling.min ${min}; max must be at least min` });
            }
            if (aws.overlay === "wireguard-native") {
                ctx.addIssue({ code: "custom", path: ["gpuNodeGroups", i, "autoscaling"], message: "cannot be used with overlay wireguard-native: autoscaled nodes have no Elastic IPs allocated beforehand, so the other sites' firewalls and the nodes' own k3s config cannot name them; use overlay: tailscale, a cloud-only stack (overlay: private), or a fixed count" });
            }
        }
        if (group.capacity !== "spot" && group.spotMaxPricePerHour !== undefined) {
            ctx.addIssue({ code: "custom", path: ["gpuNodeGroups", i, "spotMaxPricePerHour"], message: "applies to spot capacity only; set capacity: spot or remove it" });
        }
    }
    checkGpuSubnetRoom(aws, ctx);
}

/**
 * Addresses AWS keeps in every subnet: "Amazon Web Services reserves both the first four and the
 * last IPv4 address in each subnet's CIDR block" (EC2 API reference, CreateSubnet, read 2026-11-29).
 */
const AWS_RESERVED_PER_SUBNET = 5;

/**
 * The GPU nodes fit their subnets at the groups' largest size: the private ones behind NAT, or the
 * public ones under wireguard-native (stacks/aws-site.ts). Pods take no subnet address (flannel);
 * the servers' fixed addresses sit in the first public subnet (sweep s22 M6).
 */
function checkGpuSubnetRoom(aws: Loose<z.output<typeof awsSchema>>, ctx: z.RefinementCtx): void {
    const key = aws.overlay === "wireguard-native" ? "publicSubnetCidrs" : "privateSubnetCidrs";
    const subnets = Array.isArray(aws[key]) ? (aws[key] as unknown[]).map((c) => (typeof c === "string" ? parseIpv4Cidr(c) : undefined)) : [];
    if (subnets.length === 0 || subnets.some((c) => c === undefined)) return;
    const groups = objectItems(aws.gpuNodeGroups);
    const nodes = groups.reduce((sum, [g]) => sum + (isObject(g.autoscaling) && typeof g.autoscaling.max === "number" ? g.autoscaling.max : fixedCount(g as { count?: number })), 0);
    const servers = key === "publicSubnetCidrs" && isObject(aws.servers) && typeof aws.servers.count === "number" ? aws.servers.count : 0;
    const room = subnets.reduce((sum, c) => sum + 2 ** (32 - c!.prefix) - AWS_RESERVED_PER_SUBNET, 0);
    if (nodes + servers > room) {
        ctx.addIssue({ code: "custom", path: [key], message: `leave ${room} addresses for nodes once AWS keeps five of each subnet, but the GPU node groups reach ${nodes} node(s)${servers ? ` beside ${servers} server(s)` : ""} at their largest; use larger subnets (a /24 holds 251), or fewer nodes` });
    }
}

export const awsSiteSchema = awsSchema.superRefine(checkAwsSite, always);
export type AwsSiteConfig = z.output<typeof awsSchema>;
