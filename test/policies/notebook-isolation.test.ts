import { strict as assert } from "assert";
import { notebookServersDenyByDefault } from "../../policies/security/notebook-isolation";
import { messages, record } from "./harness";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const POD = "kubernetes:core/v1:Pod";
const meshedNamespace = (policy: string) => record(NAMESPACE, { metadata: { name: "notebooks", annotations: { "linkerd.io/inject": "enabled", "config.linkerd.io/default-inbound-policy": policy } } }, "notebooks");
/** A person's server as the plan models KubeSpawner's pods. */
const userServer = (annotations: Record<string, string> = {}, labels: Record<string, string> = { app: "jupyterhub", component: "singleuser-server" }) =>
    record(POD, { metadata: { name: "jupyter-{username}", namespace: "notebooks", labels, annotations }, spec: { containers: [{ name: "notebook", image: "jupyter" }] } }, "notebooks/jupyter-{username}");

describe("notebook-servers-deny-by-default (security pack)", () => {
    it("passes people's servers whose pods default to deny in an all-authenticated namespace, and leaves other pods alone", async () => {
        assert.deepEqual(await messages(notebookServersDenyByDefault, [meshedNamespace("all-authenticated"), userServer({ "config.linkerd.io/default-inbound-policy": "deny" })]), []);
        assert.deepEqual(await messages(notebookServersDenyByDefault, [meshedNamespace("deny"), userServer()]), [], "the namespace's deny holds for them too");
        assert.deepEqual(await messages(notebookServersDenyByDefault, [meshedNamespace("all-authenticated"), userServer({}, { app: "jupyterhub", component: "hub" })]), []);
    });

    it("flags servers left to the namespace's all-authenticated, a pod's own weaker default, and servers outside the mesh", async () => {
        assert.deepEqual(await messages(notebookServersDenyByDefault, [meshedNamespace("all-authenticated"), userServer()]), [
            "people's notebook servers (Pod notebooks/jupyter-{username}) default to all-authenticated: every port their code opens admits every meshed identity, another person's server included; set config.linkerd.io/default-inbound-policy: deny on their pods (singleuser.extraAnnotations) and give the notebook and metrics ports Servers",
        ]);
        assert.match((await messages(notebookServersDenyByDefault, [meshedNamespace("deny"), userServer({ "config.linkerd.io/default-inbound-policy": "all-unauthenticated" })]))[0],
            /default to all-unauthenticated: every port their code opens admits anyone;/);
        assert.match((await messages(notebookServersDenyByDefault, [meshedNamespace("audit"), userServer()]))[0], /default to audit: every port their code opens admits anyone;/);
        const unmeshed = record(NAMESPACE, { metadata: { name: "notebooks", annotations: {} } }, "notebooks");
        assert.match((await messages(notebookServersDenyByDefault, [unmeshed, userServer()]))[0], /are not in the mesh, so nothing but NetworkPolicies stands between/);
    });
});
