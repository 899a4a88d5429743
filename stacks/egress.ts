/**
 * Where the stack's pods go outside the cluster, from config: the destinations the components'
 * egress allowances name (components/platform/egress.ts). Components decide which of their pods
 * need a destination; this file decides where it is.
 */
import { endpointDestination, EgressDestination } from "../components/platform/egress";
import { StackConfig } from "./config";

/** One destination per distinct address and port. */
function distinct(destinations: EgressDestination[]): EgressDestination[] {
    return [...new Map(destinations.map((d) => [JSON.stringify(d), d])).values()];
}

/**
 * The identity provider, for the applications that call it themselves (discovery, token,
 * userinfo, keys): its issuer and the endpoints config names. None without SSO.
 */
export function identityProviderDestinations(config: StackConfig): EgressDestination[] {
    const sso = config.access?.sso;
    if (!sso) return [];
    const urls = [sso.issuer, ...(sso.oauthEndpoints ? [sso.oauthEndpoints.tokenUrl, sso.oauthEndpoints.userinfoUrl] : [])];
    return distinct(urls.map(endpointDestination));
}

/** The ACME directory cert-manager orders certificates from, and HTTP-01 self-checks (port 80 of the stack's hosts). */
export function acmeDestinations(config: StackConfig): EgressDestination[] | undefined {
    const tls = config.access?.tls;
    if (tls?.issuer !== "acme") return undefined;
    return distinct([endpointDestination(tls.acmeServer), { kind: "public", ports: [80] }]);
}
