import { strict as assert } from "assert";
import { lineFor, parsedAfter, problemsAfter } from "./helpers";

/** Bad-input sweep s33 (research/bad-input-sweep-s33.md). */
describe("bad-input sweep s33", () => {
    it("refuses a range written with a leading zero, naming its decimal reading: 0.0.0.0/00 never reaches a security list (M1)", () => {
        const leading = (decimal: string) => `has a leading zero in a number, which some parsers read as octal (010 is 8) and others refuse (Go's, which k3s uses); write it in plain decimal: ${decimal}`;
        assert.equal(lineFor(problemsAfter("hybrid", (v) => { v.cluster.apiAllowedCidrs = ["0.0.0.0/00"]; }), "cluster.apiAllowedCidrs[0]"), `groundwork:cluster.apiAllowedCidrs[0] = "0.0.0.0/00": ${leading("0.0.0.0/0")}`);
        assert.equal(lineFor(problemsAfter("dev", (v) => { v.oci.sshAllowedCidrs = ["198.51.100.000/24"]; }), "oci.sshAllowedCidrs[0]"), `groundwork:oci.sshAllowedCidrs[0] = "198.51.100.000/24": ${leading("198.51.100.0/24")}`);
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.access.operatorRanges = ["203.0.113.00/24"]; }), "access.operatorRanges[0]"), /write it in plain decimal: 203\.0\.113\.0\/24$/);
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.aws.sshAllowedCidrs = ["0.0.0.0/00"]; }), "aws.sshAllowedCidrs[0]"), /write it in plain decimal: 0\.0\.0\.0\/0$/);
        assert.match(lineFor(problemsAfter("dev", (v) => { v.cluster.podCidr = "10.042.0.0/16"; }), "cluster.podCidr"), /write it in plain decimal: 10\.42\.0\.0\/16$/);
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.aws.vpcCidr = "10.001.0.0/16"; }), "aws.vpcCidr"), /write it in plain decimal: 10\.1\.0\.0\/16$/);
        assert.match(lineFor(problemsAfter("dev", (v) => { v.cluster.apiAllowedCidrs = ["010.0.0.0/8"]; }), "cluster.apiAllowedCidrs[0]"), /write it in plain decimal: 10\.0\.0\.0\/8$/);
        // Written plainly, the world is still refused as the world, and a /8 is still a /8.
        assert.match(lineFor(problemsAfter("hybrid", (v) => { v.cluster.apiAllowedCidrs = ["0.0.0.0/0"]; }), "cluster.apiAllowedCidrs[0]"), /opens the port to the whole internet/);
        assert.match(lineFor(problemsAfter("hybrid", (v) => { v.cluster.apiAllowedCidrs = ["0.0.0.0/1"]; }), "cluster.apiAllowedCidrs[0]"), /opens the port to 128 of the internet's 256 \/8 blocks/);
        assert.deepEqual(parsedAfter("dev", (v) => { v.cluster.apiAllowedCidrs = ["10.0.0.0/8", "198.51.100.0/24"]; v.oci.sshAllowedCidrs = ["198.51.100.0/24"]; }).cluster.apiAllowedCidrs, ["10.0.0.0/8", "198.51.100.0/24"]);
    });

    it("judges an S3 endpoint's host as written, before the URL parser reads 010 as octal (M1 f11)", () => {
        const line = lineFor(problemsAfter("edge", (v) => { v.platform.postgres.backup.s3.endpointURL = "https://192.168.010.20:9000"; }), "platform.postgres.backup.s3.endpointURL");
        assert.equal(line, 'groundwork:platform.postgres.backup.s3.endpointURL = "https://192.168.010.20:9000": names a host that is an IPv4 address with a leading zero, which resolvers and URL parsers read as octal (010 is 8); write it in plain decimal: 192.168.10.20');
        assert.equal(parsedAfter("edge", (v) => { v.platform.postgres.backup.s3.endpointURL = "https://192.168.10.20:9000"; }).platform.postgres.backup.s3!.endpointURL, "https://192.168.10.20:9000");
    });

    it("refuses an edge host that is an address with a letter for a digit, or a hex number resolvers read as one (M2)", () => {
        const host = (value: string) => lineFor(problemsAfter("edge", (v) => { v.edge.machines[0].host = value; }), "edge.machines[0].host");
        assert.equal(host("192.0.2.1O"), 'groundwork:edge.machines[0].host = "192.0.2.1O": looks like the IPv4 address 192.0.2.10 with a letter typed for a digit; write the address');
        assert.match(host("192.168.10.l1"), /looks like the IPv4 address 192\.168\.10\.11 with a letter typed for a digit/);
        assert.match(host("0xc0a80a0b"), /is a number that resolvers and URL parsers read as the IPv4 address 192\.168\.10\.11, and Go's refuses; write the address in dotted decimal: 192\.168\.10\.11$/);
        // Names stay names, digits and all.
        for (const name of ["edge-1.lan", "gpu01.site2", "box.home.arpa.", "lol.io", "Oslo.IO"]) {
            assert.equal(parsedAfter("edge", (v) => { v.edge.machines[0].host = name; }).edge!.machines[0].host, name);
        }
    });
});
