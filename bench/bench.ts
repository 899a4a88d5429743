/**
 * `npm run bench`: times the offline plan of every stack against its floor (the same runner and
 * mock runtime with a trivial program registering as many resources), and the test suite.
 * Prints a table; it is a measurement, not a test.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? "5");
const TSX = require.resolve("tsx/cli");

/** Exit 3 is the plan's "mandatory policy violations" after a complete run: the floor program, which
 *  registers none of the stack's NetworkPolicies beside k3s's modelled pods, ends there. */
const PLAN_VIOLATIONS = 3;

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}, accepted: number[] = [0]): number {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (!accepted.includes(result.status ?? -1)) {
        throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}${result.stdout}`);
    }
    return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function planSeconds(stack: string, out: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}, accepted: number[] = [0]): number {
    const runs = Array.from({ length: RUNS }, () => timed(process.execPath, [TSX, "plan/cli.ts", "--stack", stack, "--out", out, ...extra], env, accepted));
    return median(runs);
}

function main(): void {
    const stacks = fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-bench-"));
    const rows: string[][] = [];
    for (const stack of stacks) {
        timed(process.execPath, [TSX, "plan/cli.ts", "--stack", stack, "--out", out]); // warm the transpile cache
        const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")).length as number;
        const plan = planSeconds(stack, out);
        const floor = planSeconds(stack, out, ["--program", "bench/floor.ts"], { BENCH_FLOOR_RESOURCES: String(resources) }, [0, PLAN_VIOLATIONS]);
        rows.push([stack, String(resources), plan.toFixed(2), floor.toFixed(2), (plan / floor).toFixed(2)]);
    }
    const typecheck = timed(process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", "."]);
    const mocha = timed(process.execPath, [require.resolve("mocha/bin/mocha.js")]);
    const npmTest = timed(process.execPath, ["test/run.cjs"]);
    fs.rmSync(out, { recursive: true, force: true });

    const table = (head: string[], body: string[][]) => {
        const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
        const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
        return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
    };
    process.stdout.write(`Offline plan, median of ${RUNS} runs (${os.cpus().length} cores, Node ${process.version})\n`);
    process.stdout.write(`${table(["stack", "resources", "plan s", "floor s", "plan/floor"], rows)}\n\n`);
    process.stdout.write(`${table(["test suite", "seconds"], [["tsc --noEmit alone", typecheck.toFixed(1)], ["mocha alone", mocha.toFixed(1)], ["npm test (both side by side)", npmTest.toFixed(1)]])}\n`);
}

main();
