/**
 * What a restore does not carry, put back: PITR, TTL, tags, deletion protection. DynamoDB's restore
 * documentation lists tags, stream settings, TTL and PITR settings (and auto scaling, IAM policies,
 * alarms) among what "you must manually set up" on a restored table.
 */
import {
    DescribeContinuousBackupsCommand,
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    ListTagsOfResourceCommand,
    Tag,
    TableDescription,
    TagResourceCommand,
    UpdateContinuousBackupsCommand,
    UpdateTableCommand,
    UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { AwsClients } from "../aws/clients";
import { readAllPages } from "../aws/gate";
import { PollResult, waitFor } from "../aws/waiter";
import { DrContext } from "../context";
import { errorMessage, isCredentialError, isNotFound } from "../errors";
import { Report } from "../output";

export interface TableSettings {
    pitrDays?: number;
    ttlAttribute?: string;
    tags: Tag[];
    deletionProtection: boolean;
    streamEnabled: boolean;
}

/** Reads the settings of a live table that a restore would drop. */
export async function readTableSettings(
    ctx: DrContext,
    clients: AwsClients,
    table: TableDescription,
): Promise<TableSettings> {
    const name = table.TableName ?? "";
    const pitr = (await ctx.gate.read(clients.dynamodb, new DescribeContinuousBackupsCommand({ TableName: name })))
        .ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    const ttl = (await ctx.gate.read(clients.dynamodb, new DescribeTimeToLiveCommand({ TableName: name })))
        .TimeToLiveDescription;
    const tags = table.TableArn
        ? await readAllPages(
              ctx.gate,
              clients.dynamodb,
              (token) => new ListTagsOfResourceCommand({ ResourceArn: table.TableArn, NextToken: token }),
              (page) => page.Tags,
              (page) => page.NextToken,
          )
        : [];
    return {
        pitrDays: pitr?.PointInTimeRecoveryStatus === "ENABLED" ? (pitr.RecoveryPeriodInDays ?? 35) : undefined,
        ttlAttribute:
            ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING" ? ttl.AttributeName : undefined,
        // Tags under the aws: prefix belong to AWS and cannot be set by anyone.
        tags: tags.filter((t) => !t.Key?.startsWith("aws:")),
        deletionProtection: Boolean(table.DeletionProtectionEnabled),
        streamEnabled: Boolean(table.StreamSpecification?.StreamEnabled),
    };
}

/** Waits until a new table is ACTIVE; a table not yet visible right after the restore call counts as creating. */
export async function waitTableActive(
    ctx: DrContext,
    clients: AwsClients,
    tableName: string,
    job: string,
): Promise<TableDescription | undefined> {
    const { value } = await waitFor(
        job,
        async (): Promise<PollResult<TableDescription>> => {
            try {
                const table = (
                    await ctx.gate.read(clients.dynamodb, new DescribeTableCommand({ TableName: tableName }))
                ).Table;
                return { status: table?.TableStatus ?? "UNKNOWN", done: table?.TableStatus === "ACTIVE", value: table };
            } catch (err) {
                if (isNotFound(err)) return { status: "CREATING (not visible yet)", done: false };
                throw err;
            }
        },
        ctx.waitOptions(
            `Look at the table ${tableName} in the DynamoDB console; delete it if it is half-created, then run the command again.`,
        ),
    );
    return value;
}

/** Attempts, and the first delay (doubled each time), for the settings DynamoDB refuses for a while after a restore. */
export const SETTING_RETRY = { attempts: 6, baseDelayMs: 10_000 } as const;

/**
 * Right after a restore, DynamoDB refuses UpdateContinuousBackups with
 * ContinuousBackupsUnavailableException until continuous backups are ENABLED on the new table, and
 * UpdateTimeToLive with LimitExceededException while other table operations run: both pass with time.
 * (DynamoDB API reference: ContinuousBackupsUnavailableException, "Backups have not yet been enabled for this table".)
 */
async function retryOn<T>(ctx: DrContext, errorName: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await fn();
        } catch (err) {
            if (!(err instanceof Error && err.name === errorName) || attempt >= SETTING_RETRY.attempts) throw err;
            await ctx.clock.sleep(SETTING_RETRY.baseDelayMs * 2 ** (attempt - 1));
        }
    }
}

