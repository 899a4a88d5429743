import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE_TYPES } from "../helm-releases";

/*
 * Monitoring that covers the stack: every namespace that runs workloads is scraped, and every
 * alert rule says where its runbook is.
 *
 * A namespace is scraped when a ServiceMonitor or PodMonitor (monitoring.coreos.com/v1) reaches
 * it: its `namespaceSelector` has `any: true` or lists the namespace in `matchNames`, or, without
 * one, the monitor lives there (prometheus-operator/prometheus-operator@v0.93.0
 * pkg/prometheus/promcfg.go L2437-2446 `getNamespacesFromNamespaceSelector`). A monitor whose pod
 * selector requires the label Linkerd's injector puts on every meshed pod
 * (`linkerd.io/control-plane-ns`, linkerd/linkerd2@edge-26.8.3 pkg/k8s/labels.go L47) reaches only
 * meshed namespaces (annotated `linkerd.io/inject: enabled`), whatever its namespace selector.
 * A kube-prometheus-stack release scrapes its own namespace, `kube-system` (kubelet, CoreDNS),
 * `default` (the API server) and node-exporter's namespace (prometheus-community/helm-charts@
 * kube-prometheus-stack-88.5.3 templates/exporters/*, values prometheus-node-exporter.namespaceOverride);
 * a dcgm-exporter release its own (NVIDIA/dcgm-exporter@4.5.3-4.8.2 deployment/values.yaml
 * serviceMonitor.enabled, default true). In a real preview a Chart v4's monitors also appear as
 * its children and are read like ours. A namespace that cannot be scraped says why, in the
 * annotation `groundwork.dev/not-scraped`.
 */

export const NOT_SCRAPED_ANNOTATION = "groundwork.dev/not-scraped";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const MONITORS = ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "kubernetes:monitoring.coreos.com/v1:PodMonitor"];
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod", "ReplicaSet"];
const MESHED_POD_LABEL = "linkerd.io/control-plane-ns";

const isWorkload = (r: PolicyResource) => WORKLOAD_KINDS.some((kind) => r.type.endsWith(`:${kind}`) && r.type.startsWith("kubernetes:"));
const namespaceOf = (r: PolicyResource) => String(r.props.metadata?.namespace ?? "default");

/** Whether a monitor's pod or service selector takes only meshed pods. */
function meshedOnly(monitor: PolicyResource): boolean {
    const selector = monitor.props.spec?.selector ?? {};
    return MESHED_POD_LABEL in (selector.matchLabels ?? {})
        || (selector.matchExpressions ?? []).some((e: any) => e.key === MESHED_POD_LABEL && e.operator === "Exists");
}

/** What a monitor reaches: every namespace (`"*"`) or some, and whether only their meshed pods. */
function reach(monitor: PolicyResource): { namespaces: string[] | "*"; meshedOnly: boolean } {
    const selector = monitor.props.spec?.namespaceSelector;
    const namespaces = selector?.any === true ? "*" : (selector?.matchNames?.length ? selector.matchNames.map(String) : [namespaceOf(monitor)]);
    return { namespaces, meshedOnly: meshedOnly(monitor) };
}

/** Namespaces the charts' own monitors scrape. */
function chartScraped(release: PolicyResource): string[] {
    const chart = String(release.props.chart ?? "");
    const namespace = String(release.props.namespace ?? "default");
    const values = release.props.values ?? {};
    if (chart === "kube-prometheus-stack") {
        return [namespace, "kube-system", "default", String(values["prometheus-node-exporter"]?.namespaceOverride || namespace)];
    }
    if (chart === "dcgm-exporter" && values.serviceMonitor?.enabled !== false) return [namespace];
    return [];
}

