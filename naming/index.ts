/**
 * Names and ARNs that cross account boundaries.
 *
 * The deployment stacks, the backup stack, the policy tests and the DR command line all import
 * this one module, so the central vault a copy action points at and the vault the backup stack
 * creates can never drift apart. Every name is deterministic (account and region where a name
 * must be globally unique), so config alone is enough to wire the stacks together.
 */

export const PROJECT = "vat-backup";

/** Resource names of the application follow `{env}-env-{name}`. */
export function envName(environment: string, name: string): string {
    return `${environment}-env-${name}`;
}

/**
 * The alias of a deployment stack's key for secret replicas in its DR region. `dr recover-secret`
 * names it when it re-creates a secret with its replica, so the stack's SecretReplica finds the
 * replica under its own key and takes it over (rather than a replica under aws/secretsmanager,
 * which it would have to refuse: re-keying a replica means removing it).
 */
export function secretReplicaKeyAlias(environment: string): string {
    return `alias/${envName(environment, "secret-replicas")}`;
}

/** Partition used for every ARN; the estate lives in the commercial partition. */
export const PARTITION = "aws";

export function arn(service: string, region: string, accountId: string, resource: string): string {
    return `arn:${PARTITION}:${service}:${region}:${accountId}:${resource}`;
}

export function iamRoleArn(accountId: string, roleName: string): string {
    return `arn:${PARTITION}:iam::${accountId}:role/${roleName}`;
}

export function accountRootArn(accountId: string): string {
    return `arn:${PARTITION}:iam::${accountId}:root`;
}

// ---------------------------------------------------------------------------------------------
// Deployment accounts (prod, ci)

/** The local AWS Backup vault of a deployment account. */
export function localVaultName(environment: string): string {
    return envName(environment, "backup-vault");
}

export function localVaultArn(accountId: string, region: string, environment: string): string {
    return arn("backup", region, accountId, `backup-vault:${localVaultName(environment)}`);
}

// IAM names are global to the account, while a deployment stack is regional: a second deployment
// stack of the same account in another region (the region-loss runbook) would otherwise recreate the
// same roles and fail with EntityAlreadyExists ("IAM object quotas and names": role names are unique
// within the account). Every IAM name a deployment stack creates therefore ends in its region.

/** `{env}-env-{purpose}-{region}`: at most 16 + 5 + 26 + 1 + 14 = 62 characters, within IAM's 64. */
export function deploymentRoleName(environment: string, region: string, purpose: DeploymentRolePurpose): string {
    return `${envName(environment, purpose)}-${region}`;
}

/** What each IAM role of a deployment stack is for; the role names are derived from these. */
export const DEPLOYMENT_ROLE_PURPOSES = [
    /** AWS Backup's role for backup, copy and restore jobs. */
    "backup-service",
    /** S3's role replicating the exports bucket into the backup account's archives. */
    "exports-replication",
    /** EventBridge's role forwarding copy events to the backup account's bus. */
    "copy-event-forwarding",
    /** AWS Backup's role for restore testing. */
    "backup-restore-testing",
    /** AWS Config's role, where the stack creates the recorder. */
    "backup-config-recorder",
    /** The restore-test validator (Lambda) of the stack's restore testing plan. */
    "backup-validate-restores",
    /** EventBridge's role forwarding the DR region's tamper events to the primary region's bus. */
    "backup-tamper-forward",
    /**
     * The scheduled protection functions (stacks/automation.ts), one role each. The backup account's
     * escrow key admits `{env}-env-secret-escrow-*`, so no other role's name may start so.
     */
    "secret-escrow",
    "user-pool-export",
    "table-export",
    /** The monthly proofs (issue 17): the user-pool round trip and the evidence pack. */
    "users-round-trip",
    "evidence-pack",
    /** Cognito's role writing the round trip's import-job logs (CreateUserImportJob's CloudWatchLogsRoleArn). */
    "cognito-import-logs",
    /** EventBridge Scheduler's role invoking each of them. */
    "scheduler-secret-escrow",
    "scheduler-user-pool-export",
    "scheduler-table-export",
    "scheduler-users-round-trip",
    "scheduler-evidence-pack",
] as const;
export type DeploymentRolePurpose = (typeof DEPLOYMENT_ROLE_PURPOSES)[number];

