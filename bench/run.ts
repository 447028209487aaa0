/**
 * `npm run bench`: the offline plan against the CDK peer synthesizing the same stack, the plan's
 * growth with the number of tables, its load floor, the policy pack and the test suite; writes
 * docs/benchmarks.md with the machine it ran on. Not a test: numbers depend on the machine.
 *
 *   npm run bench                   everything (the CDK peer only when its dependencies are installed)
 *   npm run bench -- --install-peer copy the peer to node_modules/.cache/cdk-peer and `npm ci` it there
 *   npm run bench -- --runs 3       fewer runs per measurement (default 5)
 *   npm run bench -- --skip-test    leave out the `npm test` timing
 *
 * Every measurement is a fresh Node process (bench/child.ts through offline/register.js, as
 * `npm run plan` runs; the peer's `node app.js`), with bench/usage.js preloaded to report the
 * process's own CPU time and peak memory; wall time is measured here, so it includes Node starting
 * and every module loading. The plan and the peer run in turn (A B A B ...), and each figure is the
 * median of the runs: on a shared machine only a ratio measured in one run means anything.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { checkedInStacks } from "../offline/stack";
import { FIXTURE_DIR, peerTables } from "./fixture";

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "docs", "benchmarks.md");
const REGISTER = path.join(ROOT, "offline", "register.js");
const USAGE = path.join(__dirname, "usage.js");
const CHILD = path.join(__dirname, "child.ts");
const PEER_COPY = path.join(ROOT, "node_modules", ".cache", "cdk-peer");
const PEER_FILES = ["package.json", "package-lock.json", "app.js", "README.md"];

/** Issue 18's targets. */
const TARGETS = {
    fixtureRatio: 0.5,
    tables1000Ratio: 1,
    floorMarginMs: 300,
    tables4000Seconds: 12,
    policySeconds: 1,
    testSeconds: 60,
};

/**
 * Peak memory of the plan when issue 18 was filed (its table: prod, then 86 resources, and 1,000
 * tables, through ts-node), the bar for "memory no higher than today".
 */
const BEFORE = { source: "issue 18's table", fixtureMaxRssKiB: 206 * 1024, tables1000MaxRssKiB: 384 * 1024 };

interface Sample {
    wallMs: number;
    cpuMs: number;
    maxRssKiB: number;
    result: Record<string, number>;
}

interface Summary {
    wallMs: number;
    cpuMs: number;
    maxRssKiB: number;
    samples: Sample[];
}

/** Runs `node -r bench/usage.js ARGS` and returns what it measured. */
function measure(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Sample {
    const usageFile = path.join(os.tmpdir(), `bench-usage-${process.pid}-${Date.now()}.json`);
    const resultFile = `${usageFile}.result`;
    const start = process.hrtime.bigint();
    const child = spawnSync(process.execPath, ["-r", USAGE, ...args], {
        cwd: options.cwd,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, ...options.env, BENCH_USAGE_FILE: usageFile, BENCH_RESULT_FILE: resultFile },
    });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (child.status !== 0)
        throw new Error(`${args.join(" ").slice(0, 200)} failed (exit ${child.status}):\n${child.stderr}`);
    const usage = JSON.parse(fs.readFileSync(usageFile, "utf8")) as { cpuMs: number; maxRssKiB: number };
    fs.rmSync(usageFile, { force: true });
    const result = fs.existsSync(resultFile)
        ? (JSON.parse(fs.readFileSync(resultFile, "utf8")) as Record<string, number>)
        : {};
    fs.rmSync(resultFile, { force: true });
    return { wallMs, cpuMs: usage.cpuMs, maxRssKiB: usage.maxRssKiB, result };
}

/**
 * The Node options of package.json's `plan` script (those before its script; `-r FILE` and
 * `--require FILE` left out, since every measurement preloads the loader itself), so that every
 * measured run has the options a user's `npm run plan` has.
 */
export function planNodeOptions(script: string): string[] {
    const words = script.trim().split(/\s+/);
    if (words[0] !== "node") throw new Error(`the plan script does not start with node: ${script}`);
    const options: string[] = [];
    for (let i = 1; i < words.length && words[i].startsWith("-"); i++) {
        if (words[i] === "-r" || words[i] === "--require") i++;
        else options.push(words[i]);
    }
    return options;
}

const PLAN_NODE_OPTIONS = planNodeOptions(
    (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { plan: string } }).scripts
        .plan,
);

