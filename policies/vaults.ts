/**
 * Backup vaults and their keys: encrypted with a key the estate controls and rotates, failures
 * announced, and the backup account's vaults write-once.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isArchiveVault, vaultName } from "./lib/conventions";
import { ReferenceIndex, readKnown, readOrUnknown, UNKNOWN } from "./lib/joins";
import { asArray, configWithDefaults, globMatch, ofTypes, validateStackWith, validateTypes } from "./lib/policy";
import {
    VAULT_POLICY,
    VaultPolicyProps,
    KeyProps,
    KMS_KEY,
    VAULT,
    VAULT_LOCK,
    VAULT_NOTIFICATIONS,
    VaultLockProps,
    VaultNotificationsProps,
    VaultProps,
} from "./lib/tokens";

export const vaultCustomerManagedKey: ResourceValidationPolicy = {
    name: "backup-vault-customer-managed-key",
    description: "Every backup vault is encrypted with a customer-managed KMS key.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set the vault's `kmsKeyArn` to a customer-managed key (aws.kms.Key). Without it AWS uses the AWS-managed key " +
        "aws/backup, whose policy the estate cannot scope and which cannot be shared for cross-account copies.",
    validateResource: validateTypes<VaultProps>(VAULT, (vault, args, reportViolation) => {
        // A key created in the same update has an unknown ARN during preview: it cannot be judged
        // now (the engine checks it again during the update), which is neither a pass nor a throw.
        const key = readOrUnknown(() => vault.kmsKeyArn);
        if (key === UNKNOWN) return;
        if (!key) {
            reportViolation(
                `Vault '${args.name}' has no kmsKeyArn, so it is encrypted with the AWS-managed key aws/backup. Set \`kmsKeyArn\` to a customer-managed key.`,
            );
        } else if (/(^|:)alias\/aws\//.test(key)) {
            reportViolation(
                `Vault '${args.name}' is encrypted with the AWS-managed key ${key}. Set \`kmsKeyArn\` to a customer-managed key.`,
            );
        }
    }),
};

export interface KeyRotationConfig {
    maxRotationPeriodDays: number;
}

/** KMS rotates symmetric keys every 90 to 2560 days (365 by default). */
const ROTATION_MIN_DAYS = 90;
const ROTATION_MAX_DAYS = 2560;

export const keyRotation: ResourceValidationPolicy = {
    name: "kms-key-rotation",
    description:
        "Every symmetric customer-managed KMS key rotates automatically, at least as often as configured (default yearly).",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Set `enableKeyRotation: true` on the key, and `rotationPeriodInDays` no longer than the configured maximum (or omit it: 365 days).",
    configSchema: {
        properties: {
            maxRotationPeriodDays: {
                type: "integer",
                minimum: ROTATION_MIN_DAYS,
                maximum: ROTATION_MAX_DAYS,
                default: 365,
            },
        },
    },
    validateResource: validateTypes<KeyProps>(KMS_KEY, (key, args, reportViolation) => {
        // KMS rotates only symmetric encryption keys in its own key store.
        const spec = key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
        const usage = key.keyUsage ?? "ENCRYPT_DECRYPT";
        if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT" || key.customKeyStoreId || key.xksKeyId) {
            args.notApplicable("KMS rotates only symmetric encryption keys held in KMS");
        }
        const { maxRotationPeriodDays } = configWithDefaults<KeyRotationConfig>(args, { maxRotationPeriodDays: 365 });
        if (key.enableKeyRotation !== true) {
            reportViolation(`KMS key '${args.name}' does not rotate. Set \`enableKeyRotation: true\`.`);
            return;
        }
        const period = key.rotationPeriodInDays ?? 365;
        if (period > maxRotationPeriodDays) {
            reportViolation(
                `KMS key '${args.name}' rotates every ${period} days; at most ${maxRotationPeriodDays} are allowed. Lower \`rotationPeriodInDays\`.`,
            );
        }
    }),
};

export interface NotificationsConfig {
    requiredEvents: string[];
}

/**
 * The failure event a vault itself must announce. BACKUP_JOB_FAILED and RESTORE_JOB_FAILED are
 * deprecated ("no longer supported", PutBackupVaultNotifications), so backup and restore failures
 * are left to EventBridge rules; a copy failure is seen only by the vault's notifications.
 */
export const DEFAULT_REQUIRED_EVENTS = ["COPY_JOB_FAILED"];

