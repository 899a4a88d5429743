import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platformNodes } from "../stacks/capacity";
import { loadPromptsAndEvaluations, readYamlFiles } from "../stacks/prompts";
import { parse as parseConfig, PROJECT_DIR, stackValues } from "./helpers";
import { RepositoryFileError } from "../stacks/config/repository-files";
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

describe("bad-input sweep s26: what the prompt and evaluation folders hold (M2, M5, W1, W2, W3)", () => {
    const folder = (files: Record<string, string | Buffer>, links: Record<string, string> = {}) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-prompts-"));
        fs.mkdirSync(path.join(dir, "prompts"));
        for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, "prompts", name), content);
        for (const [name, target] of Object.entries(links)) fs.symlinkSync(path.join(dir, "prompts", target), path.join(dir, "prompts", name));
        return dir;
    };
    const problemsOf = (dir: string): string[] => {
        try {
            readYamlFiles("prompts", dir);
        } catch (e) {
            assert.ok(e instanceof RepositoryFileError, String(e));
            return e.problems;
        }
        return [];
    };
    it("refuses a file in another encoding, a NUL, and a link to nothing; reads .YAML", () => {
        assert.deepEqual(problemsOf(folder({ "latin.yaml": Buffer.from("name: caf\xe9\n", "latin1") })), ["prompts/latin.yaml: is not UTF-8 text (another encoding, or a binary file); save it as UTF-8"]);
        assert.deepEqual(problemsOf(folder({ "nul.yaml": "name: a\u0000b\n" })), ["prompts/nul.yaml: holds a NUL character, which Langfuse's database refuses; remove it"]);
        assert.match(problemsOf(folder({}, { "gone.yaml": "nowhere.yaml" }))[0], /^prompts\/gone\.yaml: cannot be read \(ENOENT: a link to nothing or in a loop\); remove it or make it a readable file$/);
        assert.deepEqual(readYamlFiles("prompts", folder({ "upper.YAML": "name: x\n" })).map((f) => f.path), ["prompts/upper.YAML"]);
    });
});

describe("bad-input sweep s26: availability domains of two tenancies (M8)", () => {
    it("refuses a node's AD with another tenancy prefix than the first, and takes one prefix", () => {
        const region = parsedAfter("dev", () => undefined).oci!.region;
        const ad = (prefix: string) => `${prefix}:${region.toUpperCase().replace(/-\d+$/, "")}-AD-1`;
        const found = problemsAfter("dev", (v) => { v.oci.nodes[0].availabilityDomain = ad("Uocm"); v.oci.nodes[1].availabilityDomain = ad("Xyzw"); });
        assert.match(lineFor(found, "oci.nodes[1].availabilityDomain"), /begins with the tenancy prefix xyzw, but groundwork:oci\.nodes\[0\]\.availabilityDomain begins with uocm: a stack is one tenancy/);
        assert.equal(parsedAfter("dev", (v) => { v.oci.nodes[0].availabilityDomain = ad("Uocm"); v.oci.nodes[1].availabilityDomain = ad("Uocm"); }).oci!.nodes[1].availabilityDomain, ad("Uocm"));
    });
});

