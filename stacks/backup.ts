/**
 * The dedicated backup account: phase 2 of the strategy.
 *
 * A write-once central vault receiving every deployment account's copies, a DR vault in the second
 * region filled by an automated copy, an optional logically air-gapped vault, and an Object Lock
 * archive receiving the exports by S3 replication, itself replicated to the DR region. Phase 3
 * watches it: alarms on copies out, the copy function and the archive replication, job events,
 * a dashboard, restore tests of the copies, an audit framework and Config rules.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../naming";
import { BackupAccountRoles } from "../components/access/backupAccountRoles";
import { AlertTopic } from "../components/alerting/alertTopic";
import { SecondRegionCopy } from "../components/copy/secondRegionCopy";
import { BackupKey, CrossAccountKeyUse } from "../components/kms/backupKey";
import { secretEscrowKeyStatements } from "../components/kms/secretEscrowKeyPolicy";
import { S3Replication } from "../components/replication/s3Replication";
import { BackupRegionSettings } from "../components/settings/backupRegionSettings";
import {
    exportReaderKeyStatement,
    exportReaderStatements,
    replicationWriterStatements,
} from "../components/storage/archiveGrants";
import { ProtectedBucket } from "../components/storage/protectedBucket";
import { AirGappedVault } from "../components/vault/airGappedVault";
import { AirGappedVaultShare } from "../components/vault/airGappedVaultShare";
import { BackupVault } from "../components/vault/backupVault";
import { centralVaultPolicy, drVaultPolicy } from "../components/vault/vaultPolicies";
import { reportDeliveryBucketStatements, reportDeliveryKeyStatements } from "../components/verification/auditFramework";
import { configDeliveryBucketStatements } from "../components/verification/configRules";
import { EvidencePack } from "../components/verification/evidencePack";
import { PolicyStatement } from "../components/iam/policyDocument";
import { lambdaPackage } from "../lambdas/package";
import { BackupConfig } from "./config";
import { githubOutputs, githubRoles } from "./github";
import {
    BACKUP_ACCOUNT_AUDIT_PREFIX,
    BACKUP_ACCOUNT_CONFIG_PREFIX,
    backupAccountMonitoring,
    tamperAlarms,
} from "./monitoring";
import { awsProvider } from "./providers";
import { DR_RESTORE_ROLE_NAME } from "../naming/organization";

/**
 * The DR tool seals critical secrets with data keys of the archive key, outside S3: allowed only
 * under the escrow context and only for principals of this account (their IAM policies decide who).
 */
function secretEscrowKeyStatement(accountId: string): PolicyStatement {
    return {
        Sid: "SecretEscrowEnvelope",
        Effect: "Allow",
        Principal: { AWS: naming.accountRootArn(accountId) },
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: "*",
        Condition: {
            StringEquals: {
                "kms:EncryptionContext:purpose": naming.SECRET_ESCROW_PURPOSE,
                "kms:CallerAccount": accountId,
            },
        },
    };
}

