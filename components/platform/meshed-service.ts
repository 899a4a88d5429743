import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { MeshAuthorization, MeshAuthorizationArgs } from "./mesh-authorization";

export interface MeshedServiceArgs {
    namespace: pulumi.Input<string>;
    /** The Service's and the PodDisruptionBudget's labels. */
    labels: Record<string, string>;
    /** The pods' one serving port: its container port name and number. */
    port: { name: string; number: number };
    /** Meshed service accounts (`namespace/name`) that may call it; everyone else is refused. */
    clients: string[];
    proxyProtocol: MeshAuthorizationArgs["proxyProtocol"];
}

/**
 * What stands in front of one workload's pods (those labelled `app.kubernetes.io/name: <name>`)
 * serving one port: a ClusterIP Service; a PodDisruptionBudget that evicts them one at a time, so
 * drains still proceed with one replica (minAvailable 1 would hang every node upgrade) and two or
 * more stay up through them; and the mesh's Server and AuthorizationPolicy admitting the clients.
 */
export function meshedService(name: string, args: MeshedServiceArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.Service {
    const podSelector = { "app.kubernetes.io/name": name };
    new k8s.policy.v1.PodDisruptionBudget(name, {
        metadata: { name, namespace: args.namespace, labels: args.labels },
        spec: { selector: { matchLabels: podSelector }, maxUnavailable: 1 },
    }, opts);
    new MeshAuthorization(`${name}-clients`, {
        namespace: args.namespace, podSelector, port: args.port.name, clients: args.clients, proxyProtocol: args.proxyProtocol,
    }, opts);
    return new k8s.core.v1.Service(name, {
        metadata: { name, namespace: args.namespace, labels: args.labels },
        spec: { type: "ClusterIP", selector: podSelector, ports: [{ name: args.port.name, port: args.port.number, targetPort: args.port.name }] },
    }, opts);
}
