import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hasCredentialShape, looksLikeCredential, redactCredentials, redactPrefixedCredentials } from "../stacks/config/errors";
import { parseStackConfig } from "../stacks/config";
import { placeholderFor, readStackFile } from "../plan/stack-file";
import { secretsEqualToSettings, secretsInPlainText, writtenWhole } from "../plan/run";
import { leakedSecrets, renderPlanFiles, renderSummary } from "../plan/report";
import { ConfigError } from "../stacks/config/errors";
import { lineFor, parse, planValues, problems, PROJECT_DIR, stackValues } from "./helpers";
import { stackFileSecurePaths } from "../stacks/config/encrypted-values";

/** The marker every planted secret carries: no error may print it. */
const PLANTED = "PLANTED7Q9";
const noPlanted = (lines: string[]) => assert.ok(!lines.join("\n").includes(PLANTED), lines.join("\n"));

/**
 * The problems the plan reports for a stack's edited values, as it reads the stack file: with the
 * keys it encrypts, so plain text is judged too. None if they parse.
 */
function stackFileProblems(stack: string, values: Record<string, any>): string[] {
    const stackFile = readStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "groundwork");
    try {
        parseStackConfig(Object.fromEntries(Object.entries(values).map(([k, value]) => [`groundwork:${k}`, JSON.stringify(value)])), stackFile.secretKeys, stackFile.securePaths);
        return [];
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.problems;
    }
}

