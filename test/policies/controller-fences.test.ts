import { strict as assert } from "assert";
import { kubernetesDocuments } from "../../plan/report";
import { controllerWritesFenced } from "../../policies/security/controller-fences";
import { committedPlan } from "../helpers";
import { messages, record } from "./harness";

const CHART = "kubernetes:helm.sh/v4:Chart";
const vso = record(CHART, { chart: "vault-secrets-operator", name: "vault-secrets-operator", namespace: "vault-secrets-operator", values: {} }, "vault-secrets-operator");
const kps = record(CHART, { chart: "kube-prometheus-stack", name: "monitoring", namespace: "groundwork-observability", values: {} }, "monitoring");
const kured = record(CHART, { chart: "kured", name: "kured", namespace: "kured", values: {} }, "kured");
const barman = record(CHART, { chart: "plugin-barman-cloud", name: "plugin-barman-cloud", namespace: "cnpg-system", values: {} }, "plugin-barman-cloud");
const cnpg = record(CHART, { chart: "cloudnative-pg", name: "cnpg", namespace: "cnpg-system", values: {} }, "cnpg");
const linkerd = record(CHART, { chart: "linkerd-control-plane", name: "linkerd-control-plane", namespace: "linkerd", values: {} }, "linkerd-control-plane");
const autoscaler = record(CHART, { chart: "cluster-autoscaler", name: "cluster-autoscaler", namespace: "cluster-autoscaler", values: { cloudProvider: "aws" } }, "cluster-autoscaler");
const certManager = record(CHART, { chart: "cert-manager", name: "cert-manager", namespace: "cert-manager", values: {} }, "cert-manager");
const keda = record(CHART, { chart: "keda", name: "keda", namespace: "keda", values: {} }, "keda");
const hub = record(CHART, { chart: "jupyterhub", name: "notebooks", namespace: "groundwork-notebooks", values: {} }, "notebooks");
/** system-upgrade-controller has no chart: the stack's own Deployment, found by its image. */
const upgrades = record("kubernetes:apps/v1:Deployment", { metadata: { name: "system-upgrade-controller", namespace: "system-upgrade" },
    spec: { template: { spec: { serviceAccountName: "system-upgrade", containers: [{ name: "system-upgrade-controller", image: "docker.io/rancher/system-upgrade-controller:v0.20.1@sha256:" + "0".repeat(64) }] } } } }, "k3s-upgrades-controller");

