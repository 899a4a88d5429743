import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";

/** How Pulumi logs in to a cloud server. */
export interface ServerLogin {
    /** The server's public address. */
    host: pulumi.Input<string>;
    /** The image's login user, with passwordless sudo (`ubuntu`). */
    user: string;
    /** OpenSSH private key for that user (secret). */
    privateKey: pulumi.Input<string>;
    /** The server's SSH host public key, verified on the connection: its own, which `HostKeyHandover` printed, or the boot key for that handover; absent only on the handover's first connection under trust on first use. */
    hostKey?: pulumi.Input<string>;
}

/**
 * The SSH connection to a cloud instance from its login. A new instance takes a minute or two to
 * answer, so Pulumi keeps dialling: 31 attempts of up to 15 s, with back-off between them, some 2
 * to 9 minutes in all.
 */
export function instanceConnection(login: ServerLogin): command.types.input.remote.ConnectionArgs {
    return {
        host: login.host,
        user: login.user,
        privateKey: login.privateKey,
        // pulumi-command v1.2.1 provider/pkg/provider/remote/connection.go L86-97: without a host
        // key, any key is accepted.
        hostKey: login.hostKey,
        dialErrorLimit: 30,
        perDialTimeout: 15,
    };
}

/** The resource name of the Command that installs k3s on a cloud server (the security pack's config names servers by it). */
export const serverInstallName = (node: string) => `${node}-k3s-install`;

export interface K3sServerInstallArgs {
    login: ServerLogin;
    /**
     * The instance's id. A new instance (a replacement, a lost server made again) is a new install:
     * the Command re-runs only when an input changes, and an AWS server keeps its address and script
     * (pulumi-command v1.2.1 `triggers`, its one replace-on-change input:
     * provider/pkg/provider/common/inputs.go L10; review s27 D1).
     */
    instanceId: pulumi.Input<string>;
    /** The install script (`k3sRemoteInstall` with `afterCloudInit`), secret: it carries the tokens. */
    script: pulumi.Input<string>;
    /** What must be done first: the instance and its address, and the previous server's install, so that etcd keeps quorum. */
    after: pulumi.Resource[];
}

/**
 * Installs k3s on a cloud server over SSH, once the instance is up: the server token, the agent
 * token and (on the initial server) the CA's key travel over the verified connection, so the
 * instance's user data, which its metadata service serves to whatever reaches it and any principal
 * allowed to describe the instance reads, holds none of them. Re-running is harmless (the script
 * restarts k3s only when its config changed). Deleting it leaves the instance as it is: k3s goes
 * with the instance.
 */
export class K3sServerInstall extends pulumi.ComponentResource {
    /** The install, done once k3s runs with this configuration; what joins or reads this server waits for it. */
    public readonly installed: command.remote.Command;

    constructor(node: string, args: K3sServerInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:ServerInstall", node, {}, opts);
        this.installed = new command.remote.Command(serverInstallName(node), {
            connection: instanceConnection(args.login),
            // The script goes on stdin, never on a command line.
            create: "sudo sh -s",
            update: "sudo sh -s",
            stdin: pulumi.secret(args.script),
            triggers: [args.instanceId],
            // Else each update sends the last run's output back as environment variables, which sshd
            // refuses unless its AcceptEnv lists them, with a warning every time (pulumi-command
            // v1.2.1 provider/pkg/provider/remote/commandOutputs.go L51-68).
            addPreviousOutputInEnv: false,
            logging: "stderr",
        }, { parent: this, additionalSecretOutputs: ["stdout"], dependsOn: args.after });
        this.registerOutputs({});
    }
}
