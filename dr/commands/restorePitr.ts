/**
 * `restore-pitr TABLE --to TIME`: a table as it was at TIME, into a new table.
 *
 * Refuses a time outside the table's restorable window and a target that exists; waits until the
 * new table is ACTIVE; puts back what a restore drops (PITR, TTL, tags, deletion protection); prints
 * the item counts before and after. `--deleted` restores a deleted table from the system backup
 * DynamoDB keeps when a table with PITR is deleted.
 */
import {
    DescribeContinuousBackupsCommand,
    ListBackupsCommand,
    RestoreTableFromBackupCommand,
    RestoreSummary,
    RestoreTableToPointInTimeCommand,
    TableDescription,
} from "@aws-sdk/client-dynamodb";
import { readAllPages } from "../aws/gate";
import { DrContext } from "../context";
import { ExitCodeValue, UsageError } from "../errors";
import { Journal } from "../journal";
import * as valid from "../validate";
import { compactTimestamp, parseTime } from "../time";
import { checkAccount, describeTableIfExists } from "./common";
import { TableSettings, applyTableSettings, readTableSettings, waitTableActive } from "./tableSettings";
import { CommandSpec } from "./types";

interface RestorePitrOptions {
    to?: string;
    target?: string;
    deleted?: boolean;
}

/** DynamoDB table names: 3 to 255 of a-z, A-Z, 0-9, '_', '-', '.'. */
export const TABLE_NAME = valid.TABLE_NAME;

/** What a re-run of the same command needs to adopt the restore an earlier run started. */
interface RestorePitrState {
    restoreTo?: string;
    /** The system backup a restore of a deleted table started from. */
    backupArn?: string;
    target: string;
    startedAt: string;
}

export const restorePitrCommand: CommandSpec = {
    name: "restore-pitr",
    summary: "restore a table to a point in time into a new table, with its PITR, TTL, tags and deletion protection",
    configure(cmd) {
        cmd.argument("<table>", "the table to restore", valid.tableName)
            .option("--to <time>", "ISO time with zone (2026-11-26T02:00:00Z) or relative (-15m, -2h)")
            .option("--target <name>", "name of the new table (default <table>-restored-<timestamp>)", valid.tableName)
            .option("--deleted", "the table was deleted: restore its last state from DynamoDB's system backup");
    },
    run: (ctx, args, options) => restorePitr(ctx, args[0], options as RestorePitrOptions),
};

