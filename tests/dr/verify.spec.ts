import {
    DescribeBackupVaultCommand,
    ListBackupJobsCommand,
    ListRecoveryPointsByBackupVaultCommand,
} from "@aws-sdk/client-backup";
import {
    DescribeContinuousBackupsCommand,
    DescribeTableCommand,
    GetItemCommand,
    ListTablesCommand,
} from "@aws-sdk/client-dynamodb";
import { GetBucketReplicationCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROD_TABLES } from "../helpers/drEstate";
import { COMMON, DrHarness, NOW, awsError } from "../helpers/drHarness";
import { scheduledProtectionHealthy } from "../helpers/scheduledEstate";

const HOUR = 3_600_000;

/** An account where everything the strategy asks for is in place. */
function healthy(h: DrHarness): void {
    const t = h.mocks("target");
    t.dynamodb.on(ListTablesCommand).resolves({ TableNames: [...PROD_TABLES, "legacy-table"] });
    t.dynamodb.on(DescribeContinuousBackupsCommand).resolves({
        ContinuousBackupsDescription: {
            ContinuousBackupsStatus: "ENABLED",
            PointInTimeRecoveryDescription: {
                PointInTimeRecoveryStatus: "ENABLED",
                RecoveryPeriodInDays: 35,
                EarliestRestorableDateTime: new Date(NOW - 35 * 24 * HOUR),
            },
        },
    });
    t.dynamodb.on(DescribeTableCommand).callsFake((input: { TableName: string }) => ({
        Table: {
            TableName: input.TableName,
            TableArn: `arn:aws:dynamodb:eu-west-2:111111111111:table/${input.TableName}`,
            ItemCount: 42,
            TableStatus: "ACTIVE",
        },
    }));
    t.backup.on(ListBackupJobsCommand).resolves({
        BackupJobs: [{ BackupJobId: "job-1", State: "COMPLETED", CompletionDate: new Date(NOW - 3 * HOUR) }],
    });
    t.s3.on(GetBucketReplicationCommand).resolves({
        ReplicationConfiguration: {
            Role: "arn:aws:iam::111111111111:role/prod-env-exports-replication",
            Rules: [
                {
                    Status: "Enabled",
                    Destination: {
                        Bucket: "arn:aws:s3:::vat-backup-archive-333333333333-eu-west-2",
                        ReplicationTime: { Status: "Enabled", Time: { Minutes: 15 } },
                    },
                },
            ],
        },
    });
    t.secrets.on(DescribeSecretCommand).resolves({ ReplicationStatus: [{ Region: "eu-west-1", Status: "InSync" }] });
    scheduledProtectionHealthy(h);
    for (const region of ["eu-west-2", "eu-west-1"]) {
        const b = h.mocks("backup", region);
        b.backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({
            RecoveryPoints: [
                { RecoveryPointArn: "arn:rp", Status: "COMPLETED", CreationDate: new Date(NOW - 2 * HOUR) },
            ],
        });
        b.backup.on(DescribeBackupVaultCommand).resolves({
            Locked: true,
            LockDate: new Date(NOW - 100 * 24 * HOUR),
            MinRetentionDays: 7,
            MaxRetentionDays: 2557,
            NumberOfRecoveryPoints: 12,
        });
    }
}

