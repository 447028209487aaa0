/**
 * Loads the project's TypeScript in Node without compiling it on every run: `node -r
 * ./offline/register.js offline/plan.ts` (`npm run plan`, which adds V8 options), and mocha's
 * `require`. Each file's JavaScript is kept on disk, keyed by the file's content, its path, the
 * compiler options and the TypeScript version, so a file is transpiled once (by `npm ci`, through
 * `prepare`: `node offline/register.js --warm`) and every later run reads it back. A changed file
 * misses the cache and is transpiled again, so the cache can never serve stale code; deleting it
 * only costs time.
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
 * start (DEFERRED below). Likewise the more than 250 service modules `@pulumi/aws`'s index requires
 * at start: each loads when the program first reads it (`aws.dynamodb`). Nothing else about the
 * SDKs changes.
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
const v8 = require("v8");
const vm = require("vm");

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
    // The output ends with a comment naming a map file that does not exist; the map is kept beside the code.
    const code = result.outputText.replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, "\n");
    return { code, map: result.sourceMapText };
}

/** A file's entry: its JavaScript in `<key>.js`, its source map beside it in `<key>.map`. */
function cacheFile(fileName, source) {
    return path.join(CACHE_DIR, `${sha256(`${cacheKeyPrefix()}\0${fileName}\0${source}`)}.js`);
}
const mapFileOf = (cacheEntry) => `${cacheEntry.slice(0, -".js".length)}.map`;

/**
 * Each cache keeps an entry per content of a file (and, for V8's, per set of options), so every edit
 * adds one and nothing removes the old: a process that wrote entries sweeps its folder as it exits,
 * once it holds more than CACHE_LIMIT entries, down to three quarters of that, the entries written
 * longest ago first (a hit does not refresh an entry, so an entry still in use may go, which costs
 * one compile). A process racing the sweep loses at most that compile, or the mapping of a stack
 * trace through a transpiled file whose map went (retrieveSourceMap then maps nothing).
 */
const CACHE_LIMIT = Number(process.env.VAT_BACKUP_CACHE_LIMIT) || 20000;
const STALE_TMP_MS = 60 * 60 * 1000;
function sweepCache(dir, ext, companions = []) {
    let names;
    try {
        names = fs.readdirSync(dir);
    } catch {
        return;
    }
    const mtimeOf = (name) => {
        try {
            return fs.statSync(path.join(dir, name)).mtimeMs;
        } catch {
            return undefined; // gone already: another process swept it
        }
    };
    const remove = (name) => {
        try {
            fs.unlinkSync(path.join(dir, name));
        } catch {
            // Gone already.
        }
    };
    // A temporary file an hour old belongs to a writer that died before its rename.
    for (const name of names.filter((n) => n.endsWith(".tmp"))) {
        if (Date.now() - (mtimeOf(name) ?? Date.now()) > STALE_TMP_MS) remove(name);
    }
    const entries = names.filter((n) => n.endsWith(ext));
    if (entries.length <= CACHE_LIMIT) return;
    const dated = entries.map((name) => ({ name, mtime: mtimeOf(name) ?? 0 }));
    dated.sort((a, b) => a.mtime - b.mtime);
    for (const { name } of dated.slice(0, dated.length - Math.floor((CACHE_LIMIT * 3) / 4))) {
        const stem = name.slice(0, -ext.length);
        for (const suffix of [ext, ...companions]) remove(stem + suffix);
    }
}

/** Written under a temporary name and renamed, so a parallel reader never sees half a file. */
function writeWhole(file, data) {
    const tmp = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
}

let transpileSweepScheduled = false;
/**
 * The JavaScript for a file, and where its source map is: from the cache when its content was
 * transpiled before, else transpiled and stored. The map is read only when a stack trace needs it.
 */
function compiled(fileName, source) {
    const file = cacheFile(fileName, source);
    try {
        return { code: fs.readFileSync(file, "utf8"), mapFile: mapFileOf(file) };
    } catch {
        // Not cached yet (or unreadable): transpile below.
    }
    const { code, map } = transpile(source, fileName);
    try {
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        // The map first: whoever finds the code finds its map.
        writeWhole(mapFileOf(file), map ?? "");
        writeWhole(file, code);
        if (!transpileSweepScheduled) {
            transpileSweepScheduled = true;
            process.on("exit", () => sweepCache(CACHE_DIR, ".js", [".map"]));
        }
    } catch {
        // A cache that cannot be written only costs speed.
    }
    return { code, map };
}

