import { strict as assert } from "assert";
import { byDigest } from "../../components/image-digests";
import { AdmissionRequest } from "../../policies/security/admission-policies";
import { admissionVerdicts } from "../helpers";

/**
 * cert-manager's admission policies, as the dev plan renders them, judged by evaluating their CEL:
 * what the controller and the CA injector do at v1.21.1 is admitted, what their charts' rights would
 * also let a thief of their tokens do is denied (controller RBAC review s23 F2, F3).
 */
const CONTROLLER = "system:serviceaccount:cert-manager:cert-manager";
const CAINJECTOR = "system:serviceaccount:cert-manager:cert-manager-cainjector";
const SOLVER_IMAGE = byDigest("quay.io/jetstack/cert-manager-acmesolver:v1.21.1");
const SOLVER_LABELS = { "acme.cert-manager.io/http-domain": "1234", "acme.cert-manager.io/http-token": "5678", "acme.cert-manager.io/http01-solver": "true" };

describe("cert-manager's admission policies", () => {
    const verdict = admissionVerdicts("dev", { group: "", version: "v1", resource: "", operation: "CREATE", namespace: "groundwork-ingress", object: null, username: CONTROLLER });

    // As pkg/issuer/acme/http/pod.go L197-260 builds it, with the ServiceAccount admission's default account.
    const solverPod = (change: Record<string, unknown> = {}) => ({
        metadata: { generateName: "cm-acme-http-solver-", labels: SOLVER_LABELS, annotations: { "linkerd.io/inject": "disabled" } },
        spec: {
            automountServiceAccountToken: false, nodeSelector: { "kubernetes.io/os": "linux" }, restartPolicy: "OnFailure", enableServiceLinks: false, serviceAccountName: "default",
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "acmesolver", image: SOLVER_IMAGE, args: ["--listen-port=8089", "--domain=ai.dev.groundwork.example", "--token=t", "--key=k"], ports: [{ name: "http", containerPort: 8089 }], securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
            ...change,
        },
    });
    const pod = (object: object, namespace = "groundwork-ingress") => verdict({ resource: "pods", namespace, object: object as Record<string, unknown> });
    const solverService = (change: Record<string, unknown> = {}) => ({ metadata: { labels: SOLVER_LABELS }, spec: { type: "ClusterIP", ports: [{ name: "http", port: 8089, targetPort: 8089 }], selector: SOLVER_LABELS, ...change } });
    const solverIngress = (service: string, path = "/.well-known/acme-challenge/t") => ({
        metadata: { labels: SOLVER_LABELS, annotations: { "kubernetes.io/ingress.class": "traefik" } },
        spec: { rules: [{ host: "ai.dev.groundwork.example", http: { paths: [{ path, pathType: "ImplementationSpecific", backend: { service: { name: service, port: { number: 8089 } } } }] } }] },
    });

    it("admits the controller's HTTP-01 solver pod, Service and Ingress", () => {
        assert.equal(pod(solverPod()).denied, false);
        assert.equal(verdict({ resource: "services", object: solverService() }).denied, false);
        assert.equal(verdict({ group: "networking.k8s.io", resource: "ingresses", object: solverIngress("cm-acme-http-solver-x7k2q") }).denied, false);
        assert.equal(verdict({ group: "networking.k8s.io", resource: "ingresses", operation: "UPDATE", object: solverIngress("cm-acme-http-solver-x7k2q"), oldObject: solverIngress("cm-acme-http-solver-a1b2c") }).denied, false);
    });

    // As cert-manager v1.21.1 writes them: issuing/internal/secret.go L93-190, keymanager_controller.go L300-310 and L376-396, acme/setup.go L536-560.
    const issued = (type = "kubernetes.io/tls") => ({ type, metadata: { name: "linkerd-identity-issuer", annotations: { "cert-manager.io/certificate-name": "linkerd-identity-issuer", "cert-manager.io/issuer-name": "linkerd-trust-anchor-1", "cert-manager.io/issuer-kind": "ClusterIssuer" } }, data: {} });
    const nextKey = { metadata: { generateName: "vault-tls-", name: "vault-tls-x7k2q", labels: { "cert-manager.io/next-private-key": "true", "controller.cert-manager.io/fao": "true" }, ownerReferences: [{ apiVersion: "cert-manager.io/v1", kind: "Certificate", name: "vault-tls", uid: "u", controller: true }] }, data: { "tls.key": "" } };
    const secret = (operation: AdmissionRequest["operation"], namespace: string, object: object | null, oldObject?: object) =>
        verdict({ resource: "secrets", operation, namespace, name: ((object ?? oldObject) as any)?.metadata?.name ?? "s", object: object as Record<string, unknown> | null, oldObject: oldObject as Record<string, unknown> | undefined });

    it("admits the Secrets the controller issues, renews and deletes", () => {
        assert.equal(secret("CREATE", "linkerd", issued()).denied, false, "a certificate issued");
        assert.equal(secret("UPDATE", "linkerd", issued(), issued()).denied, false, "renewed");
        assert.equal(secret("CREATE", "groundwork-ingress", nextKey).denied, false, "a next private key");
        assert.equal(secret("DELETE", "groundwork-ingress", null, nextKey).denied, false, "a next private key deleted");
        assert.equal(secret("CREATE", "cert-manager", { metadata: { name: "groundwork-acme-account", labels: { "app.kubernetes.io/managed-by": "cert-manager" } }, data: { "tls.key": "" } }).denied, false, "the ACME account key");
    });

    it("denies the controller a Secret it did not issue: overwritten, deleted, or a token", () => {
        const trustAnchor = { type: "kubernetes.io/tls", metadata: { name: "linkerd-trust-anchor-1" }, data: {} };
        const overwritten = secret("UPDATE", "cert-manager", { ...trustAnchor, metadata: { ...trustAnchor.metadata, annotations: { "cert-manager.io/certificate-name": "x" } } }, trustAnchor);
        assert.deepEqual(overwritten, { denied: true, by: "groundwork-cert-manager", message: "cert-manager's controller may write only the Secrets it issues (TLS Secrets annotated cert-manager.io/certificate-name), a Certificate's next private key and, in cert-manager, its ACME account key (groundwork-acme-account); never a token Secret, and it may delete only next private keys" });
        const vsoSecret = { type: "Opaque", metadata: { name: "llm-gateway-keys", labels: { "app.kubernetes.io/managed-by": "hashicorp-vso" } }, data: {} };
        assert.equal(secret("UPDATE", "groundwork-inference", vsoSecret, vsoSecret).denied, true, "VSO's Secret overwritten");
        assert.equal(secret("DELETE", "groundwork-inference", null, vsoSecret).denied, true, "VSO's Secret deleted");
        assert.equal(secret("DELETE", "linkerd", null, issued()).denied, true, "an issued certificate deleted");
        assert.equal(secret("CREATE", "kube-system", { type: "Opaque", metadata: { name: "k3s-etcd-snapshot-s3" }, data: {} }).denied, true, "an unlabelled Secret");
        assert.equal(secret("CREATE", "groundwork-data", { metadata: { labels: { "app.kubernetes.io/managed-by": "cert-manager" } } }).denied, true, "an account key outside cert-manager");
        assert.equal(secret("CREATE", "groundwork-data", { metadata: { labels: { "cert-manager.io/next-private-key": "true" } } }).denied, true, "a next key owned by no Certificate");
        // An issued certificate relabelled as a next key is still no next key to delete (review s24b F1).
        const relabelled = { ...issued(), metadata: { ...issued().metadata, labels: { "cert-manager.io/next-private-key": "true" }, ownerReferences: nextKey.metadata.ownerReferences } };
        assert.equal(secret("UPDATE", "linkerd", relabelled, issued()).denied, false, "the label may be written: the Secret stays issued");
        assert.equal(secret("DELETE", "linkerd", null, relabelled).denied, true, "but it is not deleted");
        // A first issue is a TLS Secret, and the account key has its issuer's name (review s24b F2).
        assert.equal(secret("CREATE", "groundwork-inference", { ...issued("kubernetes.io/dockerconfigjson"), metadata: { ...issued().metadata, name: "registry-pull" } }).denied, true, "a pull secret planted");
        assert.equal(secret("CREATE", "cert-manager", { metadata: { name: "linkerd-trust-anchor-2", labels: { "app.kubernetes.io/managed-by": "cert-manager" } } }).denied, true, "an account key of another name");
        // A next key only as the keymanager makes it: Opaque, tls.key alone, named after its Certificate (security review s24b F1).
        assert.equal(secret("CREATE", "groundwork-inference", { ...nextKey, type: "kubernetes.io/dockerconfigjson" }).denied, true, "a pull secret as a next key");
        assert.equal(secret("CREATE", "groundwork-inference", { ...nextKey, data: { "tls.key": "", ".dockerconfigjson": "" } }).denied, true, "other data in a next key");
        assert.equal(secret("CREATE", "groundwork-inference", { ...nextKey, metadata: { ...nextKey.metadata, name: "registry-pull" } }).denied, true, "a next key named after nothing it belongs to");
        assert.equal(secret("CREATE", "system-upgrade", { ...issued("kubernetes.io/service-account-token"), metadata: { ...issued().metadata, annotations: { ...issued().metadata.annotations, "kubernetes.io/service-account.name": "system-upgrade" } } }).denied, true, "a token, however annotated");
    });


    it("denies the controller a pod, Service or Ingress that is not a solver's", () => {
        const privileged = pod({ spec: { containers: [{ name: "x", image: "busybox", securityContext: { privileged: true } }] } }, "kube-system");
        assert.equal(privileged.denied, true);
        assert.match(String(privileged.message), /^cert-manager's controller may create only HTTP-01 solver pods: one quay\.io\/jetstack\/cert-manager-acmesolver:v1\.21\.1@sha256:[0-9a-f]{64} container/);
        assert.equal(pod({ ...solverPod(), metadata: { labels: SOLVER_LABELS } , spec: { ...solverPod().spec, containers: [{ name: "acmesolver", image: "busybox" }] } }).denied, true, "another image");
        assert.equal(pod(solverPod({ volumes: [{ name: "host", hostPath: { path: "/" } }] })).denied, true, "a host path");
        assert.equal(pod(solverPod({ hostNetwork: true })).denied, true, "the host's network");
        const solverContainer = solverPod().spec.containers[0];
        assert.equal(pod(solverPod({ containers: [{ ...solverContainer, securityContext: { privileged: true } }] })).denied, true, "privileged");
        assert.equal(pod(solverPod({ containers: [{ ...solverContainer, command: ["/bin/sh"] }] })).denied, true, "a command of its own");
        assert.equal(pod(solverPod({ containers: [{ ...solverContainer, ports: [{ containerPort: 8089, hostPort: 80 }] }] })).denied, true, "a host port");
        assert.equal(pod(solverPod({ nodeName: "server-1" })).denied, true, "a node chosen");
        // Only the fields pod.go sets: no priority or runtime class, no GPU, no capability, no probe (security review s24b F4).
        assert.equal(pod(solverPod({ priorityClassName: "system-node-critical" })).denied, true, "a priority class");
        assert.equal(pod(solverPod({ containers: [{ ...solverContainer, resources: { limits: { "nvidia.com/gpu": "1" } } }] })).denied, true, "a GPU");
        assert.equal(pod(solverPod({ containers: [{ ...solverContainer, securityContext: { ...solverContainer.securityContext, capabilities: { add: ["NET_ADMIN"] } } }] })).denied, true, "a capability");
        assert.equal(pod(solverPod({ containers: [{ ...solverContainer, livenessProbe: { httpGet: { host: "169.254.169.254", port: 80 } } }] })).denied, true, "a probe to any host");
        // It deletes only solver objects (security review s24b F2).
        const deletion = (resource: string, namespace: string, oldObject: object) => verdict({ resource, operation: "DELETE", namespace, name: "x", object: null, oldObject: oldObject as Record<string, unknown> });
        assert.equal(deletion("services", "kube-system", { metadata: { name: "kube-dns", labels: { "k8s-app": "kube-dns" } } }).denied, true, "kube-dns deleted");
        assert.equal(deletion("services", "groundwork-ingress", solverService()).denied, false, "a solver Service deleted");
        assert.equal(deletion("pods", "groundwork-ingress", solverPod()).denied, false, "a solver pod deleted");
        assert.equal(pod(solverPod({ automountServiceAccountToken: true, serviceAccountName: "vault" })).denied, true, "a token");
        assert.equal(verdict({ resource: "services", object: solverService({ type: "LoadBalancer" }) }).denied, true, "a load balancer");
        assert.equal(verdict({ resource: "services", namespace: "vault", object: solverService({ selector: { "app.kubernetes.io/name": "vault" } }) }).denied, true, "selecting other pods");
        assert.equal(verdict({ group: "networking.k8s.io", resource: "ingresses", namespace: "vault", object: solverIngress("vault-ui") }).denied, true, "a route to another Service");
        assert.equal(verdict({ group: "networking.k8s.io", resource: "ingresses", object: solverIngress("cm-acme-http-solver-x7k2q", "/") }).denied, true, "another path");
    });

    const webhooks = (clientConfig: object, rules = [{ apiGroups: ["cert-manager.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["*/*"] }]) => ({
        webhooks: [{ name: "webhook.cert-manager.io", rules, admissionReviewVersions: ["v1"], sideEffects: "None", failurePolicy: "Fail", matchPolicy: "Equivalent", timeoutSeconds: 30, clientConfig }],
    });
    const service = { service: { name: "cert-manager-webhook", namespace: "cert-manager", path: "/mutate", port: 443 } };
    const inject = (name: string, before: object, after: object, resource = "mutatingwebhookconfigurations") =>
        verdict({ username: CAINJECTOR, group: "admissionregistration.k8s.io", resource, operation: "UPDATE", namespace: "", name, oldObject: before as Record<string, unknown>, object: after as Record<string, unknown> });

    it("admits the CA injector's CA bundle on cert-manager's own webhook configurations", () => {
        assert.equal(inject("cert-manager-webhook", webhooks(service), webhooks({ ...service, caBundle: "LS0tLS1CRUdJTg==" })).denied, false);
        assert.equal(inject("cert-manager-webhook", webhooks(service), webhooks({ ...service, caBundle: "LS0tLS1CRUdJTg==" }), "validatingwebhookconfigurations").denied, false);
        // The prometheus-operator's, which kube-prometheus-stack annotates with admissionWebhooks.certManager (review s23 F1).
        assert.equal(inject("monitoring-kube-prometheus-admission", webhooks(service), webhooks({ ...service, caBundle: "LS0tLS1CRUdJTg==" })).denied, false);
    });

    it("denies the CA injector anything else: another webhook configuration, another field, an APIService or CRD", () => {
        const elsewhere = inject("linkerd-proxy-injector-webhook-config", webhooks(service), webhooks({ ...service, caBundle: "x" }));
        assert.deepEqual(elsewhere, { denied: true, by: "groundwork-cert-manager-cainjector", message: "cert-manager's CA injector may change only the CA bundle of the webhook configurations cert-manager-webhook, monitoring-kube-prometheus-admission, no other webhook, APIService or CRD" });
        assert.equal(inject("cert-manager-webhook", webhooks(service), webhooks({ url: "https://thief.invalid/mutate", caBundle: "x" })).denied, true, "another destination");
        assert.equal(inject("cert-manager-webhook", webhooks(service), webhooks(service, [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }])).denied, true, "other rules");
        const added = { webhooks: [...webhooks(service).webhooks, { name: "pods.thief.invalid", clientConfig: { url: "https://thief.invalid" } }] };
        assert.equal(inject("cert-manager-webhook", webhooks(service), added).denied, true, "a webhook added");
        assert.equal(verdict({ username: CAINJECTOR, group: "apiregistration.k8s.io", resource: "apiservices", operation: "UPDATE", namespace: "", name: "v1beta1.metrics.k8s.io", oldObject: {}, object: {} }).denied, true);
        // Nobody else is held to this.
        assert.equal(verdict({ username: "system:admin", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", operation: "UPDATE", namespace: "", name: "x", oldObject: {}, object: {} }).denied, false);
    });
});
