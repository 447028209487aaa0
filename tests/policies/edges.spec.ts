/**
 * The bounds of the pack's numeric and structural checks, each on both sides of its edge, with
 * the limit the AWS documentation gives (cited where the policy states it).
 */
import * as assert from "node:assert/strict";
import { coldStorageMinimum, copyLifecycleExplicit, planRunsDaily, ruleRetention } from "../../policies/backupRules";
import { archiveObjectLock, bucketSseKms, bucketTlsOnly, replicationTimeControl } from "../../policies/buckets";
import {
    archiveVaultLocked,
    archiveVaultPolicyDenies,
    keyRotation,
    LOCK_LIMITS,
    vaultCustomerManagedKey,
    vaultFailureNotifications,
} from "../../policies/vaults";
import { criticalSecretsReplicated } from "../../policies/secrets";
import { serviceRolePermissions } from "../../policies/backupService";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    FakeResource,
    resourceArgs,
    runPolicy,
    stackArgs,
    unknown,
} from "../helpers/policyHarness";

const ARCHIVE = "vat-backup-archive-333333333333-eu-west-2";

describe("policy edges", () => {
    describe("backup-vault-compliance-lock: AWS accepts changeableForDays 3 to 36500 and retention 1 to 36500 (PutBackupVaultLockConfiguration)", () => {
        it("states AWS's limits", () => assert.deepEqual(LOCK_LIMITS, { minChangeableForDays: 3, maxDays: 36500 }));
        const run = (lock: Record<string, unknown>) =>
            runPolicy(
                archiveVaultLocked,
                stackArgs([
                    { type: "aws:backup/vault:Vault", name: "central", props: { name: "central-backup-vault" } },
                    {
                        type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
                        name: "lock",
                        props: { backupVaultName: "central-backup-vault", ...lock },
                    },
                ]),
            );
        it("passes the edges", () => {
            assertCompliant(run({ changeableForDays: 3, minRetentionDays: 1, maxRetentionDays: 36500 }));
            assertCompliant(run({ changeableForDays: 36500 }));
        });
        it("flags a grace period of 36501 days and of 2", () => {
            assertViolation(
                run({ changeableForDays: 36501, minRetentionDays: 7, maxRetentionDays: 10 }),
                "has changeableForDays 36501; AWS accepts 3 to 36500",
            );
            assertViolation(run({ changeableForDays: 2 }), "has changeableForDays 2; AWS accepts 3 to 36500");
        });
        it("flags a minimum below 1 day and a maximum above 36500", () => {
            assertViolation(
                run({ changeableForDays: 3, minRetentionDays: 0 }),
                "The lock of vault 'central' has minRetentionDays 0; AWS requires at least 1",
            );
            assertViolation(
                run({ changeableForDays: 3, maxRetentionDays: 36501 }),
                "has maxRetentionDays 36501; AWS accepts at most 36500",
            );
            assertViolation(
                run({ changeableForDays: 3, minRetentionDays: 10, maxRetentionDays: 9 }),
                "minRetentionDays 10 above maxRetentionDays 9",
            );
            assertCompliant(run({ changeableForDays: 3, minRetentionDays: 10, maxRetentionDays: 10 }));
        });
        it("flags governance mode with a null grace period too", () => {
            assertViolation(run({ changeableForDays: null }), "is in governance mode");
        });
    });

    describe("kms-key-rotation applies to symmetric KMS-held keys only (KMS automatic key rotation)", () => {
        const key = (props: Record<string, unknown>) =>
            runPolicy(keyRotation, resourceArgs("aws:kms/key:Key", props, { name: "k" }));
        it("is not applicable to HMAC, signing, external key store and CloudHSM keys", () => {
            assertNotApplicable(key({ customerMasterKeySpec: "HMAC_256" }), "symmetric");
            assertNotApplicable(key({ keyUsage: "SIGN_VERIFY" }), "symmetric");
            assertNotApplicable(key({ customKeyStoreId: "cks-1" }), "symmetric");
            assertNotApplicable(key({ xksKeyId: "x" }), "symmetric");
        });
        it("passes 365 days by default, flags 366 against the default", () => {
            assertCompliant(key({ enableKeyRotation: true }));
            assertCompliant(key({ enableKeyRotation: true, rotationPeriodInDays: 365 }));
            assertViolation(
                key({ enableKeyRotation: true, rotationPeriodInDays: 366 }),
                "rotates every 366 days; at most 365 are allowed",
            );
        });
    });

    describe("backup-vault-customer-managed-key", () => {
        const vault = (kmsKeyArn: unknown) =>
            runPolicy(vaultCustomerManagedKey, resourceArgs("aws:backup/vault:Vault", { kmsKeyArn }, { name: "v" }));
        it("tells an AWS-managed alias from a customer alias named like it", () => {
            assertViolation(vault("alias/aws/backup"), "is encrypted with the AWS-managed key alias/aws/backup");
            assertViolation(vault("arn:aws:kms:eu-west-2:1:alias/aws/backup"), "AWS-managed key");
            assertCompliant(vault("arn:aws:kms:eu-west-2:1:alias/my-aws/backup"));
            assertCompliant(vault("alias/vat-backup"));
        });
    });

    describe("backup rules", () => {
        const plan = (rules: unknown[], config: Record<string, unknown> = {}) =>
            resourceArgs("aws:backup/plan:Plan", { rules }, { name: "p", config });
        it("backup-plan-daily: 24 hours passes, 25 fails; the best rule is named", () => {
            assertCompliant(runPolicy(planRunsDaily, plan([{ ruleName: "d", schedule: "cron(0 2 * * ? *)" }])));
            assertViolation(
                runPolicy(
                    planRunsDaily,
                    plan([
                        { ruleName: "m", schedule: "cron(0 4 1 * ? *)" },
                        { ruleName: "w", schedule: "cron(0 3 ? * SUN *)" },
                        { ruleName: "m2", schedule: "cron(0 4 1 * ? *)" },
                    ]),
                ),
                "its most frequent rule, 'w', can leave 168 hours between backups",
            );
            assertCompliant(
                runPolicy(
                    planRunsDaily,
                    plan([{ ruleName: "w", schedule: "cron(0 3 ? * SUN *)" }], { maxIntervalHours: 168 }),
                ),
            );
            assertViolation(
                runPolicy(
                    planRunsDaily,
                    plan([{ ruleName: "w", schedule: "cron(0 3 ? * SUN *)" }], { maxIntervalHours: 167 }),
                ),
                "at least every 167 hours",
            );
            assertCompliant(runPolicy(planRunsDaily, plan([])));
        });
        it("backup-rule-retention: the minimum itself passes; kept indefinitely passes; one day less fails", () => {
            assertCompliant(runPolicy(ruleRetention, plan([{ ruleName: "d", lifecycle: { deleteAfter: 35 } }])));
            assertCompliant(runPolicy(ruleRetention, plan([{ ruleName: "d", lifecycle: { deleteAfter: null } }])));
            assertCompliant(runPolicy(ruleRetention, plan([{ ruleName: "d" }])));
            assertViolation(
                runPolicy(ruleRetention, plan([{ ruleName: "d", lifecycle: { deleteAfter: 34 } }])),
                "rule 'd' deletes recovery points after 34 days; at least 35 are required",
            );
            assertViolation(
                runPolicy(
                    ruleRetention,
                    plan([
                        {
                            ruleName: "d",
                            lifecycle: { deleteAfter: 35 },
                            copyActions: [{ destinationVaultArn: "arn:x", lifecycle: { deleteAfter: 7 } }],
                        },
                    ]),
                ),
                "copy action 1 of rule 'd' (to arn:x) deletes recovery points after 7 days",
            );
            assertViolation(
                runPolicy(
                    ruleRetention,
                    plan([
                        {
                            ruleName: "d",
                            copyActions: [{ destinationVaultArn: unknown.string, lifecycle: { deleteAfter: 7 } }],
                        },
                    ]),
                ),
                "(to a vault whose ARN is known only after the update)",
            );
        });
        it("backup-cold-storage-minimum: 90 days in cold storage (AWS Backup lifecycle) passes at the edge", () => {
            assertCompliant(
                runPolicy(
                    coldStorageMinimum,
                    plan([{ ruleName: "m", lifecycle: { coldStorageAfter: 90, deleteAfter: 180 } }]),
                ),
            );
            assertViolation(
                runPolicy(
                    coldStorageMinimum,
                    plan([{ ruleName: "m", lifecycle: { coldStorageAfter: 90, deleteAfter: 179 } }]),
                ),
                "deleteAfter must be at least 180",
            );
            assertCompliant(
                runPolicy(coldStorageMinimum, plan([{ ruleName: "m", lifecycle: { coldStorageAfter: 90 } }])),
            );
            assertCompliant(
                runPolicy(
                    coldStorageMinimum,
                    plan([{ ruleName: "m", lifecycle: { coldStorageAfter: null, deleteAfter: 1 } }]),
                ),
            );
            assertCompliant(
                runPolicy(
                    coldStorageMinimum,
                    plan([{ ruleName: "m", lifecycle: { coldStorageAfter: 90, deleteAfter: null } }]),
                ),
            );
            assertCompliant(runPolicy(coldStorageMinimum, plan([{ ruleName: "m" }])));
        });
        it("backup-copy-lifecycle-explicit: a null deleteAfter is as missing as none", () => {
            assertViolation(
                runPolicy(
                    copyLifecycleExplicit,
                    plan([
                        {
                            ruleName: "d",
                            copyActions: [{ destinationVaultArn: "arn:x", lifecycle: { deleteAfter: null } }],
                        },
                    ]),
                ),
                "copy action 1 of rule 'd' (to arn:x) has no lifecycle.deleteAfter",
            );
            assertViolation(
                runPolicy(
                    copyLifecycleExplicit,
                    plan([{ ruleName: "d", copyActions: [{ destinationVaultArn: "arn:x", lifecycle: {} }] }]),
                ),
                "has no lifecycle.deleteAfter",
            );
            assertCompliant(
                runPolicy(
                    copyLifecycleExplicit,
                    plan([
                        {
                            ruleName: "d",
                            copyActions: [{ destinationVaultArn: "arn:x", lifecycle: { deleteAfter: 1 } }],
                        },
                    ]),
                ),
            );
        });
    });

    describe("backup buckets", () => {
        const bucket = (extra: Record<string, unknown> = {}): FakeResource => ({
            type: "aws:s3/bucket:Bucket",
            name: "archive",
            props: { bucket: ARCHIVE, objectLockEnabled: true, ...extra },
        });
        const policyOf = (statements: unknown): FakeResource => ({
            type: "aws:s3/bucketPolicy:BucketPolicy",
            name: "policy",
            props: {
                bucket: ARCHIVE,
                policy: typeof statements === "string" ? statements : JSON.stringify({ Statement: statements }),
            },
        });
        const tls = {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`arn:aws:s3:::${ARCHIVE}`, `arn:aws:s3:::${ARCHIVE}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        };
        const runTls = (statements: unknown) => runPolicy(bucketTlsOnly, stackArgs([bucket(), policyOf(statements)]));
        it("backup-bucket-tls-only: every part of the deny matters", () => {
            assertCompliant(runTls([tls]));
            assertCompliant(runTls(tls));
            assertCompliant(
                runTls([
                    {
                        ...tls,
                        Principal: { AWS: "*" },
                        Action: ["*"],
                        Resource: "arn:aws:s3:::vat-backup-*",
                        Condition: { Bool: { "aws:SecureTransport": false } },
                    },
                ]),
            );
            assertViolation(runTls([{ ...tls, Effect: "Allow" }]), "accepts requests without TLS");
            assertViolation(
                runTls([{ ...tls, Principal: { AWS: "arn:aws:iam::1:root" } }]),
                "accepts requests without TLS",
            );
            assertViolation(runTls([{ ...tls, Action: "s3:GetObject" }]), "accepts requests without TLS");
            assertViolation(
                runTls([{ ...tls, Condition: { Bool: { "aws:SecureTransport": "true" } } }]),
                "accepts requests without TLS",
            );
            assertViolation(runTls([{ ...tls, Condition: undefined }]), "accepts requests without TLS");
            assertViolation(
                runTls([{ ...tls, Resource: [`arn:aws:s3:::${ARCHIVE}`] }]),
                "accepts requests without TLS",
            );
            assertViolation(runTls([{ ...tls, Resource: undefined }]), "accepts requests without TLS");
            assertViolation(runTls("not json"), "accepts requests without TLS");
            assertViolation(runTls({}), "accepts requests without TLS");
            assertViolation(runPolicy(bucketTlsOnly, stackArgs([bucket()])), "accepts requests without TLS");
        });
        it("backup-bucket-tls-only: without a known bucket name, any resource list counts", () => {
            assertCompliant(
                runPolicy(
                    bucketTlsOnly,
                    stackArgs([
                        {
                            ...bucket({ bucket: undefined, tags: { "vat-backup:holds-backups": "archive" } }),
                            name: "b",
                        },
                        {
                            ...policyOf([{ ...tls, Resource: "arn:aws:s3:::x" }]),
                            propertyDependencies: { bucket: ["b"] },
                        },
                    ]),
                ),
            );
            assertViolation(
                runPolicy(
                    bucketTlsOnly,
                    stackArgs([
                        {
                            ...bucket({ bucket: undefined, tags: { "vat-backup:holds-backups": "archive" } }),
                            name: "b",
                        },
                        { ...policyOf([{ ...tls, Resource: [] }]), propertyDependencies: { bucket: ["b"] } },
                    ]),
                ),
                "accepts requests without TLS",
            );
        });
        it("backup-bucket-sse-kms: aws:kms and aws:kms:dsse with a customer key pass; AWS-managed keys fail", () => {
            const sse = (byDefault: Record<string, unknown>) =>
                runPolicy(
                    bucketSseKms,
                    stackArgs([
                        bucket(),
                        {
                            type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                            name: "sse",
                            props: { bucket: ARCHIVE, rules: [{ applyServerSideEncryptionByDefault: byDefault }] },
                        },
                    ]),
                );
            assertCompliant(sse({ sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-2:1:key/k" }));
            assertCompliant(sse({ sseAlgorithm: "aws:kms:dsse", kmsMasterKeyId: "arn:aws:kms:eu-west-2:1:key/k" }));
            assertViolation(
                sse({ sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/aws/s3" }),
                "uses SSE-KMS with the AWS-managed key",
            );
            assertViolation(sse({ sseAlgorithm: "aws:kms" }), "uses SSE-KMS with the AWS-managed key");
            assertCompliant(sse({ sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-2:1:alias/myaws/s3" }));
        });
        it("archive-bucket-object-lock: names the bucket by resource name when its name is unknown, and needs days or years", () => {
            const run = (retention: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
                runPolicy(
                    archiveObjectLock,
                    stackArgs([
                        {
                            ...bucket({ bucket: undefined, tags: { "vat-backup:holds-backups": "archive" }, ...extra }),
                            name: "arch",
                        },
                        {
                            type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                            name: "lock",
                            props: { bucket: unknown.string, rule: retention && { defaultRetention: retention } },
                            propertyDependencies: { bucket: ["arch"] },
                        },
                    ]),
                );
            assertViolation(
                run({ mode: "COMPLIANCE" }),
                "Archive bucket 'arch' Object Lock retention has neither days nor years",
            );
            assertViolation(
                run({ mode: "COMPLIANCE", days: 2555 }, { objectLockEnabled: false }),
                "Archive bucket 'arch' is created without objectLockEnabled",
            );
            assertViolation(run(undefined), "Archive bucket 'arch' has no Object Lock default retention");
            assertViolation(
                run({ mode: "GOVERNANCE", days: 2555 }),
                "Archive bucket 'arch' locks objects in GOVERNANCE mode",
            );
            assertViolation(run({ days: 2555 }), "locks objects in no mode");
            assertViolation(run({ mode: "COMPLIANCE", days: 30 }), "Archive bucket 'arch' locks objects for 30 days");
        });
        it("backup-replication-rtc: 15 minutes and metrics at 15, or without a threshold", () => {
            const rtc = (destination: Record<string, unknown>, status = "Enabled") =>
                runPolicy(
                    replicationTimeControl,
                    resourceArgs(
                        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                        { rules: [{ id: "r", status, destination }] },
                        { name: "rep" },
                    ),
                );
            const on = {
                replicationTime: { status: "Enabled", time: { minutes: 15 } },
                metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
            };
            assertCompliant(rtc(on));
            assertCompliant(rtc({ ...on, metrics: { status: "Enabled" } }));
            assertCompliant(rtc({}, "Disabled"));
            assertViolation(
                rtc({ ...on, replicationTime: { status: "Enabled", time: { minutes: 10 } } }),
                "Replication 'rep' rule 'r' has no Replication Time Control",
            );
            assertViolation(
                rtc({ ...on, replicationTime: { status: "Disabled", time: { minutes: 15 } } }),
                "has no Replication Time Control",
            );
            assertViolation(
                rtc({ ...on, metrics: { status: "Enabled", eventThreshold: { minutes: 10 } } }),
                "Replication 'rep' rule 'r' has no replication metrics",
            );
            assertViolation(rtc({ ...on, metrics: { status: "Disabled" } }), "has no replication metrics");
            assertViolation(rtc({ replicationTime: on.replicationTime }), "has no replication metrics");
            const none = runPolicy(
                replicationTimeControl,
                resourceArgs(
                    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                    { rules: [{ status: "Enabled" }] },
                    { name: "rep" },
                ),
            );
            assert.equal(none.violations.length, 2);
            assert.match(none.violations[0].message, /Replication 'rep' a rule has no Replication Time Control/);
        });
    });

    describe("critical-secrets-replicated", () => {
        const replica = (
            props: Record<string, unknown>,
            type = "pulumi-nodejs:dynamic/backup:SecretReplica",
        ): FakeResource => ({ type, name: "replica", props });
        const run = (resources: FakeResource[], criticalSecrets: string[] = ["salt"]) =>
            runPolicy(criticalSecretsReplicated, stackArgs(resources, { config: { criticalSecrets } }));
        it("flags a replica without a region, and one in the secret's own region (by sourceRegion too)", () => {
            assertViolation(
                run([replica({ secretId: "salt", region: "eu-west-2" })]),
                "Secret replica 'replica' of 'salt' names no replicaRegion",
            );
            assertViolation(
                run([replica({ secretId: "salt", replicaRegion: "", region: "eu-west-2" })]),
                "names no replicaRegion",
            );
            assertViolation(
                run([replica({ secretId: "salt", replicaRegion: "eu-west-2", sourceRegion: "eu-west-2" })]),
                "is in the secret's own region eu-west-2",
            );
            assertCompliant(run([replica({ secretId: "salt", replicaRegion: "eu-west-1", region: "eu-west-2" })]));
            assertCompliant(run([replica({ secretId: "salt", replicaRegion: "eu-west-1" })]));
        });
        it("counts only dynamic resources with a secretId as replicas", () => {
            assertViolation(
                run([replica({ secretId: "salt", replicaRegion: "eu-west-1" }, "aws:s3/bucket:Bucket")]),
                "Critical secret 'salt' has no replica in this stack",
            );
            assertViolation(
                run([replica({ secretId: "", replicaRegion: "eu-west-1" })]),
                "Critical secret 'salt' has no replica",
            );
            assertViolation(
                run([replica({ secretId: "pepper", replicaRegion: "eu-west-1" })]),
                "Critical secret 'salt' has no replica",
            );
        });
        it("checks an owned secret by its replicas, named in config or tagged critical", () => {
            const owned = (props: Record<string, unknown>): FakeResource => ({
                type: "aws:secretsmanager/secret:Secret",
                name: "owned",
                props,
                provider: { props: { region: "eu-west-2" } },
            });
            assertViolation(run([owned({ name: "salt" })]), "Critical secret 'salt' has no replica in another region");
            assertViolation(
                run([owned({ name: "salt", replicas: [{ region: "eu-west-2" }] })]),
                "has no replica in another region",
            );
            assertCompliant(run([owned({ name: "salt", replicas: [{ region: "eu-west-1" }] })]));
            assertViolation(
                run([owned({ name: "other", tags: { "vat-backup:critical": "true" } })], []),
                "Critical secret 'other' has no replica in another region",
            );
            assertNotApplicable(run([owned({ name: "other" })], []), "No critical secrets");
            assertViolation(
                run([owned({ tags: { "vat-backup:critical": "true" } })], []),
                "Critical secret 'owned' has no replica",
            );
        });
        it("is not applicable without critical secrets or replicas", () => {
            assertNotApplicable(run([], []), "No critical secrets");
        });
    });

    describe("backup-vault-policy-denies-destruction reads every policy form", () => {
        const run = (policy: unknown) =>
            runPolicy(
                archiveVaultPolicyDenies,
                stackArgs([
                    { type: "aws:backup/vault:Vault", name: "v", props: { name: "dr-backup-vault" } },
                    {
                        type: "aws:backup/vaultPolicy:VaultPolicy",
                        name: "p",
                        props: { backupVaultName: "dr-backup-vault", policy },
                    },
                ]),
            );
        const deny = { Effect: "Deny", Principal: "*", Action: "*" };
        it("a single statement object, and * for every action", () => {
            assertCompliant(run(JSON.stringify({ Statement: deny })));
            assertCompliant(
                run(
                    JSON.stringify({
                        Statement: [
                            { ...deny, Action: "BACKUP:Delete*" },
                            { ...deny, Action: ["backup:UpdateRecoveryPointLifecycle", "backup:*VaultAccessPolicy"] },
                        ],
                    }),
                ),
            );
        });
        it("ignores statements that are not objects, a document without statements, and a non-string document", () => {
            assertViolation(run(JSON.stringify({ Statement: [null, "x", 3] })), "does not deny");
            assertViolation(run(JSON.stringify({})), "does not deny");
            assertViolation(run(42), "does not deny");
        });
        it("names the allowed actions", () => {
            const outcome = run(
                JSON.stringify({
                    Statement: [
                        deny,
                        {
                            Effect: "Allow",
                            Principal: { AWS: "arn:aws:iam::1:root" },
                            Action: "backup:DeleteRecoveryPoint",
                        },
                    ],
                }),
            );
            assert.equal(outcome.violations.length, 1);
            assert.equal(
                outcome.violations[0].message,
                "Backup-account vault 'v' access policy allows backup:DeleteRecoveryPoint. Remove the Allow; only the break-glass role may, by exception to the Deny.",
            );
        });
    });

    describe("vault notifications and locks, one bound at a time", () => {
        it("names the missing events", () => {
            const outcome = runPolicy(
                vaultFailureNotifications,
                stackArgs(
                    [
                        { type: "aws:backup/vault:Vault", name: "v", props: { name: "v1" } },
                        {
                            type: "aws:backup/vaultNotifications:VaultNotifications",
                            name: "n",
                            props: { backupVaultName: "v1", backupVaultEvents: ["X"] },
                        },
                    ],
                    { config: { requiredEvents: ["COPY_JOB_FAILED", "Y"] } },
                ),
            );
            assert.equal(
                outcome.violations[0].message,
                "Vault 'v' notifications miss the events COPY_JOB_FAILED, Y. Add them to `backupVaultEvents`.",
            );
        });
        it("checks min and max of a compliance lock separately", () => {
            const run = (lock: Record<string, unknown>) =>
                runPolicy(
                    archiveVaultLocked,
                    stackArgs([
                        { type: "aws:backup/vault:Vault", name: "central", props: { name: "central-backup-vault" } },
                        {
                            type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
                            name: "lock",
                            props: { backupVaultName: "central-backup-vault", changeableForDays: 3, ...lock },
                        },
                    ]),
                );
            assertCompliant(run({ minRetentionDays: 40000 }));
            assertCompliant(run({ maxRetentionDays: 1 }));
            assertCompliant(run({ minRetentionDays: null, maxRetentionDays: null }));
            assertCompliant(run({ minRetentionDays: 40000, maxRetentionDays: null }));
        });
    });

    describe("backup-service-role-permissions joins attachments by role name", () => {
        it("ignores attachments whose role or policy is unknown, and accepts roles with a path", () => {
            const outcome = runPolicy(
                serviceRolePermissions,
                stackArgs([
                    { type: "aws:iam/role:Role", name: "r", props: { name: "backup" } },
                    { type: "aws:iam/role:Role", name: "r2", props: { name: unknown.string } },
                    {
                        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                        name: "a",
                        props: {
                            role: unknown.string,
                            policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                        },
                    },
                    {
                        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                        name: "b",
                        props: { role: "backup", policyArn: unknown.string },
                    },
                    {
                        type: "aws:backup/selection:Selection",
                        name: "s",
                        props: { iamRoleArn: "arn:aws:iam::1:role/team/backup" },
                    },
                ]),
            );
            assert.equal(outcome.violations.length, 1);
            assert.equal(
                outcome.violations[0].message,
                "Role 'backup' of Selection 's' lacks AWSBackupServiceRolePolicyForBackup, so AWS Backup cannot back up or copy what it selects. Attach arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup to it.",
            );
            assertCompliant(
                runPolicy(
                    serviceRolePermissions,
                    stackArgs([
                        { type: "aws:iam/role:Role", name: "r", props: { name: "backup" } },
                        {
                            type: "aws:backup/selection:Selection",
                            name: "s",
                            props: { iamRoleArn: "not-an-arn/backup" },
                        },
                    ]),
                ),
            );
        });
    });
});