/**
 * V8's code cache for every CommonJS file this process compiles (the SDKs' JavaScript and the
 * project's transpiled TypeScript). Compiling JavaScript was the largest single cost left in a plan
 * (docs/benchmarks.md: a fixture plan loads about 900 files, and `typescript`'s 9 MB, which the SDK's
 * closure serializer requires, alone took 0.35 s). Node 22 has this built in
 * (`module.enableCompileCache`); Node 20, which this project supports, does not, and
 * v8-compile-cache writes its blob and its index as two files, so a process starting while another
 * exits can pair a new index with an old blob.
 *
 * - Each file's entry is named by a hash of its path and content, this loader, Node's version and
 *   the process's V8 flags. The path too: V8's cached script keeps the name it was compiled under,
 *   which stack traces then show, so two files with the same text must not share an entry.
 * - Entries are written as the process exits, after the code ran, so they hold the functions that
 *   were compiled lazily too; under a temporary name, then renamed.
 * - V8 checks the flags and the source length, but release builds verify no checksum
 *   (`--verify-snapshot-checksum` is off), so each entry carries a SHA-1 of its bytes, checked before
 *   V8 sees them: a damaged entry is ignored and written again.
 * - Code compiled here has no `import()` callback, and in Node 20 code from a cache loses one it was
 *   given (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so a file that may call `import()` is compiled by
 *   Node every time; its entry records only that.
 * - Off where Node's own compile does more than compile: `--inspect-brk` (pausing in the main
 *   module), `--enable-source-maps` and `--experimental-policy`.
 *
 * `VAT_BACKUP_CODE_CACHE=off` turns it off; `VAT_BACKUP_CODE_CACHE_DIR` moves it.
 */
const CODE_CACHE_DIR =
    process.env.VAT_BACKUP_CODE_CACHE_DIR || path.join(ROOT, "node_modules", ".cache", "vat-backup-v8");
const CODE_CACHE_ON = process.env.VAT_BACKUP_CODE_CACHE !== "off";
const DIGEST_BYTES = 20;
/** An entry's kind, the byte after its digest: V8's data follows, or the file is Node's to compile. */
const V8_DATA = 1;
const NODE_COMPILES = 0;

function sha1(...parts) {
    const hash = crypto.createHash("sha1");
    for (const part of parts) hash.update(part).update("\0");
    return hash.digest();
}

/**
 * The process's options, as far as they can change V8's flags: without the modules it preloads, the
 * code it evaluates (`-e`), or the folders and names of its reports and profiles.
 */
function runtimeOptions() {
    const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/).filter(Boolean)];
    const withValue = ["-r", "--require", "--import", "--loader", "-e", "--eval", "-p", "--print"];
    const options = [];
    for (let i = 0; i < args.length; i++) {
        if (withValue.includes(args[i])) i++;
        else if (!/^--(require|import|loader|eval|print)=/.test(args[i]))
            options.push(args[i].replace(/^(--[a-z-]+-(dir|name|directory|filename))=.*$/, "$1"));
    }
    return options.sort().join(" ");
}

/** acorn's version decides which files Node compiles (mayCallImport), so it is part of the key. */
function acornVersion() {
    try {
        return JSON.parse(fs.readFileSync(require.resolve("acorn/package.json"), "utf8")).version;
    } catch {
        return "none";
    }
}

let codeCacheKey;
function codeCacheFile(fileName, content) {
    codeCacheKey ??= [
        fs.readFileSync(__filename, "utf8"),
        process.version,
        process.arch,
        runtimeOptions(),
        acornVersion(),
    ].join("\0");
    return path.join(CODE_CACHE_DIR, `${sha1(codeCacheKey, fileName, content).toString("hex")}.bin`);
}

/** The entry's kind and V8 data, or undefined when there is none or its digest does not match its bytes. */
function readCodeCache(file) {
    let entry;
    try {
        entry = fs.readFileSync(file);
    } catch {
        return undefined;
    }
    const body = entry.subarray(DIGEST_BYTES);
    if (body.length === 0 || !sha1(body).equals(entry.subarray(0, DIGEST_BYTES))) return undefined;
    return { kind: body[0], data: body.subarray(1) };
}

