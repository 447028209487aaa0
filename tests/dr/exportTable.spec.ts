import {
    DescribeContinuousBackupsCommand,
    DescribeExportCommand,
    DescribeTableCommand,
    ExportTableToPointInTimeCommand,
} from "@aws-sdk/client-dynamodb";
import { GetBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DrHarness, NOW, awsError } from "../helpers/drHarness";

const ARN = (t: string) => `arn:aws:dynamodb:eu-west-2:111111111111:table/${t}`;
const BUCKET = "prod-env-backup-exports-111111111111-eu-west-2";
const BUCKET_KEY = "arn:aws:kms:eu-west-2:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

function exportsWork(h: DrHarness): void {
    const d = h.mocks().dynamodb;
    d.on(DescribeTableCommand).callsFake((i: { TableName: string }) => ({
        Table: { TableName: i.TableName, TableArn: ARN(i.TableName), ItemCount: 10, TableStatus: "ACTIVE" },
    }));
    d.on(DescribeContinuousBackupsCommand).resolves({
        ContinuousBackupsDescription: {
            ContinuousBackupsStatus: "ENABLED",
            PointInTimeRecoveryDescription: {
                PointInTimeRecoveryStatus: "ENABLED",
                EarliestRestorableDateTime: new Date(NOW - 35 * 24 * 3_600_000),
            },
        },
    });
    d.on(ExportTableToPointInTimeCommand).callsFake((i: { TableArn: string }) => ({
        ExportDescription: { ExportArn: `${i.TableArn}/export/01`, ExportStatus: "IN_PROGRESS" },
    }));
    d.on(DescribeExportCommand).callsFake((i: { ExportArn: string }) => ({
        ExportDescription: {
            ExportArn: i.ExportArn,
            ExportStatus: "COMPLETED",
            ItemCount: 10,
            BilledSizeBytes: 2048,
            ExportManifest: "dynamodb-exports/x/AWSDynamoDB/01/manifest-summary.json",
            ExportTime: new Date(NOW),
        },
    }));
    h.mocks().s3.on(PutObjectCommand).resolves({});
    h.mocks()
        .s3.on(GetBucketEncryptionCommand)
        .resolves({
            ServerSideEncryptionConfiguration: {
                Rules: [
                    { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: BUCKET_KEY } },
                ],
            },
        });
}

