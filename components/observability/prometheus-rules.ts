import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { prometheusRuleSpec, RuleGroup } from "./alert-rules";
import { MONITORING_NAMESPACE } from "./scraper";

export interface PrometheusRulesArgs {
    /** The PrometheusRule's name, in the monitoring namespace. */
    ruleName: string;
    /** Its groups of alerts. */
    groups: RuleGroup[];
    /** Where each alert's runbook is (monitoring.alerts.runbookUrl). */
    runbookUrl: string;
}

/**
 * Alerts in a PrometheusRule of their own, beside the monitoring stack's: for rules that must wait
 * for what they describe (`dependsOn` in the options), as the gateway keys' rotation dates wait for
 * the keys.
 */
export class PrometheusRules extends pulumi.ComponentResource {
    constructor(name: string, args: PrometheusRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:observability:PrometheusRules", name, {}, opts);
        new k8s.apiextensions.CustomResource(name, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: args.ruleName, namespace: MONITORING_NAMESPACE },
            spec: prometheusRuleSpec(args.groups, args.runbookUrl),
        }, { parent: this });
        this.registerOutputs({});
    }
}
