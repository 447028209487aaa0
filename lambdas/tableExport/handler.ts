/**
 * Scheduled DynamoDB exports, in each deployment account: a weekly full export of the critical and
 * high tables and an hourly incremental export of the critical ones, server-side encrypted with the
 * exports key (SSE-KMS) into the exports bucket, which replicates into both Object Lock archives
 * with replication time control. `dr restore-from-export` rebuilds a table from a full export plus
 * the incremental ones after it.
 *
 * ExportTableToPointInTime (DynamoDB API reference): the table must have PITR on; ExportType
 * FULL_EXPORT or INCREMENTAL_EXPORT with IncrementalExportSpecification {ExportFromTime inclusive,
 * ExportToTime exclusive}; a ClientToken makes the call idempotent for 8 hours, so a retried
 * invocation cannot start a second export of the same window. Each incremental window is the
 * previous whole hour, so consecutive runs tile time without gaps or overlaps.
 *
 * Failed exports are found on the next run: ListExports (paginated) and DescribeExport of every
 * FAILED export that ended since the previous window, published as a metric an alarm watches.
 */
import { createHash } from "node:crypto";
import {
    DescribeExportCommand,
    DynamoDBClient,
    ExportTableToPointInTimeCommand,
    ListExportsCommand,
} from "@aws-sdk/client-dynamodb";
import { compactTimestamp } from "../../naming/escrowFormat";
import {
    CloudWatchClient,
    MetricPoint,
    RetryOptions,
    Sender,
    errorName,
    publishMetrics,
    requireEnv,
    withThrottleRetry,
} from "../shared/runtime";

export type ExportMode = "full" | "incremental";

export interface TableExportEvent {
    mode?: ExportMode;
    /** Table names; the scheduler's input names them, so each schedule says what it exports. */
    tables?: string[];
}

export interface TableExportConfig {
    bucket: string;
    kmsKeyArn: string;
    prefix: string;
    accountId: string;
    region: string;
    metricNamespace: string;
}

export interface TableExportDeps extends TableExportConfig {
    dynamodb: Sender;
    cloudwatch: Sender;
    now?: () => Date;
    log?: (entry: Record<string, unknown>) => void;
    retry?: RetryOptions;
}

export interface TableExportResult {
    table: string;
    exportArn?: string;
    window?: { from: string; to: string };
    failedRecently: string[];
    error?: string;
}

const HOUR_MS = 3_600_000;

export function configFromEnv(env: Record<string, string | undefined>): TableExportConfig {
    requireEnv(
        env,
        ["EXPORT_BUCKET", "EXPORT_KMS_KEY_ARN", "EXPORT_PREFIX", "ACCOUNT_ID", "AWS_REGION", "METRIC_NAMESPACE"],
        "tableExport",
    );
    return {
        bucket: env.EXPORT_BUCKET!,
        kmsKeyArn: env.EXPORT_KMS_KEY_ARN!,
        prefix: env.EXPORT_PREFIX!,
        accountId: env.ACCOUNT_ID!,
        region: env.AWS_REGION!,
        metricNamespace: env.METRIC_NAMESPACE!,
    };
}

/** The previous whole hour: [from, to), `to` the start of the current hour. */
export function incrementalWindow(now: Date): { from: Date; to: Date } {
    const to = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
    return { from: new Date(to.getTime() - HOUR_MS), to };
}

/** One export per table, mode and window (or hour, for full exports): a retry reuses the token. */
export function clientToken(table: string, mode: ExportMode, key: string): string {
    return createHash("sha256").update(`${table}\n${mode}\n${key}`).digest("hex").slice(0, 36);
}

export function exportPrefix(prefix: string, table: string, mode: ExportMode, label: string): string {
    return `${prefix}/${table}/${mode}/${label}`;
}

async function failedSince(deps: TableExportDeps, tableArn: string, since: Date): Promise<string[]> {
    const failed: string[] = [];
    let token: string | undefined;
    do {
        const page = await withThrottleRetry(
            () => deps.dynamodb.send(new ListExportsCommand({ TableArn: tableArn, MaxResults: 25, NextToken: token })),
            deps.retry,
        );
        for (const summary of page.ExportSummaries ?? []) {
            if (summary.ExportStatus !== "FAILED" || !summary.ExportArn) continue;
            const described = await withThrottleRetry(
                () => deps.dynamodb.send(new DescribeExportCommand({ ExportArn: summary.ExportArn })),
                deps.retry,
            );
            const end: Date | undefined = described.ExportDescription?.EndTime;
            if (!end || end.getTime() >= since.getTime()) failed.push(summary.ExportArn);
        }
        token = page.NextToken;
    } while (token);
    return failed;
}