export const vaultFailureNotifications: StackValidationPolicy = {
    name: "backup-vault-failure-notifications",
    description:
        "Every backup vault sends its failure events (by default COPY_JOB_FAILED) to an SNS topic; mandatory, since a copy that fails " +
        "unannounced leaves the estate without its off-account copy.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Add an aws.backup.VaultNotifications for the vault (`backupVaultName`), with an SNS topic and at least the " +
        "configured `backupVaultEvents`.",
    configSchema: {
        properties: {
            requiredEvents: { type: "array", items: { type: "string" }, default: DEFAULT_REQUIRED_EVENTS },
        },
    },
    validateStack: validateStackWith([VAULT], (args, reportViolation) => {
        const { requiredEvents } = configWithDefaults<NotificationsConfig>(args, {
            requiredEvents: DEFAULT_REQUIRED_EVENTS,
        });
        const notifications = new ReferenceIndex(ofTypes(args.resources, VAULT_NOTIFICATIONS), "backupVaultName");
        for (const vault of ofTypes(args.resources, VAULT)) {
            const found = notifications.find(vault, [vaultName(vault.props)]);
            if (found.length === 0) {
                reportViolation(
                    `Vault '${vault.name}' has no failure notifications. Add an aws.backup.VaultNotifications for it.`,
                    vault.urn,
                );
                continue;
            }
            const events = new Set(
                found.flatMap((n) => asArray(readKnown(() => (n.props as VaultNotificationsProps).backupVaultEvents))),
            );
            const missing = requiredEvents.filter((e) => !events.has(e));
            if (missing.length > 0) {
                reportViolation(
                    `Vault '${vault.name}' notifications miss the events ${missing.join(", ")}. Add them to \`backupVaultEvents\`.`,
                    vault.urn,
                );
            }
        }
    }),
};

/**
 * AWS accepts a compliance-mode grace period (`changeableForDays`) of at least 3 days: "Backup
 * enforces a 72-hour cooling-off period before Vault Lock takes effect" (PutBackupVaultLockConfiguration);
 * the provider caps it, and the retention bounds, at 36500 days.
 */
export const LOCK_LIMITS = { minChangeableForDays: 3, maxDays: 36500 } as const;

export const archiveVaultLocked: StackValidationPolicy = {
    name: "backup-vault-compliance-lock",
    description: "The backup account's vaults are locked in compliance mode (write-once), with settings AWS accepts.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Add an aws.backup.VaultLockConfiguration for the vault with `changeableForDays` (3 to 36500; setting it is what makes " +
        "the lock compliance mode) and retention bounds with 1 <= minRetentionDays <= maxRetentionDays <= 36500.",
    validateStack: validateStackWith([VAULT], (args, reportViolation) => {
        const locks = new ReferenceIndex(ofTypes(args.resources, VAULT_LOCK), "backupVaultName");
        for (const vault of ofTypes(args.resources, VAULT)) {
            if (!isArchiveVault(vault.props)) continue;
            const found = locks.find(vault, [vaultName(vault.props)]);
            if (found.length === 0) {
                reportViolation(
                    `Backup-account vault '${vault.name}' has no vault lock, so its recovery points can be deleted. Add an aws.backup.VaultLockConfiguration in compliance mode.`,
                    vault.urn,
                );
                continue;
            }
            for (const lock of found) {
                const {
                    changeableForDays: grace,
                    minRetentionDays: min,
                    maxRetentionDays: max,
                } = lock.props as VaultLockProps;
                if (grace === undefined || grace === null) {
                    reportViolation(
                        `The lock of vault '${vault.name}' is in governance mode (no changeableForDays), which privileged users can remove. Set \`changeableForDays\` for compliance mode.`,
                        lock.urn,
                    );
                } else if (grace < LOCK_LIMITS.minChangeableForDays || grace > LOCK_LIMITS.maxDays) {
                    reportViolation(
                        `The lock of vault '${vault.name}' has changeableForDays ${grace}; AWS accepts ${LOCK_LIMITS.minChangeableForDays} to ${LOCK_LIMITS.maxDays}.`,
                        lock.urn,
                    );
                }
                if (min !== undefined && min !== null && min < 1) {
                    reportViolation(
                        `The lock of vault '${vault.name}' has minRetentionDays ${min}; AWS requires at least 1.`,
                        lock.urn,
                    );
                }
                if (max !== undefined && max !== null && max > LOCK_LIMITS.maxDays) {
                    reportViolation(
                        `The lock of vault '${vault.name}' has maxRetentionDays ${max}; AWS accepts at most ${LOCK_LIMITS.maxDays}.`,
                        lock.urn,
                    );
                }
                if (min !== undefined && min !== null && max !== undefined && max !== null && min > max) {
                    reportViolation(
                        `The lock of vault '${vault.name}' has minRetentionDays ${min} above maxRetentionDays ${max}.`,
                        lock.urn,
                    );
                }
            }
        }
    }),
};

