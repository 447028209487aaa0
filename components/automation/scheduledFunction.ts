/**
 * A function that protects data on AWS's own schedule, with nobody in the loop: EventBridge
 * Scheduler schedules (and optionally EventBridge rules) invoke it; failed invocations are retried,
 * then parked in an encrypted dead-letter queue (Lambda's on-failure destination, the schedules'
 * and rules' dead-letter config); its logs are kept; alarms watch errors, throttles, dead letters
 * and the freshness metrics the function publishes.
 *
 * EventBridge Scheduler (User Guide, "Configuring a schedule's dead-letter queue"): the schedule's
 * execution role needs sqs:SendMessage on the queue; a FIFO queue is not supported. Schedules run
 * with FlexibleTimeWindow OFF, so the RPO derived from them is the expression's interval.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionQueueAndLogs } from "./functionResources";
import {
    functionOwnStatements,
    policyDocument,
    PolicyStatement,
    ruleDeadLetterQueuePolicy,
    serviceTrustPolicy,
    toJson,
} from "../iam/policyDocument";
import { AlarmSpec, createMetricAlarm } from "../monitoring/alarms";
import { FunctionAlarms } from "../monitoring/functionAlarms";

/** Node.js 22 is supported by Lambda until 2027; nodejs20.x can no longer be created (June 2026). */
export const SCHEDULED_FUNCTION_RUNTIME = "nodejs22.x";

export interface FunctionSchedule {
    /** Suffix of the schedule's name and logical name. */
    key: string;
    description: string;
    /** An EventBridge Scheduler expression: `rate(...)` or `cron(...)` (UTC). */
    expression: string;
    /** The event the function receives (JSON). */
    input: Record<string, unknown>;
}

export interface FunctionEventRule {
    key: string;
    description: string;
    eventPattern: Record<string, unknown>;
}

export interface ScheduledFunctionArgs {
    functionName: string;
    /**
     * The function's IAM role and the schedules' role. IAM names are global to the account, so a
     * regional stack names them apart from its regional resources (naming.scheduledRoleNames).
     */
    roleName: string;
    schedulerRoleName: string;
    description: string;
    code: pulumi.asset.Archive;
    handler: string;
    accountId: string;
    region: string;
    /** What the function itself may do (logs and dead letters are added here). */
    statements: PolicyStatement[];
    environment: Record<string, pulumi.Input<string>>;
    schedules: FunctionSchedule[];
    eventRules?: FunctionEventRule[];
    timeoutSeconds?: number;
    memorySize?: number;
    logRetentionDays?: number;
    alertTopicArn: pulumi.Input<string>;
    alarmNamePrefix: string;
    /** Alarms on the metrics the function publishes (freshness, partial failures). */
    alarms: AlarmSpec[];
}

/** The policy of the role EventBridge Scheduler assumes: invoke this function, park what it cannot deliver. */
export function schedulerStatements(
    functionArn: pulumi.Input<string>,
    queueArn: pulumi.Input<string>,
): PolicyStatement[] {
    return [
        { Sid: "InvokeFunction", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: functionArn },
        { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn },
    ];
}

