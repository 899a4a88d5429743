import type { PolicyConfigSchema, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { k3sRoleOf } from "../k3s-nodes";

/**
 * k3s's server token is the cluster's root of trust: with it a machine joins as a server, reads
 * the bootstrap data and the CA keys, and so becomes cluster-admin. Agents join with the separate
 * agent token, which reaches none of that (k3s-io/k3s@v1.34.9+k3s1, commit 5f72184f:
 * pkg/cli/cmds/server.go L305-310 `--agent-token`; pkg/server/handlers/router.go L36-59). A cloud
 * node's user data is readable from its instance metadata, so only servers' may hold it.
 *
 * Read from the dependency graph, which Pulumi records as values flow: a node's user data or
 * install script that is built from the token depends on the token's resource. Cloud nodes say
 * their role in a tag; nodes without tags (edge machines' install Commands) are named in the
 * config, which `npm run policy-config` derives from the stack.
 */


interface TokenConfig {
    serverTokens: string[];
    serverNodes: string[];
}

const SCHEMA: PolicyConfigSchema = {
    properties: {
        serverTokens: { type: "array", items: { type: "string" }, default: ["k3s-token"], description: "Names of the resources whose value is the k3s server token." },
        serverNodes: { type: "array", items: { type: "string" }, default: [], description: "Names of the resources that install a k3s server and carry no role tag (edge machines' install Commands)." },
    },
};

const roleOf = (r: PolicyResource): string | undefined => k3sRoleOf(r.props);

export const k3sServerTokenOnlyOnServers: StackValidationPolicy = {
    name: "k3s-server-token-only-on-servers",
    description: "Only k3s servers' user data or install scripts are built from the cluster's server token; agents join with the agent token.",
    enforcementLevel: "mandatory",
    configSchema: SCHEMA,
    validateStack: (args, report) => {
        const config = args.getConfig<TokenConfig>();
        const tokens = new Set((config.serverTokens ?? ["k3s-token"]));
        const servers = new Set(config.serverNodes ?? []);
        for (const r of args.resources) {
            const token = r.dependencies.find((d) => tokens.has(d.name) && d.type.startsWith("random:"));
            if (!token) continue;
            const role = roleOf(r);
            if (role === "server" || (role === undefined && servers.has(r.name))) continue;
            report(`${r.type} ${r.name} is built from the k3s server token (${token.name}) but is ${role ? `a k3s ${role}` : "not a k3s server"}: ` +
                "its user data or script would hand any pod that reads it the cluster's root of trust; join agents with the agent token (k3s agent-token)", r.urn);
        }
    },
};
