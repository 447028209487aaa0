import { DeleteRecoveryPointCommand, DescribeRestoreJobCommand } from "@aws-sdk/client-backup";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { COMMON, DrHarness, awsError } from "../helpers/drHarness";
import { PROD_TABLES, recoverableEstate } from "../helpers/drEstate";
import { readDrillReports } from "../../offline/drillReports";

describe("dr drill", () => {
    let h: DrHarness;
    let created: Set<string>;
    let report: string;
    beforeEach(() => {
        h = new DrHarness();
        h.accountIds.target = "222222222222";
        created = recoverableEstate(h, "222222222222");
        h.mocks().dynamodb.on(DeleteTableCommand).resolves({});
        h.mocks().backup.on(DeleteRecoveryPointCommand).resolves({});
        report = path.join(h.tmp, "drill.md");
    });
    afterEach(() => h.restore());

    const drill = (...extra: string[]) =>
        h.run([
            "drill",
            ...COMMON,
            "--account-id",
            "222222222222",
            "--prefix",
            "drill-1",
            "--report",
            report,
            ...extra,
        ]);

    it("refuses (exit 2) a drill account the backup stack's deploymentAccounts do not list, and writes no report", async () => {
        h.accountIds.target = "555555555555";
        const r = await h.run([
            "drill",
            ...COMMON,
            "--account-id",
            "555555555555",
            "--target-env",
            "drill",
            "--report",
            report,
        ]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /account 555555555555 is not one of the deploymentAccounts of stack backup/);
        assert.deepEqual(h.sent(), []);
        assert.ok(!fs.existsSync(report));
    });

    it("--measurement names the JSON report's file; the posture report reads it as the copy-back path's measurement", async () => {
        const file = path.join(h.tmp, "drills", "2026-11.json");
        fs.mkdirSync(path.dirname(file));
        const r = await drill("--measurement", file);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(!fs.existsSync(report.replace(/\.md$/, ".json")), "only the named file");
        const measured = readDrillReports([], path.dirname(file));
        assert.deepEqual(
            measured.map((m) => [m.path, m.table]).sort(),
            PROD_TABLES.map((t) => ["backupAccount", t]).sort(),
        );
        assert.ok(measured.every((m) => m.hours >= 0 && m.source === "2026-11.json (2026-11-26)"));
    });

    it("restores prod's recovery points into scratch tables of the named account, cleans up, and writes a timed report", async () => {
        const r = await drill();
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(created.has("drill-1-prod-env-receipts"));
        // 222222222222 is listed in the backup stack as ci: its vault is ci's (issue 15, item 7).
        assert.equal(
            h.sentOps("StartCopyJob")[0].DestinationBackupVaultArn,
            "arn:aws:backup:eu-west-2:222222222222:backup-vault:ci-env-backup-vault",
        );
        assert.equal(
            h.sentOps("StartCopyJob")[0].Lifecycle &&
                (h.sentOps("StartCopyJob")[0].Lifecycle as { DeleteAfterDays: number }).DeleteAfterDays,
            7,
        );
        assert.equal(
            h.sentOps("UpdateTable").length + h.sentOps("UpdateContinuousBackups").length,
            0,
            "scratch tables get no protection",
        );
        assert.deepEqual(
            h
                .sentOps("DeleteTable")
                .map((i) => i.TableName)
                .sort(),
            [...created].sort(),
        );
        assert.equal(h.sentOps("DeleteRecoveryPoint").length, 7);
        assert.equal(h.sentOps("DeleteRecoveryPoint")[0].BackupVaultName, "ci-env-backup-vault");
        // The measured RTOs, machine-readable beside the Markdown, for the posture report.
        const measured = JSON.parse(fs.readFileSync(report.replace(/\.md$/, ".json"), "utf8"));
        assert.equal(measured.format, "vat-backup-drill/v1");
        assert.equal(measured.measured, true);
        const receipts = measured.tables.find((t: { table: string }) => t.table === "prod-env-receipts");
        assert.equal(receipts.path, "copy-back", "the restore path taken: warm points are copied back");
        assert.equal(receipts.rtoHours, 4);
        assert.equal(receipts.withinRto, true);
        assert.equal(
            receipts.elapsedMs,
            receipts.timingsMs["find recovery point"] +
                receipts.timingsMs["copy into target vault"] +
                receipts.timingsMs["restore table"] +
                receipts.timingsMs["verify"],
        );
        const md = fs.readFileSync(report, "utf8");
        assert.match(md, /^# DR drill 2026-11-26T03:00:00.000Z/);
        assert.match(md, /- Result: \*\*PASSED\*\*/);
        assert.match(
            md,
            /\| prod-env-receipts \| critical \| 2026-11-25T21:00:00.000Z \| \d+s \| \d+s \| \d+s \| \d+s \| \d+s \| 4 h \| yes \| 100 \| not configured \|/,
        );
        assert.match(md, /\| drill-1-prod-env-receipts \| delete scratch table \|/);
    });

    it("drills prod's recovery points into an account of another environment with --target-env", async () => {
        const r = await drill("--target-env", "ci", "--only", "prod-env-receipts");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
            h.sentOps("StartCopyJob")[0].DestinationBackupVaultArn,
            "arn:aws:backup:eu-west-2:222222222222:backup-vault:ci-env-backup-vault",
        );
        assert.equal(
            h.sentOps("StartRestoreJob")[0].IamRoleArn,
            "arn:aws:iam::222222222222:role/ci-env-backup-service-eu-west-2",
        );
        assert.equal(h.sentOps("DeleteRecoveryPoint")[0].BackupVaultName, "ci-env-backup-vault");
    });

    it("never drills without a named account, and never in an account other than the credentials'", async () => {
        assert.equal((await h.run(["drill", ...COMMON])).code, 2);
        const wrong = await h.run(["drill", ...COMMON, "--account-id", "111111111111", "--report", report]);
        assert.equal(wrong.code, 2);
        assert.deepEqual(h.mutatingSent(), []);
    });

    it("reports a restore that FAILED in the report and still cleans up what the others created", async () => {
        h.mocks()
            .backup.on(DescribeRestoreJobCommand, { RestoreJobId: "restore-drill-1-prod-env-passes" })
            .resolves({ Status: "FAILED", StatusMessage: "Insufficient privileges" });
        const r = await drill();
        assert.equal(r.code, 1);
        const md = fs.readFileSync(report, "utf8");
        assert.match(md, /- Result: \*\*FAILED\*\*/);
        assert.match(md, /- prod-env-passes: restore drill-1-prod-env-passes ended FAILED: Insufficient privileges/);
        assert.match(md, /\| prod-env-passes \| high \| .* \| \*\*failed\*\* \|/);
        assert.equal(h.sentOps("DeleteTable").length, 6);
        assert.equal(h.sentOps("DeleteRecoveryPoint").length, 7, "the copy of the failed table is cleaned up too");
    });

    it("reports a clean-up that fails and carries on with the rest", async () => {
        h.mocks()
            .dynamodb.on(DeleteTableCommand, { TableName: "drill-1-prod-env-bundles" })
            .rejects(awsError("ResourceInUseException", "table is being updated"));
        const r = await drill();
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  cleanup:drill-1-prod-env-bundles  delete scratch table: ResourceInUseException: table is being updated \(delete it by hand\)/,
        );
        assert.equal(h.sentOps("DeleteTable").length, 7);
    });

    it("keeps the scratch tables with --keep", async () => {
        const r = await drill("--keep");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(h.sentOps("DeleteTable").length, 0);
        assert.match(r.stdout, /--keep: scratch tables drill-1-prod-env-receipts/);
    });

    it("under --dry-run plans the copies, restores and clean-up without sending any", async () => {
        const r = await drill("--dry-run", "--json");
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(h.mutatingSent(), []);
        const planned = r
            .json()
            .calls.filter((c: { mutating: boolean }) => c.mutating)
            .map((c: { operation: string }) => c.operation);
        for (const op of ["StartCopyJob", "StartRestoreJob", "DeleteTable", "DeleteRecoveryPoint"])
            assert.equal(planned.filter((p: string) => p === op).length, 7, op);
        assert.match(fs.readFileSync(report, "utf8"), /\(dry run\)/);
    });

    it("refuses a prefix that makes invalid table names", async () => {
        const r = await h.run(["drill", ...COMMON, "--account-id", "222222222222", "--prefix", "bad prefix!"]);
        assert.equal(r.code, 2);
    });
});
