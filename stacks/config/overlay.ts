import { z } from "zod";
import { OVERLAYS } from "../../components/k3s/bootstrap";

/** How a site's nodes reach the rest of the cluster; every site of a stack must agree (k3s requires it). */
export const overlay = z.enum(OVERLAYS).default("private")
    .describe("`private` (one site, VXLAN), `wireguard-native` (external IPs) or `tailscale` (behind NAT); the same on every site.");
