import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ecdsaKeyIsWhole } from "../stacks/config/ssh-private-key";
import { dnsNameProblem } from "../stacks/config/primitives";
import { samplingParamProblems } from "../stacks/config/sampling-params";
import { lineFor, parse, parsedAfter, problemsAfter, PROJECT_DIR, stackValues } from "./helpers";
import { loadPromptsAndEvaluations } from "../stacks/prompts";
import { RepositoryFileError } from "../stacks/config/repository-files";

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
        // 0.x is no 3.x either (review s26 D1).
        assert.match(lineFor(problemsAfter("dev", (v) => { langfuse(v, { version: "0.1.0" }); }), "platform.langfuse.version"), /has no ClickHouse settings/);
    });

    it("refuses alert thresholds that fire all the time: GPU idle below 100%, a p95 under a second", () => {
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.monitoring.alerts.gpuIdle = { minutes: 60, utilizationPercent: 100 }; }), "monitoring.alerts.gpuIdle.utilizationPercent"), /must be below 100: the alert fires when utilisation is below it/);
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.monitoring.alerts.gateway = { errorRatio: 0.05, p95LatencySeconds: 0.001 }; }), "monitoring.alerts.gateway.p95LatencySeconds"), /must be at least 0\.05 seconds/);
        const fine = parsedAfter("cloud", (v) => { v.monitoring.alerts.gpuIdle = { minutes: 60, utilizationPercent: 99 }; v.monitoring.alerts.gateway = { errorRatio: 0.05, p95LatencySeconds: 0.5 }; });
        assert.deepEqual([fine.monitoring.alerts.gpuIdle.utilizationPercent, fine.monitoring.alerts.gateway.p95LatencySeconds], [99, 0.5]);
    });

    it("refuses a server CA hash of one character 64 times, a template's stand-in", () => {
        const line = lineFor(problemsAfter("edge", (v) => { v.cluster.serverCaHash = "0".repeat(64); }), "cluster.serverCaHash");
        assert.match(line, /is a placeholder \(one character 64 times\), not the sha256 of a CA, so every node's join would fail/);
    });
});

describe("bad-input sweep s29: the SMTP password as Alertmanager sends it (M9)", () => {
    it("refuses a line break inside it, without showing it; takes the newline a file adds and spaces, which Alertmanager trims or sends (review s26 R2)", () => {
        const lines = problemsAfter("cloud", (v) => { v.monitoring.alerts.receiver.email.password = "CANARY\nsmtpPw77"; });
        assert.match(lineFor(lines, "monitoring.alerts.receiver.email.password"), /= \[secret\]: has a line break inside it, which Alertmanager sends as part of the password/);
        assert.ok(!lines.join("\n").includes("CANARY"), lines.join("\n"));
        for (const password of ["CANARYsmtpPw77\n", " CANARYsmtpPw77 ", "abcd efgh ijkl mnop"]) {
            assert.doesNotThrow(() => parsedAfter("cloud", (v) => { v.monitoring.alerts.receiver.email.password = password; }), JSON.stringify(password));
        }
    });
});