/** One bench/child.ts measurement, loaded the way `npm run plan` loads the project. */
function ours(mode: string, args: unknown, nodeArgs: string[] = []): Sample {
    const sample = measure([...PLAN_NODE_OPTIONS, "-r", REGISTER, ...nodeArgs, CHILD, mode, JSON.stringify(args)], {
        cwd: ROOT,
    });
    if (mode === "plan" && sample.result.code !== 0)
        throw new Error(
            `the plan ${JSON.stringify(args)} exited ${sample.result.code}: a benchmark plans a passing stack`,
        );
    return sample;
}

/** `node app.js` in the peer's directory: CDK synthesizing the stack, into a scratch directory. */
function cdk(peer: string, tables?: number): Sample {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-cdk-"));
    try {
        return measure([path.join(peer, "app.js")], {
            cwd: peer,
            env: { OUT: out, ...(tables ? { TABLES: String(tables) } : {}) },
        });
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function summarize(samples: Sample[]): Summary {
    return {
        wallMs: median(samples.map((s) => s.wallMs)),
        cpuMs: median(samples.map((s) => s.cpuMs)),
        maxRssKiB: median(samples.map((s) => s.maxRssKiB)),
        samples,
    };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
const n = (x: number) => x.toLocaleString("en-GB");

/** The peer's directory with its dependencies installed, or why it is skipped. */
function findPeer(): { dir: string } | { skipped: string } {
    const source = peerSource();
    if (fs.existsSync(path.join(PEER_COPY, "node_modules", "aws-cdk-lib"))) {
        // The copy runs the peer's current app.js, as long as its dependencies are the ones installed.
        if (source && sameFile(source, PEER_COPY, "package-lock.json"))
            fs.copyFileSync(path.join(source, "app.js"), path.join(PEER_COPY, "app.js"));
        return { dir: PEER_COPY };
    }
    if (source && fs.existsSync(path.join(source, "node_modules", "aws-cdk-lib"))) return { dir: source };
    if (!source)
        return {
            skipped:
                "CDK peer skipped: no shared/peers/cdk-deployment above the project (set CDK_PEER_DIR to its directory).",
        };
    return {
        skipped: `CDK peer skipped: its dependencies are not installed (${source} has no node_modules). Run \`npm run bench -- --install-peer\` to install a copy under node_modules/.cache/cdk-peer (npm registry only).`,
    };
}

function sameFile(a: string, b: string, name: string): boolean {
    try {
        return fs.readFileSync(path.join(a, name), "utf8") === fs.readFileSync(path.join(b, name), "utf8");
    } catch {
        return false;
    }
}

/** The peer's own directory: CDK_PEER_DIR, else shared/peers/cdk-deployment in a folder above the project. */
function peerSource(): string | undefined {
    if (process.env.CDK_PEER_DIR) return path.resolve(process.env.CDK_PEER_DIR);
    for (let dir = path.dirname(ROOT); ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "shared", "peers", "cdk-deployment");
        if (fs.existsSync(path.join(candidate, "app.js"))) return candidate;
        if (path.dirname(dir) === dir) return undefined;
    }
}

/** `--install-peer`: the peer's files copied to node_modules/.cache/cdk-peer (the shared folder stays untouched), then `npm ci`. */
function installPeer(): void {
    const source = peerSource();
    if (!source) throw new Error("no CDK peer found: set CDK_PEER_DIR to its directory");
    fs.mkdirSync(PEER_COPY, { recursive: true });
    for (const file of PEER_FILES) {
        const from = path.join(source, file);
        if (!fs.existsSync(from)) continue;
        const to = path.join(PEER_COPY, file);
        fs.rmSync(to, { force: true });
        fs.copyFileSync(from, to);
        fs.chmodSync(to, 0o644);
    }
    console.log(`Installing the CDK peer from ${source} into ${path.relative(ROOT, PEER_COPY)}...`);
    const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: PEER_COPY, stdio: "inherit" });
    if (npm.status !== 0) throw new Error(`npm ci in ${PEER_COPY} failed (exit ${npm.status})`);
}

/** CPU time of this process's finished children (utime + stime from /proc), in ms; 0 where /proc is absent. */
function childrenCpuMs(): number {
    try {
        const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
        // Fields after the command: cutime and cstime are the 14th and 15th (1-based, counting from state).
        return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
    } catch {
        return 0;
    }
}