describe("dr verify", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        healthy(h);
    });
    afterEach(() => h.restore());

    it("holds the DR vault's copies to the same RPO as the central vault's (after a region loss it is all there is)", async () => {
        healthy(h);
        await h.run(["verify", ...COMMON]);
        const dr = h.sentOps("ListRecoveryPointsByBackupVault").find((i) => i.BackupVaultName === "dr-backup-vault");
        assert.ok(dr, "the DR vault was asked");
        assert.equal((dr.ByCreatedAfter as Date).getTime(), NOW - 25 * HOUR);
    });

    it("passes a healthy account with one line per check and a summary, exit 0", async () => {
        const r = await h.run(["verify", ...COMMON]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        for (const table of [...PROD_TABLES, "legacy-table"])
            assert.match(r.stdout, new RegExp(`PASS  pitr:${table}  enabled, 35-day window`));
        for (const table of PROD_TABLES) {
            assert.match(r.stdout, new RegExp(`PASS  backup:${table}  last completed backup 3.0 h ago`));
            assert.match(
                r.stdout,
                new RegExp(`PASS  copy:${table}  newest copy in central-backup-vault \\(eu-west-2\\)`),
            );
            assert.match(
                r.stdout,
                new RegExp(`PASS  copy-dr:${table}  newest copy in dr-backup-vault \\(eu-west-1\\)`),
            );
        }
        assert.match(r.stdout, /PASS  vault-lock:central-backup-vault  locked \(compliance\), retention 7..2557 days/);
        assert.match(
            r.stdout,
            /PASS  replication:exports  prod-env-backup-exports-111111111111-eu-west-2 replicates to the archive with replication time control/,
        );
        assert.match(r.stdout, /PASS  secret-replica:prod\/submit\/user-sub-hash-salt  replica in eu-west-1 in sync/);
        assert.match(r.stdout, /0 failed, 0 warnings, 0 skipped/);
    });

    it("checks PITR on every table in the account, across ListTables pages, not only the configured ones", async () => {
        h.mocks().dynamodb.on(ListTablesCommand).resolves({}); // reset the default
        h.mocks()
            .dynamodb.on(ListTablesCommand, { ExclusiveStartTableName: undefined })
            .resolves({ TableNames: PROD_TABLES.slice(0, 4), LastEvaluatedTableName: PROD_TABLES[3] });
        h.mocks()
            .dynamodb.on(ListTablesCommand, { ExclusiveStartTableName: PROD_TABLES[3] })
            .resolves({ TableNames: PROD_TABLES.slice(4), LastEvaluatedTableName: PROD_TABLES[6] });
        h.mocks()
            .dynamodb.on(ListTablesCommand, { ExclusiveStartTableName: PROD_TABLES[6] })
            .resolves({ TableNames: ["legacy-table"] });
        h.mocks()
            .dynamodb.on(DescribeContinuousBackupsCommand, { TableName: "legacy-table" })
            .resolves({
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "DISABLED" },
                },
            });
        const r = await h.run(["verify", ...COMMON]);
        assert.equal(h.sentOps("ListTables").length, 3);
        assert.equal(h.sentOps("DescribeContinuousBackups").length, 8);
        assert.match(r.stdout, /FAIL  pitr:legacy-table  point-in-time recovery is DISABLED/);
        assert.equal(r.code, 1);
    });

    it("fails a governance-mode lock (Locked, but no LockDate): it can be removed", async () => {
        h.mocks("backup", "eu-west-1")
            .backup.on(DescribeBackupVaultCommand)
            .resolves({ Locked: true, MinRetentionDays: 7, MaxRetentionDays: 2557 });
        const r = await h.run(["verify", ...COMMON]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  vault-lock:dr-backup-vault  dr-backup-vault \(eu-west-1\) is locked in governance mode: removable/,
        );
        assert.match(r.stdout, /PASS  vault-lock:central-backup-vault  locked \(compliance\)/);
    });

    it("reports a failed check and still runs every other check (partial failure)", async () => {
        h.mocks()
            .backup.on(ListBackupJobsCommand, {
                ByResourceArn: "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-passes",
            })
            .rejects(awsError("AccessDeniedException", "not allowed"));
        h.mocks("backup", "eu-west-2").backup.on(DescribeBackupVaultCommand).resolves({ Locked: false });
        const r = await h.run(["verify", ...COMMON]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /FAIL  backup:prod-env-passes  AccessDeniedException: not allowed/);
        assert.match(r.stdout, /PASS  backup:prod-env-subscriptions/);
        assert.match(
            r.stdout,
            /FAIL  vault-lock:central-backup-vault  central-backup-vault \(eu-west-2\) has no vault lock/,
        );
        assert.match(r.stdout, /PASS  vault-lock:dr-backup-vault/);
        assert.match(r.stdout, /PASS  secret-replica:prod\/submit\/hmrc\/client_secret/);
        assert.match(r.stdout, /2 failed/);
    });

    it("fails a table whose newest backup is older than the RPO, reading every page of backup jobs", async () => {
        const arn = "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts";
        h.mocks()
            .backup.on(ListBackupJobsCommand, { ByResourceArn: arn, NextToken: undefined })
            .resolves({ BackupJobs: [], NextToken: "p2" });
        h.mocks()
            .backup.on(ListBackupJobsCommand, { ByResourceArn: arn, NextToken: "p2" })
            .resolves({ BackupJobs: [] });
        const r = await h.run(["verify", ...COMMON]);
        assert.equal(h.sentOps("ListBackupJobs").filter((i) => i.ByResourceArn === arn).length, 2);
        const since = h.sentOps("ListBackupJobs")[0].ByCreatedAfter as Date;
        assert.equal(since.toISOString(), new Date(NOW - 25 * HOUR).toISOString(), "24 h RPO plus the 60-minute grace");
        assert.match(r.stdout, /FAIL  backup:prod-env-receipts  no completed AWS Backup job since/);
        assert.equal(r.code, 1);
    });

    it("fails a missing or failed secret replica with AWS's message", async () => {
        h.mocks()
            .secrets.on(DescribeSecretCommand, { SecretId: "prod/submit/user-sub-hash-salt" })
            .resolves({
                ReplicationStatus: [{ Region: "eu-west-1", Status: "Failed", StatusMessage: "KMS key not found" }],
            });
        h.mocks()
            .secrets.on(DescribeSecretCommand, { SecretId: "prod/submit/hmrc/client_secret" })
            .resolves({ ReplicationStatus: [] });
        const r = await h.run(["verify", ...COMMON]);
        assert.match(
            r.stdout,
            /FAIL  secret-replica:prod\/submit\/user-sub-hash-salt  replica in eu-west-1 is Failed: KMS key not found/,
        );
        assert.match(r.stdout, /FAIL  secret-replica:prod\/submit\/hmrc\/client_secret  no replica in eu-west-1/);
    });

    it("fails replication that is missing or not aimed at the archive", async () => {
        h.mocks().s3.on(GetBucketReplicationCommand).rejects(awsError("ReplicationConfigurationNotFoundError"));
        const r = await h.run(["verify", ...COMMON]);
        assert.match(
            r.stdout,
            /FAIL  replication:exports  prod-env-backup-exports-111111111111-eu-west-2 has no replication configuration/,
        );
    });

    it("reads counts and sentinel items and never scans a table", async () => {
        const file = path.join(h.tmp, "sentinels.json");
        fs.writeFileSync(
            file,
            JSON.stringify({ receipts: { hashedSub: { S: "dr-sentinel" }, receiptId: { S: "dr-sentinel" } } }),
        );
        h.mocks().dynamodb.on(GetItemCommand).resolves({});
        const r = await h.run(["verify", ...COMMON, "--sentinels", file]);
        assert.match(r.stdout, /PASS  items:prod-env-receipts  42 items/);
        assert.match(r.stdout, /FAIL  sentinel:prod-env-receipts  sentinel item missing/);
        assert.deepEqual(
            h.sentOps("GetItem").map((i) => i.TableName),
            ["prod-env-receipts"],
        );
        assert.equal(h.sentOps("Scan").length + h.sentOps("Query").length, 0);
    });

    it("retries throttling with a patient backoff instead of failing", async () => {
        h.mocks()
            .dynamodb.on(DescribeContinuousBackupsCommand, { TableName: "prod-env-receipts" })
            .rejectsOnce(awsError("ThrottlingException", "Rate exceeded"))
            .rejectsOnce(awsError("ThrottlingException", "Rate exceeded"))
            .resolves({
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "ENABLED", RecoveryPeriodInDays: 35 },
                },
            });
        const r = await h.run(["verify", ...COMMON]);
        assert.equal(r.code, 0, r.stdout);
        assert.deepEqual(h.clock.sleeps, [5000, 10000]);
        assert.match(r.stderr, /throttled on DynamoDB.DescribeContinuousBackups; waiting 5s before retry 1\/5/);
    });

    it("gives up after --throttle-retries and reports that check as failed", async () => {
        h.mocks()
            .dynamodb.on(DescribeContinuousBackupsCommand, { TableName: "prod-env-receipts" })
            .rejects(awsError("ThrottlingException", "Rate exceeded"));
        const r = await h.run(["verify", ...COMMON, "--throttle-retries", "2"]);
        assert.equal(h.clock.sleeps.length, 2);
        assert.match(r.stdout, /FAIL  pitr:prod-env-receipts  ThrottlingException: Rate exceeded/);
        assert.equal(r.code, 1);
    });

    it("skips the backup-account checks, visibly, without backup-account credentials", async () => {
        const r = await h.run(["verify", "--stack", "prod"]);
        assert.match(r.stdout, /SKIP  copy:prod-env-receipts  no backup-account credentials/);
        assert.match(r.stdout, /SKIP  vault-lock:central-backup-vault/);
        assert.equal(r.code, 0);
    });

    it("exits 3 with what to do when credentials are missing", async () => {
        h.mocks()
            .sts.on(GetCallerIdentityCommand)
            .rejects(awsError("CredentialsProviderError", "Could not load credentials from any providers"));
        const r = await h.run(["verify", ...COMMON]);
        assert.equal(r.code, 3);
        assert.match(r.stderr, /error: AWS refused the credentials for STS.GetCallerIdentity/);
        assert.match(r.stderr, /next: Log in \(aws sso login --profile <name>\)/);
        assert.equal(h.sentOps("ListTables").length, 0);
    });

    it("refuses credentials of another account than the stack's (exit 2)", async () => {
        h.accountIds.target = "222222222222";
        const r = await h.run(["verify", ...COMMON]);
        assert.equal(r.code, 2);
        assert.match(
            r.stderr,
            /the target credentials are for account 222222222222, but this needs account 111111111111/,
        );
    });

    it("exits 3 for a stack that does not exist", async () => {
        const r = await h.run(["verify", "--stack", "nope"]);
        assert.equal(r.code, 3);
        assert.match(r.stderr, /No stack 'nope'/);
    });

    it("keeps --json stdout one parseable document while progress goes to stderr", async () => {
        h.mocks()
            .dynamodb.on(DescribeContinuousBackupsCommand, { TableName: "prod-env-bundles" })
            .rejectsOnce(awsError("ThrottlingException"))
            .resolves({
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "ENABLED" },
                },
            });
        const r = await h.run(["verify", ...COMMON, "--json"]);
        const doc = r.json();
        assert.equal(doc.command, "verify");
        assert.equal(doc.ok, true);
        assert.equal(doc.summary.fail, 0);
        assert.ok(
            doc.checks.some(
                (c: { name: string; status: string }) => c.name === "pitr:prod-env-bundles" && c.status === "pass",
            ),
        );
        assert.match(r.stderr, /throttled/);
    });

    it("makes no mutating call under --dry-run and lists the calls it made", async () => {
        const r = await h.run(["verify", ...COMMON, "--dry-run", "--json"]);
        assert.deepEqual(h.mutatingSent(), []);
        assert.ok(r.json().calls.length > 10);
    });
});

