/**
 * Which path AWS supports for restoring a recovery point of the backup account into another
 * account, by the point's storage class. The posture report (offline/posture.ts) and the DR
 * commands (dr/, restore-account and drill) import this one rule, so the report's RTO and the path
 * a command takes cannot disagree.
 *
 * - AWS Backup Developer Guide, "Backup and tag copy": "backups in cold storage or archive tiers
 *   cannot be copied". A cold point therefore cannot take the copy-back path (StartCopyJob into the
 *   deployment account's vault, then a local restore).
 * - AWS Backup API, RecoveryPointByBackupVault / DescribeRecoveryPoint: `StorageClass` is WARM,
 *   COLD or DELETED; a lifecycle's MoveToColdStorageAfterDays counts from the point's creation.
 * - A cold point can still be restored where it is (StartRestoreJob in the backup account), and a
 *   DynamoDB table can be moved between accounts through S3: ExportTableToPointInTime (needs PITR
 *   on the table; DynamoDB Developer Guide, "DynamoDB data export to Amazon S3") and ImportTable
 *   with S3BucketOwner for a bucket of another account ("DynamoDB data import from Amazon S3").
 */

/** `StorageClass` of an AWS Backup recovery point. */
export type RecoveryPointStorageClass = "WARM" | "COLD" | "DELETED";

/** AWS Backup copies only warm recovery points ("Backup and tag copy"). */
export function canCopyRecoveryPoint(storageClass: string | undefined): boolean {
    return storageClass === "WARM";
}

/** The storage class a point of this lifecycle has at `ageDays` after its creation. */
export function storageClassAtAge(
    lifecycle: { moveToColdStorageAfterDays?: number },
    ageDays: number,
): RecoveryPointStorageClass {
    const cold = lifecycle.moveToColdStorageAfterDays;
    return cold !== undefined && ageDays >= cold ? "COLD" : "WARM";
}

export interface RestoreStep {
    /** The API call, as the DR command makes it. */
    call: string;
    /** Which account it runs in. */
    account: "backup" | "target";
    what: string;
    /** The time this step is assumed to take for a table of a few GB (unmeasured offline; `dr drill` measures it). */
    hours: number;
    /** Where the figure comes from: an AWS-published time with its document, or "assumed" and why. */
    basis?: string;
}

/** AWS publishes no ImportTable throughput (DynamoDB "Import from Amazon S3" documents formats, quotas and cost, not speed). */
export const IMPORT_TIME_BASIS =
    "assumed, unmeasured: AWS publishes no ImportTable throughput (DynamoDB Developer Guide, 'Import from Amazon S3'); the import time grows with the table's size; `dr restore-from-export --measurement` and `dr drill` measure it";

/** The cross-account restore paths, by name: `dr/` and the posture report use these ids. */
export const CROSS_ACCOUNT_RESTORE_PATHS = {
    /** A warm point: copied back into the target account's vault, restored there. */
    copyBack: {
        id: "copy-back",
        steps: [
            {
                call: "backup:StartCopyJob",
                account: "backup",
                what: "copy the warm point from the backup account's vault into the target account's vault",
                hours: 2,
            },
            {
                call: "backup:StartRestoreJob",
                account: "target",
                what: "restore the copy into a new table in the target account",
                hours: 2,
            },
        ],
    },
    /** A cold point: AWS Backup cannot copy it, so it is restored where it is and moved through S3. */
    coldPoint: {
        id: "restore-in-backup-account-then-import",
        steps: [
            {
                call: "backup:StartRestoreJob",
                account: "backup",
                what: "restore the cold point into a staging table in the backup account (restoring from cold storage is slower than from warm)",
                hours: 4,
            },
            {
                call: "dynamodb:UpdateContinuousBackups + dynamodb:ExportTableToPointInTime",
                account: "backup",
                what: "switch PITR on for the staging table (an export needs it) and export it to S3, readable by the target account",
                hours: 1,
            },
            {
                call: "dynamodb:ImportTable",
                account: "target",
                what: "import the export into a new table in the target account (S3BucketOwner = the backup account), then delete the staging table",
                hours: 2,
                basis: IMPORT_TIME_BASIS,
            },
        ],
    },
    /**
     * Any point the archive holds (`dr restore-from-export`): the weekly full export, kept seven years
     * under Object Lock, imported into a new table, then the hourly incremental exports after it
     * applied. No AWS Backup point is involved, so the cold storage of the monthly copies does not
     * matter; an archive in a Glacier class adds the S3 retrieval time (`s3RetrievalHours`).
     */
    archiveImport: {
        id: "restore-from-export",
        steps: [
            {
                call: "dynamodb:ImportTable",
                account: "target",
                what: "import the newest full export before the point from the archive into a new table (S3BucketOwner = the backup account)",
                hours: 2,
                basis: IMPORT_TIME_BASIS,
            },
            {
                call: "dynamodb:PutItem/DeleteItem",
                account: "target",
                what: "apply the incremental exports after it, up to a week of hourly windows, in order",
                hours: 0.5,
                basis: "assumed, unmeasured: a week of the table's changes at the app's write rate; the tool reports the time taken",
            },
        ],
    },
} as const satisfies Record<string, { id: string; steps: readonly RestoreStep[] }>;

export type CrossAccountRestorePathName = keyof typeof CROSS_ACCOUNT_RESTORE_PATHS;

/** The hours a path is assumed to take: the sum of its steps. */
export function restorePathHours(path: CrossAccountRestorePathName): number {
    return CROSS_ACCOUNT_RESTORE_PATHS[path].steps.reduce((sum, s) => sum + s.hours, 0);
}

/**
 * The path a recovery point of the backup account takes into another account: copy-back for a
 * warm point, restore-then-import for a cold one. A deleted point (or one whose class is unknown)
 * has no path, and the error says so rather than let StartCopyJob fail later.
 */
export function crossAccountRestorePath(storageClass: string | undefined): CrossAccountRestorePathName {
    if (storageClass === "WARM") return "copyBack";
    if (storageClass === "COLD") return "coldPoint";
    throw new Error(
        `a recovery point with storage class ${storageClass ?? "(none)"} cannot be restored: AWS Backup restores WARM and COLD points only`,
    );
}

/**
 * The time before an object of an S3 storage class can be read (S3 User Guide, "Understanding
 * archive retrieval options"): Glacier Flexible Retrieval's Standard retrievals "typically finish
 * within 3-5 hours", Deep Archive's "within 12 hours"; Expedited (1-5 minutes) is not counted on,
 * since it needs provisioned capacity to be assured. Glacier Instant Retrieval and the other classes
 * are read at once.
 */
export function s3RetrievalHours(storageClass: string | undefined): number {
    if (storageClass === "GLACIER") return 5;
    if (storageClass === "DEEP_ARCHIVE") return 12;
    return 0;
}

/** The storage class an object has `ageDays` after it was written: the last lifecycle transition reached. */
export function storageClassOfObjectAt(
    writtenAs: string,
    transitions: { days: number; storageClass: string }[],
    ageDays: number,
): string {
    const reached = transitions.filter((t) => t.days <= ageDays).sort((a, b) => a.days - b.days);
    return reached.length ? reached[reached.length - 1].storageClass : writtenAs;
}
