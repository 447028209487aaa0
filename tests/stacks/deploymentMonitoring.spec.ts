import * as assert from "node:assert/strict";
import type * as aws from "@pulumi/aws";
import type { DashboardBody, Widget } from "../helpers/dashboard";
import * as fs from "fs";
import { ConfigError, parseStackConfig, projectKeys, readStackFile } from "../../stacks/config";
import { PROJECT_DIR } from "../../offline/stack";
import { DEFAULT_RESTORED_TABLES } from "../../stacks/config/schema";
import { Registered, inputOf, policyOf, runStackOffline, statement } from "../helpers/engine";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const CHECKED_IN_STACKS = fs
    .readdirSync(PROJECT_DIR)
    .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
    .map((f) => f.slice(7, -5));

describe("deployment stack: monitoring and verification (prod)", function () {
    let prod: Registered;
    before(async () => {
        prod = new Registered(await runStackOffline("prod"));
    });
    const topicArn = () => prod.one("aws:sns/topic:Topic").outputs.arn;

    it("dimensions every backup and restore alarm by the vault the stack creates, not by a name typed twice", () => {
        const vaultName = prod.one("aws:backup/vault:Vault").outputs.name;
        for (const key of ["backup-jobs-failed", "no-recent-backup", "restore-jobs-failed"]) {
            const a = prod.one(ALARM, `backup-alarms-${key}`);
            assert.equal((a.inputs.dimensions as Record<string, string>).BackupVaultName, vaultName, a.name);
        }
        // {BackupVaultName, ResourceType}: a dimension set AWS/Backup publishes ({ResourceType} alone is not).
        assert.deepEqual(prod.one(ALARM, "backup-alarms-restore-jobs-failed").inputs.dimensions, {
            BackupVaultName: vaultName,
            ResourceType: "DynamoDB",
        });
    });

    // AWS Backup Developer Guide, "Metrics with CloudWatch": "The vault name of copy jobs is that of
    // their destination vault." The copies go to the central vault, so that is the name watched.
    it("watches copy failures under the name of the central vault the copy rules send to", () => {
        const rules = inputOf<aws.types.input.backup.PlanRule[]>(prod.one("aws:backup/plan:Plan"), "rules");
        const [destination] = new Set(
            rules.flatMap((r) => (r.copyActions ?? []).map((c) => String(c.destinationVaultArn))),
        );
        assert.equal(destination.split(":").pop(), "central-backup-vault");
        assert.deepEqual(prod.one(ALARM, "backup-alarms-copy-jobs-failed").inputs.dimensions, {
            BackupVaultName: "central-backup-vault",
        });
        const body = JSON.parse(
            String(prod.one("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody),
        ) as DashboardBody;
        const copies = body.widgets.find((w) => String(w.properties.title).startsWith("Copy jobs"));
        for (const m of copies?.properties.metrics ?? [])
            assert.deepEqual(m.slice(2, 4), ["BackupVaultName", "central-backup-vault"]);
    });

    it("watches backup, copy and restore failures, the absence of a recent backup, and exports replication", () => {
        // The scheduled escrow and exports have their own alarms (tests/stacks/automation.spec.ts).
        const metrics = prod
            .ofType(ALARM)
            .filter((a) => !String(a.inputs.name).startsWith("vat-backup-prod-"))
            .map((a) => a.inputs.metricName)
            .sort();
        assert.deepEqual(metrics, [
            // The restore-test validator: its function, dead letters and failed validations.
            "ApproximateNumberOfMessagesVisible",
            "Errors",
            "NumberOfBackupJobsCompleted",
            "NumberOfBackupJobsFailed",
            "NumberOfCopyJobsFailed",
            "NumberOfRestoreJobsFailed",
            "OperationsFailedReplication",
            "OperationsFailedReplication",
            "ReplicationLatency",
            "ReplicationLatency",
            "RestoreValidationFailed",
            "Throttles",
        ]);
        const quiet = prod.one(ALARM, "backup-alarms-no-recent-backup").inputs;
        // The daily rule: every 24 h, 480 minutes to complete.
        assert.equal(Number(quiet.period) * Number(quiet.evaluationPeriods), 32 * 3600);
        assert.equal(quiet.treatMissingData, "breaching");
    });

    it("dimensions the replication alarms by each replication rule the stack configures, one pair per archive", () => {
        const replication = prod.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs as {
            bucket: string;
            rules: Array<{ id: string; destination: { bucket: string } }>;
        };
        const expected = replication.rules.flatMap((rule) =>
            ["OperationsFailedReplication", "ReplicationLatency"].map((metric) =>
                JSON.stringify([
                    metric,
                    {
                        DestinationBucket: rule.destination.bucket.replace(/^arn:aws:s3:::/, ""),
                        RuleId: rule.id,
                        SourceBucket: replication.bucket,
                    },
                ]),
            ),
        );
        const watched = prod
            .ofType(ALARM)
            .filter((x) => x.inputs.namespace === "AWS/S3")
            .map((a) => {
                const dims = a.inputs.dimensions as Record<string, string>;
                const sorted = Object.fromEntries(
                    Object.keys(dims)
                        .sort()
                        .map((k) => [k, dims[k]]),
                );
                return JSON.stringify([a.inputs.metricName, sorted]);
            });
        assert.deepEqual(watched.sort(), expected.sort());
        assert.equal(replication.rules.length, 2);
    });

    it("sends every alarm, its recovery and every job event to the stack's alert topic", () => {
        for (const a of prod.ofType(ALARM)) {
            assert.deepEqual(a.inputs.alarmActions, [topicArn()], a.name);
            assert.deepEqual(a.inputs.okActions, [topicArn()], a.name);
        }
        const targets = prod
            .childrenOf(prod.named("backup-job-events"))
            .filter((r) => r.type === "aws:cloudwatch/eventTarget:EventTarget");
        assert.equal(targets.length, 4);
        for (const t of targets) assert.equal(t.inputs.arn, topicArn(), t.name);
    });

    it("lets EventBridge and CloudWatch publish to the encrypted topic (topic and key policies)", () => {
        const publishers = statement(prod.one("aws:sns/topicPolicy:TopicPolicy"), "AlertPublishers");
        for (const service of ["events.amazonaws.com", "cloudwatch.amazonaws.com"])
            assert.ok((publishers.Principal as { Service: string[] }).Service.includes(service), service);
        const key = prod.ofType("aws:kms/key:Key").find((k) => policyOf(k).some((s) => s.Sid === "PublishingServices"));
        assert.ok(key, "the alert topic's key admits the publishing services");
    });

    it("shows the stack's alarms on its dashboard, and the vault's jobs", () => {
        const dashboard = prod.one("aws:cloudwatch/dashboard:Dashboard");
        assert.equal(dashboard.inputs.dashboardName, "prod-env-backup-operations");
        const body = JSON.parse(String(dashboard.inputs.dashboardBody)) as {
            widgets: Widget[];
        };
        const alarmWidget = body.widgets.find((w) => w.type === "alarm");
        assert.deepEqual(
            [...(alarmWidget?.properties.alarms ?? [])].sort(),
            prod
                .ofType(ALARM)
                .map((a) => a.outputs.arn)
                .sort(),
        );
        const vaultName = prod.one("aws:backup/vault:Vault").outputs.name;
        const jobs = body.widgets.find((w) => w.properties.title === "Backup jobs: completed vs failed");
        for (const m of jobs!.properties.metrics as unknown[][])
            assert.deepEqual(m.slice(2, 4), ["BackupVaultName", vaultName]);
    });

    it("restore-tests the critical table monthly from the local vault", () => {
        const plan = prod.one("aws:backup/restoreTestingPlan:RestoreTestingPlan").inputs;
        assert.equal(plan.name, "prod_critical_tables");
        assert.equal(plan.scheduleExpression, "cron(0 5 15 * ? *)");
        assert.deepEqual((plan.recoveryPointSelection as { includeVaults: string[] }).includeVaults, [
            prod.one("aws:backup/vault:Vault").outputs.arn,
        ]);
        const selection = prod.one("aws:backup/restoreTestingSelection:RestoreTestingSelection").inputs;
        assert.deepEqual(selection.protectedResourceArns, [
            "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts",
        ]);
        assert.equal(selection.validationWindowHours, 24);
    });

    it("audits the plan against the rules it has, including the copy to the backup account", () => {
        const controls = prod.one("aws:backup/framework:Framework").inputs.controls as Array<{
            name: string;
            inputParameters?: { name: string; value: string }[];
        }>;
        const params = (name: string) =>
            Object.fromEntries(
                (controls.find((c) => c.name === name)?.inputParameters ?? []).map((p) => [p.name, p.value]),
            );
        assert.deepEqual(params("BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"), {
            requiredFrequencyUnit: "days",
            requiredFrequencyValue: "1",
            requiredRetentionDays: "35",
        });
        assert.deepEqual(params("BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT"), { crossAccountList: "333333333333" });
        assert.deepEqual(params("BACKUP_LAST_RECOVERY_POINT_CREATED"), {
            recoveryPointAgeUnit: "hours",
            recoveryPointAgeValue: "32",
        });
    });

    it("delivers the compliance report to the exports bucket, whose policy and key admit Audit Manager", () => {
        const bucket = prod.one("aws:s3/bucket:Bucket");
        const report = prod.one("aws:backup/reportPlan:ReportPlan").inputs.reportDeliveryChannel as Record<
            string,
            string
        >;
        assert.equal(report.s3BucketName, bucket.outputs.bucket);
        assert.equal(report.s3KeyPrefix, "backup-audit");
        const policy = prod.one("aws:s3/bucketPolicy:BucketPolicy");
        const delivery = statement(policy, "BackupAuditReportsDelivery");
        assert.equal(delivery.Resource, `${bucket.outputs.arn}/backup-audit/*`);
        // Audit Manager sends no encryption header: the bucket's deny statements only apply when one is sent.
        assert.ok(statement(policy, "DenyOtherEncryption").Condition?.StringNotEqualsIfExists);
        assert.ok(statement(policy, "DenyOtherKmsKeys").Condition?.StringNotEqualsIfExists);
        const backupKey = prod.one("aws:kms/key:Key", "backup-key-key");
        assert.deepEqual(statement(backupKey, "BackupAuditReportsEncrypt").Condition?.StringEquals, {
            "kms:CallerAccount": "111111111111",
            "kms:ViaService": "s3.eu-west-2.amazonaws.com",
        });
    });

    it("checks PITR, backup-plan membership and exports replication with Config rules, and leaves the recorder alone by default", () => {
        const identifiers = prod
            .ofType("aws:cfg/rule:Rule")
            .map((r) => (r.inputs.source as { sourceIdentifier: string }).sourceIdentifier)
            .sort();
        assert.deepEqual(identifiers, [
            "DYNAMODB_PITR_ENABLED",
            "DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
            "S3_BUCKET_REPLICATION_ENABLED",
        ]);
        const replication = prod
            .ofType("aws:cfg/rule:Rule")
            .find(
                (r) =>
                    (r.inputs.source as { sourceIdentifier: string }).sourceIdentifier ===
                    "S3_BUCKET_REPLICATION_ENABLED",
            );
        assert.equal(
            (replication!.inputs.scope as { complianceResourceId: string }).complianceResourceId,
            prod.one("aws:s3/bucket:Bucket").outputs.bucket,
        );
    });

    // "PutConfigRule" needs a recorder (NoAvailableConfigurationRecorderException otherwise), and
    // "PutConfigurationRecorder" (AWS Config API Reference) allows one customer managed recorder per
    // account and region: the default creates one, named after the switch that turns it off.
    it("creates the Config recorder by default, named after the switch, before any rule", async () => {
        const recorder = prod.one("aws:cfg/recorder:Recorder");
        assert.match(String(recorder.inputs.name), /monitoring\.createConfigRecorder/);
        assert.ok(String(recorder.inputs.name).length <= 256);
        const status = prod.one("aws:cfg/recorderStatus:RecorderStatus");
        for (const rule of prod.ofType("aws:cfg/rule:Rule"))
            assert.ok(rule.dependencies?.includes(status.urn), `${rule.name} waits for the recorder`);
        const off = new Registered(await runStackOffline("prod", { monitoring: { createConfigRecorder: false } }));
        assert.equal(off.ofType("aws:cfg/recorder:Recorder").length, 0);
        assert.throws(() => statement(off.one("aws:s3/bucketPolicy:BucketPolicy"), "ConfigBucketDelivery"));
    });

    it("delivers the recorder's snapshots to the exports bucket's prefix", async () => {
        const run = prod;
        const channel = run.one("aws:cfg/deliveryChannel:DeliveryChannel").inputs;
        assert.equal(channel.s3BucketName, run.one("aws:s3/bucket:Bucket").outputs.bucket);
        assert.equal(channel.s3KmsKeyArn, run.one("aws:kms/key:Key", "backup-key-key").outputs.arn);
        const delivery = statement(run.one("aws:s3/bucketPolicy:BucketPolicy"), "ConfigBucketDelivery");
        assert.deepEqual(delivery.Principal, { Service: "config.amazonaws.com" });
        assert.equal((delivery.Condition?.StringEquals as Record<string, string>)["aws:SourceAccount"], "111111111111");
        assert.equal(
            delivery.Resource,
            `${run.one("aws:s3/bucket:Bucket").outputs.arn}/aws-config/AWSLogs/111111111111/Config/*`,
        );
    });
});

describe("every alarm of every checked-in stack is one CloudWatch accepts", function () {
    for (const stack of CHECKED_IN_STACKS) {
        it(`${stack}: periods, windows and datapoints within CloudWatch's limits`, async () => {
            const run = new Registered(await runStackOffline(stack));
            const alarms = run.ofType(ALARM);
            for (const a of alarms) {
                const period = Number(a.inputs.period);
                const n = Number(a.inputs.evaluationPeriods);
                const m = Number(a.inputs.datapointsToAlarm ?? n);
                assert.ok(
                    [10, 20, 30].includes(period) || (period > 0 && period % 60 === 0),
                    `${a.name}: period ${period}`,
                );
                assert.ok(Number.isInteger(n) && n >= 1, `${a.name}: evaluationPeriods ${n}`);
                assert.ok(
                    period * n <= (period < 3600 ? 86_400 : 604_800),
                    `${a.name}: ${period} × ${n} seconds is beyond CloudWatch's window`,
                );
                assert.ok(Number.isInteger(m) && m >= 1 && m <= n, `${a.name}: datapointsToAlarm ${m} of ${n}`);
                assert.match(String(a.inputs.name), /^[^\s][\x20-\x7e]{0,254}$/, `${a.name}: alarm name`);
            }
        });
    }
});

describe("monitoring config", () => {
    const prodKeys = () => projectKeys(readStackFile("prod"));
    const problems = (change: Record<string, unknown>): string[] => {
        try {
            parseStackConfig({ ...prodKeys(), ...change }, "prod");
        } catch (err) {
            assert.ok(err instanceof ConfigError);
            return err.problems;
        }
        return [];
    };

    it("defaults to creating the recorder and a monthly restore test of the critical tables", () => {
        const cfg = parseStackConfig(prodKeys(), "prod");
        assert.ok(cfg.role === "deployment");
        assert.deepEqual(cfg.monitoring, {
            createConfigRecorder: true,
            restoreTest: {
                schedule: "cron(0 5 15 * ? *)",
                startWindowHours: 24,
                selectionWindowDays: 7,
                validationWindowHours: 24,
            },
            restoreValidation: {
                enabled: true,
                countCheckAfterHours: 7,
                itemCountTolerancePercent: 10,
                tables: { receipts: { ...DEFAULT_RESTORED_TABLES.receipts, globalSecondaryIndexes: [] } },
            },
        });
    });

    it("rejects a validation window that ends before the item count is current (DynamoDB ItemCount: about every six hours)", () => {
        const found = problems({ monitoring: { restoreTest: { validationWindowHours: 6 } } });
        assert.ok(
            found.some(
                (p) =>
                    p.startsWith("vat-backup:monitoring.restoreTest.validationWindowHours") &&
                    /at least 8 hours/.test(p),
            ),
            found.join("\n"),
        );
        const early = problems({ monitoring: { restoreValidation: { countCheckAfterHours: 2 } } });
        assert.ok(
            early.some((p) => p.startsWith("vat-backup:monitoring.restoreValidation.countCheckAfterHours")),
            early.join("\n"),
        );
    });

    it("rejects a restore-tested table without an expectation, and a sentinel that is not the table's key", () => {
        const found = problems({
            monitoring: {
                restoreValidation: {
                    tables: {
                        bundles: { partitionKey: "hashedSub", sortKey: "bundleId", sentinel: { pk: { S: "x" } } },
                    },
                },
            },
        });
        assert.ok(
            found.some((p) => /restore-tested table 'prod-env-receipts' has no expectation/.test(p)),
            found.join("\n"),
        );
        assert.ok(
            found.some((p) => /must name exactly the table's key attributes \(bundleId, hashedSub\)/.test(p)),
            found.join("\n"),
        );
    });

    it("rejects restore-test windows AWS rejects", () => {
        const found = problems({
            monitoring: { restoreTest: { startWindowHours: 0, selectionWindowDays: 400, validationWindowHours: 169 } },
        });
        assert.ok(
            found.some(
                (p) =>
                    p.startsWith("vat-backup:monitoring.restoreTest.startWindowHours = 0") && /at least 1 hour/.test(p),
            ),
            found.join("\n"),
        );
        assert.ok(
            found.some((p) => p.startsWith("vat-backup:monitoring.restoreTest.selectionWindowDays = 400")),
            found.join("\n"),
        );
        assert.ok(
            found.some(
                (p) =>
                    p.startsWith("vat-backup:monitoring.restoreTest.validationWindowHours = 169") && /0 to 168/.test(p),
            ),
            found.join("\n"),
        );
    });

    it("rejects a restore-test table the stack does not protect, and a schedule AWS Backup would not take", () => {
        assert.ok(
            problems({ monitoring: { restoreTest: { tables: ["prod-env-unknown"] } } }).some((p) =>
                /'prod-env-unknown' is not one of the stack's tables/.test(p),
            ),
        );
        assert.ok(
            problems({ monitoring: { restoreTest: { schedule: "rate(30 days)" } } }).some((p) =>
                p.startsWith("vat-backup:monitoring.restoreTest.schedule"),
            ),
        );
    });

    it("rejects a plan whose most frequent rule leaves the no-recent-backup window beyond CloudWatch's week", () => {
        const found = problems({
            backupRules: { weekly: { schedule: "cron(0 3 ? * SUN *)", lifecycle: { deleteAfterDays: 90 } } },
        });
        assert.ok(
            found.some(
                (p) => p.startsWith("vat-backup:backupRules") && /at least every 6 days.*176-hour window/.test(p),
            ),
            found.join("\n"),
        );
    });

    it("rejects a recovery point age beyond 744 hours and unknown keys", () => {
        assert.ok(problems({ monitoring: { maxRecoveryPointAgeHours: 745 } }).some((p) => /744 hours/.test(p)));
        assert.ok(
            problems({ monitoring: { createConfigRecoder: true } }).some((p) =>
                /createConfigRecoder: unknown key/.test(p),
            ),
        );
    });
});
