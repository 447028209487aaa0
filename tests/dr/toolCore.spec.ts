/**
 * The DR tool's own core, which every command leans on: the TIME arguments people type, the
 * durations they read, the offline checks of identifiers, the exit codes and messages of errors,
 * and the report (human lines, JSON document, dry-run listing).
 */
import { strict as assert } from "assert";
import { InvalidArgumentError } from "commander";
import {
    CredentialsError,
    DrError,
    ExitCode,
    JobFailedError,
    MissingConfigError,
    UsageError,
    WaitTimeoutError,
    errorMessage,
    isCredentialError,
    isNotFound,
    isThrottlingError,
} from "../../dr/errors";
import { Report } from "../../dr/output";
import { MAX_RELATIVE_MS, compactTimestamp, formatDuration, parseTime, systemClock } from "../../dr/time";
import * as valid from "../../dr/validate";
import { FakeClock, NOW, awsError } from "../helpers/drHarness";

const DAY = 86_400_000;

/** The UsageError a call throws (fails the test when it throws nothing or something else). */
function usageErrorOf(fn: () => unknown): UsageError {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
        return err;
    }
    assert.fail("expected a UsageError, nothing was thrown");
}

describe("dr time: the TIME arguments people type", () => {
    it("reads 'now' and relative times in every unit, alone or combined, around spaces", () => {
        assert.equal(parseTime(" now ", NOW).getTime(), NOW);
        assert.equal(parseTime("-45s", NOW).getTime(), NOW - 45_000);
        assert.equal(parseTime("-15m", NOW).getTime(), NOW - 15 * 60_000);
        assert.equal(parseTime("-2h", NOW).getTime(), NOW - 2 * 3_600_000);
        assert.equal(parseTime("-1w", NOW).getTime(), NOW - 7 * DAY);
        assert.equal(parseTime(" -1d2h30m15s ", NOW).getTime(), NOW - DAY - 2 * 3_600_000 - 30 * 60_000 - 15_000);
    });

    it("reaches back ten years at most (the archive keeps seven), naming the flag typed", () => {
        assert.equal(parseTime("-3650d", NOW).getTime(), NOW - MAX_RELATIVE_MS, "exactly ten years is accepted");
        const tooFar = usageErrorOf(() => parseTime("-3651d", NOW, "--as-of"));
        assert.equal(tooFar.message, "--as-of '-3651d' reaches back more than 10 years");
        assert.equal(tooFar.exitCode, ExitCode.BAD_INPUT);
        assert.match(tooFar.hint, /longest retention is seven years.*-2h or -30d/);
        // Not a safe integer of milliseconds: refused as too far, never a RangeError from Date.
        assert.match(usageErrorOf(() => parseTime("-99999999999999999999s", NOW)).message, /reaches back more/);
    });

    it("reads ISO 8601 with a zone: Z or an offset, seconds and fractions optional", () => {
        assert.equal(parseTime("2026-11-26T02:00Z", NOW).toISOString(), "2026-11-26T02:00:00.000Z");
        assert.equal(parseTime("2026-11-26T02:00:00.250Z", NOW).toISOString(), "2026-11-26T02:00:00.250Z");
        assert.equal(parseTime("2026-11-26T02:00:00-05:30", NOW).toISOString(), "2026-11-26T07:30:00.000Z");
        assert.equal(parseTime("2028-02-29T23:59:59+23:59", NOW).toISOString(), "2028-02-29T00:00:59.000Z");
        assert.equal(parseTime("2026-01-01T00:00:00Z", NOW).toISOString(), "2026-01-01T00:00:00.000Z");
        assert.equal(parseTime("2026-12-31T00:00:00Z", NOW).toISOString(), "2026-12-31T00:00:00.000Z");
    });

    it("refuses a date or time that does not exist instead of rolling it over", () => {
        for (const bad of [
            "2026-00-10T02:00:00Z",
            "2026-13-10T02:00:00Z",
            "2026-11-00T02:00:00Z",
            "2026-11-31T02:00:00Z",
            "2026-02-29T02:00:00Z", // 2026 is not a leap year
            "2026-11-26T24:00:00Z",
            "2026-11-26T02:60:00Z",
            "2026-11-26T02:00:60Z",
            "2026-11-26T02:00:00+24:00",
            "2026-11-26T02:00:00+01:60",
        ]) {
            const err = usageErrorOf(() => parseTime(bad, NOW, "--to"));
            assert.equal(err.message, `--to '${bad}' is not a date and time that exists`);
            assert.match(err.hint, /day of the month and the hour \(00-23\)/);
        }
    });

    it("refuses a time without a zone or in any other shape, saying which shapes it reads", () => {
        const err = usageErrorOf(() => parseTime("2026-11-26T02:00:00", NOW));
        assert.equal(err.message, "time '2026-11-26T02:00:00' is neither an ISO time with a zone nor a relative time");
        assert.match(err.hint, /2026-11-26T02:00:00Z \(or with \+01:00\).*-15m, -2h, -1d, -1h30m/);
        for (const bad of ["-1h x", "x-1h", "2026-11-26T02:00:00Zx", "x2026-11-26T02:00:00Z", "-", "-h"])
            assert.match(usageErrorOf(() => parseTime(bad, NOW)).message, /neither an ISO time/, bad);
    });

    it("formats durations at a glance, rounding to the second and never negative", () => {
        assert.equal(formatDuration(-5000), "0s");
        assert.equal(formatDuration(0), "0s");
        assert.equal(formatDuration(59_499), "59s");
        assert.equal(formatDuration(59_500), "1m00s");
        assert.equal(formatDuration(61_000), "1m01s");
        assert.equal(formatDuration(3_599_000), "59m59s");
        assert.equal(formatDuration(3_600_000), "1h00m");
        assert.equal(formatDuration(3_660_000), "1h01m");
        assert.equal(formatDuration(26 * 3_600_000 + 59 * 60_000 + 59_000), "26h59m");
    });

    it("writes sortable compact timestamps without separators or milliseconds", () => {
        assert.equal(compactTimestamp(NOW), "20261126T030000Z");
        assert.equal(compactTimestamp(NOW + 59_999), "20261126T030059Z");
    });

    it("the system clock tells the time and sleeps for real", async () => {
        const before = Date.now();
        const now = systemClock.now();
        assert.ok(now >= before && now <= Date.now());
        const t0 = Date.now();
        await systemClock.sleep(25);
        assert.ok(Date.now() - t0 >= 20, "slept about 25 ms");
    });
});

