import { strict as assert } from "assert";
import { dnsNameProblem } from "../stacks/config/primitives";
import { lineFor, parsedAfter, problemsAfter } from "./helpers";

/** Bad-input sweep s29 (research/bad-input-sweep-s29.md). */
describe("bad-input sweep s29: host names no resolver finds (M4)", () => {
    it("names an empty label, a label over 63 characters, a '-' at a label's end and a name over 253, and takes addresses and absolute names", () => {
        assert.equal(dnsNameProblem("edge..lab.groundwork.internal"), "has an empty label (two dots together, or a dot first)");
        assert.equal(dnsNameProblem(`${"a".repeat(70)}.lab.groundwork.internal`), "has a label of 70 characters; each label of a DNS name is 1 to 63");
        assert.equal(dnsNameProblem("edge-.lab.groundwork.internal"), "has a label starting or ending with '-', which no DNS name has");
        assert.equal(dnsNameProblem(`${"a.".repeat(130)}example`), "is 267 characters long; a DNS name is at most 253");
        for (const fine of ["edge-1.lab.groundwork.internal", "edge-1.lab.groundwork.internal.", "192.168.10.5", "[::1]", `${"a".repeat(63)}.example`]) assert.equal(dnsNameProblem(fine), undefined, fine);
    });

    it("refuses such a name as an edge machine's host, and as the host of the S3 endpoint, the runbook and the SSO issuer", () => {
        assert.match(lineFor(problemsAfter("edge", (v) => { v.edge.machines[1].host = "edge..lab.groundwork.internal"; }), "edge.machines[1].host"),
            /^groundwork:edge\.machines\[1\]\.host = "edge\.\.lab\.groundwork\.internal": has an empty label \(two dots together, or a dot first\), so no resolver finds it$/);
        const urlCases: [string, string, (v: Record<string, any>) => void][] = [
            ["edge", "platform.postgres.backup.s3.endpointURL", (v) => { v.platform.postgres.backup.s3.endpointURL = "https://s3..eu-central-1.amazonaws.example"; }],
            ["dev", "monitoring.alerts.runbookUrl", (v) => { v.monitoring.alerts.runbookUrl = `https://${"g".repeat(70)}.groundwork.example/README.md`; }],
            ["dev", "access.sso.issuer", (v) => { v.access.sso.issuer = "https://id-.groundwork.example/realms/groundwork"; }],
        ];
        for (const [stack, key, edit] of urlCases) {
            assert.match(lineFor(problemsAfter(stack, edit), key), /: names a host that (has an empty label|has a label of 70 characters|has a label starting or ending with '-').*, so it cannot resolve/, key);
        }
    });
});

describe("bad-input sweep s29: settings that could never work (M5, M6, M9, M10, M11, W1)", () => {
    const withoutLangfuseHost = (v: Record<string, any>) => { delete v.access.hosts.langfuse; };
    const langfuse = (v: Record<string, any>, settings: Record<string, unknown>) => { v.platform = { ...v.platform, langfuse: { ...v.platform?.langfuse, ...settings } }; };

    it("refuses Langfuse's URL with a query or a fragment, or plain http to a public name, and takes a port-forward or a private name", () => {
        for (const url of ["https://langfuse.dev.groundwork.example/?next=1", "https://langfuse.dev.groundwork.example/#x"]) {
            assert.match(lineFor(problemsAfter("dev", (v) => { withoutLangfuseHost(v); langfuse(v, { url }); }), "platform.langfuse.url"), /has a query or a fragment, which NEXTAUTH_URL cannot carry/);
        }
        assert.match(lineFor(problemsAfter("dev", (v) => { withoutLangfuseHost(v); langfuse(v, { url: "http://langfuse.dev.groundwork.example" }); }), "platform.langfuse.url"), /is plain http to a public name or address/);
        for (const url of ["http://localhost:3001", "http://langfuse.lab.internal"]) {
            assert.equal(parsedAfter("dev", (v) => { withoutLangfuseHost(v); langfuse(v, { url }); }).platform.langfuse.url, url);
        }
    });

    it("refuses a Langfuse release written with a leading zero, and names 3.x's rule only for a release that is not 3", () => {
        for (const version of ["3.224.01", "03.224.1"]) {
            assert.match(lineFor(problemsAfter("dev", (v) => { langfuse(v, { version }); }), "platform.langfuse.version"), /has a number with a leading zero, which no Langfuse image tag has; write it as the release is named, such as 3\.224\.1$/);
        }
        assert.match(lineFor(problemsAfter("dev", (v) => { langfuse(v, { version: "4.0.0" }); }), "platform.langfuse.version"), /needs the 2\.x chart with the ClickHouse operator/);
    });

    it("refuses alert thresholds that fire all the time: GPU idle below 100%, a p95 under a second", () => {
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.monitoring.alerts.gpuIdle = { minutes: 60, utilizationPercent: 100 }; }), "monitoring.alerts.gpuIdle.utilizationPercent"), /must be below 100: the alert fires when utilisation is below it/);
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.monitoring.alerts.gateway = { errorRatio: 0.05, p95LatencySeconds: 0.001 }; }), "monitoring.alerts.gateway.p95LatencySeconds"), /must be at least 1 second/);
        const fine = parsedAfter("cloud", (v) => { v.monitoring.alerts.gpuIdle = { minutes: 60, utilizationPercent: 99 }; v.monitoring.alerts.gateway = { errorRatio: 0.05, p95LatencySeconds: 1 }; });
        assert.deepEqual([fine.monitoring.alerts.gpuIdle.utilizationPercent, fine.monitoring.alerts.gateway.p95LatencySeconds], [99, 1]);
    });

    it("refuses a server CA hash of one character 64 times, a template's stand-in", () => {
        const line = lineFor(problemsAfter("edge", (v) => { v.cluster.serverCaHash = "0".repeat(64); }), "cluster.serverCaHash");
        assert.match(line, /is a placeholder \(one character 64 times\), not the sha256 of a CA, so every node's join would fail/);
    });
});

describe("bad-input sweep s29: the SMTP password as Alertmanager sends it (M9)", () => {
    it("refuses a space or line break at an end, or a line break inside, without showing it; takes spaces inside (Gmail's app passwords)", () => {
        for (const password of ["CANARYsmtpPw77\n", " CANARYsmtpPw77 ", "CANARY\nsmtpPw77"]) {
            const lines = problemsAfter("cloud", (v) => { v.monitoring.alerts.receiver.email.password = password; });
            assert.match(lineFor(lines, "monitoring.alerts.receiver.email.password"), /= \[secret\]: has a space or a line break at an end, or a line break inside, which Alertmanager would send as part of the password/);
            assert.ok(!lines.join("\n").includes("CANARY"), lines.join("\n"));
        }
        assert.doesNotThrow(() => parsedAfter("cloud", (v) => { v.monitoring.alerts.receiver.email.password = "abcd efgh ijkl mnop"; }));
    });
});
