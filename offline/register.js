/**
 * Loads the project's TypeScript in Node without compiling it on every run: `node -r
 * ./offline/register.js offline/plan.ts`, and mocha's `require`. Each file's JavaScript is kept on
 * disk, keyed by the file's content, its path, the compiler options and the TypeScript version, so a
 * file is transpiled once (by `npm ci`, through `prepare`: `node offline/register.js --warm`) and
 * every later run reads it back. A changed file misses the cache and is transpiled again, so the
 * cache can never serve stale code; deleting it only costs time.
 *
 * Why not ts-node: the CPU profile of `npm run plan` (docs/benchmarks.md) put more than a third of a
 * plan in TypeScript transpiling the project's files at every start, and ts-node loads the
 * TypeScript compiler (about a second) before it can look at any file. Here `typescript` is loaded
 * only on a cache miss. The output is what ts-node's transpile-only mode produces (the same
 * `ts.transpileModule` with the project's tsconfig), and stack traces are mapped back to the
 * TypeScript lines the same way, through @cspotcode/source-map-support when it is installed.
 *
 * Also here, because it is about loading: `@pulumi/pulumi` requires `@npmcli/arborist` (and npm's
 * package tooling behind it, about 900 modules) at start, for one function that computes the
 * code paths of a serialized closure (runtime/closure/codePaths.js), and its Automation API, which
 * drives the CLI. The offline plan never calls either; they load on first use instead of at every
 * start (DEFERRED below). Nothing else about the SDK changes.
 *
 * The real Pulumi CLI does not use this file: Pulumi.yaml keeps `runtime: nodejs` with TypeScript,
 * and the CLI's own ts-node loads index.ts. tests/offline/fastPath.spec.ts pins that a plan loaded
 * through this hook is the same as one loaded through ts-node.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const CACHE_DIR = process.env.VAT_BACKUP_TS_CACHE || path.join(ROOT, "node_modules", ".cache", "vat-backup-ts");

function sha256(text) {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/**
 * What the output depends on besides the file itself: this loader, the tsconfig and the compiler's
 * version (read from its package.json, so computing the key does not load the compiler).
 */
let optionsKey;
function cacheKeyPrefix() {
    if (optionsKey === undefined) {
        const tsVersion = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")).version;
        optionsKey = sha256(
            [
                tsVersion,
                fs.readFileSync(__filename, "utf8"),
                fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"),
            ].join("\0"),
        );
    }
    return optionsKey;
}

let compiler;
/** Files this process transpiled (cache misses). */
let transpiledCount = 0;
/** The compiler and the project's options as ts-node's transpile-only mode sets them; loaded on the first miss. */
function typescript() {
    if (!compiler) {
        const ts = require("typescript");
        const configFile = path.join(ROOT, "tsconfig.json");
        const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
        if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
        const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions ?? {}, ROOT, configFile);
        // The overrides ts-node applies to emit one file in memory with a source map.
        for (const key of ["out", "outFile", "outDir", "composite", "declarationDir", "declarationMap"])
            delete options[key];
        for (const key of ["emitDeclarationOnly", "tsBuildInfoFile", "incremental"]) delete options[key];
        Object.assign(options, {
            sourceMap: true,
            inlineSourceMap: false,
            inlineSources: true,
            declaration: false,
            noEmit: false,
        });
        compiler = { ts, options };
    }
    return compiler;
}

/** Transpiles one file (no type check: `tsc --noEmit` is its own step of `npm test`). */
function transpile(source, fileName) {
    const { ts, options } = typescript();
    transpiledCount++;
    const result = ts.transpileModule(source, { fileName, compilerOptions: options, reportDiagnostics: true });
    if (result.diagnostics && result.diagnostics.length) {
        const text = ts.formatDiagnostics(result.diagnostics, {
            getCanonicalFileName: (f) => f,
            getCurrentDirectory: () => ROOT,
            getNewLine: () => "\n",
        });
        throw new Error(`Cannot compile ${path.relative(ROOT, fileName)}:\n${text}`);
    }
    // The output ends with a comment naming a map file that does not exist; the map is kept with the code.
    const code = result.outputText.replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, "\n");
    return { code, map: result.sourceMapText };
}

function cacheFile(fileName, source) {
    return path.join(CACHE_DIR, `${sha256(`${cacheKeyPrefix()}\0${fileName}\0${source}`)}.json`);
}

/** The JavaScript for a file: from the cache when its content was transpiled before, else transpiled and stored. */
function compiled(fileName, source) {
    const file = cacheFile(fileName, source);
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        // Not cached yet (or unreadable): transpile below.
    }
    const output = transpile(source, fileName);
    try {
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        // Written under a temporary name and renamed, so a parallel reader never sees half a file.
        const tmp = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(output));
        fs.renameSync(tmp, file);
    } catch {
        // A cache that cannot be written only costs speed.
    }
    return output;
}

