import * as YAML from "yaml";
import { podWorkload } from "../kubernetes-pods";

/**
 * How the AI-use rules find the inference objects among rendered Kubernetes resources and read
 * what they say: vLLM servers by their component label and command-line arguments, the LiteLLM
 * gateway by its component label, its `config.yaml` (YAML) and its `access.json` (teams and keys).
 * Config keys: docs.litellm.ai proxy/configs, proxy/reliability, router/api_reference/configuration
 * (read 2026-11-25).
 */

export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const VLLM_COMPONENT = "vllm";
export const GATEWAY_COMPONENT = "llm-gateway";
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const SERVICE = "kubernetes:core/v1:Service";
export const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
export const CONFIG_FILE = "config.yaml";
export const ACCESS_FILE = "access.json";

/** The component label on the object itself, or on its pod template. */
export function componentOf(type: string, props: Record<string, any>): string | undefined {
    return props?.metadata?.labels?.[COMPONENT_LABEL] ?? podWorkload(type, props ?? {})?.labels?.[COMPONENT_LABEL];
}

export const isVllmDeployment = (type: string, props: Record<string, any>) => type === DEPLOYMENT && componentOf(type, props) === VLLM_COMPONENT;
export const isGatewayConfigMap = (type: string, props: Record<string, any>) => type === CONFIG_MAP && componentOf(type, props) === GATEWAY_COMPONENT;

/** How a message names a Kubernetes object: `Deployment groundwork-inference/vllm-small`. */
export function objectLabel(props: Record<string, any>, fallbackName: string): string {
    const kind = props?.kind ?? "object";
    const ns = props?.metadata?.namespace;
    return `${kind} ${ns ? `${ns}/` : ""}${props?.metadata?.name ?? fallbackName}`;
}

/** The value of a command-line flag, given as `--flag value` or `--flag=value`. */
export function flagValue(argv: unknown[], flag: string): string | undefined {
    for (let i = 0; i < argv.length; i++) {
        const a = String(argv[i]);
        if (a === flag) return argv[i + 1] === undefined ? "" : String(argv[i + 1]);
        if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
    }
    return undefined;
}

/** One vLLM server container and the model it serves. */
export interface VllmContainer {
    /** e.g. `spec.template.spec.containers[0]` */
    path: string;
    argv: unknown[];
    model?: string;
    revision?: string;
    /** `--served-model-name`; vLLM answers to the model id when it is not given. */
    servedNames: string[];
}

/** The containers of a vLLM Deployment that run the server (their command line names `--model`, or they are called vllm). */
export function vllmContainers(type: string, props: Record<string, any>): VllmContainer[] {
    const pod = podWorkload(type, props);
    if (pod === undefined) return [];
    return pod.containers
        .filter((c) => !c.init)
        .map((c) => ({ c, argv: [...(c.container.command ?? []), ...(c.container.args ?? [])] as unknown[] }))
        .filter(({ c, argv }) => c.name === "vllm" || flagValue(argv, "--model") !== undefined)
        .map(({ c, argv }) => {
            const model = flagValue(argv, "--model");
            const served = flagValue(argv, "--served-model-name");
            return {
                path: c.path,
                argv,
                model,
                revision: flagValue(argv, "--revision"),
                servedNames: served ? served.split(/[\s,]+/).filter(Boolean) : model ? [model] : [],
            };
        });
}

/** One entry of the gateway's `model_list`. */
export interface ModelEntry {
    index: number;
    modelName: string;
    /** `litellm_params.model`, e.g. `hosted_vllm/small` or `openai/gpt-4o-mini`. */
    model: string;
    apiBase?: string;
    classification?: string;
    params: Record<string, any>;
}

export interface GatewayConfig {
    raw: Record<string, any>;
    models: ModelEntry[];
}

