import { strict as assert } from "assert";
import { Policy } from "@pulumi/policy";
import {
    alwaysFreeWithinLimits, costPolicies, eipAttached, gpuInstanceAllowList, monthlyBudget, pricedInstanceTypes, spotMaxPriceAtMostOnDemand,
} from "../../policies/cost/policies";
import { ResourceRecord, runPolicy } from "../../policies/policy-run";

const rec = (type: string, name: string, props: Record<string, any>, extra: Partial<ResourceRecord> = {}): ResourceRecord =>
    ({ type, name, urn: `urn:pulumi:test::groundwork::${type}::${name}`, props, ...extra });

const awsProvider = (region: string) => rec("pulumi:providers:aws", "aws", { region });
const instance = (name: string, props: Record<string, any>) => rec("aws:ec2/instance:Instance", name, {
    rootBlockDevice: { encrypted: true, volumeSize: 200, volumeType: "gp3" }, ...props,
});
const spot = (maxPrice?: string) => ({ marketType: "spot", spotOptions: { spotInstanceType: "persistent", instanceInterruptionBehavior: "stop", ...(maxPrice ? { maxPrice } : {}) } });
const a1 = (name: string, ocpus: number, memoryInGbs: number, bootGb = "100") => rec("oci:Core/instance:Instance", name, {
    shape: "VM.Standard.A1.Flex", shapeConfig: { ocpus, memoryInGbs }, sourceDetails: { sourceType: "image", bootVolumeSizeInGbs: bootGb },
});

const messages = async (policy: Policy, records: ResourceRecord[], config?: Record<string, unknown>) =>
    (await runPolicy(policy, records, config)).map((v) => v.message);

