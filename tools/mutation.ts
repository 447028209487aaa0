/**
 * `npm run mutation [-- NAME...] [-- --incremental] [-- --concurrency N]`: runs StrykerJS once per `stryker/*.conf.json`
 * (one per folder, each with its own `thresholds.break`; NAME picks configs, e.g. `dr`), one after
 * another, then writes the scores into docs/benchmarks.md between the mutation markers. Outside
 * `npm test`: mutation runs are long and CPU-heavy.
 * Exits non-zero when any folder scores under its break threshold, or any file under the floor
 * FILE_FLOORS sets for it (read from Stryker's JSON report; the files below it are named).
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

/** Stryker's JSON report (mutation-testing-report-schema): mutants by file, each with a status. */
interface StrykerReport {
    files: Record<string, { mutants: MutantResult[] }>;
}

/**
 * Floors per file, beyond a config's overall break threshold: every file of the pattern must score
 * at least `min`. For dr/, each command file (the overall score also counts the shared modules).
 */
export const FILE_FLOORS: Record<string, { pattern: RegExp; min: number; what: string }[]> = {
    "dr.conf.json": [{ pattern: /^dr\/commands\/[^/]+\.ts$/, min: 80, what: "every command file" }],
};

/** Mutation score as Stryker computes it: killed and timed-out over all valid mutants. */
export function scoreOf(mutants: MutantResult[]) {
    const count = (statuses: string[]) => mutants.filter((m) => statuses.includes(m.status)).length;
    const killed = count(["Killed", "Timeout"]);
    const survived = count(["Survived"]);
    const noCoverage = count(["NoCoverage"]);
    const errors = count(["CompileError", "RuntimeError"]);
    const ignored = count(["Ignored"]);
    const valid = killed + survived + noCoverage;
    return { killed, survived, noCoverage, errors, ignored, valid, score: valid ? (100 * killed) / valid : 100 };
}

/** Scores per file, sorted by path; files without valid mutants (type-only modules) left out. */
export function fileScores(report: StrykerReport) {
    return Object.entries(report.files)
        .map(([file, f]) => ({ file, ...scoreOf(f.mutants) }))
        .filter((f) => f.valid > 0)
        .sort((a, b) => a.file.localeCompare(b.file));
}

/** The files of a config that score under their floor, each named with its score and floor. */
export function filesBelowFloor(configFile: string, report: StrykerReport): string[] {
    const floors = FILE_FLOORS[configFile] ?? [];
    return fileScores(report).flatMap((f) =>
        floors
            .filter((floor) => floor.pattern.test(f.file) && f.score < floor.min)
            .map((floor) => `${f.file}: ${f.score.toFixed(1)} % (${floor.what} must reach ${floor.min} %)`),
    );
}

function main(argv: string[]): number {
    const incremental = argv.includes("--incremental");
    // Test runners at once (the configs say 1: the scores do not depend on it, only the time does).
    const at = argv.indexOf("--concurrency");
    const concurrency = at >= 0 ? Number(argv[at + 1]) : 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
        console.error(`--concurrency ${argv[at + 1] ?? ""}: give a whole number of test runners, at least 1`);
        return 2;
    }
    const names = argv.filter((a, i) => !a.startsWith("--") && !(at >= 0 && i === at + 1));
    const configs = fs
        .readdirSync(path.join(ROOT, "stryker"))
        .filter((f) => f.endsWith(".conf.json"))
        .filter((f) => names.length === 0 || names.includes(f.replace(/\.conf\.json$/, "")))
        .sort();
    const rows: string[] = [];
    const perFile: string[] = [];
    const below: string[] = [];
    let failed = false;
    for (const file of configs) {
        const configPath = path.join("stryker", file);
        const config = JSON.parse(fs.readFileSync(path.join(ROOT, configPath), "utf8")) as StrykerConfig;
        const started = Date.now();
        const run = spawnSync(
            "npx",
            [
                "stryker",
                "run",
                configPath,
                "--concurrency",
                String(concurrency),
                ...(incremental ? ["--incremental"] : []),
            ],
            {
                cwd: ROOT,
                stdio: "inherit",
            },
        );
        const minutes = ((Date.now() - started) / 60000).toFixed(1);
        const reportFile = path.join(ROOT, config.jsonReporter?.fileName ?? "reports/mutation/mutation.json");
        if (!fs.existsSync(reportFile) || fs.statSync(reportFile).mtimeMs < started) {
            rows.push(
                `| ${file} | ${config.mutate.join(", ")} | no report (exit ${run.status}) | | | | | ${minutes} min |`,
            );
            failed = true;
            continue;
        }
        const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as StrykerReport;
        const s = scoreOf(Object.values(report.files).flatMap((f) => f.mutants));
        const threshold = config.thresholds?.break ?? 0;
        if (run.status !== 0 || s.score < threshold) failed = true;
        rows.push(
            `| ${file} | ${config.mutate.join(", ")} | **${s.score.toFixed(1)} %** (break at ${threshold} %) | ${s.killed} | ${s.survived} | ${s.noCoverage} | ${s.ignored} | ${minutes} min |`,
        );
        const floors = FILE_FLOORS[file];
        if (floors) {
            const low = filesBelowFloor(file, report);
            below.push(...low);
            perFile.push(
                "",
                `Per file (${file}; ${floors.map((f) => `${f.what} at least ${f.min} %`).join("; ")}):`,
                "",
                "| file | score | killed | survived | no coverage |",
                "|---|---|---|---|---|",
                ...fileScores(report).map(
                    (f) =>
                        `| ${f.file} | ${f.score.toFixed(1)} %${low.some((l) => l.startsWith(`${f.file}:`)) ? " **(below its floor)**" : ""} | ${f.killed} | ${f.survived} | ${f.noCoverage} |`,
                ),
            );
        }
    }
    if (below.length) {
        failed = true;
        console.error(`Files under their mutation-score floor:\n${below.map((b) => `  ${b}`).join("\n")}`);
    }
    // Configs not run this time keep their previous row.
    const previousText = fs.existsSync(BENCHMARKS) ? fs.readFileSync(BENCHMARKS, "utf8") : "";
    const allConfigs = fs.readdirSync(path.join(ROOT, "stryker")).filter((f) => f.endsWith(".conf.json"));
    for (const other of allConfigs.filter((f) => !configs.includes(f)).sort()) {
        const kept = previousText.split("\n").find((l) => l.startsWith(`| ${other} |`));
        if (kept) rows.push(kept);
    }
    const section = [
        START,
        "## Mutation testing (`npm run mutation`)",
        "",
        `StrykerJS, one run per \`stryker/*.conf.json\`, concurrency ${concurrency}, on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"} (${new Date().toISOString().slice(0, 10)}).`,
        "",
        "| config | mutates | score | killed (incl. timeouts) | survived | no coverage | ignored (static) | time |",
        "|---|---|---|---|---|---|---|---|",
        ...rows,
        ...perFile,
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

if (require.main === module) process.exitCode = main(process.argv.slice(2));
