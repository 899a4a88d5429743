import { strict as assert } from "assert";
import { kubernetesDocuments } from "../plan/report";
import { committedPlan } from "./helpers";

/**
 * Linkerd's proxy injector rewrites the pods of every namespace its webhook selects: whoever
 * controls its answers (its process, or its serving key) could turn a pod created in a namespace
 * whose Pod Security is `privileged` into a privileged host pod. Every such namespace is unmeshed
 * and opted out of the webhook (controller RBAC review s25 F3).
 */
describe("the proxy injector's reach", () => {
    for (const stack of ["dev", "cloud", "edge", "hybrid"]) {
        it(`leaves out every privileged namespace of the ${stack} stack`, async () => {
            const namespaces = (kubernetesDocuments((await committedPlan(stack)).resources) as any[]).filter((d) => d.kind === "Namespace");
            const privileged = namespaces.filter((n) => n.metadata.labels?.["pod-security.kubernetes.io/enforce"] === "privileged");
            assert.ok(privileged.length >= 3, privileged.map((n) => n.metadata.name).join(", "));
            for (const n of privileged) {
                assert.equal(n.metadata.labels["config.linkerd.io/admission-webhooks"], "disabled", `${n.metadata.name} is privileged and still in the injector's reach`);
                assert.notEqual(n.metadata.annotations?.["linkerd.io/inject"], "enabled", `${n.metadata.name} is privileged and meshed`);
            }
        });
    }
});
