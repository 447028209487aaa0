/**
 * The mutation catalogue: one-line weakenings of the backup strategy, written as DATA applied to the
 * resources the offline engine records for a checked-in stack (never as edits of the program). Each
 * names the policies of the pack that must report it as mandatory for a production stack.
 *
 * tests/policies/catalogue.spec.ts runs every mutation through the in-process pack; the real-analyzer
 * suite (issue 11) imports `mutations` and `applyMutation` to run one mutation per policy through
 * `run-policy-pack`. A mutation whose target is gone throws (the catalogue is stale), it never
 * silently passes.
 */
import type { RecordedResource } from "../../offline/types";

/** Which recorded resources an edit applies to: by type token (a literal string, as the engine sends it) and name. */
export interface Selector {
    type: string;
    name: string;
}

/**
 * A path into a resource's properties: segments separated by `.`; a number indexes an array, `*` is
 * every element, `key=value` the elements whose `key` is `value`. With `json`, the path starts
 * inside the JSON document held by that property (a policy).
 */
export type Edit =
    | { op: "remove"; target: Selector }
    | { op: "set"; target: Selector; path: string; value: unknown; json?: string }
    | { op: "delete"; target: Selector; path: string; json?: string }
    /** Removes the elements of the array at `path` whose JSON contains `match`. */
    | { op: "pull"; target: Selector; path: string; match: string; json?: string }
    | { op: "protect"; target: Selector; value: boolean }
    /** Adds a resource beside the stack's others, through the stack's first AWS provider. */
    | { op: "add"; type: string; name: string; inputs: Record<string, unknown>; protect?: boolean };

export interface Mutation {
    id: string;
    stack: "prod" | "backup";
    /** The weakening, as a reviewer would describe the one-line edit. */
    weakening: string;
    /** The policies that must each report it as mandatory. */
    caughtBy: string[];
    edits: Edit[];
    /** True when the catching policies can run at `remediate` and their remediation must restore the property. */
    remediable?: boolean;
}

const PITR = "pulumi-nodejs:dynamic/backup:TablePitr";
const SECRET_REPLICA = "pulumi-nodejs:dynamic/backup:SecretReplica";
const TABLE = "aws:dynamodb/table:Table";
const PLAN: Selector = { type: "aws:backup/plan:Plan", name: "backup-plan-plan" };
const LISTED: Selector = { type: "aws:backup/selection:Selection", name: "backup-plan-listed" };
const LOCAL_VAULT: Selector = { type: "aws:backup/vault:Vault", name: "local-vault-vault" };
const EXPORTS_REPLICATION: Selector = {
    type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    name: "exports-replication-config",
};
const EXPORTS_LIFECYCLE: Selector = {
    type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    name: "exports-lifecycle",
};
const CENTRAL_LOCK: Selector = {
    type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    name: "central-vault-lock",
};
const CENTRAL_POLICY: Selector = { type: "aws:backup/vaultPolicy:VaultPolicy", name: "central-vault-policy" };
const ARCHIVE_LOCK: Selector = {
    type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    name: "archive-object-lock",
};
const RECEIPTS_ARN = "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts";
/** A table the program itself would own, tagged so the tag selection backs it up. */
const ownedTable = (extra: Record<string, unknown>) => ({
    name: "prod-env-orders",
    hashKey: "id",
    attributes: [{ name: "id", type: "S" }],
    billingMode: "PAY_PER_REQUEST",
    tags: { "backup-plan": "vat-backup" },
    ...extra,
});

