import { strict as assert } from "assert";
import { cidrContains, egressRuleAllows, metadataEgressBlocked, namespaceNetworkPolicy } from "../../policies/security/network-policies";
import { committedPlan } from "../helpers";
import { messages, record } from "./harness";

const NS = "kubernetes:core/v1:Namespace";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const namespace = (name: string) => record(NS, { metadata: { name } }, name);
const policy = (ns: string, name: string, spec: Record<string, unknown>) => record(NP, { metadata: { name, namespace: ns }, spec }, `${ns}-${name}`);
const denyMetadata = (ns: string) => policy(ns, "deny-instance-metadata", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }] });

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
                "namespace bare has no NetworkPolicy selecting all its pods (podSelector: {}); add one (at least the metadata egress block) so its pods are isolated below the mesh",
                "namespace partial has no NetworkPolicy selecting all its pods (podSelector: {}); add one (at least the metadata egress block) so its pods are isolated below the mesh",
            ]);
        });
    });

    describe("metadata-egress-blocked", () => {
        it("passes a namespace that refuses the metadata address, and Vault's, which may reach it", async () => {
            const allowAll = policy("vault", "allow-instance-metadata", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
            assert.deepEqual(await messages(metadataEgressBlocked, [namespace("apps"), denyMetadata("apps"), namespace("vault"), allowAll]), []);
        });
        it("flags a namespace whose egress nothing isolates, and a policy that reopens the address", async () => {
            const reopen = policy("apps", "legacy", { podSelector: { matchLabels: { app: "legacy" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "169.254.0.0/16" } }] }] });
            const found = await messages(metadataEgressBlocked, [namespace("open"), namespace("apps"), denyMetadata("apps"), reopen]);
            assert.deepEqual(found, [
                "pods in namespace open can reach the instance metadata service at 169.254.169.254: no NetworkPolicy isolates their egress; add one that allows egress to 0.0.0.0/0 except 169.254.169.254/32",
                "NetworkPolicy apps/legacy spec.egress[0] allows 169.254.169.254, the instance metadata service (policies add up, so this reopens it for the pods it selects); list it under ipBlock.except",
            ]);
        });
    });
});

describe("NetworkPolicies in the stacks' plans", () => {
    for (const [stack, vaultPolicy] of [["dev", "allow-instance-metadata"], ["cloud", "deny-instance-metadata"]] as const) {
        it(`${stack}: every namespace refuses the metadata service, Vault only where its seal needs it`, async () => {
            const plan = await committedPlan(stack);
            const names = plan.resources.filter((r) => r.type === NS).map((r) => String((r.inputs.metadata as any).name));
            const policies = plan.resources.filter((r) => r.type === NP).map((r) => r.inputs as any);
            assert.ok(names.length >= 10, names.join());
            for (const name of names.filter((n) => n !== "vault")) {
                const p = policies.find((x) => x.metadata.namespace === name);
                assert.ok(p, `no NetworkPolicy in ${name}`);
                assert.deepEqual([p.metadata.name, p.spec.podSelector, p.spec.egress], ["deny-instance-metadata", {}, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }]]);
            }
            // dev unseals with OCI KMS through instance principals; cloud with an AWS KMS key and its own credentials.
            assert.equal(policies.find((x) => x.metadata.namespace === "vault").metadata.name, vaultPolicy);
        });
    }
});
