/**
 * CloudWatch alarms on one S3 replication rule: operations that failed to replicate, and latency
 * beyond the 15 minutes that Replication Time Control promises. S3 publishes these metrics per
 * source bucket, destination bucket and rule id once replication metrics (or RTC) are on.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmSpec, createMetricAlarm } from "./alarms";

export interface ReplicationAlarmsArgs {
    alarmNamePrefix: string;
    sourceBucket: pulumi.Input<string>;
    destinationBucket: pulumi.Input<string>;
    /** The replication rule's id, as written in the replication configuration. */
    ruleId: pulumi.Input<string>;
    alertTopicArn: pulumi.Input<string>;
    /** RTC replicates 99.99% of objects within 15 minutes. */
    latencyThresholdSeconds?: number;
}

export const RTC_THRESHOLD_SECONDS = 900;

export function replicationAlarmSpecs(args: ReplicationAlarmsArgs): AlarmSpec[] {
    const dimensions = {
        SourceBucket: args.sourceBucket,
        DestinationBucket: args.destinationBucket,
        RuleId: args.ruleId,
    };
    const threshold = args.latencyThresholdSeconds ?? RTC_THRESHOLD_SECONDS;
    return [
        {
            key: "replication-failed",
            description:
                "Objects of the exports bucket failed to replicate to the backup account's archive in the last 5 minutes. Check the replication role, the archive key policy and the archive bucket policy.",
            namespace: "AWS/S3",
            metricName: "OperationsFailedReplication",
            dimensions,
            statistic: "Sum",
            window: { periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 },
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: 1,
            treatMissingData: "notBreaching",
        },
        {
            key: "replication-latency",
            description: `Replication to the archive has lagged more than ${threshold} seconds for 15 minutes: the RTC promise is broken.`,
            namespace: "AWS/S3",
            metricName: "ReplicationLatency",
            dimensions,
            statistic: "Maximum",
            window: { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
            comparison: "GreaterThanThreshold",
            threshold,
            treatMissingData: "notBreaching",
        },
    ];
}

export class ReplicationAlarms extends pulumi.ComponentResource {
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    readonly alarmArns: pulumi.Output<string>[];

    constructor(name: string, args: ReplicationAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:monitoring:ReplicationAlarms", name, {}, opts);
        this.alarms = replicationAlarmSpecs(args).map((spec) =>
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
