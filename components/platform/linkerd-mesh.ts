import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { pinnedRelease } from "../pinned-chart";
import { ControllerAdmission } from "../admission-policy";
import { linkerdDestinationFence } from "./linkerd-destination-admission";
import { Scheduling } from "../placement";
import { add, cpuMillis, Footprint, memoryMi, Requests } from "./footprint";
import { guardedNamespace } from "./guarded-namespace";
import { MeshIdentity, TrustAnchorGenerations } from "./mesh-identity";
import { allowIngress, apiServerCallers, LINKERD_INBOUND_PORT } from "./network-isolation";
import { NOT_SCRAPED_ANNOTATION } from "../observability/scraper";
import { EgressDestination } from "./egress";

/**
 * Linkerd's edge charts, pinned (the stable channel has published nothing since 2024).
 * Evidence: linkerd/linkerd2@edge-26.8.3 (2026-08-21), the newest edge release tag; its charts are
 * published as `2026.8.3` (linkerd/linkerd2@edge-26.8.3:bin/compute-edge-version turns edge-YY.M.X
 * into the chart version 20YY.M.X; each charts/<name>/Chart.yaml holds 0.0.0-undefined in git). No edge-26.9.x
 * tag exists (checked 2026-11-27).
 */
const LINKERD_EDGE = { repo: "https://helm.linkerd.io/edge", version: "2026.8.3" } as const;
export const LINKERD_CHARTS = {
    crds: { ...LINKERD_EDGE, chart: "linkerd-crds", evidence: "linkerd/linkerd2@edge-26.8.3:charts/linkerd-crds/Chart.yaml" },
    controlPlane: {
        ...LINKERD_EDGE, chart: "linkerd-control-plane", evidence: "linkerd/linkerd2@edge-26.8.3:charts/linkerd-control-plane/Chart.yaml",
        // templates/proxy-injector-rbac.yaml and destination-rbac.yaml make the webhooks' TLS
        // certificates with genSelfSignedCert, and checksum them onto the Deployments: as a Chart v4
        // every run would issue new ones and restart the injector, which fails closed.
        installAsHelmRelease: "webhook certificates generated at render time (genSelfSignedCert)",
    },
    // Released with the control plane charts from the same edge release.
    cni: { ...LINKERD_EDGE, chart: "linkerd2-cni", evidence: "linkerd/linkerd2@edge-26.8.3:charts/linkerd2-cni/Chart.yaml" },
} as const;

/**
 * Where k3s keeps its CNI configuration and plugins, which Linkerd's CNI plugin chains into.
 * Source: linkerd/linkerd2 CNI test manifests generated with `linkerd install-cni
 * --dest-cni-net-dir /var/lib/rancher/k3s/agent/etc/cni/net.d/ --dest-cni-bin-dir
 * /var/lib/rancher/k3s/data/cni` "for k3d/k3s" (read 2026-11-25).
 */
export const K3S_CNI_DIRS = {
    destCNINetDir: "/var/lib/rancher/k3s/agent/etc/cni/net.d",
    destCNIBinDir: "/var/lib/rancher/k3s/data/cni",
} as const;

/** Linkerd's identity names. Source: linkerd.io/2/tasks/generate-certificates (read 2026-11-25). */
/**
 * Runs a pod's Linkerd proxy as a native sidecar (an init container that keeps running), so a Job
 * completes when its containers do. The `config.linkerd.io` name; the `config.beta` and
 * `config.alpha` ones are deprecated (linkerd/linkerd2@edge-26.8.3:pkg/k8s/labels.go L282-291,
 * read by pkg/inject/inject.go L429-444).
 */
export const NATIVE_SIDECAR_ANNOTATION = "config.linkerd.io/proxy-enable-native-sidecar";


/** Linkerd's policy for a pod's ports that no Server selects, on a namespace or a pod (the pod's wins). */
export const DEFAULT_INBOUND_POLICY = "config.linkerd.io/default-inbound-policy";

/**
 * What a namespace needs to be meshed: proxy injection, and inbound traffic only from meshed
 * (mTLS-authenticated) clients unless a policy says more.
 */
export const MESHED_NAMESPACE_ANNOTATIONS = {
    "linkerd.io/inject": "enabled",
    [DEFAULT_INBOUND_POLICY]: "all-authenticated",
} as const;

/**
 * The arguments of an application namespace: meshed, with the Pod Security level it enforces.
 * One place for the labels every Groundwork namespace carries.
 */
export function meshedNamespaceArgs(name: string, podSecurity: "restricted" | "baseline", extraLabels: Record<string, string> = {}, extraAnnotations: Record<string, string> = {}): k8s.core.v1.NamespaceArgs {
    return {
        metadata: {
            name,
            annotations: { ...MESHED_NAMESPACE_ANNOTATIONS, ...extraAnnotations },
            labels: { "pod-security.kubernetes.io/enforce": podSecurity, ...extraLabels, "app.kubernetes.io/managed-by": "groundwork" },
        },
    };
}

