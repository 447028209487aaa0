/**
 * What the GitHub Actions roles may do, as plain policy statements.
 *
 * Three roles per account, each with only what its workflow needs:
 * - deploy (`pulumi up`): read everything the program manages, change the configuration of the
 *   project's services, scoped to the project's names, regions and tags; never destroy data.
 * - preview (`pulumi preview` in a pull request): the same reads, no writes, no data-plane reads.
 * - checks (scheduled `dr verify` and exports): reads, plus table exports and user-pool exports
 *   into the account's exports bucket.
 *
 * Resource names follow the `naming` module: `{env}-env-*` for per-environment resources and
 * `vat-backup-*` for the backup account's and the project's own. Where a service has no
 * resource-level permission for an action (CreateKey, UpdateRegionSettings, Config rules) the
 * statement is bounded by region and, for KMS, by the project tag instead.
 */
import { PolicyStatement } from "../iam/policyDocument";

export interface PermissionScope {
    accountId: string;
    /** Regions the stack manages; regional writes anywhere else are refused. */
    regions: string[];
    /** The stack manages AWS Organizations (the management account's stack). */
    managesOrganization: boolean;
    /** The S3 state backend, when Pulumi state is not in Pulumi Cloud. */
    stateBackend?: StateBackend;
}

export interface StateBackend {
    bucketName: string;
    /** The `awskms://` secrets provider's key, when the stacks encrypt secrets with KMS. */
    kmsKeyArn?: string;
}

/** The tag the program's providers put on every resource (stacks/providers.ts `defaultTags`). */
export const PROJECT_TAG = { key: "project", value: "vat-backup" } as const;

/** IAM managed-policy documents are at most 6,144 characters, whitespace not counted. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/** Actions that would destroy recovery data or read secrets; no GitHub role may call them, whatever else it is allowed. */
export const DATA_DESTRUCTION_ACTIONS = [
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:DisassociateRecoveryPoint",
    "backup:DeleteBackupVaultLockConfiguration",
    "dynamodb:DeleteTable",
    "dynamodb:DeleteBackup",
    "secretsmanager:DeleteSecret",
    "secretsmanager:GetSecretValue",
];

const inRegions = (scope: PermissionScope) => ({ StringEquals: { "aws:RequestedRegion": scope.regions } });

/**
 * Describe/Get/List on the services the program manages: what refresh and preview read. Data-plane
 * reads (objects, items, secret values, log events) are not in it.
 */
export function readStatements(): PolicyStatement[] {
    return [
        {
            Sid: "ReadManagedConfiguration",
            Effect: "Allow",
            Action: [
                "backup:Describe*",
                "backup:Get*",
                "backup:List*",
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:ListAliases",
                "kms:ListResourceTags",
                "kms:ListKeys",
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:GetOpenIDConnectProvider",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListRoleTags",
                "iam:ListPolicyVersions",
                "iam:ListOpenIDConnectProviders",
                "s3:ListAllMyBuckets",
                "s3:GetBucket*",
                "s3:GetAccelerateConfiguration",
                "s3:GetEncryptionConfiguration",
                "s3:GetLifecycleConfiguration",
                "s3:GetReplicationConfiguration",
                "s3:GetIntelligentTieringConfiguration",
                "s3:GetAnalyticsConfiguration",
                "s3:GetInventoryConfiguration",
                "s3:GetMetricsConfiguration",
                "sns:GetTopicAttributes",
                "sns:GetSubscriptionAttributes",
                "sns:ListTopics",
                "sns:ListSubscriptionsByTopic",
                "sns:ListTagsForResource",
                "dynamodb:DescribeTable",
                "dynamodb:DescribeContinuousBackups",
                "dynamodb:DescribeTimeToLive",
                "dynamodb:ListTables",
                "dynamodb:ListTagsOfResource",
                "secretsmanager:DescribeSecret",
                "secretsmanager:ListSecrets",
                "secretsmanager:GetResourcePolicy",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:GetPolicy",
                "lambda:ListVersionsByFunction",
                "lambda:ListTags",
                "lambda:GetFunctionCodeSigningConfig",
                "lambda:GetFunctionEventInvokeConfig",
                "events:DescribeRule",
                "events:DescribeEventBus",
                "events:ListTargetsByRule",
                "events:ListTagsForResource",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ListQueueTags",
                "logs:DescribeLogGroups",
                "logs:ListTagsForResource",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:GetDashboard",
                "cloudwatch:ListDashboards",
                "cloudwatch:ListTagsForResource",
                "config:Describe*",
                "config:ListTagsForResource",
                "organizations:Describe*",
                "organizations:List*",
            ],
            Resource: "*",
        },
    ];
}

