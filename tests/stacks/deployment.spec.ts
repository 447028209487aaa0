import { BACKUP_RESOURCE_TYPES_BY_REGION } from "../../aws/backupRegionSettings";
import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { Registered, asList, policyOf, runStackOffline, statement, inputOf } from "../helpers/engine";

describe("deployment stack (prod)", function () {
    let prod: Registered;
    before(async () => {
        prod = new Registered(await runStackOffline("prod"));
    });

    it("creates every AWS resource through an explicit provider pinned to the prod account, in eu-west-2 except the DR-region key", () => {
        const providers = prod.ofType("pulumi:providers:aws");
        assert.deepEqual(
            providers.map((p) => [p.name, p.inputs.region, p.inputs.allowedAccountIds]),
            [
                ["prod-eu-west-2", "eu-west-2", ["111111111111"]],
                ["prod-eu-west-1", "eu-west-1", ["111111111111"]],
            ],
        );
        for (const r of prod.resources.filter((r) => r.type.startsWith("aws:"))) {
            // The DR region holds the secret replicas' key and the rule forwarding its tamper events.
            const inDr = r.name.startsWith("secrets-dr-key") || r.name.startsWith("dr-tamper-alarms");
            const expected = inDr ? "prod-eu-west-1" : "prod-eu-west-2";
            assert.equal(prod.providerOf(r)?.name, expected, `${r.name} is on the wrong provider`);
        }
    });

    it("keeps PITR on every configured table with the configured window, in the stack's own account and region", () => {
        const pitr = prod.ofType("pulumi-nodejs:dynamic/backup:TablePitr");
        assert.equal(pitr.length, 7);
        for (const r of pitr) {
            assert.equal(r.inputs.recoveryPeriodDays, 35);
            assert.equal(r.inputs.accountId, "111111111111");
            assert.equal(r.inputs.region, "eu-west-2");
        }
        assert.ok(pitr.some((r) => r.inputs.tableName === "prod-env-receipts"));
    });

    it("keeps a DR-region replica of each critical secret under a key in that region", () => {
        const replicas = prod.ofType("pulumi-nodejs:dynamic/backup:SecretReplica");
        assert.deepEqual(
            replicas.map((r) => r.inputs.secretId),
            ["prod/submit/user-sub-hash-salt", "prod/submit/hmrc/client_secret"],
        );
        const key = prod.named("secrets-dr-key-key");
        assert.match(String(key.outputs.arn), /^arn:aws:kms:eu-west-1:111111111111:key\//);
        assert.ok(
            replicas.every(
                (r) => r.inputs.replicaRegion === "eu-west-1" && r.inputs.replicaKmsKeyId === key.outputs.arn,
            ),
        );
    });

    it("replicates the exports into the backup account's archive with RTC, re-encrypted with the archive key, owned by the backup account", () => {
        const config = prod.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig");
        const [rule] = inputOf<aws.types.input.s3.BucketReplicationConfigRule[]>(config, "rules");
        assert.equal(rule.destination.bucket, "arn:aws:s3:::vat-backup-archive-333333333333-eu-west-2");
        assert.equal(rule.destination.account, "333333333333");
        assert.deepEqual(rule.destination.accessControlTranslation, { owner: "Destination" });
        assert.equal(
            rule.destination.encryptionConfiguration?.replicaKmsKeyId,
            "arn:aws:kms:eu-west-2:333333333333:alias/vat-backup-archive",
        );
        assert.deepEqual(rule.destination.replicationTime, { status: "Enabled", time: { minutes: 15 } });
        assert.deepEqual(rule.destination.metrics, { status: "Enabled", eventThreshold: { minutes: 15 } });
        assert.deepEqual(rule.sourceSelectionCriteria, { sseKmsEncryptedObjects: { status: "Enabled" } });
        assert.deepEqual(rule.deleteMarkerReplication, { status: "Disabled" });
        assert.equal(config.inputs.role, prod.named("exports-replication-role").outputs.arn);
        assert.equal(prod.named("exports-replication-role").inputs.name, "prod-env-exports-replication-eu-west-2");
    });

    it("forwards completed copies into the central vault to the backup account's event bus", () => {
        const rule = prod.named("copy-events-rule");
        const pattern = JSON.parse(String(rule.inputs.eventPattern));
        assert.deepEqual(pattern.detail.destinationBackupVaultArn, [
            "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault",
        ]);
        assert.equal(
            prod.named("copy-events-target").inputs.arn,
            "arn:aws:events:eu-west-2:333333333333:event-bus/default",
        );
    });

    it("protects the vault, keys and the exports bucket from deletion in prod", () => {
        const protectedNames = prod.resources
            .filter((r) => r.protect)
            .map((r) => r.name)
            .sort();
        assert.deepEqual(protectedNames, [
            "alerts-key-key",
            "backup-key-key",
            "exports-bucket",
            "local-vault-vault",
            "secrets-dr-key-key",
        ]);
    });

    it("has the daily, weekly and monthly rules of the requirements", () => {
        const rules = inputOf<aws.types.input.backup.PlanRule[]>(prod.one("aws:backup/plan:Plan"), "rules");
        const byName = Object.fromEntries(rules.map((r) => [r.ruleName, r]));
        assert.equal(byName.daily.schedule, "cron(0 2 * * ? *)");
        assert.deepEqual(byName.daily.lifecycle, { deleteAfter: 35 });
        assert.equal(byName.weekly.schedule, "cron(0 3 ? * SUN *)");
        assert.deepEqual(byName.weekly.lifecycle, { deleteAfter: 90 });
        assert.equal(byName.monthly.schedule, "cron(0 4 1 * ? *)");
        assert.deepEqual(byName.monthly.lifecycle, { coldStorageAfter: 90, deleteAfter: 2555 });
        for (const r of rules) {
            assert.equal(r.targetVaultName, "prod-env-backup-vault");
            const start = r.startWindow ?? 0;
            assert.ok(start >= 60 && (r.completionWindow ?? 0) >= start + 60, `${r.ruleName} windows`);
        }
    });

    it("copies the daily and monthly points to the backup account's central vault, each with an explicit lifecycle", () => {
        const rules = inputOf<aws.types.input.backup.PlanRule[]>(prod.one("aws:backup/plan:Plan"), "rules");
        const copies = Object.fromEntries(rules.map((r) => [r.ruleName, r.copyActions ?? []]));
        const central = "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault";
        assert.deepEqual(copies.daily, [{ destinationVaultArn: central, lifecycle: { deleteAfter: 35 } }]);
        assert.deepEqual(copies.monthly, [
            { destinationVaultArn: central, lifecycle: { coldStorageAfter: 90, deleteAfter: 2555 } },
        ]);
        assert.deepEqual(copies.weekly, []);
    });

    it("selects the configured tables by ARN and everything tagged for backup, with the backup role", () => {
        const listed = prod.one("aws:backup/selection:Selection", "backup-plan-listed");
        assert.equal((listed.inputs.resources as string[]).length, 7);
        assert.ok(
            (listed.inputs.resources as string[]).includes(
                "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts",
            ),
        );
        const tagged = prod.one("aws:backup/selection:Selection", "backup-plan-tagged");
        assert.deepEqual(tagged.inputs.selectionTags, [
            { type: "STRINGEQUALS", key: "backup-plan", value: "vat-backup" },
        ]);
        const role = prod.named("backup-plan-role");
        for (const s of [listed, tagged]) assert.equal(s.inputs.iamRoleArn, role.outputs.arn);
        assert.equal(role.outputs.arn, "arn:aws:iam::111111111111:role/prod-env-backup-service-eu-west-2");
    });

    it("gives the backup role exactly the managed policies for backup and restore", () => {
        const attached = prod
            .childrenOf(prod.named("backup-plan"))
            .filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .map((a) => a.inputs.policyArn)
            .sort();
        assert.deepEqual(attached, [
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        ]);
        const trust = statement(prod.named("backup-plan-role"), "TrustService", "assumeRolePolicy");
        assert.deepEqual(trust.Principal, { Service: "backup.amazonaws.com" });
        assert.equal(trust.Resource, undefined, "a trust policy may not name a Resource");
    });

    it("encrypts the local vault with the backup key and sends its failure events to the alert topic", () => {
        const vault = prod.one("aws:backup/vault:Vault");
        const key = prod.named("backup-key-key");
        assert.equal(vault.inputs.kmsKeyArn, key.outputs.arn);
        assert.equal(vault.inputs.forceDestroy, false);
        const notifications = prod.one("aws:backup/vaultNotifications:VaultNotifications");
        assert.equal(notifications.inputs.snsTopicArn, prod.one("aws:sns/topic:Topic").outputs.arn);
        assert.deepEqual(notifications.inputs.backupVaultEvents, [
            "COPY_JOB_FAILED",
            "S3_BACKUP_OBJECT_FAILED",
            "S3_RESTORE_OBJECT_FAILED",
        ]);
    });

    it("lets only the backup account's copy and copy-back roles copy into the local vault", () => {
        const [s] = policyOf(prod.one("aws:backup/vaultPolicy:VaultPolicy"));
        assert.deepEqual(s.Principal, { AWS: "arn:aws:iam::333333333333:root" });
        assert.deepEqual(s.Condition, {
            ArnEquals: {
                "aws:PrincipalArn": [
                    "arn:aws:iam::333333333333:role/vat-backup-central-backup-service",
                    "arn:aws:iam::333333333333:role/vat-backup-dr-copy-back",
                ],
            },
        });
        assert.equal(s.Action, "backup:CopyIntoBackupVault");
    });

    // "Creating backup copies across AWS accounts" (AWS Backup Developer Guide): the source vault's key must
    // let the destination account use it for the copy (and grants for AWS resources), here only through
    // AWS Backup in this region (kms:ViaService) and only for the backup account (kms:CallerAccount).
    it("lets the backup account use the key for copies only through AWS Backup", () => {
        const key = prod.named("backup-key-key");
        const s = statement(key, "BackupAccountCopies");
        assert.deepEqual(s.Principal, { AWS: ["arn:aws:iam::333333333333:root"] });
        assert.deepEqual(s.Action, [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
        ]);
        const through = {
            "kms:ViaService": ["backup.eu-west-2.amazonaws.com"],
            "kms:CallerAccount": ["333333333333"],
        };
        assert.deepEqual(s.Condition, { StringEquals: through });
        assert.deepEqual(statement(key, "BackupAccountCopiesGrants").Condition, {
            Bool: { "kms:GrantIsForAWSResource": true },
            StringEquals: through,
        });
        assert.equal(key.inputs.enableKeyRotation, true);
    });

    // The provider keeps every type DescribeRegionSettings returns: a type left out diffs on every
    // preview (aws/backupRegionSettings.ts), so every eu-west-2 type is named, DynamoDB alone on.
    it("switches on advanced DynamoDB backups, which cross-account copy and cold storage need, naming every type eu-west-2 has", () => {
        const settings = prod.one("aws:backup/regionSettings:RegionSettings");
        const optIn = settings.inputs.resourceTypeOptInPreference as Record<string, boolean>;
        assert.deepEqual(Object.keys(optIn).sort(), [...BACKUP_RESOURCE_TYPES_BY_REGION["eu-west-2"].optIn].sort());
        assert.deepEqual(
            Object.entries(optIn)
                .filter(([, on]) => on)
                .map(([t]) => t),
            ["DynamoDB"],
        );
        assert.deepEqual(settings.inputs.resourceTypeManagementPreference, {
            CloudFormation: true,
            DSQL: true,
            DynamoDB: true,
            EFS: true,
        });
    });

    it("names the exports bucket per account and region and keeps it private, versioned and KMS-encrypted", () => {
        const bucket = prod.one("aws:s3/bucket:Bucket");
        assert.equal(bucket.name, "exports-bucket");
        assert.equal(bucket.inputs.bucket, "prod-env-backup-exports-111111111111-eu-west-2");
        assert.equal(
            inputOf<aws.types.input.s3.BucketVersioningVersioningConfiguration>(
                prod.one("aws:s3/bucketVersioning:BucketVersioning"),
                "versioningConfiguration",
            ).status,
            "Enabled",
        );
        const [sse] = inputOf<aws.types.input.s3.BucketServerSideEncryptionConfigurationRule[]>(
            prod.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
            "rules",
        );
        assert.equal(sse.applyServerSideEncryptionByDefault?.sseAlgorithm, "aws:kms");
        assert.equal(sse.applyServerSideEncryptionByDefault?.kmsMasterKeyId, prod.named("backup-key-key").outputs.arn);
        const pab = prod.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
        assert.deepEqual(
            [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
            [true, true, true, true],
        );
        const [lifecycle] = inputOf<aws.types.input.s3.BucketLifecycleConfigurationRule[]>(
            prod.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"),
            "rules",
        );
        assert.deepEqual(lifecycle.transitions, [
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 90, storageClass: "GLACIER" },
        ]);
        const tls = statement(prod.one("aws:s3/bucketPolicy:BucketPolicy"), "DenyInsecureTransport");
        assert.deepEqual(tls.Condition, { Bool: { "aws:SecureTransport": false } });
        assert.equal(asList(tls.Resource).length, 2);
    });

    it("exports the ARNs and names other stacks and the DR tooling need", () => {
        const out = prod.outputs;
        assert.equal(out.vaultArn, "arn:aws:backup:eu-west-2:111111111111:backup-vault:prod-env-backup-vault");
        assert.equal(out.exportsBucketName, "prod-env-backup-exports-111111111111-eu-west-2");
        assert.match(String(out.backupKeyArn), /^arn:aws:kms:eu-west-2:111111111111:key\/[0-9a-f-]{36}$/);
        assert.match(String(out.backupPlanId), /^[0-9a-f-]{36}$/);
        assert.equal(out.alertTopicArn, "arn:aws:sns:eu-west-2:111111111111:prod-env-backup-alerts");
    });
});

describe("deployment stack (ci)", () => {
    it("has the same shape in the ci account, unprotected, so it can be torn down", async () => {
        const ci = new Registered(await runStackOffline("ci"));
        assert.ok(
            ci
                .ofType("pulumi:providers:aws")
                .every((p) => JSON.stringify(p.inputs.allowedAccountIds) === '["222222222222"]'),
        );
        assert.equal(ci.resources.filter((r) => r.protect).length, 0);
        assert.equal(ci.one("aws:backup/vault:Vault").inputs.name, "ci-env-backup-vault");
    });

    it("stops before the first resource when config is invalid", async () => {
        await assert.rejects(
            runStackOffline("ci", { pitrRecoveryPeriodDays: 40 }),
            /vat-backup:pitrRecoveryPeriodDays = 40: DynamoDB PITR keeps at most 35 days/,
        );
    });
});
