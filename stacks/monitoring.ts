/**
 * Phase 3 of the strategy, for each role: alarms and job events to the stack's alert topic, an
 * operations dashboard, and the verification that runs inside AWS (restore tests, Audit Manager,
 * Config rules). The stack programs call these after building what they watch.
 */
import { OrganizationJobAlarms } from "../components/monitoring/organizationJobAlarms";
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../naming";
import { AlertTopic } from "../components/alerting/alertTopic";
import { BackupKey } from "../components/kms/backupKey";
import { SecondRegionCopy } from "../components/copy/secondRegionCopy";
import { BackupAlarms, noRecentBackupWindow } from "../components/monitoring/backupAlarms";
import { BackupJobEvents } from "../components/monitoring/backupJobEvents";
import { FunctionAlarms } from "../components/monitoring/functionAlarms";
import { OperationsDashboard } from "../components/monitoring/operationsDashboard";
import { ReplicationAlarms } from "../components/monitoring/replicationAlarms";
import { TamperAlarms } from "../components/monitoring/tamperAlarms";
import { BackupPlanRule } from "../components/plan/backupPlan";
import { ProtectedBucket } from "../components/storage/protectedBucket";
import { AuditFramework, frequencyOf } from "../components/verification/auditFramework";
import { ConfigRules } from "../components/verification/configRules";
import { RestoreTesting, underscored } from "../components/verification/restoreTesting";
import { RestoreValidation } from "../components/verification/restoreValidation";
import { lambdaPackage } from "../lambdas/package";
import { BackupVault } from "../components/vault/backupVault";
import { scheduleIntervalHours } from "../aws/rules";
import { BackupConfig, DeploymentConfig } from "./config";

/** Where Audit Manager reports and AWS Config snapshots land in the exports bucket (and the archive). */
export const DEPLOYMENT_AUDIT_PREFIX = "backup-audit";
export const DEPLOYMENT_CONFIG_PREFIX = "aws-config";
export const BACKUP_ACCOUNT_AUDIT_PREFIX = "backup-account-audit";
export const BACKUP_ACCOUNT_CONFIG_PREFIX = "backup-account-config";

export interface DeploymentWatched {
    vault: BackupVault;
    alerts: AlertTopic;
    exportsBucket: ProtectedBucket;
    /** Encrypts what AWS Config delivers into the exports bucket. */
    key: BackupKey;
    rules: BackupPlanRule[];
    /** Alarms of the scheduled escrow and exports, shown on the same dashboard. */
    automationAlarmArns?: pulumi.Output<string>[];
}