const sourceMaps = new Map();
let sourceMapsInstalled = false;
/** Maps stack traces through the kept source maps, as ts-node does (skipped when the library is absent). */
function installSourceMaps() {
    sourceMapsInstalled = true;
    let support;
    try {
        support = require("@cspotcode/source-map-support");
    } catch {
        return;
    }
    support.install({
        environment: "node",
        retrieveSourceMap(source) {
            const file = source.startsWith("file://") ? new URL(source).pathname : source;
            const map = sourceMaps.get(file);
            return map ? { url: file, map } : null;
        },
    });
}

function loadTypeScript(module, fileName) {
    if (fileName.includes(NODE_MODULES) || fileName.endsWith(".d.ts")) {
        throw new Error(`offline/register.js compiles the project's own TypeScript only, not ${fileName}`);
    }
    if (!sourceMapsInstalled) installSourceMaps();
    const { code, map } = compiled(fileName, fs.readFileSync(fileName, "utf8"));
    if (map) sourceMaps.set(fileName, map);
    module._compile(code, fileName);
}

/** A module that loads on the first property read, for requires at start that a run may never use. */
function deferred(request, parent, loadModule) {
    let real;
    const load = () => (real ??= loadModule(request, parent, false));
    // Marked as an ES module so TypeScript's import helpers pass it through unread; `default` is then
    // what their wrapper would have held: the module itself, unless it is an ES module.
    const member = (key) => {
        const loaded = load();
        return key === "default" && !loaded.__esModule ? loaded : loaded[key];
    };
    const target = { __esModule: true };
    return new Proxy(target, {
        get: (t, key) => (key === "__esModule" ? true : member(key)),
        has: (t, key) => key in load(),
        ownKeys: () => [...new Set(["__esModule", ...Reflect.ownKeys(load())])],
        getOwnPropertyDescriptor: (t, key) =>
            key === "__esModule"
                ? Reflect.getOwnPropertyDescriptor(t, key)
                : { ...Reflect.getOwnPropertyDescriptor(load(), key), configurable: true },
    });
}

const CODE_PATHS = `@pulumi${path.sep}pulumi${path.sep}runtime${path.sep}closure${path.sep}codePaths.js`;
/**
 * Requires made at start by files of the Pulumi SDK that only a rarely used part needs: the
 * Automation API (it drives the CLI: js-yaml, execa, tmp and more) and computeCodePaths (npm's
 * package tooling). The offline plan uses neither; they load on first use.
 */
const DEFERRED = [
    { parent: `@pulumi${path.sep}pulumi${path.sep}index.js`, request: "./automation" },
    { parent: CODE_PATHS, request: "@npmcli/arborist" },
    { parent: CODE_PATHS, request: "normalize-package-data" },
    { parent: CODE_PATHS, request: "fdir" },
];

function deferHeavyRequires() {
    const load = Module._load;
    Module._load = function (request, parent, isMain) {
        if (parent && parent.filename) {
            for (const d of DEFERRED)
                if (request === d.request && parent.filename.endsWith(d.parent))
                    return deferred(request, parent, (...args) => load.apply(this, args));
        }
        return load.apply(this, arguments);
    };
}

/**
 * Transpiles every project file into the cache and drops entries no current file uses (run by
 * `npm ci` through `prepare`), then packages each Lambda handler once, which fills
 * lambdas/package.ts's cache of their transpiled sources.
 */
function warm() {
    const skip = new Set(["node_modules", ".git", "bin", "reports", ".stryker-tmp", "tmp"]);
    const current = new Set();
    const walk = (dir) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            if (skip.has(entry.name)) continue;
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
                const source = fs.readFileSync(full, "utf8");
                compiled(full, source);
                current.add(path.basename(cacheFile(full, source)));
            }
        }
    };
    walk(ROOT);
    for (const name of fs.existsSync(CACHE_DIR) ? fs.readdirSync(CACHE_DIR) : [])
        if (!current.has(name)) fs.rmSync(path.join(CACHE_DIR, name), { force: true });

    require.extensions[".ts"] = loadTypeScript;
    deferHeavyRequires();
    const lambdas = path.join(ROOT, "lambdas");
    const { lambdaSources } = require(path.join(lambdas, "package.ts"));
    for (const entry of fs.readdirSync(lambdas, { withFileTypes: true }))
        if (entry.isDirectory() && fs.existsSync(path.join(lambdas, entry.name, "handler.ts")))
            lambdaSources(`lambdas/${entry.name}/handler.ts`);
    return current.size;
}

if (require.main === module) {
    if (process.argv[2] !== "--warm") {
        console.error("usage: node offline/register.js --warm   (or node -r ./offline/register.js FILE.ts)");
        process.exit(2);
    }
    const start = Date.now();
    const count = warm();
    console.log(
        `offline/register.js: ${count} TypeScript files in ${path.relative(ROOT, CACHE_DIR)} (${transpiledCount} transpiled now), Lambda packages warmed, in ${((Date.now() - start) / 1000).toFixed(1)} s`,
    );
} else {
    require.extensions[".ts"] = loadTypeScript;
    deferHeavyRequires();
}

module.exports = { compiled, warm, CACHE_DIR };