/** Namespaces that run workloads and nothing scrapes, with the workload that shows it. */
export function unscrapedNamespaces(resources: PolicyResource[]): { namespace: string; workload: PolicyResource }[] {
    const namespaces = new Map(resources.filter((r) => r.type === NAMESPACE).map((r) => [String(r.props.metadata?.name ?? r.name), r]));
    const meshed = (ns: string) => namespaces.get(ns)?.props.metadata?.annotations?.["linkerd.io/inject"] === "enabled";
    const scraped = new Set<string>();
    let everywhere = false;
    let everyMeshed = false;
    for (const m of resources.filter((r) => MONITORS.includes(r.type))) {
        const { namespaces: reached, meshedOnly: onlyMeshed } = reach(m);
        if (reached === "*") {
            if (onlyMeshed) everyMeshed = true;
            else everywhere = true;
        } else {
            reached.filter((ns) => !onlyMeshed || meshed(ns)).forEach((ns) => scraped.add(ns));
        }
    }
    resources.filter((r) => HELM_RELEASE_TYPES.includes(r.type)).flatMap(chartScraped).forEach((ns) => scraped.add(ns));
    const out = new Map<string, PolicyResource>();
    for (const w of resources.filter(isWorkload)) {
        const ns = namespaceOf(w);
        const covered = everywhere || scraped.has(ns) || (everyMeshed && meshed(ns));
        const exempt = String(namespaces.get(ns)?.props.metadata?.annotations?.[NOT_SCRAPED_ANNOTATION] ?? "").trim() !== "";
        if (!covered && !exempt && !out.has(ns)) out.set(ns, w);
    }
    return [...out].map(([namespace, workload]) => ({ namespace, workload }));
}

export const namespacesScraped: StackValidationPolicy = {
    name: "namespace-scraped",
    description: "Every namespace that runs workloads is scraped by a ServiceMonitor or PodMonitor, or says why it cannot be.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const { namespace, workload } of unscrapedNamespaces(args.resources)) {
            report(`namespace ${namespace} runs workloads (${workload.type.split(":").pop()} ${workload.props.metadata?.name ?? workload.name}) that no ServiceMonitor or PodMonitor scrapes: ` +
                `add a monitor whose namespaceSelector reaches ${namespace} (meshed namespaces are reached by the Linkerd proxies' PodMonitor), or annotate the namespace ${NOT_SCRAPED_ANNOTATION}: <why it has nothing to scrape>`, workload.urn);
        }
    },
};

/** Problems with one alerting rule's runbook link, or undefined. */
export function runbookProblem(rule: { alert?: string; annotations?: Record<string, string> }): string | undefined {
    const url = rule.annotations?.runbook_url;
    if (url === undefined || url.trim() === "") return "has no runbook_url annotation";
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return `has runbook_url "${url}", which is not a URL`;
    }
    if (parsed.protocol !== "https:") return `has runbook_url "${url}", which is not https`;
    if (/\.(md|markdown|adoc|rst)$/i.test(parsed.pathname) && parsed.hash.length <= 1) {
        return `has runbook_url "${url}", a whole document: name the alert's section with #<anchor>`;
    }
    return undefined;
}

export const alertRulesNameRunbooks: StackValidationPolicy = {
    name: "alert-runbook",
    description: "Every alerting rule links its runbook: an https runbook_url, with the section's #anchor when it points into a document.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const r of args.resources.filter((x) => x.type === PROMETHEUS_RULE)) {
            for (const group of r.props.spec?.groups ?? []) {
                for (const rule of group.rules ?? []) {
                    if (rule.alert === undefined) continue; // A recording rule alerts nobody.
                    const problem = runbookProblem(rule);
                    if (problem) report(`PrometheusRule ${namespaceOf(r)}/${r.props.metadata?.name}: alert ${rule.alert} (group ${group.name}) ${problem}; on-call people need to know what it means and what to do`, r.urn);
                }
            }
        }
    },
};

export const monitoringPolicies: StackValidationPolicy[] = [namespacesScraped, alertRulesNameRunbooks];
