import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE_TYPES } from "../helm-releases";

/**
 * Traefik, the internet-facing pod, reads and caches every Secret of each namespace it watches: its
 * Kubernetes providers watch Secrets wherever they watch routes (traefik/traefik@v3.7.9
 * pkg/provider/kubernetes/crd/client.go L159-253, a Secrets informer per watched namespace, or
 * cluster-wide when none is named). The chart grants that through a ClusterRole unless
 * `rbac.namespaced` is set, which gives it a Role in its own namespace and in each one listed under
 * `providers.*.namespaces`, `providers.kubernetesIngressNGINX.watchNamespace` or `hub.namespaces`;
 * a provider then watches its list, or its own namespace when the list is empty
 * (traefik/traefik-helm-chart@v41.3.0 templates/rbac/clusterrole.yaml L2 and L37-44,
 * templates/rbac/role.yaml L2-14, _helpers.tpl L188-202, _podtemplate.tpl L574-575 and L617-618).
 * `rbac.enabled: false` leaves its permissions to whoever binds them. Whoever takes over Traefik
 * holds what it can read (security review s18 M1), so it watches its own namespace alone, where
 * routes, certificates and backend aliases live. There it reads no IngressClass, so it serves an
 * Ingress only by the `kubernetes.io/ingress.class` annotation (traefik/traefik@v3.7.9
 * pkg/provider/kubernetes/ingress/kubernetes.go L218-219, L234-256, L547-557).
 */

/** Traefik's own kinds: whichever Traefik runs, it reads them only where it watches. */
const TRAEFIK_KINDS = new Set([
    "kubernetes:traefik.io/v1alpha1:IngressRoute", "kubernetes:traefik.io/v1alpha1:IngressRouteTCP", "kubernetes:traefik.io/v1alpha1:IngressRouteUDP",
    "kubernetes:traefik.io/v1alpha1:Middleware", "kubernetes:traefik.io/v1alpha1:MiddlewareTCP", "kubernetes:traefik.io/v1alpha1:TraefikService",
    "kubernetes:traefik.io/v1alpha1:ServersTransport", "kubernetes:traefik.io/v1alpha1:TLSOption", "kubernetes:traefik.io/v1alpha1:TLSStore",
]);
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const ISSUERS = ["kubernetes:cert-manager.io/v1:ClusterIssuer", "kubernetes:cert-manager.io/v1:Issuer"];
const BINDINGS = ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"];

/** The namespaces the chart gives Traefik a Role in and watches, besides its own (role.yaml L2-8). */
function otherWatchedNamespaces(values: Record<string, any>, own: string): string[] {
    const providers = values.providers ?? {};
    const listed: unknown[] = [
        ...["kubernetesCRD", "kubernetesIngress", "knative"].flatMap((p) => providers[p]?.namespaces ?? []),
        ...(providers.kubernetesIngressNGINX?.enabled ? [providers.kubernetesIngressNGINX.watchNamespace].flat() : []),
        ...(values.hub?.namespaces ?? []),
    ];
    return [...new Set(listed.filter((ns): ns is string => typeof ns === "string" && ns !== "" && ns !== own))];
}

interface TraefikRelease {
    urn: string;
    name: string;
    namespace: string;
    values: Record<string, any>;
}

/** Traefik's chart by name, from a repository or an OCI registry (`oci://ghcr.io/traefik/helm/traefik`). */
const isTraefikChart = (chart: unknown) => typeof chart === "string" && /(^|\/)traefik$/.test(chart);

function traefikReleases(resources: PolicyResource[]): TraefikRelease[] {
    return resources.filter((r) => HELM_RELEASE_TYPES.includes(r.type) && isTraefikChart(r.props.chart)).map((r) => ({
        urn: r.urn,
        name: String(r.props.name ?? r.name),
        namespace: String(r.props.namespace ?? "default"),
        values: r.props.values ?? {},
    }));
}

/** The chart's ServiceAccount: `serviceAccount.name`, else the fullname, which is the release name if it holds "traefik", else `<release>-traefik` (_helpers.tpl L74-85, L127-129). */
const serviceAccountOf = (t: TraefikRelease) => t.values.serviceAccount?.name || t.values.fullnameOverride || (t.name.includes("traefik") ? t.name : `${t.name}-traefik`);

/** The ingress class an Ingress names, by field or by the annotation Traefik reads without IngressClasses. */
const ingressClassOf = (props: any): string | undefined =>
    props.spec?.ingressClassName ?? props.metadata?.annotations?.["kubernetes.io/ingress.class"];

