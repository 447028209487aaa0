/**
 * Protection on AWS's own schedules in a deployment account, with no person in the loop: the
 * critical secrets escrowed under the backup account's key, the user pool exported, the critical
 * and high tables exported (weekly full, hourly incremental for the critical ones). Everything
 * lands in the exports bucket, which replicates into both Object Lock archives.
 *
 * Assumed, not created here: a CloudTrail trail that logs this account's management events (the
 * organization trail of the `org` stack). Without it Secrets Manager's API-call events never reach
 * EventBridge and a change is escrowed by the next daily run instead of within minutes.
 */
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../naming";
import { escrowVersionsOf, exportTables } from "../naming/scheduledProtection";
import { schedulerIntervalHours } from "../aws/rules";
import { FunctionSchedule, ScheduledFunction } from "../components/automation/scheduledFunction";
import { PolicyStatement } from "../components/iam/policyDocument";
import { AlarmSpec } from "../components/monitoring/alarms";
import { EvidencePack } from "../components/verification/evidencePack";
import { UserPoolRoundTrip } from "../components/verification/userPoolRoundTrip";
import { lambdaPackage } from "../lambdas/package";
import { DeploymentConfig } from "./config";

export { escrowVersionsOf, exportTables };

export interface AutomationTargets {
    exportsBucketName: pulumi.Input<string>;
    exportsBucketArn: pulumi.Input<string>;
    exportsKeyArn: pulumi.Input<string>;
    alertTopicArn: pulumi.Input<string>;
}

const NS = naming.PROTECTION_METRICS_NAMESPACE;
const HOUR = 3600;

/** The Secrets Manager API calls that change a value or its labels (Secrets Manager User Guide, "CloudTrail entries"). */
export const SECRET_CHANGE_EVENTS = [
    "PutSecretValue",
    "UpdateSecret",
    "RotateSecret",
    "UpdateSecretVersionStage",
    "RestoreSecret",
];

/**
 * Matches those calls on the escrowed secrets, by name or ARN (Secrets Manager User Guide, "Match
 * Secrets Manager events with EventBridge": detail-type "AWS API Call via CloudTrail").
 */