/** Share of the machine's CPU time that went to other work while `fn` ran (from /proc/stat), and the load averages. */
function loadDuring<T>(fn: () => T): { value: T; busyOthers: string; load: string } {
    const read = () => {
        try {
            const [, ...ticks] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
            const idle = ticks[3] + ticks[4];
            return { total: ticks.reduce((a, b) => a + b, 0), idle };
        } catch {
            return undefined;
        }
    };
    const before = read();
    const childrenBefore = childrenCpuMs();
    const value = fn();
    const after = read();
    const load = os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ");
    if (!before || !after) return { value, busyOthers: "unknown", load };
    const totalMs = ((after.total - before.total) * 1000) / 100;
    const busyMs = totalMs - ((after.idle - before.idle) * 1000) / 100;
    const ours = childrenCpuMs() - childrenBefore;
    const others = Math.max(0, busyMs - ours);
    return { value, busyOthers: `${((100 * others) / Math.max(totalMs, 1)).toFixed(0)}%`, load };
}

function machine(): string[] {
    const cpus = os.cpus();
    return [
        `- CPU: ${cpus[0]?.model ?? "unknown"}, ${cpus.length} cores; memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
        `- Node ${process.version}, ${os.type()} ${os.release()} (${os.arch()})`,
        `- load average when the benchmark started (1, 5, 15 min): ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(", ")}`,
        `- date: ${new Date().toISOString()}`,
    ];
}

/** The plan and the peer in turn, `runs` times each; the ratio is the median of each pair's ratio. */
function versusPeer(
    runs: number,
    peer: string | undefined,
    plan: () => Sample,
    synth: () => Sample,
): { plan: Summary; peer?: Summary; wallRatio?: number; cpuRatio?: number } {
    const ourSamples: Sample[] = [];
    const peerSamples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
        ourSamples.push(plan());
        if (peer) peerSamples.push(synth());
    }
    if (!peer) return { plan: summarize(ourSamples) };
    return {
        plan: summarize(ourSamples),
        peer: summarize(peerSamples),
        wallRatio: median(ourSamples.map((o, i) => o.wallMs / peerSamples[i].wallMs)),
        cpuRatio: median(ourSamples.map((o, i) => o.cpuMs / peerSamples[i].cpuMs)),
    };
}

/** Self time of a CPU profile, by package (or project file), largest first. */
function profileByPackage(file: string): { where: string; ms: number }[] {
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as {
        nodes: { id: number; callFrame: { url: string; functionName: string } }[];
        samples: number[];
        timeDeltas: number[];
    };
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const totals = new Map<string, number>();
    profile.samples.forEach((id, i) => {
        const frame = nodes.get(id)?.callFrame;
        if (!frame) return;
        const url = frame.url.replace(/^file:\/\//, "");
        let where: string;
        if (!url)
            where = frame.functionName.startsWith("(") ? frame.functionName : `(${frame.functionName || "native"})`;
        else if (url.includes("node_modules/")) {
            const parts = url.split("node_modules/").pop()!.split("/");
            where = parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
        } else if (url.startsWith("node:")) where = "Node's module loader and built-ins";
        else where = `project: ${path.relative(ROOT, url)}`;
        totals.set(where, (totals.get(where) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    });
    return [...totals].map(([where, ms]) => ({ where, ms })).sort((a, b) => b.ms - a.ms);
}

/** Profiles a fixture plan of `tables` tables and lists where its CPU time goes. */
function profileSection(tables: number): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-prof-"));
    try {
        // The first profiled run fills offline/register.js's code cache for the profiler's flags (V8
        // keys its cache by them); the second is the one read, as warm as every other measurement.
        ours("plan", { fixture: true, tables }, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
        for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
        ours("plan", { fixture: true, tables }, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
        const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
        if (!file) return [];
        const rows = profileByPackage(path.join(dir, file)).filter((r) => r.where !== "(idle)");
        const total = rows.reduce((sum, r) => sum + r.ms, 0);
        const project = rows.filter((r) => r.where.startsWith("project: "));
        const projectMs = project.reduce((sum, r) => sum + r.ms, 0);
        return [
            `### ${n(tables)} tables`,
            "",
            `Sampled time ${s(total)} (idle excluded); the project's own code ${s(projectMs)}, most in ${project
                .slice(0, 3)
                .map((r) => `${r.where.slice("project: ".length)} (${s(r.ms)})`)
                .join(", ")}. Self time by package:`,
            "",
            "| where | self time | share |",
            "|---|---|---|",
            ...rows
                .filter((r) => !r.where.startsWith("project: "))
                .slice(0, 8)
                .map((r) => `| ${r.where} | ${s(r.ms)} | ${((100 * r.ms) / total).toFixed(0)}% |`),
            `| project code (all files) | ${s(projectMs)} | ${((100 * projectMs) / total).toFixed(0)}% |`,
            "",
        ];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function peerSection(runs: number, peer: { dir: string } | { skipped: string }): string[] {
    const dir = "dir" in peer ? peer.dir : undefined;
    const lines = [
        "## Against the CDK peer, same run, in turn",
        "",
        `The compared work is fixed: bench/fixtures/Pulumi.prod.yaml (prod's config with the peer's eleven tables, generated by bench/fixture.ts) planned by \`npm run plan\`'s code (tree, policy pack, posture, cost), against the CDK peer (${dir ? path.relative(ROOT, dir) || dir : "not run"}) synthesizing the same deployment stack. Medians of ${runs} runs each, plan and peer alternating; the ratio is the median of each pair's ratio.`,
        "",
    ];
    if (!dir) return [...lines, `**${"skipped" in peer ? peer.skipped : ""}**`, ""];

    console.log("The fixture against the CDK peer...");
    const small = versusPeer(
        runs,
        dir,
        () => ours("plan", { fixture: true }),
        () => cdk(dir),
    );
    console.log("1,000 tables against the CDK peer...");
    const large = versusPeer(
        runs,
        dir,
        () => ours("plan", { fixture: true, tables: 1000 }),
        () => cdk(dir, 1000),
    );
    console.log("Load floor...");
    const modulesFile = path.join(os.tmpdir(), `bench-modules-${process.pid}.json`);
    ours("modules", { fixture: true, out: modulesFile });
    const floor = summarize(Array.from({ length: runs }, () => ours("floor", { modules: modulesFile })));
    const floorModules = floor.samples[0].result.modules;
    fs.rmSync(modulesFile, { force: true });
    console.log("prod as checked in...");
    const prod = summarize(Array.from({ length: runs }, () => ours("plan", { stack: "prod" })));

    const pair = (label: string, target: number, m: ReturnType<typeof versusPeer>) =>
        `| ${label} | ${m.plan.samples[0].result.resources} | ${s(m.plan.wallMs)} / ${s(m.plan.cpuMs)} / ${mib(m.plan.maxRssKiB)} | ${s(m.peer!.wallMs)} / ${s(m.peer!.cpuMs)} / ${mib(m.peer!.maxRssKiB)} | **${m.wallRatio!.toFixed(2)}** | ${m.cpuRatio!.toFixed(2)} | at most ${target}: ${verdict(m.wallRatio! <= target)} |`;
    const halfPeer = small.peer!.wallMs / 2;
    const floorBound = floor.wallMs > halfPeer;
    const fixtureMet = floorBound
        ? small.plan.wallMs <= floor.wallMs + TARGETS.floorMarginMs
        : small.wallRatio! <= TARGETS.fixtureRatio;
    lines.push(
        "| work | plan's resources | plan: wall / CPU / peak memory | CDK synth: wall / CPU / peak memory | ratio (wall) | ratio (CPU) | target |",
        "|---|---|---|---|---|---|---|",
        pair("fixture (CDK: 11 tables)", TARGETS.fixtureRatio, small),
        pair("1,000 tables", TARGETS.tables1000Ratio, large),
        "",
        `Load floor (Node and the ${n(floorModules)} files a fixture plan loads, loaded and nothing run): ${s(floor.wallMs)} wall / ${s(floor.cpuMs)} CPU / ${mib(floor.maxRssKiB)}. ` +
            (floorBound
                ? `It alone exceeds half the peer's time (${s(halfPeer)}), so the fixture's target is the floor plus ${TARGETS.floorMarginMs} ms: ${s(small.plan.wallMs)} against ${s(floor.wallMs + TARGETS.floorMarginMs)}, ${verdict(fixtureMet)}.`
                : `It is under half the peer's time (${s(halfPeer)}), so the fixture's target is the ratio: ${verdict(fixtureMet)}.`),
        "",
        `prod as checked in today (\`npm run plan -- --stack prod\`, same medians): ${prod.samples[0].result.resources} resources, ${s(prod.wallMs)} wall / ${s(prod.cpuMs)} CPU / ${mib(prod.maxRssKiB)}.`,
        "",
    );
    lines.push(
        `Memory no higher than in ${BEFORE.source} (${mib(BEFORE.fixtureMaxRssKiB)} for prod, ${mib(BEFORE.tables1000MaxRssKiB)} for 1,000 tables): fixture ${verdict(small.plan.maxRssKiB <= BEFORE.fixtureMaxRssKiB)}, 1,000 tables ${verdict(large.plan.maxRssKiB <= BEFORE.tables1000MaxRssKiB)}.`,
        "",
    );
    lines.push(
        "CDK accepts a 1,000-ARN backup selection that AWS would reject (BackupSelection.Resources takes at most 500 ARNs); the plan splits the tables across selections of 500.",
        "",
    );
    return lines;
}

