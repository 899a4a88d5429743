import { strict as assert } from "assert";
import { schedulingFor, taintsFor } from "../components/placement";

describe("placement", () => {
    it("sends GPU workloads to GPU nodes, tolerating their taint, under the nvidia runtime", () => {
        assert.deepEqual(schedulingFor("gpu"), {
            nodeSelector: { "groundwork.dev/placement": "gpu" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
            runtimeClassName: "nvidia",
        });
    });

    it("sends edge workloads to edge machines, tolerating exactly the edge taint", () => {
        assert.deepEqual(schedulingFor("edge"), {
            nodeSelector: { "groundwork.dev/placement": "edge" },
            tolerations: [{ key: "groundwork.dev/edge", operator: "Equal", value: "true", effect: "NoSchedule" }],
        });
    });

    it("selects ARM and x86 nodes by label, and constrains nothing for any", () => {
        assert.deepEqual(schedulingFor("arm"), { nodeSelector: { "groundwork.dev/placement": "arm" } });
        assert.deepEqual(schedulingFor("x86"), { nodeSelector: { "groundwork.dev/placement": "x86" } });
        assert.deepEqual(schedulingFor("any"), {});
    });

    it("taints GPU and edge nodes, so that any-placed workloads stay off them", () => {
        assert.deepEqual(taintsFor("gpu"), ["nvidia.com/gpu=present:NoSchedule"]);
        assert.deepEqual(taintsFor("edge"), ["groundwork.dev/edge=true:NoSchedule"]);
        assert.deepEqual(taintsFor("arm"), []);
        assert.deepEqual(taintsFor("x86"), []);
    });
});
