/**
 * Restore-test validation: checks each table an AWS Backup restore test restored, never with a scan,
 * and reports the verdict to AWS Backup (PutRestoreValidationResult, AWS Backup Developer Guide,
 * "Restore testing validation": a target of an EventBridge rule on restore jobs reaching COMPLETED).
 *
 * Two events drive it:
 * 1. "Restore Job State Change", status COMPLETED, of our restore testing plan: the restore time is
 *    published as a metric; the restored table is checked at once (ACTIVE, key schema, GSIs, the
 *    sentinel item by a strongly consistent GetItem) and either FAILED, or left VALIDATING.
 * 2. An hourly "Scheduled Event": for every restore of the plan still VALIDATING whose table was
 *    restored at least `countCheckAfterHours` ago, the item count is compared and SUCCESSFUL or FAILED
 *    reported. DynamoDB updates ItemCount only about every six hours (DescribeTable, TableDescription
 *    ItemCount), so a count read at restore time says nothing; read after one refresh, the restored
 *    table's count is current, and is compared with the source table's count (itself at most six
 *    hours old) within a tolerance for the writes since the recovery point. The restore testing
 *    plan's validation window must outlast this wait (config validation enforces it).
 *
 * TTL: a restore never carries the Time to Live setting (DynamoDB API Reference,
 * RestoreTableFromBackup: "You must manually set up ... Time to Live (TTL) settings"), so the check
 * is that the source has TTL on the expected attribute and the restored table is reported as needing
 * it re-enabled, not that the restored table has it.
 *
 * Errors: throttling and service limits are rethrown, so Lambda retries the event and then parks
 * it in the dead-letter queue; a check that fails is a verdict, not an error.
 */
import {
    BackupClient,
    DescribeRestoreJobCommand,
    RestoreJobsListMember,
    ListRestoreJobsCommand,
    PutRestoreValidationResultCommand,
} from "@aws-sdk/client-backup";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
    AttributeValue,
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    DynamoDBClient,
    GetItemCommand,
    TableDescription,
} from "@aws-sdk/client-dynamodb";

export const RESTORE_JOB_STATE_CHANGE = "Restore Job State Change";
export const METRIC_NAMESPACE = "VatBackup/RestoreTests";

/** What a restored copy of one table must look like. */
export interface TableExpectation {
    partitionKey: string;
    sortKey?: string;
    globalSecondaryIndexes?: string[];
    /** The source table's TTL attribute (a restore does not carry the setting). */
    ttlAttribute?: string;
    /** A known item's key, in DynamoDB JSON: its presence proves the data came back. */
    sentinel?: Record<string, AttributeValue>;
}

export interface ValidationConfig {
    /** The restore testing plan whose jobs this function validates. */
    restoreTestingPlanArn: string;
    /** By table name, or by the name after `{env}-env-` (one entry serves every environment). */
    tables: Record<string, TableExpectation>;
    /** Hours after the restore before the item count is read (DynamoDB refreshes ItemCount about every 6 h). */
    countCheckAfterHours: number;
    /** How far the restored count may lie below the source's (writes since the recovery point). */
    itemCountTolerancePercent: number;
    /** The validation window of the plan, in hours: older restores are gone. */
    validationWindowHours: number;
}

export interface ValidateRestoreDeps extends ValidationConfig {
    backup: Pick<BackupClient, "send">;
    dynamodb: Pick<DynamoDBClient, "send">;
    cloudwatch: Pick<CloudWatchClient, "send">;
    log?: (entry: Record<string, unknown>) => void;
    now?: () => Date;
}

export interface ValidationEvent {
    source?: string;
    "detail-type"?: string;
    detail?: { restoreJobId?: string; status?: string; restoreTestingPlanArn?: string };
}

export type Verdict = "SUCCESSFUL" | "FAILED" | "VALIDATING";

export type ValidationOutcome =
    | { action: "ignored"; reason: string }
    | { action: "reported"; restoreJobId: string; verdict: Verdict; findings: string[]; notes: string[] }
    | { action: "swept"; results: { restoreJobId: string; verdict: Verdict | "skipped"; findings: string[] }[] };

const RETRYABLE_ERRORS = new Set([
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
    "ServiceUnavailableException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
]);

export function isRetryable(error: unknown): boolean {
    if (typeof error !== "object" || error === null) return false;
    const { name, $retryable } = error as { name?: string; $retryable?: { throttling?: boolean } };
    return (name !== undefined && RETRYABLE_ERRORS.has(name)) || $retryable?.throttling === true;
}

const TABLE_ARN = /^arn:aws:dynamodb:([a-z0-9-]+):(\d{12}):table\/([A-Za-z0-9_.-]{3,255})$/;