function growthSection(runs: number): string[] {
    console.log("Growth with the number of tables...");
    const sizes = [100, 1000, 4000];
    // The sizes in turn, round after round, so that a machine slowing down or speeding up during the
    // section moves every size alike instead of tilting the slopes between them.
    const samples = sizes.map((): Sample[] => []);
    for (let round = 0; round < runs; round++)
        sizes.forEach((tables, i) => samples[i].push(ours("plan", { fixture: true, tables })));
    const measured = sizes.map((tables, i) => {
        const m = summarize(samples[i]);
        console.log(`  ${n(tables)} tables: ${s(m.wallMs)}`);
        return { tables, m };
    });
    const per = (a: number, b: number, key: "wallMs" | "cpuMs") =>
        (measured[b].m[key] - measured[a].m[key]) / (sizes[b] - sizes[a]);
    const small = { wall: per(0, 1, "wallMs"), cpu: per(0, 1, "cpuMs") };
    const large = { wall: per(1, 2, "wallMs"), cpu: per(1, 2, "cpuMs") };
    const t4000 = measured[2].m;
    return [
        "## Growth: the fixture protecting N tables",
        "",
        `Each table adds a TablePitr resource and an ARN in a backup selection (at most 500 ARNs per selection, so more selections as tables grow). Medians of ${runs} runs of the whole command, the three sizes in turn; the peer's names for the tables.`,
        "",
        "| tables | resources | wall | CPU | peak memory |",
        "|---|---|---|---|---|",
        ...measured.map(
            ({ tables, m }) =>
                `| ${n(tables)} | ${n(m.samples[0].result.resources)} | ${s(m.wallMs)} | ${s(m.cpuMs)} | ${mib(m.maxRssKiB)} |`,
        ),
        "",
        `Per added table: ${small.wall.toFixed(2)} ms wall / ${small.cpu.toFixed(2)} ms CPU from 100 to 1,000 tables; ${large.wall.toFixed(2)} ms wall / ${large.cpu.toFixed(2)} ms CPU from 1,000 to 4,000. ` +
            `Target, no higher from 1,000 to 4,000 than from 100 to 1,000: ${verdict(large.wall <= small.wall)} on wall time, ${verdict(large.cpu <= small.cpu)} on CPU time.`,
        `4,000 tables under ${TARGETS.tables4000Seconds} s: ${verdict(t4000.wallMs < TARGETS.tables4000Seconds * 1000)} (${s(t4000.wallMs)} wall, ${s(t4000.cpuMs)} CPU).`,
        "",
        "## Where a large plan's time goes (`node --cpu-prof`, one run each)",
        "",
        ...profileSection(1000),
        ...profileSection(4000),
    ];
}