/** Every IAM role name a deployment stack of `environment` in `region` may create. */
export function deploymentRoleNames(environment: string, region: string): string[] {
    return DEPLOYMENT_ROLE_PURPOSES.map((purpose) => deploymentRoleName(environment, region, purpose));
}

/** The role AWS Backup assumes in a deployment account for backup, copy and restore jobs. */
export function backupServiceRoleName(environment: string, region: string): string {
    return deploymentRoleName(environment, region, "backup-service");
}

/** The role S3 assumes to replicate the exports bucket into the backup account's archive. */
export function replicationRoleName(environment: string, region: string): string {
    return deploymentRoleName(environment, region, "exports-replication");
}

export function replicationRoleArn(accountId: string, environment: string, region: string): string {
    return iamRoleArn(accountId, replicationRoleName(environment, region));
}

/**
 * The replication roles of every regional stack of `environment` in the account, for the backup
 * account's policies (ArnLike): the backup stack does not know which regions a deployment runs in.
 */
export function replicationRoleArnPattern(accountId: string, environment: string): string {
    return iamRoleArn(accountId, `${envName(environment, "exports-replication")}-*`);
}

/**
 * The exports bucket: DynamoDB exports, Cognito exports and Audit Manager reports.
 * Account and region in the name, because a hard-coded name collided when an account was rebuilt.
 */
export function exportsBucketName(environment: string, accountId: string, region: string): string {
    return `${envName(environment, "backup-exports")}-${accountId}-${region}`;
}

// ---------------------------------------------------------------------------------------------
// The backup account

/** The write-once vault in the backup account's primary region that receives every copy. */
export const CENTRAL_VAULT_NAME = "central-backup-vault";

/** The second-region vault that the copy Lambda fills from the central vault. */
export const DR_VAULT_NAME = "dr-backup-vault";

export function centralVaultArn(backupAccountId: string, region: string, vaultName = CENTRAL_VAULT_NAME): string {
    return arn("backup", region, backupAccountId, `backup-vault:${vaultName}`);
}

/**
 * The archive buckets receiving S3 replication of every deployment account's exports, one in the
 * backup account's primary region and one in its DR region. Each exports bucket replicates into
 * both directly: S3 does not replicate a replica onward, so the primary archive's own replication
 * to the DR region carries only what was written into the archive itself.
 */
export function archiveBucketName(backupAccountId: string, region: string): string {
    return `vat-backup-archive-${backupAccountId}-${region}`;
}

export function archiveBucketArn(backupAccountId: string, region: string): string {
    return `arn:${PARTITION}:s3:::${archiveBucketName(backupAccountId, region)}`;
}

/**
 * The backup account's reports bucket: Audit Manager reports and AWS Config snapshots land here, in a
 * bucket without Object Lock, and replicate into the archive. A PUT into a bucket with default
 * Object Lock retention must carry Content-MD5 or a checksum ("Using S3 Object Lock", S3 User Guide),
 * and neither service documents that it sends one.
 */
export function reportsBucketName(backupAccountId: string, region: string): string {
    return `vat-backup-reports-${backupAccountId}-${region}`;
}

/** KMS alias of the archive bucket's key; deployment accounts name it in their replication rule. */
export const ARCHIVE_KEY_ALIAS = "alias/vat-backup-archive";

/** The backup-account role that copies recovery points back into a deployment account's vault. */
export const COPY_BACK_ROLE_NAME = "vat-backup-dr-copy-back";

export function copyBackRoleArn(backupAccountId: string): string {
    return iamRoleArn(backupAccountId, COPY_BACK_ROLE_NAME);
}

