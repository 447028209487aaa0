/**
 * The policies added so that every weakening of the strategy is mandatory, called directly with
 * engine-like arguments (type tokens as literal strings, as the engine sends them).
 */
import * as assert from "node:assert/strict";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { copyToBackupAccount, ruleTargetVault, vaultArnAccount } from "../../policies/backupRules";
import {
    archiveObjectLock,
    bucketLifecycleRetention,
    bucketReplicated,
    replicationTimeControl,
} from "../../policies/buckets";
import { pitrEnabled, pitrOnEveryReferencedTable, pitrRecoveryPeriod, replicaPitr } from "../../policies/dynamodb";
import { noForceDestroy } from "../../policies/protection";
import {
    archiveVaultPolicyDenies,
    keyDeletionWindow,
    vaultFailureNotifications,
    vaultLockRetention,
} from "../../policies/vaults";
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

const OWN = "111111111111";
const BACKUP = "333333333333";
const provider = { props: { allowedAccountIds: [OWN], region: "eu-west-2" } };
const remediate = (
    policy: { remediateResource?: (a: ResourceValidationArgs) => unknown },
    args: ResourceValidationArgs,
) => policy.remediateResource!(args) as Record<string, unknown> | undefined;

describe("guardrail policies", () => {
    describe("dynamodb-pitr-enabled at remediate", () => {
        it("switches PITR on for a table without the block, keeping the other properties", () => {
            const fixed = remediate(
                pitrEnabled,
                resourceArgs("aws:dynamodb/table:Table", { name: "t", hashKey: "id" }),
            );
            assert.deepEqual(fixed, { name: "t", hashKey: "id", pointInTimeRecovery: { enabled: true } });
        });
        it("switches a disabled PITR on, keeping its window", () => {
            const fixed = remediate(
                pitrEnabled,
                resourceArgs("aws:dynamodb/table:Table", {
                    name: "t",
                    pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: 30 },
                }),
            );
            assert.deepEqual(fixed?.pointInTimeRecovery, { enabled: true, recoveryPeriodInDays: 30 });
        });
        it("changes nothing on a table that has PITR, and nothing of another type", () => {
            assert.equal(
                remediate(
                    pitrEnabled,
                    resourceArgs("aws:dynamodb/table:Table", { pointInTimeRecovery: { enabled: true } }),
                ),
                undefined,
            );
            assert.equal(remediate(pitrEnabled, resourceArgs("aws:s3/bucket:Bucket", {})), undefined);
        });
    });

    describe("dynamodb-pitr-recovery-period at remediate", () => {
        it("raises a table's window to the configured minimum", () => {
            const fixed = remediate(
                pitrRecoveryPeriod,
                resourceArgs(
                    "aws:dynamodb/table:Table",
                    { pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 7 } },
                    { config: { minRecoveryPeriodDays: 30 } },
                ),
            );
            assert.deepEqual(fixed?.pointInTimeRecovery, { enabled: true, recoveryPeriodInDays: 30 });
        });
        it("raises a TablePitr's window to 35 by default", () => {
            const fixed = remediate(
                pitrRecoveryPeriod,
                resourceArgs("pulumi-nodejs:dynamic/backup:TablePitr", { tableName: "t", recoveryPeriodDays: 7 }),
            );
            assert.deepEqual(fixed, { tableName: "t", recoveryPeriodDays: 35 });
        });
        it("leaves a window at the minimum, and a disabled PITR to dynamodb-pitr-enabled", () => {
            assert.equal(
                remediate(
                    pitrRecoveryPeriod,
                    resourceArgs("pulumi-nodejs:dynamic/backup:TablePitr", { recoveryPeriodDays: 35 }),
                ),
                undefined,
            );
            assert.equal(
                remediate(
                    pitrRecoveryPeriod,
                    resourceArgs("aws:dynamodb/table:Table", {
                        pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: 1 },
                    }),
                ),
                undefined,
            );
            assertCompliant(
                runPolicy(
                    pitrRecoveryPeriod,
                    resourceArgs("aws:dynamodb/table:Table", {
                        pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 35 },
                    }),
                ),
            );
        });
        it("flags a TablePitr of 34 days against the default of 35, naming the table", () => {
            assertViolation(
                runPolicy(
                    pitrRecoveryPeriod,
                    resourceArgs(
                        "pulumi-nodejs:dynamic/backup:TablePitr",
                        { tableName: "prod-env-receipts", recoveryPeriodDays: 34 },
                        { name: "pitr" },
                    ),
                ),
                "PITR of table 'prod-env-receipts' (TablePitr 'pitr') keeps 34 days; at least 35 are required",
            );
        });
    });

    describe("dynamodb-replica-pitr at remediate", () => {
        it("turns PITR on for every replica", () => {
            const fixed = remediate(
                replicaPitr,
                resourceArgs("aws:dynamodb/table:Table", {
                    replicas: [{ regionName: "eu-west-1" }, { regionName: "us-east-1", pointInTimeRecovery: true }],
                }),
            );
            assert.deepEqual(fixed?.replicas, [
                { regionName: "eu-west-1", pointInTimeRecovery: true },
                { regionName: "us-east-1", pointInTimeRecovery: true },
            ]);
        });
        it("changes nothing when every replica has PITR, or there are none", () => {
            assert.equal(
                remediate(
                    replicaPitr,
                    resourceArgs("aws:dynamodb/table:Table", {
                        replicas: [{ regionName: "eu-west-1", pointInTimeRecovery: true }],
                    }),
                ),
                undefined,
            );
            assert.equal(remediate(replicaPitr, resourceArgs("aws:dynamodb/table:Table", {})), undefined);
        });
    });

    describe("dynamodb-pitr-every-referenced-table", () => {
        const arn = (name: string, account = OWN) => `arn:aws:dynamodb:eu-west-2:${account}:table/${name}`;
        const pitr = (name: string, extra: Record<string, unknown> = {}): FakeResource => ({
            type: "pulumi-nodejs:dynamic/backup:TablePitr",
            name: `pitr-${name}`,
            props: { tableName: name, recoveryPeriodDays: 35, ...extra },
        });
        const selection = (resources: string[]): FakeResource => ({
            type: "aws:backup/selection:Selection",
            name: "listed",
            props: { resources },
            provider,
        });
        const run = (resources: FakeResource[], config: Record<string, unknown> = {}) =>
            runPolicy(pitrOnEveryReferencedTable, stackArgs(resources, { config }));

        it("passes when every table a selection lists has PITR through a TablePitr or a Table", () => {
            assertCompliant(
                run([
                    selection([arn("a"), arn("b")]),
                    pitr("a"),
                    {
                        type: "aws:dynamodb/table:Table",
                        name: "b",
                        props: { name: "b", pointInTimeRecovery: { enabled: true } },
                    },
                ]),
            );
        });
        it("flags a listed table with no PITR resource, naming who refers to it", () => {
            assertViolation(
                run([selection([arn("a")])]),
                "Table 'a' (referred to by Selection 'listed') has no point-in-time recovery in this stack",
            );
        });
        it("flags a configured table that nothing else names", () => {
            assertViolation(
                run([pitr("a")], { tables: ["a", "gone"] }),
                "Table 'gone' (referred to by the policy config's `tables`) has no point-in-time recovery",
            );
        });
        it("flags a TablePitr created with enabled: false, and one whose state says pitrEnabled false", () => {
            assertViolation(
                run([selection([arn("a")]), pitr("a", { enabled: false })]),
                "Table 'a' (referred to by Selection 'listed') has point-in-time recovery switched off",
            );
            assertViolation(
                run([selection([arn("a")]), pitr("a", { pitrEnabled: false })]),
                "has point-in-time recovery switched off",
            );
        });
        it("flags a Table whose PITR is off, and a window below the minimum", () => {
            assertViolation(
                run([
                    selection([arn("b")]),
                    {
                        type: "aws:dynamodb/table:Table",
                        name: "b",
                        props: { name: "b", pointInTimeRecovery: { enabled: false } },
                    },
                ]),
                "Table 'b' (referred to by Selection 'listed') has point-in-time recovery switched off",
            );
            assertViolation(
                run([selection([arn("a")]), pitr("a", { recoveryPeriodDays: 7 })]),
                "Table 'a' (referred to by Selection 'listed') keeps point-in-time recovery 7 days; at least 35 are required",
            );
            assertCompliant(
                run([selection([arn("a")]), pitr("a", { recoveryPeriodDays: 7 })], { minRecoveryPeriodDays: 7 }),
            );
            assertCompliant(run([selection([arn("a")]), pitr("a", { recoveryPeriodDays: undefined })]));
        });
        it("finds tables named by restore-testing selections and alarms", () => {
            assertViolation(
                run([
                    {
                        type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
                        name: "rt",
                        props: { protectedResourceArns: [arn("r")] },
                        provider,
                    },
                ]),
                "Table 'r' (referred to by RestoreTestingSelection 'rt')",
            );
            assertViolation(
                run([
                    {
                        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
                        name: "al",
                        props: { dimensions: { TableName: "x" } },
                    },
                ]),
                "Table 'x' (referred to by MetricAlarm 'al')",
            );
        });
        it("reports each table once, naming every resource that refers to it", () => {
            const outcome = run(
                [
                    selection([arn("a")]),
                    {
                        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
                        name: "al",
                        props: { dimensions: { TableName: "a" } },
                    },
                ],
                { tables: ["a"] },
            );
            assert.equal(outcome.violations.length, 1);
            assert.match(
                outcome.violations[0].message,
                /referred to by the policy config's `tables`, Selection 'listed', MetricAlarm 'al'\)/,
            );
        });
        it("leaves another account's tables, wildcards and non-table ARNs to their own stacks", () => {
            assertNotApplicable(
                run([
                    selection([
                        arn("a", BACKUP),
                        "arn:aws:dynamodb:eu-west-2:111111111111:table/*",
                        "arn:aws:s3:::bucket",
                    ]),
                ]),
                "refers to no DynamoDB table",
            );
            assertViolation(run([{ ...selection([arn("a", BACKUP)]), provider: undefined }]), "Table 'a'");
        });
        it("is not applicable to a stack that refers to no table", () => {
            assertNotApplicable(run([]), "The stack refers to no DynamoDB table");
        });
    });

    describe("backup-copy-to-backup-account", () => {
        const plan = (copies: unknown[], config: Record<string, unknown> = {}) =>
            runPolicy(
                copyToBackupAccount,
                resourceArgs(
                    "aws:backup/plan:Plan",
                    { rules: [{ ruleName: "daily", copyActions: copies }, { ruleName: "weekly" }] },
                    { name: "plan", provider, config },
                ),
            );
        const vault = (account: string) => `arn:aws:backup:eu-west-2:${account}:backup-vault:central-backup-vault`;
        it("passes a copy to another account", () => {
            assertCompliant(plan([{ destinationVaultArn: vault(BACKUP) }]));
        });
        it("flags a plan without copies", () => {
            assertViolation(plan([]), "Backup plan 'plan' copies nothing to another account");
        });
        it("flags copies into the plan's own account", () => {
            assertViolation(plan([{ destinationVaultArn: vault(OWN) }]), "copies nothing to another account");
        });
        it("with backupAccountIds, requires that account", () => {
            assertViolation(
                plan([{ destinationVaultArn: vault("444444444444") }], { backupAccountIds: [BACKUP] }),
                `copies nothing to the backup account (${BACKUP})`,
            );
            assertCompliant(plan([{ destinationVaultArn: vault(BACKUP) }], { backupAccountIds: [BACKUP] }));
        });
        it("ignores destinations that are not vault ARNs, and waits for one unknown during preview", () => {
            assertViolation(plan([{ destinationVaultArn: "central-backup-vault" }]), "copies nothing");
            assertCompliant(plan([{ destinationVaultArn: unknown.string }]));
        });
        it("reads the account of a vault ARN", () => {
            assert.equal(vaultArnAccount(vault(BACKUP)), BACKUP);
            assert.equal(
                vaultArnAccount("arn:aws-us-gov:backup:us-gov-west-1:123456789012:backup-vault:v"),
                "123456789012",
            );
            assert.equal(vaultArnAccount("arn:aws:backup:eu-west-2:12345:backup-vault:v"), undefined);
            assert.equal(vaultArnAccount(`xarn:aws:backup:eu-west-2:${BACKUP}:backup-vault:v`), undefined);
        });
    });

    describe("backup-rule-target-vault", () => {
        const plan = (target: unknown, config: Record<string, unknown> = {}) =>
            runPolicy(
                ruleTargetVault,
                resourceArgs(
                    "aws:backup/plan:Plan",
                    { rules: [{ ruleName: "daily", targetVaultName: target }] },
                    { name: "plan", config },
                ),
            );
        it("flags the Default vault, passes the stack's vault", () => {
            assertViolation(plan("Default"), "Backup plan 'plan' rule 'daily' writes into the vault 'Default'");
            assertCompliant(plan("prod-env-backup-vault"));
            assertCompliant(plan(unknown.string));
        });
        it("takes the forbidden names from config", () => {
            assertViolation(
                plan("old-vault", { forbiddenVaultNames: ["old-vault"] }),
                "writes into the vault 'old-vault'",
            );
            assertCompliant(plan("Default", { forbiddenVaultNames: [] }));
        });
    });

    describe("backup-vault-lock-retention", () => {
        const lock = (props: Record<string, unknown>, config: Record<string, unknown> = {}) =>
            runPolicy(
                vaultLockRetention,
                stackArgs(
                    [
                        {
                            type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
                            name: "lock",
                            props: { backupVaultName: "central-backup-vault", ...props },
                        },
                    ],
                    { config },
                ),
            );
        it("passes 7 to 2557 days, and the defaults' edges 7 and 2555", () => {
            assertCompliant(lock({ minRetentionDays: 7, maxRetentionDays: 2557 }));
            assertCompliant(lock({ minRetentionDays: 7, maxRetentionDays: 2555 }));
            assertCompliant(lock({ minRetentionDays: 7 }));
        });
        it("flags a minimum of 6 days, and an unset minimum", () => {
            assertViolation(
                lock({ minRetentionDays: 6, maxRetentionDays: 2557 }),
                "The lock of vault 'central-backup-vault' has minRetentionDays 6; at least 7 are required",
            );
            assertViolation(lock({ maxRetentionDays: 2557 }), "has minRetentionDays unset; at least 7");
        });
        it("flags a maximum of 2554 days", () => {
            assertViolation(
                lock({ minRetentionDays: 7, maxRetentionDays: 2554 }),
                "has maxRetentionDays 2554; at least 2555 are required, or AWS fails every copy kept longer",
            );
        });
        it("takes its thresholds from config", () => {
            assertCompliant(
                lock(
                    { minRetentionDays: 1, maxRetentionDays: 30 },
                    { minMinRetentionDays: 1, minMaxRetentionDays: 30 },
                ),
            );
        });
        it("is not applicable without locks", () => {
            assertNotApplicable(
                runPolicy(vaultLockRetention, stackArgs([])),
                "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
            );
        });
    });

    describe("backup-vault-policy-denies-destruction", () => {
        const deny = {
            Sid: "Deny",
            Effect: "Deny",
            Principal: "*",
            Action: [
                "backup:DeleteRecoveryPoint",
                "backup:UpdateRecoveryPointLifecycle",
                "backup:PutBackupVaultAccessPolicy",
                "backup:DeleteBackupVaultAccessPolicy",
            ],
            Resource: "*",
        };
        const vault = (name = "central-backup-vault"): FakeResource => ({
            type: "aws:backup/vault:Vault",
            name: "vault",
            props: { name },
        });
        const policy = (statements: unknown[], vaultName = "central-backup-vault"): FakeResource => ({
            type: "aws:backup/vaultPolicy:VaultPolicy",
            name: "policy",
            props: {
                backupVaultName: vaultName,
                policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
            },
        });
        const run = (resources: FakeResource[], config: Record<string, unknown> = {}) =>
            runPolicy(archiveVaultPolicyDenies, stackArgs(resources, { config }));
        it("passes the deny of the four actions to everyone", () => {
            assertCompliant(run([vault(), policy([deny])]));
            assertCompliant(run([vault(), policy([{ ...deny, Action: "backup:*" }])]));
            assertCompliant(run([vault(), policy([{ ...deny, Principal: { AWS: "*" } }])]));
        });
        it("flags the deny turned into an allow: both missing denies and the allow", () => {
            const outcome = run([vault(), policy([{ ...deny, Effect: "Allow" }])]);
            const messages = outcome.violations.map((v) => v.message);
            assert.equal(messages.length, 2);
            assert.match(
                messages[0],
                /does not deny backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle, backup:PutBackupVaultAccessPolicy, backup:DeleteBackupVaultAccessPolicy to everyone/,
            );
            assert.match(messages[1], /access policy allows backup:DeleteRecoveryPoint/);
        });
        it("flags a deny that leaves out an action, or names a principal other than everyone", () => {
            assertViolation(
                run([vault(), policy([{ ...deny, Action: deny.Action.slice(1) }])]),
                "does not deny backup:DeleteRecoveryPoint to everyone",
            );
            assertViolation(
                run([vault(), policy([{ ...deny, Principal: { AWS: "arn:aws:iam::1:root" } }])]),
                "does not deny backup:DeleteRecoveryPoint",
            );
        });
        it("flags an archive vault without policy, or with an unreadable one", () => {
            assertViolation(run([vault()]), "does not deny backup:DeleteRecoveryPoint");
            assertViolation(
                run([
                    vault(),
                    {
                        type: "aws:backup/vaultPolicy:VaultPolicy",
                        name: "p",
                        props: { backupVaultName: "central-backup-vault", policy: "{" },
                    },
                ]),
                "does not deny",
            );
        });
        it("leaves vaults of the deployment accounts alone, and waits for a policy unknown during preview", () => {
            assertCompliant(run([vault("prod-env-backup-vault")]));
            assertCompliant(
                run([
                    vault(),
                    {
                        type: "aws:backup/vaultPolicy:VaultPolicy",
                        name: "p",
                        props: { backupVaultName: "central-backup-vault", policy: unknown.string },
                    },
                ]),
            );
        });
        it("takes the actions from config", () => {
            assertCompliant(
                run([vault(), policy([{ ...deny, Action: ["backup:DeleteRecoveryPoint"] }])], {
                    deniedActions: ["backup:DeleteRecoveryPoint"],
                }),
            );
        });
    });

    describe("kms-key-deletion-window", () => {
        const key = (props: Record<string, unknown>, config: Record<string, unknown> = {}) =>
            runPolicy(keyDeletionWindow, resourceArgs("aws:kms/key:Key", props, { name: "key", config }));
        it("passes 30 days and an omitted window (KMS waits 30)", () => {
            assertCompliant(key({ deletionWindowInDays: 30 }));
            assertCompliant(key({}));
        });
        it("flags 29 days", () => {
            assertViolation(
                key({ deletionWindowInDays: 29 }),
                "KMS key 'key' is deleted 29 days after it is scheduled for deletion; at least 30 are required",
            );
        });
        it("takes the minimum from config", () => {
            assertCompliant(key({ deletionWindowInDays: 7 }, { minDeletionWindowDays: 7 }));
        });
    });

    describe("mandatory in production: RTC and vault failure notifications", () => {
        it("declares both mandatory", () => {
            assert.equal(replicationTimeControl.enforcementLevel, "mandatory");
            assert.equal(vaultFailureNotifications.enforcementLevel, "mandatory");
        });
    });

    describe("backup-bucket-replicated", () => {
        const bucket = (name: string): FakeResource => ({
            type: "aws:s3/bucket:Bucket",
            name,
            props: { bucket: name },
        });
        const replication = (bucketName: string, rules: unknown[]): FakeResource => ({
            type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            name: `${bucketName}-replication`,
            props: { bucket: bucketName, rules },
        });
        const rule = (extra: Record<string, unknown> = {}) => ({
            id: "r",
            status: "Enabled",
            filter: {},
            destination: { bucket: "arn:aws:s3:::vat-backup-archive-3-eu-west-2" },
            ...extra,
        });
        const exportsName = "prod-env-backup-exports-1-eu-west-2";
        const run = (resources: FakeResource[], config: Record<string, unknown> = {}) =>
            runPolicy(bucketReplicated, stackArgs(resources, { config }));
        it("passes an enabled rule replicating every object", () => {
            assertCompliant(run([bucket(exportsName), replication(exportsName, [rule()])]));
            assertCompliant(run([bucket(exportsName), replication(exportsName, [rule({ filter: { prefix: "" } })])]));
            assertCompliant(run([bucket(exportsName), replication(exportsName, [rule({ filter: undefined })])]));
        });
        it("flags a bucket without replication, and one whose every rule is Disabled", () => {
            assertViolation(
                run([bucket(exportsName)]),
                `Backup bucket '${exportsName}' replicates nothing: it has no replication configuration`,
            );
            assertViolation(
                run([bucket(exportsName), replication(exportsName, [rule({ status: "Disabled" })])]),
                "every replication rule is Disabled",
            );
        });
        it("flags a rule filtered to a prefix or a tag, unless the prefix is allowed", () => {
            assertViolation(
                run([bucket(exportsName), replication(exportsName, [rule({ filter: { prefix: "x/" } })])]),
                'replicates only objects under a filter ({"prefix":"x/"})',
            );
            assertViolation(
                run([
                    bucket(exportsName),
                    replication(exportsName, [rule({ filter: { tag: { key: "a", value: "b" } } })]),
                ]),
                "replicates only objects under a filter",
            );
            assertViolation(
                run([
                    bucket(exportsName),
                    replication(exportsName, [rule({ filter: { and: { prefix: "", tags: { a: "b" } } } })]),
                ]),
                "under a filter",
            );
            assertViolation(
                run([bucket(exportsName), replication(exportsName, [rule({ filter: undefined, prefix: "old/" })])]),
                'under a filter ("old/")',
            );
            assertCompliant(
                run([bucket(exportsName), replication(exportsName, [rule({ filter: { prefix: "x/" } })])], {
                    allowedFilterPrefixes: ["x/"],
                }),
            );
        });
        it("does not ask a replica (the destination of a rule in the stack) to replicate onward", () => {
            assertCompliant(
                run([
                    bucket("vat-backup-archive-3-eu-west-2"),
                    replication("vat-backup-archive-3-eu-west-2", [
                        rule({ destination: { bucket: "arn:aws:s3:::vat-backup-archive-3-eu-west-1" } }),
                    ]),
                    bucket("vat-backup-archive-3-eu-west-1"),
                ]),
            );
        });
        it("does not make a replica of a bucket that only a bucket holding no backups replicates into", () => {
            const archive = "vat-backup-archive-3-eu-west-2";
            const outcome = run([
                bucket(archive),
                replication(archive, [
                    rule({
                        status: "Disabled",
                        destination: { bucket: "arn:aws:s3:::vat-backup-archive-3-eu-west-1" },
                    }),
                ]),
                bucket("vat-backup-reports-3-eu-west-2"),
                replication("vat-backup-reports-3-eu-west-2", [
                    rule({ destination: { bucket: `arn:aws:s3:::${archive}` } }),
                ]),
            ]);
            assertViolation(
                outcome,
                `Backup bucket '${archive}' replicates nothing: every replication rule is Disabled`,
            );
        });
        it("during preview, knows a replica whose ARN is unknown by the dependencies of the rules writing into it", () => {
            const archive = "vat-backup-archive-3-eu-west-2";
            const dr = "vat-backup-archive-3-eu-west-1";
            assertCompliant(
                run([
                    bucket(archive),
                    {
                        ...replication(archive, [rule({ destination: { bucket: unknown.string } })]),
                        propertyDependencies: { bucket: [archive], rules: [dr] },
                    },
                    bucket(dr),
                ]),
            );
        });
        it("leaves buckets that hold no backups alone", () => {
            assertCompliant(run([bucket("website-assets")]));
        });
    });

    describe("backup-bucket-lifecycle-retention", () => {
        const exportsName = "prod-env-backup-exports-1-eu-west-2";
        const run = (rules: unknown[], config: Record<string, unknown> = {}) =>
            runPolicy(
                bucketLifecycleRetention,
                stackArgs(
                    [
                        { type: "aws:s3/bucket:Bucket", name: "b", props: { bucket: exportsName } },
                        {
                            type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                            name: "lc",
                            props: { bucket: exportsName, rules },
                        },
                    ],
                    { config },
                ),
            );
        const rule = (extra: Record<string, unknown>) => ({ id: "tier", status: "Enabled", ...extra });
        it("passes seven years and 30 days of old versions, and rules without expiry", () => {
            assertCompliant(
                run([rule({ expiration: { days: 2555 }, noncurrentVersionExpiration: { noncurrentDays: 30 } })]),
            );
            assertCompliant(run([rule({ transitions: [{ days: 30, storageClass: "STANDARD_IA" }] })]));
        });
        it("flags exports expiring after 2554 days", () => {
            assertViolation(
                run([rule({ expiration: { days: 2554 } })]),
                `Backup bucket '${exportsName}' lifecycle rule 'tier' deletes backups 2554 days after they are written; at least 2555 are required`,
            );
        });
        it("flags old versions kept 29 days", () => {
            assertViolation(
                run([rule({ noncurrentVersionExpiration: { noncurrentDays: 29 } })]),
                "deletes overwritten or deleted versions after 29 days; at least 30 are required",
            );
        });
        it("ignores disabled rules, and takes its minimums from config", () => {
            assertCompliant(run([rule({ status: "Disabled", expiration: { days: 1 } })]));
            assertCompliant(
                run([rule({ expiration: { days: 30 }, noncurrentVersionExpiration: { noncurrentDays: 1 } })], {
                    minExpirationDays: 30,
                    minNoncurrentVersionDays: 1,
                }),
            );
        });
    });

    describe("archive-bucket-object-lock retention", () => {
        const name = "vat-backup-archive-3-eu-west-2";
        const run = (defaultRetention: Record<string, unknown>, config: Record<string, unknown> = {}) =>
            runPolicy(
                archiveObjectLock,
                stackArgs(
                    [
                        {
                            type: "aws:s3/bucket:Bucket",
                            name: "archive",
                            props: { bucket: name, objectLockEnabled: true },
                        },
                        {
                            type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                            name: "lock",
                            props: { bucket: name, rule: { defaultRetention } },
                        },
                    ],
                    { config },
                ),
            );
        it("passes seven years, in days or years", () => {
            assertCompliant(run({ mode: "COMPLIANCE", days: 2555 }));
            assertCompliant(run({ mode: "COMPLIANCE", years: 7 }));
        });
        it("flags 30 days, and 2554", () => {
            assertViolation(
                run({ mode: "COMPLIANCE", days: 30 }),
                `Archive bucket '${name}' locks objects for 30 days; at least 2555 are required`,
            );
            assertViolation(run({ mode: "COMPLIANCE", days: 2554 }), "locks objects for 2554 days");
            assertViolation(run({ mode: "COMPLIANCE", years: 6 }), "locks objects for 2190 days");
        });
        it("takes its minimum from config", () => {
            assertCompliant(run({ mode: "COMPLIANCE", days: 30 }, { minRetentionDays: 30 }));
        });
    });

    describe("backup-storage-no-force-destroy", () => {
        const run = (type: string, props: Record<string, unknown>) =>
            runPolicy(noForceDestroy, resourceArgs(type, props, { name: "thing" }));
        it("flags a force-destroyable vault and backup bucket", () => {
            assertViolation(
                run("aws:backup/vault:Vault", { name: "v", forceDestroy: true }),
                "Backup vault 'thing' sets forceDestroy",
            );
            assertViolation(
                run("aws:s3/bucket:Bucket", { bucket: "vat-backup-archive-3-eu-west-2", forceDestroy: true }),
                "Backup bucket 'thing' sets forceDestroy",
            );
        });
        it("passes them without it", () => {
            assertCompliant(run("aws:backup/vault:Vault", { name: "v", forceDestroy: false }));
            assertCompliant(run("aws:s3/bucket:Bucket", { bucket: "vat-backup-archive-3-eu-west-2" }));
        });
        it("leaves buckets that hold no backups, and other types, alone", () => {
            assertNotApplicable(
                run("aws:s3/bucket:Bucket", { bucket: "site", forceDestroy: true }),
                "holds no backups",
            );
            assertNotApplicable(run("aws:kms/key:Key", {}), "aws:backup/vault:Vault");
        });
    });
});
