import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { SCRIPT_HTTP_CLIENT, scriptJob } from "./script-job";
import { Scheduling } from "../placement";
import { LITELLM_IMAGE } from "./llm-gateway";

/** One prompt as a stack serves it (stacks/config/prompt-files.ts makes these from the repository's files). */
/**
 * The prompt library's ConfigMap data: the prompts as the Job publishes them, and its script. A
 * ConfigMap holds at most 1 MiB (CONFIGMAP_MAX_BYTES), which the stack checks before making it.
 */
export function promptLibraryData(prompts: PromptVersion[]): Record<string, string> {
    return { "prompts.json": JSON.stringify(prompts.map(({ route: _route, ...body }) => body), null, 2), "provision_prompts.py": PROMPTS_SCRIPT };
}

/** What the API server takes in one ConfigMap's data: 1 MiB (kubernetes pkg/apis/core/validation ValidateConfigMap, MaxSecretSize). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/** The bytes a ConfigMap's data takes, as the API server counts them (keys and values). */
export const configMapBytes = (data: Record<string, string>): number => Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

export interface PromptVersion {
    name: string;
    type: "text" | "chat";
    prompt: string | { role: string; content: string }[];
    /** Model parameters, `model` being the route. */
    config: Record<string, unknown>;
    route: string;
}

/** States, on the library's ConfigMap, which route each prompt serves: what the ai-use pack checks evaluations against. */
export const PROMPT_ROUTES_ANNOTATION = "groundwork.dev/prompt-routes";

/**
 * Brings Langfuse's prompts in line with `/prompts/prompts.json`, through Langfuse's public prompt
 * API with the project's keys (Basic auth). It never prints a key. Python from the LiteLLM image:
 * no other image to pin.
 *
 * What Langfuse does (langfuse/langfuse@v3.224.1, read 2026-11-28):
 * - `GET /api/public/v2/prompts/{name}?label=L` returns the version carrying label L, or 404
 *   (web/src/features/prompts/server/handlers/promptNameHandler.ts); the name is one path segment,
 *   so folder names are URL-encoded;
 * - `POST /api/public/v2/prompts` creates version latest+1 with the labels given plus `latest`,
 *   and takes those labels off every older version (actions/createPrompt.ts L88-111, L172-185);
 *   a changed type is refused with 400 (L93-97);
 * - `PATCH /api/public/v2/prompts/{name}/versions/{v}` `{newLabels}` adds labels and moves them
 *   off other versions; labels cannot be removed through the API (actions/updatePrompts.ts L53-62);
 * - `GET /api/public/health` answers 200 once web is up (web/src/pages/api/public/health.ts).
 * A version is created only when the file differs from the version labelled with the stack, so
 * a deploy with no prompt change leaves Langfuse as it is.
 */
export const PROMPTS_SCRIPT = `${SCRIPT_HTTP_CLIENT}
import base64, os, urllib.parse

BASE = os.environ["LANGFUSE_HOST"].rstrip("/")
LABEL = os.environ["PROMPT_LABEL"]
PROMPTS_FILE = os.environ.get("PROMPTS_FILE", "/prompts/prompts.json")
LABELS = [LABEL] if LABEL == "production" else [LABEL, "production"]
AUTH = "Basic " + base64.b64encode((os.environ["LANGFUSE_PUBLIC_KEY"] + ":" + os.environ["LANGFUSE_SECRET_KEY"]).encode()).decode()


def call(path, body=None, method=None):
    return request(BASE, AUTH, path, body, method)


def prompt_path(name):
    return "/api/public/v2/prompts/" + urllib.parse.quote(name, safe="")


def live_version(name):
    try:
        return call(prompt_path(name) + "?label=" + urllib.parse.quote(LABEL) + "&resolve=false")
    except ApiError as error:
        if error.status == 404:
            return None
        raise


def same(live, want):
    return live.get("type") == want["type"] and live.get("prompt") == want["prompt"] and (live.get("config") or {}) == want["config"]


def main():
    wait_ready("Langfuse", lambda: call("/api/public/health"))
    with open(PROMPTS_FILE) as f:
        prompts = json.load(f)
    failed = []
    for want in prompts:
        name = want["name"]
        try:
            live = live_version(name)
            if live is not None and same(live, want):
                missing = [label for label in LABELS if label not in live.get("labels", [])]
                if missing:
                    call(prompt_path(name) + "/versions/%d" % live["version"], {"newLabels": missing}, "PATCH")
                    print("%s: version %d labelled %s again" % (name, live["version"], ", ".join(missing)))
                else:
                    print("%s: unchanged (version %d)" % (name, live["version"]))
                continue
            if live is not None and live.get("type") != want["type"]:
                failed.append("%s: Langfuse keeps it as a %s prompt and cannot change its type to %s; give the %s prompt a new name" % (name, live.get("type"), want["type"], want["type"]))
                continue
            created = call("/api/public/v2/prompts", {
                "name": name, "type": want["type"], "prompt": want["prompt"], "config": want["config"],
                "labels": LABELS, "tags": ["groundwork"], "commitMessage": "provisioned by Groundwork for stack " + LABEL,
            })
            print("%s: version %d now serves %s" % (name, created["version"], ", ".join(LABELS)))
        except ApiError as error:
            failed.append("%s: %s" % (name, error))
    wanted = {p["name"] for p in prompts}
    page, pages = 1, 1
    while page <= pages:
        listing = call("/api/public/v2/prompts?label=%s&limit=100&page=%d" % (urllib.parse.quote(LABEL), page))
        pages = (listing.get("meta") or {}).get("totalPages", 1)
        for item in listing.get("data", []):
            if item.get("name") not in wanted:
                # Labels cannot be taken off through the API; deleting would lose the version's history.
                print("%s: no longer in the repository but still labelled %s; delete it in Langfuse to retire it" % (item.get("name"), LABEL))
        page += 1
    if failed:
        sys.exit("\\n".join(failed))


main()
`;

