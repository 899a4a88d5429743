import { clusterAutoscalerModel, kedaModel, nvidiaDevicePluginModel, dcgmExporterModel } from "./autoscaling";
import { cloudNativePgModel, barmanCloudPluginModel, certManagerModel } from "./operators";
import { langfuseModel, qdrantModel } from "./data-stores";
import { vaultModel, vaultSecretsOperatorModel } from "./hashicorp";
import { traefikModel } from "./ingress";
import { jupyterhubModel, openWebUiModel } from "./apps";
import { linkerdCniModel, linkerdControlPlaneModel, linkerdCrdsModel } from "./linkerd";
import { kuredModel } from "./node-maintenance";
import { kubePrometheusStackModel } from "./monitoring";
import { ChartModel } from "./workload";

/** Every chart model, by `chart@version`: a pin without a model here is reported as not modelled. */
export const CHART_MODELS: ReadonlyMap<string, ChartModel> = new Map(
    [
        vaultSecretsOperatorModel, vaultModel, qdrantModel, langfuseModel, certManagerModel, cloudNativePgModel, barmanCloudPluginModel,
        linkerdCrdsModel, linkerdCniModel, linkerdControlPlaneModel,
        kedaModel, nvidiaDevicePluginModel, dcgmExporterModel, clusterAutoscalerModel,
        traefikModel, openWebUiModel, jupyterhubModel, kuredModel, kubePrometheusStackModel,
    ]
        .map((m) => [`${m.chart}@${m.version}`, m]),
);

export function chartModel(chart: string, version: string): ChartModel | undefined {
    return CHART_MODELS.get(`${chart}@${version}`);
}
