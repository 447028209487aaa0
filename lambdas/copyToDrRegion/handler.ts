/**
 * The second-region copy, in the backup account: when a copy job INTO the central vault completes,
 * copy that recovery point from the central vault into the DR vault in the second region.
 *
 * Triggered by EventBridge "Copy Job State Change" events from AWS Backup (source `aws.backup`).
 * Example events (AWS Backup developer guide, "Monitoring AWS Backup events using EventBridge"):
 * `detail` carries `state`, `sourceBackupVaultArn`, `destinationBackupVaultArn` and, once the job
 * is COMPLETED, `destinationRecoveryPointArn` (in RUNNING/FAILED events it is `{}`, not a string).
 * AWS emits these events on a best-effort basis, so an alarm on "no recent copy in the DR vault"
 * must back this up.
 *
 * A thrown error makes Lambda retry the async invocation and, after the retries, park the event in
 * the dead-letter queue the infrastructure attaches; a returned outcome means "done, nothing to retry".
 */
import { createHash } from "node:crypto";
import {
    BackupClient,
    DescribeRecoveryPointCommand,
    DescribeRecoveryPointCommandOutput,
    Lifecycle,
    StartCopyJobCommand,
} from "@aws-sdk/client-backup";

export const COPY_JOB_STATE_CHANGE = "Copy Job State Change";

export interface CopyJobStateChangeDetail {
    copyJobId?: string;
    state?: string;
    resourceType?: string;
    resourceArn?: string;
    sourceBackupVaultArn?: string;
    destinationBackupVaultArn?: string;
    /** A string once COMPLETED; AWS sends `{}` before that. */
    destinationRecoveryPointArn?: unknown;
}

export interface BackupEvent {
    source?: string;
    "detail-type"?: string;
    account?: string;
    region?: string;
    detail?: CopyJobStateChangeDetail;
}

export interface CopyToDrConfig {
    /** The central vault (primary region) whose incoming copies are forwarded. */
    centralVaultArn: string;
    /** The DR vault in the second region. */
    drVaultArn: string;
    /** Role AWS Backup assumes for the copy job (passed with iam:PassRole). */
    iamRoleArn: string;
}

export interface CopyToDrDeps extends CopyToDrConfig {
    /** A client in the central vault's region: a cross-region copy is started from the source region. */
    backup: Pick<BackupClient, "send">;
    log?: (entry: Record<string, unknown>) => void;
    now?: () => Date;
}

export type CopyOutcome =
    | { action: "ignored"; reason: string }
    | { action: "skipped"; reason: string; recoveryPointArn: string }
    | {
          action: "copy-started";
          copyJobId: string;
          recoveryPointArn: string;
          destinationBackupVaultArn: string;
          idempotencyToken: string;
          lifecycle?: Lifecycle;
      };

interface VaultArnParts {
    region: string;
    accountId: string;
    name: string;
}

const VAULT_ARN = /^arn:aws:backup:([a-z0-9-]+):(\d{12}):backup-vault:([a-zA-Z0-9_-]{2,50})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Throttling and service-side limits: rethrown untouched so Lambda's async retry tries again. */
const RETRYABLE_ERRORS = new Set([
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
    "ServiceUnavailableException",
    "RequestLimitExceeded",
]);

export function parseVaultArn(arn: string, what: string): VaultArnParts {
    const match = VAULT_ARN.exec(arn);
    if (!match) {
        throw new Error(
            `${what} '${arn}' is not a backup vault ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)`,
        );
    }
    return { region: match[1], accountId: match[2], name: match[3] };
}

