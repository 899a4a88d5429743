import { PUBLIC_GATEWAY_AUTHORIZATION } from "../components/inference/gateway-config";
import { strict as assert } from "assert";
import { API_SERVER } from "../components/platform/egress";
import { oidcPrefix } from "../components/k3s/api-audit";
import { ingressControllerValues } from "../components/ingress/ingress-controller";
import { rangesWithout } from "../components/ipv4-ranges";
import { nodeSourcePeers } from "../components/platform/network-isolation";
import { vaultConfigureScript } from "../components/platform/vault-bootstrap";
import { traefikServices } from "../components/rendered/ingress";
import { PlanResult } from "../plan/run";
import { ingressOpenings } from "../stacks/ingress";
import { peopleAuth } from "../stacks/people";
import { committedPlan, k3sConfigInScript, ofType, parse, planValues, problems, serverInstallScriptOf, stackValues } from "./helpers";
import { assertShellcheckPasses } from "./validators";

const ROUTE = "kubernetes:traefik.io/v1alpha1:IngressRoute";
const MIDDLEWARE = "kubernetes:traefik.io/v1alpha1:Middleware";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const CHART = "kubernetes:helm.sh/v4:Chart";

const routes = (plan: PlanResult) => ofType(plan, ROUTE).map((r) => r.inputs as any);
const chart = (plan: PlanResult, name: string) => ofType(plan, CHART).find((c) => c.inputs.chart === name)!.inputs as any;

