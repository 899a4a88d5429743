import { strict as assert } from "assert";
import * as YAML from "yaml";
import { createHash } from "crypto";
import { Namespace } from "kubernetes-models/v1";
import { ALWAYS_FREE } from "../components/oci/always-free";
import { SERVER_CA_CERT_PATH } from "../components/k3s/server-ca";
import { kubernetesDocuments } from "../plan/report";
import { PlanResult } from "../plan/run";
import { cloudInitSchemas, scriptsIn, shellchecks } from "./validators";
import { handedHostKeyOf, k3sConfigInScript, named, ociUserDataOf, ofType, committedPlan, serverInstallScriptOf } from "./helpers";

type Rule = { protocol: string; source: string; tcpOptions?: { min: number; max: number }; udpOptions?: { min: number; max: number } };

const opensTcp = (rule: Rule, port: number) =>
    rule.protocol === "6" && (!rule.tcpOptions || (rule.tcpOptions.min <= port && port <= rule.tcpOptions.max));

describe("the dev stack, planned offline", function () {
    let plan: PlanResult;
    before(async () => {
        plan = await committedPlan("dev");
    });

    it("builds a VCN with a public and a private subnet, each with its own routes and security list", () => {
        const vcn = named(plan, "oci:Core/vcn:Vcn", "groundwork");
        assert.deepEqual(vcn.inputs.cidrBlocks, ["10.0.0.0/16"]);
        const pub = named(plan, "oci:Core/subnet:Subnet", "groundwork-public");
        const priv = named(plan, "oci:Core/subnet:Subnet", "groundwork-private");
        assert.deepEqual([pub.inputs.cidrBlock, pub.inputs.prohibitPublicIpOnVnic], ["10.0.0.0/24", false]);
        assert.deepEqual([priv.inputs.cidrBlock, priv.inputs.prohibitPublicIpOnVnic], ["10.0.1.0/24", true]);
        const route = (name: string) => (named(plan, "oci:Core/routeTable:RouteTable", name).inputs.routeRules as { networkEntityId: string }[])[0].networkEntityId;
        assert.equal(route("groundwork-public"), "offline-groundwork-internet");
        assert.equal(route("groundwork-private"), "offline-groundwork-nat");
        assert.deepEqual(pub.inputs.securityListIds, ["offline-groundwork-public"]);
        assert.deepEqual(priv.inputs.securityListIds, ["offline-groundwork-private"]);
    });

    it("opens SSH and the Kubernetes API only to the configured ranges, never to 0.0.0.0/0", () => {
        for (const list of ofType(plan, "oci:Core/securityList:SecurityList")) {
            const rules = list.inputs.ingressSecurityRules as Rule[];
            for (const port of [22, 6443]) {
                const sources = rules.filter((r) => opensTcp(r, port)).map((r) => r.source);
                assert.ok(!sources.includes("0.0.0.0/0"), `${list.name} opens ${port} to 0.0.0.0/0`);
                const allowed = (<Record<string, string[]>>{
                    "groundwork-public:22": ["198.51.100.0/24"],
                    "groundwork-public:6443": ["10.0.0.0/16", "198.51.100.0/24"],
                    "groundwork-private:22": ["10.0.0.0/24"],
                    "groundwork-private:6443": ["10.0.0.0/16"],
                })[`${list.name}:${port}`];
                assert.deepEqual([...new Set(sources)].sort(), allowed, `${list.name} port ${port}`);
            }
        }
    });

    it("opens the k3s node ports inside the VCN only, and the ingress ports its routes need on the public subnet", () => {
        const rules = named(plan, "oci:Core/securityList:SecurityList", "groundwork-public").inputs.ingressSecurityRules as Rule[];
        const udp = rules.filter((r) => r.protocol === "17").map((r) => [r.source, r.udpOptions!.min, r.udpOptions!.max]);
        assert.deepEqual(udp, [["10.0.0.0/16", 8472, 8472], ["10.0.0.0/16", 51820, 51821]]);
        const worldTcp = rules.filter((r) => r.protocol === "6" && r.source === "0.0.0.0/0").map((r) => r.tcpOptions!.min);
        // 80 for ACME and redirects, 443 for the public hosts; 9443 (gateway admin, Vault) to operators only.
        assert.deepEqual(worldTcp, [80, 443]);
        assert.deepEqual(rules.filter((r) => r.protocol === "6" && r.tcpOptions!.min === 9443).map((r) => r.source), ["198.51.100.0/24"]);
        const privateRules = named(plan, "oci:Core/securityList:SecurityList", "groundwork-private").inputs.ingressSecurityRules as Rule[];
        assert.ok(privateRules.every((r) => r.source !== "0.0.0.0/0" || r.protocol === "1"), "private subnet admits only ICMP from outside");
    });

    it("runs A1 instances inside the Always-Free totals", () => {
        const instances = ofType(plan, "oci:Core/instance:Instance");
        assert.deepEqual(instances.map((i) => i.name).sort(), ["agent-1", "server-1"]);
        const shapes = instances.map((i) => i.inputs.shapeConfig as { ocpus: number; memoryInGbs: number });
        assert.ok(instances.every((i) => i.inputs.shape === ALWAYS_FREE.shape));
        assert.equal(shapes.reduce((s, c) => s + c.ocpus, 0), 4);
        assert.equal(shapes.reduce((s, c) => s + c.memoryInGbs, 0), 24);
        const boot = instances.map((i) => Number((i.inputs.sourceDetails as { bootVolumeSizeInGbs: string }).bootVolumeSizeInGbs));
        assert.ok(boot.reduce((s, b) => s + b, 0) <= ALWAYS_FREE.totalBlockStorageGbs);
    });

    it("puts the server in the public subnet at a fixed address and agents in the private one", () => {
        const server = named(plan, "oci:Core/instance:Instance", "server-1");
        const agent = named(plan, "oci:Core/instance:Instance", "agent-1");
        assert.deepEqual(server.inputs.createVnicDetails, { assignPublicIp: "true", hostnameLabel: "server-1", privateIp: "10.0.0.10", subnetId: "offline-groundwork-public" });
        assert.deepEqual(agent.inputs.createVnicDetails, { assignPublicIp: "false", hostnameLabel: "agent-1", subnetId: "offline-groundwork-private" });
        assert.equal(server.inputs.preserveBootVolume, true, "the server's boot volume holds etcd");
        for (const i of [server, agent]) {
            assert.deepEqual(i.inputs.instanceOptions, { areLegacyImdsEndpointsDisabled: true });
            assert.deepEqual(i.ignoreChanges, ["sourceDetails.sourceId", "metadata.user_data"]);
            assert.equal((i.inputs.sourceDetails as { sourceId: string }).sourceId, "ocid1.image.oc1..offlineplanubuntu2404aarch64");
            assert.equal(i.inputs.availabilityDomain, "OFFLINE:AD-1");
        }
    });

    it("installs the agent from its user data and the server over SSH: both secret, passing cloud-init schema and shellcheck", () => {
        const instances = ofType(plan, "oci:Core/instance:Instance");
        assert.deepEqual(instances.map((i) => i.name).sort(), ["agent-1", "server-1"]);
        const scripts: { name: string; script: string }[] = [];
        for (const instance of instances) {
            assert.deepEqual(instance.secretPaths, ["metadata.user_data"]);
            assert.equal((instance.inputs.metadata as Record<string, string>).user_data, "[secret]");
            scripts.push(...scriptsIn(ociUserDataOf(instance)).map((s) => ({ ...s, name: `${instance.name} ${s.name}` })));
        }
        const install = named(plan, "command:remote:Command", "server-1-k3s-install");
        assert.equal(install.inputs.stdin, "[secret]");
        assert.deepEqual([install.inputs.create, install.inputs.update, install.inputs.delete], ["sudo sh -s", "sudo sh -s", undefined], "re-run on change; the instance's deletion removes k3s");
        const serverScript = serverInstallScriptOf(plan, "server-1");
        scripts.push({ name: "server-1 install", script: serverScript });
        // Oracle's images reject inbound traffic in iptables behind the security lists: OCI nodes drop those rules.
        for (const [name, text] of [["agent-1", ociUserDataOf(named(plan, "oci:Core/instance:Instance", "agent-1"))], ["server-1", serverScript]]) {
            assert.match(text, /iptables -D INPUT -j REJECT --reject-with icmp-host-prohibited/, `${name} keeps Oracle's REJECT rules`);
        }
        // The server's install waits for its first boot, whose apt would hold the lock.
        assert.ok(serverScript.indexOf("cloud-init status --wait") < serverScript.indexOf("GROUNDWORK_K3S_CONFIG"));
        assert.equal(scriptsIn(ociUserDataOf(named(plan, "oci:Core/instance:Instance", "server-1"))).length, 0, "the server's first boot runs no script");
        cloudInitSchemas(instances.map(ociUserDataOf)).forEach((verdict, i) => assert.ok(verdict.ok, `${instances[i].name}: ${verdict.output}`));
        shellchecks(scripts.map((s) => s.script)).forEach((verdict, i) => assert.ok(verdict.ok, `${scripts[i].name}: ${verdict.output}`));
    });

    it("installs the server over SSH after its instance, verifying its host key, and reads the kubeconfig after that", () => {
        const install = named(plan, "command:remote:Command", "server-1-k3s-install");
        const connection = install.plainInputs.connection as Record<string, unknown>;
        assert.deepEqual([connection.host, connection.user, connection.dialErrorLimit], ["203.0.113.231", "ubuntu", 30]);
        // The key server-1 made itself, handed over from the boot key in its user data (test/host-key-handover.test.ts).
        assert.equal(connection.hostKey, handedHostKeyOf("server-1"));
        assert.ok(install.dependencies.includes(named(plan, "oci:Core/instance:Instance", "server-1").urn));
        const read = named(plan, "command:remote:Command", "k3s-kubeconfig");
        assert.ok(read.dependencies.includes(install.urn), "the kubeconfig is read once k3s is installed");
    });

    it("joins the agent with the agent token, never the server token, and places nodes by label", () => {
        const token = named(plan, "random:index/randomPassword:RandomPassword", "k3s-token");
        assert.deepEqual(token.inputs, { length: 64, special: false });
        assert.deepEqual(token.additionalSecretOutputs.sort(), ["bcryptHash", "result"]);
        const serverScript = serverInstallScriptOf(plan, "server-1");
        const server = k3sConfigInScript(serverScript);
        const agentUserData = ociUserDataOf(named(plan, "oci:Core/instance:Instance", "agent-1"));
        const agent = YAML.parse(YAML.parse(agentUserData).write_files[0].content);
        assert.equal(server["cluster-init"], true);
        assert.equal(agent.server, "https://10.0.0.10:6443");
        // Agents join with k3s's agent token; only servers hold the server token, and only in the
        // script Pulumi runs over SSH (issue 12: a pod that reads user data from the metadata
        // service must not become cluster-admin).
        // ...and pins the CA the server starts with: sha256 of its bytes (README, Joins pin the server CA).
        const caFile = new RegExp(`printf '%s' '([A-Za-z0-9+/=]+)' \\| base64 -d > ${SERVER_CA_CERT_PATH}`).exec(serverScript)!;
        const caHash = createHash("sha256").update(Buffer.from(caFile[1], "base64")).digest("hex");
        assert.equal(agent.token, `K10${caHash}::node:${server["agent-token"]}`);
        assert.ok(!agent.token.includes(server.token));
        assert.match(server.token, /^offline-[0-9a-f]+$/);
        assert.ok(!agentUserData.includes(server.token), "the agent's user data holds the server token");
        assert.ok(!ociUserDataOf(named(plan, "oci:Core/instance:Instance", "server-1")).includes(server.token), "the server's user data holds the server token");
        assert.deepEqual(server["node-label"], ["groundwork.dev/site=oci", "groundwork.dev/placement=arm", "groundwork.dev/pool=system"]);
        assert.deepEqual(agent["node-label"], ["groundwork.dev/site=oci", "groundwork.dev/placement=arm", "groundwork.dev/pool=workloads"]);
        const masked = JSON.stringify(plan.resources.map((r) => r.inputs));
        assert.ok(!masked.includes(server.token), "the token appears in a plain input");
    });

    it("reads the kubeconfig over SSH with a generated key, as a secret, and builds a provider on it", () => {
        const key = named(plan, "tls:index/privateKey:PrivateKey", "operator-ssh");
        assert.deepEqual(key.inputs, { algorithm: "ED25519" });
        const read = named(plan, "command:remote:Command", "k3s-kubeconfig");
        assert.equal(read.inputs.connection, "[secret]");
        assert.equal(read.inputs.logging, "none");
        assert.deepEqual(read.additionalSecretOutputs.sort(), ["connection", "stdout"]);
        assert.equal((read.plainInputs.connection as { host: string }).host, "203.0.113.231");
        const provider = named(plan, "pulumi:providers:kubernetes", "k3s");
        assert.equal(provider.inputs.kubeconfig, "[secret]");
        const kubeconfig = YAML.parse(provider.plainInputs.kubeconfig as string);
        assert.equal(kubeconfig.clusters[0].cluster.server, "https://203.0.113.231:6443");
        assert.equal(kubeconfig.clusters[0].cluster["tls-server-name"], "kubernetes");
        assert.equal(plan.outputs.kubeconfig, "[secret]");
        assert.equal(plan.outputs.apiServer, "https://203.0.113.231:6443");
    });

    it("creates every OCI resource through the stack's explicit provider in the configured region", () => {
        const provider = named(plan, "pulumi:providers:oci", "oci");
        assert.equal(provider.inputs.region, "eu-frankfurt-1");
        const ociResources = plan.resources.filter((r) => r.type.startsWith("oci:"));
        assert.ok(ociResources.length >= 10);
        assert.ok(ociResources.every((r) => r.provider?.startsWith(provider.urn)), "an OCI resource uses the default provider");
    });

    it("parents every resource under a component or the stack", () => {
        const urns = new Set(plan.resources.map((r) => r.urn));
        for (const r of plan.resources.filter((x) => x.type !== "pulumi:pulumi:Stack")) {
            assert.ok(r.parent && urns.has(r.parent), `${r.type} ${r.name} has no registered parent`);
        }
        const components = [...new Set(plan.resources.filter((r) => r.type.startsWith("groundwork:")).map((r) => r.type))].sort();
        assert.deepEqual(components, [
            "groundwork:apps:ChatUi", "groundwork:apps:Notebooks", "groundwork:inference:GatewayAuthorization", "groundwork:inference:LlmGateway", "groundwork:inference:PromptLibrary", "groundwork:inference:RouteEvaluations", "groundwork:inference:VllmServer",
            "groundwork:ingress:HttpsRoute", "groundwork:ingress:IngressController", "groundwork:ingress:TlsIssuer",
            "groundwork:k3s:ClusterAccess", "groundwork:k3s:EtcdSnapshotTarget", "groundwork:k3s:HostKeyHandover", "groundwork:k3s:NodeReboots", "groundwork:k3s:NodeRegistrationAdmission", "groundwork:k3s:OperatorAccess", "groundwork:k3s:ServerCa", "groundwork:k3s:ServerInstall", "groundwork:k3s:ServiceExternalIpsAdmission", "groundwork:k3s:ServiceTypeAdmission", "groundwork:k3s:Upgrades", "groundwork:observability:Monitoring", "groundwork:observability:PrometheusRules", "groundwork:oci:ArmNodePool", "groundwork:oci:BackupBucket", "groundwork:oci:Network", "groundwork:oci:VaultUnsealKey",
            "groundwork:platform:CertManager", "groundwork:platform:ClickhouseBackups", "groundwork:platform:ControllerAdmission", "groundwork:platform:Langfuse", "groundwork:platform:LinkerdMesh", "groundwork:platform:MeshAuthorization", "groundwork:platform:MeshIdentity", "groundwork:platform:MeshOptOutAdmission", "groundwork:platform:PostgresVector",
            "groundwork:platform:Qdrant", "groundwork:platform:QdrantSnapshots", "groundwork:platform:TrustAnchorAdmission", "groundwork:platform:Vault", "groundwork:platform:VaultBootstrap", "groundwork:platform:VaultConsumerAuth",
            "groundwork:platform:VaultSecretsOperator", "groundwork:platform:VaultSnapshots", "groundwork:platform:VaultSyncedSecret",
        ]);
    });

    it("renders the platform namespace as a valid, meshed Kubernetes object with Pod Security enforced", () => {
        const docs = kubernetesDocuments(plan.resources).filter((d) => d.kind === "Namespace");
        const ns = new Namespace(docs.find((d) => (d.metadata as { name: string }).name === "groundwork-system") as any);
        ns.validate();
        assert.equal(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
        assert.equal(ns.metadata?.annotations?.["linkerd.io/inject"], "enabled");
    });
});
