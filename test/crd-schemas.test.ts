import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import { kubernetesDocuments } from "../plan/report";

import { PROJECT_DIR, committedPlan } from "./helpers";

/**
 * Every custom resource the stacks render, validated against the upstream CRD's openAPIV3Schema
 * (`../shared/upstream/crds/<group>_<Kind>_<version>.json`, sources in its SOURCES.md). The API
 * server prunes fields a structural schema does not declare, so an unknown field is an error here:
 * every object schema without `x-kubernetes-preserve-unknown-fields` or `additionalProperties`
 * is closed before compiling.
 */
const CRD_DIR = path.resolve(PROJECT_DIR, "..", "shared", "upstream", "crds");

/** Closes every object schema that lists its properties, as structural pruning does. */
export function closeUnknownFields(schema: any): any {
    if (Array.isArray(schema)) return schema.map(closeUnknownFields);
    if (schema === null || typeof schema !== "object") return schema;
    const out: any = {};
    for (const [k, v] of Object.entries(schema)) {
        // Kubernetes extensions and formats Ajv does not know are dropped; `format` is advisory in CRDs.
        if (k.startsWith("x-kubernetes-") || k === "format") continue;
        out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeUnknownFields(s)])) : closeUnknownFields(v);
    }
    if (schema.properties && schema.additionalProperties === undefined && !schema["x-kubernetes-preserve-unknown-fields"]) {
        out.additionalProperties = false;
    }
    return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const [group, version] = apiVersion.split("/");
    const file = path.join(CRD_DIR, `${group}_${kind}_${version}.json`);
    if (!validators.has(file)) {
        if (!fs.existsSync(file)) return undefined;
        const schema = closeUnknownFields(JSON.parse(fs.readFileSync(file, "utf8")));
        // apiVersion, kind and metadata are the API server's, not the CRD's, to check.
        schema.properties = { ...schema.properties, apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } };
        validators.set(file, ajv.compile(schema));
    }
    return validators.get(file);
}

describe("custom resources against upstream CRD schemas", function () {
    it("closes object schemas, so an unknown field fails (the check can fail)", () => {
        const validate = validatorFor("secrets.hashicorp.com/v1beta1", "VaultStaticSecret")!;
        assert.ok(validate, `no VaultStaticSecret schema in ${CRD_DIR}`);
        const good = { apiVersion: "secrets.hashicorp.com/v1beta1", kind: "VaultStaticSecret", metadata: {}, spec: { mount: "groundwork", path: "a", type: "kv-v2", destination: { name: "a", create: true } } };
        assert.ok(validate(good), JSON.stringify(validate.errors));
        assert.equal(validate({ ...good, spec: { ...good.spec, refreshAfterr: "1h" } }), false);
        assert.match(JSON.stringify(validate.errors), /refreshAfterr/);
    });

    for (const stack of ["dev", "cloud", "hybrid", "edge"]) {
        it(`validates every custom resource of the ${stack} stack, and has a schema for each kind`, async () => {
            const plan = await committedPlan(stack);
            const docs = kubernetesDocuments(plan.resources.map((r) => ({ ...r, inputs: r.plainInputs }))) as { apiVersion: string; kind: string; metadata?: { name?: string } }[];
            const custom: typeof docs = docs.filter((d) => d.apiVersion.includes(".") && !/^[a-z.]*k8s\.io\//.test(d.apiVersion) && d.kind !== "HelmRelease");
            assert.ok(custom.length >= 5, `only ${custom.length} custom resources`);
            const failures: string[] = [];
            for (const doc of custom) {
                const validate = validatorFor(doc.apiVersion, doc.kind);
                if (!validate) {
                    failures.push(`${doc.apiVersion} ${doc.kind}: no upstream schema in ../shared/upstream/crds`);
                } else if (!(validate(doc) as boolean)) {
                    failures.push(`${doc.kind} ${doc.metadata?.name}: ${ajv.errorsText(validate.errors)}`);
                }
            }
            assert.deepEqual(failures, []);
        });
    }
});
