/**
 * Alertmanager's configuration for the stack's one receiver. Its secret (the webhook's URL, the
 * SMTP password) is never in it: Alertmanager reads it from a file of the Secret the Vault Secrets
 * Operator syncs, mounted by `alertmanagerSpec.secrets` at `/etc/alertmanager/secrets/<secret>/`
 * (prometheus-operator/prometheus-operator@v0.93.0 pkg/alertmanager/statefulset.go L51, L590-614).
 * Fields, at Alertmanager v0.34.0 (kube-prometheus-stack 88.5.3 values.yaml L1018-1023):
 * `webhook_configs[].url_file` (prometheus/alertmanager@v0.34.0 notify/webhook/config.go L32-51),
 * `email_configs[].auth_password_file` (config/notifiers.go L159-185); the operator's own model
 * knows both (pkg/alertmanager/types.go L137-145, L338).
 */

/** The Secret VSO writes from Vault `monitoring/alert-receiver`, and Alertmanager mounts. */
export const RECEIVER_SECRET = "alertmanager-receiver";
const SECRET_DIR = `/etc/alertmanager/secrets/${RECEIVER_SECRET}`;

export type AlertReceiver =
    | { kind: "webhook" }
    | { kind: "slack"; channel?: string }
    | { kind: "teams" }
    | { kind: "email"; to: string[]; from: string; smarthost: string; username: string };

/** The key of the receiver's secret in Vault and in the synced Secret. */
export const receiverSecretKey = (receiver: AlertReceiver) => (receiver.kind === "email" ? "password" : "url");

/** One receiver's notifier config, its secret read from the mounted file. */
function notifier(receiver: AlertReceiver): Record<string, unknown> {
    switch (receiver.kind) {
        case "webhook":
            return { webhook_configs: [{ url_file: `${SECRET_DIR}/url`, send_resolved: true }] };
        case "slack":
            // config/notifiers.go L321 (api_url_file); the operator's model, pkg/alertmanager/types.go L207.
            return { slack_configs: [{ api_url_file: `${SECRET_DIR}/url`, ...(receiver.channel && { channel: receiver.channel }), send_resolved: true }] };
        case "teams":
            // notify/msteamsv2/config.go L36 (webhook_url_file); the operator's model, types.go L528.
            return { msteamsv2_configs: [{ webhook_url_file: `${SECRET_DIR}/url`, send_resolved: true }] };
        case "email":
            return {
                email_configs: [{
                    to: receiver.to.join(", "),
                    from: receiver.from,
                    smarthost: receiver.smarthost,
                    auth_username: receiver.username,
                    auth_password_file: `${SECRET_DIR}/password`,
                    require_tls: true,
                    send_resolved: true,
                }],
            };
    }
}

/**
 * Alerts go to the receiver grouped by name and namespace, again every 4 hours while they fire,
 * and once more when resolved. kube-prometheus-stack's Watchdog (always firing, by design) and
 * InfoInhibitor go nowhere: Helm replaces lists, so the chart's own `null` route must be given
 * again (values.yaml L585-588).
 */
export function alertmanagerConfig(receiver: AlertReceiver): Record<string, unknown> {
    const send = notifier(receiver);
    return {
        route: {
            receiver: "groundwork",
            group_by: ["alertname", "namespace"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes: [{ receiver: "null", matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] }],
        },
        receivers: [{ name: "null" }, { name: "groundwork", ...send }],
    };
}
