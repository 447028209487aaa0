/**
 * One measurement, in its own process so that its peak memory is its own:
 *   child.ts plan '{"stack":"prod","overrides":{...}}'   the offline plan, tree and posture of a stack
 *   child.ts policy '{"resources":10000}'                  the policy pack over that many resources
 * Prints one JSON line: the phase times (ms since process start) and maxRSS (KiB).
 */
import { performance } from "perf_hooks";

function cpuMs(from: NodeJS.CpuUsage, to: NodeJS.CpuUsage): number {
    return (to.user - from.user + to.system - from.system) / 1000;
}

async function plan(args: { stack: string; overrides?: Record<string, unknown> }) {
    const loadStart = performance.now();
    const { runStackOffline } = await import("../offline/stack");
    const { renderTree } = await import("../offline/plan");
    const { posture } = await import("../offline/posture");
    const { renderPosture } = await import("../offline/postureReport");
    const loaded = performance.now();
    const cpu0 = process.cpuUsage();
    const run = await runStackOffline(args.stack, args.overrides ?? {});
    const evaluated = performance.now();
    const cpu1 = process.cpuUsage();
    const text = renderTree(run) + renderPosture(posture([run]));
    const reported = performance.now();
    const cpu2 = process.cpuUsage();
    return {
        resources: run.resources.length,
        outputChars: text.length,
        startupMs: loadStart,
        loadMs: loaded - loadStart,
        evaluateMs: evaluated - loaded,
        postureMs: reported - evaluated,
        evaluateCpuMs: cpuMs(cpu0, cpu1),
        postureCpuMs: cpuMs(cpu1, cpu2),
    };
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

async function main() {
    const [mode, json] = process.argv.slice(2);
    const args = JSON.parse(json ?? "{}");
    const result = mode === "policy" ? await policy(args) : await plan(args);
    const totalMs = performance.now();
    const usage = process.resourceUsage();
    const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
    process.stdout.write(`${JSON.stringify({ ...result, totalMs, cpuMs, maxRssKiB: usage.maxRSS })}\n`);
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err instanceof Error ? err.stack : String(err));
        process.exit(1);
    },
);
