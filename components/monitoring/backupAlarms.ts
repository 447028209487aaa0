/**
 * CloudWatch alarms on a vault's AWS Backup jobs: backup, copy and restore jobs failed, and no
 * successful backup within the window the plan promises. Every vault dimension is the vault the
 * caller created (its output) or the vault ARN its copies are sent to, never a name typed twice:
 * an alarm on a vault that does not carry the metric watches nothing and stays quiet forever.
 *
 * AWS/Backup publishes job metrics with `{BackupVaultName}` and `{BackupVaultName, ResourceType}`
 * only, and a copy job's under its destination vault's name (aws/backupMetrics.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { scheduleIntervalHours } from "../../aws/rules";
import { AWS_BACKUP_NAMESPACE } from "../../aws/backupMetrics";
import { AlarmSpec, AlarmWindow, ONE_WEEK_SECONDS, copyJobVaultDimension, createMetricAlarm } from "./alarms";

export interface BackupAlarmsArgs {
    /** Prefix of every alarm name, e.g. `prod-env-backup`. */
    alarmNamePrefix: string;
    /** The vault's name output. */
    vaultName: pulumi.Input<string>;
    alertTopicArn: pulumi.Input<string>;
    /**
     * The rules of the plan that backs up into this vault: alarms on failed backup jobs and on no
     * recent backup, the most frequent rule setting the window. Leave out for a vault that only
     * receives copies (the backup account's), where no backup job ever runs.
     */
    backupRules?: ScheduledRule[];
    /**
     * The vault that copies from this vault go to (a rule's copy action or a copy function): the
     * copy-failure alarm watches that vault's name, under which AWS publishes copy-job metrics.
     * Leave out for a vault that copies nowhere.
     */
    copyDestinationVaultArn?: pulumi.Input<string>;
    /** Resource type of the restore jobs restored from this vault (with the vault name, a published dimension set). */
    restoreResourceType?: string;
}

export interface ScheduledRule {
    name: string;
    schedule: string;
    completionWindowMinutes: number;
}

/** Failure counters are summed per hour: one failed job in the hour raises the alarm. */
const HOURLY_FAILURES: AlarmWindow = { periodSeconds: 3600, evaluationPeriods: 1, datapointsToAlarm: 1 };

/**
 * The "no successful backup" window: the most frequent rule's interval plus its completion window
 * (a job may finish that late), in whole hours, evaluated hourly. Every hour of the window must be
 * empty for the alarm to fire. CloudWatch cannot look back more than a week, so a plan whose most
 * frequent rule runs weekly or rarer cannot be watched this way: the error says so.
 */
export function noRecentBackupWindow(rules: ScheduledRule[]): AlarmWindow & { rule: string; windowHours: number } {
    if (rules.length === 0) throw new Error("the no-recent-backup alarm needs at least one backup rule");
    const [rule] = [...rules].sort(
        (a, b) =>
            scheduleIntervalHours(a.schedule) - scheduleIntervalHours(b.schedule) ||
            b.completionWindowMinutes - a.completionWindowMinutes,
    );
    const windowHours = scheduleIntervalHours(rule.schedule) + Math.ceil(rule.completionWindowMinutes / 60);
    if (windowHours * 3600 > ONE_WEEK_SECONDS) {
        throw new Error(
            `the no-recent-backup alarm would need a ${windowHours}-hour window (rule '${rule.name}': every ${scheduleIntervalHours(rule.schedule)} h + ${rule.completionWindowMinutes} min to complete), ` +
                `but CloudWatch evaluates at most one week (${ONE_WEEK_SECONDS} s); add a rule that runs at least every 6 days`,
        );
    }
    return {
        periodSeconds: 3600,
        evaluationPeriods: windowHours,
        datapointsToAlarm: windowHours,
        rule: rule.name,
        windowHours,
    };
}

/** The alarms of one vault, as specs. */
export function backupAlarmSpecs(args: BackupAlarmsArgs): AlarmSpec[] {
    const vault = { BackupVaultName: args.vaultName };
    const failures = {
        namespace: AWS_BACKUP_NAMESPACE,
        statistic: "Sum" as const,
        window: HOURLY_FAILURES,
        comparison: "GreaterThanOrEqualToThreshold" as const,
        threshold: 1,
        treatMissingData: "notBreaching" as const,
    };
    const specs: AlarmSpec[] = [];
    if (args.backupRules) {
        const { rule, windowHours, ...window } = noRecentBackupWindow(args.backupRules);
        specs.push(
            {
                ...failures,
                key: "backup-jobs-failed",
                metricName: "NumberOfBackupJobsFailed",
                dimensions: vault,
                description:
                    "An AWS Backup job into this vault failed in the last hour. See the backup-job event on the alert topic, or AWS Backup > Jobs.",
            },
            {
                ...failures,
                key: "no-recent-backup",
                metricName: "NumberOfBackupJobsCompleted",
                dimensions: vault,
                window,
                comparison: "LessThanThreshold",
                threshold: 1,
                // No datapoint at all is exactly the failure this alarm exists for.
                treatMissingData: "breaching",
                description: `No backup job into this vault completed in the last ${windowHours} hours (rule '${rule}' interval plus its completion window). Backups may have silently stopped.`,
            },
        );
    }
    if (args.copyDestinationVaultArn !== undefined) {
        specs.push({
            ...failures,
            key: "copy-jobs-failed",
            metricName: "NumberOfCopyJobsFailed",
            // AWS Backup, "Metrics with CloudWatch": the vault name of copy jobs is their destination's.
            dimensions: { BackupVaultName: copyJobVaultDimension(args.copyDestinationVaultArn) },
            description:
                "A copy job from this vault failed in the last hour (AWS counts it under the destination vault's name). Check that cross-account backup is on for the organization and that the copy's retention is within the destination vault lock's bounds.",
        });
    }
    specs.push({
        ...failures,
        key: "restore-jobs-failed",
        metricName: "NumberOfRestoreJobsFailed",
        // {BackupVaultName, ResourceType} is published; {ResourceType} alone matches no series.
        dimensions: { ...vault, ResourceType: args.restoreResourceType ?? "DynamoDB" },
        description:
            "An AWS Backup restore job from this vault (a restore test or a real restore) failed in the last hour.",
    });
    return specs;
}

export class BackupAlarms extends pulumi.ComponentResource {
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    readonly alarmArns: pulumi.Output<string>[];

    constructor(name: string, args: BackupAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:monitoring:BackupAlarms", name, {}, opts);
        this.alarms = backupAlarmSpecs(args).map((spec) =>
            createMetricAlarm(
                `${name}-${spec.key}`,
                `${args.alarmNamePrefix}-${spec.key}`,
                spec,
                args.alertTopicArn,
                this,
            ),
        );
        this.alarmArns = this.alarms.map((a) => a.arn);
        this.registerOutputs({ alarmArns: this.alarmArns });
    }
}