describe("controller-writes-fenced (security pack)", () => {
    it("passes the cloud stack's admission policies, which fence every controller the rule knows", async () => {
        const docs = kubernetesDocuments((await committedPlan("cloud")).resources).filter((d: any) => d.kind?.startsWith("ValidatingAdmissionPolicy"));
        const policies = docs.map((d: any, i) => record(`kubernetes:admissionregistration.k8s.io/v1:${d.kind}`, d, `policy-${i}`));
        assert.deepEqual(await messages(controllerWritesFenced, [vso, kps, kured, barman, certManager, cnpg, linkerd, autoscaler, hub, keda, upgrades, ...policies]), []);
    });

    it("flags each controller no policy fences, naming its account as the chart names it", async () => {
        const found = await messages(controllerWritesFenced, [vso, kps, kured, barman, certManager, cnpg, linkerd, autoscaler, hub, keda, upgrades]);
        assert.equal(found.length, 12);
        assert.match(found[0], /^system:serviceaccount:vault-secrets-operator:vault-secrets-operator-controller-manager may mint a token for any ServiceAccount, patch any workload and write any Secret .*, and nothing refuses it a request outside what it does \(CREATE serviceaccounts\/token in system-upgrade was admitted\)/);
        assert.match(found[1], /^system:serviceaccount:groundwork-observability:monitoring-kube-prometheus-operator may do anything with StatefulSets, Secrets and ConfigMaps in every namespace .*\(CREATE statefulsets in kube-system was admitted\)/);
        assert.match(found[2], /^system:serviceaccount:kured:kured may rewrite its own DaemonSet, .*\(UPDATE daemonsets in kured was admitted\)/);
        assert.match(found[3], /^system:serviceaccount:cnpg-system:plugin-barman-cloud may create and read Secrets in every namespace, .*\(CREATE secrets in cnpg-system was admitted\)/);
        assert.match(found[4], /^system:serviceaccount:cert-manager:cert-manager may create pods and write Secrets in every namespace .*\(CREATE pods in kube-system was admitted\)/);
        assert.match(found[5], /^system:serviceaccount:cert-manager:cert-manager-cainjector may update every webhook configuration, APIService and CRD .*\(UPDATE mutatingwebhookconfigurations was admitted\)/);
        assert.match(found[6], /^system:serviceaccount:cnpg-system:cnpg-cloudnative-pg may exec into any pod, .*\(CONNECT pods\/exec in system-upgrade was admitted\)/);
        assert.match(found[7], /^system:serviceaccount:linkerd:linkerd-destination may write EndpointSlices and Leases in every namespace .*\(CREATE endpointslices in vault was admitted\)/);
        assert.match(found[8], /^system:serviceaccount:cluster-autoscaler:cluster-autoscaler-aws-cluster-autoscaler may update every Node, .*\(UPDATE nodes was admitted\)/);
        assert.match(found[9], /^system:serviceaccount:groundwork-notebooks:hub may create pods and Secrets in its namespace .*\(CREATE pods in groundwork-notebooks was admitted\)/);
        assert.match(found[10], /^system:serviceaccount:keda:keda-operator may create Jobs in the namespaces it watches and update every validating webhook configuration and APIService .*\(CREATE jobs in groundwork-inference was admitted\)/);
        assert.match(found[11], /^system:serviceaccount:system-upgrade:system-upgrade may create Jobs in a namespace whose Pod Security is privileged, .*\(CREATE jobs in system-upgrade was admitted\)/);
        // A chart's serviceAccount.name is its account.
        const named = record(CHART, { chart: "kured", name: "kured", namespace: "kured", values: { serviceAccount: { name: "rebooter" } } }, "kured");
        assert.match((await messages(controllerWritesFenced, [named]))[0], /^system:serviceaccount:kured:rebooter may/);
        // Another release name makes another account: `<release>-<chart name>` when the release does not hold it.
        const other = record(CHART, { chart: "vault-secrets-operator", name: "secrets", namespace: "vso", values: {} }, "secrets");
        assert.match((await messages(controllerWritesFenced, [other]))[0], /^system:serviceaccount:vso:secrets-vault-secrets-operator-controller-manager may/);
    });

    it("refuses a fence that stops one theft and not another (review s22c)", async () => {
        const docs = kubernetesDocuments((await committedPlan("cloud")).resources).filter((d: any) => d.kind?.startsWith("ValidatingAdmissionPolicy"));
        // VSO's policy with its token rule alone: tokens for other accounts are refused, a token Secret is not.
        const tokensOnly = docs.map((d: any) => (d.kind === "ValidatingAdmissionPolicy" && d.metadata.name === "groundwork-vault-secrets-operator"
            ? { ...d, spec: { ...d.spec, validations: d.spec.validations.slice(0, 1) } } : d));
        const policies = tokensOnly.map((d: any, i) => record(`kubernetes:admissionregistration.k8s.io/v1:${d.kind}`, d, `policy-${i}`));
        const found = await messages(controllerWritesFenced, [vso, ...policies]);
        assert.equal(found.length, 1);
        assert.match(found[0], /^system:serviceaccount:vault-secrets-operator:vault-secrets-operator-controller-manager may .*\(CREATE secrets in system-upgrade was admitted\)/);
    });

    it("follows the prometheus-operator's account where the values rename it", async () => {
        const account = async (prometheusOperator: object, name = "monitoring") => (await messages(controllerWritesFenced, [
            record(CHART, { chart: "kube-prometheus-stack", name, namespace: "o", values: { prometheusOperator } }, "kps"),
        ]))[0].split(" ")[0];
        assert.equal(await account({ serviceAccount: { name: "prom-op" } }), "system:serviceaccount:o:prom-op");
        assert.equal(await account({ serviceAccount: { create: false } }), "system:serviceaccount:o:default");
        assert.equal(await account({ fullnameOverride: "op" }), "system:serviceaccount:o:op");
        // trunc 26, then trimSuffix "-", which drops one dash of the two the cut leaves.
        assert.equal(await account({}, "abcdefghijklmnopqrstuvwx--y"), "system:serviceaccount:o:abcdefghijklmnopqrstuvwx--operator");
    });

    it("has nothing to check without those charts", async () => {
        assert.deepEqual(await messages(controllerWritesFenced, [record(CHART, { chart: "qdrant", name: "qdrant", namespace: "groundwork-data" }, "qdrant")]), []);
    });
});
