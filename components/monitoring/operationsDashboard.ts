/**
 * The operations dashboard of one stack: backup, copy and restore jobs (completed against failed),
 * recovery points, restore-test results, S3 replication latency and failures, and the state of
 * every alarm the stack owns. Built from awsx's typed widgets and metrics, so the body is generated
 * CloudWatch dashboard JSON rather than text written by hand.
 */
import * as aws from "@pulumi/aws";
import * as cw from "@pulumi/awsx/classic/cloudwatch";
import * as pulumi from "@pulumi/pulumi";
import { AWS_BACKUP_NAMESPACE } from "../../aws/backupMetrics";
import { copyJobVaultDimension } from "./alarms";
import { RTC_THRESHOLD_SECONDS } from "./replicationAlarms";

export interface OperationsDashboardArgs {
    /** CloudWatch: up to 255 letters, digits, '-' and '_'. */
    dashboardName: string;
    /** Heading of the dashboard (markdown). */
    title: string;
    /** The vault whose jobs are shown (its name output). */
    vaultName: pulumi.Input<string>;
    /** Resource type of the restore jobs from the vault (shown with the vault name: a published dimension set). */
    restoreResourceType?: string;
    /** Where copies from the vault go: copy-job metrics are published under the destination vault's name. */
    copyDestinationVaultArn?: pulumi.Input<string>;
    /** The replication rules to show (one line each), when the stack replicates. */
    replication?: ReplicationShown | ReplicationShown[];
    /** Leave out the backup-jobs widget for a vault that only receives copies. */
    backupJobs?: boolean;
    /** A copy function to show (invocations, errors, dead letters), when the stack has one. */
    copyFunction?: { functionName: pulumi.Input<string>; deadLetterQueueName: pulumi.Input<string> };
    /** Every alarm of the stack, for the alarm-status widget (CloudWatch shows at most 100). */
    alarmArns: pulumi.Input<string>[];
}

export interface ReplicationShown {
    sourceBucket: pulumi.Input<string>;
    destinationBucket: pulumi.Input<string>;
    ruleId: pulumi.Input<string>;
}

const HOUR = 3600;
/** Restore tests run monthly: their results read best as totals over 30 days. */
const THIRTY_DAYS = 30 * 24 * HOUR;

const backupMetric = (
    name: string,
    dimensions: Record<string, pulumi.Input<string>>,
    label: string,
    color: string,
    period = HOUR,
) => new cw.Metric({ namespace: AWS_BACKUP_NAMESPACE, name, dimensions, statistic: "Sum", period, label, color });

const GREEN = "#2ca02c";
const RED = "#d62728";
const GREY = "#7f7f7f";

