import type { StackValidationPolicy } from "@pulumi/policy";
import { accessGrantsOf, gatewayConfigOf, isGatewayConfigMap } from "./gateway-objects";

/*
 * A tenant is one unit: its traces, costs and prompts belong in its own Langfuse project, where its
 * owners see them and no other team's. The gateway sends a team's calls to its project through
 * `litellm_settings.default_team_settings` (BerriAI/litellm-docs@ef86ded8 docs/proxy/team_logging.md
 * L212-242): an entry per team_id with the `langfuse` callback and the project's keys as
 * `os.environ/` references. A team without one traces into the platform's shared project.
 * Advisory: a project can only be made once Langfuse runs, so a new stack's first `pulumi up`
 * has none yet; its teams trace to the platform's project, tagged with the team, until they do.
 */

const ENV_REF = /^os\.environ\/[A-Z0-9_]+$/;

export const teamsHaveLangfuseProjects: StackValidationPolicy = {
    name: "team-langfuse-project",
    description: "Every gateway team traces to a Langfuse project of its own (default_team_settings with the langfuse callback and the project's keys by reference).",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        const gateways = args.resources.filter((r) => isGatewayConfigMap(r.type, r.props ?? {}));
        const projects = new Map<string, Record<string, any>>();
        for (const r of gateways) {
            const config = gatewayConfigOf(r.props);
            if (config === undefined || config instanceof Error) continue;
            const entries = config.raw?.litellm_settings?.default_team_settings;
            for (const entry of Array.isArray(entries) ? entries : []) projects.set(String(entry?.team_id), entry);
        }
        for (const r of gateways) {
            const grants = accessGrantsOf(r.props);
            if (grants === undefined || grants instanceof Error) continue;
            for (const team of new Set(grants.filter((g) => g.path.startsWith("teams")).map((g) => String(g.grant.team_id)))) {
                const entry = projects.get(team);
                if (entry === undefined) {
                    report(`team ${team} has no Langfuse project of its own: its traces and costs land in the platform's project beside every other team's; make a project in Langfuse and set the team's langfuseProject`);
                    continue;
                }
                const callbacks = [...(entry.success_callback ?? []), ...(entry.failure_callback ?? [])];
                if (!callbacks.includes("langfuse")) report(`team ${team}'s default_team_settings entry sends nothing to Langfuse (success_callback and failure_callback lack langfuse)`);
                for (const key of ["langfuse_public_key", "langfuse_secret"]) {
                    if (!ENV_REF.test(String(entry[key] ?? ""))) report(`team ${team}'s default_team_settings.${key} is not an os.environ/ reference; the project's keys come from Vault through the environment, never the config`);
                }
            }
        }
    },
};

export const teamProjectPolicies = [teamsHaveLangfuseProjects];