function stacksSection(): string[] {
    console.log("Each checked-in stack...");
    const lines = [
        "## `npm run plan` of each checked-in stack (one run each)",
        "",
        "| stack | resources | wall | CPU | peak memory | of which loading (wall) |",
        "|---|---|---|---|---|---|",
    ];
    for (const stack of checkedInStacks()) {
        const m = ours("plan", { stack });
        lines.push(
            `| ${stack} | ${m.result.resources} | ${s(m.wallMs)} | ${s(m.cpuMs)} | ${mib(m.maxRssKiB)} | ${s(m.result.startupMs + m.result.loadMs)} |`,
        );
    }
    return [...lines, ""];
}

function policySection(): string[] {
    console.log("Policy pack over 10,000 resources...");
    const policy = ours("policy", { resources: 10000 }).result;
    return [
        "## Policy pack over 10,000 resources",
        "",
        `Target: under ${TARGETS.policySeconds} s. \`checkPolicies\` (offline/policyCheck.ts) over the recorded resources of the prod, backup and org stacks, repeated under fresh names to 10,000.`,
        "",
        "| resources | violations | check time (wall) | check time (CPU) | target (wall / CPU) |",
        "|---|---|---|---|---|",
        `| ${n(policy.resources)} | ${policy.violations} | ${s(policy.checkMs)} | ${s(policy.checkCpuMs)} | ${verdict(policy.checkMs < TARGETS.policySeconds * 1000)} / ${verdict(policy.checkCpuMs < TARGETS.policySeconds * 1000)} |`,
        "",
    ];
}