/** Object deletions and retention changes in the project's buckets (exports and archives). */
export const OBJECT_DESTRUCTION_ACTIONS = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectRetention",
    "s3:BypassGovernanceRetention",
];

/** The project's data buckets: each account's exports bucket and the backup account's archives. */
export function projectBucketArns(accountId: string): string[] {
    return [
        `arn:aws:s3:::*-env-backup-exports-${accountId}-*`,
        `arn:aws:s3:::vat-backup-archive-${accountId}-*`,
        // The organization trail's logs (management account; naming/organization.ts).
        `arn:aws:s3:::vat-backup-org-trail-${accountId}-*`,
        // The backup account's reports bucket (naming.reportsBucketName).
        `arn:aws:s3:::vat-backup-reports-${accountId}-*`,
    ];
}

/** Deny, whatever else is allowed: recovery data and secret values stay out of reach of CI. */
export function denyDataDestruction(accountId: string): PolicyStatement[] {
    return [
        { Sid: "NeverDestroyRecoveryData", Effect: "Deny", Action: DATA_DESTRUCTION_ACTIONS, Resource: "*" },
        {
            Sid: "NeverDeleteExportedData",
            Effect: "Deny",
            Action: OBJECT_DESTRUCTION_ACTIONS,
            Resource: projectBucketArns(accountId).map((b) => `${b}/*`),
        },
    ];
}

/** AWS Backup vaults, plans, selections, restore testing, reports and the keys that encrypt them. */
export function backupAndKeyStatements(scope: PermissionScope): PolicyStatement[] {
    const a = scope.accountId;
    return [
        {
            Sid: "ManageBackupConfiguration",
            Effect: "Allow",
            Action: [
                "backup:CreateBackupVault",
                "backup:DeleteBackupVault",
                "backup:PutBackupVaultAccessPolicy",
                "backup:DeleteBackupVaultAccessPolicy",
                "backup:PutBackupVaultLockConfiguration",
                "backup:PutBackupVaultNotifications",
                "backup:DeleteBackupVaultNotifications",
                "backup:CreateLogicallyAirGappedBackupVault",
                "backup:CreateBackupPlan",
                "backup:UpdateBackupPlan",
                "backup:DeleteBackupPlan",
                "backup:CreateBackupSelection",
                "backup:DeleteBackupSelection",
                "backup:CreateRestoreTestingPlan",
                "backup:UpdateRestoreTestingPlan",
                "backup:DeleteRestoreTestingPlan",
                "backup:CreateRestoreTestingSelection",
                "backup:UpdateRestoreTestingSelection",
                "backup:DeleteRestoreTestingSelection",
                "backup:CreateReportPlan",
                "backup:UpdateReportPlan",
                "backup:DeleteReportPlan",
                "backup:CreateFramework",
                "backup:UpdateFramework",
                "backup:DeleteFramework",
                "backup:UpdateRegionSettings",
                "backup:UpdateGlobalSettings",
                "backup:TagResource",
                "backup:UntagResource",
                // Creating a vault mounts its key: https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault.html
                "backup-storage:MountCapsule",
            ],
            Resource: "*",
            Condition: inRegions(scope),
        },
        {
            // CreateKey has no resource to scope; the provider's default tags are in the request.
            Sid: "CreateProjectKeys",
            Effect: "Allow",
            Action: ["kms:CreateKey", "kms:TagResource"],
            Resource: "*",
            Condition: {
                StringEquals: {
                    "aws:RequestedRegion": scope.regions,
                    [`aws:RequestTag/${PROJECT_TAG.key}`]: PROJECT_TAG.value,
                },
            },
        },
        {
            Sid: "ManageProjectKeys",
            Effect: "Allow",
            Action: [
                "kms:PutKeyPolicy",
                "kms:EnableKeyRotation",
                "kms:DisableKeyRotation",
                "kms:UpdateKeyDescription",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
                "kms:CreateAlias",
                "kms:UpdateAlias",
                "kms:DeleteAlias",
                // A vault's creation grants AWS Backup the use of its key (same documentation as above).
                "kms:CreateGrant",
                "kms:RetireGrant",
                "kms:Decrypt",
                "kms:GenerateDataKey",
                // Replicating a secret encrypts its replica under the project's key in the DR region.
                "kms:Encrypt",
            ],
            Resource: `arn:aws:kms:*:${a}:key/*`,
            Condition: { StringEquals: { [`aws:ResourceTag/${PROJECT_TAG.key}`]: PROJECT_TAG.value } },
        },
        {
            // An alias operation is authorised on the alias and on the key (above).
            Sid: "ManageProjectKeyAliases",
            Effect: "Allow",
            Action: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
            Resource: [
                `arn:aws:kms:*:${a}:alias/*-env-backup*`,
                `arn:aws:kms:*:${a}:alias/*-env-secret-replicas`,
                `arn:aws:kms:*:${a}:alias/vat-backup-*`,
                `arn:aws:kms:*:${a}:alias/backup-account-*`,
            ],
        },
        {
            // ReplicateSecretToRegions decrypts the primary secret under the application's key:
            // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ReplicateSecretToRegions.html
            Sid: "DecryptSecretsForReplication",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: `arn:aws:kms:*:${a}:key/*`,
            Condition: {
                StringEquals: { "kms:ViaService": scope.regions.map((r) => `secretsmanager.${r}.amazonaws.com`) },
            },
        },
    ];
}

