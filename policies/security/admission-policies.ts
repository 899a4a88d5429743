import { celEnv, celError, CelInput, CelResult, isCelError, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import type { PolicyResource } from "@pulumi/policy";

/**
 * What the API server would decide for one request under the plan's ValidatingAdmissionPolicies,
 * by evaluating their CEL with a CEL implementation (@bufbuild/cel, which runs the cel-spec
 * conformance suite), with the strings extension Kubernetes' CEL environment includes (`substring`,
 * `indexOf`, `lowerAscii`...: k8s.io/apiserver pkg/cel/environment/base.go, ext.Strings). It follows the order the API documents (ValidatingAdmissionPolicySpec's
 * `failurePolicy`, `matchConditions` and `variables`, as kubernetes-models 4.5.1 carries them): the
 * policy's and the binding's match rules, then `matchConditions` (any false: not applicable, even if
 * another fails), then `variables` and `validations` (any false: denied). A failed evaluation denies
 * unless `failurePolicy` is `Ignore`. Only a binding whose `validationActions` holds `Deny` denies.
 *
 * What this cannot see, it treats as not denying: selectors on namespaces or objects (which need the
 * live objects), `paramKind` policies (which need their parameters), and `authorizer` checks.
 */

const POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
/** CEL's standard functions and, as Kubernetes' CEL has, the strings extension. */
const CEL_ENV = celEnv({ funcs: strings });
/** Each expression parsed and planned once: a plan's policies are evaluated for many requests. */
const CEL_PROGRAMS = new Map<string, ReturnType<typeof plan>>();

/** An expression's value for the bindings, or the error it raises (as @bufbuild/cel's `run`, whose work up to the bindings this keeps). */
function runCel(expression: string, bindings: Record<string, CelInput>): CelResult {
    try {
        let program = CEL_PROGRAMS.get(expression);
        if (!program) CEL_PROGRAMS.set(expression, (program = plan(CEL_ENV, parse(expression))));
        return program(bindings);
    } catch (e) {
        return celError(e);
    }
}
const BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";

/** A namespace that exists in no plan: a rule's probe request made there stands for "any other namespace". */
export const PROBE_NAMESPACE = "groundwork-policy-probe";

/** One API request: the object as the client sends it, where and how. */
export interface AdmissionRequest {
    group: string;
    version: string;
    /** The plural resource name, as rules name it (`certificaterequests`). */
    resource: string;
    /** A subresource (`token` of `serviceaccounts`), matched as `resource/subresource`. */
    subResource?: string;
    operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
    namespace: string;
    /** The object's name (for a subresource, its parent's: the ServiceAccount a token is for). */
    name?: string;
    /** Who asks, `request.userInfo.username` (`system:serviceaccount:<namespace>:<name>`). */
    username?: string;
    /** The object as sent; null on DELETE. */
    object: Record<string, unknown> | null;
    /** The object before an UPDATE or DELETE. */
    oldObject?: Record<string, unknown>;
    /** The request's namespace's annotations, as `namespaceObject` carries them (none by default). */
    namespaceAnnotations?: Record<string, string>;
}

interface ResourceRule { apiGroups?: string[]; apiVersions?: string[]; operations?: string[]; resources?: string[]; resourceNames?: string[]; scope?: string }

const anyOf = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v === "*" || v === value);
/**
 * Whether a rule names the request's resource, as the API server matches rules
 * (kubernetes/apiserver@v0.34.9, the library of Kubernetes 1.34: pkg/admission/plugin/webhook/predicates/rules/rules.go
 * L58-72 and L104-116, pkg/admission/plugin/policy/matching/matching.go L99-100 and L137-148):
 * `*` and a subresource wildcard (every resource's, or this one's) name the main resource too; a
 * `scope` of `Cluster` never matches a namespaced object; `resourceNames` limit a rule to those
 * objects, which a new object's name cannot be counted on to be.
 */
const resourceMatches = (resources: string[] | undefined, resource: string, sub?: string) =>
    (resources ?? []).some((v) => sub === undefined
        ? v === "*" || v === "*/*" || v === resource || v === `${resource}/*`
        : v === "*/*" || v === `${resource}/${sub}` || v === `${resource}/*` || v === `*/${sub}`);
