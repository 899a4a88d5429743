import { strict as assert } from "assert";
import { admissionVerdicts } from "../helpers";

/**
 * KEDA's operator's admission policy, as the cloud plan renders it, judged by evaluating its CEL:
 * its certificate's Secret, and the CA bundle of its webhook configuration and APIService, are
 * admitted; a Job in the gateway's namespace, another webhook, another APIService or another
 * destination is denied (security review s25 F1).
 */
const OPERATOR = "system:serviceaccount:keda:keda-operator";

describe("KEDA's operator's admission policy", () => {
    const verdict = admissionVerdicts("cloud", { group: "", version: "v1", resource: "", operation: "CREATE", namespace: "keda", object: {}, username: OPERATOR });
    const webhookConfiguration = (caBundle: string, extra: object[] = []) => ({
        webhooks: [{ name: "vscaledobject.kb.io", rules: [{ apiGroups: ["keda.sh"], apiVersions: ["v1alpha1"], operations: ["CREATE", "UPDATE"], resources: ["scaledobjects"] }], sideEffects: "None", admissionReviewVersions: ["v1"], failurePolicy: "Ignore",
            clientConfig: { service: { name: "keda-admission-webhooks", namespace: "keda", path: "/validate-keda-sh-v1alpha1-scaledobject" }, caBundle } }, ...extra],
    });
    const webhooks = (name: string, after: object) => verdict({ group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", operation: "UPDATE", namespace: "", name, oldObject: webhookConfiguration("b2xk"), object: after as Record<string, unknown> });
    const apiService = (name: string, spec: object) => verdict({ group: "apiregistration.k8s.io", resource: "apiservices", operation: "UPDATE", namespace: "", name,
        oldObject: { spec: { service: { name: "keda-operator-metrics-apiserver", namespace: "keda", port: 443 }, group: "external.metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 100 } },
        object: { spec: { service: { name: "keda-operator-metrics-apiserver", namespace: "keda", port: 443 }, group: "external.metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 100, ...spec } } });

    it("admits what cert-controller does for KEDA: its Secret, and the CA bundle of keda-admission and its APIService", () => {
        assert.equal(verdict({ resource: "secrets", name: "kedaorg-certs", object: { metadata: { labels: { app: "keda-operator" } } } }).denied, false);
        assert.equal(verdict({ resource: "secrets", operation: "UPDATE", name: "kedaorg-certs", oldObject: { type: "Opaque" }, object: { type: "Opaque", data: { "tls.crt": "eA==" } } }).denied, false);
        assert.equal(webhooks("keda-admission", webhookConfiguration("bmV3")).denied, false);
        assert.equal(apiService("v1beta1.external.metrics.k8s.io", { caBundle: "bmV3" }).denied, false);
    });

    it("denies a Job, a token Secret, a webhook of its own, another configuration, and an APIService sent elsewhere", () => {
        const job = verdict({ group: "batch", resource: "jobs", namespace: "groundwork-inference", name: "probe", object: { spec: { template: { spec: { serviceAccountName: "llm-gateway", containers: [{ name: "probe", envFrom: [{ secretRef: { name: "llm-gateway-keys" } }] }] } } } } });
        assert.deepEqual(job, { denied: true, by: "groundwork-keda", message: "KEDA's operator may run no Job: it runs them only for ScaledJobs, and this stack has none" });
        assert.equal(verdict({ resource: "secrets", name: "keda-operator-token", object: { type: "kubernetes.io/service-account-token", metadata: { annotations: { "kubernetes.io/service-account.name": "keda-operator" } } } }).denied, true, "a token Secret");
        assert.equal(verdict({ resource: "secrets", name: "other", object: {} }).denied, true, "another Secret");
        const added = webhooks("keda-admission", webhookConfiguration("b2xk", [{ name: "secrets.thief.invalid", rules: [{ operations: ["CREATE", "UPDATE"], resources: ["secrets"] }], failurePolicy: "Ignore", clientConfig: { url: "https://thief.invalid/" } }]));
        assert.deepEqual(added, { denied: true, by: "groundwork-keda", message: "KEDA's operator may change only the CA bundle of keda-admission, no other webhook configuration" });
        assert.equal(webhooks("cert-manager-webhook", webhookConfiguration("bmV3")).denied, true, "another configuration");
        const loosened = webhookConfiguration("b2xk") as { webhooks: Record<string, unknown>[] };
        loosened.webhooks[0].failurePolicy = "Fail";
        assert.equal(webhooks("keda-admission", loosened).denied, true, "its own failure policy changed");
        assert.equal(apiService("v1beta1.external.metrics.k8s.io", { service: { name: "thief", namespace: "keda", port: 443 } }).denied, true, "its APIService sent elsewhere");
        assert.equal(apiService("v1beta1.external.metrics.k8s.io", { insecureSkipTLSVerify: true }).denied, true, "TLS checks off");
        assert.equal(apiService("v1beta1.metrics.k8s.io", { caBundle: "bmV3" }).denied, true, "another APIService");
        // Its scaling: only its ScaledObjects' Deployments, up to their maximum (controller RBAC review s25 F4).
        // As the API server serialises a Scale: no `replicas` at 0 (omitempty; review s25c K1).
        const scale = (name: string, replicas: number) => verdict({ group: "apps", resource: "deployments", subResource: "scale", operation: "UPDATE", namespace: "groundwork-inference", name, oldObject: { spec: { replicas: 1 } }, object: { kind: "Scale", spec: replicas === 0 ? {} : { replicas } } });
        assert.equal(scale("vllm-large", 2).denied, false, "a model to its maximum");
        assert.equal(scale("vllm-small", 0).denied, false, "a model to zero");
        assert.deepEqual(scale("vllm-large", 8), { denied: true, by: "groundwork-keda", message: "KEDA's operator may scale only its ScaledObjects' Deployments, each to at most its maximum (vllm-large 2, vllm-small 1)" });
        assert.equal(scale("llm-gateway", 0).denied, true, "the gateway down to nothing");
        assert.equal(verdict({ group: "apps", resource: "statefulsets", subResource: "scale", operation: "UPDATE", namespace: "groundwork-inference", name: "vllm-large", oldObject: { spec: {} }, object: { spec: { replicas: 1 } } }).denied, true, "a StatefulSet of a model's name (threat-model review s25 T18)");
        const hpa = (name: string, target: string, maxReplicas: number, operation: "CREATE" | "DELETE" = "CREATE") => verdict({ group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers", operation, namespace: "groundwork-inference", name,
            ...(operation === "DELETE" ? { object: null, oldObject: {} } : { object: { spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas: 1, maxReplicas } } }) });
        assert.equal(hpa("keda-hpa-vllm-large", "vllm-large", 2).denied, false, "its HPA as hpa.go names it");
        assert.equal(hpa("keda-hpa-vllm-large", "vllm-large", 2, "DELETE").denied, false);
        assert.equal(hpa("keda-hpa-vllm-large", "vllm-large", 20).denied, true, "past the maximum");
        assert.equal(hpa("keda-hpa-vllm-large", "llm-gateway", 2).denied, true, "on another Deployment");
        assert.equal(hpa("gateway", "llm-gateway", 1).denied, true, "an HPA of its own naming");
        // Another account's requests are not this policy's to judge.
        assert.equal(verdict({ group: "batch", version: "v1", resource: "jobs", operation: "CREATE", namespace: "groundwork-inference", name: "x", object: {}, username: "system:serviceaccount:groundwork-inference:route-evaluations" }).denied, false);
    });
});
