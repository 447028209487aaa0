/**
 * restore-account, in the detail a person on call reads: what it refuses before any call, what it
 * says it is doing, what each step found, the exact copy and restore requests, and what a failed
 * table tells them to do next.
 */
import {
    DescribeCopyJobCommand,
    DescribeRestoreJobCommand,
    ListRecoveryPointsByBackupVaultCommand,
    StartCopyJobCommand,
} from "@aws-sdk/client-backup";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { idempotencyToken } from "../../dr/commands/restoreAccount";
import { HOUR, PROD_TABLES, recoverableEstate } from "../helpers/drEstate";
import { COMMON, DrHarness, NOW, awsError } from "../helpers/drHarness";

const RECEIPTS = ["--only", "prod-env-receipts"];
const COPY_OF = (t: string) => `arn:aws:backup:eu-west-2:111111111111:recovery-point:copy-${t}-new`;

describe("dr restore-account: refused before any AWS call (exit 2 or 3, the flag named)", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        recoverableEstate(h);
    });
    afterEach(() => h.restore());

    const refused = async (argv: string[], code: number, ...patterns: RegExp[]) => {
        const r = await h.run(["restore-account", ...argv]);
        assert.equal(r.code, code, r.stdout + r.stderr);
        for (const p of patterns) assert.match(r.stderr, p);
        assert.deepEqual(h.sent(), [], "nothing reached AWS");
    };

    it("names --vault, --copy-retention-days, --only (with the stack's tables) and --as-of", async () => {
        await refused([...COMMON, "--vault", "east"], 2, /--vault must be central or dr, not 'east'/);
        await refused(
            [...COMMON, "--copy-retention-days", "0"],
            2,
            /--copy-retention-days <n>' argument '0' is invalid. '0' is not a whole number from 1 to 36500/,
        );
        await refused(
            [...COMMON, "--only", "prod-env-receipts,prod-env-nope"],
            2,
            /--only names tables that are not tables of stack prod: prod-env-nope/,
            new RegExp(`next: The stack's tables are: ${PROD_TABLES.join(", ")}`),
        );
        await refused(
            [...COMMON, "--as-of", "2026-02-30T00:00:00Z"],
            2,
            /--as-of '2026-02-30T00:00:00Z' is not a date and time that exists/,
        );
        await refused(
            ["--backup-profile", "backup", "--region", "eu-west-2"],
            2,
            /--stack is required to restore an account/,
        );
        await refused(["--stack", "prod"], 3, /backup-account credentials are required to restore an account/);
    });

    it("--backup-stack must name the backup stack, and a broken one stops with exit 3 naming its file", async () => {
        await refused(
            [...COMMON, "--backup-stack", "prod"],
            2,
            /stack 'prod' is the deployment stack, not the backup stack/,
            /next: Pass --backup-stack with the backup stack's name/,
        );
        const dir = h.projectWithDeploymentAccounts([{ environment: "prod", accountId: "12345" }]);
        assert.ok(fs.existsSync(path.join(dir, "Pulumi.backup.yaml")));
        await refused(COMMON, 3, /next: Fix Pulumi\.backup\.yaml, or pass --backup-stack with the backup stack's name/);
    });
});