export function parseTableArn(
    arn: string | undefined,
): { region: string; accountId: string; name: string } | undefined {
    const m = arn ? TABLE_ARN.exec(arn) : null;
    return m ? { region: m[1], accountId: m[2], name: m[3] } : undefined;
}

/** The expectation of a source table, by full name or by its name after `-env-`. */
export function expectationFor(
    tables: Record<string, TableExpectation>,
    tableName: string,
): TableExpectation | undefined {
    return tables[tableName] ?? tables[tableName.replace(/^.*?-env-/, "")];
}

/** Reads and checks the settings once; a bad deployment fails fast. */
export function configFromEnv(env: Record<string, string | undefined>): ValidationConfig {
    const text = env.VALIDATION_CONFIG;
    if (!text) throw new Error("validateRestore is missing the environment variable VALIDATION_CONFIG");
    const parsed = JSON.parse(text) as ValidationConfig;
    if (!/^arn:aws:backup:[a-z0-9-]+:\d{12}:restore-testing-plan:/.test(parsed.restoreTestingPlanArn ?? ""))
        throw new Error(`VALIDATION_CONFIG.restoreTestingPlanArn is not a restore testing plan ARN`);
    if (!(parsed.countCheckAfterHours >= 6))
        throw new Error("VALIDATION_CONFIG.countCheckAfterHours must be at least 6 (DynamoDB's ItemCount refresh)");
    if (parsed.validationWindowHours < parsed.countCheckAfterHours + 1)
        throw new Error("VALIDATION_CONFIG.validationWindowHours must outlast countCheckAfterHours by an hour");
    return parsed;
}

function describeError(error: unknown): string {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Calls AWS; a retryable error is rethrown untouched, any other one with what was being done. */
async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
        return await run();
    } catch (error) {
        if (isRetryable(error)) throw error;
        throw new Error(`${what} failed: ${describeError(error)}`, { cause: error });
    }
}

/** The restored table's structure against the expectation: findings are failures. */
export function structureFindings(table: TableDescription, expected: TableExpectation): string[] {
    const findings: string[] = [];
    if (table.TableStatus !== "ACTIVE")
        findings.push(`restored table is ${table.TableStatus ?? "in no status"}, not ACTIVE`);
    const key = (type: "HASH" | "RANGE") => table.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
    if (key("HASH") !== expected.partitionKey)
        findings.push(`partition key is ${key("HASH") ?? "missing"}, expected ${expected.partitionKey}`);
    if (key("RANGE") !== expected.sortKey)
        findings.push(`sort key is ${key("RANGE") ?? "absent"}, expected ${expected.sortKey ?? "none"}`);
    const indexes = new Map((table.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g.IndexStatus]));
    for (const gsi of expected.globalSecondaryIndexes ?? []) {
        if (!indexes.has(gsi)) findings.push(`global secondary index ${gsi} is missing`);
        else if (indexes.get(gsi) !== "ACTIVE") findings.push(`global secondary index ${gsi} is ${indexes.get(gsi)}`);
    }
    return findings;
}

/** Restored count against the source's, both read after a refresh of DynamoDB's ItemCount. */
export function countFindings(
    restored: number | undefined,
    source: number | undefined,
    tolerancePercent: number,
): string[] {
    if (restored === undefined) return ["the restored table reports no ItemCount"];
    if (restored === 0) return ["the restored table holds no items"];
    if (source === undefined) return [];
    const floor = Math.floor(source * (1 - tolerancePercent / 100));
    if (restored < floor)
        return [
            `the restored table holds ${restored} items, the source ${source}: more than ${tolerancePercent}% fewer`,
        ];
    if (restored > source)
        return [
            `the restored table holds ${restored} items, more than the source's ${source}: a restore of another table?`,
        ];
    return [];
}

