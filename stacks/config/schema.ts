/**
 * The stack config, as zod schemas: the one place where config is read and checked.
 *
 * Everything downstream receives the parsed, typed and already valid object. Defaults come from the
 * requirements (rules daily/weekly/monthly, 35-day PITR, exports lifecycle 30/90 days). Every check
 * that AWS itself would make at deploy time is made here, with the key and the rule in the message.
 */
import { z } from "zod";
import * as naming from "../../naming";
import * as rules from "../../aws/rules";
import * as orgRules from "../../aws/organizations";
import { backupRegionSettingsRule } from "../../aws/backupRegionSettings";
import * as orgNames from "../../naming/organization";
import type * as BackupPolicyModule from "../../components/organization/backupPolicy";
import type * as OrganizationPolicyModule from "../../components/organization/organizationPolicy";
import type * as ScpModule from "../../components/organization/serviceControlPolicies";

/** Turns a rule check into a zod refinement whose message is the rule. */
function satisfies(check: rules.RuleCheck) {
    return (value: string, ctx: z.RefinementCtx) => {
        const err = check(value);
        if (err) ctx.addIssue({ code: "custom", message: err });
    };
}

const accountId = z
    .string({ error: "must be a 12-digit AWS account id in quotes (YAML reads an unquoted id as a number)" })
    .regex(rules.ACCOUNT_ID, "an AWS account id is exactly 12 digits");

const region = z.enum(rules.AWS_REGIONS, {
    error: (issue) =>
        `'${String(issue.input)}' is not an AWS region this project supports (${rules.AWS_REGIONS.join(", ")})`,
});

const organizationId = z
    .string()
    .regex(rules.ORGANIZATION_ID, "an AWS Organizations id reads o- followed by 10 to 32 lowercase letters or digits");

/** Lowercase, since it becomes part of S3 bucket names; 16 characters keeps every derived bucket name within 63. */
const environment = z
    .string()
    .regex(
        /^[a-z][a-z0-9-]{0,15}$/,
        "an environment name is 1 to 16 lowercase letters, digits and '-', starting with a letter (it becomes part of S3 bucket names)",
    );

/** A whole number of days; a bound without its own message still states the number (`at least 1 day`). */
const days = (what: string) =>
    z
        .number({
            // The schema's error map answers every issue of the number, bounds included.
            error: (raw) => {
                const issue = raw as unknown as { code: string; minimum?: unknown; maximum?: unknown };
                const n = (v: unknown) => `${String(v)} day${v === 1 ? "" : "s"}`;
                if (issue.code === "too_small") return `${what} is at least ${n(issue.minimum)}`;
                if (issue.code === "too_big") return `${what} is at most ${n(issue.maximum)}`;
                return `${what} must be a whole number of days`;
            },
        })
        .int(`${what} must be a whole number of days`);

/** An AWS Backup lifecycle. AWS keeps a recovery point in cold storage for at least 90 days. */
export const lifecycleSchema = z
    .object({
        deleteAfterDays: days("deleteAfterDays").min(1, "AWS Backup keeps a recovery point at least 1 day"),
        moveToColdStorageAfterDays: days("moveToColdStorageAfterDays")
            .min(1, "cold storage starts after at least 1 day")
            .optional(),
    })
    .strict()
    .superRefine((lc, ctx) => {
        if (lc.moveToColdStorageAfterDays !== undefined && lc.deleteAfterDays < lc.moveToColdStorageAfterDays + 90) {
            ctx.addIssue({
                code: "custom",
                path: ["deleteAfterDays"],
                message: `AWS Backup keeps recovery points in cold storage for at least 90 days, so deleteAfterDays must be at least moveToColdStorageAfterDays + 90 = ${lc.moveToColdStorageAfterDays + 90}`,
            });
        }
    });
export type Lifecycle = z.infer<typeof lifecycleSchema>;

/** One rule of the backup plan. */
export const backupRuleSchema = z
    .object({
        schedule: z.string().superRefine(satisfies(rules.backupSchedule)),
        // AWS Backup: the start window is at least 60 minutes; the completion window must be at
        // least 60 minutes longer than the start window (default 8 hours and 7 days).
        startWindowMinutes: z
            .number()
            .int()
            .min(60, "AWS Backup requires a start window of at least 60 minutes")
            .default(60),
        completionWindowMinutes: z
            .number()
            .int()
            .max(10080 * 4, "a completion window beyond 28 days serves no rule here")
            .default(480),
        lifecycle: lifecycleSchema,
        /** Copy each recovery point to the backup account's central vault, with this lifecycle. */
        copyToBackupAccount: lifecycleSchema.optional(),
    })
    .strict()
    .superRefine((rule, ctx) => {
        if (rule.completionWindowMinutes < rule.startWindowMinutes + 60) {
            ctx.addIssue({
                code: "custom",
                path: ["completionWindowMinutes"],
                message: `AWS Backup requires the completion window to be at least 60 minutes longer than the start window (${rule.startWindowMinutes}), so at least ${rule.startWindowMinutes + 60}`,
            });
        }
    });
export type BackupRule = z.infer<typeof backupRuleSchema>;

/** The rules of the requirements: daily 02:00 UTC 35 d; weekly Sunday 03:00 90 d; monthly 1st 04:00 2555 d, cold after 90. */
export const DEFAULT_BACKUP_RULES: Record<string, z.input<typeof backupRuleSchema>> = {
    daily: {
        schedule: "cron(0 2 * * ? *)",
        startWindowMinutes: 60,
        completionWindowMinutes: 480,
        lifecycle: { deleteAfterDays: 35 },
        copyToBackupAccount: { deleteAfterDays: 35 },
    },
    weekly: {
        schedule: "cron(0 3 ? * SUN *)",
        startWindowMinutes: 60,
        completionWindowMinutes: 480,
        lifecycle: { deleteAfterDays: 90 },
    },
    monthly: {
        schedule: "cron(0 4 1 * ? *)",
        startWindowMinutes: 60,
        completionWindowMinutes: 720,
        lifecycle: { moveToColdStorageAfterDays: 90, deleteAfterDays: 2555 },
        copyToBackupAccount: { moveToColdStorageAfterDays: 90, deleteAfterDays: 2555 },
    },
};

/**
 * The tags the program puts on every resource itself (provider default tags and the stack's
 * environment). The deploy role's conditions depend on them, so a user tag may not replace them.
 */
export const PROGRAM_TAG_KEYS = ["project", "managed-by", "environment"] as const;

