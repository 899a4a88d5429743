import { strict as assert } from "assert";
import { CLUSTER_AUTOSCALER_CHART } from "../components/aws/cluster-autoscaler";
import { DCGM_EXPORTER_CHART, NVIDIA_DEVICE_PLUGIN_CHART } from "../components/gpu/nvidia-gpu-support";
import { KEDA_CHART } from "../components/inference/queue-autoscaling";
import { KUBE_PROMETHEUS_STACK_CHART } from "../components/observability/monitoring";
import { OPEN_WEBUI_CHART } from "../components/apps/chat-ui";
import { JUPYTERHUB_CHART } from "../components/apps/notebooks";
import { TRAEFIK_CHART } from "../components/ingress/ingress-controller";
import { PinnedChart } from "../components/pinned-chart";
import { CERT_MANAGER_CHART } from "../components/platform/cert-manager";
import { LANGFUSE_CHART } from "../components/platform/langfuse";
import { LINKERD_CHARTS } from "../components/platform/linkerd-mesh";
import { CNPG_CHARTS } from "../components/platform/postgres-vector";
import { QDRANT_CHART } from "../components/platform/qdrant";
import { VAULT_CHART } from "../components/platform/vault";
import { VSO_CHART } from "../components/platform/vault-secrets-operator";
import { chartModel } from "../components/rendered/charts";
import { KURED_CHART } from "../components/k3s/reboots";
import { kubernetesDocuments } from "../plan/report";
import { committedPlan } from "./helpers";

const PINS: PinnedChart[] = [
    CLUSTER_AUTOSCALER_CHART, NVIDIA_DEVICE_PLUGIN_CHART, DCGM_EXPORTER_CHART, KEDA_CHART, KUBE_PROMETHEUS_STACK_CHART, CERT_MANAGER_CHART, LANGFUSE_CHART,
    ...Object.values(LINKERD_CHARTS), ...Object.values(CNPG_CHARTS), QDRANT_CHART, VAULT_CHART, VSO_CHART, TRAEFIK_CHART, OPEN_WEBUI_CHART, JUPYTERHUB_CHART, KURED_CHART,
];

/** `owner/repo@tag:path`: a tag, never a pull request's ref. */
const EVIDENCE = /^[\w.-]+\/[\w.-]+@(?!refs\/pull)([\w.+-]+):[\w./-]+$/;

/** Whether a release tag names this chart version (edge-26.8.3 publishes Linkerd's charts as 2026.8.3). */
export function tagNamesVersion(tag: string, version: string): boolean {
    const bare = version.replace(/^v/, "");
    return tag.endsWith(bare) || tag.endsWith(`v${bare}`) || (/^20\d\d\./.test(bare) && tag === `edge-${bare.slice(2)}`);
}

describe("pinned charts", () => {
    it("carry, beside each pin, the release tag and file that show the version is published", () => {
        for (const pin of PINS) {
            const m = EVIDENCE.exec(pin.evidence);
            assert.ok(m, `${pin.chart}@${pin.version}: evidence ${JSON.stringify(pin.evidence)} is not owner/repo@tag:path`);
            assert.ok(tagNamesVersion(m[1], pin.version), `${pin.chart}@${pin.version}: the evidence tag ${m[1]} is another version`);
        }
    });

    it("reject evidence that is a pull request or another version (the check can fail)", () => {
        assert.equal(EVIDENCE.test("langfuse/langfuse-k8s@refs/pull/371/head:charts/langfuse/Chart.yaml"), false);
        assert.equal(tagNamesVersion("langfuse-1.5.41", "1.6.0"), false);
        assert.equal(tagNamesVersion("edge-26.8.3", "2026.9.1"), false);
        assert.equal(tagNamesVersion("edge-26.8.3", "2026.8.3"), true);
    });

    for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
        it(`installs in the ${stack} stack only pinned charts, each from its pin`, async () => {
            const releases = kubernetesDocuments((await committedPlan(stack)).resources).filter((d) => d.kind === "HelmRelease") as { spec: { chart: string; version: string; repo: string } }[];
            for (const r of releases) {
                const pin = PINS.find((p) => p.chart === r.spec.chart);
                assert.ok(pin, `${r.spec.chart} has no pin with evidence`);
                assert.deepEqual([r.spec.version, r.spec.repo], [pin.version, pin.repo]);
            }
        });
    }

    it("model the rendered workloads of every chart that runs pods in the platform, at its pinned version", () => {
        for (const pin of [KUBE_PROMETHEUS_STACK_CHART, VSO_CHART, VAULT_CHART, QDRANT_CHART, LANGFUSE_CHART, CERT_MANAGER_CHART, CNPG_CHARTS.operator, CNPG_CHARTS.barmanCloud]) {
            assert.ok(chartModel(pin.chart, pin.version), `${pin.chart}@${pin.version} has no model`);
        }
        // A model is for one version: the unpublished pins of before have none.
        assert.equal(chartModel("langfuse", "1.6.0"), undefined);
    });
});
