import { strict as assert } from "assert";
import { NOT_SCRAPED_ANNOTATION as COMPONENT_ANNOTATION } from "../../components/observability/scraper";
import { alertRulesNameRunbooks, namespacesScraped, NOT_SCRAPED_ANNOTATION, runbookProblem } from "../../policies/reliability/monitoring";
import { reliabilityPolicies } from "../../policies/reliability/policies";
import { DEPLOYMENT, messages, record } from "./harness";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

const namespace = (name: string, annotations: Record<string, string> = {}) => record(NAMESPACE, { metadata: { name, annotations } }, name);
const meshedNamespace = (name: string) => namespace(name, { "linkerd.io/inject": "enabled" });
const workload = (ns: string, name = "app") => record(DEPLOYMENT, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: ns }, spec: {} }, `${ns}-${name}`);
const monitor = (type: string, ns: string, spec: Record<string, any>) => record(type, { metadata: { name: "m", namespace: ns }, spec }, `${ns}-m-${JSON.stringify(spec).length}`);
const proxies = monitor(POD_MONITOR, "linkerd", { namespaceSelector: { any: true }, selector: { matchExpressions: [{ key: "linkerd.io/control-plane-ns", operator: "Exists" }] }, podMetricsEndpoints: [{ port: "linkerd-admin" }] });
const kps = record("kubernetes:helm.sh/v4:Chart", { chart: "kube-prometheus-stack", name: "monitoring", namespace: "groundwork-observability", values: { "prometheus-node-exporter": { namespaceOverride: "groundwork-node-metrics" } } }, "monitoring");

describe("namespace-scraped", () => {
    it("is in the reliability pack, reading the annotation the components write", () => {
        assert.ok(reliabilityPolicies.includes(namespacesScraped) && reliabilityPolicies.includes(alertRulesNameRunbooks));
        assert.equal(COMPONENT_ANNOTATION, NOT_SCRAPED_ANNOTATION, "the pack depends on no component: its own copy must match");
    });

    it("passes namespaces reached by a monitor: in place, by matchNames, meshed ones by the proxies' PodMonitor, the chart's own, or exempt with a reason", async () => {
        assert.deepEqual(await messages(namespacesScraped, [
            meshedNamespace("groundwork-inference"), workload("groundwork-inference"), proxies,
            namespace("cert-manager"), workload("cert-manager"), monitor(POD_MONITOR, "groundwork-observability", { namespaceSelector: { matchNames: ["cert-manager"] }, selector: {} }),
            namespace("kured"), workload("kured"), monitor(POD_MONITOR, "kured", { selector: {} }),
            kps, workload("kube-system", "coredns"), workload("groundwork-node-metrics", "node-exporter"), workload("groundwork-observability", "grafana"),
            namespace("system-upgrade", { "groundwork.dev/not-scraped": "the upgrade controller exposes no metrics; node versions come from kube-state-metrics" }), workload("system-upgrade"),
        ]), []);
    });

    it("fails an unmeshed namespace the proxies' monitor cannot reach, a monitor elsewhere without a selector, and an empty exemption", async () => {
        const found = await messages(namespacesScraped, [
            namespace("kured"), workload("kured"), proxies,
            namespace("cert-manager"), workload("cert-manager"), monitor(SERVICE_MONITOR, "groundwork-observability", { selector: {} }),
            namespace("system-upgrade", { "groundwork.dev/not-scraped": " " }), workload("system-upgrade"),
        ]);
        assert.equal(found.length, 3, found.join("\n"));
        assert.match(found[0], /^namespace kured runs workloads \(Deployment app\) that no ServiceMonitor or PodMonitor scrapes/);
        assert.match(found[1], /namespace cert-manager/);
        assert.match(found[2], /annotate the namespace groundwork\.dev\/not-scraped/);
    });

    it("a monitor reaching every namespace with any pod covers unmeshed ones too", async () => {
        assert.deepEqual(await messages(namespacesScraped, [namespace("kured"), workload("kured"), monitor(POD_MONITOR, "groundwork-observability", { namespaceSelector: { any: true }, selector: {} })]), []);
    });
});

describe("alert-runbook", () => {
    const rule = (annotations: Record<string, string> | undefined, alert: string | undefined = "VaultSealed") =>
        record(RULE, { metadata: { name: "groundwork", namespace: "groundwork-observability" }, spec: { groups: [{ name: "g", rules: [{ alert, expr: "up == 0", ...(annotations && { annotations }) }] }] } }, `rule-${alert}-${JSON.stringify(annotations)}`);

    it("passes a section of a README, a runbook page, and a recording rule without one", async () => {
        assert.deepEqual(await messages(alertRulesNameRunbooks, [
            rule({ runbook_url: "https://git.example/platform/blob/main/README.md#vaultsealed" }),
            rule({ runbook_url: "https://runbooks.prometheus-operator.dev/runbooks/general/targetdown" }, "TargetDown"),
            record(RULE, { metadata: { name: "rec", namespace: "o" }, spec: { groups: [{ name: "r", rules: [{ record: "job:up:sum", expr: "sum by (job) (up)" }] }] } }, "rec"),
        ]), []);
    });

    it("fails a rule without a runbook, one that is not https, not a URL, or a whole document", async () => {
        const found = await messages(alertRulesNameRunbooks, [
            rule(undefined, "A"), rule({ runbook_url: "http://wiki/x" }, "B"), rule({ runbook_url: "see the wiki" }, "C"), rule({ runbook_url: "https://git.example/README.md" }, "D"),
        ]);
        assert.deepEqual(found.map((m) => m.replace(/; on-call.*/, "")), [
            "PrometheusRule groundwork-observability/groundwork: alert A (group g) has no runbook_url annotation",
            "PrometheusRule groundwork-observability/groundwork: alert B (group g) has runbook_url \"http://wiki/x\", which is not https",
            "PrometheusRule groundwork-observability/groundwork: alert C (group g) has runbook_url \"see the wiki\", which is not a URL",
            "PrometheusRule groundwork-observability/groundwork: alert D (group g) has runbook_url \"https://git.example/README.md\", a whole document: name the alert's section with #<anchor>",
        ]);
        assert.equal(runbookProblem({ annotations: { runbook_url: "https://git.example/README.md#" } })?.includes("whole document"), true);
    });
});
