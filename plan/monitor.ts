import { MockMonitor, Mocks } from "@pulumi/pulumi/runtime/mocks";
import { serializeProperties, specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";

/** The text that stands in for every secret value in what the plan writes. */
export const SECRET_MASK = "[secret]";

/** One resource the program registered, as the plan records it. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** Parent URN; the stack is the root. */
    parent?: string;
    /** Provider reference (`urn::id`) when the resource names one explicitly. */
    provider?: string;
    custom: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    /** How many `transforms` the resource registered (the engine runs them on it and its children). */
    transforms: number;
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    dependencies: string[];
    /** Inputs with every secret replaced by SECRET_MASK: safe to write anywhere. */
    inputs: Record<string, unknown>;
    /** Inputs with secrets in the clear: for in-memory checks only, never written. */
    plainInputs: Record<string, unknown>;
    /** The input paths (`a.b[0].c`) that held secrets. */
    secretPaths: string[];
}

interface Decoded {
    plain: unknown;
    masked: unknown;
}

/** Decodes a property map in wire form: the plain values, a masked copy and the secret paths. */
export function decodeWire(value: Record<string, unknown>): { plain: Record<string, unknown>; masked: Record<string, unknown>; secretPaths: string[] } {
    const secretPaths: string[] = [];
    const { plain, masked } = decode(value, "", secretPaths);
    return { plain: plain as Record<string, unknown>, masked: masked as Record<string, unknown>, secretPaths };
}

/** Decodes the wire form of resource inputs, keeping track of which values were secret. */
function decode(value: unknown, path: string, secretPaths: string[]): Decoded {
    if (value === unknownValue) {
        return { plain: undefined, masked: "[unknown]" };
    }
    if (Array.isArray(value)) {
        const items = value.map((v, i) => decode(v, `${path}[${i}]`, secretPaths));
        return { plain: items.map((i) => i.plain), masked: items.map((i) => i.masked) };
    }
    if (value === null || typeof value !== "object") {
        return { plain: value, masked: value };
    }
    const obj = value as Record<string, unknown>;
    if (obj[specialSigKey] === specialSecretSig) {
        secretPaths.push(path);
        return { plain: decode(obj.value, path, []).plain, masked: SECRET_MASK };
    }
    if (obj[specialSigKey] === specialResourceSig) {
        return { plain: obj.urn, masked: obj.urn };
    }
    const plain: Record<string, unknown> = {};
    const masked: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
        const d = decode(v, path ? `${path}.${k}` : k, secretPaths);
        plain[k] = d.plain;
        masked[k] = d.masked;
    }
    return { plain, masked };
}

/** The engine's URN: a child's type is qualified by its parent's, except under the root stack. */
function urnOf(type: string, name: string, parent: string, project: string, stack: string): string {
    const parentType = parent ? parent.split("::")[2] : "";
    const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * Pulumi's mock monitor, extended to record every registration with its parent, options and
 * secretness, and to behave as the engine does for secrets: outputs named in
 * `additionalSecretOutputs`, and outputs whose inputs were secret, come back secret.
 */
export class PlanMonitor extends MockMonitor {
    public readonly recorded: RecordedResource[] = [];
    /** Values the mocks returned for outputs that are secret (a generated password, a key). */
    public readonly secretOutputValues: unknown[] = [];

    constructor(mocks: Mocks, private readonly project: string, private readonly stack: string) {
        super(mocks);
    }

    async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        try {
            const type: string = req.getType();
            const name: string = req.getName();
            const parent: string = req.getParent();
            const { plain: inputs, masked, secretPaths } = decodeWire(req.getObject().toJavaScript());
            const urn = urnOf(type, name, parent, this.project, this.stack);
            this.recorded.push({
                urn,
                type,
                name,
                parent: parent || undefined,
                provider: req.getProvider() || undefined,
                custom: req.getCustom(),
                protect: req.getProtect() === true,
                retainOnDelete: req.getRetainondelete() === true,
                transforms: req.getTransformsList().length,
                ignoreChanges: req.getIgnorechangesList(),
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                dependencies: req.getDependenciesList(),
                inputs: masked,
                plainInputs: inputs,
                secretPaths,
            });

            const result = await this.mocks.newResource({
                type,
                name,
                inputs,
                provider: req.getProvider(),
                custom: req.getCustom(),
                id: req.getImportid(),
            });
            const state = await serializeProperties("", result.state);
            const additional: string[] = req.getAdditionalsecretoutputsList();
            additional.filter((k) => k in result.state).forEach((k) => this.secretOutputValues.push(result.state[k]));
            const secretOutputs = new Set<string>([...additional, ...secretPaths.map((p) => p.split(/[.[]/)[0])]);
            for (const key of secretOutputs) {
                if (key in state) {
                    state[key] = { [specialSigKey]: specialSecretSig, value: state[key] };
                }
            }
            this.resources.set(urn, { urn, id: result.id ?? null, state });
            const response = new resproto.RegisterResourceResponse();
            response.setUrn(urn);
            response.setId(result.id || "");
            response.setObject(structproto.Struct.fromJavaScript(state));
            callback(null, response);
        } catch (err) {
            callback(err, undefined);
        }
    }
}
