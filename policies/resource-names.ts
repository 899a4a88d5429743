import type { PolicyResource } from "@pulumi/policy";

/** A Kubernetes resource's namespace as the API reads it (`default` when none is given), and its name. */
export const namespaceOf = (r: PolicyResource): string => r.props.metadata?.namespace ?? "default";
export const nameOf = (r: PolicyResource): string => r.props.metadata?.name ?? r.name;
