import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import { K3S_API_PORT } from "./ports";

export interface K3sClusterAccessArgs {
    /** Address at which the first server is reachable over SSH and on the API port. */
    serverAddress: pulumi.Input<string>;
    /** SSH port. Default 22. */
    sshPort?: number;
    /** Login user on the server (`ubuntu` on Ubuntu images). */
    sshUser: string;
    /** OpenSSH private key for that user (secret). */
    sshPrivateKey: pulumi.Input<string>;
    /** The server's SSH host public key, verified on connect when given. */
    sshHostKey?: pulumi.Input<string>;
    /** How long to wait for k3s to write its kubeconfig. Default 900 s. */
    timeoutSeconds?: number;
    /** Changes when the kubeconfig must be read again (`kubeconfigRefreshWindow`); the read re-runs then. */
    refreshWindow: string;
    /**
     * The server CA hash every joining node's token pins (server-ca.ts). The read fails, naming
     * the server's own, when the cluster's CA is another: no new node could join it.
     */
    serverCaHash: pulumi.Input<string>;
}

/**
 * k3s renews a client certificate at start once it has this many days left, and rewrites
 * /etc/rancher/k3s/k3s.yaml on every start (k3s-io/k3s@v1.34.9+k3s1 (5f72184f):
 * pkg/daemons/config/types.go L30 `CertificateRenewDays = 120`, pkg/daemons/control/deps/deps.go
 * L626-634 and L757-763, pkg/server/server.go L421-453). Client certificates last 365 days.
 */
export const K3S_CERT_RENEW_DAYS = 120;
const ADMIN_CERT = "/var/lib/rancher/k3s/server/tls/client-admin.crt";
/** k3s writes its secure server token here at every start: `K10<CA hash>::server:<password>` (pkg/server/server.go L365-370). */
const SERVER_TOKEN_FILE = "/var/lib/rancher/k3s/server/token";

/**
 * The script run on the server: waits for k3s's admin kubeconfig, refuses a cluster whose server
 * CA is not the one joining nodes pin (a cluster made before Groundwork made its CA, and no
 * `cluster.serverCaHash`: every new node would fail to join, silently but for its own log),
 * restarts k3s first if the admin certificate is within k3s's renewal window (so k3s issues a new
 * one; pods keep running across a restart, the unit has KillMode=process), and prints it. Only the
 * hash is read from the token file, never its password.
 */
export function readKubeconfigScript(timeoutSeconds: number, serverCaHash: string): string {
    return `#!/bin/sh
set -eu
deadline=$(( $(date +%s) + ${timeoutSeconds} ))
wait_for() {
    until sudo sh -c "$1"; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "$2 within ${timeoutSeconds}s; see 'journalctl -u k3s' on the server" >&2
            exit 1
        fi
        sleep 5
    done
}
fresh="openssl x509 -checkend $((${K3S_CERT_RENEW_DAYS} * 86400)) -noout -in ${ADMIN_CERT} >/dev/null"
wait_for "test -s /etc/rancher/k3s/k3s.yaml" "k3s wrote no kubeconfig"
wait_for "test -s ${SERVER_TOKEN_FILE}" "k3s wrote no server token"
pinned="${serverCaHash}"
actual="$(sudo cut -c4-67 ${SERVER_TOKEN_FILE})"
if [ "$actual" != "$pinned" ]; then
    echo "the cluster's server CA (sha256 $actual, as k3s writes it in ${SERVER_TOKEN_FILE}) is not the $pinned every joining node's token pins, so no new node can join: if the cluster was made before Groundwork made its server CA, set groundwork:cluster.serverCaHash to $actual, and replace any node made since (README, Joins pin the server CA)" >&2
    exit 1
fi
if command -v openssl >/dev/null && ! sudo sh -c "$fresh"; then
    echo "the admin certificate ends within ${K3S_CERT_RENEW_DAYS} days: restarting k3s to renew it" >&2
    sudo systemctl restart k3s
    wait_for "$fresh && test -s /etc/rancher/k3s/k3s.yaml" "k3s renewed no admin certificate"
fi
sudo cat /etc/rancher/k3s/k3s.yaml
`;
}

/**
 * When Pulumi reads the kubeconfig again: once a quarter, on the first \`pulumi up\` in it. A
 * quarter is shorter than k3s's renewal window, so a stack updated every quarter never holds an
 * expired kubeconfig.
 */
export function kubeconfigRefreshWindow(now: Date): string {
    return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

/**
 * Points k3s's admin kubeconfig at the server's reachable address. k3s writes it for
 * `https://127.0.0.1:6443`; the serving certificate always covers the name `kubernetes`, so TLS is
 * verified against that name whatever address the server is reached at.
 */
export function externalKubeconfig(kubeconfig: string, serverAddress: string): string {
    return kubeconfig.replace(
        /^(\s*)server: https:\/\/127\.0\.0\.1:\d+\s*$/m,
        `$1server: https://${serverAddress}:${K3S_API_PORT}\n$1tls-server-name: kubernetes`,
    );
}

/**
 * Fetches the cluster's admin kubeconfig from the first server over SSH, exposes it as a secret
 * and builds a Kubernetes provider on it for the platform components.
 */
export class K3sClusterAccess extends pulumi.ComponentResource {
    /** Admin kubeconfig (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;

    constructor(name: string, args: K3sClusterAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:ClusterAccess", name, {}, opts);
        const read = new command.remote.Command(`${name}-kubeconfig`, {
            connection: {
                host: args.serverAddress,
                port: args.sshPort ?? 22,
                user: args.sshUser,
                privateKey: args.sshPrivateKey,
                hostKey: args.sshHostKey,
                dialErrorLimit: 30,
            },
            create: pulumi.output(args.serverCaHash).apply((hash) => readKubeconfigScript(args.timeoutSeconds ?? 900, hash)),
            // A new read replaces this Command. The provider below then sees a new client
            // certificate for the same cluster entry (server, CA), which the Kubernetes provider
            // does not treat as a new cluster: nothing is replaced (pulumi/pulumi-kubernetes@v4.32.0
            // provider/pkg/provider/provider.go L539-559 compares only the active cluster).
            triggers: [args.refreshWindow],
            // The output is a credential: never write it to the Pulumi log.
            logging: "none",
        }, { parent: this, additionalSecretOutputs: ["stdout"] });

        this.kubeconfig = pulumi.secret(
            pulumi.all([read.stdout, args.serverAddress]).apply(([raw, address]) => externalKubeconfig(raw, address)),
        );
        // The cluster is named by its server's address, not by the kubeconfig: a quarterly re-read
        // makes the kubeconfig unknown at preview, which without an identifier previews as a
        // replacement of the provider and every resource under it (pulumi-kubernetes provider.go
        // DiffConfig; clusterIdentifier in @pulumi/kubernetes 4.34.2 provider.d.ts L34-40).
        this.provider = new k8s.Provider(name, { kubeconfig: this.kubeconfig, enableServerSideApply: true, clusterIdentifier: args.serverAddress }, { parent: this });
        this.registerOutputs({ kubeconfig: this.kubeconfig });
    }
}