export interface LinkerdMeshArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** The pod network (k3s `cluster-cidr`): the port the API server calls admits every source but pods (apiServerCallers). */
    podCidr: string;
    /** Three controller replicas with anti-affinity and PDBs. */
    ha: boolean;
    /** The trust anchors: the one that signs the issuer, and any kept beside it during a rotation. */
    trustAnchors: TrustAnchorGenerations;
    /** cert-manager, which issues and renews the identity issuer: it must serve before the control plane starts. */
    certManager: pulumi.Resource;
    /** Where the control plane runs. */
    scheduling?: Scheduling;
}

/** Kubernetes-style resources as Linkerd's chart nests them (`cpu.request`, `memory.limit`). */
function linkerdResources(cpuRequest: string, cpuLimit: string, memoryRequest: string, memoryLimit: string) {
    return { cpu: { request: cpuRequest, limit: cpuLimit }, memory: { request: memoryRequest, limit: memoryLimit } };
}
const linkerdRequests = (r: ReturnType<typeof linkerdResources>): Requests => ({ cpuMillis: cpuMillis(r.cpu.request), memoryMi: memoryMi(r.memory.request) });

/** The sidecar every meshed pod carries. */
export const PROXY_RESOURCES = linkerdResources("20m", "500m", "20Mi", "250Mi");
export const PROXY_REQUESTS = linkerdRequests(PROXY_RESOURCES);
const CONTROLLER_RESOURCES = linkerdResources("50m", "1", "50Mi", "250Mi");
const CNI_RESOURCES = linkerdResources("10m", "100m", "20Mi", "64Mi");

/** A meshed pod's requests: its own and its proxy's. */
export function meshed(requests: Requests): Requests {
    return add(requests, PROXY_REQUESTS);
}

/**
 * Linkerd's own pods: destination (destination, sp-validator and policy containers), identity
 * and proxy-injector, each with a proxy, per controller replica; and the CNI plugin on every node.
 */
export function linkerdFootprint(ha: boolean): Footprint[] {
    const replicas = ha ? 3 : 1;
    const controller = linkerdRequests(CONTROLLER_RESOURCES);
    return [
        { workload: "linkerd-destination", pods: replicas, perPod: meshed(add(controller, controller, controller)) },
        { workload: "linkerd-identity", pods: replicas, perPod: meshed(controller) },
        { workload: "linkerd-proxy-injector", pods: replicas, perPod: meshed(controller) },
        { workload: "linkerd-cni", pods: "per-node", perPod: linkerdRequests(CNI_RESOURCES) },
    ];
}

/**
 * Linkerd: CRDs and the CNI plugin, then the control plane, with trust anchors generated here and
 * an identity issuer cert-manager issues from the signing one and renews daily (`MeshIdentity`).
 */
