import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { SCRIPT_HTTP_CLIENT, scriptJob } from "./script-job";
import { Scheduling } from "../placement";
import { LITELLM_IMAGE } from "./llm-gateway";

/** What scores an answer: a rule, or a judge route asked whether the answer meets criteria. */
export type Evaluator =
    | { name: string; type: "contains-expected" }
    | { name: string; type: "matches" | "not-matches"; pattern: string }
    | { name: string; type: "max-length"; maxCharacters: number }
    | { name: string; type: "llm-judge"; judgeRoute: string; criteria: string };

/** One route's dataset and evaluators, as a stack runs them. */
export interface RouteEvaluation {
    route: string;
    /** The Langfuse dataset's name. */
    dataset: string;
    /** The prompt the items fill in, as the stack serves it. */
    prompt?: { name: string; messages: { role: string; content: string }[]; config: Record<string, unknown> };
    items: { id: string; input: string | Record<string, string>; expectedOutput?: string }[];
    evaluators: Evaluator[];
}

/** States, on the evaluations' ConfigMap, the routes they evaluate: what the ai-use pack checks production prompts against. */
export const EVALUATED_ROUTES_ANNOTATION = "groundwork.dev/evaluated-routes";

/**
 * Runs each route's dataset through the gateway and scores the answers in Langfuse. Python from
 * the LiteLLM image; never prints a key.
 *
 * Langfuse's public API (langfuse/langfuse@v3.224.1, read 2026-11-28), all with the project's keys:
 * - `POST /api/public/v2/datasets` {name, description, metadata} creates or updates by name
 *   (web/src/features/public-api/types/datasets.ts L146-152; publicDatasetService.ts upsertDataset);
 * - `POST /api/public/dataset-items` {datasetName, id, input, expectedOutput, metadata} upserts by
 *   id; an id held by another dataset is refused (types/datasets.ts L199-208; publicDatasetService.ts L632-690);
 * - `POST /api/public/dataset-run-items` {runName, datasetItemId, traceId, metadata} adds the call
 *   to the run, creating the run by name (types/datasets.ts L257-275; publicDatasetService.ts L731-805);
 * - `POST /api/public/scores` {traceId, name, value, dataType: NUMERIC, comment, metadata}
 *   (packages/shared/src/features/scores/interfaces/api/shared.ts L78-120, shared.ts L10-21).
 * The gateway's Langfuse callback takes the call's trace id and name from the request's
 * `metadata.trace_id` and `trace_name` (BerriAI/litellm-docs@ef86ded8
 * docs/observability/langfuse_integration.md L111-157), so each score lands on its call's trace,
 * where the route (`model_group`) and the model that answered are recorded too.
 */
