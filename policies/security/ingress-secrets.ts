import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/**
 * Traefik, the internet-facing pod, reads and caches every Secret of each namespace it watches: its
 * Kubernetes providers watch Secrets wherever they watch routes (traefik/traefik@v3.7.9
 * pkg/provider/kubernetes/crd/client.go L159-253, a Secrets informer per watched namespace, or
 * cluster-wide when none is named). The chart grants that through a ClusterRole unless
 * `rbac.namespaced` is set, which gives it a Role in its own namespace and in those listed under
 * `providers.*.namespaces` instead, and makes both providers watch only those
 * (traefik/traefik-helm-chart@v41.3.0 templates/rbac/clusterrole.yaml L2 and L37-44,
 * templates/rbac/role.yaml L2-14, _podtemplate.tpl L574-575 and L617-618). Whoever takes over
 * Traefik holds what it can read (security review s18 M1), so it watches its own namespace alone,
 * where routes, certificates and backend aliases live.
 */

const RELEASE_TYPES = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];
/** Traefik's own kinds: whichever Traefik runs, it reads them only where it watches. */
const TRAEFIK_KINDS = new Set([
    "kubernetes:traefik.io/v1alpha1:IngressRoute", "kubernetes:traefik.io/v1alpha1:IngressRouteTCP", "kubernetes:traefik.io/v1alpha1:IngressRouteUDP",
    "kubernetes:traefik.io/v1alpha1:Middleware", "kubernetes:traefik.io/v1alpha1:MiddlewareTCP", "kubernetes:traefik.io/v1alpha1:TraefikService",
    "kubernetes:traefik.io/v1alpha1:ServersTransport", "kubernetes:traefik.io/v1alpha1:TLSOption", "kubernetes:traefik.io/v1alpha1:TLSStore",
]);
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
/** Providers whose `namespaces` the chart turns into Roles and watched namespaces (values.yaml `providers`). */
const WATCHING_PROVIDERS = ["kubernetesCRD", "kubernetesIngress", "knative"];

interface TraefikRelease {
    urn: string;
    name: string;
    namespace: string;
    values: Record<string, any>;
}

function traefikReleases(resources: PolicyResource[]): TraefikRelease[] {
    return resources.filter((r) => RELEASE_TYPES.includes(r.type) && r.props.chart === "traefik").map((r) => ({
        urn: r.urn,
        name: String(r.props.name ?? r.name),
        namespace: String(r.props.namespace ?? "default"),
        values: r.props.values ?? {},
    }));
}

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
            if (t.values.rbac?.namespaced !== true) {
                report(`${where} reads every Secret in the cluster (without rbac.namespaced the chart binds a ClusterRole that reads Secrets everywhere, and Traefik caches those of every namespace it watches); set rbac.namespaced: true and keep its routes, certificates and backend aliases in ${t.namespace}`, t.urn);
            }
            const others = WATCHING_PROVIDERS.flatMap((p) => (t.values.providers?.[p]?.namespaces ?? []) as string[]).filter((ns) => ns !== t.namespace);
            if (others.length > 0) {
                report(`${where} also watches ${[...new Set(others)].join(", ")} (providers.*.namespaces), and so reads every Secret there; remove them and route to their Services through ExternalName aliases in ${t.namespace}`, t.urn);
            }
        }
        if (releases.length === 0) return;
        const served = new Set(releases.map((t) => t.namespace));
        const ingressClasses = new Set(releases.map((t) => t.values.providers?.kubernetesIngress?.ingressClass).filter((c): c is string => typeof c === "string"));
        const fix = `put it in ${[...served].join(" or ")}, with its certificate, and reach a backend elsewhere through an ExternalName Service there`;
        for (const r of args.resources) {
            const namespace = String(r.props.metadata?.namespace ?? "default");
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