export class ScheduledFunction extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly role: aws.iam.Role;
    readonly schedules: aws.scheduler.Schedule[];
    readonly rules: aws.cloudwatch.EventRule[];
    readonly alarmArns: pulumi.Output<string>[];

    constructor(name: string, args: ScheduledFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:automation:ScheduledFunction", name, {}, opts);
        const child = { parent: this };

        const { deadLetterQueue, logGroup } = functionQueueAndLogs(
            name,
            args.functionName,
            args.logRetentionDays ?? 400,
            this,
        );
        this.deadLetterQueue = deadLetterQueue;
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                assumeRolePolicy: toJson(serviceTrustPolicy("lambda.amazonaws.com", args.accountId)),
            },
            child,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: this.role.name,
                name: args.functionName,
                policy: toJson(
                    policyDocument([
                        ...args.statements,
                        ...functionOwnStatements(this.deadLetterQueue.arn, logGroup.arn),
                    ]),
                ),
            },
            child,
        );

        this.function = new aws.lambda.Function(
            `${name}-function`,
            {
                name: args.functionName,
                description: args.description,
                runtime: SCHEDULED_FUNCTION_RUNTIME,
                handler: args.handler,
                code: args.code,
                role: this.role.arn,
                timeout: args.timeoutSeconds ?? 300,
                memorySize: args.memorySize ?? 256,
                environment: { variables: args.environment },
                loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
            },
            // The on-failure destination is checked against the role when the config is created.
            { parent: this, dependsOn: [logGroup, rolePolicy] },
        );
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-retries`,
            {
                functionName: this.function.name,
                maximumRetryAttempts: 2,
                maximumEventAgeInSeconds: 6 * 3600,
                destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
            },
            { parent: this, dependsOn: [rolePolicy] },
        );

        const schedulerRole = new aws.iam.Role(
            `${name}-scheduler-role`,
            {
                name: args.schedulerRoleName,
                assumeRolePolicy: toJson(serviceTrustPolicy("scheduler.amazonaws.com", args.accountId)),
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-scheduler-policy`,
            {
                role: schedulerRole.name,
                name: "invoke-and-dead-letters",
                policy: toJson(policyDocument(schedulerStatements(this.function.arn, this.deadLetterQueue.arn))),
            },
            child,
        );
        this.schedules = args.schedules.map(
            (s) =>
                new aws.scheduler.Schedule(
                    `${name}-${s.key}`,
                    {
                        name: `${args.functionName}-${s.key}`,
                        description: s.description,
                        scheduleExpression: s.expression,
                        scheduleExpressionTimezone: "UTC",
                        flexibleTimeWindow: { mode: "OFF" },
                        state: "ENABLED",
                        target: {
                            arn: this.function.arn,
                            roleArn: schedulerRole.arn,
                            input: JSON.stringify(s.input),
                            retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
                            deadLetterConfig: { arn: this.deadLetterQueue.arn },
                        },
                    },
                    child,
                ),
        );

        this.rules = (args.eventRules ?? []).map((r) => {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${r.key}`,
                {
                    name: `${args.functionName}-${r.key}`,
                    description: r.description,
                    eventPattern: JSON.stringify(r.eventPattern),
                },
                child,
            );
            new aws.lambda.Permission(
                `${name}-${r.key}-invoke`,
                {
                    statementId: `Allow-${r.key}`,
                    action: "lambda:InvokeFunction",
                    function: this.function.name,
                    principal: "events.amazonaws.com",
                    sourceArn: rule.arn,
                    sourceAccount: args.accountId,
                },
                child,
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${r.key}-target`,
                {
                    rule: rule.name,
                    targetId: args.functionName,
                    arn: this.function.arn,
                    retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 6 * 3600 },
                    deadLetterConfig: { arn: this.deadLetterQueue.arn },
                },
                child,
            );
            return rule;
        });
        if (this.rules.length) {
            new aws.sqs.QueuePolicy(
                `${name}-dlq-policy`,
                {
                    queueUrl: this.deadLetterQueue.url,
                    policy: toJson(
                        ruleDeadLetterQueuePolicy(
                            this.deadLetterQueue.arn,
                            this.rules.map((r) => r.arn),
                        ),
                    ),
                },
                child,
            );
        }

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
        const own = args.alarms.map((spec) =>
            createMetricAlarm(
                `${name}-${spec.key}`,
                `${args.alarmNamePrefix}-${spec.key}`,
                spec,
                args.alertTopicArn,
                this,
            ),
        );
        this.alarmArns = [...functionAlarms.alarmArns, ...own.map((a) => a.arn)];
        this.registerOutputs({
            functionArn: this.function.arn,
            deadLetterQueueArn: this.deadLetterQueue.arn,
            alarmArns: this.alarmArns,
        });
    }
}
