/**
 * The restore-test validator, driven with aws-sdk-client-mock.
 *
 * AWS documents relied on: AWS Backup Developer Guide, "Restore testing validation" (an EventBridge
 * rule on restore jobs reaching COMPLETED; the target reports PutRestoreValidationResult with
 * FAILED | SUCCESSFUL | TIMED_OUT | VALIDATING); DynamoDB API Reference, DescribeTable
 * (TableDescription.ItemCount "updated approximately every six hours"); RestoreTableFromBackup
 * ("You must manually set up ... Time to Live (TTL) settings" on a restored table).
 */
import * as assert from "node:assert/strict";
import {
    BackupClient,
    DescribeRestoreJobCommand,
    ListRestoreJobsCommand,
    PutRestoreValidationResultCommand,
} from "@aws-sdk/client-backup";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    DynamoDBClient,
    GetItemCommand,
    ThrottlingException,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import {
    ValidationConfig,
    ValidationEvent,
    configFromEnv,
    countFindings,
    makeHandler,
} from "../../lambdas/validateRestore/handler";

const PROD = "111111111111";
const PLAN_ARN = `arn:aws:backup:eu-west-2:${PROD}:restore-testing-plan:prod_critical_tables-abc123`;
const SOURCE_ARN = `arn:aws:dynamodb:eu-west-2:${PROD}:table/prod-env-receipts`;
const RESTORED = "awsbackup-restore-test-4f1c2b";
const RESTORED_ARN = `arn:aws:dynamodb:eu-west-2:${PROD}:table/${RESTORED}`;
const JOB_ID = "A1B2C3D4-0000-4000-8000-000000000001";
const SENTINEL = { hashedSub: { S: "dr-sentinel" }, receiptId: { S: "dr-sentinel" } };

const config: ValidationConfig = {
    restoreTestingPlanArn: PLAN_ARN,
    tables: { receipts: { partitionKey: "hashedSub", sortKey: "receiptId", ttlAttribute: "ttl", sentinel: SENTINEL } },
    countCheckAfterHours: 7,
    itemCountTolerancePercent: 10,
    validationWindowHours: 24,
};

const completed = (detail: Record<string, unknown> = {}): ValidationEvent => ({
    source: "aws.backup",
    "detail-type": "Restore Job State Change",
    detail: { restoreJobId: JOB_ID, status: "COMPLETED", restoreTestingPlanArn: PLAN_ARN, ...detail },
});

const receiptsTable = (extra: Record<string, unknown> = {}) => ({
    TableName: RESTORED,
    TableStatus: "ACTIVE" as const,
    KeySchema: [
        { AttributeName: "hashedSub", KeyType: "HASH" as const },
        { AttributeName: "receiptId", KeyType: "RANGE" as const },
    ],
    ...extra,
});

