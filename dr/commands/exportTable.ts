/**
 * `export-table TABLE...`: a full or incremental export to the exports bucket under a dated prefix,
 * waits, and writes a manifest of what was exported beside it (and, with --manifest, locally).
 * The exports bucket replicates into the backup account's archive, so an export is also off-account.
 */
import {
    DescribeContinuousBackupsCommand,
    DescribeExportCommand,
    ExportDescription,
    ExportTableToPointInTimeCommand,
} from "@aws-sdk/client-dynamodb";
import { GetBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import * as fs from "fs";
import * as naming from "../../naming";
import { waitFor } from "../aws/waiter";
import { DrContext } from "../context";
import { DrError, ExitCodeValue, UsageError, errorMessage, isCredentialError } from "../errors";
import { compactTimestamp, parseTime } from "../time";
import { checkAccount, describeTableIfExists } from "./common";
import { CommandSpec } from "./types";
import * as valid from "../validate";

interface ExportTableOptions {
    all?: boolean;
    type: string;
    from?: string;
    to?: string;
    at?: string;
    bucket?: string;
    prefix: string;
    manifest?: string;
}

/** DynamoDB: an incremental export covers at least 15 minutes and at most 24 hours. */
const INCREMENTAL_MIN_MS = 15 * 60_000;
const INCREMENTAL_MAX_MS = 24 * 3_600_000;

export const MANIFEST_NAME = "vat-backup-manifest.json";

export const exportTableCommand: CommandSpec = {
    name: "export-table",
    summary: "export tables (full or incremental) to the exports bucket under a dated prefix, with a manifest",
    configure(cmd) {
        cmd.argument("[tables...]", "tables to export", valid.eachOf(valid.TABLE_NAME, "a DynamoDB table name"))
            .option("--all", "every table of the stack (--stack)")
            .option("--type <type>", "full or incremental", "full")
            .option("--at <time>", "full export: the point in time to export (default: now)")
            .option("--from <time>", "incremental export: start of the period")
            .option(
                "--to <time>",
                "incremental export: end of the period (default: the latest time with data, as DynamoDB picks it)",
            )
            .option("--bucket <name>", "bucket to export to (default: the stack's exports bucket)", valid.bucketName)
            .option("--prefix <prefix>", "top-level key prefix", "dynamodb-exports")
            .option("--manifest <file>", "also write the manifest of this run to a local file");
    },
    run: (ctx, args, options) => exportTables(ctx, args, options as unknown as ExportTableOptions),
};

interface ExportPlan {
    type: "FULL_EXPORT" | "INCREMENTAL_EXPORT";
    at?: Date;
    from?: Date;
    /** Only when --to is given: without it DynamoDB exports up to the latest time with data. */
    to?: Date;
}

function planExport(ctx: DrContext, options: ExportTableOptions): ExportPlan {
    const now = ctx.clock.now();
    if (options.type === "full") {
        if (options.from || options.to)
            throw new UsageError(
                "--from/--to belong to an incremental export",
                "Use --type incremental, or --at for a full export at a point in time.",
            );
        return { type: "FULL_EXPORT", at: options.at ? parseTime(options.at, now, "--at") : undefined };
    }
    if (options.type !== "incremental")
        throw new UsageError(`--type must be full or incremental, not '${options.type}'`);
    if (!options.from)
        throw new UsageError(
            "an incremental export needs --from",
            "Pass --from with the end of the previous export (its manifest says it), e.g. --from -24h.",
        );
    const from = parseTime(options.from, now, "--from");
    const to = options.to ? parseTime(options.to, now, "--to") : undefined;
    // Without --to the period ends near now; checked against now, the same bounds apply.
    const span = (to?.getTime() ?? now) - from.getTime();
    if (span < INCREMENTAL_MIN_MS || span > INCREMENTAL_MAX_MS) {
        throw new UsageError(
            `an incremental export covers 15 minutes to 24 hours; ${from.toISOString()} to ${(to ?? new Date(now)).toISOString()} is ${Math.round(span / 60_000)} minutes`,
            "Split a longer period into daily exports, or take a full export.",
        );
    }
    return { type: "INCREMENTAL_EXPORT", from, to };
}

export function exportPrefix(base: string, table: string, type: ExportPlan["type"], startedMs: number): string {
    const d = new Date(startedMs);
    const date = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}`;
    return `${base.replace(/\/+$/, "")}/${table}/${date}/${type === "FULL_EXPORT" ? "full" : "incremental"}-${compactTimestamp(startedMs)}`;
}

export async function exportTables(
    ctx: DrContext,
    args: string[],
    options: ExportTableOptions,
): Promise<ExitCodeValue> {
    const stack = ctx.stack;
    const tables = options.all ? ctx.requireStack("with --all").tables : args;
    if (tables.length === 0)
        throw new UsageError(
            "name at least one table, or --all with --stack",
            "Example: npm run dr -- export-table prod-env-receipts --stack prod",
        );
    const plan = planExport(ctx, options);
    const bucket =
        options.bucket ??
        (stack ? naming.exportsBucketName(stack.environment, stack.accountId, stack.region) : undefined);
    if (!bucket)
        throw new UsageError("no bucket to export to", "Pass --stack (its exports bucket is used) or --bucket.");
    const account = await checkAccount(ctx, "target", stack?.accountId);
    const encryption = await bucketEncryption(ctx, bucket, account);
    const report = ctx.report();
    const manifests: Record<string, unknown>[] = [];

    await Promise.all(
        tables.map(async (table) => {
            try {
                manifests.push(
                    await exportOne(ctx, report, table, plan, { bucket, account, encryption }, options.prefix),
                );
            } catch (err) {
                if (isCredentialError(err)) throw err;
                // The FAIL line names the next step too (a DrError's hint), as every FAIL line should.
                const next = err instanceof DrError ? ` (next: ${err.hint})` : "";
                report.check(`export:${table}`, "fail", `${errorMessage(err)}${next}`);
            }
        }),
    );
    report.data.bucket = bucket;
    report.data.exports = manifests;
    if (options.manifest && !ctx.dryRun)
        fs.writeFileSync(options.manifest, `${JSON.stringify({ bucket, exports: manifests }, null, 2)}\n`);
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

/** How the export is encrypted in S3: DynamoDB's ExportTableToPointInTime parameters. */
export interface ExportEncryption {
    S3SseAlgorithm: "KMS" | "AES256";
    S3SseKmsKeyId?: string;
}

/**
 * The bucket's own default encryption, passed to the export explicitly. Left out, DynamoDB picks
 * its own ("ExportTableToPointInTime", DynamoDB API Reference: S3SseAlgorithm AES256 or KMS,
 * S3SseKmsKeyId), and the exports bucket denies every put not under its key.
 */
export async function bucketEncryption(ctx: DrContext, bucket: string, account: string): Promise<ExportEncryption> {
    const out = await ctx.gate.read(
        ctx.clients().s3,
        new GetBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: account }),
    );
    const byDefault = out?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    if (byDefault?.SSEAlgorithm === "aws:kms" && byDefault.KMSMasterKeyID)
        return { S3SseAlgorithm: "KMS", S3SseKmsKeyId: byDefault.KMSMasterKeyID };
    if (byDefault?.SSEAlgorithm === "AES256") return { S3SseAlgorithm: "AES256" };
    throw new UsageError(
        `s3://${bucket} has no default encryption DynamoDB can export with (${byDefault?.SSEAlgorithm ?? "none"})`,
        "Export into the stack's exports bucket (SSE-KMS under the backup key), or a bucket with SSE-KMS or SSE-S3 by default.",
    );
}

