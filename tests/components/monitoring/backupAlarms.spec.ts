import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import {
    BackupAlarms,
    BackupAlarmsArgs,
    ScheduledRule,
    backupAlarmSpecs,
    noRecentBackupWindow,
} from "../../../components/monitoring/backupAlarms";
import { isPublishedDimensionSet } from "../../../aws/backupMetrics";
import { Registered, runComponent } from "../../helpers/engine";

const DAILY: ScheduledRule = { name: "daily", schedule: "cron(0 2 * * ? *)", completionWindowMinutes: 480 };
const WEEKLY: ScheduledRule = { name: "weekly", schedule: "cron(0 3 ? * SUN *)", completionWindowMinutes: 480 };
const MONTHLY: ScheduledRule = { name: "monthly", schedule: "cron(0 4 1 * ? *)", completionWindowMinutes: 720 };
const TOPIC = "arn:aws:sns:eu-west-2:111111111111:alerts";
const CENTRAL = "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault";

/** A vault and its alarms in one run, the way a stack wires them. */
async function vaultWithAlarms(overrides: Partial<BackupAlarmsArgs> = {}): Promise<Registered> {
    return runComponent((provider) => {
        const vault = new aws.backup.Vault("v", { name: "test-vault" }, { provider });
        new BackupAlarms(
            "alarms",
            {
                alarmNamePrefix: "test-backup",
                vaultName: vault.name,
                alertTopicArn: TOPIC,
                backupRules: [DAILY, WEEKLY, MONTHLY],
                copyDestinationVaultArn: CENTRAL,
                ...overrides,
            },
            { provider },
        );
    });
}