export interface LockRetentionConfig {
    /** The lowest `minRetentionDays` accepted: a lock whose minimum is lower lets points be deleted sooner. */
    minMinRetentionDays: number;
    /** The lowest `maxRetentionDays` accepted: copies kept longer than the maximum are refused by AWS. */
    minMaxRetentionDays: number;
}

export const LOCK_RETENTION_DEFAULTS: LockRetentionConfig = { minMinRetentionDays: 7, minMaxRetentionDays: 2555 };

export const vaultLockRetention: StackValidationPolicy = {
    name: "backup-vault-lock-retention",
    description:
        "The locks of the backup account's vaults keep recovery points at least `minMinRetentionDays` (default 7) and admit the seven-year " +
        "retention of the monthly copies (`maxRetentionDays` at least `minMaxRetentionDays`, default 2555).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Raise the lock's `minRetentionDays` to at least the configured minimum and its `maxRetentionDays` to at least the longest copy " +
        "retention. A compliance lock cannot be changed after its grace period: set it right before it ends.",
    configSchema: {
        properties: {
            minMinRetentionDays: { type: "integer", minimum: 1, default: LOCK_RETENTION_DEFAULTS.minMinRetentionDays },
            minMaxRetentionDays: { type: "integer", minimum: 1, default: LOCK_RETENTION_DEFAULTS.minMaxRetentionDays },
        },
    },
    validateStack: validateStackWith([VAULT_LOCK], (args, reportViolation) => {
        const { minMinRetentionDays, minMaxRetentionDays } = configWithDefaults<LockRetentionConfig>(
            args,
            LOCK_RETENTION_DEFAULTS,
        );
        for (const lock of ofTypes(args.resources, VAULT_LOCK)) {
            const { minRetentionDays: min, maxRetentionDays: max } = lock.props as VaultLockProps;
            const vault = readKnown(() => lock.props.backupVaultName) ?? lock.name;
            if (min === undefined || min === null || min < minMinRetentionDays) {
                reportViolation(
                    `The lock of vault '${vault}' has minRetentionDays ${min ?? "unset"}; at least ${minMinRetentionDays} are required, ` +
                        "or recovery points can be deleted (or copied in with a retention) shorter than the strategy allows.",
                    lock.urn,
                );
            }
            if (max !== undefined && max !== null && max < minMaxRetentionDays) {
                reportViolation(
                    `The lock of vault '${vault}' has maxRetentionDays ${max}; at least ${minMaxRetentionDays} are required, or AWS fails every copy kept longer.`,
                    lock.urn,
                );
            }
        }
    }),
};

/** The actions the backup account's vault policies deny to everyone except the break-glass role. */
export const DESTRUCTIVE_VAULT_ACTIONS = [
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:PutBackupVaultAccessPolicy",
    "backup:DeleteBackupVaultAccessPolicy",
];

interface PolicyStatement {
    Effect?: string;
    Principal?: unknown;
    Action?: unknown;
    NotAction?: unknown;
}

function statementsOf(document: unknown): PolicyStatement[] {
    if (typeof document !== "string") return [];
    try {
        const parsed = JSON.parse(document) as { Statement?: unknown };
        const list = Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [];
        return list.filter((s): s is PolicyStatement => !!s && typeof s === "object");
    } catch {
        return [];
    }
}

const listOf = (v: unknown): string[] =>
    (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === "string");

function actionMatches(patterns: string[], action: string): boolean {
    return patterns.some((p) => p === "*" || globMatch(p.toLowerCase(), action.toLowerCase()));
}

function isEveryone(principal: unknown): boolean {
    if (principal === "*") return true;
    return listOf((principal as { AWS?: unknown } | undefined)?.AWS).includes("*");
}

export interface VaultPolicyConfig {
    deniedActions: string[];
}

