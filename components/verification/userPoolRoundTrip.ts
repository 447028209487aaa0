/**
 * The monthly user-pool round trip (lambdas/userPoolRoundTrip): the newest user-pool export is
 * imported into a scratch pool with Cognito's CSV import job and compared, and the pool deleted.
 *
 * Two roles besides the scheduled function's own machinery:
 * - the function's role may create a user pool only with the scratch tag (`aws:RequestTag`, with
 *   `aws:TagKeys` allowing no other key) and act only on pools carrying it (`aws:ResourceTag`), the
 *   condition keys IAM's Service Authorization Reference lists for Amazon Cognito User Pools
 *   (CreateUserPool: aws:RequestTag/aws:TagKeys; the userpool resource: aws:ResourceTag): it can
 *   never read, import into or delete the production pool. It passes only the import logs role, and
 *   only to Cognito (`iam:PassedToService`).
 * - the import logs role, which CreateUserImportJob requires (`CloudWatchLogsRoleArn`; Cognito
 *   Developer Guide, "Importing users into a user pool": Cognito assumes it to write the job's log
 *   under `/aws/cognito/*`), trusted by cognito-idp.amazonaws.com from this account only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, policyDocument, serviceTrustPolicy, toJson } from "../iam/policyDocument";
import { ScheduledFunction } from "../automation/scheduledFunction";
import { AlarmSpec } from "../monitoring/alarms";

export interface UserPoolRoundTripArgs {
    functionName: string;
    roleName: string;
    schedulerRoleName: string;
    importLogsRoleName: string;
    code: pulumi.asset.Archive;
    handler: string;
    accountId: string;
    region: string;
    /** The production pool whose exports are tried (the metric's dimension). */
    userPoolName: string;
    exportsBucketName: pulumi.Input<string>;
    exportsBucketArn: pulumi.Input<string>;
    exportsKeyArn: pulumi.Input<string>;
    exportPrefix: string;
    scratchPoolPrefix: string;
    scratchTag: { key: string; value: string };
    schedule: string;
    sampleSize: number;
    metricNamespace: string;
    alertTopicArn: pulumi.Input<string>;
}

/** The import logs role's permissions: the job's log group and streams under /aws/cognito/, nothing else. */
export function importLogsStatements(region: string, accountId: string): PolicyStatement[] {
    return [
        {
            Sid: "ImportJobLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            Resource: `arn:aws:logs:${region}:${accountId}:log-group:/aws/cognito/*`,
        },
    ];
}

