import { strict as assert } from "assert";
import { cpuMillis, memoryMi, totalRequests } from "../components/platform/footprint";
import { cpuModelRequests, largerServerType, platformFit, platformFootprint, sharedCpuModels } from "../stacks/capacity";
import { DISK_RESERVED_GB, platformDisks, platformVolumes } from "../stacks/disk-capacity";
import { parse, problems, stackValues } from "./helpers";


describe("platform fit", () => {
    it("parses Kubernetes quantities", () => {
        assert.deepEqual([cpuMillis("100m"), cpuMillis("1"), cpuMillis("0.5")], [100, 1000, 500]);
        assert.deepEqual([memoryMi("256Mi"), memoryMi("1Gi"), memoryMi("512Ki")], [256, 1024, 0.5]);
        assert.throws(() => memoryMi("1G"), /use Ki, Mi or Gi/);
    });

    it("counts per-node pods once per node", () => {
        assert.deepEqual(totalRequests([{ workload: "x", pods: "per-node", perPod: { cpuMillis: 10, memoryMi: 20 } }, { workload: "y", pods: 2, perPod: { cpuMillis: 1, memoryMi: 1 } }], 3), { cpuMillis: 32, memoryMi: 62 });
    });

    it("lists every platform workload with requests, meshed ones with their proxy", () => {
        const footprint = platformFootprint(parse(stackValues("dev")));
        assert.deepEqual(footprint.map((f) => f.workload), [
            "coredns", "metrics-server", "linkerd-destination", "linkerd-identity", "linkerd-proxy-injector", "linkerd-cni", "vault", "vault-secrets-operator",
            "cert-manager", "cert-manager-webhook", "cert-manager-cainjector", "system-upgrade-controller", "kured",
            "prometheus-operator", "prometheus", "alertmanager", "kube-state-metrics", "grafana", "node-exporter", "cnpg-operator", "barman-cloud-plugin", "postgres", "qdrant",
            "langfuse-web", "langfuse-worker", "clickhouse", "valkey", "traefik", "open-webui", "jupyterhub-hub", "jupyterhub-proxy", "notebook-server", "llm-gateway",
        ]);
        assert.ok(footprint.every((f) => f.perPod.cpuMillis > 0 && f.perPod.memoryMi > 0));
        // Vault 50m/256Mi, its audit-log rotation 5m/16Mi, and its mesh proxy.
        assert.deepEqual(footprint.find((f) => f.workload === "vault")!.perPod, { cpuMillis: 75, memoryMi: 292 });
    });

    it("fits the dev stack's Always-Free nodes, its CPU model and the way in together", () => {
        const fit = platformFit(parse(stackValues("dev")));
        assert.equal(fit.nodes, 2);
        assert.deepEqual(fit.allocatable, { cpuMillis: 4000, memoryMi: 24 * 1024 - 200 });
        // k3s 200m/140Mi, Linkerd 330m/350Mi (CNI on 2 nodes), Vault 75m/292Mi, VSO 70m/84Mi,
        // cert-manager 60m/192Mi, the k3s upgrade controller 10m/32Mi, kured 20m/64Mi (2 nodes), CNPG operator and plugin 100m/256Mi, Postgres 220m/532Mi, Qdrant 120m/532Mi,
        // Langfuse web and worker 240m/1064Mi, ClickHouse 270m/1556Mi, Valkey 70m/148Mi, Traefik 70m/116Mi, Open WebUI 120m/1044Mi,
        // JupyterHub's hub and proxy 110m/360Mi and one notebook server 120m/1044Mi, LLM gateway 220m/788Mi,
        // monitoring 240m/916Mi (Prometheus, Alertmanager, Grafana, kube-state-metrics and the operator
        // meshed, node-exporter on 2 nodes), and the model server small (1.25 cores, 5 GiB, its proxy) on the same A1 cores.
        assert.deepEqual(fit.requested, { cpuMillis: 2450 + 240 + 1270, memoryMi: 8722 + 916 + 6164 });
        assert.ok(fit.requested.cpuMillis <= fit.allocatable.cpuMillis);
        assert.ok(fit.requested.memoryMi <= fit.allocatable.memoryMi);
    });

    it("serves dev's CPU model inside the room the platform leaves", () => {
        const [model, ...more] = cpuModelRequests(parse(stackValues("dev")));
        assert.equal(more.length, 0);
        // 1.25 cores and 5 GiB for vLLM, plus its mesh proxy.
        assert.deepEqual(model, { model: "small", requests: { cpuMillis: 1270, memoryMi: 6164 } });
        assert.deepEqual(sharedCpuModels(parse(stackValues("dev"))), [{ model: "small", replicas: 1, requests: model.requests }]);
    });

    for (const stack of ["dev", "cloud", "hybrid"]) {
        it(`fits the ${stack} stack's platform nodes, gateway and autoscaler included`, () => {
            const fit = platformFit(parse(stackValues(stack)));
            assert.ok(fit.nodes > 0);
            assert.ok(fit.requested.cpuMillis <= fit.allocatable.cpuMillis, `${stack}: ${fit.requested.cpuMillis}m of ${fit.allocatable.cpuMillis}m CPU requested`);
            assert.ok(fit.requested.memoryMi <= fit.allocatable.memoryMi, `${stack}: ${fit.requested.memoryMi}Mi of ${fit.allocatable.memoryMi}Mi requested`);
        });
    }

    it("lists dev's volumes one per replica, with the backup Jobs' scratch apart, and they fit its two boot volumes", () => {
        const dev = parse(stackValues("dev"));
        const held = platformVolumes(dev).filter((v) => !v.transient);
        // Raft 10 + audit 2 + Postgres 20 + Qdrant 10 + ClickHouse 20 + Valkey 8 + Prometheus + chat + notebook home + hub db + model cache.
        assert.deepEqual(held.map((v) => v.what), ["Vault's Raft data", "Vault's audit log", "Postgres", "Qdrant", "ClickHouse's traces", "Langfuse's queue (Valkey)",
            "Prometheus", "the chat UI's history", "notebook homes", "JupyterHub's database", "model small's cache"]);
        const total = platformVolumes(dev).reduce((sum, v) => sum + v.gbs * v.count, 0);
        const free = platformDisks(dev).reduce((sum, d) => sum + d.gbs - DISK_RESERVED_GB, 0);
        assert.equal(free, 170);
        assert.ok(total <= free, `dev: ${total} GB of volumes on ${free} GB`);
    });

    it("refuses a platform that does not fit its nodes, before anything is created", () => {
        const dev = stackValues("dev");
        // Three nodes, so that three Qdrant peers have one each (a fourth rule, checked first).
        dev.oci.nodes = ["tiny", "tiny-2", "tiny-3"].map((name, i) => ({ name, role: i === 0 ? "server" : "agent", ocpus: 1, memoryGbs: 1, bootVolumeGbs: 66 }));
        dev.platform = { vectorDb: { replicas: 3, storageGbs: 2 }, vault: { unseal: "manual" } }; // an OCI KMS seal would also want an agent
        delete dev.inference; // its model would not fit a 1 GiB node either, and says so first
        delete dev.access; // its gateway hosts need the inference just removed
        delete dev.apps;
        assert.deepEqual(problems(dev), ['groundwork:placement.platform = "any": the platform\'s pods request 2.32 cores and 7.3 GiB, but its nodes (tiny, tiny-2, tiny-3) give 3.00 cores and 2.7 GiB; choose larger groundwork:oci.nodes shapes, add nodes, or run fewer replicas. ' +
            "The largest by memory: qdrant x3 (0.36 cores, 1.6 GiB; groundwork:platform.vectorDb.replicas), clickhouse x1 (0.27 cores, 1.5 GiB), postgres x1 (0.24 cores, 0.6 GiB; groundwork:platform.postgres.instances)"]);
    });

    it("refuses the cloud platform on a server too small for it, naming the key to change", () => {
        const cloud = stackValues("cloud");
        cloud.aws.servers.instanceType = "m7i.large";
        const [problem, ...rest] = problems(cloud);
        assert.equal(rest.length, 0);
        assert.match(problem, /^groundwork:placement\.platform = "x86": the platform's pods request \d\.\d\d cores and \d+\.\d GiB, but its nodes \(aws-server-0\) give 2\.00 cores and 7\.9 GiB; choose a larger groundwork:aws\.servers\.instanceType \(e\.g\. m7i\.xlarge\)/);
        // The example is larger than the type given, of the same architecture (sweep s25 W2).
        assert.equal(largerServerType("m7i.large", true), "m7i.xlarge");
        assert.equal(largerServerType("m7g.large", false), "m7g.xlarge", "the same architecture");
        assert.equal(largerServerType("m7i.2xlarge", true), undefined, "none larger is known: no example rather than a smaller one");
    });
});
