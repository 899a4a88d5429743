import { strict as assert } from "assert";
import { anchorIssuerConfinement } from "../../components/platform/trust-anchor-admission";
import { admissionOutcome } from "../../policies/security/admission-policies";
import { meshTrustAnchorConfined } from "../../policies/security/mesh-trust-anchor";
import { messages, record } from "./harness";

const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
const BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";

const identityIssuer = (issuerRef: Record<string, string>) => record(CERTIFICATE, {
    metadata: { name: "linkerd-identity-issuer", namespace: "linkerd" },
    spec: { secretName: "linkerd-identity-issuer", isCA: true, commonName: "identity.linkerd.cluster.local", issuerRef },
}, "identity-issuer");
const ANCHOR = { group: "cert-manager.io", kind: "ClusterIssuer", name: "linkerd-trust-anchor-1" };
const RESOURCES = ["certificates", "certificaterequests"];

/** A policy and its binding; `spec` overrides the policy's spec, `actions` the binding's. */
function admission(spec: Record<string, any> = {}, actions = ["Deny"], name = "anchor") {
    return [
        record(POLICY, {
            metadata: { name },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: { resourceRules: [{ apiGroups: ["cert-manager.io"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: RESOURCES }] },
                validations: [{ expression: anchorIssuerConfinement("linkerd"), message: "only linkerd" }],
                ...spec,
            },
        }, `${name}-policy`),
        record(BINDING, { metadata: { name }, spec: { policyName: name, validationActions: actions } }, `${name}-binding`),
    ];
}
const elsewhere = (resource: string) => `nothing stops another namespace from being issued a certificate by the mesh's trust anchor: no ValidatingAdmissionPolicy with a Deny binding refuses every ${resource} outside linkerd that names ClusterIssuer linkerd-trust-anchor-1 (with or without issuerRef.group, CA or not; cert-manager approves such requests by default); add one matching cert-manager.io ${resource} on CREATE and UPDATE`;

describe("mesh-trust-anchor-confined (security pack)", () => {
    it("passes the anchor as a ClusterIssuer confined to linkerd by the policy MeshIdentity renders", async () => {
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...admission()]), []);
    });

    it("flags a namespaced Issuer, whose CA Secret sits where linkerd-destination caches every Secret", async () => {
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer({ name: "linkerd-trust-anchor-1", kind: "Issuer" })]), [
            "Certificate linkerd/linkerd-identity-issuer issues Linkerd's identity issuer from the namespaced Issuer linkerd-trust-anchor-1, so the trust anchor's key is a Secret in linkerd, where linkerd-destination caches every Secret and every meshed pod reaches it; make linkerd-trust-anchor-1 a ClusterIssuer (its CA Secret then lives in cert-manager's namespace) and add a ValidatingAdmissionPolicy that lets only linkerd name it",
        ]);
        // issuerRef.kind left out means Issuer to cert-manager (pkg/issuer/helper.go L57-73).
        assert.equal((await messages(meshTrustAnchorConfined, [identityIssuer({ name: "linkerd-trust-anchor-1" })])).length, 1);
    });

    it("flags a ClusterIssuer that nothing confines: no policy, a binding that only warns, a policy that skips certificate requests", async () => {
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR)]), RESOURCES.map(elsewhere));
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...admission({}, ["Warn", "Audit"])]), RESOURCES.map(elsewhere));
        const certificatesOnly = admission({ matchConstraints: { resourceRules: [{ apiGroups: ["cert-manager.io"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["certificates"] }] } });
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...certificatesOnly]), [elsewhere("certificaterequests")]);
    });

    it("judges the policy by evaluating its CEL: a match condition that never holds, or a failing expression with failurePolicy Ignore, confines nothing", async () => {
        const neverApplies = admission({ matchConditions: [{ name: "never", expression: "request.namespace == 'nowhere'" }] });
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...neverApplies]), RESOURCES.map(elsewhere));
        const broken = admission({ failurePolicy: "Ignore", validations: [{ expression: "object.spec.noSuchField == 'x'" }] });
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...broken]), RESOURCES.map(elsewhere));
        // The same failing expression denies everything under failurePolicy Fail, cert-manager's own renewals too.
        const failClosed = await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...admission({ validations: [{ expression: "object.spec.noSuchField == 'x'" }] })]);
        assert.equal(failClosed.length, 2);
        assert.match(failClosed[0], /^ValidatingAdmissionPolicy anchor refuses certificates in linkerd that name ClusterIssuer linkerd-trust-anchor-1 \("object.spec.noSuchField == 'x' failed to evaluate"\), so cert-manager cannot issue or renew/);
    });

    it("flags a policy that also refuses the control plane, and another namespace's Certificate from the anchor", async () => {
        const everywhere = admission({ validations: [{ expression: "object.spec.issuerRef.kind != 'ClusterIssuer'", message: "no ClusterIssuers" }] });
        const rogue = record(CERTIFICATE, { metadata: { name: "ca", namespace: "apps" }, spec: { secretName: "ca", isCA: true, issuerRef: ANCHOR } }, "rogue");
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), rogue, ...everywhere]), [
            "Certificate apps/ca is issued by the mesh's trust anchor (ClusterIssuer linkerd-trust-anchor-1), and any certificate under the mesh's root can pose as a mesh identity; only linkerd may name it",
            ...RESOURCES.map((r) => `ValidatingAdmissionPolicy anchor refuses ${r} in linkerd that name ClusterIssuer linkerd-trust-anchor-1 ("no ClusterIssuers"), so cert-manager cannot issue or renew Linkerd's identity issuer; let the control plane's namespace through`),
        ]);
    });
});