describe("dr errors: exit codes and what to do next", () => {
    it("gives each kind of error its exit code, its class name and a hint", () => {
        const usage = new UsageError("bad flag");
        assert.equal(usage.exitCode, ExitCode.BAD_INPUT);
        assert.equal(usage.name, "UsageError");
        assert.equal(usage.hint, "Run with --help to see the expected arguments.");
        const creds = new CredentialsError("not logged in");
        assert.equal(creds.exitCode, ExitCode.NO_CREDENTIALS);
        assert.equal(creds.name, "CredentialsError");
        assert.match(creds.hint, /aws sso login --profile <name>/);
        const missing = new MissingConfigError("no region", "Pass --region.");
        assert.equal(missing.exitCode, ExitCode.NO_CREDENTIALS);
        assert.equal(missing.name, "MissingConfigError");
        assert.equal(new DrError("x", ExitCode.FAILED, "h").name, "DrError");
    });

    it("says how a job ended, with AWS's reason when there is one", () => {
        const withReason = new JobFailedError("copy t", "FAILED", "Access denied", "Check the role.");
        assert.equal(withReason.message, "copy t ended FAILED: Access denied");
        assert.equal(withReason.exitCode, ExitCode.FAILED);
        assert.equal(withReason.hint, "Check the role.");
        assert.equal(new JobFailedError("copy t", "ABORTED", undefined, "h").message, "copy t ended ABORTED");
        assert.equal(new JobFailedError("copy t", "ABORTED", "", "h").message, "copy t ended ABORTED");
        const timeout = new WaitTimeoutError("restore t", "RUNNING", 89_000 * 60);
        assert.equal(timeout.message, "restore t still RUNNING after 89 minutes");
        assert.equal(timeout.exitCode, ExitCode.FAILED);
        assert.match(timeout.hint, /may still finish.*longer --timeout-minutes/);
        assert.equal(new WaitTimeoutError("j", "S", 90_000).message, "j still S after 2 minutes");
    });

    it("tells 'not logged in' from a failed call by the SDK's error names", () => {
        for (const name of [
            "CredentialsProviderError",
            "ExpiredToken",
            "ExpiredTokenException",
            "InvalidClientTokenId",
            "UnrecognizedClientException",
            "TokenRefreshRequired",
            "InvalidIdentityToken",
        ])
            assert.equal(isCredentialError(awsError(name)), true, name);
        assert.equal(isCredentialError(new CredentialsError("x")), true);
        assert.equal(isCredentialError(awsError("AccessDeniedException")), false);
        assert.equal(isCredentialError({ name: "ExpiredToken" }), false, "only errors");
    });

    it("knows every throttling error name AWS services use", () => {
        for (const name of [
            "ThrottlingException",
            "Throttling",
            "ThrottledException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "ProvisionedThroughputExceededException",
            "RequestThrottled",
            "RequestThrottledException",
            "SlowDown",
        ])
            assert.equal(isThrottlingError(awsError(name)), true, name);
        assert.equal(isThrottlingError(awsError("LimitExceededException")), false);
        assert.equal(isThrottlingError({ name: "Throttling" }), false, "only errors");
    });

    it("knows the 'no such thing' errors of DynamoDB, S3, Cognito and replication", () => {
        for (const name of [
            "ResourceNotFoundException",
            "TableNotFoundException",
            "NoSuchKey",
            "NotFound",
            "UserNotFoundException",
            "ReplicationConfigurationNotFoundError",
        ])
            assert.equal(isNotFound(awsError(name)), true, name);
        assert.equal(isNotFound(awsError("AccessDenied")), false);
        assert.equal(isNotFound({ name: "NoSuchKey" }), false, "only errors");
    });

    it("prints an error's name once, and a tool error as its own message", () => {
        assert.equal(errorMessage(new UsageError("bad flag")), "bad flag");
        assert.equal(errorMessage(awsError("AccessDenied", "not allowed")), "AccessDenied: not allowed");
        assert.equal(errorMessage(awsError("AccessDenied", "AccessDenied: not allowed")), "AccessDenied: not allowed");
        assert.equal(errorMessage(new Error("plain")), "plain");
        assert.equal(errorMessage(awsError("", "nameless")), "nameless");
        assert.equal(errorMessage("a string"), "a string");
    });
});

