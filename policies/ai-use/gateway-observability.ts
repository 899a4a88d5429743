import type { ResourceValidationPolicy } from "@pulumi/policy";
import { podWorkload } from "../kubernetes-pods";
import { componentOf, DEPLOYMENT, GATEWAY_COMPONENT, gatewayConfigOf, hostOf, isClusterHost, isGatewayConfigMap, objectLabel } from "./gateway-objects";
import { globMatches } from "./model-servers";

/**
 * Every call through the gateway is recorded in Langfuse, prompt and answer included: the record
 * is what an AI-use review, an incident or a data-subject request is answered from.
 * LiteLLM: `success_callback`/`failure_callback: ["langfuse"]`, or `callbacks: ["langfuse_otel"]`
 * (both outcomes); `turn_off_message_logging: true` redacts messages and responses from every
 * callback; credentials LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY, host LANGFUSE_HOST (LANGFUSE_OTEL_HOST
 * for the OTEL callback). Sources: docs.litellm.ai proxy/logging, observability/langfuse_otel_integration
 * (read 2026-11-25).
 */

export const LANGFUSE_CALLBACKS = ["langfuse", "langfuse_otel"];

const listAt = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

/** Paths under which `turn_off_message_logging` is set true, anywhere in the config. */
function messageLoggingOff(value: unknown, path: string): string[] {
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
        const here = Array.isArray(value) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
        return k === "turn_off_message_logging" && (v === true || String(v).toLowerCase() === "true") ? [here] : messageLoggingOff(v, here);
    });
}

export const gatewayTracesToLangfuse: ResourceValidationPolicy = {
    name: "gateway-traces-to-langfuse",
    description: "The LiteLLM config sends successful and failed calls to Langfuse, with prompts and answers (no turn_off_message_logging).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isGatewayConfigMap(args.type, args.props)) return;
        const config = gatewayConfigOf(args.props);
        if (config === undefined) return;
        const name = objectLabel(args.props, args.name);
        if (config instanceof Error) {
            report(`${name}: ${config.message}; fix the gateway config so its logging can be checked`);
            return;
        }
        const settings = config.raw.litellm_settings ?? {};
        const both = listAt(settings.callbacks);
        for (const field of ["success_callback", "failure_callback"]) {
            const given = [...listAt(settings[field]), ...both];
            if (given.some((c) => LANGFUSE_CALLBACKS.includes(c))) continue;
            report(
                `${name}: data["config.yaml"] litellm_settings.${field} is ${JSON.stringify(listAt(settings[field]))} and litellm_settings.callbacks names no Langfuse callback; ` +
                    `add "langfuse" to litellm_settings.${field} (or "langfuse_otel" to litellm_settings.callbacks) so every ${field === "success_callback" ? "answered" : "failed"} call is traced`,
            );
        }
        for (const path of messageLoggingOff(config.raw, "")) {
            report(`${name}: data["config.yaml"] ${path} is true, which strips prompts and answers from the Langfuse traces; remove it (mask fields in Langfuse instead if some must not be kept)`);
        }
    },
};

interface LangfuseCredentialsConfig {
    allowedLangfuseHosts: string[];
}

const isSecretRef = (e: Record<string, any> | undefined) => typeof e?.valueFrom?.secretKeyRef?.name === "string" && typeof e?.valueFrom?.secretKeyRef?.key === "string";

export const gatewayLangfuseCredentials: ResourceValidationPolicy = {
    name: "gateway-langfuse-credentials",
    description: "The gateway container points LANGFUSE_HOST at the in-cluster Langfuse and takes its Langfuse keys from Secrets.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedLangfuseHosts: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Langfuse hosts outside the cluster the traces (prompts and answers) may go to, as globs, e.g. a reviewed EU cloud region \"cloud.langfuse.com\".",
            },
        },
    },
    validateResource: (args, report) => {
        if (args.type !== DEPLOYMENT || componentOf(args.type, args.props) !== GATEWAY_COMPONENT) return;
        const pod = podWorkload(args.type, args.props);
        const containers = (pod?.containers ?? []).filter((c) => !c.init);
        const gateway = containers.find((c) => c.name === "litellm") ?? containers[0];
        const name = objectLabel(args.props, args.name);
        if (gateway === undefined) return;
        const env: Record<string, any>[] = Array.isArray(gateway.container.env) ? gateway.container.env : [];
        const find = (n: string) => env.find((e) => e?.name === n);
        const where = `${gateway.path} "${gateway.name}"`;

        const host = find("LANGFUSE_HOST") ?? find("LANGFUSE_OTEL_HOST");
        if (host === undefined || (host.value === undefined && host.valueFrom === undefined) || host.value === "") {
            report(`${name}: ${where} env has no LANGFUSE_HOST; set it to the in-cluster Langfuse URL (e.g. http://langfuse-web.langfuse.svc.cluster.local:3000), or LiteLLM sends traces to Langfuse Cloud`);
        } else if (typeof host.value === "string") {
            const h = hostOf(host.value);
            const allowed = args.getConfig<LangfuseCredentialsConfig>().allowedLangfuseHosts ?? [];
            if (!isClusterHost(h) && !allowed.some((p) => h !== undefined && globMatches(p, h))) {
                report(`${name}: ${where} env ${host.name} "${host.value}" is outside the cluster, so prompts and answers leave it; point it at the in-cluster Langfuse Service, or list the host in allowedLangfuseHosts after review`);
            }
        }
        for (const key of ["LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"]) {
            const e = find(key);
            if (isSecretRef(e)) continue;
            report(
                `${name}: ${where} env ${key} ${e === undefined ? "is missing" : "is not taken from a Secret"}; ` +
                    `set it with valueFrom.secretKeyRef to the Secret synced from Vault (the Langfuse callback cannot authenticate without it)`,
            );
        }
    },
};

export const gatewayObservabilityPolicies = [gatewayTracesToLangfuse, gatewayLangfuseCredentials];
