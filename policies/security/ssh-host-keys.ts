import type { StackValidationPolicy } from "@pulumi/policy";

/**
 * A remote Command that reads a node's SSH host key over a connection that verified none: the
 * first connection to a cloud node under `cluster.sshHostKeys: trust-on-first-use`, whose script
 * prints the key the node has (`cut … ssh_host_ed25519_key.pub`) without making one
 * (`ssh-keygen`). Every later connection verifies the key it read, so whoever answered that one
 * connection in the node's place is answered from then on.
 */
const readsHostKeyUnverified = (stdin: unknown): boolean =>
    typeof stdin === "string" && stdin.includes("ssh_host_ed25519_key.pub") && !stdin.includes("ssh-keygen");

/**
 * Cloud nodes boot with a host key Pulumi made, so even Pulumi's first connection to them is
 * verified (issue 12 item 5: "Nothing is trust-on-first-use without saying so"). Advisory: a
 * cluster built before host keys were generated must trust its nodes' own keys until they are
 * replaced, and says so here on every preview as well as in the `up`'s warning.
 */
export const cloudHostKeysPinnedAtBoot: StackValidationPolicy = {
    name: "cloud-host-keys-pinned-at-boot",
    description: "Every cloud node Pulumi reaches over SSH boots with a host key Pulumi made, so that its first connection is verified too; under trust on first use that connection verifies nothing.",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        for (const r of args.resources) {
            if (r.type !== "command:remote:Command" || !readsHostKeyUnverified(r.props.stdin)) continue;
            report(`${r.name} reads a cloud node's SSH host key over a connection that verified none (cluster.sshHostKeys: trust-on-first-use): whoever answered it in the node's place gets the servers' k3s install, with the cluster's tokens, from then on; set sshHostKeys: generated and replace the node (README, Cloud nodes' host keys)`, r.urn);
        }
    },
};
