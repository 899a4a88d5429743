import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PromptVersion } from "../components/inference/prompt-library";
import { EVALUATED_ROUTES_ANNOTATION, EVALUATION_SCRIPT, RouteEvaluation } from "../components/inference/route-evaluations";
import { evaluationsForStack, evaluationsOfNoPrompt, evaluationsOfNoRoute, parseEvaluationFiles } from "../stacks/config/evaluation-files";
import { RepositoryFileError } from "../stacks/config/repository-files";
import { loadPromptsAndEvaluations, projectRoutes, readYamlFiles } from "../stacks/prompts";
import { committedPlan, named, parse as parseConfig, PROJECT_DIR, startStandIn, stackValues, PYTHON } from "./helpers";

/** Evaluations as code: the files' checks, the plans' Jobs, and the run against the gateway and Langfuse. */

const GOOD = `route: chat
items:
  - id: capital
    input: What is the capital of France?
    expectedOutput: Paris
evaluators:
  - name: mentions-answer
    type: contains-expected
`;
const ANSWER: PromptVersion = {
    name: "assistant/answer", type: "chat", route: "chat", config: { model: "chat", temperature: 0.2 },
    prompt: [{ role: "system", content: "You help {{company}}." }, { role: "user", content: "{{question}}" }],
};

function rejected(run: () => unknown): string[] {
    try {
        run();
    } catch (e) {
        assert.ok(e instanceof RepositoryFileError, String(e));
        assert.match(e.message, /^invalid evaluation files/);
        return e.problems;
    }
    throw new Error("expected the evaluation files to be rejected");
}
const parse = (text: string, file = "evaluations/chat.yaml") => parseEvaluationFiles([{ path: file, text }]);

