/**
 * AWS's own validation rules for every value that stack config can influence.
 *
 * No machine here reaches AWS, so a limit that `pulumi up` would only discover in a failed API call
 * is checked here, before any resource is registered. Each check returns an error sentence that
 * names the rule; the config layer prefixes it with the key and the value.
 */

/** Commercial regions that offer AWS Backup, DynamoDB PITR, S3 RTC and Secrets Manager replicas. */
export const AWS_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
] as const;
export type AwsRegion = (typeof AWS_REGIONS)[number];

export const ACCOUNT_ID = /^\d{12}$/;
/** Organizations: `o-` followed by 10 to 32 lowercase letters or digits. */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** A rule check: `undefined` when the value is valid, else the sentence that says why not. */
export type RuleCheck = (value: string) => string | undefined;

const pattern =
    (re: RegExp, rule: string): RuleCheck =>
    (value) =>
        re.test(value) ? undefined : rule;

/** DynamoDB: 3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.`. */
export const dynamoDbTableName = pattern(
    /^[a-zA-Z0-9_.-]{3,255}$/,
    "a DynamoDB table name is 3 to 255 characters of letters, digits, '_', '-' and '.'",
);

/** AWS Backup vault names: 2 to 50 characters of letters, digits, `-` and `_`. */
export const backupVaultName = pattern(
    /^[a-zA-Z0-9_-]{2,50}$/,
    "an AWS Backup vault name is 2 to 50 characters of letters, digits, '-' and '_'",
);

/** AWS Backup plan, rule and selection names: 1 to 50 characters of letters, digits, `-`, `_`, `.`. */
export const backupPlanName = pattern(
    /^[a-zA-Z0-9_.-]{1,50}$/,
    "an AWS Backup plan, rule or selection name is 1 to 50 characters of letters, digits, '-', '_' and '.'",
);

/** Secrets Manager: 1 to 512 characters of letters, digits and `/_+=.@-`. */
export const secretName = pattern(
    /^[A-Za-z0-9/_+=.@-]{1,512}$/,
    "a Secrets Manager secret name is 1 to 512 characters of letters, digits and '/_+=.@-'",
);

/** IAM role names: up to 64 characters of letters, digits and `+=,.@_-`. */
export const iamRoleName = pattern(
    /^[\w+=,.@-]{1,64}$/,
    "an IAM role name is 1 to 64 characters of letters, digits and '+=,.@_-'",
);

export const iamRoleArn = pattern(
    /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    "an IAM role ARN reads arn:aws:iam::<12-digit account>:role/<name>",
);

/** SNS topic names: 1 to 256 characters of letters, digits, `-` and `_`. */
export const snsTopicName = pattern(
    /^[a-zA-Z0-9_-]{1,256}$/,
    "an SNS topic name is 1 to 256 characters of letters, digits, '-' and '_'",
);

/**
 * "Maximum number of tags per resource – 50" (AWS General Reference, "Tagging your AWS resources",
 * tag restrictions); provider default tags and a resource's own tags count alike.
 */
export const MAX_TAGS_PER_RESOURCE = 50;

/**
 * AWS Backup quotas (AWS Backup Developer Guide, "AWS Backup quotas",
 * docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html, as it reads in 2026):
 * "Resource assignments per backup plan: 100, not adjustable"; a resource assignment is one
 * selection document. Older versions of the page said 10, and "up to 100 unique resources by ARN";
 * the current page's 100 assignments is what is enforced here.
 */
export const MAX_RESOURCE_ASSIGNMENTS_PER_PLAN = 100;

/** BackupSelection `Resources`: "The maximum number of ARNs is 500 without wildcards" (AWS Backup API Reference, BackupSelection). */
export const MAX_ARNS_PER_SELECTION = 500;

