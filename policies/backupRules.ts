/**
 * AWS Backup plan rules: often enough for the RPO, long enough for the retention, and lifecycles
 * that AWS accepts and that the backup account's vault lock will not refuse.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { knownStrings, readKnown } from "./lib/joins";
import { configWithDefaults, validateTypes } from "./lib/policy";
import { longestIntervalHours } from "./lib/schedule";
import { PLAN, PlanProps } from "./lib/tokens";

type Rule = PlanProps["rules"][number];
interface Lifecycle {
    coldStorageAfter?: number;
    deleteAfter?: number;
}

/** Where a copy action sends its copies, for messages: its destination may be a vault created in the same update, unknown during preview. */
function destinationOf(copy: NonNullable<Rule["copyActions"]>[number]): string {
    const arn = readKnown(() => copy.destinationVaultArn);
    return typeof arn === "string" ? arn : "a vault whose ARN is known only after the update";
}

/**
 * Every lifecycle of a rule, with a function naming it for messages: the rule's own and each copy
 * action's. The name is built only for a violation, so an unknown destination never stops the policy.
 */
function lifecyclesOf(rule: Rule): { where: () => string; lifecycle: Lifecycle | undefined }[] {
    const out: { where: () => string; lifecycle: Lifecycle | undefined }[] = [
        { where: () => `rule '${rule.ruleName}'`, lifecycle: rule.lifecycle },
    ];
    (rule.copyActions ?? []).forEach((copy, i) =>
        out.push({
            where: () => `copy action ${i + 1} of rule '${rule.ruleName}' (to ${destinationOf(copy)})`,
            lifecycle: copy.lifecycle,
        }),
    );
    return out;
}

export interface FrequencyConfig {
    maxIntervalHours: number;
}

export const planRunsDaily: ResourceValidationPolicy = {
    name: "backup-plan-daily",
    description:
        "Every backup plan has a rule that runs at least daily (the off-account RPO is under 24 hours); weekly and monthly rules may sit beside it.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Add a rule whose `schedule` runs every day, e.g. `cron(0 2 * * ? *)` (an omitted schedule is AWS's daily `cron(0 5 ? * * *)`).",
    configSchema: {
        properties: {
            maxIntervalHours: { type: "integer", minimum: 1, default: 24 },
        },
    },
    validateResource: validateTypes<PlanProps>(PLAN, (plan, args, reportViolation) => {
        const { maxIntervalHours } = configWithDefaults<FrequencyConfig>(args, { maxIntervalHours: 24 });
        const intervals = (plan.rules ?? []).map((rule) => ({ rule, hours: longestIntervalHours(rule.schedule) }));
        for (const { rule, hours } of intervals) {
            if (hours === undefined) {
                reportViolation(
                    `Backup plan '${args.name}' rule '${rule.ruleName}' has a schedule this policy cannot read: ${rule.schedule}. Use a six-field cron expression.`,
                );
            }
        }
        const known = intervals.filter((i) => i.hours !== undefined) as { rule: Rule; hours: number }[];
        if (known.length === 0 || known.some((i) => i.hours <= maxIntervalHours)) return;
        const best = known.reduce((a, b) => (b.hours < a.hours ? b : a));
        reportViolation(
            `Backup plan '${args.name}' has no rule running at least every ${maxIntervalHours} hours; its most frequent rule, ` +
                `'${best.rule.ruleName}', can leave ${best.hours} hours between backups. Add a daily rule.`,
        );
    }),
};

export interface RetentionConfig {
    minRetentionDays: number;
}

export const ruleRetention: ResourceValidationPolicy = {
    name: "backup-rule-retention",
    description:
        "Every backup rule and copy action keeps recovery points at least the configured number of days (default 35).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Raise `lifecycle.deleteAfter` of the rule or copy action to at least the configured minimum.",
    configSchema: {
        properties: {
            minRetentionDays: { type: "integer", minimum: 1, default: 35 },
        },
    },
    validateResource: validateTypes<PlanProps>(PLAN, (plan, args, reportViolation) => {
        const { minRetentionDays } = configWithDefaults<RetentionConfig>(args, { minRetentionDays: 35 });
        for (const rule of plan.rules ?? []) {
            for (const { where, lifecycle } of lifecyclesOf(rule)) {
                const days = lifecycle?.deleteAfter;
                // No deleteAfter keeps the points indefinitely, which satisfies a minimum.
                if (days !== undefined && days !== null && days < minRetentionDays) {
                    reportViolation(
                        `Backup plan '${args.name}' ${where()} deletes recovery points after ${days} days; at least ${minRetentionDays} are required.`,
                    );
                }
            }
        }
    }),
};

/** "Backups transitioned to cold storage must be stored in cold storage for a minimum of 90 days" (AWS Backup, Lifecycle). */
export const COLD_STORAGE_MIN_DAYS = 90;

