/**
 * The type tokens the pack matches, against the literal strings the engine sends (Pulumi AWS
 * provider v7 tokens, `pulumi-nodejs:dynamic/<module>:<type>` for named dynamic resources). Tests
 * elsewhere build their arguments from literals too, so a wrong constant fails here and there.
 */
import * as assert from "node:assert/strict";
import * as tokens from "../../policies/lib/tokens";

describe("policies/lib/tokens", () => {
    it("names each resource type exactly as the engine sends it", () => {
        assert.deepEqual(
            {
                TABLE: tokens.TABLE,
                VAULT: tokens.VAULT,
                VAULT_NOTIFICATIONS: tokens.VAULT_NOTIFICATIONS,
                VAULT_LOCK: tokens.VAULT_LOCK,
                VAULT_POLICY: tokens.VAULT_POLICY,
                PLAN: tokens.PLAN,
                SELECTION: tokens.SELECTION,
                REGION_SETTINGS: tokens.REGION_SETTINGS,
                RESTORE_TESTING_PLAN: tokens.RESTORE_TESTING_PLAN,
                RESTORE_TESTING_SELECTION: tokens.RESTORE_TESTING_SELECTION,
                KMS_KEY: tokens.KMS_KEY,
                SECRET: tokens.SECRET,
                METRIC_ALARM: tokens.METRIC_ALARM,
                EVENT_RULE: tokens.EVENT_RULE,
                EVENT_TARGET: tokens.EVENT_TARGET,
                IAM_ROLE: tokens.IAM_ROLE,
                ROLE_POLICY_ATTACHMENT: tokens.ROLE_POLICY_ATTACHMENT,
                TABLE_PITR: tokens.TABLE_PITR,
                DYNAMIC: tokens.DYNAMIC,
                DYNAMIC_PREFIX: tokens.DYNAMIC_PREFIX,
                AWS_PROVIDER: tokens.AWS_PROVIDER,
            },
            {
                TABLE: "aws:dynamodb/table:Table",
                VAULT: "aws:backup/vault:Vault",
                VAULT_NOTIFICATIONS: "aws:backup/vaultNotifications:VaultNotifications",
                VAULT_LOCK: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
                VAULT_POLICY: "aws:backup/vaultPolicy:VaultPolicy",
                PLAN: "aws:backup/plan:Plan",
                SELECTION: "aws:backup/selection:Selection",
                REGION_SETTINGS: "aws:backup/regionSettings:RegionSettings",
                RESTORE_TESTING_PLAN: "aws:backup/restoreTestingPlan:RestoreTestingPlan",
                RESTORE_TESTING_SELECTION: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
                KMS_KEY: "aws:kms/key:Key",
                SECRET: "aws:secretsmanager/secret:Secret",
                METRIC_ALARM: "aws:cloudwatch/metricAlarm:MetricAlarm",
                EVENT_RULE: "aws:cloudwatch/eventRule:EventRule",
                EVENT_TARGET: "aws:cloudwatch/eventTarget:EventTarget",
                IAM_ROLE: "aws:iam/role:Role",
                ROLE_POLICY_ATTACHMENT: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                TABLE_PITR: "pulumi-nodejs:dynamic/backup:TablePitr",
                DYNAMIC: "pulumi-nodejs:dynamic:Resource",
                DYNAMIC_PREFIX: "pulumi-nodejs:dynamic",
                AWS_PROVIDER: "pulumi:providers:aws",
            },
        );
    });

    it("names the S3 configuration resources of v7, with their deprecated V2 aliases", () => {
        assert.deepEqual([...tokens.BUCKET], ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
        assert.deepEqual(
            [...tokens.BUCKET_VERSIONING],
            ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
        );
        assert.deepEqual(
            [...tokens.BUCKET_PUBLIC_ACCESS_BLOCK],
            ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
        );
        assert.deepEqual(
            [...tokens.BUCKET_SSE],
            [
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
            ],
        );
        assert.deepEqual([...tokens.BUCKET_POLICY], ["aws:s3/bucketPolicy:BucketPolicy"]);
        assert.deepEqual([...tokens.BUCKET_REPLICATION], ["aws:s3/bucketReplicationConfig:BucketReplicationConfig"]);
        assert.deepEqual(
            [...tokens.BUCKET_LIFECYCLE],
            [
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
            ],
        );
        assert.deepEqual(
            [...tokens.BUCKET_OBJECT_LOCK],
            [
                "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
            ],
        );
    });

    it("tells dynamic resources by their token, named or not", () => {
        assert.equal(tokens.isDynamic("pulumi-nodejs:dynamic:Resource"), true);
        assert.equal(tokens.isDynamic("pulumi-nodejs:dynamic/backup:SecretReplica"), true);
        assert.equal(tokens.isDynamic("pulumi-nodejs:dynamicx:Resource"), false);
        assert.equal(tokens.isDynamic("aws:s3/bucket:Bucket"), false);
    });
});
