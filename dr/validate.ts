/**
 * Offline checks of what the user typed, run by commander before any AWS call: a bad value exits 2
 * with the flag the user typed in the message, never an AWS error about a name derived from it.
 *
 * The shapes are AWS's documented ones: DynamoDB table names (3-255 of a-z A-Z 0-9 _ - .), Secrets
 * Manager names (1-512 of letters, digits and /_+=.@-), S3 bucket names (3-63 lowercase letters,
 * digits, dots and hyphens, starting and ending with a letter or digit), 12-digit account ids, IAM
 * role ARNs and KMS key/alias ARNs.
 */
import { InvalidArgumentError } from "commander";

export const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
export const SECRET_NAME = /^[a-zA-Z0-9/_+=.@-]{1,512}$/;
export const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/;
export const ACCOUNT_ID = /^\d{12}$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const KMS_KEY_ARN =
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|key\/mrk-[0-9a-f]{32}|alias\/[\w/-]+)$/;
export const MFA_SERIAL = /^(arn:aws[a-z-]*:iam::\d{12}:mfa\/[\w+=,.@/-]+|[A-Z0-9]{12,})$/;
export const USER_POOL_ID = /^[a-z]{2}(-gov)?-[a-z]+-\d_[0-9a-zA-Z]+$/;
export const ENVIRONMENT = /^[a-z][a-z0-9-]{0,15}$/;

/** A commander argParser that refuses a value not matching `pattern`, naming what was expected. */
export function matching(pattern: RegExp, what: string) {
    return (value: string): string => {
        if (!pattern.test(value)) throw new InvalidArgumentError(`'${value}' is not ${what}`);
        return value;
    };
}

/** The same for a comma-separated list (`--only a,b`). */
export function listOf(pattern: RegExp, what: string) {
    return (value: string): string => {
        const bad = value
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s && !pattern.test(s));
        if (bad.length) throw new InvalidArgumentError(`${bad.map((b) => `'${b}'`).join(", ")} is not ${what}`);
        return value;
    };
}

/** For a variadic argument: commander passes each value and the list so far. */
export function eachOf(pattern: RegExp, what: string) {
    return (value: string, previous: string[] | undefined): string[] => {
        if (!pattern.test(value)) throw new InvalidArgumentError(`'${value}' is not ${what}`);
        return [...(previous ?? []), value];
    };
}

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
    return (value: string): number => {
        const n = Number(value);
        if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
            throw new InvalidArgumentError(`'${value}' is not a whole number from ${min} to ${max}`);
        return n;
    };
}

export function positiveNumber(allowZero = false) {
    return (value: string): number => {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
            throw new InvalidArgumentError(`'${value}' is not a ${allowZero ? "non-negative" : "positive"} number`);
        return n;
    };
}

export const tableName = matching(TABLE_NAME, "a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)");
export const tableList = listOf(TABLE_NAME, "a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)");
export const secretName = matching(SECRET_NAME, "a Secrets Manager name (1-512 of letters, digits and /_+=.@-)");
export const bucketName = matching(BUCKET_NAME, "an S3 bucket name (3-63 of a-z 0-9 . -)");
export const region = matching(REGION, "an AWS region (like eu-west-2)");
export const accountId = matching(ACCOUNT_ID, "a 12-digit AWS account id");
export const roleArn = matching(ROLE_ARN, "an IAM role ARN (arn:aws:iam::<account>:role/<name>)");
export const kmsKeyArn = matching(KMS_KEY_ARN, "a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>)");
export const mfaSerial = matching(MFA_SERIAL, "an MFA device ARN (arn:aws:iam::<account>:mfa/<name>) or serial");
export const userPoolId = matching(USER_POOL_ID, "a Cognito user pool id (like eu-west-2_AbC123)");
export const environment = matching(ENVIRONMENT, "an environment name (a-z, 0-9, -; at most 16)");
