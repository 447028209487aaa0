/**
 * Validation of restore tests: a Lambda (lambdas/validateRestore) that checks each table the restore
 * testing plan restored (never with a scan) and reports PutRestoreValidationResult; EventBridge sends
 * it the plan's completed restore jobs and an hourly sweep that finishes the item-count check once
 * DynamoDB has refreshed ItemCount. The restore time of each test is published as a metric, failed
 * validations alarm, and failed invocations are retried, then parked in an encrypted dead-letter
 * queue that alarms too.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionQueueAndLogs } from "../automation/functionResources";
import { LAMBDA_RUNTIME } from "../copy/secondRegionCopy";
import {
    functionOwnStatements,
    policyDocument,
    ruleDeadLetterQueuePolicy,
    serviceTrustPolicy,
    toJson,
} from "../iam/policyDocument";
import { createMetricAlarm } from "../monitoring/alarms";
import { FunctionAlarms } from "../monitoring/functionAlarms";

/** What the restored copy of a table must look like (the function's TableExpectation). */
export interface RestoredTableExpectation {
    partitionKey: string;
    sortKey?: string;
    globalSecondaryIndexes?: string[];
    ttlAttribute?: string;
    sentinel?: Record<string, { S: string } | { N: string }>;
}

export interface RestoreValidationArgs {
    functionName: string;
    /** IAM role names are global to the account: the caller ends it in the stack's region (naming.deploymentRoleName). */
    roleName: string;
    code: pulumi.asset.Archive;
    handler: string;
    accountId: string;
    region: string;
    restoreTestingPlanArn: pulumi.Input<string>;
    /** By table name or by the name after `{env}-env-`. */
    tables: Record<string, RestoredTableExpectation>;
    /** Tables the function must never read items of (the protected ones): GetItem is denied on them. */
    protectedTableArns: string[];
    validationWindowHours: number;
    countCheckAfterHours: number;
    itemCountTolerancePercent: number;
    alarmNamePrefix: string;
    alertTopicArn: pulumi.Input<string>;
}

export const RESTORE_METRIC_NAMESPACE = "VatBackup/RestoreTests";

/** Only the plan's completed restore jobs; AWS Backup names the plan in `detail.restoreTestingPlanArn`. */
export function restoreCompletedPattern(restoreTestingPlanArn: string) {
    return {
        source: ["aws.backup"],
        "detail-type": ["Restore Job State Change"],
        detail: { status: ["COMPLETED"], restoreTestingPlanArn: [restoreTestingPlanArn] },
    };
}

/** Every value AWS or the function would reject, as one list of sentences. */
export function restoreValidationErrors(args: RestoreValidationArgs): string[] {
    const errors: string[] = [];
    // DynamoDB refreshes ItemCount about every six hours (DescribeTable, TableDescription.ItemCount).
    if (args.countCheckAfterHours < 6)
        errors.push(
            `countCheckAfterHours must be at least 6 (DynamoDB's ItemCount refresh), not ${args.countCheckAfterHours}`,
        );
    // The hourly sweep must find the restored table before AWS Backup deletes it at the window's end.
    if (args.validationWindowHours < args.countCheckAfterHours + 1)
        errors.push(
            `the validation window (${args.validationWindowHours} h) must outlast countCheckAfterHours (${args.countCheckAfterHours} h) by at least the sweep's hour`,
        );
    if (Object.keys(args.tables).length === 0)
        errors.push("restore validation needs the expectation of at least one table");
    return errors;
}