export function deploymentMonitoring(
    cfg: DeploymentConfig,
    watched: DeploymentWatched,
    inPrimary: pulumi.ComponentResourceOptions,
) {
    const { vault, alerts, exportsBucket, key, rules } = watched;
    const env = cfg.environment;
    const central = cfg.backupAccount;
    const mon = cfg.monitoring;
    const alarmNamePrefix = naming.envName(env, "backup");
    // Every copy rule sends to the central vault: its name is where AWS counts those copy jobs.
    const copyDestination = rules.flatMap((r) => r.copies.map((c) => c.destinationVaultArn))[0];
    const backupAlarms = new BackupAlarms(
        "backup-alarms",
        {
            alarmNamePrefix,
            vaultName: vault.name,
            alertTopicArn: alerts.arn,
            backupRules: rules,
            copyDestinationVaultArn: copyDestination,
        },
        inPrimary,
    );
    const replicated = {
        sourceBucket: exportsBucket.name,
        destinationBucket: naming.archiveBucketName(central.accountId, central.region),
        ruleId: naming.EXPORTS_REPLICATION_RULE_ID,
    };
    const replicationAlarms = new ReplicationAlarms(
        "exports-replication-alarms",
        { alarmNamePrefix: naming.envName(env, "exports"), ...replicated, alertTopicArn: alerts.arn },
        inPrimary,
    );
    // The second rule, straight to the DR-region archive, has its own RTC metrics (by rule id).
    const drReplicated = {
        sourceBucket: exportsBucket.name,
        destinationBucket: naming.archiveBucketName(central.accountId, central.drRegion),
        ruleId: naming.EXPORTS_DR_REPLICATION_RULE_ID,
    };
    const drReplicationAlarms = new ReplicationAlarms(
        "exports-dr-replication-alarms",
        { alarmNamePrefix: naming.envName(env, "exports-dr"), ...drReplicated, alertTopicArn: alerts.arn },
        inPrimary,
    );
    new BackupJobEvents("backup-job-events", { namePrefix: alarmNamePrefix, alertTopicArn: alerts.arn }, inPrimary);
    const restoreTables = mon.restoreTest.tables ?? cfg.tables.filter((t) => t.endsWith("-receipts"));
    let validationAlarms: pulumi.Output<string>[] = [];
    if (restoreTables.length) {
        const restoreTesting = new RestoreTesting(
            "restore-testing",
            {
                ...mon.restoreTest,
                planName: `${underscored(env)}_critical_tables`,
                selectionName: `${underscored(env)}_critical_tables`,
                roleName: naming.deploymentRoleName(env, cfg.region, "backup-restore-testing"),
                vaultArns: [vault.arn],
                tableArns: restoreTables.map((t) => naming.arn("dynamodb", cfg.region, cfg.accountId, `table/${t}`)),
            },
            inPrimary,
        );
        if (mon.restoreValidation.enabled)
            validationAlarms = restoreValidation(
                {
                    functionName: naming.envName(env, "backup-validate-restores"),
                    roleName: naming.deploymentRoleName(env, cfg.region, "backup-validate-restores"),
                    accountId: cfg.accountId,
                    region: cfg.region,
                    restoreTesting,
                    validationWindowHours: mon.restoreTest.validationWindowHours,
                    validation: mon.restoreValidation,
                    protectedTableArns: cfg.tables.map((t) =>
                        naming.arn("dynamodb", cfg.region, cfg.accountId, `table/${t}`),
                    ),
                    alarmNamePrefix: naming.envName(env, "restore-validation"),
                    alerts,
                },
                inPrimary,
            ).alarmArns;
    }
    const dashboard = new OperationsDashboard(
        "operations-dashboard",
        {
            dashboardName: naming.envName(env, "backup-operations"),
            title: `# ${env}: backups, copies to the backup account, restores, exports replication`,
            vaultName: vault.name,
            copyDestinationVaultArn: copyDestination,
            replication: [replicated, drReplicated],
            alarmArns: [
                ...backupAlarms.alarmArns,
                ...replicationAlarms.alarmArns,
                ...drReplicationAlarms.alarmArns,
                ...(watched.automationAlarmArns ?? []),
                ...validationAlarms,
            ],
        },
        inPrimary,
    );
    const mostFrequent = [...rules].sort(
        (a, b) => scheduleIntervalHours(a.schedule) - scheduleIntervalHours(b.schedule),
    )[0];
    const audit = new AuditFramework(
        "audit",
        {
            frameworkName: `${underscored(env)}_backup_strategy`,
            reportPlanName: `${underscored(env)}_backup_compliance`,
            resourceTypes: ["DynamoDB"],
            reportBucketName: exportsBucket.name,
            reportKeyPrefix: DEPLOYMENT_AUDIT_PREFIX,
            controls: {
                crossAccountIds: [central.accountId],
                plan: {
                    minimumFrequency: frequencyOf(scheduleIntervalHours(mostFrequent.schedule)),
                    minimumRetentionDays: mostFrequent.lifecycle.deleteAfterDays,
                    lastRecoveryPointMaxAge: {
                        unit: "hours",
                        value: mon.maxRecoveryPointAgeHours ?? noRecentBackupWindow(rules).windowHours,
                    },
                },
            },
        },
        inPrimary,
    );
    new ConfigRules(
        "config-rules",
        {
            namePrefix: alarmNamePrefix,
            dynamoDbTables: true,
            replicatedBucketName: exportsBucket.name,
            recorder: mon.createConfigRecorder
                ? {
                      accountId: cfg.accountId,
                      roleName: naming.deploymentRoleName(env, cfg.region, "backup-config-recorder"),
                      bucketName: exportsBucket.name,
                      bucketArn: exportsBucket.arn,
                      keyPrefix: DEPLOYMENT_CONFIG_PREFIX,
                      kmsKeyArn: key.arn,
                  }
                : undefined,
        },
        inPrimary,
    );

    return { dashboard, audit };
}

export interface BackupAccountWatched {
    centralVault: BackupVault;
    /** The second-region copy's destination. */
    drVault: BackupVault;
    alerts: AlertTopic;
    secondRegionCopy: SecondRegionCopy;
    archive: ProtectedBucket;
    drArchive: ProtectedBucket;
    /** Receives the audit reports and Config snapshots, and replicates them into the archive. */
    reports: ProtectedBucket;
    /** The reports bucket's key (the archive key). */
    archiveKey: BackupKey;
    /** Alarms of the account's scheduled functions (the evidence pack), shown on the dashboard. */
    automationAlarmArns?: pulumi.Output<string>[];
}

