/**
 * `npm test`: the type-check against the provider SDKs (tsc --noEmit) and the mocha suite, run side
 * by side: tsc is one process on one core, and mocha's two workers leave the cores idle while they
 * wait on plans, drills and spawned tools, so together they finish sooner than one after the other
 * (measured with `npm run bench`). Fails if either fails; tsc's output comes after mocha's.
 * Arguments go to mocha (`npm test -- --grep vault`).
 */
const { spawn } = require("child_process");

const done = (child) => new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0))));

// Incremental: tsc keeps what it learnt of unchanged files in node_modules/.cache (gone with
// `npm ci`), so a second run re-checks only what changed and what depends on it.
const TSC_ARGS = ["--noEmit", "-p", ".", "--incremental", "--tsBuildInfoFile", "node_modules/.cache/groundwork/tsc.tsbuildinfo"];
const tsc = spawn(process.execPath, [require.resolve("typescript/bin/tsc"), ...TSC_ARGS], { stdio: ["ignore", "pipe", "pipe"] });
let typeErrors = "";
tsc.stdout.on("data", (d) => { typeErrors += d; });
tsc.stderr.on("data", (d) => { typeErrors += d; });
const mocha = spawn(process.execPath, [require.resolve("mocha/bin/mocha.js"), ...process.argv.slice(2)], { stdio: "inherit" });

Promise.all([done(tsc), done(mocha)]).then(([typecheck, tests]) => {
    if (typecheck !== 0) process.stderr.write(`\ntsc --noEmit -p . failed:\n${typeErrors}`);
    process.exit(typecheck !== 0 ? typecheck : tests);
});