function writeCodeCache(file, kind, data) {
    const body = Buffer.concat([Buffer.from([kind]), data]);
    writeWhole(file, Buffer.concat([sha1(body), body]));
}

/** Could the file reach `import()`? A cheap first look: most files never say any of these words. */
const MAY_IMPORT = /\b(import|eval|Function|constructor)\b/;
const MAY_IMPORT_CALL = /\bimport\b/;
let acornLoading = false;
/**
 * Whether the file may call `import()`, read from its tokens so that the word in a comment or a
 * message does not count (`typescript`'s messages say "import('{0}')"). Yes for an `import (` call,
 * and for anything that makes code from a string, whose `import()` resolves against this file:
 * `eval` and `Function` anywhere, except `Function.prototype`, `instanceof Function` and a call
 * whose arguments are string literals without the word (protobuf's `Function("return this")`), and
 * a function's `constructor` called, or read off a call's result
 * (`Object.getPrototypeOf(async function () {}).constructor`).
 * Code that reaches those by a computed name is not seen; its `import()` would fail loudly, never
 * run wrong. Without acorn, or when it cannot read the file, the answer is yes: Node compiles it.
 */
function mayCallImport(content) {
    if (!MAY_IMPORT.test(content)) return false;
    if (acornLoading) return true;
    try {
        acornLoading = true;
        const acorn = require("acorn");
        acornLoading = false;
        const { _import, _instanceof, parenL, parenR, name, dot, string, comma } = acorn.tokTypes;
        const options = { ecmaVersion: "latest", allowHashBang: true, allowReturnOutsideFunction: true };
        const tokens = [];
        for (const token of acorn.tokenizer(content, options)) tokens.push(token);
        const isName = (i, value) => tokens[i]?.type === name && tokens[i].value === value;
        /** A call at `i` whose arguments are all string literals, none of which says `import`: its code is all there. */
        const literalCall = (i) => {
            if (tokens[i]?.type !== parenL) return false;
            for (let j = i + 1; j < tokens.length; j += 2) {
                if (tokens[j].type === parenR && j === i + 1) return true;
                if (tokens[j].type !== string || MAY_IMPORT_CALL.test(tokens[j].value)) return false;
                if (tokens[j + 1]?.type === parenR) return true;
                if (tokens[j + 1]?.type !== comma) return false;
            }
            return false;
        };
        for (let i = 0; i < tokens.length; i++) {
            const next = tokens[i + 1]?.type;
            if (tokens[i].type === _import && next === parenL) return true;
            if (isName(i, "eval") && !literalCall(i + 1)) return true;
            if (isName(i, "Function")) {
                const safe =
                    (next === dot && isName(i + 2, "prototype")) ||
                    tokens[i - 1]?.type === _instanceof ||
                    literalCall(i + 1);
                if (!safe) return true;
            }
            const readOff = tokens[i - 1]?.type === dot;
            if (isName(i, "constructor") && readOff && (next === parenL || tokens[i - 2]?.type === parenR)) return true;
        }
        return false;
    } catch {
        return true;
    } finally {
        acornLoading = false;
    }
}

/** What this process's compiles found: an entry V8 took, none (or a damaged one), one V8 refused, or a file for Node. */
const codeCacheStats = { hits: 0, misses: 0, rejected: 0, nodeCompiles: 0 };
/** Scripts compiled without a usable entry: their cache is written as the process exits. */
const codeCacheToWrite = [];
function writeCodeCaches() {
    if (codeCacheToWrite.length === 0) return;
    try {
        fs.mkdirSync(CODE_CACHE_DIR, { recursive: true });
    } catch {
        return;
    }
    for (const { file, script } of codeCacheToWrite.splice(0)) {
        try {
            writeCodeCache(
                file,
                script ? V8_DATA : NODE_COMPILES,
                script ? script.createCachedData() : Buffer.alloc(0),
            );
        } catch {
            // A cache that cannot be written only costs speed.
        }
    }
    sweepCache(CODE_CACHE_DIR, ".bin");
}

