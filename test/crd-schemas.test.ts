import { strict as assert } from "assert";
import { kubernetesDocuments } from "../plan/report";
import { committedPlan } from "./helpers";
import { crdAjv, CRD_DIR, crdValidatorFor as validatorFor } from "./validators";

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
                    failures.push(`${doc.kind} ${doc.metadata?.name}: ${crdAjv.errorsText(validate.errors)}`);
                }
            }
            assert.deepEqual(failures, []);
        });
    }
});