export const EVALUATION_SCRIPT = `${SCRIPT_HTTP_CLIENT}
import base64, os, uuid

GATEWAY = os.environ["GATEWAY_URL"].rstrip("/")
GATEWAY_KEY = os.environ["GATEWAY_KEY"]
LANGFUSE = os.environ["LANGFUSE_HOST"].rstrip("/")
LANGFUSE_AUTH = "Basic " + base64.b64encode((os.environ["LANGFUSE_PUBLIC_KEY"] + ":" + os.environ["LANGFUSE_SECRET_KEY"]).encode()).decode()
RUN = os.environ["RUN_NAME"]
STACK = os.environ["STACK"]
EVALUATIONS_FILE = os.environ.get("EVALUATIONS_FILE", "/evaluations/evaluations.json")
VARIABLE = re.compile(r"\\{\\{\\s*([A-Za-z_]\\w*)\\s*\\}\\}")
JUDGE = ("You grade an assistant's answer against criteria. Reply with PASS or FAIL as the first word, "
         "then one sentence saying why.")


# A judged answer can take minutes.
def langfuse(path, body=None):
    return request(LANGFUSE, LANGFUSE_AUTH, path, body, timeout=300)


def gateway(path, body=None):
    return request(GATEWAY, "Bearer " + GATEWAY_KEY, path, body, timeout=300)


def complete(route, messages, params, trace_id, trace_name):
    # Never from the cache: an evaluation measures what the route answers now.
    body = dict(params, model=route, messages=messages, user="groundwork-evaluations", cache={"no-cache": True, "no-store": True},
                metadata={"trace_id": trace_id, "trace_name": trace_name, "tags": ["evaluation", "route:" + route, "stack:" + STACK]})
    answer = gateway("/v1/chat/completions", body)
    return (answer["choices"][0]["message"].get("content") or ""), answer.get("model", route)


def messages_for(evaluation, item):
    prompt = evaluation.get("prompt")
    if not prompt:
        return [{"role": "user", "content": item["input"]}]
    values = item["input"] if isinstance(item["input"], dict) else {}
    fill = lambda text: VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    return [{"role": m["role"], "content": fill(m["content"])} for m in prompt["messages"]]


def judge(evaluator, item, output):
    question = "Criteria: %s\\n\\nExpected (may be empty): %s\\n\\nAnswer:\\n%s" % (evaluator["criteria"], item.get("expectedOutput") or "", output)
    text, _ = complete(evaluator["judgeRoute"], [{"role": "system", "content": JUDGE}, {"role": "user", "content": question}],
                       {"temperature": 0, "max_tokens": 120}, uuid.uuid4().hex, "evaluation-judge")
    words = text.strip().split()
    verdict = re.sub(r"[^A-Z]", "", words[0].upper()) if words else ""
    if verdict not in ("PASS", "FAIL"):
        return None, "the judge answered neither PASS nor FAIL: " + text.strip()[:200]
    return (1 if verdict == "PASS" else 0), " ".join(words[1:])[:500]


def score(evaluator, item, output):
    kind = evaluator["type"]
    if kind == "contains-expected":
        return (1 if item.get("expectedOutput", "").lower() in output.lower() else 0), None
    if kind == "matches":
        return (1 if re.search(evaluator["pattern"], output) else 0), None
    if kind == "not-matches":
        return (0 if re.search(evaluator["pattern"], output) else 1), None
    if kind == "max-length":
        return (1 if len(output) <= evaluator["maxCharacters"] else 0), "%d characters" % len(output)
    return judge(evaluator, item, output)


def main():
    wait_ready("Langfuse or the gateway", lambda: langfuse("/api/public/health"), lambda: gateway("/health/readiness"))
    with open(EVALUATIONS_FILE) as f:
        evaluations = json.load(f)
    failed = []
    for evaluation in evaluations:
        route, dataset = evaluation["route"], evaluation["dataset"]
        langfuse("/api/public/v2/datasets", {"name": dataset, "description": "Groundwork's evaluation of route " + route, "metadata": {"route": route}})
        for item in evaluation["items"]:
            langfuse("/api/public/dataset-items", {"datasetName": dataset, "id": item["id"], "input": item["input"],
                                                   "expectedOutput": item.get("expectedOutput"), "metadata": {"route": route}})
        # The route is the model; the Job reads one whole JSON answer, so a prompt's streaming settings,
        # which its applications may use, are not the Job's (sweep s29 p10).
        params = {k: v for k, v in ((evaluation.get("prompt") or {}).get("config") or {}).items() if k not in ("model", "stream", "stream_options")}
        totals = {e["name"]: [] for e in evaluation["evaluators"]}
        for item in evaluation["items"]:
            trace_id = uuid.uuid4().hex
            try:
                output, model = complete(route, messages_for(evaluation, item), params, trace_id, dataset)
            except (OSError, ApiError) as error:
                failed.append("%s item %s: %s" % (route, item["id"], error))
                continue
            meta = {"route": route, "model": model, "stack": STACK, "dataset": dataset, "run": RUN}
            # Langfuse keeps a run item's metadata on the run (publicDatasetService.ts createOrFetchDatasetRun): run-level fields only.
            langfuse("/api/public/dataset-run-items", {"runName": RUN, "datasetItemId": item["id"], "traceId": trace_id, "metadata": {"stack": STACK, "run": RUN}})
            for evaluator in evaluation["evaluators"]:
                try:
                    value, comment = score(evaluator, item, output)
                except (OSError, ApiError) as error:
                    value, comment = None, "the judge could not be called: %s" % error
                if value is None:
                    failed.append("%s item %s, %s: %s" % (route, item["id"], evaluator["name"], comment))
                    continue
                totals[evaluator["name"]].append(value)
                body = {"traceId": trace_id, "name": evaluator["name"], "value": value, "dataType": "NUMERIC", "metadata": meta}
                if comment:
                    body["comment"] = comment
                langfuse("/api/public/scores", body)
        for name, values in totals.items():
            print("%s %s: %d of %d passed" % (route, name, sum(values), len(values)))
    if failed:
        sys.exit("\\n".join(failed))


main()
`;

