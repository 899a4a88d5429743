import * as pulumi from "@pulumi/pulumi";
import { buildCluster } from "./cluster";
import { StackConfig } from "./config";
import { PromptsAndEvaluations } from "./prompts";
import { buildPlatformServices } from "./platform-services";

/** Builds the whole stack from its parsed configuration (and the prompts and evaluations it serves) and returns the stack outputs. */
export function buildPlatform(config: StackConfig, served: PromptsAndEvaluations = { prompts: [], evaluations: [] }) {
    const cluster = buildCluster(config);
    const services = buildPlatformServices(config, cluster, served);
    return {
        kubeconfig: cluster.access.kubeconfig,
        apiServer: pulumi.interpolate`https://${cluster.server.address}:6443`,
        overlay: cluster.ctx.overlay,
        ...services,
        nodes: Object.fromEntries(Object.entries(cluster.nodes).map(([name, n]) => [name, { kind: n.kind, privateIp: n.privateIp, publicIp: n.publicIp }])),
    };
}