export const mutations: Mutation[] = [
    // PITR everywhere (the strategy's first control).
    {
        id: "pitr-resource-removed",
        stack: "prod",
        weakening: "The TablePitr resource of the receipts table is removed",
        caughtBy: ["dynamodb-pitr-every-referenced-table"],
        edits: [{ op: "remove", target: { type: PITR, name: "pitr-prod-env-receipts" } }],
    },
    {
        id: "pitr-resource-disabled",
        stack: "prod",
        weakening: "The receipts table's PITR resource is created with enabled: false",
        caughtBy: ["dynamodb-pitr-every-referenced-table"],
        edits: [
            { op: "set", target: { type: PITR, name: "pitr-prod-env-receipts" }, path: "enabled", value: false },
            { op: "set", target: { type: PITR, name: "pitr-prod-env-receipts" }, path: "pitrEnabled", value: false },
        ],
    },
    {
        id: "pitr-resource-short-window",
        stack: "prod",
        weakening: "The receipts table's PITR window is 7 days",
        caughtBy: ["dynamodb-pitr-recovery-period", "dynamodb-pitr-every-referenced-table"],
        edits: [
            { op: "set", target: { type: PITR, name: "pitr-prod-env-receipts" }, path: "recoveryPeriodDays", value: 7 },
        ],
        remediable: true,
    },
    {
        id: "table-dropped-from-pitr-and-selection",
        stack: "prod",
        weakening: "The bundles table is dropped from both PITR and the backup selection",
        caughtBy: ["dynamodb-pitr-every-referenced-table"],
        edits: [
            { op: "remove", target: { type: PITR, name: "pitr-prod-env-bundles" } },
            { op: "pull", target: LISTED, path: "resources", match: "table/prod-env-bundles" },
        ],
    },
    {
        id: "owned-table-without-pitr",
        stack: "prod",
        weakening: "A table the program owns has no pointInTimeRecovery block",
        caughtBy: ["dynamodb-pitr-enabled"],
        edits: [{ op: "add", type: TABLE, name: "orders", inputs: ownedTable({}), protect: true }],
        remediable: true,
    },
    {
        id: "owned-table-pitr-disabled",
        stack: "prod",
        weakening: "A table the program owns has pointInTimeRecovery.enabled false",
        caughtBy: ["dynamodb-pitr-enabled"],
        edits: [
            {
                op: "add",
                type: TABLE,
                name: "orders",
                inputs: ownedTable({ pointInTimeRecovery: { enabled: false } }),
                protect: true,
            },
        ],
        remediable: true,
    },
    {
        id: "owned-table-short-window",
        stack: "prod",
        weakening: "A table the program owns keeps PITR 7 days",
        caughtBy: ["dynamodb-pitr-recovery-period"],
        edits: [
            {
                op: "add",
                type: TABLE,
                name: "orders",
                inputs: ownedTable({ pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 7 } }),
                protect: true,
            },
        ],
        remediable: true,
    },
    {
        id: "owned-table-replica-without-pitr",
        stack: "prod",
        weakening: "A global table's replica in the DR region has PITR off",
        caughtBy: ["dynamodb-replica-pitr"],
        edits: [
            {
                op: "add",
                type: TABLE,
                name: "orders",
                inputs: ownedTable({ pointInTimeRecovery: { enabled: true }, replicas: [{ regionName: "eu-west-1" }] }),
                protect: true,
            },
        ],
        remediable: true,
    },
    // Backup coverage and the plan's rules.
    {
        id: "listed-selection-removed",
        stack: "prod",
        weakening: "The selection that lists the tables by ARN is removed",
        caughtBy: ["backup-selection-covers-tables"],
        edits: [{ op: "remove", target: LISTED }],
    },
    {
        id: "selection-excludes-receipts",
        stack: "prod",
        weakening: "The selection excludes the receipts table through notResources",
        caughtBy: ["backup-selection-covers-tables"],
        edits: [{ op: "set", target: LISTED, path: "notResources", value: [RECEIPTS_ARN] }],
    },
    {
        id: "no-copy-to-backup-account",
        stack: "prod",
        weakening: "No rule copies to the backup account",
        caughtBy: ["backup-copy-to-backup-account"],
        edits: [{ op: "set", target: PLAN, path: "rules.*.copyActions", value: [] }],
    },
    {
        id: "copy-to-own-account",
        stack: "prod",
        weakening: "The copies go to a vault in the account itself",
        caughtBy: ["backup-copy-to-backup-account"],
        edits: [
            {
                op: "set",
                target: PLAN,
                path: "rules.*.copyActions.*.destinationVaultArn",
                value: "arn:aws:backup:eu-west-1:111111111111:backup-vault:prod-env-backup-vault",
            },
        ],
    },
    {
        id: "copy-without-lifecycle",
        stack: "prod",
        weakening: "The copy actions state no lifecycle",
        caughtBy: ["backup-copy-lifecycle-explicit"],
        edits: [{ op: "delete", target: PLAN, path: "rules.*.copyActions.*.lifecycle" }],
    },
    {
        id: "rules-into-default-vault",
        stack: "prod",
        weakening: "The rules write into the account's Default vault",
        caughtBy: ["backup-rule-target-vault"],
        edits: [{ op: "set", target: PLAN, path: "rules.*.targetVaultName", value: "Default" }],
    },
    {
        id: "daily-rule-made-weekly",
        stack: "prod",
        weakening: "The daily rule runs weekly",
        caughtBy: ["backup-plan-daily"],
        edits: [{ op: "set", target: PLAN, path: "rules.ruleName=daily.schedule", value: "cron(0 2 ? * SUN *)" }],
    },
    {
        id: "daily-retention-7-days",
        stack: "prod",
        weakening: "Daily recovery points are kept 7 days",
        caughtBy: ["backup-rule-retention"],
        edits: [{ op: "set", target: PLAN, path: "rules.ruleName=daily.lifecycle.deleteAfter", value: 7 }],
    },
    {
        id: "cold-storage-under-90-days",
        stack: "prod",
        weakening: "Monthly points are deleted 10 days after moving to cold storage",
        caughtBy: ["backup-cold-storage-minimum"],
        edits: [{ op: "set", target: PLAN, path: "rules.ruleName=monthly.lifecycle.deleteAfter", value: 100 }],
    },
    {
        id: "advanced-dynamodb-backup-off",
        stack: "prod",
        weakening: "Advanced DynamoDB backups are switched off",
        caughtBy: ["backup-dynamodb-advanced-features"],
        edits: [
            {
                op: "set",
                target: { type: "aws:backup/regionSettings:RegionSettings", name: "backup-region-settings-settings" },
                path: "resourceTypeManagementPreference.DynamoDB",
                value: false,
            },
        ],
    },
    {
        id: "region-settings-removed",
        stack: "prod",
        weakening: "The AWS Backup region settings are removed",
        caughtBy: ["backup-dynamodb-advanced-features"],
        edits: [
            {
                op: "remove",
                target: { type: "aws:backup/regionSettings:RegionSettings", name: "backup-region-settings-settings" },
            },
        ],
    },
    {
        id: "backup-role-without-aws-policy",
        stack: "prod",
        weakening: "The backup role lacks AWSBackupServiceRolePolicyForBackup",
        caughtBy: ["backup-service-role-permissions"],
        edits: [
            {
                op: "remove",
                target: {
                    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                    name: "backup-plan-AWSBackupServiceRolePolicyForBackup",
                },
            },
        ],
    },
    {
        id: "restore-test-role-without-aws-policy",
        stack: "prod",
        weakening: "The restore-testing role lacks AWSBackupServiceRolePolicyForRestores",
        caughtBy: ["backup-service-role-permissions"],
        edits: [
            {
                op: "remove",
                target: { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "restore-testing-restores" },
            },
        ],
    },
    // Monitoring and verification.
    {
        id: "alarm-without-actions",
        stack: "prod",
        weakening: "The copy-failure alarm has no alarm actions",
        caughtBy: ["backup-alarms-notify"],
        edits: [
            {
                op: "set",
                target: { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "backup-alarms-copy-jobs-failed" },
                path: "alarmActions",
                value: [],
            },
        ],
    },
    {
        id: "alarm-actions-disabled",
        stack: "prod",
        weakening: "The no-recent-backup alarm has its actions disabled",
        caughtBy: ["backup-alarms-notify"],
        edits: [
            {
                op: "set",
                target: { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "backup-alarms-no-recent-backup" },
                path: "actionsEnabled",
                value: false,
            },
        ],
    },
    {
        id: "backup-event-rule-disabled",
        stack: "prod",
        weakening: "The EventBridge rule on failed copy jobs is disabled",
        caughtBy: ["backup-event-rules-enabled"],
        edits: [
            {
                op: "set",
                target: { type: "aws:cloudwatch/eventRule:EventRule", name: "backup-job-events-copy-job-failed" },
                path: "state",
                value: "DISABLED",
            },
        ],
    },
    {
        id: "restore-test-selects-nothing",
        stack: "prod",
        weakening: "The restore-testing selection names no table",
        caughtBy: ["backup-restore-testing-selects"],
        edits: [
            {
                op: "set",
                target: {
                    type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
                    name: "restore-testing-selection",
                },
                path: "protectedResourceArns",
                value: [],
            },
        ],
    },
    {
        id: "restore-test-selection-removed",
        stack: "prod",
        weakening: "The restore-testing plan has no selection",
        caughtBy: ["backup-restore-testing-selects"],
        edits: [
            {
                op: "remove",
                target: {
                    type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
                    name: "restore-testing-selection",
                },
            },
        ],
    },
    {
        id: "pitr-tamper-alarm-disabled",
        stack: "prod",
        weakening: "The tamper alarm on UpdateContinuousBackups (PITR switched off) is disabled",
        caughtBy: ["tamper-alarms-required"],
        edits: [
            {
                op: "set",
                target: { type: "aws:cloudwatch/eventRule:EventRule", name: "tamper-alarms-pitr-disabled" },
                path: "state",
                value: "DISABLED",
            },
        ],
    },
    {
        id: "restore-validation-target-removed",
        stack: "prod",
        weakening: "Completed restore tests go to no function (the validation rule's target is removed)",
        caughtBy: ["restore-validation-required"],
        edits: [
            {
                op: "remove",
                target: {
                    type: "aws:cloudwatch/eventTarget:EventTarget",
                    name: "restore-validation-target-completed",
                },
            },
        ],
    },
    // Vaults and keys.
    {
        id: "vault-aws-managed-key",
        stack: "prod",
        weakening: "The local vault is encrypted with the AWS-managed key",
        caughtBy: ["backup-vault-customer-managed-key"],
        edits: [{ op: "delete", target: LOCAL_VAULT, path: "kmsKeyArn" }],
    },
    {
        id: "key-not-rotating",
        stack: "prod",
        weakening: "The backup key does not rotate",
        caughtBy: ["kms-key-rotation"],
        edits: [
            {
                op: "set",
                target: { type: "aws:kms/key:Key", name: "backup-key-key" },
                path: "enableKeyRotation",
                value: false,
            },
        ],
    },
    {
        id: "key-deletion-window-7-days",
        stack: "prod",
        weakening: "The backup key is deleted 7 days after being scheduled for deletion",
        caughtBy: ["kms-key-deletion-window"],
        edits: [
            {
                op: "set",
                target: { type: "aws:kms/key:Key", name: "backup-key-key" },
                path: "deletionWindowInDays",
                value: 7,
            },
        ],
    },
    {
        id: "vault-notifications-removed",
        stack: "prod",
        weakening: "The local vault announces no failures",
        caughtBy: ["backup-vault-failure-notifications"],
        edits: [
            {
                op: "remove",
                target: { type: "aws:backup/vaultNotifications:VaultNotifications", name: "local-vault-notifications" },
            },
        ],
    },
    {
        id: "vault-notifications-without-copy-failures",
        stack: "prod",
        weakening: "The local vault's notifications leave out failed copies",
        caughtBy: ["backup-vault-failure-notifications"],
        edits: [
            {
                op: "pull",
                target: { type: "aws:backup/vaultNotifications:VaultNotifications", name: "local-vault-notifications" },
                path: "backupVaultEvents",
                match: "COPY_JOB_FAILED",
            },
        ],
    },
    {
        id: "vault-force-destroy",
        stack: "prod",
        weakening: "The local vault is force-destroyable",
        caughtBy: ["backup-storage-no-force-destroy"],
        edits: [{ op: "set", target: LOCAL_VAULT, path: "forceDestroy", value: true }],
    },
    // The exports bucket and its replication into the archive.
    {
        id: "replication-rule-disabled",
        stack: "prod",
        weakening: "The exports replication rule is Disabled",
        caughtBy: ["backup-bucket-replicated"],
        edits: [{ op: "set", target: EXPORTS_REPLICATION, path: "rules.*.status", value: "Disabled" }],
    },
    {
        id: "replication-filtered-to-unused-prefix",
        stack: "prod",
        weakening: "The exports replication is filtered to a prefix nothing is written under",
        caughtBy: ["backup-bucket-replicated"],
        edits: [
            {
                op: "set",
                target: EXPORTS_REPLICATION,
                path: "rules.*.filter",
                value: { prefix: "nothing-is-written-here/" },
            },
        ],
    },
    {
        id: "replication-removed",
        stack: "prod",
        weakening: "The exports bucket does not replicate",
        caughtBy: ["backup-bucket-replicated"],
        edits: [{ op: "remove", target: EXPORTS_REPLICATION }],
    },
    {
        id: "replication-without-rtc",
        stack: "prod",
        weakening: "The exports replication has no Replication Time Control",
        caughtBy: ["backup-replication-rtc"],
        edits: [{ op: "delete", target: EXPORTS_REPLICATION, path: "rules.*.destination.replicationTime" }],
    },
    {
        id: "exports-expire-after-30-days",
        stack: "prod",
        weakening: "Exports expire after 30 days",
        caughtBy: ["backup-bucket-lifecycle-retention"],
        edits: [{ op: "set", target: EXPORTS_LIFECYCLE, path: "rules.*.expiration.days", value: 30 }],
    },
    {
        id: "old-export-versions-kept-1-day",
        stack: "prod",
        weakening: "Old versions of exports are kept 1 day",
        caughtBy: ["backup-bucket-lifecycle-retention"],
        edits: [
            {
                op: "set",
                target: EXPORTS_LIFECYCLE,
                path: "rules.*.noncurrentVersionExpiration.noncurrentDays",
                value: 1,
            },
        ],
    },
    {
        id: "exports-versioning-suspended",
        stack: "prod",
        weakening: "Versioning of the exports bucket is suspended",
        caughtBy: ["backup-bucket-versioning"],
        edits: [
            {
                op: "set",
                target: { type: "aws:s3/bucketVersioning:BucketVersioning", name: "exports-versioning" },
                path: "versioningConfiguration.status",
                value: "Suspended",
            },
        ],
    },
    {
        id: "exports-public-policy-allowed",
        stack: "prod",
        weakening: "The exports bucket no longer blocks public bucket policies",
        caughtBy: ["backup-bucket-public-access-block"],
        edits: [
            {
                op: "set",
                target: {
                    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                    name: "exports-public-access",
                },
                path: "blockPublicPolicy",
                value: false,
            },
        ],
    },
    {
        id: "exports-sse-s3",
        stack: "prod",
        weakening: "The exports bucket encrypts with S3-managed keys",
        caughtBy: ["backup-bucket-sse-kms"],
        edits: [
            {
                op: "set",
                target: {
                    type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    name: "exports-encryption",
                },
                path: "rules.*.applyServerSideEncryptionByDefault",
                value: { sseAlgorithm: "AES256" },
            },
        ],
    },
    {
        id: "exports-tls-deny-removed",
        stack: "prod",
        weakening: "The exports bucket policy no longer denies requests without TLS",
        caughtBy: ["backup-bucket-tls-only"],
        edits: [
            {
                op: "pull",
                target: { type: "aws:s3/bucketPolicy:BucketPolicy", name: "exports-policy" },
                json: "policy",
                path: "Statement",
                match: "aws:SecureTransport",
            },
        ],
    },
    {
        id: "exports-bucket-unprotected",
        stack: "prod",
        weakening: "The exports bucket is not protected",
        caughtBy: ["stateful-resources-protected"],
        edits: [{ op: "protect", target: { type: "aws:s3/bucket:Bucket", name: "exports-bucket" }, value: false }],
    },
    // Secrets.
    {
        id: "salt-replica-removed",
        stack: "prod",
        weakening: "The salt has no DR-region replica",
        caughtBy: ["critical-secrets-replicated"],
        edits: [{ op: "remove", target: { type: SECRET_REPLICA, name: "replica-prod-submit-user-sub-hash-salt" } }],
    },
    {
        id: "salt-replica-in-own-region",
        stack: "prod",
        weakening: "The salt's replica is in the secret's own region",
        caughtBy: ["critical-secrets-replicated"],
        edits: [
            {
                op: "set",
                target: { type: SECRET_REPLICA, name: "replica-prod-submit-user-sub-hash-salt" },
                path: "replicaRegion",
                value: "eu-west-2",
            },
        ],
    },
    {
        id: "salt-replica-without-region",
        stack: "prod",
        weakening: "The salt's replica names no region",
        caughtBy: ["critical-secrets-replicated"],
        edits: [
            {
                op: "delete",
                target: { type: SECRET_REPLICA, name: "replica-prod-submit-user-sub-hash-salt" },
                path: "replicaRegion",
            },
        ],
    },
    {
        id: "secret-escrow-schedule-disabled",
        stack: "prod",
        weakening: "The daily escrow schedule of the critical secrets is disabled",
        caughtBy: ["critical-secrets-escrowed"],
        edits: [
            {
                op: "set",
                target: { type: "aws:scheduler/schedule:Schedule", name: "secret-escrow-daily" },
                path: "state",
                value: "DISABLED",
            },
        ],
    },
    // The monthly proofs (issue 17).
    {
        id: "user-pool-round-trip-removed",
        stack: "prod",
        weakening: "The monthly user-pool round trip's schedule is removed: exports are never tried",
        caughtBy: ["user-pool-round-trip-required"],
        edits: [
            { op: "remove", target: { type: "aws:scheduler/schedule:Schedule", name: "users-round-trip-monthly" } },
        ],
    },
    {
        id: "evidence-pack-schedule-disabled",
        stack: "prod",
        weakening: "The monthly evidence pack's schedule is disabled",
        caughtBy: ["evidence-pack-required"],
        edits: [
            {
                op: "set",
                target: { type: "aws:scheduler/schedule:Schedule", name: "evidence-pack-monthly" },
                path: "state",
                value: "DISABLED",
            },
        ],
    },
    {
        id: "backup-account-evidence-pack-removed",
        stack: "backup",
        weakening: "The backup account's evidence pack schedule is removed",
        caughtBy: ["evidence-pack-required"],
        edits: [{ op: "remove", target: { type: "aws:scheduler/schedule:Schedule", name: "evidence-pack-monthly" } }],
    },
    // The backup account.
    {
        id: "central-vault-deny-made-allow",
        stack: "backup",
        weakening: "The central vault's deny of destruction is turned into an allow",
        caughtBy: ["backup-vault-policy-denies-destruction"],
        edits: [
            {
                op: "set",
                target: CENTRAL_POLICY,
                json: "policy",
                path: "Statement.Sid=DenyDestructionExceptBreakGlass.Effect",
                value: "Allow",
            },
        ],
    },
    {
        id: "central-vault-policy-removed",
        stack: "backup",
        weakening: "The central vault has no access policy",
        caughtBy: ["backup-vault-policy-denies-destruction"],
        edits: [{ op: "remove", target: CENTRAL_POLICY }],
    },
    {
        id: "central-lock-minimum-1-day",
        stack: "backup",
        weakening: "The central vault lock's minimum retention is 1 day",
        caughtBy: ["backup-vault-lock-retention"],
        edits: [{ op: "set", target: CENTRAL_LOCK, path: "minRetentionDays", value: 1 }],
    },
    {
        id: "central-lock-minimum-0-days",
        stack: "backup",
        weakening: "The central vault lock's minimum retention is 0 days",
        caughtBy: ["backup-vault-compliance-lock", "backup-vault-lock-retention"],
        edits: [{ op: "set", target: CENTRAL_LOCK, path: "minRetentionDays", value: 0 }],
    },
    {
        id: "central-lock-maximum-30-days",
        stack: "backup",
        weakening: "The central vault lock's maximum retention is 30 days (seven-year copies fail)",
        caughtBy: ["backup-vault-lock-retention"],
        edits: [{ op: "set", target: CENTRAL_LOCK, path: "maxRetentionDays", value: 30 }],
    },
    {
        id: "central-lock-governance-mode",
        stack: "backup",
        weakening: "The central vault lock is in governance mode",
        caughtBy: ["backup-vault-compliance-lock"],
        edits: [{ op: "delete", target: CENTRAL_LOCK, path: "changeableForDays" }],
    },
    {
        id: "central-lock-removed",
        stack: "backup",
        weakening: "The central vault is not locked",
        caughtBy: ["backup-vault-compliance-lock"],
        edits: [{ op: "remove", target: CENTRAL_LOCK }],
    },
    {
        id: "central-vault-unprotected",
        stack: "backup",
        weakening: "The central vault is not protected",
        caughtBy: ["stateful-resources-protected"],
        edits: [
            { op: "protect", target: { type: "aws:backup/vault:Vault", name: "central-vault-vault" }, value: false },
        ],
    },
    {
        id: "archive-object-lock-30-days",
        stack: "backup",
        weakening: "The archive's Object Lock keeps objects 30 days",
        caughtBy: ["archive-bucket-object-lock"],
        edits: [{ op: "set", target: ARCHIVE_LOCK, path: "rule.defaultRetention.days", value: 30 }],
    },
    {
        id: "archive-object-lock-governance",
        stack: "backup",
        weakening: "The archive's Object Lock is in governance mode",
        caughtBy: ["archive-bucket-object-lock"],
        edits: [{ op: "set", target: ARCHIVE_LOCK, path: "rule.defaultRetention.mode", value: "GOVERNANCE" }],
    },
    {
        id: "archive-second-region-replication-disabled",
        stack: "backup",
        weakening: "The archive's replication to the second region is Disabled",
        caughtBy: ["backup-bucket-replicated"],
        edits: [
            {
                op: "set",
                target: {
                    type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                    name: "archive-replication-config",
                },
                path: "rules.*.status",
                value: "Disabled",
            },
        ],
    },
    {
        id: "archive-force-destroy",
        stack: "backup",
        weakening: "The archive bucket is force-destroyable",
        caughtBy: ["backup-storage-no-force-destroy"],
        edits: [
            {
                op: "set",
                target: { type: "aws:s3/bucket:Bucket", name: "archive-bucket" },
                path: "forceDestroy",
                value: true,
            },
        ],
    },
];