export const archiveVaultPolicyDenies: StackValidationPolicy = {
    name: "backup-vault-policy-denies-destruction",
    description:
        "The access policy of each backup-account vault denies deleting, shortening and re-policing recovery points to everyone " +
        "(the break-glass role excepted by condition), and allows none of those actions.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        'Give the vault an aws.backup.VaultPolicy with a statement `Effect: "Deny", Principal: "*"` over the configured actions, ' +
        "conditioned on aws:PrincipalArn not being the break-glass role, and no Allow of those actions.",
    configSchema: {
        properties: {
            deniedActions: { type: "array", items: { type: "string" }, default: DESTRUCTIVE_VAULT_ACTIONS },
        },
    },
    validateStack: validateStackWith([VAULT], (args, reportViolation) => {
        const { deniedActions } = configWithDefaults<VaultPolicyConfig>(args, {
            deniedActions: DESTRUCTIVE_VAULT_ACTIONS,
        });
        const policies = new ReferenceIndex(ofTypes(args.resources, VAULT_POLICY), "backupVaultName");
        for (const vault of ofTypes(args.resources, VAULT)) {
            if (!isArchiveVault(vault.props)) continue;
            const found = policies.find(vault, [vaultName(vault.props)]);
            const documents = found.map((p) => readOrUnknown(() => (p.props as VaultPolicyProps).policy));
            // A document built from outputs is unknown during preview; the engine checks it again during the update.
            if (documents.includes(UNKNOWN)) continue;
            const statements = documents.flatMap(statementsOf);
            const denied = (action: string) =>
                statements.some(
                    (s) => s.Effect === "Deny" && isEveryone(s.Principal) && actionMatches(listOf(s.Action), action),
                );
            const allowed = (action: string) =>
                statements.some((s) => s.Effect === "Allow" && actionMatches(listOf(s.Action), action));
            const notDenied = deniedActions.filter((a) => !denied(a));
            const granted = deniedActions.filter(allowed);
            if (found.length === 0 || notDenied.length > 0) {
                reportViolation(
                    `Backup-account vault '${vault.name}' does not deny ${(found.length === 0 ? deniedActions : notDenied).join(", ")} to everyone: ` +
                        'whoever holds those permissions can delete or shorten its recovery points. Add a Deny statement with Principal "*".',
                    vault.urn,
                );
            }
            if (granted.length > 0) {
                reportViolation(
                    `Backup-account vault '${vault.name}' access policy allows ${granted.join(", ")}. Remove the Allow; only the break-glass role may, by exception to the Deny.`,
                    vault.urn,
                );
            }
        }
    }),
};

export interface KeyDeletionConfig {
    minDeletionWindowDays: number;
}

/** KMS waits 7 to 30 days before deleting a key scheduled for deletion. */
const DELETION_WINDOW_MAX_DAYS = 30;

export const keyDeletionWindow: ResourceValidationPolicy = {
    name: "kms-key-deletion-window",
    description:
        "Every KMS key waits at least the configured number of days (default 30, the KMS maximum) before deletion, so a mistaken " +
        "deletion of a key that encrypts backups can still be cancelled.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps: "Set `deletionWindowInDays: 30` on the key (or omit it: KMS waits 30 days).",
    configSchema: {
        properties: {
            minDeletionWindowDays: {
                type: "integer",
                minimum: 7,
                maximum: DELETION_WINDOW_MAX_DAYS,
                default: DELETION_WINDOW_MAX_DAYS,
            },
        },
    },
    validateResource: validateTypes<KeyProps>(KMS_KEY, (key, args, reportViolation) => {
        const { minDeletionWindowDays } = configWithDefaults<KeyDeletionConfig>(args, {
            minDeletionWindowDays: DELETION_WINDOW_MAX_DAYS,
        });
        const days = key.deletionWindowInDays ?? DELETION_WINDOW_MAX_DAYS;
        if (days < minDeletionWindowDays) {
            reportViolation(
                `KMS key '${args.name}' is deleted ${days} days after it is scheduled for deletion; at least ${minDeletionWindowDays} are required. Raise \`deletionWindowInDays\`.`,
            );
        }
    }),
};

export const vaultPolicies = [
    vaultCustomerManagedKey,
    keyRotation,
    keyDeletionWindow,
    vaultFailureNotifications,
    archiveVaultLocked,
    vaultLockRetention,
    archiveVaultPolicyDenies,
];
