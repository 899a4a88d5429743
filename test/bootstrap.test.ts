import { strict as assert } from "assert";
import * as YAML from "yaml";
import { K3S_CONFIG_PATH, K3S_POD_SECURITY_PATH, K3sNodeBootstrap, k3sCloudInit, k3sConfigFile, k3sRemoteInstall, k3sServerFirstBoot } from "../components/k3s/bootstrap";
import { K3S_AUDIT_POLICY_PATH } from "../components/k3s/api-audit";
import { auditPolicyProblems, firstMatchingLevel } from "./audit-policy";
import { externalKubeconfig, readKubeconfigScript } from "../components/k3s/cluster-access";
import { cloudInitSchema, cloudInitSchemas, scriptsIn, shellcheck, shellchecks, assertShellcheckPasses } from "./validators";

const server: K3sNodeBootstrap = {
    version: "v1.34.9+k3s1",
    role: "server",
    nodeName: "server-1",
    token: "planted-token-6d1f",
    agentToken: "planted-agent-token-3c2a",
    labels: { "groundwork.dev/site": "oci", "groundwork.dev/placement": "arm" },
    taints: [],
    cluster: { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", tlsSans: ["k3s.example.org"] },
};
const agent: K3sNodeBootstrap = {
    ...server,
    role: "agent",
    nodeName: "agent-1",
    token: "planted-agent-token-3c2a",
    agentToken: undefined,
    serverUrl: "https://10.0.0.10:6443",
    taints: ["dedicated=inference:NoSchedule"],
    cluster: undefined,
};

/** The file an SSH install writes at `path`, from its `marker` heredoc, moved into place when it changed. */
function stagedFile(script: string, marker: string, path: string): string {
    const written = new RegExp(`cat > "\\$staged" <<'${marker}'\n([\\s\\S]*?)\n${marker}\nif ! cmp -s "\\$staged" ${path}; then\n    mv "\\$staged" ${path}\n`).exec(script);
    assert.ok(written, `the script writes no ${path}`);
    return written[1];
}

describe("k3s bootstrap", () => {
    it("starts embedded etcd on the first server, with the cluster's networks", () => {
        const config = k3sConfigFile(server);
        assert.equal(config["cluster-init"], true);
        assert.equal(config.server, undefined);
        assert.equal(config["cluster-cidr"], "10.42.0.0/16");
        assert.equal(config["service-cidr"], "10.43.0.0/16");
        assert.deepEqual(config["tls-san"], ["k3s.example.org"]);
        assert.equal(config["secrets-encryption"], true);
        assert.equal(config["write-kubeconfig-mode"], "0600");
        assert.deepEqual(config["node-label"], ["groundwork.dev/site=oci", "groundwork.dev/placement=arm"]);
        assert.equal(config["agent-token"], "planted-agent-token-3c2a", "servers accept agents by the agent token");
    });

    it("joins agents to the server with the token, labels and taints, and no server-only keys", () => {
        const config = k3sConfigFile(agent);
        assert.equal(config.server, "https://10.0.0.10:6443");
        assert.equal(config.token, "planted-agent-token-3c2a");
        assert.deepEqual(config["node-taint"], ["dedicated=inference:NoSchedule"]);
        for (const key of ["cluster-init", "cluster-cidr", "service-cidr", "secrets-encryption", "tls-san", "agent-token"]) {
            assert.equal(config[key], undefined, key);
        }
    });

    it("holds every namespace without its own level to Pod Security baseline, so no pod outside kube-system shares a node's network", () => {
        // Servers: the API server reads the admission configuration, which the SSH install writes (umask 077: root's only).
        assert.equal((k3sConfigFile(server)["kube-apiserver-arg"] as string[])[0], `admission-control-config-file=${K3S_POD_SECURITY_PATH}`);
        const remote = k3sRemoteInstall({ ...server, nodeName: "edge-server" });
        assert.match(remote, /^umask 077$/m);
        const admission = YAML.parse(stagedFile(remote, "GROUNDWORK_POD_SECURITY", K3S_POD_SECURITY_PATH));
        assert.deepEqual([admission.apiVersion, admission.kind, admission.plugins.map((p: any) => p.name)], ["apiserver.config.k8s.io/v1", "AdmissionConfiguration", ["PodSecurity"]]);
        const pss = admission.plugins[0].configuration;
        assert.deepEqual([pss.apiVersion, pss.kind, pss.defaults], ["pod-security.admission.config.k8s.io/v1", "PodSecurityConfiguration", { enforce: "baseline", "enforce-version": "latest" }]);
        assert.deepEqual(pss.exemptions, { usernames: [], runtimeClasses: [], namespaces: ["kube-system"] }, "only k3s's own namespace is exempt");
        assertShellcheckPasses(remote);
        // Agents run no API server: neither the flag nor the file.
        assert.equal(k3sConfigFile(agent)["kube-apiserver-arg"], undefined);
        assert.ok(!YAML.parse(k3sCloudInit(agent)).write_files.some((f: { path: string }) => f.path === K3S_POD_SECURITY_PATH));
        assert.ok(!k3sRemoteInstall(agent).includes(K3S_POD_SECURITY_PATH));
    });

    it("turns on the API server's audit log on servers, with a policy the API server would load (security review s21 L1)", () => {
        assert.deepEqual((k3sConfigFile(server)["kube-apiserver-arg"] as string[]).slice(1), [
            `audit-policy-file=${K3S_AUDIT_POLICY_PATH}`,
            "audit-log-path=/var/lib/rancher/k3s/server/logs/audit.log",
            "audit-log-maxage=30",
            "audit-log-maxbackup=5",
            "audit-log-maxsize=100",
        ]);
        const remote = k3sRemoteInstall({ ...server, nodeName: "edge-server" });
        const policy = YAML.parse(stagedFile(remote, "GROUNDWORK_AUDIT_POLICY", K3S_AUDIT_POLICY_PATH));
        // What kubernetes/apiserver@v0.34.9 LoadPolicyFromBytes asks of the file: its group version,
        // no unknown field (strict decoding), a rule at least, and ValidatePolicy's rules for each.
        assert.deepEqual([policy.apiVersion, policy.kind], ["audit.k8s.io/v1", "Policy"]);
        assert.deepEqual(auditPolicyProblems(policy), []);
        assert.ok(policy.rules.length > 0);
        // The checker catches what the API server refuses.
        assert.deepEqual(auditPolicyProblems({ ...policy, omitStages: ["Received"], rules: [{ level: "Everything" }, { level: "None", nonResourceURLs: ["health*"], resources: [{ group: "" }] }, { level: "None", resources: [{ group: "rbac.authorization.k8s.io/v1" }] }, { level: "Metadata", verbz: ["get"] }] }), [
            "omitStages[0]: Received", "rules[0].level: Everything", "rules[1].nonResourceURLs[0]: health*", "rules[1]: both resources and non-resource URLs", "rules[2].resources[0].group: rbac.authorization.k8s.io/v1", "rules[3].verbz: unknown field",
        ]);
        const level = (request: { user?: string; groups?: string[]; verb: string; group?: string; resource?: string; path?: string }) => firstMatchingLevel(policy, request);
        // Credentials are recorded by who, what and when, never with their bodies, kubelets' reads too.
        assert.equal(level({ user: "system:serviceaccount:x:y", verb: "get", resource: "secrets" }), "Metadata");
        assert.equal(level({ user: "system:node:n1", groups: ["system:nodes"], verb: "get", resource: "secrets" }), "Metadata");
        assert.equal(level({ verb: "create", group: "authentication.k8s.io", resource: "tokenreviews" }), "Metadata");
        assert.equal(level({ verb: "create", resource: "serviceaccounts/token" }), "Metadata");
        assert.equal(level({ verb: "create", resource: "pods/exec" }), "Metadata");
        // RBAC and admission changes with what they were changed to; reading them, metadata.
        assert.equal(level({ verb: "patch", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" }), "Request");
        assert.equal(level({ verb: "list", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" }), "Metadata");
        // Noise and kubelets' routine reads: nothing.
        assert.equal(level({ verb: "update", group: "coordination.k8s.io", resource: "leases" }), "None");
        assert.equal(level({ verb: "get", path: "/readyz" }), "None");
        assert.equal(level({ user: "system:node:n1", groups: ["system:nodes"], verb: "watch", resource: "pods" }), "None");
        assert.equal(level({ user: "alice", verb: "delete", group: "apps", resource: "deployments" }), "Metadata");
        assertShellcheckPasses(remote);
        assert.ok(!YAML.parse(k3sCloudInit(agent)).write_files.some((f: { path: string }) => f.path === K3S_AUDIT_POLICY_PATH));
        assert.ok(!k3sRemoteInstall(agent).includes(K3S_AUDIT_POLICY_PATH));
    });

    it("writes the config file readable by root only and runs the pinned installer", () => {
        const doc = YAML.parse(k3sCloudInit(agent));
        const file = doc.write_files.find((f: { path: string }) => f.path === K3S_CONFIG_PATH);
        assert.equal(file.permissions, "0600");
        assert.deepEqual(YAML.parse(file.content), k3sConfigFile(agent));
        const installer = doc.write_files.find((f: { content: string }) => f.content.startsWith("#!"));
        assert.match(installer.content, /K3S_VERSION="v1\.34\.9\+k3s1"/);
        assert.match(installer.content, /raw\.githubusercontent\.com\/k3s-io\/k3s\/\$\{K3S_VERSION\}\/install\.sh/);
        assert.match(installer.content, /INSTALL_K3S_EXEC="\$K3S_ROLE"/);
        assert.deepEqual(doc.runcmd, [[installer.path]]);
    });

    it("renders agent user data that passes cloud-init schema and shellcheck", () => {
        const userData = k3sCloudInit(agent);
        assert.ok(userData.startsWith("#cloud-config\n"));
        const schema = cloudInitSchema(userData);
        assert.ok(schema.ok, schema.output);
        const scripts = scriptsIn(userData);
        assert.deepEqual(scripts.map((s) => s.name), ["/usr/local/sbin/groundwork-k3s-install", "runcmd"]);
        for (const { name, script } of scripts) {
            const verdict = shellcheck(script);
            assert.ok(verdict.ok, `${name}: ${verdict.output}`);
        }
    });

    it("gives a server a first boot without k3s or any token, and installs it over SSH once cloud-init is done", () => {
        assert.throws(() => k3sCloudInit(server), /node server-1: only agents install k3s from user data; a server takes its tokens and CA over SSH/);
        assert.throws(() => k3sCloudInit({ ...agent, agentToken: "planted-agent-token-3c2a" }), /only agents install k3s from user data/);
        const hostKey = { privateKeyOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n", publicKeyOpenssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanted server-1\n" };
        const firstBoot = k3sServerFirstBoot({ nodeName: "server-1", sshHostKey: hostKey });
        const schema = cloudInitSchema(firstBoot);
        assert.ok(schema.ok, schema.output);
        const doc = YAML.parse(firstBoot);
        assert.deepEqual(Object.keys(doc).sort(), ["apt", "packages", "ssh_keys"]);
        assert.equal(doc.ssh_keys.ed25519_public, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanted server-1");
        assert.equal(YAML.parse(k3sServerFirstBoot({ nodeName: "server-1" })).ssh_keys, undefined, "under trust on first use the image makes its own");
        const remote = k3sRemoteInstall(server, { afterCloudInit: true });
        const wait = remote.indexOf("cloud-init status --wait");
        assert.ok(wait > 0 && wait < remote.indexOf("GROUNDWORK_K3S_CONFIG") && wait < remote.indexOf("apt-get"), "the install waits for the first boot's apt before its own");
        assert.ok(!k3sRemoteInstall(server).includes("cloud-init"), "edge machines wait for nothing");
        assertShellcheckPasses(remote);
    });

    it("uses validators that do reject bad input", () => {
        assert.equal(cloudInitSchema("#cloud-config\nruncmd: 5\nwrite_files: [{path: 1}]\n").ok, false);
        assert.equal(shellcheck("#!/bin/sh\nrm -rf $1/*\n").ok, false);
    });

    // The same inputs the single runs above refuse, among others: each verdict is about its own input.
    it("batches the validators without changing a verdict", () => {
        const documents = ["#cloud-config\nruncmd: [[echo, ok]]\n", "#cloud-config\nruncmd: 5\nwrite_files: [{path: 1}]\n", "#cloud-config\npackages: [curl]\n"];
        const batched = cloudInitSchemas(documents);
        assert.deepEqual(batched.map((v) => v.ok), [true, false, true]);
        assert.match(batched[1].output, /runcmd: 5 is not of type 'array'/);
        const scripts = ["#!/bin/sh\necho ok\n", "#!/bin/bash\nx=( a )\necho $x\n", "#!/bin/sh\nset -eu\nrm -rf $1/*\n", "#!/bin/sh\nexit 0\n"];
        const checked = shellchecks(scripts);
        assert.deepEqual(checked.map((v) => v.ok), [true, false, false, true]);
        assert.match(checked[1].output, /^3:6: .*\[SC2128\]\n {4}echo \$x$/m);
        assert.match(checked[2].output, /^3:8: warning: .*\[SC2115\]\n {4}rm -rf \$1\/\*$/m);
        assert.doesNotMatch(checked[2].output, /SC2128/);
    });

    it("reads the kubeconfig with a script that passes shellcheck", () => {
        const verdict = shellcheck(readKubeconfigScript(900, "ab".repeat(32)));
        assert.ok(verdict.ok, verdict.output);
    });

    it("points the kubeconfig at the server's address and verifies TLS against the name kubernetes", () => {
        const raw = "clusters:\n- cluster:\n    certificate-authority-data: QUJD\n    server: https://127.0.0.1:6443\n  name: default\n";
        const cluster = YAML.parse(externalKubeconfig(raw, "203.0.113.7")).clusters[0].cluster;
        assert.deepEqual(cluster, {
            "certificate-authority-data": "QUJD",
            server: "https://203.0.113.7:6443",
            "tls-server-name": "kubernetes",
        });
    });
});
