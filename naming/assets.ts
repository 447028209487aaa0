/**
 * The data assets of the requirements and their targets: the one place the posture report reads
 * what "good enough" means. Source: /work/shared/docs/requirements.md, "Data assets and their
 * targets" and "RPO targets". Only targets live here; what protects each asset is always derived
 * from the resources the program records.
 */

import { CROSS_ACCOUNT_RESTORE_PATHS, CrossAccountRestorePathName, restorePathHours } from "../aws/recoveryPoints";

export type Criticality = "critical" | "high" | "medium" | "low";
export type AssetKind = "dynamodb-table" | "secret" | "user-pool" | "exports-bucket";

export interface DataAsset {
    /** The `{name}` of `{env}-env-{name}` (or a description for the secret and bucket). */
    id: string;
    kind: AssetKind;
    criticality: Criticality;
    rtoHours: number;
    /** Days the data must stay recoverable; undefined when it is "while subscribed/valid" or indefinite. */
    retentionDays?: number;
    /** The requirement's own words for the retention. */
    retention: string;
    /** Does the resource called `name` in environment `env` hold this asset? */
    matches(name: string, env: string): boolean;
}

/** 7 years of HMRC VAT records, counted as 365-day years (the monthly rule's 2555 days). */
export const SEVEN_YEARS_DAYS = 7 * 365;

/** RPO targets: 0-5 minutes inside the account for PITR tables, under 24 hours outside the account. */
export const RPO_INSIDE_MINUTES = 5;
export const RPO_OUTSIDE_HOURS = 24;
/** The PITR window the requirements ask for on every table. */
export const PITR_WINDOW_DAYS = 35;

const table = (
    id: string,
    criticality: Criticality,
    rtoHours: number,
    retention: string,
    retentionDays?: number,
): DataAsset => ({
    id,
    kind: "dynamodb-table",
    criticality,
    rtoHours,
    retention,
    retentionDays,
    matches: (name, env) => name === `${env}-env-${id}`,
});

export const DATA_ASSETS: DataAsset[] = [
    table("receipts", "critical", 4, "7 years (HMRC VAT records)", SEVEN_YEARS_DAYS),
    table("bundles", "high", 4, "while subscribed"),
    table("passes", "high", 4, "while valid"),
    table("subscriptions", "high", 4, "while subscribed"),
    table("hmrc-api-requests", "medium", 24, "90 days", 90),
    {
        id: "*-async-requests",
        kind: "dynamodb-table",
        criticality: "low",
        rtoHours: 24,
        retention: "7 days",
        retentionDays: 7,
        matches: (name, env) => name.startsWith(`${env}-env-`) && name.endsWith("-async-requests"),
    },
    {
        id: "user-sub-hash-salt",
        kind: "secret",
        criticality: "critical",
        rtoHours: 1,
        retention: "indefinite",
        matches: (name, env) => name === `${env}/submit/user-sub-hash-salt`,
    },
    {
        id: "hmrc client secret",
        kind: "secret",
        criticality: "critical",
        rtoHours: 1,
        retention: "until rotated",
        matches: (name, env) => name === `${env}/submit/hmrc/client_secret`,
    },
    {
        id: "user pool",
        kind: "user-pool",
        criticality: "high",
        rtoHours: 4,
        retention: "metadata only (passwords can never be exported)",
        matches: (name, env) => name === `${env}-env-user-pool`,
    },
    {
        id: "backup exports",
        kind: "exports-bucket",
        criticality: "high",
        rtoHours: 4,
        retention: "7 years",
        retentionDays: SEVEN_YEARS_DAYS,
        matches: (name, env) => name.startsWith(`${env}-env-backup-exports-`),
    },
];

export function assetFor(name: string, env: string): DataAsset | undefined {
    return DATA_ASSETS.find((a) => a.matches(name, env));
}

function stepsText(path: CrossAccountRestorePathName): string {
    return CROSS_ACCOUNT_RESTORE_PATHS[path].steps
        .map((step) => `${step.what} (${step.call}, ${step.account} account, ~${step.hours} h)`)
        .join("; then ");
}

/**
 * Restore paths and the time each is assumed to take, stated once so every RTO in the report can
 * name its assumption. DynamoDB restores (PITR or AWS Backup) always create a new table and their
 * duration grows with the table's size; the hours below assume tables of a few GB.
 */
export const RESTORE_PATHS = {
    pitr: {
        hours: 1,
        assumption: "PITR restore into a new table (size-dependent, ~1 h for a few GB) and a switch of the table name",
    },
    localVault: {
        hours: 2,
        assumption: "AWS Backup restore job from the local vault (~1-2 h for a few GB) and a switch of the table name",
    },
    backupAccount: {
        hours: restorePathHours("copyBack"),
        assumption: `a warm point: ${stepsText("copyBack")}`,
    },
    backupAccountCold: {
        hours: restorePathHours("coldPoint"),
        assumption: `a cold point, which AWS Backup cannot copy ("Backup and tag copy"): ${stepsText("coldPoint")}`,
    },
    secretReplica: { hours: 0.25, assumption: "promote the DR-region replica to a standalone secret (minutes)" },
    sharedAirGappedVault: {
        hours: 4,
        assumption:
            "restore in the recovery account directly from the logically air-gapped vault shared through RAM (~2-4 h for a few GB); if the backup account is lost, a multi-party approval team first grants access",
    },
    escrow: {
        hours: 0.5,
        assumption:
            "recover-secret: decrypt the newest escrow from the Object Lock archive with backup-account credentials and put it back (minutes)",
    },
    userPoolImport: {
        hours: 2,
        assumption:
            "import-users from the newest export into a new pool (~1 h at the app's size) and the old-to-new sub mapping; every user resets their password",
    },
    archive: {
        hours: 4,
        assumption:
            "copy the exports back from the Object Lock archive in the backup account (~4 h for the archive's size)",
    },
} as const;
export type RestorePath = keyof typeof RESTORE_PATHS;
