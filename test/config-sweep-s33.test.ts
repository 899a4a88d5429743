import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackFile } from "../plan/stack-file";
import { hasCredentialShape } from "../stacks/config/errors";
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
        // Every inet_aton form, dotted hex and short ones too (final check s29 FC29-8).
        assert.match(host("0x7f.0.0.1"), /read as the IPv4 address 127\.0\.0\.1/);
        assert.match(host("0x7f.1"), /read as the IPv4 address 127\.0\.0\.1/);
        assert.match(host("0xc0a80a0b"), /is a number that resolvers and URL parsers read as the IPv4 address 192\.168\.10\.11, and Go's programs look up as a name; write the address in dotted decimal: 192\.168\.10\.11$/);
        // Names stay names, digits and all.
        for (const name of ["edge-1.lan", "gpu01.site2", "box.home.arpa.", "lol.io", "Oslo.IO"]) {
            assert.equal(parsedAfter("edge", (v) => { v.edge.machines[0].host = name; }).edge!.machines[0].host, name);
        }
    });

    it("refuses keys of shapes it did not know in plain fields, without echoing them: Firecrawl, LangSmith, and random runs of 24 to 39 in names (L1)", () => {
        const firecrawl = "fc-0123456789abcdef0123456789abcdef";
        const langsmith = "lsv2_pt_0123456789abcdef0123456789abcdef_0123456789";
        const mistral = "Zq3xK9mP2qR5tV8wY1zB4cHj7Lw6Nd0F";
        const brave = "BSACANARYs33xK9mP2qR5tV8wY1zB4c";
        const cases: [string, (v: Record<string, any>) => void, string][] = [
            ["cloud", (v) => { v.access.sso.usersGroup = brave; }, "access.sso.usersGroup"],
            ["cloud", (v) => { v.access.sso.usersGroup = mistral; }, "access.sso.usersGroup"],
            ["cloud", (v) => { v.access.sso.usersGroup = langsmith; }, "access.sso.usersGroup"],
            ["dev", (v) => { v.access.sso.groupsClaim = mistral; }, "access.sso.groupsClaim"],
            ["cloud", (v) => { v.access.sso.administrators = [`${brave}@groundwork.example`]; }, "access.sso.administrators[0]"],
            ["cloud", (v) => { v.monitoring.alerts.receiver.email.username = mistral; }, "monitoring.alerts.receiver.email.username"],
            ["cloud", (v) => { v.monitoring.alerts.receiver.email.username = firecrawl; }, "monitoring.alerts.receiver.email.username"],
            ["cloud", (v) => { v.monitoring.alerts.receiver.email.from = `${langsmith.replace("_pt_", "_sk_")}@groundwork.example`; }, "monitoring.alerts.receiver.email.from"],
            ["edge", (v) => { v.platform.postgres.backup.s3.bucket = firecrawl; }, "platform.postgres.backup.s3.bucket"],
            ["dev", (v) => { v.oci.nodes[1].labels = { "example.com/build": mistral }; }, "oci.nodes[1].labels.example.com/build"],
        ];
        for (const [stack, edit, key] of cases) {
            const problems = problemsAfter(stack, edit);
            const line = problems.find((p) => p.startsWith(`groundwork:${key}`)) ?? assert.fail(`${stack} ${key}: no line\n${problems.join("\n")}`);
            assert.match(line, /has the shape of (a client secret or API key|an API key or token)/, `${stack} ${key}: ${line}`);
            for (const secret of [firecrawl, langsmith, langsmith.replace("_pt_", "_sk_"), mistral, brave]) {
                assert.ok(!problems.join("\n").includes(secret), `${stack} ${key} echoes the key`);
            }
        }
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.access.sso.usersGroup = mistral; }), "access.sso.usersGroup"), /\(a run of 24 or more letters and digits mixing upper case, lower case and digits with few word-like pieces/);
        // Keys as they are seen, not only as documented: letters among the hex, another length.
        // (Every plain value in a stack file is judged by hasCredentialShape as it is read: a ServiceAccount name, a channel.)
        for (const key of ["fc-canarys33a1b2c3d4e5f60718293a4b5c6d", "lsv2_sk_canarys330123456789abcdef0123456789_0a1b2c3d4e"]) {
            assert.ok(hasCredentialShape(`apps/${key}`) && hasCredentialShape(`#${key}`), key);
        }
        for (const name of ["fc-barcelona-supporters", "fc-platform-admins-2024", "fc-0123-backups"]) {
            assert.ok(!hasCredentialShape(name), name);
            assert.equal(parsedAfter("cloud", (v) => { v.access.sso.usersGroup = name; }).access!.sso!.usersGroup, name);
        }
        // Names people write stay names, however long and mixed.
        for (const group of ["GRP2024Q3DataScienceTeamEU1Admins", "AIPlatformOperatorsEMEA2024Q4", "DevOpsSRE2025OnCallRotationA", "NYCOfficeAIPilotUsersGroup2025"]) {
            assert.equal(parsedAfter("cloud", (v) => { v.access.sso.usersGroup = group; }).access!.sso!.usersGroup, group);
        }
        // A client id may be such a run (Auth0's are 32 letters and digits): not refused for it.
        assert.equal(parsedAfter("cloud", (v) => { v.access.sso.issuer = "https://groundwork.eu.auth0.com/"; v.access.sso.clientId = mistral; }).access!.sso!.clientId, mistral);
    });

    it("reads explicit YAML tags as yaml.v3 does: !!str keeps the text, !!float takes an integer's spelling (F1)", () => {
        const read = (value: string) => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-yaml-")), "Pulumi.dialect.yaml");
            fs.writeFileSync(file, `config:\n  groundwork:platform:\n    postgres:\n      storageGbs: ${value}\n`);
            return JSON.parse(readStackFile(file, "groundwork").config["groundwork:platform"] as string).postgres.storageGbs;
        };
        assert.equal(read("!!str 1"), "1");
        assert.equal(read("!!str 0x1f"), "0x1f");
        assert.equal(read("!!str 0755"), "0755");
        assert.equal(read("!!float 2"), 2);
        assert.equal(read("!!float 0x10"), 16);
        assert.equal(read("!!float 2.5"), 2.5);
        assert.equal(read("2.5"), 2.5);
        assert.throws(() => read("!!float many"), /storageGbs.*cannot be read as a !!float|cannot be read as a !!float/);
        // !!int takes every integer spelling yaml.v3 reads, and refuses a float (final check s29 FC29-10).
        assert.equal(read("!!int 0b101"), 5);
        assert.equal(read("!!int -0x10"), -16);
        assert.equal(read("!!int 6_00"), 600);
        assert.equal(read("!!int 42"), 42);
        assert.throws(() => read("!!int 2.5"), /cannot be read as a !!int/);
        // A first character yaml.v3 reads no number from (read-through s29 RT29-7).
        for (const text of ["!!int _1", "!!float _1", "!!float _.5", "!!float .5_"]) assert.throws(() => read(text), /cannot be read as a !!(int|float)/, text);
        assert.equal(read("!!float .5"), 0.5);
        // Untagged, a number spelled in a base the plan does not read is still refused.
        assert.throws(() => read("0B101"), /an unquoted number the Pulumi CLI reads in a base this plan does not/);
    });

    it("takes a dash between spaces in a group name as punctuation, and refuses a tab and every space but the keyboard's (F2, M3)", () => {
        const group = (name: string) => (v: Record<string, any>) => { v.access.sso.usersGroup = name; };
        for (const name of ["AI Users (EMEA) \u2014 Data Science", "Research \u2013 London"]) assert.equal(parsedAfter("cloud", group(name)).access!.sso!.usersGroup, name);
        assert.match(lineFor(problemsAfter("cloud", group("AI\u2014Users")), "access.sso.usersGroup"), /holds U\+2014 \(a look-alike of '-'\)/);
        for (const [char, what] of [["\t", "a tab"], ["\u2003", "a look-alike of a space"], ["\u2009", "a look-alike of a space"], ["\u3000", "a look-alike of a space"]]) {
            assert.match(lineFor(problemsAfter("cloud", group(`AI${char}Users`)), "access.sso.usersGroup"), new RegExp(`holds U\\+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} \\(${what}\\)`));
        }
    });

    it("says what is wrong, once, with no follow-on from a value already refused (W1, W2, W3)", () => {
        // A refused public: false on the first server, or a public that is no boolean, adds no "sshHostKeys is ignored".
        const firstServer = problemsAfter("dev", (v) => { v.oci.nodes[0].public = false; v.cluster.sshHostKeys = "generated"; });
        assert.ok(!firstServer.some((p) => p.startsWith("groundwork:cluster.sshHostKeys")), firstServer.join("\n"));
        const notBoolean = problemsAfter("dev", (v) => { v.oci.nodes[1].public = "true"; v.cluster.sshHostKeys = "generated"; });
        assert.ok(!notBoolean.some((p) => p.startsWith("groundwork:cluster.sshHostKeys")), notBoolean.join("\n"));
        // A range with host bits set is told that alone, not that it is outside the private ranges.
        assert.equal(lineFor(problemsAfter("dev", (v) => { v.cluster.serviceCidr = "10.43.0.5/16"; }), "cluster.serviceCidr"), 'groundwork:cluster.serviceCidr = "10.43.0.5/16": must be an IPv4 network in CIDR notation with no host bits set, e.g. 10.0.0.0/16');
        assert.equal(lineFor(problemsAfter("hybrid", (v) => { v.access.sso.allowedDomains = ["GROUNDWORK.example"]; }), "access.sso.allowedDomains[0]"), 'groundwork:access.sso.allowedDomains[0] = "GROUNDWORK.example": has capital letters; write the domain in lower case: groundwork.example');
        assert.match(lineFor(problemsAfter("dev", (v) => { v.inference.models[0].revision = "7AE557604ADF67BE50417F59C2C2F167DEF9A775"; }), "inference.models[0].revision"), /: is a commit hash with capital letters; write it in lower case, as the model repository names its commits$/);
        assert.match(lineFor(problemsAfter("dev", (v) => { v.inference.teams[0].ownersGroup = "product\nowners"; }), "inference.teams[0].ownersGroup"), /: holds a line break \(a YAML \| block or a paste brings one\), which no group name has; give the name on one line$/);
        // The key's own bound, not JavaScript's exact-integer bound.
        const line = lineFor(problemsAfter("cloud", (v) => { v.aws.servers.rootVolumeGbs = 18446744073709551615; }), "aws.servers.rootVolumeGbs");
        assert.ok(!line.includes("9007199254740991"), line);
        assert.match(line, /must be at most \d+$/);
    });

    it("takes names people write as names: abbreviations, long consonant runs, dates, Japanese spaces (false-refusal review s29 FR-1 to FR-4)", () => {
        for (const name of ["K8sClusterAdminsEuWest1Prod2", "AwsUsEast1K8sMlOpsAdmins2024", "サーバー\u3000Admins", "営業部（東京）\u3000Users", "NorthstarAnalyticsTeam2025", "PostgresAdminsEuCentral1Prod", "TeamDeutschlandNachtschicht2024", "AwsEksLlmOpsTeam2024Prod", "AzGrpLlmPlatformOpsProd01", "SgAksLlmUsersProdWeu0001", "ClusterTeamLondon20241130", "HealthcareOncallAlerts2024", "AI利用者\u3000東京"]) {
            assert.equal(parsedAfter("cloud", (v) => { v.access.sso.usersGroup = name; }).access!.sso!.usersGroup, name);
        }
        assert.equal(parsedAfter("dev", (v) => { v.oci.nodes[1].labels = { "example.com/build": "NightlyBuild20241130Linux" }; }).oci!.nodes[1].labels["example.com/build"], "NightlyBuild20241130Linux");
        // An ideographic space between Latin letters is still a paste's.
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.access.sso.usersGroup = "AI\u3000Users"; }), "access.sso.usersGroup"), /holds U\+3000 \(a look-alike of a space\)/);
        // An address refused for a shorter random run says which shape.
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.access.sso.administrators = ["Zq3xK9mP2qR5tV8wY1zB4cHj7Lw6Nd0F@groundwork.example"]; }), "access.sso.administrators[0]"), /\(a run of 24 or more letters and digits mixing upper case, lower case and digits with few word-like pieces/);
    });
});
