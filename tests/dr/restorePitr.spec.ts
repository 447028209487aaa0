import {
    DescribeContinuousBackupsCommand,
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    BackupStatus,
    ListBackupsCommand,
    ListTagsOfResourceCommand,
    RestoreTableFromBackupCommand,
    RestoreTableToPointInTimeCommand,
    TagResourceCommand,
    UpdateContinuousBackupsCommand,
    UpdateTableCommand,
    UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { strict as assert } from "assert";
import { DrHarness, NOW, awsError } from "../helpers/drHarness";

const SOURCE = "prod-env-receipts";
const TARGET = "prod-env-receipts-restored";
const HOUR = 3_600_000;
const ARN = (t: string) => `arn:aws:dynamodb:eu-west-2:111111111111:table/${t}`;

/** A live source table with PITR, TTL, tags and deletion protection; the target polls CREATING twice then ACTIVE. */
function sourceTable(h: DrHarness): void {
    const d = h.mocks().dynamodb;
    d.on(DescribeTableCommand, { TableName: SOURCE }).resolves({
        Table: {
            TableName: SOURCE,
            TableArn: ARN(SOURCE),
            ItemCount: 1200,
            TableStatus: "ACTIVE",
            DeletionProtectionEnabled: true,
        },
    });
    d.on(DescribeTableCommand, { TableName: TARGET })
        .rejectsOnce(awsError("ResourceNotFoundException")) // the existence check
        .rejectsOnce(awsError("ResourceNotFoundException")) // not visible yet right after the call
        .resolvesOnce({ Table: { TableName: TARGET, TableStatus: "CREATING" } })
        .resolves({ Table: { TableName: TARGET, TableArn: ARN(TARGET), TableStatus: "ACTIVE", ItemCount: 1187 } });
    // A restored table: continuous backups on (PITR off until the tool turns it on).
    d.on(DescribeContinuousBackupsCommand).resolves({
        ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED" },
    });
    d.on(DescribeContinuousBackupsCommand, { TableName: SOURCE }).resolves({
        ContinuousBackupsDescription: {
            ContinuousBackupsStatus: "ENABLED",
            PointInTimeRecoveryDescription: {
                PointInTimeRecoveryStatus: "ENABLED",
                RecoveryPeriodInDays: 35,
                EarliestRestorableDateTime: new Date(NOW - 35 * 24 * HOUR),
                LatestRestorableDateTime: new Date(NOW - 5 * 60_000),
            },
        },
    });
    // A restored table has no TTL until the tool puts it back.
    d.on(DescribeTimeToLiveCommand).resolves({ TimeToLiveDescription: { TimeToLiveStatus: "DISABLED" } });
    d.on(DescribeTimeToLiveCommand, { TableName: SOURCE }).resolves({
        TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: "ttl" },
    });
    d.on(ListTagsOfResourceCommand, { ResourceArn: ARN(SOURCE), NextToken: undefined }).resolves({
        Tags: [
            { Key: "app", Value: "vat" },
            { Key: "aws:cloudformation:stack-name", Value: "x" },
        ],
        NextToken: "t2",
    });
    d.on(ListTagsOfResourceCommand, { ResourceArn: ARN(SOURCE), NextToken: "t2" }).resolves({
        Tags: [{ Key: "backup-plan", Value: "vat-backup" }],
    });
    d.on(RestoreTableToPointInTimeCommand).resolves({});
    d.on(UpdateContinuousBackupsCommand).resolves({});
    d.on(UpdateTimeToLiveCommand).resolves({});
    d.on(TagResourceCommand).resolves({});
    d.on(UpdateTableCommand).resolves({});
}

