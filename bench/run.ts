/**
 * `npm run bench`: measures the offline plan, its scaling, the policy pack and the test suite, and
 * writes docs/benchmarks.md with the machine it ran on. Not a test: numbers depend on the machine.
 *
 * Every measurement runs in a child process (bench/child.ts), so its peak memory (maxRSS) is its own
 * and its wall time includes what a user waits for: Node, ts-node and the modules loading.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkedInStacks } from "../offline/stack";

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "docs", "benchmarks.md");
const TARGETS = { stackSeconds: 5, tables1000Seconds: 15, tables1000MiB: 1024, policySeconds: 1, testSeconds: 60 };

interface Measured {
    wallMs: number;
    cpuMs: number;
    result: Record<string, number>;
}

/** Runs bench/child.ts in a fresh Node process and returns its wall time, CPU time and report. */
function measureChild(mode: string, args: unknown, nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Measured {
    const start = process.hrtime.bigint();
    const child = spawnSync(
        process.execPath,
        [
            ...nodeArgs,
            "-r",
            "ts-node/register/transpile-only",
            path.join(__dirname, "child.ts"),
            mode,
            JSON.stringify(args),
        ],
        {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
            env: { ...process.env, ...env },
        },
    );
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (child.status !== 0)
        throw new Error(`bench child ${mode} ${JSON.stringify(args).slice(0, 80)} failed:\n${child.stderr}`);
    const line = child.stdout.trim().split("\n").pop() ?? "{}";
    const result = JSON.parse(line) as Record<string, number>;
    return { wallMs, cpuMs: result.cpuMs, result };
}

/** Table names that map to the requirements' assets: the async-requests tables (low criticality). */
function generatedTables(count: number): string[] {
    return Array.from({ length: count }, (_, i) => `prod-env-load-${String(i).padStart(4, "0")}-async-requests`);
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");

/** Self time of a CPU profile, by package (or project file), largest first. */
function profileByPackage(file: string): { where: string; ms: number }[] {
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as {
        nodes: { id: number; callFrame: { url: string; functionName: string } }[];
        samples: number[];
        timeDeltas: number[];
    };
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
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

/** Profiles the plan of one stack and lists where its CPU time goes. */
function profileSection(stack: string): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-prof-"));
    measureChild("plan", { stack }, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) return [];
    const rows = profileByPackage(path.join(dir, file)).filter((r) => r.where !== "(idle)");
    const total = rows.reduce((sum, r) => sum + r.ms, 0);
    const project = rows.filter((r) => r.where.startsWith("project: ")).reduce((sum, r) => sum + r.ms, 0);
    fs.rmSync(dir, { recursive: true, force: true });
    return [
        `## Where the plan's time goes (\`node --cpu-prof\`, stack ${stack})`,
        "",
        `Sampled CPU time ${s(total)} (idle excluded); the project's own code: ${s(project)}. Self time by package:`,
        "",
        "| where | self time | share |",
        "|---|---|---|",
        ...rows
            .filter((r) => !r.where.startsWith("project: "))
            .slice(0, 8)
            .map((r) => `| ${r.where} | ${s(r.ms)} | ${((100 * r.ms) / total).toFixed(0)}% |`),
        `| project code (all files) | ${s(project)} | ${((100 * project) / total).toFixed(0)}% |`,
        "",
    ];
}

/**
 * The same plan with ts-node's transpiler swapped for offline/cachingTranspiler.js (through a
 * temporary tsconfig extending the project's): the first run fills the cache, the second uses it.
 */
function transpileCacheSection(stack: string): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-tscache-"));
    const tsconfig = path.join(dir, "tsconfig.json");
    fs.writeFileSync(
        tsconfig,
        JSON.stringify({
            extends: path.join(ROOT, "tsconfig.json"),
            "ts-node": { transpileOnly: true, transpiler: path.join(ROOT, "offline", "cachingTranspiler.js") },
        }),
    );
    const env = { TS_NODE_PROJECT: tsconfig, VAT_BACKUP_TS_CACHE: path.join(dir, "cache") };
    const plain = measureChild("plan", { stack });
    const cold = measureChild("plan", { stack }, [], env);
    const warm = measureChild("plan", { stack }, [], env);
    fs.rmSync(dir, { recursive: true, force: true });
    const row = (label: string, m: Measured) =>
        `| ${label} | ${s(m.wallMs)} | ${s(m.result.cpuMs)} | ${s(m.result.startupMs + m.result.loadMs)} | ${mib(m.result.maxRssKiB)} |`;
    return [
        `## The same plan (${stack}) with transpiled files cached`,
        "",
        "offline/cachingTranspiler.js keeps ts-node's output per file content; enabled here through a temporary tsconfig, not the project's.",
        "",
        "| run | wall | CPU | loading modules | peak memory |",
        "|---|---|---|---|---|",
        row("ts-node transpile-only (as `npm run plan`)", plain),
        row("caching transpiler, empty cache", cold),
        row("caching transpiler, warm cache", warm),
        "",
    ];
}

/** CPU time of this process's finished children (utime + stime from /proc), in ms; 0 where /proc is absent. */
function childrenCpuMs(): number {
    try {
        const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
        // Fields after the command: cutime and cstime are the 14th and 15th (1-based, counting from state).
        const ticks = Number(fields[13]) + Number(fields[14]);
        return (ticks * 1000) / 100;
    } catch {
        return 0;
    }
}

function machine(): string[] {
    const cpus = os.cpus();
    const load = os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ");
    return [
        `- CPU: ${cpus[0]?.model ?? "unknown"}, ${cpus.length} cores`,
        `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
        `- Node ${process.version}, ${os.type()} ${os.release()} (${os.arch()})`,
        `- load average when the benchmark started (1, 5, 15 min): ${load}`,
        `- date: ${new Date().toISOString()}`,
    ];
}

function main(): void {
    const lines: string[] = [
        "# Benchmarks",
        "",
        "Written by `npm run bench` (bench/run.ts). Each measurement runs in its own Node process.",
        "",
    ];
    lines.push("## Machine", "", ...machine(), "");
    lines.push(
        "Wall time is what a user waits for; CPU time (user + system of the measured process) shows how much",
        "of it was work rather than waiting for a busy machine. Peak memory is the process's maxRSS.",
        "",
    );

    console.log("Planning each checked-in stack...");
    lines.push("## Offline plan of each checked-in stack", "", `Target: under ${TARGETS.stackSeconds} s each.`, "");
    lines.push(
        "| stack | resources | wall | CPU | of which loading modules (wall) | evaluating the program (wall) | posture (wall) | peak memory | target (wall / CPU) |",
        "|---|---|---|---|---|---|---|---|---|",
    );
    for (const stack of checkedInStacks()) {
        const m = measureChild("plan", { stack });
        const r = m.result;
        lines.push(
            `| ${stack} | ${r.resources} | ${s(m.wallMs)} | ${s(r.cpuMs)} | ${s(r.startupMs + r.loadMs)} | ${s(r.evaluateMs)} | ${s(r.postureMs)} | ${mib(r.maxRssKiB)} | ${verdict(m.wallMs < TARGETS.stackSeconds * 1000)} / ${verdict(r.cpuMs < TARGETS.stackSeconds * 1000)} |`,
        );
        console.log(`  ${stack}: ${s(m.wallMs)}`);
    }
    lines.push("");

    console.log("Profiling the prod plan...");
    lines.push(...profileSection("prod"));
    lines.push(...transpileCacheSection("prod"));

    console.log("Scaling with the number of tables...");
    lines.push(
        "## Scaling: a deployment stack protecting N tables",
        "",
        `Target for 1,000 tables: under ${TARGETS.tables1000Seconds} s and under 1 GB. Generated config: prod with N tables.`,
        "",
    );
    lines.push(
        "Each table adds one TablePitr resource and one ARN in a backup selection; AWS Backup accepts at most 500 ARNs in one",
        "selection (BackupSelection.Resources), so the plan splits them across selections of 500 (two for 1,000 tables).",
        "",
    );
    lines.push(
        "| tables | resources | wall | CPU | evaluating the program (wall / CPU) | posture (wall / CPU) | peak memory |",
        "|---|---|---|---|---|---|---|",
    );
    const scaling: { n: number; m: Measured }[] = [];
    for (const n of [10, 100, 1000]) {
        const m = measureChild("plan", { stack: "prod", overrides: { tables: generatedTables(n) } });
        scaling.push({ n, m });
        const r = m.result;
        lines.push(
            `| ${n.toLocaleString("en-GB")} | ${r.resources} | ${s(m.wallMs)} | ${s(r.cpuMs)} | ${s(r.evaluateMs)} / ${s(r.evaluateCpuMs)} | ${s(r.postureMs)} / ${s(r.postureCpuMs)} | ${mib(r.maxRssKiB)} |`,
        );
        console.log(`  ${n} tables: ${s(m.wallMs)}`);
    }
    // CPU time of evaluation and posture: the work that grows with the tables, not the load of the machine.
    const work = (x: { m: Measured }) => x.m.result.evaluateCpuMs + x.m.result.postureCpuMs;
    const perTableSmall = (work(scaling[1]) - work(scaling[0])) / 90;
    const perTableLarge = (work(scaling[2]) - work(scaling[1])) / 900;
    const ratio = perTableLarge / Math.max(perTableSmall, 0.001);
    const big = scaling[2].m;
    lines.push(
        "",
        `Per added table (CPU time of evaluation and posture): ${perTableSmall.toFixed(2)} ms from 10 to 100 tables, ${perTableLarge.toFixed(2)} ms from 100 to 1,000 (ratio ${ratio.toFixed(2)}). ` +
            (ratio < 2 ? "Growth is about linear." : "Growth is worse than linear."),
        `1,000 tables: ${verdict(big.wallMs < TARGETS.tables1000Seconds * 1000)} on wall time (${s(big.wallMs)}; CPU ${s(big.result.cpuMs)}: ${verdict(big.result.cpuMs < TARGETS.tables1000Seconds * 1000)} on an idle machine), ${verdict(big.result.maxRssKiB < TARGETS.tables1000MiB * 1024)} on memory (${mib(big.result.maxRssKiB)}).`,
        "",
    );

    console.log("Policy pack over 10,000 resources...");
    const policy = measureChild("policy", { resources: 10000 });
    lines.push(
        "## Policy pack over 10,000 resources",
        "",
        `Target: under ${TARGETS.policySeconds} s. \`checkPolicies\` (offline/policyCheck.ts) over the recorded resources of the prod, backup and org stacks, repeated under fresh names to 10,000.`,
        "",
        "| resources | violations | check time (wall) | check time (CPU) | peak memory (process) | target (wall / CPU) |",
        "|---|---|---|---|---|---|",
        `| ${policy.result.resources.toLocaleString("en-GB")} | ${policy.result.violations} | ${s(policy.result.checkMs)} | ${s(policy.result.checkCpuMs)} | ${mib(policy.result.maxRssKiB)} | ${verdict(policy.result.checkMs < TARGETS.policySeconds * 1000)} / ${verdict(policy.result.checkCpuMs < TARGETS.policySeconds * 1000)} |`,
        "",
    );

    console.log("npm test...");
    const start = process.hrtime.bigint();
    const childrenBefore = childrenCpuMs();
    const test = spawnSync("npm", ["test"], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const testMs = Number(process.hrtime.bigint() - start) / 1e6;
    const testCpuMs = childrenCpuMs() - childrenBefore;
    const passing = /(\d+) passing/.exec(test.stdout)?.[1] ?? "?";
    const failing = /(\d+) failing/.exec(test.stdout)?.[1] ?? "0";
    const mochaTime = /passing \(([^)]+)\)/.exec(test.stdout)?.[1] ?? "?";
    lines.push(
        "## `npm test` as a whole",
        "",
        `Target: under ${TARGETS.testSeconds} s (\`tsc --noEmit\` then mocha).`,
        "",
        "| wall | CPU (npm and its children) | mocha's own count | tests | target (wall / CPU) |",
        "|---|---|---|---|---|",
        `| ${s(testMs)} | ${s(testCpuMs)} | ${mochaTime} | ${passing} passing, ${failing} failing (exit ${test.status}) | ${verdict(testMs < TARGETS.testSeconds * 1000)} / ${verdict(testCpuMs < TARGETS.testSeconds * 1000)} |`,
        "",
    );
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    // `npm run mutation` keeps its summary between these markers; a benchmark run leaves it in place.
    const previous = fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "";
    const mutation = /<!-- mutation:start -->[\s\S]*<!-- mutation:end -->/.exec(previous)?.[0];
    if (mutation) lines.push(mutation);
    fs.writeFileSync(OUT, `${lines.join("\n")}\n`);
    console.log(`Wrote ${path.relative(ROOT, OUT)}`);
}

main();