describe("evaluation files", () => {
    it("reject a Unicode property class, which Python's re refuses though JavaScript takes it (sweep s22b85)", () => {
        const found = rejected(() => parse(`${GOOD}  - name: letters\n    type: matches\n    pattern: '\\p{L}+'\n`));
        assert.match(found.join("\n"), /evaluators\[1\]\.pattern = "\\\\p\{L\}\+" uses a Unicode property class \(\\p\{\.\.\.\}\), which Python's re, the evaluation Job's, refuses/);
        // Python itself refuses what the check refuses.
        assert.match(execFileSync(PYTHON, ["-c", "import re, sys\ntry:\n re.compile(r'\\p{L}+')\nexcept re.error as e:\n print(e)"], { encoding: "utf8" }), /bad escape \\p/);
    });

    it("take Python's inline flags, and refuse \\u{...}, which Python's re refuses (sweep s26 F2, M4)", () => {
        assert.doesNotThrow(() => parse(`${GOOD}  - name: paris\n    type: matches\n    pattern: '(?i)paris'\n`));
        assert.doesNotThrow(() => parse(`${GOOD}  - name: scoped\n    type: matches\n    pattern: '(?i:paris) is'\n`));
        assert.doesNotThrow(() => parse(`${GOOD}  - name: two\n    type: matches\n    pattern: '(?i)(?s)paris.'\n`));
        // ASCII or Unicode matching alone, and a comment, which Python takes (review s24f 6).
        for (const pattern of ["(?a)\\w+", "(?u)\\w+", "(?ai)x", "(?a:x)y", "(?#note)x"]) {
            assert.doesNotThrow(() => parse(`${GOOD}  - name: f\n    type: matches\n    pattern: '${pattern}'\n`), pattern);
        }
        assert.match(rejected(() => parse(`${GOOD}  - name: au\n    type: matches\n    pattern: '(?au)x'\n`)).join("\n"), /is not a regular expression/);
        // Python refuses L on a text pattern: so does the check (review s24e 6).
        assert.match(rejected(() => parse(`${GOOD}  - name: locale\n    type: matches\n    pattern: '(?L)\\w+'\n`)).join("\n"), /is not a regular expression/);
        assert.match(rejected(() => parse(`${GOOD}  - name: brace\n    type: matches\n    pattern: '\\u{41}'\n`)).join("\n"), /uses \\u\{\.\.\.\}, which Python's re, the evaluation Job's, refuses/);
        // Python itself: the flags compile, the brace escape does not.
        assert.equal(execFileSync(PYTHON, ["-c", "import re\nre.compile('(?i)paris'); re.compile('(?i:paris) is')\ntry:\n re.compile(r'\\u{41}')\nexcept re.error as e:\n print('refused')"], { encoding: "utf8" }).trim(), "refused");
    });

    it("say to quote a number YAML read in an item's input (sweep s26 W4)", () => {
        const found = rejected(() => parse(GOOD.replace("input: What is the capital of France?", "input: 42")));
        assert.deepEqual(found, ["evaluations/chat.yaml: items[0].input = 42 must be the user's message, or the prompt's variables as a map of strings; YAML read a value as a number or true/false: put it in quotes"]);
        // And an empty value (review s24e 11).
        assert.match(rejected(() => parse(GOOD.replace("input: What is the capital of France?", "input: { question: }")))[0], /; a value is empty \(YAML's null\): give it, or "" for an empty text$/);
    });

    it("reject an AWS secret key or a map key shaped like a credential in an item (sweep s26 L1, L2)", () => {
        const aws = rejected(() => parse(GOOD.replace("What is the capital of France?", "Use wJalrXUtnFEMI/K7MDENG/bPxRfiPLANTEDs26AB")));
        assert.match(aws[0], /items\[0\]\.input holds text shaped like a credential/);
        assert.ok(!aws.join("\n").includes("PLANTEDs26"));
    });

    it("reject a credential in an item or a criterion, by field, never repeating it (sweep s22b80)", () => {
        const found = rejected(() => parse(GOOD.replace("What is the capital of France?", "Call with ghp_PLANTED7Q9Ab3dEf6hIj9kLm2nOp5q")));
        assert.deepEqual(found.map((p) => p.replace(/holds.*/, "")), ["evaluations/chat.yaml: items[0].input "]);
        assert.match(found[0], /holds text shaped like a credential .* published to Langfuse for everyone in the project to read and written into the plan; remove it, and rotate it if it is one$/);
        assert.ok(!found.join("\n").includes("PLANTED7Q9"));
    });

    it("reject a dataset item without input, by file and field", () => {
        assert.deepEqual(rejected(() => parse(GOOD.replace("    input: What is the capital of France?\n", ""))), ["evaluations/chat.yaml: items[0].input is required"]);
    });

    it("reject an evaluation of a prompt no prompt file defines, for any stack", () => {
        const [file] = parse(GOOD);
        const named = { ...file, evaluation: { ...file.evaluation, prompt: "assistant/answr" } };
        assert.deepEqual(evaluationsOfNoPrompt([named], ["assistant/answer", "support/answer"]),
            [`evaluations/chat.yaml: prompt = "assistant/answr" is in no file of prompts/ (prompts: assistant/answer, support/answer); name one of those, or add it`]);
        assert.deepEqual(evaluationsOfNoPrompt([{ ...file, evaluation: { ...file.evaluation, prompt: "assistant/answer" } }], ["assistant/answer"]), []);
    });

    it("reject an evaluation of a route no stack has, naming the routes there are (sweep s11 fi07)", () => {
        assert.deepEqual(projectRoutes(), ["chat", "hosted", "large", "small"]);
        const [file] = parse(GOOD.replace("route: chat", "route: chta"));
        assert.deepEqual(evaluationsOfNoRoute([file], projectRoutes()),
            [`evaluations/chat.yaml: route = "chta" is a route of no stack of this project (routes: chat, hosted, large, small); name one of those, or add the route to a stack's groundwork:inference.routes`]);
        assert.deepEqual(evaluationsOfNoRoute(parse(GOOD), projectRoutes()), []);
        // Loading a stack stops there, though the stack (dev, route small) would have skipped it silently.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-evals-"));
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
        fs.mkdirSync(path.join(dir, "evaluations"));
        fs.writeFileSync(path.join(dir, "evaluations", "smal.yaml"), GOOD.replace("route: chat", "route: smal"));
        assert.throws(() => loadPromptsAndEvaluations(parseConfig(stackValues("dev")), "dev", dir),
            (err: Error) => err instanceof RepositoryFileError && /evaluations\/smal\.yaml: route = "smal" is a route of no stack of this project \(routes: small\)/.test(err.message));
    });

    it("refuse, before anything is made, a dataset larger than the ConfigMap that carries it may be (sweep s26 M1)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-evals-"));
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
        fs.mkdirSync(path.join(dir, "evaluations"));
        const items = Array.from({ length: 6000 }, (_, i) => `  - id: q${i}\n    input: ${"What is the capital of France? ".repeat(6)}\n    expectedOutput: Paris\n`).join("");
        fs.writeFileSync(path.join(dir, "evaluations", "small.yaml"), `route: small\nitems:\n${items}evaluators:\n  - name: mentions-answer\n    type: contains-expected\n`);
        assert.throws(() => loadPromptsAndEvaluations(parseConfig(stackValues("dev")), "dev", dir),
            (err: Error) => err instanceof RepositoryFileError && /evaluations\/: the evaluations stack dev serves come to \d{4} KiB in the ConfigMap that carries them, over the 1,024 KiB the API server takes/.test(err.message));
        // A tenth of it goes.
        fs.writeFileSync(path.join(dir, "evaluations", "small.yaml"), `route: small\nitems:\n${items.split("  - id:").slice(0, 601).join("  - id:")}evaluators:\n  - name: mentions-answer\n    type: contains-expected\n`);
        assert.equal(loadPromptsAndEvaluations(parseConfig(stackValues("dev")), "dev", dir).evaluations.length, 1);
    });

    it("never repeat a credential-shaped value in a file's errors (sweep s12 lk14, lk22)", () => {
        const found = rejected(() => parse(GOOD.replace("route: chat", "route: sk-PLANTED7Q9abc")));
        assert.ok(found.length > 0);
        assert.ok(!found.join("\n").includes("PLANTED7Q9"), found.join("\n"));
        assert.match(found[0], /^evaluations\/chat\.yaml: route = \[text of 16 characters, not shown as it may hold a secret\] must be a route's name/);
    });

    it("reject an unknown evaluator type, naming the types", () => {
        const [problem] = rejected(() => parse(GOOD.replace("contains-expected", "vibes")));
        assert.match(problem, /evaluators\[0\]\.type = "vibes" must have a type of contains-expected, matches, not-matches, max-length or llm-judge|evaluators\[0\] = .* must have a type of contains-expected/);
    });

    it("reject an item contains-expected cannot score, a duplicate id, a pattern JavaScript and Python read differently, and a second file for a route", () => {
        assert.deepEqual(rejected(() => parse(GOOD.replace("    expectedOutput: Paris\n", ""))), ["evaluations/chat.yaml: items[0] has no expectedOutput, which the contains-expected evaluator compares the answer with"]);
        const twice = GOOD.replace("evaluators:", "  - id: capital\n    input: again\n    expectedOutput: Paris\nevaluators:");
        assert.deepEqual(rejected(() => parse(twice)), [`evaluations/chat.yaml: items[1].id = "capital" is also items[0]'s id; each item needs its own`]);
        const lookbehind = `${GOOD}  - name: no-mr\n    type: not-matches\n    pattern: "(?<=Mr) [A-Z]"\n`;
        assert.match(rejected(() => parse(lookbehind))[0], /evaluators\[1\]\.pattern = "\(\?<=Mr\) \[A-Z\]" is not a regular expression \(without lookbehind or named groups\)/);
        assert.deepEqual(rejected(() => parseEvaluationFiles([{ path: "evaluations/a.yaml", text: GOOD }, { path: "evaluations/b.yaml", text: GOOD }])),
            ["evaluations/b.yaml: route chat is already evaluated by evaluations/a.yaml; one file per route"]);
    });

    it("reject variables a prompt needs but an item lacks, and a judge route the stack does not have", () => {
        const withPrompt = parse(`route: chat\nprompt: assistant/answer\nitems:\n  - input: { question: hi }\nevaluators:\n  - name: judged\n    type: llm-judge\n    judgeRoute: large\n    criteria: says hello back politely\n`);
        const problems = rejected(() => evaluationsForStack(withPrompt, ["chat"], [ANSWER]));
        assert.deepEqual(problems, [
            "evaluations/chat.yaml: items[0].input lacks company, which prompt assistant/answer fills in",
            `evaluations/chat.yaml: evaluators[0].judgeRoute = "large" is not a route of this stack (routes: chat)`,
        ]);
    });

    it("reject an item's value no {{variable}} of the prompt takes, a typo on one side (sweep s29 M2)", () => {
        const typo = parse(`route: chat\nprompt: assistant/answer\nitems:\n  - input: { question: hi, company: ACME, tone: dry }\nevaluators:\n  - name: brief\n    type: max-length\n    maxCharacters: 200\n`);
        assert.deepEqual(rejected(() => evaluationsForStack(typo, ["chat"], [ANSWER])), [
            "evaluations/chat.yaml: items[0].input.tone is used by no {{variable}} of prompt assistant/answer (its variables: company, question); rename or remove it",
        ]);
        // A placeholder the Job cannot fill ({{user-question}}, an unclosed {{question) leaves the item's value unused: caught here.
        const asked = parse(`route: chat\nprompt: assistant/answer\nitems:\n  - input: { question: hi }\nevaluators:\n  - name: brief\n    type: max-length\n    maxCharacters: 200\n`);
        for (const content of ["{{user-question}}", "{{question"]) {
            const typo: PromptVersion = { ...ANSWER, prompt: [{ role: "user", content }] };
            assert.deepEqual(rejected(() => evaluationsForStack(asked, ["chat"], [typo])), [
                "evaluations/chat.yaml: items[0].input.question is used by no {{variable}} of prompt assistant/answer (its variables: none); rename or remove it",
            ], content);
        }
    });

    it("reject a judge route less protected than the route it judges: the judge reads its answers", () => {
        const judged = parse(`route: chat\nitems:\n  - input: hi\nevaluators:\n  - name: judged\n    type: llm-judge\n    judgeRoute: hosted\n    criteria: says hello back politely\n`);
        assert.deepEqual(rejected(() => evaluationsForStack(judged, ["chat", "hosted"], [], { chat: "internal", hosted: "public" })), [
            `evaluations/chat.yaml: evaluators[0].judgeRoute = "hosted" is a public route, but chat carries internal data, which the judge would read; judge with a route classified internal or more`,
        ]);
        assert.equal(evaluationsForStack(judged, ["chat", "hosted"], [], { chat: "public", hosted: "public" }).length, 1);
    });

    it("run only in stacks with the route (and its prompt), item ids prefixed by the route", () => {
        const files = parse(GOOD);
        assert.deepEqual(evaluationsForStack(files, ["small"], []), []);
        const [run] = evaluationsForStack(files, ["chat"], []);
        assert.equal(run.dataset, "evaluation/chat");
        assert.deepEqual(run.items, [{ id: "chat-capital", input: "What is the capital of France?", expectedOutput: "Paris" }]);
    });

    it("the repository's own evaluations parse", () => {
        assert.deepEqual(parseEvaluationFiles(readYamlFiles("evaluations")).map((f) => f.evaluation.route).sort(), ["chat", "small"]);
    });
});

