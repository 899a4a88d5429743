import { strict as assert } from "assert";
import { admissionVerdicts } from "../helpers";

/**
 * The JupyterHub hub's admission policy, as the dev plan renders it, judged by evaluating its CEL: a
 * person's server as KubeSpawner 7.0.0 makes it from this stack's values, its home claim, and their
 * deletion are admitted; a pod as another account, with a token, another Secret, or a Secret or
 * Service of its own is denied (controller RBAC review s25 F2).
 */
const HUB = "system:serviceaccount:groundwork-notebooks:hub";

/** A server pod as KubeSpawner builds it (objects.py make_pod), with `change` applied to its spec. */
function serverPod(change: (spec: any) => void = () => undefined) {
    const spec: any = {
        serviceAccountName: "notebook-user", automountServiceAccountToken: false, restartPolicy: "OnFailure",
        securityContext: { runAsNonRoot: true, fsGroup: 100, seccompProfile: { type: "RuntimeDefault" } },
        containers: [{
            name: "notebook", image: "quay.io/jupyter/minimal-notebook:2025-11-03", ports: [{ name: "notebook-port", containerPort: 8888 }],
            env: [{ name: "JUPYTERHUB_API_TOKEN", value: "x" }, { name: "OPENAI_API_KEY", valueFrom: { secretKeyRef: { name: "notebooks-gateway", key: "apiKey" } } }],
            volumeMounts: [{ name: "volume-ada", mountPath: "/home/jovyan" }],
        }],
        volumes: [{ name: "volume-ada", persistentVolumeClaim: { claimName: "claim-ada" } }],
    };
    // What Linkerd's injector adds before any validating policy runs (the namespace is meshed; linkerd2@edge-26.8.3
    // charts/patch/templates/patch.json, partials/templates/_volumes.tpl L24-32, _proxy.tpl): review s25 D1.
    spec.containers.unshift({ name: "linkerd-proxy", image: "cr.l5d.io/linkerd/proxy:edge-26.8.3",
        env: [{ name: "_pod_name", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }, { name: "LINKERD2_PROXY_IDENTITY_TOKEN_FILE", value: "/var/run/secrets/tokens/linkerd-identity-token" }],
        volumeMounts: [{ name: "linkerd-identity-end-entity", mountPath: "/var/run/linkerd/identity/end-entity" }, { name: "linkerd-identity-token", mountPath: "/var/run/secrets/tokens" }] });
    spec.initContainers = [{ name: "linkerd-network-validator", image: "cr.l5d.io/linkerd/proxy:edge-26.8.3", args: ["--log-format", "plain"] }];
    spec.volumes.push({ name: "linkerd-identity-end-entity", emptyDir: { medium: "Memory" } },
        { name: "linkerd-identity-token", projected: { sources: [{ serviceAccountToken: { audience: "identity.l5d.io", expirationSeconds: 86400, path: "linkerd-identity-token" } }] } });
    change(spec);
    return { metadata: { name: "jupyter-ada", labels: { app: "jupyterhub", component: "singleuser-server" } }, spec };
}

