import { strict as assert } from "assert";
import { API_SERVER, apiServerAt, egressRules, endpointDestination, NON_PUBLIC_RANGES } from "../components/platform/egress";
import { apiServerAddresses } from "../stacks/cluster";
import { langfuseEgress } from "../components/platform/langfuse";
import { vaultEgress } from "../components/platform/vault";
import { monitoringEgress } from "../components/observability/monitoring";
import { notebooksEgress } from "../components/apps/notebooks";
import { acmeDestinations, identityProviderDestinations } from "../stacks/egress";
import { egressRuleAllows } from "../policies/security/network-policies";
import { parse, problems, stackValues } from "./helpers";

const METADATA = "169.254.169.254";
/** Whether any rule of an allowance reaches the address on the port. */
const reaches = (rules: ReturnType<typeof egressRules>, address: string, port: number) =>
    rules.some((rule) => rule.ports.some((p) => p.port === port) && egressRuleAllows(rule, address));

describe("egress allowances", () => {
    it("an endpoint from config is its own address when it names one, else any address but the metadata service, on its port", () => {
        assert.deepEqual(endpointDestination("http://192.168.10.5:9000"), { kind: "range", cidr: "192.168.10.5/32", ports: [9000] });
        assert.deepEqual(endpointDestination("https://minio.lan"), { kind: "anywhere", ports: [443] });
        assert.deepEqual(endpointDestination("http://minio.lan"), { kind: "anywhere", ports: [80] });
        assert.throws(() => endpointDestination("http://169.254.169.254/latest"), /link-local address/);
        const rules = egressRules({ to: [endpointDestination("https://minio.lan:9443")] });
        assert.deepEqual([reaches(rules, "10.1.2.3", 9443), reaches(rules, "203.0.113.9", 9443), reaches(rules, METADATA, 9443), reaches(rules, "10.1.2.3", 22)], [true, true, false, false]);
    });

    it("the public internet leaves out the nodes' networks, link-local and loopback", () => {
        const rules = egressRules({ to: [{ kind: "public", ports: [443] }] });
        assert.deepEqual(["203.0.113.9", "10.0.0.2", "172.20.0.1", "192.168.1.1", "100.100.1.1", METADATA, "127.0.0.1"].map((a) => reaches(rules, a, 443)), [true, false, false, false, false, false, false]);
        assert.deepEqual(NON_PUBLIC_RANGES.slice(0, 4), ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]);
    });

    it("the nodes are any address but the metadata service, on the node ports only: a wireguard-native server advertises its public address", () => {
        const rules = egressRules({ to: [{ kind: "nodes", ports: [6443] }] });
        assert.deepEqual(["10.0.0.5", "100.101.1.2", "203.0.113.9", METADATA].map((a) => reaches(rules, a, 6443)), [true, true, true, false]);
        assert.equal(reaches(rules, "203.0.113.9", 443), false);
    });

    it("every rule names its ports, once each, per protocol", () => {
        assert.throws(() => egressRules({ to: [{ kind: "public", ports: [] }] }), /names its ports/);
        assert.deepEqual(egressRules({ to: [{ kind: "range", cidr: "0.0.0.0/0", ports: [53, 53] }], protocols: ["UDP", "TCP"] })[0].ports, [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }]);
    });

    it("Vault reaches the metadata service only for an OCI KMS seal, from its server pods, on port 80", () => {
        const oci = vaultEgress("ocikms", []);
        assert.deepEqual(oci.map((a) => a.name), ["vault-seal"]);
        assert.equal(oci[0].podSelector.component, "server");
        assert.deepEqual([reaches(egressRules(oci[0]), METADATA, 80), reaches(egressRules(oci[0]), METADATA, 443)], [true, false]);
        assert.equal(reaches(egressRules(vaultEgress("awskms", [])[0]), METADATA, 80), false);
        assert.deepEqual(vaultEgress("shamir", []), []);
        assert.deepEqual(vaultEgress("shamir", [{ kind: "anywhere", ports: [443] }]).map((a) => a.name), ["vault-identity-provider"]);
    });

    it("Alertmanager reaches its receiver: the SMTP smarthost's port, HTTPS for Slack and Teams, HTTP(S) for a webhook", () => {
        const receiver = (r: Parameters<typeof monitoringEgress>[0]) => monitoringEgress(r).find((a) => a.name === "alert-receiver")!.to;
        assert.deepEqual(receiver({ kind: "email", to: ["a@example.com"], from: "b@example.com", smarthost: "smtp.example.com:587", username: "u" }), [{ kind: "anywhere", ports: [587] }]);
        assert.deepEqual(receiver({ kind: "email", to: ["a@example.com"], from: "b@example.com", smarthost: "10.0.5.5:25", username: "u" }), [{ kind: "range", cidr: "10.0.5.5/32", ports: [25] }]);
        assert.deepEqual(receiver({ kind: "slack" }), [{ kind: "public", ports: [443] }]);
        assert.deepEqual(receiver({ kind: "webhook" }), [{ kind: "anywhere", ports: [80, 443] }]);
        const prometheus = monitoringEgress({ kind: "teams" }).find((a) => a.name === "prometheus-nodes")!;
        // node-exporter runs on its pod network, so only the kubelets are on the nodes.
        assert.deepEqual(prometheus.to, [{ kind: "nodes", ports: [10250] }]);
        assert.equal(monitoringEgress({ kind: "teams" }).some((a) => a.name === "grafana-identity-provider"), false, "no SSO, no identity provider");
    });

    it("the notebooks' hub reaches the API server and the identity provider; people's servers only HTTP(S) on the internet", () => {
        const [hub, users] = notebooksEgress({ tokenUrl: "https://idp.example.com/token", userinfoUrl: "https://idp.example.com/userinfo" }, API_SERVER);
        assert.deepEqual(hub.to, [{ kind: "nodes", ports: [6443] }, { kind: "anywhere", ports: [443] }]);
        assert.deepEqual(users.to, [{ kind: "public", ports: [80, 443] }]);
        assert.equal(reaches(egressRules(users), "10.1.0.10", 6443), false, "a person's server never reaches the API server");
    });

    it("Langfuse's web and worker reach the blob bucket, ClickHouse the backup bucket, web alone the identity provider", () => {
        const allowances = langfuseEgress({ kind: "public", ports: [443] }, { kind: "range", cidr: "192.168.1.9/32", ports: [9000] }, [{ kind: "anywhere", ports: [443] }]);
        assert.deepEqual(allowances.map((a) => [a.name, a.podSelector["app.kubernetes.io/name"], a.podSelector["app.kubernetes.io/component"]]), [
            ["langfuse-blob-storage", "langfuse", undefined], ["clickhouse-backups", "clickhouse", undefined], ["langfuse-identity-provider", "langfuse", "web"],
        ]);
    });
});