export function makeHandler(deps: ValidateRestoreDeps): (event: ValidationEvent) => Promise<ValidationOutcome> {
    const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
    const now = deps.now ?? (() => new Date());

    const report = async (restoreJobId: string, verdict: Verdict, message: string) => {
        await call(`PutRestoreValidationResult of ${restoreJobId}`, () =>
            deps.backup.send(
                new PutRestoreValidationResultCommand({
                    RestoreJobId: restoreJobId,
                    ValidationStatus: verdict,
                    // AWS Backup shows the message in the console; keep it to a readable length.
                    ValidationStatusMessage: message.slice(0, 1000),
                }),
            ),
        );
    };
    const metric = async (sourceTable: string, data: { name: string; value: number; unit: "Seconds" | "Count" }[]) => {
        await call("PutMetricData", () =>
            deps.cloudwatch.send(
                new PutMetricDataCommand({
                    Namespace: METRIC_NAMESPACE,
                    MetricData: data.flatMap((d) => [
                        {
                            MetricName: d.name,
                            Value: d.value,
                            Unit: d.unit,
                            Timestamp: now(),
                            Dimensions: [{ Name: "SourceTable", Value: sourceTable }],
                        },
                        // The same value without dimensions, for one alarm over every table.
                        { MetricName: d.name, Value: d.value, Unit: d.unit, Timestamp: now() },
                    ]),
                }),
            ),
        );
    };

    /** The job's tables, or why the job is not a restore this function may read. */
    const tablesOf = (job: RestoreJobsListMember) => {
        const source = parseTableArn(job.SourceResourceArn);
        const created = parseTableArn(job.CreatedResourceArn);
        if (job.ResourceType !== "DynamoDB") return { error: `resource type is ${job.ResourceType}, not DynamoDB` };
        if (!source) return { error: `the source ${job.SourceResourceArn ?? "(none)"} is not a DynamoDB table` };
        if (!created)
            return { error: `the restored resource ${job.CreatedResourceArn ?? "(none)"} is not a DynamoDB table` };
        const expected = expectationFor(deps.tables, source.name);
        if (!expected) return { error: `no expectation for source table ${source.name}: a restore of the wrong table` };
        // A restore test always creates a new table; never judge (or read) the source as if restored.
        if (created.name === source.name || expectationFor(deps.tables, created.name))
            return { error: `the restored table ${created.name} is a protected table, not a restore-test copy` };
        return { source, created, expected };
    };

    const onRestoreCompleted = async (restoreJobId: string): Promise<ValidationOutcome> => {
        const job = await call(`DescribeRestoreJob ${restoreJobId}`, () =>
            deps.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId })),
        );
        const tables = tablesOf(job);
        const sourceName =
            "source" in tables && tables.source ? tables.source.name : (job.SourceResourceArn ?? "unknown");
        if (job.CreationDate && job.CompletionDate) {
            const seconds = Math.round((job.CompletionDate.getTime() - job.CreationDate.getTime()) / 1000);
            // CloudWatch has no minutes unit; the posture report shows hours.
            await metric(sourceName, [{ name: "RestoreTimeSeconds", value: seconds, unit: "Seconds" }]);
        }
        if ("error" in tables) {
            await report(restoreJobId, "FAILED", tables.error!);
            await metric(sourceName, [{ name: "RestoreValidationFailed", value: 1, unit: "Count" }]);
            const outcome = {
                action: "reported" as const,
                restoreJobId,
                verdict: "FAILED" as Verdict,
                findings: [tables.error!],
                notes: [],
            };
            log(outcome);
            return outcome;
        }
        const { source, created, expected } = tables;
        const description = await call(`DescribeTable ${created.name}`, () =>
            deps.dynamodb.send(new DescribeTableCommand({ TableName: created.name })),
        );
        const findings = structureFindings(description.Table ?? {}, expected);
        const notes: string[] = [];
        if (expected.sentinel) {
            const item = await call(`GetItem (sentinel) on ${created.name}`, () =>
                deps.dynamodb.send(
                    new GetItemCommand({ TableName: created.name, Key: expected.sentinel, ConsistentRead: true }),
                ),
            );
            if (!item.Item) findings.push("the sentinel item is missing from the restored table");
        } else notes.push("no sentinel configured: data presence rests on the item count");
        if (expected.ttlAttribute) {
            // Only the source carries TTL; read it where it lives (this account's tables).
            if (source.accountId === created.accountId) {
                const ttl = await call(`DescribeTimeToLive ${source.name}`, () =>
                    deps.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: source.name })),
                );
                const d = ttl.TimeToLiveDescription;
                if (d?.TimeToLiveStatus !== "ENABLED" || d.AttributeName !== expected.ttlAttribute)
                    findings.push(
                        `the source table's TTL is ${d?.TimeToLiveStatus ?? "unknown"} on ${d?.AttributeName ?? "no attribute"}, expected ENABLED on ${expected.ttlAttribute}`,
                    );
            }
            notes.push(`a restore does not carry TTL: after a real restore, enable TTL on '${expected.ttlAttribute}'`);
        }
        const verdict: Verdict = findings.length ? "FAILED" : "VALIDATING";
        const message = findings.length
            ? `Restore of ${source.name} into ${created.name} failed validation: ${findings.join("; ")}`
            : `Structure and sentinel of ${created.name} checked; the item count is compared ${deps.countCheckAfterHours} h after the restore (DynamoDB refreshes ItemCount about every 6 h)`;
        await report(restoreJobId, verdict, message);
        if (verdict === "FAILED")
            await metric(source.name, [{ name: "RestoreValidationFailed", value: 1, unit: "Count" }]);
        const outcome = { action: "reported" as const, restoreJobId, verdict, findings, notes };
        log(outcome);
        return outcome;
    };

    const sweep = async (): Promise<ValidationOutcome> => {
        const results: { restoreJobId: string; verdict: Verdict | "skipped"; findings: string[] }[] = [];
        const since = new Date(now().getTime() - deps.validationWindowHours * 3600_000);
        let nextToken: string | undefined;
        do {
            const page = await call("ListRestoreJobs", () =>
                deps.backup.send(
                    new ListRestoreJobsCommand({
                        ByRestoreTestingPlanArn: deps.restoreTestingPlanArn,
                        ByStatus: "COMPLETED",
                        ByCompleteAfter: since,
                        NextToken: nextToken,
                    }),
                ),
            );
            nextToken = page.NextToken;
            for (const job of page.RestoreJobs ?? []) {
                if (!job.RestoreJobId || job.ValidationStatus !== "VALIDATING") continue;
                const ageHours = job.CompletionDate ? (now().getTime() - job.CompletionDate.getTime()) / 3600_000 : 0;
                if (ageHours < deps.countCheckAfterHours) {
                    results.push({
                        restoreJobId: job.RestoreJobId,
                        verdict: "skipped",
                        findings: [`${ageHours.toFixed(1)} h old`],
                    });
                    continue;
                }
                const tables = tablesOf(job);
                if ("error" in tables) {
                    await report(job.RestoreJobId, "FAILED", tables.error!);
                    results.push({ restoreJobId: job.RestoreJobId, verdict: "FAILED", findings: [tables.error!] });
                    continue;
                }
                const restored = await call(`DescribeTable ${tables.created.name}`, () =>
                    deps.dynamodb.send(new DescribeTableCommand({ TableName: tables.created.name })),
                );
                // The source is readable only in its own account (a backup account tests copies of other accounts' tables).
                const sourceCount =
                    tables.source.accountId === tables.created.accountId
                        ? (
                              await call(`DescribeTable ${tables.source.name}`, () =>
                                  deps.dynamodb.send(new DescribeTableCommand({ TableName: tables.source.name })),
                              )
                          ).Table?.ItemCount
                        : undefined;
                const findings = countFindings(restored.Table?.ItemCount, sourceCount, deps.itemCountTolerancePercent);
                const verdict: Verdict = findings.length ? "FAILED" : "SUCCESSFUL";
                await report(
                    job.RestoreJobId,
                    verdict,
                    findings.length
                        ? `Item count check of ${tables.created.name} failed: ${findings.join("; ")}`
                        : `Restore of ${tables.source.name} validated: structure, sentinel and item count (${restored.Table?.ItemCount}${sourceCount === undefined ? "" : ` of ${sourceCount}`})`,
                );
                await metric(tables.source.name, [
                    { name: "RestoreValidationFailed", value: findings.length ? 1 : 0, unit: "Count" },
                ]);
                results.push({ restoreJobId: job.RestoreJobId, verdict, findings });
            }
        } while (nextToken);
        const outcome = { action: "swept" as const, results };
        log(outcome);
        return outcome;
    };

    return async (event) => {
        if (event.source === "aws.events" && event["detail-type"] === "Scheduled Event") return sweep();
        if (event.source !== "aws.backup" || event["detail-type"] !== RESTORE_JOB_STATE_CHANGE) {
            const reason = `not a restore job event nor the hourly sweep: ${event.source ?? "?"} / ${event["detail-type"] ?? "?"}`;
            log({ action: "ignored", reason });
            return { action: "ignored", reason };
        }
        const detail = event.detail ?? {};
        if (detail.status !== "COMPLETED")
            return { action: "ignored", reason: `restore job status is ${detail.status}` };
        if (detail.restoreTestingPlanArn !== deps.restoreTestingPlanArn)
            return {
                action: "ignored",
                reason: "not a restore test of this plan (a person's restore is never validated here)",
            };
        if (!detail.restoreJobId) throw new Error("a COMPLETED restore job event without restoreJobId");
        return onRestoreCompleted(detail.restoreJobId);
    };
}

let configured: ((event: ValidationEvent) => Promise<ValidationOutcome>) | undefined;

/** The Lambda entry point: configuration from the environment, clients in the function's region. */
export async function handler(event: ValidationEvent): Promise<ValidationOutcome> {
    if (!configured) {
        const config = configFromEnv(process.env);
        configured = makeHandler({
            ...config,
            backup: new BackupClient({}),
            dynamodb: new DynamoDBClient({}),
            cloudwatch: new CloudWatchClient({}),
        });
    }
    return configured(event);
}
