import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { serviceHost } from "../service-host";

export interface IngressBackendArgs {
    /** The ingress controller's namespace, where the alias lives beside the routes that name it. */
    ingressNamespace: pulumi.Input<string>;
    /** The Service the routes reach, in its own namespace. */
    service: { name: string; namespace: string; port: number };
}

/**
 * A Service of type ExternalName in the ingress namespace, named as the backend Service it stands
 * for and resolving to that Service's cluster name. Traefik, which reads routes, Services and
 * Secrets only in its own namespace (namespaced RBAC), routes to it by name: Traefik's CRD provider
 * turns an ExternalName Service into one server `http://<externalName>:<port>`
 * (traefik/traefik@v3.7.9 pkg/provider/kubernetes/crd/kubernetes_http.go `loadServers`, with
 * `allowExternalNameServices`), so the connection goes to the backend's ClusterIP, where Traefik's
 * Linkerd proxy takes it over with mTLS and Traefik's identity, as before.
 */
export function ingressBackend(name: string, args: IngressBackendArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.Service {
    const { service } = args;
    return new k8s.core.v1.Service(name, {
        metadata: {
            name: service.name,
            namespace: args.ingressNamespace,
            annotations: { "groundwork.dev/reason": `the ingress's name for ${service.namespace}/${service.name}: Traefik reads Services only in its own namespace` },
        },
        spec: {
            type: "ExternalName",
            externalName: serviceHost(service.name, service.namespace),
            // Traefik matches the route's port against these (crd/kubernetes.go `getServicePort`).
            ports: [{ name: "http", port: service.port, protocol: "TCP" }],
        },
    }, opts);
}
