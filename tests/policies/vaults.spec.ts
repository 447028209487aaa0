import {
    archiveVaultLocked,
    keyRotation,
    vaultCustomerManagedKey,
    vaultFailureNotifications,
} from "../../policies/vaults";
import { KMS_KEY, VAULT, VAULT_LOCK, VAULT_NOTIFICATIONS } from "../../policies/lib/tokens";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    FakeResource,
    resourceArgs,
    runPolicy,
    stackArgs,
    unknown,
    urnOf,
} from "../helpers/policyHarness";

const KEY_ARN = "arn:aws:kms:eu-west-2:111111111111:key/0d2f3a4b-1111-2222-3333-444455556666";
const vault = (name: string, extra: Record<string, unknown> = {}): FakeResource => ({
    type: VAULT,
    name,
    props: { name, kmsKeyArn: KEY_ARN, ...extra },
});
const notifications = (vaultName: string, events: string[]): FakeResource => ({
    type: VAULT_NOTIFICATIONS,
    name: `${vaultName}-notifications`,
    props: {
        backupVaultName: vaultName,
        snsTopicArn: "arn:aws:sns:eu-west-2:111111111111:backup-alerts",
        backupVaultEvents: events,
    },
});
const lock = (vaultName: string, props: Record<string, unknown>): FakeResource => ({
    type: VAULT_LOCK,
    name: `${vaultName}-lock`,
    props: { backupVaultName: vaultName, ...props },
});
const ALL_EVENTS = ["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED", "RESTORE_JOB_COMPLETED"];

