import * as assert from "node:assert/strict";
import type { Widget } from "../helpers/dashboard";
import { ConfigError, parseStackConfig, projectKeys, readStackFile } from "../../stacks/config";
import { Registered, runStackOffline, statement } from "../helpers/engine";
import { matchesPattern } from "../helpers/eventPattern";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("backup stack: monitoring and verification", function () {
    let backup: Registered;
    before(async () => {
        backup = new Registered(await runStackOffline("backup"));
    });
    const alarm = (name: string) => backup.one(ALARM, name).inputs;
    const primaryTopicArn = () => backup.named("alerts-topic").outputs.arn;

    // AWS Backup, "Metrics with CloudWatch": copy jobs count under their destination vault's name;
    // CloudWatch publishes restore metrics per {BackupVaultName[, ResourceType]}, never {ResourceType} alone.
    it("watches copies out of the central vault under the DR vault's name, restores from the central vault, and no backup jobs (none run here)", () => {
        const central = backup.named("central-vault-vault").outputs.name;
        const dr = backup.named("dr-vault-vault").outputs.name;
        assert.deepEqual(alarm("central-vault-alarms-copy-jobs-failed").dimensions, { BackupVaultName: dr });
        assert.equal(alarm("central-vault-alarms-restore-jobs-failed").metricName, "NumberOfRestoreJobsFailed");
        assert.deepEqual(alarm("central-vault-alarms-restore-jobs-failed").dimensions, {
            BackupVaultName: central,
            ResourceType: "DynamoDB",
        });
        const metrics = backup.ofType(ALARM).map((a) => a.inputs.metricName);
        assert.ok(!metrics.includes("NumberOfBackupJobsCompleted") && !metrics.includes("NumberOfBackupJobsFailed"));
    });

    it("watches the second-region copy function's errors, throttles and dead letters by their real names", () => {
        const fn = backup.one("aws:lambda/function:Function", "dr-copy-function").outputs.name;
        const dlq = backup.one("aws:sqs/queue:Queue", "dr-copy-dlq").outputs.name;
        assert.deepEqual(alarm("dr-copy-alarms-errors").dimensions, { FunctionName: fn });
        assert.deepEqual(alarm("dr-copy-alarms-throttles").dimensions, { FunctionName: fn });
        assert.deepEqual(alarm("dr-copy-alarms-dead-letters").dimensions, { QueueName: dlq });
    });

    it("watches the archive's replication to the DR region by the rule the stack configures", () => {
        const replication = backup.one(
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            "archive-replication-config",
        ).inputs as {
            bucket: string;
            rules: Array<{ id: string; destination: { bucket: string } }>;
        };
        const expected = {
            SourceBucket: replication.bucket,
            DestinationBucket: replication.rules[0].destination.bucket.replace(/^arn:aws:s3:::/, ""),
            RuleId: replication.rules[0].id,
        };
        assert.deepEqual(alarm("archive-replication-alarms-replication-failed").dimensions, expected);
        assert.deepEqual(alarm("archive-replication-alarms-replication-latency").dimensions, expected);
        assert.equal(alarm("archive-replication-alarms-replication-latency").threshold, 900);
    });

    it("sends every alarm and job event to the primary region's alert topic", () => {
        for (const a of backup.ofType(ALARM)) {
            assert.deepEqual(a.inputs.alarmActions, [primaryTopicArn()], a.name);
            assert.deepEqual(a.inputs.okActions, [primaryTopicArn()], a.name);
        }
        const targets = backup
            .childrenOf(backup.named("backup-job-events"))
            .filter((r) => r.type === "aws:cloudwatch/eventTarget:EventTarget");
        assert.equal(targets.length, 4);
        for (const t of targets) assert.equal(t.inputs.arn, primaryTopicArn());
    });

    it("alerts on a copy into the central vault that failed in a deployment account, without starting the DR copy", async () => {
        const prod = new Registered(await runStackOffline("prod"));
        const forwarding = JSON.parse(String(prod.named("copy-events-rule").inputs.eventPattern));
        const failedCopyIn = {
            version: "0",
            source: "aws.backup",
            "detail-type": "Copy Job State Change",
            account: "111111111111",
            region: "eu-west-2",
            detail: {
                copyJobId: "47C8EF56-74D8-059D-1301-C5BE1D5C926E",
                state: "FAILED",
                sourceBackupVaultArn: prod.one("aws:backup/vault:Vault").outputs.arn,
                destinationBackupVaultArn: backup.named("central-vault-vault").outputs.arn,
                statusMessage: "Insufficient privileges to perform this action",
            },
        };
        assert.ok(matchesPattern(forwarding, failedCopyIn), "prod forwards the failed copy to the backup account");
        const alertRule = backup.one("aws:cloudwatch/eventRule:EventRule", "backup-job-events-copy-job-failed");
        assert.ok(
            matchesPattern(JSON.parse(String(alertRule.inputs.eventPattern)), failedCopyIn),
            "the backup account's alert rule takes it",
        );
        const drTrigger = backup.one("aws:cloudwatch/eventRule:EventRule", "dr-copy-rule");
        assert.ok(
            !matchesPattern(JSON.parse(String(drTrigger.inputs.eventPattern)), failedCopyIn),
            "the second-region copy ignores it",
        );
        assert.ok(
            matchesPattern(JSON.parse(String(drTrigger.inputs.eventPattern)), {
                ...failedCopyIn,
                detail: { ...failedCopyIn.detail, state: "COMPLETED" },
            }),
            "and still takes completed copies",
        );
    });

    it("lists every alarm on the dashboard, with the copy function and without a backup-jobs widget", () => {
        const body = JSON.parse(String(backup.one("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody)) as {
            widgets: Widget[];
        };
        const alarms = body.widgets.find((w) => w.type === "alarm")!.properties.alarms as string[];
        assert.deepEqual(
            [...alarms].sort(),
            backup
                .ofType(ALARM)
                .map((a) => a.outputs.arn)
                .sort(),
        );
        const titles = body.widgets.map((w) => w.properties.title);
        assert.ok(titles.includes("Copy function: dead letters waiting"));
        assert.ok(!titles.includes("Backup jobs: completed vs failed"));
    });

    it("restore-tests the copies of every deployment account's critical table in the central vault", () => {
        const plan = backup.one("aws:backup/restoreTestingPlan:RestoreTestingPlan").inputs;
        assert.equal(plan.name, "central_vault_copies");
        assert.deepEqual((plan.recoveryPointSelection as { includeVaults: string[] }).includeVaults, [
            backup.named("central-vault-vault").outputs.arn,
        ]);
        assert.deepEqual(
            backup.one("aws:backup/restoreTestingSelection:RestoreTestingSelection").inputs.protectedResourceArns,
            [
                "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts",
                "arn:aws:dynamodb:eu-west-2:222222222222:table/ci-env-receipts",
            ],
        );
    });

    it("audits that vaults refuse manual deletion and are locked within the central vault's bounds, reporting through a bucket that replicates into the archive", () => {
        const controls = backup.one("aws:backup/framework:Framework").inputs.controls as Array<{
            name: string;
            inputParameters?: { name: string; value: string }[];
        }>;
        assert.deepEqual(controls.map((c) => c.name).sort(), [
            "BACKUP_RECOVERY_POINT_ENCRYPTED",
            "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
        ]);
        const lock = controls.find((c) => c.name === "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK")!;
        assert.deepEqual(Object.fromEntries(lock.inputParameters!.map((p) => [p.name, p.value])), {
            minRetentionDays: "7",
            maxRetentionDays: "2557",
        });
        // A PUT into a bucket with default Object Lock retention needs Content-MD5 or a checksum ("Using S3
        // Object Lock", S3 User Guide), which Audit Manager does not document sending: reports go to a
        // bucket without a lock that replicates into the archive.
        const report = backup.one("aws:backup/reportPlan:ReportPlan").inputs.reportDeliveryChannel as Record<
            string,
            string
        >;
        assert.equal(report.s3BucketName, backup.named("reports-bucket").outputs.bucket);
        assert.equal(
            backup
                .ofType("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
                .some((l) => l.inputs.bucket === report.s3BucketName),
            false,
        );
        assert.equal(
            statement(backup.named("reports-policy"), "BackupAuditReportsDelivery").Resource,
            `${backup.named("reports-bucket").outputs.arn}/backup-account-audit/*`,
        );
        const [toArchive] = backup.one(
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            "reports-replication-config",
        ).inputs.rules as Array<{ destination: { bucket: string } }>;
        assert.equal(toArchive.destination.bucket, backup.named("archive-bucket").outputs.arn);
        assert.ok(statement(backup.named("archive-key-key"), "BackupAuditReportsEncrypt"));
    });

    it("checks with Config that recovery points cannot be deleted by hand and that the archive is locked by default", () => {
        const rules = Object.fromEntries(
            backup
                .ofType("aws:cfg/rule:Rule")
                .map((r) => [(r.inputs.source as { sourceIdentifier: string }).sourceIdentifier, r.inputs.scope]),
        );
        assert.deepEqual(Object.keys(rules).sort(), [
            "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            "S3_BUCKET_DEFAULT_LOCK_ENABLED",
        ]);
        // AWS Config's principalArnList and Audit Manager's control parameter of the same name exempt the
        // principal the vault policies' deny spares, the break-glass role (the stack's own role, by name).
        const breakGlass = backup.named("access-break-glass").outputs.arn;
        const manual = backup
            .ofType("aws:cfg/rule:Rule")
            .find(
                (r) =>
                    (r.inputs.source as { sourceIdentifier: string }).sourceIdentifier ===
                    "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            )!;
        assert.deepEqual(JSON.parse(String(manual.inputs.inputParameters)), { principalArnList: breakGlass });
        const control = (
            backup.one("aws:backup/framework:Framework").inputs.controls as Array<{
                name: string;
                inputParameters?: { name: string; value: string }[];
            }>
        ).find((c) => c.name === "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED")!;
        assert.deepEqual(control.inputParameters, [{ name: "principalArnList", value: breakGlass }]);
        assert.deepEqual(rules.S3_BUCKET_DEFAULT_LOCK_ENABLED, {
            complianceResourceTypes: ["AWS::S3::Bucket"],
            complianceResourceId: backup.named("archive-bucket").outputs.bucket,
        });
    });

    // "PutConfigRule" fails without a recorder (NoAvailableConfigurationRecorderException): the backup
    // account's rules and audit controls need one too, delivering into the reports bucket.
    it("records AWS Config by default, delivering into the reports bucket, before any rule", () => {
        const recorder = backup.one("aws:cfg/recorder:Recorder");
        assert.match(String(recorder.inputs.name), /monitoring\.createConfigRecorder/);
        const channel = backup.one("aws:cfg/deliveryChannel:DeliveryChannel").inputs;
        assert.equal(channel.s3BucketName, backup.named("reports-bucket").outputs.bucket);
        assert.equal(channel.s3KmsKeyArn, backup.named("archive-key-key").outputs.arn);
        assert.ok(statement(backup.named("reports-policy"), "ConfigBucketDelivery"));
        const status = backup.one("aws:cfg/recorderStatus:RecorderStatus");
        for (const rule of backup.ofType("aws:cfg/rule:Rule"))
            assert.ok(rule.dependencies?.includes(status.urn), `${rule.name} waits for the recorder`);
    });

    describe("config", () => {
        const keys = () => projectKeys(readStackFile("backup"));
        it("defaults to a monthly restore test of the receipts copies", () => {
            const cfg = parseStackConfig(keys(), "backup");
            assert.ok(cfg.role === "backup");
            assert.deepEqual(cfg.monitoring.restoreTest, {
                schedule: "cron(0 5 15 * ? *)",
                startWindowHours: 24,
                selectionWindowDays: 7,
                validationWindowHours: 24,
                tables: ["receipts"],
            });
        });
        it("rejects a restore-test window AWS rejects", () => {
            try {
                parseStackConfig({ ...keys(), monitoring: { restoreTest: { validationWindowHours: 200 } } }, "backup");
                assert.fail("accepted a 200-hour validation window");
            } catch (err) {
                assert.ok(err instanceof ConfigError);
                assert.ok(
                    err.problems.some((p) =>
                        p.startsWith("vat-backup:monitoring.restoreTest.validationWindowHours = 200"),
                    ),
                    err.problems.join("\n"),
                );
            }
        });
    });
});
