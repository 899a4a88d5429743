import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { podWorkload } from "../kubernetes-pods";
import { componentOf, gatewayConfigOf, hostOf, IN_CLUSTER_PROVIDER, isGatewayConfigMap, isInCluster, isVllmDeployment, ModelEntry, objectLabel, SERVICE, VLLM_COMPONENT, vllmContainers } from "./gateway-objects";

/**
 * The gateway is the only way to a model: it is where keys, budgets, rate limits, data
 * classification and tracing are enforced. These stack rules look across objects: which Services
 * select vLLM pods, what Ingresses and Gateway API routes point at, which servers the gateway routes to.
 */

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
/** Gateway API route kinds carry `spec.rules[].backendRefs[]` (gateway-api.sigs.k8s.io/reference/spec, read 2026-11-25). */
const GATEWAY_API_PREFIX = "kubernetes:gateway.networking.k8s.io/";

const namespaceOf = (r: PolicyResource) => r.props?.metadata?.namespace ?? "default";
const nameOf = (r: PolicyResource) => String(r.props?.metadata?.name ?? r.name);

interface VllmPods {
    resource: PolicyResource;
    namespace: string;
    labels: Record<string, string>;
}

/** Pod workloads that run vLLM: labelled component vllm on the object or its pod template. */
function vllmWorkloads(resources: PolicyResource[]): VllmPods[] {
    return resources.flatMap((r) => {
        const pod = podWorkload(r.type, r.props ?? {});
        if (pod === undefined || componentOf(r.type, r.props) !== VLLM_COMPONENT) return [];
        return [{ resource: r, namespace: pod.namespace, labels: pod.labels }];
    });
}

/** A Service selects a workload's pods when every selector label is on the pods, in the same namespace. */
function selects(service: PolicyResource, pods: VllmPods): boolean {
    const selector: Record<string, string> | undefined = service.props?.spec?.selector;
    if (selector === undefined || Object.keys(selector).length === 0 || namespaceOf(service) !== pods.namespace) return false;
    return Object.entries(selector).every(([k, v]) => pods.labels[k] === v);
}

/** Services in front of vLLM pods: labelled component vllm, or selecting a vLLM workload's pods. */
function vllmServices(resources: PolicyResource[], pods: VllmPods[]): PolicyResource[] {
    return resources.filter((r) => r.type === SERVICE && (componentOf(r.type, r.props) === VLLM_COMPONENT || pods.some((p) => selects(r, p))));
}

export const vllmOnlyBehindGateway: StackValidationPolicy = {
    name: "vllm-only-behind-gateway",
    description: "vLLM servers are reachable only inside the cluster: their Services are ClusterIP without externalIPs, and no Ingress or Gateway API route points at them.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const pods = vllmWorkloads(args.resources);
        const services = vllmServices(args.resources, pods);
        const fix = "applications call the LiteLLM gateway, which enforces keys, budgets, limits and tracing";
        for (const s of services) {
            const type = s.props?.spec?.type ?? "ClusterIP";
            const label = objectLabel(s.props, s.name);
            if (type !== "ClusterIP") {
                report(`${label} selects vLLM pods but spec.type is "${type}", which exposes the model server outside the cluster; set spec.type: ClusterIP (${fix})`, s.urn);
            }
            const external = s.props?.spec?.externalIPs;
            if (Array.isArray(external) && external.length > 0) {
                report(`${label} selects vLLM pods and sets spec.externalIPs ${JSON.stringify(external)}; remove them (${fix})`, s.urn);
            }
        }
        const byName = new Map(services.map((s) => [`${namespaceOf(s)}/${nameOf(s)}`, s]));
        const targetOf = (ns: string, name: unknown) => (typeof name === "string" ? byName.get(`${ns}/${name}`) : undefined);
        for (const r of args.resources) {
            const ns = namespaceOf(r);
            const label = objectLabel(r.props, r.name);
            if (r.type === INGRESS) {
                const backends: [string, any][] = [["spec.defaultBackend", r.props?.spec?.defaultBackend]];
                (r.props?.spec?.rules ?? []).forEach((rule: any, i: number) =>
                    (rule?.http?.paths ?? []).forEach((p: any, j: number) => backends.push([`spec.rules[${i}].http.paths[${j}].backend`, p?.backend])));
                for (const [path, backend] of backends) {
                    const target = targetOf(ns, backend?.service?.name);
                    if (target) report(`${label} ${path} routes to the vLLM Service "${nameOf(target)}"; point it at the LiteLLM gateway's Service instead (${fix})`, r.urn);
                }
            } else if (r.type.startsWith(GATEWAY_API_PREFIX)) {
                (r.props?.spec?.rules ?? []).forEach((rule: any, i: number) =>
                    (rule?.backendRefs ?? []).forEach((ref: any, j: number) => {
                        if ((ref?.kind ?? "Service") !== "Service" || (ref?.group ?? "") !== "") return;
                        const target = targetOf(ref?.namespace ?? ns, ref?.name);
                        if (target) report(`${label} spec.rules[${i}].backendRefs[${j}] routes to the vLLM Service "${nameOf(target)}"; point it at the LiteLLM gateway's Service instead (${fix})`, r.urn);
                    }));
            }
        }
    },
};

