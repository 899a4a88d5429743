import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/**
 * A ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA since Kubernetes 1.30) named
 * `policyName`, and the binding that makes it deny (`validationActions: [Deny]`) on every request it
 * matches. Returns the binding: what must wait for the rule to be in force.
 */
export function denyingAdmissionPolicy(resourceName: string, policyName: string, spec: pulumi.Input<k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicySpec>, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(resourceName, { metadata: { name: policyName }, spec }, opts);
    return new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(resourceName, {
        metadata: { name: policyName },
        spec: { policyName: policy.metadata.name, validationActions: ["Deny"] },
    }, opts);
}

/** What a controller's fence holds: its account, the requests it matches, and the rules each must pass. */
export interface ControllerFence {
    /** The ValidatingAdmissionPolicy's name, `groundwork-<controller>`. */
    policyName: string;
    /** The controller's ServiceAccount, whose requests alone are judged. */
    account: { namespace: string; name: string };
    /** The requests judged (a ValidatingAdmissionPolicy's `matchConstraints.resourceRules`). */
    resourceRules: k8s.types.input.admissionregistration.v1.NamedRuleWithOperations[];
    /** Each rule, its message when broken. */
    validations: { expression: string; message: string }[];
}

/**
 * Denying policies that each judge one controller's requests only (a match condition on its user),
 * and deny one they cannot evaluate: for controllers whose charts grant more than they use.
 */
export class ControllerAdmission extends pulumi.ComponentResource {
    constructor(name: string, args: { fences: ControllerFence[] }, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:platform:ControllerAdmission", name, {}, opts);
        for (const fence of args.fences) {
            denyingAdmissionPolicy(fence.policyName, fence.policyName, {
                failurePolicy: "Fail",
                matchConstraints: { resourceRules: fence.resourceRules },
                matchConditions: [{ name: "the-controller", expression: `request.userInfo.username == 'system:serviceaccount:${fence.account.namespace}:${fence.account.name}'` }],
                validations: fence.validations.map((v) => ({ ...v, reason: "Forbidden" })),
            }, { parent: this });
        }
        this.registerOutputs({});
    }
}

/**
 * CEL: a webhook configuration's update that changes nothing but each webhook's
 * `clientConfig.caBundle`: the same webhooks, each with the same rules, selectors, policies and
 * destination. What a controller that injects its own CA does (cert-manager's CA injector,
 * CloudNativePG's operator); anything else is how a webhook of a thief's own gets in.
 */
export function onlyCaBundleChanged(): string {
    const fields = ["name", "rules", "failurePolicy", "matchPolicy", "namespaceSelector", "objectSelector", "sideEffects", "timeoutSeconds", "admissionReviewVersions", "matchConditions", "reinvocationPolicy"];
    return `size(object.webhooks) == size(oldObject.webhooks) && object.webhooks.all(w, oldObject.webhooks.exists(o, ${[...fields, "clientConfig.url", "clientConfig.service"].map((f) => celSame("w", "o", f)).join(" && ")}))`;
}

/**
 * CEL: `a` and `b` both have `field`, equal, or neither has it. For fields of any type (lists,
 * objects), where celUnchanged's empty stand-in would have to match the field's type.
 */
export const celSame = (a: string, b: string, field: string): string => `(has(${a}.${field}) == has(${b}.${field}) && (!has(${a}.${field}) || ${a}.${field} == ${b}.${field}))`;

/** CEL: a single-quoted string literal, quotes and backslashes escaped. */
export const celString = (value: string): string => `'${value.replace(/[\\']/g, "\\$&")}'`;

/** CEL: a list literal of `values` as single-quoted strings (`['a', 'b']`). */
export const celStrings = (values: readonly string[]): string => `[${values.map(celString).join(", ")}]`;

/** CEL: `o.field`, or `empty` where the object has none, so that unset and empty compare alike. */
export const celOr = (o: string, field: string, empty: string): string => `(has(${o}.${field}) ? ${o}.${field} : ${empty})`;

/** CEL: an update leaves `field` as it was (unset counting as `empty`). */
export const celUnchanged = (field: string, empty: string): string => `${celOr("object", field, empty)} == ${celOr("oldObject", field, empty)}`;

/**
 * CEL: an update changes the map `field` (labels, annotations) only under keys `keep` admits,
 * every other key staying, with its value. `keep` is a CEL condition on the key `k`.
 */
export function celMapChangesOnly(field: string, keep: string): string {
    const [now, before] = [celOr("object", field, "{}"), celOr("oldObject", field, "{}")];
    return `${now}.all(k, ${keep} || (k in ${before} && ${before}[k] == ${now}[k])) && ${before}.all(k, ${keep} || k in ${now})`;
}
