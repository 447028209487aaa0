/**
 * offline/register.js's V8 code cache: a later process compiles each file from the cache, a changed
 * or damaged entry never reaches V8, and a module runs exactly as Node's own loader runs it. Each
 * case runs fresh Node processes, as `npm run plan` starts, against a cache folder of its own.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../../offline/stack";

interface Report {
    stats: { hits: number; misses: number; rejected: number; nodeCompiles: number };
    value: unknown;
}

/** Requires `entry` in `node -r ./offline/register.js`, then reports the cache's counts and the module's `value`. */
function load(cacheDir: string, entry: string, env: NodeJS.ProcessEnv = {}): Report {
    const program = `
        const { codeCacheStats } = require("./offline/register.js");
        Promise.resolve(require(${JSON.stringify(entry)}).value).then((value) =>
            console.log(JSON.stringify({ stats: codeCacheStats, value })));`;
    const child = spawnSync(process.execPath, ["-r", "./offline/register.js", "-e", program], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        env: { ...process.env, ...env, VAT_BACKUP_CODE_CACHE_DIR: cacheDir },
    });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout.trim().split("\n").pop()!) as Report;
}

describe("offline/register.js's code cache", function () {
    this.timeout(60_000);
    let dir: string;
    let cacheDir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "code-cache-"));
        cacheDir = path.join(dir, "cache");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const write = (name: string, text: string) => {
        fs.writeFileSync(path.join(dir, name), text);
        return path.join(dir, name);
    };
    const entries = () => fs.readdirSync(cacheDir).filter((f) => f.endsWith(".bin"));

    it("compiles every file from the cache in the next process, and a changed file misses it", () => {
        write("helper.js", "exports.twice = (n) => 2 * n;\n");
        const main = write("main.js", 'exports.value = require("./helper").twice(21);\n');

        const first = load(cacheDir, main);
        assert.deepEqual(first.value, 42);
        assert.equal(first.stats.hits, 0);
        assert.ok(first.stats.misses >= 2, JSON.stringify(first.stats));
        const written = entries().length;
        assert.ok(written >= first.stats.misses, `${written} entries for ${first.stats.misses} misses`);

        const second = load(cacheDir, main);
        assert.deepEqual(second.value, 42);
        assert.deepEqual(second.stats, { hits: first.stats.misses, misses: 0, rejected: 0, nodeCompiles: 0 });

        write("helper.js", "exports.twice = (n) => 2 * n + 1;\n");
        const changed = load(cacheDir, main);
        assert.deepEqual(changed.value, 43, "the changed file ran, not its cached code");
        assert.deepEqual(changed.stats, { hits: first.stats.misses - 1, misses: 1, rejected: 0, nodeCompiles: 0 });
    });

    it("keeps apart two files with the same text: each one's stack trace names its own path", () => {
        const text = "exports.value = new Error().stack.split('\\n')[1];\n";
        const first = write("first.js", text);
        const second = write("second.js", text);
        assert.match(String(load(cacheDir, first).value), /first\.js:1:17\)/);
        assert.match(String(load(cacheDir, second).value), /second\.js:1:17\)/, "V8's cached script keeps its name");
        assert.match(String(load(cacheDir, second).value), /second\.js:1:17\)/);
    });

    it("never hands V8 a damaged entry: each is ignored, the module runs, and the entry is written again", () => {
        const main = write("main.js", "exports.value = [1, 2, 3].map((n) => n * n);\n");
        const cold = load(cacheDir, main);
        for (const name of entries()) {
            const file = path.join(cacheDir, name);
            const bytes = fs.readFileSync(file);
            bytes[bytes.length - 1] ^= 0xff; // same length: only the digest can tell
            fs.writeFileSync(file, bytes);
        }

        const damaged = load(cacheDir, main);
        assert.deepEqual(damaged.value, [1, 4, 9]);
        assert.deepEqual(damaged.stats, { hits: 0, misses: cold.stats.misses, rejected: 0, nodeCompiles: 0 });
        const again = load(cacheDir, main);
        assert.deepEqual(again.stats, { hits: cold.stats.misses, misses: 0, rejected: 0, nodeCompiles: 0 });
    });

    it("keeps apart processes that V8 would refuse each other's cache (its flags are part of the key)", () => {
        const main = write("main.js", "exports.value = 'flags';\n");
        load(cacheDir, main);
        const other = load(cacheDir, main, { NODE_OPTIONS: "--max-semi-space-size=64" });
        assert.equal(other.stats.hits, 0, "no entry written under other flags is offered");
        assert.equal(other.stats.rejected, 0, "so V8 never has to refuse one");
        assert.equal(load(cacheDir, main, { NODE_OPTIONS: "--max-semi-space-size=64" }).stats.misses, 0);
    });

    it("shares entries between processes that differ only in what they preload, evaluate or name their reports' folder", () => {
        const main = write("main.js", "exports.value = 'shared';\n");
        load(cacheDir, main, { NODE_OPTIONS: `--diagnostic-dir=${dir}/a` });
        const preload = write("preload.js", "globalThis.preloaded = true;\n");
        const other = load(cacheDir, main, { NODE_OPTIONS: `--diagnostic-dir=${dir}/b --require=${preload}` });
        assert.deepEqual(other.stats, { hits: 1, misses: 0, rejected: 0, nodeCompiles: 0 });
    });

    it("runs a module as Node does: its require, __filename, __dirname, this, and its lines and columns", () => {
        write("dep.js", "exports.ok = true;\n");
        const main = write(
            "main.js",
            [
                "const stackLine = () => new Error().stack.split('\\n')[1];",
                "exports.value = {",
                "    dep: require('./dep').ok,",
                "    resolved: require.resolve('./dep') === __dirname + '/dep.js',",
                "    paths: Array.isArray(require.resolve.paths('x')),",
                "    cached: require.cache[__filename] === module,",
                "    self: this === module.exports,",
                "    main: require.main === process.mainModule,",
                "    line: /main\\.js:1:25\\)/.test(stackLine()) && /main\\.js:9:/.test(new Error().stack.split('\\n')[1]),",
                "};",
                "",
            ].join("\n"),
        );
        const expected = { dep: true, resolved: true, paths: true, cached: true, self: true, main: true, line: true };
        assert.deepEqual(load(cacheDir, main).value, expected, "compiled");
        const cached = load(cacheDir, main);
        assert.deepEqual(cached.value, expected, "from the cache");
        assert.equal(cached.stats.hits, 2);
    });

    // Node 20 drops the import() callback of code compiled from a cache: such a file must never be served from one.
    for (const [how, text] of [
        ["calls import()", "exports.value = import('./esm.mjs').then((m) => m.answer);"],
        [
            "builds import() with new Function",
            "exports.value = new Function('s', 'return import(s)')('./esm.mjs').then((m) => m.answer);",
        ],
        ["builds import() with eval", "exports.value = eval(\"import('./esm.mjs')\").then((m) => m.answer);"],
        [
            "builds import() with globalThis.eval",
            "exports.value = globalThis.eval(\"import('./esm.mjs')\").then((m) => m.answer);",
        ],
        [
            "builds import() with Function.call",
            "exports.value = Function.call(null, 's', 'return import(s)')('./esm.mjs').then((m) => m.answer);",
        ],
        [
            "builds import() with an async function's constructor",
            "exports.value = (async () => {}).constructor('s', 'return import(s)')('./esm.mjs').then((m) => m.answer);",
        ],
        [
            "builds import() from code it reads from another file",
            "exports.value = new Function('s', require('fs').readFileSync(__dirname + '/code.txt', 'utf8'))('./esm.mjs').then((m) => m.answer);",
        ],
    ]) {
        it(`compiles a file that ${how} with Node's own compiler every time, and its import() works`, () => {
            write("esm.mjs", "export const answer = 42;\n");
            write("code.txt", "return imp" + "ort(s)");
            const main = write("main.js", `process.chdir(__dirname);\n${text}\n`);
            const first = load(cacheDir, main);
            assert.equal(first.value, 42);
            assert.equal(first.stats.hits + first.stats.misses, 0, JSON.stringify(first.stats));
            const second = load(cacheDir, main);
            assert.equal(second.value, 42, "still works in the process after");
            assert.deepEqual(second.stats, { hits: 0, misses: 0, rejected: 0, nodeCompiles: 1 });
        });
    }

    it("still caches a file that only mentions import( in a comment or a message, or makes code it can read whole", () => {
        const main = write(
            "main.js",
            [
                "// import('x') would load it later",
                "exports.value = \"Did you mean 'typeof import('{0}')'?\";", // typescript's messages
                "exports.proto = Function.prototype.toString.name;",
                "exports.global = Function('return this')() === globalThis;", // protobuf's
                "exports.isFunction = exports instanceof Function;",
                "",
            ].join("\n"),
        );
        load(cacheDir, main);
        const second = load(cacheDir, main);
        assert.deepEqual(second.stats, { hits: 1, misses: 0, rejected: 0, nodeCompiles: 0 });
    });

    it("leaves to Node what is not a CommonJS body: a #! line, an ES module, a syntax error", () => {
        const script = write("tool.js", "#!/usr/bin/env node\nexports.value = 'tool';\n");
        assert.equal(load(cacheDir, script).value, "tool");
        assert.equal(load(cacheDir, script).stats.misses, 0, "the #! file is cached too");

        fs.mkdirSync(path.join(dir, "esm"));
        write("esm/package.json", '{ "type": "module" }\n');
        write("esm/index.js", "export const value = 'an ES module';\n");
        const requiresEsm = write("requires-esm.js", "exports.value = require('./esm/index.js').value;\n");
        assert.equal(load(cacheDir, requiresEsm).value, "an ES module");
        assert.equal(load(cacheDir, requiresEsm).value, "an ES module", "and again once the CommonJS file is cached");

        const broken = write("broken.js", "exports.value = (;\n");
        const child = spawnSync(process.execPath, ["-r", "./offline/register.js", broken], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
            env: { ...process.env, VAT_BACKUP_CODE_CACHE_DIR: cacheDir },
        });
        const plain = spawnSync(process.execPath, [broken], { encoding: "utf8" });
        assert.equal(child.status, plain.status);
        assert.match(child.stderr, /broken\.js:1[\s\S]*SyntaxError: Unexpected token ';'/);
        assert.match(plain.stderr, /SyntaxError: Unexpected token ';'/);
    });

    it("is off under --enable-source-maps, where Node's own compile also reads each file's source map", () => {
        const main = write("main.js", "exports.value = 'node';\n");
        const run = load(cacheDir, main, { NODE_OPTIONS: "--enable-source-maps" });
        assert.equal(run.value, "node");
        assert.deepEqual(run.stats, { hits: 0, misses: 0, rejected: 0, nodeCompiles: 0 });
    });

    it("a process that wrote entries sweeps the folder past its limit, oldest written first, and dead writers' temporary files", () => {
        fs.mkdirSync(cacheDir);
        const aged = (name: string, date: Date) => {
            fs.writeFileSync(path.join(cacheDir, name), "old");
            fs.utimesSync(path.join(cacheDir, name), date, date);
        };
        const old = Array.from({ length: 10 }, (_, i) => `old-${String(i).padStart(2, "0")}.bin`);
        old.forEach((name, i) => aged(name, new Date(Date.UTC(2020, 0, 1 + i))));
        const hourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
        aged("dead-writer.bin.1.tmp", hourAgo);
        aged("live-writer.bin.2.tmp", new Date());

        const main = write("main.js", "exports.value = 'swept';\n");
        // The transpile cache in the scratch folder too: the limit applies to every cache a process writes.
        const limited = (limit: string) => ({
            VAT_BACKUP_CACHE_LIMIT: limit,
            VAT_BACKUP_TS_CACHE: path.join(dir, "ts"),
        });
        const run = load(cacheDir, main, limited("8"));
        assert.equal(run.value, "swept");
        assert.equal(run.stats.misses, 1);
        // Eleven entries against a limit of eight: down to six, the five oldest gone, the new one kept.
        assert.deepEqual(
            entries().filter((f) => f.startsWith("old-")),
            old.slice(5),
        );
        assert.equal(entries().length, 6);
        assert.ok(!fs.existsSync(path.join(cacheDir, "dead-writer.bin.1.tmp")), "an hour-old temporary file goes");
        assert.ok(fs.existsSync(path.join(cacheDir, "live-writer.bin.2.tmp")), "a writer's current file stays");

        const again = load(cacheDir, main, limited("5"));
        assert.deepEqual(again.stats, { hits: 1, misses: 0, rejected: 0, nodeCompiles: 0 });
        assert.equal(entries().length, 6, "a process that wrote nothing does not sweep");
    });

    it("is off with VAT_BACKUP_CODE_CACHE=off, and nothing is written", () => {
        const main = write("main.js", "exports.value = 'off';\n");
        const off = load(cacheDir, main, { VAT_BACKUP_CODE_CACHE: "off" });
        assert.equal(off.value, "off");
        assert.deepEqual(off.stats, { hits: 0, misses: 0, rejected: 0, nodeCompiles: 0 });
        assert.ok(!fs.existsSync(cacheDir));
    });
});