/** User tags: none of the program's keys, and few enough that every resource stays within AWS's 50 tags. */
function refineUserTags(tags: Record<string, string>, ctx: z.RefinementCtx): void {
    for (const key of Object.keys(tags)) {
        if ((PROGRAM_TAG_KEYS as readonly string[]).includes(key))
            ctx.addIssue({
                code: "custom",
                message: `tag '${key}' is set by the program itself (${PROGRAM_TAG_KEYS.join(", ")}) and the deploy role's conditions depend on it; remove it from vat-backup:tags`,
            });
    }
    const allowed = rules.MAX_TAGS_PER_RESOURCE - PROGRAM_TAG_KEYS.length;
    const count = Object.keys(tags).length;
    if (count > allowed)
        ctx.addIssue({
            code: "custom",
            message: `${count} tags, plus the program's own ${PROGRAM_TAG_KEYS.length} (${PROGRAM_TAG_KEYS.join(", ")}), make ${count + PROGRAM_TAG_KEYS.length} on every resource; AWS allows at most ${rules.MAX_TAGS_PER_RESOURCE} per resource, so give at most ${allowed}`,
        });
}

const tagSchema = z
    .object({
        key: z.string().superRefine(satisfies(rules.tagKey)),
        value: z.string().superRefine(satisfies(rules.tagValue)),
    })
    .strict();

/**
 * A stack name as `pulumi.StackReference` takes it: `stack`, `org/stack` or `org/project/stack`,
 * each part alphanumerics, hyphens, underscores or periods (Pulumi's rule for stack names).
 */
const stackReferenceName = z
    .string()
    .regex(
        /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/,
        "a Pulumi stack name reads 'stack', 'org/stack' or 'org/project/stack', each part only letters, digits, hyphens, underscores or periods",
    );

/** Where the backup account's central vault and archive live, and the bounds of its vault lock. */
const backupAccountSchema = z
    .object({
        accountId,
        region: region.default("eu-west-2"),
        /** The backup account's second region: its DR vault and DR-region archive (the backup stack's drRegion). */
        drRegion: region.default("eu-west-1"),
        vaultName: z.string().superRefine(satisfies(rules.backupVaultName)).default(naming.CENTRAL_VAULT_NAME),
        /** The central vault's lock; copies outside these bounds would be refused by AWS. */
        vaultLock: z
            .object({
                minRetentionDays: days("minRetentionDays")
                    .min(1)
                    .default(naming.DEFAULT_CENTRAL_VAULT_LOCK.minRetentionDays),
                maxRetentionDays: days("maxRetentionDays")
                    .max(36500, "a vault lock's maximum retention is at most 36500 days")
                    .default(naming.DEFAULT_CENTRAL_VAULT_LOCK.maxRetentionDays),
            })
            .strict()
            .prefault({}),
        /**
         * The backup stack to read the central vault and archive from (a StackReference), checked
         * against the names above; without it the names alone wire the stacks together.
         */
        stackReference: stackReferenceName.optional(),
    })
    .strict();

const secretSchema = z
    .object({
        name: z.string().superRefine(satisfies(rules.secretName)),
        critical: z.boolean().default(true),
        /**
         * Which versions the scheduled escrow keeps: `all` (the salt, a registry whose every version
         * still maps users to data) or `current-and-previous`; default: `all` for the salt secret.
         */
        escrowVersions: z.enum(["all", "current-and-previous"]).optional(),
    })
    .strict();

/**
 * The exports bucket's lifecycle. S3 requires objects to stay 30 days in STANDARD before moving to
 * STANDARD_IA, and 30 days in STANDARD_IA before a later transition.
 */
const exportsBucketSchema = z
    .object({
        infrequentAccessAfterDays: days("infrequentAccessAfterDays")
            .min(30, "S3 moves objects to STANDARD_IA no earlier than 30 days after creation")
            .default(30),
        glacierAfterDays: days("glacierAfterDays").default(90),
        expireAfterDays: days("expireAfterDays").default(2557),
        noncurrentVersionExpireAfterDays: days("noncurrentVersionExpireAfterDays").min(1).default(90),
    })
    .strict()
    .superRefine((b, ctx) => {
        if (b.glacierAfterDays < b.infrequentAccessAfterDays + 30) {
            ctx.addIssue({
                code: "custom",
                path: ["glacierAfterDays"],
                message: `S3 keeps objects in STANDARD_IA at least 30 days before a later transition, so glacierAfterDays must be at least infrequentAccessAfterDays + 30 = ${b.infrequentAccessAfterDays + 30}`,
            });
        }
        if (b.expireAfterDays <= b.glacierAfterDays) {
            ctx.addIssue({
                code: "custom",
                path: ["expireAfterDays"],
                message: `S3 expiration must come after the last transition (glacierAfterDays ${b.glacierAfterDays})`,
            });
        }
    });

// ---------------------------------------------------------------------------------------------
// GitHub Actions: the OIDC provider and the roles the workflows assume (components/github/deployRole.ts)