export class RestoreValidation extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly completedRule: aws.cloudwatch.EventRule;
    readonly sweepRule: aws.cloudwatch.EventRule;
    readonly failedAlarm: aws.cloudwatch.MetricAlarm;
    /** Every alarm of the validator, for the operations dashboard. */
    readonly alarmArns: pulumi.Output<string>[];

    constructor(name: string, args: RestoreValidationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:verification:RestoreValidation", name, {}, opts);
        const errors = restoreValidationErrors(args);
        if (errors.length) throw new Error(`Restore validation '${args.functionName}':\n  - ${errors.join("\n  - ")}`);
        const child = { parent: this };
        const tableArns = `arn:aws:dynamodb:${args.region}:${args.accountId}:table/*`;

        const { deadLetterQueue, logGroup } = functionQueueAndLogs(name, args.functionName, 400, this);
        this.deadLetterQueue = deadLetterQueue;
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                assumeRolePolicy: toJson(serviceTrustPolicy("lambda.amazonaws.com", args.accountId)),
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: role.name,
                name: "validate-restore-tests",
                policy: toJson(
                    policyDocument([
                        {
                            // The Service Authorization Reference lists no resource type for these restore-job
                            // actions, so they take "*", held to this account's region.
                            Sid: "RestoreJobs",
                            Effect: "Allow",
                            Action: [
                                "backup:DescribeRestoreJob",
                                "backup:ListRestoreJobs",
                                "backup:PutRestoreValidationResult",
                            ],
                            Resource: "*",
                            Condition: { StringEquals: { "aws:RequestedRegion": args.region } },
                        },
                        {
                            Sid: "ReadRestoredTables",
                            Effect: "Allow",
                            Action: ["dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:GetItem"],
                            Resource: tableArns,
                        },
                        ...(args.protectedTableArns.length
                            ? [
                                  {
                                      // Metadata of the protected tables (counts, TTL) is readable; their items never.
                                      Sid: "NeverReadProtectedItems",
                                      Effect: "Deny" as const,
                                      Action: [
                                          "dynamodb:GetItem",
                                          "dynamodb:Query",
                                          "dynamodb:Scan",
                                          "dynamodb:BatchGetItem",
                                      ],
                                      Resource: args.protectedTableArns,
                                  },
                              ]
                            : []),
                        {
                            Sid: "RestoreMetrics",
                            Effect: "Allow",
                            Action: "cloudwatch:PutMetricData",
                            Resource: "*",
                            Condition: { StringEquals: { "cloudwatch:namespace": RESTORE_METRIC_NAMESPACE } },
                        },
                        ...functionOwnStatements(this.deadLetterQueue.arn, logGroup.arn),
                    ]),
                ),
            },
            child,
        );

        const config = pulumi.output(args.restoreTestingPlanArn).apply((restoreTestingPlanArn) =>
            JSON.stringify({
                restoreTestingPlanArn,
                tables: args.tables,
                countCheckAfterHours: args.countCheckAfterHours,
                itemCountTolerancePercent: args.itemCountTolerancePercent,
                validationWindowHours: args.validationWindowHours,
            }),
        );
        this.function = new aws.lambda.Function(
            `${name}-function`,
            {
                name: args.functionName,
                runtime: LAMBDA_RUNTIME,
                handler: args.handler,
                code: args.code,
                role: role.arn,
                timeout: 120,
                memorySize: 256,
                environment: { variables: { VALIDATION_CONFIG: config } },
                loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
            },
            { parent: this, dependsOn: [logGroup] },
        );
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-retries`,
            {
                functionName: this.function.name,
                maximumRetryAttempts: 2,
                maximumEventAgeInSeconds: 6 * 3600,
                destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
            },
            child,
        );

        this.completedRule = new aws.cloudwatch.EventRule(
            `${name}-completed`,
            {
                name: `${args.functionName}-completed`,
                description: "A restore test completed: validate the restored table",
                eventPattern: pulumi
                    .output(args.restoreTestingPlanArn)
                    .apply((arn) => JSON.stringify(restoreCompletedPattern(arn))),
            },
            child,
        );
        this.sweepRule = new aws.cloudwatch.EventRule(
            `${name}-sweep`,
            {
                name: `${args.functionName}-sweep`,
                description: "Hourly: finish the item-count check of restore tests once DynamoDB refreshed ItemCount",
                scheduleExpression: "rate(1 hour)",
            },
            child,
        );
        const targets: [string, aws.cloudwatch.EventRule][] = [
            ["completed", this.completedRule],
            ["sweep", this.sweepRule],
        ];
        for (const [key, rule] of targets) {
            new aws.lambda.Permission(
                `${name}-invoke-${key}`,
                {
                    statementId: `Allow${key === "completed" ? "RestoreCompleted" : "HourlySweep"}Rule`,
                    action: "lambda:InvokeFunction",
                    function: this.function.name,
                    principal: "events.amazonaws.com",
                    sourceArn: rule.arn,
                    sourceAccount: args.accountId,
                },
                child,
            );
            new aws.cloudwatch.EventTarget(
                `${name}-target-${key}`,
                {
                    rule: rule.name,
                    targetId: "validate-restore",
                    arn: this.function.arn,
                    retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 6 * 3600 },
                    deadLetterConfig: { arn: this.deadLetterQueue.arn },
                },
                child,
            );
        }
        new aws.sqs.QueuePolicy(
            `${name}-dlq-policy`,
            {
                queueUrl: this.deadLetterQueue.url,
                policy: toJson(
                    ruleDeadLetterQueuePolicy(this.deadLetterQueue.arn, [this.completedRule.arn, this.sweepRule.arn]),
                ),
            },
            child,
        );

        const functionAlarms = new FunctionAlarms(
            `${name}-alarms`,
            {
                alarmNamePrefix: args.alarmNamePrefix,
                functionName: this.function.name,
                deadLetterQueueName: this.deadLetterQueue.name,
                alertTopicArn: args.alertTopicArn,
            },
            child,
        );
        this.failedAlarm = createMetricAlarm(
            `${name}-failed`,
            `${args.alarmNamePrefix}-failed`,
            {
                key: "failed",
                description:
                    "A restore test failed validation (structure, sentinel item or item count): the restored copy is not what a real restore needs. The job's validation message in AWS Backup says why.",
                namespace: RESTORE_METRIC_NAMESPACE,
                metricName: "RestoreValidationFailed",
                dimensions: {},
                statistic: "Maximum",
                window: { periodSeconds: 3600, evaluationPeriods: 1, datapointsToAlarm: 1 },
                comparison: "GreaterThanOrEqualToThreshold",
                threshold: 1,
                treatMissingData: "notBreaching",
            },
            args.alertTopicArn,
            this,
        );
        this.alarmArns = [...functionAlarms.alarmArns, this.failedAlarm.arn];
        this.registerOutputs({
            functionArn: this.function.arn,
            deadLetterQueueArn: this.deadLetterQueue.arn,
            failedAlarmArn: this.failedAlarm.arn,
        });
    }
}
