/**
 * Where the stack's pods go outside the cluster, from config: the destinations the components'
 * egress allowances name (components/platform/egress.ts). Components decide which of their pods
 * need a destination; this file decides where it is.
 */
import { endpointDestination, endpointsDestinations, EgressDestination } from "../components/platform/egress";
import { StackConfig } from "./config";

/**
 * The identity provider, for the applications that call it themselves (discovery, token,
 * userinfo, keys): its issuer and the endpoints config names. None without SSO.
 */
export function identityProviderDestinations(config: StackConfig): EgressDestination[] {
    const sso = config.access?.sso;
    if (!sso) return [];
    return endpointsDestinations([sso.issuer, ...(sso.oauthEndpoints ? [sso.oauthEndpoints.tokenUrl, sso.oauthEndpoints.userinfoUrl] : [])]);
}

/** The ACME directory cert-manager orders certificates from, and HTTP-01 self-checks (port 80 of the stack's hosts). */
export function acmeDestinations(config: StackConfig): EgressDestination[] | undefined {
    const tls = config.access?.tls;
    if (tls?.issuer !== "acme") return undefined;
    return [endpointDestination(tls.acmeServer), { kind: "public", ports: [80] }];
}
