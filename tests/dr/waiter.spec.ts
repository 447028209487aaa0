/**
 * dr/aws/waiter.ts: how a long job's progress is shown, and when waiting stops.
 */
import { strict as assert } from "assert";
import { stderrProgress, waitFor, PollResult } from "../../dr/aws/waiter";
import { JobFailedError, WaitTimeoutError } from "../../dr/errors";
import { FakeClock } from "../helpers/drHarness";

describe("dr waiter", () => {
    it("shows a status when it changes, and the same status again only once a minute has passed", () => {
        const lines: string[] = [];
        const p = stderrProgress((l) => lines.push(l));
        p.update("copy a", "RUNNING", 0);
        p.update("copy a", "RUNNING", 59_999);
        p.update("copy b", "RUNNING", 30_000);
        p.update("copy a", "RUNNING", 60_000);
        p.update("copy a", "COMPLETING", 61_000);
        p.done("copy a", "COMPLETED", 90_000);
        p.update("copy a", "RUNNING", 91_000);
        assert.deepEqual(lines, [
            "[    0s] copy a: RUNNING",
            "[   30s] copy b: RUNNING",
            "[ 1m00s] copy a: RUNNING",
            "[ 1m01s] copy a: COMPLETING",
            "[ 1m30s] copy a: COMPLETED (done)",
            "[ 1m31s] copy a: RUNNING",
        ]);
    });

    const options = (clock: FakeClock, shown: string[]) => ({
        clock,
        progress: stderrProgress((l) => shown.push(l)),
        intervalMs: 30_000,
        timeoutMs: 90_000,
        failureHint: "read the job's log",
    });

    it("polls every interval until done, and returns the value with the time waited", async () => {
        const clock = new FakeClock();
        const shown: string[] = [];
        const answers: PollResult<string>[] = [
            { status: "PENDING", done: false },
            { status: "RUNNING", done: false },
            { status: "COMPLETED", done: true, value: "arn:x" },
        ];
        const out = await waitFor(
            "restore t",
            async () => answers.shift() as PollResult<string>,
            options(clock, shown),
        );
        assert.deepEqual(out, { value: "arn:x", elapsedMs: 60_000 });
        assert.deepEqual(clock.sleeps, [30_000, 30_000]);
        assert.equal(shown.at(-1), "[ 1m00s] restore t: COMPLETED (done)");
    });

    it("stops on a failed job with its status, reason and what to do", async () => {
        const clock = new FakeClock();
        const shown: string[] = [];
        await assert.rejects(
            waitFor(
                "copy c",
                async () => ({ status: "FAILED", done: false, failed: { reason: "no access" } }),
                options(clock, shown),
            ),
            (e: JobFailedError) =>
                e instanceof JobFailedError &&
                e.message === "copy c ended FAILED: no access" &&
                e.hint === "read the job's log",
        );
        assert.deepEqual(shown, ["[    0s] copy c: FAILED (done)"]);
        assert.deepEqual(clock.sleeps, []);
    });

    it("gives up once the timeout is reached, not before", async () => {
        const clock = new FakeClock();
        await assert.rejects(
            waitFor("copy d", async () => ({ status: "RUNNING", done: false }), options(clock, [])),
            (e: Error) => e instanceof WaitTimeoutError && /copy d/.test(e.message),
        );
        assert.deepEqual(clock.sleeps, [30_000, 30_000, 30_000], "polled at 0, 30, 60 and 90 s");
    });
});
