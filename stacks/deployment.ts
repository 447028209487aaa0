/**
 * A deployment account (prod, ci): phase 1 of the strategy.
 *
 * PITR on every table, AWS Backup into a local vault under the account's own key with daily,
 * weekly and monthly rules, copies of the daily and monthly points to the backup account's central
 * vault, replicas of the critical secrets in the DR region, and an exports bucket. Phase 3 watches
 * it: alarms and job events to the alert topic, a dashboard, restore tests, an audit framework and
 * Config rules.
 */
import * as naming from "../naming";
import { AlertTopic } from "../components/alerting/alertTopic";
import { CopyEventForwarding } from "../components/copy/copyEventForwarding";
import { TablePitr } from "../components/dynamodb/tablePitr";
import { S3Replication } from "../components/replication/s3Replication";
import { SecretReplica } from "../components/secrets/secretReplica";
import { BackupKey } from "../components/kms/backupKey";
import { BackupPlan, BackupPlanRule } from "../components/plan/backupPlan";
import { BackupRegionSettings } from "../components/settings/backupRegionSettings";
import { ProtectedBucket } from "../components/storage/protectedBucket";
import { BackupVault } from "../components/vault/backupVault";
import { copyBackVaultPolicy } from "../components/vault/vaultPolicies";
import { BackupAlarms, noRecentBackupWindow } from "../components/monitoring/backupAlarms";
import { BackupJobEvents } from "../components/monitoring/backupJobEvents";
import { OperationsDashboard } from "../components/monitoring/operationsDashboard";
import { ReplicationAlarms } from "../components/monitoring/replicationAlarms";
import { AuditFramework, frequencyOf, reportDeliveryBucketStatements, reportDeliveryKeyStatements } from "../components/verification/auditFramework";
import { ConfigRules, configDeliveryBucketStatements } from "../components/verification/configRules";
import { RestoreTesting, underscored } from "../components/verification/restoreTesting";
import { scheduleIntervalHours } from "./config/awsRules";
import { DeploymentConfig } from "./config";
import { githubOutputs, githubRoles } from "./github";
import { awsProvider } from "./providers";