/** Roles and policies of the project (and the GitHub roles and OIDC provider themselves). */
export function iamStatements(scope: PermissionScope): PolicyStatement[] {
    const a = scope.accountId;
    const roles = [
        `arn:aws:iam::${a}:role/*-env-backup-*`,
        // Deployment stacks' roles end in their region (naming.deploymentRoleName).
        `arn:aws:iam::${a}:role/*-env-exports-replication-*`,
        `arn:aws:iam::${a}:role/*-env-copy-event-forwarding-*`,
        // The scheduled protection functions and their schedules (naming.scheduledRoleNames).
        `arn:aws:iam::${a}:role/*-env-secret-escrow-*`,
        `arn:aws:iam::${a}:role/*-env-user-pool-export-*`,
        `arn:aws:iam::${a}:role/*-env-table-export-*`,
        // The monthly proofs (user-pool round trip with Cognito's import logs role, evidence pack).
        `arn:aws:iam::${a}:role/*-env-users-round-trip-*`,
        `arn:aws:iam::${a}:role/*-env-cognito-import-logs-*`,
        `arn:aws:iam::${a}:role/*-env-evidence-pack-*`,
        `arn:aws:iam::${a}:role/*-env-scheduler-*`,
        `arn:aws:iam::${a}:role/vat-backup-*`,
    ];
    return [
        {
            Sid: "ManageProjectRoles",
            Effect: "Allow",
            Action: [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:AttachRolePolicy",
                "iam:DetachRolePolicy",
            ],
            Resource: roles,
        },
        {
            Sid: "ManageProjectPolicies",
            Effect: "Allow",
            Action: [
                "iam:CreatePolicy",
                "iam:DeletePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicyVersion",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ],
            Resource: [`arn:aws:iam::${a}:policy/vat-backup-*`, `arn:aws:iam::${a}:policy/*-env-backup-*`],
        },
        {
            // Only to the services that run the project's roles: backup jobs, S3 replication, the copy Lambda, Config.
            Sid: "PassProjectRolesToTheirServices",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: roles,
            Condition: {
                StringEquals: {
                    "iam:PassedToService": [
                        "backup.amazonaws.com",
                        "s3.amazonaws.com",
                        "lambda.amazonaws.com",
                        "config.amazonaws.com",
                        "events.amazonaws.com",
                        "scheduler.amazonaws.com",
                    ],
                },
            },
        },
        {
            Sid: "CreateServiceLinkedRoles",
            Effect: "Allow",
            Action: "iam:CreateServiceLinkedRole",
            Resource: "*",
            Condition: {
                StringEquals: {
                    "iam:AWSServiceName": [
                        "backup.amazonaws.com",
                        "reports.backup.amazonaws.com",
                        "restore-testing.backup.amazonaws.com",
                        "config.amazonaws.com",
                    ],
                },
            },
        },
        {
            Sid: "ManageGitHubOidcProvider",
            Effect: "Allow",
            Action: [
                "iam:CreateOpenIDConnectProvider",
                "iam:DeleteOpenIDConnectProvider",
                "iam:UpdateOpenIDConnectProviderThumbprint",
                "iam:AddClientIDToOpenIDConnectProvider",
                "iam:RemoveClientIDFromOpenIDConnectProvider",
                "iam:TagOpenIDConnectProvider",
                "iam:UntagOpenIDConnectProvider",
            ],
            Resource: `arn:aws:iam::${a}:oidc-provider/token.actions.githubusercontent.com`,
        },
    ];
}

