import {
    DescribeContinuousBackupsCommand,
    DescribeExportCommand,
    DescribeTableCommand,
    ExportTableToPointInTimeCommand,
} from "@aws-sdk/client-dynamodb";
import { GetBucketEncryptionCommand, GetBucketEncryptionCommandOutput, PutObjectCommand } from "@aws-sdk/client-s3";
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

describe("dr export-table: input, encryption, PITR and manifest", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        exportsWork(h);
    });
    afterEach(() => h.restore());
    const exportTable = (...rest: string[]) => h.run(["export-table", "prod-env-receipts", "--stack", "prod", ...rest]);

    it("refuses, before any AWS call, each option that cannot work, naming it (exit 2)", async () => {
        const cases: [string[], RegExp][] = [
            [["--from", "-2h"], /--from\/--to belong to an incremental export.*\n?.*Use --type incremental/],
            [["--to", "-1h"], /--from\/--to belong to an incremental export/],
            [["--type", "weekly"], /--type must be full or incremental, not 'weekly'/],
            [
                ["--type", "incremental"],
                /an incremental export needs --from[\s\S]*Pass --from with the end of the previous export/,
            ],
            [["--at", "2026-02-30T00:00:00Z"], /--at/],
            [["--type", "incremental", "--from", "2026-02-30T00:00:00Z"], /--from/],
            [["--type", "incremental", "--from", "-2h", "--to", "2026-02-30T00:00:00Z"], /--to/],
            [
                ["--type", "incremental", "--from", "-25h"],
                /is 1500 minutes[\s\S]*Split a longer period into daily exports, or take a full export/,
            ],
        ];
        for (const [args, message] of cases) {
            const r = await exportTable(...args);
            assert.equal(r.code, 2, args.join(" "));
            assert.match(r.stderr, message, args.join(" "));
        }
        const none = await h.run(["export-table", "--stack", "prod"]);
        assert.match(
            none.stderr,
            /name at least one table, or --all with --stack[\s\S]*Example: npm run dr -- export-table/,
        );
        const noStack = await h.run(["export-table", "--all", "--region", "eu-west-2"]);
        assert.match(noStack.stderr, /--stack is required with --all/);
        const noBucket = await h.run(["export-table", "prod-env-receipts", "--region", "eu-west-2"]);
        assert.match(
            noBucket.stderr,
            /no bucket to export to[\s\S]*Pass --stack \(its exports bucket is used\) or --bucket/,
        );
        assert.deepEqual(h.sentOps("ExportTableToPointInTime"), []);
    });

    // DynamoDB, "ExportTableToPointInTime" / IncrementalExportSpecification: 15 minutes to 24 hours, both ends included.
    it("accepts an incremental period of exactly 15 minutes and of exactly 24 hours", async () => {
        assert.equal((await exportTable("--type", "incremental", "--from", "-15m")).code, 0);
        assert.equal((await exportTable("--type", "incremental", "--from", "-24h")).code, 0);
    });

    it("into another --bucket without --stack: SSE-S3, the prefix's trailing slashes dropped, zero-padded dates, a 64-character client token", async () => {
        await h.clock.sleep(Date.UTC(2027, 0, 5, 3, 0, 0) - NOW);
        h.mocks()
            .s3.on(GetBucketEncryptionCommand)
            .resolves({
                ServerSideEncryptionConfiguration: {
                    Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
                },
            });
        h.mocks()
            .dynamodb.on(DescribeExportCommand)
            .callsFake((i: { ExportArn: string }) => ({
                ExportDescription: {
                    ExportArn: i.ExportArn,
                    ExportStatus: "COMPLETED",
                    ItemCount: 7,
                    BilledSizeBytes: 512,
                    IncrementalExportSpecification: { ExportToTime: new Date(Date.UTC(2027, 0, 5, 2, 55)) },
                },
            }));
        const long = `t${"x".repeat(69)}`;
        const r = await h.run([
            "export-table",
            "prod-env-receipts",
            long,
            "--bucket",
            "other-exports",
            "--region",
            "eu-west-2",
            "--prefix",
            "vat/exports//",
            "--type",
            "incremental",
            "--from",
            "-2h",
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(h.sentOps("GetBucketEncryption")[0], {
            Bucket: "other-exports",
            ExpectedBucketOwner: "111111111111",
        });
        const started = h.sentOps("ExportTableToPointInTime").find((e) => e.TableArn === ARN("prod-env-receipts"));
        const prefix = "vat/exports/prod-env-receipts/2027/01/05/incremental-20270105T030000Z";
        assert.equal(started?.S3Prefix, prefix);
        assert.equal(started?.S3SseAlgorithm, "AES256");
        assert.equal(started?.S3SseKmsKeyId, undefined);
        assert.equal(started?.ExportFormat, "DYNAMODB_JSON");
        assert.equal(started?.ClientToken, "prod-env-receipts-20270105T030000Z");
        const longToken = h.sentOps("ExportTableToPointInTime").find((e) => e.TableArn === ARN(long))
            ?.ClientToken as string;
        assert.equal(
            longToken,
            `${long}-20270105T030000Z`.slice(0, 64),
            "DynamoDB: ClientToken is at most 64 characters",
        );
        assert.match(
            r.stdout,
            new RegExp(
                `done  prod-env-receipts: incremental export  .*  7 items, 512 bytes → s3://other-exports/${prefix}`,
            ),
        );
        assert.match(
            r.stdout,
            new RegExp(`PASS  export:prod-env-receipts  s3://other-exports/${prefix}/vat-backup-manifest.json`),
        );
        const put = h.sentOps("PutObject").find((p) => p.Key === `${prefix}/vat-backup-manifest.json`);
        assert.equal(put?.ContentType, "application/json");
        assert.equal(put?.ChecksumAlgorithm, "SHA256");
        assert.equal(put?.ExpectedBucketOwner, "111111111111");
        const manifest = JSON.parse(put?.Body as string);
        assert.equal(manifest.exportType, "INCREMENTAL_EXPORT");
        assert.equal(manifest.incrementalFrom, "2027-01-05T01:00:00.000Z");
        assert.equal(manifest.incrementalTo, "2027-01-05T02:55:00.000Z", "the end DynamoDB chose");
        assert.equal(manifest.exportTime, null);
        assert.equal(manifest.billedSizeBytes, 512);
        assert.equal(manifest.tableItemCountAtStart, 10);
    });

    it("a full export --at a time: no incremental specification, the manifest's times from the plan, zeros for counts DynamoDB left out", async () => {
        h.mocks()
            .dynamodb.on(DescribeExportCommand)
            .resolvesOnce({})
            .callsFake((i: { ExportArn: string }) => ({
                ExportDescription: { ExportArn: i.ExportArn, ExportStatus: "COMPLETED" },
            }));
        h.mocks()
            .dynamodb.on(DescribeTableCommand)
            .callsFake((i: { TableName: string }) => ({
                Table: { TableName: i.TableName, TableArn: ARN(i.TableName) },
            }));
        const r = await exportTable("--at", "-1h");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const started = h.sentOps("ExportTableToPointInTime")[0];
        assert.equal((started.ExportTime as Date).toISOString(), "2026-11-26T02:00:00.000Z");
        assert.equal(started.IncrementalExportSpecification, undefined);
        assert.match(r.stderr, /export prod-env-receipts: UNKNOWN/);
        assert.match(r.stdout, /done  prod-env-receipts: full export  .*  0 items, 0 bytes → s3:\/\//);
        const manifest = JSON.parse(h.sentOps("PutObject")[0].Body as string);
        assert.equal(manifest.exportTime, "2026-11-26T02:00:00.000Z");
        assert.equal(manifest.incrementalFrom, null);
        assert.equal(manifest.incrementalTo, null);
        assert.equal(manifest.itemCount, null);
        assert.equal(manifest.billedSizeBytes, null);
        assert.equal(manifest.tableItemCountAtStart, null);
    });

    it("a start exactly at the earliest restorable time is inside the PITR window", async () => {
        h.mocks()
            .dynamodb.on(DescribeContinuousBackupsCommand)
            .resolves({
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: {
                        PointInTimeRecoveryStatus: "ENABLED",
                        EarliestRestorableDateTime: new Date(NOW - 2 * 3_600_000),
                    },
                },
            });
        assert.equal((await exportTable("--type", "incremental", "--from", "-2h")).code, 0);
        const before = await exportTable("--type", "incremental", "--from", "-3h");
        assert.match(
            before.stdout,
            /is before the earliest restorable time[^\n]*next: Pick a start inside the PITR window/,
        );
    });

    it("each FAIL line says what to do: a missing table, PITR not reported, an export that failed without a code", async () => {
        const d = h.mocks().dynamodb;
        d.on(DescribeTableCommand, { TableName: "prod-env-bundles" }).rejects(awsError("ResourceNotFoundException"));
        d.on(DescribeTableCommand, { TableName: "prod-env-passes" }).resolves({
            Table: { TableName: "prod-env-passes" },
        });
        d.on(DescribeContinuousBackupsCommand, { TableName: "prod-env-subscriptions" }).resolves({});
        d.on(DescribeExportCommand, { ExportArn: `${ARN("prod-env-receipts")}/export/01` }).resolves({
            ExportDescription: { ExportStatus: "FAILED", FailureMessage: "Access Denied" },
        });
        const r = await h.run([
            "export-table",
            "prod-env-receipts",
            "prod-env-bundles",
            "prod-env-passes",
            "prod-env-subscriptions",
            "--stack",
            "prod",
        ]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /FAIL  export:prod-env-bundles  table prod-env-bundles does not exist in eu-west-2/);
        assert.match(r.stdout, /FAIL  export:prod-env-passes  table prod-env-passes does not exist in eu-west-2/);
        assert.match(
            r.stdout,
            /FAIL  export:prod-env-subscriptions  point-in-time recovery is not enabled on prod-env-subscriptions: DynamoDB exports only from PITR \(next: Turn PITR on \(deploy the stack, or aws dynamodb update-continuous-backups --table-name prod-env-subscriptions /,
        );
        assert.match(
            r.stdout,
            /FAIL  export:prod-env-receipts  export prod-env-receipts ended FAILED: Access Denied \(next: Read the failure above; a permissions failure/,
        );
    });

    it("refuses a bucket whose default encryption DynamoDB cannot export with, before any export starts", async () => {
        // ExportTableToPointInTime (DynamoDB API Reference): S3SseAlgorithm is AES256 or KMS, with S3SseKmsKeyId for KMS.
        for (const [answer, shown] of [
            [{}, "none"],
            [{ ServerSideEncryptionConfiguration: { Rules: [] } }, "none"],
            [{ ServerSideEncryptionConfiguration: { Rules: [{}] } }, "none"],
            [
                {
                    ServerSideEncryptionConfiguration: {
                        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } }],
                    },
                },
                "aws:kms",
            ],
        ] as [GetBucketEncryptionCommandOutput, string][]) {
            h.mocks().s3.on(GetBucketEncryptionCommand).resolves(answer);
            const r = await exportTable();
            assert.equal(r.code, 2, JSON.stringify(answer));
            assert.match(
                r.stderr,
                new RegExp(
                    `s3://${BUCKET} has no default encryption DynamoDB can export with \\(${shown}\\)[\\s\\S]*Export into the stack's exports bucket`,
                ),
            );
        }
        assert.deepEqual(h.sentOps("ExportTableToPointInTime"), []);
    });

    it("expired credentials in the middle of an export stop the command (exit 3)", async () => {
        h.mocks().dynamodb.on(ExportTableToPointInTimeCommand).rejects(awsError("ExpiredTokenException"));
        assert.equal((await exportTable()).code, 3);
    });

    it("under --dry-run shows where the export would go and never polls", async () => {
        const r = await exportTable("--dry-run", "--manifest", path.join(h.tmp, "m.json"));
        assert.equal(r.code, 0);
        assert.match(
            r.stdout,
            /full export  .*\(dry run\) → s3:\/\/prod-env-backup-exports-111111111111-eu-west-2\/dynamodb-exports\/prod-env-receipts\/2026\/11\/26\/full-/,
        );
        assert.deepEqual(h.sentOps("DescribeExport"), []);
        assert.ok(!fs.existsSync(path.join(h.tmp, "m.json")), "a dry run writes no manifest");
    });
});
