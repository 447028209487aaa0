/**
 * The cost module: lines per account and protection from stated sizes, growth, a config change's
 * difference, and the extension point other schedules plug into.
 */
import * as assert from "node:assert/strict";
import {
    CostContributor,
    DEFAULT_CONTRIBUTORS,
    estimateCost,
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
});
