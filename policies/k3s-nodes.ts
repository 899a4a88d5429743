/**
 * How cloud nodes say what they are to the packs: the tags Groundwork gives every OCI instance
 * (freeformTags) and AWS instance (tags) (components/k3s/bootstrap.ts K3S_ROLE_TAG,
 * ETCD_SNAPSHOT_TAG). Edge machines carry no tags.
 */
export const K3S_ROLE_TAG = "groundwork-k3s-role";
export const ETCD_SNAPSHOT_TAG = "groundwork-etcd-snapshot-hours";

/** A cloud node's tags, whichever provider's field holds them. */
export const cloudTags = (props: Record<string, any>): Record<string, string> => props.freeformTags ?? props.tags ?? {};

/** A cloud node's k3s role (`server`, `agent`), if it says. */
export const k3sRoleOf = (props: Record<string, any>): string | undefined => cloudTags(props)[K3S_ROLE_TAG];
