import { strict as assert } from "assert";
import { platformNodes } from "../stacks/capacity";
import { lineFor, parsedAfter, problemsAfter } from "./helpers";

/** Bad-input sweep s26 (research/bad-input-sweep-s26.md): the platform placed on GPU nodes (M6). */
describe("bad-input sweep s26: the platform on GPU nodes (M6)", () => {
    it("is refused where a GPU group is autoscaled or spot, and counted against the fixed GPU nodes otherwise", () => {
        const line = lineFor(problemsAfter("cloud", (v) => { v.placement = { ...v.placement, platform: "gpu" }; }), "placement.platform");
        assert.match(line, /^groundwork:placement\.platform = "gpu": puts the platform's databases and Vault, whose data is on their nodes' disks, on GPU nodes, and .+ (is|are) autoscaled or spot, so a node and its data can go at any time; place the platform on arm, x86 or any$/);
        const fixed = parsedAfter("cloud", (v) => {
            v.placement = { ...v.placement, platform: "gpu" };
            v.aws.gpuNodeGroups = v.aws.gpuNodeGroups.map((g: Record<string, unknown>) => { const { autoscaling: _a, spotMaxPricePerHour: _p, ...rest } = g; return { ...rest, capacity: "on-demand", count: 2 }; });
        });
        const nodes = platformNodes(fixed);
        assert.ok(nodes.length >= 2 && nodes.every((n) => !n.name.startsWith("aws-server-")), nodes.map((n) => n.name).join(", "));
    });
});