describe("the stack's destinations, from config", () => {
    it("the identity provider's issuer and server-side endpoints, once each; none without SSO", () => {
        const dev = stackValues("dev");
        assert.ok(dev["access"]?.sso, "dev signs people in through SSO");
        const sso = dev.access.sso;
        const config = parse({ ...dev, access: { ...dev.access, sso: { ...sso, issuer: "https://10.20.0.5/realms/main", oauthEndpoints: { authorizeUrl: "https://10.20.0.5/realms/main/protocol/openid-connect/auth", tokenUrl: "https://10.20.0.5/realms/main/protocol/openid-connect/token", userinfoUrl: "https://sso.example.com/realms/main/protocol/openid-connect/userinfo" } } } });
        assert.deepEqual(identityProviderDestinations(config), [{ kind: "range", cidr: "10.20.0.5/32", ports: [443] }, { kind: "anywhere", ports: [443] }]);
        // A hosted identity provider is reached on the internet only; a name of your own may be anywhere.
        const entra = parse(stackValues("cloud"));
        assert.deepEqual(identityProviderDestinations(entra), [{ kind: "public", ports: [443] }], "Entra's login and Graph hosts");
        assert.deepEqual(endpointDestination("https://LOGIN.microsoftonline.com/x/v2.0"), { kind: "public", ports: [443] });
        assert.deepEqual(endpointDestination("https://s3.eu-west-1.amazonaws.com"), { kind: "anywhere", ports: [443] }, "S3 may be a VPC endpoint");
        const edge = stackValues("edge");
        assert.equal(edge.access?.sso, undefined, "edge signs nobody in through SSO");
        assert.deepEqual(identityProviderDestinations(parse(edge)), []);
    });

    it("the API server at the addresses k3s may advertise; anywhere only for an edge server the stack cannot place (security review s14 L3)", () => {
        const edge = parse(stackValues("edge"));
        const nodes = Object.fromEntries(edge.edge!.machines.map((m) => [m.name, { privateIp: m.host, publicIp: m.externalIp ?? "", kind: "edge" as const }]));
        assert.deepEqual(apiServerAddresses(edge, "private", nodes), ["192.168.10.10"], "an edge server by address");
        // By host name, outside the tailnet: its own address (which k3s advertises) may be a public one the stack cannot know.
        const named = stackValues("edge");
        named.edge.machines[0].host = "k3s-1.lab.example";
        const byName = parse(named);
        const namedNodes = Object.fromEntries(byName.edge!.machines.map((m) => [m.name, { privateIp: m.host, publicIp: "", kind: "edge" as const }]));
        assert.equal(apiServerAddresses(byName, "private", namedNodes), undefined);
        assert.deepEqual(apiServerAt(undefined), API_SERVER, "any address but the metadata service");
        // In the tailnet k3s advertises the tailscale address, inside the ranges every destination holds.
        assert.deepEqual(apiServerAddresses(byName, "tailscale", namedNodes), []);
        // A loopback tunnel says nothing of the machine's own address; an external IP counts only where k3s is given it.
        const tunnel = stackValues("edge");
        tunnel.edge.machines[0].host = "127.0.0.1";
        tunnel.edge.machines[0].port = 2201;
        tunnel.edge.machines[0].externalIp = "192.168.10.10";
        assert.equal(apiServerAddresses(parse(tunnel), "private", nodes), undefined);
        const external = stackValues("edge");
        external.edge.machines[0].host = "k3s-1.lab.example";
        external.edge.machines[0].externalIp = "198.51.100.20";
        assert.equal(apiServerAddresses(parse(external), "private", nodes), undefined, "under private k3s is not given the external IP");
        assert.deepEqual(apiServerAddresses(parse(external), "wireguard-native", nodes), ["198.51.100.20"]);
        const rules = egressRules({ to: [apiServerAt([])] });
        assert.deepEqual(rules[0].to.map((p) => p.ipBlock.cidr), ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]);
        assert.ok(!rules[0].to.some((p) => p.ipBlock.cidr === "0.0.0.0/0"), "never the internet");
    });

    it("ACME: the directory and port 80 of the stack's hosts for the HTTP-01 self-check; nothing for a private CA", () => {
        const dev = stackValues("dev");
        assert.equal(dev.access.tls.issuer, "acme");
        // Let's Encrypt's directory is public only: the internet, no private range (security review s14 L3).
        assert.deepEqual(acmeDestinations(parse(dev)), [{ kind: "public", ports: [443] }, { kind: "public", ports: [80] }]);
        assert.equal(acmeDestinations(parse(stackValues("edge"))), undefined);
    });

    it("refuses a bucket endpoint in the metadata service's range, naming the key", () => {
        const edge = stackValues("edge");
        const found = problems({ ...edge, platform: { ...edge.platform, postgres: { ...edge.platform.postgres, backup: { ...edge.platform.postgres.backup, s3: { ...edge.platform.postgres.backup.s3, endpointURL: "http://169.254.169.254" } } } } });
        assert.deepEqual(found, ['groundwork:platform.postgres.backup.s3.endpointURL = "http://169.254.169.254": is a link-local address, the instance metadata service\'s range, which no pod may reach; give the bucket\'s endpoint']);
    });
});
