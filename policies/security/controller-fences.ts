import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE_TYPES } from "../helm-releases";
import { AdmissionRequest, admissionOutcome } from "./admission-policies";

/** Helm's `trunc max | trimSuffix "-"`: trimSuffix drops one dash, not a run of them. */
const truncated = (name: string, max: number) => name.slice(0, max).replace(/-$/, "");

/** Helm's fullname, as both charts write it: fullnameOverride, else the release if it holds the name, else `<release>-<name>`, cut to `max`. */
function fullname(release: PolicyResource, name: string, max: number): string {
    const values = release.props.values ?? {};
    const releaseName = String(release.props.name ?? release.name);
    const chartName = values.nameOverride || name;
    return truncated(String(values.fullnameOverride || (releaseName.includes(chartName) ? releaseName : `${releaseName}-${chartName}`)), max);
}

/**
 * The account of a chart that names it `serviceAccount.name`, else its fullname, else `default` when
 * it makes none: kured (charts@kured-6.1.0 templates/_helpers.tpl kured.serviceAccountName) and the
 * barman-cloud plugin (charts@plugin-barman-cloud-v0.7.0 templates/_helpers.tpl L67-73) alike.
 */
function chartAccount(release: PolicyResource, name: string): string {
    const account = release.props.values?.serviceAccount ?? {};
    if (account.name) return String(account.name);
    return account.create === false ? "default" : fullname(release, name, 63);
}

/**
 * The prometheus-operator's account: `prometheusOperator.serviceAccount.name` if set, else the
 * operator's fullname, or `default` when the chart makes no account
 * (kube-prometheus-stack-88.5.3 templates/_helpers.tpl L27-35, L90-96; deployment.yaml L235).
 */
function prometheusOperatorAccount(release: PolicyResource): string {
    const operator = release.props.values?.prometheusOperator ?? {};
    if (operator.serviceAccount?.name) return String(operator.serviceAccount.name);
    if (operator.serviceAccount?.create === false) return "default";
    return operator.fullnameOverride ? truncated(String(operator.fullnameOverride), 35) : `${fullname(release, "kube-prometheus-stack", 26)}-operator`;
}

interface FencedController {
    /** The chart, by name. */
    chart: RegExp;
    /** What the chart lets it do, and where that is written. */
    rights: string;
    /** Its pods' ServiceAccount in the release's namespace. */
    account: (release: PolicyResource) => string;
    /** Requests only a thief of its token would make: a fence must refuse every one. */
    thefts: AdmissionRequest[];
}

/** A token Secret for `account`, which the token controller fills: how a Secret writer mints any account's token. */
const tokenSecret = (namespace: string, account: string, labels: Record<string, string> = {}): AdmissionRequest => ({
    group: "", version: "v1", resource: "secrets", operation: "CREATE", namespace, name: `${account}-token`,
    object: { metadata: { labels, annotations: { "kubernetes.io/service-account.name": account } }, type: "kubernetes.io/service-account-token" },
});
/** A RoleBinding handing a Role to everyone signed in: how an RBAC writer outlives the token's rotation. */
const bindingToEveryone = (namespace: string, name: string): AdmissionRequest => ({
    group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", operation: "CREATE", namespace, name,
    object: { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name }, subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:authenticated" }] },
});

/**
 * Controllers whose charts bind them cluster-wide to write what runs pods or holds secrets, which no
 * value narrows (chart-models review s22b F1, F2; controller RBAC review s23 F1, F5): the plan must hold an admission policy that
 * refuses them a request outside what they do.
 */
