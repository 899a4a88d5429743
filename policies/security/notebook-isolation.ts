import type { StackValidationPolicy } from "@pulumi/policy";
import { podWorkload } from "../kubernetes-pods";
import { DEFAULT_POLICY, defaultInboundPolicy, isMeshed, namespaceAnnotations } from "./mesh-admission";

/**
 * People's notebook servers run code of their owners' choosing, and anything that code listens on
 * at the pod's address (`python -m http.server`, Streamlit, a Dask dashboard) is a port of the pod.
 * Linkerd's proxy asks for a policy for every inbound port, declared or not, and gives a port no
 * Server selects the pod's default, else the namespace's (linkerd2-proxy release/v2.366.0
 * linkerd/app/inbound/src/policy/store.rs L146-164; the policy controller reads the pod's
 * `config.linkerd.io/default-inbound-policy`, linkerd2@edge-26.8.3 policy-controller/k8s/index/src/inbound/workload.rs
 * L185-195, which the proxy injector copies from the namespace only where the pod has none,
 * pkg/inject/inject.go L177-190, L843-856). Under `all-authenticated` or `cluster-authenticated`
 * every meshed identity reaches those ports, another person's server among them (security review
 * s20 M2), and under `audit` or the `all-unauthenticated` kinds anyone does; only `deny` leaves
 * them to the ports that have a Server.
 * JupyterHub's user servers carry `app: jupyterhub`, `component: singleuser-server` (KubeSpawner's labels).
 */

const isUserServer = (labels: Record<string, string>) => labels.app === "jupyterhub" && labels.component === "singleuser-server";

export const notebookServersDenyByDefault: StackValidationPolicy = {
    name: "notebook-servers-deny-by-default",
    description: "People's notebook servers admit connections only on ports a Linkerd Server names: their pods default to `deny`, so what people's code listens on is not open to the mesh.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = namespaceAnnotations(args.resources);
        for (const r of args.resources) {
            const pod = podWorkload(r.type, r.props);
            if (pod === undefined || !isUserServer(pod.labels)) continue;
            const ns = namespaces.get(pod.namespace) ?? {};
            const policy = defaultInboundPolicy(pod, ns) ?? "all-unauthenticated (Linkerd's default)";
            const where = `people's notebook servers (${pod.kind} ${pod.namespace}/${pod.name || r.name})`;
            if (!isMeshed(pod, ns)) {
                report(`${where} are not in the mesh, so nothing but NetworkPolicies stands between another pod and whatever their code listens on; mesh them and set ${DEFAULT_POLICY}: deny on their pods (singleuser.extraAnnotations)`, r.urn);
            } else if (policy !== "deny") {
                report(`${where} default to ${policy}: every port their code opens admits ${/^(all-un|cluster-un|audit)/.test(policy) ? "anyone" : "every meshed identity, another person's server included"}; set ${DEFAULT_POLICY}: deny on their pods (singleuser.extraAnnotations) and give the notebook and metrics ports Servers`, r.urn);
            }
        }
    },
};
