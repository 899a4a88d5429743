import { createHash } from "crypto";
import * as YAML from "yaml";

/**
 * The API server's audit log on every k3s server: who read Secrets, exec'd into pods, changed RBAC
 * or admission, and what each controller did, which nothing records otherwise (security review
 * s21 L1). k3s turns no auditing on by itself (no `audit-` flag in k3s-io/k3s@v1.34.9+k3s1,
 * commit 5f72184f, pkg/), and Kubernetes audits nothing without a policy file.
 *
 * Read in kubernetes/apiserver@v0.34.9: the flags (`pkg/server/options/audit.go` L258, L436-442);
 * the API server makes the log's directory 0700 and the file 0600 itself (L519-524) and rotates it
 * by size, keeping `maxbackup` old files for at most `maxage` days (lumberjack). The policy needs
 * at least one rule, and each rule a known level, stages and `/`-rooted non-resource URLs with `*`
 * only last: a file that fails those stops the API server (`pkg/audit/policy/reader.go` L84-91,
 * `pkg/apis/audit/validation/validation.go`); an unknown field only logs a warning, read leniently
 * (L63-77). A test holds ours to both. The first rule that matches a request decides its level.
 */

/** Where servers keep the audit policy, beside the Pod Security admission file. */
export const K3S_AUDIT_POLICY_PATH = "/etc/rancher/k3s/audit-policy.yaml";

/** Where the API server writes the log: under k3s's own server directory, root-only. */
export const K3S_AUDIT_LOG_PATH = "/var/lib/rancher/k3s/server/logs/audit.log";

/** Rotation: 100 MB files, 5 kept, none older than 30 days; at most 600 MB of a server's disk. */
export const AUDIT_LOG_ROTATION = { maxSizeMb: 100, maxBackups: 5, maxAgeDays: 30 } as const;

/** The `kube-apiserver-arg` entries that turn the log on. */
export function auditApiServerArgs(): string[] {
    return [
        `audit-policy-file=${K3S_AUDIT_POLICY_PATH}`,
        `audit-log-path=${K3S_AUDIT_LOG_PATH}`,
        `audit-log-maxage=${AUDIT_LOG_ROTATION.maxAgeDays}`,
        `audit-log-maxbackup=${AUDIT_LOG_ROTATION.maxBackups}`,
        `audit-log-maxsize=${AUDIT_LOG_ROTATION.maxSizeMb}`,
    ];
}

/**
 * People signing in to the API server with the stack's identity provider, so the audit log names
 * each operator instead of the one admin certificate (security review s21 L1). kube-apiserver's
 * `--oidc-*` flags (kubernetes pkg/kubeapiserver/options/authentication.go, in the code index);
 * the authenticator fetches the issuer's discovery document in the background, retrying every 10
 * s, so an unreachable issuer does not stop the API server (kubernetes/apiserver@v0.34.9
 * plugin/pkg/authenticator/token/oidc/oidc.go L408-428; review s21d N12). Users and groups get a
 * prefix naming the issuer (oidcPrefix), so no one at the issuer can name themselves
 * `system:masters` or a service account.
 */
export interface ApiServerOidc {
    /** The issuer, exactly as its ID tokens carry it. */
    issuer: string;
    /** The client id ID tokens are issued for (their `aud`): kubectl's own public client, never the applications'. */
    clientId: string;
    /** The ID-token claim that lists a person's groups. */
    groupsClaim: string;
}

/**
 * Prefix of every user and group the OIDC authenticator makes: `oidc-<8 hex of the issuer>:`, so a
 * group of one issuer never matches a binding made for another. After the issuer changes, the
 * binding moves to the new issuer's prefix, so a server whose flags still name the old issuer (its
 * install has not re-run yet) lets the old issuer's people lose access rather than keep it (review
 * s21d R6).
 */
export function oidcPrefix(issuer: string): string {
    return `oidc-${createHash("sha256").update(issuer).digest("hex").slice(0, 8)}:`;
}

/** The `kube-apiserver-arg` entries that let people sign in with the issuer. */
export function oidcApiServerArgs(oidc: ApiServerOidc): string[] {
    return [
        `oidc-issuer-url=${oidc.issuer}`,
        `oidc-client-id=${oidc.clientId}`,
        "oidc-username-claim=email",
        `oidc-username-prefix=${oidcPrefix(oidc.issuer)}`,
        `oidc-groups-claim=${oidc.groupsClaim}`,
        `oidc-groups-prefix=${oidcPrefix(oidc.issuer)}`,
    ];
}

/** Requests that change something; reads stay at Metadata. */
const WRITES = ["create", "update", "patch", "delete", "deletecollection"];

/**
 * The audit policy (audit.k8s.io/v1). Never `Request` or `RequestResponse` for Secrets, ConfigMaps,
 * tokens or token reviews, whose bodies carry credentials: those are recorded by who, what and
 * when alone. RBAC and admission changes are recorded with what they were changed to, which holds
 * no credential (a webhook's caBundle is public).
 */
export function auditPolicy(): string {
    return YAML.stringify({
        apiVersion: "audit.k8s.io/v1",
        kind: "Policy",
        // One event when the answer is known, not a second when the request arrives.
        omitStages: ["RequestReceived"],
        rules: [
            // Credentials and ways into a pod or node, by anyone, kubelets included.
            {
                level: "Metadata",
                resources: [
                    { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token", "pods/exec", "pods/attach", "pods/portforward", "nodes/proxy"] },
                    { group: "authentication.k8s.io", resources: ["tokenreviews"] },
                ],
            },
            // Who may do what, and what admission lets in: what it was changed to.
            {
                level: "Request",
                verbs: WRITES,
                resources: [{ group: "rbac.authorization.k8s.io" }, { group: "admissionregistration.k8s.io" }],
            },
            // Noise that records no one's decision: health checks, events, leader and node leases.
            { level: "None", nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/version", "/metrics"] },
            { level: "None", resources: [{ group: "", resources: ["events"] }, { group: "events.k8s.io", resources: ["events"] }, { group: "coordination.k8s.io", resources: ["leases"] }] },
            // Kubelets reading what their pods need, every few seconds on every node.
            { level: "None", userGroups: ["system:nodes"], verbs: ["get", "list", "watch"] },
            // Everything else: who, what and when.
            { level: "Metadata" },
        ],
    });
}
