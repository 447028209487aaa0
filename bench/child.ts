/**
 * One measurement, in its own process (started by bench/run.ts through offline/register.js and
 * bench/usage.js, which reports the process's CPU time and peak memory):
 *   child.ts plan '{"stack":"prod"}'                     `npm run plan -- --stack prod`, as a user runs it
 *   child.ts plan '{"fixture":true,"tables":1000}'       the same command over the benchmark fixture
 *   child.ts modules '{"fixture":true,"out":FILE}'       a fixture plan, then the files it loaded, to FILE
 *   child.ts floor '{"modules":FILE}'                    only loads those files: Node plus modules, nothing run
 *   child.ts policy '{"resources":10000}'                the policy pack over that many resources
 * Writes what it measured (phase times in ms since process start, and the result) as JSON to the file
 * named by BENCH_RESULT_FILE: stdout carries the plan's own output, which a pipe may cut at exit.
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";

function cpuMs(from: NodeJS.CpuUsage, to: NodeJS.CpuUsage): number {
    return (to.user - from.user + to.system - from.system) / 1000;
}

interface PlanArgs {
    stack?: string;
    fixture?: boolean;
    tables?: number;
}

/** The plan command (offline/plan.ts `main`), over a checked-in stack or the fixture's config. */
async function plan(args: PlanArgs) {
    const loadStart = performance.now();
    const { main } = await import("../offline/plan");
    const { runConfigOffline, runStackOffline } = await import("../offline/stack");
    const { FIXTURE_PACK_CONFIG, FIXTURE_STACK, fixtureConfig } = await import("./fixture");
    const loaded = performance.now();
    const cpu0 = process.cpuUsage();
    let resources = 0;
    const stack = args.fixture ? FIXTURE_STACK : (args.stack ?? "prod");
    const argv = [
        "node",
        "plan",
        "--stack",
        stack,
        ...(args.fixture ? ["--policy-pack-config", FIXTURE_PACK_CONFIG] : []),
    ];
    const code = await main(argv, async (name, overrides, mode) => {
        const run = args.fixture
            ? await runConfigOffline(name, fixtureConfig(args.tables), mode)
            : await runStackOffline(name, overrides, mode);
        resources = run.resources.length;
        return run;
    });
    const planned = performance.now();
    return {
        code,
        resources,
        startupMs: loadStart,
        loadMs: loaded - loadStart,
        planMs: planned - loaded,
        planCpuMs: cpuMs(cpu0, process.cpuUsage()),
    };
}

/** Plans, then lists every file the process loaded, in load order. */
async function modules(args: PlanArgs & { out: string }) {
    const result = await plan(args);
    fs.writeFileSync(args.out, JSON.stringify(Object.keys(require.cache)));
    return result;
}

/**
 * The load floor: every file a plan loads, loaded and nothing else. The program's entry (index.ts
 * runs the stack) and this file are left out; everything they import is in the list.
 */
function floor(args: { modules: string }) {
    const loadStart = performance.now();
    const skip = new Set([path.resolve(__dirname, "..", "index.ts"), __filename]);
    let count = 0;
    for (const file of JSON.parse(fs.readFileSync(args.modules, "utf8")) as string[]) {
        if (skip.has(file) || !fs.existsSync(file)) continue;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(file);
        count++;
    }
    return { modules: count, startupMs: loadStart, loadMs: performance.now() - loadStart };
}

async function policy(args: { resources: number }) {
    const { runStackOffline } = await import("../offline/stack");
    const { checkPolicies } = await import("../offline/policyCheck");
    // A realistic mix: the recorded resources of every stack, repeated under fresh names until there are enough.
    const base = [
        ...(await runStackOffline("prod")).resources,
        ...(await runStackOffline("backup")).resources,
        ...(await runStackOffline("org")).resources,
    ];
    const resources = [];
    for (let i = 0; resources.length < args.resources; i++) {
        for (const r of base) {
            if (resources.length >= args.resources) break;
            const suffix = i === 0 ? "" : `-copy${i}`;
            resources.push({
                ...r,
                urn: `${r.urn}${suffix}`,
                name: `${r.name}${suffix}`,
                parent: r.parent && i ? `${r.parent}${suffix}` : r.parent,
                provider: r.provider && i ? `${r.provider}${suffix}` : r.provider,
            });
        }
    }
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const violations = checkPolicies(resources, { stack: "bench", project: "vat-backup" });
    const checkMs = performance.now() - start;
    return {
        resources: resources.length,
        violations: violations.length,
        checkMs,
        checkCpuMs: cpuMs(cpu0, process.cpuUsage()),
    };
}

async function measure(mode: string, args: never): Promise<Record<string, unknown>> {
    switch (mode) {
        case "plan":
            return plan(args);
        case "modules":
            return modules(args);
        case "floor":
            return floor(args);
        case "policy":
            return policy(args);
        default:
            throw new Error(`unknown mode ${mode}`);
    }
}

async function main() {
    const [mode, json] = process.argv.slice(2);
    const result = await measure(mode, JSON.parse(json ?? "{}") as never);
    const file = process.env.BENCH_RESULT_FILE;
    if (file) fs.writeFileSync(file, JSON.stringify({ ...result, totalMs: performance.now() }));
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err instanceof Error ? err.stack : String(err));
        process.exit(1);
    },
);
