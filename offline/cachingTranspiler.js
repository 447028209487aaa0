/**
 * A ts-node transpiler that keeps each file's JavaScript on disk, keyed by its content, the
 * compiler options and the TypeScript version, so a file is transpiled once rather than on every run.
 *
 * Why: the CPU profile of `npm run plan` (see docs/benchmarks.md) shows most of a plan's time in
 * TypeScript transpiling the project's files on every start (`ts.transpileModule` builds a program
 * and a checker per file), not in the program itself. Plain JavaScript because ts-node loads its
 * transpiler before it can transpile anything.
 *
 * Enable it in a tsconfig: `"ts-node": { "transpileOnly": true, "transpiler": "./offline/cachingTranspiler.js" }`.
 * The cache lives in the system's temporary directory (VAT_BACKUP_TS_CACHE overrides it).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

function sha256(text) {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/** ts-node's transpiler factory: called with the service's config, returns { transpile }. */
exports.create = function create(createOptions) {
    const { service } = createOptions;
    const ts = require(service.projectLocalResolveHelper("typescript", true));
    const compilerOptions = service.config.options;
    const dir = process.env.VAT_BACKUP_TS_CACHE || path.join(os.tmpdir(), "vat-backup-ts-cache");
    const optionsKey = sha256(`${ts.version}\n${JSON.stringify(compilerOptions)}`);
    return {
        transpile(input, { fileName }) {
            const file = path.join(dir, `${sha256(`${optionsKey}\n${fileName}\n${input}`)}.json`);
            try {
                return JSON.parse(fs.readFileSync(file, "utf8"));
            } catch {
                // Not cached yet (or unreadable): transpile below.
            }
            const result = ts.transpileModule(input, { fileName, compilerOptions, reportDiagnostics: true });
            // Only clean output is cached, so diagnostics are reported on every run until fixed.
            if (!result.diagnostics || result.diagnostics.length === 0) {
                try {
                    fs.mkdirSync(dir, { recursive: true });
                    const tmp = `${file}.${process.pid}.tmp`;
                    fs.writeFileSync(
                        tmp,
                        JSON.stringify({ outputText: result.outputText, sourceMapText: result.sourceMapText }),
                    );
                    fs.renameSync(tmp, file);
                } catch {
                    // A cache that cannot be written only costs speed.
                }
            }
            return result;
        },
    };
};
