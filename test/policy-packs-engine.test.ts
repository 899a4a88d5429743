import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { PolicyPackConfig } from "@pulumi/policy";
import { evaluatePolicies } from "../plan/policy-report";
import { policyInput } from "../plan/rendered-workloads";
import { packConfigs, readStackConfig } from "../plan/policy-config";
import { planStack } from "../plan/run";
import { POLICY_PACKS, RegisteredPack } from "../policies/packs";
import { configWithDefaults, ResourceRecord } from "../policies/policy-run";
import { committedPlan, PROJECT_DIR } from "./helpers";

// The engine's side of the policy protocol, as the Pulumi CLI speaks it (@pulumi/pulumi/proto).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzer = require("@pulumi/pulumi/proto/analyzer_pb");

/**
 * Starts a pack exactly as `pulumi preview --policy-pack policies/<pack>` does: the SDK's
 * run-policy-pack in the pack's folder (ts-node compiles index.ts, the PolicyPack constructor
 * serves the analyzer over gRPC and prints its port). Resolves with a client to it.
 */
function startPack(pack: string): Promise<{ client: any; server: ChildProcess }> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    const server = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: path.join(PROJECT_DIR, "policies", pack) });
    return new Promise((resolve, reject) => {
        let out = "";
        let err = "";
        server.stderr!.on("data", (d) => (err += d));
        server.on("exit", (code) => reject(new Error(`policies/${pack} exited ${code} before serving:\n${err}`)));
        server.stdout!.on("data", (d) => {
            out += d;
            const port = /^(\d+)\s*$/m.exec(out)?.[1];
            if (port) resolve({ client: new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()), server });
        });
    });
}

const call = <T>(fn: (cb: (e: Error | null, r: T) => void) => void) => new Promise<T>((res, rej) => fn((e, r) => (e ? rej(e) : res(r))));

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];
/** A value as the engine marshals it: JSON, no undefined. */
const struct = (value: unknown) => Struct.fromJavaScript(JSON.parse(JSON.stringify(value ?? {})));

/** Sends every policy's config with its schema defaults, as the CLI does before analysis. */
async function configure(client: any, pack: RegisteredPack, config: PolicyPackConfig = {}): Promise<void> {
    const request = new analyzer.ConfigureAnalyzerRequest();
    for (const policy of pack.policies) {
        const given = config[policy.name];
        const entry = new analyzer.PolicyConfig()
            .setEnforcementlevel(LEVELS.indexOf((typeof given === "object" && given.enforcementLevel) || policy.enforcementLevel || "advisory"))
            .setProperties(struct(configWithDefaults(policy, typeof given === "object" ? given : {})));
        request.getPolicyconfigMap().set(policy.name, entry);
    }
    await call((cb) => client.configure(request, cb));
}

const resourceMessage = (r: ResourceRecord, message: any) => message
    .setType(r.type).setName(r.name).setUrn(r.urn).setProperties(struct(r.props))
    .setOptions(new analyzer.AnalyzerResourceOptions().setProtect(!!r.protect).setIgnorechangesList(r.ignoreChanges ?? []).setParent(r.parent ?? ""));

/** A stack's resources as the engine sends them, on the wire: one AnalyzeRequest each, and the AnalyzeStack request. */
interface EngineRequests {
    urns: string[];
    analyze: Buffer[];
    analyzeStack: Buffer;
}

/**
 * Builds and serializes the requests once per stack: every pack is sent the same bytes, as the CLI
 * sends each the same requests (serializing them again for each of five packs made most of this
 * file's garbage).
 */
const engineRequests = (records: ResourceRecord[]): EngineRequests => ({
    urns: records.map((r) => r.urn),
    analyze: records.map((r) => Buffer.from(resourceMessage(r, new analyzer.AnalyzeRequest()).serializeBinary())),
    analyzeStack: Buffer.from(new analyzer.AnalyzeStackRequest().setResourcesList(records.map((r) =>
        resourceMessage(r, new analyzer.AnalyzerResource()).setDependenciesList(r.dependencies ?? []))).serializeBinary()),
});

/** Sends serialized request bytes to one of the analyzer's methods (AnalyzerService in analyzer_grpc_pb). */
const sendBytes = (client: any, method: "analyze" | "analyzeStack", bytes: Buffer) => {
    const { path: rpc, responseDeserialize } = analyzerRpc.AnalyzerService[method];
    return call<any>((cb) => client.makeUnaryRequest(rpc, (b: Buffer) => b, responseDeserialize, bytes, cb));
};

