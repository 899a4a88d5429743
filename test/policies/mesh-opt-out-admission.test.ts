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
    const pod = (namespace: string, podAnnotations: Record<string, string> = {}, labels: Record<string, string> = {}, username?: string) => verdict({
        namespace, name: "probe", ...(username ? { username } : {}), namespaceAnnotations: annotations[namespace] ?? {},
        object: { metadata: { name: "probe", namespace, annotations: podAnnotations, labels }, spec: { containers: [{ name: "app", image: "app:1" }] } },
    });
    const optedOut = (o: ReturnType<typeof pod>) => o.denied && o.by === "groundwork-mesh-opt-out";

    it("the plan meshes the namespaces it tests with, and leaves system-upgrade out", () => {
        assert.equal(annotations["groundwork-inference"]?.["linkerd.io/inject"], "enabled");
        assert.equal(annotations["groundwork-ingress"]?.["linkerd.io/inject"], "enabled");
        assert.notEqual(annotations["system-upgrade"]?.["linkerd.io/inject"], "enabled");
    });

    it("denies a pod that opts out in a meshed namespace, whoever creates it", () => {
        const person = pod("groundwork-inference", { "linkerd.io/inject": "disabled" });
        assert.deepEqual(person, { denied: true, by: "groundwork-mesh-opt-out", message: "a pod in a namespace Linkerd meshes may not opt out (linkerd.io/inject other than enabled or ingress, or a label the injector skips: linkerd.io/control-plane-component, linkerd.io/cni-resource): it would be out of every Server and AuthorizationPolicy there; run it in a namespace that is not meshed" });
        // Any value the injector does not know skips it too, as do the labels its webhook never sees (mesh opt-out review s26).
        assert.ok(optedOut(pod("groundwork-inference", { "linkerd.io/inject": "false" })));
        assert.ok(optedOut(pod("groundwork-inference", {}, { "linkerd.io/control-plane-component": "proxy-injector" })));
        assert.ok(optedOut(pod("groundwork-inference", {}, { "linkerd.io/cni-resource": "true" })));
        assert.ok(optedOut(pod("groundwork-inference", { "linkerd.io/inject": "disabled" }, {}, "system:serviceaccount:kube-system:replicaset-controller")), "a Deployment's pods too");
        // A solver's label from anyone but cert-manager's controller is no pass.
        assert.ok(optedOut(pod("groundwork-ingress", { "linkerd.io/inject": "disabled" }, { "acme.cert-manager.io/http01-solver": "true" })));
    });

    it("admits meshed pods, pods outside meshed namespaces, and cert-manager's HTTP-01 solvers", () => {
        assert.ok(!optedOut(pod("groundwork-inference")));
        assert.ok(!optedOut(pod("groundwork-inference", { "linkerd.io/inject": "enabled" })));
        assert.ok(!optedOut(pod("groundwork-ingress", { "linkerd.io/inject": "ingress" })), "the proxy in ingress mode is still the mesh");
        assert.ok(!optedOut(pod("system-upgrade", { "linkerd.io/inject": "disabled" })));
        assert.ok(!optedOut(pod("groundwork-ingress", { "linkerd.io/inject": "disabled" }, { "acme.cert-manager.io/http01-solver": "true" }, "system:serviceaccount:cert-manager:cert-manager")));
    });
});
