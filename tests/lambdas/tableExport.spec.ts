import * as assert from "node:assert/strict";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
    DescribeExportCommand,
    DynamoDBClient,
    ExportTableToPointInTimeCommand,
    ListExportsCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { TableExportDeps, clientToken, incrementalWindow, makeHandler } from "../../lambdas/tableExport/handler";

const PROD = "111111111111";
const KEY = "arn:aws:kms:eu-west-2:111111111111:key/0000aaaa-00aa-00aa-00aa-000000aaaaaa";
const arnOf = (t: string) => `arn:aws:dynamodb:eu-west-2:${PROD}:table/${t}`;
const throttled = () => Object.assign(new Error("slow down"), { name: "ThrottlingException", $metadata: {} });

describe("tableExport Lambda (DynamoDB ExportTableToPointInTime, full and incremental)", () => {
    const ddb = mockClient(DynamoDBClient);
    const cw = mockClient(CloudWatchClient);
    const now = new Date("2026-11-29T14:10:00Z");
    const deps = (): TableExportDeps => ({
        bucket: "prod-env-backup-exports-111111111111-eu-west-2",
        kmsKeyArn: KEY,
        prefix: "dynamodb-exports",
        accountId: PROD,
        region: "eu-west-2",
        metricNamespace: "VatBackup/Protection",
        dynamodb: new DynamoDBClient({ region: "eu-west-2" }),
        cloudwatch: new CloudWatchClient({ region: "eu-west-2" }),
        now: () => now,
        log: () => undefined,
        retry: { sleep: async () => undefined },
    });

    beforeEach(() => {
        ddb.reset();
        cw.reset();
        ddb.on(ListExportsCommand).resolves({ ExportSummaries: [] });
        ddb.on(ExportTableToPointInTimeCommand).callsFake((input: { TableArn: string }) => ({
            ExportDescription: { ExportArn: `${input.TableArn}/export/01`, ExportStatus: "IN_PROGRESS" },
        }));
        cw.on(PutMetricDataCommand).resolves({});
    });
    after(() => {
        ddb.restore();
        cw.restore();
    });

    const starts = () => ddb.commandCalls(ExportTableToPointInTimeCommand).map((c) => c.args[0].input);

    it("exports the previous whole hour incrementally (ExportFromTime inclusive, ExportToTime exclusive), SSE-KMS with the exports key", async () => {
        await makeHandler(deps())({ mode: "incremental", tables: ["prod-env-receipts"] });
        const [start] = starts();
        assert.deepEqual(start, {
            TableArn: arnOf("prod-env-receipts"),
            S3Bucket: "prod-env-backup-exports-111111111111-eu-west-2",
            S3BucketOwner: PROD,
            S3Prefix: "dynamodb-exports/prod-env-receipts/incremental/20261129T130000Z-20261129T140000Z",
            S3SseAlgorithm: "KMS",
            S3SseKmsKeyId: KEY,
            ExportFormat: "DYNAMODB_JSON",
            ClientToken: clientToken("prod-env-receipts", "incremental", "20261129T130000Z-20261129T140000Z"),
            ExportType: "INCREMENTAL_EXPORT",
            IncrementalExportSpecification: {
                ExportFromTime: new Date("2026-11-29T13:00:00Z"),
                ExportToTime: new Date("2026-11-29T14:00:00Z"),
                ExportViewType: "NEW_AND_OLD_IMAGES",
            },
        });
    });

    it("tiles time: consecutive hourly windows meet without gap or overlap", () => {
        const a = incrementalWindow(new Date("2026-11-29T13:10:00Z"));
        const b = incrementalWindow(new Date("2026-11-29T14:59:59Z"));
        assert.equal(a.to.getTime(), b.from.getTime());
    });

    it("uses one ClientToken per table and window, so a retried invocation starts no second export (valid 8 h)", async () => {
        await makeHandler(deps())({ mode: "incremental", tables: ["prod-env-receipts"] });
        await makeHandler({ ...deps(), now: () => new Date("2026-11-29T14:40:00Z") })({
            mode: "incremental",
            tables: ["prod-env-receipts"],
        });
        const [first, second] = starts();
        assert.equal(first.ClientToken, second.ClientToken);
        assert.ok(first.ClientToken!.length <= 36);
    });

    it("starts a full export per table at the hour boundary", async () => {
        await makeHandler(deps())({ mode: "full", tables: ["prod-env-receipts", "prod-env-bundles"] });
        assert.deepEqual(
            starts().map((s) => [s.ExportType, s.ExportTime?.toISOString(), s.S3Prefix]),
            [
                ["FULL_EXPORT", "2026-11-29T14:00:00.000Z", "dynamodb-exports/prod-env-receipts/full/20261129T140000Z"],
                ["FULL_EXPORT", "2026-11-29T14:00:00.000Z", "dynamodb-exports/prod-env-bundles/full/20261129T140000Z"],
            ],
        );
    });

    it("follows ListExports pagination and reports exports that failed since the last run", async () => {
        const recentFail = `${arnOf("prod-env-receipts")}/export/failed-recent`;
        const oldFail = `${arnOf("prod-env-receipts")}/export/failed-old`;
        ddb.on(ListExportsCommand, { NextToken: undefined }).resolves({
            ExportSummaries: [{ ExportArn: oldFail, ExportStatus: "FAILED" }],
            NextToken: "p2",
        });
        ddb.on(ListExportsCommand, { NextToken: "p2" }).resolves({
            ExportSummaries: [
                { ExportArn: recentFail, ExportStatus: "FAILED" },
                { ExportArn: "x", ExportStatus: "COMPLETED" },
            ],
        });
        ddb.on(DescribeExportCommand, { ExportArn: oldFail }).resolves({
            ExportDescription: { EndTime: new Date("2026-11-28T01:00:00Z") },
        });
        ddb.on(DescribeExportCommand, { ExportArn: recentFail }).resolves({
            ExportDescription: { EndTime: new Date("2026-11-29T13:20:00Z") },
        });
        const [result] = await makeHandler(deps())({ mode: "incremental", tables: ["prod-env-receipts"] });
        assert.deepEqual(result.failedRecently, [recentFail]);
        const data = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);
        assert.ok(data.some((d) => d.MetricName === "TableExportsFailed" && d.Value === 1));
    });

    it("retries a throttled ExportTableToPointInTime", async () => {
        ddb.on(ExportTableToPointInTimeCommand)
            .rejectsOnce(throttled())
            .resolves({ ExportDescription: { ExportArn: "arn:x" } });
        const [result] = await makeHandler(deps())({ mode: "incremental", tables: ["prod-env-receipts"] });
        assert.equal(result.exportArn, "arn:x");
    });

    it("exports the other tables when one fails (PITR off), publishes it and throws", async () => {
        ddb.on(ExportTableToPointInTimeCommand, { TableArn: arnOf("prod-env-bundles") }).rejects(
            Object.assign(new Error("Point in time recovery is not enabled"), {
                name: "PointInTimeRecoveryUnavailableException",
            }),
        );
        await assert.rejects(
            makeHandler(deps())({ mode: "full", tables: ["prod-env-bundles", "prod-env-receipts"] }),
            /full export failed for prod-env-bundles \(PointInTimeRecoveryUnavailableException/,
        );
        assert.equal(starts().length, 2);
        const data = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);
        const started = data
            .filter((d) => d.MetricName === "TableExportsStarted")
            .map((d) => [d.Dimensions?.[0].Value, d.Value]);
        assert.deepEqual(started, [
            ["prod-env-bundles", 0],
            ["prod-env-receipts", 1],
        ]);
    });

    it("refuses an event without a mode or tables", async () => {
        await assert.rejects(makeHandler(deps())({ tables: ["t"] }), /mode must be full or incremental/);
        await assert.rejects(makeHandler(deps())({ mode: "full" }), /names no tables/);
    });
});
