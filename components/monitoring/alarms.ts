/**
 * What every alarm of the program is made of: a typed metric (awsx classic `Metric`), a window that
 * CloudWatch accepts, and the alert topic as both alarm and OK action. The alarm components list
 * `AlarmSpec`s in small functions; `createMetricAlarm` is the one place that turns a spec into a
 * resource, after checking its window.
 */
import * as aws from "@pulumi/aws";
import * as cw from "@pulumi/awsx/classic/cloudwatch";
import * as pulumi from "@pulumi/pulumi";
import { copyJobMetricVaultName } from "../../aws/backupMetrics";

/** How long an alarm looks, in CloudWatch's own terms. */
export interface AlarmWindow {
    periodSeconds: number;
    evaluationPeriods: number;
    /** M of the N evaluation periods that must breach; defaults to all of them. */
    datapointsToAlarm?: number;
}

export const ONE_DAY_SECONDS = 86_400;
export const ONE_WEEK_SECONDS = 604_800;

/**
 * CloudWatch's limits on an alarm window (PutMetricAlarm): Period is 10, 20, 30 or a multiple of
 * 60 seconds; Period × EvaluationPeriods is at most one day when Period is under an hour, else at
 * most one week; DatapointsToAlarm is between 1 and EvaluationPeriods.
 */
export function alarmWindowError(w: AlarmWindow): string | undefined {
    const { periodSeconds: p, evaluationPeriods: n } = w;
    const m = w.datapointsToAlarm ?? n;
    if (!Number.isInteger(p) || p <= 0 || !([10, 20, 30].includes(p) || p % 60 === 0)) {
        return `CloudWatch accepts an alarm period of 10, 20, 30 or a multiple of 60 seconds, not ${p}`;
    }
    if (!Number.isInteger(n) || n < 1) return `an alarm evaluates at least 1 period, not ${n}`;
    const limit = p < 3600 ? ONE_DAY_SECONDS : ONE_WEEK_SECONDS;
    if (p * n > limit) {
        return `CloudWatch limits period × evaluation periods to ${limit} seconds (${limit === ONE_DAY_SECONDS ? "one day, for periods under an hour" : "one week"}); ${p} × ${n} = ${p * n}`;
    }
    if (!Number.isInteger(m) || m < 1 || m > n)
        return `datapointsToAlarm must be between 1 and evaluationPeriods (${n}), not ${m}`;
    return undefined;
}

export type Statistic = "Sum" | "Maximum" | "Minimum" | "Average" | "SampleCount";

/** One alarm, fully described before anything is registered. */
export interface AlarmSpec {
    /** Suffix of the logical and the physical alarm name, e.g. `backup-jobs-failed`. */
    key: string;
    description: string;
    namespace: string;
    metricName: string;
    dimensions: Record<string, pulumi.Input<string>>;
    statistic: Statistic;
    window: AlarmWindow;
    comparison:
        "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
    threshold: number;
    /** `notBreaching` for failure counters (no data means no failure); `breaching` for "nothing happened". */
    treatMissingData: "breaching" | "notBreaching" | "missing" | "ignore";
}

/** The typed metric behind a spec, for alarms and dashboard widgets alike. */
export function metricOf(
    spec: Pick<AlarmSpec, "namespace" | "metricName" | "dimensions" | "statistic" | "window">,
    label?: string,
): cw.Metric {
    return new cw.Metric({
        namespace: spec.namespace,
        name: spec.metricName,
        dimensions: spec.dimensions,
        statistic: spec.statistic,
        period: spec.window.periodSeconds,
        label,
    });
}

/** Fails with the alarm's name and the broken rule, before any resource is registered. */
export function assertAlarmSpec(alarmName: string, spec: AlarmSpec): void {
    const err = alarmWindowError(spec.window);
    if (err) throw new Error(`Alarm '${alarmName}': ${err}`);
}

/** Registers the alarm, with the topic as alarm and OK action so recovery is announced too. */
export function createMetricAlarm(
    name: string,
    alarmName: string,
    spec: AlarmSpec,
    topicArn: pulumi.Input<string>,
    parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm {
    assertAlarmSpec(alarmName, spec);
    return metricOf(spec).createAlarm(
        name,
        {
            name: alarmName,
            alarmDescription: spec.description,
            comparisonOperator: spec.comparison,
            threshold: spec.threshold,
            evaluationPeriods: spec.window.evaluationPeriods,
            datapointsToAlarm: spec.window.datapointsToAlarm ?? spec.window.evaluationPeriods,
            treatMissingData: spec.treatMissingData,
            alarmActions: [topicArn],
            okActions: [topicArn],
        },
        { parent },
    );
}

/**
 * The `BackupVaultName` dimension of copy jobs sent to `destinationVaultArn` (their destination's
 * name, aws/backupMetrics.ts); a plain ARN that is not a vault's fails here, before registration.
 */
export function copyJobVaultDimension(destinationVaultArn: pulumi.Input<string>): pulumi.Input<string> {
    return typeof destinationVaultArn === "string"
        ? copyJobMetricVaultName(destinationVaultArn)
        : pulumi.output(destinationVaultArn).apply(copyJobMetricVaultName);
}