const FENCED: FencedController[] = [
    {
        chart: /(^|\/)vault-secrets-operator$/,
        rights: "mint a token for any ServiceAccount, patch any workload and write any Secret (hashicorp/vault-secrets-operator@v1.4.1 chart/templates/role.yaml L35-67)",
        // chart/templates/_helpers.tpl L18-29, deployment.yaml L148: no value names the account.
        account: (r) => `${fullname(r, "vault-secrets-operator", 63)}-controller-manager`,
        thefts: [{ group: "", version: "v1", resource: "serviceaccounts", subResource: "token", operation: "CREATE", namespace: "system-upgrade", name: "system-upgrade", object: { spec: { audiences: ["https://kubernetes.default.svc"] } } }, tokenSecret("system-upgrade", "system-upgrade", { "app.kubernetes.io/managed-by": "hashicorp-vso" }), { group: "apps", version: "v1", resource: "statefulsets", operation: "UPDATE", namespace: "vault", name: "vault", oldObject: { metadata: {}, spec: { template: { metadata: {}, spec: { containers: [{ name: "vault" }] } } } }, object: { metadata: {}, spec: { template: { metadata: {}, spec: { containers: [{ name: "vault", securityContext: { privileged: true } }] } } } } }],
    },
    {
        chart: /(^|\/)kube-prometheus-stack$/,
        rights: "do anything with StatefulSets, Secrets and ConfigMaps in every namespace (kube-prometheus-stack-88.5.3 templates/prometheus-operator/clusterrole.yaml L38-50)",
        // templates/_helpers.tpl L13-25 (the name is kube-prometheus-stack, cut to 26) and L27-35, L90-96.
        account: prometheusOperatorAccount,
        thefts: [{ group: "apps", version: "v1", resource: "statefulsets", operation: "CREATE", namespace: "kube-system", name: "probe", object: { spec: { template: { spec: { containers: [{ name: "probe", securityContext: { privileged: true } }] } } } } }, { group: "", version: "v1", resource: "secrets", operation: "UPDATE", namespace: "linkerd", name: "linkerd-identity-issuer", oldObject: { type: "kubernetes.io/tls" }, object: { type: "kubernetes.io/tls" } }],
    },
    {
        chart: /(^|\/)kured$/,
        rights: "rewrite its own DaemonSet, in a namespace whose Pod Security is privileged, and patch every Node, from a token on every node (charts@kured-6.1.0 templates/role.yaml L15-18, clusterrole.yaml L15-29)",
        account: (r) => chartAccount(r, "kured"),
        thefts: [{ group: "apps", version: "v1", resource: "daemonsets", operation: "UPDATE", namespace: "kured", name: "kured",
            oldObject: { spec: { template: { spec: { containers: [{ name: "kured" }] } } } },
            object: { spec: { template: { spec: { containers: [{ name: "kured", securityContext: { privileged: true } }] } } } } }, { group: "", version: "v1", resource: "nodes", operation: "UPDATE", namespace: "", name: "server-1", oldObject: { metadata: { labels: { "groundwork.dev/pool": "platform" } }, spec: {} }, object: { metadata: { labels: { "groundwork.dev/pool": "gpu" } }, spec: {} } }],
    },
    {
        chart: /(^|\/)cert-manager$/,
        rights: "create pods and write Secrets in every namespace (cert-manager@v1.21.1 deploy/charts/cert-manager/templates/rbac.yaml L49-133, L180-236)",
        // templates/_helpers.tpl L29-35: serviceAccount.name, else the fullname.
        account: (r) => chartAccount(r, "cert-manager"),
        thefts: [{ group: "", version: "v1", resource: "pods", operation: "CREATE", namespace: "kube-system", name: "probe", object: { spec: { containers: [{ name: "probe", image: "busybox", securityContext: { privileged: true } }] } } }, tokenSecret("system-upgrade", "system-upgrade"),
            // The mesh's trust anchor, which Pulumi made: overwritten, the issuer signs mesh identities with a thief's CA.
            { group: "", version: "v1", resource: "secrets", operation: "UPDATE", namespace: "cert-manager", name: "linkerd-trust-anchor-1", oldObject: { type: "kubernetes.io/tls", metadata: { name: "linkerd-trust-anchor-1" } }, object: { type: "kubernetes.io/tls", metadata: { name: "linkerd-trust-anchor-1", annotations: { "cert-manager.io/certificate-name": "x" } } } }],
    },
    {
        chart: /(^|\/)cert-manager$/,
        rights: "update every webhook configuration, APIService and CRD (cert-manager@v1.21.1 deploy/charts/cert-manager/templates/cainjector-rbac.yaml L14-31)",
        // templates/_helpers.tpl: cainjector.serviceAccountName, cainjector.serviceAccount.name else `<fullname, cut to 52>-cainjector`.
        account: (r) => r.props.values?.cainjector?.serviceAccount?.name ?? `${truncated(fullname(r, "cert-manager", 63), 52)}-cainjector`,
        thefts: [{ group: "admissionregistration.k8s.io", version: "v1", resource: "mutatingwebhookconfigurations", operation: "UPDATE", namespace: "", name: "linkerd-proxy-injector-webhook-config",
            oldObject: { webhooks: [{ name: "linkerd-proxy-injector.linkerd.io", clientConfig: { service: { name: "linkerd-proxy-injector", namespace: "linkerd" } } }] },
            object: { webhooks: [{ name: "linkerd-proxy-injector.linkerd.io", clientConfig: { url: "https://thief.invalid/mutate" } }] } }, { group: "apiregistration.k8s.io", version: "v1", resource: "apiservices", operation: "UPDATE", namespace: "", name: "v1beta1.metrics.k8s.io", oldObject: { spec: { service: { name: "metrics-server", namespace: "kube-system" } } }, object: { spec: { service: { name: "thief", namespace: "kube-system" } } } }],
    },
    {
        chart: /(^|\/)cloudnative-pg$/,
        rights: "exec into any pod, run pods and Jobs, and write Secrets, ServiceAccounts and Roles in every namespace (cloudnative-pg/charts@cloudnative-pg-v0.29.0 charts/cloudnative-pg/templates/_helpers.tpl L80-151, L273-316)",
        // templates/_helpers.tpl L24-34, L67-73.
        account: (r) => chartAccount(r, "cloudnative-pg"),
        thefts: [{ group: "", version: "v1", resource: "pods", subResource: "exec", operation: "CONNECT", namespace: "system-upgrade", name: "apply-k3s-server", object: { kind: "PodExecOptions", command: ["sh"] } }, { group: "batch", version: "v1", resource: "jobs", operation: "CREATE", namespace: "kube-system", name: "probe", object: { spec: { template: { spec: { containers: [{ name: "probe", securityContext: { privileged: true } }] } } } } }, bindingToEveryone("groundwork-data", "postgres")],
    },
    {
        chart: /(^|\/)linkerd-control-plane$/,
        rights: "write EndpointSlices and Leases in every namespace (linkerd/linkerd2@edge-26.8.3 charts/linkerd-control-plane/templates/destination-rbac.yaml L29-53)",
        // A fixed name in the chart (destination-rbac.yaml L55-59).
        account: () => "linkerd-destination",
        thefts: [{ group: "discovery.k8s.io", version: "v1", resource: "endpointslices", operation: "CREATE", namespace: "vault", name: "vault-stolen", object: { metadata: { labels: { "kubernetes.io/service-name": "vault" } }, endpoints: [{ addresses: ["203.0.113.9"] }] } }, { group: "coordination.k8s.io", version: "v1", resource: "leases", operation: "UPDATE", namespace: "kube-system", name: "kube-controller-manager", oldObject: {}, object: { spec: { holderIdentity: "thief" } } }],
    },
    {
        chart: /(^|\/)cluster-autoscaler$/,
        rights: "update every Node, its labels and taints included (cluster-autoscaler-chart-9.53.0 templates/clusterrole.yaml L28-39)",
        // templates/_helpers.tpl: rbac.serviceAccount.name, else the fullname, `<release>-<cloudProvider>-cluster-autoscaler`
        // unless the release is that name (ne, not contains).
        account: (r) => {
            const values = r.props.values ?? {};
            if (values.rbac?.serviceAccount?.name) return String(values.rbac.serviceAccount.name);
            if (values.fullnameOverride) return truncated(String(values.fullnameOverride), 63);
            const name = values.nameOverride || `${values.cloudProvider ?? "aws"}-cluster-autoscaler`; // values.yaml L141: aws.
            const release = String(r.props.name ?? r.name);
            return truncated(release === name ? name : `${release}-${name}`, 63);
        },
        thefts: [{ group: "", version: "v1", resource: "nodes", operation: "UPDATE", namespace: "", name: "server-1",
            oldObject: { metadata: { labels: { "groundwork.dev/pool": "platform" } } },
            object: { metadata: { labels: { "groundwork.dev/pool": "gpu" } } } }, { group: "", version: "v1", resource: "pods", subResource: "status", operation: "UPDATE", namespace: "vault", name: "vault-0", oldObject: { status: { podIP: "10.42.0.9" } }, object: { status: { podIP: "203.0.113.9" } } }],
    },
    {
        chart: /(^|\/)plugin-barman-cloud$/,
        rights: "create and read Secrets in every namespace, a service account token Secret included (charts@plugin-barman-cloud-v0.7.0 templates/rbac.yaml L40-49)",
        account: (r) => chartAccount(r, "plugin-barman-cloud"),
        thefts: [{ group: "", version: "v1", resource: "secrets", operation: "CREATE", namespace: "cnpg-system", name: "token", object: { type: "kubernetes.io/service-account-token" } }, bindingToEveryone("groundwork-data", "postgres-barman-cloud")],
    },
    {
        chart: /(^|\/)jupyterhub$/,
        rights: "create pods and Secrets in its namespace from a pod that takes every signed-in person's requests (jupyterhub/zero-to-jupyterhub-k8s@4.4.0 jupyterhub/templates/hub/rbac.yaml L9-11)",
        // templates/_helpers-names.tpl: the hub's account is the hub's fullname, `hub` with the chart's default fullnameOverride "".
        account: (r) => String(r.props.values?.hub?.serviceAccount?.name ?? "hub"),
        thefts: [{ group: "", version: "v1", resource: "pods", operation: "CREATE", namespace: "groundwork-notebooks", name: "jupyter-probe", object: { metadata: { name: "jupyter-probe" }, spec: { serviceAccountName: "notebooks-secrets", containers: [{ name: "probe", image: "busybox" }] } } },
            tokenSecret("groundwork-notebooks", "notebooks-secrets")],
    },
    {
        chart: /(^|\/)keda$/,
        rights: "create Jobs in the namespaces it watches and update every validating webhook configuration and APIService (kedacore/charts@v2.19.0 keda/templates/manager/clusterrole.yaml L120-131, minimal-rbac.yaml L94-115)",
        // values.yaml L327-332: serviceAccount.operator.name, else serviceAccount.name (minimal-rbac.yaml L68).
        account: (r) => String(r.props.values?.serviceAccount?.operator?.name ?? r.props.values?.serviceAccount?.name ?? "keda-operator"),
        thefts: [{ group: "batch", version: "v1", resource: "jobs", operation: "CREATE", namespace: "groundwork-inference", name: "probe", object: { spec: { template: { spec: { serviceAccountName: "llm-gateway", containers: [{ name: "probe", image: "busybox", envFrom: [{ secretRef: { name: "llm-gateway-keys" } }] }] } } } } },
            { group: "admissionregistration.k8s.io", version: "v1", resource: "validatingwebhookconfigurations", operation: "UPDATE", namespace: "", name: "keda-admission",
                oldObject: { webhooks: [{ name: "vscaledobject.kb.io", rules: [{ operations: ["CREATE", "UPDATE"], resources: ["scaledobjects"] }], clientConfig: { service: { name: "keda-admission-webhooks", namespace: "keda" } } }] },
                object: { webhooks: [{ name: "vscaledobject.kb.io", rules: [{ operations: ["CREATE", "UPDATE"], resources: ["scaledobjects"] }], clientConfig: { service: { name: "keda-admission-webhooks", namespace: "keda" } } }, { name: "secrets.thief.invalid", rules: [{ operations: ["CREATE", "UPDATE"], resources: ["secrets"] }], failurePolicy: "Ignore", clientConfig: { url: "https://thief.invalid/" } }] } }],
    },
];

