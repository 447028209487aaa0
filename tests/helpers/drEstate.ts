/**
 * A backup account holding recovery points of every prod table, and a target account where restore
 * jobs create the tables they name: shared by the restore-account and drill specs.
 */
import {
    DescribeCopyJobCommand,
    DescribeRecoveryPointCommand,
    DescribeRestoreJobCommand,
    GetRecoveryPointRestoreMetadataCommand,
    ListRecoveryPointsByBackupVaultCommand,
    StartCopyJobCommand,
    StartRestoreJobCommand,
} from "@aws-sdk/client-backup";
import {
    DescribeContinuousBackupsCommand,
    DescribeTableCommand,
    GetItemCommand,
    UpdateContinuousBackupsCommand,
    UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { DrHarness, NOW, awsError } from "./drHarness";

export const HOUR = 3_600_000;
export const PROD_TABLES = [
    "prod-env-receipts",
    "prod-env-bundles",
    "prod-env-passes",
    "prod-env-subscriptions",
    "prod-env-hmrc-api-requests",
    "prod-env-submit-vat-async-requests",
    "prod-env-get-vat-obligations-async-requests",
];
const tableOf = (arn: string) => arn.replace(/^.*table\//, "");

/**
 * A backup account holding two recovery points per table in each vault, and a target account where
 * a restore job creates the table it names (so existence checks, waits and verification all see
 * the same world). Points in `coldPoints` are COLD, and StartCopyJob refuses them as AWS Backup does.
 */
export function recoverableEstate(
    h: DrHarness,
    targetAccount = "111111111111",
    targetRegion = "eu-west-2",
    coldPoints: Set<string> = new Set(),
): Set<string> {
    const created = new Set<string>();
    const isCold = (arn: string) => coldPoints.has(arn) || arn.endsWith("-2025-03");
    for (const region of ["eu-west-2", "eu-west-1"]) {
        const b = h.mocks("backup", region).backup;
        b.on(ListRecoveryPointsByBackupVaultCommand).callsFake(
            (i: { ByResourceArn: string; ByCreatedBefore?: Date; BackupVaultName: string }) => {
                const t = tableOf(i.ByResourceArn);
                const points = [
                    // A monthly point from March 2025: cold (the monthly copies move to cold storage after 90 days).
                    {
                        RecoveryPointArn: `arn:aws:backup:${region}:333333333333:recovery-point:${t}-2025-03`,
                        Status: "COMPLETED",
                        CreationDate: new Date(Date.UTC(2025, 2, 31, 4, 0, 0)),
                    },
                    // A monthly point, two months old (still warm: cold storage starts after 90 days).
                    {
                        RecoveryPointArn: `arn:aws:backup:${region}:333333333333:recovery-point:${t}-monthly`,
                        Status: "COMPLETED",
                        CreationDate: new Date(Date.UTC(2026, 8, 30, 1, 0, 0)),
                    },
                    {
                        RecoveryPointArn: `arn:aws:backup:${region}:333333333333:recovery-point:${t}-old`,
                        Status: "COMPLETED",
                        CreationDate: new Date(NOW - 30 * HOUR),
                    },
                    {
                        RecoveryPointArn: `arn:aws:backup:${region}:333333333333:recovery-point:${t}-new`,
                        Status: "COMPLETED",
                        CreationDate: new Date(NOW - 6 * HOUR),
                    },
                    {
                        RecoveryPointArn: `arn:aws:backup:${region}:333333333333:recovery-point:${t}-partial`,
                        Status: "PARTIAL",
                        CreationDate: new Date(NOW - HOUR),
                    },
                ];
                return {
                    RecoveryPoints: points.filter((p) => !i.ByCreatedBefore || p.CreationDate < i.ByCreatedBefore),
                };
            },
        );
        // Points older than the cold-storage transition are COLD (AWS Backup: not copyable).
        b.on(DescribeRecoveryPointCommand).callsFake((i: { RecoveryPointArn: string }) => ({
            RecoveryPointArn: i.RecoveryPointArn,
            StorageClass: isCold(i.RecoveryPointArn) ? "COLD" : "WARM",
        }));
        // AWS Backup, "Backup and tag copy": backups in cold storage cannot be copied.
        b.on(StartCopyJobCommand).callsFake((i: { RecoveryPointArn: string }) =>
            isCold(i.RecoveryPointArn)
                ? Promise.reject(
                      awsError("InvalidRequestException", "Cannot copy a recovery point that is in cold storage"),
                  )
                : { CopyJobId: `copy-${i.RecoveryPointArn.replace(/^.*recovery-point:/, "")}` },
        );
        b.on(DescribeCopyJobCommand).callsFake((i: { CopyJobId: string }) => ({
            CopyJob: {
                CopyJobId: i.CopyJobId,
                State: "COMPLETED",
                DestinationRecoveryPointArn: `arn:aws:backup:${targetRegion}:${targetAccount}:recovery-point:${i.CopyJobId}`,
            },
        }));
    }
    const t = h.mocks("target", targetRegion);
    t.backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({
        RestoreMetadata: {
            originalTableName: "x",
            targetTableName: "x",
            encryptionType: "KMS",
            kmsMasterKeyArn: "arn:gone",
        },
    });
    t.backup.on(StartRestoreJobCommand).callsFake((i: { Metadata: Record<string, string> }) => {
        created.add(i.Metadata.targetTableName);
        return { RestoreJobId: `restore-${i.Metadata.targetTableName}` };
    });
    t.backup
        .on(DescribeRestoreJobCommand)
        .callsFake((i: { RestoreJobId: string }) => ({ RestoreJobId: i.RestoreJobId, Status: "COMPLETED" }));
    t.dynamodb
        .on(DescribeTableCommand)
        .callsFake((i: { TableName: string }) =>
            created.has(i.TableName)
                ? { Table: { TableName: i.TableName, TableStatus: "ACTIVE", ItemCount: 100 } }
                : Promise.reject(awsError("ResourceNotFoundException")),
        );
    t.dynamodb
        .on(DescribeContinuousBackupsCommand)
        .resolves({ ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED" } });
    t.dynamodb.on(UpdateContinuousBackupsCommand).resolves({});
    t.dynamodb.on(UpdateTableCommand).resolves({});
    t.dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: "dr-sentinel" } } });
    return created;
}
