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