/** Tag keys: 1 to 128 characters; tag values up to 256; neither may start with `aws:`. */
export const tagKey: RuleCheck = (value) => {
    if (value.length < 1 || value.length > 128) return "a tag key is 1 to 128 characters";
    if (/^aws:/i.test(value)) return "a tag key may not start with 'aws:' (reserved for AWS)";
    if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value))
        return "a tag key may contain only letters, digits, spaces and _.:/=+-@";
    return undefined;
};
export const tagValue: RuleCheck = (value) => {
    if (value.length > 256) return "a tag value is at most 256 characters";
    if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value))
        return "a tag value may contain only letters, digits, spaces and _.:/=+-@";
    return undefined;
};

/**
 * S3 general purpose bucket names (S3 User Guide, "Bucket naming rules"): 3 to 63 characters of
 * lowercase letters, digits, dots and hyphens; begin and end with a letter or digit; no two adjacent
 * dots; not an IP address; none of the reserved prefixes and suffixes.
 */
export const s3BucketName: RuleCheck = (value) => {
    if (value.length < 3 || value.length > 63)
        return `an S3 bucket name is 3 to 63 characters (this one has ${value.length})`;
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(value)) {
        return "an S3 bucket name is lowercase letters, digits, '.' and '-', beginning and ending with a letter or digit";
    }
    if (value.includes("..")) return "an S3 bucket name may not contain two adjacent periods";
    if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) return "an S3 bucket name may not be formatted as an IP address";
    for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) {
        if (value.startsWith(prefix)) return `an S3 bucket name may not start with the reserved prefix '${prefix}'`;
    }
    for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
        if (value.endsWith(suffix)) return `an S3 bucket name may not end with the reserved suffix '${suffix}'`;
    }
    return undefined;
};

// ---------------------------------------------------------------------------------------------
// AWS Backup schedules

const CRON_FIELD_NAMES = ["minutes", "hours", "day-of-month", "month", "day-of-week", "year"] as const;
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Ranges of the six EventBridge-style cron fields that AWS Backup uses. */
const CRON_RANGES: Record<(typeof CRON_FIELD_NAMES)[number], [number, number, string[]?]> = {
    minutes: [0, 59],
    hours: [0, 23],
    "day-of-month": [1, 31],
    month: [1, 12, MONTHS],
    "day-of-week": [1, 7, WEEKDAYS],
    year: [1970, 2199],
};

function cronFieldError(field: (typeof CRON_FIELD_NAMES)[number], text: string): string | undefined {
    const [min, max, names] = CRON_RANGES[field];
    if (text === "*") return undefined;
    if (text === "?") {
        return field === "day-of-month" || field === "day-of-week"
            ? undefined
            : `'?' is allowed only in day-of-month or day-of-week, not in ${field}`;
    }
    const valueOf = (token: string): number | undefined => {
        if (names) {
            const i = names.indexOf(token.toUpperCase());
            if (i >= 0) return field === "month" ? i + 1 : i + 1;
        }
        if (!/^\d+$/.test(token)) return undefined;
        return Number(token);
    };
    for (const part of text.split(",")) {
        // Special day forms: L, W, # (e.g. 'L', '15W', '6#3').
        if (
            (field === "day-of-month" && /^(L|LW|\d{1,2}W)$/.test(part)) ||
            (field === "day-of-week" &&
                /^([1-7]|[A-Z]{3})(#[1-5]|L)?$/i.test(part) &&
                (part.includes("#") || part.endsWith("L")))
        ) {
            continue;
        }
        const [rangePart, step] = part.split("/");
        if (step !== undefined && !/^\d+$/.test(step)) return `'${part}' has a step that is not a number in ${field}`;
        const bounds = rangePart === "*" ? [String(min), String(max)] : rangePart.split("-");
        if (bounds.length > 2) return `'${part}' is not a valid ${field} value`;
        for (const bound of bounds) {
            const n = valueOf(bound);
            if (n === undefined || n < min || n > max)
                return `'${bound}' is outside ${field} (${min}-${max}${names ? ` or ${names[0]}-${names[names.length - 1]}` : ""})`;
        }
    }
    return undefined;
}

/**
 * AWS Backup schedule expressions are `cron(minutes hours day-of-month month day-of-week year)`;
 * exactly one of day-of-month and day-of-week is `?`; and a rule may run at most once an hour,
 * so the minutes field must be a single minute.
 */
export const backupSchedule: RuleCheck = (value) => {
    const match = /^cron\((.*)\)$/.exec(value.trim());
    if (!match)
        return "an AWS Backup schedule is a cron expression: cron(minutes hours day-of-month month day-of-week year)";
    const fields = match[1].trim().split(/\s+/);
    if (fields.length !== 6)
        return `a backup cron expression has 6 fields (minutes hours day-of-month month day-of-week year); this one has ${fields.length}`;
    for (let i = 0; i < 6; i++) {
        const err = cronFieldError(CRON_FIELD_NAMES[i], fields[i]);
        if (err) return err;
    }
    const [minutes, , dayOfMonth, , dayOfWeek] = fields;
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
        return "exactly one of day-of-month and day-of-week must be '?' in a cron expression";
    }
    if (!/^\d{1,2}$/.test(minutes)) {
        return "AWS Backup runs a rule at most once an hour: the minutes field must be a single minute (0-59)";
    }
    return undefined;
};

