/**
 * Organization-wide job alarms in the backup account. AWS Backup's delegated administrator sees
 * every account's jobs in the console but publishes no metrics for them (CloudWatch metrics are
 * per account, AWS Backup Developer Guide, "Monitoring AWS Backup metrics with CloudWatch"), so the
 * member accounts forward their failed jobs' events to this account's default bus (the baseline
 * StackSet's rule; the deployment stacks' forwarding) and a rule here turns them into alerts and a
 * metric: AWS/Events TriggeredRules of that rule, alarmed on.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmSpec, createMetricAlarm } from "./alarms";

export interface OrganizationJobAlarmsArgs {
    /** The backup account: its own jobs have their own rules; this one is for the others'. */
    accountId: string;
    ruleName: string;
    alertTopicArn: pulumi.Input<string>;
}

/** Failed, aborted or expired backup and copy jobs, and failed restores, of any other account. */
export function forwardedFailurePattern(exceptAccountId?: string) {
    return {
        source: ["aws.backup"],
        "detail-type": ["Backup Job State Change", "Copy Job State Change", "Restore Job State Change"],
        ...(exceptAccountId ? { account: [{ "anything-but": exceptAccountId }] } : {}),
        detail: { $or: [{ state: ["FAILED", "ABORTED", "EXPIRED"] }, { status: ["FAILED"] }] },
    };
}

export function organizationJobAlarmSpec(ruleName: pulumi.Input<string>): AlarmSpec {
    return {
        key: "organization-jobs-failed",
        description:
            "A backup, copy or restore job failed in another account of the organization (forwarded to this bus); the alert topic has the event",
        namespace: "AWS/Events",
        metricName: "TriggeredRules",
        dimensions: { RuleName: ruleName },
        statistic: "Sum",
        window: { periodSeconds: 300, evaluationPeriods: 1 },
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        treatMissingData: "notBreaching",
    };
}

export class OrganizationJobAlarms extends pulumi.ComponentResource {
    readonly rule: aws.cloudwatch.EventRule;
    readonly alarm: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: OrganizationJobAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:monitoring:OrganizationJobAlarms", name, {}, opts);
        this.rule = new aws.cloudwatch.EventRule(
            `${name}-rule`,
            {
                name: args.ruleName,
                description: "Failed AWS Backup jobs forwarded from the organization's accounts",
                eventPattern: JSON.stringify(forwardedFailurePattern(args.accountId)),
            },
            { parent: this },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-alert`,
            { rule: this.rule.name, arn: args.alertTopicArn },
            { parent: this },
        );
        this.alarm = createMetricAlarm(
            `${name}-alarm`,
            `${args.ruleName}-alarm`,
            organizationJobAlarmSpec(this.rule.name),
            args.alertTopicArn,
            this,
        );
        this.registerOutputs({ ruleArn: this.rule.arn });
    }
}
