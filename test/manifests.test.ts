import { strict as assert } from "assert";
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob, Job } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { RuntimeClass } from "kubernetes-models/node.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { kubernetesDocuments } from "../plan/report";

import { committedPlan } from "./helpers";

/** Core Kubernetes kinds we create ourselves, validated against the upstream OpenAPI schemas. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
    "v1/Namespace": Namespace,
    "v1/ServiceAccount": ServiceAccount,
    "v1/Secret": Secret,
    "v1/ConfigMap": ConfigMap,
    "v1/Service": Service,
    "v1/PersistentVolumeClaim": PersistentVolumeClaim,
    "apps/v1/Deployment": Deployment,
    "batch/v1/Job": Job,
    "batch/v1/CronJob": CronJob,
    "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
    "node.k8s.io/v1/RuntimeClass": RuntimeClass,
    "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
    "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": ValidatingAdmissionPolicy,
    "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": ValidatingAdmissionPolicyBinding,
};
const CORE_GROUPS = ["node.k8s.io/", "networking.k8s.io/", "admissionregistration.k8s.io/"];

describe("rendered manifests", function () {
    for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
        it(`validates every core object of the ${stack} stack against the Kubernetes schema, and pins every chart`, async () => {
            // Validated with secrets in place (in memory only): the written plan masks them wholesale.
            const plan = await committedPlan(stack);
            const docs = kubernetesDocuments(plan.resources.map((r) => ({ ...r, inputs: r.plainInputs }))) as { apiVersion: string; kind: string; spec?: any }[];
            const core = docs.filter((d) => !d.apiVersion.includes(".") || CORE_GROUPS.some((group) => d.apiVersion.startsWith(group)));
            assert.ok(core.some((d) => d.kind === "NetworkPolicy"), "the namespaces' NetworkPolicies are rendered");
            assert.ok(core.some((d) => d.kind === "Deployment"), "the inference workloads are rendered");
            assert.ok(core.some((d) => d.kind === "ValidatingAdmissionPolicy"), "the trust anchor's admission policy is rendered");
            assert.ok(core.length >= 5);
            for (const doc of core) {
                const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
                assert.ok(Model, `no schema check for ${doc.apiVersion} ${doc.kind}`);
                new Model(doc).validate();
            }
            const releases = docs.filter((d) => d.kind === "HelmRelease");
            assert.ok(releases.length >= 10);
            for (const r of releases) {
                assert.match(r.spec.version, /^v?\d+\.\d+\.\d+$/, `${r.spec.chart} is not pinned`);
                assert.match(r.spec.repo, /^https:\/\//, `${r.spec.chart} has no repository`);
            }
            const vso = releases.find((r) => r.spec.chart === "vault-secrets-operator")!;
            assert.deepEqual([vso.spec.repo, vso.spec.version], ["https://helm.releases.hashicorp.com", "1.4.1"]);
            assert.deepEqual(vso.spec.values.defaultVaultConnection, { enabled: true, address: "http://vault.vault.svc.cluster.local:8200" });
        });
    }
});
