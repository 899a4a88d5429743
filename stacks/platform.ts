import * as k8s from "@pulumi/kubernetes";
import { StackConfig } from "./config";
import { ociCluster } from "./oci-cluster";

/** Namespace for Groundwork's own platform workloads; Pod Security "restricted" is enforced there. */
export const PLATFORM_NAMESPACE = "groundwork-system";

/** Builds the whole stack from its parsed configuration and returns the stack outputs. */
export function buildPlatform(config: StackConfig) {
    const cluster = ociCluster(config.cluster, config.oci!);

    new k8s.core.v1.Namespace("platform", {
        metadata: {
            name: PLATFORM_NAMESPACE,
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "app.kubernetes.io/managed-by": "groundwork",
            },
        },
    }, { provider: cluster.access.provider });

    return {
        kubeconfig: cluster.kubeconfig,
        apiServer: cluster.apiServer,
        nodes: cluster.nodes,
    };
}
