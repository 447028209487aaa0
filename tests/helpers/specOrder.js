/**
 * The order mocha hands spec files to its parallel workers: the files that took longest in the last
 * run first (new files, with no time yet, before them all), so the two workers finish together
 * instead of one running a long file alone at the end. Times are kept by tests/helpers/reporter.js
 * in node_modules/.cache; without them (a fresh clone) the order is alphabetical. Every spec file
 * runs whatever the order: this only changes when.
 */
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const TIMES_FILE = path.join(ROOT, "node_modules", ".cache", "mocha-spec-times.json");

/** Every `*.spec.ts` under `dir`, as paths relative to the project, in name order. */
function specFiles(dir = path.join(ROOT, "tests")) {
    const found = [];
    const walk = (d) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".spec.ts")) found.push(path.relative(ROOT, full));
        }
    };
    walk(dir);
    return found.sort();
}

function readTimes() {
    try {
        return JSON.parse(fs.readFileSync(TIMES_FILE, "utf8"));
    } catch {
        return {};
    }
}

/** The spec files, longest last time first; files without a time first of all. */
function specFilesLongestFirst(times = readTimes()) {
    const time = (f) => (typeof times[f] === "number" ? times[f] : Infinity);
    return specFiles().sort((a, b) => time(b) - time(a) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Keeps this run's time per spec file (milliseconds of its tests and hooks) for the next run's order. */
function writeTimes(msByFile) {
    const times = readTimes();
    for (const [file, ms] of Object.entries(msByFile)) times[path.relative(ROOT, file)] = Math.round(ms);
    try {
        fs.mkdirSync(path.dirname(TIMES_FILE), { recursive: true });
        const tmp = `${TIMES_FILE}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, `${JSON.stringify(times, null, 1)}\n`);
        fs.renameSync(tmp, TIMES_FILE);
    } catch {
        // Only the order of the next run depends on it.
    }
}

module.exports = { specFiles, specFilesLongestFirst, writeTimes, TIMES_FILE };
