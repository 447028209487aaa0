import * as assert from "node:assert/strict";
import {
    PUBLISHED_DIMENSION_SETS,
    copyJobMetricVaultName,
    isPublishedDimensionSet,
    vaultNameOfArn,
} from "../../aws/backupMetrics";
import {
    CROSS_ACCOUNT_RESTORE_PATHS,
    canCopyRecoveryPoint,
    crossAccountRestorePath,
    restorePathHours,
    storageClassAtAge,
} from "../../aws/recoveryPoints";
import { RESTORE_PATHS } from "../../naming/assets";

const CENTRAL = "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault";

describe("AWS rules: AWS Backup metrics (aws/backupMetrics.ts)", () => {
    // CloudWatch User Guide, AWS/Backup supported metrics (AWS::Backup::BackupVault): every job
    // metric is published with {BackupVaultName} and {BackupVaultName, ResourceType} only.
    it("knows the two dimension sets AWS/Backup publishes, in any order of names", () => {
        assert.deepEqual(PUBLISHED_DIMENSION_SETS, [["BackupVaultName"], ["BackupVaultName", "ResourceType"]]);
        assert.ok(isPublishedDimensionSet(["BackupVaultName"]));
        assert.ok(isPublishedDimensionSet(["ResourceType", "BackupVaultName"]));
    });

    it("rejects {ResourceType} alone and no dimensions at all, which match no AWS/Backup series", () => {
        assert.ok(!isPublishedDimensionSet(["ResourceType"]));
        assert.ok(!isPublishedDimensionSet([]));
        assert.ok(!isPublishedDimensionSet(["BackupVaultName", "ResourceType", "State"]));
    });

    // AWS Backup Developer Guide, "Metrics with CloudWatch": "The vault name of copy jobs is that
    // of their destination vault."
    it("counts a copy job under its destination vault's name", () => {
        assert.equal(copyJobMetricVaultName(CENTRAL), "central-backup-vault");
        assert.equal(
            copyJobMetricVaultName("arn:aws:backup:eu-west-1:333333333333:backup-vault:dr-backup-vault"),
            "dr-backup-vault",
        );
        assert.throws(() => copyJobMetricVaultName("central-backup-vault"), /not a backup vault ARN/);
    });

    it("reads the vault name of logically air-gapped vaults too", () => {
        assert.equal(
            vaultNameOfArn("arn:aws:backup:eu-west-2:333333333333:logically-air-gapped-backup-vault:lag"),
            "lag",
        );
        assert.equal(vaultNameOfArn("arn:aws:s3:::bucket"), undefined);
    });
});

describe("AWS rules: recovery points and their cross-account restore path (aws/recoveryPoints.ts)", () => {
    // AWS Backup Developer Guide, "Backup and tag copy": "backups in cold storage or archive tiers
    // cannot be copied".
    it("copies only warm recovery points", () => {
        assert.equal(canCopyRecoveryPoint("WARM"), true);
        assert.equal(canCopyRecoveryPoint("COLD"), false);
        assert.equal(canCopyRecoveryPoint("DELETED"), false);
        assert.equal(canCopyRecoveryPoint(undefined), false);
    });

    it("chooses copy-back for a warm point and restore-then-import for a cold one", () => {
        assert.equal(crossAccountRestorePath("WARM"), "copyBack");
        assert.equal(crossAccountRestorePath("COLD"), "coldPoint");
        assert.equal(CROSS_ACCOUNT_RESTORE_PATHS.coldPoint.id, "restore-in-backup-account-then-import");
        assert.throws(() => crossAccountRestorePath("DELETED"), /storage class DELETED cannot be restored/);
    });

    it("never copies on the cold-point path, and restores in the backup account before importing in the target", () => {
        const steps = CROSS_ACCOUNT_RESTORE_PATHS.coldPoint.steps;
        assert.ok(!steps.some((s) => s.call.includes("StartCopyJob")));
        assert.deepEqual(
            steps.map((s) => [s.call, s.account]),
            [
                ["backup:StartRestoreJob", "backup"],
                ["dynamodb:UpdateContinuousBackups + dynamodb:ExportTableToPointInTime", "backup"],
                ["dynamodb:ImportTable", "target"],
            ],
        );
    });

    // AWS Backup API, Lifecycle: MoveToColdStorageAfterDays counts from the point's creation.
    it("reads a point's storage class from its lifecycle and age", () => {
        const monthly = { moveToColdStorageAfterDays: 90 };
        assert.equal(storageClassAtAge(monthly, 89), "WARM");
        assert.equal(storageClassAtAge(monthly, 90), "COLD");
        assert.equal(storageClassAtAge({}, 3000), "WARM");
    });

    it("gives the posture report the same hours as the steps: the cold path is slower than copy-back", () => {
        assert.equal(RESTORE_PATHS.backupAccount.hours, restorePathHours("copyBack"));
        assert.equal(RESTORE_PATHS.backupAccountCold.hours, restorePathHours("coldPoint"));
        assert.ok(restorePathHours("coldPoint") > restorePathHours("copyBack"));
    });
});
