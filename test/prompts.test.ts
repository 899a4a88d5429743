import { strict as assert } from "assert";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROMPT_ROUTES_ANNOTATION, PROMPTS_SCRIPT, PromptVersion } from "../components/inference/prompt-library";
import { parsePromptFiles, promptsForStack } from "../stacks/config/prompt-files";
import { RepositoryFileError } from "../stacks/config/repository-files";
import { reportCliError } from "../plan/cli-errors";
import { projectStacks, readYamlFiles } from "../stacks/prompts";
import { committedPlan, named, startStandIn, PYTHON } from "./helpers";

/** Prompts as code: the files' checks, the committed prompts in the plans, and the job against Langfuse's API. */

const STACKS = ["cloud", "dev", "edge", "hybrid"];
const GOOD = `name: support/answer
route: chat
labels: [dev, cloud]
messages:
  - role: system
    content: Answer briefly.
  - role: user
    content: "{{question}}"
config: { temperature: 0.2 }
`;

function rejected(files: { path: string; text: string }[], stacks = STACKS): string[] {
    try {
        parsePromptFiles(files, stacks);
    } catch (e) {
        assert.ok(e instanceof RepositoryFileError, String(e));
        return e.problems;
    }
    throw new Error("expected the prompt files to be rejected");
}