export function backupAccountMonitoring(
    cfg: BackupConfig,
    watched: BackupAccountWatched,
    inPrimary: pulumi.ComponentResourceOptions,
) {
    const { centralVault, drVault, alerts, secondRegionCopy, archive, drArchive, reports, archiveKey } = watched;
    // The vault policies spare the break-glass role from their deny; the checks of that deny must too.
    const breakGlassRoleArn = naming.iamRoleArn(cfg.accountId, cfg.breakGlassRoleName);
    const vaultAlarms = new BackupAlarms(
        "central-vault-alarms",
        {
            alarmNamePrefix: "vat-backup-central-vault",
            vaultName: centralVault.name,
            alertTopicArn: alerts.arn,
            // The second-region copy sends every copy to the DR vault, whose name carries its metrics.
            copyDestinationVaultArn: drVault.arn,
        },
        inPrimary,
    );
    const copyFunction = {
        functionName: secondRegionCopy.function.name,
        deadLetterQueueName: secondRegionCopy.deadLetterQueue.name,
    };
    const copyAlarms = new FunctionAlarms(
        "dr-copy-alarms",
        { alarmNamePrefix: "vat-backup-dr-copy", ...copyFunction, alertTopicArn: alerts.arn },
        inPrimary,
    );
    const archived = {
        sourceBucket: archive.name,
        destinationBucket: drArchive.name,
        ruleId: naming.ARCHIVE_REPLICATION_RULE_ID,
    };
    const replicationAlarms = new ReplicationAlarms(
        "archive-replication-alarms",
        { alarmNamePrefix: "vat-backup-archive", ...archived, alertTopicArn: alerts.arn },
        inPrimary,
    );
    new BackupJobEvents("backup-job-events", { namePrefix: "vat-backup", alertTopicArn: alerts.arn }, inPrimary);
    // Delegated administration publishes no metrics: the organization's failed jobs, forwarded here, alarm.
    const organizationJobs =
        cfg.policyCoveredOus.length > 0
            ? new OrganizationJobAlarms(
                  "organization-jobs",
                  {
                      accountId: cfg.accountId,
                      ruleName: "vat-backup-organization-job-failures",
                      alertTopicArn: alerts.arn,
                  },
                  inPrimary,
              )
            : undefined;
    const restoreTest = cfg.monitoring.restoreTest;
    const restoreTesting = new RestoreTesting(
        "restore-testing",
        {
            ...restoreTest,
            planName: "central_vault_copies",
            selectionName: "critical_table_copies",
            roleName: "vat-backup-restore-testing",
            vaultArns: [centralVault.arn],
            tableArns: cfg.deploymentAccounts.flatMap((a) =>
                restoreTest.tables.map((t) =>
                    naming.arn("dynamodb", cfg.region, a.accountId, `table/${naming.envName(a.environment, t)}`),
                ),
            ),
        },
        inPrimary,
    );
    const validationAlarms = cfg.monitoring.restoreValidation.enabled
        ? restoreValidation(
              {
                  functionName: "vat-backup-validate-restore-tests",
                  roleName: `vat-backup-validate-restore-tests-${cfg.region}`,
                  accountId: cfg.accountId,
                  region: cfg.region,
                  restoreTesting,
                  validationWindowHours: restoreTest.validationWindowHours,
                  validation: cfg.monitoring.restoreValidation,
                  // The backup account holds no application table; the restored copies are its only tables.
                  protectedTableArns: [],
                  alarmNamePrefix: "vat-backup-restore-validation",
                  alerts,
              },
              inPrimary,
          ).alarmArns
        : [];
    const dashboard = new OperationsDashboard(
        "operations-dashboard",
        {
            dashboardName: "vat-backup-backup-account",
            title: "# Backup account: copies to the DR region, restore tests, archive replication",
            vaultName: centralVault.name,
            copyDestinationVaultArn: drVault.arn,
            backupJobs: false,
            replication: archived,
            copyFunction,
            alarmArns: [
                ...vaultAlarms.alarmArns,
                ...copyAlarms.alarmArns,
                ...replicationAlarms.alarmArns,
                ...validationAlarms,
                ...(organizationJobs ? [organizationJobs.alarm.arn] : []),
                ...(watched.automationAlarmArns ?? []),
            ],
        },
        inPrimary,
    );
    new AuditFramework(
        "audit",
        {
            frameworkName: "backup_account_vaults",
            reportPlanName: "backup_account_compliance",
            resourceTypes: ["DynamoDB"],
            reportBucketName: reports.name,
            reportKeyPrefix: BACKUP_ACCOUNT_AUDIT_PREFIX,
            controls: {
                manualDeletionDisabled: { exemptPrincipalArns: [breakGlassRoleArn] },
                vaultLock: {
                    minRetentionDays: cfg.centralVault.lock.minRetentionDays,
                    maxRetentionDays: cfg.centralVault.lock.maxRetentionDays,
                },
            },
        },
        inPrimary,
    );
    new ConfigRules(
        "config-rules",
        {
            namePrefix: "vat-backup",
            dynamoDbTables: false,
            lockedBucketName: archive.name,
            vaultsRefuseManualDeletion: { exemptPrincipalArns: [breakGlassRoleArn] },
            recorder: cfg.monitoring.createConfigRecorder
                ? {
                      accountId: cfg.accountId,
                      roleName: "vat-backup-config-recorder",
                      bucketName: reports.name,
                      bucketArn: reports.arn,
                      keyPrefix: BACKUP_ACCOUNT_CONFIG_PREFIX,
                      kmsKeyArn: archiveKey.arn,
                  }
                : undefined,
        },
        inPrimary,
    );
    return { dashboard };
}