const ruleMatches = (rule: ResourceRule, r: AdmissionRequest) =>
    anyOf(rule.apiGroups, r.group) && anyOf(rule.apiVersions, r.version) && anyOf(rule.operations, r.operation) && resourceMatches(rule.resources, r.resource, r.subResource)
    && (rule.scope === undefined || rule.scope === "*" || rule.scope === "Namespaced") && (rule.resourceNames ?? []).length === 0;

/** Whether match resources (a policy's constraints or a binding's) select the request; selectors make it unknowable. */
function selects(match: any, r: AdmissionRequest, required: boolean): boolean {
    if (!match) return !required;
    const selector = (s: any) => s && (Object.keys(s.matchLabels ?? {}).length > 0 || (s.matchExpressions ?? []).length > 0);
    if (selector(match.namespaceSelector) || selector(match.objectSelector)) return false;
    if ((match.excludeResourceRules ?? []).some((rule: ResourceRule) => ruleMatches(rule, r))) return false;
    // A policy must name what it matches; a binding that names nothing (or an empty list) matches all its policy does.
    const rules: ResourceRule[] | undefined = match.resourceRules;
    return rules === undefined || rules.length === 0 ? !required : rules.some((rule) => ruleMatches(rule, r));
}

export type Outcome = { denied: false } | { denied: true; by: string; message: string };

/** One policy's verdict on a request, its binding already known to deny. */
function evaluate(policy: any, r: AdmissionRequest): Outcome {
    const spec = policy.spec ?? {};
    const name = String(policy.metadata?.name);
    if (spec.paramKind || !selects(spec.matchConstraints, r, true)) return { denied: false };
    const failClosed = spec.failurePolicy !== "Ignore";
    const bindings: Record<string, any> = {
        object: r.object, oldObject: r.oldObject ?? null, params: null,
        request: {
            operation: r.operation, namespace: r.namespace, name: r.name ?? "", subResource: r.subResource ?? "", userInfo: { username: r.username ?? "" },
            kind: { group: r.group, version: r.version }, resource: { group: r.group, version: r.version, resource: r.resource },
        },
        namespaceObject: { metadata: { name: r.namespace, annotations: r.namespaceAnnotations ?? {} } },
    };
    const check = (expression: string): boolean | "error" => {
        const value = runCel(expression, bindings);
        return isCelError(value) || typeof value !== "boolean" ? "error" : value;
    };
    const conditions = (spec.matchConditions ?? []).map((c: { name: string; expression: string }) => ({ name: c.name, held: check(c.expression) }));
    if (conditions.some((c: { held: unknown }) => c.held === false)) return { denied: false };
    const failed = conditions.find((c: { held: unknown }) => c.held === "error");
    if (failed) return failClosed ? { denied: true, by: name, message: `matchCondition ${failed.name} failed to evaluate` } : { denied: false };
    const variables: Record<string, any> = {};
    for (const v of spec.variables ?? []) {
        const value = runCel(v.expression, { ...bindings, variables });
        if (!isCelError(value)) variables[v.name] = value;
    }
    bindings.variables = variables;
    for (const validation of spec.validations ?? []) {
        const held = check(validation.expression);
        if (held === false) return { denied: true, by: name, message: validation.message ?? validation.expression };
        if (held === "error" && failClosed) return { denied: true, by: name, message: `${validation.expression} failed to evaluate` };
    }
    return { denied: false };
}

/** The plan's verdict on a request: denied by the first policy that a `Deny` binding binds and that refuses it. */
export function admissionOutcome(resources: Pick<PolicyResource, "type" | "props">[], r: AdmissionRequest): Outcome {
    const policies = resources.filter((p) => p.type === POLICY).map((p) => p.props);
    const denying = resources.filter((b) => b.type === BINDING).map((b) => b.props)
        .filter((b) => (b.spec?.validationActions ?? []).includes("Deny") && !b.spec?.paramRef && selects(b.spec?.matchResources, r, false));
    for (const binding of denying) {
        const policy = policies.find((p) => p.metadata?.name === binding.spec?.policyName);
        const outcome = policy ? evaluate(policy, r) : { denied: false as const };
        if (outcome.denied) return outcome;
    }
    return { denied: false };
}
