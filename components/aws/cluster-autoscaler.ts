import * as pulumi from "@pulumi/pulumi";
import { tagWithDigest } from "../image-digests";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "../platform/footprint";
import { VaultConsumer } from "../platform/vault-bootstrap";
import { VaultConsumerAuth, VaultSyncedSecret } from "../platform/vault-synced-secret";
import { guardedNamespace } from "../platform/guarded-namespace";
import { ControllerAdmission } from "../admission-policy";
import { clusterAutoscalerFence } from "./cluster-autoscaler-admission";
import { EgressDestination, PUBLIC_HTTPS } from "../platform/egress";

/**
 * The Kubernetes cluster autoscaler's official chart, pinned to the 1.34 line that matches k3s
 * v1.34 (the autoscaler's minor follows the Kubernetes minor it is built against).
 * Evidence: kubernetes/autoscaler@cluster-autoscaler-chart-9.53.0:cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml
 * (app 1.34.2; image tag cluster-autoscaler-1.34.2 also released; newest chart 9.59.0 ships 1.35);
 * values keys from values.yaml and templates/deployment.yaml at that tag (checked 2026-11-27).
 */
export const CLUSTER_AUTOSCALER_CHART = {
    chart: "cluster-autoscaler",
    repo: "https://kubernetes.github.io/autoscaler",
    version: "9.53.0",
    evidence: "kubernetes/autoscaler@cluster-autoscaler-chart-9.53.0:cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml",
} as const;
/**
 * The chart's own image (values.yaml L297-301), by digest in the tag: `image.tag` is used only
 * in `repository:tag` (templates/deployment.yaml L59), never parsed as a version.
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAG = tagWithDigest("registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.2");
export const CLUSTER_AUTOSCALER_NAMESPACE = "cluster-autoscaler";

/**
 * Scale-down behaviour. GPU nodes are the expensive ones: one left idle for ten minutes goes.
 * `skip-nodes-with-local-storage: false` because pods' emptyDirs (caches, scratch) must not pin a
 * GPU node forever; `least-waste` picks the group that leaves the fewest idle resources.
 * Flags per kubernetes/autoscaler cluster-autoscaler/FAQ.md, "What are the parameters to CA?" (read 2026-11-25).
 */
export const CLUSTER_AUTOSCALER_ARGS = {
    "scale-down-unneeded-time": "10m",
    "scale-down-delay-after-add": "10m",
    "skip-nodes-with-local-storage": false,
    "balance-similar-node-groups": true,
    expander: "least-waste",
} as const;

const RESOURCES: ContainerResources = {
    requests: { cpu: "50m", memory: "200Mi" },
    limits: { cpu: "500m", memory: "600Mi" },
};

/** The autoscaler's pod on the platform placement. */
export function clusterAutoscalerFootprint(): Footprint[] {
    return [{ workload: "cluster-autoscaler", pods: 1, perPod: requestsOf(RESOURCES) }];
}

export interface ClusterAutoscalerArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** The name in the Auto Scaling groups' `k8s.io/cluster-autoscaler/<name>` tag. */
    clusterName: string;
    region: string;
    /**
     * The Vault role its AWS keys are read with; they are at `<consumer>/aws` as AWS_ACCESS_KEY_ID
     * and AWS_SECRET_ACCESS_KEY (the variables the AWS SDK reads), for an IAM user allowed to
     * resize only this cluster's groups.
     */
    vaultConsumer: VaultConsumer;
    scheduling: Scheduling;
}

/**
 * The Kubernetes cluster autoscaler for AWS: it discovers the cluster's Auto Scaling groups by tag,
 * adds nodes when pods cannot be scheduled and removes idle ones, down to each group's minimum
 * (zero for GPU groups that allow it). Runs as non-root with a read-only root filesystem under Pod
 * Security `restricted`; its AWS keys come from Vault (synced by VSO), never through the chart's values.
 */
export class ClusterAutoscaler extends pulumi.ComponentResource {
    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:aws:ClusterAutoscaler", name, {}, opts);
        const ns = guardedNamespace(name, {
            metadata: {
                name: args.vaultConsumer.namespace,
                labels: {
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "app.kubernetes.io/managed-by": "groundwork",
                },
            },
        }, { parent: this }, {
            egress: {
                apiServer: { reason: "the autoscaler watches pending pods and nodes", at: args.apiServer },
                allow: [{ name: "aws-apis", podSelector: {}, to: [PUBLIC_HTTPS], reason: "the autoscaler sizes the GPU Auto Scaling group through the EC2 and Auto Scaling APIs" }],
            },
        });
        const auth = new VaultConsumerAuth(`${name}-vault`, { consumer: args.vaultConsumer }, { parent: this, dependsOn: [ns] });
        // The chart passes the Secret's keys to the container as its environment.
        const credentials = new VaultSyncedSecret(`${name}-aws`, {
            auth,
            path: `${args.vaultConsumer.name}/aws`,
            secretName: "cluster-autoscaler-aws",
        }, { parent: this });

        pinnedRelease(name, CLUSTER_AUTOSCALER_CHART, {
            name: "cluster-autoscaler",
            namespace: ns.metadata.name,
            values: {
                cloudProvider: "aws",
                awsRegion: args.region,
                autoDiscovery: { clusterName: args.clusterName },
                image: { tag: CLUSTER_AUTOSCALER_IMAGE_TAG },
                extraArgs: CLUSTER_AUTOSCALER_ARGS,
                envFromSecret: credentials.secretName,
                resources: RESOURCES,
                nodeSelector: args.scheduling.nodeSelector ?? {},
                tolerations: args.scheduling.tolerations ?? [],
                securityContext: {
                    runAsNonRoot: true,
                    runAsUser: 65534,
                    runAsGroup: 65534,
                    fsGroup: 65534,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                containerSecurityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                },
            },
        }, { parent: this, dependsOn: [credentials] });
        // The chart's account: `<release>-<cloudProvider>-cluster-autoscaler`
        // (cluster-autoscaler-chart-9.53.0 templates/_helpers.tpl cluster-autoscaler.fullname, serviceAccountName).
        new ControllerAdmission(`${name}-admission`, { fences: [clusterAutoscalerFence({ namespace: args.vaultConsumer.namespace, serviceAccount: "cluster-autoscaler-aws-cluster-autoscaler" })] }, { parent: this });
        this.registerOutputs({});
    }
}
