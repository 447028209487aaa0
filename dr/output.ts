/**
 * What a command tells its reader: one line per check or step for people, or one JSON document for
 * machines. Human lines go to stdout as they happen; with `--json` stdout carries nothing but the
 * final document (progress and notices always go to stderr).
 */
import { CallRecord } from "./aws/gate";
import { ExitCode, ExitCodeValue } from "./errors";
import { Clock, formatDuration } from "./time";

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface CheckLine {
    name: string;
    status: CheckStatus;
    detail: string;
}

export interface StepTiming {
    step: string;
    resource?: string;
    startedAt: string;
    endedAt: string;
    durationMs: number;
    ok: boolean;
    detail?: string;
}

export interface Writers {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

const LABEL: Record<CheckStatus, string> = { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "SKIP" };

export class Report {
    readonly checks: CheckLine[] = [];
    readonly steps: StepTiming[] = [];
    /** Command-specific results, merged into the JSON document. */
    readonly data: Record<string, unknown> = {};

    constructor(
        readonly command: string,
        private readonly json: boolean,
        private readonly out: Writers,
        private readonly clock: Clock,
    ) {}

    check(name: string, status: CheckStatus, detail: string): void {
        this.checks.push({ name, status, detail });
        this.line(`${LABEL[status]}  ${name}  ${detail}`);
    }

    /** A line for people; nothing in JSON mode (the data goes into the document instead). */
    line(text: string): void {
        if (!this.json) this.out.stdout(text);
    }

    /** Runs and times one step; a failure is recorded with its time and rethrown. */
    async step<T>(
        step: string,
        resource: string | undefined,
        fn: () => Promise<T>,
        detail?: (value: T) => string,
    ): Promise<T> {
        const started = this.clock.now();
        try {
            const value = await fn();
            this.recordStep(step, resource, started, true, detail?.(value));
            return value;
        } catch (err) {
            this.recordStep(step, resource, started, false, err instanceof Error ? err.message : String(err));
            throw err;
        }
    }

    private recordStep(
        step: string,
        resource: string | undefined,
        started: number,
        ok: boolean,
        detail?: string,
    ): void {
        const ended = this.clock.now();
        const timing: StepTiming = {
            step,
            resource,
            startedAt: new Date(started).toISOString(),
            endedAt: new Date(ended).toISOString(),
            durationMs: ended - started,
            ok,
            detail,
        };
        this.steps.push(timing);
        this.line(
            `${ok ? "done" : "FAILED"}  ${resource ? `${resource}: ` : ""}${step}  ${formatDuration(timing.durationMs)}${detail ? `  ${detail}` : ""}`,
        );
    }

    get failed(): boolean {
        return this.checks.some((c) => c.status === "fail") || this.steps.some((s) => !s.ok);
    }

    summary(): Record<CheckStatus, number> {
        const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
        for (const c of this.checks) counts[c.status]++;
        return counts;
    }

    /** Prints the summary (or the JSON document) and returns the exit code. */
    finish(dryRun: boolean, calls: CallRecord[]): ExitCodeValue {
        const exitCode = this.failed ? ExitCode.FAILED : ExitCode.OK;
        const mutating = calls.filter((c) => c.mutating);
        if (this.json) {
            const doc = {
                command: this.command,
                ok: exitCode === ExitCode.OK,
                exitCode,
                dryRun,
                summary: this.summary(),
                checks: this.checks,
                steps: this.steps,
                ...this.data,
                ...(dryRun ? { calls } : { changes: mutating }),
            };
            this.out.stdout(JSON.stringify(doc, null, 2));
            return exitCode;
        }
        if (dryRun) {
            this.out.stdout(
                `dry run: ${calls.length} calls planned, ${mutating.length} of them would change something (none was sent):`,
            );
            for (const c of mutating)
                this.out.stdout(`  ${c.service}.${c.operation} (${c.account}) ${JSON.stringify(c.input)}`);
        }
        if (this.checks.length) {
            const s = this.summary();
            this.out.stdout(`${s.pass} passed, ${s.fail} failed, ${s.warn} warnings, ${s.skip} skipped`);
        }
        const failedSteps = this.steps.filter((st) => !st.ok).length;
        if (this.steps.length) this.out.stdout(`${this.steps.length - failedSteps} steps done, ${failedSteps} failed`);
        this.out.stdout(exitCode === ExitCode.OK ? "OK" : "FAILED: see the lines marked FAIL/FAILED above");
        return exitCode;
    }
}