describe("validateRestore Lambda", () => {
    const backup = mockClient(BackupClient);
    const dynamodb = mockClient(DynamoDBClient);
    const cloudwatch = mockClient(CloudWatchClient);
    const now = new Date("2026-11-15T12:00:00Z");

    const run = (event: ValidationEvent) =>
        makeHandler({
            ...config,
            backup: new BackupClient({ region: "eu-west-2" }),
            dynamodb: new DynamoDBClient({ region: "eu-west-2" }),
            cloudwatch: new CloudWatchClient({ region: "eu-west-2" }),
            log: () => undefined,
            now: () => now,
        })(event);

    beforeEach(() => {
        backup.reset();
        dynamodb.reset();
        cloudwatch.reset();
        backup.on(DescribeRestoreJobCommand).resolves({
            RestoreJobId: JOB_ID,
            ResourceType: "DynamoDB",
            SourceResourceArn: SOURCE_ARN,
            CreatedResourceArn: RESTORED_ARN,
            CreationDate: new Date("2026-11-15T05:00:00Z"),
            CompletionDate: new Date("2026-11-15T06:12:00Z"),
        });
        dynamodb.on(DescribeTableCommand, { TableName: RESTORED }).resolves({ Table: receiptsTable() });
        dynamodb.on(GetItemCommand).resolves({ Item: SENTINEL });
        dynamodb
            .on(DescribeTimeToLiveCommand)
            .resolves({ TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: "ttl" } });
        backup.on(PutRestoreValidationResultCommand).resolves({});
        cloudwatch.on(PutMetricDataCommand).resolves({});
    });

    const reported = () => backup.commandCalls(PutRestoreValidationResultCommand).map((c) => c.args[0].input);
    const metrics = () =>
        cloudwatch.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);

    it("passes structure and sentinel, leaves the job VALIDATING for the count, and publishes the restore time", async () => {
        const outcome = await run(completed());
        assert.equal(outcome.action, "reported");
        assert.equal(reported()[0].ValidationStatus, "VALIDATING");
        assert.match(reported()[0].ValidationStatusMessage ?? "", /item count is compared 7 h after/);
        const time = metrics().find((m) => m.MetricName === "RestoreTimeSeconds" && m.Dimensions?.length);
        assert.equal(time?.Value, 72 * 60);
        assert.equal(time?.Unit, "Seconds");
        assert.deepEqual(time?.Dimensions, [{ Name: "SourceTable", Value: "prod-env-receipts" }]);
    });

    it("reads the sentinel with a strongly consistent GetItem on the restored table, never a scan", async () => {
        await run(completed());
        const get = dynamodb.commandCalls(GetItemCommand)[0].args[0].input;
        assert.equal(get.TableName, RESTORED);
        assert.equal(get.ConsistentRead, true);
        assert.deepEqual(get.Key, SENTINEL);
    });

    it("fails when the sentinel item is missing, and counts the failure for the alarm", async () => {
        dynamodb.on(GetItemCommand).resolves({});
        const outcome = await run(completed());
        assert.equal(reported()[0].ValidationStatus, "FAILED");
        assert.match(reported()[0].ValidationStatusMessage ?? "", /sentinel item is missing/);
        assert.ok(outcome.action === "reported" && outcome.verdict === "FAILED");
        assert.ok(metrics().some((m) => m.MetricName === "RestoreValidationFailed" && m.Value === 1));
    });

    it("fails a restored table whose key schema or GSIs differ", async () => {
        dynamodb.on(DescribeTableCommand, { TableName: RESTORED }).resolves({
            Table: receiptsTable({ KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] }),
        });
        await run(completed());
        assert.equal(reported()[0].ValidationStatus, "FAILED");
        assert.match(reported()[0].ValidationStatusMessage ?? "", /partition key is pk, expected hashedSub/);
    });

    it("fails a restore of the wrong table: a source the validator has no expectation for", async () => {
        backup.on(DescribeRestoreJobCommand).resolves({
            RestoreJobId: JOB_ID,
            ResourceType: "DynamoDB",
            SourceResourceArn: `arn:aws:dynamodb:eu-west-2:${PROD}:table/prod-env-bundles`,
            CreatedResourceArn: RESTORED_ARN,
        });
        await run(completed());
        assert.equal(reported()[0].ValidationStatus, "FAILED");
        assert.match(reported()[0].ValidationStatusMessage ?? "", /restore of the wrong table/);
        assert.equal(dynamodb.commandCalls(GetItemCommand).length, 0, "never reads items of an unexpected table");
    });

    it("refuses to read a protected table reported as the restored one", async () => {
        backup.on(DescribeRestoreJobCommand).resolves({
            RestoreJobId: JOB_ID,
            ResourceType: "DynamoDB",
            SourceResourceArn: SOURCE_ARN,
            CreatedResourceArn: SOURCE_ARN,
        });
        await run(completed());
        assert.equal(reported()[0].ValidationStatus, "FAILED");
        assert.equal(dynamodb.commandCalls(GetItemCommand).length, 0);
    });

    it("checks the source's TTL, since a restore never carries the TTL setting", async () => {
        dynamodb.on(DescribeTimeToLiveCommand).resolves({ TimeToLiveDescription: { TimeToLiveStatus: "DISABLED" } });
        await run(completed());
        assert.equal(dynamodb.commandCalls(DescribeTimeToLiveCommand)[0].args[0].input.TableName, "prod-env-receipts");
        assert.match(reported()[0].ValidationStatusMessage ?? "", /TTL is DISABLED/);
    });

    it("rethrows throttling untouched so Lambda retries, and reports nothing", async () => {
        dynamodb.on(DescribeTableCommand).rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: {} }));
        await assert.rejects(run(completed()), (e: Error) => e.name === "ThrottlingException");
        assert.equal(reported().length, 0);
    });

    it("ignores other plans' restores and restores a person started", async () => {
        const outcome = await run(completed({ restoreTestingPlanArn: undefined }));
        assert.equal(outcome.action, "ignored");
        assert.equal(backup.commandCalls(DescribeRestoreJobCommand).length, 0);
    });

    describe("the hourly sweep (item count after DynamoDB's six-hour refresh)", () => {
        const sweep: ValidationEvent = { source: "aws.events", "detail-type": "Scheduled Event" };
        const job = (completedHoursAgo: number) => ({
            RestoreJobId: JOB_ID,
            ResourceType: "DynamoDB",
            SourceResourceArn: SOURCE_ARN,
            CreatedResourceArn: RESTORED_ARN,
            ValidationStatus: "VALIDATING" as const,
            CompletionDate: new Date(now.getTime() - completedHoursAgo * 3600_000),
        });

        it("lists only this plan's completed restores within the validation window", async () => {
            backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [] });
            await run(sweep);
            const input = backup.commandCalls(ListRestoreJobsCommand)[0].args[0].input;
            assert.equal(input.ByRestoreTestingPlanArn, PLAN_ARN);
            assert.equal(input.ByStatus, "COMPLETED");
            assert.deepEqual(input.ByCompleteAfter, new Date("2026-11-14T12:00:00Z"));
        });

        it("waits until the count is current (no verdict before countCheckAfterHours)", async () => {
            backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [job(3)] });
            const outcome = await run(sweep);
            assert.ok(outcome.action === "swept" && outcome.results[0].verdict === "skipped");
            assert.equal(reported().length, 0);
        });

        it("reports SUCCESSFUL when the restored count is within tolerance of the source's", async () => {
            backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [job(8)] });
            dynamodb
                .on(DescribeTableCommand, { TableName: RESTORED })
                .resolves({ Table: receiptsTable({ ItemCount: 980 }) });
            dynamodb
                .on(DescribeTableCommand, { TableName: "prod-env-receipts" })
                .resolves({ Table: receiptsTable({ ItemCount: 1000 }) });
            await run(sweep);
            assert.equal(reported()[0].ValidationStatus, "SUCCESSFUL");
            assert.ok(metrics().some((m) => m.MetricName === "RestoreValidationFailed" && m.Value === 0));
        });

        it("reports FAILED when the restored table holds far fewer items", async () => {
            backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [job(8)] });
            dynamodb
                .on(DescribeTableCommand, { TableName: RESTORED })
                .resolves({ Table: receiptsTable({ ItemCount: 500 }) });
            dynamodb
                .on(DescribeTableCommand, { TableName: "prod-env-receipts" })
                .resolves({ Table: receiptsTable({ ItemCount: 1000 }) });
            await run(sweep);
            assert.equal(reported()[0].ValidationStatus, "FAILED");
            assert.match(reported()[0].ValidationStatusMessage ?? "", /500 items, the source 1000/);
        });
    });

    describe("countFindings", () => {
        it("flags an empty restore and a restore larger than its source", () => {
            assert.match(countFindings(0, 10, 10)[0], /no items/);
            assert.match(countFindings(12, 10, 10)[0], /more than the source/);
            assert.deepEqual(countFindings(95, 100, 10), []);
            assert.deepEqual(
                countFindings(5, undefined, 10),
                [],
                "a copy restored in another account has no readable source",
            );
        });
    });

    describe("configFromEnv", () => {
        it("rejects a count check earlier than DynamoDB's six-hour ItemCount refresh", () => {
            assert.throws(
                () => configFromEnv({ VALIDATION_CONFIG: JSON.stringify({ ...config, countCheckAfterHours: 2 }) }),
                /at least 6/,
            );
        });
        it("rejects a validation window that ends before the count check", () => {
            assert.throws(
                () => configFromEnv({ VALIDATION_CONFIG: JSON.stringify({ ...config, validationWindowHours: 7 }) }),
                /must outlast/,
            );
        });
        it("accepts the deployed shape", () => {
            assert.equal(configFromEnv({ VALIDATION_CONFIG: JSON.stringify(config) }).restoreTestingPlanArn, PLAN_ARN);
        });
    });
});
