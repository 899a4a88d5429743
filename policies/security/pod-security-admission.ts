import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { containerLabel, PodWorkload, podWorkload } from "../kubernetes-pods";

/**
 * What Kubernetes Pod Security Admission would do with each pod: the level its namespace enforces
 * (`pod-security.kubernetes.io/enforce`), applied to ours, to those charts render and to those k3s
 * deploys. A pod its namespace rejects never starts, so this is mandatory. The checks follow the
 * Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards, read
 * 2026-11-27); a namespace without the label is privileged (k3s's default: kube-system).
 */

const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
type Level = "privileged" | "baseline" | "restricted";

/** PSS baseline "Capabilities": what a container may add. */
const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);
/** PSS restricted "Volume Types". */
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);

/** Why the level rejects the pod: one line per failed check; empty when admitted. */
export function podSecurityFailures(pod: PodWorkload, level: Level): string[] {
    if (level === "privileged") return [];
    const out: string[] = [];
    const spec = pod.spec;
    const podContext = spec.securityContext ?? {};
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (spec[field] === true) out.push(`${pod.specPath}.${field} is true`);
    }
    for (const v of spec.volumes ?? []) {
        if (v.hostPath) out.push(`volume "${v.name}" is a hostPath`);
        else if (level === "restricted" && !Object.keys(v).some((k) => RESTRICTED_VOLUMES.has(k))) {
            out.push(`volume "${v.name}" is of a type restricted does not allow`);
        }
    }
    if (podContext.seccompProfile?.type === "Unconfined") out.push(`${pod.specPath}.securityContext.seccompProfile is Unconfined`);
    for (const c of pod.containers) {
        const ctx = c.container.securityContext ?? {};
        const label = containerLabel(c);
        if (ctx.privileged === true) out.push(`${label}: privileged`);
        const added: string[] = ctx.capabilities?.add ?? [];
        const notBaseline = added.filter((cap) => !BASELINE_CAPABILITIES.has(cap));
        if (notBaseline.length > 0) out.push(`${label}: adds capabilities ${notBaseline.join(", ")}`);
        if ((c.container.ports ?? []).some((p: { hostPort?: number }) => p.hostPort)) out.push(`${label}: uses a hostPort`);
        if (ctx.seccompProfile?.type === "Unconfined") out.push(`${label}: seccompProfile is Unconfined`);
        if (level !== "restricted") continue;
        if (ctx.allowPrivilegeEscalation !== false) out.push(`${label}: allowPrivilegeEscalation is not false`);
        if ((ctx.runAsNonRoot ?? podContext.runAsNonRoot) !== true) out.push(`${label}: runAsNonRoot is not true`);
        if ((ctx.runAsUser ?? podContext.runAsUser) === 0) out.push(`${label}: runAsUser is 0`);
        const seccomp = ctx.seccompProfile?.type ?? podContext.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") out.push(`${label}: seccompProfile is not RuntimeDefault or Localhost`);
        const dropped: string[] = (ctx.capabilities?.drop ?? []).map((d: string) => d.toUpperCase());
        if (!dropped.includes("ALL")) out.push(`${label}: capabilities.drop does not include ALL`);
        const extra = added.filter((cap) => cap !== "NET_BIND_SERVICE");
        if (extra.length > 0 && notBaseline.length === 0) out.push(`${label}: adds ${extra.join(", ")} (restricted allows only NET_BIND_SERVICE)`);
    }
    return out;
}

/** The enforce level of every namespace the stack creates; patches of existing ones count too. */
function namespaceLevels(resources: PolicyResource[]): Map<string, Level> {
    const levels = new Map<string, Level>();
    for (const r of resources) {
        if (r.type !== "kubernetes:core/v1:Namespace") continue;
        const level = r.props.metadata?.labels?.[ENFORCE_LABEL];
        levels.set(String(r.props.metadata?.name ?? r.name), level === "baseline" || level === "restricted" ? level : "privileged");
    }
    return levels;
}

export const podSecurityAdmission: StackValidationPolicy = {
    name: "pod-security-admission",
    description: "Every pod (ours, chart-rendered, k3s-packaged) passes the Pod Security level its namespace enforces.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const levels = namespaceLevels(args.resources);
        for (const r of args.resources) {
            const pod = podWorkload(r.type, r.props);
            if (pod === undefined) continue;
            const level = levels.get(pod.namespace) ?? "privileged";
            const failures = podSecurityFailures(pod, level);
            if (failures.length > 0) {
                report(
                    `${pod.kind} ${pod.namespace}/${pod.name || r.name} is rejected by namespace "${pod.namespace}" (Pod Security ${level}): ` +
                        `${failures.join("; ")}; fix the pod's security context (or the chart values that render it)`,
                    r.urn,
                );
            }
        }
    },
};