describe("evaluations in the plans", () => {
    it("cloud evaluates both routes that serve its prompts, without holding up the deploy", async () => {
        const plan = await committedPlan("cloud");
        const files = named(plan, "kubernetes:core/v1:ConfigMap", "evaluations").inputs as any;
        assert.deepEqual(JSON.parse(files.metadata.annotations[EVALUATED_ROUTES_ANNOTATION]).sort(), ["chat", "small"]);
        const job = named(plan, "kubernetes:batch/v1:Job", "evaluations").inputs as any;
        assert.equal(job.metadata.annotations["pulumi.com/skipAwait"], "true");
        assert.equal(job.spec.backoffLimit, 0, "a retry would add every item and score to the run again");
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? `secret:${e.valueFrom.secretKeyRef.name}`]));
        assert.equal(env.GATEWAY_KEY, "secret:llm-gateway-virtual-keys", "its own team's key, not the master key");
        assert.equal(env.LITELLM_MASTER_KEY, undefined);
        assert.equal(env.STACK, "cloud");
        assert.match(env.RUN_NAME, /^cloud-[0-9a-f]{10}$/);
    });
});

describe("evaluation job against the gateway and Langfuse", function () {
    const PUBLIC = "pk-lf-eval-public";
    const SECRET = "sk-lf-eval-secret-4242";
    const MASTER = "sk-master-eval-7777";
    let server: ChildProcess;
    let url: string;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-evaluations-"));

    before(async () => {
        ({ process: server, url } = await startStandIn("langfuse_api.py", PUBLIC, SECRET, MASTER));
    });
    after(() => server?.kill());

    function evaluate(evaluations: RouteEvaluation[]) {
        fs.writeFileSync(path.join(dir, "evaluations.json"), JSON.stringify(evaluations));
        const run = spawnSync(PYTHON, ["-c", EVALUATION_SCRIPT], {
            env: {
                ...process.env, GATEWAY_URL: url, GATEWAY_KEY: MASTER, LANGFUSE_HOST: url, LANGFUSE_PUBLIC_KEY: PUBLIC, LANGFUSE_SECRET_KEY: SECRET,
                RUN_NAME: "dev-0123456789", STACK: "dev", EVALUATIONS_FILE: path.join(dir, "evaluations.json"),
            },
            encoding: "utf8",
        });
        for (const secret of [MASTER, SECRET]) assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "a key was printed");
        return run;
    }

    it("runs the committed small-route evaluation: items in the dataset, each answer in the run, scored on its own trace", async () => {
        await fetch(`${url}/reset`);
        // A prompt its applications stream: the Job still asks for one whole answer (sweep s29 p10).
        const prompts = [{ ...ANSWER, route: "small", config: { model: "small", temperature: 0.2, max_tokens: 512, stream: true, stream_options: { include_usage: true } } }];
        const [small] = evaluationsForStack(parseEvaluationFiles(readYamlFiles("evaluations")), ["small"], prompts);
        const run = evaluate([small]);
        assert.equal(run.status, 0, run.stderr);
        const state = await (await fetch(`${url}/state`)).json() as any;
        assert.deepEqual(Object.keys(state.datasets), ["evaluation/small"]);
        assert.deepEqual(Object.keys(state.items).sort(), ["small-arithmetic", "small-capital", "small-unknown-figure"]);
        // Each answer: the prompt filled in, the prompt's parameters, the route, and a trace id the run item and scores share.
        const answers = state.completions.filter((c: any) => c.metadata.trace_name === "evaluation/small");
        assert.equal(answers.length, 3);
        assert.equal(answers[0].model, "small");
        assert.equal(answers[0].temperature, 0.2);
        assert.ok(answers.every((a: any) => !("stream" in a) && !("stream_options" in a)), "no streaming asked for");
        assert.equal(answers[0].messages[0].content, "You help Example Ltd.");
        assert.deepEqual(answers[0].metadata.tags, ["evaluation", "route:small", "stack:dev"]);
        const traces = answers.map((a: any) => a.metadata.trace_id);
        assert.deepEqual(state.runs["dev-0123456789"].map((r: any) => r.traceId), traces);
        assert.deepEqual(state.runs["dev-0123456789"][0].metadata, { stack: "dev", run: "dev-0123456789" }, "Langfuse keeps it on the run: run-level fields only");
        const scores = (name: string) => state.scores.filter((s: any) => s.name === name).map((s: any) => [traces.indexOf(s.traceId), s.value]);
        assert.deepEqual(scores("brief"), [[0, 1], [1, 1], [2, 1]]);
        assert.deepEqual(scores("no-email-address"), [[0, 1], [1, 1], [2, 0]], "the third answer gives an e-mail address");
        assert.deepEqual(scores("correct"), [[0, 1], [1, 1], [2, 1]], "the judge (a call through the gateway) passed each");
        assert.equal(state.scores[0].metadata.model, "hosted_vllm/small", "the model that answered, beside the route");
        assert.match(run.stdout, /small no-email-address: 2 of 3 passed/);
    });

    it("scores a failed rule 0 without failing the Job, and fails the Job naming the item when a call fails", async () => {
        await fetch(`${url}/reset`);
        const items = [{ id: "x-1", input: "What is the capital of France?", expectedOutput: "Paris" }];
        const run = evaluate([
            { route: "chat", dataset: "evaluation/chat", items, evaluators: [{ name: "brief", type: "max-length", maxCharacters: 5 }] },
            { route: "missing", dataset: "evaluation/missing", items: [{ ...items[0], id: "missing-1" }], evaluators: [{ name: "brief", type: "max-length", maxCharacters: 5 }] },
        ]);
        assert.equal(run.status, 1);
        assert.match(run.stdout, /chat brief: 0 of 1 passed/);
        assert.match(run.stderr, /missing item missing-1: \/v1\/chat\/completions answered 400: .*Invalid model name passed in model=missing/);
        const state = await (await fetch(`${url}/state`)).json() as any;
        assert.deepEqual(state.scores.map((x: any) => [x.name, x.value]), [["brief", 0]], "no score for the call that failed");
    });
});