/**
 * The shortest interval between two runs of a cron schedule, in hours, for the frequency checks:
 * 1 when the hours field repeats within a day, 24 for daily, 168 for weekly, 720 for monthly or rarer.
 */
export function scheduleIntervalHours(value: string): number {
    const fields = /^cron\((.*)\)$/.exec(value.trim())?.[1].trim().split(/\s+/) ?? [];
    const [, hours, dayOfMonth, month, dayOfWeek] = fields;
    const hoursRepeat = hours === "*" || /[,/-]/.test(hours ?? "");
    if (hoursRepeat) return 1;
    const everyDay = (dayOfMonth === "*" && dayOfWeek === "?") || (dayOfWeek === "*" && dayOfMonth === "?");
    if (everyDay && month === "*") return 24;
    if (dayOfMonth === "?" && dayOfWeek !== "*" && month === "*")
        return dayOfWeek.includes(",") || dayOfWeek.includes("-") ? 24 : 168;
    return 720;
}

/**
 * An EventBridge Scheduler expression (Scheduler User Guide, "Schedule types"; AWS::Scheduler::Schedule
 * ScheduleExpression): `rate(value unit)` with a positive integer and minute(s), hour(s) or day(s), or
 * `cron(minutes hours day-of-month month day-of-week year)` with exactly one of the day fields `?`.
 * One-time `at(...)` expressions protect nothing on a schedule, so they are refused here.
 */
export const schedulerExpression: RuleCheck = (value) => {
    const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(value.trim());
    if (rate) return Number(rate[1]) > 0 ? undefined : "a rate expression's value is a positive integer";
    if (/^rate\(/.test(value.trim()))
        return "an EventBridge Scheduler rate expression reads rate(value unit), unit minute(s), hour(s) or day(s)";
    const cron = /^cron\((.*)\)$/.exec(value.trim());
    if (!cron)
        return "an EventBridge Scheduler expression is rate(value unit) or cron(minutes hours day-of-month month day-of-week year)";
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6)
        return `a Scheduler cron expression has 6 fields (minutes hours day-of-month month day-of-week year); this one has ${fields.length}`;
    for (let i = 0; i < 6; i++) {
        const err = cronFieldError(CRON_FIELD_NAMES[i], fields[i]);
        if (err) return err;
    }
    if ((fields[2] === "?") === (fields[4] === "?"))
        return "exactly one of day-of-month and day-of-week must be '?' in a cron expression";
    return undefined;
};

/** The interval of a Scheduler expression in hours (a rate exactly; a cron as scheduleIntervalHours reads it). */
export function schedulerIntervalHours(value: string): number {
    const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(value.trim());
    if (rate)
        return Number(rate[1]) / ({ minute: 60, hour: 1, day: 1 / 24 } as const)[rate[2] as "minute" | "hour" | "day"];
    return scheduleIntervalHours(value);
}