export const coldStorageMinimum: ResourceValidationPolicy = {
    name: "backup-cold-storage-minimum",
    description:
        "A lifecycle that moves recovery points to cold storage keeps them there the 90 days AWS requires before deletion.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps: "Set `deleteAfter` to at least `coldStorageAfter` + 90, or drop `coldStorageAfter`.",
    validateResource: validateTypes<PlanProps>(PLAN, (plan, args, reportViolation) => {
        for (const rule of plan.rules ?? []) {
            for (const { where, lifecycle } of lifecyclesOf(rule)) {
                const cold = lifecycle?.coldStorageAfter;
                const del = lifecycle?.deleteAfter;
                if (cold === undefined || cold === null || del === undefined || del === null) continue;
                if (del < cold + COLD_STORAGE_MIN_DAYS) {
                    reportViolation(
                        `Backup plan '${args.name}' ${where()} moves recovery points to cold storage after ${cold} days and deletes them after ${del}; ` +
                            `AWS requires 90 days in cold storage, so deleteAfter must be at least ${cold + COLD_STORAGE_MIN_DAYS}.`,
                    );
                }
            }
        }
    }),
};

export const copyLifecycleExplicit: ResourceValidationPolicy = {
    name: "backup-copy-lifecycle-explicit",
    description:
        "Every copy action states its own lifecycle with deleteAfter; without one the provider records indefinite retention, which a locked destination vault refuses.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Give each entry of `copyActions` a `lifecycle` with `deleteAfter` (and `coldStorageAfter` if the copy should go cold).",
    validateResource: validateTypes<PlanProps>(PLAN, (plan, args, reportViolation) => {
        for (const rule of plan.rules ?? []) {
            (rule.copyActions ?? []).forEach((copy, i) => {
                if (copy.lifecycle?.deleteAfter === undefined || copy.lifecycle?.deleteAfter === null) {
                    reportViolation(
                        `Backup plan '${args.name}' copy action ${i + 1} of rule '${rule.ruleName}' (to ${destinationOf(copy)}) has no lifecycle.deleteAfter, ` +
                            "so the copy is kept indefinitely. Set `lifecycle: { deleteAfter: ... }` on the copy action.",
                    );
                }
            });
        }
    }),
};

export interface OffAccountCopyConfig {
    /** The accounts copies may go to (the backup account); any other account than the plan's own when empty. */
    backupAccountIds: string[];
}

/** The account of a backup vault ARN (`arn:aws:backup:<region>:<account>:backup-vault:<name>`). */
export function vaultArnAccount(arn: string): string | undefined {
    const match = /^arn:aws[a-z-]*:backup:[^:]*:(\d{12}):backup-vault:/.exec(arn);
    return match ? match[1] : undefined;
}

export const copyToBackupAccount: ResourceValidationPolicy = {
    name: "backup-copy-to-backup-account",
    description:
        "Every backup plan copies recovery points out of its own account (to the backup account, when configured): only an off-account copy " +
        "survives the loss of the account.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Add to the plan's daily rule a `copyActions` entry whose `destinationVaultArn` is the backup account's central vault, with a lifecycle.",
    configSchema: {
        properties: {
            backupAccountIds: { type: "array", items: { type: "string", pattern: "^\\d{12}$" }, default: [] },
        },
    },
    validateResource: validateTypes<PlanProps>(PLAN, (plan, args, reportViolation) => {
        const { backupAccountIds } = configWithDefaults<OffAccountCopyConfig>(args, { backupAccountIds: [] });
        const own = knownStrings(() => args.provider?.props.allowedAccountIds);
        let unknownDestination = false;
        const offAccount = (plan.rules ?? []).some((rule) =>
            (rule.copyActions ?? []).some((copy) => {
                const arn = readKnown(() => copy.destinationVaultArn);
                if (typeof arn !== "string") {
                    unknownDestination = true;
                    return false;
                }
                const account = vaultArnAccount(arn);
                if (!account) return false;
                return backupAccountIds.length > 0 ? backupAccountIds.includes(account) : !own.includes(account);
            }),
        );
        // A destination vault created in the same update is unknown during preview; it is checked again during the update.
        if (offAccount || unknownDestination) return;
        const where =
            backupAccountIds.length > 0 ? `the backup account (${backupAccountIds.join(", ")})` : "another account";
        reportViolation(
            `Backup plan '${args.name}' copies nothing to ${where}: every recovery point stays in the account it protects, and is lost with it. ` +
                "Add a copy action to the backup account's central vault.",
        );
    }),
};

export interface TargetVaultConfig {
    forbiddenVaultNames: string[];
}

export const ruleTargetVault: ResourceValidationPolicy = {
    name: "backup-rule-target-vault",
    description:
        "No backup rule writes into the account's `Default` vault, which AWS encrypts with its managed key and which no lock or policy of the estate guards.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set each rule's `targetVaultName` to the vault the stack creates for its backups.",
    configSchema: {
        properties: {
            forbiddenVaultNames: { type: "array", items: { type: "string" }, default: ["Default"] },
        },
    },
    validateResource: validateTypes<PlanProps>(PLAN, (plan, args, reportViolation) => {
        const { forbiddenVaultNames } = configWithDefaults<TargetVaultConfig>(args, {
            forbiddenVaultNames: ["Default"],
        });
        for (const rule of plan.rules ?? []) {
            const target = readKnown(() => rule.targetVaultName);
            if (typeof target === "string" && forbiddenVaultNames.includes(target)) {
                reportViolation(
                    `Backup plan '${args.name}' rule '${rule.ruleName}' writes into the vault '${target}'. Target the stack's own vault instead.`,
                );
            }
        }
    }),
};

export const backupRulePolicies = [
    planRunsDaily,
    ruleRetention,
    coldStorageMinimum,
    copyLifecycleExplicit,
    copyToBackupAccount,
    ruleTargetVault,
];