describe("the way in: access, TLS and single sign-on", () => {
    describe("configuration", () => {
        const dev = () => stackValues("dev");

        it("refuses a hostname outside the domain, naming the key and a name that would do", () => {
            const v = dev();
            v.access.hosts.langfuse = "langfuse.other.example";
            assert.deepEqual(problems(v), ["groundwork:access.hosts.langfuse = \"langfuse.other.example\": is outside groundwork:access.domain dev.groundwork.example; use a name ending in .dev.groundwork.example, such as langfuse.dev.groundwork.example"]);
        });

        it("refuses an OIDC issuer that is not https", () => {
            const v = dev();
            v.access.sso.issuer = "http://id.groundwork.example/realms/groundwork";
            assert.deepEqual(problems(v), ["groundwork:access.sso.issuer = \"http://id.groundwork.example/realms/groundwork\": must be the identity provider's https issuer URL, e.g. https://accounts.google.com"]);
        });

        it("refuses an application turned on without a host, and a host without its application", () => {
            const v = dev();
            delete v.access.hosts.chat;
            assert.deepEqual(problems(v), ["groundwork:access.hosts.chat is not set: must be set: apps.chat is on, and an application without a host is not reachable; set a hostname such as chat.dev.groundwork.example, or set apps.chat.enabled: false"]);
            const w = dev();
            w.apps.notebooks.enabled = false;
            assert.match(problems(w)[0], /^groundwork:access\.hosts\.notebooks = "notebooks\.dev\.groundwork\.example": names a host for notebooks, but groundwork:apps\.notebooks is not on/);
        });

        it("refuses 0.0.0.0/0 for the operator hosts' ranges", () => {
            const v = dev();
            v.access.operatorRanges = ["0.0.0.0/0"];
            assert.deepEqual(problems(v), ["groundwork:access.operatorRanges[0] = \"0.0.0.0/0\": opens the port to the whole internet; list the operators' own ranges (e.g. 203.0.113.0/24)"]);
        });

        it("refuses ACME without a contact, one host for two services, and an application without SSO", () => {
            const v = dev();
            delete v.access.tls.acmeEmail;
            v.access.hosts.vault = v.access.hosts.langfuse;
            delete v.access.sso;
            v.apps = { chat: {} };
            delete v.access.hosts.notebooks;
            assert.deepEqual(problems(v), [
                "groundwork:access.hosts.vault = \"langfuse.dev.groundwork.example\": is also access.hosts.langfuse; every service needs its own hostname",
                "groundwork:access.tls.acmeEmail is not set: is required with tls.issuer acme: the ACME account needs a contact address for expiry notices",
                "groundwork:access.sso is not set: must be set: apps.chat is on, and applications are only served with single sign-on; configure an OIDC issuer, or set apps.chat.enabled: false",
            ]);
        });

        it("never echoes the OIDC client secret, whatever its shape", () => {
            const v = dev();
            v.access.sso.clientSecret = ["planted-sso-secret-5e1d"];
            const found = problems(v);
            assert.equal(found.length, 1);
            assert.match(found[0], /^groundwork:access\.sso\.clientSecret/);
            assert.ok(!found[0].includes("planted-sso-secret"), found[0]);
        });

        it("points the old OCI ingress key at its replacement", () => {
            const v = dev();
            v.oci.ingressAllowedCidrs = ["0.0.0.0/0"];
            assert.match(problems(v)[0], /^groundwork:oci\.ingressAllowedCidrs = .*has moved: who may reach HTTP\/HTTPS is groundwork:access\.publicRanges/);
        });
    });

    describe("firewall openings", () => {
        it("opens nothing without a routed host, and each port only to its ranges", () => {
            const v = stackValues("dev");
            assert.deepEqual(ingressOpenings(undefined), []);
            const access = parse(v).access!;
            assert.deepEqual(ingressOpenings(access).map((o) => [o.port, o.cidrs]), [[80, ["0.0.0.0/0"]], [443, ["0.0.0.0/0"]], [9443, ["198.51.100.0/24"]]]);
            const edge = parse(stackValues("edge")).access!;
            // A private CA needs no ACME challenge: port 80 only redirects, for the same ranges.
            // Without SSO, Langfuse is on the operators' port with Vault.
            assert.deepEqual(ingressOpenings(edge).map((o) => [o.port, o.cidrs]), [[80, ["192.168.10.0/24"]], [443, ["192.168.10.0/24"]], [9443, ["192.168.10.0/24"]]]);
            delete v.access.hosts.vault;
            delete v.access.hosts.gatewayAdmin;
            delete v.access.hosts.grafana;
            assert.deepEqual(ingressOpenings(parse(v).access!).map((o) => o.port), [80, 443]);
        });

        it("keeps pods off the operators' entrypoint but lets the internet, the nodes and ServiceLB in (security review s14 M1)", async () => {
            const policies = ofType(await committedPlan("dev"), "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs as any).filter((p) => p.metadata.namespace === "groundwork-ingress");
            const named = (name: string) => policies.find((p) => p.metadata.name === name)!;
            assert.deepEqual(named("allow-traefik-entrypoints").spec.ingress, [{ ports: [{ port: 8000, protocol: "TCP" }, { port: 8443, protocol: "TCP" }] }], "the public entrypoints, from anywhere");
            const [rule] = named("allow-traefik-operators-entrypoint").spec.ingress;
            assert.deepEqual(rule.ports, [{ port: 9443, protocol: "TCP" }]);
            const [internet, ...rest] = rule.from;
            assert.deepEqual(internet, { ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16"] } }, "no pod address");
            const flannel = rest.filter((p: any) => p.ipBlock).map((p: any) => p.ipBlock.cidr);
            assert.equal(flannel.length, 256, "each node range's flannel address, for kube-proxy's hop from another node");
            assert.deepEqual([flannel[0], flannel[1], flannel[255]], ["10.42.0.0/32", "10.42.1.0/32", "10.42.255.0/32"]);
            assert.deepEqual(rest[rest.length - 1], {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                podSelector: { matchLabels: { "svccontroller.k3s.cattle.io/svcname": "traefik-operators", "svccontroller.k3s.cattle.io/svcnamespace": "groundwork-ingress" } },
            }, "ServiceLB's pods of that Service only");
            // An operator range that holds the pod network loses it on the LoadBalancer, which has no except (review s16).
            const wide = stackValues("dev");
            wide.access.operatorRanges = ["10.0.0.0/8"];
            const values = ingressControllerValues({ replicas: 1, openings: ingressOpenings(parse(wide).access!), podCidr: "10.42.0.0/16", apiServer: API_SERVER });
            const operators = values.service.additionalServices.operators.spec.loadBalancerSourceRanges as string[];
            assert.deepEqual(operators, ["10.0.0.0/11", "10.32.0.0/13", "10.40.0.0/15", "10.43.0.0/16", "10.44.0.0/14", "10.48.0.0/12", "10.64.0.0/10", "10.128.0.0/9"]);
            assert.deepEqual(rangesWithout(["198.51.100.0/24"], "10.42.0.0/16"), ["198.51.100.0/24"], "a range apart from it is kept whole");
            // A pod range of another size: one /32 per /24 k3s hands a node.
            assert.deepEqual(nodeSourcePeers("172.20.4.0/22").map((p) => (p.ipBlock as { cidr: string }).cidr), ["0.0.0.0/0", "172.20.4.0/32", "172.20.5.0/32", "172.20.6.0/32", "172.20.7.0/32"]);
        });

        it("admits only the API server's sources, never a pod, to webhooks and aggregated APIs (security review s17 L2)", async () => {
            const plan = await committedPlan("cloud");
            const policies = ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs as any);
            const expected = nodeSourcePeers("10.42.0.0/16");
            const apiServerOnly = [
                ["kube-system", "allow-metrics-server", [10250]], ["cert-manager", "allow-cert-manager-webhook", [10250]], ["linkerd", "allow-linkerd-webhooks", [8443, 9443]],
                ["cnpg-system", "allow-cnpg-webhook", [9443]], ["groundwork-observability", "allow-monitoring-operator-webhook", [10250]],
                ["keda", "allow-keda-operator-metrics-apiserver-api-server", [6443]], ["keda", "allow-keda-admission-webhooks-api-server", [9443]],
            ] as const;
            for (const [namespace, name, ports] of apiServerOnly) {
                const policy = policies.find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
                assert.ok(policy, `${namespace}/${name}`);
                const [rule] = policy.spec.ingress;
                assert.deepEqual(rule.ports.map((p: any) => p.port), ports, name);
                assert.deepEqual(rule.from, expected, `${namespace}/${name}: every source but pods, and each node's flannel address`);
            }
        });

        it("gives each port its own LoadBalancer Service with the same source ranges (ServiceLB enforces them)", () => {
            const values = ingressControllerValues({ replicas: 1, openings: ingressOpenings(parse(stackValues("dev")).access!), podCidr: "10.42.0.0/16", apiServer: API_SERVER });
            assert.deepEqual(traefikServices("traefik", values), [
                { name: "traefik", type: "LoadBalancer", ports: [443] },
                { name: "traefik-http", type: "LoadBalancer", ports: [80] },
                { name: "traefik-operators", type: "LoadBalancer", ports: [9443] },
            ]);
            assert.deepEqual(values.service.additionalServices.operators.spec, { type: "LoadBalancer", allocateLoadBalancerNodePorts: false, loadBalancerSourceRanges: ["198.51.100.0/24"] });
            assert.equal(values.api.dashboard, false);
            assert.deepEqual(values.ingressClass, { enabled: false });
        });

        it("reads Secrets, routes and Services in its own namespace only, reaching backends through ExternalName aliases", () => {
            const values = ingressControllerValues({ replicas: 1, openings: ingressOpenings(parse(stackValues("dev")).access!), podCidr: "10.42.0.0/16", apiServer: API_SERVER });
            // The chart then renders a Role in its namespace and no ClusterRole (templates/rbac/ at v41.3.0).
            assert.deepEqual(values.rbac, { namespaced: true });
            assert.deepEqual(values.providers, {
                kubernetesCRD: { enabled: true, allowCrossNamespace: false, allowExternalNameServices: true },
                kubernetesIngress: { enabled: true, ingressClass: "groundwork" },
            });
        });
    });

    describe("in the stacks' plans", () => {
        const plans: Record<string, PlanResult> = {};
        before(async () => {
            plans.dev = await committedPlan("dev");
            plans.edge = await committedPlan("edge");
            const none = stackValues("dev");
            delete none.access;
            delete none.apps;
            plans.none = await planValues("no-access", none);
        });

        it("installs the pinned Traefik, meshed and restricted, and disables k3s's own", () => {
            const traefik = chart(plans.dev, "traefik");
            assert.deepEqual([traefik.version, traefik.namespace], ["41.3.0", "groundwork-ingress"]);
            const ns = ofType(plans.dev, "kubernetes:core/v1:Namespace").find((n) => (n.inputs as any).metadata.name === "groundwork-ingress")!.inputs as any;
            assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            assert.equal(ns.metadata.annotations["linkerd.io/inject"], "enabled");
        });

        it("serves every host over HTTPS with its own certificate, and port 80 only redirects", () => {
            const https = routes(plans.dev).filter((r) => r.spec.tls);
            assert.deepEqual(https.map((r) => [r.metadata.name, r.spec.entryPoints, r.spec.routes[0].match]).sort(), [
                ["chat", ["websecure"], "Host(`chat.dev.groundwork.example`)"],
                ["gateway", ["websecure"], "Host(`ai.dev.groundwork.example`) && (Path(`/v1/chat/completions`) || Path(`/v1/completions`) || Path(`/v1/embeddings`) || Path(`/v1/models`)) && HeaderRegexp(`Authorization`, `^[Bb]earer sk-[A-Za-z0-9_-]{16,256}$`)"],
                ["gateway-admin", ["operators"], "Host(`ai-admin.dev.groundwork.example`)"],
                ["grafana", ["operators"], "Host(`grafana.dev.groundwork.example`)"],
                ["langfuse", ["websecure"], "Host(`langfuse.dev.groundwork.example`)"],
                ["notebooks", ["websecure"], "Host(`notebooks.dev.groundwork.example`)"],
                ["vault", ["operators"], "Host(`vault.dev.groundwork.example`)"],
            ]);
            const certs = ofType(plans.dev, CERTIFICATE).map((c) => c.inputs as any);
            for (const r of https) {
                const cert = certs.find((c) => c.spec.secretName === r.spec.tls.secretName && c.metadata.namespace === r.metadata.namespace);
                assert.ok(cert, `no Certificate for ${r.metadata.name}`);
                assert.deepEqual(cert.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "groundwork-acme" });
            }
            // Routes, certificates and middlewares live in the ingress namespace, whose Secrets alone Traefik reads.
            assert.deepEqual([...new Set([...routes(plans.dev), ...certs.filter((c) => !c.spec.isCA), ...ofType(plans.dev, MIDDLEWARE).map((m) => m.inputs as any)].map((r) => r.metadata.namespace))], ["groundwork-ingress"]);
            const plain = routes(plans.dev).filter((r) => !r.spec.tls);
            assert.equal(plain.length, https.length);
            assert.ok(plain.every((r) => r.spec.entryPoints[0] === "web" && r.spec.routes[0].priority === 1 && r.spec.routes[0].services[0].name === "noop@internal"));
            const redirects = ofType(plans.dev, MIDDLEWARE).map((m) => (m.inputs as any).spec).filter((s) => s.redirectScheme);
            assert.deepEqual(redirects.map((s) => s.redirectScheme.port ?? "443").sort(), ["443", "443", "443", "443", "9443", "9443", "9443"]);
        });

        it("lets operators sign in to the API server as themselves, by the issuer's groups, so the audit log names them (security review s21 L1)", () => {
            const args: string[] = k3sConfigInScript(serverInstallScriptOf(plans.dev, "server-1"))["kube-apiserver-arg"];
            const prefix = oidcPrefix("https://id.groundwork.example/realms/groundwork");
            assert.deepEqual(args.filter((a) => a.startsWith("oidc-")), [
                "oidc-issuer-url=https://id.groundwork.example/realms/groundwork", "oidc-client-id=groundwork-dev-kubectl", "oidc-username-claim=email",
                `oidc-username-prefix=${prefix}`, "oidc-groups-claim=groups", `oidc-groups-prefix=${prefix}`,
            ]);
            const binding = ofType(plans.dev, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").map((b) => b.inputs as any).find((b) => b.metadata.name === "groundwork-operators")!;
            assert.deepEqual([binding.roleRef.name, binding.subjects], ["cluster-admin", [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `${prefix}platform-operators` }]]);
            // The prefix names the issuer: another issuer's group of the same name never matches (review s21d R6).
            assert.match(prefix, /^oidc-[0-9a-f]{8}:$/);
            assert.notEqual(oidcPrefix("https://id.groundwork.example/realms/other"), prefix);
            // Without kubectl's own client (edge has no identity provider), neither the flags nor the binding.
            assert.ok(!ofType(plans.edge, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").some((b) => (b.inputs as any).metadata.name === "groundwork-operators"));
            // Never the applications' client: they keep people's ID tokens for it (review s21d R3).
            const shared = stackValues("dev");
            shared.access.sso.kubernetesClientId = shared.access.sso.clientId;
            assert.match(problems(shared).join("\n"), /access\.sso\.kubernetesClientId = "groundwork-dev": is clientId, the applications' client/);
        });

        it("sends HSTS, no-sniff, a referrer policy and same-origin framing on every HTTPS route (review s21 N2)", () => {
            for (const plan of [plans.dev, plans.edge]) {
                const https = routes(plan).filter((r) => r.spec.tls);
                assert.ok(https.length >= (plan === plans.dev ? 7 : 1), `${https.length} HTTPS routes`);
                for (const r of https) {
                    assert.deepEqual(r.spec.routes[0].middlewares[0], { name: `${r.metadata.name}-security-headers` }, r.metadata.name);
                    const headers = ofType(plan, MIDDLEWARE).map((m) => m.inputs as any).find((m) => m.metadata.name === `${r.metadata.name}-security-headers`)!.spec.headers;
                    assert.deepEqual(headers, { stsSeconds: 31536000, stsIncludeSubdomains: false, contentTypeNosniff: true, referrerPolicy: "strict-origin-when-cross-origin", customFrameOptionsValue: "SAMEORIGIN" });
                }
            }
        });

        it("reaches each backend through one ExternalName alias in the ingress namespace, named as the Service", () => {
            const aliases = ofType(plans.dev, "kubernetes:core/v1:Service").map((s) => s.inputs as any).filter((s) => s.spec.type === "ExternalName");
            assert.deepEqual(aliases.map((a) => [a.metadata.namespace, a.metadata.name, a.spec.externalName, a.spec.ports[0].port]).sort(), [
                ["groundwork-ingress", "langfuse-web", "langfuse-web.langfuse.svc.cluster.local", 3000],
                ["groundwork-ingress", "llm-gateway", "llm-gateway.groundwork-inference.svc.cluster.local", 4000],
                ["groundwork-ingress", "monitoring-grafana", "monitoring-grafana.groundwork-observability.svc.cluster.local", 80],
                ["groundwork-ingress", "open-webui", "open-webui.groundwork-chat.svc.cluster.local", 80],
                ["groundwork-ingress", "proxy-public", "proxy-public.groundwork-notebooks.svc.cluster.local", 80],
                ["groundwork-ingress", "vault", "vault.vault.svc.cluster.local", 8200],
            ]);
            for (const r of routes(plans.dev).filter((x) => x.spec.tls)) {
                const service = r.spec.routes[0].services[0];
                assert.ok(aliases.some((a) => a.metadata.name === service.name && a.spec.ports[0].port === service.port), `${r.metadata.name} names ${service.name}:${service.port}, which no alias carries`);
            }
        });

        it("rate-limits the public gateway at the edge per API key, and all callers together (review s21 L2)", () => {
            const middleware = (name: string) => ofType(plans.dev, MIDDLEWARE).map((m) => m.inputs as any).find((m) => m.metadata.name === name)!;
            assert.deepEqual(middleware("gateway-rate-limit").spec.rateLimit, { average: 20, burst: 40, period: "1s", sourceCriterion: { requestHeaderName: "Authorization" } });
            // A made-up key per request gets a fresh per-key bucket each time; the ceiling is keyed on
            // the source address (ServiceLB's, one per node), never on a host the caller can spell anew.
            assert.deepEqual(middleware("gateway-all-callers").spec.rateLimit, { average: 200, burst: 400, period: "1s", sourceCriterion: { ipStrategy: {} } });
            assert.deepEqual(routes(plans.dev).find((r) => r.metadata.name === "gateway")!.spec.routes[0].middlewares,
                [{ name: "gateway-security-headers" }, { name: "gateway-strip-headers" }, { name: "gateway-rate-limit" }, { name: "gateway-all-callers" }]);
            assert.equal(ofType(plans.dev, MIDDLEWARE).filter((m) => (m.inputs as any).spec.rateLimit).length, 2, "only the gateway is rate-limited");
            const values = stackValues("dev");
            values.access.gatewayRateLimit = { average: 50, burst: 100, allCallers: { average: 40, burst: 400 } };
            assert.deepEqual(problems(values), ["groundwork:access.gatewayRateLimit.allCallers = {\"average\":40,\"burst\":400}: is below the per-key limit (average 50, burst 100): one key alone would be held to it, and the per-key limit could never be reached; give allCallers at least those, or leave it out for the default"]);
            values.access.gatewayRateLimit = { average: 50, burst: 100 };
            assert.deepEqual(parse(values).access!.gatewayRateLimit, { average: 50, burst: 100, allCallers: { average: 200, burst: 400 } });
            // A per-key limit above the default ceiling raises it, rather than being refused (sweep s21r-07).
            values.access.gatewayRateLimit = { average: 300, burst: 600 };
            assert.deepEqual(parse(values).access!.gatewayRateLimit, { average: 300, burst: 600, allCallers: { average: 300, burst: 600 } });
            // One field of the ceiling given, the other its default (review s21d D1).
            values.access.gatewayRateLimit = { average: 20, burst: 40, allCallers: { average: 500 } };
            assert.deepEqual(parse(values).access!.gatewayRateLimit, { average: 20, burst: 40, allCallers: { average: 500, burst: 400 } });
            // A caller from outside may not name a person to the gateway: only the chat UI in the mesh does.
            const strip = ofType(plans.dev, MIDDLEWARE).map((m) => m.inputs as any).find((m) => m.metadata.name === "gateway-strip-headers")!;
            // The chat UI's header and LiteLLM's own end-user headers: no caller from outside names a person (review s14 L4).
            // And every header LiteLLM takes a key from besides Authorization, so the per-key limit,
            // keyed by Authorization, counts the key that authenticates (security review s22 F2).
            assert.deepEqual(strip.spec.headers.customRequestHeaders, {
                "X-OpenWebUI-User-Email": "", "x-litellm-customer-id": "", "x-litellm-end-user-id": "",
                "x-litellm-api-key": "", "API-Key": "", "x-api-key": "", "x-goog-api-key": "", "Ocp-Apim-Subscription-Key": "",
            });
            const perKey = ofType(plans.dev, MIDDLEWARE).map((m) => m.inputs as any).find((m) => m.metadata.name === "gateway-rate-limit")!;
            assert.equal(perKey.spec.rateLimit.sourceCriterion.requestHeaderName, "Authorization");
            // And Authorization in one spelling per key: LiteLLM also takes "Basic ", and drops every "Bearer "
            // in the header, each spelling a bucket of its own (review s22 F3). Go's RE2 and JavaScript agree on this pattern.
            const spelling = new RegExp(PUBLIC_GATEWAY_AUTHORIZATION);
            const key = "sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb3dEf6h";
            for (const ok of [`Bearer ${key}`, `bearer ${key}`]) assert.ok(spelling.test(ok), ok);
            for (const other of [`Bearer Bearer ${key}`, `Basic ${key}`, `Bearer ${key}Bearer `, `Bearer  ${key}`, `Bearer ${key} `, key, `BEARER ${key}`, "Bearer sk-short"]) assert.ok(!spelling.test(other), other);
        });

        it("issues from Let's Encrypt by HTTP-01 on dev, and from the stack's own CA on edge", () => {
            // The hosts' issuers; the mesh's trust anchor is a ClusterIssuer too (test/mesh.test.ts).
            const hostIssuers = (plan: PlanResult) => ofType(plan, ISSUER).filter((i) => !(i.inputs as any).metadata.name.startsWith("linkerd-trust-anchor-"));
            const acme = hostIssuers(plans.dev).map((i) => i.inputs as any);
            assert.equal(acme.length, 1);
            assert.equal(acme[0].spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
            // The annotation, which Traefik reads without IngressClasses; never both (cert-manager refuses that).
            assert.equal(acme[0].spec.acme.solvers[0].http01.ingress.class, "groundwork");
            assert.equal(acme[0].spec.acme.solvers[0].http01.ingress.ingressClassName, undefined);
            assert.equal(acme[0].spec.acme.solvers[0].http01.ingress.podTemplate.metadata.annotations["linkerd.io/inject"], "disabled");
            assert.equal(acme[0].spec.acme.solvers[0].http01.ingress.serviceType, "ClusterIP", "the solver's Service is no NodePort");
            const edge = hostIssuers(plans.edge).map((i) => (i.inputs as any).spec);
            assert.deepEqual(edge.map((s) => Object.keys(s)[0]), ["selfSigned", "ca"]);
            const ca = ofType(plans.edge, CERTIFICATE).map((c) => c.inputs as any).find((c) => c.spec.isCA)!;
            assert.deepEqual([ca.metadata.namespace, ca.spec.privateKey.algorithm, ca.spec.secretName], ["cert-manager", "ECDSA", "groundwork-private-ca"]);
        });

        it("signs people in to Langfuse through the issuer, with the secret by reference and no passwords", () => {
            const values = chart(plans.dev, "langfuse").values.langfuse;
            assert.equal(values.nextauth.url, "https://langfuse.dev.groundwork.example");
            assert.deepEqual(values.auth, {
                disableUsernamePassword: true,
                providers: { custom: {
                    name: "Single sign-on", clientId: "groundwork-dev", issuer: "https://id.groundwork.example/realms/groundwork",
                    clientSecret: { secretKeyRef: { name: "langfuse-sso", key: "clientSecret" } }, scope: "openid email profile", allowAccountLinking: true,
                } },
            });
            assert.equal(values.features.signUpDisabled, true);
            assert.ok(values.additionalEnv.some((e: any) => e.name === "LANGFUSE_INIT_USER_EMAIL" && e.value === "admin@groundwork.example"));
        });

        it("keeps Langfuse to operators where no issuer is configured (edge)", () => {
            const langfuse = routes(plans.edge).find((r) => r.metadata.name === "langfuse")!;
            assert.deepEqual([langfuse.spec.entryPoints, langfuse.metadata.annotations["groundwork.dev/audience"]], [["operators"], "admin"]);
            assert.equal(chart(plans.edge, "langfuse").values.langfuse.auth, undefined);
        });

        it("routes nothing and opens no ingress port without groundwork:access", () => {
            assert.deepEqual(ofType(plans.none, ROUTE), []);
            assert.equal(ofType(plans.none, CHART).find((c) => c.inputs.chart === "traefik"), undefined);
            const rules = ofType(plans.none, "oci:Core/securityList:SecurityList").flatMap((l) => l.inputs.ingressSecurityRules as any[]);
            assert.ok(!rules.some((r) => [80, 443, 9443].includes(r.tcpOptions?.min)), "an ingress port is open");
        });
    });

    describe("Vault for people", () => {
        const config = parse(stackValues("dev"));
        const teams = [{ ...config.inference!.teams[0], ownersGroup: "platform-owners" }];
        const people = peopleAuth(config.access!.sso!, teams, "vault.dev.groundwork.example");

        it("turns on OIDC with an operator role and a role per team that reads only the team's path", () => {
            assert.deepEqual(people.redirectUris, ["https://vault.dev.groundwork.example:9443/ui/vault/auth/oidc/oidc/callback", "http://localhost:8250/oidc/callback"]);
            assert.deepEqual(people.roles.map((r) => [r.name, r.group]), [["operator", "platform-operators"], ["team-platform", "platform-owners"]]);
            assert.match(people.roles[1].policy, /^path "groundwork\/data\/teams\/platform\/\*" \{\n {2}capabilities = \["read"\]\n\}/);
            assert.doesNotMatch(people.roles[1].policy, /gateway\/|\*"\s*\{[^}]*"(create|update|delete)"/);
            assert.doesNotMatch(people.roles[0].policy, /sys\/(raw|generate-root)|"delete"|"sudo"\]\n\}\npath "groundwork/);
        });

        it("writes roles that bind the group claim, in a script that passes shellcheck", () => {
            const script = vaultConfigureScript("hvs.x", [], {}, { people: { ...people, clientSecret: "planted-oidc-secret" } });
            assertShellcheckPasses(script);
            const role = JSON.parse(script.split("vault write auth/oidc/role/team-platform - <<'GROUNDWORK_ROLE'\n")[1].split("\n")[0]);
            assert.deepEqual([role.role_type, role.bound_claims, role.groups_claim, role.token_policies, role.token_ttl], ["oidc", { groups: ["platform-owners"] }, "groups", ["team-platform"], "8h"]);
            const oidc = JSON.parse(script.split("vault write auth/oidc/config - <<'GROUNDWORK_OIDC'\n")[1].split("\n")[0]);
            // Vault reads the issuer's discovery document here: people's sign-in comes after every secret is written.
            assert.ok(script.indexOf("vault auth enable oidc") > script.lastIndexOf("vault kv put"));
            assert.deepEqual(oidc, { oidc_discovery_url: "https://id.groundwork.example/realms/groundwork", oidc_client_id: "groundwork-dev", oidc_client_secret: "planted-oidc-secret", default_role: "operator" });
        });
    });
});
