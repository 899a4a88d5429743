import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CHART_IMAGE_PINS, pinRenderedImages, renderedImagePinTransform } from "../components/chart-image-pins";
import { IMAGE_DIGESTS } from "../components/image-digests";
import { pinnedRelease } from "../components/pinned-chart";
import { QDRANT_CHART } from "../components/platform/qdrant";
import { qdrantModel } from "../components/rendered/data-stores";
import { readStackConfig } from "../plan/policy-config";
import { toPolicyRecord } from "../plan/policy-report";
import { policyInput, renderedWorkloads } from "../plan/rendered-workloads";
import { committedPlan, PROJECT_DIR } from "./helpers";

const QDRANT_BY_DIGEST = `docker.io/qdrant/qdrant:v1.18.2-unprivileged@${IMAGE_DIGESTS["docker.io/qdrant/qdrant:v1.18.2-unprivileged"].digest}`;
const transformArgs = (props: any): pulumi.ResourceTransformArgs =>
    ({ custom: true, type: `kubernetes:${props.apiVersion}:${props.kind}`, name: `qdrant:groundwork-data/${props.metadata.name}`, props, opts: {} });

describe("images pinned after rendering (components/chart-image-pins.ts)", () => {
    it("gives Qdrant's chart the transform, and only the charts with pins", async () => {
        const charts = (await committedPlan("dev")).resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart");
        // Two: its own (the ServiceAccount mounts no token: components/platform/qdrant.ts) and the pins'.
        assert.deepEqual(charts.filter((c) => c.transforms > 0).map((c) => [c.name, c.transforms]), [["qdrant", 2]]);
        assert.deepEqual(Object.keys(CHART_IMAGE_PINS), ["qdrant"]);
    });

    it("pins Qdrant's container by digest after the chart rendered its tag, as the offline plan shows", async () => {
        const plan = await committedPlan("dev");
        const values = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.name === "qdrant")!.plainInputs.values as Record<string, any>;
        const [rendered] = qdrantModel.render({ name: "qdrant", namespace: "groundwork-data", values });
        const before = JSON.stringify(rendered);
        const result = renderedImagePinTransform(QDRANT_CHART.chart)(transformArgs(rendered)) as pulumi.ResourceTransformResult;
        const container = result.props.spec.template.spec.containers[0];
        assert.equal(container.image, QDRANT_BY_DIGEST);
        // The chart's semverCompare saw the bare tag: the readiness path stays /readyz.
        assert.equal(container.readinessProbe.httpGet.path, "/readyz");
        assert.equal(JSON.stringify(rendered), before, "the rendered object is not modified in place");
        const { records } = policyInput(plan.resources, readStackConfig({ projectDir: PROJECT_DIR, stack: "dev" }));
        const modelled = records.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "groundwork-data/qdrant")!;
        assert.equal(modelled.props.spec.template.spec.containers[0].image, QDRANT_BY_DIGEST);
        // A release that registered no transform (a chart installed another way) keeps its tag.
        const untransformed = renderedWorkloads(plan.resources.map(toPolicyRecord), undefined).records.find((r) => r.name === "groundwork-data/qdrant")!;
        assert.equal(untransformed.props.spec.template.spec.containers[0].image, "docker.io/qdrant/qdrant:v1.18.2-unprivileged");
    });

    it("leaves every other object of the chart alone, and a pinned one as it is", () => {
        const transform = renderedImagePinTransform("qdrant");
        assert.equal(transform({ ...transformArgs({ apiVersion: "v1", kind: "Service", metadata: { name: "qdrant" }, spec: {} }) }), undefined);
        const pinned = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "qdrant" }, spec: { template: { spec: { containers: [{ name: "qdrant", image: QDRANT_BY_DIGEST }] } } } };
        assert.deepEqual(pinRenderedImages("qdrant", pinned), pinned);
        const other = { ...pinned, spec: { template: { spec: { containers: [{ name: "qdrant", image: "docker.io/qdrant/qdrant:v1.18.2" }] } } } };
        assert.equal(pinRenderedImages("cloudnative-pg", other), other);
    });

    it("stops a render whose image the pin was not recorded for, naming the chart, container, image and fix", () => {
        const upgraded = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "qdrant" }, spec: { template: { spec: { containers: [{ name: "qdrant", image: "docker.io/qdrant/qdrant:v1.19.0-unprivileged" }] } } } };
        assert.throws(() => renderedImagePinTransform("qdrant")(transformArgs(upgraded)),
            /^Error: chart qdrant: container "qdrant" of StatefulSet qdrant renders image "docker\.io\/qdrant\/qdrant:v1\.19\.0-unprivileged", but its digest pin is for "docker\.io\/qdrant\/qdrant:v1\.18\.2-unprivileged" .*npm run images:verify -- --image/);
    });

    it("reaches init containers and a CronJob's pod template", () => {
        const table = { jobs: [{ kind: "CronJob" as const, container: "fetch", image: "quay.io/curl/curl:8.21.0" as const }] };
        const cronJob = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "fetch" },
            spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ name: "fetch", image: "quay.io/curl/curl:8.21.0" }], containers: [{ name: "main", image: "quay.io/curl/curl:8.21.0" }] } } } } } };
        const pod = pinRenderedImages("jobs", cronJob, table).spec.jobTemplate.spec.template.spec;
        assert.deepEqual([pod.initContainers[0].image, pod.containers[0].image], [`quay.io/curl/curl:8.21.0@${IMAGE_DIGESTS["quay.io/curl/curl:8.21.0"].digest}`, "quay.io/curl/curl:8.21.0"]);
    });

    it("refuses pins on a chart installed as a Helm release, which no transform reaches", () => {
        assert.throws(() => pinnedRelease("q", { ...QDRANT_CHART, installAsHelmRelease: "test" }, { name: "qdrant", namespace: "groundwork-data", values: {} }, {}),
            /chart qdrant: installed as a Helm release, so its images cannot be pinned after rendering/);
    });
});
