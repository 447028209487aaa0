/**
 * Waiting on AWS jobs (copy, restore, export, import) with a visible, honest progress line.
 *
 * Progress goes to stderr only, so `--json` output on stdout stays one parseable document. The
 * clock is injected: tests run hours of polling in no time.
 */
import { JobFailedError, WaitTimeoutError } from "../errors";
import { Clock, formatDuration } from "../time";

export interface PollResult<T> {
    /** The status AWS reports, shown to the user as is. */
    status: string;
    done: boolean;
    /** Set when the job ended badly (FAILED, ABORTED, EXPIRED...): the reason AWS gives. */
    failed?: { reason?: string };
    value?: T;
}

export interface Progress {
    update(job: string, status: string, elapsedMs: number): void;
    done(job: string, status: string, elapsedMs: number): void;
}

/** Writes a line when the status changes and at most once a minute otherwise. */
export function stderrProgress(write: (line: string) => void): Progress {
    const last = new Map<string, { status: string; at: number }>();
    return {
        update(job, status, elapsedMs) {
            const prev = last.get(job);
            if (prev && prev.status === status && elapsedMs - prev.at < 60_000) return;
            last.set(job, { status, at: elapsedMs });
            write(`[${formatDuration(elapsedMs).padStart(6)}] ${job}: ${status}`);
        },
        done(job, status, elapsedMs) {
            last.delete(job);
            write(`[${formatDuration(elapsedMs).padStart(6)}] ${job}: ${status} (done)`);
        },
    };
}

export interface WaitOptions {
    clock: Clock;
    progress: Progress;
    intervalMs: number;
    timeoutMs: number;
    /** What to do when the job fails: told to the user with the failure. */
    failureHint: string;
    /** What to do when the wait runs out, when more is known than "the job may still finish". */
    timeoutHint?: string;
}

export async function waitFor<T>(
    job: string,
    poll: () => Promise<PollResult<T>>,
    opts: WaitOptions,
): Promise<{ value: T | undefined; elapsedMs: number }> {
    const started = opts.clock.now();
    for (;;) {
        const result = await poll();
        const elapsedMs = opts.clock.now() - started;
        if (result.failed) {
            opts.progress.done(job, result.status, elapsedMs);
            throw new JobFailedError(job, result.status, result.failed.reason, opts.failureHint);
        }
        if (result.done) {
            opts.progress.done(job, result.status, elapsedMs);
            return { value: result.value, elapsedMs };
        }
        opts.progress.update(job, result.status, elapsedMs);
        if (elapsedMs >= opts.timeoutMs) throw new WaitTimeoutError(job, result.status, elapsedMs, opts.timeoutHint);
        await opts.clock.sleep(opts.intervalMs);
    }
}
