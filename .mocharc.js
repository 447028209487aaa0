/**
 * Mocha's configuration: every spec under tests/, in two parallel workers, the longest files of the
 * last run first (tests/helpers/specOrder.js), through the project's loader (offline/register.js).
 */
"use strict";
const { specFilesLongestFirst } = require("./tests/helpers/specOrder");

module.exports = {
    require: ["./offline/register.js", "./tests/helpers/mochaGlobal.ts"],
    extension: ["ts"],
    spec: specFilesLongestFirst(),
    timeout: 60000,
    reporter: "./tests/helpers/reporter.js",
    parallel: true,
    jobs: 2,
    // The workers' V8 flags (mocha starts them with these; the analyzer and other child processes
    // run as the CLI would start them). A stack's offline run allocates about 56 MiB that lives until
    // the run ends: with V8's default 16 MiB semi-space most of it is copied and promoted before it
    // dies, and a 128 MiB one cuts a warm prod run's CPU by about a third. Two workers and the
    // analyzer already keep both cores busy, so V8's parallel GC helper threads only compete with
    // them. Together: mocha alone from about 68 s to 57-65 s on the 2-core machine (docs/benchmarks.md).
    "node-option": ["single-threaded-gc", "max-semi-space-size=128"],
};
