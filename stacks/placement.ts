/** Node labels every site sets, so workloads can be placed by site and by kind of capacity. */
export const SITE_LABEL = "groundwork.dev/site";
export const PLACEMENT_LABEL = "groundwork.dev/placement";