describe("offline/register.js's transpile cache", function () {
    this.timeout(60_000);

    it("maps a stack trace to the TypeScript lines, from the cache as from the compiler, reading the map only then", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ts-cache-"));
        try {
            const file = path.join(dir, "boom.ts");
            fs.writeFileSync(
                file,
                "interface Shape {\n    sides: number;\n}\n\nexport function boom(shape: Shape): never {\n    throw new Error(`boom ${shape.sides}`);\n}\n",
            );
            const program = `try { require(${JSON.stringify(file)}).boom({ sides: 3 }); } catch (e) { console.log(e.stack.split("\\n")[1]); }`;
            const run = () =>
                spawnSync(process.execPath, ["-r", "./offline/register.js", "-e", program], {
                    cwd: PROJECT_DIR,
                    encoding: "utf8",
                    env: { ...process.env, VAT_BACKUP_TS_CACHE: path.join(dir, "cache") },
                });
            const cold = run();
            assert.equal(cold.status, 0, cold.stderr);
            assert.match(cold.stdout, /boom\.ts:6:11\)/, `from the compiler: ${cold.stdout}${cold.stderr}`);
            const entries = fs.readdirSync(path.join(dir, "cache"));
            assert.deepEqual(entries.map((f) => path.extname(f)).sort(), [".js", ".map"]);
            assert.match(run().stdout, /boom\.ts:6:11\)/, "from the cache");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a process that transpiled a file sweeps the folder past its limit, each old entry with its map", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ts-cache-"));
        try {
            const cache = path.join(dir, "cache");
            fs.mkdirSync(cache);
            for (let i = 0; i < 4; i++) {
                for (const ext of [".js", ".map"]) {
                    const file = path.join(cache, `old-${i}${ext}`);
                    fs.writeFileSync(file, "old");
                    fs.utimesSync(file, new Date(Date.UTC(2020, 0, 1 + i)), new Date(Date.UTC(2020, 0, 1 + i)));
                }
            }
            const file = path.join(dir, "fresh.ts");
            fs.writeFileSync(file, "export const value: number = 7;\n");
            const run = spawnSync(
                process.execPath,
                ["-r", "./offline/register.js", "-e", `console.log(require(${JSON.stringify(file)}).value)`],
                {
                    cwd: PROJECT_DIR,
                    encoding: "utf8",
                    // Its V8 cache in the scratch folder too: the limit applies to every cache it writes.
                    env: {
                        ...process.env,
                        VAT_BACKUP_TS_CACHE: cache,
                        VAT_BACKUP_CODE_CACHE_DIR: path.join(dir, "v8"),
                        VAT_BACKUP_CACHE_LIMIT: "4",
                    },
                },
            );
            assert.equal(run.status, 0, run.stderr);
            assert.equal(run.stdout.trim(), "7");
            // Five entries against a limit of four: down to three, the two oldest gone with their maps.
            const left = fs.readdirSync(cache).sort();
            assert.deepEqual(
                left.filter((f) => f.startsWith("old-")),
                ["old-2.js", "old-2.map", "old-3.js", "old-3.map"],
            );
            assert.equal(left.length, 6, left.join(" "));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
