/**
 * Every long command is safe to re-run (issue 15, item 4): the same command, run again after a crash
 * midway, adopts what the first run started, waits, and finishes the remaining steps. Each test
 * crashes the first run mid-wait (the network drops), moves the clock on, and runs the same argv.
 */
import { DescribeCopyJobCommand, DescribeRestoreJobCommand, StartRestoreJobCommand } from "@aws-sdk/client-backup";
import {
    DescribeContinuousBackupsCommand,
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    ListBackupsCommand,
    ListTagsOfResourceCommand,
    RestoreTableFromBackupCommand,
    RestoreTableToPointInTimeCommand,
    TableDescription,
    UpdateContinuousBackupsCommand,
    UpdateTableCommand,
    UpdateTimeToLiveCommand,
    TagResourceCommand,
} from "@aws-sdk/client-dynamodb";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { COMMON, DrHarness, NOW, awsError } from "../helpers/drHarness";
import { HOUR, recoverableEstate } from "../helpers/drEstate";

const SOURCE = "prod-env-receipts";
const ARN = (t: string) => `arn:aws:dynamodb:eu-west-2:111111111111:table/${t}`;
const networkDrop = () => awsError("TimeoutError", "socket hang up");

/** A DynamoDB that creates the restored table on RestoreTableToPointInTime and keeps it. */
function pitrEstate(h: DrHarness, crash: { on: boolean }) {
    const tables = new Map<string, TableDescription>([
        [
            SOURCE,
            {
                TableName: SOURCE,
                TableArn: ARN(SOURCE),
                TableStatus: "ACTIVE",
                ItemCount: 10,
                DeletionProtectionEnabled: true,
            },
        ],
    ]);
    const d = h.mocks().dynamodb;
    d.on(DescribeTableCommand).callsFake((i: { TableName: string }) => {
        const t = tables.get(i.TableName);
        if (t && t.TableStatus === "CREATING" && crash.on) return Promise.reject(networkDrop());
        return t ? { Table: t } : Promise.reject(awsError("ResourceNotFoundException"));
    });
    d.on(RestoreTableToPointInTimeCommand).callsFake(
        (i: { SourceTableName: string; TargetTableName: string; RestoreDateTime: Date }) => {
            if (tables.has(i.TargetTableName)) return Promise.reject(awsError("TableAlreadyExistsException"));
            tables.set(i.TargetTableName, {
                TableName: i.TargetTableName,
                TableArn: ARN(i.TargetTableName),
                TableStatus: "CREATING",
                RestoreSummary: {
                    SourceTableArn: ARN(i.SourceTableName),
                    RestoreDateTime: i.RestoreDateTime,
                    RestoreInProgress: true,
                },
            });
            return {};
        },
    );
    d.on(DescribeContinuousBackupsCommand).callsFake((i: { TableName: string }) => ({
        ContinuousBackupsDescription: {
            ContinuousBackupsStatus: "ENABLED",
            PointInTimeRecoveryDescription:
                i.TableName === SOURCE
                    ? {
                          PointInTimeRecoveryStatus: "ENABLED",
                          RecoveryPeriodInDays: 35,
                          EarliestRestorableDateTime: new Date(NOW - 35 * 24 * HOUR),
                          LatestRestorableDateTime: new Date(h.clock.now() - 5 * 60_000),
                      }
                    : { PointInTimeRecoveryStatus: "DISABLED" },
        },
    }));
    d.on(DescribeTimeToLiveCommand).callsFake((i: { TableName: string }) => ({
        TimeToLiveDescription:
            i.TableName === SOURCE
                ? { TimeToLiveStatus: "ENABLED", AttributeName: "ttl" }
                : { TimeToLiveStatus: "DISABLED" },
    }));
    d.on(ListTagsOfResourceCommand).resolves({ Tags: [{ Key: "app", Value: "vat" }] });
    d.on(UpdateContinuousBackupsCommand).resolves({});
    d.on(UpdateTimeToLiveCommand).resolves({});
    d.on(TagResourceCommand).resolves({});
    d.on(UpdateTableCommand).resolves({});
    return tables;
}

/** From now on a table still CREATING is seen so twice more, then ACTIVE (the restore finishes while waited for). */
function settle(h: DrHarness, tables: Map<string, TableDescription>): void {
    const views = new Map<string, number>();
    h.mocks()
        .dynamodb.on(DescribeTableCommand)
        .callsFake((i: { TableName: string }) => {
            const t = tables.get(i.TableName);
            if (!t) return Promise.reject(awsError("ResourceNotFoundException"));
            const seen = (views.get(i.TableName) ?? 0) + 1;
            views.set(i.TableName, seen);
            if (seen > 2) t.TableStatus = "ACTIVE";
            return { Table: { ...t } };
        });
}

