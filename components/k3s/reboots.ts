import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "../pinned-chart";
import { ContainerResources, Footprint, requestsOf } from "../platform/footprint";
import { guardedNamespace } from "../platform/guarded-namespace";
import { ControllerAdmission } from "../admission-policy";
import { kuredFence } from "./kured-admission";
import { UpgradeWindow } from "./upgrades";
import { EgressDestination } from "../platform/egress";

/**
 * kured, pinned: kubereboot/charts@kured-6.1.0:charts/kured/Chart.yaml (appVersion 1.23.0), the
 * first entry of the index at https://kubereboot.github.io/charts/ (kubereboot/charts@0f6e306
 * index.yaml L1-21); image ghcr.io/kubereboot/kured:1.23.0, built for amd64 and arm64
 * (kubereboot/kured@1.23.0 .config/goreleaser.yaml L44-58). Values from charts/kured/values.yaml
 * and templates/daemonset.yaml at that tag (read 2026-11-27).
 */
export const KURED_CHART = { chart: "kured", repo: "https://kubereboot.github.io/charts/", version: "6.1.0", evidence: "kubereboot/charts@kured-6.1.0:charts/kured/Chart.yaml" } as const;
export const REBOOT_NAMESPACE = "kured";

const RESOURCES: ContainerResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };

/** One kured pod per node. */
export function rebootsFootprint(): Footprint[] {
    return [{ workload: "kured", pods: "per-node", perPod: requestsOf(RESOURCES) }];
}

/** kured's day names (pkg/timewindow/days.go at 1.23.0 reads `su`..`sa` and full names). */
const DAY = { sunday: "su", monday: "mo", tuesday: "tu", wednesday: "we", thursday: "th", friday: "fr", saturday: "sa" } as Record<string, string>;

/**
 * How often kured checks a node: after a random delay of a half to one and a half periods, once a
 * period, and it reboots only on a check that falls inside the window (kubereboot/kured@1.23.0
 * cmd/kured/main.go L627-633, pkg/delaytick/delaytick.go `New`).
 */
export const KURED_PERIOD_MINUTES = 10;

/** The chart's values: a reboot only inside the window, one node at a time, drained first. */
export function kuredValues(window: UpgradeWindow): Record<string, unknown> {
    return {
        configuration: {
            // Checked every 10 minutes, so several nodes, one after another, fit in one window.
            period: `${KURED_PERIOD_MINUTES}m`,
            rebootDays: window.days.map((d) => DAY[d]),
            startTime: window.startTime,
            endTime: window.endTime,
            timeZone: window.timeZone,
            concurrency: 1,
            // A node whose drain cannot finish (a one-instance Postgres's disruption budget never
            // lets its pod be evicted) is rebooted anyway after the timeout: the pending security
            // update outweighs a few minutes of that store.
            drainTimeout: "10m",
            forceReboot: true,
            // Reboot by signalling systemd (SIGRTMIN+5) instead of nsenter as a privileged
            // container: only CAP_KILL is needed (values.yaml L93-102; cmd/kured/main.go L138, L170).
            rebootMethod: "signal",
            annotateNodes: true,
        },
        containerSecurityContext: { privileged: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ["KILL"], drop: ["ALL"] } },
        resources: RESOURCES,
        // Every node reboots when it needs to, whatever its taints (GPU, edge, control plane).
        tolerations: [{ operator: "Exists" }],
        // Not meshed (its namespace is outside the injector's webhook): it runs when the mesh does not.
        podAnnotations: { "linkerd.io/inject": "disabled" },
    };
}

export interface NodeRebootsArgs {
    /** Where pods reach the Kubernetes API (egress.ts apiServerAt): the servers' addresses, or anywhere but the metadata service where they are not known. */
    apiServer: EgressDestination;
    /** When nodes may reboot; must not overlap the k3s upgrade window. */
    window: UpgradeWindow;
}

/**
 * Coordinated reboots after OS updates: kured watches each node's /var/run/reboot-required (which
 * Ubuntu's packages write after a kernel or libc update; unattended-upgrades installs them and
 * never reboots by itself), and reboots one node at a time, drained, inside the window. Its pods
 * use the host's PID namespace and a hostPath, so the namespace enforces Pod Security `privileged`.
 */
export class NodeReboots extends pulumi.ComponentResource {
    constructor(name: string, args: NodeRebootsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:NodeReboots", name, {}, opts);
        const ns = guardedNamespace(name, {
            metadata: {
                name: REBOOT_NAMESPACE,
                labels: {
                    // hostPID: true and the sentinel's hostPath (templates/daemonset.yaml L40-42, L249-257).
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "config.linkerd.io/admission-webhooks": "disabled",
                    "app.kubernetes.io/managed-by": "groundwork",
                },
            },
        }, { parent: this }, { egress: { apiServer: { reason: "kured holds its reboot lock on its DaemonSet, and cordons and drains its node", at: args.apiServer } } });
        pinnedRelease(name, KURED_CHART, { name: "kured", namespace: ns.metadata.name, values: kuredValues(args.window) }, { parent: this });
        // The chart's account is the release's fullname, `kured` (templates/_helpers.tpl, kured.serviceAccountName).
        new ControllerAdmission(`${name}-admission`, { fences: [kuredFence({ namespace: REBOOT_NAMESPACE, serviceAccount: "kured" })] }, { parent: this });
        this.registerOutputs({});
    }
}
