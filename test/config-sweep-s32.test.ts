import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackFile } from "../plan/stack-file";
import { reachesCloudNodes } from "../stacks/config/ignored-settings";
import { lineFor, parsedAfter, problemsAfter } from "./helpers";

/** Bad-input sweep s32 (research/bad-input-sweep-s32.md). */
describe("bad-input sweep s32", () => {
    it("refuses a site's key left with nothing under it as that alone, without a crash (C1)", () => {
        const cloud = problemsAfter("cloud", (v) => { v.aws = null; });
        assert.equal(lineFor(cloud, "aws"), "groundwork:aws = null: must be a map of keys");
        assert.ok(!cloud.some((p) => p.startsWith("groundwork:aws.")), cloud.join("\n"));
        assert.equal(lineFor(problemsAfter("dev", (v) => { v.oci = null; }), "oci").split(";")[0], "groundwork:oci = null: must be a map of keys");
        assert.ok(!problemsAfter("hybrid", (v) => { v.aws = null; }).some((p) => p.includes("aws.overlay")), "no overlay follow-on from a section that is not there");
        assert.deepEqual(problemsAfter("dev", (v) => { v.aws = null; }), ["groundwork:aws = null: must be a map of keys"], "nor an Always-Free one");
    });

    it("refuses cluster.sshHostKeys where Pulumi reaches no cloud node: servers at the edge, with AWS GPU nodes or private OCI agents only (M1)", () => {
        const message = "groundwork:cluster.sshHostKeys = \"generated\": is ignored: it says how Pulumi trusts the SSH host keys of the cloud nodes it reaches (AWS servers, public OCI nodes), and this stack has none: AWS GPU nodes and private OCI nodes are never reached, and edge machines are always checked against edge.machines[].hostKey; remove it";
        assert.equal(lineFor(problemsAfter("edge", (v) => { v.cluster.sshHostKeys = "generated"; }), "cluster.sshHostKeys"), message);
        assert.ok(!reachesCloudNodes({ aws: { gpuNodeGroups: [{ name: "gpu" }] } }), "AWS GPU nodes only");
        assert.ok(!reachesCloudNodes({ oci: { overlay: "tailscale", nodes: [{ name: "arm-1", role: "agent" }] } }), "a private OCI agent");
        assert.ok(reachesCloudNodes({ oci: { overlay: "wireguard-native", nodes: [{ name: "arm-1", role: "agent" }] } }), "under wireguard-native an agent is public");
        assert.ok(reachesCloudNodes({ oci: { nodes: [{ name: "arm-1", role: "agent", public: true }] } }));
        assert.ok(reachesCloudNodes({ aws: { servers: { count: 1 } } }));
        // The stacks that reach one keep taking it.
        for (const stack of ["dev", "cloud", "hybrid"]) assert.equal(parsedAfter(stack, (v) => { v.cluster.sshHostKeys = "generated"; }).cluster.sshHostKeys, "generated", stack);
    });

    it("reads an unquoted number beyond a float's range as the text yaml.v3 keeps, so the plan judges what pulumi up would (W1, false-refusal review s28 FR4)", () => {
        const read = (value: string) => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-yaml-")), "Pulumi.dialect.yaml");
            fs.writeFileSync(file, `config:\n  groundwork:platform:\n    postgres:\n      storageGbs: ${value}\n`);
            return JSON.parse(readStackFile(file, "groundwork").config["groundwork:platform"] as string).postgres.storageGbs;
        };
        for (const value of ["1e309", "-1e309", "2371e809", "1_0e400", "0x1ffffffffffffffff"]) assert.equal(read(value), value);
        // In range, or decimal digits past 64 bits (a float to yaml.v3 too), they stay numbers (final check s28 D5).
        assert.equal(read("12"), 12);
        assert.equal(read("0x1F"), 31);
        assert.equal(read("99999999999999999999"), 1e20);
        // A label value that is a build id of that shape passes, as text; a number key says it wants a number.
        assert.equal(parsedAfter("dev", (v) => { v.oci.nodes[1].labels = { "example.com/build": "2371e809" }; }).oci!.nodes[1].labels["example.com/build"], "2371e809");
        assert.match(lineFor(problemsAfter("dev", (v) => { v.platform = { postgres: { storageGbs: "1e309" } }; }), "platform.postgres.storageGbs"), /= "1e309": /);
    });
});
