/**
 * The posture's scheduled protection is read from the resources (schedules, their functions, the
 * exports bucket's replication): each gap it closes comes back when config takes the protection away.
 */
import * as assert from "node:assert/strict";
import { Posture, posture } from "../../offline/posture";
import { duration, scheduledProtection } from "../../offline/postureSchedules";
import { runStackOffline } from "../helpers/engine";

const SALT = "prod/submit/user-sub-hash-salt";
const HMRC = "prod/submit/hmrc/client_secret";
const planned = async (overrides: Record<string, unknown> = {}): Promise<Posture> => {
    const run = await runStackOffline("prod", overrides);
    return posture([{ stack: "prod", resources: run.resources }]);
};
const asset = (p: Posture, resource: string) => p.assets.find((a) => a.resource === resource);
/**
 * The one gap no schedule closes: receipts' monthly points older than 90 days are cold, AWS Backup
 * cannot copy a cold point ("Backup and tag copy"), so after account loss they take the cold-point
 * path (restore in the backup account, export, import), longer than the 4 h target.
 */
const COLD_POINT_GAP =
    "prod: prod-env-receipts (critical): RTO after account loss for points older than 90 d: 7 h, target 4 h ('monthly' copies are cold then, and AWS Backup cannot copy a cold point)";
/** The gaps a schedule could close: everything but the cold-point RTO above. */
const scheduleGaps = (p: Posture) => p.gaps.filter((g) => g !== COLD_POINT_GAP);

describe("posture: protection on AWS's own schedules (escrow, user-pool export, table exports)", () => {
    it("prod as checked in: only the cold-point RTO gap; receipts 1 h 15 min outside the account, derived from the hourly schedule and the 15-minute RTC", async () => {
        const p = await planned();
        assert.deepEqual(p.gaps, [COLD_POINT_GAP]);
        const receipts = asset(p, "prod-env-receipts")!;
        assert.match(receipts.rpoOutside.value, /^1 h 15 min \(incremental export every 1 h \+ S3 RTC 15 min/);
        assert.equal(asset(p, SALT)!.rtoAccountLoss.path, "escrow");
        assert.equal(asset(p, "prod-env-user-pool")!.rtoAccountLoss.path, "userPoolImport");
    });

    it("reads each schedule's task, interval, subjects and bucket from the schedule and its function", async () => {
        const run = await runStackOffline("prod");
        const found = scheduledProtection(run.resources)
            .sort((a, b) => `${a.task}${a.mode}`.localeCompare(`${b.task}${b.mode}`))
            .map((s) => [s.task, s.mode, s.intervalHours, s.subjects, s.onChange]);
        assert.deepEqual(
            found,
            [
                ["secret-escrow", undefined, 24, [SALT, HMRC], true],
                [
                    "table-export",
                    "full",
                    168,
                    ["prod-env-receipts", "prod-env-bundles", "prod-env-passes", "prod-env-subscriptions"],
                    false,
                ],
                ["table-export", "incremental", 1, ["prod-env-receipts"], false],
                ["user-pool-export", undefined, 12, ["prod-env-user-pool"], false],
                ["users-round-trip", undefined, 720, ["prod-env-user-pool"], false],
                ["evidence-pack", undefined, 720, ["111111111111"], false],
            ].sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)),
        );
    });

    it("lists the monthly proofs' schedules, read from the schedules and their functions", async () => {
        const p = await planned();
        assert.deepEqual(p.proofSchedules, [
            "prod: evidence pack cron(0 8 1 * ? *): the previous month's document for account 111111111111 into prod-env-backup-exports-111111111111-eu-west-2",
            "prod: user-pool round trip cron(0 6 2 * ? *): the newest export of prod-env-user-pool imported into a scratch pool and compared",
        ]);
    });

    it("user-pool round trip switched off: the exports are unproven, a gap", async () => {
        const p = await planned({ automation: { userPoolRoundTrip: { enabled: false } } });
        assert.deepEqual(scheduleGaps(p), [
            "prod: prod-env-user-pool's exports are never imported to prove them (no monthly user-pool round trip)",
        ]);
    });

    it("evidence pack switched off: no archived document for the auditor, a gap", async () => {
        const p = await planned({ automation: { evidencePack: { enabled: false } } });
        assert.deepEqual(scheduleGaps(p), [
            "prod: no monthly evidence pack: restore tests, copy lags and audit results reach no archived document",
        ]);
    });

    it("secret escrow switched off: both secrets lose their copy outside the account again", async () => {
        const p = await planned({ automation: { secretEscrow: { enabled: false } } });
        for (const name of [SALT, HMRC]) {
            assert.ok(
                p.gaps.includes(
                    `prod: ${name} (critical): no encrypted export of the secret outside the account (the requirements' second protection)`,
                ),
            );
            assert.ok(
                p.gaps.some((g) =>
                    g.startsWith(
                        `prod: ${name} (critical): RTO after account loss: no restore after account loss path`,
                    ),
                ),
            );
        }
    });

    it("escrow only daily (no change events): 24 h plus the 15-minute RTC misses the 24 h target", async () => {
        const p = await planned({ automation: { secretEscrow: { onChange: false } } });
        assert.ok(
            p.gaps.includes(
                `prod: ${SALT} (critical): RPO outside the account: 24 h 15 min (escrow cron(30 1 * * ? *) + S3 RTC 15 min), target 24 h`,
            ),
        );
    });

    it("user-pool export switched off: the user pool is unprotected again", async () => {
        const p = await planned({ automation: { userPoolExport: { enabled: false } } });
        assert.deepEqual(scheduleGaps(p), ["prod: user pool (high) is not protected by this stack"]);
    });

    it("user-pool export daily: 24 h plus RTC misses the 24 h target", async () => {
        const p = await planned({ automation: { userPoolExport: { schedule: "rate(1 day)" } } });
        assert.deepEqual(scheduleGaps(p), [
            "prod: prod-env-user-pool (high): RPO outside the account: 24 h 15 min (export rate(1 day) + S3 RTC 15 min), target 24 h",
        ]);
    });

    it("hourly incremental exports switched off: receipts falls back to the daily copy's 24 h", async () => {
        const p = await planned({ automation: { tableExports: { incremental: { enabled: false } } } });
        assert.match(asset(p, "prod-env-receipts")!.rpoOutside.value, /^24 h \('daily' copy/);
        assert.deepEqual(scheduleGaps(p), []);
    });

    it("prints durations the way the report reads them", () => {
        assert.deepEqual(
            [duration(1.25), duration(24), duration(0.25), duration(24.25)],
            ["1 h 15 min", "24 h", "15 min", "24 h 15 min"],
        );
    });
});
