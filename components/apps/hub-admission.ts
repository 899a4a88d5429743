import { celStrings, ControllerFence } from "../admission-policy";

/** The objects the hub may write a server with, and what only a thief of its token would. */
export interface HubAdmissionArgs {
    /** The notebooks' namespace, where the hub runs as `hub`. */
    namespace: string;
    /** The account people's servers run as. */
    serverAccount: string;
    /** The Secrets a server's environment may read: each name, with the keys it may. */
    serverSecrets: { name: string; keys: string[] }[];
}

/**
 * What JupyterHub's hub is let write, with KubeSpawner 7.0.0 as this stack configures it. Its chart
 * gives its token `create`/`delete` on pods, PVCs, Secrets and Services in its namespace
 * (jupyterhub/zero-to-jupyterhub-k8s@4.4.0 templates/hub/rbac.yaml L9-11), and its pod takes every
 * signed-in person's requests: a thief could run a pod as any account there (VSO's Vault login
 * among them), read every Secret there into it, or mint a token Secret that never expires
 * (controller RBAC review s25 F2). What KubeSpawner does: a server's pod as `singleuser.serviceAccountName`,
 * with the token as `automount_service_account_token` or the pod config says (objects.py L549-559),
 * here `false`; a home PVC; a Secret and a Service only with `internal_ssl` or `services_enabled`
 * (spawner.py L3164-3210), neither set by the chart's config (files/hub/jupyterhub_config.py) or here.
 */
export function hubFence(args: HubAdmissionArgs): ControllerFence {
    const allowed = args.serverSecrets.map((s) => `(r.name == '${s.name}' && r.key in ${celStrings(s.keys)})`).join(" || ") || "false";
    const serverPod = "request.resource.resource != 'pods' || request.operation != 'CREATE' || ("
        + `object.spec.serviceAccountName == '${args.serverAccount}' && has(object.spec.automountServiceAccountToken) && object.spec.automountServiceAccountToken == false`
        // Its environment reads only the gateway key it is given; no Secret, token or host volume.
        + ` && (has(object.spec.initContainers) ? object.spec.initContainers : []).all(c, !has(c.envFrom) && (!has(c.env) || c.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef))))`
        + ` && object.spec.containers.all(c, (!has(c.envFrom) || c.envFrom.all(f, !has(f.secretRef))) && (!has(c.env) || c.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef) || [e.valueFrom.secretKeyRef].all(r, ${allowed}))))`
        // The server's own home claim: z2jh@4.4.0 files/hub/jupyterhub_config.py L278-290 mounts `{pvc_name}`, and
        // KubeSpawner 7.0.0 names pod and claim from one value, `jupyter-{user_server}` and `claim-{user_server}`
        // (spawner.py L540-620, L2016-2090); never another person's, nor the hub's database (review s25 R3, s25b R2).
        // Notebooks came with KubeSpawner 7, so no claim has a pre-7 name (spawner.py L3105-3133); and Linkerd's identity token, which the injector adds before policies run
        // (linkerd2@edge-26.8.3 charts/partials/templates/_volumes.tpl L24-32; review s25 D1).
        + " && (!has(object.spec.volumes) || object.spec.volumes.all(v, (has(v.persistentVolumeClaim) && object.metadata.name.startsWith('jupyter-') && v.persistentVolumeClaim.claimName == 'claim-' + object.metadata.name.substring(8)) || has(v.emptyDir) || has(v.configMap)"
        + " || (v.name == 'linkerd-identity-token' && has(v.projected) && v.projected.sources.all(s, has(s.serviceAccountToken) && s.serviceAccountToken.audience == 'identity.l5d.io'))"
        // and the pod's own labels and annotations, which it adds with proxy tracing on (partials.proxy.volumes.podinfo; review s25b N4).
        + " || (v.name == 'linkerd-podinfo' && has(v.downwardAPI) && v.downwardAPI.items.all(i, has(i.fieldRef) && i.fieldRef.fieldPath in ['metadata.labels', 'metadata.annotations'])))))";
    return {
        policyName: "groundwork-jupyterhub-hub",
        account: { namespace: args.namespace, name: "hub" },
        resourceRules: [
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["pods", "secrets", "services", "persistentvolumeclaims"] },
        ],
        validations: [
            // It stops (deletes) only people's servers, and makes and deletes only their home claims
            // (KubeSpawner's `claim-{user_server}`; delete_pvc when a person is removed): never the hub's
            // database or another pod of the namespace (threat-model review s25 T2).
            { expression: "request.resource.resource != 'pods' || request.operation != 'DELETE' || (has(oldObject.metadata.labels) && 'component' in oldObject.metadata.labels && oldObject.metadata.labels['component'] == 'singleuser-server')", message: "the JupyterHub hub may stop only people's servers (component: singleuser-server), no other pod" },
            { expression: "request.resource.resource != 'persistentvolumeclaims' || (request.operation != 'UPDATE' && request.name.startsWith('claim-'))", message: "the JupyterHub hub may make and delete only people's home claims (claim-*), never the hub's database or another claim" },
            { expression: serverPod, message: `the JupyterHub hub may start a server only as ${args.serverAccount}, without an API token, its environment reading only ${args.serverSecrets.map((s) => s.name).join(", ") || "no Secret"}, and with only its own home claim (claim-<the name after jupyter->), empty dirs, ConfigMaps and Linkerd's identity token mounted` },
            { expression: "!(request.resource.resource in ['secrets', 'services'])", message: "the JupyterHub hub writes and deletes no Secret or Service: KubeSpawner makes them only for internal_ssl or services_enabled, which this stack does not set" },
        ],
    };
}