/** The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
function requireFor(module) {
    const require = (id) => module.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return require;
}

const nodeCompile = Module.prototype._compile;
/**
 * Module.prototype._compile through the code cache: compile (from the cache when it has the file),
 * then run as Node runs a CommonJS module. ES modules, files that may call `import()`, and anything V8
 * cannot compile as a CommonJS body go to Node's own `_compile`, which loads them or reports the
 * error as Node would.
 */
function compileWithCodeCache(content, fileName, format) {
    // Not a file (`node -e` compiles "[eval]-wrapper"), or an ES module: Node's own.
    if (format === "module" || !path.isAbsolute(fileName)) return nodeCompile.call(this, content, fileName, format);
    const file = codeCacheFile(fileName, content);
    const entry = readCodeCache(file);
    if (entry?.kind === NODE_COMPILES || (entry === undefined && mayCallImport(content))) {
        codeCacheStats.nodeCompiles++;
        if (entry === undefined) codeCacheToWrite.push({ file });
        return nodeCompile.call(this, content, fileName, format);
    }
    const cachedData = entry?.kind === V8_DATA ? entry.data : undefined;
    // Node lets a file start with a `#!` line; inside the wrapper it must become a comment.
    const source = content.startsWith("#!") ? `//${content.slice(2)}` : content;
    let script;
    try {
        // The wrapper shares the first line, so its length comes off that line's columns.
        const columnOffset = -Module.wrapper[0].length;
        script = new vm.Script(Module.wrap(source), { filename: fileName, cachedData, columnOffset });
    } catch {
        return nodeCompile.call(this, content, fileName, format);
    }
    if (cachedData !== undefined && !script.cachedDataRejected) codeCacheStats.hits++;
    else {
        codeCacheStats[cachedData === undefined ? "misses" : "rejected"]++;
        codeCacheToWrite.push({ file, script });
    }
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(this), this, fileName, path.dirname(fileName));
}

function installCodeCache() {
    const nodeDoesMore = /(^|\s)--(inspect-brk|enable-source-maps|experimental-policy)\b/;
    if (!CODE_CACHE_ON || nodeDoesMore.test([...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" "))) return;
    // The Pulumi SDK sets this flag when it loads (runtime/closure/v8Hooks.js). V8 stamps each cache
    // with a hash of the flags and rejects it under others, so a cache written at exit would not fit
    // the files compiled before the SDK loaded; setting it first keeps one set of flags all along.
    v8.setFlagsFromString("--allow-natives-syntax");
    Module.prototype._compile = compileWithCodeCache;
    process.on("exit", writeCodeCaches);
}

/** Each loaded file's source map: its text, or where the cache keeps it until a stack trace asks. */
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
            let map = sourceMaps.get(file);
            if (map?.mapFile) {
                try {
                    map = fs.readFileSync(map.mapFile, "utf8");
                } catch {
                    map = undefined;
                }
                sourceMaps.set(file, map);
            }
            return map ? { url: file, map } : null;
        },
    });
}

