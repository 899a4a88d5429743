import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";

export const EXTERNAL_IP_DROP_IN = "/etc/rancher/k3s/config.yaml.d/90-groundwork-external-ip.yaml";

/**
 * Writes `node-external-ip` into a k3s config drop-in and restarts k3s if it changed. For nodes
 * whose public address is only known once they exist (OCI ephemeral public IPs).
 */
export function externalIpScript(address: string, role: "server" | "agent"): string {
    const service = role === "server" ? "k3s" : "k3s-agent";
    return `#!/bin/sh
set -eu
# Wait for k3s's install (an agent's cloud-init, a server's over SSH) to create the service.
for _ in $(seq 1 120); do
    if systemctl cat ${service} >/dev/null 2>&1; then
        break
    fi
    sleep 5
done
sudo mkdir -p "$(dirname ${EXTERNAL_IP_DROP_IN})"
wanted='node-external-ip: "${address}"'
if [ "$(sudo cat ${EXTERNAL_IP_DROP_IN} 2>/dev/null || true)" != "$wanted" ]; then
    echo "$wanted" | sudo tee ${EXTERNAL_IP_DROP_IN} >/dev/null
    sudo systemctl restart ${service}
fi
`;
}

export interface K3sExternalIpArgs {
    /** The node's public address: where SSH reaches it and what other sites use. */
    address: pulumi.Input<string>;
    role: "server" | "agent";
    sshUser: string;
    sshPrivateKey: pulumi.Input<string>;
    /** The node's own SSH host public key (`HostKeyHandover`), verified on connect. */
    sshHostKey?: pulumi.Input<string>;
}

/** Pins a node's k3s external IP after it has booted, over SSH. */
export class K3sExternalIp extends pulumi.ComponentResource {
    constructor(name: string, args: K3sExternalIpArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:ExternalIp", name, {}, opts);
        const script = pulumi.output(args.address).apply((address) => externalIpScript(address, args.role));
        new command.remote.Command(name, {
            connection: { host: args.address, user: args.sshUser, privateKey: args.sshPrivateKey, hostKey: args.sshHostKey, dialErrorLimit: 30 },
            create: script,
            update: script,
        }, { parent: this });
        this.registerOutputs({});
    }
}
