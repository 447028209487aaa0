/**
 * The cost module: lines per account and protection from stated sizes, growth, a config change's
 * difference, and the extension point other schedules plug into.
 */
import * as assert from "node:assert/strict";
import {
    CostContributor,
    DEFAULT_CONTRIBUTORS,
    PRICE_TABLE,
    estimateCost,
    scheduledExportVolume,
    renderCost,
    renderCostDifference,
    retainedPoints,
} from "../../offline/cost";
import { parseStackConfig, projectKeys } from "../../stacks/config";
import { stackConfig } from "../helpers/engine";

const prodKeys = () => projectKeys(stackConfig("prod"));
const prod = (costEstimate: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    parseStackConfig({ ...prodKeys(), costEstimate, ...extra }, "prod");
const line = (e: ReturnType<typeof estimateCost>, protection: string) => {
    const found = e.lines.find((l) => l.protection === protection);
    assert.ok(found, `no line ${protection}`);
    return found;
};

describe("offline/cost", () => {
    it("keeps one full point per run: 35 daily warm, 82 monthly cold after 90 days", () => {
        assert.deepEqual(retainedPoints(24, { deleteAfterDays: 35 }).warm, 35);
        const monthly = retainedPoints(24 * 30.4, { moveToColdStorageAfterDays: 90, deleteAfterDays: 2555 });
        assert.equal(monthly.warm, 3);
        assert.equal(monthly.cold, 82);
    });

    it("prices PITR per GB of table size and puts the central vault's copies on the backup account", () => {
        const e = estimateCost("prod", prod({ defaultTableSizeGb: 10, monthlyGrowthPercent: 0 }));
        // 7 tables × 10 GB × $0.2376 (eu-west-2 PITR, PRICE_TABLE)
        assert.equal(line(e, "PITR (continuous backups)").monthly, 16.63);
        assert.match(line(e, "copies in the central vault (warm + cold)").account, /^backup \(333333333333\)/);
    });

    it("grows sizes to the horizon month", () => {
        const e = estimateCost("prod", prod({ monthlyGrowthPercent: 10, horizonMonths: 2 }));
        const pitr = line(e, "PITR (continuous backups)");
        assert.ok(Math.abs(pitr.atHorizon - pitr.monthly * 1.1) < 0.02);
    });

    it("shows the difference a config change makes, line by line", () => {
        const before = estimateCost("prod", prod());
        const after = estimateCost("prod", prod({ tableSizesGb: { "prod-env-receipts": 101 } }));
        const diff = renderCostDifference(before, after);
        assert.match(diff, /PITR \(continuous backups\): \+\$23\.76/);
        assert.match(diff, /total: \+\$/);
    });

    it("rejects a size for a table the stack does not protect, naming the key", () => {
        assert.throws(() => prod({ tableSizesGb: { "prod-env-unknown": 1 } }), /costEstimate\.tableSizesGb/);
    });

    it("prints the assumptions and the price table's date under the table", () => {
        const text = renderCost(estimateCost("prod", prod()));
        assert.match(text, /Assumptions:/);
        assert.match(text, /as of 2026-11-29 for eu-west-2, eu-west-1/);
    });

    it("takes further contributors (the scheduled exports and escrow plug in here)", () => {
        const schedules: CostContributor = () => ({
            lines: [{ account: "prod (111111111111)", protection: "scheduled exports", monthly: 4, atHorizon: 5 }],
            assumptions: ["one export a day"],
        });
        const e = estimateCost("prod", prod(), [...DEFAULT_CONTRIBUTORS, schedules]);
        assert.equal(line(e, "scheduled exports").monthly, 4);
        assert.ok(e.assumptions.includes("one export a day"));
    });

    it("prices the air-gapped vault only when it is enabled", () => {
        const keys = projectKeys(stackConfig("backup"));
        const off = estimateCost("backup", parseStackConfig({ ...keys, airGappedVault: { enabled: false } }, "backup"));
        const on = estimateCost("backup", parseStackConfig({ ...keys, airGappedVault: { enabled: true } }, "backup"));
        assert.ok(!off.lines.some((l) => l.protection === "logically air-gapped vault"));
        assert.ok(on.lines.some((l) => l.protection === "logically air-gapped vault"));
    });
    describe("the schedules (issue 16 item 6)", () => {
        const SCHEDULES = [
            "schedule: secret escrow",
            "schedule: user-pool export",
            "schedule: table exports, weekly full",
            "schedule: table exports, hourly incremental",
            "schedule: user-pool round trip",
            "schedule: evidence pack",
            "schedule: restore tests (restore + validation)",
        ];

        it("prices every schedule of the prod stack, each on its own line", () => {
            const e = estimateCost("prod", prod());
            for (const protection of SCHEDULES) assert.ok(line(e, protection).monthly >= 0, protection);
        });

        it("derives the exports' volume from the schedules and the stated table sizes (no longer 0 GB)", () => {
            const cfg = prod({ defaultTableSizeGb: 10, monthlyGrowthPercent: 0, dailyChangePercent: 5 });
            const v = scheduledExportVolume(cfg as never);
            // Weekly full exports of receipts, bundles, passes and subscriptions: 4 × 10 GB × 730/168 runs.
            assert.equal(Math.round(v.fullGb * 100) / 100, Math.round(40 * (730 / 168) * 100) / 100);
            // Hourly incremental exports of receipts carry 5% of 10 GB a day, 30.4 days a month.
            assert.equal(Math.round(v.incrementalGb * 100) / 100, 15.2);
            const e = estimateCost("prod", cfg);
            assert.ok(line(e, "exports bucket + RTC replication").monthly > 0);
            assert.ok(e.assumptions.some((a) => /^exports: \d+(\.\d+)? GB a month at month 1/.test(a)));
            // The full exports' own charge: GB exported × DynamoDB's export price.
            assert.equal(
                line(e, "schedule: table exports, weekly full").monthly,
                Math.round(
                    (v.fullGb * PRICE_TABLE.regions["eu-west-2"].exportGb +
                        (730 / 168) * (5 * 0.25 * 0.0000166667 + 0.0000002 + 0.000001)) *
                        100,
                ) / 100,
            );
        });

        it("turning the hourly incremental exports off (automation.tableExports.incremental.enabled) shows its saving line by line", () => {
            const sizes = { defaultTableSizeGb: 50, monthlyGrowthPercent: 0 };
            const on = estimateCost("prod", prod(sizes));
            const off = estimateCost(
                "prod",
                prod(sizes, { automation: { tableExports: { incremental: { enabled: false } } } }),
            );
            assert.ok(!off.lines.some((l) => l.protection === "schedule: table exports, hourly incremental"));
            const diff = renderCostDifference(on, off);
            assert.match(diff, /schedule: table exports, hourly incremental: -\$\d+\.\d\d/);
            assert.match(diff, /exports bucket \+ RTC replication: -\$\d+\.\d\d/);
            assert.match(diff, /total: -\$\d+\.\d\d a month/);
        });

        it("drops the round trip and the evidence pack when configured off", () => {
            const e = estimateCost(
                "prod",
                prod({}, { automation: { userPoolRoundTrip: { enabled: false }, evidencePack: { enabled: false } } }),
            );
            assert.ok(!e.lines.some((l) => l.protection === "schedule: user-pool round trip"));
            assert.ok(!e.lines.some((l) => l.protection === "schedule: evidence pack"));
        });
    });
});