/** The only principal that may delete or shorten recovery points in the backup account. */
export const DEFAULT_BREAK_GLASS_ROLE_NAME = "vat-backup-break-glass";

/**
 * The retention bounds of the central vault's lock. A copy whose lifecycle falls outside them is
 * refused by AWS, so the deployment stacks validate their copy lifecycles against the same numbers.
 */
export const DEFAULT_CENTRAL_VAULT_LOCK = {
    minRetentionDays: 7,
    maxRetentionDays: 2557,
} as const;

/** The role AWS Backup assumes in the backup account for copy jobs (to the DR vault, and back to deployment vaults). */
export const BACKUP_ACCOUNT_SERVICE_ROLE_NAME = "vat-backup-central-backup-service";

export function archiveKeyAliasArn(backupAccountId: string, region: string): string {
    return arn("kms", region, backupAccountId, ARCHIVE_KEY_ALIAS);
}

/** The backup account's copy role, which a deployment vault's access policy admits beside the copy-back role. */
export function backupAccountServiceRoleArn(backupAccountId: string): string {
    return iamRoleArn(backupAccountId, BACKUP_ACCOUNT_SERVICE_ROLE_NAME);
}

/**
 * The backup stack's output contract: the outputs a deployment stack reads through a
 * StackReference (`backupAccount.stackReference`), each with the value it must have. The values are
 * deterministic, so a deployment stack configured without a reference computes the same ARNs, and
 * one configured with a reference can check the backup stack against its own config.
 */
export function backupStackOutputs(
    backupAccountId: string,
    region: string,
    drRegion: string,
    vaultName = CENTRAL_VAULT_NAME,
) {
    return {
        /** Destination of the deployment accounts' copy actions, and what their copy events match. */
        centralVaultArn: centralVaultArn(backupAccountId, region, vaultName),
        /** Destination of the exports replication in the backup account's primary region. */
        archiveBucketArn: archiveBucketArn(backupAccountId, region),
        /** Destination of the exports replication in the backup account's DR region. */
        drArchiveBucketArn: archiveBucketArn(backupAccountId, drRegion),
    };
}

export type BackupStackOutputs = ReturnType<typeof backupStackOutputs>;
export type BackupStackOutputName = keyof BackupStackOutputs;

/** S3 replication rule ids, shared so that alarms on replication metrics name the right rule. */
export const EXPORTS_REPLICATION_RULE_ID = "exports-to-backup-archive";
/** The exports bucket's second rule, straight to the DR-region archive (a replica is not replicated onward). */
export const EXPORTS_DR_REPLICATION_RULE_ID = "exports-to-dr-archive";
/** Carries only objects written into the primary archive itself (e.g. the backup account's audit reports). */
export const ARCHIVE_REPLICATION_RULE_ID = "archive-to-dr-region";
export const REPORTS_REPLICATION_RULE_ID = "reports-to-archive";
/** The reports bucket's rule straight into the DR-region archive. */
export const REPORTS_DR_REPLICATION_RULE_ID = "reports-to-dr-archive";

