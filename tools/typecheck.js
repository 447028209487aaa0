#!/usr/bin/env node
/**
 * `npm run typecheck`: the strict type check of the whole project (tsconfig.json, nothing emitted),
 * incrementally. `tsc -b tsconfig.check.json` keeps what it checked in node_modules/.cache/tsc-check
 * and checks again whatever changed since; a project with nothing changed is up to date in about a
 * second. `npm ci` runs it once through `prepare`, so a fresh clone's `npm test` does not pay for
 * the first check.
 *
 * tsc's build mode compares the project's own files with its record, not the installed packages'
 * types, so this records what the check was made against (the lockfile, the tsconfigs and the
 * compiler's version) and forces a full check when any of them changed.
 *
 *   node tools/typecheck.js             check; exit 1 on a type error
 *   node tools/typecheck.js --prepare   the same, for `prepare`: reports errors but never fails the install
 */
"use strict";
const { spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const CONFIG = path.join(ROOT, "tsconfig.check.json");
const STAMP = path.join(ROOT, "node_modules", ".cache", "tsc-check", "inputs.sha256");

function inputsHash() {
    const hash = crypto.createHash("sha256");
    for (const file of [
        "package-lock.json",
        "tsconfig.json",
        "tsconfig.check.json",
        "node_modules/typescript/package.json",
    ]) {
        const full = path.join(ROOT, file);
        hash.update(`${file}\0${fs.existsSync(full) ? fs.readFileSync(full) : ""}\0`);
    }
    return hash.digest("hex");
}

const prepare = process.argv.includes("--prepare");
const hash = inputsHash();
const same = fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8") === hash;
const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
const result = spawnSync(process.execPath, [tsc, "-b", CONFIG, ...(same ? [] : ["--force"])], {
    cwd: ROOT,
    stdio: "inherit",
});
if (result.status !== null && !same) {
    fs.mkdirSync(path.dirname(STAMP), { recursive: true });
    fs.writeFileSync(STAMP, hash);
}
if (prepare) {
    if (result.status !== 0) console.error("tools/typecheck.js: type errors (above); `npm test` reports them too.");
    process.exit(0);
}
process.exit(result.status ?? 1);