describe("cost policy pack", () => {
    it("has kebab-case names, descriptions and enforcement levels", () => {
        assert.ok(costPolicies.length >= 5);
        for (const p of costPolicies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(p.description && p.enforcementLevel);
        }
    });

    describe("monthly-budget", () => {
        const stack = [awsProvider("us-east-1"), instance("gpu-a10g-0", { instanceType: "g5.xlarge" }), instance("aws-server-0", { instanceType: "m7i.large" })];
        it("passes within the budget and does not apply without one", async () => {
            assert.deepEqual(await messages(monthlyBudget, stack, { monthlyBudgetUsd: 1000 }), []);
            assert.deepEqual(await messages(monthlyBudget, stack), []);
        });
        it("fails over the budget, naming the price, the budget and the largest lines", async () => {
            const [m] = await messages(monthlyBudget, stack, { monthlyBudgetUsd: 500 });
            assert.match(m, /prices at \$839\.96\/month, over the monthlyBudgetUsd of \$500\.00/);
            assert.match(m, /Largest lines: gpu-a10g-0 g5\.xlarge on-demand in us-east-1, 730 h \$734\.38; aws-server-0 m7i\.large/);
        });
    });

    describe("priced-instance-types", () => {
        it("passes when every instance type has a price", async () => {
            assert.deepEqual(await messages(pricedInstanceTypes, [awsProvider("eu-central-1"), instance("gpu-0", { instanceType: "g5.xlarge" })]), []);
        });
        it("warns about a type without a published price in its region", async () => {
            const [m] = await messages(pricedInstanceTypes, [awsProvider("eu-central-1"), instance("gpu-0", { instanceType: "g6e.xlarge" })]);
            assert.match(m, /instanceType g6e\.xlarge in eu-central-1 has no price in policies\/cost\/aws-prices\.ts/);
        });
    });

    describe("spot-cap-below-on-demand", () => {
        it("passes a spot instance capped at or below on-demand", async () => {
            assert.deepEqual(await messages(spotMaxPriceAtMostOnDemand, [awsProvider("us-east-1"), instance("gpu-l4-spot-0", { instanceType: "g6.xlarge", instanceMarketOptions: spot("0.8048") })]), []);
        });
        it("fails a max price above on-demand", async () => {
            const [m] = await messages(spotMaxPriceAtMostOnDemand, [awsProvider("us-east-1"), instance("gpu-l4-spot-0", { instanceType: "g6.xlarge", instanceMarketOptions: spot("1.5000") })]);
            assert.match(m, /sets spotOptions\.maxPrice \$1\.5\/h, above the on-demand \$0\.8048\/h in us-east-1/);
        });
        it("judges launch templates' caps too, and leaves a missing cap to reliability/aws-spot-max-price", async () => {
            const template = (maxPrice?: string) => ({ ...instance("gpu-l4-spot", { instanceType: "g6.xlarge", instanceMarketOptions: spot(maxPrice) }), type: "aws:ec2/launchTemplate:LaunchTemplate" });
            const [m] = await messages(spotMaxPriceAtMostOnDemand, [awsProvider("us-east-1"), template("2.0000")]);
            assert.match(m, /gpu-l4-spot \(g6\.xlarge\) sets spotOptions\.maxPrice \$2\/h, above the on-demand \$0\.8048\/h/);
            assert.deepEqual(await messages(spotMaxPriceAtMostOnDemand, [awsProvider("us-east-1"), template()]), []);
        });
    });

    describe("gpu-instance-allow-list", () => {
        it("passes allowed GPU types and ignores CPU types", async () => {
            assert.deepEqual(await messages(gpuInstanceAllowList, [instance("gpu", { instanceType: "g6.xlarge" }), instance("cpu", { instanceType: "m7i.xlarge" })]), []);
        });
        it("fails a GPU type outside the allow-list, with the configured list", async () => {
            const [m] = await messages(gpuInstanceAllowList, [instance("big", { instanceType: "p4d.24xlarge" })]);
            assert.match(m, /instanceType p4d\.24xlarge is not in allowedGpuInstanceTypes \(g4dn\.xlarge, g5\.xlarge/);
            assert.deepEqual(await messages(gpuInstanceAllowList, [instance("big", { instanceType: "p4d.24xlarge" })], { allowedGpuInstanceTypes: ["p4d.24xlarge"] }), []);
        });
    });

    describe("always-free-within-limits", () => {
        it("passes two 2 OCPU / 12 GB A1 instances, and does not apply unless alwaysFreeOnly", async () => {
            assert.deepEqual(await messages(alwaysFreeWithinLimits, [a1("server-1", 2, 12), a1("agent-1", 2, 12)], { alwaysFreeOnly: true }), []);
            assert.deepEqual(await messages(alwaysFreeWithinLimits, [a1("a", 4, 24), a1("b", 4, 24)]), []);
        });
        it("fails A1 totals beyond 4 OCPU / 24 GB and the paid lines", async () => {
            const found = await messages(alwaysFreeWithinLimits, [a1("server-1", 4, 24), a1("agent-1", 2, 12)], { alwaysFreeOnly: true });
            assert.match(found[0], /VM\.Standard\.A1\.Flex instances total 6 OCPU \/ 36 GB .*Always Free covers 4 OCPU \/ 24 GB/);
            assert.match(found[1], /alwaysFreeOnly is set but the stack prices at \$\d+\.\d{2}\/month: agent-1/);
        });
        it("fails boot volumes beyond 200 GB", async () => {
            const found = await messages(alwaysFreeWithinLimits, [a1("server-1", 2, 12, "150"), a1("agent-1", 2, 12, "100")], { alwaysFreeOnly: true });
            assert.ok(found.some((m) => /Boot volumes total 250 GB \(sourceDetails\.bootVolumeSizeInGbs\); Always Free covers 200 GB/.test(m)), found.join("\n"));
        });
    });

    describe("eip-attached", () => {
        const eip = (name: string) => rec("aws:ec2/eip:Eip", name, { domain: "vpc", tags: { Name: name } });
        it("passes addresses used by an association or a NAT gateway", async () => {
            const records = [
                eip("aws-server-0"), eip("groundwork-nat"),
                rec("aws:ec2/eipAssociation:EipAssociation", "aws-server-0", { allocationId: "offline-aws-server-0", instanceId: "offline-aws-server-0" }),
                rec("aws:ec2/natGateway:NatGateway", "groundwork", { allocationId: "offline-groundwork-nat", subnetId: "offline-groundwork-public-0" }),
            ];
            assert.deepEqual(await messages(eipAttached, records), []);
        });
        it("warns about an idle address", async () => {
            const [m] = await messages(eipAttached, [eip("spare")]);
            assert.match(m, /Elastic IP spare is not attached .* still costs \$0\.005\/h/);
        });
    });
});