export interface PromptLibraryArgs {
    namespace: pulumi.Input<string>;
    /** The Job's own service account, made here, which Langfuse's web must admit in the mesh; no other server does (security review s25 F2). */
    serviceAccount: string;
    /** Langfuse's in-cluster URL. */
    langfuseHost: string;
    /** The Secret (synced from Vault) with the project's `publicKey` and `secretKey`. */
    langfuseKeysSecret: string;
    /** The label this stack's prompts carry beside `production`: the stack's name. */
    label: string;
    prompts: PromptVersion[];
    scheduling: Scheduling;
}

/**
 * The stack's prompts, from the repository's `prompts/` files, in Langfuse's prompt management:
 * a Job whose name follows the prompts' content creates a new version of each changed prompt,
 * labelled with the stack and `production`. Applications fetch a prompt by name (and label).
 */
export class PromptLibrary extends pulumi.ComponentResource {
    /** The prompts it serves and the route each is written for. */
    public readonly routes: Record<string, string>;

    constructor(name: string, args: PromptLibraryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:inference:PromptLibrary", name, {}, opts);
        const parent = { parent: this };
        const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "prompt-library" };
        this.routes = Object.fromEntries(args.prompts.map((p) => [p.name, p.route]));
        const prompts = promptLibraryData(args.prompts)["prompts.json"];
        const contentHash = createHash("sha256").update(prompts).update(PROMPTS_SCRIPT).update(args.label).digest("hex").slice(0, 10);

        const files = new k8s.core.v1.ConfigMap(name, {
            metadata: { name, namespace: args.namespace, labels, annotations: { [PROMPT_ROUTES_ANNOTATION]: JSON.stringify(this.routes) } },
            data: promptLibraryData(args.prompts),
        }, parent);
        const key = (k: string) => ({ valueFrom: { secretKeyRef: { name: args.langfuseKeysSecret, key: k } } });
        new k8s.core.v1.ServiceAccount(name, {
            metadata: { name: args.serviceAccount, namespace: args.namespace, labels },
            automountServiceAccountToken: false,
        }, parent);
        scriptJob(name, {
            jobName: `${name}-${contentHash}`,
            namespace: args.namespace,
            labels,
            serviceAccount: args.serviceAccount,
            scheduling: args.scheduling,
            image: LITELLM_IMAGE,
            container: "provision",
            script: "/prompts/provision_prompts.py",
            env: [
                { name: "LANGFUSE_HOST", value: args.langfuseHost },
                { name: "PROMPT_LABEL", value: args.label },
                { name: "LANGFUSE_PUBLIC_KEY", ...key("publicKey") },
                { name: "LANGFUSE_SECRET_KEY", ...key("secretKey") },
            ],
            resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "128Mi" } },
            mounts: [{ name: "prompts", mountPath: "/prompts", source: { configMap: { name: files.metadata.name } } }],
            restartPolicy: "OnFailure",
            backoffLimit: 4,
        }, parent);
        this.registerOutputs({ routes: this.routes });
    }
}