describe("dr export-table", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        exportsWork(h);
    });
    afterEach(() => h.restore());

    it("exports a table in full to the stack's exports bucket under a dated prefix, waits, and writes a manifest", async () => {
        h.mocks()
            .dynamodb.on(DescribeExportCommand)
            .resolvesOnce({ ExportDescription: { ExportStatus: "IN_PROGRESS" } })
            .callsFake((i: { ExportArn: string }) => ({
                ExportDescription: {
                    ExportArn: i.ExportArn,
                    ExportStatus: "COMPLETED",
                    ItemCount: 10,
                    BilledSizeBytes: 2048,
                    ExportManifest: "m.json",
                },
            }));
        const local = path.join(h.tmp, "manifest.json");
        const r = await h.run(["export-table", "prod-env-receipts", "--stack", "prod", "--manifest", local]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const prefix = "dynamodb-exports/prod-env-receipts/2026/11/26/full-20261126T030000Z";
        const started = h.sentOps("ExportTableToPointInTime")[0];
        assert.equal(started.TableArn, ARN("prod-env-receipts"));
        assert.equal(started.S3Bucket, BUCKET);
        assert.equal(started.S3BucketOwner, "111111111111");
        assert.equal(started.S3Prefix, prefix);
        assert.equal(started.ExportType, "FULL_EXPORT");
        // ExportTableToPointInTime (DynamoDB API Reference): S3SseAlgorithm and S3SseKmsKeyId, explicitly the
        // bucket's own key, since the exports bucket denies a put under any other encryption.
        assert.equal(started.S3SseAlgorithm, "KMS");
        assert.equal(started.S3SseKmsKeyId, BUCKET_KEY);
        assert.equal(h.clock.sleeps.length, 1);
        const put = h.sentOps("PutObject")[0];
        assert.equal(put.Key, `${prefix}/vat-backup-manifest.json`);
        const manifest = JSON.parse(put.Body as string);
        assert.equal(manifest.exportArn, `${ARN("prod-env-receipts")}/export/01`);
        assert.equal(manifest.itemCount, 10);
        assert.equal(manifest.awsManifest, "m.json");
        assert.equal(JSON.parse(fs.readFileSync(local, "utf8")).exports[0].prefix, prefix);
    });

    it("exports incrementally for a period of 15 minutes to 24 hours", async () => {
        const r = await h.run([
            "export-table",
            "prod-env-receipts",
            "--stack",
            "prod",
            "--type",
            "incremental",
            "--from",
            "-2h",
        ]);
        assert.equal(r.code, 0, r.stderr);
        const started = h.sentOps("ExportTableToPointInTime")[0];
        assert.equal(started.ExportType, "INCREMENTAL_EXPORT");
        assert.deepEqual(
            started.IncrementalExportSpecification,
            {
                ExportFromTime: new Date(NOW - 2 * 3_600_000),
                ExportToTime: undefined,
                ExportViewType: "NEW_AND_OLD_IMAGES",
            },
            "without --to, ExportToTime is left out: DynamoDB uses the latest time with data",
        );
        assert.match(started.S3Prefix as string, /\/incremental-20261126T030000Z$/);
    });

    it("passes ExportToTime when --to is given", async () => {
        const r = await h.run([
            "export-table",
            "prod-env-receipts",
            "--stack",
            "prod",
            "--type",
            "incremental",
            "--from",
            "-3h",
            "--to",
            "-1h",
        ]);
        assert.equal(r.code, 0, r.stderr);
        const spec = h.sentOps("ExportTableToPointInTime")[0].IncrementalExportSpecification as { ExportToTime: Date };
        assert.equal(spec.ExportToTime.toISOString(), new Date(NOW - 3_600_000).toISOString());
    });

    it("checks PITR before exporting: a table without it, or a start before its window, fails with a clear message", async () => {
        h.mocks()
            .dynamodb.on(DescribeContinuousBackupsCommand, { TableName: "prod-env-bundles" })
            .resolves({
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "DISABLED" },
                },
            });
        h.mocks()
            .dynamodb.on(DescribeContinuousBackupsCommand, { TableName: "prod-env-passes" })
            .resolves({
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: {
                        PointInTimeRecoveryStatus: "ENABLED",
                        EarliestRestorableDateTime: new Date(NOW - 3_600_000),
                    },
                },
            });
        const r = await h.run([
            "export-table",
            "prod-env-receipts",
            "prod-env-bundles",
            "prod-env-passes",
            "--stack",
            "prod",
            "--type",
            "incremental",
            "--from",
            "-2h",
        ]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  export:prod-env-bundles  point-in-time recovery is DISABLED on prod-env-bundles: DynamoDB exports only from PITR/,
        );
        assert.match(
            r.stdout,
            /FAIL  export:prod-env-passes  2026-11-26T01:00:00.000Z is before the earliest restorable time of prod-env-passes/,
        );
        assert.deepEqual(
            h.sentOps("ExportTableToPointInTime").map((e) => e.TableArn),
            [ARN("prod-env-receipts")],
        );
    });

    it("refuses an incremental period longer than 24 hours or shorter than 15 minutes (exit 2)", async () => {
        assert.equal(
            (
                await h.run([
                    "export-table",
                    "prod-env-receipts",
                    "--stack",
                    "prod",
                    "--type",
                    "incremental",
                    "--from",
                    "-25h",
                ])
            ).code,
            2,
        );
        const short = await h.run([
            "export-table",
            "prod-env-receipts",
            "--stack",
            "prod",
            "--type",
            "incremental",
            "--from",
            "-10m",
        ]);
        assert.equal(short.code, 2);
        assert.match(short.stderr, /an incremental export covers 15 minutes to 24 hours/);
        assert.deepEqual(h.mutatingSent(), []);
    });

    it("reports an export that ends FAILED and still exports the other tables (--all)", async () => {
        h.mocks()
            .dynamodb.on(DescribeExportCommand, { ExportArn: `${ARN("prod-env-passes")}/export/01` })
            .resolves({
                ExportDescription: {
                    ExportStatus: "FAILED",
                    FailureCode: "S3AccessDenied",
                    FailureMessage: "Access Denied",
                },
            });
        const r = await h.run(["export-table", "--all", "--stack", "prod"]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  export:prod-env-passes  export prod-env-passes ended FAILED: S3AccessDenied Access Denied/,
        );
        assert.equal(h.sentOps("PutObject").length, 6, "the six other tables got their manifest");
    });

    it("retries throttled polls", async () => {
        h.mocks()
            .dynamodb.on(DescribeExportCommand)
            .rejectsOnce(awsError("ThrottlingException"))
            .callsFake((i: { ExportArn: string }) => ({
                ExportDescription: { ExportArn: i.ExportArn, ExportStatus: "COMPLETED" },
            }));
        const r = await h.run(["export-table", "prod-env-receipts", "--stack", "prod"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(h.clock.sleeps, [5000]);
    });

    it("under --dry-run starts no export and writes no manifest, but shows both", async () => {
        const r = await h.run(["export-table", "prod-env-receipts", "--stack", "prod", "--dry-run"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(h.mutatingSent(), []);
        assert.match(r.stdout, /DynamoDB.ExportTableToPointInTime \(target\)/);
        assert.match(r.stdout, /S3.PutObject \(target\)/);
    });

    it("keeps --json stdout one document", async () => {
        const r = await h.run(["export-table", "prod-env-receipts", "--stack", "prod", "--json"]);
        const doc = r.json();
        assert.equal(doc.bucket, BUCKET);
        assert.equal(doc.exports[0].table, "prod-env-receipts");
        assert.match(r.stderr, /export prod-env-receipts: COMPLETED/);
    });

    it("needs a table, a bucket and credentials", async () => {
        assert.equal((await h.run(["export-table", "--stack", "prod"])).code, 2);
        assert.equal((await h.run(["export-table", "t1", "--region", "eu-west-2"])).code, 2);
        h.mocks().sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError"));
        assert.equal((await h.run(["export-table", "prod-env-receipts", "--stack", "prod"])).code, 3);
    });
});