export class LinkerdMesh extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly trustAnchorPem: pulumi.Output<string>;
    /** The control plane release: workloads that must be meshed depend on it. */
    public readonly controlPlane: pulumi.Resource;

    constructor(name: string, args: LinkerdMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:LinkerdMesh", name, {}, opts);
        const parent = { parent: this };
        const ns = guardedNamespace(name, {
            metadata: {
                name: "linkerd",
                labels: {
                    "linkerd.io/is-control-plane": "true",
                    "config.linkerd.io/admission-webhooks": "disabled",
                    "linkerd.io/control-plane-ns": "linkerd",
                    // Control-plane pods are Linkerd's own manifests; baseline is what we can promise for them.
                    "pod-security.kubernetes.io/enforce": "baseline",
                    "app.kubernetes.io/managed-by": "groundwork",
                },
            },
        }, parent, { egress: { apiServer: { reason: "the control plane watches pods, services and policy resources; the injector and its webhooks are called by, and call, the API server", at: args.apiServer } } });

        // With the injector failing closed, k3s's own pods in kube-system (CoreDNS and the rest)
        // must not wait for it: the injector's webhook skips namespaces with this label
        // (linkerd/linkerd2@edge-26.8.3: charts/linkerd-control-plane/templates/proxy-injector-rbac.yaml namespaceSelector).
        new k8s.core.v1.NamespacePatch(`${name}-kube-system`, {
            metadata: { name: "kube-system", labels: { "config.linkerd.io/admission-webhooks": "disabled" } },
        }, parent);

        const crds = pinnedRelease(`${name}-crds`, LINKERD_CHARTS.crds, {
            name: "linkerd-crds",
            namespace: ns.metadata.name,
            // No Gateway API CRDs: Groundwork routes with Traefik's own CRDs, and k3s's Traefik (whose
            // traefik-crd chart would install them) is disabled. linkerd/linkerd2@edge-26.8.3:
            // charts/linkerd-crds/values.yaml defaults installGatewayAPI to false, and the policy
            // controller skips the watches of route kinds the cluster lacks
            // (policy-controller/runtime/src/args.rs L301-361).
            values: { installGatewayAPI: false },
        }, parent);

        // The CNI plugin sets up each pod's redirects, so meshed pods need no NET_ADMIN init
        // container and their namespaces can enforce Pod Security "restricted".
        const cniNamespace = guardedNamespace(`${name}-cni`, {
            metadata: {
                name: "linkerd-cni",
                // linkerd/linkerd2@edge-26.8.3 charts/linkerd2-cni: only the repair controller (repairController.enabled, default false) has an admin port.
                annotations: { [NOT_SCRAPED_ANNOTATION]: "the CNI installer serves no metrics (its repair controller, which would, is off)" },
                labels: {
                    "config.linkerd.io/admission-webhooks": "disabled",
                    "linkerd.io/cni-resource": "true",
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "app.kubernetes.io/managed-by": "groundwork",
                },
            },
        }, parent);
        const cni = pinnedRelease(`${name}-cni`, LINKERD_CHARTS.cni, {
            name: "linkerd2-cni",
            namespace: cniNamespace.metadata.name,
            values: { ...K3S_CNI_DIRS, resources: CNI_RESOURCES },
        }, parent);

        const identity = new MeshIdentity(`${name}-identity`, { namespace: ns.metadata.name, trustAnchors: args.trustAnchors, certManager: args.certManager }, { parent: this });

        const controller = CONTROLLER_RESOURCES;
        const replicas = args.ha ? 3 : 1;
        this.controlPlane = pinnedRelease(`${name}-control-plane`, LINKERD_CHARTS.controlPlane, {
            name: "linkerd-control-plane",
            namespace: ns.metadata.name,
            values: {
                cniEnabled: true,
                // Every trusted anchor; the chart renders them into linkerd-identity-trust-roots and
                // rolls the control plane when they change (templates/partials _metadata.tpl L5-9).
                identityTrustAnchorsPEM: identity.trustBundlePem,
                // The issuer is cert-manager's Secret (tls.crt, tls.key); the chart renders none
                // of its own with this scheme (templates/identity.yaml L6-22).
                identity: { issuer: { scheme: "kubernetes.io/tls" } },
                controllerReplicas: replicas,
                enablePodAntiAffinity: args.ha,
                enablePodDisruptionBudget: args.ha,
                // Fail closed: with "Ignore" a pod created while the injector is down starts
                // unmeshed and outside every authorization policy. Namespaces that must start
                // without the injector (linkerd, linkerd-cni, kube-system) carry
                // config.linkerd.io/admission-webhooks=disabled.
                webhookFailurePolicy: "Fail",
                // The heartbeat CronJob reports the cluster to Linkerd's version check, and its
                // chart gives it no resources (templates/heartbeat.yaml): off.
                disableHeartBeat: true,
                // values-ha.yaml at edge-26.8.3 sets maxUnavailable 1: with required anti-affinity
                // on exactly three nodes, a surge pod has nowhere to go, so a rollout must first
                // take one replica down.
                ...(args.ha && { deploymentStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: "25%" } } }),
                proxy: { resources: PROXY_RESOURCES },
                destinationResources: controller,
                identityResources: controller,
                proxyInjectorResources: controller,
                spValidatorResources: controller,
                policyController: { resources: controller },
                nodeSelector: args.scheduling?.nodeSelector ?? { "kubernetes.io/os": "linux" },
                tolerations: args.scheduling?.tolerations,
            },
        }, { parent: this, dependsOn: [crds, cni, identity.issuer] });
        // Its account's name is fixed by the chart (templates/destination-rbac.yaml L55-59).
        new ControllerAdmission(`${name}-destination-admission`, { fences: [linkerdDestinationFence({ namespace: "linkerd", serviceAccount: "linkerd-destination" })] }, { parent: this });

        // Every meshed proxy calls identity (8080), destination (8086) and policy (8090), or their
        // proxies' inbound port; the API server calls the webhooks: sp-validator and the policy
        // validator on destination (8443, 9443) and the injector (8443). The chart renders no
        // Server for these; its pods admit all-unauthenticated (linkerd/linkerd2@edge-26.8.3:
        // charts/linkerd-control-plane/templates/identity.yaml, destination.yaml, proxy-injector.yaml).
        allowIngress("linkerd-control-plane", {
            namespace: "linkerd", podSelector: { "linkerd.io/control-plane-ns": "linkerd" }, ports: [8080, 8086, 8090, LINKERD_INBOUND_PORT], from: "cluster",
            reason: "every meshed proxy calls identity, destination and policy",
        }, { parent: this, dependsOn: [ns] });
        allowIngress("linkerd-webhooks", {
            namespace: "linkerd", podSelector: { "linkerd.io/control-plane-ns": "linkerd" }, ports: [8443, 9443], from: apiServerCallers(args.podCidr),
            reason: "the API server calls the injector and the validators",
        }, { parent: this, dependsOn: [ns] });

        this.namespace = ns.metadata.name;
        this.trustAnchorPem = identity.trustBundlePem;
        this.registerOutputs({ namespace: this.namespace, trustAnchorPem: this.trustAnchorPem });
    }
}
