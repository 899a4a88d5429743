import { strict as assert } from "assert";
import { EC2_ON_DEMAND } from "../../policies/cost/aws-prices";
import { HOURS_PER_MONTH } from "../../policies/cost/price-entry";
import { PricedResource, StackPrice } from "../../policies/cost/price-line";
import { priceStack } from "../../policies/cost/stack-price";
import { planStack } from "../../plan/run";
import { committedPlan } from "../helpers";

const AWS_PROVIDER = "urn:pulumi:test::groundwork::pulumi:providers:aws::aws";

function provider(region: string): PricedResource {
    return { type: "pulumi:providers:aws", name: "aws", urn: AWS_PROVIDER, props: { region } };
}

function instance(name: string, props: Record<string, any>): PricedResource {
    return { type: "aws:ec2/instance:Instance", name, urn: `urn:pulumi:test::groundwork::aws:ec2/instance:Instance::${name}`, props, provider: `${AWS_PROVIDER}::id` };
}

function a1(name: string, ocpus: number, memoryInGbs: number, bootGb = 100): PricedResource {
    return {
        type: "oci:Core/instance:Instance", name, urn: `urn:pulumi:test::groundwork::oci:Core/instance:Instance::${name}`,
        props: { shape: "VM.Standard.A1.Flex", shapeConfig: { ocpus, memoryInGbs }, sourceDetails: { sourceType: "image", bootVolumeSizeInGbs: String(bootGb) } },
    };
}

const linesOf = (price: StackPrice, name: string) => price.lines.filter((l) => l.name === name);

