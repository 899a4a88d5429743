import type { PolicyResource } from "@pulumi/policy";

/**
 * What a route's service reference reaches, as far as the stack's own resources say, for rules that
 * judge routes by their backend (routes.ts). Traefik follows:
 * - a Service of type ExternalName to its external name (`allowExternalNameServices`; the ingress
 *   reaches backends in other namespaces through such aliases, components/ingress/ingress-backend.ts);
 * - a TraefikService to the services it weighs or mirrors (traefik.io_TraefikService_v1alpha1:
 *   `spec.weighted.services`, `spec.mirroring` and its `mirrors`);
 * - `<name>@internal` to Traefik itself: `noop@internal` answers nothing, the others are Traefik's
 *   own API, dashboard, ping and metrics (doc.traefik.io/traefik/v3.7 operations/api).
 * A reference this cannot follow to one Service is `unknown`, with why: rules then cannot tell what
 * the route exposes (review s19 D1).
 */

const SERVICE = "kubernetes:core/v1:Service";
const TRAEFIK_SERVICE = "kubernetes:traefik.io/v1alpha1:TraefikService";
/** A cluster Service by its full name: the only external name an alias may have and still be followed. */
const CLUSTER_SERVICE_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc\.cluster\.local\.?$/;
/** Aliases of aliases are followed this deep, then refused as a chain that does not end. */
const MAX_HOPS = 8;

export interface ServiceRef {
    name: string;
    kind?: string;
    namespace?: string;
}

export type Backend =
    /** A Service, by name; `via` is the alias the route names, when it is not this Service. */
    | { kind: "service"; name: string; via?: string }
    /** Traefik's own API, dashboard, ping or metrics. */
    | { kind: "traefik-internal"; name: string }
    /** A reference that cannot be followed to one Service, with why. */
    | { kind: "unknown"; name: string; why: string };

type Resources = Pick<PolicyResource, "type" | "name" | "props">[];

const key = (namespace: string, name: string) => `${namespace}/${name}`;
const byNamespacedName = (resources: Resources, type: string) => new Map(resources.filter((r) => r.type === type)
    .map((r) => [key(String(r.props.metadata?.namespace ?? "default"), String(r.props.metadata?.name ?? r.name)), r.props] as const));

/** The backends a reference from a route in `namespace` reaches. */
export function backendResolver(resources: Resources): (namespace: string, ref: ServiceRef) => Backend[] {
    const services = byNamespacedName(resources, SERVICE);
    const traefikServices = byNamespacedName(resources, TRAEFIK_SERVICE);

    const resolve = (namespace: string, ref: ServiceRef, hops: number, via: string | undefined): Backend[] => {
        const ns = ref.namespace ?? namespace;
        if (hops > MAX_HOPS) return [{ kind: "unknown", name: via ?? ref.name, why: `a chain of more than ${MAX_HOPS} aliases, which may not end` }];
        if (ref.kind === "TraefikService") {
            if (ref.name === "noop@internal") return [];
            if (ref.name.endsWith("@internal")) return [{ kind: "traefik-internal", name: ref.name }];
            if (ref.name.includes("@")) return [{ kind: "unknown", name: ref.name, why: "a service of another Traefik provider, which the stack does not declare" }];
            const spec = traefikServices.get(key(ns, ref.name))?.spec;
            if (spec === undefined) return [{ kind: "unknown", name: ref.name, why: "a TraefikService the stack does not declare" }];
            const refs: ServiceRef[] = [...(spec.weighted?.services ?? []), ...(spec.mirroring ? [spec.mirroring, ...(spec.mirroring.mirrors ?? [])] : [])];
            return refs.flatMap((r) => resolve(ns, r, hops + 1, via ?? ref.name));
        }
        const service = services.get(key(ns, ref.name));
        // A Service a chart renders is not among the stack's resources: judged by its name.
        if (service === undefined) return [{ kind: "service", name: ref.name, via }];
        if (service.spec?.type === "ExternalName") {
            const external = String(service.spec?.externalName ?? "");
            const target = CLUSTER_SERVICE_NAME.exec(external.toLowerCase());
            if (!target) return [{ kind: "unknown", name: via ?? ref.name, why: `an ExternalName to ${external}, which is not one cluster Service's full name (<name>.<namespace>.svc.cluster.local)` }];
            return resolve(target[3], { name: target[1] }, hops + 1, via ?? ref.name);
        }
        if (Object.keys(service.spec?.selector ?? {}).length === 0) {
            return [{ kind: "unknown", name: via ?? ref.name, why: "a Service without a selector, whose endpoints anyone who may write EndpointSlices chooses" }];
        }
        return [{ kind: "service", name: ref.name, via }];
    };
    return (namespace, ref) => resolve(namespace, ref, 0, undefined);
}