export function roundTripStatements(
    args: Pick<
        UserPoolRoundTripArgs,
        | "accountId"
        | "region"
        | "exportsBucketArn"
        | "exportsKeyArn"
        | "exportPrefix"
        | "scratchTag"
        | "metricNamespace"
    > & { importLogsRoleArn: pulumi.Input<string> },
): PolicyStatement[] {
    const pools = `arn:aws:cognito-idp:${args.region}:${args.accountId}:userpool/*`;
    const tag = `aws:RequestTag/${args.scratchTag.key}`;
    return [
        {
            Sid: "FindExports",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: args.exportsBucketArn,
            Condition: { StringLike: { "s3:prefix": `${args.exportPrefix}/*` } },
        },
        {
            Sid: "ReadExports",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: pulumi.interpolate`${args.exportsBucketArn}/${args.exportPrefix}/*`,
        },
        {
            Sid: "ReadExportsEncrypted",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: args.exportsKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${args.region}.amazonaws.com` } },
        },
        {
            // CreateUserPool has no resource type: "*", narrowed by the tag the request must carry.
            Sid: "CreateScratchPoolsOnly",
            Effect: "Allow",
            Action: "cognito-idp:CreateUserPool",
            Resource: "*",
            Condition: {
                StringEquals: { [tag]: args.scratchTag.value },
                "ForAllValues:StringEquals": { "aws:TagKeys": [args.scratchTag.key] },
            },
        },
        {
            // Tagging on creation: only the scratch tag, never onto another pool.
            Sid: "TagScratchPoolsOnCreation",
            Effect: "Allow",
            Action: "cognito-idp:TagResource",
            Resource: pools,
            Condition: {
                StringEquals: { [tag]: args.scratchTag.value },
                "ForAllValues:StringEquals": { "aws:TagKeys": [args.scratchTag.key] },
            },
        },
        {
            Sid: "ImportIntoScratchPoolsOnly",
            Effect: "Allow",
            Action: [
                "cognito-idp:GetCSVHeader",
                "cognito-idp:CreateUserImportJob",
                "cognito-idp:StartUserImportJob",
                "cognito-idp:DescribeUserImportJob",
                "cognito-idp:ListUsers",
                "cognito-idp:DeleteUserPool",
            ],
            Resource: pools,
            Condition: { StringEquals: { [`aws:ResourceTag/${args.scratchTag.key}`]: args.scratchTag.value } },
        },
        {
            Sid: "PassImportLogsRoleToCognito",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: args.importLogsRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": "cognito-idp.amazonaws.com" } },
        },
        {
            Sid: "PublishRoundTripMetrics",
            Effect: "Allow",
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": args.metricNamespace } },
        },
    ];
}

export class UserPoolRoundTrip extends pulumi.ComponentResource {
    readonly scheduled: ScheduledFunction;
    readonly importLogsRole: aws.iam.Role;
    readonly alarmArns: pulumi.Output<string>[];

    constructor(name: string, args: UserPoolRoundTripArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:verification:UserPoolRoundTrip", name, {}, opts);
        this.importLogsRole = new aws.iam.Role(
            `${name}-import-logs-role`,
            {
                name: args.importLogsRoleName,
                description: "Cognito writes the round trip's user import job logs",
                assumeRolePolicy: toJson(serviceTrustPolicy("cognito-idp.amazonaws.com", args.accountId)),
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-import-logs-policy`,
            {
                role: this.importLogsRole.name,
                name: "import-job-logs",
                policy: toJson(policyDocument(importLogsStatements(args.region, args.accountId))),
            },
            { parent: this },
        );
        const dimensions = { UserPool: args.userPoolName };
        const failed: AlarmSpec = {
            key: "failed",
            description:
                "The monthly user-pool round trip found a failure (import job, count, attribute or scratch pool not deleted). " +
                "The function's log lists each by kind; the metric UserPoolRoundTripFailuresByKind counts them.",
            namespace: args.metricNamespace,
            metricName: "UserPoolRoundTripFailures",
            dimensions,
            statistic: "Maximum",
            window: { periodSeconds: 3600, evaluationPeriods: 1 },
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: 1,
            treatMissingData: "notBreaching",
        };
        this.scheduled = new ScheduledFunction(
            name,
            {
                functionName: args.functionName,
                roleName: args.roleName,
                schedulerRoleName: args.schedulerRoleName,
                description: "Monthly: the newest user-pool export imported into a scratch pool and compared",
                code: args.code,
                handler: args.handler,
                accountId: args.accountId,
                region: args.region,
                // A month is past CloudWatch's one-week look-back: the run is watched by its failure metric and Lambda's errors.
                alarms: [failed],
                alarmNamePrefix: args.functionName,
                alertTopicArn: args.alertTopicArn,
                // The import job is polled for up to ten minutes: the function may run Lambda's maximum.
                timeoutSeconds: 900,
                environment: {
                    USER_POOL_NAME: args.userPoolName,
                    EXPORT_BUCKET: args.exportsBucketName,
                    EXPORT_PREFIX: args.exportPrefix,
                    SCRATCH_POOL_PREFIX: args.scratchPoolPrefix,
                    SCRATCH_TAG_KEY: args.scratchTag.key,
                    SCRATCH_TAG_VALUE: args.scratchTag.value,
                    IMPORT_LOGS_ROLE_ARN: this.importLogsRole.arn,
                    SAMPLE_SIZE: String(args.sampleSize),
                    ACCOUNT_ID: args.accountId,
                    METRIC_NAMESPACE: args.metricNamespace,
                },
                statements: roundTripStatements({ ...args, importLogsRoleArn: this.importLogsRole.arn }),
                schedules: [
                    {
                        key: "monthly",
                        description: "Import the newest user-pool export into a scratch pool and compare",
                        expression: args.schedule,
                        input: { task: "users-round-trip", userPool: args.userPoolName },
                    },
                ],
            },
            { parent: this },
        );
        this.alarmArns = this.scheduled.alarmArns;
        this.registerOutputs({ functionArn: this.scheduled.function.arn, alarmArns: this.alarmArns });
    }
}