describe("dr restore-pitr", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        sourceTable(h);
    });
    afterEach(() => h.restore());

    it("restores to a relative time, waits until ACTIVE, puts back PITR, TTL, tags and deletion protection, prints counts", async () => {
        const r = await h.run([
            "restore-pitr",
            SOURCE,
            "--to",
            "-15m",
            "--target",
            TARGET,
            "--stack",
            "prod",
            "--poll-seconds",
            "20",
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const restore = h.sentOps("RestoreTableToPointInTime")[0];
        assert.equal(restore.SourceTableName, SOURCE);
        assert.equal(restore.TargetTableName, TARGET);
        assert.equal((restore.RestoreDateTime as Date).toISOString(), new Date(NOW - 15 * 60_000).toISOString());
        assert.deepEqual(h.clock.sleeps, [20_000, 20_000], "polled until ACTIVE with the injected clock");
        assert.deepEqual(h.sentOps("UpdateContinuousBackups")[0], {
            TableName: TARGET,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        });
        assert.deepEqual(h.sentOps("UpdateTimeToLive")[0], {
            TableName: TARGET,
            TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" },
        });
        assert.deepEqual(
            h.sentOps("TagResource")[0],
            {
                ResourceArn: ARN(TARGET),
                Tags: [
                    { Key: "app", Value: "vat" },
                    { Key: "backup-plan", Value: "vat-backup" },
                ],
            },
            "aws: tags cannot be set; tags read across pages",
        );
        assert.deepEqual(h.sentOps("UpdateTable")[0], { TableName: TARGET, DeletionProtectionEnabled: true });
        assert.match(r.stdout, /item count before: 1200, after: 1187/);
        assert.match(r.stderr, /restore prod-env-receipts-restored: CREATING/);
    });

    it("accepts an absolute ISO time and names the target after it by default", async () => {
        const d = h.mocks().dynamodb;
        const target = "prod-env-receipts-restored-20261126T020000Z";
        d.on(DescribeTableCommand, { TableName: target })
            .rejectsOnce(awsError("ResourceNotFoundException"))
            .resolves({ Table: { TableName: target, TableStatus: "ACTIVE", ItemCount: 5 } });
        const r = await h.run(["restore-pitr", SOURCE, "--to", "2026-11-26T02:00:00Z", "--stack", "prod"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(h.sentOps("RestoreTableToPointInTime")[0].TargetTableName, target);
    });

    it("refuses a time outside the restorable window (exit 2) and changes nothing", async () => {
        const noRegion = await h.run(["restore-pitr", SOURCE, "--to", "-36d", "--target", TARGET]);
        assert.equal(noRegion.code, 3, "no --region, no --stack, no AWS_REGION: nothing to work in");
        assert.match(noRegion.stderr, /next: Pass --region/);
        const tooOld = await h.run([
            "restore-pitr",
            SOURCE,
            "--to",
            "-36d",
            "--target",
            TARGET,
            "--region",
            "eu-west-2",
        ]);
        assert.equal(tooOld.code, 2);
        assert.match(
            tooOld.stderr,
            /is outside the restorable window of prod-env-receipts: .* to 2026-11-26T02:55:00.000Z/,
        );
        assert.match(tooOld.stderr, /^next: Pick a time inside that window; for an older state use a recovery point/m);
        const tooRecent = await h.run([
            "restore-pitr",
            SOURCE,
            "--to",
            "-1m",
            "--target",
            TARGET,
            "--region",
            "eu-west-2",
        ]);
        assert.equal(tooRecent.code, 2);
        assert.deepEqual(h.mutatingSent(), []);
    });

    it("refuses a target table that exists (exit 2)", async () => {
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: TARGET })
            .resolves({ Table: { TableName: TARGET, TableStatus: "ACTIVE" } });
        const r = await h.run(["restore-pitr", SOURCE, "--to", "-15m", "--target", TARGET, "--stack", "prod"]);
        assert.equal(r.code, 2);
        assert.match(
            r.stderr,
            /target table prod-env-receipts-restored already exists; a restore never overwrites a table/,
        );
        assert.deepEqual(h.mutatingSent(), []);
    });

    it("refuses an unreadable time with an example of what it accepts", async () => {
        const r = await h.run(["restore-pitr", SOURCE, "--to", "yesterday 2am", "--stack", "prod"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /next: Write it as 2026-11-26T02:00:00Z/);
        const local = await h.run(["restore-pitr", SOURCE, "--to", "2026-11-26T02:00:00", "--stack", "prod"]);
        assert.equal(local.code, 2, "a time without a zone is ambiguous");
    });

    it("reports a setting that AWS refuses and still applies the others (partial failure, exit 1)", async () => {
        h.mocks()
            .dynamodb.on(UpdateTimeToLiveCommand)
            .rejects(awsError("ValidationException", "TimeToLive is already being modified"));
        const r = await h.run(["restore-pitr", SOURCE, "--to", "-15m", "--target", TARGET, "--stack", "prod"]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  enable TTL:prod-env-receipts-restored  ValidationException: TimeToLive is already being modified/,
        );
        assert.equal(h.sentOps("TagResource").length, 1);
        assert.equal(h.sentOps("UpdateTable").length, 1);
    });

    it("waits for continuous backups to be ENABLED on the restored table, and retries PITR and TTL refusals with backoff", async () => {
        const d = h.mocks().dynamodb;
        d.on(DescribeContinuousBackupsCommand, { TableName: TARGET })
            .resolvesOnce({ ContinuousBackupsDescription: { ContinuousBackupsStatus: "DISABLED" } })
            .resolves({ ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED" } });
        d.on(UpdateContinuousBackupsCommand)
            .rejectsOnce(
                awsError("ContinuousBackupsUnavailableException", "Backups have not yet been enabled for this table"),
            )
            .resolves({});
        d.on(UpdateTimeToLiveCommand)
            .rejectsOnce(awsError("LimitExceededException"))
            .rejectsOnce(awsError("LimitExceededException"))
            .resolves({});
        const r = await h.run([
            "restore-pitr",
            SOURCE,
            "--to",
            "-15m",
            "--target",
            TARGET,
            "--stack",
            "prod",
            "--poll-seconds",
            "20",
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(h.sentOps("UpdateContinuousBackups").length, 2);
        assert.equal(h.sentOps("UpdateTimeToLive").length, 3);
        assert.deepEqual(
            h.clock.sleeps,
            [20_000, 20_000, 20_000, 10_000, 10_000, 20_000],
            "two polls until ACTIVE, one until ENABLED, then backoff through the injected clock",
        );
    });

    it("gives up on a setting still refused after the bounded attempts, and applies the others", async () => {
        h.mocks()
            .dynamodb.on(UpdateContinuousBackupsCommand)
            .rejects(awsError("ContinuousBackupsUnavailableException"));
        const r = await h.run(["restore-pitr", SOURCE, "--to", "-15m", "--target", TARGET, "--stack", "prod"]);
        assert.equal(r.code, 1);
        assert.equal(h.sentOps("UpdateContinuousBackups").length, 6);
        assert.match(r.stdout, /FAIL  enable PITR:prod-env-receipts-restored  ContinuousBackupsUnavailableException/);
        assert.equal(h.sentOps("UpdateTimeToLive").length, 1);
    });

    it("retries a throttled restore call and carries on", async () => {
        h.mocks()
            .dynamodb.on(RestoreTableToPointInTimeCommand)
            .rejectsOnce(awsError("LimitExceededException", "too many restores"))
            .resolves({});
        const failed = await h.run(["restore-pitr", SOURCE, "--to", "-15m", "--target", TARGET, "--stack", "prod"]);
        assert.equal(failed.code, 1, "LimitExceeded is not throttling: it is reported, not retried");
        h.restore();
        h = new DrHarness();
        sourceTable(h);
        h.mocks()
            .dynamodb.on(RestoreTableToPointInTimeCommand)
            .rejectsOnce(awsError("ThrottlingException"))
            .resolves({});
        const r = await h.run(["restore-pitr", SOURCE, "--to", "-15m", "--target", TARGET, "--stack", "prod"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(h.sentOps("RestoreTableToPointInTime").length, 2);
    });

    it("under --dry-run sends no mutating call but shows the restore and every follow-up", async () => {
        const r = await h.run([
            "restore-pitr",
            SOURCE,
            "--to",
            "-15m",
            "--target",
            TARGET,
            "--stack",
            "prod",
            "--dry-run",
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(h.mutatingSent(), []);
        for (const op of [
            "RestoreTableToPointInTime",
            "UpdateContinuousBackups",
            "UpdateTimeToLive",
            "TagResource",
            "UpdateTable",
        ]) {
            assert.match(r.stdout, new RegExp(`DynamoDB.${op} \\(target\\)`));
        }
    });

    it("keeps --json stdout parseable while the wait reports progress on stderr", async () => {
        const r = await h.run([
            "restore-pitr",
            SOURCE,
            "--to",
            "-15m",
            "--target",
            TARGET,
            "--stack",
            "prod",
            "--json",
        ]);
        const doc = r.json();
        assert.equal(doc.ok, true);
        assert.deepEqual(doc.itemCount, { before: 1200, after: 1187 });
        assert.ok(doc.changes.some((c: { operation: string }) => c.operation === "RestoreTableToPointInTime"));
        assert.match(r.stderr, /CREATING/);
    });

    it("exits 3 when the credentials are missing", async () => {
        h.mocks()
            .sts.on(GetCallerIdentityCommand)
            .rejects(awsError("ExpiredTokenException", "The security token included in the request is expired"));
        const r = await h.run(["restore-pitr", SOURCE, "--to", "-15m", "--stack", "prod"]);
        assert.equal(r.code, 3);
    });

    it("restores a deleted table from its system backup under the original name", async () => {
        const d = h.mocks().dynamodb;
        d.on(DescribeTableCommand, { TableName: SOURCE })
            .rejectsOnce(awsError("ResourceNotFoundException"))
            .resolves({ Table: { TableName: SOURCE, TableArn: ARN(SOURCE), TableStatus: "ACTIVE", ItemCount: 1200 } });
        d.on(ListBackupsCommand).resolves({
            BackupSummaries: [
                { BackupArn: "arn:old", BackupStatus: "AVAILABLE", BackupCreationDateTime: new Date(NOW - 20 * HOUR) },
                { BackupArn: "arn:new", BackupStatus: "AVAILABLE", BackupCreationDateTime: new Date(NOW - 2 * HOUR) },
            ],
        });
        d.on(RestoreTableFromBackupCommand).resolves({});
        const r = await h.run(["restore-pitr", SOURCE, "--deleted", "--stack", "prod"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(h.sentOps("ListBackups")[0], {
            TableName: SOURCE,
            BackupType: "SYSTEM",
            ExclusiveStartBackupArn: undefined,
        });
        assert.deepEqual(h.sentOps("RestoreTableFromBackup")[0], { TargetTableName: SOURCE, BackupArn: "arn:new" });
        assert.equal(h.sentOps("UpdateTable")[0].DeletionProtectionEnabled, true);
    });

    it("points at --deleted when the source table is gone", async () => {
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: SOURCE })
            .rejects(awsError("ResourceNotFoundException"));
        const r = await h.run(["restore-pitr", SOURCE, "--to", "-15m", "--stack", "prod"]);
        assert.equal(r.code, 2);
        assert.match(
            r.stderr,
            /next: If it was deleted, restore its last state with: npm run dr -- restore-pitr prod-env-receipts --deleted/,
        );
    });
});

describe("dr restore-pitr: what the person on call is told, and what AWS is asked", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        sourceTable(h);
    });
    afterEach(() => h.restore());
    const argv = (...extra: string[]) => ["restore-pitr", SOURCE, "--target", TARGET, "--stack", "prod", ...extra];

    it("needs --to (exit 2, with an example) unless the table was deleted, before any AWS call", async () => {
        const r = await h.run(["restore-pitr", SOURCE, "--stack", "prod"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: --to is required$/m);
        assert.match(r.stderr, /^next: Pass --to with the time to restore to, e\.g\. --to -15m/m);
        assert.deepEqual(h.sent(), []);
    });

    it("refuses a source table without PITR (exit 2) and points at AWS Backup, restoring nothing", async () => {
        // DescribeContinuousBackups: PITR off, so no restorable window is reported.
        h.mocks()
            .dynamodb.on(DescribeContinuousBackupsCommand, { TableName: SOURCE })
            .resolves({
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "DISABLED" },
                },
            });
        const r = await h.run(argv("--to", "-15m"));
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: point-in-time recovery is not enabled on prod-env-receipts$/m);
        assert.match(r.stderr, /^next: Restore from AWS Backup instead: npm run dr -- restore-account --only <table>/m);
        assert.deepEqual(h.mutatingSent(), []);
    });

    it("accepts both ends of the restorable window (DynamoDB: EarliestRestorableDateTime to LatestRestorableDateTime)", async () => {
        const latest = await h.run(argv("--to", "2026-11-26T02:55:00Z", "--json"));
        assert.equal(latest.code, 0, latest.stderr);
        assert.deepEqual(latest.json().window, {
            earliest: new Date(NOW - 35 * 24 * HOUR).toISOString(),
            latest: "2026-11-26T02:55:00.000Z",
        });
        h.restore();
        h = new DrHarness();
        sourceTable(h);
        const earliest = await h.run(argv("--to", new Date(NOW - 35 * 24 * HOUR).toISOString()));
        assert.equal(earliest.code, 0, earliest.stderr);
        assert.equal(
            (h.sentOps("RestoreTableToPointInTime")[0].RestoreDateTime as Date).getTime(),
            NOW - 35 * 24 * HOUR,
        );
    });

    it("says what it restores and where, then what to do next", async () => {
        const r = await h.run(argv("--to", "-15m"));
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.split("\n");
        assert.ok(
            lines.includes(
                "restoring prod-env-receipts as of 2026-11-26T02:45:00.000Z into prod-env-receipts-restored",
            ),
            r.stdout,
        );
        assert.match(r.stdout, /^done {2}prod-env-receipts-restored: restore /m);
        assert.match(
            r.stdout,
            /^next: point the application at prod-env-receipts-restored, or copy the rows you need back/m,
        );
        assert.match(r.stdout, /^item count before: 1200, after: 1187 \(DescribeTable ItemCount is refreshed/m);
    });

    it("under --dry-run waits for nothing, plans the tags on the new table's ARN, and gives no next step", async () => {
        const r = await h.run(argv("--to", "-15m", "--dry-run", "--json"));
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(h.clock.sleeps, [], "nothing was created, so nothing is waited for");
        const tag = r.json().calls.find((c: { operation: string }) => c.operation === "TagResource");
        assert.equal(tag.input.ResourceArn, ARN(TARGET));
        const text = await h.run(argv("--to", "-15m", "--dry-run"));
        assert.match(text.stdout, /^item count before: 1200, after: n\/a \(dry run\)/m);
        assert.doesNotMatch(text.stdout, /next: point the application/);
    });

    it("tells how to proceed when the target exists, and where the source was looked for when it does not", async () => {
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: TARGET })
            .resolves({ Table: { TableName: TARGET, TableStatus: "ACTIVE" } });
        const exists = await h.run(argv("--to", "-15m"));
        assert.match(exists.stderr, /^next: Pass another --target, or delete the old table first/m);
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: SOURCE })
            .rejects(awsError("ResourceNotFoundException"));
        const gone = await h.run(argv("--to", "-15m"));
        assert.match(gone.stderr, /^error: table prod-env-receipts does not exist in eu-west-2$/m);
    });

    it("refuses a target name over 255 characters and asks for a shorter --target", async () => {
        const long = "t".repeat(250);
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: long })
            .resolves({ Table: { TableName: long, TableArn: ARN(long), TableStatus: "ACTIVE" } });
        const r = await h.run(["restore-pitr", long, "--to", "-15m", "--stack", "prod"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^next: Pass a shorter --target\.$/m);
        assert.deepEqual(h.sent(), []);
    });
});