describe("prompt files", () => {
    it("parse into the versions a stack serves, the route as the config's model", () => {
        const files = parsePromptFiles([{ path: "prompts/a.yaml", text: GOOD }], STACKS);
        assert.deepEqual(promptsForStack(files, "dev", ["chat"]), [{
            name: "support/answer", type: "chat", route: "chat",
            prompt: [{ role: "system", content: "Answer briefly." }, { role: "user", content: "{{question}}" }],
            config: { model: "chat", temperature: 0.2 },
        }]);
        assert.deepEqual(promptsForStack(files, "edge", ["chat"]), [], "edge is not among its labels");
    });

    it("reject a prompt without a name, by file and field", () => {
        const [problem] = rejected([{ path: "prompts/nameless.yaml", text: GOOD.replace("name: support/answer\n", "") }]);
        assert.match(problem, /^prompts\/nameless\.yaml: name is required/);
    });

    it("reject a field of the wrong type in the config's own words, never zod's", () => {
        const [labels] = rejected([{ path: "prompts/a.yaml", text: GOOD.replace("[dev, cloud]", "dev") }]);
        assert.equal(labels, `prompts/a.yaml: labels = "dev" must be a list`);
        const [whole] = rejected([{ path: "prompts/a.yaml", text: "- name: x\n- route: small\n" }]);
        assert.equal(whole, "prompts/a.yaml: must be a map of keys, not a list");
    });

    it("reject a label given twice (sweep s22b83)", () => {
        const [problem] = rejected([{ path: "prompts/a.yaml", text: GOOD.replace("[dev, cloud]", "[dev, dev]") }]);
        assert.match(problem, /^prompts\/a\.yaml: labels\[1\] = "dev" is also item \[0\]; list each stack once/);
    });

    it("reject a label that is not a stack, naming the stacks", () => {
        const [problem] = rejected([{ path: "prompts/a.yaml", text: GOOD.replace("[dev, cloud]", "[dev, prod]") }]);
        assert.equal(problem, `prompts/a.yaml: labels[1] = "prod" is not a stack of this project; labels are stacks: cloud, dev, edge, hybrid`);
    });

    it("reject a credential in a prompt's config, which Langfuse shows everyone in the project, and never repeat one (sweep s12 lk13, lk15)", () => {
        const found = rejected([{ path: "prompts/a.yaml", text: GOOD.replace("config: { temperature: 0.2 }", "config: { temperature: 0.2, max_tokens: 200, api_key: sk-PLANTED7Q9abc }") }]);
        assert.deepEqual(found, ["prompts/a.yaml: config.api_key looks like a credential, and a prompt's config is published to Langfuse for everyone in the project to read; the gateway holds the keys, so remove it"]);
        const alias = rejected([{ path: "prompts/a.yaml", text: GOOD.replace("content: Answer briefly.", "content: *sk-PLANTED7Q9abc") }]);
        assert.equal(alias.length, 1);
        assert.match(alias[0], /^prompts\/a\.yaml: is not YAML \(/);
        assert.ok(!alias[0].includes("PLANTED7Q9"), alias[0]);
    });

    it("reject a credential in a prompt's text or messages, by field, never repeating it (sweep s22b80)", () => {
        const key = "sk-proj-PLANTED7Q9Ab3dEf6hIj9kLm2nOp5q";
        const found = rejected([{ path: "prompts/a.yaml", text: GOOD.replace("content: Answer briefly.", `content: "Use the key ${key} when asked"`) }]);
        assert.equal(found.length, 1);
        assert.match(found[0], /^prompts\/a\.yaml: messages\[0\]\.content holds text shaped like a credential \(an API key or token, a private key\), and a prompt is published to Langfuse/);
        assert.ok(!found.join("\n").includes("PLANTED7Q9"), found.join("\n"));
    });

    it("reject a password in a URL or a connection string, an AWS secret key, and a key in nested config or a config key (sweep s26 L1, L2)", () => {
        const cases: [string, string][] = [
            ["content: Answer briefly.", `content: "Connect to postgres://app:PLANTEDs26pw@db.internal/app"`],
            ["content: Answer briefly.", `content: "The key is wJalrXUtnFEMI/K7MDENG/bPxRfiPLANTEDs26AB"`],
            ["content: Answer briefly.", `content: "Server=db;Password=PLANTEDs26pw;"`],
            // libpq's form and a password variable (review s24f 4).
            ["content: Answer briefly.", `content: "host=db.internal user=app password=PLANTEDs26pw dbname=app"`],
            ["content: Answer briefly.", `content: "export PGPASSWORD=PLANTEDs26pw"`],
            ["config: { temperature: 0.2 }", `config: { temperature: 0.2, tools: [{ headers: { auth: "sk-proj-PLANTEDs26Ab3dEf6hIj9kLm2nOp5q" } }] }`],
            ["config: { temperature: 0.2 }", `config: { temperature: 0.2, stop: { "sk-proj-PLANTEDs26Ab3dEf6hIj9kLm2nOp5q": 1 } }`],
        ];
        for (const [from, to] of cases) {
            const found = rejected([{ path: "prompts/a.yaml", text: GOOD.replace(from, to) }]);
            assert.ok(found.some((p) => /holds text shaped like a credential/.test(p)), `${to}: ${found.join("\n")}`);
            assert.ok(!found.join("\n").includes("PLANTEDs26"), found.join("\n"));
        }
        // Code about passwords is no credential: no connection string holds it.
        for (const code of ["password = input()", "pwd = os.getcwd()", "SELECT id FROM users WHERE name=? AND password=?", "git clone ssh://git@github.com/acme/app.git",
            // Placeholders in example URLs, and a 40-character camelCase name (review s24e 2, 3).
            "postgresql://user:password@localhost:5432/db", "https://app:${APP_PASSWORD}@api.example", "https://h:8443?to=bob@example.com", "aVeryLongCamelCaseFunctionNameForStep42x",
            // Two statements, and documented connection strings (review s24f 1-3).
            "let a = 1; password = req.body.password;", "UPDATE u SET x = 1; password = NULL;", "Server=db;Password=<your-password>;", "mysql://root:root@127.0.0.1/app"]) {
            assert.equal(parsePromptFiles([{ path: "prompts/a.yaml", text: GOOD.replace("content: Answer briefly.", `content: ${JSON.stringify(code)}`) }], STACKS).length, 1, code);
        }
        // A commit id and a mailto: link are no credential.
        assert.equal(parsePromptFiles([{ path: "prompts/a.yaml", text: GOOD.replace("content: Answer briefly.", `content: "Built from 0123456789abcdef0123456789abcdef01234567; mail mailto:help@groundwork.example"`) }], STACKS).length, 1);
    });

    it("reject a file of two YAML documents in the project's words, not the library's (sweep s26 W5)", () => {
        assert.deepEqual(rejected([{ path: "prompts/a.yaml", text: `${GOOD}---\n${GOOD}` }]), ["prompts/a.yaml: holds more than one YAML document (a second '---'); put each prompt or evaluation in a file of its own"]);
    });

    it("reject sampling parameters vLLM refuses, with every other problem of the file (sweep s29 M1)", () => {
        const found = rejected([{ path: "prompts/a.yaml", text: GOOD.replace("config: { temperature: 0.2 }", "config: { temperature: 3, top_p: 0 }") }]);
        assert.deepEqual(found, [
            "prompts/a.yaml: config.temperature = 3 is outside what vLLM takes (temperature must be in [0, 2]), so it refuses every call with it; give a value in that range",
            "prompts/a.yaml: config.top_p = 0 is outside what vLLM takes (top_p must be in (0, 1]), so it refuses every call with it; give a value in that range",
        ]);
    });

    it("take braces a placeholder check could mistake: a dotted or dashed name an application's template fills, an unclosed {{ in code (review s26 R1)", () => {
        for (const content of ["{{user-question}} about {{ order.id }}", "Write ${{ github.event.inputs.name }} in the workflow", "print('{{x')"]) {
            assert.equal(parsePromptFiles([{ path: "prompts/a.yaml", text: GOOD.replace('"{{question}}"', JSON.stringify(content)) }], STACKS).length, 1, content);
        }
    });

    it("reject a prompt with both text and messages, or neither", () => {
        assert.match(rejected([{ path: "prompts/a.yaml", text: `${GOOD}text: hello\n` }])[0], /needs exactly one of text \(a text prompt\) or messages/);
        const none = GOOD.replace(/messages:[\s\S]*?config/, "config");
        assert.match(rejected([{ path: "prompts/a.yaml", text: none }])[0], /needs exactly one of text/);
    });

    it("reject names Langfuse refuses, duplicates, unknown keys, a model in config and unparsable YAML", () => {
        assert.match(rejected([{ path: "prompts/a.yaml", text: GOOD.replace("support/answer", "support//answer") }])[0], /name = "support\/\/answer" must be lower-case letters/);
        assert.match(rejected([{ path: "prompts/a.yaml", text: GOOD.replace("support/answer", "new") }])[0], /name = "new" is reserved by Langfuse's UI/);
        const twice = rejected([{ path: "prompts/a.yaml", text: GOOD }, { path: "prompts/b.yaml", text: GOOD }]);
        assert.deepEqual(twice, ["prompts/b.yaml: name support/answer is also the name in prompts/a.yaml; each prompt needs its own name"]);
        assert.match(rejected([{ path: "prompts/a.yaml", text: `${GOOD}lables: [dev]\n` }])[0], /unknown key\(s\) lables; valid keys: name, route, labels/);
        assert.match(rejected([{ path: "prompts/a.yaml", text: GOOD.replace("{ temperature: 0.2 }", "{ model: gpt-4o }") }])[0], /config\.model is set from route \(chat\); remove it/);
        assert.match(rejected([{ path: "prompts/a.yaml", text: "name: [unclosed" }])[0], /^prompts\/a\.yaml: is not YAML/);
        assert.match(rejected([{ path: "prompts/a.yaml", text: GOOD.replace("role: system", "role: robot") }])[0], /messages\[0\]\.role = "robot"/);
    });

    it("reject a stack name Langfuse cannot use as a label only where a prompt is labelled for it (sweep s24 F1)", () => {
        const forProd = GOOD.replace(/labels: \[[^\]]*\]/, "labels: [Prod]");
        assert.notEqual(forProd, GOOD);
        assert.deepEqual(rejected([{ path: "prompts/a.yaml", text: forProd }], [...STACKS, "Prod"]), [`prompts/a.yaml: labels[0] = "Prod": stack Prod cannot be a Langfuse label (1-36 of a-z, 0-9, '_', '-', '.'); rename the stack in lower case to provision prompts into it, or take it out of labels`]);
        // A stack no prompt names may be called anything Pulumi allows: it blocks no other stack's plan.
        assert.equal(parsePromptFiles([{ path: "prompts/a.yaml", text: GOOD }], [...STACKS, "Prod"]).length, 1);
    });

    it("reject a prompt labelled for a stack that lacks its route", () => {
        const files = parsePromptFiles([{ path: "prompts/a.yaml", text: GOOD }], STACKS);
        assert.throws(() => promptsForStack(files, "dev", ["small"]), (e: RepositoryFileError) => {
            assert.deepEqual(e.problems, [`prompts/a.yaml: route = "chat" is not a route of stack dev (routes: small); add the route to groundwork:inference.routes or remove dev from labels`]);
            return true;
        });
    });

    it("stop the plan like bad config: exit 2 and every problem, no stack trace", () => {
        const written: string[] = [];
        const code = reportCliError(new RepositoryFileError("prompt", ["prompts/a.yaml: name is required"]), "usage", { out: () => undefined, err: (t) => written.push(t) });
        assert.equal(code, 2);
        assert.equal(written.join(""), "error: invalid prompt files (1 problem):\n  prompts/a.yaml: name is required\n");
    });

    it("the repository's own prompts parse against its stacks", () => {
        assert.deepEqual(projectStacks(), STACKS);
        const files = parsePromptFiles(readYamlFiles("prompts"), projectStacks());
        assert.ok(files.length >= 2, "the committed examples");
    });
});

describe("prompt library in the plans", () => {
    it("dev provisions the prompts labelled dev, and states the route each serves", async () => {
        const plan = await committedPlan("dev");
        const library = named(plan, "kubernetes:core/v1:ConfigMap", "prompts").inputs as any;
        const prompts = JSON.parse(library.data["prompts.json"]) as PromptVersion[];
        assert.deepEqual(prompts.map((p) => p.name), ["assistant/answer"]);
        assert.equal(prompts[0].config.model, "small");
        assert.deepEqual(JSON.parse(library.metadata.annotations[PROMPT_ROUTES_ANNOTATION]), { "assistant/answer": "small" });
        const job = named(plan, "kubernetes:batch/v1:Job", "prompts").inputs as any;
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef.name]));
        assert.equal(env.PROMPT_LABEL, "dev");
        assert.equal(env.LANGFUSE_SECRET_KEY, "llm-gateway-langfuse", "the key comes from the Secret synced out of Vault");
    });

    it("cloud serves both prompts, each on a route it has", async () => {
        const plan = await committedPlan("cloud");
        const annotation = (named(plan, "kubernetes:core/v1:ConfigMap", "prompts").inputs as any).metadata.annotations[PROMPT_ROUTES_ANNOTATION];
        assert.deepEqual(JSON.parse(annotation), { "assistant/answer": "small", "support/summarize-ticket": "chat" });
    });
});