export const ingressReadsOwnNamespace: StackValidationPolicy = {
    name: "ingress-reads-own-namespace",
    description: "The internet-facing ingress controller (Traefik) can read Secrets only in its own namespace (namespaced RBAC, no other watched namespace), and every route it serves lives there.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const releases = traefikReleases(args.resources);
        for (const t of releases) {
            const where = `Traefik release ${t.name} in ${t.namespace}`;
            if (t.values.rbac?.enabled === false) {
                report(`${where} has rbac.enabled false: the chart binds nothing, and whatever binding Traefik is given instead decides which Secrets it reads; set rbac.enabled and rbac.namespaced to true`, t.urn);
            } else if (t.values.rbac?.namespaced !== true) {
                report(`${where} reads every Secret in the cluster (without rbac.namespaced the chart binds a ClusterRole that reads Secrets everywhere, and Traefik caches those of every namespace it watches); set rbac.namespaced: true and keep its routes, certificates and backend aliases in ${t.namespace}`, t.urn);
            }
            const others = otherWatchedNamespaces(t.values, t.namespace);
            if (others.length > 0) {
                report(`${where} also watches ${others.join(", ")} (providers.*.namespaces, providers.kubernetesIngressNGINX.watchNamespace or hub.namespaces), and so reads every Secret there; remove them and route to their Services through ExternalName aliases in ${t.namespace}`, t.urn);
            }
            // Any other binding of its ServiceAccount: a ClusterRoleBinding anywhere, a RoleBinding outside its namespace.
            const account = serviceAccountOf(t);
            for (const b of args.resources.filter((r) => BINDINGS.includes(r.type))) {
                const bindsTraefik = (b.props.subjects ?? []).some((x: any) => x?.kind === "ServiceAccount" && x.name === account && (x.namespace ?? b.props.metadata?.namespace) === t.namespace);
                const namespace = b.props.metadata?.namespace;
                if (bindsTraefik && (b.type.endsWith(":ClusterRoleBinding") || namespace !== t.namespace)) {
                    const kind = b.type.split(":").pop();
                    report(`${kind} ${namespace ? `${namespace}/` : ""}${b.props.metadata?.name ?? b.name} binds ${t.namespace}/${account}, ${where}'s ServiceAccount, ${kind === "ClusterRoleBinding" ? "cluster-wide" : `in ${namespace}`}; the internet-facing ingress gets rights only in its own namespace, through the chart's Role`, b.urn);
                }
            }
        }
        if (releases.length === 0) return;
        const served = new Set(releases.map((t) => t.namespace));
        const ingressClasses = new Set(releases.map((t) => t.values.providers?.kubernetesIngress?.ingressClass).filter((c): c is string => typeof c === "string"));
        const fix = `put it in ${[...served].join(" or ")}, with its certificate, and reach a backend elsewhere through an ExternalName Service there`;
        const namespaced = releases.some((t) => t.values.rbac?.namespaced === true);
        for (const r of args.resources) {
            const namespace = String(r.props.metadata?.namespace ?? "default");
            const className = r.props.spec?.ingressClassName;
            if (namespaced && r.type === INGRESS && ingressClasses.has(className)) {
                report(`Ingress ${namespace}/${r.props.metadata?.name ?? r.name} names its class in spec.ingressClassName (${className}); Traefik with namespaced RBAC reads no IngressClass and never serves it: set the kubernetes.io/ingress.class annotation instead`, r.urn);
            }
            if (namespaced && ISSUERS.includes(r.type)) {
                (r.props.spec?.acme?.solvers ?? []).forEach((solver: any, i: number) => {
                    const solverClass = solver?.http01?.ingress?.ingressClassName;
                    if (ingressClasses.has(solverClass)) {
                        report(`${r.type.split(":").pop()} ${r.props.metadata?.name ?? r.name} solvers[${i}].http01.ingress.ingressClassName is ${solverClass}: its challenge Ingresses name the class by a field Traefik with namespaced RBAC never reads, so no certificate is issued; set http01.ingress.class`, r.urn);
                    }
                });
            }
            if (served.has(namespace)) continue;
            const kind = r.type.split(":").pop();
            const name = `${kind} ${namespace}/${r.props.metadata?.name ?? r.name}`;
            if (TRAEFIK_KINDS.has(r.type)) {
                report(`${name} is outside the ingress controller's namespace, the only one it reads; Traefik never serves it: ${fix}`, r.urn);
            } else if (r.type === INGRESS && ingressClasses.has(ingressClassOf(r.props) ?? "")) {
                report(`${name} names the ingress class ${ingressClassOf(r.props)} outside the ingress controller's namespace, the only one it reads; Traefik never serves it: ${fix}`, r.urn);
            }
        }
    },
};