export function deploymentStack(cfg: DeploymentConfig) {
    const env = cfg.environment;
    const tags = { environment: env, ...cfg.tags };
    const primary = awsProvider(`${env}-${cfg.region}`, { accountId: cfg.accountId, region: cfg.region, deployRoleArn: cfg.deployRoleArn, tags });
    const inPrimary = { provider: primary };
    const inDr = { provider: awsProvider(`${env}-${cfg.drRegion}`, { accountId: cfg.accountId, region: cfg.drRegion, deployRoleArn: cfg.deployRoleArn, tags }) };
    const self = { accountId: cfg.accountId, region: cfg.region, assumeRoleArn: cfg.deployRoleArn };
    const central = cfg.backupAccount;
    const centralVaultArn = naming.centralVaultArn(central.accountId, central.region, central.vaultName);
    const mon = cfg.monitoring;
    const auditPrefix = "backup-audit";
    const configPrefix = "aws-config";

    const alerts = new AlertTopic("alerts", {
        topicName: naming.envName(env, "backup-alerts"),
        keyAlias: `alias/${naming.envName(env, "backup-alerts")}`,
        accountId: cfg.accountId,
        region: cfg.region,
        emails: cfg.alertEmails,
        protect: cfg.protectData,
    }, inPrimary);

    const key = new BackupKey("backup-key", {
        description: `Encrypts ${env} backups and exports`,
        aliasName: `alias/${naming.envName(env, "backup")}`,
        accountId: cfg.accountId,
        region: cfg.region,
        viaServices: ["backup", "s3", "dynamodb"],
        crossAccount: [{ sid: "BackupAccountReadsCopies", accountIds: [central.accountId], use: "decrypt", viaServices: ["backup"] }],
        extraStatements: reportDeliveryKeyStatements(cfg.accountId, cfg.region),
        protect: cfg.protectData,
    }, inPrimary);

    const vault = new BackupVault("local-vault", {
        vaultName: naming.localVaultName(env),
        kmsKeyArn: key.arn,
        notificationTopicArn: alerts.arn,
        // Restoring from the backup account means copying back into this vault, then restoring here.
        accessPolicy: (arn) => copyBackVaultPolicy(central.accountId, arn),
        protect: cfg.protectData,
    }, inPrimary);

    new BackupRegionSettings("backup-region-settings", { optInResourceTypes: ["DynamoDB"] }, inPrimary);

    const rules: BackupPlanRule[] = Object.entries(cfg.backupRules).map(([name, rule]) => ({
        name,
        schedule: rule.schedule,
        startWindowMinutes: rule.startWindowMinutes,
        completionWindowMinutes: rule.completionWindowMinutes,
        lifecycle: rule.lifecycle,
        copies: rule.copyToBackupAccount ? [{ destinationVaultArn: centralVaultArn, lifecycle: rule.copyToBackupAccount }] : [],
    }));
    const plan = new BackupPlan("backup-plan", {
        planName: naming.envName(env, "backup-plan"),
        vaultName: vault.name,
        rules,
        resourceArns: cfg.tables.map((table) => naming.arn("dynamodb", cfg.region, cfg.accountId, `table/${table}`)),
        selectionTag: cfg.selectionTag,
        roleName: naming.backupServiceRoleName(env),
    }, inPrimary);

    // The app's tables and secrets belong to another tool: keep PITR on and DR-region replicas present.
    for (const table of cfg.tables) new TablePitr(`pitr-${table}`, { ...self, tableName: table, recoveryPeriodDays: cfg.pitrRecoveryPeriodDays });
    const secretsKey = new BackupKey("secrets-dr-key", {
        description: `Encrypts ${env} secret replicas in ${cfg.drRegion}`,
        aliasName: `alias/${naming.envName(env, "secret-replicas")}`,
        accountId: cfg.accountId,
        region: cfg.drRegion,
        viaServices: ["secretsmanager"],
        protect: cfg.protectData,
    }, inDr);
    for (const secret of cfg.secrets.filter((s) => s.critical)) {
        new SecretReplica(`replica-${secret.name.replace(/[^A-Za-z0-9-]/g, "-")}`, { ...self, secretId: secret.name, replicaRegion: cfg.drRegion, replicaKmsKeyId: secretsKey.arn });
    }

    const exportsBucket = new ProtectedBucket("exports", {
        bucketName: naming.exportsBucketName(env, cfg.accountId, cfg.region),
        kmsKeyArn: key.arn,
        lifecycle: cfg.exportsBucket,
        policyStatements: (arn) => [
            ...reportDeliveryBucketStatements(arn, cfg.accountId, auditPrefix),
            ...(mon.createConfigRecorder ? configDeliveryBucketStatements(arn, cfg.accountId, configPrefix) : []),
        ],
        protect: cfg.protectData,
    }, inPrimary);

    new S3Replication("exports-replication", {
        source: { bucketName: exportsBucket.name, bucketArn: exportsBucket.arn, kmsKeyArn: key.arn, accountId: cfg.accountId, region: cfg.region },
        sourceVersioning: exportsBucket.versioning,
        destination: {
            bucketArn: naming.archiveBucketArn(central.accountId, central.region),
            accountId: central.accountId,
            region: central.region,
            kmsKeyArn: naming.archiveKeyAliasArn(central.accountId, central.region),
            kmsKeyAlias: naming.ARCHIVE_KEY_ALIAS,
        },
        roleName: naming.replicationRoleName(env),
        ruleId: naming.EXPORTS_REPLICATION_RULE_ID,
    }, inPrimary);
    new CopyEventForwarding("copy-events", {
        accountId: cfg.accountId,
        centralVaultArn,
        targetEventBusArn: naming.backupAccountEventBusArn(central.accountId, central.region),
        roleName: naming.envName(env, "copy-event-forwarding"),
        states: ["COMPLETED", "FAILED"],
    }, inPrimary);

    // Phase 3: alarms and job events to the alert topic, a dashboard, verification inside AWS.
    const alarmNamePrefix = naming.envName(env, "backup");
    const backupAlarms = new BackupAlarms("backup-alarms", { alarmNamePrefix, vaultName: vault.name, alertTopicArn: alerts.arn, backupRules: rules, watchCopies: rules.some((r) => r.copies.length > 0) }, inPrimary);
    const replicated = { sourceBucket: exportsBucket.name, destinationBucket: naming.archiveBucketName(central.accountId, central.region), ruleId: naming.EXPORTS_REPLICATION_RULE_ID };
    const replicationAlarms = new ReplicationAlarms("exports-replication-alarms", { alarmNamePrefix: naming.envName(env, "exports"), ...replicated, alertTopicArn: alerts.arn }, inPrimary);
    new BackupJobEvents("backup-job-events", { namePrefix: alarmNamePrefix, alertTopicArn: alerts.arn }, inPrimary);
    const dashboard = new OperationsDashboard("operations-dashboard", {
        dashboardName: naming.envName(env, "backup-operations"), title: `# ${env}: backups, copies to the backup account, restores, exports replication`,
        vaultName: vault.name, replication: replicated, alarmArns: [...backupAlarms.alarmArns, ...replicationAlarms.alarmArns],
    }, inPrimary);
    const restoreTables = mon.restoreTest.tables ?? cfg.tables.filter((t) => t.endsWith("-receipts"));
    if (restoreTables.length) {
        new RestoreTesting("restore-testing", {
            ...mon.restoreTest, planName: `${underscored(env)}_critical_tables`, selectionName: `${underscored(env)}_critical_tables`, roleName: naming.envName(env, "backup-restore-testing"),
            vaultArns: [vault.arn], tableArns: restoreTables.map((t) => naming.arn("dynamodb", cfg.region, cfg.accountId, `table/${t}`)),
        }, inPrimary);
    }
    const mostFrequent = [...rules].sort((a, b) => scheduleIntervalHours(a.schedule) - scheduleIntervalHours(b.schedule))[0];
    const audit = new AuditFramework("audit", {
        frameworkName: `${underscored(env)}_backup_strategy`, reportPlanName: `${underscored(env)}_backup_compliance`, resourceTypes: ["DynamoDB"], reportBucketName: exportsBucket.name, reportKeyPrefix: auditPrefix,
        controls: {
            crossAccountIds: [central.accountId],
            plan: {
                minimumFrequency: frequencyOf(scheduleIntervalHours(mostFrequent.schedule)), minimumRetentionDays: mostFrequent.lifecycle.deleteAfterDays,
                lastRecoveryPointMaxAge: { unit: "hours", value: mon.maxRecoveryPointAgeHours ?? noRecentBackupWindow(rules).windowHours },
            },
        },
    }, inPrimary);
    new ConfigRules("config-rules", {
        namePrefix: alarmNamePrefix, dynamoDbTables: true, replicatedBucketName: exportsBucket.name,
        recorder: mon.createConfigRecorder ? { accountId: cfg.accountId, roleName: naming.envName(env, "backup-config-recorder"), bucketName: exportsBucket.name, bucketArn: exportsBucket.arn, keyPrefix: configPrefix, kmsKeyArn: key.arn } : undefined,
    }, inPrimary);

    const github = githubRoles(cfg, [cfg.region, cfg.drRegion], inPrimary);

    return {
        ...githubOutputs(github),
        accountId: cfg.accountId,
        region: cfg.region,
        vaultName: vault.name,
        vaultArn: vault.arn,
        backupKeyArn: key.arn,
        backupKeyId: key.keyId,
        alertTopicArn: alerts.arn,
        alertTopicName: alerts.topic.name,
        exportsBucketName: exportsBucket.name,
        exportsBucketArn: exportsBucket.arn,
        backupPlanId: plan.id,
        backupPlanArn: plan.arn,
        backupRoleArn: plan.role.arn,
        centralVaultArn,
        dashboardName: dashboard.dashboard.dashboardName,
        auditFrameworkArn: audit.framework.arn,
    };
}