describe("dr long commands resume when run again", () => {
    let h: DrHarness;
    beforeEach(() => (h = new DrHarness()));
    afterEach(() => h.restore());

    it("restore-pitr --to -45m: the re-run adopts the still-creating table of the first run and puts PITR, TTL, tags and deletion protection on", async () => {
        const crash = { on: true };
        const tables = pitrEstate(h, crash);
        const argv = ["restore-pitr", SOURCE, "--to", "-45m", "--stack", "prod", "--json"];
        const first = await h.run(argv);
        assert.equal(first.code, 1, "the first run dies while waiting");
        const target = `${SOURCE}-restored-20261126T021500Z`;
        assert.ok(tables.has(target));
        assert.equal(h.sentOps("UpdateContinuousBackups").length, 0, "PITR was never applied by the first run");

        await h.clock.sleep(HOUR);
        crash.on = false;
        (tables.get(target) as TableDescription).TableStatus = "ACTIVE";
        const second = await h.run(argv);
        assert.equal(second.code, 0, second.stderr);
        assert.equal(second.json().target, target, "the relative time was resolved once, by the first run");
        assert.equal(h.sentOps("RestoreTableToPointInTime").length, 1, "no second restore");
        assert.deepEqual(h.sentOps("UpdateContinuousBackups")[0].TableName, target);
        assert.deepEqual(h.sentOps("UpdateTimeToLive")[0].TableName, target);
        assert.deepEqual(h.sentOps("UpdateTable")[0], { TableName: target, DeletionProtectionEnabled: true });
        assert.deepEqual(fs.readdirSync(h.stateDir), [], "nothing left to resume once it completed");
    });

    it("restore-pitr never adopts a table it did not start, even under the name it would use", async () => {
        pitrEstate(h, { on: false }).set(`${SOURCE}-clean`, {
            TableName: `${SOURCE}-clean`,
            TableStatus: "ACTIVE",
        });
        const r = await h.run([
            "restore-pitr",
            SOURCE,
            "--to",
            "-45m",
            "--target",
            `${SOURCE}-clean`,
            "--stack",
            "prod",
        ]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /already exists; a restore never overwrites a table/);
    });

    it("restore-pitr: the re-run waits for the adopted table still CREATING, and says it is resuming", async () => {
        const crash = { on: true };
        const tables = pitrEstate(h, crash);
        const argv = ["restore-pitr", SOURCE, "--to", "-45m", "--target", `${SOURCE}-r`, "--stack", "prod"];
        assert.equal((await h.run(argv)).code, 1);
        settle(h, tables);
        const second = await h.run(argv);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.ok(
            second.stdout
                .split("\n")
                .includes(
                    `resuming: ${SOURCE}-r (restore of ${SOURCE} as of 2026-11-26T02:15:00.000Z) was started by an earlier run`,
                ),
            second.stdout,
        );
        assert.match(second.stderr, /restore prod-env-receipts-r: CREATING/, "waited for the adopted table");
        assert.match(second.stdout, /^done {2}prod-env-receipts-r: restore /m);
        assert.equal(h.sentOps("RestoreTableToPointInTime").length, 1);
    });

    it("restore-pitr: a run that failed a setting can be run again, and finishes only what is left", async () => {
        settle(h, pitrEstate(h, { on: false }));
        h.mocks().dynamodb.on(UpdateTimeToLiveCommand).rejects(awsError("AccessDeniedException"));
        const argv = ["restore-pitr", SOURCE, "--to", "-45m", "--target", `${SOURCE}-r`, "--stack", "prod"];
        assert.equal((await h.run(argv)).code, 1);
        assert.equal(fs.readdirSync(h.stateDir).length, 1, "the record stays: the command did not complete");
        h.mocks().dynamodb.on(UpdateTimeToLiveCommand).resolves({});
        const second = await h.run(argv);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.equal(h.sentOps("RestoreTableToPointInTime").length, 1, "the restored table is adopted");
        assert.deepEqual(
            h.sentOps("UpdateTimeToLive").map((i) => i.TableName),
            [`${SOURCE}-r`, `${SOURCE}-r`],
        );
        assert.deepEqual(fs.readdirSync(h.stateDir), []);
    });

    it("restore-pitr: another --to or another --target is another restore, never the earlier run's table", async () => {
        const crash = { on: true };
        const tables = pitrEstate(h, crash);
        const first = ["restore-pitr", SOURCE, "--to", "-45m", "--target", `${SOURCE}-r`, "--stack", "prod"];
        assert.equal((await h.run(first)).code, 1);
        settle(h, tables);

        const otherTime = await h.run([
            "restore-pitr",
            SOURCE,
            "--to",
            "-50m",
            "--target",
            `${SOURCE}-r`,
            "--stack",
            "prod",
        ]);
        assert.equal(otherTime.code, 2, "a table restored to another time is not this restore");
        assert.match(otherTime.stderr, /already exists; a restore never overwrites a table/);

        const otherTarget = await h.run([
            "restore-pitr",
            SOURCE,
            "--to",
            "-45m",
            "--target",
            `${SOURCE}-s`,
            "--stack",
            "prod",
        ]);
        assert.equal(otherTarget.code, 0, otherTarget.stdout + otherTarget.stderr);
        assert.deepEqual(
            h.sentOps("RestoreTableToPointInTime").map((i) => i.TargetTableName),
            [`${SOURCE}-r`, `${SOURCE}-s`],
        );
    });

    it("restore-pitr adopts only a table DynamoDB says was restored from this source to this time", async () => {
        const crash = { on: true };
        const tables = pitrEstate(h, crash);
        const argv = ["restore-pitr", SOURCE, "--to", "-45m", "--target", `${SOURCE}-r`, "--stack", "prod"];
        assert.equal((await h.run(argv)).code, 1);
        crash.on = false;
        const started = tables.get(`${SOURCE}-r`) as TableDescription;
        const replacedBy = (t: TableDescription) => {
            tables.set(`${SOURCE}-r`, { TableName: `${SOURCE}-r`, TableStatus: "ACTIVE", ...t });
            return h.run(argv);
        };
        // Someone deleted it and created a table of that name by hand, or restored another table or time into it.
        for (const t of [
            {},
            { RestoreSummary: { ...started.RestoreSummary, SourceTableArn: ARN("prod-env-bundles") } },
            { RestoreSummary: { ...started.RestoreSummary, RestoreDateTime: new Date(NOW - HOUR) } },
        ] as TableDescription[]) {
            const r = await replacedBy(t);
            assert.equal(r.code, 2, JSON.stringify(t));
            assert.match(r.stderr, /already exists; a restore never overwrites a table/);
        }
        assert.equal(h.sentOps("RestoreTableToPointInTime").length, 1);
        // Without the first run's record, even the table it restored is not taken over.
        fs.rmSync(h.stateDir, { recursive: true });
        const r = await replacedBy(started);
        assert.equal(r.code, 2);
    });

    it("restore-pitr --deleted: the re-run adopts the table restored from the recorded system backup", async () => {
        const backupArn = `arn:aws:dynamodb:eu-west-2:111111111111:table/${SOURCE}/backup/01`;
        const tables = new Map<string, TableDescription>();
        let crash = true;
        const d = h.mocks().dynamodb;
        d.on(DescribeTableCommand).callsFake((i: { TableName: string }) => {
            const t = tables.get(i.TableName);
            if (t && crash) return Promise.reject(networkDrop());
            return t ? { Table: t } : Promise.reject(awsError("ResourceNotFoundException"));
        });
        d.on(ListBackupsCommand).resolves({
            BackupSummaries: [
                { BackupArn: backupArn, BackupStatus: "AVAILABLE", BackupCreationDateTime: new Date(NOW - HOUR) },
            ],
        });
        d.on(RestoreTableFromBackupCommand).callsFake((i: { TargetTableName: string; BackupArn: string }) => {
            tables.set(i.TargetTableName, {
                TableName: i.TargetTableName,
                TableArn: ARN(i.TargetTableName),
                TableStatus: "CREATING",
                RestoreSummary: {
                    SourceBackupArn: i.BackupArn,
                    RestoreDateTime: new Date(NOW - HOUR),
                    RestoreInProgress: true,
                },
            });
            return {};
        });
        d.on(DescribeContinuousBackupsCommand).resolves({
            ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED" },
        });
        d.on(UpdateContinuousBackupsCommand).resolves({});
        d.on(UpdateTableCommand).resolves({});
        const argv = ["restore-pitr", SOURCE, "--deleted", "--stack", "prod", "--poll-seconds", "20"];
        assert.equal((await h.run(argv)).code, 1);
        crash = false;
        // A table of that name restored from another backup is not this restore.
        const restored = tables.get(SOURCE) as TableDescription;
        tables.set(SOURCE, {
            ...restored,
            RestoreSummary: { ...restored.RestoreSummary, SourceBackupArn: `${backupArn}-other` } as never,
        });
        const other = await h.run(argv);
        assert.equal(other.code, 2);
        assert.match(other.stderr, /already exists; a restore never overwrites a table/);
        tables.set(SOURCE, restored);
        let polls = 0;
        d.on(DescribeTableCommand).callsFake((i: { TableName: string }) => {
            const t = tables.get(i.TableName) as TableDescription;
            if (++polls > 2) t.TableStatus = "ACTIVE";
            return { Table: t };
        });
        const second = await h.run(argv);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.equal(h.sentOps("RestoreTableFromBackup").length, 1, "no second restore");
        assert.ok(
            second.stdout
                .split("\n")
                .includes(`resuming: ${SOURCE} (restore of deleted ${SOURCE}) was started by an earlier run`),
            second.stdout,
        );
        assert.match(second.stderr, /restore prod-env-receipts: CREATING/, "waited for it");
        assert.match(second.stdout, /^done {2}prod-env-receipts: restore /m);
        assert.deepEqual(h.sentOps("UpdateTable"), [{ TableName: SOURCE, DeletionProtectionEnabled: true }]);
    });

    it("restore-account: the re-run waits for the copy and restore jobs the first run started instead of starting new ones", async () => {
        const created = recoverableEstate(h);
        const crash = { on: true };
        h.mocks("target", "eu-west-2")
            .backup.on(DescribeRestoreJobCommand)
            .callsFake((i: { RestoreJobId: string }) =>
                crash.on ? Promise.reject(networkDrop()) : { RestoreJobId: i.RestoreJobId, Status: "COMPLETED" },
            );
        const argv = ["restore-account", ...COMMON, "--only", "prod-env-receipts,prod-env-bundles", "--as-of", "-1h"];
        const first = await h.run(argv);
        assert.equal(first.code, 1);
        assert.equal(h.sentOps("StartRestoreJob").length, 2);
        assert.equal(h.sentOps("UpdateContinuousBackups").length, 0);

        await h.clock.sleep(2 * HOUR);
        crash.on = false;
        const second = await h.run(argv);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.equal(h.sentOps("StartCopyJob").length, 2, "no second copy");
        assert.equal(h.sentOps("StartRestoreJob").length, 2, "no second restore");
        assert.deepEqual(
            h
                .sentOps("UpdateContinuousBackups")
                .map((i) => i.TableName)
                .sort(),
            ["prod-env-bundles", "prod-env-receipts"],
            "PITR applied by the re-run",
        );
        assert.equal(h.sentOps("UpdateTable").length, 2, "deletion protection applied by the re-run");
        assert.ok(created.has("prod-env-receipts"));
        assert.match(
            second.stdout,
            /resuming the run started 2026-11-26T03:00:00\.000Z \(.*restore-account-[0-9a-f]{20}\.json\)/,
        );
        assert.match(
            second.stdout,
            /prod-env-receipts: resuming, prod-env-receipts was restored by an earlier run \(restore-prod-env-receipts\)/,
        );
        // The recovery point is the one the first run found and checked: not looked up, not described again.
        assert.equal(h.sentOps("ListRecoveryPointsByBackupVault").length, 2);
        assert.equal(h.sentOps("DescribeRecoveryPoint").length, 2);
        assert.equal(h.sentOps("DescribeCopyJob").length, 2, "the completed copy is known, not polled again");
        // The first run's --as-of -1h (02:00) is kept: the re-run asked AWS for nothing newer.
        assert.deepEqual(fs.readdirSync(h.stateDir), []);
    });

    it("restore-account --json: the re-run's outcome carries the point, copy and restore job the first run started", async () => {
        recoverableEstate(h);
        const crash = { on: true };
        h.mocks()
            .backup.on(DescribeRestoreJobCommand)
            .callsFake((i: { RestoreJobId: string }) =>
                crash.on ? Promise.reject(networkDrop()) : { RestoreJobId: i.RestoreJobId, Status: "COMPLETED" },
            );
        const argv = ["restore-account", ...COMMON, "--only", "prod-env-receipts"];
        assert.equal((await h.run(argv)).code, 1);
        crash.on = false;
        const second = await h.run([...argv, "--json"]);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        const [o] = second.json().outcomes;
        assert.deepEqual(
            {
                recoveryPointArn: o.recoveryPointArn,
                recoveryPointCreated: o.recoveryPointCreated,
                copyJobId: o.copyJobId,
                copiedRecoveryPointArn: o.copiedRecoveryPointArn,
                restoreJobId: o.restoreJobId,
                created: o.created,
                ok: o.ok,
            },
            {
                recoveryPointArn: "arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-receipts-new",
                recoveryPointCreated: new Date(NOW - 6 * HOUR).toISOString(),
                copyJobId: "copy-prod-env-receipts-new",
                copiedRecoveryPointArn:
                    "arn:aws:backup:eu-west-2:111111111111:recovery-point:copy-prod-env-receipts-new",
                restoreJobId: "restore-prod-env-receipts",
                created: true,
                ok: true,
            },
        );
    });

    // AWS Backup StartRestoreJob: the IdempotencyToken distinguishes otherwise identical calls, so the
    // retry of a FAILED restore carries the retry's time, as a retried copy does.
    it("restore-account: a restore job that FAILED is started again by the re-run (with --only as the advice says), not waited on forever", async () => {
        const created = recoverableEstate(h);
        // The first restore job fails and leaves no table; the second creates it.
        let jobs = 0;
        h.mocks()
            .backup.on(StartRestoreJobCommand)
            .callsFake((i: { Metadata: Record<string, string> }) => {
                if (++jobs > 1) created.add(i.Metadata.targetTableName);
                return { RestoreJobId: `restore-${jobs}` };
            });
        h.mocks()
            .backup.on(DescribeRestoreJobCommand)
            .callsFake((i: { RestoreJobId: string }) =>
                i.RestoreJobId === "restore-1"
                    ? { RestoreJobId: i.RestoreJobId, Status: "FAILED", StatusMessage: "Throughput exceeded" }
                    : { RestoreJobId: i.RestoreJobId, Status: "COMPLETED" },
            );
        const argv = ["restore-account", ...COMMON, "--only", "prod-env-receipts"];
        const first = await h.run(argv);
        assert.equal(first.code, 1);
        assert.match(first.stdout, /restore prod-env-receipts ended FAILED: Throughput exceeded/);
        await h.clock.sleep(HOUR);
        const second = await h.run(argv);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.deepEqual(
            h.sentOps("StartRestoreJob").map((i) => i.IdempotencyToken),
            ["prod-env-receipts-restore-20261126T030000Z", "prod-env-receipts-restore-20261126T040000Z"],
        );
        assert.equal(h.sentOps("StartCopyJob").length, 1, "the completed copy is reused");
    });

    it("restore-account: a copy still running when the first run died is waited for, not started again", async () => {
        recoverableEstate(h);
        let polls = 0;
        h.mocks("backup", "eu-west-2")
            .backup.on(DescribeCopyJobCommand)
            .callsFake((i: { CopyJobId: string }) => {
                polls++;
                if (polls === 1) return Promise.reject(networkDrop());
                return {
                    CopyJob: {
                        CopyJobId: i.CopyJobId,
                        State: polls < 3 ? "RUNNING" : "COMPLETED",
                        DestinationRecoveryPointArn: `arn:aws:backup:eu-west-2:111111111111:recovery-point:${i.CopyJobId}`,
                    },
                };
            });
        const argv = ["restore-account", ...COMMON, "--only", "prod-env-passes"];
        assert.equal((await h.run(argv)).code, 1);
        const second = await h.run(argv);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.equal(h.sentOps("StartCopyJob").length, 1);
        assert.match(second.stdout, /resuming, waiting for copy job copy-prod-env-passes-new/);
    });

    it("drill: the re-run keeps the first run's scratch prefix, adopts its tables, and cleans them up", async () => {
        h.accountIds.target = "222222222222";
        const created = recoverableEstate(h, "222222222222");
        const crash = { on: true };
        h.mocks("target", "eu-west-2")
            .backup.on(DescribeRestoreJobCommand)
            .callsFake((i: { RestoreJobId: string }) =>
                crash.on ? Promise.reject(networkDrop()) : { RestoreJobId: i.RestoreJobId, Status: "COMPLETED" },
            );
        const report = path.join(h.tmp, "drill.md");
        const argv = ["drill", ...COMMON, "--account-id", "222222222222", "--only", "prod-env-receipts"];
        assert.equal((await h.run([...argv, "--report", report])).code, 1);
        await h.clock.sleep(HOUR);
        crash.on = false;
        const second = await h.run([...argv, "--report", report]);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.deepEqual([...created], ["drill-20261126t030000z-prod-env-receipts"]);
        assert.equal(h.sentOps("StartRestoreJob").length, 1);
        assert.deepEqual(
            h.sentOps("DeleteTable").map((i) => i.TableName),
            ["drill-20261126t030000z-prod-env-receipts"],
        );
    });
});