/** DynamoDB exports only from the PITR window: check it is on and covers the requested start. */
async function requirePitr(ctx: DrContext, table: string, plan: ExportPlan): Promise<void> {
    const out = await ctx.gate.read(ctx.clients().dynamodb, new DescribeContinuousBackupsCommand({ TableName: table }));
    const pitr = out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    if (pitr?.PointInTimeRecoveryStatus !== "ENABLED") {
        throw new UsageError(
            `point-in-time recovery is ${pitr?.PointInTimeRecoveryStatus ?? "not enabled"} on ${table}: DynamoDB exports only from PITR`,
            `Turn PITR on (deploy the stack, or aws dynamodb update-continuous-backups --table-name ${table} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true); exports can start from when it was enabled.`,
        );
    }
    const start = plan.from ?? plan.at;
    const earliest = pitr.EarliestRestorableDateTime;
    if (start && earliest && start.getTime() < earliest.getTime()) {
        throw new UsageError(
            `${start.toISOString()} is before the earliest restorable time of ${table} (${earliest.toISOString()})`,
            "Pick a start inside the PITR window, or take a full export.",
        );
    }
}

async function exportOne(
    ctx: DrContext,
    report: ReturnType<DrContext["report"]>,
    table: string,
    plan: ExportPlan,
    target: { bucket: string; account: string; encryption: ExportEncryption },
    base: string,
): Promise<Record<string, unknown>> {
    const { bucket, account } = target;
    const clients = ctx.clients();
    const description = await describeTableIfExists(ctx.gate, clients, table);
    if (!description?.TableArn) throw new UsageError(`table ${table} does not exist in ${ctx.region}`);
    await requirePitr(ctx, table, plan);
    const started = ctx.clock.now();
    const prefix = exportPrefix(base, table, plan.type, started);
    const exported = await report.step(
        `${plan.type === "FULL_EXPORT" ? "full" : "incremental"} export`,
        table,
        async (): Promise<ExportDescription | undefined> => {
            const out = await ctx.gate.mutate(
                clients.dynamodb,
                new ExportTableToPointInTimeCommand({
                    TableArn: description.TableArn,
                    S3Bucket: bucket,
                    S3BucketOwner: account,
                    S3Prefix: prefix,
                    ...target.encryption,
                    ExportFormat: "DYNAMODB_JSON",
                    ExportType: plan.type,
                    ExportTime: plan.at,
                    IncrementalExportSpecification:
                        plan.type === "INCREMENTAL_EXPORT"
                            ? { ExportFromTime: plan.from, ExportToTime: plan.to, ExportViewType: "NEW_AND_OLD_IMAGES" }
                            : undefined,
                    // Same table, same second: a repeated run joins the running export instead of starting another.
                    ClientToken: `${table}-${compactTimestamp(started)}`.slice(0, 64),
                }),
            );
            const exportArn = out?.ExportDescription?.ExportArn;
            if (!exportArn) return undefined;
            const { value } = await waitFor(
                `export ${table}`,
                async () => {
                    const d = (
                        await ctx.gate.read(clients.dynamodb, new DescribeExportCommand({ ExportArn: exportArn }))
                    ).ExportDescription;
                    const status = d?.ExportStatus ?? "UNKNOWN";
                    return {
                        status,
                        done: status === "COMPLETED",
                        failed:
                            status === "FAILED"
                                ? { reason: `${d?.FailureCode ?? ""} ${d?.FailureMessage ?? ""}`.trim() }
                                : undefined,
                        value: d,
                    };
                },
                ctx.waitOptions(
                    "Read the failure above; a permissions failure usually means the bucket policy or key policy does not let DynamoDB write; fix it and run the command again.",
                ),
            );
            return value;
        },
        (d) =>
            d
                ? `${d.ItemCount ?? 0} items, ${d.BilledSizeBytes ?? 0} bytes → s3://${bucket}/${prefix}`
                : `(dry run) → s3://${bucket}/${prefix}`,
    );
    const manifest = {
        table,
        tableArn: description.TableArn,
        exportType: plan.type,
        exportTime: exported?.ExportTime?.toISOString() ?? plan.at?.toISOString() ?? null,
        incrementalFrom: plan.from?.toISOString() ?? null,
        incrementalTo:
            exported?.IncrementalExportSpecification?.ExportToTime?.toISOString() ?? plan.to?.toISOString() ?? null,
        exportArn: exported?.ExportArn ?? null,
        bucket,
        prefix,
        awsManifest: exported?.ExportManifest ?? null,
        itemCount: exported?.ItemCount ?? null,
        billedSizeBytes: exported?.BilledSizeBytes ?? null,
        tableItemCountAtStart: description.ItemCount ?? null,
        startedAt: new Date(started).toISOString(),
        endedAt: new Date(ctx.clock.now()).toISOString(),
    };
    await ctx.gate.mutate(
        clients.s3,
        new PutObjectCommand({
            Bucket: bucket,
            Key: `${prefix}/${MANIFEST_NAME}`,
            Body: JSON.stringify(manifest, null, 2),
            ContentType: "application/json",
            ExpectedBucketOwner: account,
            ChecksumAlgorithm: "SHA256",
        }),
    );
    report.check(`export:${table}`, "pass", `s3://${bucket}/${prefix}/${MANIFEST_NAME}`);
    return manifest;
}