describe("mesh-trust-anchor-confined: policies that look confining and are not (review s20 R2, R3, N7)", () => {
    const rule = (extra: Record<string, any>) => ({ matchConstraints: { resourceRules: [{ apiGroups: ["cert-manager.io"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: RESOURCES, ...extra }] } });
    it("flags rules of cluster scope or limited to named objects, which the API server never matches to a new namespaced request", async () => {
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...admission(rule({ scope: "Cluster" }))]), RESOURCES.map(elsewhere));
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...admission(rule({ resourceNames: ["linkerd-identity-issuer"] }))]), RESOURCES.map(elsewhere));
        // Subresource wildcards name the main resource too (apiserver rules.go): these confine.
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...admission(rule({ scope: "Namespaced", resources: ["*/*"] }))]), []);
    });
    it("flags a policy that lets the anchor through without issuerRef.group, or for a leaf certificate", async () => {
        const byGroup = "!(has(object.spec.issuerRef.group) && object.spec.issuerRef.group == 'cert-manager.io' && object.spec.issuerRef.kind == 'ClusterIssuer') || request.namespace == 'linkerd'";
        const byCa = "!(object.spec.isCA && object.spec.issuerRef.kind == 'ClusterIssuer') || request.namespace == 'linkerd'";
        for (const expression of [byGroup, byCa]) {
            assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...admission({ validations: [{ expression }] })]), RESOURCES.map(elsewhere), expression);
        }
    });
    it("flags another issuer signing with the anchor's Secret, and passes a namespaced issuer that is no CA", async () => {
        const anchorIssuer = record("kubernetes:cert-manager.io/v1:ClusterIssuer", { metadata: { name: "linkerd-trust-anchor-1" }, spec: { ca: { secretName: "linkerd-trust-anchor-1" } } }, "anchor-issuer");
        const anchorKey = record("kubernetes:core/v1:Secret", { metadata: { name: "linkerd-trust-anchor-1", namespace: "cert-manager" }, type: "kubernetes.io/tls" }, "anchor-key");
        const twin = record("kubernetes:cert-manager.io/v1:ClusterIssuer", { metadata: { name: "internal-ca" }, spec: { ca: { secretName: "linkerd-trust-anchor-1" } } }, "twin");
        const inKeyNamespace = record("kubernetes:cert-manager.io/v1:Issuer", { metadata: { name: "local-ca", namespace: "cert-manager" }, spec: { ca: { secretName: "linkerd-trust-anchor-1" } } }, "local");
        // A namespaced Issuer elsewhere reads a Secret of that name in its own namespace: not the anchor.
        const harmless = record("kubernetes:cert-manager.io/v1:Issuer", { metadata: { name: "own-ca", namespace: "apps" }, spec: { ca: { secretName: "linkerd-trust-anchor-1" } } }, "harmless");
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer(ANCHOR), ...admission(), anchorIssuer, anchorKey, twin, inKeyNamespace, harmless]), [
            "ClusterIssuer internal-ca signs with the mesh's trust anchor (ca.secretName linkerd-trust-anchor-1, ClusterIssuer linkerd-trust-anchor-1's key) under a name the admission policy does not confine; only linkerd-trust-anchor-1 may use that Secret",
            "Issuer cert-manager/local-ca signs with the mesh's trust anchor (ca.secretName linkerd-trust-anchor-1 in cert-manager, ClusterIssuer linkerd-trust-anchor-1's key), which the admission policy does not confine; only linkerd-trust-anchor-1 may use that Secret",
        ]);
        const vault = record("kubernetes:cert-manager.io/v1:Issuer", { metadata: { name: "vault-pki", namespace: "linkerd" }, spec: { vault: { server: "https://vault:8200", path: "pki/sign/linkerd" } } }, "vault");
        assert.deepEqual(await messages(meshTrustAnchorConfined, [identityIssuer({ name: "vault-pki", kind: "Issuer" }), vault]), []);
    });
});

describe("TrustAnchorAdmission's rule, evaluated as CEL", () => {
    const request = (namespace: string, issuerRef: Record<string, string>, operation: "CREATE" | "UPDATE" = "CREATE") => ({
        group: "cert-manager.io", version: "v1", resource: "certificaterequests", operation, namespace,
        object: { metadata: { name: "x", namespace }, spec: { request: "", issuerRef } },
    });
    const policies = admission();
    it("denies another namespace the anchor, on create and update, with its message", () => {
        assert.deepEqual(admissionOutcome(policies, request("apps", ANCHOR)), { denied: true, by: "anchor", message: "only linkerd" });
        assert.equal(admissionOutcome(policies, request("apps", { kind: "ClusterIssuer", name: "linkerd-trust-anchor-7" }, "UPDATE")).denied, true);
    });
    it("admits the control plane, other ClusterIssuers, and a namespace's own Issuer of any name", () => {
        assert.equal(admissionOutcome(policies, request("linkerd", ANCHOR)).denied, false);
        assert.equal(admissionOutcome(policies, request("apps", { kind: "ClusterIssuer", name: "groundwork-acme" })).denied, false);
        assert.equal(admissionOutcome(policies, request("apps", { name: "linkerd-trust-anchor-1" })).denied, false);
        assert.equal(admissionOutcome(policies, request("apps", { kind: "Issuer", name: "linkerd-trust-anchor-1" })).denied, false);
    });
});
