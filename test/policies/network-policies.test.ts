import { strict as assert } from "assert";
import { cidrContains, egressRuleAllows, metadataEgressBlocked, namespaceDefaultDenyEgress, namespaceDefaultDenyIngress, namespaceNetworkPolicy } from "../../policies/security/network-policies";
import { vaultModel } from "../../components/rendered/hashicorp";
import { committedPlan } from "../helpers";
import { nodeSourcePeers } from "../../components/platform/network-isolation";
import { SERVER_RANGES } from "../../components/platform/egress";
import { messages, record } from "./harness";

const NS = "kubernetes:core/v1:Namespace";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const namespace = (name: string) => record(NS, { metadata: { name } }, name);
const policy = (ns: string, name: string, spec: Record<string, unknown>) => record(NP, { metadata: { name, namespace: ns }, spec }, `${ns}-${name}`);
const denyMetadata = (ns: string) => policy(ns, "deny-instance-metadata", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }] });
const denyEgress = (ns: string) => policy(ns, "default-deny-egress", { podSelector: {}, policyTypes: ["Egress"] });
const pod = (ns: string) => record("kubernetes:apps/v1:Deployment", { metadata: { name: "web", namespace: ns }, spec: { template: { metadata: {}, spec: { containers: [{ name: "web", image: "web:1" }] } } } }, `${ns}-web`);