export function backupStack(cfg: BackupConfig) {
    const tags = { environment: cfg.environment, ...cfg.tags };
    const inPrimary = {
        provider: awsProvider(`backup-${cfg.region}`, {
            accountId: cfg.accountId,
            region: cfg.region,
            deployRoleArn: cfg.deployRoleArn,
            tags,
        }),
    };
    const inDr = {
        provider: awsProvider(`backup-${cfg.drRegion}`, {
            accountId: cfg.accountId,
            region: cfg.drRegion,
            deployRoleArn: cfg.deployRoleArn,
            tags,
        }),
    };
    const protect = cfg.protectData;
    const accountIds = cfg.deploymentAccounts.map((a) => a.accountId);
    const breakGlassRoleArn = naming.iamRoleArn(cfg.accountId, cfg.breakGlassRoleName);
    // Each deployment stack's replication role, whichever region it runs in (role names end in the region).
    const replicationRoles = cfg.deploymentAccounts.map((a) =>
        naming.replicationRoleArnPattern(a.accountId, a.environment),
    );
    const replicationWriters = { accountIds, organizationId: cfg.organizationId, roleArns: replicationRoles };
    // Each deployment account's DR restore role reads the table exports (dr restore-from-export).
    const exportReaders = {
        accountIds,
        organizationId: cfg.organizationId,
        roleArns: accountIds.map((a) => `${naming.iamRoleArn(a, DR_RESTORE_ROLE_NAME)}*`),
    };
    // Each archive key lets the deployment accounts' replication roles encrypt, only through S3 of its region.
    const replicationRolesEncrypt: CrossAccountKeyUse = {
        sid: "ReplicationRolesEncrypt",
        accountIds,
        principals: replicationRoles,
        use: "encrypt",
        viaServices: ["s3"],
    };

    const roles = new BackupAccountRoles(
        "access",
        {
            accountId: cfg.accountId,
            regions: [cfg.region, cfg.drRegion],
            copyRoleName: naming.BACKUP_ACCOUNT_SERVICE_ROLE_NAME,
            copyBackRoleName: naming.COPY_BACK_ROLE_NAME,
            breakGlassRoleName: cfg.breakGlassRoleName,
        },
        inPrimary,
    );

    const alerts = new AlertTopic(
        "alerts",
        {
            topicName: "backup-account-alerts",
            keyAlias: "alias/backup-account-alerts",
            accountId: cfg.accountId,
            region: cfg.region,
            emails: cfg.alertEmails,
            protect,
        },
        inPrimary,
    );
    const drAlerts = new AlertTopic(
        "dr-alerts",
        {
            topicName: "backup-account-alerts",
            keyAlias: "alias/backup-account-alerts",
            accountId: cfg.accountId,
            region: cfg.drRegion,
            emails: cfg.alertEmails,
            protect,
        },
        inDr,
    );

    new BackupRegionSettings(
        "backup-region-settings",
        { region: cfg.region, optInResourceTypes: ["DynamoDB"] },
        inPrimary,
    );
    new BackupRegionSettings(
        "dr-backup-region-settings",
        { region: cfg.drRegion, optInResourceTypes: ["DynamoDB"] },
        inDr,
    );

    const centralKey = new BackupKey(
        "central-key",
        {
            description: "Encrypts the central backup vault",
            aliasName: "alias/vat-backup-central-vault",
            accountId: cfg.accountId,
            region: cfg.region,
            viaServices: ["backup"],
            // Copies in and copies back to a deployment account both use this key across accounts.
            crossAccount: [{ sid: "DeploymentAccountsCopies", accountIds, use: "copy", viaServices: ["backup"] }],
            protect,
        },
        inPrimary,
    );
    const centralVault = new BackupVault(
        "central-vault",
        {
            vaultName: cfg.centralVault.name,
            kmsKeyArn: centralKey.arn,
            notificationTopicArn: alerts.arn,
            accessPolicy: (arn) =>
                centralVaultPolicy(
                    {
                        organizationId: cfg.organizationId,
                        deploymentAccountIds: accountIds,
                        breakGlassRoleArn,
                        copyingOus: cfg.policyCoveredOus,
                    },
                    arn,
                ),
            lock: cfg.centralVault.lock,
            protect,
        },
        inPrimary,
    );

    const drKey = new BackupKey(
        "dr-key",
        {
            description: "Encrypts the DR backup vault",
            aliasName: "alias/vat-backup-dr-vault",
            accountId: cfg.accountId,
            region: cfg.drRegion,
            viaServices: ["backup"],
            crossAccount: [{ sid: "DeploymentAccountsCopies", accountIds, use: "copy", viaServices: ["backup"] }],
            protect,
        },
        inDr,
    );
    const drVault = new BackupVault(
        "dr-vault",
        {
            vaultName: cfg.drVault.name,
            kmsKeyArn: drKey.arn,
            notificationTopicArn: drAlerts.arn,
            accessPolicy: () => drVaultPolicy(breakGlassRoleArn),
            lock: cfg.drVault.lock,
            protect,
        },
        inDr,
    );

    // The deployment accounts' scheduled escrows are sealed under this key: they can encrypt, never decrypt.
    new BackupKey(
        "secret-escrow-key",
        {
            description: "Seals the deployment accounts' secret escrows (they may only encrypt)",
            aliasName: naming.SECRET_ESCROW_KEY_ALIAS,
            accountId: cfg.accountId,
            region: cfg.region,
            viaServices: [],
            extraStatements: secretEscrowKeyStatements({
                backupAccountId: cfg.accountId,
                organizationId: cfg.organizationId,
                // Every regional stack of each deployment: its escrow role ends in its region.
                escrowRoleArns: cfg.deploymentAccounts.map((a) =>
                    naming.secretEscrowRoleArnPattern(a.accountId, a.environment),
                ),
            }),
            protect,
        },
        inPrimary,
    );

    const lambda = lambdaPackage("lambdas/copyToDrRegion/handler.ts");
    const secondRegionCopy = new SecondRegionCopy(
        "dr-copy",
        {
            functionName: "vat-backup-copy-to-dr-region",
            code: lambda.code,
            handler: lambda.handler,
            accountId: cfg.accountId,
            region: cfg.region,
            centralVaultArn: centralVault.arn,
            drVaultArn: drVault.arn,
            copyRoleArn: roles.copyRole.arn,
            forwardingAccountIds: accountIds,
            forwardingOus: cfg.policyCoveredOus,
            organizationId: cfg.organizationId,
        },
        inPrimary,
    );

    const airGapped = cfg.airGappedVault.enabled
        ? new AirGappedVault(
              "air-gapped-vault",
              {
                  vaultName: cfg.airGappedVault.name,
                  minRetentionDays: cfg.airGappedVault.minRetentionDays,
                  maxRetentionDays: cfg.airGappedVault.maxRetentionDays,
                  protect,
              },
              inPrimary,
          )
        : undefined;
    // The deployment accounts and the OUs of the organization backup policy copy into it too.
    if (airGapped)
        new aws.backup.VaultPolicy(
            "air-gapped-vault-policy",
            {
                backupVaultName: airGapped.vault.name,
                policy: airGapped.arn.apply((arn) =>
                    JSON.stringify(
                        centralVaultPolicy(
                            {
                                organizationId: cfg.organizationId,
                                deploymentAccountIds: accountIds,
                                breakGlassRoleArn,
                                copyingOus: cfg.policyCoveredOus,
                            },
                            arn,
                        ),
                    ),
                ),
            },
            { ...inPrimary, parent: airGapped },
        );
    // The restore path that survives a lost backup account: the vault shared with recovery accounts.
    if (airGapped && cfg.airGappedVault.recoveryAccountIds.length > 0)
        new AirGappedVaultShare(
            "air-gapped-vault-share",
            {
                vaultArn: airGapped.arn,
                shareName: `${cfg.airGappedVault.name}-recovery`,
                recoveryAccountIds: cfg.airGappedVault.recoveryAccountIds,
            },
            inPrimary,
        );

    const archiveKey = new BackupKey(
        "archive-key",
        {
            description: "Encrypts the exports archive",
            aliasName: naming.ARCHIVE_KEY_ALIAS,
            accountId: cfg.accountId,
            region: cfg.region,
            viaServices: ["s3"],
            crossAccount: [replicationRolesEncrypt],
            extraStatements: [
                ...reportDeliveryKeyStatements(cfg.accountId, cfg.region),
                secretEscrowKeyStatement(cfg.accountId),
                exportReaderKeyStatement(cfg.region, exportReaders),
            ],
            protect,
        },
        inPrimary,
    );
    const archive = new ProtectedBucket(
        "archive",
        {
            bucketName: naming.archiveBucketName(cfg.accountId, cfg.region),
            kmsKeyArn: archiveKey.arn,
            objectLockDays: cfg.archiveRetentionDays,
            policyStatements: (arn) => [
                ...replicationWriterStatements(arn, replicationWriters),
                ...exportReaderStatements(arn, exportReaders),
            ],
            protect,
        },
        inPrimary,
    );

    // Audit Manager reports and Config snapshots: delivered into a bucket without Object Lock (see
    // naming.reportsBucketName), replicated into the archive, where Object Lock keeps them.
    const reports = new ProtectedBucket(
        "reports",
        {
            bucketName: naming.reportsBucketName(cfg.accountId, cfg.region),
            kmsKeyArn: archiveKey.arn,
            policyStatements: (arn) => [
                ...reportDeliveryBucketStatements(arn, cfg.accountId, BACKUP_ACCOUNT_AUDIT_PREFIX),
                ...(cfg.monitoring.createConfigRecorder
                    ? configDeliveryBucketStatements(arn, cfg.accountId, BACKUP_ACCOUNT_CONFIG_PREFIX)
                    : []),
            ],
            protect,
        },
        inPrimary,
    );

    const drArchiveKey = new BackupKey(
        "dr-archive-key",
        {
            description: "Encrypts the DR copy of the exports archive",
            aliasName: naming.ARCHIVE_KEY_ALIAS,
            accountId: cfg.accountId,
            region: cfg.drRegion,
            viaServices: ["s3"],
            crossAccount: [replicationRolesEncrypt],
            extraStatements: [exportReaderKeyStatement(cfg.drRegion, exportReaders)],
            protect,
        },
        inDr,
    );
    const drArchive = new ProtectedBucket(
        "dr-archive",
        {
            bucketName: naming.archiveBucketName(cfg.accountId, cfg.drRegion),
            kmsKeyArn: drArchiveKey.arn,
            objectLockDays: cfg.archiveRetentionDays,
            // The deployment accounts replicate into this archive directly (a replica is not replicated onward).
            policyStatements: (arn) => [
                ...replicationWriterStatements(arn, replicationWriters),
                ...exportReaderStatements(arn, exportReaders),
            ],
            protect,
        },
        inDr,
    );
    // Audit reports and Config snapshots reach both archives, where Object Lock keeps them.
    new S3Replication(
        "reports-replication",
        {
            source: {
                bucketName: reports.name,
                bucketArn: reports.arn,
                kmsKeyArn: archiveKey.arn,
                accountId: cfg.accountId,
                region: cfg.region,
            },
            sourceVersioning: reports.versioning,
            // Straight into both archives: S3 does not replicate the archive's replicas onward.
            destinations: [
                {
                    ruleId: naming.REPORTS_REPLICATION_RULE_ID,
                    bucketArn: archive.arn,
                    accountId: cfg.accountId,
                    region: cfg.region,
                    kmsKeyArn: archiveKey.arn,
                },
                {
                    ruleId: naming.REPORTS_DR_REPLICATION_RULE_ID,
                    bucketArn: drArchive.arn,
                    accountId: cfg.accountId,
                    region: cfg.drRegion,
                    kmsKeyArn: drArchiveKey.arn,
                },
            ],
            roleName: "vat-backup-reports-replication",
        },
        { ...inPrimary, dependsOn: [archive.versioning, drArchive.versioning] },
    );

    new S3Replication(
        "archive-replication",
        {
            source: {
                bucketName: archive.name,
                bucketArn: archive.arn,
                kmsKeyArn: archiveKey.arn,
                accountId: cfg.accountId,
                region: cfg.region,
            },
            sourceVersioning: archive.versioning,
            // Carries what is written into the archive itself; the deployment accounts' replicas are
            // not replicated onward by S3, which is why they replicate into the DR archive directly.
            destinations: [
                {
                    ruleId: naming.ARCHIVE_REPLICATION_RULE_ID,
                    bucketArn: drArchive.arn,
                    accountId: cfg.accountId,
                    region: cfg.drRegion,
                    kmsKeyArn: drArchiveKey.arn,
                },
            ],
            roleName: "vat-backup-archive-replication",
        },
        { ...inPrimary, dependsOn: [drArchive.versioning] },
    );

    // The month's evidence pack, straight into both archives (with a checksum: Object Lock default retention).
    const evidence = cfg.monitoring.evidencePack;
    const evidencePack = !evidence.enabled
        ? undefined
        : new EvidencePack(
              "evidence-pack",
              {
                  ...lambdaPackage("lambdas/evidencePack/handler.ts"),
                  functionName: naming.scheduledFunctionName(cfg.environment, "evidence-pack"),
                  roleName: naming.BACKUP_ACCOUNT_EVIDENCE_ROLE_NAME,
                  schedulerRoleName: naming.BACKUP_ACCOUNT_EVIDENCE_SCHEDULER_ROLE_NAME,
                  stack: cfg.environment,
                  accountId: cfg.accountId,
                  region: cfg.region,
                  destination: {
                      mode: "archives",
                      archives: [
                          {
                              bucketName: archive.name,
                              bucketArn: archive.arn,
                              region: cfg.region,
                              kmsKeyArn: archiveKey.arn,
                          },
                          {
                              bucketName: drArchive.name,
                              bucketArn: drArchive.arn,
                              region: cfg.drRegion,
                              kmsKeyArn: drArchiveKey.arn,
                          },
                      ],
                  },
                  evidencePrefix: naming.EVIDENCE_PACK_PREFIX,
                  // The drift workflow writes the backup stack's summaries into the reports bucket.
                  driftBucketName: reports.name,
                  driftBucketArn: reports.arn,
                  driftKeyArn: archiveKey.arn,
                  driftPrefix: naming.DRIFT_REPORT_PREFIX,
                  schedule: evidence.schedule,
                  maxCopyLagHours: evidence.maxCopyLagHours,
                  metricNamespace: naming.PROTECTION_METRICS_NAMESPACE,
                  alertTopicArn: alerts.arn,
              },
              inPrimary,
          );
    // Phase 3: alarms and job events to the alert topic, a dashboard, verification inside AWS.
    const watch = backupAccountMonitoring(
        cfg,
        {
            centralVault,
            drVault,
            alerts,
            secondRegionCopy,
            archive,
            drArchive,
            reports,
            archiveKey,
            automationAlarmArns: evidencePack?.alarmArns,
        },
        inPrimary,
    );
    tamperAlarms(
        {
            ...cfg,
            alerts,
            drAlerts,
            watched: { tableNames: [], bucketNames: [naming.archiveBucketName(cfg.accountId, cfg.region)] },
            drWatched: { tableNames: [], bucketNames: [naming.archiveBucketName(cfg.accountId, cfg.drRegion)] },
        },
        inPrimary,
        inDr,
    );
    const github = githubRoles(cfg, [cfg.region, cfg.drRegion], inPrimary, { checksTrustedAccountIds: accountIds });

    // What the deployment stacks read through a StackReference: exactly the keys of naming's contract.
    const contract: Record<naming.BackupStackOutputName, pulumi.Output<string>> = {
        centralVaultArn: centralVault.arn,
        archiveBucketArn: archive.arn,
        drArchiveBucketArn: drArchive.arn,
    };

    return {
        ...githubOutputs(github),
        ...contract,
        accountId: cfg.accountId,
        centralVaultName: centralVault.name,
        centralKeyArn: centralKey.arn,
        drVaultName: drVault.name,
        drVaultArn: drVault.arn,
        drKeyArn: drKey.arn,
        airGappedVaultArn: airGapped?.arn,
        archiveBucketName: archive.name,
        archiveKeyArn: archiveKey.arn,
        drArchiveBucketName: drArchive.name,
        copyBackRoleArn: roles.copyBackRole.arn,
        copyRoleArn: roles.copyRole.arn,
        breakGlassRoleArn: roles.breakGlassRole.arn,
        copyFunctionArn: secondRegionCopy.function.arn,
        copyDeadLetterQueueArn: secondRegionCopy.deadLetterQueue.arn,
        alertTopicArn: alerts.arn,
        dashboardName: watch.dashboard.dashboard.dashboardName,
    };
}