export async function restorePitr(ctx: DrContext, source: string, options: RestorePitrOptions): Promise<ExitCodeValue> {
    if (options.deleted) return restoreDeleted(ctx, source, options);
    if (!options.to)
        throw new UsageError(
            "--to is required",
            "Pass --to with the time to restore to, e.g. --to -15m or --to 2026-11-26T02:00:00Z.",
        );
    const journal = new Journal<RestorePitrState>(ctx, { source, to: options.to, target: options.target ?? null });
    const previous = journal.previous;
    // A relative --to was resolved by the run that started the restore: the re-run uses that time.
    const restoreTo = previous?.restoreTo
        ? new Date(previous.restoreTo)
        : parseTime(options.to, ctx.clock.now(), "--to");
    const target = previous?.target ?? options.target ?? `${source}-restored-${compactTimestamp(restoreTo.getTime())}`;
    if (!TABLE_NAME.test(target))
        throw new UsageError(
            `<table> '${source}' is too long to name its restored copy '${target}' (at most 255 characters)`,
            "Pass a shorter --target.",
        );
    const report = ctx.report();
    const clients = ctx.clients();
    await checkAccount(ctx, "target", ctx.stack?.accountId);

    const sourceTable = await describeTableIfExists(ctx.gate, clients, source);
    if (!sourceTable) {
        throw new UsageError(
            `table ${source} does not exist in ${ctx.region}`,
            `If it was deleted, restore its last state with: npm run dr -- restore-pitr ${source} --deleted`,
        );
    }
    const settings = await readTableSettings(ctx, clients, sourceTable);
    report.data.source = source;
    report.data.target = target;
    report.data.restoreTo = restoreTo.toISOString();
    const adopted = await adoptableTarget(
        ctx,
        target,
        previous,
        (summary) =>
            summary.SourceTableArn === sourceTable.TableArn && Number(summary.RestoreDateTime) === restoreTo.getTime(),
    );
    if (adopted) {
        report.line(
            `resuming: ${target} (restore of ${source} as of ${restoreTo.toISOString()}) was started by an earlier run`,
        );
        await report.step("restore", target, async () => {
            await waitTableActive(ctx, clients, target, `restore ${target}`);
        });
        return finishRestore(ctx, report, sourceTable, target, settings, journal);
    }
    const pitr = (await ctx.gate.read(clients.dynamodb, new DescribeContinuousBackupsCommand({ TableName: source })))
        .ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    if (
        pitr?.PointInTimeRecoveryStatus !== "ENABLED" ||
        !pitr.EarliestRestorableDateTime ||
        !pitr.LatestRestorableDateTime
    ) {
        throw new UsageError(
            `point-in-time recovery is not enabled on ${source}`,
            "Restore from AWS Backup instead: npm run dr -- restore-account --only <table> (see docs/runbook.md).",
        );
    }
    const earliest = pitr.EarliestRestorableDateTime;
    const latest = pitr.LatestRestorableDateTime;
    if (restoreTo < earliest || restoreTo > latest) {
        throw new UsageError(
            `--to ${restoreTo.toISOString()} is outside the restorable window of ${source}: ${earliest.toISOString()} to ${latest.toISOString()}`,
            "Pick a time inside that window; for an older state use a recovery point from AWS Backup (restore-account --as-of).",
        );
    }
    report.data.window = { earliest: earliest.toISOString(), latest: latest.toISOString() };
    report.line(`restoring ${source} as of ${restoreTo.toISOString()} into ${target}`);

    journal.save({ restoreTo: restoreTo.toISOString(), target, startedAt: new Date(ctx.clock.now()).toISOString() });
    await report.step("restore", target, async () => {
        await ctx.gate.mutate(
            clients.dynamodb,
            new RestoreTableToPointInTimeCommand({
                SourceTableName: source,
                TargetTableName: target,
                RestoreDateTime: restoreTo,
            }),
        );
        if (!ctx.dryRun) await waitTableActive(ctx, clients, target, `restore ${target}`);
    });
    return finishRestore(ctx, report, sourceTable, target, settings, journal);
}

/**
 * True when the target exists because an earlier run of this command started its restore: the
 * journal says so, and DynamoDB's own record agrees (DescribeTable's RestoreSummary, whose
 * RestoreDateTime is always present: DynamoDB API reference, RestoreSummary). Any other existing
 * table is refused: a restore never overwrites a table.
 */
async function adoptableTarget(
    ctx: DrContext,
    target: string,
    previous: RestorePitrState | undefined,
    fromThisRestore: (summary: RestoreSummary) => boolean,
): Promise<boolean> {
    const existing = await describeTableIfExists(ctx.gate, ctx.clients(), target);
    if (!existing) return false;
    const summary = existing.RestoreSummary;
    if (previous?.target === target && summary && fromThisRestore(summary)) return true;
    throw new UsageError(
        `target table ${target} already exists; a restore never overwrites a table`,
        "Pass another --target, or delete the old table first if you are sure it is not needed.",
    );
}

