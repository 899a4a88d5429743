import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { EtcdSnapshotSchedule, JoinTokens, joinSettings, k3sRemoteInstall, K3S_UNINSTALL, Overlay, TailscaleJoin } from "../k3s/bootstrap";
import { ApiServerOidc } from "../k3s/api-audit";
import { ServerCaFiles } from "../k3s/server-ca";
import { siteLabels, taintsFor } from "../placement";

/** An existing machine, reached over SSH, that becomes a k3s node. */
export interface EdgeMachine {
    /** Kubernetes node name. */
    name: string;
    host: string;
    port: number;
    user: string;
    /** OpenSSH private key for `user` (secret). The user needs passwordless sudo. */
    privateKey: pulumi.Input<string>;
    /** The machine's SSH host public key (`ssh-ed25519 AAAA...`), verified on every connection. */
    hostKey: string;
    role: "server" | "agent";
    /** Where other sites reach it (wireguard-native). */
    externalIp?: string;
    labels: Record<string, string>;
    taints: string[];
}

export interface EdgeMachinesArgs {
    machines: EdgeMachine[];
    /**
     * Give every machine the `groundwork.dev/edge` NoSchedule taint, keeping other workloads off
     * it. Only where the cluster has untainted nodes elsewhere for k3s's own system pods.
     */
    taintEdge: boolean;
    /** What must be done first: the servers' installs, when the servers live at another site. */
    after?: pulumi.Resource[];
    k3s: {
        version: string;
        /** The cluster's join tokens (secrets); each machine gets only its role's. */
        tokens: JoinTokens;
        /** Join URL for every machine but the one that initialises the cluster. */
        serverUrl?: pulumi.Input<string>;
        /** The machine that initialises the cluster, when the servers live here. */
        initialServer?: string;
        /** The cluster's server CA (secret), placed on the initial server only; absent for a cluster that keeps its own. */
        serverCa?: pulumi.Input<ServerCaFiles>;
        overlay: Overlay;
        tailscale?: TailscaleJoin;
        podCidr: string;
        serviceCidr: string;
        /** The servers' etcd snapshots. */
        etcdSnapshots?: EtcdSnapshotSchedule;
        /** People sign in to the API server with this issuer. */
        apiOidc?: ApiServerOidc;
    };
}

/** Quoted for a POSIX shell's single quotes. */
function singleQuoted(text: string): string {
    return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/** The command run on delete: k3s's own uninstall script, whichever role installed it. */
export const EDGE_UNINSTALL_COMMAND = `sudo sh -c ${singleQuoted(K3S_UNINSTALL)}`;

/**
 * Installs and joins k3s on machines over SSH with `@pulumi/command`. Each machine is its own
 * resource: an unreachable host fails that host, with its name in the error. Re-running is
 * harmless (the script restarts k3s only when its config changed); deleting uninstalls k3s.
 */
/** The resource name of the Command that installs k3s on one machine (the security pack's config names servers by it). */
export const edgeInstallName = (component: string, machine: string) => `${component}-${machine}`;

export class EdgeMachines extends pulumi.ComponentResource {
    public readonly installs: Record<string, command.remote.Command> = {};

    constructor(name: string, args: EdgeMachinesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:EdgeMachines", name, {}, opts);
        // The initial server first: k3s's installer waits for a joining node's service to start.
        const ordered = [...args.machines].sort((a, b) => Number(b.name === args.k3s.initialServer) - Number(a.name === args.k3s.initialServer));
        // Servers one after another: each install restarts k3s when its config changes, and
        // waits for it to be up again (the unit is Type=notify: k3s-io/k3s@5f72184f install.sh L223-225, L990), so at most one etcd member is
        // down at a time and three servers keep quorum. Agents wait only for the initial server.
        let previousServer: command.remote.Command | undefined;
        for (const machine of ordered) {
            const initial = machine.name === args.k3s.initialServer;
            const script = joinSettings({ role: machine.role, initial }, args.k3s.tokens, args.k3s.serverUrl, args.k3s.serverCa, args.k3s.tailscale)
                .apply((join) => k3sRemoteInstall({
                    ...join,
                    version: args.k3s.version,
                    role: machine.role,
                    nodeName: machine.name,
                    overlay: args.k3s.overlay,
                    externalIp: args.k3s.overlay === "wireguard-native" ? machine.externalIp : undefined,
                    labels: siteLabels("edge", "edge", machine.labels),
                    taints: [...(args.taintEdge ? taintsFor("edge") : []), ...machine.taints],
                    cluster: machine.role === "server"
                        ? { podCidr: args.k3s.podCidr, serviceCidr: args.k3s.serviceCidr, tlsSans: [machine.host], etcdSnapshots: args.k3s.etcdSnapshots, apiOidc: args.k3s.apiOidc }
                        : undefined,
                }));
            this.installs[machine.name] = new command.remote.Command(edgeInstallName(name, machine.name), {
                connection: {
                    host: machine.host,
                    port: machine.port,
                    user: machine.user,
                    privateKey: machine.privateKey,
                    // The machine proves its identity with the host key from config (pulumi-command
                    // v1.2.1 provider/pkg/provider/remote/connection.go L86-97: without one, any key is accepted).
                    hostKey: machine.hostKey,
                    // Fail this host within about a minute if it cannot be reached.
                    dialErrorLimit: 6,
                    perDialTimeout: 10,
                },
                // The script (it carries the token) goes on stdin, never on a command line.
                create: "sudo sh -s",
                update: "sudo sh -s",
                stdin: pulumi.secret(script),
                // As the cloud servers' installs (server-install.ts): no last output sent back as variables.
                addPreviousOutputInEnv: false,
                delete: EDGE_UNINSTALL_COMMAND,
                logging: "stderr",
            }, {
                parent: this,
                additionalSecretOutputs: ["stdout"],
                dependsOn: initial ? []
                    : machine.role === "server" && previousServer ? [previousServer]
                    : args.k3s.initialServer ? [this.installs[args.k3s.initialServer]] : args.after ?? [],
            });
            if (machine.role === "server") previousServer = this.installs[machine.name];
        }
        this.registerOutputs({});
    }
}
