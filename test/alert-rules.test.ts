import { strict as assert } from "assert";
import * as fs from "fs";
import { alertRuleGroups, AlertRulesArgs, keyRotationRuleGroup, prometheusRuleSpec, runbookAnchor } from "../components/observability/alert-rules";
import { dashboardExpressions, dashboardJson, groundworkDashboards } from "../components/observability/dashboards";
import { longestCronGapHours } from "../stacks/config/schedule";
import { keyRotationSchedule } from "../stacks/inference";
import { promql } from "./validators";

const FULL: AlertRulesArgs = {
    vaultNamespace: "vault",
    cronJobBackups: [{ store: "Vault", namespace: "vault", cronjob: "vault-snapshots", staleAfterHours: 27 }],
    etcdStaleAfterHours: 9,
    postgresStaleAfterHours: 27,
    postgresNamespace: "groundwork-data",
    certificateDays: 21,
    volumeFullRatio: 0.85,
    gateway: { errorRatio: 0.05, p95LatencySeconds: 30 },
    budgetRatio: 0.8,
    gpuIdle: { minutes: 60, utilizationPercent: 5 },
};
// The 90-day period from 2026-09-04 (days count from 1970-01-01, UTC).
const KEY_ROTATION = keyRotationRuleGroup(keyRotationSchedule(new Date("2026-11-29T12:00:00Z"), 90));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchors = (markdown: string) => new Set(markdown.split("\n").filter((l) => /^#{1,6} /.test(l))
    .map((l) => l.replace(/^#+ /, "").trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-")));

describe("alert rules", () => {
    const rules = [...alertRuleGroups(FULL), KEY_ROTATION].flatMap((g) => g.rules);

    it("parses every expression with Prometheus's own grammar", () => {
        for (const r of rules) {
            const verdict = promql(r.expr);
            assert.ok(verdict.ok, `${r.alert}: ${verdict.output}`);
        }
    });

    it("the parser catches a broken expression (the check can fail)", () => {
        assert.equal(promql("sum(rate(x[5m])").ok, false);
        assert.equal(promql("up ==").ok, false);
    });

    it("alerts on everything issue 13 names", () => {
        assert.deepEqual(rules.map((r) => r.alert).sort(), [
            "CertificateExpiringSoon", "EtcdSnapshotFailed", "EtcdSnapshotStale", "GatewayErrorRateHigh", "GatewayKeysExpiringSoon", "GatewayKeysRotationOverdue", "GatewayLatencyHigh", "GpuNodeIdle",
            "NodeDiskAlmostFull", "NodeDown", "PostgresBackupFailed", "PostgresBackupStale", "PostgresWalArchivingFailing", "TeamBudgetNearlySpent", "VaultBackupStale", "VaultSealed", "VolumeAlmostFull",
        ]);
        const byName = Object.fromEntries(rules.map((r) => [r.alert, r.expr]));
        assert.match(byName.CertificateExpiringSoon, /< 1814400$/, "21 days in seconds");
        assert.match(byName.VolumeAlmostFull, /> 0\.85$/);
        assert.match(byName.TeamBudgetNearlySpent, />= 0\.8$/);
        assert.match(byName.GpuNodeIdle, /\[60m\]\)\) < 5 and on \(Hostname\) label_replace\(time\(\) - kube_node_created > 3600, "Hostname", "\$1", "node", "\(\.\*\)"\)$/, "a node still loading its model is not idle");
        // A new cluster or store has had no chance to back up: the window must have passed since it was made.
        assert.match(byName.EtcdSnapshotStale, /\) and on\(\) \(time\(\) - min\(kube_node_created\) > 32400\)$/);
        assert.match(byName.PostgresBackupStale, /and on\(\) \(time\(\) - min\(kube_namespace_created\{namespace="groundwork-data"\}\) > 97200\)$/);
        assert.match(byName.GatewayErrorRateHigh, /exception_status=~"5\.\."/, "a caller's 4xx is not the gateway failing");
        assert.match(byName.VaultBackupStale, /cronjob="vault-snapshots"\}\) > 97200/, "27 hours");
        assert.match(byName.EtcdSnapshotStale, /\[9h\]/);
        assert.equal(byName.PostgresWalArchivingFailing, "cnpg_pg_stat_archiver_last_failed_time - cnpg_pg_stat_archiver_last_archived_time > 1", "failing since the last success");
        const archiving = rules.find((r) => r.alert === "PostgresWalArchivingFailing")!;
        assert.deepEqual([archiving.for, archiving.severity], ["15m", "critical"], "pg_wal fills and the database stops: page, after a retry or two");
    });

    it("fires once a key rotation is a week overdue and a week before the keys expire, with this period's dates (issue 12 audit s26)", () => {
        const schedule = keyRotationSchedule(new Date("2026-11-29T12:00:00Z"), 90);
        // Periods count from 1970-01-01 in UTC: day 20,786 (2026-11-29) is in the one from day 20,700 (2026-09-04).
        assert.deepEqual(schedule, { dueAt: Date.parse("2026-12-03T00:00:00Z") / 1000, due: "2026-12-03", expiresAt: Date.parse("2027-03-03T00:00:00Z") / 1000, expires: "2027-03-03" });
        const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
        assert.equal(byName.GatewayKeysRotationOverdue.expr, `vector(time()) > ${schedule.dueAt + 7 * 86400}`);
        assert.equal(byName.GatewayKeysExpiringSoon.expr, `vector(time()) > ${schedule.expiresAt - 7 * 86400}`);
        assert.deepEqual([byName.GatewayKeysRotationOverdue.severity, byName.GatewayKeysExpiringSoon.severity], ["warning", "critical"]);
        assert.match(byName.GatewayKeysExpiringSoon.summary, /expire from 2027-03-03$/);
        // The same dates all period long: the rule changes only when a new period begins.
        assert.deepEqual(keyRotationSchedule(new Date("2026-09-04T00:00:00Z"), 90), schedule);
        assert.notDeepEqual(keyRotationSchedule(new Date("2026-12-03T00:00:00Z"), 90), schedule);
    });

    it("leaves out the GPU, gateway and budget rules where the stack has none", () => {
        const names = alertRuleGroups({ ...FULL, gateway: undefined, budgetRatio: undefined, gpuIdle: undefined }).flatMap((g) => g.rules.map((r) => r.alert));
        for (const absent of ["GpuNodeIdle", "GatewayErrorRateHigh", "GatewayLatencyHigh", "TeamBudgetNearlySpent", "GatewayKeysRotationOverdue", "GatewayKeysExpiringSoon"]) assert.ok(!names.includes(absent), absent);
    });

    it("points every rule at its own section of the README, which exists", () => {
        const readme = anchors(fs.readFileSync("README.md", "utf8"));
        const spec = prometheusRuleSpec(alertRuleGroups(FULL), "https://git.example/README.md") as any;
        for (const rule of spec.groups.flatMap((g: any) => g.rules)) {
            assert.equal(rule.annotations.runbook_url, `https://git.example/README.md#${runbookAnchor(rule.alert)}`);
            assert.ok(readme.has(runbookAnchor(rule.alert)), `README has no "#### ${rule.alert}" section`);
            assert.match(rule.labels.severity, /^(critical|warning)$/);
        }
    });
});

