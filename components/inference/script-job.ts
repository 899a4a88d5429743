import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Scheduling } from "../placement";
import { NATIVE_SIDECAR_ANNOTATION } from "../platform/linkerd-mesh";

/** The LiteLLM image's own user (`nobody`), numeric so the kubelet can verify runAsNonRoot. */
export const LITELLM_UID = 65534;

/**
 * What every script Job's Python shares, placed before its own code: JSON over HTTP with an
 * Authorization header (`request`), errors that name the path without its query and never print
 * a key (an error body may echo the request), and a wait of up to 15 minutes for the services
 * the Job calls to answer.
 */
export const SCRIPT_HTTP_CLIENT = `import json, re, sys, time, urllib.error, urllib.request


class ApiError(Exception):
    def __init__(self, path, status, body):
        super().__init__("%s answered %d: %s" % (path.split("?")[0], status, re.sub(r"sk-[A-Za-z0-9_-]+", "sk-[redacted]", body)[:600]))
        self.status = status


def request(base, auth, path, body=None, method=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Authorization": auth, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return json.loads(response.read().decode() or "null")
    except urllib.error.HTTPError as error:
        raise ApiError(path, error.code, error.read().decode(errors="replace"))


def wait_ready(what, *checks):
    for _ in range(90):
        try:
            for check in checks:
                check()
            return
        except (OSError, ApiError):
            time.sleep(10)
    sys.exit(what + " not ready after 15 minutes")
`;

export interface ScriptJobArgs {
    /** The Job's name: derived from what it applies, so a change runs it again. */
    jobName: pulumi.Input<string>;
    namespace: pulumi.Input<string>;
    /** The Job's labels, and its pod's unless `podLabels` says otherwise. */
    labels: Record<string, string>;
    podLabels?: Record<string, string>;
    annotations?: Record<string, string>;
    serviceAccount: string;
    scheduling: Scheduling;
    /** The image with python3 (the gateway's: no other image to pin). */
    image: string;
    container: string;
    /** The script, a path inside one of the mounts. */
    script: string;
    env: k8s.types.input.core.v1.EnvVar[];
    resources: k8s.types.input.core.v1.ResourceRequirements;
    /** Files mounted read-only: ConfigMaps and Secrets. */
    mounts: { name: string; mountPath: string; source: Omit<k8s.types.input.core.v1.Volume, "name"> }[];
    restartPolicy: "OnFailure" | "Never";
    backoffLimit: number;
    activeDeadlineSeconds?: number;
}

/**
 * A Job that runs one Python script against the gateway or Langfuse: meshed, with the proxy as a
 * native sidecar so the Job completes (Linkerd 2.15+, Kubernetes 1.29+; the beta key per
 * linkerd.io/2/reference/proxy-configuration, read 2026-11-25), as the image's unprivileged user
 * on a read-only root, without a service account token.
 */
export function scriptJob(name: string, args: ScriptJobArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
    return new k8s.batch.v1.Job(name, {
        metadata: { name: args.jobName, namespace: args.namespace, labels: args.labels, ...(args.annotations && { annotations: args.annotations }) },
        spec: {
            backoffLimit: args.backoffLimit,
            ...(args.activeDeadlineSeconds !== undefined && { activeDeadlineSeconds: args.activeDeadlineSeconds }),
            template: {
                metadata: { labels: args.podLabels ?? args.labels, annotations: { [NATIVE_SIDECAR_ANNOTATION]: "true" } },
                spec: {
                    restartPolicy: args.restartPolicy,
                    serviceAccountName: args.serviceAccount,
                    automountServiceAccountToken: false,
                    ...args.scheduling,
                    securityContext: { runAsNonRoot: true, runAsUser: LITELLM_UID, runAsGroup: LITELLM_UID, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{
                        name: args.container,
                        image: args.image,
                        command: ["python3", args.script],
                        env: args.env,
                        resources: args.resources,
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        volumeMounts: args.mounts.map((m) => ({ name: m.name, mountPath: m.mountPath, readOnly: true })),
                    }],
                    volumes: args.mounts.map((m) => ({ name: m.name, ...m.source })),
                },
            },
        },
    }, opts);
}
