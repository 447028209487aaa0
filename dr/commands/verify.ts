/**
 * `verify`: is this account recoverable right now?
 *
 * Every table has PITR (all of them, not only the configured ones: PITR was once switched off by an
 * unrelated refactor); each protected table has a completed backup within the RPO and a recent copy
 * in the backup account's vaults; the vaults are locked; the exports bucket replicates; critical
 * secrets have replicas. It never scans a table: item counts and a sentinel item are enough.
 */
import {
    ListBackupJobsCommand,
    ListRecoveryPointsByBackupVaultCommand,
    DescribeBackupVaultCommand,
} from "@aws-sdk/client-backup";
import { DescribeContinuousBackupsCommand, GetItemCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { GetBucketReplicationCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import * as naming from "../../naming";
import { DeploymentConfig } from "../../stacks/config";
import { readAllPages } from "../aws/gate";
import { DrContext } from "../context";
import { ExitCodeValue, isNotFound } from "../errors";
import { Report } from "../output";
import { Sentinels } from "../sentinels";
import { tableArn } from "../stack";
import { ago, checkAccount, describeTableIfExists, guardCheck } from "./common";
import { CommandSpec } from "./types";
import * as valid from "../validate";
import { checkScheduledProtection } from "./verifyScheduled";

interface VerifyOptions {
    rpoHours: number;
    graceMinutes: number;
    sentinels?: string;
}

export const verifyCommand: CommandSpec = {
    name: "verify",
    summary: "check PITR on every table, recent backups and copies, vault locks, replication and secret replicas",
    configure(cmd) {
        cmd.option(
            "--rpo-hours <n>",
            "a protected table needs a completed backup and copy this recent",
            valid.positiveNumber(),
            24,
        )
            .option(
                "--grace-minutes <n>",
                "allowance for the daily job's start and completion window",
                valid.positiveNumber(true),
                60,
            )
            .option("--sentinels <file>", "JSON/YAML file of sentinel item keys per table");
    },
    run: (ctx, _args, options) => verify(ctx, options as unknown as VerifyOptions),
};

export async function verify(ctx: DrContext, options: VerifyOptions): Promise<ExitCodeValue> {
    const report = ctx.report();
    const stack = ctx.stack;
    const sentinels = options.sentinels ? Sentinels.fromFile(options.sentinels) : Sentinels.none();
    await checkAccount(ctx, "target", stack?.accountId);
    const rpoMs = (options.rpoHours * 60 + options.graceMinutes) * 60_000;

    const target = ctx.clients("target");
    const tables = await readAllPages(
        ctx.gate,
        target.dynamodb,
        (token) => new ListTablesCommand({ ExclusiveStartTableName: token }),
        (page) => page.TableNames,
        (page) => page.LastEvaluatedTableName,
    );
    report.line(`${tables.length} tables in ${ctx.region}`);
    for (const table of tables) await guardCheck(report, `pitr:${table}`, () => checkPitr(ctx, report, table, stack));

    const protectedTables = stack ? stack.tables : tables;
    for (const table of protectedTables) {
        await guardCheck(report, `table:${table}`, async () => {
            const description = await describeTableIfExists(ctx.gate, target, table);
            if (!description) {
                report.check(
                    `table:${table}`,
                    "fail",
                    "configured in the stack but not found in the account: restore it (see docs/runbook.md, accidental deletion)",
                );
                return;
            }
            const count = description.ItemCount ?? 0;
            report.check(
                `items:${table}`,
                count > 0 ? "pass" : "warn",
                `${count} items (DescribeTable ItemCount, refreshed about every 6 hours)`,
            );
            const key = sentinels.keyFor(table);
            if (key) await guardCheck(report, `sentinel:${table}`, () => checkSentinel(ctx, report, table, key));
            if (stack) {
                const arn = description.TableArn ?? tableArn(ctx.region, stack.accountId, table);
                await guardCheck(report, `backup:${table}`, () => checkRecentBackup(ctx, report, table, arn, rpoMs));
                await checkCopies(ctx, report, stack, table, arn, rpoMs);
            }
        });
    }

    if (stack) {
        await checkVaultLocks(ctx, report, stack);
        await guardCheck(report, "replication:exports", () => checkReplication(ctx, report, stack));
        for (const secret of stack.secrets.filter((s) => s.critical)) {
            await guardCheck(report, `secret-replica:${secret.name}`, () =>
                checkSecretReplica(ctx, report, secret.name, stack.drRegion),
            );
        }
        // The escrow and exports that AWS's schedules make (no person in the loop): recent enough?
        await checkScheduledProtection(ctx, report, stack, options.graceMinutes);
    } else {
        report.check(
            "stack",
            "skip",
            "no --stack: backups, copies, vault locks, replication and secrets were not checked",
        );
    }
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

async function checkPitr(
    ctx: DrContext,
    report: Report,
    table: string,
    stack: DeploymentConfig | undefined,
): Promise<void> {
    const out = await ctx.gate.read(ctx.clients().dynamodb, new DescribeContinuousBackupsCommand({ TableName: table }));
    const pitr = out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    if (pitr?.PointInTimeRecoveryStatus !== "ENABLED") {
        report.check(
            `pitr:${table}`,
            "fail",
            `point-in-time recovery is ${pitr?.PointInTimeRecoveryStatus ?? "DISABLED"}: turn it on now (the deployment stack's detective control should have)`,
        );
        return;
    }
    const days = pitr.RecoveryPeriodInDays ?? 35;
    const wanted = stack?.tables.includes(table) ? stack.pitrRecoveryPeriodDays : undefined;
    if (wanted !== undefined && days < wanted) {
        report.check(`pitr:${table}`, "warn", `enabled, but keeps ${days} days where the stack asks for ${wanted}`);
        return;
    }
    report.check(
        `pitr:${table}`,
        "pass",
        `enabled, ${days}-day window, restorable from ${pitr.EarliestRestorableDateTime?.toISOString() ?? "?"}`,
    );
}

async function checkSentinel(
    ctx: DrContext,
    report: Report,
    table: string,
    key: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue>,
): Promise<void> {
    const names = Object.keys(key);
    const out = await ctx.gate.read(
        ctx.clients().dynamodb,
        new GetItemCommand({
            TableName: table,
            Key: key,
            ProjectionExpression: names.map((_, i) => `#k${i}`).join(", "),
            ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#k${i}`, n])),
        }),
    );
    report.check(
        `sentinel:${table}`,
        out.Item ? "pass" : "fail",
        out.Item ? "sentinel item present" : "sentinel item missing: data may have been lost or overwritten",
    );
}

async function checkRecentBackup(
    ctx: DrContext,
    report: Report,
    table: string,
    arn: string,
    rpoMs: number,
): Promise<void> {
    const since = new Date(ctx.clock.now() - rpoMs);
    const jobs = await readAllPages(
        ctx.gate,
        ctx.clients().backup,
        (token) =>
            new ListBackupJobsCommand({
                ByResourceArn: arn,
                ByState: "COMPLETED",
                ByCreatedAfter: since,
                NextToken: token,
            }),
        (page) => page.BackupJobs,
        (page) => page.NextToken,
    );
    const newest = jobs.map((j) => j.CompletionDate?.getTime() ?? 0).sort((a, b) => b - a)[0];
    if (newest === undefined) {
        report.check(
            `backup:${table}`,
            "fail",
            `no completed AWS Backup job since ${since.toISOString()}: look at failed jobs (aws backup list-backup-jobs --by-state FAILED)`,
        );
        return;
    }
    report.check(
        `backup:${table}`,
        "pass",
        `last completed backup ${ago(ctx.clock.now() - newest)} (${jobs.length} in the window)`,
    );
}

async function checkCopies(
    ctx: DrContext,
    report: Report,
    stack: DeploymentConfig,
    table: string,
    arn: string,
    rpoMs: number,
): Promise<void> {
    const vaults = [
        // After a region loss the DR vault is all there is: its copies are held to the same RPO.
        { check: `copy:${table}`, vault: stack.backupAccount.vaultName, region: ctx.backupRegion, windowMs: rpoMs },
        { check: `copy-dr:${table}`, vault: naming.DR_VAULT_NAME, region: stack.drRegion, windowMs: rpoMs },
    ];
    for (const v of vaults) {
        if (!ctx.hasBackupCredentials) {
            report.check(v.check, "skip", "no backup-account credentials (pass --backup-profile or --backup-role-arn)");
            continue;
        }
        await guardCheck(report, v.check, async () => {
            const since = new Date(ctx.clock.now() - v.windowMs);
            const points = await readAllPages(
                ctx.gate,
                ctx.clients("backup", v.region).backup,
                (token) =>
                    new ListRecoveryPointsByBackupVaultCommand({
                        BackupVaultName: v.vault,
                        ByResourceArn: arn,
                        ByCreatedAfter: since,
                        NextToken: token,
                    }),
                (page) => page.RecoveryPoints,
                (page) => page.NextToken,
                "backup",
            );
            const completed = points.filter((p) => p.Status === "COMPLETED");
            const newest = completed.map((p) => p.CreationDate?.getTime() ?? 0).sort((a, b) => b - a)[0];
            if (newest === undefined) {
                report.check(
                    v.check,
                    "fail",
                    `no completed copy in ${v.vault} (${v.region}) since ${since.toISOString()}: check copy jobs (aws backup list-copy-jobs --by-state FAILED) and that cross-account backup is on for the organization`,
                );
                return;
            }
            report.check(v.check, "pass", `newest copy in ${v.vault} (${v.region}) ${ago(ctx.clock.now() - newest)}`);
        });
    }
}

async function checkVaultLocks(ctx: DrContext, report: Report, stack: DeploymentConfig): Promise<void> {
    const lock = stack.backupAccount.vaultLock;
    const vaults = [
        { name: stack.backupAccount.vaultName, region: ctx.backupRegion },
        { name: naming.DR_VAULT_NAME, region: stack.drRegion },
    ];
    for (const v of vaults) {
        const check = `vault-lock:${v.name}`;
        if (!ctx.hasBackupCredentials) {
            report.check(check, "skip", "no backup-account credentials (pass --backup-profile or --backup-role-arn)");
            continue;
        }
        await guardCheck(report, check, async () => {
            const out = await ctx.gate.read(
                ctx.clients("backup", v.region).backup,
                new DescribeBackupVaultCommand({ BackupVaultName: v.name }),
                "backup",
            );
            if (!out.Locked) {
                report.check(
                    check,
                    "fail",
                    `${v.name} (${v.region}) has no vault lock: recovery points there can be deleted`,
                );
                return;
            }
            // Only compliance mode has a LockDate (when the lock becomes immutable); a governance-mode
            // lock reports Locked with no LockDate and can be removed by anyone allowed DeleteBackupVaultLockConfiguration.
            if (!out.LockDate) {
                report.check(
                    check,
                    "fail",
                    `${v.name} (${v.region}) is locked in governance mode: removable (no LockDate; only a compliance-mode lock has one)`,
                );
                return;
            }
            if (out.LockDate.getTime() > ctx.clock.now()) {
                report.check(
                    check,
                    "warn",
                    `locked, but still in the cooling-off period until ${out.LockDate.toISOString()} (the lock can still be removed)`,
                );
                return;
            }
            if (out.MinRetentionDays !== lock.minRetentionDays || out.MaxRetentionDays !== lock.maxRetentionDays) {
                report.check(
                    check,
                    "warn",
                    `locked with retention ${out.MinRetentionDays ?? "-"}..${out.MaxRetentionDays ?? "-"} days; the stack expects ${lock.minRetentionDays}..${lock.maxRetentionDays}`,
                );
                return;
            }
            report.check(
                check,
                "pass",
                `locked (compliance), retention ${out.MinRetentionDays}..${out.MaxRetentionDays} days, ${out.NumberOfRecoveryPoints ?? 0} recovery points`,
            );
        });
    }
}

async function checkReplication(ctx: DrContext, report: Report, stack: DeploymentConfig): Promise<void> {
    const bucket = naming.exportsBucketName(stack.environment, stack.accountId, stack.region);
    const archive = naming.archiveBucketArn(stack.backupAccount.accountId, stack.backupAccount.region);
    let rules;
    try {
        const out = await ctx.gate.read(
            ctx.clients().s3,
            new GetBucketReplicationCommand({ Bucket: bucket, ExpectedBucketOwner: stack.accountId }),
        );
        rules = out.ReplicationConfiguration?.Rules ?? [];
    } catch (err) {
        if (isNotFound(err)) {
            report.check(
                "replication:exports",
                "fail",
                `${bucket} has no replication configuration: exports stay in this account only`,
            );
            return;
        }
        throw err;
    }
    const toArchive = rules.filter((r) => r.Status === "Enabled" && r.Destination?.Bucket === archive);
    if (toArchive.length === 0) {
        report.check("replication:exports", "fail", `no enabled rule of ${bucket} replicates to ${archive}`);
        return;
    }
    const rtc = toArchive.every((r) => r.Destination?.ReplicationTime?.Status === "Enabled");
    report.check(
        "replication:exports",
        rtc ? "pass" : "warn",
        rtc
            ? `${bucket} replicates to the archive with replication time control (15 min)`
            : `${bucket} replicates to the archive, but without replication time control`,
    );
}

async function checkSecretReplica(ctx: DrContext, report: Report, secretName: string, drRegion: string): Promise<void> {
    const check = `secret-replica:${secretName}`;
    const out = await ctx.gate.read(ctx.clients().secrets, new DescribeSecretCommand({ SecretId: secretName }));
    const replica = (out.ReplicationStatus ?? []).find((r) => r.Region === drRegion);
    if (!replica) {
        report.check(
            check,
            "fail",
            `no replica in ${drRegion}: a region loss would lose it (and escrow it: npm run dr -- escrow-secret)`,
        );
    } else if (replica.Status === "InSync") {
        report.check(check, "pass", `replica in ${drRegion} in sync`);
    } else if (replica.Status === "InProgress") {
        report.check(check, "warn", `replica in ${drRegion} still replicating`);
    } else {
        report.check(
            check,
            "fail",
            `replica in ${drRegion} is ${replica.Status}: ${replica.StatusMessage ?? "no message"}`,
        );
    }
}