async function finishRestore(
    ctx: DrContext,
    report: ReturnType<DrContext["report"]>,
    source: TableDescription | undefined,
    target: string,
    settings: TableSettings,
    journal: Journal<RestorePitrState>,
): Promise<ExitCodeValue> {
    const clients = ctx.clients();
    const restored = ctx.dryRun ? undefined : await describeTableIfExists(ctx.gate, clients, target);
    const targetArn =
        restored?.TableArn ??
        (source?.TableArn
            ? source.TableArn.replace(/table\/.*$/, `table/${target}`)
            : `arn:aws:dynamodb:${ctx.region}:unknown:table/${target}`);
    await applyTableSettings(ctx, clients, report, target, targetArn, settings);
    const before = source?.ItemCount;
    const after = restored?.ItemCount;
    report.data.itemCount = { before: before ?? null, after: after ?? null };
    report.line(
        `item count before: ${before ?? "n/a"}, after: ${ctx.dryRun ? "n/a (dry run)" : (after ?? "n/a")} (DescribeTable ItemCount is refreshed about every 6 hours)`,
    );
    if (!ctx.dryRun)
        report.line(`next: point the application at ${target}, or copy the rows you need back (see docs/runbook.md)`);
    if (!report.failed) journal.complete();
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

/** A table with PITR leaves a system backup when deleted; restore it under the original name by default. */
async function restoreDeleted(ctx: DrContext, table: string, options: RestorePitrOptions): Promise<ExitCodeValue> {
    const report = ctx.report();
    const clients = ctx.clients();
    const target = options.target ?? table;
    const journal = new Journal<RestorePitrState>(ctx, { deleted: table, target: options.target ?? null });
    await checkAccount(ctx, "target", ctx.stack?.accountId);
    // A deleted table's tags and TTL cannot be read back; PITR and deletion protection are the
    // strategy's baseline, so those are put on.
    const settings: TableSettings = {
        pitrDays: ctx.stack?.pitrRecoveryPeriodDays ?? 35,
        tags: [],
        deletionProtection: true,
        streamEnabled: false,
    };
    const previous = journal.previous;
    if (
        await adoptableTarget(
            ctx,
            target,
            previous,
            // The journal records the backup together with the target, so a matching target has one.
            (summary) => summary.SourceBackupArn === previous?.backupArn,
        )
    ) {
        report.line(`resuming: ${target} (restore of deleted ${table}) was started by an earlier run`);
        await report.step("restore", target, async () => {
            await waitTableActive(ctx, clients, target, `restore ${target}`);
        });
        return finishDeleted(ctx, report, target, settings, journal);
    }
    const backups = await readAllPages(
        ctx.gate,
        clients.dynamodb,
        (token) => new ListBackupsCommand({ TableName: table, BackupType: "SYSTEM", ExclusiveStartBackupArn: token }),
        (page) => page.BackupSummaries,
        (page) => page.LastEvaluatedBackupArn,
    );
    const newest = backups
        .filter((b) => b.BackupStatus === "AVAILABLE")
        .sort((a, b) => (b.BackupCreationDateTime?.getTime() ?? 0) - (a.BackupCreationDateTime?.getTime() ?? 0))[0];
    if (!newest?.BackupArn) {
        throw new UsageError(
            `no system backup of a deleted table ${table} in ${ctx.region}`,
            "DynamoDB keeps one for 35 days only when PITR was on; restore from the backup account instead: npm run dr -- restore-account --only " +
                table,
        );
    }
    report.data.source = table;
    report.data.target = target;
    report.data.backupArn = newest.BackupArn;
    report.line(
        `restoring deleted ${table} from its system backup of ${newest.BackupCreationDateTime?.toISOString()} into ${target}`,
    );
    journal.save({ target, backupArn: newest.BackupArn, startedAt: new Date(ctx.clock.now()).toISOString() });
    await report.step("restore", target, async () => {
        await ctx.gate.mutate(
            clients.dynamodb,
            new RestoreTableFromBackupCommand({ TargetTableName: target, BackupArn: newest.BackupArn }),
        );
        if (!ctx.dryRun) await waitTableActive(ctx, clients, target, `restore ${target}`);
    });
    return finishDeleted(ctx, report, target, settings, journal);
}

function finishDeleted(
    ctx: DrContext,
    report: ReturnType<DrContext["report"]>,
    target: string,
    settings: TableSettings,
    journal: Journal<RestorePitrState>,
): Promise<ExitCodeValue> {
    report.check(
        `ttl:${target}`,
        "warn",
        "a deleted table's TTL and tags cannot be read back: redeploy the application stack that owns the table to put them on",
    );
    return finishRestore(ctx, report, undefined, target, settings, journal);
}