/** What the engine's analyzer reports for a stack: every resource through Analyze, then AnalyzeStack. */
async function engineViolations(client: any, pack: RegisteredPack, requests: EngineRequests): Promise<string[]> {
    const found: string[] = [];
    // The engine files a resource policy's diagnostic under the resource it analysed.
    const collect = (response: any, analysed = "") => response.getDiagnosticsList().forEach((d: any) =>
        found.push(`${pack.name}/${d.getPolicyname()}/${LEVELS[d.getEnforcementlevel()]}/${d.getUrn() || analysed}`));
    // The engine analyses resources as they register, many at once: so do we.
    const responses = await Promise.all(requests.analyze.map((request) => sendBytes(client, "analyze", request)));
    responses.forEach((response, i) => collect(response, requests.urns[i]));
    collect(await sendBytes(client, "analyzeStack", requests.analyzeStack));
    return found;
}

describe("policy packs, started the way the Pulumi CLI starts them", function () {
    this.timeout(120_000);
    const servers: ChildProcess[] = [];
    after(() => servers.forEach((s) => s.kill()));
    // Each pack is started once and serves every test, as one CLI run serves every resource.
    const started = new Map<string, Promise<{ client: any; server: ChildProcess }>>();
    const pack = (name: string) => {
        if (!started.has(name)) {
            started.set(name, startPack(name).then((p) => (servers.push(p.server), p)));
        }
        return started.get(name)!;
    };
    before(() => POLICY_PACKS.forEach((p) => void pack(p.name).catch(() => undefined)));

    for (const { name, policies } of POLICY_PACKS) {
        it(`serves policies/${name} with every policy of the registry, at its level`, async () => {
            const { client } = await pack(name);
            const info = await call<any>((cb) => client.getAnalyzerInfo(new Empty(), cb));
            assert.equal(info.getName(), `groundwork-${name}`);
            const levels = ["advisory", "mandatory", "disabled", "remediate"];
            const served = info.getPoliciesList().map((p: any) => `${p.getName()}:${levels[p.getEnforcementlevel()]}`).sort();
            assert.deepEqual(served, policies.map((p) => `${p.name}:${p.enforcementLevel}`).sort());
        });
    }

    const INSECURE = path.join(PROJECT_DIR, "test/fixtures/insecure");
    const stacks: { stack: string; stackFile?: string; program?: string }[] = [
        { stack: "dev" },
        { stack: "cloud" },
        // The fixture built to break rules: every pack's failing paths, through the engine too.
        { stack: "insecure", stackFile: path.join(INSECURE, "Pulumi.insecure.yaml"), program: path.join(INSECURE, "index.ts") },
    ];
    for (const { stack, stackFile, program } of stacks) {
        it(`finds in the ${stack} stack exactly the violations the offline plan reports, pack by pack`, async () => {
            // The committed stacks' shared plans; the fixture is planned here (the records are only read).
            const plan = stackFile ? await planStack({ projectDir: PROJECT_DIR, stack, stackFile, program }) : await committedPlan(stack);
            const stackConfig = readStackConfig({ projectDir: PROJECT_DIR, stack, stackFile });
            // With the modelled chart, operator and k3s workloads, as a real preview's Chart v4 children.
            const { records } = policyInput(plan.resources, stackConfig);
            const configs = packConfigs(stackConfig, POLICY_PACKS.map((p) => p.name));
            const offline = (await evaluatePolicies(stack, records, POLICY_PACKS, configs)).violations
                .map((v) => `${v.pack}/${v.policy}/${v.level}/${v.resource?.urn ?? ""}`).sort();
            // The CLI runs every pack at once, each in its own process.
            const requests = engineRequests(records);
            const engine = (await Promise.all(POLICY_PACKS.map(async (registered) => {
                const { client } = await pack(registered.name);
                await configure(client, registered, configs[registered.name]);
                return engineViolations(client, registered, requests);
            }))).flat();
            assert.ok(offline.length > 0, "the stack's advisories give the comparison something to compare");
            assert.deepEqual(engine.sort(), offline);
        });
    }

    it("reports a privileged pod through the engine's Analyze call, as a mandatory violation", async () => {
        const { client } = await pack("security");
        const pod = {
            metadata: { name: "bad", namespace: "apps" },
            spec: { template: { spec: { containers: [{ name: "app", image: "nginx:1.27.3", securityContext: { privileged: true } }] } } },
        };
        const request = new analyzer.AnalyzeRequest()
            .setType("kubernetes:apps/v1:Deployment")
            .setName("bad")
            .setUrn("urn:pulumi:t::groundwork::kubernetes:apps/v1:Deployment::bad")
            .setProperties(Struct.fromJavaScript(pod))
            .setOptions(new analyzer.AnalyzerResourceOptions());
        const response = await call<any>((cb) => client.analyze(request, cb));
        const found = response.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getEnforcementlevel()]);
        assert.ok(found.some(([policy, level]: [string, number]) => policy === "pod-no-privileged" && level === 1), JSON.stringify(found));
    });
});