describe("dashboards", () => {
    const all = groundworkDashboards({ vaultNamespace: "vault", inference: true, gpus: true });

    it("platform health, inference and spend; only platform health without models", () => {
        assert.deepEqual(all.map((d) => d.uid), ["groundwork-platform", "groundwork-inference", "groundwork-spend"]);
        assert.deepEqual(groundworkDashboards({ vaultNamespace: "vault", inference: false, gpus: false }).map((d) => d.uid), ["groundwork-platform"]);
    });

    it("every query parses with Prometheus's grammar", () => {
        for (const expr of dashboardExpressions(all)) {
            const verdict = promql(expr);
            assert.ok(verdict.ok, `${expr}: ${verdict.output}`);
        }
    });

    it("renders Grafana JSON whose targets carry the queries", () => {
        const model = JSON.parse(dashboardJson(all[1]));
        const panel = model.panels.find((p: any) => p.title === "Queue depth");
        assert.deepEqual(panel.targets.map((t: any) => t.expr), ["sum by (model_name) (vllm:num_requests_waiting)", "sum by (model_name) (vllm:num_requests_running)"]);
        assert.equal(panel.datasource.uid, "${datasource}");
        assert.ok(model.panels.some((p: any) => p.title === "Prefix cache hit ratio"), "cache hits");
    });
});

describe("longest gap between cron runs", () => {
    it("daily, every 6 hours, weekdays, monthly", () => {
        assert.equal(longestCronGapHours("15 2 * * *"), 24);
        assert.equal(longestCronGapHours("0 */6 * * *"), 6);
        assert.equal(longestCronGapHours("0 8 * * 1-5"), 72, "Friday to Monday");
        assert.equal(longestCronGapHours("30 3 1 * *"), 31 * 24);
        assert.equal(longestCronGapHours("0 0 1 * 0"), 7 * 24, "day of month or Sunday, as cron reads both");
    });
});
