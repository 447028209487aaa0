/**
 * Measured RTOs: the JSON reports the DR tool writes are read into the posture report, which cites
 * each measurement beside the assumption of its path and judges by it (issue 15: every RTO names its
 * basis; issue 17 item 1: the in-account RTO cites the latest restore test's measured time).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DrillReportError, measurementFor, readDrillReport, readDrillReports } from "../../offline/drillReports";
import { main } from "../../offline/plan";
import { posture } from "../../offline/posture";
import { renderPosture } from "../../offline/postureReport";
import { runStackOffline } from "../helpers/engine";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drills-"));
const write = (name: string, doc: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(doc));
    return file;
};
const report = (tables: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({
    format: "vat-backup-drill/v1",
    measured: true,
    endedAt: "2026-11-20T10:00:00.000Z",
    tables,
    ...extra,
});

describe("drill reports: measured RTOs for the posture report", () => {
    it("reads each successful table's time under the posture's name of its path", () => {
        const file = write(
            "a.json",
            report([
                { table: "prod-env-receipts", path: "copy-back", ok: true, elapsedMs: 2.5 * 3_600_000 },
                { table: "prod-env-bundles", ok: true, elapsedMs: 3_600_000 },
                { table: "prod-env-passes", path: "restore-from-export", ok: true, elapsedMs: 1_800_000 },
                { table: "prod-env-receipts", path: "restore-test", ok: true, elapsedMs: 900_000 },
                { table: "prod-env-subscriptions", path: "copy-back", ok: false, elapsedMs: 1 },
                { table: "x", path: "teleport", ok: true, elapsedMs: 1 },
            ]),
        );
        assert.deepEqual(
            readDrillReport(file).map((m) => [m.path, m.table, m.hours, m.source]),
            [
                ["backupAccount", "prod-env-receipts", 2.5, "a.json (2026-11-20)"],
                ["backupAccount", "prod-env-bundles", 1, "a.json (2026-11-20)"],
                ["archiveImport", "prod-env-passes", 0.5, "a.json (2026-11-20)"],
                ["localVault", "prod-env-receipts", 0.25, "a.json (2026-11-20)"],
            ],
        );
    });

    it("a dry run's report measures nothing; another file or format is refused, naming the flag", () => {
        assert.deepEqual(
            readDrillReport(write("dry.json", report([{ table: "t", ok: true, elapsedMs: 5 }], { measured: false }))),
            [],
        );
        assert.throws(() => readDrillReport(write("other.json", { format: "x" })), DrillReportError);
        assert.throws(() => readDrillReport(write("bad.json", "{")), /--drill-report .*bad.json/);
        fs.writeFileSync(path.join(dir, "broken.json"), "{");
        assert.throws(() => readDrillReport(path.join(dir, "broken.json")), /give the JSON a drill wrote/);
    });

    it("reads every report of the drills folder; the newest measurement of a path and table wins", () => {
        const folder = fs.mkdtempSync(path.join(dir, "drills-"));
        fs.writeFileSync(
            path.join(folder, "2026-10.json"),
            JSON.stringify(
                report([{ table: "t", ok: true, elapsedMs: 7_200_000 }], { endedAt: "2026-10-15T00:00:00Z" }),
            ),
        );
        fs.writeFileSync(
            path.join(folder, "2026-11.json"),
            JSON.stringify(report([{ table: "t", ok: true, elapsedMs: 3_600_000 }])),
        );
        fs.writeFileSync(path.join(folder, "notes.md"), "not a report");
        const all = readDrillReports([], folder);
        assert.equal(all.length, 2);
        assert.equal(measurementFor(all, "backupAccount", "t")?.hours, 1);
        assert.equal(measurementFor(all, "backupAccount", "other"), undefined);
        assert.equal(measurementFor(all, undefined, "t"), undefined);
        assert.deepEqual(readDrillReports([], path.join(dir, "missing")), []);
    });

    it("the in-account RTO cites the latest restore test's measured time; the account-loss RTO a drill's, each judged by it", async () => {
        const prod = await runStackOffline("prod");
        const measurements = readDrillReport(
            write(
                "prod.json",
                report([
                    { table: "prod-env-receipts", path: "restore-test", ok: true, elapsedMs: 1_800_000 },
                    { table: "prod-env-receipts", path: "copy-back", ok: true, elapsedMs: 5 * 3_600_000 },
                ]),
            ),
        );
        const p = posture([prod], { measurements });
        const receipts = p.assets.find((a) => a.resource === "prod-env-receipts");
        assert.ok(receipts);
        assert.equal(receipts.rtoInAccount.value, "1 h (pitr); measured 30 min in prod.json (2026-11-20)");
        assert.equal(receipts.rtoInAccount.ok, true);
        assert.equal(receipts.rtoAccountLoss.value, "4 h (backupAccount); measured 5 h in prod.json (2026-11-20)");
        assert.equal(receipts.rtoAccountLoss.ok, false, "the measurement, over the 4 h target, is a gap");
        assert.ok(
            p.gaps.some((g) =>
                /prod-env-receipts .*RTO after account loss: 4 h \(backupAccount\); measured 5 h/.test(g),
            ),
        );
        assert.match(
            renderPosture(p),
            /basis: assumed for a table of a few GB, unmeasured.*; measured 5.00 h for prod-env-receipts in prod.json/,
        );
        // Without a report nothing is cited.
        const plain = posture([prod]).assets.find((a) => a.resource === "prod-env-receipts");
        assert.equal(plain?.rtoInAccount.measured, undefined);
    });

    it("npm run plan -- --drill-report with a file that is not a drill's report exits 2 before planning", async () => {
        const errors: string[] = [];
        const error = console.error;
        console.error = (...a: unknown[]) => errors.push(a.join(" "));
        try {
            const code = await main([
                "node",
                "plan",
                "--stack",
                "prod",
                "--drill-report",
                write("nope.json", { format: "nope" }),
            ]);
            assert.equal(code, 2);
            assert.match(errors.join("\n"), /--drill-report .*nope.json: format nope, expected vat-backup-drill\/v1/);
        } finally {
            console.error = error;
        }
    });
});