describe("configuration errors never echo a secret, whatever key it was written under", () => {
    it("recognises credentials by their shape, and leaves ordinary values alone", () => {
        for (const credential of ["sk-proj-abc123", "sk-lf-1234", "-----BEGIN OPENSSH PRIVATE KEY----- b3Blbn", "ghp_abc", "glpat-xyz", "tskey-auth-k1", "hf_abc", "AKIAIOSFODNN7EXAMPLE", "hvs.CAES", "x".repeat(40)]) {
            assert.ok(looksLikeCredential(credential), credential);
        }
        for (const plain of ["eu-frankfurt-1", "https://github.com/acme/platform/blob/main/README.md", "ocid1.compartment.oc1..aaaaaaaaa2v5d3pqmmbzhqb2dmkmgq7oq3fqtp4ojcfnz7j2e6xljkdx3nqa", "openai/gpt-4o-mini", "pk-lf-1234"]) {
            assert.ok(!looksLikeCredential(plain), plain);
        }
    });

    it("hides a credential pasted into a plain field, naming the key and what is valid", () => {
        const v = stackValues("dev");
        v.inference.teams[0].langfuseProject = { publicKey: `sk-lf-${PLANTED}-0000`, secretKey: "x" };
        v.oci.auth = { tenancyOcid: "ocid1.tenancy.oc1..aaaa", userOcid: "ocid1.user.oc1..aaaa", fingerprint: `-----BEGIN PRIVATE KEY-----${PLANTED}`, privateKey: "x" };
        v.monitoring.alerts.runbookUrl = `git.example/README.md?private_token=glpat-${PLANTED}`;
        const found = problems(v);
        noPlanted(found);
        assert.match(lineFor(found, "inference.teams[0].langfuseProject.publicKey"), /= \[text of \d+ characters, not shown as it may hold a secret\]: must be a Langfuse project's public key/);
        assert.match(lineFor(found, "oci.auth.fingerprint"), /not shown as it may hold a secret\]: must be an API key fingerprint/);
        assert.match(lineFor(found, "monitoring.alerts.runbookUrl"), /: must be the https URL of this repository's README/);
    });

    it("refuses a credential written where a plain value goes, never echoing it: id:secret, lower-hex and SendGrid keys, an ACME URL's password (sweep s18 se32, se31, se30, ac47)", () => {
        const hex = "7f3a927fa1fd9f80faaeb51d1028a697";
        const refused = (edit: (v: Record<string, any>) => void, key: string, why: RegExp) => {
            const v = stackValues("cloud");
            edit(v);
            const lines = stackFileProblems("cloud", v);
            noPlanted(lines);
            assert.ok(!lines.join("\n").includes(hex), lines.join("\n"));
            assert.match(lineFor(lines, key), why);
        };
        refused((v) => { v.access.sso.clientId = `groundwork-cloud:${PLANTED}Xq2Lw8Rt5Yu1Io4Pa6Sd`; }, "access.sso.clientId", /= \[text of 47 characters, not shown as it may hold a secret\]: is client_id:client_secret, the id and a secret.s shape after one .:.; give the client id alone/);
        // A client id with colons of its own (a URN) is a client id (review s18b R3).
        const urn = stackValues("dev");
        urn.access.sso.clientId = "urn:groundwork:chat-2026";
        assert.equal(parse(urn).access!.sso!.clientId, "urn:groundwork:chat-2026");
        urn.access.sso.clientId = "https://chat.groundwork.example/oidc/v1";
        assert.equal(parse(urn).access!.sso!.clientId, "https://chat.groundwork.example/oidc/v1", "a URL may be a client id (sweep s18 rerun fr25)");
        refused((v) => { v.inference.hosted[0].model = `deepseek/sk-${hex}`; }, "inference.hosted[0].model", /not shown/);
        refused((v) => { v.monitoring.alerts.receiver.email.username = `SG.${PLANTED}Ab12Cd34Ef.Gh56Ij78Kl90Mn12Op34Qr56St78Uv90Wx12Yz34Ab5`; }, "monitoring.alerts.receiver.email.username", /not shown/);
        refused((v) => { v.access.tls.acmeServer = `https://acme:${PLANTED}-acme@acme.groundwork.example/directory`; }, "access.tls.acmeServer", /carries a user name or password, which would be written in plain text wherever the URL is/);
        // A Langfuse secret key is a UUID after sk-lf-: its shape too.
        assert.ok(hasCredentialShape("sk-lf-7f3a9e21-3b4c-4d5e-8f90-a1b2c3d4e5f6") && !hasCredentialShape("sk-ecdsa-sha2-nistp256@openssh.com"));
    });

    it("says a credential under a misspelt key is in plain text in the committed file, and to rotate it (sweep s18 se34)", () => {
        const v = stackValues("cloud");
        v.inference.teams[0].langfuseProject = { public_key: "pk-lf-7f3a9e21-3b4c-4d5e-8f90-a1b2c3d4e5f6", secret_key: `sk-lf-${PLANTED.toLowerCase()}-3b4c-4d5e-8f90-a1b2c3d4e5f6` };
        const lines = problems(v);
        noPlanted(lines.map((l) => l.toUpperCase()));
        assert.match(lineFor(lines, "inference.teams[0].langfuseProject.secret_key"), /unknown key; did you mean "secretKey"\? .*; the value is in plain text in the stack file, which is committed with the code: if it is a credential, set it again encrypted \(pulumi config set --secret --path\) and rotate it$/);
    });

    it("removes credentials and queries from a URL it shows", () => {
        const v = stackValues("edge");
        v.platform.postgres.backup.s3.endpointURL = `s3://minio:${PLANTED}@bucket/?token=${PLANTED}`;
        const found = problems(v);
        noPlanted(found);
        assert.match(lineFor(found, "platform.postgres.backup.s3.endpointURL"), /= "s3:\/\/\[credentials removed\]@bucket\/\?\[query removed\]": must be the endpoint's http\(s\) URL/);
    });

    it("hides the value of an unknown key named like a credential, and a secret written as a map key", () => {
        const v = stackValues("dev");
        v.inference.gateway = { ...v.inference.gateway, masterKey: `${PLANTED}-master` };
        v.openai = { [`sk-${PLANTED}`]: "" };
        const found = problems(v);
        noPlanted(found);
        assert.match(lineFor(found, "inference.gateway.masterKey"), /not shown as it may hold a secret\]: unknown key; valid keys here:/);
        assert.match(lineFor(found, "openai"), /= \[a map of 1 key\(s\), not shown as it may hold secrets\]: unknown key/);
    });

    it("shows no text under a key the stack stores encrypted, wherever in it the bad value is", () => {
        const raw = Object.fromEntries(Object.entries(stackValues("dev")).map(([k, v]) => [`groundwork:${k}`, JSON.stringify(v)]));
        const cost = JSON.parse(raw["groundwork:cost"]);
        raw["groundwork:cost"] = JSON.stringify({ ...cost, monthlyBudgetUsd: `${PLANTED}-budget` });
        const lines = (encrypted: string[]) => {
            try { parseStackConfig(raw, encrypted); } catch (err) { if (err instanceof ConfigError) return err.problems; throw err; }
            return assert.fail("expected the configuration to be rejected");
        };
        // Every key that holds a credential is encrypted, as the committed stack file keeps them.
        const encrypted = Object.keys(raw).filter((k) => k !== "groundwork:cost");
        assert.match(lineFor(lines(encrypted), "cost.monthlyBudgetUsd"), new RegExp(`= "${PLANTED}-budget": must be a number`), "a plain key's text is shown");
        const hidden = lines([...encrypted, "groundwork:cost"]);
        noPlanted(hidden);
        assert.match(lineFor(hidden, "cost.monthlyBudgetUsd"), /= \[text of 17 characters, not shown as it may hold a secret\]: must be a number/);
    });

    it("shows plain text beside an encrypted value when the stack file says which leaves it encrypts, and hides the encrypted leaf and what holds it", () => {
        const raw = Object.fromEntries(Object.entries(stackValues("dev")).map(([k, v]) => [`groundwork:${k}`, JSON.stringify(v)]));
        const access = JSON.parse(raw["groundwork:access"]);
        raw["groundwork:access"] = JSON.stringify({ ...access, domain: "Bad_Domain", sso: { ...access.sso, clientSecret: `${PLANTED} x`, groupsClaim: `${PLANTED}!` } });
        // The dev stack file's own encrypted leaves (access.sso.clientSecret among them), and the keys holding them.
        const devSecure = stackFileSecurePaths(PROJECT_DIR, "dev", "groundwork")!;
        assert.ok(devSecure.includes("groundwork:access.sso.clientSecret"));
        const encrypted = [...new Set(devSecure.map((p) => p.split(".")[0].split("[")[0]))];
        const lines = (securePaths?: string[]) => {
            try { parseStackConfig(raw, encrypted, securePaths); } catch (err) { if (err instanceof ConfigError) return err.problems; throw err; }
            return assert.fail("expected the configuration to be rejected");
        };
        const known = lines(devSecure);
        assert.match(lineFor(known, "access.domain"), /= "Bad_Domain": must be a lower-case DNS name/, "the committed plain text beside the secret is shown");
        assert.match(lineFor(known, "access.sso.clientSecret"), /= \[secret\]: holds a space or a line break/);
        noPlanted(known.filter((l) => !l.startsWith("groundwork:access.sso.groupsClaim")));
        // Without the file's encrypted paths (config from an ESC environment), nothing under the key is shown.
        const unknown = lines(undefined);
        noPlanted(unknown);
        assert.match(lineFor(unknown, "access.domain"), /= \[text of 10 characters, not shown as it may hold a secret\]/);
        // An ancestor of the encrypted leaf is hidden even when the file's paths are known.
        const whole = lines([...devSecure.filter((p) => !p.startsWith("groundwork:access")), "groundwork:access.sso"]);
        noPlanted(whole);
    });

    it("refuses a credential stored in plain text in the stack file, without showing it", () => {
        const raw = Object.fromEntries(Object.entries(stackValues("dev")).map(([k, v]) => [`groundwork:${k}`, JSON.stringify(v)]));
        raw["groundwork:access"] = JSON.stringify({ ...JSON.parse(raw["groundwork:access"]), sso: { ...JSON.parse(raw["groundwork:access"]).sso, clientSecret: `${PLANTED}-client` } });
        const encrypted = Object.keys(raw).filter((k) => k !== "groundwork:access");
        let lines: string[] = [];
        try { parseStackConfig(raw, encrypted); } catch (err) { if (err instanceof ConfigError) lines = err.problems; else throw err; }
        noPlanted(lines);
        assert.deepEqual(lines, ["groundwork:access.sso.clientSecret = [secret]: is in plain text in the stack file, which is committed with the code; store it encrypted: pulumi config set --secret --path 'groundwork:access.sso.clientSecret' <value>"]);
        assert.doesNotThrow(() => parseStackConfig(raw, [...encrypted, "groundwork:access"]), "the same value, stored encrypted, parses");
    });

    it("refuses a chat webhook, whose path is its token, in any plain key, without showing it (sweep s16 se21)", () => {
        const slack = `https://hooks.slack.com/services/T0AAAA1/B0BBBB2/${PLANTED}abcdefghijklmn`;
        const raw = Object.fromEntries(Object.entries(stackValues("dev")).map(([k, v]) => [`groundwork:${k}`, JSON.stringify(v)]));
        const monitoring = JSON.parse(raw["groundwork:monitoring"]);
        raw["groundwork:monitoring"] = JSON.stringify({ ...monitoring, alerts: { ...monitoring.alerts, runbookUrl: slack } });
        // As the plan reads dev's stack file: its encrypted leaves known, the receiver's among them.
        const devSecure = stackFileSecurePaths(PROJECT_DIR, "dev", "groundwork")!;
        let lines: string[] = [];
        try { parseStackConfig(raw, [...new Set(devSecure.map((p) => p.split(".")[0].split("[")[0]))], devSecure); } catch (err) { if (err instanceof ConfigError) lines = err.problems; else throw err; }
        noPlanted(lines);
        assert.deepEqual(lines, [`groundwork:monitoring.alerts.runbookUrl = [URL of ${slack.length} characters, not shown]: is a Slack webhook, whose path is its credential (anyone holding it posts to the channel), in plain text in the stack file, which is committed with the code and shown wherever this key's value is; remove it here and rotate it. A Slack alert receiver is set encrypted: pulumi config set --secret --path 'groundwork:monitoring.alerts.receiver.slack.url' <url>`]);
        // Discord's and Microsoft 365's forms, and the same text in a message, hidden.
        for (const url of [`https://discord.com/api/webhooks/1234567890/${PLANTED}-token`, `https://acme.webhook.office.com/webhookb2/${PLANTED}@tenant/IncomingWebhook/x/y`]) {
            assert.ok(looksLikeCredential(url), url);
            assert.ok(!redactCredentials(`groundwork:langfuse.url = "${url}": bad`).includes(PLANTED));
        }
        assert.match(redactCredentials(`x = "${slack}"`), /^x = "https:\/\/hooks\.slack\.com\/services\/\[not shown\]"$/);
        // Not a webhook: the chat tools' own pages.
        assert.ok(!looksLikeCredential("https://hooks.slack.com/"));
        assert.ok(!looksLikeCredential("https://discord.com/developers/docs/resources/webhook"));
    });

    it("refuses a map key shaped like a credential, a node label's name for one, without showing it (sweep s16 se24)", () => {
        const token = `xoxb-1234567890-${PLANTED}Ab9Cd8Ef7Gh6Ij5`;
        const raw = Object.fromEntries(Object.entries(stackValues("dev")).map(([k, v]) => [`groundwork:${k}`, JSON.stringify(v)]));
        const oci = JSON.parse(raw["groundwork:oci"]);
        oci.nodes[1].labels = { ...oci.nodes[1].labels, [token]: "true" };
        raw["groundwork:oci"] = JSON.stringify(oci);
        const devSecure = stackFileSecurePaths(PROJECT_DIR, "dev", "groundwork")!;
        let lines: string[] = [];
        try { parseStackConfig(raw, [...new Set(devSecure.map((p) => p.split(".")[0].split("[")[0]))], devSecure); } catch (err) { if (err instanceof ConfigError) lines = err.problems; else throw err; }
        noPlanted(lines);
        assert.ok(lines.includes("groundwork:oci.nodes[1].labels has 1 key(s) shaped like a credential (not shown) in plain text in the stack file, which is committed with the code and, for labels, shown on the node to anyone who lists nodes; remove it and rotate it"), lines.join("\n"));
    });

    it("refuses a chat tool's webhook as the generic webhook receiver, which it would answer with 400, naming the receiver that fits (sweep s16 mo22)", () => {
        const at = (url: string) => {
            const v = stackValues("edge");
            v.monitoring.alerts.receiver = { webhook: { url } };
            return lineFor(problems(v), "monitoring.alerts.receiver.webhook.url");
        };
        assert.equal(at(`https://hooks.slack.com/services/T0/B0/${PLANTED}`), "groundwork:monitoring.alerts.receiver.webhook.url = [secret]: is a Slack webhook; Slack refuses Alertmanager's webhook JSON (no text): set receiver.slack.url instead");
        assert.match(at(`https://acme.webhook.office.com/webhookb2/x@y/IncomingWebhook/a/b`), /is a Microsoft 365 connector webhook, which takes a MessageCard/);
        assert.match(at(`https://discord.com/api/webhooks/1/${PLANTED}`), /ending in \/slack\) as receiver\.slack\.url$/);
        for (const relay of ["https://relay.groundwork.example/hook", "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x"]) {
            const v = stackValues("edge");
            v.monitoring.alerts.receiver = { webhook: { url: relay } };
            assert.doesNotThrow(() => parse(v), `a relay (a Logic App takes any JSON) is what the webhook receiver is for: ${relay}`);
        }
    });

    it("refuses a key or token with a space or a line break in it, naming the key without showing it", () => {
        const v = stackValues("cloud");
        v.inference.hosted[0].apiKey = `sk-${PLANTED}\n`;
        const lines = problems(v);
        noPlanted(lines);
        assert.match(lineFor(lines, "inference.hosted[0].apiKey"), /= \[secret\]: holds a space or a line break, which no key or token has \(it is sent in an HTTP header or a signed request\); set the key alone/);
        const pem = stackValues("dev");
        assert.doesNotThrow(() => parse(pem), "a PEM key, many lines, is still taken where one is asked for (oci.auth.privateKey)");
        // A whole .env line (sweep s20-16).
        const envLine = stackValues("cloud");
        envLine.inference.hosted[0].apiKey = `OPENAI_API_KEY=sk-proj-${PLANTED}Ab3dEf6hIj9kLm2n`;
        const found = problems(envLine);
        noPlanted(found);
        assert.equal(lineFor(found, "inference.hosted[0].apiKey"), "groundwork:inference.hosted[0].apiKey = [secret]: is a NAME=value line of an environment file, not the key alone; give only the value after the =");
    });

    it("knows Pulumi's and Databricks' tokens and GitLab's runner tokens as credentials in a plain field (sweep s20-24)", () => {
        for (const token of [`pul-${"0123456789abcdef".repeat(2)}01234567`, `dapi${"0123456789abcdef".repeat(2)}`, "glrt-Ab3dEf6hIj9kLm2nOp5q"]) {
            assert.ok(hasCredentialShape(token), token);
            const v = stackValues("dev");
            v.oci.nodes[0].labels = { "groundwork.dev/owner": token };
            const found = stackFileProblems("dev", v);
            assert.ok(!found.join("\n").includes(token.slice(4, 20)), found.join("\n"));
            assert.match(found.join("\n"), /labels\.groundwork\.dev\/owner = \[[^\]]*not shown[^\]]*\]: has a credential's shape/);
        }
        // Public hex of those lengths without the prefix stays a digest, and a word that starts like one is a word (review s20b N6).
        assert.ok(!hasCredentialShape("0123456789abcdef0123456789abcdef01234567"));
        assert.ok(!looksLikeCredential("dapibus") && !looksLikeCredential("pul-request"));
    });

    it("refuses a URL with a line break or a space in it, which the URL parser drops, without showing what follows it (sweep s20-25)", () => {
        const awsSecret = `wJalrXUtnFEMI/K7MDENG/bPxRfiCY${PLANTED}KEY`;
        const v = stackValues("dev");
        v.monitoring.alerts.runbookUrl = `https://git.groundwork.example/platform/blob/main/README.md\n${awsSecret}`;
        const lines = problems(v);
        noPlanted(lines);
        assert.match(lineFor(lines, "monitoring.alerts.runbookUrl"), /= \[text of \d+ characters, not shown as it may hold a secret\]: holds a space, tab, line break or other control character, which the URL parser drops, joining whatever follows into the URL; give the URL alone, on one line$/);
        const tab = stackValues("dev");
        tab.access.sso.issuer = "https://id.groundwork.example/realms/\tgroundwork";
        assert.match(lineFor(problems(tab), "access.sso.issuer"), /holds a space, tab, line break or other control character/);
        const endpoint = stackValues("edge");
        endpoint.platform.postgres.backup.s3.endpointURL = "https://s3.eu-central-1.amazonaws.com ";
        assert.match(lineFor(problems(endpoint), "platform.postgres.backup.s3.endpointURL"), /holds a space, tab, line break/);
    });

    it("refuses, without showing them, credentials in a URL's fragment or an S3 endpoint's query, and keys shaped like Entra or Google secrets (sweep s13)", () => {
        const cases: [string, string, (v: any) => void, RegExp][] = [
            ["edge", "platform.postgres.backup.s3.endpointURL", (v) => (v.platform.postgres.backup.s3.endpointURL = `https://s3.eu-central-1.amazonaws.com/?X-Amz-Credential=AKIA${PLANTED}&X-Amz-Signature=${PLANTED}`), /has a query or fragment, which an S3 endpoint never has/],
            ["cloud", "monitoring.alerts.runbookUrl", (v) => (v.monitoring.alerts.runbookUrl = `https://git.groundwork.example/p/blob/main/README.md#access_token=${PLANTED}`), /carries #access_token= in its fragment/],
            ["cloud", "access.sso.oauthEndpoints.userinfoUrl", (v) => (v.access.sso.oauthEndpoints.userinfoUrl = `https://login.example.com/userinfo#client_secret=${PLANTED}`), /= "https:\/\/login\.example\.com\/userinfo#\[fragment removed\]": carries #client_secret= in its fragment/],
            ["cloud", "apps.chat.team", (v) => (v.apps.chat = { ...v.apps.chat, team: `Xy78Q~${PLANTED}.abcdEFGHijkl_MNOPqrst.uvWX` }), /= \[[^\]]*not shown[^\]]*\]: /],
            ["cloud", "aws.existingVpc.vpcId", (v) => (v.aws.existingVpc = { vpcId: `AIzaSy${PLANTED}_abcdefghijklmnopqrs`, publicSubnetIds: ["subnet-01234567", "subnet-01234568"], privateSubnetIds: ["subnet-01234569", "subnet-0123456a"] }), /= \[text of \d+ characters, not shown as it may hold a secret\]: must be a VPC id/],
        ];
        for (const [stack, key, edit, expected] of cases) {
            const v = stackValues(stack);
            edit(v);
            const lines = problems(v);
            noPlanted(lines);
            assert.match(lineFor(lines, key), expected, key);
        }
        const fine = stackValues("cloud");
        fine.monitoring.alerts.runbookUrl = "https://git.groundwork.example/p/blob/main/README.md";
        assert.doesNotThrow(() => parse(fine));
    });

    it("names a --secret whose value is also plain text of the stack file, which no leak check can tell apart (sweep s13 se01)", () => {
        // cloud's SMTP user is alerts@groundwork.example: a password "alerts" is in the plain text already.
        const plain = readStackFile(path.join(PROJECT_DIR, "Pulumi.cloud.yaml"), "groundwork").config;
        const secrets = { "groundwork:monitoring.alerts.receiver.email.password": "alerts", "groundwork:access.sso.clientSecret": `${PLANTED}-not-in-the-file` };
        assert.deepEqual(secretsInPlainText(plain, secrets), [["groundwork:monitoring.alerts.receiver.email.password", "alerts"]]);
        const summary = renderSummary({ project: "groundwork", stack: "cloud", resources: [], outputs: {}, placeholders: [], secretValues: [], uncheckedSecrets: ["groundwork:monitoring.alerts.receiver.email.password"] }, "out/cloud", []);
        assert.match(summary, /Secrets not checked for leaks, their value being also plain text of the stack file \(choose a value that is not\):\n {2}groundwork:monitoring\.alerts\.receiver\.email\.password\n/);
    });

    it("finds a --secret that is another setting's whole value, not a part of one, nor an encrypted value's stand-in (sweep s24 M2)", () => {
        const read = readStackFile(path.join(PROJECT_DIR, "Pulumi.cloud.yaml"), "groundwork");
        const standIns = read.placeholders.map(placeholderFor);
        assert.deepEqual(secretsEqualToSettings(read.config, { "groundwork:access.sso.clientSecret": "platform-operators" }, standIns), [["groundwork:access.sso.clientSecret", "groundwork:access.sso.operatorsGroup"]]);
        assert.deepEqual(secretsEqualToSettings(read.config, { "groundwork:monitoring.alerts.receiver.email.password": "alerts" }, standIns), [], "a word of an address is no setting's whole value");
        assert.deepEqual(secretsEqualToSettings(read.config, { "groundwork:access.sso.clientSecret": standIns[0] }, standIns), [], "a stand-in");
    });

    it("exempts from the leak check only a token the stack file writes whole, not one inside a longer plain token (review s14b R2)", () => {
        const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPJC+DaN6Ct83KzAEZXonIz79SiVl6YRZ1H4AnngHYKG ops@example";
        const plain = `groundwork:oci.sshAuthorizedKeys: ["${publicKey}"]\ngroundwork:access.sso.clientId: 0f3c2a1b-1234-4cde-9abc-0123456789ab`;
        assert.equal(writtenWhole(plain, "0f3c2a1b-1234-4cde-9abc-0123456789ab"), true, "an Entra client id written in the open");
        assert.equal(writtenWhole(plain, publicKey), true, "a whole value, spaces and all");
        assert.equal(writtenWhole(plain, "DaN6Ct83KzAEZXonIz79SiVl6YRZ1H4"), false, "a run inside the key's base64 is no plain token");
        assert.equal(writtenWhole(plain, "ops@exam"), false);
        assert.equal(writtenWhole("x=abc", "abc"), true, "a value after a separator");
        assert.equal(writtenWhole(plain, "absent-token-1234"), false);
    });

    it("refuses a blank secret, naming the key without showing it", () => {
        const v = stackValues("dev");
        v.access.sso.clientSecret = "   ";
        assert.match(lineFor(problems(v), "access.sso.clientSecret"), /= \[secret\]: is blank; set the secret itself/);
    });

    it("quotes nothing of the YAML a stack file could not be read from: aliases, block headers, tags", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-yaml-"));
        const read = (value: string) => {
            const file = path.join(dir, "Pulumi.leak.yaml");
            fs.writeFileSync(file, `config:\n  groundwork:inference:\n    hosted:\n      - name: x\n        apiKey: ${value}\n`);
            try { readStackFile(file, "groundwork"); } catch (err) { return (err as Error).message; }
            return assert.fail(`read ${value}`);
        };
        for (const value of [`*sk-${PLANTED}`, `|sk-${PLANTED}`, `!sk-${PLANTED}`]) {
            const message = read(value);
            assert.ok(!message.includes(PLANTED), message);
            assert.match(message, /Pulumi\.leak\.yaml.*; fix the YAML/);
        }
        assert.match(read(`!sk-${PLANTED}`), /Unresolved tag/, "a value read as a tag is an error, not an empty value");
        // !!binary: yaml makes bytes, which a schema message would print as character codes (sweep s23 L3).
        const binary = read(`!!binary ${Buffer.from(`sk-proj-${PLANTED}q7XvB2mN9pL4kR8sT1wY6zA3`).toString("base64")}`);
        assert.match(binary, /Pulumi\.leak\.yaml:5:26: groundwork:inference\.hosted\[0\]\.apiKey: is tagged !!binary, which the Pulumi CLI reads as the decoded text and this plan as bytes; write the text itself/);
        assert.ok(!/115|PLANTED|c2st/.test(binary), binary);
    });
    it("knows Groq's, xAI's, Replicate's, Perplexity's and Fireworks' keys and Vault's batch and recovery tokens, and refuses one pasted after a provider without showing it (sweep s22 L1)", () => {
        const keys = [`gsk_${PLANTED}q7XvB2mN9pL4kR8sT1wY6zA3cD5eF0gH2jK4lM6nP8`, `xai-${PLANTED}a8Bc7De6Fg5Hi4Jk3Lm2No1Pq0RsTuVwXyZ`, `r8_${PLANTED}Ab3dEf6hIj9kLm2nOp5qRs8tU`, `pplx-${PLANTED}Ab3dEf6hIj9kLm2nOp5q`, `fw_${PLANTED}Ab3dEf6hIj9kLm2nOp5q`, `hvb.${PLANTED}AAAAAQJmZxYz0aBcD`, `hvr.${PLANTED}AbCdEf0123456789`];
        for (const key of keys) {
            assert.ok(hasCredentialShape(key), key);
            const v = stackValues("cloud");
            v.inference.hosted[0].model = `anthropic/${key}`;
            const found = stackFileProblems("cloud", v);
            noPlanted(found);
            assert.match(found.join("\n"), /inference\.hosted\[0\]\.model = \[text of \d+ characters, not shown\]: has a credential's shape/);
        }
        // Words that start like one stay words.
        assert.ok(!hasCredentialShape("fw_rules") && !hasCredentialShape("xai-grok-2-latest"));
        // A policy message quoting what it judges does not repeat a key; names and digests stay (sweep s22 L1).
        assert.equal(redactPrefixedCredentials(`model "groq/${keys[0]}" uses provider "groq"`), 'model "groq/[not shown]" uses provider "groq"');
        const names = "Deployment groundwork-observability/monitoring-kube-prometheus-operator: image sha256:" + "0123456789abcdef".repeat(4);
        assert.equal(redactPrefixedCredentials(names), names);
    });

    it("knows Docker Hub's, Stripe's webhook, Shopify's, Mailgun's, Google's OAuth, Sentry's and Grafana Cloud's tokens, refused in any plain field without showing them (sweep s29 L1)", () => {
        const tokens = [`dckr_pat_${PLANTED}AbCdEfGhIjKlMnOpQr`, `dckr_oat_${PLANTED}AbCdEfGhIjKlMnOpQr`, `whsec_${PLANTED}AbCdEfGhIjKlMnOpQrStUv`, `shpat_${"0123456789abcdef".repeat(2)}`,
            `key-${"0123456789abcdef".repeat(2)}`, `key-${PLANTED}tok0123456789abcdef01`, `ya29.a0${PLANTED}AbCd-EfGh_IjKlMnOp`, `sntrys_eyJpYXQiO${PLANTED}AbCdEfGhIj`, `glc_${PLANTED}AbCdEfGhIjKlMnOpQrStUv`];
        for (const token of tokens) {
            assert.ok(hasCredentialShape(token) && looksLikeCredential(token), token);
            const v = stackValues("cloud");
            v.access.sso.clientId = token;
            const found = stackFileProblems("cloud", v);
            assert.ok(!found.join("\n").includes(token.slice(0, 12)) && !found.join("\n").includes(PLANTED), found.join("\n"));
            assert.match(found.join("\n"), /access\.sso\.clientId = \[text of \d+ characters, not shown\]/);
        }
        // A prefix no word starts with counts whatever the mix of its body; others want upper, lower and digits.
        assert.ok(hasCredentialShape(`dckr_pat_CANARYtokAbCdEfGhIjKlMnOpQ`) && hasCredentialShape(`github_pat_ABCDEFGHIJKLMNOPQRST0`));
        // A placeholder, an npm variable or a node's name stays text (review s26 R6).
        assert.ok(!hasCredentialShape("ghp_XXXXXXXXXXXXXXXXXXXXXXXX") && !hasCredentialShape("github_pat_xxxxxxxxxxxxxxxxxxxx") && !hasCredentialShape("npm_package_version_2024"));
        assert.ok(!hasCredentialShape("sk-learn-model-selection") && !hasCredentialShape("hf_hub_download_folder"));
        // A known prefix is no client id, even without a digit in it, on any issuer (sweep s29 M12).
        const v = stackValues("cloud");
        v.access.sso.kubernetesClientId = `glpat-${"CANARYtokAbCdEfGhIjKl"}`;
        const found = stackFileProblems("cloud", v).join("\n");
        assert.match(found, /access\.sso\.kubernetesClientId = \[text of 27 characters, not shown\]: has a credential's shape/);
        // The client-id check itself names the shape when the generic one does not see it (a body of one case).
        const lower = stackValues("cloud");
        lower.access.sso.kubernetesClientId = "glpat-canarytokabcdefghijkl";
        assert.match(stackFileProblems("cloud", lower).join("\n"), /kubernetesClientId = \[secret\]: has the shape of a client secret or API key \(it starts as a known API key or token does, such as glpat- or sk-\), not of a client id, and the API server's flags carry it in plain text/);
        assert.ok(!found.includes("CANARYtok"), found);
        // Prose that starts like one stays prose: Mailgun's keys are `key-` and 32 hex digits.
        assert.ok(!looksLikeCredential("a key-value store") && !looksLikeCredential("key-rotation-weekly"));
    });

    it("refuses a generated secret's shape in an e-mail address or a claim name, without showing it (sweep s23 L1, L2)", () => {
        const run = `Qx7Lw2Vb9Nm4Kp8Rt3Zy6Hd1${PLANTED}Fs5Gj0Ak7Wq2Ex`;
        const cases: [string, string, (v: any) => void][] = [
            ["dev", "access.sso.administrators[1]", (v) => { v.access.sso.administrators = [...v.access.sso.administrators, `${run}@groundwork.example`]; }],
            ["dev", "access.tls.acmeEmail", (v) => { v.access.tls.acmeEmail = `${run}@groundwork.example`; }],
            ["dev", "platform.langfuse.adminEmail", (v) => { v.platform = { ...v.platform, langfuse: { ...v.platform?.langfuse, adminEmail: `${run}@groundwork.example` } }; }],
            ["cloud", "monitoring.alerts.receiver.email.to[0]", (v) => { v.monitoring.alerts.receiver.email.to = [`On-call <${run}@groundwork.example>`]; }],
            ["cloud", "monitoring.alerts.receiver.email.from", (v) => { v.monitoring.alerts.receiver.email.from = `${run}@groundwork.example`; }],
            ["dev", "access.sso.groupsClaim", (v) => { v.access.sso.groupsClaim = run; }],
        ];
        for (const [stack, key, edit] of cases) {
            const v = stackValues(stack);
            edit(v);
            const found = problems(v);
            noPlanted(found);
            assert.match(lineFor(found, key), /: has the shape of a client secret or API key .*, not of (an e-mail address|a claim name)/, `${key}: ${found.join("\n")}`);
        }
        // Addresses as people have them pass, named or not.
        const named = stackValues("cloud");
        named.monitoring.alerts.receiver.email.to = ["On-call <oncall@groundwork.example>", "jane.doe+alerts@groundwork.example"];
        assert.deepEqual(parse(named).monitoring!.alerts!.receiver!.email!.to, ["On-call <oncall@groundwork.example>", "jane.doe+alerts@groundwork.example"]);
    });

    it("refuses a generated secret's shape in a client id, a group or a team's owners group, whatever the issuer, without showing it (sweep s22 L2)", () => {
        // An Auth0 client secret: 64 characters of letters, digits, '-' and '_'.
        const secret = `Qx7Lw2Vb9Nm4Kp8Rt3Zy6Hd1Fs5Gj0Ak7Wq2Ex${PLANTED}Rc4Tv8Yb3Un6Im1Oq5Pz0_x-`;
        const cases: [string, (v: any) => void][] = [
            ["access.sso.clientId", (v) => { v.access.sso.clientId = secret; }],
            ["access.sso.kubernetesClientId", (v) => { v.access.sso.kubernetesClientId = secret; }],
            ["access.sso.operatorsGroup", (v) => { v.access.sso.operatorsGroup = secret; }],
            ["inference.teams[0].ownersGroup", (v) => { v.inference.teams[0].ownersGroup = secret; }],
        ];
        for (const [key, edit] of cases) {
            const v = stackValues("dev");
            edit(v);
            const found = problems(v);
            noPlanted(found);
            assert.match(lineFor(found, key), /= \[(text of 72 characters, not shown as it may hold a secret|secret)\]: has the shape of a client secret or API key/);
        }
        // Ids as providers make them pass: Google's (lower case), Entra's GUIDs, Okta's.
        for (const clientId of ["123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com", "0f3c2a1b-1234-4cde-9abc-0123456789ab", "0oa1b2c3d4E5F6g7H8i9"]) {
            const v = stackValues("dev");
            v.access.sso.clientId = clientId;
            assert.equal(parse(v).access!.sso!.clientId, clientId);
        }
        // Authentik's client ids are 40 random letters and digits themselves (generators.py generate_client_id; review s22 F1).
        const authentik = stackValues("dev");
        authentik.access.sso = {
            ...authentik.access.sso, issuer: "https://auth.groundwork.example/application/o/groundwork/",
            clientId: "Qx7Lw2Vb9Nm4Kp8Rt3Zy6Hd1Fs5Gj0Ak7Wq2Ex9R", kubernetesClientId: "Hd1Fs5Gj0Ak7Wq2Ex9RQx7Lw2Vb9Nm4Kp8Rt3Zy6",
            oauthEndpoints: { authorizeUrl: "https://auth.groundwork.example/application/o/authorize/", tokenUrl: "https://auth.groundwork.example/application/o/token/", userinfoUrl: "https://auth.groundwork.example/application/o/userinfo/" },
        };
        assert.equal(parse(authentik).access!.sso!.clientId, "Qx7Lw2Vb9Nm4Kp8Rt3Zy6Hd1Fs5Gj0Ak7Wq2Ex9R");
        // Long group names are names: few changes between letters and digits (review s22 F2).
        for (const group of ["SG-Azure-AI-Platform-Operators-Prod-Region01", "/groundwork/Platform-Operators/EU-West-2/Team-Alpha", "AWSReservedSSO_AdministratorAccess_0123456789abcdef"]) {
            const v = stackValues("dev");
            v.access.sso.operatorsGroup = group;
            if (group.startsWith("/")) v.access.sso.usersGroup = "/ai-users"; // one form for every group of the claim
            assert.equal(parse(v).access!.sso!.operatorsGroup, group);
        }
    });

    it("refuses a key with no prefix after a provider, and a team for an application that is no team's name, without showing either (sweep s22 L3, L4)", () => {
        const mistral = `CaNaRy7Kp2Wq9Xz4Lm8Nb3Vc${PLANTED}`;
        const v = stackValues("cloud");
        v.inference.hosted[0].model = `openai/${mistral}`;
        let found = problems(v);
        noPlanted(found);
        assert.match(lineFor(found, "inference.hosted[0].model"), /holds, after the provider, one run of 24 or more letters and digits mixing upper and lower case, which no model id has/);
        const d = stackValues("dev");
        d.apps.chat.team = mistral;
        d.apps.notebooks.team = "Platform Team";
        found = problems(d);
        noPlanted(found);
        assert.match(lineFor(found, "apps.chat.team"), /^groundwork:apps\.chat\.team = \[text of 34 characters, not shown as it may hold a secret\]: must be a team's name from groundwork:inference\.teams/);
        assert.match(lineFor(found, "apps.notebooks.team"), /= "Platform Team": must be a team's name from groundwork:inference\.teams/);
        // Model ids as providers write them still pass.
        for (const model of ["openai/gpt-4o-mini", "together_ai/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo", "openai/ft:gpt-4o-mini-2024-07-18:acme::9xYzAbCd", "mistral/mistral-large-latest"]) {
            const ok = stackValues("cloud");
            ok.inference.hosted[0].model = model;
            assert.equal(parse(ok).inference!.hosted[0].model, model);
        }
    });

    it("plans teams, keys and a stack whose names hold digits: a key alias, a team's variable name or the stack's bucket inside a secret is no secret (sweep s22 F1, s25 F1)", async () => {
        const v = stackValues("dev");
        v.inference.teams[0].name = "data-science-2024";
        v.inference.teams[0].keys = [{ ...v.inference.teams[0].keys[0], name: "batch-jobs-v2" }, { ...v.inference.teams[0].keys[0], name: "pipeline20250101" }];
        v.apps.chat.team = "data-science-2024";
        v.apps.notebooks.team = "data-science-2024";
        // The stack's name is in no word of its file, yet the program names things with it (the OCI bucket backups-<stack>).
        const plan = await planValues("prod2026", v);
        const files = Object.values(renderPlanFiles(plan));
        assert.deepEqual(leakedSecrets(files, plan.secretValues), []);
        for (const name of ["data-science-2024-batch-jobs-v2", "data-science-2024-pipeline20250101", "data-science-2024-chat-ui", "backups-prod2026"]) {
            assert.ok(files.some((f) => f.includes(name)), `${name} is in the plan`);
            assert.ok(!plan.secretValues.includes(name), `${name} is no secret`);
        }
        // The generated keys beside them still count.
        assert.ok(plan.secretValues.some((s) => /^offline-[0-9a-f]/.test(s)));
    });
});
