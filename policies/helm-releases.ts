/**
 * The resource types a Helm chart is planned as: `helm.v3.Release` (one resource, Helm installs the
 * chart) and `helm.v4.Chart` (Pulumi renders it; the plan records the Chart with its values). Rules
 * that read a chart's values look at both.
 */
export const HELM_RELEASE_TYPES: readonly string[] = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];
