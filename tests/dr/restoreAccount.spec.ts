import {
    DescribeCopyJobCommand,
    DescribeRestoreJobCommand,
    ListRecoveryPointsByBackupVaultCommand,
    StartCopyJobCommand,
} from "@aws-sdk/client-backup";
import { DescribeTableCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { COMMON, DrHarness, NOW, awsError } from "../helpers/drHarness";
import { HOUR, recoverableEstate } from "../helpers/drEstate";

describe("dr restore-account", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        recoverableEstate(h);
    });
    afterEach(() => h.restore());

    it("copies the newest recovery point of every table back and restores it under its original name", async () => {
        const r = await h.run(["restore-account", ...COMMON]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const copies = h.sentOps("StartCopyJob");
        assert.equal(copies.length, 7);
        const receipts = copies.find((c) => String(c.RecoveryPointArn).includes("prod-env-receipts"));
        assert.deepEqual(receipts, {
            RecoveryPointArn: "arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-receipts-new",
            SourceBackupVaultName: "central-backup-vault",
            DestinationBackupVaultArn: "arn:aws:backup:eu-west-2:111111111111:backup-vault:prod-env-backup-vault",
            IamRoleArn: "arn:aws:iam::333333333333:role/vat-backup-central-backup-service",
            IdempotencyToken: `prod-env-receipts-${NOW - 6 * HOUR}-20261126T030000Z`,
            Lifecycle: { DeleteAfterDays: 35 },
        });
        const restore = h
            .sentOps("StartRestoreJob")
            .find((i) => (i.Metadata as Record<string, string>).targetTableName === "prod-env-receipts");
        assert.ok(restore);
        assert.equal(
            restore.RecoveryPointArn,
            "arn:aws:backup:eu-west-2:111111111111:recovery-point:copy-prod-env-receipts-new",
        );
        assert.equal(restore.IamRoleArn, "arn:aws:iam::111111111111:role/prod-env-backup-service-eu-west-2");
        assert.equal(restore.ResourceType, "DynamoDB");
        assert.deepEqual(
            restore.Metadata,
            { originalTableName: "x", targetTableName: "prod-env-receipts", encryptionType: "Default" },
            "the lost account's key is not asked for",
        );
        assert.equal(h.sentOps("UpdateContinuousBackups").length, 7, "PITR back on every restored table");
        assert.equal(h.sentOps("UpdateTable").length, 7, "prod protects its data: deletion protection on");
        assert.match(
            r.stdout,
            /PASS  rto:prod-env-receipts  restored as prod-env-receipts in \d+s \(target 4 h, critical\); 100 items/,
        );
        assert.match(r.stdout, /PASS  rto:prod-env-hmrc-api-requests  .*\(target 24 h, medium\)/);
    });

    it("picks the newest recovery point before --as-of", async () => {
        const r = await h.run(["restore-account", ...COMMON, "--as-of", "-24h", "--only", "prod-env-receipts"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
            (h.sentOps("ListRecoveryPointsByBackupVault")[0].ByCreatedBefore as Date).toISOString(),
            new Date(NOW - 24 * HOUR).toISOString(),
        );
        assert.equal(
            h.sentOps("StartCopyJob")[0].RecoveryPointArn,
            "arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-receipts-old",
        );
    });

    it("reads every page of recovery points", async () => {
        const b = h.mocks("backup", "eu-west-2").backup;
        const arn = "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts";
        b.on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: arn, NextToken: undefined }).resolves({
            RecoveryPoints: [
                { RecoveryPointArn: "arn:rp-1", Status: "COMPLETED", CreationDate: new Date(NOW - 10 * HOUR) },
            ],
            NextToken: "n2",
        });
        b.on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: arn, NextToken: "n2" }).resolves({
            RecoveryPoints: [
                { RecoveryPointArn: "arn:rp-2", Status: "COMPLETED", CreationDate: new Date(NOW - 2 * HOUR) },
            ],
        });
        const r = await h.run(["restore-account", ...COMMON, "--only", "prod-env-receipts"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(h.sentOps("StartCopyJob")[0].RecoveryPointArn, "arn:rp-2");
    });

    it("restores from the DR vault in the second region with --vault dr", async () => {
        const r = await h.run(["restore-account", ...COMMON, "--vault", "dr", "--only", "prod-env-bundles"]);
        assert.equal(r.code, 0, r.stderr);
        const copy = h.sent().find((c) => c.operation === "StartCopyJob");
        assert.equal(copy?.where, "backup/eu-west-1");
        assert.equal(copy?.input.SourceBackupVaultName, "dr-backup-vault");
    });

    it("after a region loss restores from the DR vault into another region, finding points by the lost region's ARNs", async () => {
        h.restore();
        h = new DrHarness();
        recoverableEstate(h, "111111111111", "eu-west-1");
        const r = await h.run([
            "restore-account",
            ...COMMON,
            "--vault",
            "dr",
            "--region",
            "eu-west-1",
            "--source-region",
            "eu-west-2",
            "--only",
            "prod-env-receipts",
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(
            h.sentOps("ListRecoveryPointsByBackupVault")[0].ByResourceArn,
            "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts",
        );
        assert.equal(
            h.sentOps("StartCopyJob")[0].DestinationBackupVaultArn,
            "arn:aws:backup:eu-west-1:111111111111:backup-vault:prod-env-backup-vault",
        );
        assert.deepEqual(
            h
                .sent()
                .filter((c) => c.operation === "StartRestoreJob")
                .map((c) => c.where),
            ["target/eu-west-1"],
        );
        assert.equal(h.sentOps("UpdateContinuousBackups")[0].TableName, "prod-env-receipts");
    });

    it("restores into a rebuilt account with a new id", async () => {
        h.restore();
        h = new DrHarness();
        recoverableEstate(h, "999999999999");
        h.accountIds.target = "999999999999";
        h.projectWithDeploymentAccounts([{ environment: "prod", accountId: "999999999999" }]);
        const r = await h.run([
            "restore-account",
            ...COMMON,
            "--target-account-id",
            "999999999999",
            "--source-account-id",
            "555555555555",
            "--only",
            "prod-env-receipts",
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
            h.sentOps("StartCopyJob")[0].DestinationBackupVaultArn,
            "arn:aws:backup:eu-west-2:999999999999:backup-vault:prod-env-backup-vault",
        );
        assert.equal(
            h.sentOps("StartRestoreJob")[0].IamRoleArn,
            "arn:aws:iam::999999999999:role/prod-env-backup-service-eu-west-2",
        );
        assert.equal(
            h.sentOps("ListRecoveryPointsByBackupVault")[0].ByResourceArn,
            "arn:aws:dynamodb:eu-west-2:555555555555:table/prod-env-receipts",
            "recovery points are found by the lost account's ARNs",
        );
    });

    it("copies with the backup account's service role, which backup.amazonaws.com can assume, not the operator's copy-back role", async () => {
        const r = await h.run([
            "restore-account",
            ...COMMON,
            "--backup-role-arn",
            "arn:aws:iam::333333333333:role/vat-backup-dr-copy-back",
            "--only",
            "prod-env-bundles",
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(
            h.sentOps("StartCopyJob").map((c) => c.IamRoleArn),
            ["arn:aws:iam::333333333333:role/vat-backup-central-backup-service"],
        );
    });

    it("starts a new copy job when run again after a FAILED copy (the token carries the time of the retry)", async () => {
        const b = h.mocks("backup", "eu-west-2").backup;
        let started = 0;
        b.on(StartCopyJobCommand).callsFake(() => ({ CopyJobId: `copy-${++started}` }));
        // A FAILED job stays FAILED; the second job completes.
        b.on(DescribeCopyJobCommand).callsFake((i: { CopyJobId: string }) =>
            i.CopyJobId === "copy-1"
                ? { CopyJob: { State: "FAILED", StatusMessage: "transient" } }
                : {
                      CopyJob: {
                          State: "COMPLETED",
                          DestinationRecoveryPointArn: "arn:aws:backup:eu-west-2:111111111111:recovery-point:copy-2",
                      },
                  },
        );
        const first = await h.run(["restore-account", ...COMMON, "--only", "prod-env-passes"]);
        assert.equal(first.code, 1);
        await h.clock.sleep(HOUR);
        const second = await h.run(["restore-account", ...COMMON, "--only", "prod-env-passes"]);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        const tokens = h.sentOps("StartCopyJob").map((c) => c.IdempotencyToken);
        assert.deepEqual(tokens, [
            `prod-env-passes-${NOW - 6 * HOUR}-20261126T030000Z`,
            `prod-env-passes-${NOW - 6 * HOUR}-20261126T040000Z`,
        ]);
    });

    it("keeps long copy tokens within 64 characters and distinct per table", async () => {
        const { idempotencyToken } = await import("../../dr/commands/restoreAccount");
        const a = idempotencyToken(
            "drill-20261126t030000z-prod-env-get-vat-obligations-async-requests",
            NOW,
            "20261126T030000Z",
        );
        const b = idempotencyToken(
            "drill-20261126t030000z-prod-env-get-vat-obligations-async-requestz",
            NOW,
            "20261126T030000Z",
        );
        assert.equal(a.length, 64);
        assert.notEqual(a, b);
    });

    it("refuses (exit 2) a target account the backup stack does not list, before any call, and says how to admit it", async () => {
        h.accountIds.target = "999999999999";
        const r = await h.run([
            "restore-account",
            ...COMMON,
            "--target-account-id",
            "999999999999",
            "--only",
            "prod-env-receipts",
        ]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /account 999999999999 is not one of the deploymentAccounts of stack backup/);
        assert.match(
            r.stderr,
            /next: Add it to vat-backup:deploymentAccounts in Pulumi\.backup\.yaml and deploy the backup stack \(as the break-glass role/,
        );
        assert.deepEqual(h.sent(), [], "nothing is called");
    });

    it("reads the backup stack named by --backup-stack, and only warns when it has no file", async () => {
        const dir = h.projectWithDeploymentAccounts([{ environment: "prod", accountId: "111111111111" }]);
        fs.renameSync(path.join(dir, "Pulumi.backup.yaml"), path.join(dir, "Pulumi.vault-acct.yaml"));
        const missing = await h.run(["restore-account", ...COMMON, "--only", "prod-env-receipts"]);
        assert.equal(missing.code, 0, missing.stderr);
        assert.match(
            missing.stdout,
            /WARN  preflight:vault-keys  no Pulumi\.backup\.yaml here: cannot check that the vault keys admit account 111111111111/,
        );
        const named = await h.run([
            "restore-account",
            ...COMMON,
            "--backup-stack",
            "vault-acct",
            "--only",
            "prod-env-bundles",
        ]);
        assert.equal(named.code, 0, named.stderr);
        assert.doesNotMatch(named.stdout, /preflight/);
    });

    it("reports a copy job that FAILED and a restore job that was ABORTED, and restores the rest", async () => {
        h.mocks("backup", "eu-west-2")
            .backup.on(DescribeCopyJobCommand, { CopyJobId: "copy-prod-env-passes-new" })
            .resolves({ CopyJob: { State: "FAILED", StatusMessage: "Access denied to the destination vault" } });
        h.mocks()
            .backup.on(DescribeRestoreJobCommand, { RestoreJobId: "restore-prod-env-bundles" })
            .resolves({ Status: "ABORTED", StatusMessage: "Cancelled by user" });
        const r = await h.run(["restore-account", ...COMMON]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  restore:prod-env-passes  copy prod-env-passes ended FAILED: Access denied to the destination vault/,
        );
        assert.match(
            r.stdout,
            /FAIL  restore:prod-env-bundles  restore prod-env-bundles ended ABORTED: Cancelled by user/,
        );
        assert.match(r.stdout, /PASS  rto:prod-env-receipts/);
        assert.match(r.stdout, /PASS  rto:prod-env-subscriptions/);
        assert.equal(h.sentOps("StartRestoreJob").length, 6, "the failed copy is not restored; the others are");
        assert.match(r.stderr, /next: .*cross-account backup is on for the organization|copy prod-env-passes: FAILED/);
    });

    it("skips a table that already exists in the target account, and restores the rest", async () => {
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: "prod-env-subscriptions" })
            .resolves({ Table: { TableName: "prod-env-subscriptions", TableStatus: "ACTIVE" } });
        const r = await h.run(["restore-account", ...COMMON]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  restore:prod-env-subscriptions  table prod-env-subscriptions already exists in account 111111111111; a restore never overwrites a table/,
        );
        assert.equal(h.sentOps("StartCopyJob").length, 6);
    });

    it("fails a table whose restore took longer than its RTO", async () => {
        let polls = 0;
        h.mocks("backup", "eu-west-2")
            .backup.on(DescribeCopyJobCommand, { CopyJobId: "copy-prod-env-receipts-new" })
            .callsFake(() =>
                ++polls < 6
                    ? { CopyJob: { State: "RUNNING" } }
                    : {
                          CopyJob: {
                              State: "COMPLETED",
                              DestinationRecoveryPointArn: "arn:aws:backup:eu-west-2:111111111111:recovery-point:slow",
                          },
                      },
            );
        const r = await h.run(["restore-account", ...COMMON, "--only", "prod-env-receipts", "--poll-seconds", "3600"]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  rto:prod-env-receipts  restored as prod-env-receipts in 5h00m \(target 4 h, critical\)/,
        );
        assert.match(r.stderr, /\[ 1h00m\] copy prod-env-receipts: RUNNING/);
    });

    it("fails a restored table that lacks its sentinel item", async () => {
        const file = path.join(h.tmp, "s.yaml");
        fs.writeFileSync(file, "receipts:\n  hashedSub: { S: dr-sentinel }\n  receiptId: { S: dr-sentinel }\n");
        h.mocks().dynamodb.on(GetItemCommand).resolves({});
        const r = await h.run([
            "restore-account",
            ...COMMON,
            "--only",
            "prod-env-receipts,prod-env-bundles",
            "--sentinels",
            file,
        ]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /FAIL  sentinel:prod-env-receipts  the restored table lacks its sentinel item/);
        assert.match(r.stdout, /PASS  rto:prod-env-bundles .*sentinel not configured/);
        assert.deepEqual(h.sentOps("GetItem"), [
            {
                TableName: "prod-env-receipts",
                Key: { hashedSub: { S: "dr-sentinel" }, receiptId: { S: "dr-sentinel" } },
                ConsistentRead: true,
            },
        ]);
    });

    it("retries a throttled copy start", async () => {
        h.mocks("backup", "eu-west-2")
            .backup.on(StartCopyJobCommand)
            .rejectsOnce(awsError("ThrottlingException"))
            .callsFake((i: { RecoveryPointArn: string }) => ({
                CopyJobId: `copy-${i.RecoveryPointArn.replace(/^.*recovery-point:/, "")}`,
            }));
        const r = await h.run(["restore-account", ...COMMON, "--only", "prod-env-receipts"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(h.sentOps("StartCopyJob").length, 2);
    });

    it("needs backup-account credentials (exit 3) and known tables (exit 2)", async () => {
        const noBackup = await h.run(["restore-account", "--stack", "prod"]);
        assert.equal(noBackup.code, 3);
        assert.match(noBackup.stderr, /next: Pass --backup-profile <profile> or --backup-role-arn/);
        const unknown = await h.run(["restore-account", ...COMMON, "--only", "prod-env-nope"]);
        assert.equal(unknown.code, 2);
        h.accountIds.backup = "444444444444";
        const wrong = await h.run(["restore-account", ...COMMON]);
        assert.equal(wrong.code, 2);
        assert.match(
            wrong.stderr,
            /the backup credentials are for account 444444444444, but this needs account 333333333333/,
        );
        assert.deepEqual(h.mutatingSent(), []);
    });

    it("under --dry-run copies and restores nothing but shows each copy, restore and setting", async () => {
        const r = await h.run(["restore-account", ...COMMON, "--dry-run", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(h.mutatingSent(), []);
        const planned = r
            .json()
            .calls.filter((c: { mutating: boolean }) => c.mutating)
            .map((c: { operation: string }) => c.operation);
        assert.equal(planned.filter((op: string) => op === "StartCopyJob").length, 7);
        assert.equal(planned.filter((op: string) => op === "StartRestoreJob").length, 7);
        assert.equal(planned.filter((op: string) => op === "UpdateContinuousBackups").length, 7);
    });

    it("puts each table's outcome and timings into --json", async () => {
        const r = await h.run(["restore-account", ...COMMON, "--json", "--only", "prod-env-receipts"]);
        const [outcome] = r.json().outcomes;
        assert.equal(outcome.table, "prod-env-receipts");
        assert.equal(outcome.ok, true);
        assert.equal(outcome.criticality, "critical");
        assert.deepEqual(Object.keys(outcome.timings), [
            "find recovery point",
            "copy into target vault",
            "restore table",
            "verify",
        ]);
    });
});
