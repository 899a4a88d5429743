import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { RUN_ONCE_IGNORED_INPUTS } from "../run-once";
import { instanceConnection, ServerLogin } from "./server-install";

/** The resource name of the Command that hands a cloud node's boot host key over to its own (or, under trust on first use, reads its own). */
export const hostKeyHandoverName = (node: string) => `${node}-ssh-host-key`;

/**
 * The script that replaces the node's ED25519 host key with one made on the node, and prints the
 * new public key alone (`ssh-ed25519 <base64>`). The connection running it keeps the boot key to
 * its end, and every later one meets the new key: sshd up to 9.7 (Ubuntu 24.04 has 9.6p1) re-execs
 * for each new connection, which loads the host keys from disk again, and from 9.8 loads them when
 * it starts or reloads, hence the reload (openssh-portable V_9_6_P1 `sshd.c` L1752-1768,
 * L1848-1910, L2112-2131; V_9_8_P1 `sshd.c` L631-673; review s28 F5).
 * `sshDir` is for tests; nodes use `/etc/ssh`.
 *
 * Everything that can fail runs before the swap, while the boot key still answers: `sshd -t` checks
 * the config with the new key (`-h` names it: V_9_6_P1 `sshd.c` L1668-1671). The new public key is
 * said on stderr before the swap, over this verified connection, so a run that fails after it
 * leaves in its log the key to log in with (review s28 F2).
 *
 * cloud-init writes the boot key once per instance (cc_ssh `frequency: PER_INSTANCE`,
 * canonical/cloud-init@26.2 `cloudinit/config/cc_ssh.py` L32), so a reboot does not bring it back.
 */
export function hostKeyHandoverScript(sshDir = "/etc/ssh"): string {
    return `{
set -eu
umask 077
key='${sshDir}/ssh_host_ed25519_key'
rm -f "$key.next" "$key.next.pub"
ssh-keygen -q -t ed25519 -N '' -C '' -f "$key.next"
chmod 0644 "$key.next.pub"
sshd -t -h "$key.next"
echo "the node's new host key, which the next connection must verify: $(cut -d ' ' -f 1,2 "$key.next.pub")" >&2
mv -f "$key.next" "$key"
mv -f "$key.next.pub" "$key.pub"
systemctl try-reload-or-restart ssh.service
cut -d ' ' -f 1,2 "$key.pub"
}
`;
}

/**
 * Under trust on first use there is no boot key: the script prints the ED25519 public key the node
 * already has, which its first connection trusted, and changes nothing.
 */
export function hostKeyPinScript(sshDir = "/etc/ssh"): string {
    return `{
set -eu
cut -d ' ' -f 1,2 '${sshDir}/ssh_host_ed25519_key.pub'
}
`;
}

/** The wire form of an ED25519 public key (RFC 8709 §4): its type's name, then its 32 bytes, each length-prefixed. */
const ED25519_BLOB_PREFIX = Buffer.from([0, 0, 0, 11, ...Buffer.from("ssh-ed25519"), 0, 0, 0, 32]);

/**
 * The host key a handover printed, checked to be one ED25519 public key in OpenSSH's form, so
 * that a failed or noisy run stops here, naming the node, rather than at the next connection.
 * What was printed is described, never echoed.
 */
export function handedHostKey(node: string, printed: string): string {
    const key = printed.trim();
    const [type, body, ...rest] = key.split(" ");
    const blob = body !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(body) ? Buffer.from(body, "base64") : undefined;
    const valid = type === "ssh-ed25519" && rest.length === 0 && blob?.length === ED25519_BLOB_PREFIX.length + 32
        && blob.subarray(0, ED25519_BLOB_PREFIX.length).equals(ED25519_BLOB_PREFIX);
    if (!valid) {
        const lines = key === "" ? "nothing" : `${key.split("\n").length} line(s), ${key.length} characters`;
        throw new Error(`${node}: its SSH host key handover (${hostKeyHandoverName(node)}) printed ${lines}, not one ED25519 public key ("ssh-ed25519 <base64>"); read that Command's output in the update's log, put the boot key back (README, Cloud nodes' host keys) and run pulumi up --replace on that Command's URN`);
    }
    return key;
}


export interface HostKeyHandoverArgs {
    /**
     * How Pulumi logs in. `hostKey` is the boot key from the node's user data, which this
     * connection alone verifies; absent under trust on first use, when this connection verifies
     * nothing and only reads the node's key.
     */
    login: ServerLogin;
    /** The instance's id: a new instance boots with the boot key again, and hands over again. */
    instanceId: pulumi.Input<string>;
    /** What must be done first: the instance, and on AWS its address's association. */
    after: pulumi.Resource[];
}

/**
 * Hands a cloud node's SSH host key over from the boot key, which Pulumi made and wrote into its
 * user data so the first connection can be verified, to a key the node makes itself and prints
 * over that verified connection. User data is served by the metadata service to whatever on the
 * node reaches it, and read by any principal allowed to describe the instance; after the handover
 * the boot key it holds answers for nothing until a new instance of the node boots with it. Every
 * later connection (the servers' k3s install with its tokens, the kubeconfig read, Vault's
 * bootstrap, external-IP pinning) verifies the node's own key, which never left the node.
 *
 * Under trust on first use (no boot key) that first connection verifies nothing, sends nothing
 * secret and changes nothing: it reads the key the node made at its first boot, and every later
 * connection verifies that key, so whoever answers in the node's place must do so from the first
 * connection on.
 *
 * It runs once per instance, and never as an update: that would dial the boot key, which the node
 * no longer has, and fail at every `up` (review s28 F1), or, after a switch to trust on first use,
 * make the node change its key again unverified (read-through s28 R6). So once it ran, every input
 * but `triggers` is ignored (RUN_ONCE_IGNORED_INPUTS): a new script or dial setting, a switch of
 * `sshHostKeys`, a new Elastic IP or operator key leave it be, and its printed key stands. A new
 * instance changes `triggers`, and the replacement runs with the program's inputs as they are then:
 * the current script, address and boot key.
 */
export class HostKeyHandover extends pulumi.ComponentResource {
    /** The node's own host key (`ssh-ed25519 <base64>`), which every later connection verifies. */
    public readonly hostKey: pulumi.Output<string>;

    constructor(node: string, args: HostKeyHandoverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:HostKeyHandover", node, {}, opts);
        const handover = new command.remote.Command(hostKeyHandoverName(node), {
            connection: instanceConnection(args.login),
            create: "sudo sh -s",
            stdin: args.login.hostKey === undefined ? hostKeyPinScript() : hostKeyHandoverScript(),
            // pulumi-command v1.2.1 `triggers`, its one replace-on-change input
            // (provider/pkg/provider/common/inputs.go L10).
            triggers: [args.instanceId],
            addPreviousOutputInEnv: false,
            logging: "stderr",
        }, { parent: this, dependsOn: args.after, ignoreChanges: RUN_ONCE_IGNORED_INPUTS });
        this.hostKey = handover.stdout.apply((printed) => handedHostKey(node, printed));
        this.registerOutputs({ hostKey: this.hostKey });
    }
}
