import { strict as assert } from "assert";
import { Namespace } from "kubernetes-models/v1";
import { OFFLINE_OUTPUTS } from "../plan/offline-data";
import { kubernetesDocuments, renderPlanFiles } from "../plan/report";
import { PlanResult } from "../plan/run";
import { named, planValues, problems, stackValues, committedPlan } from "./helpers";

const release = (plan: PlanResult, chart: string) =>
    kubernetesDocuments(plan.resources).find((d) => d.kind === "HelmRelease" && (d.spec as { chart: string }).chart === chart) as { metadata: { namespace: string }; spec: Record<string, any> };

describe("Linkerd mesh", function () {
    let plan: PlanResult;
    before(async () => {
        plan = await committedPlan("dev");
    });

    it("generates an ECDSA P-256 trust anchor and a shorter-lived issuer signed by it", () => {
        for (const key of ["linkerd-trust-anchor", "linkerd-issuer"]) {
            assert.deepEqual(named(plan, "tls:index/privateKey:PrivateKey", key).inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        }
        const anchor = named(plan, "tls:index/selfSignedCert:SelfSignedCert", "linkerd-trust-anchor");
        assert.equal(anchor.inputs.isCaCertificate, true);
        assert.deepEqual(anchor.inputs.subject, { commonName: "root.linkerd.cluster.local" });
        assert.equal(anchor.inputs.privateKeyPem, "[secret]");
        const issuer = named(plan, "tls:index/locallySignedCert:LocallySignedCert", "linkerd-issuer");
        assert.equal(issuer.inputs.isCaCertificate, true);
        assert.equal(issuer.inputs.caPrivateKeyPem, "[secret]");
        assert.ok((issuer.inputs.validityPeriodHours as number) < (anchor.inputs.validityPeriodHours as number));
        assert.deepEqual(named(plan, "tls:index/certRequest:CertRequest", "linkerd-issuer").inputs.subject, { commonName: "identity.linkerd.cluster.local" });
    });

    it("installs the pinned CRDs, CNI plugin (k3s paths) and control plane charts", () => {
        const crds = release(plan, "linkerd-crds");
        const cni = release(plan, "linkerd2-cni");
        const control = release(plan, "linkerd-control-plane");
        for (const r of [crds, cni, control]) {
            assert.equal(r.spec.repo, "https://helm.linkerd.io/edge");
            assert.equal(r.spec.version, "2026.8.3");
        }
        // k3s's Traefik owns the Gateway API CRDs; exactly one installer may (k3s-io/k3s#11932).
        assert.deepEqual(crds.spec.values, { installGatewayAPI: false });
        assert.equal(cni.spec.values.destCNINetDir, "/var/lib/rancher/k3s/agent/etc/cni/net.d");
        assert.equal(cni.spec.values.destCNIBinDir, "/var/lib/rancher/k3s/data/cni");
        assert.equal(control.metadata.namespace, "linkerd");
        assert.equal(control.spec.values.cniEnabled, true);
        assert.equal(control.spec.values.controllerReplicas, 1);
        // The injector fails closed even with one replica: no pod starts unmeshed while it is down,
        // and kube-system (k3s's own pods) is left out of its webhook.
        assert.equal(control.spec.values.webhookFailurePolicy, "Fail");
        assert.equal(control.spec.values.deploymentStrategy, undefined);
        const kubeSystem = named(plan, "kubernetes:core/v1:NamespacePatch", "linkerd-kube-system");
        assert.deepEqual(kubeSystem.inputs.metadata, { name: "kube-system", labels: { "config.linkerd.io/admission-webhooks": "disabled" } });
        assert.deepEqual(control.spec.values.proxy.resources, { cpu: { request: "20m", limit: "500m" }, memory: { request: "20Mi", limit: "250Mi" } });
        // A Helm release, not a Chart v4: its templates issue the webhooks' certificates at render
        // time, which a Chart v4 would do again (and restart the injector) on every run.
        const controlPlane = named(plan, "kubernetes:helm.sh/v3:Release", "linkerd-control-plane");
        const releases = plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart" && controlPlane.dependencies.includes(r.urn));
        assert.deepEqual(releases.map((r) => r.name).sort(), ["linkerd-cni", "linkerd-crds"], "the control plane waits for the CRDs and the CNI plugin");
    });

    it("starts nothing meshed before the control plane: its injector fails closed", () => {
        // Waiting for the mesh component is waiting for its children: the SDK records them.
        const controlPlane = named(plan, "kubernetes:helm.sh/v3:Release", "linkerd-control-plane").urn;
        for (const chart of ["vault", "vault-secrets-operator", "qdrant", "langfuse"]) {
            const r = named(plan, "kubernetes:helm.sh/v4:Chart", chart);
            assert.ok(r.dependencies.includes(controlPlane), `${chart} does not wait for the mesh's control plane`);
        }
        const cluster = plan.resources.find((r) => r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster")!;
        assert.ok(cluster.dependencies.includes(controlPlane), "Postgres does not wait for the mesh's control plane");
    });

    it("hands the issuer key to the chart only as a secret, and the trust anchor in the clear", () => {
        const values = release(plan, "linkerd-control-plane").spec.values;
        assert.match(values.identityTrustAnchorsPEM, /^-----BEGIN CERTIFICATE-----/);
        assert.match(values.identity.issuer.tls.crtPEM, /^-----BEGIN CERTIFICATE-----/);
        assert.equal(values.identity.issuer.tls.keyPEM, "[secret]");
        const files = renderPlanFiles(plan);
        const issuerKey = OFFLINE_OUTPUTS["tls:index/privateKey:PrivateKey"]("linkerd-issuer", {}).privateKeyPem as string;
        assert.ok(plan.secretValues.includes(issuerKey.trim()), "the issuer key is known to the leak check");
        assert.ok(!Object.values(files).some((f) => f.includes(issuerKey.split("\n")[1])), "the issuer key leaked");
    });

    it("meshes every application namespace and keeps Pod Security restricted there", () => {
        // Cluster infrastructure: the mesh itself, device plugins, operators with admission webhooks, and
        // k3s's kube-system (only patched, to keep it out of the injector's webhook).
        const system = new Set(["linkerd", "linkerd-cni", "nvidia-device-plugin", "cert-manager", "cnpg-system", "kube-system"]);
        const namespaces = kubernetesDocuments(plan.resources).filter((d) => d.kind === "Namespace").map((d) => new Namespace(d as any));
        const apps = namespaces.filter((n) => !system.has(n.metadata!.name!));
        assert.ok(apps.length >= 1);
        for (const ns of apps) {
            ns.validate();
            assert.equal(ns.metadata?.annotations?.["linkerd.io/inject"], "enabled", ns.metadata?.name);
            assert.equal(ns.metadata?.annotations?.["config.linkerd.io/default-inbound-policy"], "all-authenticated", ns.metadata?.name);
            const level = "restricted";
            assert.equal(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"], level, ns.metadata?.name);
        }
    });

    it("runs three controllers with anti-affinity and disruption budgets when HA", async () => {
        const values = stackValues("cloud");
        values.platform = { mesh: { ha: true } };
        values.aws.servers.count = 3;
        values.placement.platform = "x86";
        const ha = await planValues("mesh", values);
        const control = release(ha, "linkerd-control-plane").spec.values;
        assert.deepEqual([control.controllerReplicas, control.enablePodAntiAffinity, control.enablePodDisruptionBudget, control.webhookFailurePolicy], [3, true, true, "Fail"]);
        assert.deepEqual(control.nodeSelector, { "groundwork.dev/placement": "x86" });
        // Required anti-affinity on exactly three nodes leaves a surge pod nowhere to go (values-ha.yaml).
        assert.deepEqual(control.deploymentStrategy, { rollingUpdate: { maxUnavailable: 1, maxSurge: "25%" } });
    });

    it("rejects HA with fewer than three nodes for the platform", () => {
        const values = stackValues("dev");
        values.platform = { mesh: { ha: true } };
        const found = problems(values);
        assert.deepEqual(found, ["groundwork:platform.mesh.ha = true: needs 3 nodes for the platform placement (any) to spread its replicas over; this stack has 2"]);
    });
});