/**
 * Controllers the stack deploys without a chart, found by their Deployment's image, whose RBAC
 * (the stack's own, copied from upstream) lets them run privileged pods or change every Node.
 */
const FENCED_DEPLOYMENTS: (Omit<FencedController, "chart" | "account"> & { image: RegExp })[] = [
    {
        image: /(^|\/)rancher\/system-upgrade-controller[:@]/,
        rights: "create Jobs in a namespace whose Pod Security is privileged, update every Node and register CRDs (rancher/system-upgrade-controller@v0.20.1 manifests/clusterrole.yaml)",
        thefts: [{ group: "batch", version: "v1", resource: "jobs", operation: "CREATE", namespace: "system-upgrade", name: "probe", object: { spec: { template: { spec: { serviceAccountName: "system-upgrade", containers: [{ name: "upgrade", image: "busybox", command: ["chroot", "/host"], securityContext: { privileged: true } }] } } } } },
            { group: "", version: "v1", resource: "nodes", operation: "UPDATE", namespace: "", name: "server-1", oldObject: { metadata: { labels: { "groundwork.dev/pool": "platform" } }, spec: {} }, object: { metadata: { labels: { "groundwork.dev/pool": "gpu" } }, spec: {} } },
            { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", operation: "UPDATE", namespace: "", name: "certificates.cert-manager.io", oldObject: { metadata: { name: "certificates.cert-manager.io" } }, object: { metadata: { name: "certificates.cert-manager.io" }, spec: { conversion: { strategy: "Webhook" } } } }],
    },
];

/** The first theft a fence would admit from `username`, if any. */
const admittedTheft = (resources: PolicyResource[], thefts: AdmissionRequest[], username: string) => thefts.find((t) => !admissionOutcome(resources, { ...t, username }).denied);
const fenceMissing = (username: string, rights: string, theft: AdmissionRequest) =>
    `${username} may ${rights}, and nothing refuses it a request outside what it does (${theft.operation} ${theft.resource}${theft.subResource ? `/${theft.subResource}` : ""}${theft.namespace ? ` in ${theft.namespace}` : ""} was admitted): whoever takes its token reaches root on a node; add a ValidatingAdmissionPolicy with a Deny binding, matched on its user, that admits only its own writes (as components/platform/vso-admission.ts does)`;

export const controllerWritesFenced: StackValidationPolicy = {
    name: "controller-writes-fenced",
    description: "A controller whose chart binds it cluster-wide to write what runs pods or holds secrets (the Vault Secrets Operator, the prometheus-operator, kured, the barman-cloud plugin, cert-manager's controller and CA injector, the CloudNativePG operator, Linkerd's destination controller, the cluster autoscaler, JupyterHub's hub, KEDA's operator, system-upgrade-controller) is held by a ValidatingAdmissionPolicy to what it does: a request of its own outside that is denied.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const release of args.resources.filter((r) => HELM_RELEASE_TYPES.includes(r.type))) {
            for (const fenced of FENCED.filter((f) => f.chart.test(String(release.props.chart ?? "")))) {
                const username = `system:serviceaccount:${release.props.namespace ?? "default"}:${fenced.account(release)}`;
                const theft = admittedTheft(args.resources, fenced.thefts, username);
                if (theft) report(fenceMissing(username, fenced.rights, theft), release.urn);
            }
        }
        for (const deployment of args.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment")) {
            const pod = deployment.props.spec?.template?.spec ?? {};
            const images: string[] = (pod.containers ?? []).map((c: { image?: string }) => String(c.image ?? ""));
            for (const fenced of FENCED_DEPLOYMENTS.filter((f) => images.some((i) => f.image.test(i)))) {
                const username = `system:serviceaccount:${deployment.props.metadata?.namespace ?? "default"}:${pod.serviceAccountName ?? "default"}`;
                const theft = admittedTheft(args.resources, fenced.thefts, username);
                if (theft) report(fenceMissing(username, fenced.rights, theft), deployment.urn);
            }
        }
    },
};
