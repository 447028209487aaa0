/**
 * A deployment account (prod, ci): phase 1 of the strategy.
 *
 * PITR on every table, AWS Backup into a local vault under the account's own key with daily,
 * weekly and monthly rules, copies of the daily and monthly points to the backup account's central
 * vault, replicas of the critical secrets in the DR region, and an exports bucket. Phase 3 watches
 * it: alarms and job events to the alert topic, a dashboard, restore tests, an audit framework and
 * Config rules.
 */
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../naming";
import { AlertTopic } from "../components/alerting/alertTopic";
import { CopyEventForwarding } from "../components/copy/copyEventForwarding";
import { TablePitr } from "../components/dynamodb/tablePitr";
import { S3Replication } from "../components/replication/s3Replication";
import { SecretReplica, replicaWritersKeyStatement } from "../components/secrets/secretReplica";
import { BackupKey } from "../components/kms/backupKey";
import { BackupPlan, BackupPlanRule } from "../components/plan/backupPlan";
import { BackupRegionSettings } from "../components/settings/backupRegionSettings";
import { ProtectedBucket } from "../components/storage/protectedBucket";
import { BackupVault } from "../components/vault/backupVault";
import { copyBackVaultPolicy } from "../components/vault/vaultPolicies";
import { reportDeliveryBucketStatements, reportDeliveryKeyStatements } from "../components/verification/auditFramework";
import { configDeliveryBucketStatements } from "../components/verification/configRules";
import { backupAccountTargets } from "./backupAccountWiring";
import { deploymentAutomation } from "./automation";
import { DeploymentConfig } from "./config";
import { githubOutputs, githubRoles } from "./github";
import { DEPLOYMENT_AUDIT_PREFIX, DEPLOYMENT_CONFIG_PREFIX, deploymentMonitoring, tamperAlarms } from "./monitoring";
import { awsProvider } from "./providers";

