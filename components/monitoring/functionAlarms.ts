/**
 * CloudWatch alarms on a Lambda function that does background work with a dead-letter queue (the
 * backup account's second-region copy): any error, any throttle, and any message left in the
 * dead-letter queue, which is a copy that never happened until someone replays it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmSpec, createMetricAlarm } from "./alarms";

export interface FunctionAlarmsArgs {
    alarmNamePrefix: string;
    /** The function's name output. */
    functionName: pulumi.Input<string>;
    /** The dead-letter queue's name output. */
    deadLetterQueueName: pulumi.Input<string>;
    alertTopicArn: pulumi.Input<string>;
}

const FIVE_MINUTES = { periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 };

export function functionAlarmSpecs(args: FunctionAlarmsArgs): AlarmSpec[] {
    const fn = {
        namespace: "AWS/Lambda",
        dimensions: { FunctionName: args.functionName },
        statistic: "Sum" as const,
        window: FIVE_MINUTES,
        comparison: "GreaterThanOrEqualToThreshold" as const,
        threshold: 1,
        treatMissingData: "notBreaching" as const,
    };
    return [
        {
            ...fn,
            key: "errors",
            metricName: "Errors",
            description:
                "The function failed in the last 5 minutes; after its retries the event goes to the dead-letter queue. See its log group.",
        },
        {
            ...fn,
            key: "throttles",
            metricName: "Throttles",
            description:
                "The function was throttled in the last 5 minutes; events wait or end in the dead-letter queue.",
        },
        {
            key: "dead-letters",
            description:
                "Events wait in the dead-letter queue: each is work the function gave up on (for the DR copy, a recovery point not yet in the DR region). Replay them after fixing the cause.",
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: args.deadLetterQueueName },
            statistic: "Maximum",
            window: FIVE_MINUTES,
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: 1,
            // SQS reports the queue every few minutes while it exists; no data means nothing to say.
            treatMissingData: "notBreaching",
        },
    ];
}

export class FunctionAlarms extends pulumi.ComponentResource {
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    readonly alarmArns: pulumi.Output<string>[];

    constructor(name: string, args: FunctionAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:monitoring:FunctionAlarms", name, {}, opts);
        this.alarms = functionAlarmSpecs(args).map((spec) =>
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