type Json = Record<string, unknown> | unknown[];

/** Every container the path's parent segments reach, with the last segment left to the caller. */
function reach(root: unknown, segments: string[]): { parent: Json; key: string }[] {
    let nodes: unknown[] = [root];
    for (const segment of segments.slice(0, -1)) {
        const next: unknown[] = [];
        for (const node of nodes) next.push(...step(node, segment, true));
        nodes = next;
    }
    const last = segments[segments.length - 1];
    const out: { parent: Json; key: string }[] = [];
    for (const node of nodes) {
        if (!node || typeof node !== "object") continue;
        if (Array.isArray(node) && (last === "*" || last.includes("="))) {
            node.forEach((_, i) => {
                if (step(node, last, false).includes(node[i])) out.push({ parent: node, key: String(i) });
            });
        } else out.push({ parent: node as Json, key: last });
    }
    return out;
}

/** The children a segment selects; `create` makes missing objects on the way (so `set` can add a property). */
function step(node: unknown, segment: string, create: boolean): unknown[] {
    if (!node || typeof node !== "object") return [];
    if (Array.isArray(node)) {
        if (segment === "*") return node;
        if (segment.includes("=")) {
            const [key, value] = segment.split("=");
            return node.filter(
                (e) => e && typeof e === "object" && String((e as Record<string, unknown>)[key]) === value,
            );
        }
        return node[Number(segment)] === undefined ? [] : [node[Number(segment)]];
    }
    const record = node as Record<string, unknown>;
    if (record[segment] === undefined && create) record[segment] = {};
    return record[segment] === undefined ? [] : [record[segment]];
}

