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
}

/** The script run on the server: waits for k3s's admin kubeconfig and prints it. */
export function readKubeconfigScript(timeoutSeconds: number): string {
    return `#!/bin/sh
set -eu
deadline=$(( $(date +%s) + ${timeoutSeconds} ))
until sudo test -s /etc/rancher/k3s/k3s.yaml; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "k3s wrote no kubeconfig within ${timeoutSeconds}s; see 'journalctl -u k3s' and /var/log/cloud-init-output.log" >&2
        exit 1
    fi
    sleep 5
done
sudo cat /etc/rancher/k3s/k3s.yaml
`;
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
            create: readKubeconfigScript(args.timeoutSeconds ?? 900),
            // The output is a credential: never write it to the Pulumi log.
            logging: "none",
        }, { parent: this, additionalSecretOutputs: ["stdout"] });

        this.kubeconfig = pulumi.secret(
            pulumi.all([read.stdout, args.serverAddress]).apply(([raw, address]) => externalKubeconfig(raw, address)),
        );
        this.provider = new k8s.Provider(name, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
        this.registerOutputs({ kubeconfig: this.kubeconfig });
    }
}
