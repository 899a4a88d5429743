import * as pulumi from "@pulumi/pulumi";
import { byDigest, DigestPinnedImage, digestOf, tagOf } from "../image-digests";
import { ControllerAdmission } from "../admission-policy";
import { certManagerFences } from "./cert-manager-admission";
import { pinnedRelease } from "../pinned-chart";
import { Scheduling } from "../placement";
import { ContainerResources, Footprint, requestsOf } from "./footprint";
import { EgressDestination } from "./egress";
import { guardedNamespace } from "./guarded-namespace";
import { allowIngress, apiServerCallers } from "./network-isolation";

/**
 * cert-manager, pinned: the Barman Cloud plugin's TLS with the CNPG operator needs it.
 * Evidence: cert-manager/cert-manager@v1.21.1 (tagged 2026-07-29), the newest release tag (chart
 * versions carry the "v"; v1.21.2 is quoted only by a third party). Values `crds.enabled`,
 * `crds.keep`, `tolerations` (controller), `webhook.tolerations`, `cainjector.tolerations`,
 * `startupapicheck.tolerations`: deploy/charts/cert-manager/values.yaml at v1.21.1 (checked 2026-11-27).
 */
export const CERT_MANAGER_CHART = { chart: "cert-manager", repo: "https://charts.jetstack.io", version: "v1.21.1", evidence: "cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager/Chart.yaml" } as const;

/** cert-manager's namespace: ClusterIssuers keep their CA and account secrets there. */
export const CERT_MANAGER_NAMESPACE = "cert-manager";
/** The controller's ServiceAccount, as the chart names it for release `cert-manager`. */
export const CERT_MANAGER_CONTROLLER_ACCOUNT = "cert-manager";

/**
 * Each component's image by tag and digest: `cert-manager.image` renders `repo:tag@digest` when both
 * are set, `repo@digest` (tag dropped) with the digest alone (templates/_helpers.tpl L233-240 at v1.21.1).
 */
function pinnedImage(component: "controller" | "webhook" | "cainjector" | "startupapicheck" | "acmesolver"): { tag: string; digest: string } {
    const image: DigestPinnedImage = `quay.io/jetstack/cert-manager-${component}:v1.21.1`;
    return { tag: tagOf(image), digest: digestOf(image) };
}

const RESOURCES: ContainerResources = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };

/** The controller, webhook and CA injector pods. */
export function certManagerFootprint(): Footprint[] {
    return ["cert-manager", "cert-manager-webhook", "cert-manager-cainjector"].map((workload) => ({ workload, pods: 1, perPod: requestsOf(RESOURCES) }));
}

/** The controller's pods (deploy/charts/cert-manager/templates/deployment.yaml L22-26 at v1.21.1; the release is `cert-manager`). */
const CERT_MANAGER_CONTROLLER_PODS = { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": "controller" };

export interface CertManagerArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** The ACME directory and the HTTP-01 self-check's destination, when certificates come from ACME; none for a private CA. */
    acme?: EgressDestination[];
    /** The pod network (k3s `cluster-cidr`): the port the API server calls admits every source but pods (apiServerCallers). */
    podCidr: string;
    scheduling?: Scheduling;
    /** Other charts' webhook configurations annotated `cert-manager.io/inject-ca-from*`, whose CA bundle the CA injector writes. */
    caInjectionTargets?: string[];
    /** The Secrets, in cert-manager's namespace, the ACME ClusterIssuers keep their account keys in (`privateKeySecretRef`): the one Secret it creates unissued. */
    acmeAccountKeys?: string[];
}

export class CertManager extends pulumi.ComponentResource {
    public readonly release: pulumi.Resource;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:CertManager", name, {}, opts);
        const ns = guardedNamespace(name, {
            metadata: { name: CERT_MANAGER_NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "restricted", "app.kubernetes.io/managed-by": "groundwork" } },
        }, { parent: this }, { egress: { apiServer: { reason: "cert-manager's controller, webhook and CA injector work through the API", at: args.apiServer }, allow: args.acme ? [{ name: "acme", podSelector: CERT_MANAGER_CONTROLLER_PODS, to: args.acme, reason: "the controller orders certificates from the ACME directory and checks each HTTP-01 challenge on port 80 of the stack's hosts first" }] : [] } });
        const placement = { nodeSelector: args.scheduling?.nodeSelector, tolerations: args.scheduling?.tolerations };
        this.release = pinnedRelease(name, CERT_MANAGER_CHART, {
            name: "cert-manager",
            namespace: ns.metadata.name,
            values: {
                crds: { enabled: true, keep: true },
                image: pinnedImage("controller"),
                resources: RESOURCES,
                webhook: { image: pinnedImage("webhook"), resources: RESOURCES, ...placement },
                cainjector: { image: pinnedImage("cainjector"), resources: RESOURCES, ...placement },
                // The post-install hook Job (helm.sh/hook: post-install, from startupapicheck.jobAnnotations):
                // Chart v4 does not run hooks, but a Helm install would, and it must land too.
                startupapicheck: { image: pinnedImage("startupapicheck"), resources: RESOURCES, ...placement },
                // The HTTP-01 solver's pods, which the controller creates per challenge from its
                // --acme-http01-solver-image flag (templates/deployment.yaml L117 at v1.21.1).
                acmesolver: { image: pinnedImage("acmesolver") },
                ...placement,
            },
        }, { parent: this });
        // Its accounts are the chart's fullnames for the release `cert-manager` (templates/_helpers.tpl
        // L13-35 cert-manager.serviceAccountName, cainjector.serviceAccountName); its webhook
        // configurations are named webhook.fullname (L55-58), and the solver image is the chart's
        // `repo:tag@digest` (L233-240, deployment.yaml L117).
        new ControllerAdmission(`${name}-admission`, { fences: certManagerFences({
            namespace: CERT_MANAGER_NAMESPACE,
            controllerAccount: CERT_MANAGER_CONTROLLER_ACCOUNT,
            caInjectorAccount: "cert-manager-cainjector",
            solverImage: byDigest("quay.io/jetstack/cert-manager-acmesolver:v1.21.1"),
            injectedWebhookConfigurations: ["cert-manager-webhook", ...(args.caInjectionTargets ?? [])],
            acmeAccountKeys: args.acmeAccountKeys ?? [],
        }) }, { parent: this });
        // The API server calls the webhook (`https`, 10250: cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager/templates/webhook-deployment.yaml).
        allowIngress("cert-manager-webhook", {
            namespace: CERT_MANAGER_NAMESPACE, podSelector: { "app.kubernetes.io/name": "webhook", "app.kubernetes.io/instance": "cert-manager" }, ports: [10250], from: apiServerCallers(args.podCidr),
            reason: "the API server calls cert-manager's admission webhook",
        }, { parent: this, dependsOn: [ns] });
        this.registerOutputs({});
    }
}
