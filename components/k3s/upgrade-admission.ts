import { ControllerFence } from "../admission-policy";

/** One container an upgrade Job may run, as the Plans make it: its name, image, and command or arguments. */
export interface UpgradeJobContainer {
    /** `prepare`, `drain` or `upgrade` (rancher/system-upgrade-controller@v0.20.1 pkg/upgrade/job/job.go L300-480). */
    name: string;
    /** The image exactly as the Job names it. */
    images: string[];
    /** The command, or none (the image's entrypoint). */
    command?: string[];
    /** The arguments, or none. */
    args?: string[];
}

export interface SystemUpgradeAdmissionArgs {
    /** The controller's namespace, where its Jobs run (Pod Security `privileged`). */
    namespace: string;
    /** Its ServiceAccount, in `namespace`; the Plans' Jobs run as it too. */
    serviceAccount: string;
    /** The Plans' CRD, the only one it may register. */
    crdName: string;
    /** Every container a Plan's Job holds, the drain container's aside. */
    containers: UpgradeJobContainer[];
    /** The drain container's image (SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE) and the flags after the node's name. */
    drain: { image: string; flags: string[] };
    /** Environment the Plans add (`upgrade.envs`), by name and value. */
    env: Record<string, string>;
}

/** Environment SUC itself gives every container (pkg/upgrade/container/container.go L95-125, L72-85). */
const SUC_ENV = ["SYSTEM_UPGRADE_NODE_NAME", "SYSTEM_UPGRADE_POD_NAME", "SYSTEM_UPGRADE_POD_UID", "SYSTEM_UPGRADE_PLAN_NAME", "SYSTEM_UPGRADE_PLAN_LATEST_HASH", "SYSTEM_UPGRADE_PLAN_LATEST_VERSION"];
/** The label SUC sets on a node once its Plan is done (pkg/apis/upgrade.cattle.io/constants.go, handle_batch.go L124-133). */
export const PLAN_LABEL_PREFIX = "plan.upgrade.cattle.io/";

const cel = (value: string) => JSON.stringify(value);
const celList = (values: string[]) => `[${values.map(cel).join(", ")}]`;
const listOf = (o: string, field: string) => `(has(${o}.${field}) ? ${o}.${field} : [])`;
const mapOf = (o: string, field: string) => `(has(${o}.${field}) ? ${o}.${field} : {})`;
const same = (field: string, empty: "{}" | "[]" | "''") => {
    const of = (o: string) => `(has(${o}.${field}) ? ${o}.${field} : ${empty})`;
    return `${of("object")} == ${of("oldObject")}`;
};

/**
 * CEL: one container `c` of an upgrade Job, as a Plan makes it and nothing else: a listed image with
 * its command and arguments exactly, or the drain container's kubectl with `drain <node>` and the
 * Plans' flags; only SUC's own environment and the Plans' (no `LD_PRELOAD`), its two mounts (the
 * host's `/` at `/host`, the pod's labels), and no hook or probe that would run a command of its own.
 */
export function upgradeContainerRule(args: SystemUpgradeAdmissionArgs): string {
    const exactly = (field: "command" | "args", value?: string[]) => value ? `has(c.${field}) && c.${field} == ${celList(value)}` : `size(${listOf("c", field)}) == 0`;
    const allowed = args.containers.map((k) => `(c.name == ${cel(k.name)} && c.image in ${celList(k.images)} && ${exactly("command", k.command)} && ${exactly("args", k.args)})`);
    // A node's name is a DNS subdomain: never a flag (kubectl drain's arguments: job.go L352-410).
    const drain = `(c.name == 'drain' && c.image == ${cel(args.drain.image)} && size(${listOf("c", "command")}) == 0 && has(c.args) && size(c.args) == ${args.drain.flags.length + 2}`
        + ` && c.args[0] == 'drain' && c.args[1].matches('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$') && c.args.all(a, a == c.args[0] || a == c.args[1] || a in ${celList(args.drain.flags)}))`;
    const envNames = celList([...SUC_ENV, ...Object.keys(args.env)]);
    const envValues = Object.entries(args.env).map(([k, v]) => ` && (e.name != ${cel(k)} || (has(e.value) && e.value == ${cel(v)}))`).join("");
    return `(${[...allowed, drain].join(" || ")})`
        + ` && ${listOf("c", "env")}.all(e, e.name in ${envNames}${envValues}) && !has(c.envFrom)`
        + ` && ${listOf("c", "volumeMounts")}.all(m, (m.name == 'host-root' && m.mountPath == '/host') || (m.name == 'pod-info' && m.mountPath == '/run/system-upgrade/pod'))`
        + ` && !has(c.lifecycle) && !has(c.livenessProbe) && !has(c.readinessProbe) && !has(c.startupProbe)`;
}