/** Buckets, topics, PITR, secret replicas, the copy Lambda and its schedule, alarms, Config and Audit Manager. */
export function storageAndMonitoringStatements(scope: PermissionScope): PolicyStatement[] {
    const a = scope.accountId;
    return [
        {
            Sid: "ManageProjectBuckets",
            Effect: "Allow",
            Action: [
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:PutBucket*",
                "s3:DeleteBucketPolicy",
                "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:PutReplicationConfiguration",
                "s3:PutAccelerateConfiguration",
                "s3:PutIntelligentTieringConfiguration",
            ],
            Resource: projectBucketArns(a),
        },
        {
            Sid: "ManageProjectTopics",
            Effect: "Allow",
            Action: [
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:SetSubscriptionAttributes",
                "sns:TagResource",
                "sns:UntagResource",
            ],
            Resource: [
                `arn:aws:sns:*:${a}:*-env-backup-*`,
                `arn:aws:sns:*:${a}:vat-backup-*`,
                `arn:aws:sns:*:${a}:backup-account-*`,
            ],
            Condition: inRegions(scope),
        },
        {
            // PITR and replicas on tables and secrets another tool owns (the dynamic providers).
            Sid: "ProtectApplicationData",
            Effect: "Allow",
            Action: [
                "dynamodb:UpdateContinuousBackups",
                "secretsmanager:ReplicateSecretToRegions",
                "secretsmanager:RemoveRegionsFromReplication",
            ],
            Resource: [`arn:aws:dynamodb:*:${a}:table/*`, `arn:aws:secretsmanager:*:${a}:secret:*`],
        },
        {
            Sid: "ManageCopyFunction",
            Effect: "Allow",
            Action: [
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:AddPermission",
                "lambda:RemovePermission",
                "lambda:TagResource",
                "lambda:UntagResource",
                "events:PutRule",
                "events:DeleteRule",
                "events:PutTargets",
                "events:RemoveTargets",
                "events:TagResource",
                "events:UntagResource",
                "lambda:PutFunctionEventInvokeConfig",
                "lambda:UpdateFunctionEventInvokeConfig",
                "lambda:DeleteFunctionEventInvokeConfig",
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
                "sqs:CreateQueue",
                "sqs:DeleteQueue",
                "sqs:SetQueueAttributes",
                "sqs:TagQueue",
                "sqs:UntagQueue",
            ],
            Resource: [
                `arn:aws:lambda:*:${a}:function:vat-backup-*`,
                `arn:aws:lambda:*:${a}:function:*-env-backup-*`,
                `arn:aws:events:*:${a}:rule/vat-backup-*`,
                `arn:aws:events:*:${a}:rule/*-env-backup-*`,
                `arn:aws:events:*:${a}:rule/*-env-copy-event-forwarding*`,
                `arn:aws:logs:*:${a}:log-group:/aws/lambda/vat-backup-*`,
                `arn:aws:logs:*:${a}:log-group:/aws/lambda/*-env-backup-*`,
                `arn:aws:sqs:*:${a}:vat-backup-*`,
                `arn:aws:sqs:*:${a}:*-env-backup-*`,
            ],
        },
        {
            // The scheduled escrow and exports (stacks/automation.ts): EventBridge Scheduler schedules.
            Sid: "ManageProtectionSchedules",
            Effect: "Allow",
            Action: [
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
                "scheduler:TagResource",
                "scheduler:UntagResource",
            ],
            Resource: `arn:aws:scheduler:*:${a}:schedule/default/vat-backup-*`,
        },
        {
            // The backup account's default bus admits the deployment accounts' copy events.
            // PutPermission and RemovePermission take no resource-level permission.
            Sid: "ManageEventBusPolicy",
            Effect: "Allow",
            Action: ["events:PutPermission", "events:RemovePermission"],
            Resource: "*",
            Condition: inRegions(scope),
        },
        {
            // Alarms, dashboards, Config rules and Audit Manager assessments name no stable resource prefix at creation.
            Sid: "ManageMonitoringAndCompliance",
            Effect: "Allow",
            Action: [
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:PutDashboard",
                "cloudwatch:DeleteDashboards",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "config:PutConfigRule",
                "config:DeleteConfigRule",
                "config:PutRemediationConfigurations",
                "config:DeleteRemediationConfiguration",
                "config:PutConfigurationRecorder",
                "config:DeleteConfigurationRecorder",
                "config:StartConfigurationRecorder",
                "config:StopConfigurationRecorder",
                "config:PutDeliveryChannel",
                "config:DeleteDeliveryChannel",
                "config:TagResource",
                "config:UntagResource",
            ],
            Resource: "*",
            Condition: inRegions(scope),
        },
    ];
}