describe("bad-input sweep s26: a prompt's max_tokens past its route's context (M3)", () => {
    const withPrompt = (maxTokens: number) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-prompts-"));
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
        fs.mkdirSync(path.join(dir, "prompts"));
        fs.writeFileSync(path.join(dir, "prompts", "a.yaml"), `name: support/answer\nroute: small\nlabels: [dev]\ntext: Answer briefly.\nconfig: { max_tokens: ${maxTokens} }\n`);
        return dir;
    };
    it("refuses it, and 0, naming the file; takes one within the context", () => {
        const config = parseConfig(stackValues("dev"));
        const context = config.inference!.models.find((m) => m.name === config.inference!.routes.find((r) => r.name === "small")!.target)!.maxModelLen;
        assert.throws(() => loadPromptsAndEvaluations(config, "dev", withPrompt(context)), (e: Error) => e instanceof RepositoryFileError && new RegExp(`prompts/a\\.yaml: config\\.max_tokens = ${context} is at least the ${context}-token context of .*, which serves route small in stack dev, so it leaves no room for the prompt and vLLM refuses every call`).test(e.message));
        assert.throws(() => loadPromptsAndEvaluations(config, "dev", withPrompt(0)), /prompts\/a\.yaml: config\.max_tokens = 0 must be a whole number of tokens, 1 or more/);
        assert.equal(loadPromptsAndEvaluations(config, "dev", withPrompt(256)).prompts.length, 1);
        // Written as text, or under its newer name (review s24f 11).
        assert.throws(() => loadPromptsAndEvaluations(config, "dev", withPrompt(`"${context}"` as unknown as number)), /config\.max_tokens = \d+ is at least/);
        // Not a number at all, and the newer name read first, as vLLM reads them (sweep s28 M5).
        assert.throws(() => loadPromptsAndEvaluations(config, "dev", withPrompt("lots" as unknown as number)), /prompts\/a\.yaml: config\.max_tokens must be a whole number of tokens, 1 or more; vLLM refuses "lots"/);
        const both = withPrompt(100);
        fs.writeFileSync(path.join(both, "prompts", "a.yaml"), `name: support/answer\nroute: small\nlabels: [dev]\ntext: Answer briefly.\nconfig: { max_tokens: 100, max_completion_tokens: ${context + 1} }\n`);
        assert.throws(() => loadPromptsAndEvaluations(config, "dev", both), new RegExp(`config\\.max_completion_tokens = ${context + 1} is at least`));
    });
    it("holds it to the longest context its fallbacks reach, and takes it when a hosted model is among them (review s24f 9, 10)", () => {
        const config = parseConfig(stackValues("cloud"));
        const routeFile = (dir: string, route: string, maxTokens: number) => {
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.cloud.yaml"), path.join(dir, "Pulumi.cloud.yaml"));
            fs.writeFileSync(path.join(dir, "prompts", "a.yaml"), `name: support/answer\nroute: ${route}\nlabels: [cloud]\ntext: Answer briefly.\nconfig: { max_tokens: ${maxTokens} }\n`);
            return dir;
        };
        // Route large: model large (8192), falling back to small (16384) on a context error.
        assert.equal(loadPromptsAndEvaluations(config, "cloud", routeFile(withPrompt(1), "large", 12000)).prompts.length, 1);
        assert.throws(() => loadPromptsAndEvaluations(config, "cloud", routeFile(withPrompt(1), "large", 20000)), /config\.max_tokens = 20000 is at least the 8192-token context of large, which serves route large in stack cloud, nor any model its fallbacks reach \(the longest context among them is 16384 tokens\)/);
        // Route chat can end at the hosted model, whose context is not known here.
        assert.equal(loadPromptsAndEvaluations(config, "cloud", routeFile(withPrompt(1), "chat", 20000)).prompts.length, 1);
    });
});

describe("bad-input sweep s26: alert mail on port 25 from EC2 (M9)", () => {
    const smarthost = (host: string) => (v: Record<string, any>) => { v.monitoring.alerts.receiver.email.smarthost = host; };
    it("is refused where Alertmanager may run on AWS, naming the port to use; 587 and 465 are taken", () => {
        const line = lineFor(problemsAfter("cloud", smarthost("smtp.groundwork.example:25")), "monitoring.alerts.receiver.email.smarthost");
        assert.match(line, /^groundwork:monitoring\.alerts\.receiver\.email\.smarthost = "smtp\.groundwork\.example:25": is port 25, which EC2 blocks for outbound mail by default, and Alertmanager may run on aws-server-0 \(the platform placement, \w+\), so no alert mail would leave; use the submission port 587 \(or 465\)/);
        for (const ok of ["smtp.groundwork.example:587", "smtp.groundwork.example:465", "smtp.groundwork.example:2525"]) {
            assert.equal(parsedAfter("cloud", smarthost(ok)).monitoring.alerts!.receiver!.email!.smarthost, ok);
        }
    });
});