/** Reads and checks the three settings, in one place; the Lambda fails fast on a bad deployment. */
export function configFromEnv(env: Record<string, string | undefined>): CopyToDrConfig {
    const missing = ["CENTRAL_VAULT_ARN", "DR_VAULT_ARN", "COPY_ROLE_ARN"].filter((key) => !env[key]);
    if (missing.length > 0) {
        throw new Error(`copyToDrRegion is missing environment variables: ${missing.join(", ")}`);
    }
    const config = {
        centralVaultArn: env.CENTRAL_VAULT_ARN!,
        drVaultArn: env.DR_VAULT_ARN!,
        iamRoleArn: env.COPY_ROLE_ARN!,
    };
    const central = parseVaultArn(config.centralVaultArn, "CENTRAL_VAULT_ARN");
    const dr = parseVaultArn(config.drVaultArn, "DR_VAULT_ARN");
    if (dr.region === central.region) {
        throw new Error(
            `DR_VAULT_ARN must be in another region than the central vault (both are in ${central.region})`,
        );
    }
    if (dr.accountId !== central.accountId) {
        throw new Error(`DR_VAULT_ARN must be in the backup account ${central.accountId}, not ${dr.accountId}`);
    }
    // Kept local so the function ships without the infrastructure's config modules.
    if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(config.iamRoleArn)) {
        throw new Error(
            `COPY_ROLE_ARN '${config.iamRoleArn}': an IAM role ARN reads arn:aws:iam::<12-digit account>:role/<name>`,
        );
    }
    return config;
}

/** One copy per recovery point and DR vault: a retried event cannot start a second copy. */
export function idempotencyTokenFor(recoveryPointArn: string, drVaultArn: string): string {
    return createHash("sha256").update(`${recoveryPointArn}\n${drVaultArn}`).digest("hex");
}

/**
 * The DR copy keeps the retention of the central copy: its Lifecycle when AWS reports one, else the
 * days left until its calculated deletion. No lifecycle at all means "keep", as in the source.
 */
export function copyLifecycle(recoveryPoint: DescribeRecoveryPointCommandOutput, now: Date): Lifecycle | undefined {
    const source = recoveryPoint.Lifecycle;
    if (source && (source.DeleteAfterDays !== undefined || source.MoveToColdStorageAfterDays !== undefined)) {
        const lifecycle: Lifecycle = {};
        if (source.MoveToColdStorageAfterDays !== undefined)
            lifecycle.MoveToColdStorageAfterDays = source.MoveToColdStorageAfterDays;
        if (source.DeleteAfterDays !== undefined) lifecycle.DeleteAfterDays = source.DeleteAfterDays;
        if (source.OptInToArchiveForSupportedResources !== undefined) {
            lifecycle.OptInToArchiveForSupportedResources = source.OptInToArchiveForSupportedResources;
        }
        return lifecycle;
    }
    const deleteAt = recoveryPoint.CalculatedLifecycle?.DeleteAt;
    if (deleteAt) {
        return { DeleteAfterDays: Math.max(1, Math.ceil((deleteAt.getTime() - now.getTime()) / DAY_MS)) };
    }
    return undefined;
}

export function isRetryable(error: unknown): boolean {
    if (typeof error !== "object" || error === null) return false;
    const { name, $retryable } = error as { name?: string; $retryable?: { throttling?: boolean } };
    return (name !== undefined && RETRYABLE_ERRORS.has(name)) || $retryable?.throttling === true;
}

function describeError(error: unknown): string {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
}

/** Why an event is not ours, or undefined when it is a completed copy into the central vault. */
function reasonToIgnore(event: BackupEvent, centralVaultArn: string): string | undefined {
    if (event.source !== "aws.backup") return `source is ${event.source ?? "missing"}, not aws.backup`;
    if (event["detail-type"] !== COPY_JOB_STATE_CHANGE)
        return `detail-type is ${event["detail-type"] ?? "missing"}, not ${COPY_JOB_STATE_CHANGE}`;
    const detail = event.detail ?? {};
    if (detail.state !== "COMPLETED") return `copy job state is ${detail.state ?? "missing"}, not COMPLETED`;
    // Our own copies into the DR vault complete too; acting on them would loop.
    if (detail.destinationBackupVaultArn !== centralVaultArn) {
        return `copy went to ${detail.destinationBackupVaultArn ?? "an unnamed vault"}, not the central vault`;
    }
    return undefined;
}

