import { EBS_GP3_GB_MONTH, EC2_ON_DEMAND, KMS_KEY_MONTH, NAT_GATEWAY_HOUR, PUBLIC_IPV4_HOUR, SPOT_PRICING_SOURCE } from "./aws-prices";
import { HOURS_PER_MONTH, PriceEntry } from "./price-entry";
import { PriceLine, PricedResource } from "./price-line";

const base = (r: PricedResource) => ({ urn: r.urn, name: r.name, type: r.type });

function priced(r: PricedResource, item: string, quantity: number, price: PriceEntry, note?: string): PriceLine {
    const n = note ?? price.note;
    return { ...base(r), item, quantity, unit: price.unit, unitUsd: price.usd, monthlyUsd: quantity * price.usd, status: "priced", source: price.source, asOf: price.asOf, ...(n ? { note: n } : {}) };
}

export function unpricedLine(r: PricedResource, item: string, note: string): PriceLine {
    return { ...base(r), item, quantity: 0, unit: "", unitUsd: 0, monthlyUsd: 0, status: "unpriced", source: "", asOf: "", note };
}

/** The on-demand price of an instance type in a region, if our table has it. */
export function onDemandPrice(instanceType: string, region: string | undefined): PriceEntry | undefined {
    return region ? EC2_ON_DEMAND[region]?.[instanceType] : undefined;
}

export const isSpot = (props: Record<string, any>): boolean => props?.instanceMarketOptions?.marketType === "spot";

/** The spot max price in USD/h, when set (the provider takes it as a string). */
export function spotMaxPrice(props: Record<string, any>): number | undefined {
    const raw = props?.instanceMarketOptions?.spotOptions?.maxPrice;
    const n = typeof raw === "string" ? Number(raw) : raw;
    return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined;
}

function instanceLines(r: PricedResource, region: string | undefined): PriceLine[] {
    const type = String(r.props.instanceType ?? "");
    const lines: PriceLine[] = [];
    const onDemand = onDemandPrice(type, region);
    const max = spotMaxPrice(r.props);
    if (isSpot(r.props) && max !== undefined) {
        // The ceiling, not the expected bill: AWS charges the market spot price, never above this.
        lines.push(priced(r, `${type} spot at max price $${max.toFixed(4)}/h (ceiling), ${HOURS_PER_MONTH} h`, HOURS_PER_MONTH,
            { usd: max, unit: "hour", source: SPOT_PRICING_SOURCE, asOf: onDemand?.asOf ?? "" },
            `ceiling from instanceMarketOptions.spotOptions.maxPrice; the market spot price is usually lower${onDemand ? `; on-demand is $${onDemand.usd}/h (${onDemand.source})` : ""}`));
    } else if (onDemand) {
        lines.push(priced(r, `${type}${isSpot(r.props) ? " spot without max price (capped at on-demand)" : " on-demand"} in ${region}, ${HOURS_PER_MONTH} h`, HOURS_PER_MONTH, onDemand));
    } else {
        lines.push(unpricedLine(r, `${type || "unknown type"} in ${region ?? "unknown region"}`, "no published on-demand price for this type and region in policies/cost/aws-prices.ts"));
    }
    const disk = r.props.rootBlockDevice;
    if (disk) {
        const size = Number(disk.volumeSize);
        const volumeType = disk.volumeType ?? "gp3";
        const gp3 = region ? EBS_GP3_GB_MONTH[region] : undefined;
        if (!Number.isFinite(size) || size <= 0) {
            lines.push(unpricedLine(r, "root volume (size from the AMI)", "rootBlockDevice.volumeSize is not set; the AMI decides the size"));
        } else if (volumeType === "gp3" && gp3) {
            lines.push(priced(r, `root volume ${size} GB gp3`, size, gp3));
        } else {
            lines.push(unpricedLine(r, `root volume ${size} GB ${volumeType} in ${region ?? "unknown region"}`, "no published price for this volume type and region in policies/cost/aws-prices.ts"));
        }
    }
    if (r.props.associatePublicIpAddress === true) {
        lines.push(priced(r, `public IPv4 address, ${HOURS_PER_MONTH} h`, HOURS_PER_MONTH, PUBLIC_IPV4_HOUR));
    }
    return lines;
}

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** The launch template an Auto Scaling group launches: one it depends on, else its sibling. */
function launchTemplateOf(group: PricedResource, all: PricedResource[]): PricedResource | undefined {
    const templates = all.filter((t) => t.type === LAUNCH_TEMPLATE);
    return templates.find((t) => group.dependencies?.includes(t.urn)) ?? templates.find((t) => t.parent !== undefined && t.parent === group.parent);
}

