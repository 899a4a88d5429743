import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { CHAT_SERVICE_ACCOUNT, CHAT_SERVICE_PORT, CHAT_RELEASE, ChatUi } from "../components/apps/chat-ui";
import { keyAlias } from "../components/inference/gateway-config";
import { Notebooks, NOTEBOOKS_SERVICE } from "../components/apps/notebooks";
import { childrenDependOn } from "../components/ordering";
import { Scheduling } from "../components/placement";
import { VaultConsumer } from "../components/platform/vault-bootstrap";
import { StackConfig } from "./config";
import { APP_KEY_NAMES, entraTenant } from "./config/access";
import { InferenceConfig } from "./config/inference";
import { StackIngress } from "./ingress";
import { PlatformSecrets } from "./platform-secrets";
import { EgressDestination } from "../components/platform/egress";

export const CHAT_NAMESPACE = "groundwork-chat";
export const CHAT_CONSUMER: VaultConsumer = { name: "chat", namespace: CHAT_NAMESPACE, serviceAccount: "chat-secrets" };
export const NOTEBOOKS_NAMESPACE = "groundwork-notebooks";
export const NOTEBOOKS_CONSUMER: VaultConsumer = { name: "notebooks", namespace: NOTEBOOKS_NAMESPACE, serviceAccount: "notebooks-secrets" };
/** The chat UI's own database in the platform's Postgres (chats, users, settings: backed up with it). */
export const CHAT_DATABASE = "openwebui";

type Apps = StackConfig["apps"];

/** The team whose key and budget an application's calls count against: its `team`, else the first. */
export function appTeam(inference: InferenceConfig, app: { team?: string }): string {
    return app.team ?? inference.teams[0].name;
}

/** The chat UI's gateway key: its team and alias, the one key whose calls may name their user. */
export function chatKey(inference: InferenceConfig, chat: { team?: string }): { team: string; alias: string } {
    const team = appTeam(inference, chat);
    return { team, alias: keyAlias(team, APP_KEY_NAMES.chat) };
}

const enabled = <T extends { enabled: boolean }>(app?: T): app is T => app !== undefined && app.enabled;

/**
 * The inference config with a virtual key for each application in its team, at the team's own
 * limits: the gateway provisions it like any key, and its calls count against the team's budget.
 */
export function withAppKeys(inference: InferenceConfig | undefined, apps: Apps): InferenceConfig | undefined {
    if (!inference) return inference;
    const keyed = (["chat", "notebooks"] as const).filter((app) => enabled(apps[app])).map((app) => ({ key: APP_KEY_NAMES[app], team: appTeam(inference, apps[app]!) }));
    return {
        ...inference,
        teams: inference.teams.map((t) => ({
            ...t,
            keys: [...t.keys, ...keyed.filter((k) => k.team === t.name).map((k) => ({ name: k.key, maxBudgetUsd: t.maxBudgetUsd, budgetDuration: t.budgetDuration, rpm: t.rpm, tpm: t.tpm }))],
        })),
    };
}

/** The aliases of the keys withAppKeys adds, `<team>-<application key>`: the applications', not their teams'. */
export function appKeyAliases(inference: InferenceConfig | undefined, apps: Apps): string[] {
    if (!inference) return [];
    return (["chat", "notebooks"] as const).filter((app) => enabled(apps[app])).map((app) => keyAlias(appTeam(inference, apps[app]!), APP_KEY_NAMES[app]));
}

/** Postgres databases and meshed clients the applications add. */
export function appDatabases(apps: Apps): { databases: { name: string }[]; clients: string[] } {
    return enabled(apps.chat)
        ? { databases: [{ name: CHAT_DATABASE }], clients: [`${CHAT_NAMESPACE}/${CHAT_SERVICE_ACCOUNT}`] }
        : { databases: [], clients: [] };
}

/** The Vault consumers the applications read their secrets through. */
export function appConsumers(apps: Apps): VaultConsumer[] {
    return [...(enabled(apps.chat) ? [CHAT_CONSUMER] : []), ...(enabled(apps.notebooks) ? [NOTEBOOKS_CONSUMER] : [])];
}

/**
 * The applications' secrets: the chat UI's session key, its database role's password (Postgres
 * sets it, the chat logs in with the URL), and each application's gateway key. Their copies of the
 * OIDC client secret come from `ssoSecrets`, with Langfuse's.
 */