export function makeHandler(deps: CopyToDrDeps): (event: BackupEvent) => Promise<CopyOutcome> {
    const central = parseVaultArn(deps.centralVaultArn, "centralVaultArn");
    const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
    const now = deps.now ?? (() => new Date());

    return async (event) => {
        const ignored = reasonToIgnore(event, deps.centralVaultArn);
        if (ignored) {
            log({ action: "ignored", reason: ignored, copyJobId: event.detail?.copyJobId });
            return { action: "ignored", reason: ignored };
        }
        const recoveryPointArn = event.detail?.destinationRecoveryPointArn;
        if (typeof recoveryPointArn !== "string" || recoveryPointArn === "") {
            // A COMPLETED copy without its recovery point is malformed: fail so it reaches the DLQ.
            throw new Error(
                `Copy job ${event.detail?.copyJobId ?? "(no id)"} COMPLETED into the central vault without a destinationRecoveryPointArn`,
            );
        }

        let recoveryPoint: DescribeRecoveryPointCommandOutput;
        try {
            recoveryPoint = await deps.backup.send(
                new DescribeRecoveryPointCommand({ BackupVaultName: central.name, RecoveryPointArn: recoveryPointArn }),
            );
        } catch (error) {
            if (isRetryable(error)) throw error;
            throw new Error(
                `DescribeRecoveryPoint of ${recoveryPointArn} in vault ${central.name} failed: ${describeError(error)}`,
                { cause: error },
            );
        }

        // Cold recovery points cannot be copied; this copy runs as soon as the central copy lands,
        // long before any cold transition, so a cold point here means the event came far too late.
        if (recoveryPoint.StorageClass === "COLD" || recoveryPoint.StorageClass === "DELETED") {
            const reason = `recovery point is in ${recoveryPoint.StorageClass} storage; AWS Backup copies only warm recovery points`;
            log({ action: "skipped", reason, recoveryPointArn });
            return { action: "skipped", reason, recoveryPointArn };
        }
        if (recoveryPoint.Status === "DELETING" || recoveryPoint.Status === "EXPIRED") {
            const reason = `recovery point status is ${recoveryPoint.Status}`;
            log({ action: "skipped", reason, recoveryPointArn });
            return { action: "skipped", reason, recoveryPointArn };
        }

        const lifecycle = copyLifecycle(recoveryPoint, now());
        const idempotencyToken = idempotencyTokenFor(recoveryPointArn, deps.drVaultArn);
        let copyJobId: string | undefined;
        try {
            const started = await deps.backup.send(
                new StartCopyJobCommand({
                    RecoveryPointArn: recoveryPointArn,
                    SourceBackupVaultName: central.name,
                    DestinationBackupVaultArn: deps.drVaultArn,
                    IamRoleArn: deps.iamRoleArn,
                    IdempotencyToken: idempotencyToken,
                    ...(lifecycle ? { Lifecycle: lifecycle } : {}),
                }),
            );
            copyJobId = started.CopyJobId;
        } catch (error) {
            if (isRetryable(error)) throw error;
            throw new Error(
                `StartCopyJob of ${recoveryPointArn} from ${central.name} into ${deps.drVaultArn} failed: ${describeError(error)}`,
                { cause: error },
            );
        }
        if (!copyJobId) {
            throw new Error(`StartCopyJob of ${recoveryPointArn} into ${deps.drVaultArn} returned no CopyJobId`);
        }
        const outcome: CopyOutcome = {
            action: "copy-started",
            copyJobId,
            recoveryPointArn,
            destinationBackupVaultArn: deps.drVaultArn,
            idempotencyToken,
            ...(lifecycle ? { lifecycle } : {}),
        };
        log({ ...outcome });
        return outcome;
    };
}

let configured: ((event: BackupEvent) => Promise<CopyOutcome>) | undefined;

/** The Lambda entry point: configuration from the environment, a Backup client in the central vault's region. */
export async function handler(event: BackupEvent): Promise<CopyOutcome> {
    if (!configured) {
        const config = configFromEnv(process.env);
        const backup = new BackupClient({ region: parseVaultArn(config.centralVaultArn, "CENTRAL_VAULT_ARN").region });
        configured = makeHandler({ ...config, backup });
    }
    return configured(event);
}