/**
 * The management account's stack: cross-account backup for the organization, its policies (backup,
 * SCP, RCP), delegated administration, the baseline StackSet and the organization trail.
 */
export function organizationStatements(accountId = "*"): PolicyStatement[] {
    return [
        {
            Sid: "ManageOrganizationTrail",
            Effect: "Allow",
            Action: [
                "cloudtrail:CreateTrail",
                "cloudtrail:UpdateTrail",
                "cloudtrail:DeleteTrail",
                "cloudtrail:StartLogging",
                "cloudtrail:PutEventSelectors",
                "cloudtrail:GetTrail",
                "cloudtrail:GetTrailStatus",
                "cloudtrail:GetEventSelectors",
                "cloudtrail:DescribeTrails",
                "cloudtrail:ListTags",
                "cloudtrail:AddTags",
                "cloudtrail:RemoveTags",
            ],
            Resource: `arn:aws:cloudtrail:*:${accountId}:trail/vat-backup-*`,
        },
        {
            // Service-managed StackSets: the stack set, its targets (OUs) and the resource types it deploys.
            Sid: "ManageBaselineStackSet",
            Effect: "Allow",
            Action: [
                "cloudformation:CreateStackSet",
                "cloudformation:UpdateStackSet",
                "cloudformation:DeleteStackSet",
                "cloudformation:DescribeStackSet",
                "cloudformation:DescribeStackSetOperation",
                "cloudformation:CreateStackInstances",
                "cloudformation:UpdateStackInstances",
                "cloudformation:DeleteStackInstances",
                "cloudformation:DescribeStackInstance",
                "cloudformation:ListStackInstances",
                "cloudformation:TagResource",
                "cloudformation:UntagResource",
            ],
            Resource: [
                `arn:aws:cloudformation:*:${accountId}:stackset/vat-backup-*`,
                `arn:aws:cloudformation:*:${accountId}:stackset-target/vat-backup-*`,
                "arn:aws:cloudformation:*::type/resource/*",
            ],
        },
        {
            Sid: "ManageOrganizationBackup",
            Effect: "Allow",
            Action: [
                "organizations:EnableAWSServiceAccess",
                "organizations:RegisterDelegatedAdministrator",
                "organizations:DeregisterDelegatedAdministrator",
                "organizations:EnablePolicyType",
                "organizations:CreatePolicy",
                "organizations:UpdatePolicy",
                "organizations:DeletePolicy",
                "organizations:AttachPolicy",
                "organizations:DetachPolicy",
                "organizations:TagResource",
                "organizations:UntagResource",
                "organizations:DisableAWSServiceAccess",
            ],
            Resource: "*",
        },
    ];
}