/** GitHub: owner 1-39 letters, digits and '-'; repository letters, digits, '.', '_' and '-' (up to 100). */
export const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** GitHub environment names: up to 255 characters, no ':' (it would split the OIDC `sub` claim). */
const githubEnvironment = z
    .string()
    .regex(/^[^:,'"`]{1,255}$/, "a GitHub environment name is 1 to 255 characters without ':' or quotes");

export const githubSchema = z
    .object({
        /** `owner/name`, exactly as GitHub spells it: the token's `sub` claim is compared case-sensitively. */
        repository: z.string().regex(GITHUB_REPOSITORY, "repository must read owner/name, as in github.com/owner/name"),
        /** The GitHub environment of this stack's deploy job; defaults to the stack's `environment`. */
        environment: githubEnvironment.optional(),
        /** IAM allows one OIDC provider per issuer and account: reuse the one another tool created. */
        existingOidcProviderArn: z
            .string()
            .regex(
                /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
                "an OIDC provider ARN reads arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com",
            )
            .optional(),
        /** The S3 state backend's bucket and the `awskms://` secrets key, when state is not in Pulumi Cloud. */
        stateBucket: z.string().superRefine(satisfies(rules.s3BucketName)).optional(),
        // A key ARN, not an alias: IAM matches kms: actions against the key's ARN, never its alias's.
        secretsKeyArn: z
            .string()
            .regex(
                /^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/,
                "a KMS key ARN reads arn:aws:kms:<region>:<account>:key/<key id> (an alias ARN does not authorise key use)",
            )
            .optional(),
        /** The branch whose scheduled workflows run the DR checks. */
        checksBranch: z.string().min(1).default("main"),
        /** Accounts whose checks roles may chain into this account's (the backup account lists the deployment accounts). */
        checksTrustedAccountIds: z.array(accountId).default([]),
    })
    .strict();
export type GithubConfig = z.infer<typeof githubSchema>;

/** A region whose AWS Backup resource types this project does not know cannot get region settings (aws/backupRegionSettings.ts). */
function refineBackupRegionSettings(region: string, path: string[], ctx: z.RefinementCtx): void {
    const rule = backupRegionSettingsRule(region);
    if (rule) ctx.addIssue({ code: "custom", path, message: rule });
}

/** Cross-key checks of the `github` block, for each role's superRefine. */
export function refineGithub(cfg: { accountId: string; github?: GithubConfig }, ctx: z.RefinementCtx): void {
    const gh = cfg.github;
    if (!gh) return;
    const providerAccount = gh.existingOidcProviderArn?.split(":")[4];
    if (providerAccount && providerAccount !== cfg.accountId) {
        ctx.addIssue({
            code: "custom",
            path: ["github", "existingOidcProviderArn"],
            message: `a role trusts only an OIDC provider of its own account (${cfg.accountId})`,
        });
    }
    if (gh.secretsKeyArn && !gh.stateBucket) {
        ctx.addIssue({
            code: "custom",
            path: ["github", "secretsKeyArn"],
            message: "the secrets key belongs to the S3 state backend: set github.stateBucket too",
        });
    }
}

const commonShape = {
    environment,
    accountId,
    region: region.default("eu-west-2"),
    drRegion: region.default("eu-west-1"),
    organizationId,
    /** Protect vaults, keys, buckets and locks from `pulumi destroy`; defaults to true for prod. */
    protectData: z.boolean().optional(),
    alertEmails: z.array(z.email({ error: "must be an e-mail address" })).default([]),
    /** A role for the AWS provider (and the dynamic providers) to assume; else the ambient credentials. */
    deployRoleArn: z.string().superRefine(satisfies(rules.iamRoleArn)).optional(),
    tags: z
        .record(z.string().superRefine(satisfies(rules.tagKey)), z.string().superRefine(satisfies(rules.tagValue)))
        .superRefine(refineUserTags)
        .default({}),
    /** The GitHub Actions roles; absent: no role is created. */
    github: githubSchema.optional(),
};

// ---------------------------------------------------------------------------------------------
// Monitoring and verification (issue 5): alarms, restore tests, audit and Config rules.

/** Restore testing of the critical tables (AWS Backup restore testing plan). */
const restoreTestSchema = z
    .object({
        /** Tables to restore-test; default: the critical tables (names ending in `-receipts`). */
        tables: z.array(z.string().superRefine(satisfies(rules.dynamoDbTableName))).optional(),
        /** Monthly by default: the 15th at 05:00 UTC, clear of the backup rules' windows. */
        schedule: z.string().superRefine(satisfies(rules.backupSchedule)).default("cron(0 5 15 * ? *)"),
        // AWS Backup: StartWindowHours 1 to 168, SelectionWindowDays 1 to 365, ValidationWindowHours 0 to 168.
        startWindowHours: z
            .number()
            .int()
            .min(1, "a restore test's start window is at least 1 hour")
            .max(168, "a restore test's start window is at most 168 hours")
            .default(24),
        selectionWindowDays: z
            .number()
            .int()
            .min(1, "a restore test picks recovery points from at least the last day")
            .max(365, "a restore test picks recovery points from at most the last 365 days")
            .default(7),
        validationWindowHours: z
            .number()
            .int()
            .min(0, "the validation window is 0 to 168 hours")
            .max(168, "the validation window is 0 to 168 hours")
            .default(24),
    })
    .strict();

/** A key attribute value of a sentinel item, in DynamoDB JSON (string or number keys). */
const sentinelValue = z.union([
    z.object({ S: z.string().min(1) }).strict(),
    z.object({ N: z.string().regex(/^-?\d+(\.\d+)?$/, "N is a number written as a string") }).strict(),
]);

/** What the restored copy of a table must look like; the restore-test validator checks it without a scan. */
const restoredTableSchema = z
    .object({
        partitionKey: z.string().min(1),
        sortKey: z.string().min(1).optional(),
        globalSecondaryIndexes: z.array(z.string().min(3).max(255)).default([]),
        /** The source's TTL attribute: a restore never carries TTL (RestoreTableFromBackup), so it is reported, not required. */
        ttlAttribute: z.string().min(1).optional(),
        /** The key of a known item (a DynamoDB key has a partition key and at most a sort key). */
        sentinel: z
            .record(z.string(), sentinelValue)
            .refine((k) => Object.keys(k).length >= 1 && Object.keys(k).length <= 2, "a key has 1 or 2 attributes")
            .optional(),
    })
    .strict()
    .superRefine((t, ctx) => {
        if (!t.sentinel) return;
        const keys = [t.partitionKey, ...(t.sortKey ? [t.sortKey] : [])].sort();
        if (JSON.stringify(Object.keys(t.sentinel).sort()) !== JSON.stringify(keys))
            ctx.addIssue({
                code: "custom",
                path: ["sentinel"],
                message: `the sentinel's key must name exactly the table's key attributes (${keys.join(", ")})`,
            });
    });

/** The receipts table of the requirements: hashedSub / receiptId, TTL `ttl`, with the DR tool's sentinel. */
export const DEFAULT_RESTORED_TABLES = {
    receipts: {
        partitionKey: "hashedSub",
        sortKey: "receiptId",
        ttlAttribute: "ttl",
        sentinel: { hashedSub: { S: "dr-sentinel" }, receiptId: { S: "dr-sentinel" } },
    },
};

/** Validation of each restore test (lambdas/validateRestore). */
const restoreValidationSchema = z
    .object({
        enabled: z.boolean().default(true),
        /** DynamoDB refreshes ItemCount about every six hours: the count is read no earlier. */
        countCheckAfterHours: z
            .number()
            .int()
            .min(6, "DynamoDB updates ItemCount about every six hours: countCheckAfterHours is at least 6")
            .max(167)
            .default(7),
        itemCountTolerancePercent: z.number().min(0).max(100).default(10),
        /** By table name, or by the name after `{env}-env-`. */
        tables: z.record(z.string(), restoredTableSchema).prefault(DEFAULT_RESTORED_TABLES),
    })
    .strict();

export const monitoringSchema = z
    .object({
        /**
         * Create the AWS Config recorder and delivery channel (the default: the Config rules and the
         * audit controls need a recorder). Set false where the account has one (Control Tower's): an
         * account holds one customer managed recorder per region, and the recorder this creates is
         * named after this switch, so AWS's refusal names it.
         */
        createConfigRecorder: z.boolean().default(true),
        restoreTest: restoreTestSchema.prefault({}),
        restoreValidation: restoreValidationSchema.prefault({}),
        /** Audit control: the newest recovery point may be at most this many hours old (1 to 744); default: the most frequent rule's interval plus its completion window. */
        maxRecoveryPointAgeHours: z
            .number()
            .int()
            .min(1, "a recovery point age is at least 1 hour")
            .max(744, "a recovery point age is at most 744 hours (31 days)")
            .optional(),
    })
    .strict();

/** The backup account's monitoring: restore tests of the critical tables' copies in the central vault. */
export const backupMonitoringSchema = z
    .object({
        /** As for the deployment stacks: the backup account's Config rules and audit controls need a recorder. */
        createConfigRecorder: z.boolean().default(true),
        /** The backup account's monthly evidence pack, written straight into both archives. */
        evidencePack: z.lazy(() => evidencePackSchema).prefault({}),
        restoreTest: restoreTestSchema
            .omit({ tables: true })
            .extend({
                /** Application tables, without the `{env}-env-` prefix, whose copies are restore-tested for every deployment account. */
                tables: z
                    .array(
                        z
                            .string()
                            .regex(/^[a-zA-Z0-9_.-]{1,200}$/, "a table name is letters, digits, '_', '-' and '.'"),
                    )
                    .min(1)
                    .default(["receipts"]),
            })
            .strict()
            .prefault({}),
        restoreValidation: restoreValidationSchema.prefault({}),
    })
    .strict()
    .superRefine((cfg, ctx) => checkRestoreValidation(cfg, cfg.restoreTest.tables, ctx, []));

/**
 * The validator reads the item count after DynamoDB's refresh, so the restored table must outlive
 * that wait (AWS Backup deletes it when the validation window ends), and every tested table needs
 * an expectation.
 */
function checkRestoreValidation(
    cfg: {
        restoreTest: { validationWindowHours: number };
        restoreValidation: z.infer<typeof restoreValidationSchema>;
    },
    testedTables: string[],
    ctx: z.RefinementCtx,
    prefix: string[],
) {
    const v = cfg.restoreValidation;
    if (!v.enabled) return;
    if (cfg.restoreTest.validationWindowHours < v.countCheckAfterHours + 1)
        ctx.addIssue({
            code: "custom",
            path: [...prefix, "restoreTest", "validationWindowHours"],
            message: `restore validation reads the item count ${v.countCheckAfterHours} h after a restore (DynamoDB refreshes ItemCount about every six hours) and sweeps hourly: the validation window must be at least ${v.countCheckAfterHours + 1} hours, or AWS Backup deletes the restored table first`,
        });
    for (const table of testedTables) {
        if (!v.tables[table] && !v.tables[table.replace(/^.*?-env-/, "")])
            ctx.addIssue({
                code: "custom",
                path: [...prefix, "restoreValidation", "tables"],
                message: `restore-tested table '${table}' has no expectation (partitionKey, sortKey, sentinel) to validate against`,
            });
    }
}

// ---------------------------------------------------------------------------------------------
// Protection on AWS's own schedules (no person in the loop): secret escrow, user-pool export,
// table exports. Each can be switched off, knowingly: the posture report shows the gap it leaves.

const scheduleExpression = z.string().superRefine(satisfies(rules.schedulerExpression));

/** The monthly evidence pack of an account (deployment: `automation.evidencePack`; backup: `monitoring.evidencePack`). */
export const evidencePackSchema = z
    .object({
        enabled: z.boolean().default(true),
        /** The 1st of each month, 08:00 UTC: the previous calendar month. */
        schedule: scheduleExpression.default("cron(0 8 1 * ? *)"),
        /** A copy job slower than this is listed as an open gap. */
        maxCopyLagHours: z.number().min(1).max(168).default(24),
    })
    .strict();

export const automationSchema = z
    .object({
        secretEscrow: z
            .object({
                enabled: z.boolean().default(true),
                /** Daily at 01:30 UTC; changes are escrowed within minutes besides (EventBridge on CloudTrail events). */
                schedule: scheduleExpression.default("cron(30 1 * * ? *)"),
                /** Escrow within minutes of a change. Needs a trail logging the account's management events (the org trail). */
                onChange: z.boolean().default(true),
            })
            .strict()
            .prefault({}),
        userPoolExport: z
            .object({
                enabled: z.boolean().default(true),
                /** Twice a day: with the 15-minute RTC the export reaches the archive within the 24-hour RPO. */
                schedule: scheduleExpression.default("rate(12 hours)"),
                /** Default: `{env}-env-user-pool`. */
                userPoolName: z.string().min(1).max(128).optional(),
            })
            .strict()
            .prefault({}),
        tableExports: z
            .object({
                full: z
                    .object({
                        enabled: z.boolean().default(true),
                        /** Weekly, Sunday 01:00 UTC. */
                        schedule: scheduleExpression.default("cron(0 1 ? * SUN *)"),
                        /** Default: the critical and high tables of the requirements. */
                        tables: z.array(z.string().superRefine(satisfies(rules.dynamoDbTableName))).optional(),
                    })
                    .strict()
                    .prefault({}),
                incremental: z
                    .object({
                        /** Hourly incremental exports; turn off to save their cost (the RPO outside the account goes back to the daily copy). */
                        enabled: z.boolean().default(true),
                        /**
                         * Minute past each hour of the run, which exports the previous whole hour. PITR's
                         * latest restorable time trails the present by about five minutes, so not before :05.
                         */
                        minute: z
                            .number()
                            .int()
                            .min(
                                5,
                                "tableExports.incremental.minute is 5 to 59: PITR data of the last minutes is not yet exportable",
                            )
                            .max(59, "tableExports.incremental.minute is 5 to 59")
                            .default(10),
                        /** Default: the critical tables of the requirements. */
                        tables: z.array(z.string().superRefine(satisfies(rules.dynamoDbTableName))).optional(),
                    })
                    .strict()
                    .prefault({}),
            })
            .strict()
            .prefault({}),
        /** Monthly: the newest user-pool export imported into a scratch pool and compared (issue 17). */
        userPoolRoundTrip: z
            .object({
                enabled: z.boolean().default(true),
                /** The 2nd of each month, 06:00 UTC. */
                schedule: scheduleExpression.default("cron(0 6 2 * ? *)"),
                /** Users whose attributes are compared after the import (spread over the export). */
                sampleSize: z.number().int().min(1).max(1000).default(25),
            })
            .strict()
            .prefault({}),
        /** Monthly: one evidence document per account (restore tests, copy lags, audit reports, drift, gaps). */
        evidencePack: evidencePackSchema.prefault({}),
    })
    .strict();

/** Cross-field checks of the monitoring block, against the tables and rules it watches. */
function checkMonitoring(
    cfg: z.infer<typeof monitoringSchema>,
    tables: string[],
    backupRules: Record<string, { schedule: string; completionWindowMinutes: number }>,
    ctx: z.RefinementCtx,
) {
    for (const table of cfg.restoreTest.tables ?? []) {
        if (!tables.includes(table))
            ctx.addIssue({
                code: "custom",
                path: ["monitoring", "restoreTest", "tables"],
                message: `'${table}' is not one of the stack's tables`,
            });
    }
    // The "no recent backup" alarm watches the most frequent rule's interval plus its completion
    // window; CloudWatch evaluates at most one week (Period × EvaluationPeriods ≤ 604800 s).
    const windows = Object.entries(backupRules).map(([name, r]) => ({
        name,
        hours: rules.scheduleIntervalHours(r.schedule) + Math.ceil(r.completionWindowMinutes / 60),
    }));
    const shortest = windows.sort((a, b) => a.hours - b.hours)[0];
    if (shortest && shortest.hours > 168) {
        ctx.addIssue({
            code: "custom",
            path: ["backupRules"],
            message: `the no-recent-backup alarm needs a rule that runs at least every 6 days: rule '${shortest.name}' gives a ${shortest.hours}-hour window and CloudWatch alarms look back at most 168 hours`,
        });
    }
}

/** Stated sizes the cost estimate prices (offline/cost.ts); nothing here changes a resource. */
export const costEstimateSchema = z
    .object({
        /** GB per table, by full name; tables not listed take `defaultTableSizeGb`. */
        tableSizesGb: z.record(z.string(), z.number().min(0, "a table size is 0 GB or more")).default({}),
        defaultTableSizeGb: z.number().min(0).default(1),
        /** Users of the user pool (its exports are priced per user). */
        users: z.number().int().min(0).default(10000),
        /** Monthly growth of every table, in percent. */
        monthlyGrowthPercent: z.number().min(0).max(100).default(2),
        /** The estimate is printed for month 1 and for this month. */
        horizonMonths: z.number().int().min(1).max(120).default(12),
        /** GB of exports written each month besides the scheduled ones (manual `dr export-table` runs), replicated to the archive. */
        exportsGbPerMonth: z.number().min(0).default(0),
        /** Share of each table's size that changes a day: what the hourly incremental exports carry. */
        dailyChangePercent: z.number().min(0).max(100).default(2),
    })
    .strict();

/** The backup account's stated sizes: what the deployment accounts copy in. */
export const backupCostEstimateSchema = z
    .object({
        /** Warm GB copied into the central vault each month (from every deployment account). */
        copiedGbPerMonth: z.number().min(0).default(30),
        /** GB of recovery points the central vault holds (what the DR-region and air-gapped copies mirror). */
        storedGb: z.number().min(0).default(100),
        horizonMonths: z.number().int().min(1).max(120).default(12),
        monthlyGrowthPercent: z.number().min(0).max(100).default(2),
    })
    .strict();

export const deploymentConfigSchema = z
    .object({
        role: z.literal("deployment"),
        ...commonShape,
        backupAccount: backupAccountSchema,
        /** The application's DynamoDB tables, by name (another tool creates them). */
        tables: z
            .array(z.string().superRefine(satisfies(rules.dynamoDbTableName)))
            .min(1, "list at least one table to protect"),
        /** DynamoDB PITR keeps 1 to 35 days. */
        pitrRecoveryPeriodDays: days("pitrRecoveryPeriodDays")
            .min(1, "DynamoDB PITR keeps at least 1 day")
            .max(35, "DynamoDB PITR keeps at most 35 days")
            .default(35),
        /** Resources carrying this tag join the backup selection too. */
        selectionTag: tagSchema.default({ key: "backup-plan", value: "vat-backup" }),
        backupRules: z
            .record(z.string().superRefine(satisfies(rules.backupPlanName)), backupRuleSchema)
            .prefault(DEFAULT_BACKUP_RULES),
        /** Critical secrets another tool owns; each gets a replica in the DR region. */
        secrets: z.array(secretSchema).default([]),
        exportsBucket: exportsBucketSchema.prefault({}),
        monitoring: monitoringSchema.prefault({}),
        automation: automationSchema.prefault({}),
        costEstimate: costEstimateSchema.prefault({}),
    })
    .strict()
    .superRefine((cfg, ctx) => {
        refineGithub(cfg, ctx);
        for (const [key, list] of [
            ["full", cfg.automation.tableExports.full.tables],
            ["incremental", cfg.automation.tableExports.incremental.tables],
        ] as const) {
            for (const table of list ?? [])
                if (!cfg.tables.includes(table))
                    ctx.addIssue({
                        code: "custom",
                        path: ["automation", "tableExports", key, "tables"],
                        message: `'${table}' is not one of the stack's tables (ExportTableToPointInTime needs the table's PITR, which this stack keeps on)`,
                    });
        }
        for (const table of Object.keys(cfg.costEstimate.tableSizesGb))
            if (!cfg.tables.includes(table))
                ctx.addIssue({
                    code: "custom",
                    path: ["costEstimate", "tableSizesGb", table],
                    message: `'${table}' is not one of the stack's tables`,
                });
        if (cfg.drRegion === cfg.region) {
            ctx.addIssue({
                code: "custom",
                path: ["drRegion"],
                message: `the DR region must differ from the primary region (${cfg.region})`,
            });
        }
        // AWS Backup's region settings are made in the primary region.
        refineBackupRegionSettings(cfg.region, ["region"], ctx);
        if (cfg.backupAccount.drRegion === cfg.backupAccount.region) {
            ctx.addIssue({
                code: "custom",
                path: ["backupAccount", "drRegion"],
                message: `the backup account's DR region must differ from its primary region (${cfg.backupAccount.region}): the exports replicate into an archive in each`,
            });
        }
        const maxTables = maxTablesPerPlan();
        if (cfg.tables.length > maxTables) {
            ctx.addIssue({
                code: "custom",
                path: ["tables"],
                message:
                    `${cfg.tables.length} tables need ${Math.ceil(cfg.tables.length / rules.MAX_ARNS_PER_SELECTION)} selections of at most ${rules.MAX_ARNS_PER_SELECTION} ARNs ` +
                    `plus the tag selection; AWS Backup allows ${rules.MAX_RESOURCE_ASSIGNMENTS_PER_PLAN} resource assignments per plan, so at most ${maxTables} tables ` +
                    "(tag the rest with the selection tag instead)",
            });
        }
        if (cfg.backupAccount.accountId === cfg.accountId) {
            ctx.addIssue({
                code: "custom",
                path: ["backupAccount", "accountId"],
                message:
                    "the backup account must be a different account from the deployment account (copies inside one account survive nothing)",
            });
        }
        duplicates(cfg.tables).forEach((name) =>
            ctx.addIssue({ code: "custom", path: ["tables"], message: `table '${name}' is listed twice` }),
        );
        duplicates(cfg.secrets.map((s) => s.name)).forEach((name) =>
            ctx.addIssue({ code: "custom", path: ["secrets"], message: `secret '${name}' is listed twice` }),
        );
        if (Object.keys(cfg.backupRules).length === 0) {
            ctx.addIssue({ code: "custom", path: ["backupRules"], message: "the backup plan needs at least one rule" });
        }
        const lock = cfg.backupAccount.vaultLock;
        if (lock.minRetentionDays > lock.maxRetentionDays) {
            ctx.addIssue({
                code: "custom",
                path: ["backupAccount", "vaultLock"],
                message: "minRetentionDays must not exceed maxRetentionDays",
            });
        }
        for (const [ruleName, rule] of Object.entries(cfg.backupRules)) {
            const copy = rule.copyToBackupAccount;
            if (!copy) continue;
            if (copy.deleteAfterDays < lock.minRetentionDays || copy.deleteAfterDays > lock.maxRetentionDays) {
                ctx.addIssue({
                    code: "custom",
                    path: ["backupRules", ruleName, "copyToBackupAccount", "deleteAfterDays"],
                    message: `the central vault's lock accepts retention from ${lock.minRetentionDays} to ${lock.maxRetentionDays} days; AWS fails a copy job outside that range`,
                });
            }
        }
        checkMonitoring(cfg.monitoring, cfg.tables, cfg.backupRules, ctx);
        checkRestoreValidation(
            cfg.monitoring,
            cfg.monitoring.restoreTest.tables ?? cfg.tables.filter((t) => t.endsWith("-receipts")),
            ctx,
            ["monitoring"],
        );
        const bucket = naming.exportsBucketName(cfg.environment, cfg.accountId, cfg.region);
        const bucketErr = rules.s3BucketName(bucket);
        if (bucketErr)
            ctx.addIssue({
                code: "custom",
                path: ["environment"],
                message: `the exports bucket name '${bucket}' breaks S3's rule: ${bucketErr}`,
            });
        for (const role of naming.deploymentRoleNames(cfg.environment, cfg.region)) {
            const roleErr = rules.iamRoleName(role);
            if (roleErr)
                ctx.addIssue({
                    code: "custom",
                    path: ["environment"],
                    message: `the role name '${role}' breaks IAM's rule: ${roleErr}`,
                });
        }
    });

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema> & { protectData: boolean };

/** A vault lock. `changeableForDays` set means compliance mode: immutable once the grace period ends. */
const vaultLockSchema = z
    .object({
        minRetentionDays: days("minRetentionDays")
            .min(1, "a vault lock's minimum retention is at least 1 day")
            .default(naming.DEFAULT_CENTRAL_VAULT_LOCK.minRetentionDays),
        maxRetentionDays: days("maxRetentionDays")
            .max(36500, "a vault lock's maximum retention is at most 36500 days")
            .default(naming.DEFAULT_CENTRAL_VAULT_LOCK.maxRetentionDays),
        // AWS Backup: ChangeableForDays is at least 3 (a 72-hour cooling-off period) and at most 36500.
        changeableForDays: days("changeableForDays")
            .min(3, "AWS Backup requires a vault lock grace period of at least 3 days")
            .max(36500)
            .default(3),
    })
    .strict()
    .refine((l) => l.minRetentionDays <= l.maxRetentionDays, {
        message: "minRetentionDays must not exceed maxRetentionDays",
        path: ["minRetentionDays"],
    });

const deploymentAccountSchema = z
    .object({
        /** The deployment stack's environment name (prod, ci): it names that account's roles and vault. */
        environment,
        accountId,
    })
    .strict();

export const backupConfigSchema = z
    .object({
        role: z.literal("backup"),
        ...commonShape,
        environment: environment.default("backup"),
        /** Accounts allowed to copy into the central vault and replicate into the archive. */
        deploymentAccounts: z.array(deploymentAccountSchema).min(1, "list at least one deployment account"),
        centralVault: z
            .object({
                name: z.string().superRefine(satisfies(rules.backupVaultName)).default(naming.CENTRAL_VAULT_NAME),
                lock: vaultLockSchema.prefault({}),
            })
            .strict()
            .prefault({}),
        drVault: z
            .object({
                name: z.string().superRefine(satisfies(rules.backupVaultName)).default(naming.DR_VAULT_NAME),
                lock: vaultLockSchema.prefault({}),
            })
            .strict()
            .prefault({}),
        /** A logically air-gapped vault (AWS requires a minimum retention of at least 7 days). */
        airGappedVault: z
            .object({
                enabled: z.boolean().default(false),
                name: z.string().superRefine(satisfies(rules.backupVaultName)).default("air-gapped-backup-vault"),
                minRetentionDays: days("minRetentionDays")
                    .min(7, "a logically air-gapped vault keeps recovery points at least 7 days")
                    .default(7),
                maxRetentionDays: days("maxRetentionDays").max(36500).default(2557),
                /** Accounts of the organization the vault is shared with through AWS RAM, to restore without this account. */
                recoveryAccountIds: z.array(accountId).default([]),
            })
            .strict()
            .refine((v) => v.minRetentionDays <= v.maxRetentionDays, {
                message: "minRetentionDays must not exceed maxRetentionDays",
                path: ["minRetentionDays"],
            })
            .refine((v) => v.enabled || v.recoveryAccountIds.length === 0, {
                message: "recovery accounts are given but the air-gapped vault is not enabled (set enabled: true)",
                path: ["recoveryAccountIds"],
            })
            .prefault({}),
        /** OUs of the organization backup policy: every account in them may copy into the central and air-gapped vaults. */
        policyCoveredOus: z
            .array(
                z
                    .string()
                    .regex(
                        orgRules.OU_ID,
                        "an OU id reads ou-<4-32 of the root>-<8-32> (AWS Organizations OrganizationalUnit Id)",
                    ),
            )
            .default([]),
        /** Object Lock default retention of the archive buckets, compliance mode (7 years for HMRC VAT records). */
        archiveRetentionDays: days("archiveRetentionDays")
            .min(1)
            .max(36500, "S3 Object Lock retention is at most 36500 days")
            .default(2557),
        /** The only principal that may delete or shorten recovery points or change the vault policies. */
        breakGlassRoleName: z
            .string()
            .superRefine(satisfies(rules.iamRoleName))
            .default(naming.DEFAULT_BREAK_GLASS_ROLE_NAME),
        monitoring: backupMonitoringSchema.prefault({}),
        costEstimate: backupCostEstimateSchema.prefault({}),
    })
    .strict()
    .superRefine((cfg, ctx) => {
        refineGithub(cfg, ctx);
        if (cfg.drRegion === cfg.region) {
            ctx.addIssue({
                code: "custom",
                path: ["drRegion"],
                message: `the DR region must differ from the primary region (${cfg.region})`,
            });
        }
        // The backup account makes AWS Backup's region settings in both its regions.
        refineBackupRegionSettings(cfg.region, ["region"], ctx);
        refineBackupRegionSettings(cfg.drRegion, ["drRegion"], ctx);
        cfg.airGappedVault.recoveryAccountIds.forEach((id, i) => {
            if (id === cfg.accountId)
                ctx.addIssue({
                    code: "custom",
                    path: ["airGappedVault", "recoveryAccountIds", i],
                    message: "the recovery account must be another account: the share exists for when this one is lost",
                });
        });
        duplicates(cfg.deploymentAccounts.map((a) => a.accountId)).forEach((id) =>
            ctx.addIssue({ code: "custom", path: ["deploymentAccounts"], message: `account ${id} is listed twice` }),
        );
        cfg.deploymentAccounts.forEach((a, i) => {
            if (a.accountId === cfg.accountId)
                ctx.addIssue({
                    code: "custom",
                    path: ["deploymentAccounts", i, "accountId"],
                    message: "the backup account cannot be one of its own deployment accounts",
                });
        });
        for (const bucket of [
            naming.archiveBucketName(cfg.accountId, cfg.region),
            naming.archiveBucketName(cfg.accountId, cfg.drRegion),
        ]) {
            const err = rules.s3BucketName(bucket);
            if (err)
                ctx.addIssue({
                    code: "custom",
                    path: ["accountId"],
                    message: `the archive bucket name '${bucket}' breaks S3's rule: ${err}`,
                });
        }
    });

export type BackupConfig = z.infer<typeof backupConfigSchema> & { protectData: boolean };

const policyTarget = z
    .string()
    .regex(
        orgRules.POLICY_TARGET,
        "a policy target is the root (r-...), an OU (ou-...-...) or a 12-digit account id (AWS Organizations AttachPolicy TargetId)",
    );

const ouId = z
    .string()
    .regex(orgRules.OU_ID, "an OU id reads ou-<4-32 of the root>-<8-32> (AWS Organizations OrganizationalUnit Id)");

const roleNames = (defaults: readonly string[]) =>
    z
        .array(z.string().superRefine(satisfies(rules.iamRoleName)))
        .min(1)
        .default([...defaults]);

/** The organization's guardrails (issue 14): backup policy, SCPs, RCPs, delegated administration, trail. */
export const guardrailsSchema = z
    .object({
        /** OUs of the deployment accounts: the SCPs, the backup policy and the baseline StackSet target them. */
        deploymentOus: z.array(ouId).min(1, "list the deployment accounts' OU"),
        /** Further SCP targets (OUs or accounts) beside the deployment OUs. */
        extraScpTargets: z.array(policyTarget).default([]),
        /** Roles exempted from the SCPs' denies, by duty; names follow naming/organization.ts. */
        exemptRoles: z
            .object({
                deploy: roleNames(orgNames.DEFAULT_EXEMPT_ROLES.deploy),
                drRestore: roleNames(orgNames.DEFAULT_EXEMPT_ROLES.drRestore),
                breakGlass: roleNames(orgNames.DEFAULT_EXEMPT_ROLES.breakGlass),
            })
            .strict()
            .prefault({}),
        serviceControlPolicies: z.boolean().default(true),
        resourceControlPolicies: z.boolean().default(true),
        /** Accounts known to be in the deployment OUs (for the posture report; membership is not read offline). */
        memberAccounts: z
            .array(z.object({ accountId, name: z.string().min(1).superRefine(satisfies(rules.tagValue)) }).strict())
            .default([]),
    })
    .strict();

export const organizationBackupPolicySchema = z
    .object({
        enabled: z.boolean().default(true),
        /** Regions the policy's plan runs in; the baseline StackSet creates its vault in each. */
        regions: z.array(region).min(1).optional(),
        selectionTag: tagSchema.default({ key: "backup-plan", value: "vat-backup" }),
        /**
         * The backup account's logically air-gapped vault (its name): every rule that copies to the
         * central vault copies there too, so the shared vault holds what a recovery account restores.
         */
        copyToAirGappedVault: z.string().superRefine(satisfies(rules.backupVaultName)).optional(),
        rules: z
            .record(z.string().superRefine(satisfies(rules.backupPlanName)), backupRuleSchema)
            .prefault(DEFAULT_BACKUP_RULES),
    })
    .strict();

export const organizationTrailSchema = z
    .discriminatedUnion("mode", [
        z.object({ mode: z.literal("create"), name: z.string().default(orgNames.ORGANIZATION_TRAIL_NAME) }).strict(),
        z
            .object({
                /** Control Tower's organization trail is adopted: the program creates none, the SCPs protect it. */
                mode: z.literal("controlTower"),
                trailArn: z
                    .string()
                    .regex(
                        /^arn:aws:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9._-]{3,128}$/,
                        "a trail ARN reads arn:aws:cloudtrail:<region>:<account>:trail/<name>",
                    ),
                /** Control Tower's roles that manage its trail (exempted from the trail deny). */
                managerRoles: roleNames(["AWSControlTowerExecution"]),
            })
            .strict(),
    ])
    .prefault({ mode: "create" });

export const organizationConfigSchema = z
    .object({
        role: z.literal("organization"),
        environment: environment.default("org"),
        accountId,
        region: region.default("eu-west-2"),
        organizationId,
        deployRoleArn: commonShape.deployRoleArn,
        tags: commonShape.tags,
        protectData: z.boolean().optional(),
        github: commonShape.github,
        /** The backup account: the central vault the backup policy copies into, the RCPs, delegated administration. */
        backupAccount: backupAccountSchema.optional(),
        guardrails: guardrailsSchema.optional(),
        backupPolicy: organizationBackupPolicySchema.prefault({}),
        delegatedBackupAdministrator: z.boolean().default(true),
        /** Multi-party approval for logically air-gapped vaults: on once the approval team exists (README). */
        multiPartyApproval: z.boolean().default(false),
        organizationTrail: organizationTrailSchema,
    })
    .strict()
    .superRefine((cfg, ctx) => {
        refineGithub(cfg, ctx);
        refineGuardrails(cfg, ctx);
    });

/** Cross-field rules of the guardrails, each naming the AWS rule it protects. */
function refineGuardrails(cfg: z.infer<typeof organizationConfigSchema>, ctx: z.RefinementCtx) {
    const g = cfg.guardrails;
    if (!g) {
        if (cfg.backupAccount)
            ctx.addIssue({
                code: "custom",
                path: ["guardrails"],
                message:
                    "backupAccount is set but guardrails is not: list guardrails.deploymentOus for the SCPs and the backup policy",
            });
        return;
    }
    if (!cfg.backupAccount) {
        ctx.addIssue({
            code: "custom",
            path: ["backupAccount"],
            message:
                "the guardrails need the backup account (the backup policy copies into its central vault; the RCPs and delegated administration name it)",
        });
        return;
    }
    const backupAccountId = cfg.backupAccount.accountId;
    if (backupAccountId === cfg.accountId)
        ctx.addIssue({
            code: "custom",
            path: ["backupAccount", "accountId"],
            message:
                "the backup account cannot be the management account: AWS Backup cannot delegate administration to the management account, and SCPs and RCPs never apply there",
        });
    g.extraScpTargets.forEach((t, i) => {
        if (t === cfg.accountId)
            ctx.addIssue({
                code: "custom",
                path: ["guardrails", "extraScpTargets", i],
                message:
                    "SCPs do not affect the management account (AWS Organizations, Service control policies): attaching one there protects nothing",
            });
        if (t === backupAccountId || orgRules.ROOT_ID.test(t))
            ctx.addIssue({
                code: "custom",
                path: ["guardrails", "extraScpTargets", i],
                message:
                    "the deployment guardrails are for workload accounts: the backup account is protected by its vault locks and policies, and the root would put them on it too",
            });
    });
    // The documents are built by the components that register them, so the sizes checked here are
    // the sizes sent. Loaded here, not at the top: the DR command line reads config without the Pulumi SDK.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { guardrailScps } = require("../../components/organization/serviceControlPolicies") as typeof ScpModule;
    const { policySizeProblem } =
        require("../../components/organization/organizationPolicy") as typeof OrganizationPolicyModule;
    const { backupPolicyContent } = require("../../components/organization/backupPolicy") as typeof BackupPolicyModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const targets = new Set([...g.deploymentOus, ...g.extraScpTargets]);
    if (targets.size < g.deploymentOus.length + g.extraScpTargets.length)
        ctx.addIssue({ code: "custom", path: ["guardrails", "extraScpTargets"], message: "a target is listed twice" });
    const scps = guardrailScps({ roles: g.exemptRoles, trailManagers: trailManagers(cfg.organizationTrail) });
    for (const p of scps) {
        const problem = policySizeProblem("SERVICE_CONTROL_POLICY", p.policyName, p.document);
        if (problem)
            ctx.addIssue({
                code: "custom",
                path: ["guardrails", "exemptRoles"],
                message: `${problem}: name fewer exempted roles`,
            });
    }
    // At most 5 SCPs per target, the FullAWSAccess policy AWS attaches included.
    if (g.serviceControlPolicies && scps.length + 1 > orgRules.MAX_ATTACHED_PER_TARGET)
        ctx.addIssue({ code: "custom", path: ["guardrails"], message: "too many SCPs for one target (AWS allows 5)" });
    g.memberAccounts.forEach((a, i) => {
        if (a.accountId === cfg.accountId || a.accountId === backupAccountId)
            ctx.addIssue({
                code: "custom",
                path: ["guardrails", "memberAccounts", i, "accountId"],
                message: "a member account of the deployment OUs is neither the management nor the backup account",
            });
    });
    const policy = cfg.backupPolicy;
    if (!policy.enabled) return;
    if (Object.keys(policy.rules).length === 0)
        ctx.addIssue({
            code: "custom",
            path: ["backupPolicy", "rules"],
            message: "the backup policy needs at least one rule",
        });
    const lock = cfg.backupAccount.vaultLock;
    for (const [ruleName, rule] of Object.entries(policy.rules)) {
        const copy = rule.copyToBackupAccount;
        if (copy && (copy.deleteAfterDays < lock.minRetentionDays || copy.deleteAfterDays > lock.maxRetentionDays))
            ctx.addIssue({
                code: "custom",
                path: ["backupPolicy", "rules", ruleName, "copyToBackupAccount", "deleteAfterDays"],
                message: `the central vault's lock accepts retention from ${lock.minRetentionDays} to ${lock.maxRetentionDays} days; AWS fails a copy job outside that range`,
            });
    }
    if (policy.copyToAirGappedVault)
        for (const [ruleName, rule] of Object.entries(policy.rules)) {
            if (rule.copyToBackupAccount && rule.copyToBackupAccount.deleteAfterDays < 7)
                ctx.addIssue({
                    code: "custom",
                    path: ["backupPolicy", "rules", ruleName, "copyToBackupAccount", "deleteAfterDays"],
                    message:
                        "a logically air-gapped vault keeps recovery points at least 7 days; AWS fails a copy with a shorter retention",
                });
        }
    const content = backupPolicyContent(organizationPolicyRules(cfg as OrganizationConfig));
    const problem = policySizeProblem("BACKUP_POLICY", orgNames.ORGANIZATION_BACKUP_PLAN_NAME, content);
    if (problem) ctx.addIssue({ code: "custom", path: ["backupPolicy", "rules"], message: `${problem}: fewer rules` });
}

/** Roles of an adopted landing zone that manage its trail. */
export function trailManagers(trail: z.infer<typeof organizationTrailSchema>): string[] {
    return trail.mode === "controlTower" ? trail.managerRoles : [];
}

/** The backup policy's content arguments from config: the rules, copies into the central vault. */
export function organizationPolicyRules(cfg: OrganizationConfig) {
    const backup = cfg.backupAccount;
    if (!backup) throw new Error("the backup policy needs vat-backup:backupAccount");
    const central = naming.centralVaultArn(backup.accountId, backup.region, backup.vaultName);
    const airGapped = cfg.backupPolicy.copyToAirGappedVault
        ? naming.centralVaultArn(backup.accountId, backup.region, cfg.backupPolicy.copyToAirGappedVault)
        : undefined;
    return {
        regions: cfg.backupPolicy.regions ?? [cfg.region],
        selectionTag: cfg.backupPolicy.selectionTag,
        rules: Object.fromEntries(
            Object.entries(cfg.backupPolicy.rules).map(([name, r]) => [
                name,
                {
                    schedule: r.schedule,
                    startWindowMinutes: r.startWindowMinutes,
                    completionWindowMinutes: r.completionWindowMinutes,
                    lifecycle: r.lifecycle,
                    copies: r.copyToBackupAccount
                        ? [
                              { vaultArn: central, lifecycle: r.copyToBackupAccount },
                              // No cold storage in the air-gapped vault: the copy keeps the retention only.
                              ...(airGapped
                                  ? [
                                        {
                                            vaultArn: airGapped,
                                            lifecycle: { deleteAfterDays: r.copyToBackupAccount.deleteAfterDays },
                                        },
                                    ]
                                  : []),
                          ]
                        : [],
                },
            ]),
        ),
    };
}

export type OrganizationConfig = z.infer<typeof organizationConfigSchema> & { protectData: boolean };

export const stackConfigSchema = z.discriminatedUnion(
    "role",
    [deploymentConfigSchema, backupConfigSchema, organizationConfigSchema],
    {
        error: (issue) =>
            issue.code === "invalid_union" ? "role must be 'deployment', 'backup' or 'organization'" : undefined,
    },
);

export type StackConfig = DeploymentConfig | BackupConfig | OrganizationConfig;

/** The most tables one plan can list by ARN: every assignment but the tag selection, each of up to 500 ARNs. */
export function maxTablesPerPlan(): number {
    return (rules.MAX_RESOURCE_ASSIGNMENTS_PER_PLAN - 1) * rules.MAX_ARNS_PER_SELECTION;
}

function duplicates(values: string[]): string[] {
    const seen = new Set<string>();
    const dups = new Set<string>();
    for (const v of values) (seen.has(v) ? dups : seen).add(v);
    return [...dups];
}
