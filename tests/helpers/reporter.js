/**
 * Mocha's spec reporter, closing with one plain line (`N passed, N failed`) that CI reads to count
 * the tests whatever the runner. It also keeps each spec file's time for the next run's order
 * (tests/helpers/specOrder.js).
 */
const Spec = require("mocha/lib/reporters/spec");
const { writeTimes } = require("./specOrder");

class SpecWithTotals extends Spec {
    constructor(runner, options) {
        super(runner, options);
        const msByFile = {};
        const add = (runnable) => {
            if (runnable.file) msByFile[runnable.file] = (msByFile[runnable.file] ?? 0) + (runnable.duration ?? 0);
        };
        runner.on("test end", add);
        runner.on("hook end", add);
        runner.once("end", () => {
            const { passes, failures, pending } = runner.stats;
            process.stdout.write(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}\n`);
            writeTimes(msByFile);
        });
    }
}

module.exports = SpecWithTotals;