/** Parses `config.yaml` of a gateway ConfigMap; undefined when the ConfigMap carries none, an Error when it does not parse. */
export function gatewayConfigOf(props: Record<string, any>): GatewayConfig | Error | undefined {
    const text = props?.data?.[CONFIG_FILE];
    if (typeof text !== "string") return undefined;
    let raw: unknown;
    try {
        raw = YAML.parse(text);
    } catch (e) {
        return new Error(`data["${CONFIG_FILE}"] is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return new Error(`data["${CONFIG_FILE}"] is not a YAML mapping`);
    const list = Array.isArray((raw as any).model_list) ? (raw as any).model_list : [];
    const models: ModelEntry[] = list.map((e: any, index: number) => ({
        index,
        modelName: String(e?.model_name ?? ""),
        model: String(e?.litellm_params?.model ?? ""),
        apiBase: typeof e?.litellm_params?.api_base === "string" ? e.litellm_params.api_base : undefined,
        classification: e?.model_info?.groundwork_classification,
        params: e?.litellm_params ?? {},
    }));
    return { raw: raw as Record<string, any>, models };
}

/**
 * The parsed config of a gateway ConfigMap, for the rules that check a config that parses:
 * undefined for any other resource, for a ConfigMap without the file, and for a config that does
 * not parse (the rules that parse it report that).
 */
export function parsedGatewayConfig(type: string, props: Record<string, any>): GatewayConfig | undefined {
    if (!isGatewayConfigMap(type, props)) return undefined;
    const config = gatewayConfigOf(props);
    return config instanceof Error ? undefined : config;
}

/** The `vllm` provider prefix LiteLLM uses for an OpenAI-compatible vLLM server at `api_base` (docs.litellm.ai providers/vllm). */
export const IN_CLUSTER_PROVIDER = "hosted_vllm";

/** The host of a URL, or undefined. */
export function hostOf(url: string | undefined): string | undefined {
    if (url === undefined) return undefined;
    try {
        return new URL(url).hostname;
    } catch {
        return undefined;
    }
}

/**
 * A Service's in-cluster DNS name: `name` (same namespace), `name.ns.svc` or `name.ns.svc.cluster.local`.
 * `name.ns` is left out on purpose: it cannot be told apart from a public two-label domain.
 */
export function isClusterHost(host: string | undefined): boolean {
    return host !== undefined && (/^[a-z0-9-]+$/.test(host) || /^[a-z0-9-]+\.[a-z0-9-]+\.svc(\.cluster\.local)?$/.test(host));
}

/** Providers that speak to any OpenAI-compatible server at `api_base`: vLLM's own, and `openai/` with a base override. */
const OPENAI_COMPATIBLE = [IN_CLUSTER_PROVIDER, "openai"];

/** True when the entry's calls stay in the cluster: an OpenAI-compatible server addressed by its Service name. */
export function isInCluster(e: ModelEntry): boolean {
    return OPENAI_COMPATIBLE.some((p) => e.model.startsWith(`${p}/`)) && isClusterHost(hostOf(e.apiBase));
}

/** The provider prefix of `litellm_params.model`, or undefined when it has none. */
export function providerOf(e: ModelEntry): string | undefined {
    const slash = e.model.indexOf("/");
    return slash > 0 ? e.model.slice(0, slash) : undefined;
}

/**
 * Every fallback chain in the config, by kind. LiteLLM reads `fallbacks`,
 * `context_window_fallbacks` and `content_policy_fallbacks` as a list of `{model_name: [model_name, ...]}`
 * from router_settings (or litellm_settings), and `default_fallbacks` as a list that applies to every model.
 */
export const FALLBACK_KINDS = ["fallbacks", "context_window_fallbacks", "content_policy_fallbacks"] as const;

export interface FallbackEdge {
    /** e.g. `router_settings.fallbacks[0]` */
    path: string;
    from: string;
    to: string[];
    kind: string;
}

export function fallbackEdges(raw: Record<string, any>): FallbackEdge[] {
    const edges: FallbackEdge[] = [];
    for (const section of ["router_settings", "litellm_settings"]) {
        for (const kind of FALLBACK_KINDS) {
            const list = raw?.[section]?.[kind];
            if (!Array.isArray(list)) continue;
            list.forEach((item: unknown, i: number) => {
                if (item === null || typeof item !== "object") return;
                for (const [from, to] of Object.entries(item as Record<string, unknown>)) {
                    edges.push({ path: `${section}.${kind}[${i}]`, from, to: (Array.isArray(to) ? to : [to]).map(String), kind });
                }
            });
        }
    }
    return edges;
}

/** `default_fallbacks`: model names tried after any model group fails. */
export function defaultFallbacks(raw: Record<string, any>): { path: string; to: string[] }[] {
    return ["router_settings", "litellm_settings"]
        .filter((s) => Array.isArray(raw?.[s]?.default_fallbacks))
        .map((s) => ({ path: `${s}.default_fallbacks`, to: raw[s].default_fallbacks.map(String) }));
}


/** A team or key of `access.json`, with the path a message names. */
export interface AccessGrant {
    path: string;
    label: string;
    grant: Record<string, any>;
}

/** Parses `access.json` of a gateway ConfigMap; undefined when absent, an Error when it does not parse. */
export function accessGrantsOf(props: Record<string, any>): AccessGrant[] | Error | undefined {
    const text = props?.data?.[ACCESS_FILE];
    if (typeof text !== "string") return undefined;
    let access: any;
    try {
        access = JSON.parse(text);
    } catch (e) {
        return new Error(`data["${ACCESS_FILE}"] is not valid JSON: ${(e as Error).message}`);
    }
    const list = (field: "teams" | "keys", idField: string) =>
        (Array.isArray(access?.[field]) ? access[field] : []).map((grant: Record<string, any>, i: number) => ({
            path: `${field}[${i}]`,
            label: `${field === "teams" ? "team" : "key"} "${grant?.[idField] ?? `#${i}`}"`,
            grant: grant ?? {},
        }));
    return [...list("teams", "team_id"), ...list("keys", "key_alias")];
}
