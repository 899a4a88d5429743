import { strict as assert } from "assert";
import { kubernetesDocuments } from "../../plan/report";
import { admissionVerdicts, committedPlan } from "../helpers";

/**
 * The mesh opt-out policy, as the dev plan renders it, judged by evaluating its CEL with each
 * namespace's annotations as the plan sets them (issue 12 audit s26, item 2).
 */
describe("the mesh opt-out admission policy", () => {
    let annotations: Record<string, Record<string, string>> = {};
    before(async () => {
        annotations = Object.fromEntries(kubernetesDocuments((await committedPlan("dev")).resources).filter((d: any) => d.kind === "Namespace")
            .map((d: any) => [d.metadata.name, d.metadata.annotations ?? {}]));
    });
    const verdict = admissionVerdicts("dev", { group: "", version: "v1", resource: "pods", operation: "CREATE", username: "oidc:ada@groundwork.example" });
    const pod = (namespace: string, podAnnotations: Record<string, string> = {}, labels: Record<string, string> = {}, username?: string, spec: Record<string, unknown> = { containers: [{ name: "app", image: "app:1" }] }) => verdict({
        namespace, name: "probe", ...(username ? { username } : {}), namespaceAnnotations: annotations[namespace] ?? {},
        object: { metadata: { name: "probe", namespace, annotations: podAnnotations, labels }, spec },
    });
    const optedOut = (o: ReturnType<typeof pod>) => o.denied && o.by === "groundwork-mesh-opt-out";

    it("the plan meshes the namespaces it tests with, and leaves system-upgrade out", () => {
        assert.equal(annotations["groundwork-inference"]?.["linkerd.io/inject"], "enabled");
        assert.equal(annotations["groundwork-ingress"]?.["linkerd.io/inject"], "enabled");
        assert.notEqual(annotations["system-upgrade"]?.["linkerd.io/inject"], "enabled");
    });

    it("denies a pod that opts out in a meshed namespace, whoever creates it", () => {
        const person = pod("groundwork-inference", { "linkerd.io/inject": "disabled" });
        assert.deepEqual(person, { denied: true, by: "groundwork-mesh-opt-out", message: "a pod in a namespace Linkerd meshes may not opt out (linkerd.io/inject other than enabled or ingress, a label the injector skips: linkerd.io/control-plane-component, linkerd.io/cni-resource, or a sidecar it takes for a proxy of its own: istio-proxy, istio-init, linkerd-init): it would be out of every Server and AuthorizationPolicy there; run it in a namespace that is not meshed" });
        // Any value the injector does not know skips it too, as do the labels its webhook never sees (mesh opt-out review s26).
        assert.ok(optedOut(pod("groundwork-inference", { "linkerd.io/inject": "false" })));
        assert.ok(optedOut(pod("groundwork-inference", {}, { "linkerd.io/control-plane-component": "proxy-injector" })));
        assert.ok(optedOut(pod("groundwork-inference", {}, { "linkerd.io/cni-resource": "true" })));
        assert.ok(optedOut(pod("groundwork-inference", { "linkerd.io/inject": "disabled" }, {}, "system:serviceaccount:kube-system:replicaset-controller")), "a Deployment's pods too");
        // A solver's label from anyone but cert-manager's controller is no pass.
        assert.ok(optedOut(pod("groundwork-ingress", { "linkerd.io/inject": "disabled" }, { "acme.cert-manager.io/http01-solver": "true" })));
    });

    it("denies a pod that brings a sidecar the injector takes for a proxy, and admits one the injector meshed (security review s27 F3)", () => {
        const app = { name: "app", image: "app:1" };
        // What the injector adds under Linkerd's CNI plugin: the validator, and the proxy as a native sidecar.
        const injected = { initContainers: [{ name: "linkerd-network-validator", image: "cr.l5d.io/linkerd/proxy:edge-26.8.3" }, { name: "linkerd-proxy", image: "cr.l5d.io/linkerd/proxy:edge-26.8.3", restartPolicy: "Always" }], containers: [app] };
        assert.ok(!optedOut(pod("groundwork-inference", {}, {}, undefined, injected)));
        for (const spec of [
            { containers: [app, { name: "istio-proxy", image: "proxy:1" }] },
            { initContainers: [{ name: "istio-init", image: "init:1" }], containers: [app] },
            { initContainers: [{ name: "linkerd-init", image: "init:1" }], containers: [app] },
            { initContainers: [{ name: "setup", image: "cr.l5d.io/linkerd/proxy-init:v2.4.0" }], containers: [app] },
            { containers: [app, { name: "envoy", image: "gcr.io/istio-release/proxyv2:1.24.0" }] },
        ]) {
            assert.ok(optedOut(pod("groundwork-inference", {}, {}, undefined, spec)), JSON.stringify(spec));
        }
        assert.ok(!optedOut(pod("system-upgrade", {}, {}, undefined, { containers: [app, { name: "istio-proxy", image: "proxy:1" }] })), "outside the mesh, anything");
    });

    it("admits meshed pods, pods outside meshed namespaces, and cert-manager's HTTP-01 solvers", () => {
        assert.ok(!optedOut(pod("groundwork-inference")));
        assert.ok(!optedOut(pod("groundwork-inference", { "linkerd.io/inject": "enabled" })));
        assert.ok(!optedOut(pod("groundwork-ingress", { "linkerd.io/inject": "ingress" })), "the proxy in ingress mode is still the mesh");
        assert.ok(!optedOut(pod("system-upgrade", { "linkerd.io/inject": "disabled" })));
        assert.ok(!optedOut(pod("groundwork-ingress", { "linkerd.io/inject": "disabled" }, { "acme.cert-manager.io/http01-solver": "true" }, "system:serviceaccount:cert-manager:cert-manager")));
    });
});
