import { celMapChangesOnly, celOr, celUnchanged as same, ControllerFence } from "../admission-policy";

/** One Plan's Job: its name, and its prepare step's command or arguments. */
export interface UpgradePlanJob {
    /** The Plan's name, which SUC hands every container as SYSTEM_UPGRADE_PLAN_NAME. */
    plan: string;
    /** The prepare container's command, or none (the image's entrypoint). */
    prepareCommand?: string[];
    /** The prepare container's arguments, or none. */
    prepareArgs?: string[];
}

export interface SystemUpgradeAdmissionArgs {
    /** The controller's namespace, where its Jobs run (Pod Security `privileged`). */
    namespace: string;
    /** Its ServiceAccount, in `namespace`; the Plans' Jobs run as it too. */
    serviceAccount: string;
    /** The Plans' CRD, the only one it may register. */
    crdName: string;
    /** The Plans' version as SUC tags images and sets SYSTEM_UPGRADE_PLAN_LATEST_VERSION with it (`+` made `-`: plan.go MungeVersion). */
    version: string;
    /** The upgrade and prepare image exactly as the Job names it (container.go WithLatestTag, in its familiar and its full form). */
    images: string[];
    /** The upgrade container's command, the same in every Plan. */
    upgradeCommand: string[];
    /** Environment the Plans add to the upgrade container (`upgrade.envs`), by name and value. */
    upgradeEnv: Record<string, string>;
    /** Each Plan's Job. */
    plans: UpgradePlanJob[];
    /** The drain container's image (SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE) and the flags after the node's name, in order. */
    drain: { image: string; flags: string[] };
}

/** Environment SUC gives every container from the pod (pkg/upgrade/container/container.go L90-128), beside the Plan's (L64-85). */
const SUC_FIELD_ENV: Record<string, string> = { SYSTEM_UPGRADE_NODE_NAME: "spec.nodeName", SYSTEM_UPGRADE_POD_NAME: "metadata.name", SYSTEM_UPGRADE_POD_UID: "metadata.uid" };
/** The container fields SUC sets or the API server defaults (container.go New; a Container's defaults); a hook, probe, port or working directory is none of them. */
const CONTAINER_FIELDS = ["name", "image", "command", "args", "env", "volumeMounts", "securityContext", "imagePullPolicy", "resources", "terminationMessagePath", "terminationMessagePolicy"];
/** The label SUC sets on a node once its Plan is done (pkg/apis/upgrade.cattle.io/constants.go, handle_batch.go L124-133). */
export const PLAN_LABEL_PREFIX = "plan.upgrade.cattle.io/";

const cel = (value: string) => JSON.stringify(value);
const celList = (values: string[]) => `[${values.map(cel).join(", ")}]`;
const listOf = (o: string, field: string) => celOr(o, field, "[]");
const exactly = (c: string, field: "command" | "args", value?: string[]) => value ? `has(${c}.${field}) && ${c}.${field} == ${celList(value)}` : `size(${listOf(c, field)}) == 0`;

/**
 * CEL: what every container `c` of a Job for Plan `plan` holds as SUC builds it: only the fields it
 * sets; SUC's environment, each variable from where SUC takes it (the pod's fields, the Plan's name,
 * version and hash) and the Plans' own with their values (no `LD_PRELOAD`); the host's `/` at
 * `/host` and the pod's labels, whole (no `subPath` into a pod's volume: review s24 R1).
 */
function containerHolds(c: string, plan: string, args: SystemUpgradeAdmissionArgs): string {
    const fieldEnv = Object.entries(SUC_FIELD_ENV).map(([name, path]) => `(e.name == ${cel(name)} && has(e.valueFrom) && has(e.valueFrom.fieldRef) && e.valueFrom.fieldRef.fieldPath == ${cel(path)})`);
    const valueEnv = Object.entries({ SYSTEM_UPGRADE_PLAN_NAME: plan, SYSTEM_UPGRADE_PLAN_LATEST_VERSION: args.version, ...args.upgradeEnv })
        .map(([name, value]) => `(e.name == ${cel(name)} && has(e.value) && e.value == ${cel(value)})`);
    const hash = `(e.name == 'SYSTEM_UPGRADE_PLAN_LATEST_HASH' && has(e.value) && e.value.matches('^[0-9a-f]+$'))`;
    return `${c}.all(k, k in ${celList(CONTAINER_FIELDS)})`
        + ` && ${listOf(c, "env")}.all(e, ${[...fieldEnv, ...valueEnv, hash].join(" || ")})`
        // Each of SUC's own present, so no script meets an unset one (security review s24b F3).
        + ` && ${celList([...Object.keys(SUC_FIELD_ENV), "SYSTEM_UPGRADE_PLAN_NAME", "SYSTEM_UPGRADE_PLAN_LATEST_VERSION"])}.all(n, ${listOf(c, "env")}.exists(e, e.name == n))`
        + ` && ${listOf(c, "volumeMounts")}.all(m, m.all(k, k in ['name', 'mountPath', 'readOnly']) && ((m.name == 'host-root' && m.mountPath == '/host') || (m.name == 'pod-info' && m.mountPath == '/run/system-upgrade/pod')))`;
}

