import { ResourceValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE_TYPES } from "../helm-releases";

/*
 * Stateful Helm releases must keep their data on persistent volumes. Keys from the charts'
 * values.yaml: hashicorp/vault-helm server.dev.enabled, server.dataStorage.enabled;
 * langfuse-k8s clickhouse.persistence.enabled (Bitnami ClickHouse subchart); qdrant-helm
 * persistence (always a volumeClaimTemplate; size required).
 */


function problems(chart: string, values: any): string[] {
    const v = values ?? {};
    switch (chart) {
        case "vault":
            return [
                ...(v.server?.dev?.enabled === true ? ["server.dev.enabled is true (in-memory storage, data lost on restart)"] : []),
                ...(v.server?.dataStorage?.enabled === false ? ["server.dataStorage.enabled is false"] : []),
            ];
        case "langfuse":
            return v.clickhouse?.deploy !== false && v.clickhouse?.persistence?.enabled === false ? ["clickhouse.persistence.enabled is false"] : [];
        case "qdrant":
            return v.persistence?.size === undefined || v.persistence?.size === "" ? ["persistence.size is not set"] : [];
        default:
            return [];
    }
}

export const statefulReleasePersistence: ResourceValidationPolicy = {
    name: "stateful-release-persistence",
    description: "Vault, Langfuse (ClickHouse) and Qdrant releases store data on persistent volumes, not in memory or emptyDir.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!HELM_RELEASE_TYPES.includes(args.type)) return;
        const found = problems(String(args.props.chart ?? ""), args.props.values);
        if (found.length > 0) {
            reportViolation(`Helm release ${args.name} (chart ${args.props.chart}) would lose its data: ${found.join("; ")}. Enable persistence in the release values.`);
        }
    },
};
