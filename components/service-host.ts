/** The cluster's DNS domain: k3s's `--cluster-domain` default (k3s-io/k3s@v1.34.9+k3s1 pkg/cli/cmds/server.go L157-160). */
export const CLUSTER_DOMAIN = "cluster.local";

/** The in-cluster name of a Service: `<name>.<namespace>.svc.<cluster domain>`. */
export function serviceHost(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}