describe("dr validate: identifiers checked before any AWS call", () => {
    const refuses = (fn: () => unknown, message: string) =>
        assert.throws(fn, (err: unknown) => err instanceof InvalidArgumentError && err.message === message);

    // DynamoDB developer guide, "Supported data types and naming rules": table names are 3-255
    // characters of a-z, A-Z, 0-9, _ (underscore), - (dash) and . (dot).
    it("a table name follows DynamoDB's naming rules", () => {
        assert.equal(valid.tableName("prod-env_receipts.v2"), "prod-env_receipts.v2");
        assert.equal(valid.tableName("a".repeat(255)), "a".repeat(255));
        refuses(() => valid.tableName("ab"), "'ab' is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)");
        refuses(
            () => valid.tableName("a".repeat(256)),
            `'${"a".repeat(256)}' is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)`,
        );
    });

    it("a list names every bad entry, ignoring spaces and empty entries", () => {
        assert.equal(valid.tableList("prod-env-a, prod-env-b,,"), "prod-env-a, prod-env-b,,");
        refuses(
            () => valid.tableList("ok-table, x!, ab"),
            "'x!', 'ab' is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)",
        );
    });

    it("a variadic argument collects its values and refuses a bad one", () => {
        const secret = valid.eachOf(valid.SECRET_NAME, "a secret name");
        assert.deepEqual(secret("a", undefined), ["a"]);
        assert.deepEqual(secret("b/c", ["a"]), ["a", "b/c"]);
        refuses(() => secret("not ok", ["a"]), "'not ok' is not a secret name");
    });

    // Secrets Manager CreateSecret, Name: ASCII letters, numbers and /_+=.@- .
    // S3 user guide, "General purpose bucket naming rules": 3-63 of lowercase letters, numbers, dots
    // and hyphens, beginning and ending with a letter or number, no two adjacent periods, no xn-- prefix.
    it("secret and bucket names follow Secrets Manager's and S3's naming rules", () => {
        assert.equal(valid.secretName("prod/submit/user-sub-hash-salt"), "prod/submit/user-sub-hash-salt");
        refuses(
            () => valid.secretName("bad name"),
            "'bad name' is not a Secrets Manager name (1-512 of letters, digits and /_+=.@-)",
        );
        for (const ok of ["abc", "vat-backup.archive-1"]) assert.equal(valid.bucketName(ok), ok);
        for (const bad of ["ab", "-abc", "abc-", "a..b", "xn--abc", "Abc"])
            assert.throws(() => valid.bucketName(bad), InvalidArgumentError, bad);
    });

    it("whole numbers: digits only, inside the range, naming the range", () => {
        const days = valid.wholeNumber(1, 36500);
        assert.equal(days("1"), 1);
        assert.equal(days(" 36500 "), 36500);
        for (const bad of ["0", "36501", "1.5", "-3", "1e3", "", "abc"])
            refuses(() => days(bad), `'${bad}' is not a whole number from 1 to 36500`);
        const big = valid.wholeNumber(0);
        assert.equal(big(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
        refuses(
            () => big("9007199254740993"),
            `'9007199254740993' is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`,
        );
    });

    it("positive numbers: finite, above zero (or zero where allowed)", () => {
        const hours = valid.positiveNumber();
        assert.equal(hours("0.5"), 0.5);
        for (const bad of ["0", "-1", "abc", "Infinity"])
            refuses(() => hours(bad), `'${bad}' is not a positive number`);
        const minutes = valid.positiveNumber(true);
        assert.equal(minutes("0"), 0);
        refuses(() => minutes("-0.1"), "'-0.1' is not a non-negative number");
    });
});

describe("dr output: the report people and machines read", () => {
    function reportFor(json: boolean, clock = new FakeClock()) {
        const stdout: string[] = [];
        const stderr: string[] = [];
        const report = new Report(
            "verify",
            json,
            { stdout: (s) => stdout.push(s), stderr: (s) => stderr.push(s) },
            clock,
        );
        return { report, stdout, stderr, clock };
    }
    const call = (operation: string, mutating: boolean) => ({
        service: "DynamoDB",
        operation,
        account: "target",
        mutating,
        skipped: mutating,
        input: { TableName: "t1" },
    });

    it("prints one line per check and step, a summary and OK (exit 0) when nothing failed", async () => {
        const { report, stdout, clock } = reportFor(false);
        report.check("pitr:t1", "pass", "enabled");
        report.check("copy:t1", "warn", "late");
        report.check("copy-dr:t1", "skip", "no credentials");
        const value = await report.step(
            "restore table",
            "t1",
            async () => {
                await clock.sleep(65_000);
                return 7;
            },
            (n) => `${n} items`,
        );
        assert.equal(value, 7);
        await report.step("tidy", undefined, async () => undefined);
        assert.equal(report.failed, false);
        assert.equal(report.finish(false, [call("UpdateTable", true)]), ExitCode.OK);
        assert.deepEqual(stdout, [
            "PASS  pitr:t1  enabled",
            "WARN  copy:t1  late",
            "SKIP  copy-dr:t1  no credentials",
            "done  t1: restore table  1m05s  7 items",
            "done  tidy  0s",
            "1 passed, 0 failed, 1 warnings, 1 skipped",
            "2 steps done, 0 failed",
            "OK",
        ]);
        assert.deepEqual(report.steps[0], {
            step: "restore table",
            resource: "t1",
            startedAt: new Date(NOW).toISOString(),
            endedAt: new Date(NOW + 65_000).toISOString(),
            durationMs: 65_000,
            ok: true,
            detail: "7 items",
        });
    });

    it("fails (exit 1) on a FAIL check or a failed step, recording the step's error and rethrowing it", async () => {
        const failedCheck = reportFor(false);
        failedCheck.report.check("backup:t1", "fail", "too old");
        assert.equal(failedCheck.report.failed, true);
        assert.equal(failedCheck.report.finish(false, []), ExitCode.FAILED);
        assert.deepEqual(failedCheck.stdout.slice(-2), [
            "0 passed, 1 failed, 0 warnings, 0 skipped",
            "FAILED: see the lines marked FAIL/FAILED above",
        ]);

        const failedStep = reportFor(false);
        await assert.rejects(
            failedStep.report.step("copy", "t1", async () => Promise.reject(new Error("denied"))),
            /denied/,
        );
        await assert.rejects(failedStep.report.step("copy", "t2", async () => Promise.reject("gone")));
        assert.equal(failedStep.report.failed, true);
        assert.deepEqual(
            failedStep.report.steps.map((s) => [s.ok, s.detail]),
            [
                [false, "denied"],
                [false, "gone"],
            ],
        );
        assert.equal(failedStep.report.finish(false, []), ExitCode.FAILED);
        assert.deepEqual(failedStep.stdout, [
            "FAILED  t1: copy  0s  denied",
            "FAILED  t2: copy  0s  gone",
            "0 steps done, 2 failed",
            "FAILED: see the lines marked FAIL/FAILED above",
        ]);
    });

    it("under --dry-run lists every call that would change something, and says none was sent", () => {
        const { report, stdout } = reportFor(false);
        report.finish(true, [call("DescribeTable", false), call("UpdateTable", true)]);
        assert.deepEqual(stdout, [
            "dry run: 2 calls planned, 1 of them would change something (none was sent):",
            '  DynamoDB.UpdateTable (target) {"TableName":"t1"}',
            "OK",
        ]);
    });

    it("with --json prints nothing but one document: checks, steps, data, and the changes (or, dry run, the calls)", async () => {
        const { report, stdout } = reportFor(true);
        report.line("not for machines");
        report.check("pitr:t1", "fail", "disabled");
        await report.step("verify", "t1", async () => 1);
        report.data.outcomes = [{ table: "t1" }];
        const calls = [call("DescribeTable", false), call("UpdateTable", true)];
        assert.equal(report.finish(false, calls), ExitCode.FAILED);
        assert.equal(stdout.length, 1);
        const doc = JSON.parse(stdout[0]);
        assert.deepEqual(
            { ...doc, steps: undefined },
            {
                command: "verify",
                ok: false,
                exitCode: 1,
                dryRun: false,
                summary: { pass: 0, fail: 1, warn: 0, skip: 0 },
                checks: [{ name: "pitr:t1", status: "fail", detail: "disabled" }],
                steps: undefined,
                outcomes: [{ table: "t1" }],
                changes: [calls[1]],
            },
        );
        assert.equal(doc.steps.length, 1);

        const dry = reportFor(true);
        assert.equal(dry.report.finish(true, calls), ExitCode.OK);
        const dryDoc = JSON.parse(dry.stdout[0]);
        assert.equal(dryDoc.ok, true);
        assert.equal(dryDoc.dryRun, true);
        assert.deepEqual(dryDoc.calls, calls);
        assert.equal(dryDoc.changes, undefined);
    });
});