describe("bad-input sweep s29: a prompt's sampling parameters as vLLM takes them (M1)", () => {
    it("refuses each value vLLM refuses, naming file, key, value and range, and takes its edges, numbers as text, top_k 0 and -1", () => {
        const file = "prompts/assistant/answer.yaml";
        const refused: [Record<string, unknown>, RegExp][] = [
            [{ temperature: -1 }, /config\.temperature = -1 is outside what vLLM takes \(temperature must be in \[0, 2\]\)/],
            [{ temperature: 2.5 }, /temperature must be in \[0, 2\]/],
            [{ temperature: "hot" }, /config\.temperature = "hot" must be a number, in \[0, 2\]; vLLM refuses every call with it/],
            [{ top_p: 0 }, /top_p must be in \(0, 1\]/], [{ top_p: 1.5 }, /top_p must be in \(0, 1\]/],
            [{ frequency_penalty: 3 }, /frequency_penalty must be in \[-2, 2\]/], [{ presence_penalty: -3 }, /presence_penalty must be in \[-2, 2\]/],
            [{ n: 0 }, /n must be at least 1/], [{ repetition_penalty: 0 }, /repetition_penalty must be greater than zero/], [{ min_p: 2 }, /min_p must be in \[0, 1\]/],
            [{ seed: "abc" }, /config\.seed = "abc" must be a whole number; vLLM refuses every call with it$/], [{ top_k: 1.5 }, /config\.top_k = 1\.5 must be a whole number/],
            [{ min_tokens: 600, max_tokens: 512 }, /config\.min_tokens = 600 is more than max_tokens = 512/],
            [{ min_tokens: "600", max_tokens: "512" }, /config\.min_tokens = 600 is more than max_tokens = 512/],
            [{ stop: [""] }, /config\.stop holds an empty string/], [{ stop: [1] }, /config\.stop must be a string or a list of strings/],
            [{ Temperature: 0.2 }, /config\.Temperature is not a parameter the model server reads; write it temperature$/],
            [{ logprobs: true, top_logprobs: 50 }, /config\.top_logprobs = 50 is outside what vLLM takes \(top_logprobs must be 0 to 20\)/],
            // A credential pasted as a value is never repeated.
            [{ temperature: "sk-proj-PLANTEDs29Ab3dEf6hIj9kLm2nOp5q" }, /config\.temperature = \[text of 38 characters, not shown as it may hold a secret\] must be a number/],
        ];
        for (const [config, expected] of refused) {
            const found = samplingParamProblems(file, config);
            assert.equal(found.length, 1, JSON.stringify(config));
            assert.match(found[0], expected);
            assert.ok(found[0].startsWith(`${file}: config.`), found[0]);
        }
        for (const config of [{ temperature: 0, top_p: 1, presence_penalty: -2, frequency_penalty: 2, min_p: 0, n: 1 }, { temperature: "0.7", top_k: 0, top_p: ".5", min_p: "1e-1" }, { top_k: -1, seed: 42, stop: "###", min_tokens: 1, max_tokens: 512 }, { stop: ["a", "b", "c", "d", "e"] }]) {
            assert.deepEqual(samplingParamProblems(file, config), [], JSON.stringify(config));
        }
    });
});

describe("bad-input sweep s29: ECDSA keys cut short or naming another curve (M3)", () => {
    it("takes whole keys of each curve ssh-keygen makes, and refuses one cut short or whose blob names another curve, as host key and authorized key", () => {
        // `ssh-keygen -t ecdsa -b N` writes ecdsa-sha2-nistpN lines; a real tool made them, not this code.
        const keys = [256, 384, 521].map((bits) => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-ecdsa-")), "key");
            execFileSync("ssh-keygen", ["-q", "-t", "ecdsa", "-b", String(bits), "-N", "", "-C", "", "-f", file]);
            return fs.readFileSync(`${file}.pub`, "utf8").trim();
        });
        for (const key of keys) assert.ok(ecdsaKeyIsWhole(key), key);
        const [type, data] = keys[0].split(" ");
        const cut = `${type} ${Buffer.from(data, "base64").subarray(0, 60).toString("base64")}`;
        // A nistp256 line whose blob says nistp384, the point kept at 65 bytes.
        const blob = Buffer.from(data, "base64");
        const otherCurve = Buffer.concat([blob.subarray(0, 4 + 19), Buffer.from([0, 0, 0, 8]), Buffer.from("nistp384"), blob.subarray(4 + 19 + 4 + 8)]);
        const renamed = `${type} ${otherCurve.toString("base64")}`;
        for (const bad of [cut, renamed]) assert.equal(ecdsaKeyIsWhole(bad), false, bad);
        assert.match(lineFor(problemsAfter("edge", (v) => { v.edge.machines[1].hostKey = cut; }), "edge.machines[1].hostKey"), /is an ECDSA key cut short, or naming another curve than its type/);
        assert.match(lineFor(problemsAfter("dev", (v) => { v.oci.sshAuthorizedKeys = [renamed]; }), "oci.sshAuthorizedKeys[0]"), /is an ECDSA key cut short, or naming another curve than its type \(RFC 5656 3\.1\), so sshd never matches it/);
        assert.equal(parsedAfter("edge", (v) => { v.edge.machines[1].hostKey = keys[1]; }).edge!.machines[1].hostKey, keys[1]);
    });
});