function editProps(props: Record<string, unknown>, edit: Edit & { path: string; json?: string }): number {
    let root: unknown = props;
    if (edit.json) {
        const text = props[edit.json];
        if (typeof text !== "string") return 0;
        root = JSON.parse(text);
    }
    const places = reach(root, edit.path.split("."));
    let changed = 0;
    for (const { parent, key } of places) {
        const p = parent as Record<string, unknown>;
        if (edit.op === "set") {
            p[key] = structuredClone(edit.value);
            changed++;
        } else if (edit.op === "delete") {
            if (p[key] !== undefined) changed++;
            if (Array.isArray(parent)) parent.splice(Number(key), 1);
            else delete p[key];
        } else if (edit.op === "pull") {
            const list = p[key];
            if (!Array.isArray(list)) continue;
            const kept = list.filter((e) => !JSON.stringify(e).includes(edit.match));
            changed += list.length - kept.length;
            p[key] = kept;
        }
    }
    if (edit.json && changed > 0) props[edit.json] = JSON.stringify(root);
    return changed;
}

function selected(resources: RecordedResource[], target: Selector, mutation: Mutation): RecordedResource[] {
    const found = resources.filter((r) => r.type === target.type && r.name === target.name);
    if (found.length === 0)
        throw new Error(
            `mutation '${mutation.id}': stack '${mutation.stack}' has no ${target.type} '${target.name}' (the catalogue is stale)`,
        );
    return found;
}