describe("prompt library job against Langfuse's prompt API", function () {
    const PUBLIC = "pk-lf-test-public";
    const SECRET = "sk-lf-test-secret-0123456789";
    let server: ChildProcess;
    let url: string;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-prompts-"));

    before(async () => {
        ({ process: server, url } = await startStandIn("langfuse_api.py", PUBLIC, SECRET));
    });
    after(() => server?.kill());

    const state = async () => (await fetch(`${url}/state`)).json() as Promise<{ prompts: any[]; calls: [string, string][] }>;
    const answer: PromptVersion = { name: "support/answer", type: "chat", route: "chat", prompt: [{ role: "system", content: "Answer briefly." }], config: { model: "chat" } };

    function provision(prompts: PromptVersion[], label = "dev", secret = SECRET) {
        fs.writeFileSync(path.join(dir, "prompts.json"), JSON.stringify(prompts.map(({ route: _r, ...body }) => body)));
        const run = spawnSync(PYTHON, ["-c", PROMPTS_SCRIPT], {
            env: { ...process.env, LANGFUSE_HOST: url, PROMPT_LABEL: label, LANGFUSE_PUBLIC_KEY: PUBLIC, LANGFUSE_SECRET_KEY: secret, PROMPTS_FILE: path.join(dir, "prompts.json") },
            encoding: "utf8",
        });
        assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "the secret key was printed");
        return run;
    }

    it("creates a version labelled with the stack and production, then leaves an unchanged prompt alone", async () => {
        await fetch(`${url}/reset`);
        const first = provision([answer]);
        assert.equal(first.status, 0, first.stderr);
        assert.match(first.stdout, /support\/answer: version 1 now serves dev, production/);
        const second = provision([answer]);
        assert.equal(second.status, 0, second.stderr);
        assert.match(second.stdout, /support\/answer: unchanged \(version 1\)/);
        const { prompts, calls } = await state();
        assert.equal(prompts.length, 1);
        assert.deepEqual(prompts[0].labels, ["dev", "production", "latest"]);
        assert.deepEqual(prompts[0].tags, ["groundwork"]);
        assert.equal(calls.filter(([m]) => m === "POST").length, 1, "one version, not one per deploy");
        assert.ok(calls.some(([m, p]) => m === "GET" && p === "/api/public/v2/prompts/support%2Fanswer"), "the folder name is one path segment");
    });

    it("a changed prompt becomes a new version that takes the labels from the old one", async () => {
        const run = provision([{ ...answer, prompt: [{ role: "system", content: "Answer in one sentence." }] }]);
        assert.equal(run.status, 0, run.stderr);
        const { prompts } = await state();
        assert.deepEqual(prompts.map((p) => [p.version, p.labels]), [[1, []], [2, ["dev", "production", "latest"]]]);
    });

    it("puts production back on the stack's version when someone moved it", async () => {
        const body = JSON.stringify({ name: "support/answer", type: "chat", prompt: [{ role: "system", content: "hand-made" }], labels: ["production"] });
        await fetch(`${url}/api/public/v2/prompts`, { method: "POST", body, headers: { Authorization: `Basic ${Buffer.from(`${PUBLIC}:${SECRET}`).toString("base64")}`, "Content-Length": String(body.length) } });
        const run = provision([{ ...answer, prompt: [{ role: "system", content: "Answer in one sentence." }] }]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /version 2 labelled production again/);
        const { prompts } = await state();
        assert.deepEqual(prompts.find((p) => p.version === 2).labels, ["dev", "production"], "latest stays on the newest version, the hand-made one");
    });

    it("refuses a change of type with a message saying what to do, and warns of a retired prompt", async () => {
        await fetch(`${url}/reset`);
        assert.equal(provision([answer]).status, 0);
        const text: PromptVersion = { ...answer, type: "text", prompt: "Answer briefly." };
        const other: PromptVersion = { ...answer, name: "other" };
        const run = provision([text, other]);
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /support\/answer: Langfuse keeps it as a chat prompt and cannot change its type to text; give the text prompt a new name/);
        assert.match(run.stdout, /other: version 1 now serves dev, production/, "the other prompts are still provisioned");
        const retired = provision([other]);
        assert.equal(retired.status, 0, retired.stderr);
        assert.match(retired.stdout, /support\/answer: no longer in the repository but still labelled dev; delete it in Langfuse to retire it/);
    });

    it("fails on wrong keys without printing them", () => {
        const run = provision([answer], "dev", "sk-lf-wrong-key-9999");
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /answered 401/);
    });
});