export interface RouteEvaluationsArgs {
    namespace: pulumi.Input<string>;
    /** The Job's own service account (made here): the gateway and Langfuse admit it as a client. */
    serviceAccount: string;
    gatewayUrl: pulumi.Input<string>;
    /** The Secret and key holding the virtual key the Job calls the routes with (its own team's). */
    gatewayKey: { secret: string; key: string };
    langfuseHost: string;
    /** The Secret with the Langfuse project's `publicKey` and `secretKey`. */
    langfuseKeysSecret: string;
    stack: string;
    evaluations: RouteEvaluation[];
    /**
     * What the routes answer with (the gateway's config, the prompts): the Job's name follows it
     * and the datasets, so every deploy that changes an answer runs the evaluations again.
     */
    answersDigest: string;
    scheduling: Scheduling;
}

/**
 * Evaluations as code: each route's dataset and evaluators (from the repository's `evaluations/`)
 * in Langfuse, and a Job that runs them after every deploy that changes what a route answers.
 * Scores go on the calls' traces (per model and route) and into a dataset run named after the deploy.
 */
/** The evaluations' ConfigMap data: the datasets and criteria as the Job runs them, and its script. */
export function routeEvaluationsData(evaluations: RouteEvaluation[]): Record<string, string> {
    return { "evaluations.json": JSON.stringify(evaluations, null, 2), "evaluate.py": EVALUATION_SCRIPT };
}

export class RouteEvaluations extends pulumi.ComponentResource {
    /** The routes evaluated. */
    public readonly routes: string[];

    constructor(name: string, args: RouteEvaluationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:inference:RouteEvaluations", name, {}, opts);
        const parent = { parent: this };
        const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "evaluations" };
        this.routes = args.evaluations.map((e) => e.route);
        const evaluations = routeEvaluationsData(args.evaluations)["evaluations.json"];
        const hash = createHash("sha256").update(evaluations).update(EVALUATION_SCRIPT).update(args.answersDigest).digest("hex").slice(0, 10);

        const files = new k8s.core.v1.ConfigMap(name, {
            metadata: { name, namespace: args.namespace, labels, annotations: { [EVALUATED_ROUTES_ANNOTATION]: JSON.stringify(this.routes) } },
            data: routeEvaluationsData(args.evaluations),
        }, parent);
        const key = (secret: string, k: string) => ({ valueFrom: { secretKeyRef: { name: secret, key: k } } });
        new k8s.core.v1.ServiceAccount(name, {
            metadata: { name: args.serviceAccount, namespace: args.namespace, labels },
            automountServiceAccountToken: false,
        }, parent);
        scriptJob(name, {
            jobName: `${name}-${hash}`,
            namespace: args.namespace,
            labels,
            // The deploy does not wait for the answers: the scores are read in Langfuse, and a
            // run that fails shows as a failed Job (kube-prometheus-stack's KubeJobFailed).
            annotations: { "pulumi.com/skipAwait": "true" },
            serviceAccount: args.serviceAccount,
            scheduling: args.scheduling,
            image: LITELLM_IMAGE,
            container: "evaluate",
            script: "/evaluations/evaluate.py",
            env: [
                { name: "GATEWAY_URL", value: args.gatewayUrl },
                { name: "GATEWAY_KEY", ...key(args.gatewayKey.secret, args.gatewayKey.key) },
                { name: "LANGFUSE_HOST", value: args.langfuseHost },
                { name: "LANGFUSE_PUBLIC_KEY", ...key(args.langfuseKeysSecret, "publicKey") },
                { name: "LANGFUSE_SECRET_KEY", ...key(args.langfuseKeysSecret, "secretKey") },
                { name: "RUN_NAME", value: `${args.stack}-${hash}` },
                { name: "STACK", value: args.stack },
            ],
            resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "128Mi" } },
            mounts: [{ name: "evaluations", mountPath: "/evaluations", source: { configMap: { name: files.metadata.name } } }],
            restartPolicy: "Never",
            // One attempt: a retry would add every item and score to the run again.
            backoffLimit: 0,
            activeDeadlineSeconds: 3600,
        }, parent);
        this.registerOutputs({ routes: this.routes });
    }
}