/**
 * What system-upgrade-controller is let write, at v0.20.1. Its RBAC (manifests/clusterrole.yaml,
 * carried in upgrades.ts) lets it create Jobs in a namespace whose Pod Security is `privileged`,
 * update every Node and register CRDs: a thief of its token could run any privileged pod with the
 * host's `/` on every node, relabel or untaint a node, or point another CRD's conversion at itself
 * (threat-model review s23 F8). What it does:
 * - Jobs only from its Plans (job.go New): the Plans' containers, run as its account, on the host's
 *   `/` and the pod's labels (L199-247);
 * - on a Node, its Plan's label when a Job completes and the uncordon (handle_batch.go L124-139), and,
 *   through the drain container, kubectl's cordon (`spec.unschedulable` alone);
 * - its own Plan CRD at start (controller.go L184-195, crd.BatchCreateCRDs).
 * Its drain deletes pods anywhere: that is what draining is, and it is left.
 */
export const SYSTEM_UPGRADE_RULES = {
    job: (args: SystemUpgradeAdmissionArgs) => {
        const spec = "object.spec.template.spec";
        return `request.resource.resource != 'jobs' || (request.namespace == ${cel(args.namespace)} && has(${spec}.serviceAccountName) && ${spec}.serviceAccountName == ${cel(args.serviceAccount)}`
            + ` && (${listOf(spec, "containers")} + ${listOf(spec, "initContainers")}).all(c, ${upgradeContainerRule(args)})`
            + ` && ${listOf(spec, "volumes")}.all(v, (v.name == 'host-root' && has(v.hostPath) && v.hostPath.path == '/') || (v.name == 'pod-info' && has(v.downwardAPI))))`;
    },
    node: `request.resource.resource != 'nodes' || (${same("metadata.annotations", "{}")} && ${same("metadata.ownerReferences", "[]")} && ${same("spec.taints", "[]")}`
        + ` && ${same("spec.podCIDR", "''")} && ${same("spec.podCIDRs", "[]")} && ${same("spec.providerID", "''")}`
        + ` && ${mapOf("object", "metadata.labels")}.all(k, k.startsWith('${PLAN_LABEL_PREFIX}') || (k in ${mapOf("oldObject", "metadata.labels")} && ${mapOf("oldObject", "metadata.labels")}[k] == ${mapOf("object", "metadata.labels")}[k]))`
        + ` && ${mapOf("oldObject", "metadata.labels")}.all(k, k.startsWith('${PLAN_LABEL_PREFIX}') || k in ${mapOf("object", "metadata.labels")}))`,
    crd: (crdName: string) => `request.resource.resource != 'customresourcedefinitions' || object.metadata.name == ${cel(crdName)}`,
} as const;

/** The fence holding system-upgrade-controller's writes to SYSTEM_UPGRADE_RULES. */
export function systemUpgradeFence(args: SystemUpgradeAdmissionArgs): ControllerFence {
    return {
        policyName: "groundwork-system-upgrade-controller",
        account: { namespace: args.namespace, name: args.serviceAccount },
        resourceRules: [
            { apiGroups: ["batch"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["jobs"] },
            { apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["nodes"] },
            { apiGroups: ["apiextensions.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["customresourcedefinitions"] },
        ],
        validations: [
            { expression: SYSTEM_UPGRADE_RULES.job(args), message: `system-upgrade-controller may run only its Plans' upgrade Jobs in ${args.namespace} (their images, commands and flags, as ${args.serviceAccount}), never a container of another's` },
            { expression: SYSTEM_UPGRADE_RULES.node, message: `system-upgrade-controller may only cordon and uncordon a node and set its ${PLAN_LABEL_PREFIX}* labels, never change its other labels, annotations or taints` },
            { expression: SYSTEM_UPGRADE_RULES.crd(args.crdName), message: `system-upgrade-controller may register only its own CRD, ${args.crdName}` },
        ],
    };
}
