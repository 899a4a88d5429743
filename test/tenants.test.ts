import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { teamLangfuseEnv } from "../components/inference/gateway-config";
import { PULUMI_POLICY_HCL, vaultConfigureScript } from "../components/platform/vault-bootstrap";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { committedPlan, named, planValues, problems, stackValues, vaultSecretAt } from "./helpers";
import { assertShellcheckPasses } from "./validators";

/**
 * A tenant is one unit of config: one `inference.teams[]` entry makes its gateway team, keys,
 * budgets and limits, its own Langfuse project's routing, its Vault path, its owners' sign-in, and
 * its budget alert; taking the entry out takes all of it away.
 */

const docs = (plan: PlanResult) => kubernetesDocuments(plan.resources) as any[];
const configMap = (plan: PlanResult, name: string) => docs(plan).find((d) => d.kind === "ConfigMap" && d.metadata.name === name);
const gatewayConfig = (plan: PlanResult) => YAML.parse(configMap(plan, "llm-gateway").data["config.yaml"]);
const vaultScript = (plan: PlanResult) => String(named(plan, "command:remote:Command", "vault-configure").plainInputs.stdin);

describe("a tenant is one unit of config", function () {
    let cloud: PlanResult;
    before(async () => { cloud = await committedPlan("cloud"); });

    it("one team entry makes its gateway team, keys, budgets and limits", () => {
        const access = JSON.parse(configMap(cloud, "llm-gateway-access").data["access.json"]);
        assert.deepEqual(access.teams.map((t: any) => [t.team_id, t.max_budget, t.budget_duration, t.rpm_limit, t.tpm_limit]), [["product", 500, "30d", 600, 200000], ["groundwork-evaluations", 10, "30d", 60, 100000]]);
        // Its own key, and the keys the chat UI and notebooks spend on its behalf.
        assert.deepEqual(access.keys.map((k: any) => [k.key_alias, k.team_id, k.max_budget]), [["product-default", "product", 100], ["product-chat-ui", "product", 500], ["product-notebooks", "product", 500], ["groundwork-evaluations-job", "groundwork-evaluations", 10]]);
    });

    it("and sends the team's traces and costs to its own Langfuse project, keys from Vault by reference", () => {
        const [entry, evaluations] = gatewayConfig(cloud).litellm_settings.default_team_settings;
        // The evaluations' team traces to the platform's project, where their datasets and scores are.
        assert.deepEqual([evaluations.team_id, evaluations.langfuse_public_key, evaluations.langfuse_secret], ["groundwork-evaluations", "os.environ/LANGFUSE_PUBLIC_KEY", "os.environ/LANGFUSE_SECRET_KEY"]);
        const names = teamLangfuseEnv("product");
        assert.deepEqual(entry, { team_id: "product", success_callback: ["langfuse"], failure_callback: ["langfuse"], langfuse_public_key: `os.environ/${names.publicKey}`, langfuse_secret: `os.environ/${names.secretKey}`, langfuse_host: "os.environ/LANGFUSE_HOST" });
        const env = docs(cloud).find((d) => d.kind === "Deployment" && d.metadata.name === "llm-gateway").spec.template.spec.containers[0].env;
        assert.deepEqual(env.find((e: any) => e.name === names.secretKey).valueFrom.secretKeyRef, { name: "llm-gateway-team-langfuse", key: names.secretKey });
        assert.deepEqual(Object.keys(vaultSecretAt(cloud, "gateway/team-langfuse")).sort(), [names.publicKey, names.secretKey].sort());
        assert.ok(gatewayConfig(cloud).litellm_settings.langfuse_default_tags.includes("user_api_key_team_alias"), "every trace names its team");
    });

    it("and keeps the team's keys and project keys under its own Vault path, which its owners' role alone reads", () => {
        // Not the applications' keys: the chat UI's names its callers (security review s24 S1).
        assert.deepEqual(Object.keys(vaultSecretAt(cloud, "teams/product/gateway-keys")), ["default"]);
        // One version only, so no older one still holds a key taken off the path (review s24c F2).
        assert.match(vaultScript(cloud), /vault kv metadata delete -mount=groundwork teams\/product\/gateway-keys >\/dev\/null\ncat > "\$seed" <<'GROUNDWORK_SECRET'\n[^\n]*\nGROUNDWORK_SECRET\nvault kv put -mount=groundwork teams\/product\/gateway-keys /);
        assert.doesNotMatch(vaultScript(cloud), /metadata delete -mount=groundwork gateway\//, "platform paths keep their versions");
        assert.deepEqual(Object.keys(vaultSecretAt(cloud, "gateway/virtual-keys")).filter((a) => a.startsWith("product-")).sort(), ["product-chat-ui", "product-default", "product-notebooks"]);
        assert.deepEqual(Object.keys(vaultSecretAt(cloud, "teams/product/langfuse")).sort(), ["publicKey", "secretKey"]);
        const role = JSON.parse(vaultScript(cloud).split("vault write auth/oidc/role/team-product - <<'GROUNDWORK_ROLE'\n")[1].split("\n")[0]);
        assert.deepEqual([role.bound_claims, role.token_policies], [{ groups: ["product-owners"] }, ["team-product"]]);
        assert.match(vaultScript(cloud), /vault policy write team-product - <<'GROUNDWORK_POLICY'\npath "groundwork\/data\/teams\/product\/\*"/);
    });

    it("leaves a team's own key named like an application's on the team's path (review s24c F3)", async () => {
        const v = stackValues("cloud");
        const product = v.inference.teams[0];
        const { langfuseProject: _project, ...withoutProject } = product;
        v.inference.teams.push({ ...withoutProject, name: "research", ownersGroup: "research-owners", keys: ["notebooks", "chat-ui"].map((name) => ({ ...product.keys[0], name })) });
        const plan = await planValues("cloud", v);
        assert.deepEqual(Object.keys(vaultSecretAt(plan, "teams/research/gateway-keys")).sort(), ["chat-ui", "notebooks"], "research's own keys");
        assert.deepEqual(Object.keys(vaultSecretAt(plan, "teams/product/gateway-keys")), ["default"], "product's, without the applications' keys it holds");
    });

    it("and alerts on the team's budget (the rule is per team)", () => {
        const rule = docs(cloud).find((d) => d.kind === "PrometheusRule").spec.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === "TeamBudgetNearlySpent");
        assert.match(rule.expr, /litellm_team_max_budget_metric/);
        assert.match(rule.annotations.description, /\{\{ \$labels\.team_alias \}\}/);
    });

    it("taking the entry out takes the team's gateway objects, project routing and Vault secrets with it", async () => {
        const v = stackValues("cloud");
        const product = v.inference.teams[0];
        v.inference.teams = [{ ...product, name: "support", langfuseProject: { ...product.langfuseProject, publicKey: "pk-lf-support-0000-stand-in" } }];
        const plan = await planValues("cloud", v);
        const access = JSON.parse(configMap(plan, "llm-gateway-access").data["access.json"]);
        assert.deepEqual(access.teams.map((t: any) => t.team_id), ["support", "groundwork-evaluations"], "the provisioning Job removes product from LiteLLM, its keys with it");
        assert.deepEqual(gatewayConfig(plan).litellm_settings.default_team_settings.map((e: any) => e.team_id), ["support", "groundwork-evaluations"]);
        const script = vaultScript(plan);
        assert.ok(!script.includes("teams/product/"), "product's secrets are no longer written");
        assert.match(script, /kept=" support "/, "and every team but support is retired");
        assert.match(script, /owned=" support "/, "product's owners' role goes; support's, from the same group, is kept");
    });

    it("refuses two teams on one Langfuse project, and never echoes a project's secret key", () => {
        const v = stackValues("cloud");
        const product = v.inference.teams[0];
        v.inference.teams = [product, { ...product, name: "support", ownersGroup: undefined }];
        delete v.inference.teams[1].ownersGroup;
        assert.deepEqual(problems(v), [`groundwork:inference.teams[1].langfuseProject.publicKey = "pk-lf-product-0000-stand-in": is team product's project too; each team gets its own project, or its traces are another team's to read`]);
        const bad = stackValues("cloud");
        bad.inference.teams[0].langfuseProject = { publicKey: "pk-lf-product-0000-stand-in", secretKey: ["sk-lf-planted-in-a-list-9876"] };
        const found = problems(bad).join("\n");
        assert.match(found, /groundwork:inference\.teams\[0\]\.langfuseProject\.secretKey/);
        assert.ok(!found.includes("sk-lf-planted-in-a-list-9876"), found);
    });

    it("refuses a team named as the evaluations' own", () => {
        const v = stackValues("dev");
        v.inference.teams[0].name = "groundwork-evaluations";
        assert.ok(problems(v).includes(`groundwork:inference.teams[0].name = "groundwork-evaluations": is groundwork-evaluations, the team the stack makes for its evaluations; choose another name`), problems(v).join("\n"));
    });

    it("the retire step deletes a removed team's secrets and role, and nothing of a kept one (run with a stand-in vault CLI)", () => {
        const script = vaultConfigureScript("hvs.x", [], { "teams/platform/gateway-keys": { default: "sk-x" } }, { teams: { names: ["platform", "kept"], owned: ["platform"] } });
        assertShellcheckPasses(script);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-vault-cli-"));
        // Answers as the vault CLI does: `kv list -format=json` prints a JSON array, folders with a trailing slash.
        fs.writeFileSync(path.join(dir, "vault"), `#!/bin/sh
echo "$*" >> "${dir}/calls"
case "$*" in
  "kv list -mount=groundwork -format=json teams") printf '[\\n  "empty/",\\n  "gone/",\\n  "kept/",\\n  "platform/"\\n]\\n' ;;
  "kv list -mount=groundwork -format=json teams/gone") printf '[\\n  "gateway-keys",\\n  "langfuse"\\n]\\n' ;;
  "kv list -mount=groundwork -format=json teams/empty") printf '{}\\n'; exit 2 ;;
  "list -format=json auth/oidc/role") printf '[\\n  "operator",\\n  "team-gone",\\n  "team-kept",\\n  "team-platform"\\n]\\n' ;;
esac
`, { mode: 0o755 });
        const run = spawnSync("sh", ["-s"], { input: script, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /retired team gone/);
        const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").split("\n");
        // "kept" stays but has no owners group now: its role goes, its secrets stay; the operators' role is left alone.
        assert.deepEqual(calls.filter((c) => /delete/.test(c)), [
            // A written team path is emptied of its older versions first (review s24d F3).
            "kv metadata delete -mount=groundwork teams/platform/gateway-keys",
            "policy delete team-empty",
            "kv metadata delete -mount=groundwork teams/gone/gateway-keys",
            "kv metadata delete -mount=groundwork teams/gone/langfuse",
            "policy delete team-gone",
            "delete auth/oidc/role/team-gone",
            "delete auth/oidc/role/team-kept",
        ]);
    });

    it("Pulumi's own Vault policy may delete team secrets, policies and roles, and no other", () => {
        assert.match(PULUMI_POLICY_HCL, /path "groundwork\/metadata\/teams\/\*" \{\n {2}capabilities = \["read", "list", "delete"\]\n\}/);
        // Platform paths' metadata stays read-only: their versions are kept.
        assert.match(PULUMI_POLICY_HCL, /path "groundwork\/metadata\/\*" \{\n {2}capabilities = \["read", "list"\]\n\}/);
        assert.match(PULUMI_POLICY_HCL, /path "auth\/oidc\/role\/team-\*" \{\n {2}capabilities = \["create", "read", "update", "list", "delete"\]\n\}/);
        assert.match(PULUMI_POLICY_HCL, /path "sys\/policies\/acl\/team-\*" \{\n {2}capabilities = \["create", "read", "update", "list", "delete"\]\n\}/);
        assert.equal(PULUMI_POLICY_HCL.match(/"delete"/g)?.length, 3);
    });
});