/** Applies a mutation to (a copy of) a stack's recorded resources; throws when an edit changes nothing. */
export function applyMutation(resources: RecordedResource[], mutation: Mutation): RecordedResource[] {
    let out = structuredClone(resources);
    for (const edit of mutation.edits) {
        if (edit.op === "add") {
            const provider = out.find((r) => r.type === "pulumi:providers:aws");
            const stack = out.find((r) => r.type === "pulumi:pulumi:Stack");
            const urn = `${stack?.urn.split("::pulumi:pulumi:Stack::")[0] ?? "urn:pulumi:x::vat-backup"}::${edit.type}::${edit.name}`;
            out.push({
                urn,
                type: edit.type,
                name: edit.name,
                custom: true,
                parent: stack?.urn ?? null,
                provider: provider?.urn ?? null,
                protect: edit.protect ?? false,
                inputs: structuredClone(edit.inputs),
                outputs: {},
            });
            continue;
        }
        const targets = selected(out, edit.target, mutation);
        if (edit.op === "remove") {
            out = out.filter((r) => !targets.includes(r));
            continue;
        }
        if (edit.op === "protect") {
            for (const r of targets) r.protect = edit.value;
            continue;
        }
        let changed = 0;
        for (const r of targets) {
            changed += editProps(r.inputs, edit);
            // The planned state a stack policy sees carries the outputs over the inputs: edit both alike.
            const top = (edit.json ?? edit.path.split(".")[0]) as string;
            if (top in r.outputs) editProps(r.outputs, edit);
        }
        if (changed === 0)
            throw new Error(
                `mutation '${mutation.id}': ${edit.op} ${edit.path} changed nothing (the catalogue is stale)`,
            );
    }
    return out;
}
