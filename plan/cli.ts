/**
 * `npm run plan -- --stack <name> [--secret KEY=VALUE ...] [--out DIR]`: the offline plan
 * (plan/cli-run.ts). Exit 0 when clean, 3 on a mandatory violation, 2 on bad input, 1 otherwise.
 */
import { runPlanCli } from "./cli-run";

// The SDK captures a stack trace for every resource it registers; mapping each through tsx's
// source maps costs a fifth of the plan. Our errors reach users as messages, not traces.
process.setSourceMapsEnabled(false);

runPlanCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then((code) => process.exit(code));