describe("bad-input sweep s27: loopback where a pod, or a person, calls (M2, M3, M8)", () => {
    it("refuses a backup endpoint, an ACME directory and a runbook on loopback, naming who would be called", () => {
        for (const url of ["http://127.0.0.1:9000", "https://localhost:9000", "http://localhost.:9000"]) {
            assert.match(lineFor(problemsAfter("edge", (v) => { v.platform.postgres.backup.s3.endpointURL = url; }), "platform.postgres.backup.s3.endpointURL"), /: points at loopback or link-local, which is each backup pod itself or its own link, never the bucket; give the endpoint's address as the pods reach it/);
        }
        // A number the URL parser reads as an address is told which one (sweep s33 M1), loopback here.
        assert.match(lineFor(problemsAfter("edge", (v) => { v.platform.postgres.backup.s3.endpointURL = "http://2130706433:9000"; }), "platform.postgres.backup.s3.endpointURL"), /names a host that is a number that resolvers and URL parsers read as the IPv4 address 127\.0\.0\.1, and Go's programs look up as a name; write the address in dotted decimal: 127\.0\.0\.1$/);
        assert.match(lineFor(problemsAfter("edge", (v) => { v.platform.postgres.backup.s3.endpointURL = "http://169.254.169.254/"; }), "platform.postgres.backup.s3.endpointURL"), /is a link-local address, the instance metadata service's range/);
        assert.match(lineFor(problemsAfter("dev", (v) => { v.access.tls.acmeServer = "https://localhost:14000/dir"; }), "access.tls.acmeServer"), /points at loopback or link-local, which is cert-manager's own pod/);
        assert.match(lineFor(problemsAfter("dev", (v) => { v.monitoring.alerts.runbookUrl = "https://localhost/README.md"; }), "monitoring.alerts.runbookUrl"), /points at loopback or link-local, which is the on-call person's own machine/);
        // A receiver at a name's absolute form too.
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.monitoring.alerts.receiver.email.smarthost = "localhost.:587"; }), "monitoring.alerts.receiver.email.smarthost"), /points at loopback/);
        // A node's address, or a name, is taken.
        assert.equal(parsedAfter("edge", (v) => { v.platform.postgres.backup.s3.endpointURL = "http://192.168.1.20:9000"; }).platform.postgres.backup.s3!.endpointURL, "http://192.168.1.20:9000");
    });
});

describe("bad-input sweep s27: a check on a setting the stack file leaves to its default (W1)", () => {
    it("shows the default it judged, not 'is not set'", () => {
        const found = problemsAfter("cloud", (v) => { v.aws.publicSubnetCidrs = ["10.1.0.0/24", "10.1.100.0/24"]; delete v.aws.privateSubnetCidrs; });
        assert.equal(lineFor(found, "aws.privateSubnetCidrs[0]"), 'groundwork:aws.privateSubnetCidrs[0] = "10.1.100.0/24" (its default: the stack file does not set it): overlaps publicSubnetCidrs[1] 10.1.100.0/24');
    });
});

describe("bad-input sweep s27: Entra endpoints of another tenant, or v1 (M1)", () => {
    const T1 = "11111111-1111-1111-1111-111111111111";
    const T0 = "00000000-0000-0000-0000-000000000000";
    const entra = (endpointTenant: string, version = "v2.0/") => (v: Record<string, any>) => {
        v.access.sso.issuer = `https://login.microsoftonline.com/${T1}/v2.0`;
        v.access.sso.oauthEndpoints = {
            authorizeUrl: `https://login.microsoftonline.com/${endpointTenant}/oauth2/${version}authorize`,
            tokenUrl: `https://login.microsoftonline.com/${endpointTenant}/oauth2/${version}token`,
            userinfoUrl: "https://graph.microsoft.com/oidc/userinfo",
        };
    };
    it("refuses another tenant's endpoints, and v1's, naming the tenant and where to copy them from", () => {
        assert.match(lineFor(problemsAfter("cloud", entra(T0)), "access.sso.oauthEndpoints.authorizeUrl"), new RegExp(`: names tenant ${T0}, but access\\.sso\\.issuer is tenant ${T1}: an app registration lives in one tenant`));
        assert.match(lineFor(problemsAfter("cloud", entra(T1, "")), "access.sso.oauthEndpoints.tokenUrl"), new RegExp(`: is Entra's v1 endpoint \\(no /v2\\.0/\\), whose tokens name https://sts\\.windows\\.net/<tenant id>/ as their issuer`));
    });
    it("reads login.windows.net and v1's userinfo as Entra's, refuses another cloud's host and a tenant id in capitals (sweep s28 M2)", () => {
        const at = (host: string, userinfo?: string) => (v: Record<string, any>) => {
            entra(T1)(v);
            v.access.sso.oauthEndpoints.authorizeUrl = `https://${host}/${T0}/oauth2/v2.0/authorize`;
            if (userinfo) v.access.sso.oauthEndpoints.userinfoUrl = userinfo;
        };
        assert.match(lineFor(problemsAfter("cloud", at("login.windows.net")), "access.sso.oauthEndpoints.authorizeUrl"), new RegExp(`names tenant ${T0}, but access\\.sso\\.issuer is tenant ${T1}`));
        assert.match(lineFor(problemsAfter("cloud", at("login.microsoftonline.us")), "access.sso.oauthEndpoints.authorizeUrl"), /is on login\.microsoftonline\.us, another Entra cloud than access\.sso\.issuer's/);
        assert.match(lineFor(problemsAfter("cloud", (v) => { entra(T1)(v); v.access.sso.oauthEndpoints.userinfoUrl = `https://login.microsoftonline.com/${T0}/openid/userinfo`; }), "access.sso.oauthEndpoints.userinfoUrl"), /names tenant 0{8}/);
        const upper = "ABCDEF00-1111-2222-3333-444455556666";
        assert.match(lineFor(problemsAfter("cloud", (v) => { entra(upper)(v); v.access.sso.issuer = `https://login.microsoftonline.com/${upper}/v2.0`; }), "access.sso.issuer"), /names the tenant in capitals, but Entra's tokens write its id in lower case and the issuer is compared exactly; write the tenant id in lower case/);
    });

    it("takes the issuer's own tenant's v2.0 endpoints, and the tenant named by a domain, which may be the same (review s25 R4)", () => {
        assert.equal(parsedAfter("cloud", entra(T1)).access!.sso!.oauthEndpoints!.authorizeUrl, `https://login.microsoftonline.com/${T1}/oauth2/v2.0/authorize`);
        assert.equal(parsedAfter("cloud", entra("contoso.onmicrosoft.com")).access!.sso!.oauthEndpoints!.tokenUrl, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
        assert.match(lineFor(problemsAfter("cloud", entra("contoso.onmicrosoft.com", "")), "access.sso.oauthEndpoints.authorizeUrl"), /is Entra's v1 endpoint/);
    });
});

describe("bad-input sweep s27: an Etc/GMT zone's sign in the window overlap (W3)", () => {
    it("says which way the sign runs", () => {
        const line = lineFor(problemsAfter("dev", (v) => { v.cluster.upgrades = { ...v.cluster.upgrades, window: { ...(v.cluster.upgrades?.window ?? {}), timeZone: "Etc/GMT+2", startTime: "04:00", endTime: "06:00" } }; }), "cluster.upgrades.window");
        assert.match(line, / \(Etc\/GMT\+2 is UTC-2: the Etc zones' sign is POSIX's, the other way round; for UTC\+2 write Etc\/GMT-2 or a city's zone\): kured and the upgrade Plans/);
    });
});

describe("bad-input sweep s27: a public pod or service network (M7)", () => {
    it("is refused, naming the private ranges; a private one, and carrier-grade NAT space, are taken", () => {
        assert.match(lineFor(problemsAfter("dev", (v) => { v.cluster.podCidr = "8.8.0.0/16"; }), "cluster.podCidr"), /= "8\.8\.0\.0\/16": is not inside a private range \(10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16, or 100\.64\.0\.0\/10\), so every node would route 8\.8\.0\.0\/16's addresses into the cluster/);
        assert.match(lineFor(problemsAfter("dev", (v) => { v.cluster.serviceCidr = "11.43.0.0/16"; }), "cluster.serviceCidr"), /is not inside a private range/);
        assert.match(lineFor(problemsAfter("dev", (v) => { v.cluster.podCidr = "10.0.0.0/7"; }), "cluster.podCidr"), /is not inside a private range/, "wider than 10/8");
        assert.equal(parsedAfter("dev", (v) => { v.cluster.podCidr = "172.20.0.0/16"; }).cluster.podCidr, "172.20.0.0/16");
    });
});

describe("bad-input sweep s27: a mesh client that stands for more than one application (g10)", () => {
    it("refuses a namespace's default account and kube-system's accounts as clients, and takes an application's own", () => {
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.inference.gateway.clients = ["reports/default"]; }), "inference.gateway.clients[0]"), /= "reports\/default": is the namespace's default ServiceAccount, which every pod there without an account of its own runs as/);
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.inference.gateway.clients = ["kube-system/report-builder"]; }), "inference.gateway.clients[0]"), /is in kube-system, whose pods are k3s's own/);
        assert.deepEqual(parsedAfter("cloud", (v) => { v.inference.gateway.clients = ["reports/report-builder"]; }).inference!.gateway.clients, ["reports/report-builder"]);
    });
});

describe("bad-input sweep s28: next to the day's checks (M1, M3, M4, M5, M6)", () => {
    it("reads /etc/hosts's loopback names as loopback, and a relay's name as a name", () => {
        for (const host of ["ip6-localhost", "localhost.localdomain"]) {
            assert.match(lineFor(problemsAfter("edge", (v) => { v.platform.postgres.backup.s3.endpointURL = `http://${host}:9000`; }), "platform.postgres.backup.s3.endpointURL"), /points at loopback/, host);
        }
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.monitoring.alerts.receiver.email.smarthost = "10.mail.groundwork.example:25"; }), "monitoring.alerts.receiver.email.smarthost"), /is port 25, which EC2 blocks/);
        assert.equal(parsedAfter("cloud", (v) => { v.monitoring.alerts.receiver.email.smarthost = "10.1.2.3:25"; }).monitoring.alerts!.receiver!.email!.smarthost, "10.1.2.3:25");
    });
    it("takes a one-label domain only when it is kept for private use", () => {
        const oneLabel = (label: string) => (v: Record<string, any>) => {
            v.access.domain = label;
            v.access.hosts = { gateway: `ai.${label}`, langfuse: `langfuse.${label}`, vault: `vault.${label}` };
        };
        assert.match(lineFor(problemsAfter("edge", oneLabel("localhost")), "access.domain"), /is a single label but not one kept for private use, so every host under it is each browser's own machine \(RFC 6761\)/);
        assert.match(lineFor(problemsAfter("edge", oneLabel("com")), "access.domain"), /a name in a public top-level domain, someone else's; give internal, lan, home, corp/);
        assert.equal(parsedAfter("edge", oneLabel("lan")).access!.domain, "lan");
        assert.equal(parsedAfter("edge", oneLabel("test")).access!.domain, "test", "RFC 2606's, never delegated (review s25c C1)");
        assert.match(lineFor(problemsAfter("edge", oneLabel("local")), "access.domain"), /resolved by multicast DNS on each person's own network, not by your DNS/);
    });
    it("refuses a Vault token or another kind of secret as a Hugging Face token or a Langfuse secret key, never showing it", () => {
        const vaultToken = "hvs.CAESIPlanted28aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
        const hf = problemsAfter("cloud", (v) => { v.inference.huggingfaceToken = vaultToken; });
        assert.match(lineFor(hf, "inference.huggingfaceToken"), /is a Vault token \(by its prefix\), not a Hugging Face token/);
        const other = problemsAfter("cloud", (v) => { v.inference.huggingfaceToken = "Pl4ntedNotAHfToken28aBcDeFgHiJk"; });
        assert.match(lineFor(other, "inference.huggingfaceToken"), /does not start hf_, as every Hugging Face access token does/);
        const langfuse = problemsAfter("cloud", (v) => { v.inference.teams[0].langfuseProject = { ...v.inference.teams[0].langfuseProject, secretKey: "Pl4ntedNotALangfuseKey28aBcDeF" }; });
        assert.match(lineFor(langfuse, "inference.teams[0].langfuseProject.secretKey"), /does not start with sk- followed by lf-, as every Langfuse project's secret key does/);
        for (const line of [...hf, ...other, ...langfuse]) assert.ok(!/Planted28|Pl4nted/.test(line), line);
    });
});
