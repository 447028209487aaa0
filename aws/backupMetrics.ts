/**
 * How AWS Backup publishes its job metrics to CloudWatch, for every alarm, dashboard widget and
 * posture rule that watches them. An alarm on a dimension set AWS does not publish, or on a vault
 * whose name never carries the metric, matches no series and stays quiet forever.
 *
 * - AWS Backup Developer Guide, "AWS Backup metrics with Amazon CloudWatch" (Metrics with
 *   CloudWatch): job metrics carry resource type and vault name; "the vault name of copy jobs is
 *   that of their destination vault".
 * - CloudWatch User Guide, supported metrics of AWS/Backup (AWS::Backup::BackupVault): every job
 *   metric (backup, copy, restore) is published with `{BackupVaultName}` and with
 *   `{BackupVaultName, ResourceType}`, and with no other dimension set.
 */

export const AWS_BACKUP_NAMESPACE = "AWS/Backup";

/** The dimension sets AWS/Backup publishes its job and recovery-point metrics with. */
export const PUBLISHED_DIMENSION_SETS: readonly (readonly string[])[] = [
    ["BackupVaultName"],
    ["BackupVaultName", "ResourceType"],
];

/** True when an alarm on exactly these dimension names can match a series AWS/Backup publishes. */
export function isPublishedDimensionSet(names: string[]): boolean {
    const sorted = [...names].sort().join(",");
    return PUBLISHED_DIMENSION_SETS.some((set) => [...set].sort().join(",") === sorted);
}

/** `arn:aws:backup:<region>:<account>:backup-vault:<name>` → `<name>`; undefined for anything else. */
export function vaultNameOfArn(vaultArn: string): string | undefined {
    return /^arn:aws[\w-]*:backup:[a-z0-9-]+:\d{12}:(?:backup-vault|logically-air-gapped-backup-vault):(.+)$/.exec(
        vaultArn,
    )?.[1];
}

/**
 * The `BackupVaultName` under which a copy job's metrics appear: its destination vault's name
 * (the copy job itself runs, and its metrics are published, in the source vault's account and
 * region). A copy-failure alarm on the source vault watches nothing.
 */
export function copyJobMetricVaultName(destinationVaultArn: string): string {
    const name = vaultNameOfArn(destinationVaultArn);
    if (!name) throw new Error(`'${destinationVaultArn}' is not a backup vault ARN`);
    return name;
}

/**
 * The `BackupVaultName` of a restore job's metrics: the vault holding the recovery point restored
 * (restore jobs are published per vault, like every AWS Backup job metric).
 */
export function restoreJobMetricVaultName(recoveryPointVaultName: string): string {
    return recoveryPointVaultName;
}
