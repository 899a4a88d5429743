import { strict as assert } from "assert";
import { API_SERVER_CALLER, apiServerCalledPorts, apiServerReachesWebhooks } from "../../policies/security/api-server-ingress";
import { OUTSIDE_CALLERS_ANNOTATION } from "../../policies/security/mesh-admission";
import { podWorkload, PodWorkload } from "../../policies/kubernetes-pods";
import { readStackConfig } from "../../plan/policy-config";
import { policyInput } from "../../plan/rendered-workloads";
import { committedPlan, PROJECT_DIR } from "../helpers";
import { messages, record } from "./harness";

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const LABELS = { app: "webhook" };
/** A webhook Deployment as a chart model records it: the API server calls 9443; the proxy's port is an init container's. */
const webhook = (callers = `9443=${API_SERVER_CALLER}`) => record("kubernetes:apps/v1:Deployment", {
    metadata: { name: "webhook", namespace: "operators", annotations: { [OUTSIDE_CALLERS_ANNOTATION]: callers } },
    spec: { template: { metadata: { labels: LABELS }, spec: {
        initContainers: [{ name: "linkerd-proxy", image: "proxy:1", ports: [{ name: "linkerd-admin", containerPort: 4191 }, { name: "webhook-proxied", containerPort: 9443 }] }],
        containers: [{ name: "webhook", image: "webhook:1", ports: [{ name: "webhook", containerPort: 9443 }] }],
    } } },
}, "webhook");
const policy = (name: string, spec: Record<string, unknown>) => record(NP, { metadata: { name, namespace: "operators" }, spec }, name);
const denyIngress = policy("default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
const allow = (name: string, port: number | string, from?: unknown[], podSelector: unknown = { matchLabels: LABELS }) =>
    policy(name, { podSelector, policyTypes: ["Ingress"], ingress: [{ ...(from ? { from } : {}), ports: [{ port, protocol: "TCP" }] }] });
const NODES = [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16"] } }, { ipBlock: { cidr: "10.42.0.0/32" } }];

describe("api-server-reaches-webhooks (security pack)", () => {
    it("reads the ports the API server calls from the models' outside-callers annotation, no other caller's", () => {
        const pod = podWorkload("kubernetes:apps/v1:Deployment", webhook(`9443=${API_SERVER_CALLER},kubelet (HTTPS probe);8000=kubelet (HTTPS probe);6443=${API_SERVER_CALLER}`).props) as PodWorkload;
        assert.deepEqual(apiServerCalledPorts(pod), [9443, 6443]);
    });

    it("passes a webhook port allowed from node addresses, by number or by a regular container's port name, or a pod no policy isolates", async () => {
        assert.deepEqual(await messages(apiServerReachesWebhooks, [webhook(), denyIngress, allow("api-server", 9443, NODES)]), []);
        assert.deepEqual(await messages(apiServerReachesWebhooks, [webhook(), denyIngress, allow("api-server", "webhook", NODES)]), []);
        assert.deepEqual(await messages(apiServerReachesWebhooks, [webhook(), denyIngress, allow("anyone", 9443)]), [], "a rule without `from` admits every address");
        assert.deepEqual(await messages(apiServerReachesWebhooks, [webhook()]), [], "nothing isolates the pod's ingress");
    });

    it("flags a webhook port allowed only from namespaces or pods, on another port, by a name only an init container declares, or to other pods", async () => {
        const only = async (...policies: ReturnType<typeof policy>[]) => messages(apiServerReachesWebhooks, [webhook(), denyIngress, ...policies]);
        const [fromNamespace] = await only(allow("monitoring", 9443, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]));
        assert.equal(fromNamespace, "port 9443 of Deployment operators/webhook is called by the API server (a webhook or an aggregated API), but the NetworkPolicies that isolate its ingress " +
            "(default-deny-ingress, monitoring) admit it from no address: an API server on another node arrives from that node's address, never from a pod; " +
            "allow port 9443 from ipBlocks of the nodes' addresses and their pod ranges' .0 addresses");
        assert.equal((await only(allow("api-server", 8443, NODES))).length, 1, "another port");
        assert.equal((await only(allow("api-server", "webhook-proxied", NODES))).length, 1, "kube-router resolves names from regular containers only");
        assert.equal((await only(allow("api-server", 9443, NODES, { matchLabels: { app: "other" } }))).length, 1, "a policy for other pods");
    });

    for (const stack of ["dev", "cloud"]) {
        it(`holds in the ${stack} plan, whose webhooks and aggregated APIs the API server reaches, and fails it without the node allowances`, async () => {
            const { records } = policyInput((await committedPlan(stack)).resources, readStackConfig({ projectDir: PROJECT_DIR, stack }));
            const called = records.map((r) => podWorkload(r.type, r.props)).filter((p): p is PodWorkload => !!p && apiServerCalledPorts(p).length > 0)
                .map((p) => `${p.namespace}/${p.name}`).sort();
            assert.ok(called.includes("cert-manager/cert-manager-webhook") && called.includes("linkerd/linkerd-proxy-injector"), called.join(", "));
            assert.deepEqual(await messages(apiServerReachesWebhooks, records), []);
            // The same plan with every ipBlock peer taken out of the ingress rules: each webhook is cut off.
            const withoutNodes = records.map((r) => r.type !== NP ? r : { ...r, props: { ...r.props, spec: { ...r.props.spec,
                ingress: (r.props.spec?.ingress ?? []).map((rule: any) => ({ ...rule, ...(rule.from ? { from: rule.from.filter((peer: any) => !peer.ipBlock) } : {}) }))
                    .filter((rule: any) => !rule.from || rule.from.length > 0) } } });
            const cutOff = (await messages(apiServerReachesWebhooks, withoutNodes)).join("\n");
            // Every pod the API server calls is named (review s26 N1).
            for (const pod of called) assert.ok(cutOff.includes(` ${pod} is called by the API server`), `${pod} not cut off:\n${cutOff}`);
        });
    }
});
