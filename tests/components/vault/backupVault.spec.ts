import * as assert from "node:assert/strict";
import { BackupVault, VAULT_FAILURE_EVENTS } from "../../../components/vault/backupVault";
import { policyDocument } from "../../../components/iam/policyDocument";
import { policyOf, runComponent } from "../../helpers/engine";

describe("BackupVault component", () => {
    it("creates an encrypted vault that never force-destroys its recovery points, with failure notifications", async () => {
        const run = await runComponent((provider) => {
            new BackupVault(
                "v",
                {
                    vaultName: "test-vault",
                    kmsKeyArn: "arn:aws:kms:eu-west-2:111111111111:key/k",
                    notificationTopicArn: "arn:aws:sns:eu-west-2:111111111111:t",
                    protect: true,
                },
                { provider },
            );
        });
        const vault = run.one("aws:backup/vault:Vault");
        assert.equal(vault.name, "v-vault");
        assert.equal(vault.protect, true);
        assert.equal(vault.inputs.forceDestroy, false);
        assert.equal(vault.outputs.arn, "arn:aws:backup:eu-west-2:111111111111:backup-vault:test-vault");
        assert.deepEqual(
            run.one("aws:backup/vaultNotifications:VaultNotifications").inputs.backupVaultEvents,
            VAULT_FAILURE_EVENTS,
        );
        assert.equal(run.ofType("aws:backup/vaultPolicy:VaultPolicy").length, 0);
        assert.equal(run.ofType("aws:backup/vaultLockConfiguration:VaultLockConfiguration").length, 0);
        assert.equal(run.one("backup:vault:BackupVault").type, "backup:vault:BackupVault");
    });

    it("adds an access policy built from the vault's own ARN, and a compliance lock that is always protected", async () => {
        const run = await runComponent((provider) => {
            new BackupVault(
                "v",
                {
                    vaultName: "locked",
                    kmsKeyArn: "k",
                    notificationTopicArn: "t",
                    accessPolicy: (arn) =>
                        policyDocument([
                            {
                                Sid: "Copy",
                                Effect: "Allow",
                                Principal: { AWS: "arn:aws:iam::222222222222:root" },
                                Action: "backup:CopyIntoBackupVault",
                                Resource: arn,
                            },
                        ]),
                    lock: { minRetentionDays: 7, maxRetentionDays: 2557, changeableForDays: 3 },
                    protect: false,
                },
                { provider },
            );
        });
        const [s] = policyOf(run.one("aws:backup/vaultPolicy:VaultPolicy"));
        assert.equal(s.Resource, "arn:aws:backup:eu-west-2:111111111111:backup-vault:locked");
        const lock = run.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration");
        assert.deepEqual(
            [lock.inputs.minRetentionDays, lock.inputs.maxRetentionDays, lock.inputs.changeableForDays],
            [7, 2557, 3],
        );
        assert.equal(lock.protect, true, "a lock is replace-only and irreversible after its grace period");
    });
});
