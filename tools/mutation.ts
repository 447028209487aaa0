/**
 * `npm run mutation`: runs StrykerJS once per `stryker/*.conf.json` (one per folder, each with its
 * own `thresholds.break`), one after another, then writes the scores into docs/benchmarks.md
 * between the mutation markers. Outside `npm test`: mutation runs are long and CPU-heavy.
 * Exits non-zero when any folder scores under its break threshold.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const BENCHMARKS = path.join(ROOT, "docs", "benchmarks.md");
const START = "<!-- mutation:start -->";
const END = "<!-- mutation:end -->";

interface StrykerConfig {
    mutate: string[];
    thresholds?: { break?: number };
    jsonReporter?: { fileName?: string };
}

interface MutantResult {
    status: string;
}

/** Stryker's JSON report: mutants by file, each with a status. */
function scoreOf(reportFile: string) {
    const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as {
        files: Record<string, { mutants: MutantResult[] }>;
    };
    const count = (statuses: string[]) =>
        Object.values(report.files)
            .flatMap((f) => f.mutants)
            .filter((m) => statuses.includes(m.status)).length;
    const killed = count(["Killed", "Timeout"]);
    const survived = count(["Survived"]);
    const noCoverage = count(["NoCoverage"]);
    const errors = count(["CompileError", "RuntimeError"]);
    const ignored = count(["Ignored"]);
    const valid = killed + survived + noCoverage;
    return { killed, survived, noCoverage, errors, ignored, score: valid ? (100 * killed) / valid : 100 };
}

function main(): number {
    const configs = fs
        .readdirSync(path.join(ROOT, "stryker"))
        .filter((f) => f.endsWith(".conf.json"))
        .sort();
    const rows: string[] = [];
    let failed = false;
    for (const file of configs) {
        const configPath = path.join("stryker", file);
        const config = JSON.parse(fs.readFileSync(path.join(ROOT, configPath), "utf8")) as StrykerConfig;
        const started = Date.now();
        const run = spawnSync("npx", ["stryker", "run", configPath], { cwd: ROOT, stdio: "inherit" });
        const minutes = ((Date.now() - started) / 60000).toFixed(1);
        const reportFile = path.join(ROOT, config.jsonReporter?.fileName ?? "reports/mutation/mutation.json");
        if (!fs.existsSync(reportFile)) {
            rows.push(
                `| ${file} | ${config.mutate.join(", ")} | no report (exit ${run.status}) | | | | ${minutes} min |`,
            );
            failed = true;
            continue;
        }
        const s = scoreOf(reportFile);
        const threshold = config.thresholds?.break ?? 0;
        if (run.status !== 0 || s.score < threshold) failed = true;
        rows.push(
            `| ${file} | ${config.mutate.join(", ")} | **${s.score.toFixed(1)} %** (break at ${threshold} %) | ${s.killed} | ${s.survived} | ${s.noCoverage} | ${s.ignored} | ${minutes} min |`,
        );
    }
    const section = [
        START,
        "## Mutation testing (`npm run mutation`)",
        "",
        `StrykerJS, one run per \`stryker/*.conf.json\`, concurrency 1, on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"} (${new Date().toISOString().slice(0, 10)}).`,
        "",
        "| config | mutates | score | killed (incl. timeouts) | survived | no coverage | ignored (static) | time |",
        "|---|---|---|---|---|---|---|---|",
        ...rows,
        "",
        "Static mutants (module-level constants: policy names, descriptions, type tokens) are ignored",
        "(`ignoreStatic`): each needs every test re-run in a fresh module load, measured at about 18 s",
        "apiece (some 2 hours for policies/ at concurrency 1). The type tokens are pinned by",
        "tests/policies/tokens.spec.ts against the literal strings the engine sends instead.",
        END,
    ].join("\n");
    const previous = fs.existsSync(BENCHMARKS) ? fs.readFileSync(BENCHMARKS, "utf8") : "# Benchmarks\n";
    const next = previous.includes(START)
        ? previous.replace(new RegExp(`${START}[\\s\\S]*${END}`), section)
        : `${previous.trimEnd()}\n\n${section}\n`;
    fs.writeFileSync(BENCHMARKS, next);
    console.log(`Wrote the mutation summary into ${path.relative(ROOT, BENCHMARKS)}`);
    return failed ? 1 : 0;
}

process.exitCode = main();
