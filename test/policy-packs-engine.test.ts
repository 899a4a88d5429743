import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { POLICY_PACKS } from "../policies/packs";
import { PROJECT_DIR } from "./helpers";

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

describe("policy packs, started the way the Pulumi CLI starts them", function () {
    this.timeout(120_000);
    const servers: ChildProcess[] = [];
    after(() => servers.forEach((s) => s.kill()));

    for (const { name, policies } of POLICY_PACKS) {
        it(`serves policies/${name} with every policy of the registry, at its level`, async () => {
            const { client, server } = await startPack(name);
            servers.push(server);
            const info = await call<any>((cb) => client.getAnalyzerInfo(new Empty(), cb));
            assert.equal(info.getName(), `groundwork-${name}`);
            const levels = ["advisory", "mandatory", "disabled", "remediate"];
            const served = info.getPoliciesList().map((p: any) => `${p.getName()}:${levels[p.getEnforcementlevel()]}`).sort();
            assert.deepEqual(served, policies.map((p) => `${p.name}:${p.enforcementLevel}`).sort());
        });
    }

    it("reports a privileged pod through the engine's Analyze call, as a mandatory violation", async () => {
        const { client, server } = await startPack("security");
        servers.push(server);
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