describe("price model", () => {
    it("prices an Auto Scaling group's nodes from its launch template: minimum in the total, maximum in the ceiling", () => {
        const parent = "urn:pulumi:test::groundwork::groundwork:aws:GpuAutoScalingGroup::gpu-l4-spot";
        const template: PricedResource = {
            type: "aws:ec2/launchTemplate:LaunchTemplate", name: "gpu-l4-spot", urn: `${parent}$aws:ec2/launchTemplate:LaunchTemplate::gpu-l4-spot`, parent, provider: `${AWS_PROVIDER}::id`,
            props: { instanceType: "g6.xlarge", instanceMarketOptions: { marketType: "spot", spotOptions: { maxPrice: "0.8048" } }, blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { volumeSize: 200, volumeType: "gp3", encrypted: "true" } }] },
        };
        const group = (minSize: number, maxSize: number): PricedResource => ({
            type: "aws:autoscaling/group:Group", name: "gpu-l4-spot", urn: `${parent}$aws:autoscaling/group:Group::gpu-l4-spot`, parent, provider: `${AWS_PROVIDER}::id`,
            props: { minSize, maxSize, launchTemplate: { id: "lt-0", version: "$Latest" } },
        });
        const atZero = priceStack([provider("us-east-1"), template, group(0, 2)]);
        assert.equal(atZero.monthlyUsd, 0);
        assert.equal(atZero.ceilingUsd, 1207.01); // 2 × (0.8048 × 730 + 200 GB × $0.08)
        const [node] = linesOf(atZero, "gpu-l4-spot");
        assert.match(node.item, /^0–2 × g6\.xlarge spot at max price \$0\.8048\/h \(ceiling\), 730 h, sized by the cluster autoscaler$/);
        const atOne = priceStack([provider("us-east-1"), template, group(1, 2)]);
        assert.equal(atOne.monthlyUsd, Math.round((0.8048 * 730 + 200 * 0.08) * 100) / 100);
        assert.equal(priceStack([provider("us-east-1"), group(1, 2)]).unpriced.length, 1, "a group without its launch template is listed unpriced");
    });

    it("prices g5.xlarge on demand in us-east-1 at the table value for 730 hours", () => {
        const table = EC2_ON_DEMAND["us-east-1"]["g5.xlarge"];
        assert.equal(table.usd, 1.006);
        assert.match(table.source, /^https:\/\/github\.com\/aws\/karpenter-provider-aws\//);
        const price = priceStack([provider("us-east-1"), instance("gpu", { instanceType: "g5.xlarge" })]);
        const [line] = linesOf(price, "gpu");
        assert.equal(line.unitUsd, 1.006);
        assert.equal(line.quantity, HOURS_PER_MONTH);
        assert.equal(line.monthlyUsd, 734.38);
        assert.match(line.item, /g5\.xlarge on-demand in us-east-1, 730 h/);
        assert.equal(line.source, table.source);
        assert.match(line.asOf, /^\d{4}-\d{2}-\d{2}$/);
    });

    it("takes the region from the instance's provider record", () => {
        const price = priceStack([provider("eu-central-1"), instance("gpu", { instanceType: "g5.xlarge" })]);
        assert.equal(linesOf(price, "gpu")[0].unitUsd, 1.258);
    });

    it("prices a spot instance at its max price and says it is the ceiling", () => {
        const price = priceStack([provider("us-east-1"), instance("spot", {
            instanceType: "g6.xlarge", instanceMarketOptions: { marketType: "spot", spotOptions: { maxPrice: "0.5000" } },
        })]);
        const [line] = linesOf(price, "spot");
        assert.equal(line.unitUsd, 0.5);
        assert.equal(line.monthlyUsd, 365);
        assert.match(line.item, /spot at max price \$0\.5000\/h \(ceiling\)/);
        assert.match(line.note ?? "", /on-demand is \$0\.8048\/h/);
    });

    it("prices gp3 root volumes per GB-month and Elastic IPs at $0.005/h", () => {
        const eip: PricedResource = { type: "aws:ec2/eip:Eip", name: "ip", urn: "urn:pulumi:test::groundwork::aws:ec2/eip:Eip::ip", props: { domain: "vpc" } };
        const price = priceStack([provider("us-east-1"), eip, instance("server", { instanceType: "m7i.large", rootBlockDevice: { volumeSize: 100, volumeType: "gp3", encrypted: true } })]);
        assert.deepEqual(linesOf(price, "server").map((l) => l.monthlyUsd), [73.58, 8]);
        assert.equal(linesOf(price, "ip")[0].monthlyUsd, 3.65);
        assert.equal(price.monthlyUsd, 85.23);
    });

    it("lists a type without a published price as unpriced, outside the total", () => {
        const price = priceStack([provider("us-east-1"), instance("odd", { instanceType: "x2iedn.xlarge" })]);
        assert.equal(price.monthlyUsd, 0);
        assert.equal(price.unpriced.length, 1);
        assert.match(price.unpriced[0].item, /x2iedn\.xlarge in us-east-1/);
        assert.match(price.unpriced[0].note ?? "", /no published on-demand price/);
    });

    it("prices A1 instances within the Always Free totals at $0", () => {
        const price = priceStack([a1("a", 2, 12), a1("b", 2, 12)]);
        assert.equal(price.monthlyUsd, 0);
        assert.ok(price.lines.every((l) => l.status === "free"));
        assert.match(price.lines[0].note ?? "", /within Always Free/);
        assert.match(price.lines[0].source, /Always_Free_Resources/);
    });

    it("bills A1 OCPU-hours, GB-hours and boot volume GB beyond the Always Free totals", () => {
        const price = priceStack([a1("a", 2, 12), a1("b", 2, 12), a1("c", 2, 12)]);
        // 6 OCPU × 730 h = 4,380 OCPU-h: 1,380 over 3,000 at $0.01; 36 GB × 730 = 26,280 GB-h: 8,280 over 18,000 at $0.0015;
        // 300 GB boot: 100 over 200 at $0.0255 + $0.017 (Balanced VPUs).
        const c = linesOf(price, "c");
        assert.deepEqual(c.map((l) => l.monthlyUsd), [13.8, 12.42, 4.25]);
        assert.match(c[0].note ?? "", /1380 OCPU-h beyond/);
        assert.equal(price.monthlyUsd, 30.47);
    });

    describe("our stacks", () => {
        const records = (plan: Awaited<ReturnType<typeof planStack>>): PricedResource[] =>
            plan.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs as Record<string, any>, provider: r.provider }));
        let dev: StackPrice;
        let hybrid: StackPrice;
        before(async () => {
            dev = priceStack(records(await committedPlan("dev")));
            hybrid = priceStack(records(await committedPlan("hybrid")));
        });

        it("prices the dev stack at exactly $0.00 (Always Free)", () => {
            assert.equal(dev.monthlyUsd, 0);
            assert.ok(dev.lines.some((l) => l.type === "oci:Core/instance:Instance" && l.status === "free"));
            assert.ok(dev.lines.every((l) => l.monthlyUsd === 0));
        });

        it("gives the hybrid stack a GPU-hours line with its source", () => {
            const gpu = hybrid.lines.find((l) => l.type === "aws:ec2/instance:Instance" && /^g5\.xlarge/.test(l.item));
            assert.ok(gpu, "expected a g5.xlarge line");
            assert.match(gpu.item, /g5\.xlarge spot at max price \$1\.2000\/h \(ceiling\), 730 h/);
            assert.equal(gpu.monthlyUsd, 876);
            assert.match(gpu.source, /^https:\/\/aws\.amazon\.com\/ec2\/spot\/pricing\//);
            assert.match(gpu.note ?? "", /on-demand is \$1\.258\/h \(https:\/\/github\.com\/skypilot-org\/skypilot-catalog\//);
        });

        it("every priced or free line carries its source URL and the date it was read", () => {
            for (const l of [...dev.lines, ...hybrid.lines].filter((x) => x.status !== "unpriced")) {
                assert.match(l.source, /^https:\/\//, `${l.name} ${l.item}`);
                assert.match(l.asOf, /^\d{4}-\d{2}-\d{2}$/, `${l.name} ${l.item}`);
            }
        });
    });
});