describe("the JupyterHub hub's admission policy", () => {
    const verdict = admissionVerdicts("dev", { group: "", version: "v1", resource: "pods", operation: "CREATE", namespace: "groundwork-notebooks", name: "jupyter-ada", object: {}, username: HUB });

    it("admits a person's server as KubeSpawner makes it, and its deletion", () => {
        assert.equal(verdict({ object: serverPod() }).denied, false);
        // With proxy tracing on, Linkerd also adds the pod's labels and annotations (review s25b N4).
        assert.equal(verdict({ object: serverPod((s) => { s.volumes.push({ name: "linkerd-podinfo", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }, { path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } }] } }); }) }).denied, false);
        assert.equal(verdict({ operation: "DELETE", object: null, oldObject: serverPod() }).denied, false);
        assert.equal(verdict({ resource: "persistentvolumeclaims", name: "claim-ada", object: { spec: { accessModes: ["ReadWriteOnce"] } } }).denied, false, "PVCs are not this policy's");
    });

    it("denies a pod as another account, with a token, reading another Secret, or a Secret or Service of its own", () => {
        const message = "the JupyterHub hub may start a server only as notebook-user, without an API token, its environment reading only notebooks-gateway, and with only its own home claim (claim-<the name after jupyter->), empty dirs, ConfigMaps and Linkerd's identity token mounted";
        assert.deepEqual(verdict({ object: serverPod((s) => { s.serviceAccountName = "notebooks-secrets"; }) }), { denied: true, by: "groundwork-jupyterhub-hub", message });
        const denied: [string, (s: any) => void][] = [
            ["a token", (s) => { s.automountServiceAccountToken = true; }],
            ["the token left to the account's default", (s) => { delete s.automountServiceAccountToken; }],
            ["the SSO client secret", (s) => { s.containers[1].env.push({ name: "S", valueFrom: { secretKeyRef: { name: "notebooks-sso", key: "clientSecret" } } }); }],
            ["the gateway Secret's other key", (s) => { s.containers[1].env[1].valueFrom.secretKeyRef.key = "masterKey"; }],
            ["a whole Secret", (s) => { s.containers[1].envFrom = [{ secretRef: { name: "hub" } }]; }],
            ["a Secret volume", (s) => { s.volumes.push({ name: "s", secret: { secretName: "hub" } }); }],
            ["a projected token", (s) => { s.volumes.push({ name: "t", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }); }],
            ["an init container reading a Secret", (s) => { s.initContainers.push({ name: "i", env: [{ name: "S", valueFrom: { secretKeyRef: { name: "notebooks-sso", key: "clientSecret" } } }] }); }],
            ["the hub's own database (review s25 R3)", (s) => { s.volumes.push({ name: "db", persistentVolumeClaim: { claimName: "hub-db-dir" } }); }],
            ["another person's home (review s25b R2)", (s) => { s.volumes[0].persistentVolumeClaim.claimName = "claim-grace"; }],
            ["a Secret's fields under the name of Linkerd's pod info", (s) => { s.volumes.push({ name: "linkerd-podinfo", downwardAPI: { items: [{ path: "x", resourceFieldRef: { resource: "limits.cpu" } }, { path: "y", fieldRef: { fieldPath: "spec.serviceAccountName" } }] } }); }],
            ["a token for the API server under Linkerd's name", (s) => { s.volumes.find((v: any) => v.name === "linkerd-identity-token").projected.sources[0].serviceAccountToken.audience = "https://kubernetes.default.svc"; }],
        ];
        for (const [what, change] of denied) assert.equal((verdict({ object: serverPod(change) }) as { message?: string }).message, message, what);
        assert.equal(verdict({ resource: "secrets", name: "forever", object: { type: "kubernetes.io/service-account-token", metadata: { annotations: { "kubernetes.io/service-account.name": "notebooks-secrets" } } } }).denied, true, "a token Secret");
        assert.equal(verdict({ resource: "services", name: "jupyter-ada", object: { spec: { ports: [{ port: 8888 }] } } }).denied, true, "a Service");
        // Its deletes and claims (threat-model review s25 T2).
        assert.equal(verdict({ operation: "DELETE", name: "hub-7d9f-abcde", object: null, oldObject: { metadata: { labels: { app: "jupyterhub", component: "hub" } } } }).denied, true, "the hub's own pod");
        assert.equal(verdict({ resource: "persistentvolumeclaims", operation: "DELETE", name: "hub-db-dir", object: null, oldObject: {} }).denied, true, "the hub's database");
        assert.equal(verdict({ resource: "persistentvolumeclaims", operation: "DELETE", name: "claim-ada", object: null, oldObject: {} }).denied, false, "a person's home, when they are removed");
        assert.equal(verdict({ resource: "secrets", operation: "DELETE", name: "hub", object: null, oldObject: {} }).denied, true, "the hub's Secret");
    });
});