export function deploymentStack(cfg: DeploymentConfig) {
    const env = cfg.environment;
    const tags = { environment: env, ...cfg.tags };
    const primary = awsProvider(`${env}-${cfg.region}`, {
        accountId: cfg.accountId,
        region: cfg.region,
        deployRoleArn: cfg.deployRoleArn,
        tags,
    });
    const inPrimary = { provider: primary };
    const inDr = {
        provider: awsProvider(`${env}-${cfg.drRegion}`, {
            accountId: cfg.accountId,
            region: cfg.drRegion,
            deployRoleArn: cfg.deployRoleArn,
            tags,
        }),
    };
    const self = { accountId: cfg.accountId, region: cfg.region, assumeRoleArn: cfg.deployRoleArn };
    const central = cfg.backupAccount;
    // The central vault and archive, from config or (when configured) the backup stack's outputs.
    const { centralVaultArn, archiveBucketArn, drArchiveBucketArn } = backupAccountTargets(central);

    const alerts = new AlertTopic(
        "alerts",
        {
            topicName: naming.envName(env, "backup-alerts"),
            keyAlias: `alias/${naming.envName(env, "backup-alerts")}`,
            accountId: cfg.accountId,
            region: cfg.region,
            emails: cfg.alertEmails,
            protect: cfg.protectData,
        },
        inPrimary,
    );

    const key = new BackupKey(
        "backup-key",
        {
            description: `Encrypts ${env} backups and exports`,
            aliasName: `alias/${naming.envName(env, "backup")}`,
            accountId: cfg.accountId,
            region: cfg.region,
            viaServices: ["backup", "s3", "dynamodb"],
            crossAccount: [
                {
                    sid: "BackupAccountCopies",
                    accountIds: [central.accountId],
                    use: "copy",
                    viaServices: ["backup"],
                },
            ],
            extraStatements: reportDeliveryKeyStatements(cfg.accountId, cfg.region),
            protect: cfg.protectData,
        },
        inPrimary,
    );

    const vault = new BackupVault(
        "local-vault",
        {
            vaultName: naming.localVaultName(env),
            kmsKeyArn: key.arn,
            notificationTopicArn: alerts.arn,
            // Restoring from the backup account means copying back into this vault, then restoring here.
            accessPolicy: (arn) => copyBackVaultPolicy(central.accountId, arn),
            protect: cfg.protectData,
        },
        inPrimary,
    );

    new BackupRegionSettings(
        "backup-region-settings",
        { region: cfg.region, optInResourceTypes: ["DynamoDB"] },
        inPrimary,
    );

    const rules: BackupPlanRule[] = Object.entries(cfg.backupRules).map(([name, rule]) => ({
        name,
        schedule: rule.schedule,
        startWindowMinutes: rule.startWindowMinutes,
        completionWindowMinutes: rule.completionWindowMinutes,
        lifecycle: rule.lifecycle,
        copies: rule.copyToBackupAccount
            ? [{ destinationVaultArn: centralVaultArn, lifecycle: rule.copyToBackupAccount }]
            : [],
    }));
    const plan = new BackupPlan(
        "backup-plan",
        {
            planName: naming.envName(env, "backup-plan"),
            vaultName: vault.name,
            rules,
            resourceArns: cfg.tables.map((table) =>
                naming.arn("dynamodb", cfg.region, cfg.accountId, `table/${table}`),
            ),
            selectionTag: cfg.selectionTag,
            roleName: naming.backupServiceRoleName(env, cfg.region),
        },
        inPrimary,
    );

    // The app's tables and secrets belong to another tool: keep PITR on and DR-region replicas present.
    // A table or secret not there yet (an account rebuilt before its restore) is pending until it appears.
    const pitrs = cfg.tables.map(
        (table) =>
            new TablePitr(`pitr-${table}`, {
                ...self,
                tableName: table,
                recoveryPeriodDays: cfg.pitrRecoveryPeriodDays,
            }),
    );
    const secretsKey = new BackupKey(
        "secrets-dr-key",
        {
            description: `Encrypts ${env} secret replicas in ${cfg.drRegion}`,
            aliasName: naming.secretReplicaKeyAlias(env),
            accountId: cfg.accountId,
            region: cfg.drRegion,
            viaServices: ["secretsmanager"],
            extraStatements: [replicaWritersKeyStatement(cfg.accountId, [cfg.region, cfg.drRegion])],
            protect: cfg.protectData,
        },
        inDr,
    );
    const replicas = cfg.secrets
        .filter((s) => s.critical)
        .map(
            (secret) =>
                new SecretReplica(`replica-${secret.name.replace(/[^A-Za-z0-9-]/g, "-")}`, {
                    ...self,
                    secretId: secret.name,
                    replicaRegion: cfg.drRegion,
                    replicaKmsKeyId: secretsKey.arn,
                }),
        );

    const exportsBucket = new ProtectedBucket(
        "exports",
        {
            bucketName: naming.exportsBucketName(env, cfg.accountId, cfg.region),
            kmsKeyArn: key.arn,
            lifecycle: cfg.exportsBucket,
            policyStatements: (arn) => [
                ...reportDeliveryBucketStatements(arn, cfg.accountId, DEPLOYMENT_AUDIT_PREFIX),
                ...(cfg.monitoring.createConfigRecorder
                    ? configDeliveryBucketStatements(arn, cfg.accountId, DEPLOYMENT_CONFIG_PREFIX)
                    : []),
            ],
            protect: cfg.protectData,
        },
        inPrimary,
    );

    // One rule per archive: S3 does not replicate a replica onward, so the DR-region archive gets
    // each export straight from this bucket, not from the primary archive.
    const archiveIn = (region: string, bucketArn: pulumi.Input<string>, ruleId: string) => ({
        ruleId,
        bucketArn,
        accountId: central.accountId,
        region,
        kmsKeyArn: naming.archiveKeyAliasArn(central.accountId, region),
        kmsKeyAlias: naming.ARCHIVE_KEY_ALIAS,
    });
    new S3Replication(
        "exports-replication",
        {
            source: {
                bucketName: exportsBucket.name,
                bucketArn: exportsBucket.arn,
                kmsKeyArn: key.arn,
                accountId: cfg.accountId,
                region: cfg.region,
            },
            sourceVersioning: exportsBucket.versioning,
            destinations: [
                archiveIn(central.region, archiveBucketArn, naming.EXPORTS_REPLICATION_RULE_ID),
                archiveIn(central.drRegion, drArchiveBucketArn, naming.EXPORTS_DR_REPLICATION_RULE_ID),
            ],
            roleName: naming.replicationRoleName(env, cfg.region),
        },
        inPrimary,
    );
    new CopyEventForwarding(
        "copy-events",
        {
            accountId: cfg.accountId,
            centralVaultArn,
            targetEventBusArn: naming.backupAccountEventBusArn(central.accountId, central.region),
            roleName: naming.deploymentRoleName(env, cfg.region, "copy-event-forwarding"),
            states: ["COMPLETED", "FAILED"],
        },
        inPrimary,
    );

    // No person in the loop: secret escrow, user-pool and table exports on AWS's schedules.
    const automation = deploymentAutomation(
        cfg,
        {
            exportsBucketName: exportsBucket.name,
            exportsBucketArn: exportsBucket.arn,
            exportsKeyArn: key.arn,
            alertTopicArn: alerts.arn,
        },
        inPrimary,
    );

    // Phase 3: alarms and job events to the alert topic, a dashboard, verification inside AWS.
    const watch = deploymentMonitoring(
        cfg,
        { vault, alerts, exportsBucket, key, rules, automationAlarmArns: automation.alarmArns },
        inPrimary,
    );
    tamperAlarms(
        {
            ...cfg,
            alerts,
            watched: {
                tableNames: cfg.tables,
                bucketNames: [naming.exportsBucketName(env, cfg.accountId, cfg.region)],
            },
            drWatched: { tableNames: [], bucketNames: [] },
        },
        inPrimary,
        inDr,
    );

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
        // What the rebuilt account still waits for (runbook, lost account): empty once taken over.
        pendingTables: pendingNames(
            pitrs.map((p) => ({ name: p.tableName, pending: p.tableExists.apply((e) => e === false) })),
        ),
        pendingSecrets: pendingNames(
            replicas.map((r) => ({
                name: r.secretId,
                pending: r.replicaStatus.apply((s) => s === "SecretNotFound" || s === "NotPrimary"),
            })),
        ),
        dashboardName: watch.dashboard.dashboard.dashboardName,
        auditFrameworkArn: watch.audit.framework.arn,
    };
}

/** The names whose resource is pending (its table or secret does not exist yet). */
function pendingNames(
    items: { name: pulumi.Output<string>; pending: pulumi.Output<boolean> }[],
): pulumi.Output<string[]> {
    return pulumi
        .all(items.map((i) => pulumi.all([i.name, i.pending])))
        .apply((pairs) => pairs.filter(([, pending]) => pending).map(([name]) => name));
}