describe("security pack: NetworkPolicies", () => {
    it("reads CIDRs and egress rules as the API does", () => {
        assert.deepEqual([cidrContains("0.0.0.0/0", "169.254.169.254"), cidrContains("169.254.0.0/16", "169.254.169.254"), cidrContains("10.0.0.0/8", "169.254.169.254")], [true, true, false]);
        assert.equal(egressRuleAllows({}, "169.254.169.254"), true, "a rule without `to` allows everything");
        assert.equal(egressRuleAllows({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }, "169.254.169.254"), false);
        assert.equal(egressRuleAllows({ to: [{ podSelector: {} }] }, "169.254.169.254"), false, "pods are not the metadata service");
    });

    describe("namespace-network-policy", () => {
        it("passes a namespace whose pods a NetworkPolicy selects", async () => {
            assert.deepEqual(await messages(namespaceNetworkPolicy, [namespace("apps"), denyMetadata("apps")]), []);
        });
        it("flags a namespace without one, or with one that selects only some pods", async () => {
            const found = await messages(namespaceNetworkPolicy, [namespace("bare"), namespace("partial"), policy("partial", "web", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"] })]);
            assert.deepEqual(found, [
                "namespace bare has no NetworkPolicy selecting all its pods (podSelector: {}); add one (a default deny of ingress and of egress) so its pods are isolated below the mesh",
                "namespace partial has no NetworkPolicy selecting all its pods (podSelector: {}); add one (a default deny of ingress and of egress) so its pods are isolated below the mesh",
            ]);
        });
    });

    describe("namespace-default-deny-ingress", () => {
        const denyIngress = (ns: string) => policy(ns, "default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
        it("passes a namespace that denies ingress by default and allows named ports or namespaces", async () => {
            const webhook = policy("apps", "allow-webhook", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: 9443 }] }] });
            const sameNs = policy("apps", "allow-same-namespace", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] });
            const fromIngress = policy("apps", "allow-ingress", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } } }] }] });
            assert.deepEqual(await messages(namespaceDefaultDenyIngress, [namespace("apps"), denyIngress("apps"), webhook, sameNs, fromIngress, pod("apps")]), []);
        });
        it("flags a namespace without a default deny, one where pods run without a Namespace resource (kube-system), and an allowance open on every port", async () => {
            const open = policy("apps", "allow-all", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] });
            const found = await messages(namespaceDefaultDenyIngress, [namespace("bare"), namespace("apps"), denyIngress("apps"), open, pod("kube-system")]);
            assert.deepEqual(found, [
                "namespace kube-system takes ingress from anywhere: no NetworkPolicy denies it by default; add one with podSelector: {}, policyTypes: [Ingress] and no rules, then allow each caller explicitly",
                "namespace bare takes ingress from anywhere: no NetworkPolicy denies it by default; add one with podSelector: {}, policyTypes: [Ingress] and no rules, then allow each caller explicitly",
                "NetworkPolicy apps/allow-all spec.ingress[0] admits every source on every port, which undoes the default deny; name the ports, or the namespaces it admits",
            ]);
        });
    });

    describe("namespace-default-deny-egress", () => {
        it("passes a namespace that denies egress by default and allows pods, ranges and ports by name", async () => {
            const cluster = policy("apps", "allow-cluster-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }] }] });
            const https = policy("apps", "allow-https-egress", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.0.0/16"] } }], ports: [{ port: 443, protocol: "TCP" }] }] });
            const dns = policy("apps", "allow-dns-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 53, protocol: "UDP" }] }] });
            assert.deepEqual(await messages(namespaceDefaultDenyEgress, [namespace("apps"), denyEgress("apps"), cluster, https, dns, pod("apps")]), []);
        });
        it("flags a namespace without a default deny (kube-system too, where pods run), and allowances to every destination on every port", async () => {
            const openRule = policy("apps", "allow-all", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
            const openRange = policy("apps", "allow-internet", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] });
            // The old metadata block isolates egress, but is no default deny.
            const found = await messages(namespaceDefaultDenyEgress, [namespace("bare"), namespace("legacy"), denyMetadata("legacy"), namespace("apps"), denyEgress("apps"), openRule, openRange, pod("kube-system")]);
            assert.deepEqual(found, [
                "pods in namespace kube-system may connect anywhere: no NetworkPolicy denies egress by default; add one with podSelector: {}, policyTypes: [Egress] and no rules, then allow each destination explicitly",
                "pods in namespace bare may connect anywhere: no NetworkPolicy denies egress by default; add one with podSelector: {}, policyTypes: [Egress] and no rules, then allow each destination explicitly",
                "pods in namespace legacy may connect anywhere: no NetworkPolicy denies egress by default; add one with podSelector: {}, policyTypes: [Egress] and no rules, then allow each destination explicitly",
                "NetworkPolicy apps/allow-all spec.egress[0] allows every destination on every port, which undoes the default deny; name the ports, or the pods, namespaces or address ranges it allows",
                "NetworkPolicy apps/allow-internet spec.egress[0] allows every destination on every port, which undoes the default deny; name the ports, or the pods, namespaces or address ranges it allows",
            ]);
        });
    });

    describe("metadata-egress-blocked", () => {
        it("passes a namespace that refuses the metadata address, and Vault's where the config allows it", async () => {
            const allowAll = policy("vault", "allow-instance-metadata", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
            assert.deepEqual(await messages(metadataEgressBlocked, [namespace("apps"), denyMetadata("apps"), namespace("vault"), allowAll], { metadataAllowedNamespaces: ["vault"] }), []);
        });
        it("flags a namespace whose egress nothing isolates, and a policy that reopens the address", async () => {
            const reopen = policy("apps", "legacy", { podSelector: { matchLabels: { app: "legacy" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "169.254.0.0/16" } }] }] });
            const found = await messages(metadataEgressBlocked, [namespace("open"), namespace("apps"), denyMetadata("apps"), reopen]);
            assert.deepEqual(found, [
                "pods in namespace open can reach the instance metadata service at 169.254.169.254: no NetworkPolicy isolates their egress; add one that allows egress to 0.0.0.0/0 except 169.254.169.254/32",
                "NetworkPolicy apps/legacy spec.egress[0] allows 169.254.169.254, the instance metadata service (policies add up, so this reopens it for the pods it selects); list it under ipBlock.except, or allow only other ports",
            ]);
        });
        it("checks kube-system, which runs pods but is no Namespace of the stack's, and every policy wherever it is", async () => {
            const kubeSystemPods = record("kubernetes:apps/v1:Deployment", { metadata: { name: "coredns", namespace: "kube-system" }, spec: { template: { metadata: {}, spec: { containers: [{ name: "coredns", image: "coredns:1" }] } } } }, "coredns");
            assert.deepEqual(await messages(metadataEgressBlocked, [kubeSystemPods]), [
                "pods in namespace kube-system can reach the instance metadata service at 169.254.169.254: no NetworkPolicy isolates their egress; add one that allows egress to 0.0.0.0/0 except 169.254.169.254/32",
            ]);
            const reopen = policy("kube-system", "wide", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 80, protocol: "TCP" }] }] });
            assert.deepEqual((await messages(metadataEgressBlocked, [kubeSystemPods, denyEgress("kube-system"), reopen])).map((m) => m.split(" allows")[0]), ["NetworkPolicy kube-system/wide spec.egress[0]"]);
        });
        it("reads the ports: OCI's resolver on 53 shares the address, the metadata service is on 80", async () => {
            const upstream = (ports: unknown[]) => policy("kube-system", "dns", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports }] });
            const found = async (ports: unknown[]) => (await messages(metadataEgressBlocked, [denyEgress("kube-system"), upstream(ports)])).length;
            assert.equal(await found([{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }]), 0);
            assert.equal(await found([{ port: 80, protocol: "UDP" }]), 0, "the service is TCP");
            assert.equal(await found([{ port: 1, endPort: 1024, protocol: "TCP" }]), 1, "a range that holds 80");
            assert.equal(await found([{ port: "http" }]), 1, "a named port an address cannot resolve counts as open");
            assert.equal(await found([]), 1, "no ports: every port");
        });
        it("allows Vault's namespace only where the stack's config says so, none by default: no seal on AWS needs the metadata service", async () => {
            const seal = policy("vault", "allow-vault-seal-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80, protocol: "TCP" }] }] });
            assert.deepEqual(await messages(metadataEgressBlocked, [namespace("vault"), denyEgress("vault"), seal], { metadataAllowedNamespaces: ["vault"] }), []);
            assert.equal((await messages(metadataEgressBlocked, [namespace("vault"), denyEgress("vault"), seal])).length, 1, "the rule's default allows none");
        });
        describe("keeps the pods that may reach it off the servers, whose user data holds the server token", () => {
            const vaultLabels = { "app.kubernetes.io/name": "vault", component: "server" };
            const seal = policy("vault", "allow-vault-seal-egress", { podSelector: { matchLabels: vaultLabels }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80, protocol: "TCP" }] }] });
            const hosts = (operator: string, values?: string[], key = "kubernetes.io/hostname") => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator, ...(values && { values }) }] }] } } });
            const vault = (affinity?: Record<string, unknown>, labels: Record<string, string> = vaultLabels, name = "vault") => record("kubernetes:apps/v1:StatefulSet",
                { metadata: { name, namespace: "vault" }, spec: { template: { metadata: { labels }, spec: { affinity, containers: [{ name: "vault", image: "vault:2" }] } } } }, name);
            const check = (...workloads: ReturnType<typeof vault>[]) => messages(metadataEgressBlocked, [namespace("vault"), denyEgress("vault"), seal, ...workloads], { metadataAllowedNamespaces: ["vault"], metadataServerNodes: ["server-1"] });
            const withoutServerList = (...workloads: ReturnType<typeof vault>[]) => messages(metadataEgressBlocked, [namespace("vault"), denyEgress("vault"), seal, ...workloads], { metadataAllowedNamespaces: ["vault"] });

            it("passes Vault held to agents by name or by k3s's control-plane label, and a pod the allowance does not select", async () => {
                assert.deepEqual(await check(vault(hosts("In", ["agent-1", "agent-2"]))), []);
                assert.deepEqual(await check(vault(hosts("DoesNotExist", undefined, "node-role.kubernetes.io/control-plane"))), []);
                assert.deepEqual(await check(vault(undefined, { app: "vault-snapshots" }, "vault-snapshots")), [], "its pods stay behind the default deny");
            });
            it("flags Vault free to run anywhere, or on a list that holds a server", async () => {
                assert.deepEqual(await check(vault()), ["StatefulSet vault/vault may reach the instance metadata service (namespace vault is allowed it) and may run on a server (server-1), whose user data holds its SSH host key (and, on servers made before they were installed over SSH, the k3s server token); keep it on agents with a required node affinity (kubernetes.io/hostname In <agents>, or node-role.kubernetes.io/control-plane DoesNotExist)"]);
                assert.equal((await check(vault(hosts("In", ["agent-1", "server-1"])))).length, 1);
                assert.equal((await check(vault(hosts("NotIn", ["agent-1"])))).length, 1, "NotIn an agent still allows the server");
            });
            it("without the list of servers, trusts only k3s's control-plane label, which no kubelet sets on itself", async () => {
                assert.deepEqual(await withoutServerList(vault(hosts("DoesNotExist", undefined, "node-role.kubernetes.io/control-plane"))), []);
                assert.equal((await withoutServerList(vault(hosts("In", ["agent-1"])))).length, 1, "a name may be a server's");
            });
            it("holds in dev's plan: Vault's StatefulSet runs on agent-1 alone, the one instance its unseal key's dynamic group names", async () => {
                const plan = await committedPlan("dev");
                const release = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.name === "vault")!;
                const [vaultSet] = vaultModel.render({ name: "vault", namespace: "vault", values: release.plainInputs.values as Record<string, any> });
                const spec = (vaultSet.spec as any).template.spec;
                assert.deepEqual(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [{ matchExpressions: [
                    { key: "kubernetes.io/hostname", operator: "In", values: ["agent-1"] },
                    { key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" },
                ] }], "by name, and never a server whatever its name");
                assert.equal(spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname", "the chart's own spread, kept");
                const group = plan.resources.find((r) => r.type === "oci:Identity/dynamicGroup:DynamicGroup");
                assert.equal(group?.plainInputs.matchingRule, "ANY {instance.id = 'offline-agent-1'}");
            });
        });
    });
});