describe("dr verify: each check's verdict and words", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        healthy(h);
    });
    afterEach(() => h.restore());
    const lines = (stdout: string) => stdout.split("\n");
    const pitr = (d: { PointInTimeRecoveryStatus: "ENABLED"; RecoveryPeriodInDays?: number }) => ({
        ContinuousBackupsDescription: {
            ContinuousBackupsStatus: "ENABLED" as const,
            PointInTimeRecoveryDescription: d,
        },
    });

    it("refuses --rpo-hours 0 naming the flag (exit 2), and takes --grace-minutes 0 as no grace", async () => {
        const zero = await h.run(["verify", ...COMMON, "--rpo-hours", "0"]);
        assert.equal(zero.code, 2);
        assert.match(zero.stderr, /--rpo-hours <n>' argument '0' is invalid. '0' is not a positive number/);
        const noGrace = await h.run(["verify", ...COMMON, "--grace-minutes", "0", "--rpo-hours", "2"]);
        assert.notEqual(noGrace.code, 2, "--grace-minutes 0 is accepted");
        assert.equal((h.sentOps("ListBackupJobs")[0].ByCreatedAfter as Date).getTime(), NOW - 2 * HOUR);
        assert.equal(h.sentOps("ListBackupJobs")[0].ByState, "COMPLETED");
    });

    it("without --stack checks PITR and counts of every table in the region, and says what it skipped", async () => {
        const r = await h.run(["verify", "--region", "eu-west-2"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(lines(r.stdout).includes("8 tables in eu-west-2"));
        assert.ok(
            lines(r.stdout).includes(
                "PASS  items:legacy-table  42 items (DescribeTable ItemCount, refreshed about every 6 hours)",
            ),
        );
        assert.ok(
            lines(r.stdout).includes(
                "SKIP  stack  no --stack: backups, copies, vault locks, replication and secrets were not checked",
            ),
        );
        assert.doesNotMatch(r.stdout, /backup:|copy:|vault-lock:|replication:|secret-replica:/);
        assert.deepEqual(h.sentOps("ListBackupJobs"), []);
    });

    it("fails a stack table missing from the account, warns about an empty one, and names a sentinel read that failed", async () => {
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: "prod-env-passes" })
            .rejects(awsError("ResourceNotFoundException"));
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: "prod-env-bundles" })
            .resolves({ Table: { TableName: "prod-env-bundles" } });
        const file = path.join(h.tmp, "sentinels.json");
        fs.writeFileSync(
            file,
            JSON.stringify({ receipts: { hashedSub: { S: "dr-sentinel" }, receiptId: { S: "dr-sentinel" } } }),
        );
        h.mocks().dynamodb.on(GetItemCommand).rejects(awsError("AccessDeniedException", "no GetItem"));
        const r = await h.run(["verify", ...COMMON, "--sentinels", file]);
        assert.equal(r.code, 1);
        const out = lines(r.stdout);
        assert.ok(
            out.includes(
                "FAIL  table:prod-env-passes  configured in the stack but not found in the account: restore it (see docs/runbook.md, accidental deletion)",
            ),
        );
        assert.ok(
            out.includes(
                "WARN  items:prod-env-bundles  0 items (DescribeTable ItemCount, refreshed about every 6 hours)",
            ),
        );
        assert.ok(out.includes("FAIL  sentinel:prod-env-receipts  AccessDeniedException: no GetItem"));
        // A table without a TableArn in the answer is still found in AWS Backup by the ARN its name makes.
        assert.ok(
            h
                .sentOps("ListBackupJobs")
                .some((i) => i.ByResourceArn === "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-bundles"),
        );
    });

    it("reads a sentinel item by its key attributes only, and passes it when present", async () => {
        const file = path.join(h.tmp, "sentinels.json");
        fs.writeFileSync(
            file,
            JSON.stringify({ receipts: { hashedSub: { S: "dr-sentinel" }, receiptId: { S: "dr-sentinel" } } }),
        );
        h.mocks()
            .dynamodb.on(GetItemCommand)
            .resolves({ Item: { hashedSub: { S: "dr-sentinel" } } });
        const r = await h.run(["verify", ...COMMON, "--sentinels", file]);
        assert.ok(lines(r.stdout).includes("PASS  sentinel:prod-env-receipts  sentinel item present"));
        assert.deepEqual(h.sentOps("GetItem")[0], {
            TableName: "prod-env-receipts",
            Key: { hashedSub: { S: "dr-sentinel" }, receiptId: { S: "dr-sentinel" } },
            ProjectionExpression: "#k0, #k1",
            ExpressionAttributeNames: { "#k0": "hashedSub", "#k1": "receiptId" },
        });
    });

    it("PITR: no description is DISABLED; a shorter window than the stack's warns; the default window is 35 days", async () => {
        const d = h.mocks().dynamodb;
        d.on(DescribeContinuousBackupsCommand, { TableName: "prod-env-passes" }).resolves({});
        d.on(DescribeContinuousBackupsCommand, { TableName: "prod-env-bundles" }).resolves(
            pitr({ PointInTimeRecoveryStatus: "ENABLED", RecoveryPeriodInDays: 7 }),
        );
        d.on(DescribeContinuousBackupsCommand, { TableName: "legacy-table" }).resolves(
            pitr({ PointInTimeRecoveryStatus: "ENABLED", RecoveryPeriodInDays: 7 }),
        );
        d.on(DescribeContinuousBackupsCommand, { TableName: "prod-env-receipts" }).resolves(
            pitr({ PointInTimeRecoveryStatus: "ENABLED" }),
        );
        const r = await h.run(["verify", ...COMMON]);
        const out = lines(r.stdout);
        assert.ok(
            out.includes(
                "FAIL  pitr:prod-env-passes  point-in-time recovery is DISABLED: turn it on now (the deployment stack's detective control should have)",
            ),
        );
        assert.ok(out.includes("WARN  pitr:prod-env-bundles  enabled, but keeps 7 days where the stack asks for 35"));
        assert.ok(
            out.includes("PASS  pitr:legacy-table  enabled, 7-day window, restorable from ?"),
            "not the stack's table: any window",
        );
        assert.ok(out.includes("PASS  pitr:prod-env-receipts  enabled, 35-day window, restorable from ?"));
    });

    it("the newest of several backup jobs and completed copies counts, whatever order AWS lists them in", async () => {
        h.mocks()
            .backup.on(ListBackupJobsCommand)
            .resolves({
                BackupJobs: [
                    { State: "COMPLETED", CompletionDate: new Date(NOW - 20 * HOUR) },
                    { State: "COMPLETED", CompletionDate: new Date(NOW - 3 * HOUR) },
                    { State: "COMPLETED", CompletionDate: new Date(NOW - 10 * HOUR) },
                ],
            });
        h.mocks("backup", "eu-west-2")
            .backup.on(ListRecoveryPointsByBackupVaultCommand)
            .resolves({
                RecoveryPoints: [
                    { Status: "COMPLETED", CreationDate: new Date(NOW - 20 * HOUR) },
                    { Status: "PARTIAL", CreationDate: new Date(NOW - HOUR) },
                    { Status: "COMPLETED", CreationDate: new Date(NOW - 4 * HOUR) },
                    { Status: "COMPLETED", CreationDate: new Date(NOW - 9 * HOUR) },
                ],
            });
        h.mocks("backup", "eu-west-1")
            .backup.on(ListRecoveryPointsByBackupVaultCommand)
            .resolves({ RecoveryPoints: [{ Status: "EXPIRED", CreationDate: new Date(NOW - HOUR) }] });
        const r = await h.run(["verify", ...COMMON]);
        assert.equal(r.code, 1);
        const out = lines(r.stdout);
        assert.ok(
            out.includes("PASS  backup:prod-env-receipts  last completed backup 3.0 h ago (3 in the window)"),
            r.stdout,
        );
        assert.ok(
            out.includes("PASS  copy:prod-env-receipts  newest copy in central-backup-vault (eu-west-2) 4.0 h ago"),
            r.stdout,
        );
        assert.ok(
            out.includes(
                `FAIL  copy-dr:prod-env-receipts  no completed copy in dr-backup-vault (eu-west-1) since ${new Date(NOW - 25 * HOUR).toISOString()}: check copy jobs (aws backup list-copy-jobs --by-state FAILED) and that cross-account backup is on for the organization`,
            ),
        );
    });

    // AWS Backup developer guide, "AWS Backup Vault Lock": a compliance-mode lock can be changed or
    // deleted until its lock date (the cooling-off, or grace, time); after it, it is immutable.
    it("vault locks: cooling-off warns, another retention than the stack's warns, each vault asked by name", async () => {
        h.mocks("backup", "eu-west-2")
            .backup.on(DescribeBackupVaultCommand)
            .resolves({
                Locked: true,
                LockDate: new Date(NOW + 72 * HOUR),
                MinRetentionDays: 7,
                MaxRetentionDays: 2557,
            });
        h.mocks("backup", "eu-west-1")
            .backup.on(DescribeBackupVaultCommand)
            .resolves({ Locked: true, LockDate: new Date(NOW - HOUR), MaxRetentionDays: 2557 });
        const r = await h.run(["verify", ...COMMON]);
        const out = lines(r.stdout);
        assert.ok(
            out.includes(
                `WARN  vault-lock:central-backup-vault  locked, but still in the cooling-off period until ${new Date(NOW + 72 * HOUR).toISOString()} (the lock can still be removed)`,
            ),
        );
        assert.ok(
            out.includes(
                "WARN  vault-lock:dr-backup-vault  locked with retention -..2557 days; the stack expects 7..2557",
            ),
        );
        assert.deepEqual(
            h
                .sent()
                .filter((c) => c.operation === "DescribeBackupVault")
                .map((c) => `${c.where} ${c.input.BackupVaultName}`)
                .sort(),
            ["backup/eu-west-1 dr-backup-vault", "backup/eu-west-2 central-backup-vault"],
        );
    });

    it("vault locks: a lock that just took effect passes; another maximum warns; an unknown count is 0", async () => {
        h.mocks("backup", "eu-west-2")
            .backup.on(DescribeBackupVaultCommand)
            .resolves({ Locked: true, LockDate: new Date(NOW), MinRetentionDays: 7, MaxRetentionDays: 2557 });
        h.mocks("backup", "eu-west-1")
            .backup.on(DescribeBackupVaultCommand)
            .resolves({ Locked: true, LockDate: new Date(NOW - HOUR), MinRetentionDays: 7 });
        const r = await h.run(["verify", ...COMMON]);
        const out = lines(r.stdout);
        assert.ok(
            out.includes(
                "PASS  vault-lock:central-backup-vault  locked (compliance), retention 7..2557 days, 0 recovery points",
            ),
        );
        assert.ok(
            out.includes(
                "WARN  vault-lock:dr-backup-vault  locked with retention 7..- days; the stack expects 7..2557",
            ),
        );
    });

    // S3 user guide, "Meeting compliance requirements with S3 Replication Time Control": RTC replicates
    // most objects within 15 minutes; without it replication has no time bound.
    it("replication: asks the bucket's own account; only an enabled rule to the archive counts; RTC on every such rule", async () => {
        const archive = "arn:aws:s3:::vat-backup-archive-333333333333-eu-west-2";
        const bucket = "prod-env-backup-exports-111111111111-eu-west-2";
        const s3 = h.mocks().s3;
        s3.on(GetBucketReplicationCommand).resolves({
            ReplicationConfiguration: {
                Role: "r",
                Rules: [
                    {
                        Status: "Disabled",
                        Destination: { Bucket: archive, ReplicationTime: { Status: "Enabled", Time: { Minutes: 15 } } },
                    },
                    { Status: "Enabled", Destination: { Bucket: "arn:aws:s3:::elsewhere" } },
                ],
            },
        });
        const off = await h.run(["verify", ...COMMON]);
        assert.ok(
            lines(off.stdout).includes(
                `FAIL  replication:exports  no enabled rule of ${bucket} replicates to ${archive}`,
            ),
        );
        assert.deepEqual(h.sentOps("GetBucketReplication")[0], { Bucket: bucket, ExpectedBucketOwner: "111111111111" });

        s3.on(GetBucketReplicationCommand).resolves({
            ReplicationConfiguration: {
                Role: "r",
                Rules: [
                    {
                        Status: "Enabled",
                        Destination: { Bucket: archive, ReplicationTime: { Status: "Enabled", Time: { Minutes: 15 } } },
                    },
                    { Status: "Enabled", Destination: { Bucket: archive } },
                ],
            },
        });
        const noRtc = await h.run(["verify", ...COMMON]);
        assert.ok(
            lines(noRtc.stdout).includes(
                `WARN  replication:exports  ${bucket} replicates to the archive, but without replication time control`,
            ),
        );

        s3.on(GetBucketReplicationCommand).resolves({});
        const none = await h.run(["verify", ...COMMON]);
        assert.ok(
            lines(none.stdout).includes(
                `FAIL  replication:exports  no enabled rule of ${bucket} replicates to ${archive}`,
            ),
        );

        s3.on(GetBucketReplicationCommand).rejects(awsError("AccessDenied", "no s3:GetReplicationConfiguration"));
        const denied = await h.run(["verify", ...COMMON]);
        assert.ok(
            lines(denied.stdout).includes("FAIL  replication:exports  AccessDenied: no s3:GetReplicationConfiguration"),
        );
    });

    it("secret replicas: still replicating warns; a failure without AWS's message says so", async () => {
        const sm = h.mocks().secrets;
        sm.on(DescribeSecretCommand, { SecretId: "prod/submit/user-sub-hash-salt" }).resolves({
            ReplicationStatus: [{ Region: "eu-west-1", Status: "InProgress" }],
        });
        sm.on(DescribeSecretCommand, { SecretId: "prod/submit/hmrc/client_secret" }).resolves({
            ReplicationStatus: [
                { Region: "us-east-1", Status: "InSync" },
                { Region: "eu-west-1", Status: "Failed" },
            ],
        });
        const r = await h.run(["verify", ...COMMON]);
        const out = lines(r.stdout);
        assert.ok(
            out.includes("WARN  secret-replica:prod/submit/user-sub-hash-salt  replica in eu-west-1 still replicating"),
        );
        assert.ok(
            out.includes(
                "FAIL  secret-replica:prod/submit/hmrc/client_secret  replica in eu-west-1 is Failed: no message",
            ),
        );
    });
});