/** Read and write the stack's state; `write` also lets `pulumi up` record history and checkpoints. */
export function stateBackendStatements(backend: StateBackend | undefined, write: boolean): PolicyStatement[] {
    if (!backend) return [];
    const bucket = `arn:aws:s3:::${backend.bucketName}`;
    const statements: PolicyStatement[] = [
        {
            Sid: "ListStateBucket",
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: bucket,
        },
        { Sid: "ReadState", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/.pulumi/*` },
        {
            // Preview takes the stack's lock too; deploy writes checkpoints, history and backups.
            Sid: write ? "WriteState" : "TakeStateLock",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:DeleteObject"],
            Resource: write ? `${bucket}/.pulumi/*` : `${bucket}/.pulumi/locks/*`,
        },
    ];
    if (backend.kmsKeyArn) {
        statements.push({
            Sid: write ? "UseSecretsKey" : "DecryptSecretsKey",
            Effect: "Allow",
            Action: write ? ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
            Resource: backend.kmsKeyArn,
        });
    }
    return statements;
}

/**
 * The scheduled checks: `dr verify` (reads, a sentinel item by key, never a scan), `dr export-table`
 * into the exports bucket, `dr export-users` of the user pool's metadata.
 */
export function checksStatements(scope: PermissionScope): PolicyStatement[] {
    const a = scope.accountId;
    const exportsObjects = `arn:aws:s3:::*-env-backup-exports-${a}-*/*`;
    return [
        {
            // GetItem reads one sentinel item by key; Query and Scan stay denied by omission.
            Sid: "VerifySentinelsAndExportTables",
            Effect: "Allow",
            Action: [
                "dynamodb:GetItem",
                "dynamodb:ExportTableToPointInTime",
                "dynamodb:DescribeExport",
                "dynamodb:ListExports",
            ],
            Resource: [`arn:aws:dynamodb:*:${a}:table/*`],
            Condition: inRegions(scope),
        },
        {
            Sid: "WriteExports",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl"],
            Resource: exportsObjects,
        },
        {
            // The drift workflow's summaries (tools/driftSummary.ts): the backup account keeps them in its reports bucket.
            Sid: "WriteDriftSummaries",
            Effect: "Allow",
            Action: "s3:PutObject",
            Resource: `arn:aws:s3:::vat-backup-reports-${a}-*/drift-reports/*`,
        },
        {
            Sid: "EncryptExportsWithTheBucketKey",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Encrypt"],
            Resource: `arn:aws:kms:*:${a}:key/*`,
            Condition: { StringLike: { "kms:ViaService": scope.regions.map((r) => `s3.${r}.amazonaws.com`) } },
        },
        {
            // `dr verify` reads the age of the scheduled escrow and exports (keys and times), the
            // escrows' plaintext header (the value inside stays sealed under the backup account's
            // key), and the secrets' version ids to compare with.
            Sid: "VerifyScheduledProtection",
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetObject", "secretsmanager:ListSecretVersionIds"],
            Resource: [
                `arn:aws:s3:::*-env-backup-exports-${a}-*`,
                `arn:aws:s3:::*-env-backup-exports-${a}-*/secrets-escrow/*`,
                `arn:aws:secretsmanager:*:${a}:secret:*`,
            ],
        },
        {
            Sid: "ExportUserPoolMetadata",
            Effect: "Allow",
            // What `dr export-users` calls: the pool, its users, its groups and their members, and the import CSV header.
            Action: [
                "cognito-idp:ListUserPools",
                "cognito-idp:DescribeUserPool",
                "cognito-idp:ListUsers",
                "cognito-idp:ListGroups",
                "cognito-idp:ListUsersInGroup",
                "cognito-idp:GetCSVHeader",
            ],
            Resource: "*",
            Condition: inRegions(scope),
        },
    ];
}
