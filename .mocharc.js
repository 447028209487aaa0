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
};
