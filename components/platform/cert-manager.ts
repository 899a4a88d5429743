import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "./footprint";

/**
 * cert-manager, pinned: the Barman Cloud plugin's TLS with the CNPG operator needs it.
 * Source: cert-manager release v1.21.2 (chart versions carry the "v"), values `crds.enabled`
 * from deploy/charts/cert-manager/README.template.md (read 2026-11-25).
 */
export const CERT_MANAGER_CHART = { chart: "cert-manager", repo: "https://charts.jetstack.io", version: "v1.21.2" } as const;

const RESOURCES: ContainerResources = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };

/** The controller, webhook and CA injector pods. */
export function certManagerFootprint(): Footprint[] {
    return ["cert-manager", "cert-manager-webhook", "cert-manager-cainjector"].map((workload) => ({ workload, pods: 1, perPod: requestsOf(RESOURCES) }));
}

export class CertManager extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: { scheduling?: Scheduling }, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:CertManager", name, {}, opts);
        const ns = new k8s.core.v1.Namespace(name, {
            metadata: { name: "cert-manager", labels: { "pod-security.kubernetes.io/enforce": "restricted", "app.kubernetes.io/managed-by": "groundwork" } },
        }, { parent: this });
        const placement = { nodeSelector: args.scheduling?.nodeSelector, tolerations: args.scheduling?.tolerations };
        this.release = pinnedRelease(name, CERT_MANAGER_CHART, {
            name: "cert-manager",
            namespace: ns.metadata.name,
            values: {
                crds: { enabled: true, keep: true },
                resources: RESOURCES,
                webhook: { resources: RESOURCES, ...placement },
                cainjector: { resources: RESOURCES, ...placement },
                ...placement,
            },
        }, { parent: this });
        this.registerOutputs({});
    }
}
