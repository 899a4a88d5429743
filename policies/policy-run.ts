import {
    Policy,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

/**
 * Runs one policy over plain resource records, the way the Pulumi engine's analyzer calls it
 * (see @pulumi/policy server.js: `validateResource` per resource, `validateStack` once with every
 * resource, `getConfig` without `enforcementLevel`). Used by the offline plan and by the tests, so
 * both exercise the same call the engine makes; nothing here starts the pack's gRPC server.
 */

/** A resource as a policy sees it: the recorded inputs are its properties. */
export interface ResourceRecord {
    type: string;
    name: string;
    urn: string;
    props: Record<string, any>;
    parent?: string;
    dependencies?: string[];
    protect?: boolean;
    ignoreChanges?: string[];
    additionalSecretOutputs?: string[];
}

export interface Violation {
    policy: string;
    message: string;
    /** The resource the violation is about, when the policy reported one. */
    urn?: string;
}

class NotApplicable extends Error {}

/** Applies the top-level defaults of a policy's JSON schema, as the CLI does before it sends config. */
export function configWithDefaults(policy: Policy, given: Record<string, unknown> = {}): Record<string, unknown> {
    const properties = (policy.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
    const defaults = Object.fromEntries(Object.entries(properties).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
    const { enforcementLevel: _level, ...rest } = given;
    return { ...defaults, ...rest };
}

function options(r: ResourceRecord) {
    return {
        protect: r.protect ?? false,
        ignoreChanges: r.ignoreChanges ?? [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: r.additionalSecretOutputs ?? [],
        parent: r.parent,
    };
}

const typeOf = (resourceClass: { __pulumiType?: string }) => resourceClass.__pulumiType;

function resourceArgs(r: ResourceRecord, config: Record<string, unknown>): ResourceValidationArgs {
    return {
        type: r.type,
        props: r.props,
        urn: r.urn,
        name: r.name,
        opts: options(r),
        stackTags: new Map(),
        isType: (c: any) => typeOf(c) === r.type,
        asType: ((c: any) => (typeOf(c) === r.type ? r.props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

/** Runs a resource policy over each record; returns what it reported. */
export async function runResourcePolicy(policy: ResourceValidationPolicy, records: ResourceRecord[], config?: Record<string, unknown>): Promise<Violation[]> {
    const violations: Violation[] = [];
    const cfg = configWithDefaults(policy, config);
    const given = policy.validateResource;
    const validations = given === undefined ? [] : Array.isArray(given) ? given : [given];
    for (const r of records) {
        for (const validate of validations) {
            try {
                await validate(resourceArgs(r, cfg), (message: string, urn?: string) => violations.push({ policy: policy.name, message, urn: urn ?? r.urn }));
            } catch (e) {
                if (!(e instanceof NotApplicable)) throw e;
            }
        }
    }
    return violations;
}

/** Runs a stack policy once over all records; returns what it reported. */
export async function runStackPolicy(policy: StackValidationPolicy, records: ResourceRecord[], config?: Record<string, unknown>): Promise<Violation[]> {
    const violations: Violation[] = [];
    const byUrn = new Map<string, PolicyResource>();
    const resources: PolicyResource[] = records.map((r) => {
        const res = {
            type: r.type,
            props: r.props,
            urn: r.urn,
            name: r.name,
            opts: options(r),
            dependencies: [] as PolicyResource[],
            propertyDependencies: {},
            isType: (c: any) => typeOf(c) === r.type,
            asType: ((c: any) => (typeOf(c) === r.type ? r.props : undefined)) as PolicyResource["asType"],
        } as PolicyResource;
        byUrn.set(r.urn, res);
        return res;
    });
    records.forEach((r, i) => {
        const res = resources[i] as { parent?: PolicyResource; dependencies: PolicyResource[] };
        res.parent = r.parent ? byUrn.get(r.parent) : undefined;
        res.dependencies = (r.dependencies ?? []).map((d) => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
    });
    const args: StackValidationArgs = {
        resources,
        stackTags: new Map(),
        getConfig: <T extends object>() => configWithDefaults(policy, config) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
    try {
        await policy.validateStack(args, (message: string, urn?: string) => violations.push({ policy: policy.name, message, urn }));
    } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
    }
    return violations;
}

/** Runs any policy: resource policies per record, stack policies once. */
export function runPolicy(policy: Policy, records: ResourceRecord[], config?: Record<string, unknown>): Promise<Violation[]> {
    return "validateStack" in policy && policy.validateStack
        ? runStackPolicy(policy as StackValidationPolicy, records, config)
        : runResourcePolicy(policy as ResourceValidationPolicy, records, config);
}