function testSection(): string[] {
    console.log("npm test...");
    const start = process.hrtime.bigint();
    const before = childrenCpuMs();
    const test = spawnSync("npm", ["test"], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const testMs = Number(process.hrtime.bigint() - start) / 1e6;
    const testCpuMs = childrenCpuMs() - before;
    const passing = /(\d+) passed/.exec(test.stdout)?.[1] ?? "?";
    const failing = /(\d+) failed/.exec(test.stdout)?.[1] ?? "?";
    return [
        "## `npm test` as a whole",
        "",
        `Target: under ${TARGETS.testSeconds} s wall on the 2-core machine. Run from this checkout with its caches as they are (see README's \"Tests\" for a fresh clone).`,
        "",
        "| wall | CPU (npm and its children) | tests | target (wall) |",
        "|---|---|---|---|",
        `| ${s(testMs)} | ${s(testCpuMs)} | ${passing} passed, ${failing} failed (exit ${test.status}) | ${verdict(testMs < TARGETS.testSeconds * 1000)} |`,
        "",
    ];
}

function main(argv: string[]): void {
    const opts = new Command("bench")
        .option("--runs <n>", "runs per measurement", "5")
        .option("--install-peer", "install the CDK peer under node_modules/.cache/cdk-peer, then exit")
        .option("--skip-test", "leave out the npm test timing")
        .parse(argv)
        .opts<{ runs: string; installPeer?: boolean; skipTest?: boolean }>();
    if (opts.installPeer) return installPeer();
    const runs = Number(opts.runs);
    if (!fs.existsSync(path.join(FIXTURE_DIR, "Pulumi.prod.yaml")) || peerTables().length !== 11)
        throw new Error("bench/fixtures/Pulumi.prod.yaml is missing: see bench/fixture.ts");

    const lines: string[] = [
        "# Benchmarks",
        "",
        "Written by `npm run bench` (bench/run.ts). Each measurement is a fresh Node process; wall time includes Node starting and the modules loading.",
        "Wall time is what a user waits for; CPU time (user + system of the measured process) shows how much of it was work rather than",
        "waiting for a busy machine. Peak memory is the process's maxRSS.",
        "",
        "## Machine",
        "",
        ...machine(),
    ];
    const peer = findPeer();
    if ("skipped" in peer) console.log(peer.skipped);
    // Unmeasured: fills offline/register.js's code cache for the plan's Node options (V8 keys its
    // cache by them), as any earlier `npm run plan` would have; right after `npm ci` it is empty.
    // Each checked-in stack too: they load a few files the fixture does not.
    ours("plan", { fixture: true });
    for (const stack of checkedInStacks()) ours("plan", { stack });
    const measured = loadDuring(() => [
        ...peerSection(runs, peer),
        ...growthSection(runs),
        ...stacksSection(),
        ...policySection(),
    ]);
    lines.push(
        `- other work on the machine while the plan and peer were measured: ${measured.busyOthers} of its CPU time; load average at the end ${measured.load}`,
        "",
        ...measured.value,
    );
    if (!opts.skipTest) lines.push(...testSection());

    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    // `npm run mutation` keeps its summary between these markers; a benchmark run leaves it in place.
    const previous = fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "";
    const mutation = /<!-- mutation:start -->[\s\S]*<!-- mutation:end -->/.exec(previous)?.[0];
    if (mutation) lines.push(mutation);
    fs.writeFileSync(OUT, `${lines.join("\n")}\n`);
    console.log(`Wrote ${path.relative(ROOT, OUT)}`);
}

if (require.main === module) main(process.argv);
