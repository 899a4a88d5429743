// mocha's spec reporter, closing with the plain "N passed, N failed" line that CI reads.
"use strict";
const { Spec } = require("mocha").reporters;

class SpecWithTotals extends Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once("end", () => {
            const { passes, failures, pending } = runner.stats;
            process.stdout.write(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}\n`);
        });
    }
}

module.exports = SpecWithTotals;
