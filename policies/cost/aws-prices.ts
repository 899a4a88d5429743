import { entry, PriceEntry } from "./price-entry";

/*
 * AWS list prices (Linux, shared tenancy, on-demand, USD). Each entry names its source and the
 * date it was read. Regions and types we could not find a published price for are left out on
 * purpose: the price model reports them as "unpriced" rather than guessing.
 */

// Karpenter's generated on-demand table, built from the AWS Price List API for us-east-1
// ("generated at 2026-01-19T13:23:24Z for us-east-1").
const KARPENTER_US_EAST_1 =
    "https://github.com/aws/karpenter-provider-aws/blob/031e72b6099630e960dacb88b48a7e9bb780945f/pkg/providers/pricing/zz_generated.pricing_aws.go";
// SkyPilot's AWS catalog (Price column = on-demand, from the AWS Price List API), per region.
const SKYPILOT_AWS_CATALOG =
    "https://github.com/skypilot-org/skypilot-catalog/blob/001367d22a0033fac286a8c71aeac7109e431bcb/catalogs/v7/aws/vms.csv";
const READ = "2026-11-25";

const hourly = (usd: number, source: string) => entry(usd, "hour", source, READ);

/** On-demand price per instance-hour, by region and instance type. */
export const EC2_ON_DEMAND: Record<string, Record<string, PriceEntry>> = {
    "us-east-1": {
        "t3.medium": hourly(0.0416, KARPENTER_US_EAST_1),
        "t3.large": hourly(0.0832, KARPENTER_US_EAST_1),
        "t3.xlarge": hourly(0.1664, KARPENTER_US_EAST_1),
        "m7i.large": hourly(0.1008, KARPENTER_US_EAST_1),
        "m7i.xlarge": hourly(0.2016, KARPENTER_US_EAST_1),
        "m7i.2xlarge": hourly(0.4032, KARPENTER_US_EAST_1),
        "m7g.large": hourly(0.0816, KARPENTER_US_EAST_1),
        "m7g.xlarge": hourly(0.1632, KARPENTER_US_EAST_1),
        "g4dn.xlarge": hourly(0.526, KARPENTER_US_EAST_1),
        "g4dn.2xlarge": hourly(0.752, KARPENTER_US_EAST_1),
        "g5.xlarge": hourly(1.006, KARPENTER_US_EAST_1),
        "g5.2xlarge": hourly(1.212, KARPENTER_US_EAST_1),
        "g5.4xlarge": hourly(1.624, KARPENTER_US_EAST_1),
        "g5.12xlarge": hourly(5.672, KARPENTER_US_EAST_1),
        "g6.xlarge": hourly(0.8048, KARPENTER_US_EAST_1),
        "g6.2xlarge": hourly(0.9776, KARPENTER_US_EAST_1),
        "g6.12xlarge": hourly(4.6016, KARPENTER_US_EAST_1),
        "g6e.xlarge": hourly(1.861, KARPENTER_US_EAST_1),
        "g6e.12xlarge": hourly(10.49264, KARPENTER_US_EAST_1),
        "p4d.24xlarge": hourly(21.957642, KARPENTER_US_EAST_1),
        "p5.48xlarge": hourly(55.04, KARPENTER_US_EAST_1),
    },
    "eu-central-1": {
        "t3.medium": hourly(0.048, SKYPILOT_AWS_CATALOG),
        "t3.large": hourly(0.096, SKYPILOT_AWS_CATALOG),
        "m7i.large": hourly(0.12075, SKYPILOT_AWS_CATALOG),
        "m7i.xlarge": hourly(0.2415, SKYPILOT_AWS_CATALOG),
        "m7g.large": hourly(0.0978, SKYPILOT_AWS_CATALOG),
        "m7g.xlarge": hourly(0.1955, SKYPILOT_AWS_CATALOG),
        "g4dn.xlarge": hourly(0.658, SKYPILOT_AWS_CATALOG),
        "g5.xlarge": hourly(1.258, SKYPILOT_AWS_CATALOG),
        "g5.2xlarge": hourly(1.5156, SKYPILOT_AWS_CATALOG),
        "g5.4xlarge": hourly(2.03081, SKYPILOT_AWS_CATALOG),
        "g5.12xlarge": hourly(7.09282, SKYPILOT_AWS_CATALOG),
        "g6.xlarge": hourly(1.0064, SKYPILOT_AWS_CATALOG),
        "g6.2xlarge": hourly(1.22249, SKYPILOT_AWS_CATALOG),
    },
};

/** gp3 storage per GB-month (IOPS/throughput above the free 3,000 IOPS / 125 MB/s baseline not priced). */
export const EBS_GP3_GB_MONTH: Record<string, PriceEntry> = {
    "us-east-1": entry(0.08, "GB-month", "https://aws.amazon.com/ebs/pricing/", READ, "General Purpose SSD (gp3) storage, US East (N. Virginia)"),
    // The EBS page's Europe (Frankfurt) rate; the page was not reachable from here to re-read it.
    "eu-central-1": entry(0.0952, "GB-month", "https://aws.amazon.com/ebs/pricing/", READ, "General Purpose SSD (gp3) storage, Europe (Frankfurt); verify against the page"),
};

/** Every public IPv4 address, attached or idle, since 2024-02-01; same rate in every region. */
export const PUBLIC_IPV4_HOUR = entry(0.005, "hour", "https://aws.amazon.com/blogs/networking-and-content-delivery/identify-and-optimize-public-ipv4-address-usage-on-aws/", READ,
    "charged for every public IPv4 address since 2024-02-01, in use or idle");

/** NAT gateway per hour (data processing per GB not estimated: usage-based). */
export const NAT_GATEWAY_HOUR: Record<string, PriceEntry> = {
    "us-east-1": entry(0.045, "hour", "https://aws.amazon.com/vpc/pricing/", READ, "plus $0.045 per GB processed (usage-based, not estimated)"),
    // Frankfurt is at the top of the $0.048-0.052 European range (cloudpipelines.pages.dev/guides/aws-nat-gateway-pricing-2026, read 2026-11-25).
    "eu-central-1": entry(0.052, "hour", "https://aws.amazon.com/vpc/pricing/", READ, "plus $0.052 per GB processed (usage-based, not estimated); verify against the page"),
};

/** Each customer managed KMS key, $1/month prorated hourly; each automatic rotation adds a backing key. */
export const KMS_KEY_MONTH = entry(1, "month", "https://aws.amazon.com/kms/pricing/", READ,
    "rotated backing keys add $1/month each and API requests beyond 20,000/month are billed (not estimated)");

/** AWS prices spot at the market price, never above the max price you set. */
export const SPOT_PRICING_SOURCE = "https://aws.amazon.com/ec2/spot/pricing/";
