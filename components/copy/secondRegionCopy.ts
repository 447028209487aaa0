/**
 * The automated second-region copy in the backup account: when a copy job into the central vault
 * completes, an EventBridge rule invokes a Lambda that copies the recovery point into the DR vault
 * (before anything moves to cold storage, since cold recovery points cannot be copied). Failed
 * invocations are retried, then parked in an encrypted dead-letter queue.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionQueueAndLogs } from "../automation/functionResources";
import {
    functionOwnStatements,
    policyDocument,
    ruleDeadLetterQueuePolicy,
    serviceTrustPolicy,
    toJson,
} from "../iam/policyDocument";

export interface SecondRegionCopyArgs {
    functionName: string;
    code: pulumi.asset.Archive;
    handler: string;
    accountId: string;
    region: string;
    centralVaultArn: pulumi.Input<string>;
    drVaultArn: pulumi.Input<string>;
    /** The role AWS Backup assumes for the copy job; the function passes it. */
    copyRoleArn: pulumi.Input<string>;
    /** Deployment accounts whose copy-completed events are forwarded to this account's default bus. */
    forwardingAccountIds: string[];
    /** OUs whose every account forwards job events (the organization backup policy's), by organization path. */
    forwardingOus?: string[];
    organizationId: string;
    /** Retries of an asynchronous invocation before the event goes to the dead-letter queue (Lambda: 0 to 2). */
    maximumRetryAttempts?: number;
}

/** Node.js 22 is supported by Lambda until 2027; nodejs20.x can no longer be created (June 2026). */
export const LAMBDA_RUNTIME = "nodejs22.x";

/** Matches only completed copies into the central vault, so the function's own copies never re-trigger it. */
export function copyCompletedPattern(centralVaultArn: string) {
    return {
        source: ["aws.backup"],
        "detail-type": ["Copy Job State Change"],
        detail: { state: ["COMPLETED"], destinationBackupVaultArn: [centralVaultArn] },
    };
}

export class SecondRegionCopy extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly rule: aws.cloudwatch.EventRule;

    constructor(name: string, args: SecondRegionCopyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:copy:SecondRegionCopy", name, {}, opts);
        const child = { parent: this };

        const { deadLetterQueue, logGroup } = functionQueueAndLogs(name, args.functionName, 400, this);
        this.deadLetterQueue = deadLetterQueue;

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: `${args.functionName}-role`,
                assumeRolePolicy: toJson(serviceTrustPolicy("lambda.amazonaws.com", args.accountId)),
            },
            child,
        );
        // Lambda checks the on-failure destination's permission when the invoke config is written
        // ("Capturing records of Lambda asynchronous invocations", AWS Lambda Developer Guide), so the
        // invoke config below waits for this policy.
        const policy = new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: role.name,
                name: "copy-to-dr-region",
                policy: toJson(
                    policyDocument([
                        {
                            Sid: "ReadCentralRecoveryPoints",
                            Effect: "Allow",
                            Action: "backup:DescribeRecoveryPoint",
                            Resource: `arn:aws:backup:${args.region}:${args.accountId}:recovery-point:*`,
                        },
                        {
                            Sid: "StartCopyFromCentralVault",
                            Effect: "Allow",
                            Action: "backup:StartCopyJob",
                            Resource: `arn:aws:backup:${args.region}:${args.accountId}:recovery-point:*`,
                        },
                        {
                            Sid: "PassCopyRole",
                            Effect: "Allow",
                            Action: "iam:PassRole",
                            Resource: args.copyRoleArn,
                            Condition: { StringEquals: { "iam:PassedToService": "backup.amazonaws.com" } },
                        },
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
                runtime: LAMBDA_RUNTIME,
                handler: args.handler,
                code: args.code,
                role: role.arn,
                timeout: 60,
                memorySize: 256,
                environment: {
                    variables: {
                        CENTRAL_VAULT_ARN: args.centralVaultArn,
                        DR_VAULT_ARN: args.drVaultArn,
                        COPY_ROLE_ARN: args.copyRoleArn,
                    },
                },
                loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
            },
            { parent: this, dependsOn: [logGroup] },
        );

        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-retries`,
            {
                functionName: this.function.name,
                maximumRetryAttempts: args.maximumRetryAttempts ?? 2,
                maximumEventAgeInSeconds: 6 * 3600,
                destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
            },
            { parent: this, dependsOn: [policy] },
        );

        this.rule = new aws.cloudwatch.EventRule(
            `${name}-rule`,
            {
                name: `${args.functionName}-trigger`,
                description: "A copy into the central vault completed: copy it on to the DR region",
                eventPattern: pulumi
                    .output(args.centralVaultArn)
                    .apply((arn) => JSON.stringify(copyCompletedPattern(arn))),
            },
            child,
        );
        new aws.lambda.Permission(
            `${name}-invoke`,
            {
                statementId: "AllowCopyCompletedRule",
                action: "lambda:InvokeFunction",
                function: this.function.name,
                principal: "events.amazonaws.com",
                sourceArn: this.rule.arn,
                sourceAccount: args.accountId,
            },
            child,
        );
        new aws.cloudwatch.EventTarget(
            `${name}-target`,
            {
                rule: this.rule.name,
                targetId: "copy-to-dr-region",
                arn: this.function.arn,
                // Delivery failures (the function throttled or unavailable) land in the same queue.
                retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 6 * 3600 },
                deadLetterConfig: { arn: this.deadLetterQueue.arn },
            },
            child,
        );
        new aws.sqs.QueuePolicy(
            `${name}-dlq-policy`,
            {
                queueUrl: this.deadLetterQueue.url,
                policy: toJson(ruleDeadLetterQueuePolicy(this.deadLetterQueue.arn, this.rule.arn)),
            },
            child,
        );

        // Copy jobs into the central vault belong to the deployment accounts, which forward their events here.
        new aws.cloudwatch.EventBusPolicy(
            `${name}-bus-policy`,
            {
                eventBusName: "default",
                policy: toJson(
                    policyDocument([
                        {
                            Sid: "DeploymentAccountsForwardCopyEvents",
                            Effect: "Allow",
                            Principal: { AWS: args.forwardingAccountIds.map((id) => `arn:aws:iam::${id}:root`) },
                            Action: "events:PutEvents",
                            Resource: `arn:aws:events:${args.region}:${args.accountId}:event-bus/default`,
                            Condition: { StringEquals: { "aws:PrincipalOrgID": args.organizationId } },
                        },
                        ...(args.forwardingOus?.length
                            ? [
                                  {
                                      Sid: "PolicyCoveredAccountsForwardJobEvents",
                                      Effect: "Allow" as const,
                                      Principal: { AWS: "*" },
                                      Action: "events:PutEvents",
                                      Resource: `arn:aws:events:${args.region}:${args.accountId}:event-bus/default`,
                                      Condition: {
                                          StringEquals: { "aws:PrincipalOrgID": args.organizationId },
                                          "ForAnyValue:StringLike": {
                                              "aws:PrincipalOrgPaths": args.forwardingOus.map(
                                                  (ou) => `${args.organizationId}/*/${ou}/*`,
                                              ),
                                          },
                                      },
                                  },
                              ]
                            : []),
                    ]),
                ),
            },
            child,
        );

        this.registerOutputs({
            functionArn: this.function.arn,
            deadLetterQueueArn: this.deadLetterQueue.arn,
            ruleArn: this.rule.arn,
        });
    }
}
