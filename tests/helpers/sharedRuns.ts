/**
 * Offline runs shared between mocha's two workers. A run of a checked-in stack is a pure function
 * of its config and mode (tests/helpers/engine.ts), and both workers often need the same ones (the
 * stacks as checked in, in both modes). The run's global setup (tests/helpers/mochaGlobal.ts) makes
 * a folder for one mocha run and names it in the environment; a worker that finishes a run writes
 * it there, and the other reads it instead of evaluating the same stack again. The folder lives as
 * long as one mocha run, so the program cannot change under it. Without the setup (one spec file
 * run on its own) nothing is shared.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";

export const SHARED_RUNS_DIR_ENV = "VAT_BACKUP_SHARED_RUNS_DIR";

function fileFor(key: string): string | undefined {
    const dir = process.env[SHARED_RUNS_DIR_ENV];
    return dir && path.join(dir, `${crypto.createHash("sha256").update(key).digest("hex")}.v8`);
}

/** What a worker of this mocha run already finished under `key`, or undefined. */
export function sharedRun<T>(key: string): T | undefined {
    const file = fileFor(key);
    if (!file || !fs.existsSync(file)) return undefined;
    return v8.deserialize(fs.readFileSync(file)) as T;
}

/** Offers a finished run to the other worker: written whole under another name, then renamed. */
export function shareRun(key: string, run: unknown): void {
    const file = fileFor(key);
    if (!file) return;
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, v8.serialize(run));
    fs.renameSync(partial, file);
}