function loadTypeScript(module, fileName) {
    if (fileName.includes(NODE_MODULES) || fileName.endsWith(".d.ts")) {
        throw new Error(`offline/register.js compiles the project's own TypeScript only, not ${fileName}`);
    }
    if (!sourceMapsInstalled) installSourceMaps();
    const { code, map, mapFile } = compiled(fileName, fs.readFileSync(fileName, "utf8"));
    if (map || mapFile) sourceMaps.set(fileName, map ?? { mapFile });
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

const sdkFile = (...parts) => path.join("@pulumi", "pulumi", ...parts);
const CODE_PATHS = sdkFile("runtime", "closure", "codePaths.js");
/**
 * Requires made at start by files of the Pulumi SDK that only a rarely used part needs: the
 * Automation API (it drives the CLI: js-yaml, execa, tmp and more), computeCodePaths (npm's package
 * tooling), and gRPC with its generated clients and OpenTelemetry (about 110 files), which only
 * talk to a real engine: under mocks the monitor is in-process, and these modules read them only in
 * the code paths that dial the engine or handle its errors. The offline plan uses none of them;
 * they load on first use.
 */
const DEFERRED = [
    { parent: sdkFile("index.js"), request: "./automation" },
    ...["@npmcli/arborist", "normalize-package-data", "fdir"].map((request) => ({ parent: CODE_PATHS, request })),
    ...[
        ["runtime", "settings.js"],
        ["runtime", "resource.js"],
        ["runtime", "invoke.js"],
        ["runtime", "callbacks.js"],
        ["errors.js"],
        ["provider", "server.js"],
    ].map((parts) => ({ parent: sdkFile(...parts), request: "@grpc/grpc-js" })),
    { parent: sdkFile("runtime", "settings.js"), request: "../proto/engine_grpc_pb" },
    { parent: sdkFile("runtime", "settings.js"), request: "../proto/resource_grpc_pb" },
    { parent: sdkFile("runtime", "settings.js"), request: "@opentelemetry/api" },
    { parent: sdkFile("runtime", "callbacks.js"), request: "../proto/callback_grpc_pb" },
    { parent: sdkFile("provider", "server.js"), request: "../proto/provider_grpc_pb" },
];

const AWS_INDEX = path.join("@pulumi", "aws", "index.js");
/**
 * A service module of @pulumi/aws (`./dynamodb`): the package's index requires all of its more
 * than 250 at start, and a stack uses about fifteen. Each registers its resource types with the SDK
 * as it loads, which a deferred one does when the program first reads it, before any resource of it
 * exists (so a reference to one of its resources can come back only after it registered).
 */
function isAwsServiceRequest(request, parent) {
    return (
        parent.filename.endsWith(AWS_INDEX) &&
        /^\.\/[a-z0-9]+$/.test(request) &&
        fs.existsSync(path.join(path.dirname(parent.filename), request, "index.js"))
    );
}

/** What the @pulumi/aws index got for each service it required, and how to load the real one. */
const awsServicePlaceholders = new Map();
/** The index's module while it runs. */
let awsIndex;

/**
 * Once the index has run, each of its properties that holds a placeholder becomes a getter that
 * loads the service and then holds it as a plain value: `aws.dynamodb` is the module itself (a stub
 * can replace its members, a serialized closure finds it by path) and the index keeps its keys.
 */
function makeAwsServicesLazy() {
    const exports = awsIndex.exports;
    awsIndex = undefined;
    for (const key of Object.keys(exports)) {
        const loadService = awsServicePlaceholders.get(Object.getOwnPropertyDescriptor(exports, key).value);
        if (!loadService) continue;
        const hold = (value) =>
            Object.defineProperty(exports, key, { value, writable: true, enumerable: true, configurable: true });
        Object.defineProperty(exports, key, {
            enumerable: true,
            configurable: true,
            get: () => hold(loadService())[key],
            set: hold,
        });
    }
    awsServicePlaceholders.clear();
}

function deferHeavyRequires() {
    const load = Module._load;
    Module._load = function (request, parent, isMain) {
        if (parent && parent.filename) {
            if (DEFERRED.some((d) => request === d.request && parent.filename.endsWith(d.parent)))
                return deferred(request, parent, (...args) => load.apply(this, args));
            if (isAwsServiceRequest(request, parent)) {
                awsIndex = parent;
                // Marked as an ES module so the index's import helper keeps it as it is.
                const placeholder = { __esModule: true };
                awsServicePlaceholders.set(placeholder, () => load.call(this, request, parent, false));
                return placeholder;
            }
        }
        const result = load.apply(this, arguments);
        if (awsIndex?.loaded) makeAwsServicesLazy();
        return result;
    };
}

/**
 * Transpiles every project file into the cache and drops entries no current file uses (run by
 * `npm ci` through `prepare`), empties the code cache, then packages each Lambda handler once, which fills
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
                const entry = cacheFile(full, source);
                current.add(path.basename(entry)).add(path.basename(mapFileOf(entry)));
            }
        }
    };
    walk(ROOT);
    for (const name of fs.existsSync(CACHE_DIR) ? fs.readdirSync(CACHE_DIR) : [])
        if (!current.has(name)) fs.rmSync(path.join(CACHE_DIR, name), { force: true });
    // The code cache holds entries for files that changed since; the next runs refill it.
    fs.rmSync(CODE_CACHE_DIR, { recursive: true, force: true });

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
    installCodeCache();
    require.extensions[".ts"] = loadTypeScript;
    deferHeavyRequires();
}

module.exports = { compiled, warm, CACHE_DIR, CODE_CACHE_DIR, codeCacheStats };