async function exportTable(
    deps: TableExportDeps,
    table: string,
    mode: ExportMode,
    now: Date,
): Promise<TableExportResult> {
    const tableArn = `arn:aws:dynamodb:${deps.region}:${deps.accountId}:table/${table}`;
    const result: TableExportResult = { table, failedRecently: [] };
    try {
        const window = incrementalWindow(now);
        // Failures are looked for over the last two windows of this mode, so none falls between runs.
        const lookBack = new Date(now.getTime() - (mode === "full" ? 8 * 24 : 2) * HOUR_MS);
        result.failedRecently = await failedSince(deps, tableArn, lookBack);
        const label =
            mode === "full"
                ? compactTimestamp(window.to.getTime())
                : `${compactTimestamp(window.from.getTime())}-${compactTimestamp(window.to.getTime())}`;
        const started = await withThrottleRetry(
            () =>
                deps.dynamodb.send(
                    new ExportTableToPointInTimeCommand({
                        TableArn: tableArn,
                        S3Bucket: deps.bucket,
                        S3BucketOwner: deps.accountId,
                        S3Prefix: exportPrefix(deps.prefix, table, mode, label),
                        S3SseAlgorithm: "KMS",
                        S3SseKmsKeyId: deps.kmsKeyArn,
                        ExportFormat: "DYNAMODB_JSON",
                        ClientToken: clientToken(table, mode, label),
                        ...(mode === "full"
                            ? { ExportType: "FULL_EXPORT", ExportTime: window.to }
                            : {
                                  ExportType: "INCREMENTAL_EXPORT",
                                  IncrementalExportSpecification: {
                                      ExportFromTime: window.from,
                                      ExportToTime: window.to,
                                      ExportViewType: "NEW_AND_OLD_IMAGES",
                                  },
                              }),
                    }),
                ),
            deps.retry,
        );
        result.exportArn = started.ExportDescription?.ExportArn;
        if (mode === "incremental") result.window = { from: window.from.toISOString(), to: window.to.toISOString() };
        if (!result.exportArn) throw new Error("ExportTableToPointInTime returned no ExportArn");
    } catch (error) {
        result.error = errorName(error);
    }
    return result;
}

export function makeHandler(deps: TableExportDeps): (event: TableExportEvent) => Promise<TableExportResult[]> {
    const now = deps.now ?? (() => new Date());
    const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
    return async (event) => {
        const mode = event.mode;
        if (mode !== "full" && mode !== "incremental") throw new Error(`mode must be full or incremental, not ${mode}`);
        const tables = event.tables ?? [];
        if (!tables.length) throw new Error("the schedule names no tables");
        const at = now();
        const results: TableExportResult[] = [];
        // One table's failure does not stop the others; the run still fails at the end.
        for (const table of tables) results.push(await exportTable(deps, table, mode, at));
        const points: MetricPoint[] = results.flatMap((r) => {
            const dimensions = { TableName: r.table, ExportType: mode };
            return [
                { name: "TableExportsStarted", value: r.error ? 0 : 1, unit: "Count" as const, dimensions },
                {
                    name: "TableExportsFailed",
                    value: r.failedRecently.length + (r.error ? 1 : 0),
                    unit: "Count" as const,
                    dimensions,
                },
            ];
        });
        await publishMetrics(deps.cloudwatch, deps.metricNamespace, points, at, deps.retry);
        log({ action: "table-export", mode, results });
        const failed = results.filter((r) => r.error);
        if (failed.length)
            throw new Error(`${mode} export failed for ${failed.map((r) => `${r.table} (${r.error})`).join("; ")}`);
        return results;
    };
}

let configured: ((event: TableExportEvent) => Promise<TableExportResult[]>) | undefined;

export async function handler(event: TableExportEvent): Promise<TableExportResult[]> {
    if (!configured) {
        const config = configFromEnv(process.env);
        configured = makeHandler({
            ...config,
            dynamodb: new DynamoDBClient({ region: config.region }),
            cloudwatch: new CloudWatchClient({ region: config.region }),
        });
    }
    return configured(event);
}
