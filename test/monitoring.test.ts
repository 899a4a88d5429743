import { policyInput } from "../plan/rendered-workloads";
import { strict as assert } from "assert";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { grafanaRoleExpression } from "../components/observability/monitoring";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jmespath: { search: (data: unknown, expression: string) => unknown } = require("jmespath");
import { staleAfterHours } from "../stacks/monitoring";
import { committedPlan, parse, planFixture, problems, stackValues, vaultSecretAt } from "./helpers";
import { promql } from "./validators";

const docsOf = (plan: PlanResult) => kubernetesDocuments(plan.resources) as any[];
const find = (docs: any[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata?.name === name);

const withMonitoring = (monitoring: Record<string, unknown>) => ({ ...stackValues("dev"), monitoring });
const RUNBOOKS = "https://git.example/platform/blob/main/README.md";

describe("monitoring and alerts", function () {
    const plans: Record<string, PlanResult> = {};
    before(async () => {
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) plans[stack] = await committedPlan(stack);
    });

    describe("in every stack's plan", () => {
        for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
            it(`${stack}: kube-prometheus-stack, Groundwork's alert rules with runbooks, dashboards and scrape targets`, () => {
                const docs = docsOf(plans[stack]);
                const release = docs.find((d) => d.kind === "HelmRelease" && d.spec.chart === "kube-prometheus-stack");
                assert.deepEqual([release.metadata.name, release.metadata.namespace, release.spec.version], ["monitoring", "groundwork-observability", "88.5.3"]);
                const rule = find(docs, "PrometheusRule", "groundwork");
                const alerts = rule.spec.groups.flatMap((g: any) => g.rules);
                const runbooks = stackValues(stack).monitoring.alerts.runbookUrl;
                for (const a of alerts) {
                    assert.ok(promql(a.expr).ok, `${a.alert}: ${promql(a.expr).output}`);
                    assert.equal(a.annotations.runbook_url, `${runbooks}#${a.alert.toLowerCase()}`);
                }
                const names = alerts.map((a: any) => a.alert);
                for (const always of ["NodeDown", "VaultSealed", "VaultBackupStale", "QdrantBackupStale", "ClickHouseBackupStale", "EtcdSnapshotStale", "PostgresBackupStale", "CertificateExpiringSoon", "VolumeAlmostFull"]) {
                    assert.ok(names.includes(always), `${stack} has no ${always}`);
                }
                for (const withModels of ["GatewayErrorRateHigh", "GatewayLatencyHigh", "TeamBudgetNearlySpent"]) assert.ok(names.includes(withModels), `${stack}: ${withModels}`);
                assert.equal(names.includes("GpuNodeIdle"), stack === "cloud" || stack === "hybrid", "only stacks with GPU nodes alert on idle GPUs");
                const dashboards = docs.filter((d) => d.kind === "ConfigMap" && d.metadata.labels?.grafana_dashboard === "1");
                assert.deepEqual(dashboards.map((d) => d.metadata.name).sort(), ["dashboard-groundwork-inference", "dashboard-groundwork-platform", "dashboard-groundwork-spend"]);
                for (const d of dashboards) {
                    const model = JSON.parse(Object.values(d.data)[0] as string);
                    for (const target of model.panels.flatMap((p: any) => p.targets)) assert.ok(promql(target.expr).ok, `${model.uid}: ${target.expr}`);
                }
                const monitors = docs.filter((d) => d.kind === "PodMonitor").map((d) => d.metadata.name);
                for (const m of ["linkerd-proxies", "linkerd-control-plane", "postgres", "cert-manager", "vllm", "llm-gateway"]) assert.ok(monitors.includes(m), `${stack}: PodMonitor ${m}`);
            });

            it(`${stack}: the gateway keys' rotation alerts, in a rule written only once the period's keys are in the gateway (security review s27 F7)`, () => {
                const keys = find(docsOf(plans[stack]), "PrometheusRule", "groundwork-gateway-keys");
                assert.deepEqual(keys.spec.groups.map((g: any) => g.rules.map((r: any) => r.alert)), [["GatewayKeysRotationOverdue", "GatewayKeysExpiringSoon"]]);
                for (const a of keys.spec.groups[0].rules) assert.ok(promql(a.expr).ok, a.alert);
                assert.ok(!find(docsOf(plans[stack]), "PrometheusRule", "groundwork").spec.groups.some((g: any) => g.name === "groundwork.gateway-keys"));
                const rule = plans[stack].resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && (r.inputs.metadata as any).name === "groundwork-gateway-keys")!;
                const accessJob = plans[stack].resources.find((r) => r.type === "kubernetes:batch/v1:Job" && r.name === "llm-gateway-access")!;
                assert.ok(accessJob, "the gateway's access Job, which provisions the keys");
                assert.ok(rule.dependencies.includes(accessJob.urn), `${stack}: the rule waits for the keys`);
            });
        }

        it("scrapes GPUs with NVIDIA's DCGM exporter where GPU nodes run, once the monitoring CRDs exist", () => {
            const cloud = docsOf(plans.cloud);
            const dcgm = cloud.find((d) => d.kind === "HelmRelease" && d.spec.chart === "dcgm-exporter");
            assert.deepEqual([dcgm.metadata.namespace, dcgm.spec.version, dcgm.spec.repo], ["nvidia-device-plugin", "4.8.2", "https://nvidia.github.io/dcgm-exporter/helm-charts"]);
            assert.equal(dcgm.spec.values.runtimeClassName, "nvidia");
            // Root for the kubelet's socket, no capability: SYS_ADMIN only serves the profiling metrics nothing reads (review s14 L2).
            assert.deepEqual(dcgm.spec.values.securityContext, { runAsNonRoot: false, runAsUser: 0, capabilities: { add: [], drop: ["ALL"] }, allowPrivilegeEscalation: false });
            const workloads = JSON.parse(JSON.stringify(policyInput(plans.cloud.resources, undefined).records)) as { props: any }[];
            const exporter = workloads.find((w) => w.props?.kind === "DaemonSet" && w.props.metadata?.name === "dcgm-exporter")!;
            assert.deepEqual(exporter.props.spec.template.spec.containers[0].securityContext.capabilities, { add: [], drop: ["ALL"] }, "the model renders what the chart would");
            assert.ok(!docsOf(plans.dev).some((d) => d.kind === "HelmRelease" && d.spec.chart === "dcgm-exporter"), "dev has no GPU");
            const release = plans.cloud.resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.name === "nvidia-dcgm-exporter")!;
            const kps = plans.cloud.resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.name === "monitoring")!;
            assert.ok(release.dependencies.includes(kps.urn), "the exporter's ServiceMonitor waits for the CRDs kube-prometheus-stack installs");
        });
    });

    it("gives Grafana a Role that reads ConfigMaps and no Secrets, bound by the chart (chart-models review s22b F4)", async () => {
        const docs = kubernetesDocuments((await committedPlan("dev")).resources) as any[];
        const role = docs.find((d) => d.kind === "Role" && d.metadata.name === "grafana-configmaps");
        assert.deepEqual([role.metadata.namespace, role.rules], ["groundwork-observability", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "watch", "list"] }]]);
        const grafana = docs.find((d) => d.kind === "HelmRelease" && d.spec.chart === "kube-prometheus-stack").spec.values.grafana;
        assert.deepEqual(grafana.rbac, { namespaced: true, useExistingRole: "grafana-configmaps" });
        assert.deepEqual([grafana.sidecar.dashboards.resource, grafana.sidecar.datasources.resource], ["configmap", "configmap"], "the sidecars read ConfigMaps alone");
    });

    it("runs node-exporter on its own network and PIDs, within its namespace's policies, scraped on 9100 by Prometheus alone", () => {
        for (const stack of ["dev", "cloud"]) {
            const docs = docsOf(plans[stack]);
            const values = docs.find((d) => d.kind === "HelmRelease" && d.spec.chart === "kube-prometheus-stack").spec.values["prometheus-node-exporter"];
            assert.deepEqual([values.hostNetwork, values.hostPID], [false, false]);
            const allow = find(docs, "NetworkPolicy", "allow-monitoring-node-exporter");
            assert.equal(allow.metadata.namespace, "groundwork-node-metrics");
            assert.deepEqual(allow.spec, {
                podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus-node-exporter" } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "groundwork-observability" } } }], ports: [{ port: 9100, protocol: "TCP" }] }],
            });
            // kube-state-metrics keeps every default collector but `secrets`, whose rule lists every Secret (security review s18 L1).
            const ksm = docs.find((d) => d.kind === "HelmRelease" && d.spec.chart === "kube-prometheus-stack").spec.values["kube-state-metrics"];
            assert.ok(!ksm.collectors.includes("secrets") && ksm.collectors.includes("pods") && ksm.collectors.length === 27, JSON.stringify(ksm.collectors));
            const egress = find(docs, "NetworkPolicy", "allow-prometheus-nodes-egress");
            assert.deepEqual(egress.spec.egress.map((e: any) => e.ports), [[{ port: 10250, protocol: "TCP" }]], `${stack}: Prometheus reaches nodes only for their kubelets`);
        }
    });

    describe("alerts reach the receiver, and its secret never leaves Vault", () => {
        const receiverIn = (stack: string) => docsOf(plans[stack]).find((d) => d.kind === "HelmRelease" && d.spec.chart === "kube-prometheus-stack")
            .spec.values.alertmanager.config.receivers.find((r: any) => r.name === "groundwork");

        it("Slack, Teams or Alertmanager's own webhook: each reads its URL from a file, never from the config", () => {
            assert.deepEqual(receiverIn("dev"), { name: "groundwork", slack_configs: [{ api_url_file: "/etc/alertmanager/secrets/alertmanager-receiver/url", channel: "#platform-alerts", send_resolved: true }] });
            assert.deepEqual(receiverIn("hybrid"), { name: "groundwork", msteamsv2_configs: [{ webhook_url_file: "/etc/alertmanager/secrets/alertmanager-receiver/url", send_resolved: true }] });
            assert.deepEqual(receiverIn("edge"), { name: "groundwork", webhook_configs: [{ url_file: "/etc/alertmanager/secrets/alertmanager-receiver/url", send_resolved: true }] });
        });

        it("the secret is in Vault monitoring/alert-receiver, synced by VSO into the Secret Alertmanager mounts", () => {
            const docs = docsOf(plans.dev);
            const values = docs.find((d) => d.kind === "HelmRelease" && d.spec.chart === "kube-prometheus-stack").spec.values;
            assert.deepEqual(values.alertmanager.alertmanagerSpec.secrets, ["alertmanager-receiver"]);
            assert.equal(values.alertmanager.config.route.receiver, "groundwork");
            assert.deepEqual(values.alertmanager.config.route.routes, [{ receiver: "null", matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] }]);
            const synced = find(docs, "VaultStaticSecret", "alertmanager-receiver");
            assert.deepEqual([synced.metadata.namespace, synced.spec.path, synced.spec.destination.name], ["groundwork-observability", "monitoring/alert-receiver", "alertmanager-receiver"]);
            assert.deepEqual(Object.keys(vaultSecretAt(plans.dev, "monitoring/alert-receiver")), ["url"]);
        });

        it("email: STARTTLS to the smarthost, the password read from a file", () => {
            assert.deepEqual(receiverIn("cloud").email_configs, [{
                to: "oncall@groundwork.example", from: "alerts@groundwork.example", smarthost: "smtp.groundwork.example:587", auth_username: "alerts@groundwork.example",
                auth_password_file: "/etc/alertmanager/secrets/alertmanager-receiver/password", require_tls: true, send_resolved: true,
            }]);
            assert.deepEqual(Object.keys(vaultSecretAt(plans.cloud, "monitoring/alert-receiver")), ["password"]);
        });
    });

    describe("Grafana", () => {
        it("signs people in through SSO, the client secret from Vault, operators as Admins", () => {
            const docs = docsOf(plans.dev);
            const grafana = docs.find((d) => d.kind === "HelmRelease" && d.spec.chart === "kube-prometheus-stack").spec.values.grafana;
            const oauth = grafana["grafana.ini"]["auth.generic_oauth"];
            assert.equal(oauth.client_id, "groundwork-dev");
            assert.equal(oauth.client_secret, undefined, "never in grafana.ini, which the chart renders into a ConfigMap");
            assert.deepEqual(grafana.envValueFrom, { GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: { secretKeyRef: { name: "grafana-sso", key: "clientSecret" } } });
            assert.equal(oauth.role_attribute_strict, true);
            // Grafana reads every metric: on the operators' entrypoint, like Vault's UI (security pack, route rules).
            assert.equal(grafana["grafana.ini"].server.root_url, "https://grafana.dev.groundwork.example:9443");
            assert.deepEqual(grafana.admin, { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
            assert.ok(find(docs, "VaultStaticSecret", "grafana-sso") && find(docs, "VaultStaticSecret", "grafana-admin"));
            assert.deepEqual(Object.keys(vaultSecretAt(plans.dev, "monitoring/grafana-admin")), ["admin-user", "admin-password"]);
        });

        it("maps groups to roles, refusing anyone outside the users group when there is one", () => {
            const sso = { clientId: "c", authorizeUrl: "", tokenUrl: "", userinfoUrl: "", groupsClaim: "groups", operatorsGroup: "platform-ops" };
            assert.equal(grafanaRoleExpression(sso), `contains("groups"[*], 'platform-ops') && 'Admin' || 'Viewer'`);
            assert.equal(grafanaRoleExpression({ ...sso, usersGroup: "ai-users" }), `contains("groups"[*], 'platform-ops') && 'Admin' || contains("groups"[*], 'ai-users') && 'Viewer'`);
            // Read by the JMESPath reference implementation (jmespath.js 0.16.0): a quote in a group's name is escaped, and matches.
            const quoted = grafanaRoleExpression({ ...sso, operatorsGroup: "O'Brien-ops", usersGroup: "it's-users" });
            assert.deepEqual([["O'Brien-ops"], ["it's-users"], ["other"]].map((groups) => jmespath.search({ groups }, quoted)), ["Admin", "Viewer", false]);
        });

        it("without the issuer's endpoints, signs in only its own admin (still on the operators' entrypoint)", () => {
            const hybrid = docsOf(plans.hybrid);
            const values = hybrid.find((d) => d.kind === "HelmRelease" && d.spec.chart === "kube-prometheus-stack").spec.values.grafana;
            assert.equal(values["grafana.ini"]["auth.generic_oauth"], undefined);
            assert.equal((plans.hybrid.outputs.urls as Record<string, string>).grafana, "https://grafana.hybrid.groundwork.example:9443");
        });
    });

    describe("config", () => {
        it("defaults to 7 days on 8 GB, 5% gateway errors, 30 s p95, and a GPU idle for an hour", () => {
            const m = parse(stackValues("dev")).monitoring;
            assert.deepEqual([m.retentionDays, m.storageGbs, m.alerts.gateway, m.alerts.gpuIdle], [7, 8, { errorRatio: 0.05, p95LatencySeconds: 30 }, { minutes: 60, utilizationPercent: 5 }]);
        });

        it("counts a backup stale after its schedule's longest gap and 3 hours; etcd after its interval and 2", () => {
            assert.deepEqual(staleAfterHours(parse(stackValues("dev"))), { vault: 27, qdrant: 27, clickhouse: 27, postgres: 27, etcd: 8 });
            const weekdays = stackValues("dev");
            weekdays.platform = { postgres: { backup: { schedule: "0 0 3 * * 1-5" } }, backups: { etcd: { everyHours: 12 } } };
            const stale = staleAfterHours(parse(weekdays));
            assert.deepEqual([stale.postgres, stale.etcd], [75, 14], "Friday night to Monday night");
        });

        it("requires a receiver: exactly one, webhook or email", () => {
            assert.deepEqual(problems(withMonitoring({ alerts: { runbookUrl: RUNBOOKS, receiver: {} } })),
                ["groundwork:monitoring.alerts.receiver = [secret]: must name one receiver: slack (url), teams (url), webhook (url) or email (to, from, smarthost, username, password)"]);
            const both = problems(withMonitoring({ alerts: { runbookUrl: RUNBOOKS, receiver: { webhook: { url: "https://hooks.example/PLANTED-x" }, email: { to: ["a@example.com"], from: "b@example.com", smarthost: "smtp.example.com:587", username: "u", password: "PLANTED-p" } } } }));
            // The receiver holds secrets: the message names it, never shows it.
            assert.deepEqual(both, ["groundwork:monitoring.alerts.receiver = [secret]: names webhook and email; choose one"]);
            assert.match(problems(withMonitoring({ alerts: { runbookUrl: RUNBOOKS, receiver: { slack: { url: "http://hooks.slack.com/PLANTED-s" } } } }))[0],
                /^groundwork:monitoring\.alerts\.receiver\.slack\.url = \[secret\]: must be the https URL of a Slack incoming webhook/);
            const without = stackValues("dev");
            delete without.monitoring;
            assert.match(problems(without)[0], /^groundwork:monitoring is not set: it is required/);
        });

        it("refuses a webhook URL that is not one, without echoing it", () => {
            const planted = "not a url but a PLANTED-token-7d1e";
            const found = problems(withMonitoring({ alerts: { runbookUrl: RUNBOOKS, receiver: { webhook: { url: planted } } } }));
            assert.equal(found.length, 1);
            assert.match(found[0], /^groundwork:monitoring\.alerts\.receiver\.webhook\.url.*must be an http\(s\) URL/);
            assert.ok(!found[0].includes("PLANTED"), found[0]);
        });

        it("refuses an SMTP server without a port, a runbook link that is not https, and impossible numbers, naming each", () => {
            const found = problems(withMonitoring({
                retentionDays: 0,
                storageGbs: 1,
                alerts: {
                    runbookUrl: "http://wiki/README.md",
                    receiver: { email: { to: ["oncall@example.com"], from: "alerts@example.com", smarthost: "smtp.example.com", username: "u", password: "p" } },
                    gateway: { errorRatio: 5 },
                },
            }));
            assert.equal(found.length, 5, found.join("\n"));
            assert.match(found.join("\n"), /groundwork:monitoring\.retentionDays = 0/);
            assert.match(found.join("\n"), /groundwork:monitoring\.storageGbs = 1/);
            assert.match(found.join("\n"), /groundwork:monitoring\.alerts\.runbookUrl = "http:\/\/wiki\/README\.md": must be the https URL/);
            assert.match(found.join("\n"), /groundwork:monitoring\.alerts\.receiver\.email\.smarthost = "smtp\.example\.com": must be host:port/);
            assert.match(found.join("\n"), /groundwork:monitoring\.alerts\.gateway\.errorRatio = 5/);
        });

        it("refuses SES's TLS-wrapper port 2465, which Alertmanager would greet with STARTTLS, and an SMTP password in the plain user name (sweep s20-21, s20-23)", () => {
            const sesPassword = "BPLANTEDs20Xq7Lm2Nv8Rt4Wy6Zb1Cd3Ef5Gh7Jk9Mn2Pq";
            const email = (smarthost: string, username: string) => withMonitoring({ alerts: { runbookUrl: RUNBOOKS, receiver: { email: { to: ["oncall@example.com"], from: "alerts@example.com", smarthost, username, password: "BSmtpPasswordPLANTEDs20Other4Wy6Zb1Cd3Ef5Gh7" } } } });
            const found = problems(email("email-smtp.us-east-1.amazonaws.com:2465", sesPassword));
            assert.match(found.join("\n"), /smarthost = "email-smtp\.us-east-1\.amazonaws\.com:2465": is port 2465, a TLS-wrapper port \(SES's\), but Alertmanager wraps only port 465 in TLS unless told otherwise \(force_implicit_tls, which this stack does not set\) and speaks STARTTLS on any other, so no mail would go out; use 587 or 2587 \(STARTTLS\), or 465/);
            assert.match(found.join("\n"), /receiver\.email\.username = \[[^\]]*not shown[^\]]*\]: has the shape of an SMTP password .*the pair looks swapped/);
            assert.ok(!found.join("\n").includes("PLANTEDs20"), "the password is not shown");
            // OCI Email Delivery's SMTP user is <user OCID>@<tenancy OCID> (review s20b D2).
            const ociUser = "ocid1.user.oc1..aaaaaaaa3vh2q7bvdz6mgyqe4n3c5xrbtwyfjkd7lqh2uzm5tnxgp6ogr4ta@ocid1.tenancy.oc1..aaaaaaaaxbfe7eq5lz2mhq3j6rkbvyw4ndc4jsgtplw5ahox3mr7qdzr2ea";
            for (const [host, user] of [["email-smtp.us-east-1.amazonaws.com:465", "AKIAIOSFODNN7EXAMPLE"], ["email-smtp.us-east-1.amazonaws.com:2587", "alerts@groundwork.example"], ["smtp.email.eu-frankfurt-1.oci.oraclecloud.com:587", ociUser]]) {
                assert.doesNotThrow(() => parse(email(host, user)), `${host} with ${user} is a working pair`);
            }
        });
    });
});

describe("the monitoring namespace, taken over from KEDA's Prometheus", () => {
    it("aliases the namespace and each of its policies to their old names, so an upgrade adopts them", async () => {
        const old = "urn:pulumi:dev::groundwork::groundwork:inference:QueueAutoscaling::queue-autoscaling";
        const moved = (await planFixture("moved-namespace", { moved: true })).outputs.aliases as Record<string, string[]>;
        assert.deepEqual(moved, {
            "monitoring-namespace": [`queue-autoscaling-observability under ${old}`],
            "monitoring-namespace-deny-ingress": [`queue-autoscaling-observability-deny-ingress under ${old}`],
            "monitoring-namespace-same-namespace": [`queue-autoscaling-observability-same-namespace under ${old}`],
            // New since the move: nothing to adopt (the old metadata block gives way to the egress deny).
            "monitoring-namespace-metrics-scraper": [],
            "monitoring-namespace-deny-egress": [],
            "monitoring-namespace-cluster-egress": [],
        });
        const fresh = (await planFixture("moved-namespace", { moved: false })).outputs.aliases as Record<string, string[]>;
        assert.ok(Object.values(fresh).every((a) => a.length === 0));
    });
});