export function secretChangePattern(secretNames: string[], region: string, accountId: string) {
    return {
        source: ["aws.secretsmanager"],
        "detail-type": ["AWS API Call via CloudTrail"],
        detail: {
            eventSource: ["secretsmanager.amazonaws.com"],
            eventName: SECRET_CHANGE_EVENTS,
            requestParameters: {
                secretId: secretNames.flatMap((name) => [
                    name,
                    { prefix: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-` },
                ]),
            },
        },
    };
}

/** A run counter that must move: no successful run within `hours` (missing data counts as none). */
function staleAlarm(
    key: string,
    metricName: string,
    dimensions: Record<string, string>,
    hours: number,
    what: string,
): AlarmSpec {
    return {
        key,
        description: `${what}: no successful run in ${hours} h. Check the function's log group and dead-letter queue.`,
        namespace: NS,
        metricName,
        dimensions,
        statistic: "Sum",
        window: { periodSeconds: HOUR, evaluationPeriods: hours },
        comparison: "LessThanThreshold",
        threshold: 1,
        treatMissingData: "breaching",
    };
}

function failureAlarm(key: string, metricName: string, dimensions: Record<string, string>, what: string): AlarmSpec {
    return {
        key,
        description: `${what} failed. See the function's log group; the next run retries.`,
        namespace: NS,
        metricName,
        dimensions,
        statistic: "Maximum",
        window: { periodSeconds: HOUR, evaluationPeriods: 1 },
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        treatMissingData: "notBreaching",
    };
}

const putMetrics: PolicyStatement = {
    Sid: "PublishFreshnessMetrics",
    Effect: "Allow",
    Action: "cloudwatch:PutMetricData",
    Resource: "*",
    Condition: { StringEquals: { "cloudwatch:namespace": NS } },
};

function writeExports(
    sid: string,
    bucketArn: pulumi.Input<string>,
    prefix: string,
    keyArn: pulumi.Input<string>,
    region: string,
    extra: string[] = [],
): PolicyStatement[] {
    return [
        {
            Sid: sid,
            Effect: "Allow",
            Action: ["s3:PutObject", ...extra],
            Resource: pulumi.interpolate`${bucketArn}/${prefix}/*`,
        },
        {
            Sid: `${sid}Encrypted`,
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
        },
    ];
}

/** What each schedule does and how often: the cost module's input (issue 17 owns the prices). */
export function automationSchedules(
    cfg: DeploymentConfig,
): { name: string; expression: string; runsPerMonth: number; units: number; unit: string }[] {
    const a = cfg.automation;
    const perMonth = (expr: string) => Math.round((730 / schedulerIntervalHours(expr)) * 100) / 100;
    const tables = exportTables(cfg);
    const critical = cfg.secrets.filter((s) => s.critical);
    const out = [];
    if (a.secretEscrow.enabled && critical.length)
        out.push({
            name: "secret-escrow",
            expression: a.secretEscrow.schedule,
            runsPerMonth: perMonth(a.secretEscrow.schedule),
            units: critical.length,
            unit: "secrets",
        });
    if (a.userPoolExport.enabled)
        out.push({
            name: "user-pool-export",
            expression: a.userPoolExport.schedule,
            runsPerMonth: perMonth(a.userPoolExport.schedule),
            units: 1,
            unit: "user pools",
        });
    if (tables.full.length)
        out.push({
            name: "table-export-full",
            expression: a.tableExports.full.schedule,
            runsPerMonth: perMonth(a.tableExports.full.schedule),
            units: tables.full.length,
            unit: "full table exports",
        });
    if (tables.incremental.length) {
        const expr = `cron(${a.tableExports.incremental.minute} * * * ? *)`;
        out.push({
            name: "table-export-incremental",
            expression: expr,
            runsPerMonth: perMonth(expr),
            units: tables.incremental.length,
            unit: "incremental table exports",
        });
    }
    return out;
}

export function deploymentAutomation(
    cfg: DeploymentConfig,
    t: AutomationTargets,
    inPrimary: pulumi.ComponentResourceOptions,
) {
    const env = cfg.environment;
    const a = cfg.automation;
    const central = cfg.backupAccount;
    const common = { accountId: cfg.accountId, region: cfg.region, alertTopicArn: t.alertTopicArn };
    const created: ScheduledFunction[] = [];
    // IAM role names are global: a second regional stack of the account must not recreate them.
    const roles = (task: naming.ScheduledTask) => {
        const names = naming.scheduledRoleNames(env, cfg.region, task);
        return { roleName: names.function, schedulerRoleName: names.scheduler };
    };

    const critical = cfg.secrets.filter((s) => s.critical);
    if (a.secretEscrow.enabled && critical.length) {
        const pkg = lambdaPackage("lambdas/secretEscrow/handler.ts");
        const secrets = critical.map((s) => ({ name: s.name, versions: escrowVersionsOf(s) }));
        const functionName = naming.scheduledFunctionName(env, "secret-escrow");
        created.push(
            new ScheduledFunction(
                "secret-escrow",
                {
                    ...common,
                    ...pkg,
                    functionName,
                    ...roles("secret-escrow"),
                    description:
                        "Escrows every version that matters of the critical secrets under the backup account's key",
                    alarmNamePrefix: functionName,
                    environment: {
                        ESCROW_SECRETS: JSON.stringify(secrets),
                        ESCROW_BUCKET: t.exportsBucketName,
                        ESCROW_BUCKET_KMS_KEY_ARN: t.exportsKeyArn,
                        ESCROW_KEY_ID: naming.secretEscrowKeyAliasArn(central.accountId, central.region),
                        ESCROW_PREFIX: naming.SECRET_ESCROW_PREFIX,
                        SOURCE_ACCOUNT: cfg.accountId,
                        METRIC_NAMESPACE: NS,
                    },
                    statements: [
                        {
                            Sid: "ReadCriticalSecrets",
                            Effect: "Allow",
                            // DescribeSecret: the replicas' status, for the failed-replica alarms.
                            Action: [
                                "secretsmanager:ListSecretVersionIds",
                                "secretsmanager:GetSecretValue",
                                "secretsmanager:DescribeSecret",
                            ],
                            // Secrets Manager appends six random characters to a secret's ARN.
                            Resource: critical.map((s) =>
                                naming.arn("secretsmanager", cfg.region, cfg.accountId, `secret:${s.name}-??????`),
                            ),
                        },
                        {
                            Sid: "SecretsUnderCustomerKeys",
                            Effect: "Allow",
                            Action: "kms:Decrypt",
                            Resource: naming.arn("kms", cfg.region, cfg.accountId, "key/*"),
                            Condition: {
                                StringEquals: { "kms:ViaService": `secretsmanager.${cfg.region}.amazonaws.com` },
                            },
                        },
                        {
                            Sid: "SealWithBackupAccountKey",
                            Effect: "Allow",
                            Action: "kms:GenerateDataKey",
                            Resource: naming.arn("kms", central.region, central.accountId, "key/*"),
                            Condition: {
                                StringEquals: {
                                    "kms:EncryptionContext:purpose": naming.SECRET_ESCROW_PURPOSE,
                                    "kms:EncryptionContext:sourceAccount": cfg.accountId,
                                },
                            },
                        },
                        ...writeExports(
                            "WriteEscrows",
                            t.exportsBucketArn,
                            `${naming.SECRET_ESCROW_PREFIX}/${cfg.accountId}`,
                            t.exportsKeyArn,
                            cfg.region,
                        ),
                        putMetrics,
                    ],
                    schedules: [
                        {
                            key: "daily",
                            description: "Escrow every critical secret daily, whatever changed",
                            expression: a.secretEscrow.schedule,
                            input: { task: "secret-escrow", secrets: secrets.map((s) => s.name) },
                        },
                    ],
                    eventRules: a.secretEscrow.onChange
                        ? [
                              {
                                  key: "on-change",
                                  description:
                                      "A critical secret changed: escrow it within minutes (needs the organization trail)",
                                  eventPattern: secretChangePattern(
                                      critical.map((s) => s.name),
                                      cfg.region,
                                      cfg.accountId,
                                  ),
                              },
                          ]
                        : [],
                    alarms: [
                        staleAlarm("stale", "SecretEscrowRuns", { Function: "secret-escrow" }, 25, "Secret escrow"),
                        ...critical.map((s, i) =>
                            failureAlarm(
                                `failed-${i}`,
                                "SecretEscrowFailures",
                                { SecretName: s.name },
                                `Escrow of ${s.name}`,
                            ),
                        ),
                        // A replica Secrets Manager reports Failed (DescribeSecret, read on every escrow run).
                        ...critical.map((s, i) =>
                            failureAlarm(
                                `replica-failed-${i}`,
                                "SecretReplicaFailures",
                                { SecretName: s.name },
                                `Replication of ${s.name} to the DR region`,
                            ),
                        ),
                    ],
                },
                inPrimary,
            ),
        );
    }

    if (a.userPoolExport.enabled) {
        const pkg = lambdaPackage("lambdas/userPoolExport/handler.ts");
        const functionName = naming.scheduledFunctionName(env, "user-pool-export");
        const userPoolName = a.userPoolExport.userPoolName ?? naming.envName(env, "user-pool");
        created.push(
            new ScheduledFunction(
                "user-pool-export",
                {
                    ...common,
                    ...pkg,
                    functionName,
                    ...roles("user-pool-export"),
                    description: "Exports every user, group and membership of the user pool for import-users",
                    alarmNamePrefix: functionName,
                    environment: {
                        USER_POOL_NAME: userPoolName,
                        EXPORT_BUCKET: t.exportsBucketName,
                        EXPORT_KMS_KEY_ARN: t.exportsKeyArn,
                        EXPORT_PREFIX: naming.USER_POOL_EXPORT_PREFIX,
                        ACCOUNT_ID: cfg.accountId,
                        METRIC_NAMESPACE: NS,
                    },
                    statements: [
                        // ListUserPools has no resource-level permission (Cognito: resource "*").
                        { Sid: "FindThePool", Effect: "Allow", Action: "cognito-idp:ListUserPools", Resource: "*" },
                        {
                            Sid: "ReadUsersAndGroups",
                            Effect: "Allow",
                            Action: [
                                "cognito-idp:ListUsers",
                                "cognito-idp:ListGroups",
                                "cognito-idp:ListUsersInGroup",
                                "cognito-idp:GetCSVHeader",
                            ],
                            Resource: naming.arn("cognito-idp", cfg.region, cfg.accountId, "userpool/*"),
                        },
                        ...writeExports(
                            "WriteUserExports",
                            t.exportsBucketArn,
                            naming.USER_POOL_EXPORT_PREFIX,
                            t.exportsKeyArn,
                            cfg.region,
                        ),
                        putMetrics,
                    ],
                    schedules: [
                        {
                            key: "daily",
                            description: "Export the user pool daily",
                            expression: a.userPoolExport.schedule,
                            input: { task: "user-pool-export", userPool: userPoolName },
                        },
                    ],
                    alarms: [
                        staleAlarm(
                            "stale",
                            "UserPoolExportRuns",
                            { UserPool: userPoolName },
                            Math.min(168, Math.ceil(schedulerIntervalHours(a.userPoolExport.schedule)) + 1),
                            "User-pool export",
                        ),
                    ],
                },
                inPrimary,
            ),
        );
    }

    const tables = exportTables(cfg);
    if (tables.full.length || tables.incremental.length) {
        const pkg = lambdaPackage("lambdas/tableExport/handler.ts");
        const functionName = naming.scheduledFunctionName(env, "table-export");
        const exported = [...new Set([...tables.full, ...tables.incremental])];
        const schedules: FunctionSchedule[] = [];
        if (tables.full.length)
            schedules.push({
                key: "full",
                description: "Full export of the critical and high tables",
                expression: a.tableExports.full.schedule,
                input: { task: "table-export", mode: "full", tables: tables.full },
            });
        if (tables.incremental.length)
            schedules.push({
                key: "incremental",
                description: "Incremental export of the critical tables: the previous whole hour",
                expression: `cron(${a.tableExports.incremental.minute} * * * ? *)`,
                input: { task: "table-export", mode: "incremental", tables: tables.incremental },
            });
        const fullHours = Math.ceil(schedulerIntervalHours(a.tableExports.full.schedule)) + 1;
        created.push(
            new ScheduledFunction(
                "table-export",
                {
                    ...common,
                    ...pkg,
                    functionName,
                    ...roles("table-export"),
                    description: "Starts the scheduled DynamoDB exports into the exports bucket",
                    alarmNamePrefix: functionName,
                    timeoutSeconds: 120,
                    environment: {
                        EXPORT_BUCKET: t.exportsBucketName,
                        EXPORT_KMS_KEY_ARN: t.exportsKeyArn,
                        EXPORT_PREFIX: naming.TABLE_EXPORT_PREFIX,
                        ACCOUNT_ID: cfg.accountId,
                        METRIC_NAMESPACE: NS,
                    },
                    statements: [
                        {
                            Sid: "ExportTables",
                            Effect: "Allow",
                            Action: "dynamodb:ExportTableToPointInTime",
                            Resource: exported.map((tb) =>
                                naming.arn("dynamodb", cfg.region, cfg.accountId, `table/${tb}`),
                            ),
                        },
                        {
                            Sid: "DescribeExports",
                            Effect: "Allow",
                            Action: "dynamodb:DescribeExport",
                            Resource: exported.map((tb) =>
                                naming.arn("dynamodb", cfg.region, cfg.accountId, `table/${tb}/export/*`),
                            ),
                        },
                        // ListExports is not scoped to a table in IAM: resource "*".
                        { Sid: "ListExports", Effect: "Allow", Action: "dynamodb:ListExports", Resource: "*" },
                        ...writeExports(
                            "WriteTableExports",
                            t.exportsBucketArn,
                            naming.TABLE_EXPORT_PREFIX,
                            t.exportsKeyArn,
                            cfg.region,
                            ["s3:AbortMultipartUpload"],
                        ),
                        putMetrics,
                    ],
                    schedules,
                    alarms: [
                        ...tables.incremental.map((tb, i) =>
                            staleAlarm(
                                `incremental-missing-${i}`,
                                "TableExportsStarted",
                                { TableName: tb, ExportType: "incremental" },
                                2,
                                `Incremental export of ${tb}`,
                            ),
                        ),
                        // CloudWatch looks back at most a week (3600 s × 168): a weekly schedule is watched by its failures and by dr verify.
                        ...(fullHours <= 168
                            ? tables.full.map((tb, i) =>
                                  staleAlarm(
                                      `full-missing-${i}`,
                                      "TableExportsStarted",
                                      { TableName: tb, ExportType: "full" },
                                      fullHours,
                                      `Full export of ${tb}`,
                                  ),
                              )
                            : []),
                        ...exported.flatMap((tb, i) =>
                            ["full", "incremental"]
                                .filter((mode) => (mode === "full" ? tables.full : tables.incremental).includes(tb))
                                .map((mode) =>
                                    failureAlarm(
                                        `${mode}-failed-${i}`,
                                        "TableExportsFailed",
                                        { TableName: tb, ExportType: mode },
                                        `A ${mode} export of ${tb}`,
                                    ),
                                ),
                        ),
                    ],
                },
                inPrimary,
            ),
        );
    }
    // Monthly proof that the newest user-pool export imports (issue 17): needs the export it tries.
    if (a.userPoolRoundTrip.enabled && a.userPoolExport.enabled) {
        const pkg = lambdaPackage("lambdas/userPoolRoundTrip/handler.ts");
        const names = naming.scheduledRoleNames(env, cfg.region, "users-round-trip");
        const roundTrip = new UserPoolRoundTrip(
            "users-round-trip",
            {
                ...pkg,
                functionName: naming.scheduledFunctionName(env, "users-round-trip"),
                roleName: names.function,
                schedulerRoleName: names.scheduler,
                importLogsRoleName: naming.deploymentRoleName(env, cfg.region, "cognito-import-logs"),
                accountId: cfg.accountId,
                region: cfg.region,
                userPoolName: a.userPoolExport.userPoolName ?? naming.envName(env, "user-pool"),
                exportsBucketName: t.exportsBucketName,
                exportsBucketArn: t.exportsBucketArn,
                exportsKeyArn: t.exportsKeyArn,
                exportPrefix: naming.USER_POOL_EXPORT_PREFIX,
                scratchPoolPrefix: naming.roundTripScratchPoolPrefix(env),
                scratchTag: naming.ROUND_TRIP_SCRATCH_TAG,
                schedule: a.userPoolRoundTrip.schedule,
                sampleSize: a.userPoolRoundTrip.sampleSize,
                metricNamespace: NS,
                alertTopicArn: t.alertTopicArn,
            },
            inPrimary,
        );
        created.push(roundTrip.scheduled);
    }
    // Monthly evidence pack (issue 17): into the exports bucket, whose replication carries it into both archives.
    if (a.evidencePack.enabled) {
        const pkg = lambdaPackage("lambdas/evidencePack/handler.ts");
        const names = naming.scheduledRoleNames(env, cfg.region, "evidence-pack");
        const pack = new EvidencePack(
            "evidence-pack",
            {
                ...pkg,
                functionName: naming.scheduledFunctionName(env, "evidence-pack"),
                roleName: names.function,
                schedulerRoleName: names.scheduler,
                stack: env,
                accountId: cfg.accountId,
                region: cfg.region,
                destination: {
                    mode: "exports-bucket",
                    bucketName: t.exportsBucketName,
                    bucketArn: t.exportsBucketArn,
                    kmsKeyArn: t.exportsKeyArn,
                },
                evidencePrefix: naming.EVIDENCE_PACK_PREFIX,
                driftBucketName: t.exportsBucketName,
                driftBucketArn: t.exportsBucketArn,
                driftKeyArn: t.exportsKeyArn,
                driftPrefix: naming.DRIFT_REPORT_PREFIX,
                schedule: a.evidencePack.schedule,
                maxCopyLagHours: a.evidencePack.maxCopyLagHours,
                metricNamespace: NS,
                alertTopicArn: t.alertTopicArn,
            },
            inPrimary,
        );
        created.push(pack.scheduled);
    }
    return { functions: created, alarmArns: created.flatMap((f) => f.alarmArns) };
}