describe("BackupAlarms component", () => {
    let run: Registered;
    before(async () => {
        run = await vaultWithAlarms();
    });
    const alarm = (key: string) => run.one("aws:cloudwatch/metricAlarm:MetricAlarm", `alarms-${key}`);

    it("creates the four alarms of a vault whose rules copy elsewhere", () => {
        const names = run
            .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
            .map((a) => a.inputs.name)
            .sort();
        assert.deepEqual(names, [
            "test-backup-backup-jobs-failed",
            "test-backup-copy-jobs-failed",
            "test-backup-no-recent-backup",
            "test-backup-restore-jobs-failed",
        ]);
    });

    it("dimensions the backup and no-recent-backup alarms by the vault it was given", () => {
        const vaultName = run.one("aws:backup/vault:Vault").outputs.name;
        for (const key of ["backup-jobs-failed", "no-recent-backup"]) {
            assert.deepEqual(alarm(key).inputs.dimensions, { BackupVaultName: vaultName }, key);
        }
    });

    // AWS Backup Developer Guide, "Metrics with CloudWatch": "The vault name of copy jobs is that of
    // their destination vault." An alarm on the source vault's name never sees a copy job.
    it("watches copy failures under the destination vault's name, where AWS publishes copy-job metrics", () => {
        assert.deepEqual(alarm("copy-jobs-failed").inputs.dimensions, { BackupVaultName: "central-backup-vault" });
    });

    it("refuses a copy destination that is not a vault ARN", () => {
        assert.throws(
            () =>
                backupAlarmSpecs({
                    alarmNamePrefix: "p",
                    vaultName: "v",
                    alertTopicArn: TOPIC,
                    copyDestinationVaultArn: "central-backup-vault",
                }),
            /not a backup vault ARN/,
        );
    });

    it("raises backup and copy failures on one failed job in an hour, and stays OK without data", () => {
        for (const [key, metric] of [
            ["backup-jobs-failed", "NumberOfBackupJobsFailed"],
            ["copy-jobs-failed", "NumberOfCopyJobsFailed"],
        ]) {
            const a = alarm(key).inputs;
            assert.equal(a.namespace, "AWS/Backup");
            assert.equal(a.metricName, metric);
            assert.equal(a.statistic, "Sum");
            assert.equal(a.period, 3600);
            assert.equal(a.evaluationPeriods, 1);
            assert.equal(a.datapointsToAlarm, 1);
            assert.equal(a.comparisonOperator, "GreaterThanOrEqualToThreshold");
            assert.equal(a.threshold, 1);
            assert.equal(a.treatMissingData, "notBreaching");
        }
    });

    // CloudWatch User Guide, AWS/Backup supported metrics: NumberOfRestoreJobsFailed is published
    // with {BackupVaultName} and {BackupVaultName, ResourceType}; {ResourceType} alone matches no series.
    it("watches restore jobs by vault and resource type, a dimension set AWS publishes", () => {
        const vaultName = run.one("aws:backup/vault:Vault").outputs.name;
        const a = alarm("restore-jobs-failed").inputs;
        assert.equal(a.metricName, "NumberOfRestoreJobsFailed");
        assert.deepEqual(a.dimensions, { BackupVaultName: vaultName, ResourceType: "DynamoDB" });
    });

    it("uses only dimension sets AWS/Backup publishes, on every alarm", () => {
        for (const a of run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm"))
            assert.ok(isPublishedDimensionSet(Object.keys(a.inputs.dimensions as object)), a.name);
    });

    it("fires when no backup completed within the daily rule's interval plus its completion window, missing data counting as none", () => {
        const a = alarm("no-recent-backup").inputs;
        assert.equal(a.metricName, "NumberOfBackupJobsCompleted");
        assert.equal(a.period, 3600);
        assert.equal(a.evaluationPeriods, 32);
        assert.equal(a.datapointsToAlarm, 32);
        assert.equal(a.comparisonOperator, "LessThanThreshold");
        assert.equal(a.threshold, 1);
        assert.equal(a.treatMissingData, "breaching");
        assert.match(String(a.alarmDescription), /last 32 hours \(rule 'daily'/);
    });

    it("sends every alarm and its recovery to the alert topic", () => {
        for (const a of run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
            assert.deepEqual(a.inputs.alarmActions, [TOPIC], a.name);
            assert.deepEqual(a.inputs.okActions, [TOPIC], a.name);
            assert.equal(a.inputs.actionsEnabled, true, a.name);
        }
    });

    it("watches only copies and restores for a vault that receives copies and runs no backup jobs", () => {
        const keys = backupAlarmSpecs({
            alarmNamePrefix: "p",
            vaultName: "central",
            alertTopicArn: TOPIC,
            copyDestinationVaultArn: "arn:aws:backup:eu-west-1:333333333333:backup-vault:dr-backup-vault",
        }).map((s) => s.key);
        assert.deepEqual(keys, ["copy-jobs-failed", "restore-jobs-failed"]);
    });

    it("leaves out the copy alarm for a vault that copies nowhere", async () => {
        const noCopies = await vaultWithAlarms({ copyDestinationVaultArn: undefined });
        assert.ok(
            !noCopies
                .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
                .some((a) => a.inputs.metricName === "NumberOfCopyJobsFailed"),
        );
    });

    describe("the no-recent-backup window", () => {
        it("follows the most frequent rule, not the first listed", () => {
            const w = noRecentBackupWindow([MONTHLY, WEEKLY, DAILY]);
            assert.equal(w.rule, "daily");
            assert.equal(w.windowHours, 24 + 8);
        });

        it("rounds a completion window up to whole hours", () => {
            assert.equal(noRecentBackupWindow([{ ...DAILY, completionWindowMinutes: 121 }]).windowHours, 24 + 3);
        });

        it("follows an hourly rule too", () => {
            assert.equal(
                noRecentBackupWindow([{ name: "hourly", schedule: "cron(0 * * * ? *)", completionWindowMinutes: 120 }])
                    .windowHours,
                3,
            );
        });

        it("refuses a plan whose most frequent rule is weekly: CloudWatch cannot look back beyond a week", () => {
            assert.throws(
                () => noRecentBackupWindow([WEEKLY, MONTHLY]),
                /176-hour window \(rule 'weekly'.*at most one week \(604800 s\)/,
            );
        });

        it("refuses a plan without rules", () => {
            assert.throws(
                () =>
                    backupAlarmSpecs({
                        alarmNamePrefix: "p",
                        vaultName: "v",
                        alertTopicArn: TOPIC,
                        backupRules: [],
                    }),
                /at least one backup rule/,
            );
        });
    });
});
