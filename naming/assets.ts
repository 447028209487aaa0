/**
 * The data assets of the requirements and their targets: the one place the posture report reads
 * what "good enough" means. Source: /work/shared/docs/requirements.md, "Data assets and their
 * targets" and "RPO targets". Only targets live here; what protects each asset is always derived
 * from the resources the program records.
 */

import {
    CROSS_ACCOUNT_RESTORE_PATHS,
    CrossAccountRestorePathName,
    IMPORT_TIME_BASIS,
    restorePathHours,
} from "../aws/recoveryPoints";

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

/** Assumed for a table of a few GB; never measured offline. A drill report replaces it (offline/drillReports.ts). */
const ASSUMED = "assumed for a table of a few GB, unmeasured: AWS publishes no restore throughput for DynamoDB";

/**
 * Restore paths and the time each is assumed to take, stated once so every RTO in the report can
 * name its assumption and its basis. DynamoDB restores (PITR, AWS Backup, ImportTable) always create
 * a new table and their duration grows with the table's size; AWS publishes no throughput for any of
 * them, so every table figure below is an assumption until a drill measures it (`dr drill --report`,
 * `dr restore-from-export --measurement`; `npm run plan -- --drill-report FILE` cites the measurement
 * beside the assumption). The figures that rest on AWS-published times name the document.
 */
export const RESTORE_PATHS = {
    pitr: {
        hours: 1,
        assumption: "PITR restore into a new table (size-dependent, ~1 h for a few GB) and a switch of the table name",
        basis: `${ASSUMED} (DynamoDB: "restore times vary with the table's size"); the restore-validation function publishes the measured restore time of each restore test (metric RestoreTimeSeconds)`,
    },
    localVault: {
        hours: 2,
        assumption: "AWS Backup restore job from the local vault (~1-2 h for a few GB) and a switch of the table name",
        basis: ASSUMED,
    },
    backupAccount: {
        hours: restorePathHours("copyBack"),
        assumption: `a warm point: ${stepsText("copyBack")}`,
        basis: ASSUMED,
    },
    backupAccountCold: {
        hours: restorePathHours("coldPoint"),
        assumption: `a cold point, which AWS Backup cannot copy ("Backup and tag copy"): ${stepsText("coldPoint")}`,
        basis: ASSUMED,
    },
    archiveImport: {
        hours: restorePathHours("archiveImport"),
        assumption: `any point the Object Lock archive holds (dr restore-from-export): ${stepsText("archiveImport")}; an archive in a Glacier class adds the S3 retrieval time first`,
        basis: `ImportTable: ${IMPORT_TIME_BASIS}; S3 retrieval: S3 User Guide, "Understanding archive retrieval options" (Standard from Glacier Flexible Retrieval 3-5 h, from Deep Archive within 12 h; none for Glacier Instant Retrieval or Standard)`,
    },
    secretReplica: {
        hours: 0.25,
        assumption: "promote the DR-region replica to a standalone secret (minutes)",
        basis: "assumed: one StopReplicationToReplica call (Secrets Manager) and an application restart",
    },
    sharedAirGappedVault: {
        hours: 4,
        assumption:
            "restore in the recovery account directly from the logically air-gapped vault shared through RAM (~2-4 h for a few GB); if the backup account is lost, a multi-party approval team first grants access",
        basis: ASSUMED,
    },
    escrow: {
        hours: 0.5,
        assumption:
            "recover-secret: decrypt the newest escrow from the Object Lock archive with backup-account credentials and put it back (minutes)",
        basis: "assumed: a handful of S3, KMS and Secrets Manager calls (the runbook's scenario test runs them)",
    },
    userPoolImport: {
        hours: 2,
        assumption:
            "import-users from the newest export into a new pool (~1 h at the app's size) and the old-to-new sub mapping; every user resets their password",
        basis: "assumed, unmeasured: Cognito publishes no user-import throughput",
    },
    archive: {
        hours: 0.25,
        assumption:
            "the exports are read in place from the Object Lock archive with backup-account credentials (restore-from-export, import-users, recover-secret): nothing is copied back; the deployment stack recreates an empty exports bucket",
        basis: 'S3 storage classes: an object in S3 Standard (the replicas\' class; the archive has no lifecycle transition) is read at once, no retrieval (S3 User Guide, "Understanding archive retrieval options"); minutes to deploy the stack, assumed',
    },
} as const;
export type RestorePath = keyof typeof RESTORE_PATHS;