/** Every in-cluster route of every gateway config in the stack. */
function gatewayRoutes(resources: PolicyResource[]): { configMap: PolicyResource; entry: ModelEntry }[] {
    return resources.flatMap((r) => {
        if (!isGatewayConfigMap(r.type, r.props)) return [];
        const config = gatewayConfigOf(r.props);
        if (config === undefined || config instanceof Error) return [];
        return config.models.map((entry) => ({ configMap: r, entry }));
    });
}

/** The Service name an api_base addresses (`http://<service>.<ns>.svc...`), and its namespace when given. */
function serviceOf(entry: ModelEntry, defaultNamespace: string): { name: string; namespace: string } | undefined {
    const host = hostOf(entry.apiBase);
    if (host === undefined) return undefined;
    const [name, namespace] = host.split(".");
    return { name, namespace: namespace ?? defaultNamespace };
}

const servedBy = (entry: ModelEntry, served: string) => entry.model === `${IN_CLUSTER_PROVIDER}/${served}`;

export const everyModelBehindGateway: StackValidationPolicy = {
    name: "every-model-behind-gateway",
    description: "Every vLLM server's served model name is the target of a gateway route addressed to one of its Services: no model server bypasses governance.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const routes = gatewayRoutes(args.resources);
        const pods = vllmWorkloads(args.resources);
        const services = vllmServices(args.resources, pods);
        for (const p of pods) {
            const r = p.resource;
            if (!isVllmDeployment(r.type, r.props)) continue;
            const serviceNames = services.filter((s) => selects(s, p)).map((s) => `${namespaceOf(s)}/${nameOf(s)}`);
            for (const c of vllmContainers(r.type, r.props)) {
                for (const served of c.servedNames) {
                    const candidates = routes.filter((x) => servedBy(x.entry, served) && isInCluster(x.entry));
                    const reached = candidates.some((x) => {
                        const svc = serviceOf(x.entry, namespaceOf(x.configMap));
                        return svc !== undefined && serviceNames.includes(`${svc.namespace}/${svc.name}`);
                    });
                    if (reached) continue;
                    const label = objectLabel(r.props, r.name);
                    report(
                        candidates.length === 0
                            ? `${label} serves "${served}" (${c.path} --served-model-name) but no gateway config.yaml model_list entry routes to "${IN_CLUSTER_PROVIDER}/${served}"; add a route for it to the LiteLLM gateway, or remove the server`
                            : `${label} serves "${served}" but the gateway routes for "${IN_CLUSTER_PROVIDER}/${served}" address api_base ${candidates.map((x) => `"${x.entry.apiBase}"`).join(", ")}, none of them a Service of this Deployment (${serviceNames.join(", ") || "it has none"}); point api_base at http://<service>.<namespace>.svc.cluster.local:8000/v1 of this server`,
                        r.urn,
                    );
                }
            }
        }
    },
};

export const gatewayRoutesHaveServers: StackValidationPolicy = {
    name: "gateway-routes-have-servers",
    description: "Every in-cluster gateway route names a vLLM Deployment's served model name and one of its Services in the same stack.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const pods = vllmWorkloads(args.resources);
        const services = vllmServices(args.resources, pods);
        for (const { configMap, entry } of gatewayRoutes(args.resources)) {
            if (!entry.model.startsWith(`${IN_CLUSTER_PROVIDER}/`) || !isInCluster(entry)) continue;
            const served = entry.model.slice(IN_CLUSTER_PROVIDER.length + 1);
            const svc = serviceOf(entry, namespaceOf(configMap))!;
            const service = services.find((s) => nameOf(s) === svc.name && namespaceOf(s) === svc.namespace);
            const label = `${objectLabel(configMap.props, configMap.name)}: data["config.yaml"] model_list[${entry.index}] ("${entry.modelName}")`;
            if (service === undefined) {
                report(`${label} api_base "${entry.apiBase}" addresses Service ${svc.namespace}/${svc.name}, which is no Service of a vLLM server in this stack; point it at the server's Service`, configMap.urn);
                continue;
            }
            const servers = pods.filter((p) => selects(service, p));
            if (!servers.some((p) => vllmContainers(p.resource.type, p.resource.props).some((c) => c.servedNames.includes(served)))) {
                report(`${label} asks ${svc.namespace}/${svc.name} for "${served}", but the vLLM server behind it serves ${JSON.stringify(servers.flatMap((p) => vllmContainers(p.resource.type, p.resource.props).flatMap((c) => c.servedNames)))}; use the server's --served-model-name`, configMap.urn);
            }
        }
    },
};

export const gatewayCoveragePolicies = [vllmOnlyBehindGateway, everyModelBehindGateway, gatewayRoutesHaveServers];