describe("dr restore-pitr --deleted", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        const d = h.mocks().dynamodb;
        // Gone; after the restore call not visible at once, then CREATING, then ACTIVE.
        d.on(DescribeTableCommand, { TableName: SOURCE })
            .rejectsOnce(awsError("ResourceNotFoundException"))
            .rejectsOnce(awsError("ResourceNotFoundException"))
            .resolvesOnce({ Table: { TableName: SOURCE, TableStatus: "CREATING" } })
            .resolves({ Table: { TableName: SOURCE, TableArn: ARN(SOURCE), TableStatus: "ACTIVE", ItemCount: 900 } });
        d.on(ListBackupsCommand).resolves({
            BackupSummaries: [
                {
                    BackupArn: "arn:aws:dynamodb:eu-west-2:111111111111:table/x/backup/old",
                    BackupStatus: "AVAILABLE",
                    BackupCreationDateTime: new Date(NOW - 20 * HOUR),
                },
            ],
        });
        d.on(RestoreTableFromBackupCommand).resolves({});
        d.on(DescribeContinuousBackupsCommand).resolves({
            ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED" },
        });
        d.on(UpdateContinuousBackupsCommand).resolves({});
        d.on(UpdateTableCommand).resolves({});
    });
    afterEach(() => h.restore());

    it("restores the newest AVAILABLE system backup across pages, waits until ACTIVE, puts PITR and deletion protection on, and warns about TTL and tags", async () => {
        const d = h.mocks().dynamodb;
        const backup = (id: string, status: BackupStatus, hoursAgo: number) => ({
            BackupArn: `arn:aws:dynamodb:eu-west-2:111111111111:table/${SOURCE}/backup/${id}`,
            BackupStatus: status,
            BackupCreationDateTime: new Date(NOW - hoursAgo * HOUR),
        });
        d.on(ListBackupsCommand, { ExclusiveStartBackupArn: undefined }).resolves({
            BackupSummaries: [backup("a", "AVAILABLE", 30), backup("creating", "CREATING", 1)],
            LastEvaluatedBackupArn: backup("creating", "CREATING", 1).BackupArn,
        });
        d.on(ListBackupsCommand, { ExclusiveStartBackupArn: backup("creating", "CREATING", 1).BackupArn }).resolves({
            BackupSummaries: [backup("b", "AVAILABLE", 3), backup("c", "AVAILABLE", 10)],
        });
        const r = await h.run(["restore-pitr", SOURCE, "--deleted", "--region", "eu-west-2", "--poll-seconds", "20"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(h.sentOps("RestoreTableFromBackup"), [
            { TargetTableName: SOURCE, BackupArn: backup("b", "AVAILABLE", 3).BackupArn },
        ]);
        assert.deepEqual(h.clock.sleeps, [20_000, 20_000], "waited until ACTIVE");
        assert.match(r.stderr, /restore prod-env-receipts: CREATING/);
        assert.match(r.stdout, /^done {2}prod-env-receipts: restore /m);
        assert.ok(
            r.stdout
                .split("\n")
                .includes(
                    `restoring deleted ${SOURCE} from its system backup of ${new Date(NOW - 3 * HOUR).toISOString()} into ${SOURCE}`,
                ),
            r.stdout,
        );
        assert.deepEqual(h.sentOps("UpdateContinuousBackups")[0], {
            TableName: SOURCE,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        });
        assert.deepEqual(h.sentOps("UpdateTable"), [{ TableName: SOURCE, DeletionProtectionEnabled: true }]);
        assert.deepEqual(h.sentOps("TagResource"), [], "no tags are known, so none are invented");
        assert.match(
            r.stdout,
            /^WARN {2}ttl:prod-env-receipts {2}a deleted table's TTL and tags cannot be read back: redeploy the application stack that owns the table to put them on$/m,
        );
        assert.doesNotMatch(r.stdout, /stream:/, "nothing is known of a stream either");
        assert.match(r.stdout, /item count before: n\/a, after: 900/);
    });

    it("without an AVAILABLE system backup, exits 2 and points at the backup account", async () => {
        h.mocks()
            .dynamodb.on(ListBackupsCommand)
            .resolves({
                BackupSummaries: [
                    { BackupArn: "arn:aws:dynamodb:eu-west-2:111111111111:table/x/backup/d", BackupStatus: "DELETED" },
                ],
            });
        const r = await h.run(["restore-pitr", SOURCE, "--deleted", "--stack", "prod"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: no system backup of a deleted table prod-env-receipts in eu-west-2$/m);
        assert.match(
            r.stderr,
            /^next: DynamoDB keeps one for 35 days only when PITR was on; restore from the backup account instead: npm run dr -- restore-account --only prod-env-receipts$/m,
        );
        assert.deepEqual(h.mutatingSent(), []);
    });

    it("under --dry-run neither restores nor waits", async () => {
        const r = await h.run(["restore-pitr", SOURCE, "--deleted", "--stack", "prod", "--dry-run"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(h.mutatingSent(), []);
        assert.deepEqual(h.clock.sleeps, []);
    });
});