/** The event bus that receives the deployment accounts' copy-completed events. */
export function backupAccountEventBusArn(backupAccountId: string, region: string): string {
    return arn("events", region, backupAccountId, "event-bus/default");
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions (every account)

/** The role `pulumi up` assumes from the deploy workflow, one per account. */
export const GITHUB_DEPLOY_ROLE_NAME = "vat-backup-github-deploy";

/** The read-only role `pulumi preview` assumes from a pull request. */
export const GITHUB_PREVIEW_ROLE_NAME = "vat-backup-github-preview";

/** The role the scheduled checks (dr verify, exports) assume; the backup account's trusts the others'. */
export const GITHUB_CHECKS_ROLE_NAME = "vat-backup-github-checks";

/** GitHub's OIDC issuer; one IAM OIDC provider per account may exist for it. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

export function githubOidcProviderArn(accountId: string): string {
    return `arn:${PARTITION}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/**
 * The KMS encryption context `purpose` of a secret escrowed into the archive. The archive key admits
 * direct GenerateDataKey and Decrypt (envelope encryption by the DR tool) only under this context.
 */
export { SECRET_ESCROW_PURPOSE, SECRET_ESCROW_KEY_ALIAS, SECRET_ESCROW_PREFIX } from "./escrowFormat";

// ---------------------------------------------------------------------------------------------
// Scheduled protection in the deployment accounts (no person in the loop)

/** The scheduled protection tasks of a deployment stack; each is also a role purpose. */
export type ScheduledTask =
    "secret-escrow" | "user-pool-export" | "table-export" | "users-round-trip" | "evidence-pack";

/**
 * The scheduled protection functions of a deployment account are named `vat-backup-<env>-<task>`
 * (function, log group, queue, schedules and rules alike: regional names), inside the deploy role's
 * grants. Their IAM roles are global and follow `deploymentRoleName` instead (`scheduledRoleNames`).
 */
export function scheduledFunctionName(environment: string, task: string): string {
    return `${PROJECT}-${environment}-${task}`;
}

/** The roles of a scheduled protection function: its own, and the one EventBridge Scheduler invokes it with. */
export function scheduledRoleNames(
    environment: string,
    region: string,
    task: ScheduledTask,
): { function: string; scheduler: string } {
    return {
        function: deploymentRoleName(environment, region, task),
        scheduler: deploymentRoleName(environment, region, `scheduler-${task}`),
    };
}

/** The role of the function that escrows the critical secrets; the backup account's escrow key admits only it. */
export function secretEscrowRoleName(environment: string, region: string): string {
    return scheduledRoleNames(environment, region, "secret-escrow").function;
}

export function secretEscrowRoleArn(accountId: string, environment: string, region: string): string {
    return iamRoleArn(accountId, secretEscrowRoleName(environment, region));
}

/**
 * The escrow roles of every regional stack of `environment` in the account, for the backup account's
 * escrow key (ArnLike): the backup stack does not know which regions a deployment runs in.
 */
export function secretEscrowRoleArnPattern(accountId: string, environment: string): string {
    return iamRoleArn(accountId, `${envName(environment, "secret-escrow")}-*`);
}

export function secretEscrowKeyAliasArn(backupAccountId: string, region: string): string {
    return arn("kms", region, backupAccountId, "alias/vat-backup-secret-escrow");
}

/** Prefixes in the exports bucket (all replicated into both archives). */
export const USER_POOL_EXPORT_PREFIX = "cognito-exports";
export const TABLE_EXPORT_PREFIX = "dynamodb-exports";
/** The monthly evidence packs, `evidence-packs/<account>/<YYYY-MM>/evidence.{md,json}`. */
export const EVIDENCE_PACK_PREFIX = "evidence-packs";
/** Each drift run's summary (the drift workflow), `drift-reports/<stack>/<time>.json`: the evidence pack's drift section. */
export const DRIFT_REPORT_PREFIX = "drift-reports";

/**
 * The tag every scratch pool of the user-pool round trip carries: the round trip's role may create
 * only pools with it (aws:RequestTag) and act only on pools that have it (aws:ResourceTag), so it can
 * never touch the production pool. Scratch pools are named `vat-backup-<env>-round-trip-<time>`.
 */
export const ROUND_TRIP_SCRATCH_TAG = { key: "vat-backup:purpose", value: "user-pool-round-trip" } as const;

/** The backup account's evidence pack roles (one backup stack per account: no region needed). */
export const BACKUP_ACCOUNT_EVIDENCE_ROLE_NAME = "vat-backup-evidence-pack";
export const BACKUP_ACCOUNT_EVIDENCE_SCHEDULER_ROLE_NAME = "vat-backup-scheduler-evidence-pack";

export function roundTripScratchPoolPrefix(environment: string): string {
    return `${PROJECT}-${environment}-round-trip-`;
}

/** The CloudWatch namespace of the scheduled functions' freshness metrics. */
export const PROTECTION_METRICS_NAMESPACE = "VatBackup/Protection";
