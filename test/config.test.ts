import { strict as assert } from "assert";
import { ConfigError } from "../stacks/config/errors";
import { DEFAULT_K3S_VERSION } from "../stacks/config";
import { ociSiteSchema } from "../stacks/config/oci";
import { parse, problems, stackValues } from "./helpers";

/** Asserts that exactly one problem starts with `prefix` (the key and value) and mentions `hint`. */
function assertProblem(found: string[], prefix: string, hint: string | RegExp): void {
    const matching = found.filter((p) => p.startsWith(prefix));
    assert.equal(matching.length, 1, `expected one problem starting with ${prefix}; got:\n  ${found.join("\n  ")}`);
    if (typeof hint === "string") {
        assert.ok(matching[0].includes(hint), `expected "${matching[0]}" to mention "${hint}"`);
    } else {
        assert.match(matching[0], hint);
    }
}

describe("stack config", () => {
    let dev: Record<string, any>;
    beforeEach(() => {
        dev = stackValues("dev");
    });

    describe("the dev stack", () => {
        it("parses, with defaults filled in", () => {
            const cfg = parse(dev);
            assert.equal(cfg.cluster.k3sVersion, DEFAULT_K3S_VERSION);
            assert.equal(cfg.oci!.region, "eu-frankfurt-1");
            assert.equal(cfg.oci!.alwaysFree, true);
            assert.deepEqual(cfg.access!.publicRanges, ["0.0.0.0/0"]);
            assert.deepEqual([cfg.access!.replicas, cfg.access!.gatewayRateLimit, cfg.access!.sso!.groupsClaim, cfg.access!.sso!.langfuseSignUp], [1, { average: 20, burst: 40, allCallers: { average: 200, burst: 400 } }, "groups", false]);
            assert.deepEqual(cfg.oci!.nodes.map((n) => [n.name, n.role, n.ocpus, n.memoryGbs, n.bootVolumeGbs]), [
                ["server-1", "server", 2, 12, 100],
                ["agent-1", "agent", 2, 12, 100],
            ]);
        });

        it("defaults a node's role, boot volume, labels and taints", () => {
            // The OCI section alone: one 50 GB node could not hold the whole platform's volumes.
            dev.oci.nodes = [{ name: "solo", role: "server", ocpus: 4, memoryGbs: 24 }];
            const node = ociSiteSchema.parse(dev.oci).nodes[0];
            assert.deepEqual([node.bootVolumeGbs, node.labels, node.taints], [50, {}, []]);
            dev.oci.nodes.push({ name: "extra", ocpus: 1, memoryGbs: 1 });
            dev.oci.nodes[0].ocpus = 3;
            dev.oci.nodes[0].memoryGbs = 23;
            assert.equal(ociSiteSchema.parse(dev.oci).nodes[1].role, "agent");
        });
    });

    describe("Always-Free totals", () => {
        it("rejects the node that takes OCPUs over 4 in total", () => {
            dev.oci.nodes[1].ocpus = 3;
            assert.deepEqual(problems(dev), [
                "groundwork:oci.nodes[1].ocpus = 3: the Always-Free A1 total is 4 OCPU across all nodes; these nodes ask for 5",
            ]);
        });
        it("rejects one node over the whole allowance", () => {
            dev.oci.nodes = [{ name: "big", role: "server", ocpus: 5, memoryGbs: 24 }];
            dev.platform = { ...dev.platform, vault: { unseal: "manual" } }; // an OCI KMS seal would also want an agent
            assert.deepEqual(problems(dev), [
                "groundwork:oci.nodes[0].ocpus = 5: the Always-Free A1 total is 4 OCPU across all nodes; these nodes ask for 5",
            ]);
        });
        it("rejects memory over 24 GB in total", () => {
            dev.oci.nodes[1].memoryGbs = 16;
            assertProblem(problems(dev), "groundwork:oci.nodes[1].memoryGbs = 16:", "24 GB of memory across all nodes; these nodes ask for 28");
        });
        it("rejects boot volumes over 200 GB in total", () => {
            dev.oci.nodes[1].bootVolumeGbs = 150;
            assertProblem(problems(dev), "groundwork:oci.nodes[1].bootVolumeGbs = 150:", "200 GB across all nodes; these nodes ask for 250");
        });
        it("rejects a boot volume under OCI's 50 GB minimum", () => {
            dev.oci.nodes[0].bootVolumeGbs = 30;
            assertProblem(problems(dev), "groundwork:oci.nodes[0].bootVolumeGbs = 30:", "must be at least 50");
        });
        it("is not enforced when alwaysFree is false", () => {
            dev.oci.alwaysFree = false;
            // A stack held to Always Free may not turn the check off (config-impossible.test.ts).
            dev.cost = { ...dev.cost, alwaysFreeOnly: false, monthlyBudgetUsd: 500 };
            dev.oci.nodes = ["a", "b", "c"].map((name, i) => ({ name, role: i === 0 ? "server" : "agent", ocpus: 4, memoryGbs: 24, bootVolumeGbs: 100 }));
            assert.equal(parse(dev).oci!.nodes.length, 3);
        });
    });

    describe("bad values name the key, the value and what is valid", () => {
        const cases: [string, (c: Record<string, any>) => void, string, string | RegExp][] = [
            ["a misspelt key", (c) => { c.oci.sshAllowedCidr = c.oci.sshAllowedCidrs; delete c.oci.sshAllowedCidrs; },
                'groundwork:oci.sshAllowedCidr = ["198.51.100.0/24"]:', 'did you mean "sshAllowedCidrs"?'],
            ["an unknown top-level key", (c) => { c.clustr = {}; }, "groundwork:clustr = {}:", 'did you mean "cluster"?'],
            ["an unknown node key", (c) => { c.oci.nodes[0].cpu = 2; }, "groundwork:oci.nodes[0].cpu = 2:", "valid keys here: name, role, public, ocpus"],
            ["a number given as text", (c) => { c.oci.nodes[0].ocpus = "two"; }, 'groundwork:oci.nodes[0].ocpus = "two":', "must be a number"],
            ["a fractional OCPU count", (c) => { c.oci.nodes[0].ocpus = 1.5; }, "groundwork:oci.nodes[0].ocpus = 1.5:", "must be a whole number"],
            ["a CIDR with a bad prefix", (c) => { c.oci.vcnCidr = "10.0.0.0/33"; }, 'groundwork:oci.vcnCidr = "10.0.0.0/33":', "CIDR notation"],
            ["a CIDR with host bits set", (c) => { c.cluster.podCidr = "10.42.0.1/16"; }, 'groundwork:cluster.podCidr = "10.42.0.1/16":', "no host bits set"],
            ["a subnet outside the VCN", (c) => { c.oci.publicSubnetCidr = "10.1.0.0/24"; }, 'groundwork:oci.publicSubnetCidr = "10.1.0.0/24":', "must lie inside vcnCidr 10.0.0.0/16"],
            ["overlapping subnets", (c) => { c.oci.privateSubnetCidr = "10.0.0.128/25"; }, 'groundwork:oci.privateSubnetCidr = "10.0.0.128/25":', "overlaps publicSubnetCidr 10.0.0.0/24"],
            // Sweep s14 oc22: the subnet moved is named too, not only the one left alone.
            ["a public subnet moved onto the private one", (c) => { c.oci.publicSubnetCidr = "10.0.1.0/24"; }, 'groundwork:oci.publicSubnetCidr = "10.0.1.0/24":', "overlaps privateSubnetCidr 10.0.1.0/24; the two subnets must be disjoint"],
            ["SSH open to the internet", (c) => { c.oci.sshAllowedCidrs = ["0.0.0.0/0"]; }, 'groundwork:oci.sshAllowedCidrs[0] = "0.0.0.0/0":', "opens the port to the whole internet"],
            ["the API open to the internet", (c) => { c.cluster.apiAllowedCidrs = ["203.0.113.0/24", "0.0.0.0/0"]; }, 'groundwork:cluster.apiAllowedCidrs[1] = "0.0.0.0/0":', "operators' own ranges"],
            ["no API ranges at all", (c) => { c.cluster.apiAllowedCidrs = []; }, "groundwork:cluster.apiAllowedCidrs = []:", "must list at least one range: the Kubernetes API is reached from outside only from these, by Pulumi's provider and by kubectl"],
            ["an unknown region", (c) => { c.oci.region = "eu-frankfurt-2"; }, 'groundwork:oci.region = "eu-frankfurt-2":', 'did you mean "eu-frankfurt-1"? must be one of 41 values: af-johannesburg-1,'],
            ["a malformed compartment OCID", (c) => { c.oci.compartmentId = "my-compartment"; }, 'groundwork:oci.compartmentId = "my-compartment":', "OCI compartment or tenancy OCID"],
            ["a malformed image OCID", (c) => { c.oci.imageId = "ubuntu-24.04"; }, 'groundwork:oci.imageId = "ubuntu-24.04":', "OCI image OCID"],
            ["a node name that is not a DNS label", (c) => { c.oci.nodes[0].name = "Server_1"; }, 'groundwork:oci.nodes[0].name = "Server_1":', "must be a DNS label"],
            ["two nodes with one name", (c) => { c.oci.nodes[1].name = "server-1"; }, 'groundwork:oci.nodes[1].name = "server-1":', "already the name of oci.nodes[0]; node names must be unique in the cluster"],
            ["no server", (c) => { c.oci.nodes[0].role = "agent"; }, "groundwork:oci.nodes[0].role = \"agent\"", "is agent, like every node of the stack, but the cluster needs a server"],
            ["an even number of servers", (c) => { c.oci.nodes[1].role = "server"; }, 'groundwork:oci.nodes[1].role = "server":', "makes 2 servers; embedded etcd needs an odd number"],
            ["an unknown role", (c) => { c.oci.nodes[1].role = "master"; }, 'groundwork:oci.nodes[1].role = "master":', 'must be one of: "server", "agent"'],
            ["an unpinned k3s version", (c) => { c.cluster.k3sVersion = "latest"; }, 'groundwork:cluster.k3sVersion = "latest":', "k3s release tag such as v1.34.9+k3s1"],
            ["a malformed taint", (c) => { c.oci.nodes[1].taints = ["gpu=true"]; }, 'groundwork:oci.nodes[1].taints[0] = "gpu=true":', "key[=value]:NoSchedule"],
            ["a malformed label key", (c) => { c.oci.nodes[1].labels = { "bad key": "x" }; }, 'groundwork:oci.nodes[1].labels = {"bad key":"x"}:', 'key "bad key" must be a Kubernetes label key'],
            ["less than 1 GB per OCPU", (c) => { c.oci.nodes[1].memoryGbs = 1; }, "groundwork:oci.nodes[1].memoryGbs = 1:", "at least 1 GB of memory per OCPU (2 here)"],
            ["more than 64 GB per OCPU", (c) => { c.oci.alwaysFree = false; c.oci.nodes[1].memoryGbs = 200; }, "groundwork:oci.nodes[1].memoryGbs = 200:", "at most 64 GB per OCPU (128 GB for 2)"],
            ["more OCPUs than an A1 instance has", (c) => { c.oci.alwaysFree = false; c.oci.nodes[1].ocpus = 81; }, "groundwork:oci.nodes[1].ocpus = 81:", "must be at most 80"],
            ["pod and service networks overlapping", (c) => { c.cluster.serviceCidr = "10.42.128.0/17"; }, 'groundwork:cluster.serviceCidr = "10.42.128.0/17":', "overlaps cluster.podCidr 10.42.0.0/16"],
            ["a VCN overlapping the pod network", (c) => { c.oci.vcnCidr = "10.0.0.0/8"; }, 'groundwork:oci.vcnCidr = "10.0.0.0/8":', "overlaps cluster.podCidr 10.42.0.0/16 and cluster.serviceCidr 10.43.0.0/16"],
            ["a missing required key", (c) => { delete c.oci.compartmentId; }, "groundwork:oci.compartmentId is not set:", "it is required: Compartment for every resource"],
            ["a missing cluster section", (c) => { delete c.cluster; }, "groundwork:cluster is not set:", "it is required"],
            ["a node list that is not a list", (c) => { c.oci.nodes = { name: "x" }; }, 'groundwork:oci.nodes = {"name":"x"}:', "must be a list"],
            ["an SSH key that is not an OpenSSH public key", (c) => { c.oci.sshAuthorizedKeys = ["my key"]; }, 'groundwork:oci.sshAuthorizedKeys[0] = [secret]:', "OpenSSH public key line"],
            ["no site at all", (c) => { delete c.oci; }, "groundwork:oci is not set:", "no site is configured; set groundwork:oci, groundwork:aws or groundwork:edge"],
        ];
        for (const [what, edit, prefix, hint] of cases) {
            it(`rejects ${what}`, () => {
                edit(dev);
                assertProblem(problems(dev), prefix, hint);
            });
        }
    });

    it("reports every problem in one run", () => {
        dev.oci.region = "mars-1";
        dev.oci.nodes[0].ocpus = "2";
        dev.cluster.k3sVersion = "1.34";
        const found = problems(dev);
        assert.equal(found.length, 3, found.join("\n"));
        assert.ok(found.some((p) => p.startsWith("groundwork:oci.region")));
        assert.ok(found.some((p) => p.startsWith("groundwork:oci.nodes[0].ocpus")));
        assert.ok(found.some((p) => p.startsWith("groundwork:cluster.k3sVersion")));
    });

    it("never echoes a secret value in an error", () => {
        const key = "-----BEGIN PRIVATE KEY-----planted-4f1c9e-----END PRIVATE KEY-----";
        dev.oci.auth = { tenancyOcid: "ocid1.tenancy.oc1..aaaa", userOcid: "ocid1.user.oc1..aaaa", fingerprint: "nope", privateKey: key, extra: key };
        const found = problems(dev);
        assertProblem(found, 'groundwork:oci.auth.fingerprint = "nope":', "16 hex pairs");
        assertProblem(found, "groundwork:oci.auth.extra = [secret]:", "unknown key");
        dev.oci.auth.privateKey = 42;
        assertProblem(problems(dev), "groundwork:oci.auth.privateKey = [secret]:", "must be a string");
        assert.ok([...found, ...problems(dev)].every((p) => !p.includes("planted-4f1c9e")));
    });

    it("is a ConfigError whose message lists every problem", () => {
        dev.oci.region = "mars-1";
        assert.throws(() => parse(dev), (err: unknown) =>
            err instanceof ConfigError && /^invalid stack configuration \(1 problem\):\n {2}groundwork:oci\.region = "mars-1"/.test(err.message));
    });
});