describe("dr restore-account: what it does and says, step by step", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        recoverableEstate(h);
    });
    afterEach(() => h.restore());

    it("says what it restores from where, what each step found, and sends the exact copy and restore requests", async () => {
        const r = await h.run(["restore-account", ...COMMON, ...RECEIPTS, "--copy-retention-days", "7"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const lines = r.stdout.split("\n");
        assert.ok(
            lines.includes(
                "restoring 1 tables of prod (eu-west-2) from central-backup-vault (eu-west-2) into account 111111111111 (eu-west-2), newest recovery points",
            ),
            r.stdout,
        );
        assert.ok(
            lines.includes(
                `done  prod-env-receipts: find recovery point  0s  arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-receipts-new of ${new Date(NOW - 6 * HOUR).toISOString()}`,
            ),
            r.stdout,
        );
        assert.ok(lines.includes("done  prod-env-receipts: verify  0s  100 items, sentinel not configured"), r.stdout);
        assert.doesNotMatch(
            r.stdout,
            /WARN|FAIL/,
            "no stream warning: a restored table's stream is the stack's business",
        );
        assert.deepEqual(h.sentOps("StartCopyJob")[0].Lifecycle, { DeleteAfterDays: 7 });
        // AWS Backup, GetRecoveryPointRestoreMetadata: read from the target account's own vault, for the copy.
        assert.deepEqual(h.sentOps("GetRecoveryPointRestoreMetadata"), [
            { BackupVaultName: "prod-env-backup-vault", RecoveryPointArn: COPY_OF("prod-env-receipts") },
        ]);
        assert.equal(h.sentOps("StartRestoreJob")[0].IdempotencyToken, "prod-env-receipts-restore-20261126T030000Z");
        assert.deepEqual(h.sentOps("TagResource"), [], "tags come back with the stack that takes the table over");
    });

    it("with --as-of says so, and a table with no completed point before it fails alone, saying which vault and time", async () => {
        const b = h.mocks("backup", "eu-west-2").backup;
        b.on(ListRecoveryPointsByBackupVaultCommand, {
            ByResourceArn: "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-bundles",
        }).resolves({
            RecoveryPoints: [
                { RecoveryPointArn: "arn:partial", Status: "PARTIAL", CreationDate: new Date(NOW - 40 * HOUR) },
            ],
        });
        const r = await h.run([
            "restore-account",
            ...COMMON,
            "--only",
            "prod-env-receipts,prod-env-bundles",
            "--as-of",
            "2026-11-26T02:00:00Z",
        ]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /into account 111111111111 \(eu-west-2\), as of 2026-11-26T02:00:00\.000Z\n/);
        assert.match(
            r.stdout,
            /FAIL  restore:prod-env-bundles  no completed recovery point of prod-env-bundles in central-backup-vault \(eu-west-2\) before 2026-11-26T02:00:00\.000Z\n  next: Try the other vault \(--vault dr or central\) or a later --as-of\./,
        );
        assert.match(r.stdout, /PASS  rto:prod-env-receipts/);
        assert.doesNotMatch(r.stdout, /sentinel:/, "a table that failed is not reported as a missing sentinel");
    });

    it("picks the newest completed point whatever order AWS lists them in, a point without a date counting as oldest", async () => {
        const at = (hours: number) => new Date(NOW - hours * HOUR);
        h.mocks("backup", "eu-west-2")
            .backup.on(ListRecoveryPointsByBackupVaultCommand)
            .resolves({
                RecoveryPoints: [
                    {
                        RecoveryPointArn: "arn:aws:backup:eu-west-2:333333333333:recovery-point:newest",
                        Status: "COMPLETED",
                        CreationDate: at(2),
                    },
                    {
                        RecoveryPointArn: "arn:aws:backup:eu-west-2:333333333333:recovery-point:undated",
                        Status: "COMPLETED",
                    },
                    {
                        RecoveryPointArn: "arn:aws:backup:eu-west-2:333333333333:recovery-point:oldest",
                        Status: "COMPLETED",
                        CreationDate: at(50),
                    },
                    {
                        RecoveryPointArn: "arn:aws:backup:eu-west-2:333333333333:recovery-point:middle",
                        Status: "COMPLETED",
                        CreationDate: at(26),
                    },
                ],
            });
        const r = await h.run(["restore-account", ...COMMON, ...RECEIPTS]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(
            h.sentOps("StartCopyJob")[0].RecoveryPointArn,
            "arn:aws:backup:eu-west-2:333333333333:recovery-point:newest",
        );
    });

    // AWS Backup developer guide, "Restore a DynamoDB table", and StartRestoreJob's Metadata: a restore
    // may name the key that encrypts the new table (encryptionType KMS with kmsMasterKeyArn).
    it("--kms-key-arn encrypts the restored table with that key of the target account, never the lost account's", async () => {
        const key = "arn:aws:kms:eu-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const r = await h.run(["restore-account", ...COMMON, ...RECEIPTS, "--kms-key-arn", key]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(h.sentOps("StartRestoreJob")[0].Metadata, {
            originalTableName: "x",
            targetTableName: "prod-env-receipts",
            encryptionType: "KMS",
            kmsMasterKeyArn: key,
        });
    });

    it("waits for a restore job still running and for the new table to become ACTIVE, saying so on stderr", async () => {
        let polls = 0;
        h.mocks()
            .backup.on(DescribeRestoreJobCommand)
            .callsFake(() => ({ Status: ++polls < 3 ? "RUNNING" : "COMPLETED" }));
        let views = 0;
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: "prod-env-receipts" })
            .callsFake(() =>
                ++views === 1
                    ? Promise.reject(awsError("ResourceNotFoundException"))
                    : {
                          Table: {
                              TableName: "prod-env-receipts",
                              TableStatus: views < 4 ? "CREATING" : "ACTIVE",
                              ItemCount: 5,
                          },
                      },
            );
        const r = await h.run(["restore-account", ...COMMON, ...RECEIPTS]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(h.sentOps("DescribeRestoreJob").length, 3);
        assert.match(r.stderr, /restore prod-env-receipts: RUNNING/);
        assert.match(r.stderr, /table prod-env-receipts: CREATING/);
        assert.match(
            r.stdout,
            /PASS  rto:prod-env-receipts  restored as prod-env-receipts in 2m00s .*; 5 items; sentinel not configured/,
        );
    });

    it("reports a present sentinel item in the RTO line", async () => {
        const file = path.join(h.tmp, "s.yaml");
        fs.writeFileSync(
            file,
            YAML.stringify({ receipts: { hashedSub: { S: "dr-sentinel" }, receiptId: { S: "dr-sentinel" } } }),
        );
        const r = await h.run(["restore-account", ...COMMON, ...RECEIPTS, "--sentinels", file]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /PASS  rto:prod-env-receipts  .*; 100 items; sentinel present/);
        assert.equal(h.sentOps("GetItem").length, 1);
    });

    it("a copy that ended PARTIAL or ABORTED fails its table with AWS's reason and the advice, and the re-run copies again", async () => {
        const b = h.mocks("backup", "eu-west-2").backup;
        const started = new Map<string, number>();
        b.on(StartCopyJobCommand).callsFake((i: { RecoveryPointArn: string }) => {
            const point = i.RecoveryPointArn.replace(/^.*recovery-point:/, "");
            started.set(point, (started.get(point) ?? 0) + 1);
            return { CopyJobId: `${point}-${started.get(point)}` };
        });
        const ended: Record<string, { State: string; StatusMessage: string }> = {
            "prod-env-passes-new-1": { State: "PARTIAL", StatusMessage: "2 items skipped" },
            "prod-env-bundles-new-1": { State: "ABORTED", StatusMessage: "Cancelled" },
        };
        b.on(DescribeCopyJobCommand).callsFake((i: { CopyJobId: string }) => ({
            CopyJob: ended[i.CopyJobId] ?? {
                State: "COMPLETED",
                DestinationRecoveryPointArn: `arn:aws:backup:eu-west-2:111111111111:recovery-point:${i.CopyJobId}`,
            },
        }));
        const argv = ["restore-account", ...COMMON, "--only", "prod-env-passes,prod-env-bundles"];
        const first = await h.run([...argv, "--json"]);
        assert.equal(first.code, 1);
        const doc = first.json();
        assert.deepEqual(doc.checks.map((c: { name: string; detail: string }) => `${c.name}: ${c.detail}`).sort(), [
            "restore:prod-env-bundles: copy prod-env-bundles ended ABORTED: Cancelled",
            "restore:prod-env-passes: copy prod-env-passes ended PARTIAL: 2 items skipped",
        ]);
        for (const o of doc.outcomes) {
            assert.equal(o.ok, false);
            assert.equal(o.sentinel, "not checked");
            assert.equal(
                o.hint,
                "Check that cross-account backup is on for the organization, that vat-backup-central-backup-service exists in the backup account, and that the target vault prod-env-backup-vault exists with the stack deployed; then run the same command again.",
            );
        }
        const second = await h.run(argv);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.equal(h.sentOps("StartCopyJob").length, 4, "a PARTIAL or ABORTED copy is started again, not waited for");
    });

    it("a restore job that FAILED tells where to read why and which role to check", async () => {
        h.mocks()
            .backup.on(DescribeRestoreJobCommand)
            .resolves({ Status: "FAILED", StatusMessage: "Access denied to KMS key" });
        const r = await h.run(["restore-account", ...COMMON, ...RECEIPTS]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  restore:prod-env-receipts  restore prod-env-receipts ended FAILED: Access denied to KMS key/,
        );
        assert.match(
            r.stdout,
            /next: Read the restore job's message in the AWS Backup console of account 111111111111; check the role prod-env-backup-service-eu-west-2 there; then run again with --only prod-env-receipts\./,
        );
    });

    it("an existing table is left alone with advice, and expired credentials mid-run stop everything (exit 3)", async () => {
        h.mocks()
            .dynamodb.on(DescribeTableCommand, { TableName: "prod-env-receipts" })
            .resolves({ Table: { TableName: "prod-env-receipts", TableStatus: "ACTIVE" } });
        const exists = await h.run(["restore-account", ...COMMON, ...RECEIPTS]);
        assert.equal(exists.code, 1);
        assert.match(
            exists.stdout,
            /next: Leave it out with --only, or delete it first if it does not hold data to keep\./,
        );

        h.mocks("backup", "eu-west-2")
            .backup.on(DescribeCopyJobCommand)
            .rejects(awsError("ExpiredTokenException", "expired"));
        const expired = await h.run(["restore-account", ...COMMON, "--only", "prod-env-bundles"]);
        assert.equal(expired.code, 3, expired.stdout + expired.stderr);
        assert.doesNotMatch(expired.stdout, /FAIL  restore:prod-env-bundles/, "not one table's failure: the run's");
    });

    it("under --dry-run shows the restore of the copy it would make, and verifies nothing", async () => {
        const r = await h.run(["restore-account", ...COMMON, ...RECEIPTS, "--dry-run", "--json"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const doc = r.json();
        const restore = doc.calls.find((c: { operation: string }) => c.operation === "StartRestoreJob");
        assert.equal(
            restore.input.RecoveryPointArn,
            "<copy of arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-receipts-new>",
        );
        assert.deepEqual(Object.keys(doc.outcomes[0].timings), [
            "find recovery point",
            "copy into target vault",
            "restore table",
        ]);
        assert.equal(doc.calls.filter((c: { operation: string }) => c.operation === "DescribeRestoreJob").length, 0);
        const human = await h.run(["restore-account", ...COMMON, ...RECEIPTS, "--dry-run"]);
        assert.match(human.stdout, /dry run: nothing was copied or restored, so no RTO was measured/);
        assert.doesNotMatch(human.stdout, /rto:/);
    });

    it("a cold point without --as-of names the restore-from-export command to run, with the stack and lost account", async () => {
        h.restore();
        h = new DrHarness();
        recoverableEstate(
            h,
            "111111111111",
            "eu-west-2",
            new Set(["arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-receipts-new"]),
        );
        const r = await h.run(["restore-account", ...COMMON, ...RECEIPTS]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /cold storage, and AWS Backup cannot copy a cold recovery point: restore that time from the archive's exports instead: npm run dr -- restore-from-export prod-env-receipts --to <time> --source-account-id 111111111111 --stack prod\n  next: docs\/runbook\.md, scenario 8 .*ImportTable it into account 111111111111/,
        );
        assert.deepEqual(h.sentOps("StartCopyJob"), []);
    });

    it("keeps a copy token of exactly 64 characters as it is, and shortens a longer one with a hash", () => {
        const exact = idempotencyToken("t".repeat(61), 12);
        assert.equal(exact, `${"t".repeat(61)}-12`);
        const longer = idempotencyToken("t".repeat(62), 12);
        assert.equal(longer.length, 64);
        assert.ok(longer.startsWith(`${"t".repeat(47)}-`));
    });
});
