import type { PolicyConfigSchema, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { k3sRoleOf } from "../k3s-nodes";

/**
 * k3s's server token is the cluster's root of trust: with it a machine joins as a server, reads
 * the bootstrap data and the CA keys, and so becomes cluster-admin. Agents join with the separate
 * agent token, which reaches none of that (k3s-io/k3s@v1.34.9+k3s1, commit 5f72184f:
 * pkg/cli/cmds/server.go L305-310 `--agent-token`; pkg/server/handlers/router.go L36-59).
 *
 * So it reaches servers only through their install scripts, run over SSH: never a cloud
 * instance's user data, servers' included. User data is served by the instance's metadata service
 * to whatever on the node reaches it (OCI's v2 endpoint asks only for a fixed header, with no hop
 * limit), and read by any principal allowed to describe the instance or its launch template.
 *
 * Read from the dependency graph, which Pulumi records as values flow: a node's user data or
 * install script that is built from the token depends on the token's resource. Cloud nodes say
 * their role in a tag; install Commands carry none and are named in the config, which
 * `npm run policy-config` derives from the stack.
 */


interface TokenConfig {
    serverTokens: string[];
    serverCaKeys: string[];
    serverNodes: string[];
}

const SCHEMA: PolicyConfigSchema = {
    properties: {
        serverTokens: { type: "array", items: { type: "string" }, default: ["k3s-token"], description: "Names of the resources whose value is the k3s server token." },
        serverCaKeys: { type: "array", items: { type: "string" }, default: ["k3s-server-ca"], description: "Names of the private keys of the k3s server CA the stack makes." },
        serverNodes: { type: "array", items: { type: "string" }, default: [], description: "Names of the Commands that install a k3s server over SSH (cloud servers' and edge machines')." },
    },
};

const roleOf = (r: PolicyResource): string | undefined => k3sRoleOf(r.props);

/**
 * The server CA's key is as much the cluster's root as the server token: with it anyone can mint
 * the certificate the API server and the supervisor present, and so answer for them to every
 * node and client (k3s-io/k3s@v1.34.9+k3s1, commit 5f72184f: pkg/cluster/https.go L48,
 * pkg/daemons/control/deps/deps.go L430-472). Only a server's install script may carry it; the
 * certificate it signs depends on it and is exempt.
 */
export const k3sServerTokenOnlyOnServers: StackValidationPolicy = {
    name: "k3s-server-token-only-on-servers",
    description: "Only the install scripts k3s servers take over SSH are built from the cluster's server token or its server CA's key: no cloud instance's user data is, and agents join with the agent token.",
    enforcementLevel: "mandatory",
    configSchema: SCHEMA,
    validateStack: (args, report) => {
        const config = args.getConfig<TokenConfig>();
        const tokens = new Set(config.serverTokens ?? ["k3s-token"]);
        const caKeys = new Set(config.serverCaKeys ?? ["k3s-server-ca"]);
        const servers = new Set(config.serverNodes ?? []);
        for (const r of args.resources) {
            const token = r.dependencies.find((d) => tokens.has(d.name) && d.type.startsWith("random:"));
            const caKey = r.type.startsWith("tls:") ? undefined : r.dependencies.find((d) => caKeys.has(d.name) && d.type === "tls:index/privateKey:PrivateKey");
            if (!token && !caKey) continue;
            const role = roleOf(r);
            // A server's install: a remote Command the config names (security review s27 F4: the name alone is no pass).
            if (role === undefined && r.type === "command:remote:Command" && servers.has(r.name)) continue;
            if (role === "server") {
                const secrets = [...(token ? [`the k3s server token (${token.name})`] : []), ...(caKey ? [`the k3s server CA's private key (${caKey.name})`] : [])].join(" and ");
                report(`${r.type} ${r.name} is a k3s server whose user data is built from ${secrets}: the instance's metadata service serves user data to whatever on the node reaches it, and anyone allowed to describe the instance reads it; ` +
                    "leave user data to the first boot and install the server over SSH, with its secrets in the install script", r.urn);
                continue;
            }
            const what = role ? `a k3s ${role}` : "not a k3s server";
            if (token) {
                report(`${r.type} ${r.name} is built from the k3s server token (${token.name}) but is ${what}: ` +
                    "its user data or script would hand any pod that reads it the cluster's root of trust; join agents with the agent token (k3s agent-token)", r.urn);
            }
            if (caKey) {
                report(`${r.type} ${r.name} is built from the k3s server CA's private key (${caKey.name}) but is ${what}: ` +
                    "with it anyone who reads its user data or script can answer as the API server to every node and client; give the key to the initial server only, and other nodes the CA's hash in their tokens", r.urn);
            }
        }
    },
};