/**
 * Tamper alarms in every region the stack covers: in the primary region each watched call alerts on
 * the stack's topic; in the second region (no topic in a deployment account) the calls are forwarded
 * to the primary region's default bus, where the same rules alert. Needs the organization trail.
 */
export function tamperAlarms(
    args: {
        environment: string;
        accountId: string;
        region: string;
        drRegion: string;
        alerts: AlertTopic;
        /** The DR region's own alert topic, where the stack has one (the backup account). */
        drAlerts?: AlertTopic;
        watched: { tableNames: string[]; bucketNames: string[] };
        drWatched: { tableNames: string[]; bucketNames: string[] };
    },
    inPrimary: pulumi.ComponentResourceOptions,
    inDr: pulumi.ComponentResourceOptions,
) {
    const namePrefix = naming.envName(args.environment, "backup");
    const primary = new TamperAlarms(
        "tamper-alarms",
        { namePrefix, watched: args.watched, destination: { alertTopicArn: args.alerts.arn } },
        inPrimary,
    );
    const dr = new TamperAlarms(
        "dr-tamper-alarms",
        {
            namePrefix,
            watched: args.drWatched,
            destination: args.drAlerts
                ? { alertTopicArn: args.drAlerts.arn }
                : {
                      forwardToBusArn: naming.arn("events", args.region, args.accountId, "event-bus/default"),
                      accountId: args.accountId,
                      // IAM role names are global: the stack's own region keeps them unique per stack
                      // (the DR region would not: two stacks may share a DR region).
                      forwardingRoleName: naming.deploymentRoleName(
                          args.environment,
                          args.region,
                          "backup-tamper-forward",
                      ),
                  },
        },
        inDr,
    );
    return { primary, dr };
}

/** The validator of a restore testing plan's restores (lambdas/validateRestore). */
function restoreValidation(
    args: {
        functionName: string;
        roleName: string;
        accountId: string;
        region: string;
        restoreTesting: RestoreTesting;
        validationWindowHours: number;
        validation: DeploymentConfig["monitoring"]["restoreValidation"];
        protectedTableArns: string[];
        alarmNamePrefix: string;
        alerts: AlertTopic;
    },
    inPrimary: pulumi.ComponentResourceOptions,
) {
    const lambda = lambdaPackage("lambdas/validateRestore/handler.ts");
    return new RestoreValidation(
        "restore-validation",
        {
            functionName: args.functionName,
            roleName: args.roleName,
            code: lambda.code,
            handler: lambda.handler,
            accountId: args.accountId,
            region: args.region,
            restoreTestingPlanArn: args.restoreTesting.plan.arn,
            tables: args.validation.tables,
            protectedTableArns: args.protectedTableArns,
            validationWindowHours: args.validationWindowHours,
            countCheckAfterHours: args.validation.countCheckAfterHours,
            itemCountTolerancePercent: args.validation.itemCountTolerancePercent,
            alarmNamePrefix: args.alarmNamePrefix,
            alertTopicArn: args.alerts.arn,
        },
        inPrimary,
    );
}
