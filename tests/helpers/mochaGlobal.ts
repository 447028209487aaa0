/**
 * Mocha's global fixtures (loaded through .mocharc.js's `require`): run once in mocha's main
 * process, as the parallel workers start and after they end.
 *
 * The policy pack's analyzer process type-checks the pack as it starts (about 10 s of CPU), so one
 * process serves the whole run: started here without waiting for it, its port written to a file
 * named in the environment every worker inherits (tests/helpers/analyzerProcess.ts
 * `sharedAnalyzer()` waits for it there), killed at the end. The same folder holds the offline runs
 * the workers share (tests/helpers/sharedRuns.ts).
 */
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ANALYZER_PORT_FILE_ENV, AnalyzerProcess } from "./analyzerProcess";
import { SHARED_RUNS_DIR_ENV } from "./sharedRuns";

let analyzer: ChildProcess | undefined;
let dir: string | undefined;

export function mochaGlobalSetup(): void {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vat-backup-analyzer-"));
    const file = path.join(dir, "port");
    // Written whole under another name, then renamed: a worker never reads half a line.
    const publish = (text: string) => {
        fs.writeFileSync(`${file}.tmp`, text);
        fs.renameSync(`${file}.tmp`, file);
    };
    AnalyzerProcess.spawn((child) => (analyzer = child)).then(
        (started) => publish(`${started.port}\n`),
        (err: unknown) => publish(`error ${err instanceof Error ? err.message : String(err)}`),
    );
    process.env[ANALYZER_PORT_FILE_ENV] = file;
    const runs = path.join(dir, "runs");
    fs.mkdirSync(runs);
    process.env[SHARED_RUNS_DIR_ENV] = runs;
}

export function mochaGlobalTeardown(): void {
    if (analyzer && analyzer.exitCode === null && analyzer.signalCode === null) analyzer.kill("SIGKILL");
    delete process.env[ANALYZER_PORT_FILE_ENV];
    delete process.env[SHARED_RUNS_DIR_ENV];
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
