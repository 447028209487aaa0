/**
 * Mocha's spec reporter, closing with one plain line (`N passed, N failed`) that CI reads to count
 * the tests whatever the runner.
 */
const Spec = require("mocha/lib/reporters/spec");

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
