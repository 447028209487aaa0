/**
 * The monthly evidence pack (lambdas/evidencePack) with aws-sdk-client-mock: AWS Backup's restore,
 * copy and report jobs of the previous month, the drift workflow's summaries, the open gaps; written
 * into the exports bucket (deployment account: replication carries it into both Object Lock
 * archives) or straight into each archive with a checksum (backup account: S3 API Reference,
 * PutObject, requires Content-MD5 or an x-amz-checksum for an upload into a bucket with Object Lock
 * default retention).
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
    BackupClient,
    ListCopyJobsCommand,
    ListReportJobsCommand,
    ListRestoreJobsCommand,
} from "@aws-sdk/client-backup";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import {
    EvidencePack,
    EvidencePackDeps,
    configFromEnv,
    makeHandler,
    periodOf,
} from "../../lambdas/evidencePack/handler";

const PROD = "111111111111";
const KEY = "arn:aws:kms:eu-west-2:111111111111:key/0000aaaa-00aa-00aa-00aa-000000aaaaaa";
const EXPORTS = "prod-env-backup-exports-111111111111-eu-west-2";
const PLAN = "arn:aws:backup:eu-west-2:111111111111:restore-testing-plan:prod_env_restore_tests-abc";
const at = (s: string) => new Date(s);
const throttled = () => Object.assign(new Error("slow down"), { name: "ThrottlingException", $metadata: {} });

describe("evidencePack Lambda (one document per account and month, under Object Lock)", () => {
    const backup = mockClient(BackupClient);
    const s3 = mockClient(S3Client);
    const cw = mockClient(CloudWatchClient);

    const deps = (extra: Partial<EvidencePackDeps> = {}): EvidencePackDeps => ({
        stack: "prod",
        accountId: PROD,
        region: "eu-west-2",
        destination: { mode: "exports-bucket", bucket: EXPORTS, kmsKeyArn: KEY },
        prefix: "evidence-packs",
        driftBucket: EXPORTS,
        driftPrefix: "drift-reports",
        maxCopyLagHours: 24,
        metricNamespace: "VatBackup/Protection",
        backup: new BackupClient({ region: "eu-west-2" }),
        s3: new S3Client({ region: "eu-west-2" }),
        cloudwatch: new CloudWatchClient({ region: "eu-west-2" }),
        now: () => at("2026-12-01T08:00:00Z"),
        log: () => undefined,
        retry: { sleep: async () => undefined },
        ...extra,
    });

    beforeEach(() => {
        for (const m of [backup, s3, cw]) m.reset();
        backup.on(ListRestoreJobsCommand, { NextToken: undefined }).resolves({
            RestoreJobs: [
                {
                    RestoreJobId: "restore-1",
                    SourceResourceArn: `arn:aws:dynamodb:eu-west-2:${PROD}:table/prod-env-receipts`,
                    Status: "COMPLETED",
                    ValidationStatus: "SUCCESSFUL",
                    CreationDate: at("2026-11-15T05:10:00Z"),
                    CompletionDate: at("2026-11-15T05:52:00Z"),
                    CreatedBy: { RestoreTestingPlanArn: PLAN },
                },
                // A person's restore is not a restore test.
                { RestoreJobId: "manual-1", Status: "COMPLETED", CreationDate: at("2026-11-20T10:00:00Z") },
            ],
            NextToken: "page-2",
        });
        backup.on(ListRestoreJobsCommand, { NextToken: "page-2" }).resolves({ RestoreJobs: [] });
        backup.on(ListCopyJobsCommand).resolves({
            CopyJobs: [
                {
                    CopyJobId: "copy-1",
                    State: "COMPLETED",
                    DestinationBackupVaultArn:
                        "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault",
                    CreationDate: at("2026-11-02T03:00:00Z"),
                    CompletionDate: at("2026-11-02T04:30:00Z"),
                },
                {
                    CopyJobId: "copy-2",
                    State: "COMPLETED",
                    CreationDate: at("2026-11-03T03:00:00Z"),
                    CompletionDate: at("2026-11-03T05:00:00Z"),
                },
            ],
        });
        backup.on(ListReportJobsCommand).resolves({
            ReportJobs: [
                {
                    ReportJobId: "report-1",
                    ReportPlanArn: "arn:aws:backup:eu-west-2:111111111111:report-plan:prod_env_backup_audit",
                    Status: "COMPLETED",
                    ReportDestination: { S3BucketName: EXPORTS, S3Keys: ["backup-audit/2026/11/30/report.csv"] },
                },
            ],
        });
        s3.on(ListObjectsV2Command).resolves({
            Contents: [
                { Key: "drift-reports/prod/20261031T060000Z.json", LastModified: at("2026-10-31T06:00:00Z") },
                { Key: "drift-reports/prod/20261107T060000Z.json", LastModified: at("2026-11-07T06:00:00Z") },
            ],
        });
        s3.on(GetObjectCommand).resolves({
            Body: {
                transformToString: async () =>
                    JSON.stringify({ drifted: false, summary: "prod: no changes (refresh, expect-no-changes)" }),
            },
        } as never);
        s3.on(PutObjectCommand).resolves({});
        cw.on(PutMetricDataCommand).resolves({});
    });
    after(() => [backup, s3, cw].forEach((m) => m.restore()));

    const puts = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    const packOf = (): EvidencePack => JSON.parse(String(puts().find((p) => p.Key?.endsWith(".json"))!.Body));

    it("covers the previous calendar month: restore tests with measured minutes and validation, copy lags, audit reports, drift", async () => {
        const outcome = await makeHandler(deps())();
        assert.equal(outcome.period, "2026-11");
        assert.equal(outcome.openGaps, 0);
        const window = backup.commandCalls(ListRestoreJobsCommand)[0].args[0].input;
        assert.deepEqual([window.ByCreatedAfter, window.ByCreatedBefore], [at("2026-11-01"), at("2026-12-01")]);
        const pack = packOf();
        assert.deepEqual(pack.restoreTests, [
            {
                restoreJobId: "restore-1",
                resourceArn: `arn:aws:dynamodb:eu-west-2:${PROD}:table/prod-env-receipts`,
                restoreTestingPlanArn: PLAN,
                status: "COMPLETED",
                validationStatus: "SUCCESSFUL",
                createdAt: "2026-11-15T05:10:00.000Z",
                completedAt: "2026-11-15T05:52:00.000Z",
                minutes: 42,
            },
        ]);
        assert.deepEqual(
            [pack.copies.completed, pack.copies.failed, pack.copies.medianLagHours, pack.copies.maxLagHours],
            [2, 0, 2, 2],
        );
        assert.deepEqual(pack.auditReports[0].objects, [`s3://${EXPORTS}/backup-audit/2026/11/30/report.csv`]);
        // Only the summary written in November.
        assert.deepEqual(
            pack.drift.map((d) => [d.key, d.drifted]),
            [["drift-reports/prod/20261107T060000Z.json", false]],
        );
        assert.deepEqual(pack.openGaps, []);
    });

    it("writes Markdown and JSON into the exports bucket under SSE-KMS with a SHA-256 checksum (replication carries them into both archives)", async () => {
        await makeHandler(deps())();
        const written = puts();
        assert.deepEqual(
            written.map((p) => p.Key),
            ["evidence-packs/111111111111/2026-11/evidence.json", "evidence-packs/111111111111/2026-11/evidence.md"],
        );
        for (const p of written) {
            assert.equal(p.Bucket, EXPORTS);
            assert.equal(p.ServerSideEncryption, "aws:kms");
            assert.equal(p.SSEKMSKeyId, KEY);
            assert.equal(p.ChecksumSHA256, createHash("sha256").update(String(p.Body)).digest("base64"));
        }
        const md = String(written[1].Body);
        assert.match(md, /^# Backup evidence: prod \(111111111111, eu-west-2\), 2026-11/);
        assert.match(md, /\| restore-1 \| .* \| COMPLETED \| SUCCESSFUL \| 42 \|/);
        assert.match(md, /## Open gaps \(0\)\n\nNone\./);
    });

    it("in the backup account writes straight into each archive, every PUT with x-amz-checksum-sha256 (Object Lock default retention)", async () => {
        const regions: string[] = [];
        const archives = [
            { bucket: "vat-backup-archive-333333333333-eu-west-2", region: "eu-west-2" },
            { bucket: "vat-backup-archive-333333333333-eu-west-1", region: "eu-west-1" },
        ];
        const outcome = await makeHandler(
            deps({
                accountId: "333333333333",
                stack: "backup",
                destination: { mode: "archives", archives },
                s3For: (region) => {
                    regions.push(region);
                    return new S3Client({ region });
                },
            }),
        )();
        assert.equal(outcome.keys.length, 4);
        assert.deepEqual([...new Set(regions)], ["eu-west-2", "eu-west-1"]);
        for (const p of puts()) {
            assert.ok(archives.some((a) => a.bucket === p.Bucket));
            assert.ok(p.ChecksumSHA256, "a PUT into an Object Lock bucket needs a checksum");
            assert.equal(p.ExpectedBucketOwner, "333333333333");
        }
    });

    it("lists open gaps: a failed validation, a failed copy, a slow copy, a failed report, a drifted stack", async () => {
        backup.on(ListRestoreJobsCommand, { NextToken: undefined }).resolves({
            RestoreJobs: [
                {
                    RestoreJobId: "restore-2",
                    Status: "COMPLETED",
                    ValidationStatus: "FAILED",
                    CreatedBy: { RestoreTestingPlanArn: PLAN },
                },
            ],
        });
        backup.on(ListCopyJobsCommand).resolves({
            CopyJobs: [
                { CopyJobId: "copy-3", State: "FAILED", StatusMessage: "Access denied" },
                {
                    CopyJobId: "copy-4",
                    State: "COMPLETED",
                    CreationDate: at("2026-11-04T03:00:00Z"),
                    CompletionDate: at("2026-11-05T09:00:00Z"),
                },
            ],
        });
        backup.on(ListReportJobsCommand).resolves({ ReportJobs: [{ ReportJobId: "report-2", Status: "FAILED" }] });
        s3.on(GetObjectCommand).resolves({
            Body: { transformToString: async () => JSON.stringify({ drifted: true, summary: "1 to update" }) },
        } as never);
        const outcome = await makeHandler(deps())();
        assert.deepEqual(packOf().openGaps, [
            "restore test restore-2 has validation FAILED",
            "copy job copy-3 FAILED",
            "copy job copy-4 took 30 h (more than 24 h)",
            "Audit Manager report job report-2 FAILED",
            "1 drift check(s) found the stack differing from its program or did not say",
        ]);
        assert.equal(outcome.openGaps, 5);
        const gaps = cw
            .commandCalls(PutMetricDataCommand)
            .flatMap((c) => c.args[0].input.MetricData ?? [])
            .find((d) => d.MetricName === "EvidencePackOpenGaps");
        assert.equal(gaps?.Value, 5);
    });

    it("says so when nothing ran: no restore test, no report, no drift check", async () => {
        backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [] });
        backup.on(ListCopyJobsCommand).resolves({ CopyJobs: [] });
        backup.on(ListReportJobsCommand).resolves({ ReportJobs: [] });
        s3.on(ListObjectsV2Command).resolves({ Contents: [] });
        await makeHandler(deps())();
        assert.deepEqual(packOf().openGaps, [
            "no restore test ran in the period",
            "no Audit Manager report job in the period",
            "no drift check ran in the period (the drift workflow wrote no summary)",
        ]);
    });

    it("retries throttled AWS Backup and S3 calls", async () => {
        backup.on(ListCopyJobsCommand).rejectsOnce(throttled()).resolves({ CopyJobs: [] });
        s3.on(PutObjectCommand).rejectsOnce(throttled()).resolves({});
        const outcome = await makeHandler(deps())();
        assert.equal(outcome.keys.length, 2);
    });

    it("fails the run (no metric) when the evidence cannot be written", async () => {
        s3.on(PutObjectCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDenied" }));
        await assert.rejects(makeHandler(deps())(), /denied/);
        assert.equal(cw.commandCalls(PutMetricDataCommand).length, 0);
    });

    it("takes the previous month, across a year boundary, or the month the event names", () => {
        assert.equal(periodOf(at("2027-01-01T08:00:00Z")).month, "2026-12");
        assert.equal(periodOf(at("2026-12-01T08:00:00Z"), "2026-06").month, "2026-06");
        assert.deepEqual(periodOf(at("2026-03-01T00:00:00Z")).to, at("2026-03-01T00:00:00Z"));
    });

    it("names missing settings at cold start", () => {
        assert.throws(() => configFromEnv({ STACK: "prod" }), /missing environment variables: ACCOUNT_ID/);
        assert.throws(
            () =>
                configFromEnv({
                    STACK: "backup",
                    ACCOUNT_ID: "333333333333",
                    REGION: "eu-west-2",
                    EVIDENCE_MODE: "archives",
                    EVIDENCE_PREFIX: "evidence-packs",
                    DRIFT_BUCKET: "x",
                    DRIFT_PREFIX: "drift-reports",
                    METRIC_NAMESPACE: "n",
                }),
            /ARCHIVES/,
        );
    });
});