describe("bad-input sweep s29: receivers that refuse Alertmanager's posts, and mesh clients' names (M7, M8)", () => {
    it("refuses a Discord webhook without /slack as the Slack receiver, and PagerDuty's and Opsgenie's APIs as the generic webhook, without showing them", () => {
        const discord = "https://discord.com/api/webhooks/1234567890/CANARYtokAbCdEfGh";
        const lines = problemsAfter("dev", (v) => { v.monitoring.alerts.receiver = { slack: { url: discord } }; });
        assert.match(lineFor(lines, "monitoring.alerts.receiver.slack.url"), /is a Discord webhook without \/slack at its end/);
        assert.ok(!lines.join("\n").includes("CANARY"), lines.join("\n"));
        assert.doesNotThrow(() => parsedAfter("dev", (v) => { v.monitoring.alerts.receiver = { slack: { url: `${discord}/slack` } }; }));
        for (const [url, tool] of [["https://events.pagerduty.com/v2/enqueue", "PagerDuty's Events API"], ["https://api.eu.opsgenie.com/v2/alerts", "Opsgenie's Alert API"]]) {
            assert.match(lineFor(problemsAfter("edge", (v) => { v.monitoring.alerts.receiver = { webhook: { url } }; }), "monitoring.alerts.receiver.webhook.url"), new RegExp(`is ${tool}`));
        }
        // A Custom Event Transformer on PagerDuty's events host takes any JSON (review s26 R5).
        assert.doesNotThrow(() => parsedAfter("edge", (v) => { v.monitoring.alerts.receiver = { webhook: { url: "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue" } }; }));
    });

    it("refuses a ServiceAccount name over 63 characters in a mesh client, which Linkerd gives no identity, naming its length", () => {
        const line = lineFor(problemsAfter("dev", (v) => { v.platform = { ...v.platform, langfuse: { ...v.platform?.langfuse, clients: [`apps/${"r".repeat(300)}`] } }; }), "platform.langfuse.clients[0]");
        assert.match(line, /names a ServiceAccount of 300 characters; Linkerd gives an identity only to one of at most 63 \(a DNS label\)$/);
    });
});

describe("bad-input sweep s29: messages (W2, W3)", () => {
    it("advises a month as 30d for a budget period in seconds, and keeps the minutes aside for m", () => {
        const seconds = lineFor(problemsAfter("cloud", (v) => { v.inference.teams[0].keys[0].budgetDuration = "30s"; }), "inference.teams[0].keys[0].budgetDuration");
        assert.match(seconds, /resets the budget every 30 second\(s\); a budget period is an hour or longer: for a month write 30d \(or 1mo\), for a day 1d$/);
        const minutes = lineFor(problemsAfter("cloud", (v) => { v.inference.teams[0].keys[0].budgetDuration = "30m"; }), "inference.teams[0].keys[0].budgetDuration");
        assert.match(minutes, /every 30 minute\(s\) \(LiteLLM reads m as minutes\); .*for a month write 30mo/);
    });

    it("names the length limit a hidden value broke: a host over 253 characters, a Slack channel over 80", () => {
        const long = `${"a".repeat(60)}.`.repeat(4) + "groundwork.example";
        assert.match(lineFor(problemsAfter("dev", (v) => { v.access.hosts.gateway = long; }), "access.hosts.gateway"), /at most 253 characters in all \(this is 262\)/);
        assert.match(lineFor(problemsAfter("edge", (v) => { v.edge.machines[2].host = `${"b".repeat(250)}.lab.internal`; }), "edge.machines[2].host"), /must be an IPv4 address or a DNS name, at most 253 characters \(this is 263\)/);
        assert.match(lineFor(problemsAfter("dev", (v) => { v.monitoring.alerts.receiver = { slack: { url: "https://hooks.slack.com/services/T0/B0/x", channel: `#${"a".repeat(81)}` } }; }), "monitoring.alerts.receiver.slack.channel"), /at most 80 characters \(Slack's channel names\); this is 81$/);
    });
});

describe("bad-input sweep s29: stop sequences where a route reaches OpenAI (M1, p29)", () => {
    const withStops = (stops: number) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-prompts-"));
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.cloud.yaml"), path.join(dir, "Pulumi.cloud.yaml"));
        fs.mkdirSync(path.join(dir, "prompts"));
        const stop = JSON.stringify(Array.from({ length: stops }, (_, i) => `###${i}`));
        fs.writeFileSync(path.join(dir, "prompts", "a.yaml"), `name: support/answer\nroute: chat\nlabels: [cloud]\ntext: Answer briefly.\nconfig: { stop: ${stop} }\n`);
        return dir;
    };
    it("refuses more than 4 on a route that can reach an OpenAI model, naming it; takes 4", () => {
        const config = parse(stackValues("cloud"));
        assert.throws(() => loadPromptsAndEvaluations(config, "cloud", withStops(5)),
            (e: Error) => e instanceof RepositoryFileError && /prompts\/a\.yaml: config\.stop has 5 sequences, and route chat can reach hosted-mini \(openai\/gpt-4o-mini\) in stack cloud, whose API takes at most 4/.test(e.message));
        assert.equal(loadPromptsAndEvaluations(config, "cloud", withStops(4)).prompts.length, 1);
    });
});