/** Waits until a restored table's continuous backups are ENABLED: PITR can only be turned on after that. */
async function waitContinuousBackupsEnabled(ctx: DrContext, clients: AwsClients, tableName: string): Promise<void> {
    if (ctx.dryRun) return; // the table does not exist yet: the restore was only shown
    await waitFor(
        `continuous backups of ${tableName}`,
        async (): Promise<PollResult<void>> => {
            const status =
                (await ctx.gate.read(clients.dynamodb, new DescribeContinuousBackupsCommand({ TableName: tableName })))
                    .ContinuousBackupsDescription?.ContinuousBackupsStatus ?? "UNKNOWN";
            return { status, done: status === "ENABLED" };
        },
        ctx.waitOptions(
            `Turn PITR on for ${tableName} by hand once its continuous backups show ENABLED (aws dynamodb describe-continuous-backups).`,
        ),
    );
}

/**
 * Applies the settings one by one; each is its own step, so one refused setting is reported and
 * does not stop the others. Under --dry-run the calls are shown, not sent.
 */
export async function applyTableSettings(
    ctx: DrContext,
    clients: AwsClients,
    report: Report,
    tableName: string,
    tableArn: string,
    settings: TableSettings,
): Promise<void> {
    const apply = async (step: string, fn: () => Promise<unknown>) => {
        try {
            await report.step(step, tableName, fn);
        } catch (err) {
            if (isCredentialError(err)) throw err;
            report.check(`${step}:${tableName}`, "fail", `${errorMessage(err)}: set it by hand (see docs/runbook.md)`);
        }
    };
    if (settings.pitrDays !== undefined) {
        await apply("enable PITR", async () => {
            await waitContinuousBackupsEnabled(ctx, clients, tableName);
            return retryOn(ctx, "ContinuousBackupsUnavailableException", () =>
                ctx.gate.mutate(
                    clients.dynamodb,
                    new UpdateContinuousBackupsCommand({
                        TableName: tableName,
                        PointInTimeRecoverySpecification: {
                            PointInTimeRecoveryEnabled: true,
                            RecoveryPeriodInDays: settings.pitrDays,
                        },
                    }),
                ),
            );
        });
    }
    if (settings.ttlAttribute) {
        const attr = settings.ttlAttribute;
        await apply("enable TTL", async () => {
            // A re-run finds TTL already on: UpdateTimeToLive would refuse it ("TimeToLive is already enabled").
            const current = ctx.dryRun
                ? undefined
                : (await ctx.gate.read(clients.dynamodb, new DescribeTimeToLiveCommand({ TableName: tableName })))
                      .TimeToLiveDescription;
            if (current?.TimeToLiveStatus === "ENABLED" && current.AttributeName === attr) return;
            return retryOn(ctx, "LimitExceededException", () =>
                ctx.gate.mutate(
                    clients.dynamodb,
                    new UpdateTimeToLiveCommand({
                        TableName: tableName,
                        TimeToLiveSpecification: { Enabled: true, AttributeName: attr },
                    }),
                ),
            );
        });
    }
    if (settings.tags.length > 0) {
        await apply("tag", () =>
            ctx.gate.mutate(clients.dynamodb, new TagResourceCommand({ ResourceArn: tableArn, Tags: settings.tags })),
        );
    }
    if (settings.deletionProtection) {
        await apply("deletion protection", () =>
            ctx.gate.mutate(
                clients.dynamodb,
                new UpdateTableCommand({ TableName: tableName, DeletionProtectionEnabled: true }),
            ),
        );
    }
    if (settings.streamEnabled) {
        report.check(
            `stream:${tableName}`,
            "warn",
            "the source table had a stream; a restore does not carry it: redeploy the application stack that owns the stream and its consumers",
        );
    }
}
