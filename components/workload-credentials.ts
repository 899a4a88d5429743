/**
 * Why a workload holds a long-lived cloud key instead of a role, said on the key's user (the
 * security pack's `cloud-key-justified` reads it): AWS tag and OCI freeform tag.
 */
export const NO_ROLE_TAG = "groundwork-no-role";

/**
 * Why a pod in k3s holds a key of its own: an instance role (AWS instance profile, OCI instance
 * principal) reaches a process only through the metadata service, which is closed to pods (IMDSv2
 * hop limit 1 on AWS, and a NetworkPolicy in every namespace), and k3s has no OIDC issuer that
 * IAM roles for service accounts could trust. AWS IAM tag values allow letters, digits, spaces and
 * `_ . : / = + - @` only.
 */
export const POD_NO_ROLE = "k3s pods cannot reach an instance role: the metadata service is closed to them by hop limit 1 and a NetworkPolicy and k3s has no OIDC issuer for workload identity";

/** The same on OCI, whose metadata service has no hop limit: a NetworkPolicy alone closes it (components/platform/egress.ts; issue 12 audit s26). */
export const OCI_POD_NO_ROLE = "k3s pods cannot reach an instance principal: the metadata service, which has no hop limit on OCI, is closed to them by a NetworkPolicy in every namespace, and k3s has no OIDC issuer for workload identity";
