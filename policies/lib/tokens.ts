/**
 * The Pulumi AWS v7 type tokens the pack inspects, and the property shapes the engine passes for them.
 *
 * The shapes are the provider's own argument types (type-only imports: nothing of @pulumi/aws is
 * loaded at run time), so a renamed property fails the pack's type check instead of silently
 * passing every policy. Resource policies see inputs; stack policies see the planned state, which
 * adds outputs such as `arn` and `id`.
 */
import type { Unwrap } from "@pulumi/pulumi";
import type { TableArgs } from "@pulumi/aws/dynamodb/table";
import type { VaultArgs } from "@pulumi/aws/backup/vault";
import type { VaultNotificationsArgs } from "@pulumi/aws/backup/vaultNotifications";
import type { VaultLockConfigurationArgs } from "@pulumi/aws/backup/vaultLockConfiguration";
import type { PlanArgs } from "@pulumi/aws/backup/plan";
import type { SelectionArgs } from "@pulumi/aws/backup/selection";
import type { KeyArgs } from "@pulumi/aws/kms/key";
import type { BucketArgs } from "@pulumi/aws/s3/bucket";
import type { BucketVersioningArgs } from "@pulumi/aws/s3/bucketVersioning";
import type { BucketPublicAccessBlockArgs } from "@pulumi/aws/s3/bucketPublicAccessBlock";
import type { BucketServerSideEncryptionConfigurationArgs } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import type { BucketPolicyArgs } from "@pulumi/aws/s3/bucketPolicy";
import type { BucketReplicationConfigArgs } from "@pulumi/aws/s3/bucketReplicationConfig";
import type { BucketObjectLockConfigurationArgs } from "@pulumi/aws/s3/bucketObjectLockConfiguration";
import type { SecretArgs } from "@pulumi/aws/secretsmanager/secret";
import type { VaultPolicyArgs } from "@pulumi/aws/backup/vaultPolicy";
import type { RegionSettingsArgs } from "@pulumi/aws/backup/regionSettings";
import type { RestoreTestingPlanArgs } from "@pulumi/aws/backup/restoreTestingPlan";
import type { RestoreTestingSelectionArgs } from "@pulumi/aws/backup/restoreTestingSelection";
import type { MetricAlarmArgs } from "@pulumi/aws/cloudwatch/metricAlarm";
import type { EventRuleArgs } from "@pulumi/aws/cloudwatch/eventRule";
import type { RolePolicyAttachmentArgs } from "@pulumi/aws/iam/rolePolicyAttachment";
import type { BucketLifecycleConfigurationArgs } from "@pulumi/aws/s3/bucketLifecycleConfiguration";

export const TABLE = "aws:dynamodb/table:Table";
export const VAULT = "aws:backup/vault:Vault";
export const VAULT_NOTIFICATIONS = "aws:backup/vaultNotifications:VaultNotifications";
export const VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration";
export const PLAN = "aws:backup/plan:Plan";
export const SELECTION = "aws:backup/selection:Selection";
export const KMS_KEY = "aws:kms/key:Key";
export const SECRET = "aws:secretsmanager/secret:Secret";
export const VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy";
export const REGION_SETTINGS = "aws:backup/regionSettings:RegionSettings";
export const RESTORE_TESTING_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan";
export const RESTORE_TESTING_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection";
export const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
export const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";
export const IAM_ROLE = "aws:iam/role:Role";
export const ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
/** Dynamic resources: `pulumi-nodejs:dynamic:Resource`, or `pulumi-nodejs:dynamic/<module>:<type>` when named. */
export const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";
export const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
/** The project's dynamic resource keeping PITR on a table another tool owns (inputs `tableName`, `recoveryPeriodDays`). */
export const TABLE_PITR = "pulumi-nodejs:dynamic/backup:TablePitr";
/** The project's dynamic resource keeping a secret's DR-region replica. */
export const SECRET_REPLICA = "pulumi-nodejs:dynamic/backup:SecretReplica";
export const LAMBDA_FUNCTION = "aws:lambda/function:Function";
export const SCHEDULER_SCHEDULE = "aws:scheduler/schedule:Schedule";

export function isDynamic(type: string): boolean {
    return type === DYNAMIC || type.startsWith(`${DYNAMIC_PREFIX}/`);
}
export const AWS_PROVIDER = "pulumi:providers:aws";

// S3 in v7: the bucket and each of its configurations are separate resources. The `V2` tokens are
// v7's deprecated aliases of the same resources; a program still using them is checked the same way.
export const BUCKET = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"] as const;
export const BUCKET_VERSIONING = [
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
] as const;
export const BUCKET_PUBLIC_ACCESS_BLOCK = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"] as const;
export const BUCKET_SSE = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
] as const;
export const BUCKET_POLICY = ["aws:s3/bucketPolicy:BucketPolicy"] as const;
export const BUCKET_REPLICATION = ["aws:s3/bucketReplicationConfig:BucketReplicationConfig"] as const;
export const BUCKET_LIFECYCLE = [
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
] as const;
export const BUCKET_OBJECT_LOCK = [
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
] as const;

/** What every resource of the planned state carries besides its arguments. */
interface State {
    id?: string;
    arn?: string;
    tagsAll?: Record<string, string>;
}

export type TableProps = Unwrap<TableArgs> & State;
export type VaultProps = Unwrap<VaultArgs> & State;
export type VaultNotificationsProps = Unwrap<VaultNotificationsArgs> & State;
export type VaultLockProps = Unwrap<VaultLockConfigurationArgs> & State;
export type PlanProps = Unwrap<PlanArgs> & State;
export type SelectionProps = Unwrap<SelectionArgs> & State;
export type KeyProps = Unwrap<KeyArgs> & State & { keyId?: string };
export type BucketProps = Unwrap<BucketArgs> & State;
export type BucketVersioningProps = Unwrap<BucketVersioningArgs> & State;
export type BucketPublicAccessBlockProps = Unwrap<BucketPublicAccessBlockArgs> & State;
export type BucketSseProps = Unwrap<BucketServerSideEncryptionConfigurationArgs> & State;
export type BucketPolicyProps = Unwrap<BucketPolicyArgs> & State;
export type BucketReplicationProps = Unwrap<BucketReplicationConfigArgs> & State;
export type BucketObjectLockProps = Unwrap<BucketObjectLockConfigurationArgs> & State;
export type SecretProps = Unwrap<SecretArgs> & State;
export type VaultPolicyProps = Unwrap<VaultPolicyArgs> & State;
export type RegionSettingsProps = Unwrap<RegionSettingsArgs> & State;
export type RestoreTestingPlanProps = Unwrap<RestoreTestingPlanArgs> & State;
export type RestoreTestingSelectionProps = Unwrap<RestoreTestingSelectionArgs> & State;
export type MetricAlarmProps = Unwrap<MetricAlarmArgs> & State;
export type EventRuleProps = Unwrap<EventRuleArgs> & State;
export type RolePolicyAttachmentProps = Unwrap<RolePolicyAttachmentArgs> & State;
export type BucketLifecycleProps = Unwrap<BucketLifecycleConfigurationArgs> & State;
