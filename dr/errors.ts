/**
 * Exit codes and the errors that carry them. Every error says what to do next, because the person
 * reading it is on call and has no time to read the source.
 */

export const ExitCode = {
    /** Everything checked out, every job completed. */
    OK: 0,
    /** A check failed or a job ended FAILED/ABORTED (the rest still ran and are reported). */
    FAILED: 1,
    /** The command line itself is wrong: unknown table, time outside the window, existing target. */
    BAD_INPUT: 2,
    /** No credentials, expired credentials, or no stack config/region to work from. */
    NO_CREDENTIALS: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class DrError extends Error {
    constructor(
        message: string,
        readonly exitCode: ExitCodeValue,
        readonly hint: string,
    ) {
        super(message);
        this.name = new.target.name;
    }
}

/** Input that cannot work; nothing was changed. */
export class UsageError extends DrError {
    constructor(message: string, hint = "Run with --help to see the expected arguments.") {
        super(message, ExitCode.BAD_INPUT, hint);
    }
}

/** The tool cannot authenticate or has no config to work from. */
export class CredentialsError extends DrError {
    constructor(
        message: string,
        hint = "Log in (aws sso login --profile <name>) or pass --profile/--role-arn, then run the command again.",
    ) {
        super(message, ExitCode.NO_CREDENTIALS, hint);
    }
}

/** No stack file, an invalid stack file, or no region: nothing to work from. */
export class MissingConfigError extends DrError {
    constructor(message: string, hint: string) {
        super(message, ExitCode.NO_CREDENTIALS, hint);
    }
}

/** A job AWS ran for us ended FAILED, ABORTED, EXPIRED or similar. */
export class JobFailedError extends DrError {
    constructor(
        readonly job: string,
        readonly status: string,
        reason: string | undefined,
        hint: string,
    ) {
        super(`${job} ended ${status}${reason ? `: ${reason}` : ""}`, ExitCode.FAILED, hint);
    }
}

/** A wait on AWS ran past its deadline; the job may still be running. */
export class WaitTimeoutError extends DrError {
    constructor(
        job: string,
        lastStatus: string,
        waitedMs: number,
        hint = "The job may still finish: check it in the console, or run the command again with a longer --timeout-minutes.",
    ) {
        super(`${job} still ${lastStatus} after ${Math.round(waitedMs / 60000)} minutes`, ExitCode.FAILED, hint);
    }
}

const CREDENTIAL_ERROR_NAMES = new Set([
    "CredentialsProviderError",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "TokenRefreshRequired",
    "InvalidIdentityToken",
]);

/** An SDK error that means "you are not logged in" rather than "this call failed". */
export function isCredentialError(err: unknown): boolean {
    return err instanceof CredentialsError || (err instanceof Error && CREDENTIAL_ERROR_NAMES.has(err.name));
}

const THROTTLING_ERROR_NAMES = new Set([
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
]);

export function isThrottlingError(err: unknown): boolean {
    return err instanceof Error && THROTTLING_ERROR_NAMES.has(err.name);
}

/** The SDK's "no such thing" errors, across services. */
export function isNotFound(err: unknown): boolean {
    return (
        err instanceof Error &&
        [
            "ResourceNotFoundException",
            "TableNotFoundException",
            "NoSuchKey",
            "NotFound",
            "UserNotFoundException",
            "ReplicationConfigurationNotFoundError",
        ].includes(err.name)
    );
}

export function errorMessage(err: unknown): string {
    if (err instanceof DrError) return err.message;
    if (err instanceof Error)
        return err.name && err.name !== "Error" && !err.message.startsWith(err.name)
            ? `${err.name}: ${err.message}`
            : err.message;
    return String(err);
}