/**
 * CEL: the pod of an upgrade Job for one of the Plans, exactly: the host's namespaces (the upgrade
 * script finds k3s among the host's processes), its account, the upgrade container alone, then the
 * Plan's prepare step and kubectl's drain of one node with the Plans' flags in order, and no volume
 * but the host's `/` and the pod's labels (job.go New, L136-480; the drain's arguments L367-400).
 */
export function upgradeJobPodRule(args: SystemUpgradeAdmissionArgs): string {
    const spec = "object.spec.template.spec";
    const [upgrade, prepare, drain] = [`${spec}.containers[0]`, `${spec}.initContainers[0]`, `${spec}.initContainers[1]`];
    const pod = [`${spec}.hostPID`, `${spec}.hostNetwork`, `${spec}.hostIPC`].map((f) => `has(${f}) && ${f} == true`).join(" && ")
        + ` && has(${spec}.serviceAccountName) && ${spec}.serviceAccountName == ${cel(args.serviceAccount)} && !has(${spec}.nodeName) && !has(${spec}.shareProcessNamespace)`
        + ` && ${listOf(spec, "volumes")}.all(v, (v.name == 'host-root' && has(v.hostPath) && v.hostPath.path == '/') || (v.name == 'pod-info' && has(v.downwardAPI) && !has(v.hostPath)))`
        + ` && size(${listOf(spec, "containers")}) == 1 && size(${listOf(spec, "initContainers")}) == 2`
        + ` && ${upgrade}.name == 'upgrade' && ${upgrade}.image in ${celList(args.images)} && ${exactly(upgrade, "command", args.upgradeCommand)} && ${exactly(upgrade, "args")}`
        + ` && ${celList(Object.keys(args.upgradeEnv))}.all(n, ${listOf(upgrade, "env")}.exists(e, e.name == n))`
        // A node's name is a DNS subdomain, never a flag (job.go L352-410); the flags exactly, in order (review s24 N2).
        + ` && ${drain}.name == 'drain' && ${drain}.image == ${cel(args.drain.image)} && ${exactly(drain, "command")} && has(${drain}.args) && size(${drain}.args) == ${args.drain.flags.length + 2}`
        + ` && ${drain}.args[0] == 'drain' && ${drain}.args[1].matches('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$') && ${drain}.args == ['drain', ${drain}.args[1], ${args.drain.flags.map(cel).join(", ")}]`;
    const perPlan = args.plans.map((p) => `(${prepare}.name == 'prepare' && ${prepare}.image in ${celList(args.images)} && ${exactly(prepare, "command", p.prepareCommand)} && ${exactly(prepare, "args", p.prepareArgs)}`
        + ` && (${listOf(spec, "containers")} + ${listOf(spec, "initContainers")}).all(c, ${containerHolds("c", p.plan, args)}))`);
    return `${pod} && (${perPlan.join(" || ")})`;
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
    job: (args: SystemUpgradeAdmissionArgs) => `request.resource.resource != 'jobs' || (request.namespace == ${cel(args.namespace)} && ${upgradeJobPodRule(args)})`,
    node: `request.resource.resource != 'nodes' || (${same("metadata.annotations", "{}")} && ${same("metadata.ownerReferences", "[]")} && ${same("metadata.finalizers", "[]")} && ${same("spec.taints", "[]")}`
        + ` && ${same("spec.podCIDR", "''")} && ${same("spec.podCIDRs", "[]")} && ${same("spec.providerID", "''")}`
        + ` && ${celMapChangesOnly("metadata.labels", `k.startsWith('${PLAN_LABEL_PREFIX}')`)})`,
    // Its own, and with no conversion webhook, which would hand every Plan read to an address (review s24 N4).
    crd: (crdName: string) => `request.resource.resource != 'customresourcedefinitions' || (object.metadata.name == ${cel(crdName)} && (!has(object.spec.conversion) || !has(object.spec.conversion.strategy) || object.spec.conversion.strategy == 'None'))`,
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
            { expression: SYSTEM_UPGRADE_RULES.job(args), message: `system-upgrade-controller may run only its Plans' upgrade Jobs in ${args.namespace}: their containers in order, with their images, commands, flags, environment and mounts exactly, in the host's namespaces, as ${args.serviceAccount}` },
            { expression: SYSTEM_UPGRADE_RULES.node, message: `system-upgrade-controller may only cordon and uncordon a node and set its ${PLAN_LABEL_PREFIX}* labels, never change its other labels, annotations or taints` },
            { expression: SYSTEM_UPGRADE_RULES.crd(args.crdName), message: `system-upgrade-controller may register only its own CRD, ${args.crdName}` },
        ],
    };
}