/**
 * An Auto Scaling group costs its nodes: each priced like an instance from the launch template
 * (type, spot cap, root volume). The monthly price counts `minSize` nodes, the ceiling `maxSize`.
 */
function autoScalingGroupLines(r: PricedResource, region: string | undefined, all: PricedResource[]): PriceLine[] {
    const template = launchTemplateOf(r, all);
    if (!template) return [unpricedLine(r, "Auto Scaling group", "its launch template is not in the stack, so its instance type is unknown")];
    const min = Number(r.props.minSize ?? 0);
    const max = Number(r.props.maxSize ?? min);
    const root = template.props.blockDeviceMappings?.[0]?.ebs;
    const node = instanceLines({ ...r, props: { ...template.props, rootBlockDevice: root && { volumeSize: root.volumeSize, volumeType: root.volumeType } } }, region);
    return node.map((l) => ({
        ...l,
        item: `${min}–${max} × ${l.item}, sized by the cluster autoscaler`,
        quantity: l.quantity * min,
        monthlyUsd: l.monthlyUsd * min,
        ceilingUsd: l.monthlyUsd * max,
    }));
}

/** Price lines for one AWS resource; [] for resources AWS does not bill (VPCs, subnets, IAM, …). */
export function awsLines(r: PricedResource, region: string | undefined, all: PricedResource[] = [r]): PriceLine[] {
    switch (r.type) {
        case "aws:ec2/instance:Instance":
            return instanceLines(r, region);
        case "aws:autoscaling/group:Group":
            return autoScalingGroupLines(r, region, all);
        case "aws:ec2/eip:Eip":
            return [priced(r, `Elastic IP (public IPv4), ${HOURS_PER_MONTH} h`, HOURS_PER_MONTH, PUBLIC_IPV4_HOUR)];
        case "aws:ec2/natGateway:NatGateway": {
            const nat = region ? NAT_GATEWAY_HOUR[region] : undefined;
            return nat
                ? [priced(r, `NAT gateway in ${region}, ${HOURS_PER_MONTH} h`, HOURS_PER_MONTH, nat)]
                : [unpricedLine(r, `NAT gateway in ${region ?? "unknown region"}`, "no published NAT gateway hourly price for this region in policies/cost/aws-prices.ts")];
        }
        case "aws:kms/key:Key":
            return [priced(r, "customer managed KMS key", 1, KMS_KEY_MONTH)];
        case "aws:s3/bucket:Bucket":
        case "aws:s3/bucketV2:BucketV2":
            return [{ ...base(r), item: "S3 storage", quantity: 0, unit: "GB-month", unitUsd: 0, monthlyUsd: 0, status: "usage-based", source: "https://aws.amazon.com/s3/pricing/", asOf: KMS_KEY_MONTH.asOf, note: "usage-based, not estimated: the plan cannot know how much will be stored" }];
        case "aws:lb/loadBalancer:LoadBalancer":
        case "aws:alb/loadBalancer:LoadBalancer":
            return [unpricedLine(r, `${r.props.loadBalancerType ?? "application"} load balancer`, "no load balancer price in policies/cost/aws-prices.ts")];
        default:
            return [];
    }
}
