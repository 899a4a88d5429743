import type { ResourceValidationPolicy } from "@pulumi/policy";

// AWS EC2 docs ("Spot Instance pricing" / RunInstances SpotMarketOptions.MaxPrice): without a
// maximum price the Spot price is capped only at the On-Demand price. An explicit cap bounds what
// a GPU spot node can cost when spot prices spike (bounded spend is part of the SRE budget).
export const awsSpotMaxPrice: ResourceValidationPolicy = {
    name: "aws-spot-max-price",
    description: "Spot EC2 capacity sets an explicit maximum price.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const positive = (v: unknown) => Number(v) > 0;
        if (args.type === "aws:ec2/instance:Instance" || args.type === "aws:ec2/launchTemplate:LaunchTemplate") {
            const market = args.props.instanceMarketOptions;
            if (market?.marketType !== "spot" || positive(market.spotOptions?.maxPrice)) return;
            report(`instanceMarketOptions.spotOptions.maxPrice is ${JSON.stringify(market.spotOptions?.maxPrice ?? "unset")}; set the highest hourly USD price you accept, e.g. maxPrice: "0.8048"`);
        } else if (args.type === "aws:ec2/spotInstanceRequest:SpotInstanceRequest") {
            if (positive(args.props.spotPrice)) return;
            report(`spotPrice is ${JSON.stringify(args.props.spotPrice ?? "unset")}; set the highest hourly USD price you accept`);
        }
    },
};

export const awsReliabilityPolicies = [awsSpotMaxPrice];
