import { strict as assert } from "assert";
import { Namespace } from "kubernetes-models/v1";
import { OFFLINE_OUTPUTS } from "../plan/offline-data";
import { kubernetesDocuments, leakedSecrets, renderPlanFiles } from "../plan/report";
import { PlanResult } from "../plan/run";
import { named, planFixture, planValues, problems, stackValues, committedPlan } from "./helpers";
import { upstreamCrd } from "./validators";

const release = (plan: PlanResult, chart: string) =>
    kubernetesDocuments(plan.resources).find((d) => d.kind === "HelmRelease" && (d.spec as { chart: string }).chart === chart) as { metadata: { namespace: string }; spec: Record<string, any> };

describe("Linkerd mesh", function () {
    let plan: PlanResult;
    before(async () => {
        plan = await committedPlan("dev");
    });

    it("makes an ECDSA P-256 trust anchor, and has cert-manager issue the identity issuer from it, as Linkerd documents", () => {
        assert.deepEqual(named(plan, "tls:index/privateKey:PrivateKey", "linkerd-trust-anchor").inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        const anchor = named(plan, "tls:index/selfSignedCert:SelfSignedCert", "linkerd-trust-anchor");
        assert.deepEqual([anchor.inputs.isCaCertificate, anchor.inputs.subject, anchor.inputs.privateKeyPem, anchor.inputs.validityPeriodHours], [true, { commonName: "root.linkerd.cluster.local" }, "[secret]", 87600]);
        assert.equal(plan.resources.some((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert"), false, "no issuer made by Pulumi: it would only renew on a pulumi up");
        const docs = kubernetesDocuments(plan.resources) as any[];
        const ca = docs.find((d) => d.kind === "Secret" && d.metadata.name === "linkerd-trust-anchor-1");
        assert.deepEqual([ca.metadata.namespace, ca.type, ca.stringData], ["cert-manager", "kubernetes.io/tls", "[secret]"], "the anchor's key is kept out of linkerd, whose Secrets linkerd-destination caches");
        assert.equal(docs.some((d) => d.kind === "Secret" && d.metadata.namespace === "linkerd"), false, "no Secret in linkerd is ours: the issuer's is cert-manager's");
        const issuer = docs.find((d) => d.kind === "ClusterIssuer" && d.metadata.name === "linkerd-trust-anchor-1");
        assert.deepEqual([issuer.metadata.namespace, issuer.spec], [undefined, { ca: { secretName: "linkerd-trust-anchor-1" } }], "a ClusterIssuer reads its CA from cert-manager's namespace");
        const admission = docs.find((d) => d.kind === "ValidatingAdmissionPolicy" && d.metadata.name === "groundwork-mesh-trust-anchor");
        assert.match(admission.spec.validations[0].expression, /request\.namespace == 'linkerd'$/, "only linkerd may name the anchor");
        const binding = docs.find((d) => d.kind === "ValidatingAdmissionPolicyBinding" && d.spec.policyName === "groundwork-mesh-trust-anchor");
        assert.deepEqual(binding.spec.validationActions, ["Deny"]);
        const certificate = docs.find((d) => d.kind === "Certificate" && d.metadata.namespace === "linkerd");
        assert.deepEqual(certificate.spec, {
            secretName: "linkerd-identity-issuer", issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "linkerd-trust-anchor-1" }, isCA: true,
            commonName: "identity.linkerd.cluster.local", dnsNames: ["identity.linkerd.cluster.local"], duration: "48h0m0s", renewBefore: "25h0m0s",
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" }, usages: ["cert sign", "crl sign", "server auth", "client auth"],
        });
        for (const doc of [issuer, certificate]) {
            const valid = upstreamCrd(doc);
            assert.ok(valid.ok, `${doc.kind}: ${valid.output}`);
        }
        assert.equal(certificate.metadata.annotations["pulumi.com/waitFor"], "condition=Ready", "identity exits without its issuer");
        const values = release(plan, "linkerd-control-plane").spec.values;
        assert.deepEqual(values.identity, { issuer: { scheme: "kubernetes.io/tls" } }, "the chart renders no issuer Secret of its own");
        assert.match(values.identityTrustAnchorsPEM, /^-----BEGIN CERTIFICATE-----[^]*-----END CERTIFICATE-----\n$/);
        // Order: cert-manager, then the issuer, then the control plane.
        const controlPlane = named(plan, "kubernetes:helm.sh/v3:Release", "linkerd-control-plane");
        const certificateResource = plan.resources.find((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate" && r.name === "linkerd-identity-issuer")!;
        assert.ok(controlPlane.dependencies.includes(certificateResource.urn));
        assert.ok(certificateResource.dependencies.includes(named(plan, "kubernetes:helm.sh/v4:Chart", "cert-manager").urn));
    });

    it("rotates the trust anchor in three steps with both anchors trusted in between", async () => {
        const phase = async (generation: number, alsoTrust: number[]) => {
            const planned = await planFixture("mesh-identity", { generation, alsoTrust });
            const docs = kubernetesDocuments(planned.resources) as any[];
            return {
                anchors: planned.resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert").map((r) => r.name).sort(),
                inBundle: String(planned.outputs.trustBundlePem).match(/BEGIN CERTIFICATE/g)!.length,
                signedBy: docs.find((d) => d.kind === "Certificate" && d.metadata.namespace === "linkerd").spec.issuerRef.name,
            };
        };
        // 1. A new anchor joins the bundle; the old one still signs.
        assert.deepEqual(await phase(1, [2]), { anchors: ["linkerd-trust-anchor", "linkerd-trust-anchor-2"], inBundle: 2, signedBy: "linkerd-trust-anchor-1" });
        // 2. The new anchor signs; the old one is still trusted.
        assert.deepEqual(await phase(2, [1]), { anchors: ["linkerd-trust-anchor", "linkerd-trust-anchor-2"], inBundle: 2, signedBy: "linkerd-trust-anchor-2" });
        // 3. The old anchor goes.
        assert.deepEqual(await phase(2, []), { anchors: ["linkerd-trust-anchor-2"], inBundle: 1, signedBy: "linkerd-trust-anchor-2" });
    });

    it("plans the dev stack in the middle of a rotation: an anchor's certificate is public, though it rides in its CA Secret (sweep s12 pv12)", async () => {
        const values = stackValues("dev");
        values.platform = { ...values.platform, mesh: { trustAnchor: { generation: 2, alsoTrust: [1] } } };
        const planned = await planValues("dev", values);
        assert.match(kubernetesDocuments(planned.resources).map((d: any) => JSON.stringify(d)).join("\n"), /offline-plan-self-signed-linkerd-trust-anchor-2/);
        assert.deepEqual(leakedSecrets(Object.values(renderPlanFiles(planned, {})), planned.secretValues), [], "the plan would refuse to write it");
    });

    it("refuses a signing anchor listed again as also trusted, and a generation listed twice", () => {
        const values = stackValues("dev");
        values.platform = { mesh: { trustAnchor: { generation: 2, alsoTrust: [2, 2] } } };
        assert.deepEqual(problems(values), [
            "groundwork:platform.mesh.trustAnchor.alsoTrust = [2,2]: alsoTrust lists 2, the signing generation; list only the other anchors kept during a rotation; alsoTrust lists a generation twice: 2, 2",
        ]);
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

    it("keeps the trust anchor's key out of every file the plan writes", () => {
        const files = renderPlanFiles(plan);
        const anchorKey = OFFLINE_OUTPUTS["tls:index/privateKey:PrivateKey"]("linkerd-trust-anchor", {}).privateKeyPem as string;
        assert.ok(plan.secretValues.includes(anchorKey.trim()), "the anchor key is known to the leak check");
        assert.ok(!Object.values(files).some((f) => f.includes(anchorKey.split("\n")[1])), "the anchor key leaked");
    });

    it("meshes every application namespace and keeps Pod Security restricted there", () => {
        // Cluster infrastructure: the mesh itself, device plugins, operators with admission webhooks, and
        // k3s's kube-system (only patched, to keep it out of the injector's webhook).
        const system = new Set(["linkerd", "linkerd-cni", "nvidia-device-plugin", "cert-manager", "cnpg-system", "kube-system", "system-upgrade", "kured", "groundwork-node-metrics"]);
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
