import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import { kubernetesDocuments } from "../plan/report";
import { committedPlan } from "./helpers";

/**
 * The shared response cache's container, run for real: the Deployment's own command and probe with
 * Debian's redis-server and redis-cli standing in for Valkey's (Valkey 8.0 is a fork of Redis 7.2
 * and keeps its options; Debian bookworm ships Redis 7.0.15). Proves the password reaches the
 * server on stdin and never its command line, the probe fails without it, and the cache keeps
 * nothing on disk and evicts least recently used entries.
 */

const freePort = () => new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
        const port = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(port));
    });
});

describe("response cache container (redis-server standing in for valkey-server)", function () {
    const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;

    it("starts with the password from the environment on stdin, and the probe needs it", async function () {
        if (!hasRedis) assert.fail("redis-server is not installed (.ci/run installs redis-server)");
        const docs = kubernetesDocuments((await committedPlan("cloud")).resources) as any[];
        const container = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "response-cache").spec.template.spec.containers[0];
        const port = await freePort();
        const swap = (text: string) => text.replace("/opt/bitnami/valkey/bin/valkey-server", "redis-server").replace("--port 6379", `--port ${port}`);
        assert.deepEqual(container.command, ["/bin/bash", "-c"]);
        const password = "cache-password-0123456789abcdef";
        const env = { ...process.env, VALKEY_PASSWORD: password };
        const server = spawn(container.command[0], [container.command[1], swap(container.args[0])], { env, stdio: "ignore" });
        try {
            const probe = container.readinessProbe.exec.command.map((part: string) => part.replace("/opt/bitnami/valkey/bin/valkey-cli", "redis-cli").replace("6379", String(port)));
            let answer = spawnSync(probe[0], probe.slice(1), { env: { ...process.env, REDISCLI_AUTH: password }, encoding: "utf8" });
            for (let i = 0; i < 50 && answer.status !== 0; i++) {
                await new Promise((r) => setTimeout(r, 100));
                answer = spawnSync(probe[0], probe.slice(1), { env: { ...process.env, REDISCLI_AUTH: password }, encoding: "utf8" });
            }
            assert.equal(answer.stdout.trim(), "PONG");
            const without = spawnSync(probe[0], probe.slice(1), { encoding: "utf8" });
            assert.notEqual(without.status, 0, "the probe fails without the password (-e)");
            assert.match(without.stdout + without.stderr, /NOAUTH/);
            const cli = (...args: string[]) => spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { env: { ...process.env, REDISCLI_AUTH: password }, encoding: "utf8" }).stdout.replace(/\n$/, "").split("\n");
            assert.deepEqual(cli("config", "get", "maxmemory-policy"), ["maxmemory-policy", "allkeys-lru"]);
            assert.deepEqual(cli("config", "get", "maxmemory"), ["maxmemory", String(200 * 1024 * 1024)]);
            assert.deepEqual(cli("config", "get", "save"), ["save", ""]);
            assert.deepEqual(cli("config", "get", "appendonly"), ["appendonly", "no"]);
            const cmdline = fs.readFileSync(`/proc/${server.pid}/cmdline`, "utf8");
            assert.ok(!cmdline.includes(password), "the password is not on the server's command line");
            assert.ok(!container.args[0].includes(password) && !JSON.stringify(container).includes("requirepass cache"), "nor in the manifest");
        } finally {
            server.kill();
        }
    });
});