describe("policies/vaults", () => {
    describe("backup-vault-customer-managed-key", () => {
        it("passes a vault encrypted with a customer-managed key", () => {
            assertCompliant(
                runPolicy(
                    vaultCustomerManagedKey,
                    resourceArgs(VAULT, { name: "prod-env-backup-vault", kmsKeyArn: KEY_ARN }),
                ),
            );
        });
        it("cannot judge a key created in the same update (unknown ARN): neither a violation nor a skipped policy", () => {
            assertCompliant(
                runPolicy(
                    vaultCustomerManagedKey,
                    resourceArgs(VAULT, { name: "prod-env-backup-vault", kmsKeyArn: unknown.string }),
                ),
            );
        });
        it("flags a vault without kmsKeyArn (AWS-managed aws/backup)", () => {
            assertViolation(
                runPolicy(vaultCustomerManagedKey, resourceArgs(VAULT, { name: "v" }, { name: "local" })),
                "Vault 'local' has no kmsKeyArn",
            );
        });
        it("flags a vault encrypted with an AWS-managed alias", () => {
            const args = resourceArgs(
                VAULT,
                { kmsKeyArn: "arn:aws:kms:eu-west-2:111111111111:alias/aws/backup" },
                { name: "local" },
            );
            assertViolation(runPolicy(vaultCustomerManagedKey, args), "is encrypted with the AWS-managed key");
        });
    });

    describe("kms-key-rotation", () => {
        it("passes a symmetric key with rotation on", () => {
            assertCompliant(runPolicy(keyRotation, resourceArgs(KMS_KEY, { enableKeyRotation: true })));
        });
        it("flags a key without rotation", () => {
            assertViolation(
                runPolicy(keyRotation, resourceArgs(KMS_KEY, {}, { name: "backup-key" })),
                "KMS key 'backup-key' does not rotate",
            );
        });
        it("flags a rotation period longer than the configured maximum", () => {
            const args = resourceArgs(
                KMS_KEY,
                { enableKeyRotation: true, rotationPeriodInDays: 730 },
                { name: "k", config: { maxRotationPeriodDays: 365 } },
            );
            assertViolation(runPolicy(keyRotation, args), "rotates every 730 days; at most 365");
        });
        it("is not applicable to asymmetric keys, which KMS cannot rotate", () => {
            assertNotApplicable(
                runPolicy(
                    keyRotation,
                    resourceArgs(KMS_KEY, { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }),
                ),
                "symmetric",
            );
        });
    });

    describe("backup-vault-failure-notifications", () => {
        it("passes a vault whose notifications carry the failure events", () => {
            assertCompliant(
                runPolicy(vaultFailureNotifications, stackArgs([vault("local"), notifications("local", ALL_EVENTS)])),
            );
        });
        it("joins notifications to their vault by dependency when the name is unknown in preview", () => {
            const n = { ...notifications("x", ALL_EVENTS), propertyDependencies: { backupVaultName: ["local"] } };
            n.props = { ...n.props, backupVaultName: unknown.string };
            assertCompliant(runPolicy(vaultFailureNotifications, stackArgs([vault("local"), n])));
        });
        it("flags a vault without notifications", () => {
            assertViolation(
                runPolicy(vaultFailureNotifications, stackArgs([vault("local"), notifications("other", ALL_EVENTS)])),
                "Vault 'local' has no failure notifications",
                urnOf(VAULT, "local"),
            );
        });
        it("flags notifications missing a required event", () => {
            const outcome = runPolicy(
                vaultFailureNotifications,
                stackArgs([vault("local"), notifications("local", ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"])]),
            );
            assertViolation(outcome, "miss the events COPY_JOB_FAILED");
        });
        it("takes the required events from config", () => {
            const outcome = runPolicy(
                vaultFailureNotifications,
                stackArgs([vault("local"), notifications("local", ["BACKUP_JOB_COMPLETED"])], {
                    config: { requiredEvents: ["BACKUP_JOB_COMPLETED"] },
                }),
            );
            assertCompliant(outcome);
        });
    });

    describe("backup-vault-compliance-lock", () => {
        it("passes the central vault locked in compliance mode", () => {
            const stack = [
                vault("central-backup-vault"),
                lock("central-backup-vault", { changeableForDays: 3, minRetentionDays: 7, maxRetentionDays: 2557 }),
            ];
            assertCompliant(runPolicy(archiveVaultLocked, stackArgs(stack)));
        });
        it("passes a deployment account's local vault without a lock (only the archive tier must be locked)", () => {
            assertCompliant(runPolicy(archiveVaultLocked, stackArgs([vault("prod-env-backup-vault")])));
        });
        it("flags an unlocked vault tagged as the archive tier", () => {
            const stack = [vault("any-name", { tags: { "vat-backup:holds-backups": "archive" } })];
            assertViolation(
                runPolicy(archiveVaultLocked, stackArgs(stack)),
                "Backup-account vault 'any-name' has no vault lock",
            );
        });
        it("flags a governance-mode lock (no changeableForDays)", () => {
            const stack = [
                vault("central-backup-vault"),
                lock("central-backup-vault", { minRetentionDays: 7, maxRetentionDays: 2557 }),
            ];
            assertViolation(
                runPolicy(archiveVaultLocked, stackArgs(stack)),
                "is in governance mode",
                urnOf(VAULT_LOCK, "central-backup-vault-lock"),
            );
        });
        it("flags a grace period AWS refuses (under 3 days)", () => {
            const stack = [vault("dr-backup-vault"), lock("dr-backup-vault", { changeableForDays: 1 })];
            assertViolation(
                runPolicy(archiveVaultLocked, stackArgs(stack)),
                "changeableForDays 1; AWS accepts 3 to 36500",
            );
        });
        it("flags retention bounds AWS refuses (min above max)", () => {
            const stack = [
                vault("central-backup-vault"),
                lock("central-backup-vault", { changeableForDays: 3, minRetentionDays: 90, maxRetentionDays: 35 }),
            ];
            assertViolation(
                runPolicy(archiveVaultLocked, stackArgs(stack)),
                "minRetentionDays 90 above maxRetentionDays 35",
            );
        });
    });
});
