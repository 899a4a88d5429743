/**
 * What the API server asks of an audit policy file before it starts, and which rule decides a
 * request's level, as kubernetes/apiserver@v0.34.9 has them (mirror read 2026-11-29):
 * - fields: `pkg/apis/audit/v1/types.go` Policy L171-186, PolicyRule L204-264, GroupResources
 *   L272-294; the file is decoded strictly, so an unknown field is an error (`pkg/audit/policy/reader.go` L63-69);
 * - values: `pkg/apis/audit/validation/validation.go` (levels, stages, non-resource URLs, group
 *   names as DNS subdomains, resourceNames only with resources, not resources and URLs together);
 * - matching: `pkg/audit/policy/checker.go` `ruleMatches`, `ruleMatchesResource`, `pathMatches`
 *   (the first rule that matches wins).
 */

const POLICY_FIELDS = ["apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields"];
const RULE_FIELDS = ["level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs", "omitStages", "omitManagedFields"];
const GROUP_RESOURCE_FIELDS = ["group", "resources", "resourceNames"];
const LEVELS = ["None", "Metadata", "Request", "RequestResponse"];
const STAGES = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

interface GroupResources { group?: string; resources?: string[]; resourceNames?: string[] }
interface PolicyRule { level?: string; users?: string[]; userGroups?: string[]; verbs?: string[]; resources?: GroupResources[]; namespaces?: string[]; nonResourceURLs?: string[]; omitStages?: string[] }

/** Each problem as `path: value` (or `path: why`); empty when the API server would load the policy. */
export function auditPolicyProblems(policy: Record<string, any>): string[] {
    const problems: string[] = [];
    const unknown = (at: string, object: Record<string, unknown>, known: string[]) =>
        Object.keys(object).filter((k) => !known.includes(k)).forEach((k) => problems.push(`${at}${at ? "." : ""}${k}: unknown field`));
    const stages = (at: string, list: string[] | undefined) =>
        (list ?? []).forEach((s, i) => { if (!STAGES.includes(s)) problems.push(`${at}[${i}]: ${s}`); });
    unknown("", policy, POLICY_FIELDS);
    stages("omitStages", policy.omitStages);
    ((policy.rules ?? []) as PolicyRule[]).forEach((rule, i) => {
        const at = `rules[${i}]`;
        unknown(at, rule as Record<string, unknown>, RULE_FIELDS);
        if (!LEVELS.includes(rule.level ?? "")) problems.push(`${at}.level: ${rule.level ?? "(required)"}`);
        (rule.nonResourceURLs ?? []).forEach((url, j) => {
            if (url !== "*" && (!url.startsWith("/") || url.slice(0, -1).includes("*"))) problems.push(`${at}.nonResourceURLs[${j}]: ${url}`);
        });
        (rule.resources ?? []).forEach((gr, j) => {
            unknown(`${at}.resources[${j}]`, gr as Record<string, unknown>, GROUP_RESOURCE_FIELDS);
            if (gr.group && !(gr.group.length <= 253 && DNS_SUBDOMAIN.test(gr.group))) problems.push(`${at}.resources[${j}].group: ${gr.group}`);
            if ((gr.resourceNames ?? []).length > 0 && (gr.resources ?? []).length === 0) problems.push(`${at}.resources[${j}].resourceNames: needs resources`);
        });
        stages(`${at}.omitStages`, rule.omitStages);
        if ((rule.nonResourceURLs ?? []).length > 0 && ((rule.resources ?? []).length > 0 || (rule.namespaces ?? []).length > 0)) problems.push(`${at}: both resources and non-resource URLs`);
    });
    if ((policy.rules ?? []).length === 0) problems.push("rules: none");
    return problems;
}

/** A request as the audit policy sees it: a resource (`resource` may be `pods/exec`) or a path. */
export interface AuditedRequest { user?: string; groups?: string[]; verb: string; group?: string; resource?: string; namespace?: string; name?: string; path?: string }

/** The level of the first rule that matches the request, `None` when none does (checker.go's default). */
export function firstMatchingLevel(policy: { rules: PolicyRule[] }, request: AuditedRequest): string {
    const isResource = request.resource !== undefined;
    const [resource, subresource] = (request.resource ?? "").split("/");
    const matchesResource = (rule: PolicyRule): boolean => {
        if (!isResource) return false;
        if ((rule.namespaces ?? []).length > 0 && !rule.namespaces!.includes(request.namespace ?? "")) return false;
        if ((rule.resources ?? []).length === 0) return true;
        return rule.resources!.some((gr) => (gr.group ?? "") === (request.group ?? "") && ((gr.resources ?? []).length === 0 || gr.resources!.some((res) =>
            ((gr.resourceNames ?? []).length === 0 || gr.resourceNames!.includes(request.name ?? "")) &&
            (res === request.resource || res === "*" || (subresource !== undefined && res === `*/${subresource}`) || (res.endsWith("/*") && res.slice(0, -2) === resource)))));
    };
    const matchesPath = (spec: string) => spec === "*" || spec === request.path || (spec.endsWith("*") && (request.path ?? "").startsWith(spec.replace(/\*+$/, "")));
    const rule = policy.rules.find((r) => {
        if ((r.users ?? []).length > 0 && !r.users!.includes(request.user ?? "")) return false;
        if ((r.userGroups ?? []).length > 0 && !(request.groups ?? []).some((g) => r.userGroups!.includes(g))) return false;
        if ((r.verbs ?? []).length > 0 && !r.verbs!.includes(request.verb)) return false;
        if ((r.namespaces ?? []).length > 0 || (r.resources ?? []).length > 0) return matchesResource(r);
        if ((r.nonResourceURLs ?? []).length > 0) return !isResource && r.nonResourceURLs!.some(matchesPath);
        return true;
    });
    return rule?.level ?? "None";
}