describe("NetworkPolicies in the stacks' plans", () => {
    const egressOf = (policies: any[], ns: string, name: string) => policies.find((x) => x.metadata.namespace === ns && x.metadata.name === name)?.spec;
    for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
        it(`${stack}: every namespace, kube-system included, denies egress by default and reaches the cluster's pods; the API server only where named`, async () => {
            const plan = await committedPlan(stack);
            const names = [...plan.resources.filter((r) => r.type === NS).map((r) => String((r.inputs.metadata as any).name)), "kube-system"];
            const policies = plan.resources.filter((r) => r.type === NP).map((r) => r.inputs as any);
            assert.ok(names.length >= 10, names.join());
            for (const name of names) {
                assert.deepEqual(egressOf(policies, name, "default-deny-egress"), { podSelector: {}, policyTypes: ["Egress"] }, `${stack} ${name}`);
                assert.deepEqual(egressOf(policies, name, "allow-cluster-egress")?.egress, [{ to: [{ namespaceSelector: {} }] }], `${stack} ${name}`);
            }
            // Controllers reach the API server on 6443, at the addresses k3s may advertise (the private
            // ranges and each server's own, public included: under wireguard-native, hybrid's is the
            // server's public address); never the internet at large. Applications do not.
            const nodes = plan.outputs.nodes as Record<string, { privateIp: string; publicIp: string }>;
            const servers = { dev: ["server-1"], cloud: ["aws-server-0"], hybrid: ["server-1"], edge: ["edge-server"] }[stack]!;
            const own = servers.flatMap((n) => [nodes[n].privateIp, nodes[n].publicIp]).filter((a) => a !== "").map((a) => ({ ipBlock: { cidr: `${a}/32` } }));
            const apiServer = { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [...SERVER_RANGES.map((cidr) => ({ ipBlock: { cidr } })), ...own], ports: [{ port: 6443, protocol: "TCP" }] }] };
            assert.ok(own.length >= 1, `${stack}: the server's own address is named`);
            for (const name of ["linkerd", "cert-manager", "cnpg-system", "vault", "vault-secrets-operator", "kube-system", "groundwork-observability"]) {
                assert.deepEqual(egressOf(policies, name, "allow-api-server-egress"), apiServer, `${stack} ${name}`);
            }
            for (const name of ["groundwork-inference", "langfuse", "groundwork-data", "groundwork-system", "linkerd-cni"]) {
                assert.equal(egressOf(policies, name, "allow-api-server-egress"), undefined, `${stack} ${name}`);
            }
            // No pod anywhere may reach the metadata service but Vault's server, for an OCI KMS seal.
            for (const p of policies.filter((x) => (x.spec.policyTypes ?? []).includes("Egress") && x.metadata.namespace !== "kube-system")) {
                const reaches = (p.spec.egress ?? []).some((rule: any) => egressRuleAllows(rule, "169.254.169.254"));
                // Only dev unseals with OCI KMS (cloud and hybrid with AWS KMS, edge by hand).
                assert.equal(reaches, p.metadata.name === "allow-vault-seal-egress" && stack === "dev", `${stack} ${p.metadata.namespace}/${p.metadata.name}`);
            }
        });
    }
    it("dev: Vault's server alone reaches the metadata service, on port 80, for its OCI KMS seal; cloud's AWS KMS seal reaches only HTTPS on the internet", async () => {
        const seal = async (stack: string) => egressOf((await committedPlan(stack)).resources.filter((r) => r.type === NP).map((r) => r.inputs as any), "vault", "allow-vault-seal-egress");
        const publicHttps = { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"] } }], ports: [{ port: 443, protocol: "TCP" }] };
        const server = { matchLabels: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", component: "server" } };
        assert.deepEqual(await seal("dev"), { podSelector: server, policyTypes: ["Egress"], egress: [publicHttps, { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80, protocol: "TCP" }] }] });
        assert.deepEqual(await seal("cloud"), { podSelector: server, policyTypes: ["Egress"], egress: [publicHttps] });
    });
    for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
        it(`${stack}: every namespace, kube-system included, denies ingress by default and allows callers by port or namespace`, async () => {
            const plan = await committedPlan(stack);
            const policies = plan.resources.filter((r) => r.type === NP).map((r) => r.inputs as any);
            const names = [...plan.resources.filter((r) => r.type === NS).map((r) => String((r.inputs.metadata as any).name)), "kube-system"];
            for (const name of names) {
                const deny = policies.find((x) => x.metadata.namespace === name && x.metadata.name === "default-deny-ingress");
                assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ["Ingress"] }, `${stack} ${name}`);
            }
            // The API server's webhooks admit every source but pods (each node's flannel address back in); the mesh's clients by namespace.
            const allow = (ns: string, name: string) => policies.find((x) => x.metadata.namespace === ns && x.metadata.name === name)?.spec.ingress;
            assert.deepEqual(allow("cert-manager", "allow-cert-manager-webhook"), [{ from: nodeSourcePeers("10.42.0.0/16"), ports: [{ port: 10250, protocol: "TCP" }] }]);
            assert.deepEqual(allow("kube-system", "allow-cluster-dns-udp"), [{ from: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: "UDP" }] }]);
            assert.deepEqual(allow("groundwork-data", "allow-postgres-instance-manager"), [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cnpg-system" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg" } } }], ports: [{ port: 8000, protocol: "TCP" }] }]);
            // cert-manager's HTTP-01 solvers answer in the ingress namespace, beside the Certificates, where Traefik reaches them as a neighbour: no namespace opens to the ingress for them.
            assert.deepEqual(policies.filter((x) => /acme-solver/.test(x.metadata.name)).map((x) => `${x.metadata.namespace}/${x.metadata.name}`), []);
            assert.deepEqual(allow("groundwork-ingress", "allow-same-namespace"), [{ from: [{ podSelector: {} }] }]);
            assert.deepEqual(allow("vault", "allow-vault-cluster"), [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "vault" } } }], ports: [{ port: "https-internal", protocol: "TCP" }, { port: 4143, protocol: "TCP" }] }]);
        });
    }
});
