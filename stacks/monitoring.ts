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
import { BackupPlanRule } from "../components/plan/backupPlan";
import { ProtectedBucket } from "../components/storage/protectedBucket";
import { AuditFramework, frequencyOf } from "../components/verification/auditFramework";
import { ConfigRules } from "../components/verification/configRules";
import { RestoreTesting, underscored } from "../components/verification/restoreTesting";
import { BackupVault } from "../components/vault/backupVault";
import { scheduleIntervalHours } from "../aws/rules";
import { BackupConfig, DeploymentConfig } from "./config";

/** Where Audit Manager reports and AWS Config snapshots land in the exports bucket (and the archive). */
export const DEPLOYMENT_AUDIT_PREFIX = "backup-audit";
export const DEPLOYMENT_CONFIG_PREFIX = "aws-config";
export const BACKUP_ACCOUNT_AUDIT_PREFIX = "backup-account-audit";

export interface DeploymentWatched {
    vault: BackupVault;
    alerts: AlertTopic;
    exportsBucket: ProtectedBucket;
    /** Encrypts what AWS Config delivers into the exports bucket. */
    key: BackupKey;
    rules: BackupPlanRule[];
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
    const backupAlarms = new BackupAlarms(
        "backup-alarms",
        {
            alarmNamePrefix,
            vaultName: vault.name,
            alertTopicArn: alerts.arn,
            backupRules: rules,
            watchCopies: rules.some((r) => r.copies.length > 0),
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
    new BackupJobEvents("backup-job-events", { namePrefix: alarmNamePrefix, alertTopicArn: alerts.arn }, inPrimary);
    const dashboard = new OperationsDashboard(
        "operations-dashboard",
        {
            dashboardName: naming.envName(env, "backup-operations"),
            title: `# ${env}: backups, copies to the backup account, restores, exports replication`,
            vaultName: vault.name,
            replication: replicated,
            alarmArns: [...backupAlarms.alarmArns, ...replicationAlarms.alarmArns],
        },
        inPrimary,
    );
    const restoreTables = mon.restoreTest.tables ?? cfg.tables.filter((t) => t.endsWith("-receipts"));
    if (restoreTables.length) {
        new RestoreTesting(
            "restore-testing",
            {
                ...mon.restoreTest,
                planName: `${underscored(env)}_critical_tables`,
                selectionName: `${underscored(env)}_critical_tables`,
                roleName: naming.envName(env, "backup-restore-testing"),
                vaultArns: [vault.arn],
                tableArns: restoreTables.map((t) => naming.arn("dynamodb", cfg.region, cfg.accountId, `table/${t}`)),
            },
            inPrimary,
        );
    }
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
                      roleName: naming.envName(env, "backup-config-recorder"),
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
    alerts: AlertTopic;
    secondRegionCopy: SecondRegionCopy;
    archive: ProtectedBucket;
    drArchive: ProtectedBucket;
}

export function backupAccountMonitoring(
    cfg: BackupConfig,
    watched: BackupAccountWatched,
    inPrimary: pulumi.ComponentResourceOptions,
) {
    const { centralVault, alerts, secondRegionCopy, archive, drArchive } = watched;
    const vaultAlarms = new BackupAlarms(
        "central-vault-alarms",
        {
            alarmNamePrefix: "vat-backup-central-vault",
            vaultName: centralVault.name,
            alertTopicArn: alerts.arn,
            watchCopies: true,
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
    const dashboard = new OperationsDashboard(
        "operations-dashboard",
        {
            dashboardName: "vat-backup-backup-account",
            title: "# Backup account: copies to the DR region, restore tests, archive replication",
            vaultName: centralVault.name,
            backupJobs: false,
            replication: archived,
            copyFunction,
            alarmArns: [
                ...vaultAlarms.alarmArns,
                ...copyAlarms.alarmArns,
                ...replicationAlarms.alarmArns,
                ...(organizationJobs ? [organizationJobs.alarm.arn] : []),
            ],
        },
        inPrimary,
    );
    const restoreTest = cfg.monitoring.restoreTest;
    new RestoreTesting(
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
    new AuditFramework(
        "audit",
        {
            frameworkName: "backup_account_vaults",
            reportPlanName: "backup_account_compliance",
            resourceTypes: ["DynamoDB"],
            reportBucketName: archive.name,
            reportKeyPrefix: BACKUP_ACCOUNT_AUDIT_PREFIX,
            controls: {
                manualDeletionDisabled: true,
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
            vaultsRefuseManualDeletion: true,
        },
        inPrimary,
    );
    return { dashboard };
}