/** The widgets, in reading order; rows wrap at CloudWatch's 24 grid columns. */
export function dashboardWidgets(args: OperationsDashboardArgs): cw.Widget[] {
    if (args.alarmArns.length > 100)
        throw new Error(
            `a CloudWatch alarm-status widget lists at most 100 alarms; this stack has ${args.alarmArns.length}`,
        );
    const vault = { BackupVaultName: args.vaultName };
    const restoreType = { ...vault, ResourceType: args.restoreResourceType ?? "DynamoDB" };
    const widgets: cw.Widget[] = [new cw.TextWidget({ markdown: args.title, width: 24, height: 2 })];
    if (args.backupJobs !== false) {
        widgets.push(
            new cw.LineGraphMetricWidget({
                title: "Backup jobs: completed vs failed",
                width: 8,
                period: HOUR,
                metrics: [
                    backupMetric("NumberOfBackupJobsCompleted", vault, "completed", GREEN),
                    backupMetric("NumberOfBackupJobsFailed", vault, "failed", RED),
                    backupMetric("NumberOfBackupJobsExpired", vault, "expired", GREY),
                ],
            }),
        );
    }
    if (args.copyDestinationVaultArn !== undefined) {
        const copies = {
            BackupVaultName: copyJobVaultDimension(args.copyDestinationVaultArn),
        };
        widgets.push(
            new cw.LineGraphMetricWidget({
                title: "Copy jobs from the vault (counted under their destination vault): completed vs failed",
                width: 8,
                period: HOUR,
                metrics: [
                    backupMetric("NumberOfCopyJobsCompleted", copies, "completed", GREEN),
                    backupMetric("NumberOfCopyJobsFailed", copies, "failed", RED),
                ],
            }),
        );
    }
    widgets.push(
        new cw.LineGraphMetricWidget({
            title: "Restore jobs: completed vs failed",
            width: 8,
            period: HOUR,
            metrics: [
                backupMetric("NumberOfRestoreJobsCompleted", restoreType, "completed", GREEN),
                backupMetric("NumberOfRestoreJobsFailed", restoreType, "failed", RED),
            ],
        }),
        new cw.StackedAreaGraphMetricWidget({
            title: "Recovery points created in the vault",
            width: 12,
            period: HOUR,
            metrics: [
                backupMetric("NumberOfRecoveryPointsCompleted", vault, "completed", GREEN),
                backupMetric("NumberOfRecoveryPointsPartial", vault, "partial", GREY),
                backupMetric("NumberOfRecoveryPointsExpired", vault, "expired", RED),
            ],
        }),
        new cw.SingleNumberMetricWidget({
            title: "Restore-test results, last 30 days",
            width: 12,
            period: THIRTY_DAYS,
            metrics: [
                backupMetric("NumberOfRestoreJobsCompleted", restoreType, "restores completed", GREEN, THIRTY_DAYS),
                backupMetric("NumberOfRestoreJobsFailed", restoreType, "restores failed", RED, THIRTY_DAYS),
            ],
        }),
    );
    if (args.copyFunction) {
        const fn = { FunctionName: args.copyFunction.functionName };
        const lambda = (name: string, label: string, color: string) =>
            new cw.Metric({
                namespace: "AWS/Lambda",
                name,
                dimensions: fn,
                statistic: "Sum",
                period: 300,
                label,
                color,
            });
        widgets.push(
            new cw.LineGraphMetricWidget({
                title: "Copy function: invocations vs errors",
                width: 12,
                period: 300,
                metrics: [
                    lambda("Invocations", "invocations", GREEN),
                    lambda("Errors", "errors", RED),
                    lambda("Throttles", "throttles", GREY),
                ],
            }),
            new cw.LineGraphMetricWidget({
                title: "Copy function: dead letters waiting",
                width: 12,
                period: 300,
                metrics: [
                    new cw.Metric({
                        namespace: "AWS/SQS",
                        name: "ApproximateNumberOfMessagesVisible",
                        dimensions: { QueueName: args.copyFunction.deadLetterQueueName },
                        statistic: "Maximum",
                        period: 300,
                        label: "dead letters",
                        color: RED,
                    }),
                ],
            }),
        );
    }
    const replications = args.replication === undefined ? [] : [args.replication].flat();
    if (replications.length) {
        // S3 publishes replication metrics per rule: one line per rule (one rule per destination).
        const perRule = (name: string, statistic: "Maximum" | "Sum", color?: string) =>
            replications.map(
                (r) =>
                    new cw.Metric({
                        namespace: "AWS/S3",
                        name,
                        dimensions: {
                            SourceBucket: r.sourceBucket,
                            DestinationBucket: r.destinationBucket,
                            RuleId: r.ruleId,
                        },
                        statistic,
                        period: 300,
                        label: pulumi.interpolate`${r.ruleId}`,
                        color,
                    }),
            );
        widgets.push(
            new cw.LineGraphMetricWidget({
                title: "Replication latency to the archive (seconds)",
                width: 12,
                period: 300,
                metrics: perRule("ReplicationLatency", "Maximum"),
                annotations: new cw.HorizontalAnnotation({
                    aboveEdge: { value: RTC_THRESHOLD_SECONDS, label: "RTC 15 minutes" },
                    color: RED,
                }),
            }),
            new cw.LineGraphMetricWidget({
                title: "Replication: operations failed",
                width: 12,
                period: 300,
                metrics: perRule("OperationsFailedReplication", "Sum", replications.length === 1 ? RED : undefined),
            }),
        );
    }
    widgets.push(
        new cw.AlarmWidget({
            title: "Alarms of this stack",
            alarms: args.alarmArns,
            width: 24,
            sortBy: "stateUpdatedTimestamp",
        }),
    );
    return widgets;
}

export class OperationsDashboard extends pulumi.ComponentResource {
    readonly dashboard: aws.cloudwatch.Dashboard;

    constructor(name: string, args: OperationsDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:monitoring:OperationsDashboard", name, {}, opts);
        if (!/^[A-Za-z0-9_-]{1,255}$/.test(args.dashboardName)) {
            throw new Error(
                `a CloudWatch dashboard name is 1 to 255 letters, digits, '-' and '_': '${args.dashboardName}'`,
            );
        }
        this.dashboard = new cw.Dashboard(
            `${name}-dashboard`,
            { name: args.dashboardName, widgets: dashboardWidgets(args) },
            { parent: this },
        );
        this.registerOutputs({ dashboardName: this.dashboard.dashboardName });
    }
}