export function appSecrets(config: StackConfig, postgresHost: string, virtualKeys: Record<string, pulumi.Output<string>>): PlatformSecrets {
    const apps = config.apps;
    const inference = config.inference;
    const sso = config.access?.sso;
    if (!inference || !sso) return {};
    return {
        ...(enabled(apps.chat) ? chatSecrets(config, postgresHost, virtualKeys) : {}),
        ...(enabled(apps.notebooks) ? {
            "notebooks/gateway": { apiKey: virtualKeys[keyAlias(appTeam(inference, apps.notebooks), APP_KEY_NAMES.notebooks)] },
        } : {}),
    };
}

function chatSecrets(config: StackConfig, postgresHost: string, virtualKeys: Record<string, pulumi.Output<string>>): PlatformSecrets {
    const apps = config.apps;
    if (!enabled(apps.chat) || !config.inference || !config.access?.sso) return {};
    const dbPassword = new random.RandomPassword("chat-db", { length: 32, special: false }).result;
    return {
        [`postgres/${CHAT_DATABASE}`]: { username: pulumi.secret(pulumi.output(CHAT_DATABASE)), password: dbPassword },
        "chat/db": { url: pulumi.secret(pulumi.interpolate`postgresql://${CHAT_DATABASE}:${dbPassword}@${postgresHost}/${CHAT_DATABASE}`) },
        "chat/app": {
            secretKey: new random.RandomPassword("chat-secret-key", { length: 48, special: false }).result,
            // The bootstrap admin's (components/apps/chat-ui.ts CHAT_BOOTSTRAP_ADMIN): password sign-in is off, so nobody uses it.
            adminPassword: new random.RandomPassword("chat-bootstrap-admin", { length: 48, special: false }).result,
        },
        "chat/gateway": { apiKey: virtualKeys[chatKey(config.inference, apps.chat).alias] },
    };
}

export interface AppsDeps {
    provider: k8s.Provider;
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt). */
    apiServer: EgressDestination;
    ingress: StackIngress;
    /** The gateway's in-mesh OpenAI-compatible URL (`…/v1`). */
    gatewayUrl: pulumi.Input<string>;
    /** What the applications wait for: the mesh, Vault's bootstrap, Postgres, the gateway. */
    after: pulumi.Resource[];
    scheduling?: Scheduling;
}

/** The applications the stack turns on, each behind its host with single sign-on. */
export function buildApps(config: StackConfig, deps: AppsDeps): void {
    const sso = config.access?.sso;
    const chat = config.apps.chat;
    if (enabled(chat) && sso) {
        const url = deps.ingress.urlOf("chat")!;
        const ui = new ChatUi("chat", {
            vaultConsumer: CHAT_CONSUMER,
            url,
            sso: { issuer: sso.issuer, clientId: sso.clientId, groupsClaim: sso.groupsClaim, operatorsGroup: sso.operatorsGroup, usersGroup: sso.usersGroup, allowedDomains: sso.allowedDomains },
            gatewayUrl: deps.gatewayUrl,
            cpus: chat.cpus,
            memoryGbs: chat.memoryGbs,
            storageGbs: chat.storageGbs,
            scheduling: deps.scheduling,
        }, { provider: deps.provider, transformations: [childrenDependOn(deps.after)] });
        deps.ingress.route("chat", { namespace: CHAT_NAMESPACE, service: { name: CHAT_RELEASE, port: CHAT_SERVICE_PORT }, audience: "ui", signInIssuer: sso.issuer, after: [ui] });
    }
    const notebooks = config.apps.notebooks;
    if (enabled(notebooks) && sso?.oauthEndpoints) {
        const hub = new Notebooks("notebooks", {
            apiServer: deps.apiServer,
            vaultConsumer: NOTEBOOKS_CONSUMER,
            url: deps.ingress.urlOf("notebooks")!,
            sso: { clientId: sso.clientId, ...sso.oauthEndpoints, groupsClaim: sso.groupsClaim, operatorsGroup: sso.operatorsGroup, usersGroup: sso.usersGroup, administrators: sso.administrators },
            // Entra's userinfo carries no groups; its ID token does (security review s21 N1).
            userdataFromIdToken: entraTenant(sso.issuer) !== undefined,
            gatewayUrl: deps.gatewayUrl,
            cpus: notebooks.cpus,
            memoryGbs: notebooks.memoryGbs,
            storageGbs: notebooks.storageGbs,
            scheduling: deps.scheduling,
        }, { provider: deps.provider, transformations: [childrenDependOn(deps.after)] });
        deps.ingress.route("notebooks", { namespace: NOTEBOOKS_NAMESPACE, service: NOTEBOOKS_SERVICE, audience: "ui", signInIssuer: sso.issuer, after: [hub] });
    }
}
