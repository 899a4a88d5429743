/**
 * The workloads the offline plan cannot see directly: the pods each Helm chart renders, the ones
 * an operator creates for our custom resources (CloudNativePG's instances), and the ones k3s
 * deploys itself. Under Pulumi's mock runtime a Chart is one resource with its values; here each
 * one becomes the workloads its typed model renders (components/rendered/), recorded like the
 * children a real `pulumi preview` of a Helm Chart v4 registers, so the policy packs evaluate them
 * exactly as they evaluate ours.
 */
import { pinRenderedImages } from "../components/chart-image-pins";
import { K3S_DISABLED } from "../components/k3s/bootstrap";
import { chartModel } from "../components/rendered/charts";
import { k3sPackagedWorkloads } from "../components/rendered/k3s-packaged";
import { barmanSidecarImage, cnpgInstancePods, cnpgOperatorImage } from "../components/rendered/operators";
import { RenderedWorkload } from "../components/rendered/workload";
import { ResourceRecord } from "../policies/policy-run";
import { StackConfig } from "../stacks/config";
import { RecordedResource } from "./monitor";
import { RegisteredPack } from "../policies/packs";
import { packConfigs, RepositoryFiles } from "./policy-config";
import { evaluatePolicies, PolicyReport, toPolicyRecord } from "./policy-report";

const HELM_TYPES = new Set(["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"]);
const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const BARMAN_OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";

/** One source of modelled workloads, for the policy report. */
export interface RenderedSource {
    /** `chart <name>@<version>`, `operator cloudnative-pg`, or `k3s <version>`. */
    source: string;
    /** The release or resource it comes from. */
    from: string;
    namespace: string;
    /** `Kind name` of each workload evaluated; null when the chart has no model at this version. */
    workloads: string[] | null;
}

export interface RenderedWorkloads {
    records: ResourceRecord[];
    sources: RenderedSource[];
}

/** What the plan knows of the cluster k3s runs: its version and the packaged components it disables. */
export interface K3sPackaging {
    version: string;
    disabled: readonly string[];
}

/** A child URN as a Chart v4 component registers it: the parent's type chain, then the child's. */
function childUrn(parent: ResourceRecord | undefined, stackProject: string, w: RenderedWorkload): { type: string; urn: string; name: string } {
    const type = `kubernetes:${w.apiVersion.includes("/") ? w.apiVersion : `core/${w.apiVersion}`}:${w.kind}`;
    const name = `${w.metadata.namespace}/${w.metadata.name}`;
    const chain = parent ? `${parent.type}$${type}` : type;
    return { type, name, urn: `urn:pulumi:${stackProject}::${chain}::${parent ? `${parent.name}:` : "k3s:"}${name}` };
}

const record = (parent: ResourceRecord | undefined, stackProject: string, w: RenderedWorkload): ResourceRecord => {
    const { type, urn, name } = childUrn(parent, stackProject, w);
    return { type, name, urn, props: w as unknown as Record<string, any>, parent: parent?.urn };
};

/**
 * Expands every chart release and CNPG Cluster among the records, and adds k3s's own workloads.
 * `transformed` holds the URNs of the releases that registered transforms: only those get the
 * images pinned after rendering (components/chart-image-pins.ts), as only on those does the engine run them.
 */
export function renderedWorkloads(records: ResourceRecord[], k3s: K3sPackaging | undefined, transformed: ReadonlySet<string> = new Set()): RenderedWorkloads {
    const stackProject = records[0]?.urn.split("::").slice(0, 2).join("::").replace(/^urn:pulumi:/, "") ?? "stack::project";
    const out: RenderedWorkloads = { records: [], sources: [] };
    const add = (source: string, from: ResourceRecord | undefined, fromName: string, namespace: string, workloads: RenderedWorkload[] | null) => {
        out.sources.push({ source, from: fromName, namespace, workloads: workloads?.map((w) => `${w.kind} ${w.metadata.name}`) ?? null });
        workloads?.forEach((w) => out.records.push(record(from, stackProject, w)));
    };
    const objectStores = records.filter((s) => s.type === BARMAN_OBJECT_STORE).map((s) => s.props as any);
    // The operator's and the plugin's images reach the instance pods they create.
    const chartValues = (chart: string) => records.find((s) => HELM_TYPES.has(s.type) && s.props.chart === chart)?.props.values ?? {};
    const cnpgImages = { operator: cnpgOperatorImage(chartValues("cloudnative-pg")), sidecar: barmanSidecarImage(chartValues("plugin-barman-cloud")) };
    for (const r of records) {
        if (HELM_TYPES.has(r.type)) {
            const { chart, version, values, namespace, name } = r.props;
            const model = chartModel(String(chart), String(version));
            const release = { name: String(name ?? r.name), namespace: String(namespace ?? "default"), values: values ?? {} };
            // As the Chart v4's transform pins them after rendering (pinnedRelease).
            const pin = (w: RenderedWorkload) => (transformed.has(r.urn) ? pinRenderedImages(String(chart), w) : w);
            const workloads = model?.render(release).map(pin) ?? null;
            add(`chart ${chart}@${version}`, r, release.name, release.namespace, workloads);
        } else if (r.type === CNPG_CLUSTER) {
            add("operator cloudnative-pg", r, String(r.props.metadata?.name), String(r.props.metadata?.namespace), [cnpgInstancePods(r.props as any, objectStores, cnpgImages)]);
        }
    }
    if (k3s) {
        add(`k3s ${k3s.version}`, undefined, "packaged components", "kube-system", k3sPackagedWorkloads(k3s.disabled));
    }
    return out;
}

/**
 * What the policy packs evaluate for a planned stack: every recorded resource as the engine would
 * send it, and the workloads modelled behind each chart, Cluster and k3s itself.
 */
export function policyInput(resources: RecordedResource[], config: StackConfig | undefined): RenderedWorkloads {
    const records = resources.map(toPolicyRecord);
    const transformed = new Set(resources.filter((r) => r.transforms > 0).map((r) => r.urn));
    const rendered = renderedWorkloads(records, config && { version: config.cluster.k3sVersion, disabled: K3S_DISABLED }, transformed);
    return { records: [...records, ...rendered.records], sources: rendered.sources };
}

/**
 * The policy report of a planned stack, as `npm run plan` writes it: every pack over the recorded
 * resources and the modelled workloads, with each pack's config derived from the stack's, and the
 * modelled workloads listed per source.
 */
export async function planPolicyReport(stack: string, resources: RecordedResource[], config: StackConfig, packs: RegisteredPack[], repository: RepositoryFiles = {}): Promise<PolicyReport> {
    const input = policyInput(resources, config);
    const report = await evaluatePolicies(stack, input.records, packs, packConfigs(config, packs.map((p) => p.name), repository));
    return { ...report, rendered: input.sources };
}
